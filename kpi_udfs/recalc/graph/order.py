"""The order blocks are computed in: each after the blocks whose cells it reads.

Blocks are the nodes; a block depends on every block holding a cell it reads (from the
compiled formulas' :class:`~.compile.Reach` es: references, names, Tables, spilled
ranges, 3-D references). A read touching many blocks of one column (a whole-column
reference) goes through one node standing for the column, so the graph stays linear.

:func:`plan` returns the strongly connected components in dependency order (Tarjan's
algorithm, iterative). A component of one block that does not read itself is computed
a whole block at a time; a component of several blocks, or of a block that reads its
own cells (a running total), is computed row by row, every row in order across its
blocks: cells read before they are computed are computed on demand, and a cell read
while it is being computed is a circular reference
(:mod:`kpi_udfs.recalc.evaluate.run`). Reads the graph cannot see before running
(INDIRECT, OFFSET) are met the same way, on demand.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from .formula_blocks import Block

#: A read touching more blocks of one column than this depends on the whole column.
_MANY = 64


def dependencies(blocks: list[Block]) -> list[set[int]]:
    """Per node, the nodes it reads: blocks first (their indices), then column nodes."""
    where: dict[tuple[str, int], list[tuple[int, int, int]]] = defaultdict(list)
    for i, b in enumerate(blocks):
        for c in range(b.col, b.last_col + 1):
            where[(b.sheet.casefold(), c)].append((b.row0, b.last_row, i))
    index = {}
    for key, items in where.items():
        items.sort()
        index[key] = ([t[0] for t in items], [t[1] for t in items], [t[2] for t in items])
    columns_of: dict[str, list[int]] = defaultdict(list)
    for sheet, col in index:
        columns_of[sheet].append(col)
    for cols in columns_of.values():
        cols.sort()

    n = len(blocks)
    virtual: dict[tuple[str, int], int] = {}
    deps: list[set[int]] = [set() for _ in range(n)]
    for i, b in enumerate(blocks):
        for sheet, top, bottom, left, right in b.reads:
            key_sheet = sheet.casefold()
            cols = columns_of.get(key_sheet, [])
            lo, hi = bisect_left(cols, left), bisect_right(cols, right)
            for col in cols[lo:hi]:
                starts, ends, ids = index[(key_sheet, col)]
                a = bisect_left(ends, top)
                z = bisect_right(starts, bottom)
                if z - a > _MANY:
                    node = virtual.get((key_sheet, col))
                    if node is None:
                        node = virtual[(key_sheet, col)] = n + len(virtual)
                        deps.append(set(ids))
                    deps[i].add(node)
                else:
                    deps[i].update(ids[a:z])
    return deps


def plan(blocks: list[Block]) -> list[tuple[list[int], bool]]:
    """(block indices, computed row by row) per component, in dependency order."""
    n = len(blocks)
    deps = dependencies(blocks)
    out = []
    for comp in _components(deps):
        members = [i for i in comp if i < n]
        if not members:
            continue
        cyclic = len(comp) > 1 or comp[0] in deps[comp[0]]
        out.append((sorted(members), cyclic))
    return out


def _components(deps: list[set[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, dependencies first (iterative)."""
    total = len(deps)
    index = [0] * total
    low = [0] * total
    seen = [False] * total
    on_stack = [False] * total
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 1
    succ = [sorted(d) for d in deps]
    for root in range(total):
        if seen[root]:
            continue
        work = [(root, 0)]
        seen[root] = True
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, k = work[-1]
            if k < len(succ[v]):
                work[-1] = (v, k + 1)
                w = succ[v][k]
                if not seen[w]:
                    seen[w] = True
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out
