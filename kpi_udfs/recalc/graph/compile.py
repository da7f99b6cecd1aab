"""A formula compiled once into nodes that compute a whole block of rows.

A staff list is one formula copied down many rows. :func:`compile_formula` turns the
formula of one cell (its *anchor*) into a :class:`Compiled` whose nodes compute every
row of a block at once: a relative reference becomes a row/column offset from the
block's own cells (R1C1 style), so ``B2*C2`` in row 2 reads columns B and C of every
row of the block; an absolute reference (``$N$2:$N$7``) is one constant range shared by
all rows. A block of one row is one cell: the same nodes compute a single cell.

Everything a formula can name is resolved here, once: defined names (sheet scope
first, relative references in names included), Tables' structured references, 3-D
references, spilled ranges (``A1#``), LET bindings and LAMBDA calls. What cannot be
resolved becomes the error Excel shows, with a reason (#NAME? for an unknown function
or name, #REF! for a missing sheet or another workbook).

Implicit intersection, as Excel applies it to a formula that is not an array formula:
a range given where one value is expected (an operator's operand, a value parameter of
a function, the formula's result) is cut down to the cell in the formula's own row or
column (``=ABS(N88:N96)`` in row 96 is ``ABS(N96)``). Which parameters take ranges is
declared with each function (:mod:`kpi_udfs.recalc.excel.signatures`); inside a
parameter that takes arrays (SUMPRODUCT's), everything is computed as arrays.

The references each formula reads are collected as :class:`Reach` es: the dependency
graph (:mod:`.order`) is built from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import NAME, NULL, REF, VALUE, KpiError
from ...i18n import _
from ..a1 import MAX_COL, MAX_ROW
from ..evaluate.vec import EMPTY, NUMBER, Unsupported, Vec, native_error, pad
from .parse import (
    ArrayConst,
    Binary,
    Bool,
    Call,
    Err,
    FormulaSyntax,
    Invoke,
    Missing,
    Name,
    Num,
    Ref,
    Spill,
    Str,
    StructRef,
    Unary,
    parse,
)

VALUE_MODE, ARRAY_MODE = "value", "array"


@dataclass(frozen=True)
class Reach:
    """The cells one reference reads, relative to the block being computed.

    For each end, ``abs`` means a fixed row/column, else an offset from the block's
    first row (rows) or its column (columns). ``wrap``: offsets of a defined name's
    relative reference, which wrap around the sheet's edges as Excel's do.
    """

    sheet: str
    row1: int
    row2: int
    col1: int
    col2: int
    row1_abs: bool
    row2_abs: bool
    col1_abs: bool
    col2_abs: bool
    wrap: bool = False

    def bounds(self, row: int, col: int) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) as read from the cell (row, col)."""
        top = self.row1 if self.row1_abs else row + self.row1
        bottom = self.row2 if self.row2_abs else row + self.row2
        left = self.col1 if self.col1_abs else col + self.col1
        right = self.col2 if self.col2_abs else col + self.col2
        if self.wrap:
            top, bottom = (top - 1) % MAX_ROW + 1, (bottom - 1) % MAX_ROW + 1
            left, right = (left - 1) % MAX_COL + 1, (right - 1) % MAX_COL + 1
            top, bottom = min(top, bottom), max(top, bottom)
            left, right = min(left, right), max(left, right)
        return top, bottom, left, right

    def area(self, row0: int, col: int, m: int) -> tuple[str, int, int, int, int]:
        """(sheet, top, bottom, left, right) read by a block of ``m`` rows at (row0, col)."""
        top, _skip, left, right = self.bounds(row0, col)
        _skip, bottom, _skip, _skip = self.bounds(row0 + m - 1, col)
        if self.wrap:
            t2, b2, _skip, _skip = self.bounds(row0 + m - 1, col)
            _skip, b1, _skip, _skip = self.bounds(row0, col)
            top, bottom = min(top, t2), max(b1, b2)
        return (self.sheet, top, bottom, left, right)

    @property
    def fixed_rows(self) -> bool:
        return self.row1_abs and self.row2_abs


# ---------------------------------------------------------------------------
# Nodes


class Node:
    """A compiled expression: ``ev(ctx)`` gives its Vec for every row of the block;
    ``refs(ctx)`` the areas it denotes per row when it is a reference (else None)."""

    is_ref = False
    is_missing = False
    is_kpi = False

    def ev(self, ctx) -> Vec:  # pragma: no cover
        raise NotImplementedError

    def refs(self, ctx):
        return None


class Const(Node):
    def __init__(self, value):
        self.value = value
        self.vec = Vec.const(value)

    def ev(self, ctx) -> Vec:
        return self.vec


class ErrorNode(Node):
    """An error known at compile time (unknown name, missing sheet), with its reason."""

    def __init__(self, code: str, reason: str = ""):
        self.error = KpiError(code, reason)
        self.vec = Vec.const(self.error)

    def ev(self, ctx) -> Vec:
        return self.vec


class ArrayNode(Node):
    def __init__(self, rows):
        values = np.empty((1, len(rows), len(rows[0])), dtype=object)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                values[0, i, j] = _literal(cell)
        self.vec = Vec.from_values(values)

    def ev(self, ctx) -> Vec:
        return self.vec


class MissingNode(Node):
    is_missing = True

    def ev(self, ctx) -> Vec:
        return Vec.const(None)


class RefNode(Node):
    """A cell or range, read for every row of the block."""

    is_ref = True

    def __init__(self, reach: Reach):
        self.reach = reach
        self.whole_rows = reach.col1_abs and reach.col2_abs and reach.col1 == 1 and reach.col2 == MAX_COL
        self.whole_cols = reach.fixed_rows and reach.row1 == 1 and reach.row2 == MAX_ROW

    def _clip(self, ctx, top, bottom, left, right):
        if self.whole_cols:  # whole columns: down to the workbook's last used row
            bottom = max(top, min(bottom, ctx.book.used_rows))
        if self.whole_rows:
            right = max(left, min(right, ctx.book.used_cols))
        return top, bottom, left, right

    def ev(self, ctx) -> Vec:
        r = self.reach
        if r.wrap or ctx.m == 1:
            return _stack([self._one(ctx, i) for i in range(ctx.m)]) if ctx.m > 1 else self._one(ctx, 0)
        top, bottom, left, right = r.bounds(ctx.row0, ctx.col)
        if r.fixed_rows:
            top, bottom, left, right = self._clip(ctx, top, bottom, left, right)
            area = ctx.read(r.sheet, top, bottom, left, right)
            return Vec(area.kind[None], area.num[None], None if area.obj is None else area.obj[None])
        if r.row1_abs or r.row2_abs:
            raise Unsupported(_("range whose size changes from row to row"))
        if self.whole_rows:  # whole rows (=SUM(3:3) copied down): up to the last used column
            right = max(left, min(right, ctx.book.used_cols))
        height = bottom - top + 1
        last = top + ctx.m - 1 + height - 1
        if top < 1 or last > MAX_ROW or left < 1 or right > MAX_COL:
            raise Unsupported(_("reference leaving the sheet in some rows"))
        area = ctx.read(r.sheet, top, last, left, right)
        if height == 1:
            return Vec(area.kind[:, None, :], area.num[:, None, :], None if area.obj is None else area.obj[:, None, :])
        if ctx.m * height * (right - left + 1) > 5_000_000:
            raise Unsupported(_("per-row ranges too large"))
        return _windows(area, height)

    def _one(self, ctx, i: int) -> Vec:
        top, bottom, left, right = self.reach.bounds(ctx.row0 + i, ctx.col)
        if top < 1 or bottom > MAX_ROW or left < 1 or right > MAX_COL:
            return Vec.const(native_error(REF))
        top, bottom, left, right = self._clip(ctx, top, bottom, left, right)
        area = ctx.read(self.reach.sheet, top, bottom, left, right)
        return Vec(area.kind[None], area.num[None], None if area.obj is None else area.obj[None])

    def refs(self, ctx):
        out = []
        for i in range(ctx.m if not self.reach.fixed_rows or self.reach.wrap else 1):
            top, bottom, left, right = self.reach.bounds(ctx.row0 + i, ctx.col)
            if top < 1 or bottom > MAX_ROW or left < 1 or right > MAX_COL:
                out.append(KpiError(REF, ""))
            else:
                out.append(((self.reach.sheet, top, left, bottom, right),))
        return out


def _stack(vecs: list[Vec]) -> Vec:
    """Rows of the block computed one by one, as one Vec (padded with #N/A to one shape)."""
    shape = (1, max(v.shape[1] for v in vecs), max(v.shape[2] for v in vecs))
    vecs = [pad(v, shape) if v.shape != shape else v for v in vecs]
    kind = np.concatenate([v.kind for v in vecs])
    num = np.concatenate([v.num for v in vecs])
    obj = None
    if any(v.obj is not None for v in vecs):
        obj = np.concatenate([v.objects() for v in vecs])
    return Vec(kind, num, obj)


def _windows(area: Vec, height: int) -> Vec:
    """Each row's window of ``height`` rows: shape (m, height, width)."""
    from numpy.lib.stride_tricks import sliding_window_view

    def win(a):
        return np.ascontiguousarray(np.moveaxis(sliding_window_view(a, height, axis=0), -1, 1))

    return Vec(win(area.kind), win(area.num), None if area.obj is None else win(area.obj))


class AreasNode(Node):
    """Several areas at once: a 3-D reference (``Jan:Mar!B2``) or a union (``(A1,C1:C3)``).
    As values, their cells in one row (what SUM, COUNT and their kin read)."""

    is_ref = True

    def __init__(self, parts: list[Node]):
        self.parts = parts

    def ev(self, ctx) -> Vec:
        flat = []
        for p in self.parts:
            v = p.ev(ctx)
            m = v.shape[0]
            flat.append(Vec(v.kind.reshape(m, 1, -1), v.num.reshape(m, 1, -1), None if v.obj is None else v.obj.reshape(m, 1, -1)))
        m = max(v.shape[0] for v in flat)
        flat = [v.broadcast((m, 1, v.shape[2])) for v in flat]
        kind = np.concatenate([v.kind for v in flat], axis=2)
        num = np.concatenate([v.num for v in flat], axis=2)
        obj = None
        if any(v.obj is not None for v in flat):
            obj = np.concatenate([v.objects() for v in flat], axis=2)
        return Vec(kind, num, obj)

    def refs(self, ctx):
        per = [p.refs(ctx) for p in self.parts]
        if any(r is None for r in per):
            return None
        m = max(len(r) for r in per)
        out = []
        for i in range(m):
            row = []
            for r in per:
                item = r[i] if len(r) > 1 else r[0]
                if isinstance(item, KpiError):
                    row = item
                    break
                row.extend(item)
            out.append(row if isinstance(row, KpiError) else tuple(row))
        return out


class DynamicRefNode(Node):
    """A reference computed when the formula runs (``A1:INDEX(…)``, ``(A:A B2:D9)``,
    a spill of a computed anchor): per row, its areas, then their values."""

    is_ref = True

    def __init__(self, op: str, left: Node, right: Node | None = None):
        self.op, self.left, self.right = op, left, right

    def refs(self, ctx):
        a = self.left.refs(ctx)
        b = self.right.refs(ctx) if self.right is not None else None
        if a is None or (self.right is not None and b is None):
            return [KpiError(VALUE, "")] * max(1, ctx.m)
        m = max(len(a), len(b) if b else 1)
        out = []
        for i in range(m):
            x = a[i] if len(a) > 1 else a[0]
            y = (b[i] if len(b) > 1 else b[0]) if b is not None else None
            if isinstance(x, KpiError):
                out.append(x)
            elif isinstance(y, KpiError):
                out.append(y)
            elif self.op == ":":
                out.append(_bounding(x + y))
            else:
                out.append(_intersection(x, y))
        return out

    def ev(self, ctx) -> Vec:
        return read_refs(ctx, self.refs(ctx))


def _bounding(areas) -> tuple | KpiError:
    sheets = {a[0] for a in areas}
    if len(sheets) != 1:
        return KpiError(VALUE, "")
    return ((areas[0][0], min(a[1] for a in areas), min(a[2] for a in areas), max(a[3] for a in areas), max(a[4] for a in areas)),)


def _intersection(xs, ys) -> tuple | KpiError:
    out = []
    for s1, r1, c1, r2, c2 in xs:
        for s2, q1, d1, q2, d2 in ys:
            if s1.casefold() != s2.casefold():
                continue
            top, bottom, left, right = max(r1, q1), min(r2, q2), max(c1, d1), min(c2, d2)
            if top <= bottom and left <= right:
                out.append((s1, top, left, bottom, right))
    return tuple(out) if out else KpiError(NULL, "")


def read_refs(ctx, refs) -> Vec:
    """The values of per-row areas (one area each; several: #VALUE!, as Excel)."""
    vecs = []
    for item in refs:
        if isinstance(item, KpiError):
            vecs.append(Vec.const(item))
        elif len(item) != 1:
            vecs.append(Vec.const(native_error(VALUE)))
        else:
            sheet, r1, c1, r2, c2 = item[0]
            area = ctx.read(sheet, r1, r2, c1, c2)
            vecs.append(Vec(area.kind[None], area.num[None], None if area.obj is None else area.obj[None]))
    return vecs[0] if len(vecs) == 1 else _stack(vecs)


class SpillNode(Node):
    """``OFFSET(A1,1,1)#``: the spilled range of a cell known only when the formula runs."""

    is_ref = True

    def __init__(self, anchor: Node):
        self.anchor = anchor

    def refs(self, ctx):
        got = self.anchor.refs(ctx)
        if got is None:
            return [KpiError(REF, "")] * ctx.m
        out = []
        for item in got:
            if isinstance(item, KpiError):
                out.append(item)
                continue
            sheet, r1, c1, _skip, _skip = item[0]
            size = ctx.book.array_areas.get((sheet, r1, c1))
            out.append(KpiError(REF, "") if size is None else ((sheet, r1, c1, r1 + size[0] - 1, c1 + size[1] - 1),))
        return out

    def ev(self, ctx) -> Vec:
        return read_refs(ctx, self.refs(ctx))


class SpilledAreaNode(Node):
    """``A1#`` where A1 holds an array formula: its saved range, or the smaller range of
    this run's result (a dynamic array that shrank, :meth:`Engine._spill`)."""

    is_ref = True

    def __init__(self, saved: RefNode, key: tuple[str, int, int], size: tuple[int, int]):
        self.saved, self.key, self.size = saved, key, size
        self._smaller: dict[tuple[int, int], RefNode] = {}

    def _now(self, ctx) -> RefNode:
        size = ctx.book.array_areas.get(self.key, self.size)
        if size == self.size:
            return self.saved
        node = self._smaller.get(size)
        if node is None:
            sheet, top, left = self.key
            node = RefNode(Reach(sheet, top, top + size[0] - 1, left, left + size[1] - 1, True, True, True, True))
            self._smaller[size] = node
        return node

    def ev(self, ctx) -> Vec:
        return self._now(ctx).ev(ctx)

    def refs(self, ctx):
        return self._now(ctx).refs(ctx)


class IntersectNode(Node):
    """Implicit intersection: per row of the block, the one cell of a range in the
    formula's own row (a column range) or column (a row range); #VALUE! if none."""

    def __init__(self, arg: Node):
        self.arg = arg

    def ev(self, ctx) -> Vec:
        refs = self.arg.refs(ctx)
        if refs is None:
            return self.arg.ev(ctx)
        cells = []
        for i in range(ctx.m):
            item = refs[i] if len(refs) > 1 else refs[0]
            cells.append(self._cell(item, ctx.row0 + i, ctx.col))
        m = ctx.m
        if len(refs) == 1 and m > 1 and all(c is not None and not isinstance(c, KpiError) for c in cells):
            sheets = {c[0] for c in cells}
            cols = {c[2] for c in cells}
            if len(sheets) == 1 and len(cols) == 1:  # one column, rows of the block: one read
                rows = [c[1] for c in cells]
                if rows == list(range(rows[0], rows[0] + m)):
                    area = ctx.read(cells[0][0], rows[0], rows[-1], cells[0][2], cells[0][2])
                    return Vec(area.kind[:, :, None], area.num[:, :, None], None if area.obj is None else area.obj[:, :, None])
        vecs = []
        for c in cells:
            if isinstance(c, KpiError):
                vecs.append(Vec.const(c))
            else:
                area = ctx.read(c[0], c[1], c[1], c[2], c[2])
                vecs.append(Vec(area.kind[None], area.num[None], None if area.obj is None else area.obj[None]))
        return vecs[0] if len(vecs) == 1 else _stack(vecs)

    @staticmethod
    def _cell(item, row: int, col: int):
        if isinstance(item, KpiError):
            return item
        if len(item) != 1:
            return native_error(VALUE)
        sheet, r1, c1, r2, c2 = item[0]
        if r1 == r2 and c1 == c2:
            return (sheet, r1, c1)
        if c1 == c2 and r1 <= row <= r2:
            return (sheet, row, c1)
        if r1 == r2 and c1 <= col <= c2:
            return (sheet, r1, col)
        return native_error(VALUE)

    def refs(self, ctx):
        return self.arg.refs(ctx)


class ThisRowNode(Node):
    """``[@Column]``: the Table's cells in the formula's own row (#VALUE! outside its data rows)."""

    is_ref = True

    def __init__(self, sheet: str, first: int, last: int, col1: int, col2: int):
        self.sheet, self.first, self.last, self.col1, self.col2 = sheet, first, last, col1, col2

    def refs(self, ctx):
        out = []
        for i in range(ctx.m):
            row = ctx.row0 + i
            if self.first <= row <= self.last:
                out.append(((self.sheet, row, self.col1, row, self.col2),))
            else:
                out.append(KpiError(VALUE, ""))
        return out

    def ev(self, ctx) -> Vec:
        rows = np.arange(ctx.row0, ctx.row0 + ctx.m)
        if ctx.m > 1 and self.first <= rows[0] and rows[-1] <= self.last:
            area = ctx.read(self.sheet, int(rows[0]), int(rows[-1]), self.col1, self.col2)
            return Vec(area.kind[:, None, :], area.num[:, None, :], None if area.obj is None else area.obj[:, None, :])
        return read_refs(ctx, self.refs(ctx))


class OpNode(Node):
    def __init__(self, fn, *args: Node):
        self.fn = fn
        self.args = args

    def ev(self, ctx) -> Vec:
        return self.fn(*(a.ev(ctx) for a in self.args))


class CallNode(Node):
    """An Excel function: ``impl(ctx, args)`` gets the compiled arguments (lazy)."""

    def __init__(self, name: str, impl, args: tuple[Node, ...]):
        self.name = name
        self.impl = impl
        self.args = args
        self.is_ref = getattr(impl, "returns_ref", False)

    def ev(self, ctx) -> Vec:
        return self.impl(ctx, self.args)

    def refs(self, ctx):
        refs_of = getattr(self.impl, "refs", None)
        return refs_of(ctx, self.args) if refs_of is not None else None


class BoundNode(Node):
    """A LAMBDA parameter inside a function that applies the LAMBDA to values (MAP,
    REDUCE, BYROW…): its value is set before each application."""

    def __init__(self, name: str):
        self.name = name
        self.value: Vec | None = None

    def ev(self, ctx) -> Vec:
        if self.value is None:
            return Vec.const(KpiError(VALUE, _("LAMBDA parameter {name} has no value", name=self.name)))
        return self.value


class Lambda(Node):
    """A LAMBDA not yet applied: its parameters and its body compiled against them."""

    is_lambda = True

    def __init__(self, params: list[BoundNode], body: Node):
        self.params = params
        self.body = body

    def ev(self, ctx) -> Vec:
        return Vec.const(KpiError(VALUE, _("a LAMBDA that is not called")))

    def apply(self, ctx, values: list[Vec]) -> Vec:
        if len(values) != len(self.params):
            return Vec.const(KpiError(VALUE, _("LAMBDA takes {count} arguments, given {given}", count=len(self.params),
                                                 given=len(values))))
        saved = [p.value for p in self.params]
        for p, v in zip(self.params, values, strict=True):
            p.value = v
        try:
            return self.body.ev(ctx)
        finally:
            for p, v in zip(self.params, saved, strict=True):
                p.value = v


class EtaLambda(Node):
    """A function used as a LAMBDA (``GROUPBY(…, _xleta.SUM)``): applied to values, it
    is that function called with them."""

    is_lambda = True

    def __init__(self, name: str, impl):
        self.name, self.impl = name, impl

    def ev(self, ctx) -> Vec:
        return Vec.const(KpiError(VALUE, _("{name} used as a value", name=self.name)))

    def apply(self, ctx, values: list[Vec]) -> Vec:
        return self.impl(ctx, tuple(_ValueNode(v) for v in values))


class _ValueNode(Node):
    def __init__(self, vec: Vec):
        self.vec = vec

    def ev(self, ctx) -> Vec:
        return self.vec


@dataclass
class Compiled:
    """One formula compiled for blocks: its root node and the references it reads."""

    root: Node
    reaches: list[Reach] = field(default_factory=list)
    #: The single-cell references written in the formula, in order (names excluded).
    singles: list[Reach] = field(default_factory=list)
    #: Whether the whole formula is one KPI_ call (its blank result stays blank).
    outer_kpi: bool = False
    #: Reads cells it cannot name before running (INDIRECT, OFFSET, computed ranges).
    dynamic: bool = False
    #: Calls a volatile function (TODAY, NOW, RAND…).
    volatile: bool = False
    #: Why part of the formula cannot be computed at all (unknown function or name,
    #: unreadable text): noted for its cells when they end in that error.
    failure: KpiError | None = None


def _literal(node):
    if isinstance(node, (Num, Str, Bool)):
        return node.value
    if isinstance(node, Err):
        return native_error(node.code)
    raise FormulaSyntax(_("array constant element"))  # pragma: no cover


# ---------------------------------------------------------------------------
# Compiler


class _Compiler:
    def __init__(self, book, sheet: str, anchor_row: int, anchor_col: int, array: bool):
        self.book = book
        self.sheet = sheet
        self.row = anchor_row
        self.col = anchor_col
        self.array = array
        self.reaches: list[Reach] = []
        self.singles: list[Reach] = []
        self.names_seen: list[str] = []
        self.bindings: list[dict[str, Node]] = []
        self.dynamic = False
        self.volatile = False
        self.failure: KpiError | None = None
        #: Anchor used for relative references (a defined name's text is relative to A1).
        self.base = (anchor_row, anchor_col)
        self.wrap = False

    # -- references ------------------------------------------------------------------
    def reach_of(self, sheet: str, r1, c1, r2, c2, r1a, c1a, r2a, c2a) -> Reach:
        brow, bcol = self.base

        def rel(value, is_abs, base):
            return (value, True) if is_abs else (value - base, False)

        row1, row1_abs = rel(r1, r1a, brow)
        row2, row2_abs = rel(r2, r2a, brow)
        col1, col1_abs = rel(c1, c1a, bcol)
        col2, col2_abs = rel(c2, c2a, bcol)
        wrap = self.wrap and not (row1_abs and row2_abs and col1_abs and col2_abs)
        return Reach(sheet, row1, row2, col1, col2, row1_abs, row2_abs, col1_abs, col2_abs, wrap)

    def ref(self, r: Ref, mode: str) -> Node:
        if r.book is not None:
            return ErrorNode(REF, _("a reference to another workbook (external links are not read)"))
        sheet = self.sheet if r.sheet is None else self.book.sheet_name(r.sheet)
        if sheet is None:
            return ErrorNode(REF, _("no sheet named {sheet}", sheet=repr(r.sheet)))
        if r.sheet2 is not None:
            return self.ref3d(r, mode)
        reach = self.reach_of(sheet, r.row1, r.col1, r.row2, r.col2, r.row1_abs, r.col1_abs, r.row2_abs, r.col2_abs)
        self.reaches.append(reach)
        node = RefNode(reach)
        if r.is_cell:
            if reach not in self.singles and not self.names_seen:
                self.singles.append(reach)
            return node
        return IntersectNode(node) if mode == VALUE_MODE else node

    def ref3d(self, r: Ref, mode: str) -> Node:
        order = self.book.sheet_order
        folded = [s.casefold() for s in order]
        try:
            i, j = folded.index(r.sheet.casefold()), folded.index(r.sheet2.casefold())
        except ValueError:
            return ErrorNode(REF, _("no sheets {first}:{last}", first=r.sheet, last=r.sheet2))
        parts = []
        for s in order[min(i, j) : max(i, j) + 1]:
            if self.book.sheet(s) is None:  # a chartsheet in between
                continue
            reach = self.reach_of(s, r.row1, r.col1, r.row2, r.col2, r.row1_abs, r.col1_abs, r.row2_abs, r.col2_abs)
            self.reaches.append(reach)
            parts.append(RefNode(reach))
        return AreasNode(parts)

    def structured(self, s: StructRef, mode: str) -> Node:
        from ..read.tables import THIS_ROW, StructuredRefError

        if s.table is None:
            table = self.book.table_at(self.sheet, self.row, self.col)
            if table is None:
                return ErrorNode(REF, _("a structured reference outside any Table"))
        else:
            table = self.book.table(s.table)
            if table is None:
                return ErrorNode(REF, _("no Table named {table}", table=s.table))
        try:
            if THIS_ROW in s.items:
                first, last = table.data_rows
                _skip, c1, _skip, c2 = table.resolve(tuple(i for i in s.items if i != THIS_ROW) or ("#DATA",), s.col1, s.col2, None)
                row = self.base[0]  # the formula's own row, wherever the block is
                self.reaches.append(self.reach_of(table.sheet, row, c1, row, c2, False, True, False, True))
                return ThisRowNode(table.sheet, first, last, c1, c2)
            r1, c1, r2, c2 = table.resolve(s.items, s.col1, s.col2, None)
        except StructuredRefError as e:
            return ErrorNode(e.code, _("structured reference to {table}: no such column or part", table=table.name))
        reach = self.reach_of(table.sheet, r1, c1, r2, c2, True, True, True, True)
        self.reaches.append(reach)
        node = RefNode(reach)
        if r1 == r2 and c1 == c2:
            return node
        return IntersectNode(node) if mode == VALUE_MODE else node

    def name(self, n: Name, mode: str) -> Node:
        if n.name[:7].upper() == "_XLETA.":
            from ..excel import FUNCTIONS
            from .parse import function_name

            fname = function_name(n.name)
            impl = FUNCTIONS.get(fname)
            return ErrorNode(NAME, _("unknown function {name}", name=fname)) if impl is None else EtaLambda(fname, impl)
        if n.book is not None:
            return ErrorNode(REF, _("name {name} of another workbook (external links are not read)", name=n.name))
        if n.sheet is None:
            for scope in reversed(self.bindings):
                bound = scope.get(n.name.upper())
                if bound is not None:
                    return bound
        scope_sheet = self.sheet if n.sheet is None else (self.book.sheet_name(n.sheet) or n.sheet)
        text = self.book.name(scope_sheet, n.name)
        if text is None:
            if n.sheet is None and self.book.table(n.name) is not None:  # a Table's name: its data rows
                from .parse import StructRef

                return self.structured(StructRef(n.name, (), None, None), mode)
            return ErrorNode(NAME, _("unknown name {name}", name=n.name))
        key = n.name.upper()
        if key in self.names_seen:
            return ErrorNode(NAME, _("name {name} refers to itself", name=n.name))
        try:
            tree = parse(text)
        except FormulaSyntax as e:
            return ErrorNode(NAME, _("name {name} cannot be read: {reason}", name=n.name, reason=str(e)))
        self.names_seen.append(key)
        saved = (self.base, self.wrap)
        self.base, self.wrap = (1, 1), True  # a name's relative references count from A1
        try:
            return self.node(tree, mode)
        finally:
            self.base, self.wrap = saved
            self.names_seen.pop()

    # -- expressions -----------------------------------------------------------------
    def node(self, n, mode: str = VALUE_MODE) -> Node:
        built = self._node(n, mode)
        if isinstance(built, ErrorNode) and built.error.code == NAME and self.failure is None:
            self.failure = built.error
        return built

    def _node(self, n, mode: str) -> Node:
        from ..evaluate.operators import BINARY, UNARY

        if isinstance(n, (Num, Str, Bool)):
            return Const(n.value)
        if isinstance(n, Err):
            return Const(native_error(n.code))
        if isinstance(n, Missing):
            return MissingNode()
        if isinstance(n, ArrayConst):
            return ArrayNode(n.rows)
        if isinstance(n, Ref):
            return self.ref(n, mode)
        if isinstance(n, StructRef):
            return self.structured(n, mode)
        if isinstance(n, Name):
            return self.name(n, mode)
        if isinstance(n, Unary):
            if n.op == "@":
                inner = self.node(n.arg, ARRAY_MODE)
                return IntersectNode(_plain(inner))
            return OpNode(UNARY[n.op], self.node(n.arg, mode))
        if isinstance(n, Binary):
            if n.op in (":", " ", ","):
                return self.reference_op(n, mode)
            return OpNode(BINARY[n.op], self.node(n.left, mode), self.node(n.right, mode))
        if isinstance(n, Call):
            return self.call(n, mode)
        if isinstance(n, Invoke):
            return self.invoke(n, mode)
        if isinstance(n, Spill):
            return self.spill(n, mode)
        raise FormulaSyntax(_("syntax {name}", name=type(n).__name__))  # pragma: no cover

    def reference_op(self, n: Binary, mode: str) -> Node:
        # the operands are references (a range, a name, INDEX(…)): not cut down themselves,
        # while the arguments of a function there follow the formula's own mode
        left = _plain(self.node(n.left, mode))
        right = _plain(self.node(n.right, mode))
        if n.op == ",":
            node: Node = AreasNode([*_parts(left), *_parts(right)])
        else:
            if n.op == ":" and isinstance(left, RefNode) and isinstance(right, RefNode):
                a, b = left.reach, right.reach
                if a.sheet == b.sheet and not (a.wrap or b.wrap) and _static_corner(a, b):
                    reach = _union_reach(a, b)
                    self.reaches.append(reach)
                    node = RefNode(reach)
                    return IntersectNode(node) if mode == VALUE_MODE else node
            self.dynamic = True
            node = DynamicRefNode(n.op, left, right)
        return IntersectNode(node) if mode == VALUE_MODE else node

    def spill(self, n: Spill, mode: str) -> Node:
        anchor = _plain(self.node(n.anchor, ARRAY_MODE))
        if isinstance(anchor, RefNode) and anchor.reach.fixed_rows and not anchor.reach.wrap:
            a = anchor.reach
            top, _skip, left, _skip = a.bounds(self.row, self.col)
            size = self.book.array_areas.get((a.sheet, top, left))
            if size is None:
                return ErrorNode(REF, _("the cell of a spilled range (#) holds no dynamic array"))
            return self.spilled_area(a.sheet, top, left, size)
        if isinstance(anchor, RefNode) and not anchor.reach.wrap:
            # relative anchor: resolved for the anchor cell of this formula only
            a = anchor.reach
            top, _skip, left, _skip = a.bounds(self.row, self.col)
            size = self.book.array_areas.get((a.sheet, top, left))
            if size is not None:
                return self.spilled_area(a.sheet, top, left, size)
        self.dynamic = True
        return SpillNode(anchor)

    def spilled_area(self, sheet: str, top: int, left: int, size: tuple[int, int]) -> Node:
        """``A1#`` of a known array: the range it was saved with (read, so ordered, before
        this formula), cut to the size of this run's result when that is smaller."""
        reach = self.reach_of(sheet, top, left, top + size[0] - 1, left + size[1] - 1, True, True, True, True)
        self.reaches.append(reach)
        return SpilledAreaNode(RefNode(reach), (reach.sheet, top, left), size)

    def call(self, c: Call, mode: str) -> Node:
        from ..evaluate import kpi_calls
        from ..excel import FUNCTIONS, VOLATILE
        from ..excel.signatures import param_kinds

        name = c.name
        if name == "ANCHORARRAY" and len(c.args) == 1:  # A1# as Excel stores it
            return self.spill(Spill(c.args[0]), mode)
        if name == "SINGLE" and len(c.args) == 1:  # @x as Excel stores it
            return self.node(Unary("@", c.args[0]), mode)
        if name == "LET":
            return self.let(c, mode)
        if name == "LAMBDA":
            return self.lambda_(c)
        fn = kpi_calls.registry_function(name)
        if fn is not None:
            args = tuple(self.arg(a, "r") for a in c.args)
            return kpi_calls.KpiCallNode(fn, args)
        impl = FUNCTIONS.get(name)
        if impl is None:
            for scope in reversed(self.bindings):  # a LAMBDA bound by LET, called by name
                bound = scope.get(name)
                if isinstance(bound, Lambda):
                    return self.apply_lambda(bound, c.args, mode)
            text = self.book.name(self.sheet, name)
            if text is not None:  # a defined name holding a LAMBDA
                return self.invoke(Invoke(Name(name), c.args), mode)
            if self.book.has_vba:
                return ErrorNode(NAME, _("{name} is not an Excel function; if it is the workbook's own VBA function, macros "
                                   "are not run", name=name))
            return ErrorNode(NAME, _("unknown function {name}", name=name))
        if name in VOLATILE:
            self.volatile = True
        if getattr(impl, "dynamic", False):
            self.dynamic = True
        if mode == VALUE_MODE and not self.array:  # where one value is wanted (ROW(A:A): its first row)
            impl = getattr(impl, "value_form", impl)
        kinds = param_kinds(name, len(c.args))
        args = tuple(self.arg(a, k if mode == VALUE_MODE else "a") for a, k in zip(c.args, kinds, strict=True))
        if name in ("SUMIF", "AVERAGEIF") and len(args) == 3:
            args = (args[0], args[1], self.resized(args[2], args[0]))
        return CallNode(name, impl, args)

    def resized(self, node: Node, like: Node) -> Node:
        """SUMIF's and AVERAGEIF's sum range: "the top, left cell in sum_range as the
        beginning cell, and then … cells that correspond in size and shape to range"."""
        ref, shape = _plain(node), _plain(like)
        if not (isinstance(ref, RefNode) and isinstance(shape, RefNode)) or ref.reach.wrap or shape.reach.wrap:
            return node
        a, b = ref.reach, shape.reach
        if b.row1_abs != b.row2_abs or b.col1_abs != b.col2_abs:
            return node  # a range whose size changes from row to row: left as written
        rows, cols = b.row2 - b.row1, b.col2 - b.col1
        if (a.row2 - a.row1, a.col2 - a.col1) == (rows, cols) and a.row1_abs == a.row2_abs and a.col1_abs == a.col2_abs:
            return node
        reach = Reach(a.sheet, a.row1, a.row1 + rows, a.col1, a.col1 + cols, a.row1_abs, a.row1_abs, a.col1_abs, a.col1_abs)
        if reach.row1_abs and not 1 <= reach.row2 <= MAX_ROW or reach.col1_abs and not 1 <= reach.col2 <= MAX_COL:
            return node
        self.reaches.append(reach)
        return RefNode(reach)

    def arg(self, tree, kind: str) -> Node:
        """A function argument: ``v`` a single value (ranges intersected when not an
        array formula), ``r`` a range or value, ``a`` an array (all computed as arrays)."""
        if kind == "a" or self.array:
            return self.node(tree, ARRAY_MODE)
        if kind == "r":  # a reference stays whole; anything inside it is computed as usual
            if isinstance(tree, (Ref, StructRef, Name, Spill)) or (isinstance(tree, Binary) and tree.op in (":", " ", ",")):
                return _plain(self.node(tree, VALUE_MODE))
            return self.node(tree, VALUE_MODE)
        if kind == "l":  # a LAMBDA
            return self.node(tree, ARRAY_MODE)
        return self.node(tree, VALUE_MODE)

    def let(self, c: Call, mode: str) -> Node:
        args = c.args
        if len(args) < 3 or len(args) % 2 == 0:
            return ErrorNode(VALUE, _("LET takes name, value pairs and a result"))
        scope: dict[str, Node] = {}
        self.bindings.append(scope)
        try:
            for name_tree, value_tree in zip(args[:-1:2], args[1:-1:2], strict=True):
                if not isinstance(name_tree, Name):
                    return ErrorNode(NAME, _("LET names must be names"))
                scope[name_tree.name.upper()] = _Shared(self.node(value_tree, ARRAY_MODE))
            return LetNode([v for v in scope.values() if isinstance(v, _Shared)], self.node(args[-1], mode))
        finally:
            self.bindings.pop()

    def lambda_(self, c: Call) -> Node:
        if not c.args:
            return ErrorNode(VALUE, _("LAMBDA without a body"))
        params = []
        for p in c.args[:-1]:
            if not isinstance(p, Name):
                return ErrorNode(VALUE, _("LAMBDA parameters must be names"))
            params.append(BoundNode(p.name.upper()))
        self.bindings.append({p.name: p for p in params})
        try:
            body = self.node(c.args[-1], ARRAY_MODE)
        finally:
            self.bindings.pop()
        return Lambda(params, body)

    def invoke(self, n: Invoke, mode: str) -> Node:
        callee = self.node(n.callee, ARRAY_MODE)
        if isinstance(callee, _Shared):
            callee = callee.node
        if not isinstance(callee, Lambda):
            return ErrorNode(VALUE, _("a call of something that is not a LAMBDA"))
        return self.apply_lambda(callee, n.args, mode)

    def apply_lambda(self, fn: Lambda, arg_trees, mode: str) -> Node:
        args = [self.node(a, ARRAY_MODE) for a in arg_trees]
        return _Applied(fn, args)


class LetNode(Node):
    """LET's result: each evaluation (a block's rows, one LAMBDA application) opens a new
    frame in which each name's value is computed at most once, when first used."""

    def __init__(self, names: list[_Shared], body: Node):
        self.names, self.body = names, body
        self.is_ref = body.is_ref

    def ev(self, ctx) -> Vec:
        for s in self.names:
            s.frames.append(None)
        try:
            return self.body.ev(ctx)
        finally:
            for s in self.names:
                s.frames.pop()

    def refs(self, ctx):
        for s in self.names:
            s.frames.append(None)
        try:
            return self.body.refs(ctx)
        finally:
            for s in self.names:
                s.frames.pop()


class _Shared(Node):
    """A LET value: computed once per evaluation of its LET (:class:`LetNode`), however
    often named."""

    def __init__(self, node: Node):
        self.node = node
        self.is_ref = node.is_ref
        self.frames: list[Vec | None] = []

    def ev(self, ctx) -> Vec:
        if not self.frames:  # outside its LET's evaluation (a LAMBDA bound by LET, applied later)
            return self.node.ev(ctx)
        if self.frames[-1] is None:
            self.frames[-1] = self.node.ev(ctx)
        return self.frames[-1]

    def refs(self, ctx):
        return self.node.refs(ctx)

    def apply(self, ctx, values):
        return self.node.apply(ctx, values) if isinstance(self.node, Lambda) else self.ev(ctx)


class _Applied(Node):
    def __init__(self, fn: Lambda, args: list[Node]):
        self.fn, self.args = fn, args

    def ev(self, ctx) -> Vec:
        return self.fn.apply(ctx, [a.ev(ctx) for a in self.args])


def _plain(node: Node) -> Node:
    """The reference under an implicit intersection (for operators that take references)."""
    return node.arg if isinstance(node, IntersectNode) else node


def _parts(node: Node) -> list[Node]:
    return node.parts if isinstance(node, AreasNode) else [node]


def _static_corner(a: Reach, b: Reach) -> bool:
    """Whether ``a:b`` is the same rectangle from every cell (both ends absolute)."""
    return all((a.row1_abs, a.row2_abs, a.col1_abs, a.col2_abs, b.row1_abs, b.row2_abs, b.col1_abs, b.col2_abs))


def _union_reach(a: Reach, b: Reach) -> Reach:
    """The rectangle spanning two absolute references."""
    return Reach(a.sheet, min(a.row1, b.row1), max(a.row2, b.row2), min(a.col1, b.col1), max(a.col2, b.col2),
                 True, True, True, True)


def compile_formula(book, sheet: str, formula: str, anchor_row: int, anchor_col: int, array: bool = False) -> Compiled:
    """Compile ``formula`` as written in cell (anchor_row, anchor_col) of ``sheet``.

    A formula that cannot be parsed compiles to a #NAME? error naming the reason."""
    try:
        tree = parse(formula)
    except FormulaSyntax as e:
        node = ErrorNode(NAME, _("cannot read formula ={formula}: {reason}", formula=formula[:60], reason=str(e)))
        return Compiled(node, failure=node.error)
    c = _Compiler(book, sheet, anchor_row, anchor_col, array)
    try:
        root = c.node(tree, ARRAY_MODE if array else VALUE_MODE)
    except RecursionError:
        return Compiled(ErrorNode(NAME, _("formula nested too deeply")))
    outer = root.is_kpi and formula.lstrip(" =")[:1] not in ("(", "+", "-", "")
    return Compiled(root, c.reaches, c.singles, outer, c.dynamic, c.volatile, c.failure)


def blank_as_shown(compiled: Compiled, vec: Vec) -> Vec:
    """An empty result as the cell shows it: 0, except that a formula which is one
    KPI_ call keeps its blank result blank."""
    if compiled.outer_kpi or not (vec.kind == EMPTY).any():
        return vec
    empty = vec.kind == EMPTY
    return Vec(np.where(empty, NUMBER, vec.kind).astype(np.int8), np.where(empty, 0.0, vec.num), vec.obj)
