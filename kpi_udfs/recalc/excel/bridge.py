"""Excel functions borrowed from `formulas`' function table, called row by row.

`formulas` implements some 400 Excel functions as plain Python over numpy arrays in its
own conventions: ranges are 2-D object arrays holding ``schedula.EMPTY`` for empty cells
and ``XlError`` tokens for errors. For a function that has no implementation here
(:mod:`kpi_udfs.recalc.excel`), :class:`Borrowed` converts each row's arguments to those
conventions, calls the function, and converts its result back. Our own corrections of
`formulas`' functions (:mod:`.corrections`) are put into its table first, so a borrowed
function is always the corrected one.

Only this module knows `formulas`' value conventions.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array
from formulas.tokens.operand import Error, XlError

from ...errors import CODES, VALUE, KpiError
from ...i18n import _
from ..evaluate.vec import Vec, native_error, pad

#: The workbook being computed (CHAR and CODE read whether Excel for Mac saved it,
#: date functions its date system).
CURRENT_BOOK: contextvars.ContextVar = contextvars.ContextVar("kpi_recalc_book", default=None)


@contextlib.contextmanager
def computing(book):
    token = CURRENT_BOOK.set(book)
    try:
        yield
    finally:
        CURRENT_BOOK.reset(token)


class _Omitted(int):
    """An omitted argument: 0 for Excel's own functions, as Excel reads it."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED = _Omitted(0)

#: Error codes `formulas` does not define, as tokens of its error type.
_EXTRA_ERRORS = {code: XlError(code) for code in CODES if code not in Error.errors}


def is_omitted(value: Any) -> bool:
    return type(value) is _Omitted


def xl_error(code: str) -> XlError:
    """The `formulas` error token for an Excel error code."""
    return Error.errors.get(code) or _EXTRA_ERRORS.get(code) or Error.errors[VALUE]


def to_formulas(value: Any) -> Any:
    """One of our values as `formulas` holds it."""
    if value is None:
        return sh.EMPTY
    if isinstance(value, KpiError):
        return xl_error(value.code)
    return value


_to_formulas_cells = np.frompyfunc(to_formulas, 1, 1)


def from_formulas(value: Any) -> Any:
    """One `formulas` value in our conventions."""
    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, KpiError):
        return value
    if is_omitted(value):
        return 0.0
    if isinstance(value, XlError):
        code = str(value)
        return native_error(code if code in CODES else VALUE)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer, int, np.floating, float)):
        return float(value)
    if isinstance(value, (str, np.str_)):
        return str(value)
    if isinstance(value, complex):
        return native_error(VALUE)
    return native_error(VALUE)


_from_formulas_cells = np.frompyfunc(from_formulas, 1, 1)


def argument(v: Vec | None, as_range: bool) -> Any:
    """A row's argument as `formulas` passes it: a range or array as a 2-D Array, a
    single computed value as a scalar (numbers as 0-d arrays, as its parser makes them)."""
    if v is None:
        return OMITTED
    values = v.values()[0]
    if as_range or values.shape != (1, 1):
        return np.asarray(_to_formulas_cells(values), dtype=object).view(Array)
    x = to_formulas(values[0, 0])
    if isinstance(x, float):
        return np.asarray(x, dtype=object).view(Array)
    return x


def result(raw: Any) -> Vec:
    """A `formulas` result as a Vec of shape (1, h, w)."""
    if isinstance(raw, np.ndarray):
        arr = np.asarray(raw, dtype=object)
        if arr.ndim == 0:
            inner = arr.item()
            if isinstance(inner, (np.ndarray, list, tuple)):  # an array made for one value (MUNIT(2))
                return result(inner)
            return Vec.const(from_formulas(inner))
        if arr.ndim == 1:  # a list of values (MODE.MULT, FREQUENCY): a column, as Excel gives
            arr = arr.reshape(-1, 1)
        if arr.ndim > 2 or arr.size == 0:
            return Vec.const(native_error(VALUE))
        return Vec.from_values(np.asarray(_from_formulas_cells(arr), dtype=object)[None])
    if isinstance(raw, (list, tuple)):
        return result(np.asarray(raw, dtype=object))
    return Vec.const(from_formulas(raw))


def _element_by_element(fn) -> bool:
    """Whether a `formulas` function applies to each element on its own (its
    ``wrap_ufunc``, without excluded arguments or a reshaping of the result): then one
    call with whole columns gives what one call per row gives."""
    import inspect

    from formulas.functions import wrap_ufunc

    default_return = inspect.signature(wrap_ufunc).parameters["return_func"].default
    f = fn
    while f is not None:
        code = getattr(f, "__code__", None)
        if code is not None and code.co_qualname == "wrap_ufunc.<locals>.wrapper":
            cells = dict(zip(code.co_freevars, (c.cell_contents for c in f.__closure__ or ()), strict=False))
            return "excluded" not in cells.get("kw", {}) and cells.get("return_func") is default_return
        f = getattr(f, "__wrapped__", None)
    return False


class Borrowed:
    """An Excel function of `formulas`' table, applied to each row of a block."""

    def __init__(self, name: str, fn):
        from .signatures import NUMBERS_ONLY

        self.name = name
        self.fn = fn
        self.per_element = _element_by_element(fn)
        self.numbers_only = name in NUMBERS_ONLY

    def __call__(self, ctx, args) -> Vec:
        callables = [_callable(ctx, a) if getattr(a, "is_lambda", False) else None for a in args]
        vecs = [None if (a.is_missing or f is not None) else a.ev(ctx) for a, f in zip(args, callables, strict=True)]
        m = max((v.shape[0] for v in vecs if v is not None), default=1)
        if m > 1 and self.per_element and not any(callables) and all(v is None or v.shape[1:] == (1, 1) for v in vecs):
            whole = self._whole_column(ctx, vecs, m)
            if whole is not None:
                return whole
        out = []
        with computing(ctx.book):
            for i in range(m):
                row = [
                    f if f is not None else argument(None if v is None else v.row(i), a.is_ref)
                    for v, a, f in zip(vecs, args, callables, strict=True)
                ]
                out.append(self.call(row))
        if m == 1:
            return out[0]
        shape = (1, max(v.shape[1] for v in out), max(v.shape[2] for v in out))
        out = [pad(v, shape) for v in out]
        kind = np.concatenate([v.kind for v in out])
        num = np.concatenate([v.num for v in out])
        obj = np.concatenate([v.objects() for v in out]) if any(v.obj is not None for v in out) else None
        return Vec(kind, num, obj)

    def _whole_column(self, ctx, vecs: list, m: int) -> Vec | None:
        """One call for the block: each argument a column (m, 1) or one value (1, 1).
        None when the call failed as a whole (an element raised what the function does
        not catch): then each row is called on its own, as the row form does."""
        row = []
        for v in vecs:
            if v is None:
                row.append(OMITTED)
                continue
            values = v.values()[:, :, 0]
            row.append(np.asarray(_to_formulas_cells(values), dtype=object).view(Array))
        with computing(ctx.book):
            got = self.call(row)
        if got.shape != (1, m, 1):
            return None
        return Vec(got.kind.reshape(m, 1, 1), got.num.reshape(m, 1, 1), None if got.obj is None else got.obj.reshape(m, 1, 1))

    def call(self, row: list) -> Vec:
        if self.numbers_only:
            row = [_as_number(x) for x in row]
        try:
            with np.errstate(all="ignore"):
                raw = self.fn(*row)
        except RecursionError:
            raise
        except Exception:  # `formulas` raises for some inputs where Excel shows #VALUE!
            return Vec.const(KpiError(VALUE, _("{function} cannot take these arguments", function=self.name)))
        return result(raw)


def _as_number(x: Any) -> Any:
    """One argument of a function of numbers (a value, or a column of them for the whole
    block): text that reads as a number becomes that number."""
    from .conversions import text_as_number

    def one(v: Any) -> Any:
        if isinstance(v, str) and not isinstance(v, XlError):
            n = text_as_number(v)
            return v if n is None else n
        return v

    if isinstance(x, np.ndarray):
        if x.size == 1 and x.ndim == 0:
            x = x.item()
        else:
            flat = x.ravel()
            if not any(isinstance(v, str) and not isinstance(v, XlError) for v in flat):
                return x
            out = np.empty(flat.shape, dtype=object)
            out[:] = [one(v) for v in flat]
            return out.reshape(x.shape).view(Array)
    got = one(x)
    return np.asarray(got, dtype=object).view(Array) if isinstance(got, float) and got is not x else got


def _callable(ctx, node):
    """A LAMBDA argument as the Python function `formulas`' MAP, REDUCE, GROUPBY… call."""

    def call(*values):
        vec = node.apply(ctx, [result(v) for v in values])
        return np.asarray(_to_formulas_cells(vec.values()[0]), dtype=object).view(Array)

    return call


def borrowed_functions() -> dict[str, Borrowed]:
    """Every function of `formulas`' table by Excel name, our corrections in place of
    its own where they differ from Excel (:func:`kpi_udfs.recalc.excel.corrections`)."""
    from formulas.functions import get_functions

    from . import corrections
    from .criteria import install_criteria
    from .text import install_number_text

    install_criteria()
    install_number_text()
    table: dict = {}
    for key, entry in get_functions().items():
        if isinstance(entry, dict) and "extra_inputs" in entry:
            continue  # needs the cell being computed (ROW, INDEX, TODAY…): computed here
        name = key.upper()
        for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
            name = name.removeprefix(prefix)
        table.setdefault(name, entry)
    table.update(corrections())
    out: dict[str, Borrowed] = {}
    for name, entry in table.items():
        fn = entry.get("function") if isinstance(entry, dict) else entry
        if not callable(fn) or getattr(fn, "__name__", "") == "not_implemented":
            continue
        out[name] = Borrowed(name, fn)
    return out
