"""SORT and SORTBY in Excel's order.

Excel sorts by kind first, then by value: numbers, then text (ignoring case: "Hola"
and "HOLA" are equal), then TRUE/FALSE, then errors (in the order of their ERROR.TYPE
codes: #NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?, #NUM!, #N/A), and a descending sort
reverses that order. Empty cells come last in both orders. The sort is stable: rows
whose keys are equal keep their order, in a descending sort too. An empty cell in the
result shows 0. These are the cached values of IronCalc's LOOKUP_AND_REFERENCE__SORT
test book, saved by Excel.

Arguments (Microsoft's SORT and SORTBY pages): sort_index and sort_order may be arrays
of the same length (a sort on several keys); a sort_index outside the array, an order
other than 1 or -1, or a by_array that is not one row or column as long as the array
is #VALUE!.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, wrap_func
from formulas.tokens.operand import Error, XlError

from .bridge import is_omitted

_VALUE = Error.errors["#VALUE!"]

#: ERROR.TYPE's numbers, which order errors in a sort.
ERROR_ORDER = {"#NULL!": 1, "#DIV/0!": 2, "#VALUE!": 3, "#REF!": 4, "#NAME?": 5, "#NUM!": 6, "#N/A": 7,
               "#GETTING_DATA": 8, "#SPILL!": 9, "#CALC!": 14}


def _blank(v: Any) -> bool:
    return v is sh.EMPTY or v is None or is_omitted(v)


def sort_key(v: Any) -> tuple:
    """Where a (non-empty) value goes in Excel's ascending order."""
    if isinstance(v, XlError):
        return (3, ERROR_ORDER.get(str(v), 99))
    if isinstance(v, (bool, np.bool_)):
        return (2, bool(v))
    if isinstance(v, str):
        return (1, v.casefold())
    return (0, float(v))


def _grid(value: Any) -> np.ndarray:
    if isinstance(value, XlError):
        raise FoundError(err=value)
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


def _integers(value: Any, default: int) -> list[int]:
    """An index or order argument (one value or an array) as whole numbers; left out,
    the default (an empty cell is #VALUE!)."""
    if is_omitted(value) or value is None:
        return [default]
    out = []
    for v in _grid(value).ravel():
        if isinstance(v, XlError):
            raise FoundError(err=v)
        if isinstance(v, str) or _blank(v):
            raise FoundError(err=_VALUE)
        try:
            out.append(math.trunc(float(v)))
        except (TypeError, ValueError):
            raise FoundError(err=_VALUE) from None
    return out


def _order(positions: list[int], keys: list[list[Any]], orders: list[int]) -> list[int]:
    """The positions sorted on each key in turn (the first key first), stably."""
    for column, order in reversed(list(zip(keys, orders, strict=True))):
        if order not in (1, -1):
            raise FoundError(err=_VALUE)
        filled = [p for p in positions if not _blank(column[p])]
        empty = [p for p in positions if _blank(column[p])]
        filled.sort(key=lambda p: sort_key(column[p]), reverse=order == -1)
        positions = filled + empty
    return positions


def _shown(arr: np.ndarray) -> Array:
    out = np.array(arr, dtype=object)
    for idx, v in np.ndenumerate(out):
        if _blank(v):
            out[idx] = 0.0
    return out.view(Array)


def xsort(array, sort_index=None, sort_order=None, by_col=None):
    grid = _grid(array)
    if not _blank(by_col):
        flag = _grid(by_col).ravel()[0]
        if isinstance(flag, XlError):
            raise FoundError(err=flag)
        columns = bool(flag) if isinstance(flag, (bool, np.bool_)) else bool(float(flag))
    else:
        columns = False
    lines = grid.T if columns else grid
    indices = _integers(sort_index, 1)
    orders = _integers(sort_order, 1)
    if len(orders) == 1 and len(indices) > 1:
        orders *= len(indices)
    if len(orders) != len(indices) or any(not 1 <= i <= lines.shape[1] for i in indices):
        raise FoundError(err=_VALUE)
    keys = [list(lines[:, i - 1]) for i in indices]
    positions = _order(list(range(lines.shape[0])), keys, orders)
    out = lines[positions]
    return _shown(out.T if columns else out)


def xsortby(array, by_array, sort_order=None, *more):
    grid = _grid(array)
    pairs = [(by_array, sort_order)] + [(more[i], more[i + 1] if i + 1 < len(more) else None)
                                        for i in range(0, len(more), 2)]
    keys, orders, columns = [], [], None
    for by, order in pairs:
        b = _grid(by)
        if b.shape[1] == 1 and b.shape[0] == grid.shape[0] and columns is not True:
            columns = False
            keys.append(list(b[:, 0]))
        elif b.shape[0] == 1 and b.shape[1] == grid.shape[1] and columns is not False:
            columns = True
            keys.append(list(b[0, :]))
        else:
            raise FoundError(err=_VALUE)
        got = _integers(order, 1)
        if len(got) != 1:
            raise FoundError(err=_VALUE)
        orders.append(got[0])
    lines = grid.T if columns else grid
    positions = _order(list(range(lines.shape[0])), keys, orders)
    out = lines[positions]
    return _shown(out.T if columns else out)


CORRECTIONS = {"SORT": wrap_func(xsort), "SORTBY": wrap_func(xsortby)}
