"""Values crossing between `formulas` and our conventions.

`formulas` passes ranges as 2-D object arrays (its ``Array`` subclass) holding
``schedula.EMPTY`` for empty cells, errors as ``XlError`` tokens (compared by identity,
so only its canonical instances work), numbers as numpy or Python scalars. We use
``None`` for blank, :class:`KpiError` for errors, Python scalars, and 2-D object arrays.
An omitted argument (``KPI_GRADE(J2,Lo,Lab,,,"ERROR")``) arrives as :data:`OMITTED`,
which `formulas`' own functions still read as the 0 Excel gives them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import schedula as sh
from formulas.excel import XlCircular
from formulas.functions import Array
from formulas.tokens.operand import Error, XlError

from ..errors import CODES, VALUE, KpiError
from ..registry import result_grid


class _Omitted(int):
    """An omitted argument: 0 for Excel's own functions, "use the default" for ours."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED = _Omitted(0)

#: Error codes `formulas` does not define, as tokens of its error type.
_EXTRA_ERRORS = {code: XlError(code) for code in CODES if code not in Error.errors}


def xl_error(code: str) -> XlError:
    """The `formulas` error token for an Excel error code."""
    return Error.errors.get(code) or _EXTRA_ERRORS.get(code) or Error.errors[VALUE]


def is_omitted(value: Any) -> bool:
    return type(value) is _Omitted


def to_kpi(value: Any, reason: str = "") -> Any:
    """One `formulas` value in our conventions."""
    if value is sh.EMPTY or value is None:
        return None
    if is_omitted(value):  # IF(1,,A1): an omitted argument as a result is 0
        return 0.0
    if isinstance(value, XlCircular):  # a circular reference: Excel shows 0
        return 0.0
    if isinstance(value, XlError):
        code = str(value)
        return KpiError(code if code in CODES else VALUE, reason)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return float(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


_to_kpi_cells = np.frompyfunc(to_kpi, 1, 1)


def arg_to_kpi(value: Any) -> Any:
    """A function argument from `formulas`: arrays become 2-D object arrays of our values."""
    if isinstance(value, np.ndarray):
        arr = np.asarray(value, dtype=object)
        if arr.ndim == 0:
            return to_kpi(arr.item())
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        return np.asarray(_to_kpi_cells(arr), dtype=object)
    return to_kpi(value)


def to_formulas(value: Any) -> Any:
    """One of our values as `formulas` holds it."""
    if value is None:
        return sh.EMPTY
    if isinstance(value, KpiError):
        return xl_error(value.code)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


_to_formulas_cells = np.frompyfunc(to_formulas, 1, 1)


def result_to_formulas(result: Any) -> Array:
    """A function result as a 2-D `formulas` Array (a scalar is 1×1)."""
    grid = result_grid(result)
    if grid is None:
        out = np.empty((1, 1), dtype=object)
        out[0, 0] = to_formulas(result.item() if isinstance(result, np.ndarray) else result)
        return out.view(Array)
    out = np.asarray(_to_formulas_cells(grid), dtype=object) if grid.size else grid
    return out.view(Array)
