"""Compute a workbook block by block, in dependency order; hand the rest to `formulas`.

:func:`run_blocks` compiles every block (:mod:`.blocks`), orders the blocks so that each
comes after the blocks whose cells it reads, and computes them with numpy. A block in
a cycle, a block the compiler cannot take, and a block that reads a cell left to the
other path are *fallback* blocks: their cells are listed for the cell-by-cell path.

:func:`evaluate_fast` is the entry point used by ``kpi recalc``: the fast path for what
it can do, then `formulas` (:mod:`kpi_udfs.recalc.engine`) for whatever is left.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np

from ..a1 import col_letters
from ..model import Evaluation
from .blocks import Block, find_blocks
from .book import Book
from .compile import Compiled, Ctx, blank_as_shown, compile_formula, finish
from .reasons import explain_errors
from .vector import Unsupported, Vec
from .workbook import Workbook, read_workbook

#: A read touching more blocks of one column than this depends on the whole column.
_MANY = 64


@dataclass
class FastResult:
    """What the fast path computed, and what it left."""

    values: dict[tuple[str, str], object] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def fallback_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.fallback is not None]

    def fallback_cells(self) -> list[tuple[str, str]]:
        return [(b.sheet, f"{col_letters(c)}{r}") for b in self.fallback_blocks for r, c in b.cells()]

    def summary(self) -> dict[str, object]:
        fast = sum(b.rows * b.width for b in self.blocks if b.fallback is None)
        slow = sum(b.rows * b.width for b in self.blocks if b.fallback is not None)
        reasons: dict[str, int] = defaultdict(int)
        for b in self.fallback_blocks:
            reasons[b.fallback] += b.rows * b.width
        return {"fast_cells": fast, "fallback_cells": slow, "blocks": len(self.blocks), "reasons": dict(reasons)}


def _compile(book: Book, block: Block, cache: dict) -> Compiled:
    if block.array:
        return compile_formula(book, block.sheet, block.text, *block.anchor)
    key = (block.sheet, block.key)
    got = cache.get(key)
    if got is None:
        try:
            got = compile_formula(book, block.sheet, block.text, *block.anchor)
        except Unsupported as e:
            got = e
        cache[key] = got
    if isinstance(got, Unsupported):
        raise got
    return got


def _order(blocks: list[Block]) -> list[int]:
    """Indices of the blocks each after those it reads; blocks in cycles are left out."""
    where: dict[tuple[str, int], list[tuple[int, int, int]]] = defaultdict(list)
    for i, b in enumerate(blocks):
        for c in range(b.col, b.last_col + 1):
            where[(b.sheet, c)].append((b.row0, b.last_row, i))
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
    virtual: dict[tuple[str, int], int] = {}  # whole-column nodes after every block of a column
    deps: list[set[int]] = [set() for _ in range(n)]
    for i, b in enumerate(blocks):
        for sheet, top, bottom, left, right in b.reads:
            cols = columns_of.get(sheet) or columns_of.get(_casefold_sheet(columns_of, sheet), [])
            lo, hi = bisect_left(cols, left), bisect_right(cols, right)
            for col in cols[lo:hi]:
                starts, ends, ids = index[(sheet, col)]
                a = bisect_left(ends, top)
                z = bisect_right(starts, bottom)
                if z - a > _MANY:
                    node = virtual.get((sheet, col))
                    if node is None:
                        node = virtual[(sheet, col)] = n + len(virtual)
                        deps.append(set(ids))
                    deps[i].add(node)
                else:
                    deps[i].update(ids[a:z])
    total = len(deps)
    users: list[list[int]] = [[] for _ in range(total)]
    waiting = [0] * total
    for i, ds in enumerate(deps):
        for d in ds:
            if d == i:
                waiting[i] += 1  # reads itself: never ready
                continue
            users[d].append(i)
            waiting[i] += 1
    ready = deque(i for i in range(total) if waiting[i] == 0)
    order = []
    while ready:
        i = ready.popleft()
        if i < n:
            order.append(i)
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                ready.append(u)
    return order


def _casefold_sheet(columns_of: dict, sheet: str) -> str:
    for name in columns_of:
        if name.casefold() == sheet.casefold():
            return name
    return sheet


def fit_area(vec: Vec, rows: int, cols: int) -> Vec:
    """An array formula's result over its range, as Excel fills it: a single row or
    column repeats, cells beyond a smaller result are #N/A."""
    from ...errors import NA
    from .vector import native_error, with_error_cells

    _, h, w = vec.shape
    if (h, w) == (rows, cols):
        return vec
    if h > rows or w > cols:  # Excel shows the top-left part; `formulas` gives #VALUE!
        raise Unsupported("array result larger than its range")
    rr = np.arange(rows) if h != 1 else np.zeros(rows, dtype=int)
    cc = np.arange(cols) if w != 1 else np.zeros(cols, dtype=int)
    outside = (rr[:, None] >= h) | (cc[None, :] >= w)
    ri, ci = np.minimum(rr, h - 1), np.minimum(cc, w - 1)
    kind = vec.kind[0][ri[:, None], ci[None, :]]
    num = vec.num[0][ri[:, None], ci[None, :]]
    obj = None if vec.obj is None else vec.obj[0][ri[:, None], ci[None, :]]
    out = Vec(kind[None], num[None], None if obj is None else obj[None])
    if outside.any():
        errors = np.where(outside, native_error(NA), None)[None]
        out = with_error_cells(out, errors)
    return out


def _finish_area(compiled: Compiled, vec: Vec, block: Block) -> Vec:
    return blank_as_shown(compiled, fit_area(vec, block.rows, block.width))


def run_blocks(wb: Workbook, progress: Callable[[int, int], None] | None = None, debug: bool = False) -> FastResult:
    """Compute every block the fast path can; mark the others as fallback."""
    t0 = time.perf_counter()
    book = wb.book
    blocks = find_blocks(wb.formulas, wb.plain)
    result = FastResult(blocks=blocks)
    t1 = time.perf_counter()
    cache: dict = {}
    for b in blocks:
        if b.fallback is not None:
            continue
        try:
            b.compiled = _compile(book, b, cache)
            b.reads = [r.area(b.sheet, b.row0, b.col, 1 if b.array else b.rows) for r in b.compiled.reaches]
        except Unsupported as e:
            b.fallback = str(e)
    t2 = time.perf_counter()
    order = _order(blocks)
    in_order = set(order)
    for i, b in enumerate(blocks):
        if i not in in_order and b.fallback is None:
            b.fallback = "circular reference, or reads one"
    t3 = time.perf_counter()
    total = len(order)
    for done, i in enumerate(order, 1):
        b = blocks[i]
        if b.fallback is not None:
            continue
        try:
            ctx = Ctx(book, b.sheet, b.row0, b.col, 1 if b.array else b.rows)
            with np.errstate(all="ignore"):
                vec = b.compiled.root.ev(ctx)
            if b.array:
                vec = _finish_area(b.compiled, vec, b)
            else:
                vec = finish(b.compiled, vec, b.rows)
            vec = explain_errors(b, ctx, vec, result.values)
            if b.array:
                book.sheet(b.sheet).store_area(b.row0, b.col, vec)
            else:
                book.sheet(b.sheet).store(b.col, b.row0, vec)
            _collect(result.values, b, vec)
        except Unsupported as e:
            b.fallback = str(e)
        except Exception as e:  # a bug in the fast path must not cost the workbook
            if debug:
                raise
            b.fallback = f"internal error: {type(e).__name__}: {e}"
        if progress is not None and (done % 64 == 0 or done == total):
            progress(done, total)
    t4 = time.perf_counter()
    result.seconds = {"blocks": t1 - t0, "compile": t2 - t1, "order": t3 - t2, "evaluate": t4 - t3}
    return result


def _collect(values: dict, b: Block, vec: Vec) -> None:
    py = vec.values()
    sheet = b.sheet
    if b.array:
        for i in range(b.rows):
            for j in range(b.width):
                values[(sheet, f"{col_letters(b.col + j)}{b.row0 + i}")] = py[0, i, j]
        return
    letters = col_letters(b.col)
    refs = map(letters.__add__, map(str, range(b.row0, b.row0 + b.rows)))
    values.update(zip(zip(repeat(sheet), refs), py[:, 0, 0].tolist(), strict=False))


class Precomputed:
    """A block evaluator for `formulas`' graph (:mod:`kpi_udfs.recalc.blocks`) that
    hands over the values the fast path already computed, so that the cell-by-cell
    path computes only the cells left to it."""

    def __init__(self, values: dict):
        self.values = values

    def compile(self, block):
        from ..blocks import CompiledBlock
        from ..values import to_formulas

        letters = col_letters(block.col)
        keys = [(block.sheet, f"{letters}{r}") for r in range(block.first_row, block.last_row + 1)]
        if not all(k in self.values for k in keys):
            return None
        column = np.empty((len(keys), 1), dtype=object)
        for i, k in enumerate(keys):
            column[i, 0] = to_formulas(self.values[k])
        return CompiledBlock(inputs=[], function=lambda: column, keep_blank=True)


def evaluate_fast(path: Path | str, *, progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """Every formula cell of the workbook at ``path``: the fast path first, then the
    cell-by-cell path (:class:`kpi_udfs.recalc.engine.Recalculation`) for what it left."""
    wb = read_workbook(path)
    result = run_blocks(wb, progress)
    if not result.fallback_blocks:
        return Evaluation(values=result.values)
    from ..engine import Recalculation

    slow = Recalculation(Path(path), progress=progress, block_evaluator=Precomputed(result.values)).run().evaluation
    for key, value in result.values.items():
        slow.values[key] = value
        slow.notes.pop(key, None)
    return slow
