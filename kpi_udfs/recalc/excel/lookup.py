"""Excel's lookup and reference functions.

References are computed here, because only the evaluator knows where cells are: ROW,
COLUMN, ROWS, COLUMNS, AREAS, INDEX, OFFSET and INDIRECT take or give references
(``SUM(B2:INDEX(B:B,5))``, ``OFFSET(A1,1,0,3)``, ``INDIRECT("Rules!B"&n)``). A reference
computed while the formula runs reads its cells through the evaluator, which computes
any of them not computed yet first (so INDIRECT and OFFSET never read a stale value).

VLOOKUP and MATCH over a constant table have whole-block forms (the keys sorted once,
``searchsorted`` for every row); inputs they do not cover (wildcards, approximate
lookups over mixed keys, booleans…) go to the row form, `formulas`' function.
LOOKUP (both forms, Excel's binary search), XLOOKUP and XMATCH are corrected in
`formulas`' table (:data:`CORRECTIONS`); VLOOKUP and HLOOKUP's row form checks the
index and match type as Excel does before `formulas` looks up; MATCH, VLOOKUP and
HLOOKUP read ``~~`` as a literal tilde in an exact match.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, wrap_func
from formulas.tokens.operand import Error, XlError

from ...errors import NA, REF, VALUE, KpiError
from ..a1 import MAX_COL, MAX_ROW, col_number
from ..evaluate.vec import (
    BOOL,
    EMPTY,
    ERROR,
    NUMBER,
    TEXT,
    Unsupported,
    Vec,
    as_numbers,
    native_error,
)
from ..graph.compile import read_refs
from .arguments import arg_count, constant, per_row, with_row_errors
from .arguments import check_not_near as _check_not_near
from .arguments import has_wildcard as _has_wildcard
from .bridge import OMITTED, is_omitted
from .conversions import single, text_number

_NA = native_error(NA)
_REF = native_error(REF)
_VALUE = native_error(VALUE)


# ---------------------------------------------------------------------------
# Whole-block VLOOKUP and MATCH


def _lookup_keys(v: Vec):
    """A 1-D constant lookup vector (kind, num, obj) of a (1, h, w) Vec with h or w = 1."""
    if v.shape[1] != 1 and v.shape[2] != 1:
        raise Unsupported("lookup over a 2-D range")
    kind = v.kind.reshape(-1)
    num = v.num.reshape(-1)
    obj = None if v.obj is None else v.obj.reshape(-1)
    return kind, num, obj

def _match_positions(x: Vec, kind, num, obj, exact: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """0-based position in the keys for each row's lookup value (-1: not found), and errors."""
    if x.shape[1:] != (1, 1):
        raise Unsupported("lookup of a range")
    xk = x.kind.reshape(-1)
    xn = x.num.reshape(-1)
    xo = None if x.obj is None else x.obj.reshape(-1)
    if ((xk == EMPTY) | (xk == BOOL)).any():
        raise Unsupported("lookup of an empty cell or a boolean")
    pos = np.full(xk.size, -1)
    is_num = xk == NUMBER
    if exact:
        nums = np.flatnonzero(kind == NUMBER)
        if is_num.any() and nums.size:
            keys = num[nums]
            order = np.argsort(keys, kind="stable")
            sk = keys[order]
            _check_not_near(sk, xn[is_num])
            i = np.searchsorted(sk, xn[is_num], side="left")
            i_c = np.clip(i, 0, sk.size - 1)
            found = (i < sk.size) & (sk[i_c] == xn[is_num])
            pos[is_num] = np.where(found, nums[order[i_c]], -1)
        texts = np.flatnonzero(xk == TEXT)
        if texts.size:
            table: dict[str, int] = {}
            for j in np.flatnonzero(kind == TEXT)[::-1]:
                table[obj[j].lower()] = j
            raw: dict[str, str] = {obj[j].lower(): obj[j] for j in np.flatnonzero(kind == TEXT)}
            for r in texts:
                s = xo[r]
                if _has_wildcard(s):
                    raise Unsupported("wildcard lookup")
                j = table.get(s.lower(), -1)
                if j >= 0 and obj[j] != s and not (s.isascii() and obj[j].isascii()):
                    raise Unsupported("non-ASCII text equal only after case folding")
                if j < 0 and not s.isascii() and any(k.casefold() == s.casefold() for k in raw):
                    raise Unsupported("non-ASCII text equal only after case folding")
                pos[r] = j
    else:
        if not (kind == NUMBER).all():
            raise Unsupported("approximate lookup over keys that are not all numbers")
        if num.size > 1 and not (np.diff(num) > 0).all():
            raise Unsupported("approximate lookup over keys not strictly ascending")
        if is_num.any():
            _check_not_near(num, xn[is_num])
            pos[is_num] = np.searchsorted(num, xn[is_num], side="right") - 1
    errors = None
    if (xk == ERROR).any():
        errors = np.where(xk == ERROR, xo, None)
    return pos, errors

def _range_lookup(ctx, args, i: int) -> bool:
    """Whether the optional match argument asks for an approximate match."""
    if len(args) <= i:
        return True
    if args[i].is_missing:
        return False
    v = constant(args[i].ev(ctx), "match type")
    if v.size != 1 or v.kind.reshape(-1)[0] not in (NUMBER, BOOL):
        raise Unsupported("match type that is not a number")
    return bool(v.num.reshape(-1)[0] != 0)

def _index_numbers(v: Vec, what: str, errors_ok: bool = False) -> np.ndarray:
    v = per_row(v, what)
    k = v.kind.reshape(-1)
    if ((k != NUMBER) & ~((k == ERROR) & errors_ok)).any():
        raise Unsupported(f"{what} that is not a number")
    return np.trunc(np.where(k == NUMBER, v.num.reshape(-1), 1.0))

def _pick(table: Vec, rows: np.ndarray, cols: np.ndarray, pos_ok: np.ndarray, empty_zero: bool = False) -> Vec:
    """Cells table[0, rows, cols] for each row of the block (where pos_ok)."""
    r = np.where(pos_ok, rows, 0).astype(int)
    c = np.where(pos_ok, cols, 0).astype(int)
    kind = table.kind[0, r, c]
    num = table.num[0, r, c]
    if (pos_ok & (kind == EMPTY)).any():
        if not empty_zero:
            raise Unsupported("lookup result is an empty cell")
        empty = kind == EMPTY
        kind, num = np.where(empty, NUMBER, kind), np.where(empty, 0.0, num)
    obj = None if table.obj is None else table.obj[0, r, c]
    return Vec(kind.reshape(-1, 1, 1).astype(np.int8), num.reshape(-1, 1, 1), None if obj is None else obj.reshape(-1, 1, 1))

def f_vlookup(ctx, args) -> Vec:
    arg_count("VLOOKUP", args, 3, 4)
    x = per_row(args[0].ev(ctx), "VLOOKUP value")
    table = constant(args[1].ev(ctx), "VLOOKUP table")
    col = _index_numbers(args[2].ev(ctx), "VLOOKUP column")
    approx = _range_lookup(ctx, args, 3)
    if table.obj is not None and (table.kind[0, :, 0] == ERROR).any():
        raise Unsupported("VLOOKUP keys with errors")
    if (col < 1).any():
        raise Unsupported("VLOOKUP column below 1")
    kind, num, obj = table.kind[0, :, 0], table.num[0, :, 0], None if table.obj is None else table.obj[0, :, 0]
    pos, errors = _match_positions(x, kind, num, obj, exact=not approx)
    m = max(pos.size, col.size)
    pos = np.broadcast_to(pos, (m,))
    col = np.broadcast_to(col, (m,))
    width = table.shape[2]
    ref_bad = col > width
    ok = (pos >= 0) & ~ref_bad
    out = _pick(table, pos, col - 1, ok)
    missing = np.where(ref_bad, _REF, _NA)
    return with_row_errors(out, ok, missing, None if errors is None else np.broadcast_to(errors, (m,)), m)

def f_match(ctx, args) -> Vec:
    arg_count("MATCH", args, 2, 3)
    x = per_row(args[0].ev(ctx), "MATCH value")
    arr = constant(args[1].ev(ctx), "MATCH range")
    if len(args) == 3 and not args[2].is_missing:
        t = constant(args[2].ev(ctx), "match type")
        if t.size != 1 or t.kind.reshape(-1)[0] != NUMBER or t.num.reshape(-1)[0] not in (0.0, 1.0):
            raise Unsupported("MATCH type other than 0 or 1")
        approx = t.num.reshape(-1)[0] == 1.0
    else:
        approx = len(args) < 3
    kind, num, obj = _lookup_keys(arr)
    if (kind == ERROR).any():
        raise Unsupported("MATCH over errors")
    pos, errors = _match_positions(x, kind, num, obj, exact=not approx)
    m = pos.size
    out = Vec.numbers((pos + 1.0).reshape(-1, 1, 1))
    return with_row_errors(out, pos >= 0, _NA, errors, m)


# ---------------------------------------------------------------------------
# References


def _numbersper_row(ctx, node, m: int, default: float | None) -> tuple[np.ndarray, np.ndarray | None]:
    """An argument as one number per row (truncated), and per-row errors; ``default``
    when it is omitted (NaN if there is none)."""
    if node is None or node.is_missing:
        return np.full(m, np.nan if default is None else default), None
    v = node.ev(ctx)
    if v.shape[1:] != (1, 1):
        v = Vec(v.kind[:, :1, :1], v.num[:, :1, :1], None if v.obj is None else v.obj[:, :1, :1])
    x, errors = as_numbers(v)
    x = np.broadcast_to(x.reshape(-1), (m,)) if x.shape[0] in (1, m) else x.reshape(-1)
    if errors is not None:
        errors = np.broadcast_to(errors.reshape(-1), (m,))
    return np.trunc(np.asarray(x, dtype=float)), errors


def _rows_of(ctx, args) -> int:
    return ctx.m


class ReferenceFunction:
    """A function giving a reference: ``refs(ctx, args)`` per row, ``ev`` its values."""

    returns_ref = True
    dynamic = False

    def refs(self, ctx, args):  # pragma: no cover
        raise NotImplementedError

    def __call__(self, ctx, args) -> Vec:
        return read_refs(ctx, self.refs(ctx, args))


class Offset(ReferenceFunction):
    """OFFSET(reference, rows, cols, [height], [width])."""

    dynamic = True

    def refs(self, ctx, args):
        if not 3 <= len(args) <= 5:
            return [_VALUE]
        base = args[0].refs(ctx)
        if base is None:
            return [_VALUE] * ctx.m
        m = ctx.m
        dr, er = _numbersper_row(ctx, args[1], m, 0.0)
        dc, ec = _numbersper_row(ctx, args[2], m, 0.0)
        h, eh = _numbersper_row(ctx, args[3] if len(args) > 3 else None, m, None)
        w, ew = _numbersper_row(ctx, args[4] if len(args) > 4 else None, m, None)
        out = []
        for i in range(m):
            item = base[i] if len(base) > 1 else base[0]
            err = next((e[i] for e in (er, ec, eh, ew) if e is not None and e[i] is not None), None)
            if isinstance(item, KpiError):
                out.append(item)
                continue
            if err is not None:
                out.append(err)
                continue
            if len(item) != 1:
                out.append(_VALUE)
                continue
            sheet, r1, c1, r2, c2 = item[0]
            hh = r2 - r1 + 1 if np.isnan(h[i]) else int(h[i])
            ww = c2 - c1 + 1 if np.isnan(w[i]) else int(w[i])
            if hh == 0 or ww == 0:
                out.append(_REF)
                continue
            top, left = r1 + int(dr[i]), c1 + int(dc[i])
            if hh < 0:
                top, hh = top + hh + 1, -hh
            if ww < 0:
                left, ww = left + ww + 1, -ww
            if top < 1 or left < 1 or top + hh - 1 > MAX_ROW or left + ww - 1 > MAX_COL:
                out.append(_REF)
                continue
            out.append(((sheet, top, left, top + hh - 1, left + ww - 1),))
        return out


_ADDRESS = re.compile(
    r"""^(?:(?:'(?P<quoted>(?:[^']|'')+)'|(?P<sheet>[^'!:\[\]]+))!)?
    (?:
        \$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?
      | \$?(?P<cc1>[A-Z]{1,3}):\$?(?P<cc2>[A-Z]{1,3})
      | \$?(?P<rr1>\d+):\$?(?P<rr2>\d+)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_R1C1 = re.compile(
    r"""^(?:(?:'(?P<quoted>(?:[^']|'')+)'|(?P<sheet>[^'!:\[\]]+))!)?
    R(?P<r1>\[-?\d+\]|\d+)?C(?P<c1>\[-?\d+\]|\d+)?
    (?::R(?P<r2>\[-?\d+\]|\d+)?C(?P<c2>\[-?\d+\]|\d+)?)?$""",
    re.IGNORECASE | re.VERBOSE,
)


def parse_address(text: str) -> tuple[str | None, int, int, int, int] | None:
    """(sheet or None, row1, col1, row2, col2) of an A1 address, or None."""
    m = _ADDRESS.match(text.strip())
    if m is None:
        return None
    sheet = m.group("quoted").replace("''", "'") if m.group("quoted") else m.group("sheet")
    if m.group("c1"):
        c1, r1 = col_number(m.group("c1")), int(m.group("r1"))
        c2 = col_number(m.group("c2")) if m.group("c2") else c1
        r2 = int(m.group("r2")) if m.group("r2") else r1
    elif m.group("cc1"):
        c1, c2 = col_number(m.group("cc1")), col_number(m.group("cc2"))
        r1, r2 = 1, MAX_ROW
    else:
        r1, r2 = int(m.group("rr1")), int(m.group("rr2"))
        c1, c2 = 1, MAX_COL
    r1, r2, c1, c2 = min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2)
    if r1 < 1 or r2 > MAX_ROW or c1 < 1 or c2 > MAX_COL:
        return None
    return sheet, r1, c1, r2, c2


def parse_r1c1(text: str, row: int, col: int) -> tuple[str | None, int, int, int, int] | None:
    """The same for an R1C1 address seen from (row, col) (``R[-1]C``, ``R2C3:R4C5``)."""
    m = _R1C1.match(text.strip())
    if m is None:
        return None

    def part(value: str | None, here: int) -> int:
        if value is None:
            return here
        return here + int(value[1:-1]) if value.startswith("[") else int(value)

    r1, c1 = part(m.group("r1"), row), part(m.group("c1"), col)
    r2 = part(m.group("r2"), row) if m.group("r2") is not None or m.group("c2") is not None else r1
    c2 = part(m.group("c2"), col) if m.group("r2") is not None or m.group("c2") is not None else c1
    r1, r2, c1, c2 = min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2)
    if r1 < 1 or r2 > MAX_ROW or c1 < 1 or c2 > MAX_COL:
        return None
    sheet = m.group("quoted").replace("''", "'") if m.group("quoted") else m.group("sheet")
    return sheet, r1, c1, r2, c2


class Indirect(ReferenceFunction):
    """INDIRECT(text, [a1]): an A1 or R1C1 address, or a defined name."""

    dynamic = True

    def refs(self, ctx, args):
        if not 1 <= len(args) <= 2:
            return [_VALUE]
        m = ctx.m
        v = args[0].ev(ctx)
        a1 = args[1].ev(ctx) if len(args) > 1 and not args[1].is_missing else None
        out = []
        for i in range(m):
            x = v.row(i)
            text = x.value((0, 0, 0)) if x.size == 1 else None
            if isinstance(text, KpiError):
                out.append(text)
                continue
            if not isinstance(text, str):
                out.append(_REF)
                continue
            r1c1 = False
            if a1 is not None:
                flag = a1.row(i).value((0, 0, 0))
                if isinstance(flag, KpiError):
                    out.append(flag)
                    continue
                r1c1 = not (flag is None or bool(flag) if not isinstance(flag, str) else flag.upper() != "FALSE")
            out.append(self._resolve(ctx, text, r1c1, ctx.row0 + i))
        return out

    def _resolve(self, ctx, text: str, r1c1: bool, row: int):
        where = parse_r1c1(text, row, ctx.col) if r1c1 else parse_address(text)
        if where is None:
            return self._name(ctx, text)
        sheet = ctx.sheet if where[0] is None else ctx.book.sheet_name(where[0])
        if sheet is None:
            return _REF
        return ((sheet, where[1], where[2], where[3], where[4]),)

    def _name(self, ctx, text: str):
        from ..graph.parse import FormulaSyntax, Ref, parse

        body = ctx.book.name(ctx.sheet, text.strip())
        if body is None:
            return _REF
        try:
            tree = parse(body)
        except FormulaSyntax:
            return _REF
        if not isinstance(tree, Ref) or tree.sheet2 is not None or tree.book is not None:
            return _REF
        sheet = ctx.sheet if tree.sheet is None else ctx.book.sheet_name(tree.sheet)
        if sheet is None:
            return _REF
        return ((sheet, tree.row1, tree.col1, tree.row2, tree.col2),)


class Index(ReferenceFunction):
    """INDEX(reference or array, row, [column], [area]): 0 for a whole row or column."""

    def _picks(self, ctx, args, shape_of):
        m = ctx.m
        r, er = _numbersper_row(ctx, args[1] if len(args) > 1 else None, m, 0.0)
        c, ec = _numbersper_row(ctx, args[2] if len(args) > 2 else None, m, None)
        out = []
        for i in range(m):
            err = next((e[i] for e in (er, ec) if e is not None and e[i] is not None), None)
            if err is not None:
                out.append(err)
                continue
            h, w = shape_of(i)
            ri, ci = r[i], c[i]
            if np.isnan(ci):
                if h == 1:
                    ri, ci = 1.0, ri
                elif w == 1:
                    ci = 1.0
                else:
                    ci = 0.0
            if ri < 0 or ci < 0:
                out.append(_VALUE)
            elif ri > h or ci > w:
                out.append(_REF)
            else:
                out.append((int(ri), int(ci)))
        return out

    def refs(self, ctx, args):
        if not 2 <= len(args) <= 4:
            return [_VALUE]
        base = args[0].refs(ctx)
        if base is None:
            return None
        m = ctx.m
        area_no, ea = _numbersper_row(ctx, args[3] if len(args) > 3 else None, m, 1.0)
        chosen = []
        for i in range(m):
            item = base[i] if len(base) > 1 else base[0]
            if isinstance(item, KpiError):
                chosen.append(item)
            elif ea is not None and ea[i] is not None:
                chosen.append(ea[i])
            elif not 1 <= area_no[i] <= len(item):
                chosen.append(_REF)
            else:
                chosen.append(item[int(area_no[i]) - 1])

        def shape_of(i):
            a = chosen[i]
            return (1, 1) if isinstance(a, KpiError) else (a[3] - a[1] + 1, a[4] - a[2] + 1)

        picks = self._picks(ctx, args, shape_of)
        out = []
        for a, p in zip(chosen, picks, strict=True):
            if isinstance(a, KpiError):
                out.append(a)
            elif isinstance(p, KpiError):
                out.append(p)
            else:
                sheet, r1, c1, r2, c2 = a
                ri, ci = p
                top, bottom = (r1, r2) if ri == 0 else (r1 + ri - 1, r1 + ri - 1)
                left, right = (c1, c2) if ci == 0 else (c1 + ci - 1, c1 + ci - 1)
                out.append(((sheet, top, left, bottom, right),))
        return out

    def __call__(self, ctx, args) -> Vec:
        if not 2 <= len(args) <= 4:
            return Vec.const(_VALUE)
        if ctx.m == 1:
            many = [a.ev(ctx) for a in args[1:4] if not a.is_missing]
            if any(v.size > 1 for v in many):  # INDEX(range, {1;3}): one result per number
                return _elementwise(ctx, args, self)
        if args[0].refs(ctx) is not None:
            fast = self._whole_block(ctx, args)
            if fast is not None:
                return fast
            return read_refs(ctx, self.refs(ctx, args))
        arr = args[0].ev(ctx)
        if len(args) > 3 and not args[3].is_missing:  # an array has one area: another is #REF!
            area, ea = _numbersper_row(ctx, args[3], ctx.m, 1.0)
            if ea is not None or (area != 1).any():
                bad = [ea[i] if ea is not None and ea[i] is not None else (_REF if area[i] != 1 else None)
                       for i in range(ctx.m)]
                if ctx.m == 1:
                    return Vec.const(bad[0]) if bad[0] is not None else self._array(ctx, args, arr)
                return _stack([Vec.const(b) if b is not None else self._array(ctx, args, arr).row(i)
                               for i, b in enumerate(bad)])
        return self._array(ctx, args, arr)

    def _array(self, ctx, args, arr) -> Vec:
        picks = self._picks(ctx, args, lambda i: arr.shape[1:])
        vecs = []
        one_error = arr.shape[1:] == (1, 1) and (arr.kind == ERROR).any()
        for i, p in enumerate(picks):
            row = arr.row(i)
            if one_error and row.kind[0, 0, 0] == ERROR:  # INDEX(1/0, 2): the array's own error
                vecs.append(row)
                continue
            if isinstance(p, KpiError):
                vecs.append(Vec.const(p))
                continue
            ri, ci = p
            rs = slice(None) if ri == 0 else slice(ri - 1, ri)
            cs = slice(None) if ci == 0 else slice(ci - 1, ci)
            vecs.append(Vec(row.kind[:, rs, cs], row.num[:, rs, cs], None if row.obj is None else row.obj[:, rs, cs]))
        return vecs[0] if len(vecs) == 1 else _stack(vecs)

    def _whole_block(self, ctx, args) -> Vec | None:
        """INDEX(constant range, per-row numbers): one read, then a pick per row."""
        if ctx.m == 1 or len(args) > 3:
            return None
        base = args[0].refs(ctx)
        if len(base) != 1 or isinstance(base[0], KpiError) or len(base[0]) != 1:
            return None
        sheet, r1, c1, r2, c2 = base[0][0]
        picks = self._picks(ctx, args, lambda i: (r2 - r1 + 1, c2 - c1 + 1))
        if any(not isinstance(p, KpiError) and (p[0] == 0 or p[1] == 0) for p in picks):
            return None
        table = args[0].ev(ctx)
        ok = np.array([not isinstance(p, KpiError) for p in picks])
        rows = np.array([p[0] - 1 if not isinstance(p, KpiError) else 0 for p in picks])
        cols = np.array([p[1] - 1 if not isinstance(p, KpiError) else 0 for p in picks])
        out = table.cells(rows, cols)
        if not ok.all():
            errors = np.array([p if isinstance(p, KpiError) else None for p in picks], dtype=object).reshape(-1, 1, 1)
            from ..evaluate.vec import with_error_cells

            out = with_error_cells(out, errors)
        return out


def _elementwise(ctx, args, fn) -> Vec:
    """``fn`` applied to each element of its array arguments after the first (one row)."""
    from ..evaluate.vec import common_shape, pad
    from ..graph.compile import _ValueNode

    vecs = [a.ev(ctx) if i and not a.is_missing else None for i, a in enumerate(args)]
    shape = common_shape(*[v.shape for v in vecs if v is not None])
    vecs = [None if v is None else pad(v, shape) for v in vecs]
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        sub = [a if v is None else _ValueNode(Vec.const(v.value(idx))) for a, v in zip(args, vecs, strict=True)]
        got = fn(ctx, tuple(sub))
        out[idx] = got.value((0, 0, 0))
    return Vec.from_values(out)


def _stack(vecs):
    from ..graph.compile import _stack as stack

    return stack(vecs)


class RowColumn:
    """ROW and COLUMN: of the formula's own cell, or of a reference (an array of all its
    rows or columns, of which a cell that is not an array formula shows the first)."""

    def __init__(self, axis: int, first_only: bool = False):
        self.axis = axis  # 0: ROW, 1: COLUMN
        self.first_only = first_only
        if not first_only:
            #: Where the formula wants one value: the first row or column only, without
            #: building a million-row array for ROW(A:A).
            self.value_form = RowColumn(axis, first_only=True)

    def __call__(self, ctx, args) -> Vec:
        m = ctx.m
        if not args or args[0].is_missing:
            here = (ctx.row0 + np.arange(m)) if self.axis == 0 else np.full(m, ctx.col)
            return Vec.numbers(np.asarray(here, dtype=float).reshape(m, 1, 1))
        refs = args[0].refs(ctx)
        if refs is None:
            v = args[0].ev(ctx)
            bad = v.errors()
            first = None if bad is None else next((e for e in bad.reshape(-1) if e is not None), None)
            return Vec.const(first or _VALUE)
        vecs = []
        for i in range(m if len(refs) > 1 else 1):
            item = refs[i] if len(refs) > 1 else refs[0]
            if isinstance(item, KpiError):
                vecs.append(Vec.const(item))
                continue
            _, r1, c1, r2, c2 = item[0]
            lo, hi = (r1, r2) if self.axis == 0 else (c1, c2)
            if hi > lo and not self.first_only:  # all of them (a cell shows the first)
                seq = np.arange(lo, hi + 1, dtype=float)
                vecs.append(Vec.numbers(seq.reshape(1, -1, 1) if self.axis == 0 else seq.reshape(1, 1, -1)))
            else:
                vecs.append(Vec.numbers(np.full((1, 1, 1), float(lo))))
        return vecs[0] if len(vecs) == 1 else _stack(vecs)


class RowsColumns:
    """ROWS and COLUMNS of a reference or an array."""

    def __init__(self, axis: int):
        self.axis = axis

    def __call__(self, ctx, args) -> Vec:
        arg_count("ROWS", args, 1, 1)
        refs = args[0].refs(ctx)
        if refs is None:
            v = args[0].ev(ctx)
            return Vec.numbers(np.full((1, 1, 1), float(v.shape[1 + self.axis])))
        out = []
        for item in refs:
            if isinstance(item, KpiError):
                out.append(item)
            elif len(item) != 1:
                out.append(native_error("#REF!"))
            else:
                _, r1, c1, r2, c2 = item[0]
                out.append(float((r2 - r1 + 1) if self.axis == 0 else (c2 - c1 + 1)))
        return Vec.from_values(np.array(out, dtype=object).reshape(-1, 1, 1))


def f_areas(ctx, args) -> Vec:
    arg_count("AREAS", args, 1, 1)
    refs = args[0].refs(ctx)
    if refs is None:
        return Vec.const(_VALUE)
    out = [item if isinstance(item, KpiError) else float(len(item)) for item in refs]
    return Vec.from_values(np.array(out, dtype=object).reshape(-1, 1, 1))


# ---------------------------------------------------------------------------
# Corrections of `formulas` (its conventions: XlError tokens, schedula.EMPTY)

_XL_NA = Error.errors["#N/A"]
_XL_VALUE = Error.errors["#VALUE!"]
_XL_REF = Error.errors["#REF!"]


def _kind(v: Any) -> str:
    if isinstance(v, XlError):
        return "error"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, str):
        return "text"
    if v is sh.EMPTY:
        return "empty"
    return "number"

def _key(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v

def xlookup_legacy(value: Any, lookup: Any, result: Any = None) -> Any:
    values = np.asarray(value, dtype=object)
    if values.size > 1:  # an array of lookup values: one result each
        out = np.empty(values.shape, dtype=object)
        for idx in np.ndindex(values.shape):
            try:
                out[idx] = _lookup_one(values[idx], lookup, result)
            except FoundError as e:
                out[idx] = e.err
        return out.view(Array)
    return _lookup_one(single(value), lookup, result)

def _binary_search(keys: np.ndarray, v: Any) -> int:
    """Excel's approximate match: the last key ≤ v by binary search, skipping keys of
    another type (so ``LOOKUP(2,1/(cond),…)`` lands on the last match); -1 if none."""
    kind, target = _kind(v), _key(v)
    lo, hi, found = 0, len(keys) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        j = mid
        while j <= hi and _kind(keys[j]) != kind:
            j += 1
        if j > hi:
            j = mid - 1
            while j >= lo and _kind(keys[j]) != kind:
                j -= 1
            if j < lo:
                break
        if _key(keys[j]) <= target:
            found, lo = j, j + 1
        else:
            hi = j - 1
    return found

def _lookup_one(v: Any, lookup: Any, result: Any = None) -> Any:
    if isinstance(v, XlError):
        raise FoundError(err=v)
    if v is sh.EMPTY:
        v = 0.0
    table = np.asarray(lookup, dtype=object)
    if table.ndim < 2:
        table = table.reshape(1, -1)
    if result is None:
        if table.shape[1] > table.shape[0]:
            keys, out = table[0, :], table[-1, :]
        else:
            keys, out = table[:, 0], table[:, -1]
    else:
        keys = table[0, :] if table.shape[1] > table.shape[0] else table[:, 0]
        out = np.asarray(result, dtype=object).ravel()
    found = _binary_search(keys, v)
    if found < 0:
        raise FoundError(err=_XL_NA)
    if found >= out.size:
        raise FoundError(err=_XL_NA)
    return out[found]



_BLANK = object()  # an empty lookup value

def grid_of(value: Any) -> np.ndarray:
    """A range or value as a 2-D object array."""
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)
    return arr

def _one(value: Any) -> Any:
    """A single argument value (a 1×1 range or array read as its cell)."""
    if isinstance(value, np.ndarray):
        arr = grid_of(value)
        if arr.size != 1:
            raise FoundError(err=_XL_VALUE)
        value = arr.ravel()[0]
    return value

def _mode(v: Any, default: int, allowed: tuple[int, ...]) -> int | XlError:
    """A match or search mode read from one cell of its argument; #VALUE! if not allowed."""
    if v is None or is_omitted(v) or v is sh.EMPTY or v is _BLANK:
        return default
    if isinstance(v, XlError):
        return v
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return _XL_VALUE
    n = int(math.floor(float(v)))
    return n if n in allowed else _XL_VALUE

def _rank(v: Any) -> int:
    if isinstance(v, XlError):
        return 4
    if v is sh.EMPTY or v is _BLANK:
        return 3
    if isinstance(v, (bool, np.bool_)):
        return 2
    if isinstance(v, str):
        return 1
    return 0

def _key(v: Any) -> tuple:
    r = _rank(v)
    if r == 1:
        return (1, v.casefold())
    if r in (0, 2):
        return (r, float(v))
    return (r, 0.0)

def _wildcard(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)

def _binary(value: Any, keys: list, match_mode: int, descending: bool) -> int:
    """Excel's binary search: an exact match met at a probe is kept and the search goes
    on toward the first (ascending) or last (descending) duplicate; otherwise the
    neighbour of the place the value would go."""
    target = _key(value)
    seq = [_key(k) for k in keys]
    lo, hi, found = 0, len(seq) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if seq[mid] == target:
            found = mid
            lo, hi = (mid + 1, hi) if descending else (lo, mid - 1)
        elif (seq[mid] > target) == descending:
            lo = mid + 1
        else:
            hi = mid - 1
    if found >= 0 or match_mode == 0:
        return found
    smaller, larger = (lo, hi) if descending else (hi, lo)
    pick = smaller if match_mode == -1 else larger
    return pick if 0 <= pick < len(seq) and seq[pick][0] < 3 else -1

def _position(value: Any, keys: list, match_mode: int, search_mode: int) -> int:
    """0-based position of the match in ``keys``, or -1."""
    if abs(search_mode) == 2:
        return _binary(value, keys, match_mode, search_mode < 0)
    n = len(keys)
    order = range(n) if search_mode == 1 else range(n - 1, -1, -1)
    target = _key(value)
    match = None
    if isinstance(value, str) and match_mode == 2:
        match = _wildcard(value).match
    elif isinstance(value, str) and match_mode == 3:
        try:
            match = re.compile(value).search
        except re.error:
            raise FoundError(err=_XL_VALUE) from None
    best, best_key = -1, None
    for i in order:
        k = _key(keys[i])
        if match is not None:
            if k[0] == 1 and match(keys[i]):
                return i
            continue
        if k == target:
            return i
        if k[0] > 2 or match_mode not in (-1, 1):
            continue
        if match_mode == -1 and k < target and (best_key is None or k > best_key):
            best, best_key = i, k
        elif match_mode == 1 and k > target and (best_key is None or k < best_key):
            best, best_key = i, k
    return best

def _lookup_value(v: Any) -> Any:
    return _BLANK if v is sh.EMPTY or v is None or is_omitted(v) else v

def _keys_of(lookup: Any) -> tuple[list, bool]:
    """The lookup vector and whether it runs down a column."""
    table = grid_of(lookup)
    if table.shape[0] != 1 and table.shape[1] != 1:
        raise FoundError(err=_XL_VALUE)
    return list(table.ravel()), table.shape[1] == 1 and table.shape[0] > 1

def _lifted(value: Any, match_mode: Any, search_mode: Any) -> tuple[np.ndarray, ...]:
    """The lookup value, match mode and search mode broadcast against each other: an
    array in any of them gives one lookup per cell."""
    grids = [grid_of(a if a is not None else sh.EMPTY) for a in (value, match_mode, search_mode)]
    try:
        return np.broadcast_arrays(*grids)
    except ValueError:
        raise FoundError(err=_XL_VALUE) from None

def _find(keys: list, v: Any, mm: Any, sm: Any) -> int | XlError:
    """Position (0-based, -1 if none) of one lookup value, or the error it gives."""
    v = _lookup_value(v)
    if isinstance(v, XlError):
        return v
    mm = _mode(mm, 0, (0, -1, 1, 2, 3))
    sm = _mode(sm, 1, (1, -1, 2, -2))
    if isinstance(mm, XlError) or isinstance(sm, XlError):
        return mm if isinstance(mm, XlError) else sm
    if mm >= 2 and abs(sm) == 2:  # wildcards and patterns need a linear search
        return _XL_VALUE
    return _position(v, keys, mm, sm)

def _cell(v: Any) -> Any:
    return 0.0 if v is sh.EMPTY else v

def xlookup(value: Any, lookup: Any, result: Any, if_not_found: Any = None, match_mode: Any = None,
            search_mode: Any = None) -> Any:  # fmt: skip
    keys, down = _keys_of(lookup)
    out = grid_of(result)
    n = len(keys)
    if n == 1:
        down = not (out.shape[0] != 1 and out.shape[1] == 1)
    if (out.shape[0] if down else out.shape[1]) != n:
        raise FoundError(err=_XL_VALUE)
    missing = _XL_NA if if_not_found is None or is_omitted(if_not_found) else if_not_found
    values, modes, searches = _lifted(value, match_mode, search_mode)

    def one(idx: tuple) -> Any:
        pos = _find(keys, values[idx], modes[idx], searches[idx])
        if isinstance(pos, XlError):
            return pos
        if pos < 0:
            return missing
        return out[pos : pos + 1, :] if down else out[:, pos : pos + 1]

    if values.size == 1:
        got = one((0, 0))
        if isinstance(got, np.ndarray):
            got = grid_of(got)
            if got.size == 1:
                return _cell(got.ravel()[0])
            return np.vectorize(_cell, otypes=[object])(got).view(Array)
        return _cell(got)
    res = np.empty(values.shape, dtype=object)
    for idx in np.ndindex(values.shape):
        got = one(idx)
        if isinstance(got, np.ndarray):
            got = grid_of(got).ravel()[0]
        res[idx] = _cell(got)
    return res.view(Array)

def xxmatch(value: Any, lookup: Any, match_mode: Any = None, search_mode: Any = None) -> Any:
    keys, _down = _keys_of(lookup)
    values, modes, searches = _lifted(value, match_mode, search_mode)
    res = np.empty(values.shape, dtype=object)
    for idx in np.ndindex(values.shape):
        pos = _find(keys, values[idx], modes[idx], searches[idx])
        res[idx] = pos if isinstance(pos, XlError) else (_XL_NA if pos < 0 else float(pos + 1))
    return res.ravel()[0] if res.size == 1 else res.view(Array)



FUNCTIONS = {
    "INDEX": Index(),
    "OFFSET": Offset(),
    "INDIRECT": Indirect(),
    "ROW": RowColumn(0),
    "COLUMN": RowColumn(1),
    "ROWS": RowsColumns(0),
    "COLUMNS": RowsColumns(1),
    "AREAS": f_areas,
}

#: Whole-block forms for common inputs; other inputs go to the row form.
WHOLE_BLOCK_FORMS = {"VLOOKUP": f_vlookup, "MATCH": f_match}

def xhyperlink(link_location: Any, friendly_name: Any = None) -> Any:
    """HYPERLINK's value in a cell: the friendly name if given, else the link itself
    (following the link is the viewer's business)."""
    value = link_location if friendly_name is None or is_omitted(friendly_name) else friendly_name
    value = np.ravel(np.asarray(value, dtype=object))[0] if isinstance(value, np.ndarray) else value
    return 0.0 if value is sh.EMPTY else value


def _xmatch_tilde(value_type, value, value_raw, index, array_type, array, array_raw, match_type=1):
    """`formulas`' MATCH core with ``~~`` read as a literal tilde in an exact match of text
    (Microsoft's "Wildcard examples": "~ followed by ?, *, or ~" finds "a question mark,
    asterisk, or tilde"); `formulas` kept ``~~`` as two tildes, so VLOOKUP("a~~*",…)
    found nothing where Excel finds "a~b"."""
    from formulas.functions.look import xmatch

    if match_type or not isinstance(value_raw, str) or "~~" not in value_raw or value_type != 1:
        return xmatch(value_type, value, value_raw, index, array_type, array, array_raw, match_type)
    match = _wildcard(value_raw).match
    for i, t, x in zip(index, array_type, array_raw, strict=True):
        if t == 1 and isinstance(x, str) and match(x):
            return i
    return _XL_NA


def _xlookup_tilde(value_type, value, value_raw, index, array_type, array, array_raw, match_type=1, result=None):
    r = _xmatch_tilde(value_type, value, value_raw, index, array_type, array, array_raw, match_type)
    return r if isinstance(r, XlError) else np.asarray(result[r - 1], object).ravel()[0]


def _tilde_aware() -> dict:
    """MATCH, VLOOKUP and HLOOKUP of `formulas` built on :func:`_xmatch_tilde`."""
    import functools

    from formulas.functions import get_error, look, wrap_ufunc

    def first_error(*a):
        return get_error(a[1])

    def table(parser):
        return wrap_ufunc(_xlookup_tilde, input_parser=lambda *a: a, args_parser=parser, check_error=first_error,
                          excluded={3, 4, 5, 6, 7, 8})

    return {
        "MATCH": wrap_ufunc(_xmatch_tilde, check_error=first_error, excluded={3, 4, 5, 6, 7},
                            args_parser=look.args_parser_match_array, input_parser=lambda *a: a),
        "VLOOKUP": table(functools.partial(look.args_parser_hlookup, transpose=True)),
        "HLOOKUP": table(look.args_parser_hlookup),
    }


_TILDE_AWARE = _tilde_aware()


def _checked_table_lookup(name: str):
    """VLOOKUP/HLOOKUP of `formulas` with Excel's argument checks first (IronCalc's
    LOOKUP_AND_REFERENCE__HVLOOKUP book, formulacompiler's LookupFunctions book): an
    error as the index or match type is that error, an index below 1 #VALUE! (`formulas`
    read 0 as the last column), a table that is a single text #VALUE! (TRUE #N/A)."""

    def fn(value, table, index, match_type=OMITTED):
        try:
            return checked(value, table, index, match_type)
        except FoundError as ex:
            return ex.err

    def checked(value, table, index, match_type):
        original = _TILDE_AWARE[name]
        i = np.ravel(np.asarray(index, dtype=object))[0]  # an array of indexes: its first, as Excel
        if isinstance(i, XlError):
            return i
        m = np.ravel(np.asarray(match_type, dtype=object))[0]
        if isinstance(m, XlError):
            return m
        if not isinstance(table, np.ndarray):  # a single value as the table
            return table if isinstance(table, XlError) else _XL_VALUE if isinstance(table, str) else _XL_NA
        if isinstance(i, str):
            x = text_number(i)
            if x is None:
                return _XL_VALUE
            i = x
        if i is sh.EMPTY or math.trunc(float(i)) < 1:
            return _XL_VALUE
        return original(value, table, index) if is_omitted(match_type) else original(value, table, index, match_type)

    return fn


CORRECTIONS = {
    "HYPERLINK": wrap_func(xhyperlink),
    "MATCH": _TILDE_AWARE["MATCH"],
    "VLOOKUP": _checked_table_lookup("VLOOKUP"),
    "HLOOKUP": _checked_table_lookup("HLOOKUP"),
    "LOOKUP": wrap_func(xlookup_legacy, ranges=True),
    "XLOOKUP": wrap_func(xlookup, ranges=True),
    "XMATCH": wrap_func(xxmatch, ranges=True),
}
