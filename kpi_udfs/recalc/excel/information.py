"""Excel's information functions about values, cells and sheets.

Computed here for whole blocks: the IS functions of a value (ISBLANK, ISERR, ISERROR,
ISNA, ISLOGICAL, ISNONTEXT, ISNUMBER, ISTEXT), from what the reader knows of the
workbook FORMULATEXT and ISFORMULA (the formula text of a cell), ISREF, SHEET,
SHEETS and NA. Corrected in `formulas`' table: N (TRUE is 1, as Excel documents).

In an array formula Excel computes a function of one value once per cell of the
formula's range, taking the argument's cell in the same place, and #N/A where the
argument is smaller than the range: so ``{=ISBLANK(D6:Q6)}`` over 15 cells ends in
FALSE (ISBLANK of #N/A), ``{=ISNA(…)}`` in TRUE, not in #N/A as most functions do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from formulas.functions import FoundError, wrap_func
from formulas.tokens.operand import XlError

from ...errors import NA, VALUE, KpiError
from ..evaluate.vec import BOOL, EMPTY, ERROR, NUMBER, TEXT, Vec, native_error, pad
from .arguments import arg_count

_NA = native_error(NA)


def _first_area(ctx, node):
    refs = node.refs(ctx)
    if refs is None:
        return None
    return [item if isinstance(item, KpiError) else item[0] for item in refs]


def _per_row(values: list) -> Vec:
    return Vec.from_values(np.array(values, dtype=object).reshape(-1, 1, 1))


def _text_of(ctx, cell) -> str | None:
    sheet, r1, c1 = cell[:3]
    text = ctx.book.formula_text.get((sheet, r1, c1))
    if text is None:
        for (s, r, c), (h, w) in ctx.book.array_areas.items():  # inside an array formula's range
            if s == sheet and r <= r1 < r + h and c <= c1 < c + w:
                return ctx.book.formula_text.get((s, r, c))
    return text


def _per_cell(ctx, args, one, missing) -> Vec:
    """``one(ctx, (sheet, row, col))`` for the reference's first cell, or for each of its
    cells in an array formula (``{=ISFORMULA(C10:J10)}``)."""
    areas = _first_area(ctx, args[0]) if len(args) == 1 else None
    if areas is None:
        return Vec.const(missing)
    if ctx.array and len(areas) == 1 and not isinstance(areas[0], KpiError):
        sheet, r1, c1, r2, c2 = areas[0]
        out = np.empty((1, r2 - r1 + 1, c2 - c1 + 1), dtype=object)
        for i in range(r2 - r1 + 1):
            for j in range(c2 - c1 + 1):
                out[0, i, j] = one(ctx, (sheet, r1 + i, c1 + j))
        return Vec.from_values(out)
    return _per_row([a if isinstance(a, KpiError) else one(ctx, (a[0], a[1], a[2])) for a in areas])


def _formula_text(ctx, cell) -> object:
    text = _text_of(ctx, cell)
    if text is None:
        return _NA
    for prefix in ("_xlfn._xlws.", "_xlfn.", "_xlws.", "_xludf."):
        text = text.replace(prefix, "").replace(prefix.upper(), "")
    return text


def f_formulatext(ctx, args) -> Vec:
    return _per_cell(ctx, args, _formula_text, _NA)


def f_isformula(ctx, args) -> Vec:
    return _per_cell(ctx, args, lambda ctx, cell: _text_of(ctx, cell) is not None, native_error(VALUE))


def f_isref(ctx, args) -> Vec:
    if len(args) != 1:
        return Vec.const(native_error(VALUE))
    refs = args[0].refs(ctx)
    if refs is None:
        return Vec.const(False)
    return _per_row([not isinstance(item, KpiError) for item in refs])


def _sheet_number(ctx, name: str) -> Any:
    names = [n.casefold() for n in ctx.book.sheet_order]
    key = name.casefold()
    return float(names.index(key) + 1) if key in names else _NA


def f_sheet(ctx, args) -> Vec:
    if not args or args[0].is_missing:
        return Vec.const(_sheet_number(ctx, ctx.sheet))
    areas = _first_area(ctx, args[0])
    if areas is not None:
        return _per_row([a if isinstance(a, KpiError) else _sheet_number(ctx, a[0]) for a in areas])
    v = args[0].ev(ctx)
    out = []
    for i in range(v.shape[0]):
        x = v.row(i).value((0, 0, 0))
        out.append(_sheet_number(ctx, x) if isinstance(x, str) else (x if isinstance(x, KpiError) else _NA))
    return _per_row(out)


def f_sheets(ctx, args) -> Vec:
    if not args or args[0].is_missing:
        return Vec.const(float(len(ctx.book.sheet_order)))
    refs = args[0].refs(ctx)
    if refs is None:
        return Vec.const(_NA)
    return _per_row([item if isinstance(item, KpiError) else float(len({a[0] for a in item})) for item in refs])


def xn(value: Any) -> Any:
    """N: a number as itself, TRUE/FALSE as 1/0 (Excel's N documents "TRUE → 1"),
    anything else 0; an error propagates. (`formulas` returns the boolean itself.)"""
    v = np.asarray(value, object).ravel()[0]
    if isinstance(v, XlError):
        raise FoundError(err=v)
    if isinstance(v, (bool, np.bool_, int, float, np.integer, np.floating)):
        return float(v)
    return 0.0



def _codes(v: Vec) -> np.ndarray:
    """Each cell's error code ("" where it holds no error)."""
    codes = np.full(v.shape, "", dtype=object)
    bad = v.kind == ERROR
    if bad.any():
        codes[bad] = [e.code for e in v.objects()[bad]]
    return codes


def over_area(ctx, v: Vec) -> Vec:
    """An argument of a one-value function in an array formula, lined up with the
    formula's range: cells beyond a longer argument's end are #N/A (an axis of one cell
    repeats, as everywhere)."""
    if ctx.area is None or v.shape[0] != 1:
        return v
    rows, cols = ctx.area
    _, h, w = v.shape
    shape = (1, rows if 1 < h < rows else h, cols if 1 < w < cols else w)
    return v if shape == v.shape else pad(v, shape)


_IS_TESTS = {
    "ISBLANK": lambda v: v.kind == EMPTY,
    "ISERR": lambda v: (v.kind == ERROR) & (_codes(v) != NA),
    "ISERROR": lambda v: v.kind == ERROR,
    "ISNA": lambda v: _codes(v) == NA,
    "ISLOGICAL": lambda v: v.kind == BOOL,
    "ISNONTEXT": lambda v: v.kind != TEXT,
    "ISNUMBER": lambda v: v.kind == NUMBER,
    "ISTEXT": lambda v: v.kind == TEXT,
}


def _is_function(name: str):
    test = _IS_TESTS[name]

    def fn(ctx, args) -> Vec:
        arg_count(name, args, 1, 1)
        v = over_area(ctx, args[0].ev(ctx))
        return Vec.booleans(test(v))

    return fn


def f_na(ctx, args) -> Vec:
    arg_count("NA", args, 0, 0)
    return Vec.const(native_error(NA))


FUNCTIONS = {
    **{name: _is_function(name) for name in _IS_TESTS},
    "NA": f_na,
    "FORMULATEXT": f_formulatext,
    "ISFORMULA": f_isformula,
    "ISREF": f_isref,
    "SHEET": f_sheet,
    "SHEETS": f_sheets,
}

CORRECTIONS = {"N": wrap_func(xn)}
