"""Copied-down blocks: the cells of a column that hold the same formula, and the band logic
each holds.

A rule typed once and copied down a staff list is one formula in R1C1 terms (the engine's
:func:`~kpi_udfs.recalc.read.cells.r1c1_key`), so each distinct key of a column is
parsed and recognised once, whatever the number of rows. Its tables are read once too,
unless a threshold or result is a cell whose row moves with the copy (a ``$`` forgotten:
``VLOOKUP(J3,N3:O6,2)``), in which case each row reads its own table and the rows are
grouped by the table they get.

A :class:`RuleBlock` is the result: one shape, the rows that use it with one and the same
table, and that table.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ..recalc.a1 import col_letters
from ..recalc.graph.parse import ArrayConst, FormulaSyntax, Name, parse
from ..recalc.read.cells import r1c1_key
from .band_tables import BandTable, FewKeys, KeyTable, Resolver, Unresolved, WeightVector, reconstruct
from .formula_render import render
from .shapes import AllOf, AnyOf, Cmp, IfBands, Lookup, Not, Shape, Weights, moves_down, recognise
from .sheet_reader import Sheet, Workbook

_NUMBERS = re.compile(r'"(?:[^"]|"")*"|(?<![\w\[.$])(?<!\[-)(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?')


def _abstract(m: re.Match) -> str:
    return m.group(0) if m.group(0).startswith('"') else "#"


#: Functions whose presence makes a formula worth parsing (a sum of products needs "*").
_HINTS = ("IF", "LOOKUP", "MATCH", "SUMPRODUCT", "*")


@dataclass
class RuleBlock:
    """Rows of one column that hold one recognised shape and get the same table from it."""

    sheet: str
    col: int
    rows: list[int]
    key: str  # the formula's R1C1 key
    rep_row: int  # the row whose formula was read
    text: str  # that formula's text (without "=")
    tree: object
    shape: Shape
    index: int  # which of the formula's recognised shapes (0 = outermost)
    table: BandTable | KeyTable | WeightVector | None
    problem: str | None = None  # why the table could not be read
    array: bool = False  # inside an array formula

    @property
    def column(self) -> str:
        return col_letters(self.col)

    @property
    def family(self) -> str:
        if isinstance(self.shape, Weights):
            return "weights"
        if isinstance(self.shape, IfBands) and self.shape.kind == "map":
            return "map"
        return "bands"

    def subject_key(self) -> str:
        """The looked-up value in R1C1 terms, to tell one rule of a column from another."""
        if isinstance(self.shape, Weights):
            node = self.shape.scores if self.shape.scores is not None else self.shape.terms[0][0]
        else:
            node = self.shape.subject
        try:
            return r1c1_key(render(node), self.rep_row, self.col)
        except TypeError:
            return "?"

    def signature(self) -> tuple:
        """What makes two blocks of a column the same rule typed in different rows: the same
        kind, the same looked-up value and the same formula up to its numbers (a threshold
        typed differently; a ``$`` forgotten keeps even the numbers)."""
        return (self.family, self.subject_key(), self.index, _NUMBERS.sub(_abstract, self.key))

    def behaviour(self) -> tuple:
        return () if self.table is None else self.table.behaviour()


def _cond_nodes(cond) -> list:
    if isinstance(cond, Cmp):
        return [cond.threshold]
    if isinstance(cond, (AllOf, AnyOf)):
        return [n for p in cond.parts for n in _cond_nodes(p)]
    if isinstance(cond, Not):
        return _cond_nodes(cond.part)
    return []


def table_nodes(shape: Shape) -> list:
    """The parts of a shape its table is read from: thresholds, keys, results, weights."""
    if isinstance(shape, IfBands):
        found = [leaf.result for leaf in shape.leaves]
        found += [n for leaf in shape.leaves for c, _ in leaf.path for n in _cond_nodes(c)]
    elif isinstance(shape, Lookup):
        found = [shape.keys, shape.results, shape.table, *shape.choices]
    else:
        found = [shape.weights] + [w for _, w in shape.terms]
    return [n for n in found if n is not None]


def depends_on_row(shape: Shape) -> bool:
    """Whether the shape's table (not its looked-up value) changes from row to row."""
    return any(moves_down(n) for n in table_nodes(shape) if not isinstance(n, (ArrayConst, Name)))


def _worth_parsing(text: str) -> bool:
    upper = text.upper()
    return any(h in upper for h in _HINTS)


def column_keys(sheet: Sheet) -> dict[tuple[int, str], list[int]]:
    """(column, R1C1 key) → rows, for every formula cell of the sheet."""
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (row, col), key in sheet.keys.items():
        groups[(col, key)].append(row)
    return groups


def rule_blocks(book: Workbook, sheet: Sheet) -> list[RuleBlock]:
    """Every recognised shape of the sheet, split into blocks of rows sharing one table."""
    out: list[RuleBlock] = []
    for (col, key), rows in sorted(column_keys(sheet).items()):
        rows.sort()
        rep = rows[0]
        text = sheet.formula((rep, col))
        if not text or not _worth_parsing(text):
            continue
        try:
            tree = parse(text)
        except (FormulaSyntax, RecursionError, ValueError):
            continue  # not a formula the parser reads (structured references…): not band logic
        try:
            shapes = recognise(tree, rep, written=_written)
        except RecursionError:
            continue
        array = (rep, col) in sheet.array_cells
        for index, shape in enumerate(shapes):
            out.extend(_split(book, sheet, col, key, rows, rep, text, tree, shape, index, array))
    return out


def _written(node) -> str:
    try:
        return render(node)
    except TypeError:
        return "?"


def _split(book, sheet, col, key, rows, rep, text, tree, shape, index, array) -> list[RuleBlock]:
    def block(rows_, table, problem=None):
        return RuleBlock(sheet.name, col, rows_, key, rep, text, tree, shape, index, table, problem, array)

    if not depends_on_row(shape):
        try:
            table = reconstruct(shape, Resolver(book, sheet.name, 0))
        except Unresolved as e:
            if isinstance(shape, Weights) or (isinstance(shape, Lookup) and "numeric keys" in str(e)):
                return []  # not weights after all; a lookup over text keys: no band table
            return [block(rows, None, str(e))]
        if isinstance(table, WeightVector) and not table.plausible():
            return []
        return [block(rows, table)]
    by_behaviour: dict[tuple, list[int]] = {}
    tables: dict[tuple, object] = {}
    problems: dict[str, list[int]] = defaultdict(list)
    few_keys: set[str] = set()  # the problems that say a lookup is not band logic at all
    for r in rows:
        try:
            table = reconstruct(shape, Resolver(book, sheet.name, r - rep))
        except Unresolved as e:
            problems[str(e)].append(r)
            if isinstance(e, FewKeys):
                few_keys.add(str(e))
            continue
        if isinstance(table, WeightVector) and not table.plausible():
            problems["implausible"].append(r)
            continue
        b = table.behaviour()
        by_behaviour.setdefault(b, []).append(r)
        tables.setdefault(b, table)
    if isinstance(shape, Weights) and not by_behaviour:
        return []
    out = [block(rs, tables[b]) for b, rs in by_behaviour.items()]
    out += [block(rs, None, why) for why, rs in problems.items()
            if why != "implausible" and not (isinstance(shape, Lookup) and why in few_keys)]
    return out
