"""XLOOKUP, XMATCH and INDEX as Excel computes them, where `formulas` differs.

* XLOOKUP / XMATCH (Microsoft's "XLOOKUP function" and "XMATCH function" pages):
  an omitted ``if_not_found`` gives #N/A (`formulas` gave the 0 of an omitted
  argument); the lookup array must be one row or one column and the return array as
  long along it, else #VALUE!; ``match_mode`` is 0, -1, 1 or 2 and ``search_mode`` 1,
  -1, 2 or -2, else #VALUE!; the result is the whole row (column) of a 2-D return
  array; match mode 3 (newer Excel) matches a regular expression. The binary searches (2 ascending, -2 descending) are real binary searches:
  with duplicates an exact match lands on the first of them in search order, "next
  smaller" on the last key below the value and "next larger" on the first key above
  it. Values order as numbers < text < TRUE/FALSE (``XLOOKUP(FALSE,{2;"ala"},…,,-1)``
  finds "ala"); empty cells and errors are skipped by linear searches but order last
  in binary ones (so an empty lookup value finds the first empty cell after the data).
  An empty (or omitted) lookup value matches empty cells.
* INDEX with a row or column number 0 returns the whole column or row of the range
  (``SUM(INDEX(B2:F6,0,3))``, a spilled ``INDEX(B2:F6,2,0)``), as Excel's INDEX page
  documents; `formulas` read 0 as 1. So does an omitted column number for a 2-D
  array (``INDEX({1,2,3;4,5,6},1)`` is {1,2,3}).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, wrap_func, wrap_impure_func
from formulas.ranges import Ranges
from formulas.tokens.operand import Error, XlError

from .values import is_omitted

_VALUE = Error.errors["#VALUE!"]
_REF = Error.errors["#REF!"]
_NA = Error.errors["#N/A"]

_BLANK = object()  # an empty lookup value


def grid_of(value: Any) -> np.ndarray:
    """A range or value as a 2-D object array."""
    if isinstance(value, Ranges):
        value = value.value
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)
    return arr


def _one(value: Any) -> Any:
    """A single argument value (a 1×1 range or array read as its cell)."""
    if isinstance(value, (Ranges, np.ndarray)):
        arr = grid_of(value)
        if arr.size != 1:
            raise FoundError(err=_VALUE)
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
            return _VALUE
    n = int(math.floor(float(v)))
    return n if n in allowed else _VALUE


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
            raise FoundError(err=_VALUE) from None
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
        raise FoundError(err=_VALUE)
    return list(table.ravel()), table.shape[1] == 1 and table.shape[0] > 1


def _lifted(value: Any, match_mode: Any, search_mode: Any) -> tuple[np.ndarray, ...]:
    """The lookup value, match mode and search mode broadcast against each other: an
    array in any of them gives one lookup per cell."""
    grids = [grid_of(a if a is not None else sh.EMPTY) for a in (value, match_mode, search_mode)]
    try:
        return np.broadcast_arrays(*grids)
    except ValueError:
        raise FoundError(err=_VALUE) from None


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
        return _VALUE
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
        raise FoundError(err=_VALUE)
    missing = _NA if if_not_found is None or is_omitted(if_not_found) else if_not_found
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
        if isinstance(got, (Ranges, np.ndarray)):
            got = grid_of(got)
            if got.size == 1:
                return _cell(got.ravel()[0])
            return np.vectorize(_cell, otypes=[object])(got).view(Array)
        return _cell(got)
    res = np.empty(values.shape, dtype=object)
    for idx in np.ndindex(values.shape):
        got = one(idx)
        if isinstance(got, (Ranges, np.ndarray)):
            got = grid_of(got).ravel()[0]
        res[idx] = _cell(got)
    return res.view(Array)


def xxmatch(value: Any, lookup: Any, match_mode: Any = None, search_mode: Any = None) -> Any:
    keys, _down = _keys_of(lookup)
    values, modes, searches = _lifted(value, match_mode, search_mode)
    res = np.empty(values.shape, dtype=object)
    for idx in np.ndindex(values.shape):
        pos = _find(keys, values[idx], modes[idx], searches[idx])
        res[idx] = pos if isinstance(pos, XlError) else (_NA if pos < 0 else float(pos + 1))
    return res.ravel()[0] if res.size == 1 else res.view(Array)


def _whole_index(original: Any) -> Any:
    """INDEX reading a row or column number 0 as the whole column or row."""

    def number(v: Any) -> Any:
        v = _one(v)
        if isinstance(v, XlError):
            raise FoundError(err=v)
        if v is sh.EMPTY or is_omitted(v):
            return 0
        if isinstance(v, (bool, np.bool_, str)):
            return None
        return int(math.trunc(float(v)))

    def xindex(array: Any, row_num: Any, col_num: Any = None, area_num: Any = 1) -> Any:
        single_area = not isinstance(array, Ranges) or len(array.ranges) == 1
        plain_area = area_num == 1 or (not isinstance(area_num, Ranges) and _one(area_num) == 1)
        scalar_args = all(a is None or grid_of(a).size == 1 for a in (row_num, col_num))
        if single_area and plain_area and scalar_args:
            r = number(row_num)
            c = None if col_num is None else number(col_num)
            grid = grid_of(array)
            h, w = grid.shape
            if c is None and r is not None:
                if h == 1:
                    r, c = 1, r
                elif w == 1:
                    c = 1
                elif not isinstance(array, Ranges) and not isinstance(row_num, np.ndarray):
                    c = 0  # INDEX({1,2;3,4},2): the whole row (an array {2} goes cell by cell)
            if r is not None and c is not None and (r == 0 or c == 0):
                if r < 0 or c < 0:
                    raise FoundError(err=_VALUE)
                if r > h or c > w:
                    raise FoundError(err=_REF)
                part = grid[
                    slice(None) if r == 0 else slice(r - 1, r), slice(None) if c == 0 else slice(c - 1, c)
                ]
                if part.size == 1:
                    return _cell(part.ravel()[0])
                return np.vectorize(_cell, otypes=[object])(part).view(Array)
        return original(array, row_num, col_num, area_num)

    return xindex


def install_lookup_functions(table: dict) -> None:
    """Put XLOOKUP, XMATCH and the INDEX fix into `formulas`' function table (idempotent)."""
    for name, fn in (("XLOOKUP", xlookup), ("XMATCH", xxmatch)):
        table[name] = table["_XLFN." + name] = wrap_func(fn, ranges=True)
    from formulas.functions import look

    table["INDEX"] = {
        "extra_inputs": table["INDEX"]["extra_inputs"],
        "function": wrap_impure_func(wrap_func(_whole_index(look.xindex), ranges=True)),
    }
