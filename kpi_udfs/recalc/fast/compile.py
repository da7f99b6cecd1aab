"""A formula compiled once into a function over a whole block of rows.

A staff list is one formula copied down many rows. :func:`compile_formula` turns the
formula of one cell (its *anchor*) into a :class:`Compiled` whose nodes compute every
row of a block at once: a relative reference becomes a row/column offset from the
block's own cells (R1C1 style), so ``B2*C2`` in row 2 reads columns B and C of every
row of the block; an absolute reference (``$N$2:$N$7``) is one constant range shared by
all rows. Functions get whole columns (:mod:`.natives` for Excel's own,
:mod:`.kpicall` for the KPI_ registry).

Whatever the compiler does not know (a function without a vectorised form, a name that
is not a plain range, a reference shape that is not the same for every row) raises
:class:`~.vector.Unsupported` at compile or evaluation time, and the block falls back
to the cell-by-cell path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .book import Book
from .parse import (
    MAX_COL,
    MAX_ROW,
    ArrayConst,
    Binary,
    Bool,
    Call,
    Err,
    FormulaSyntax,
    Missing,
    Name,
    Num,
    Ref,
    Str,
    Unary,
    parse,
)
from .vector import (
    EMPTY,
    NUMBER,
    Unsupported,
    Vec,
    arithmetic,
    compare,
    concat,
    native_error,
    negate,
    percent,
)


@dataclass
class Ctx:
    """Where a block is computed: its sheet, first row, column and number of rows."""

    book: Book
    sheet: str
    row0: int
    col: int
    m: int
    #: Results of the KPI_ calls made while computing the block, in call order (the
    #: reasons of the block's errors are looked up there, as the cell-by-cell path does).
    kpi_results: list = field(default_factory=list)


@dataclass(frozen=True)
class Reach:
    """The cells one reference reads, relative to the block (for dependency order).

    For each end, ``abs`` means a fixed row/column, else an offset from the block's
    first row (rows) or its column (columns).
    """

    sheet: str | None
    row1: int
    row2: int
    col1: int
    col2: int
    row1_abs: bool
    row2_abs: bool
    col1_abs: bool
    col2_abs: bool

    def area(self, sheet: str, row0: int, col: int, m: int) -> tuple[str, int, int, int, int]:
        """(sheet, top, bottom, left, right) read by a block of ``m`` rows at (row0, col)."""
        top = self.row1 if self.row1_abs else row0 + self.row1
        bottom = self.row2 if self.row2_abs else row0 + m - 1 + self.row2
        left = self.col1 if self.col1_abs else col + self.col1
        right = self.col2 if self.col2_abs else col + self.col2
        return (self.sheet or sheet, top, bottom, left, right)


class Node:
    """A compiled expression: ``ev(ctx)`` gives its Vec for every row of the block."""

    is_ref = False
    is_missing = False
    is_kpi = False

    def ev(self, ctx: Ctx) -> Vec:  # pragma: no cover
        raise NotImplementedError


class Const(Node):
    def __init__(self, value):
        self.vec = Vec.const(value)

    def ev(self, ctx: Ctx) -> Vec:
        return self.vec


class ArrayNode(Node):
    def __init__(self, rows):
        values = np.empty((1, len(rows), len(rows[0])), dtype=object)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                values[0, i, j] = _literal(cell)
        self.vec = Vec.from_values(values)

    def ev(self, ctx: Ctx) -> Vec:
        return self.vec


class MissingNode(Node):
    is_missing = True

    def ev(self, ctx: Ctx) -> Vec:
        return Vec.const(None)


class RefNode(Node):
    """A cell or range, read for every row of the block."""

    is_ref = True

    def __init__(self, reach: Reach):
        self.reach = reach

    def ev(self, ctx: Ctx) -> Vec:
        r = self.reach
        sheet = ctx.book.sheet(r.sheet or ctx.sheet)
        left = r.col1 if r.col1_abs else ctx.col + r.col1
        right = r.col2 if r.col2_abs else ctx.col + r.col2
        if r.col2_abs and r.col2 == MAX_COL:  # whole rows: up to the last used column
            right = max(left, min(right, sheet.max_col))
        if left < 1 or right > MAX_COL:
            raise Unsupported("reference outside the sheet")
        fixed = (r.row1_abs and r.row2_abs) or ctx.m == 1
        if fixed:
            top = r.row1 if r.row1_abs else ctx.row0 + r.row1
            bottom = r.row2 if r.row2_abs else ctx.row0 + r.row2
            if r.row2_abs and r.row2 == MAX_ROW:  # whole columns: down to the last used row
                bottom = max(top, min(bottom, sheet.max_row))
            if top < 1 or bottom > MAX_ROW:
                raise Unsupported("reference outside the sheet")
            area = sheet.region(top, bottom, left, right)
            return Vec(area.kind[None], area.num[None], None if area.obj is None else area.obj[None])
        if r.row1_abs or r.row2_abs:
            raise Unsupported("range whose size changes from row to row")
        top = ctx.row0 + r.row1
        height = r.row2 - r.row1 + 1
        bottom = ctx.row0 + ctx.m - 1 + r.row2
        if top < 1 or bottom > MAX_ROW:
            raise Unsupported("reference outside the sheet")
        area = sheet.region(top, bottom, left, right)
        if height == 1:
            return Vec(area.kind[:, None, :], area.num[:, None, :], None if area.obj is None else area.obj[:, None, :])
        if ctx.m * height * (right - left + 1) > 5_000_000:
            raise Unsupported("per-row ranges too large")
        return _windows(area, height)


def _windows(area: Vec, height: int) -> Vec:
    """Each row's window of ``height`` rows: shape (m, height, width)."""
    from numpy.lib.stride_tricks import sliding_window_view

    def win(a):
        return np.ascontiguousarray(np.moveaxis(sliding_window_view(a, height, axis=0), -1, 1))

    return Vec(win(area.kind), win(area.num), None if area.obj is None else win(area.obj))


class OpNode(Node):
    def __init__(self, fn: Callable[..., Vec], *args: Node):
        self.fn = fn
        self.args = args

    def ev(self, ctx: Ctx) -> Vec:
        return self.fn(*(a.ev(ctx) for a in self.args))


class CallNode(Node):
    """An Excel function: ``impl(ctx, args)`` gets the compiled arguments (lazy)."""

    def __init__(self, name: str, impl, args: tuple[Node, ...]):
        self.name = name
        self.impl = impl
        self.args = args

    def ev(self, ctx: Ctx) -> Vec:
        return self.impl(ctx, self.args)


@dataclass
class Compiled:
    """One formula compiled for blocks: its root node and the references it reads."""

    root: Node
    reaches: list[Reach] = field(default_factory=list)
    #: The single-cell references written in the formula, in order (names excluded).
    singles: list[Reach] = field(default_factory=list)
    #: Whether the whole formula is one KPI_ call (its blank result stays blank).
    outer_kpi: bool = False


def _literal(node):
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Str):
        return node.value
    if isinstance(node, Bool):
        return node.value
    if isinstance(node, Err):
        return native_error(node.code)
    raise Unsupported("array constant element")


_BINARY = {
    "+": lambda a, b: arithmetic("+", a, b),
    "-": lambda a, b: arithmetic("-", a, b),
    "*": lambda a, b: arithmetic("*", a, b),
    "/": lambda a, b: arithmetic("/", a, b),
    "^": lambda a, b: arithmetic("^", a, b),
    "&": concat,
}
for _op in ("=", "<>", "<", ">", "<=", ">="):
    _BINARY[_op] = (lambda op: lambda a, b: compare(op, a, b))(_op)


class _Compiler:
    def __init__(self, book: Book, sheet: str, anchor_row: int, anchor_col: int):
        self.book = book
        self.sheet = sheet
        self.row = anchor_row
        self.col = anchor_col
        self.reaches: list[Reach] = []
        self.singles: list[Reach] = []
        self.names_seen: list[str] = []

    def node(self, n, whole_ok: bool = False) -> Node:
        if isinstance(n, (Num, Str, Bool)):
            return Const(n.value)
        if isinstance(n, Err):
            return Const(native_error(n.code))
        if isinstance(n, Missing):
            return MissingNode()
        if isinstance(n, ArrayConst):
            return ArrayNode(n.rows)
        if isinstance(n, Ref):
            if _whole(n) and not whole_ok:
                raise Unsupported("whole-column reference outside SUM/MIN/MAX/COUNTIF/RANK/lookups")
            node = self.ref(n)
            if n.is_cell and node.reach not in self.singles:
                self.singles.append(node.reach)
            return node
        if isinstance(n, Name):
            return self.name(n.name, whole_ok)
        if isinstance(n, Unary):
            arg = self.node(n.arg)
            fn = {"-": negate, "%": percent, "+": _unary_plus}[n.op]
            return OpNode(fn, arg)
        if isinstance(n, Binary):
            return OpNode(_BINARY[n.op], self.node(n.left), self.node(n.right))
        if isinstance(n, Call):
            return self.call(n)
        raise Unsupported(f"syntax {type(n).__name__}")  # pragma: no cover

    def ref(self, r: Ref, absolute: bool = False) -> RefNode:
        if r.sheet is not None and "'" in r.sheet:
            raise Unsupported("sheet name with a quote")  # `formulas` cannot read it
        def rel(value, is_abs, base):
            return (value, True) if (is_abs or absolute) else (value - base, False)

        row1, row1_abs = rel(r.row1, r.row1_abs, self.row)
        row2, row2_abs = rel(r.row2, r.row2_abs, self.row)
        col1, col1_abs = rel(r.col1, r.col1_abs, self.col)
        col2, col2_abs = rel(r.col2, r.col2_abs, self.col)
        reach = Reach(r.sheet, row1, row2, col1, col2, row1_abs, row2_abs, col1_abs, col2_abs)
        self.reaches.append(reach)
        return RefNode(reach)

    def name(self, name: str, whole_ok: bool = False) -> Node:
        text = self.book.name(self.sheet, name)
        if text is None:
            raise Unsupported(f"unknown name {name}")
        if name.upper() in self.names_seen:
            raise Unsupported(f"name {name} refers to itself")
        self.names_seen.append(name.upper())
        try:
            tree = parse(text)
        except FormulaSyntax as e:
            raise Unsupported(f"name {name}: {e}") from None
        if isinstance(tree, Ref):
            if tree.sheet is None:
                raise Unsupported(f"name {name} without a sheet")
            if not (tree.row1_abs and tree.row2_abs and tree.col1_abs and tree.col2_abs):
                raise Unsupported(f"name {name} with a relative reference")
            if _whole(tree) and not whole_ok:
                raise Unsupported(f"name {name} is a whole column, outside SUM/MIN/MAX/COUNTIF/RANK/lookups")
            return self.ref(tree, absolute=True)
        if isinstance(tree, (Num, Str, Bool)):
            return Const(tree.value)
        raise Unsupported(f"name {name} is not a plain range or constant")

    def call(self, c: Call) -> Node:
        from . import kpicall, natives

        # a whole column (A:A) is read down to the sheet's last used row: only where the
        # empty cells below could not change the result
        whole_ok = c.name in _WHOLE_COLUMN_OK
        args = tuple(self.node(a, whole_ok) for a in c.args)
        fn = kpicall.registry_function(c.name)
        if fn is not None:
            return kpicall.KpiCallNode(fn, args)
        impl = natives.FUNCTIONS.get(c.name)
        if impl is None:
            raise Unsupported(f"function {c.name} has no fast form")
        return CallNode(c.name, impl, args)


_WHOLE_COLUMN_OK = frozenset({"SUM", "MIN", "MAX", "COUNTIF", "RANK", "RANK.EQ", "VLOOKUP", "MATCH", "AND", "OR"})


def _whole(r: Ref) -> bool:
    return (r.row1 == 1 and r.row2 == MAX_ROW) or (r.col1 == 1 and r.col2 == MAX_COL)


def _unary_plus(a: Vec) -> Vec:
    return a


def compile_formula(book: Book, sheet: str, formula: str, anchor_row: int, anchor_col: int) -> Compiled:
    """Compile ``formula`` as written in cell (anchor_row, anchor_col) of ``sheet``."""
    try:
        tree = parse(formula)
    except FormulaSyntax as e:
        raise Unsupported(f"syntax: {e}") from None
    c = _Compiler(book, sheet, anchor_row, anchor_col)
    root = c.node(tree)
    outer = root.is_kpi and formula.lstrip(" =")[:1] not in ("(", "+", "-", "")
    return Compiled(root, c.reaches, c.singles, outer)


def blank_as_shown(compiled: Compiled, vec: Vec) -> Vec:
    """An empty result as the cell shows it: 0, except that a formula which is one
    KPI_ call keeps its blank result blank (as the cell-by-cell path does)."""
    if compiled.outer_kpi or not (vec.kind == EMPTY).any():
        return vec
    empty = vec.kind == EMPTY
    return Vec(np.where(empty, NUMBER, vec.kind).astype(np.int8), np.where(empty, 0.0, vec.num), vec.obj)


def finish(compiled: Compiled, vec: Vec, m: int) -> Vec:
    """The block's values as one column (m, 1, 1), as cells show them."""
    if vec.shape[1:] != (1, 1):
        raise Unsupported("a single-cell formula giving an array")
    if vec.shape[0] != m:
        vec = vec.broadcast((m, 1, 1))
    return blank_as_shown(compiled, vec)
