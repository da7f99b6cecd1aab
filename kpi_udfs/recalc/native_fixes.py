"""Excel functions `formulas` lacks or computes differently from Excel.

* ROUND, ROUNDUP, ROUNDDOWN and TRUNC round the decimal value Excel displays, not the
  binary float: ROUND((41.9+58.8)/2, 1) is 50.4 (``formulas`` gives 50.3).
* SUBTOTAL and AGGREGATE (HR lists as Tables end in ``SUBTOTAL(109, Table1[Amount])``):
  they skip other SUBTOTAL/AGGREGATE cells in their ranges, hidden rows (10x codes,
  AGGREGATE options) and, for AGGREGATE, errors on request.
* SUM, PRODUCT, AVERAGE, MIN, MAX read references and arrays as Excel does: only their
  numbers count (text and TRUE/FALSE in cells are skipped), while a value typed as an
  argument is converted (``SUM("3", TRUE)`` is 4).
* VALUE reads "100,000,000", "20%", "$1,234.5", "(12)" as Excel (en-US) does.
* GCD and LCM skip blank cells; the number-system and COMPLEX functions accept cell
  references (`formulas` gives #VALUE! for a 1×1 range there).
* FORMULATEXT, SHEET, SHEETS, SEQUENCE, QUOTIENT, COMBIN, COMBINA, BASE.

Functions needing workbook facts (which cells hold formulas, hidden rows) read them from
the current :class:`~kpi_udfs.recalc.session.Session`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, get_functions, wrap_func, wrap_ufunc
from formulas.ranges import Ranges
from formulas.tokens.operand import Error, XlError

from ..numeric import excel_round
from . import session as _session
from .values import is_omitted

_VALUE = Error.errors["#VALUE!"]
_NUM = Error.errors["#NUM!"]
_DIV0 = Error.errors["#DIV/0!"]
_NA = Error.errors["#N/A"]


# ---------------------------------------------------------------------------
# Rounding on the displayed decimal


def _rounder(mode: str, name: str) -> Callable[[float, float], float]:
    def rnd(x: float, digits: float = 0) -> float:
        if digits < -308:  # 10**digits is 0: every finite number rounds to 0
            return 0.0
        return float(excel_round(x, min(digits, 308), mode))

    rnd.__name__ = name
    return rnd


# ---------------------------------------------------------------------------
# SUBTOTAL and AGGREGATE


def _numbers(values: list) -> np.ndarray:
    return np.array(
        [
            float(v)
            for v in values
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        ],
        dtype=float,
    )


def _nonempty(values: list) -> int:
    return sum(1 for v in values if v is not sh.EMPTY)


def _sample(fn: Callable[[np.ndarray], float], minimum: int) -> Callable[[list], Any]:
    def stat(values: list) -> Any:
        x = _numbers(values)
        return _DIV0 if x.size < minimum else fn(x)

    return stat


def _mode(values: list) -> Any:
    x = _numbers(values)
    best, count = None, 1
    seen: dict[float, int] = {}
    for v in x:  # Excel: the first value reaching the highest count
        seen[v] = seen.get(v, 0) + 1
        if seen[v] > count:
            best, count = v, seen[v]
    return _NA if best is None else best


def _kth(largest: bool) -> Callable[[list, Any], Any]:
    def kth(values: list, k: Any) -> Any:
        x = np.sort(_numbers(values))
        k = math.ceil(float(k))
        if not 1 <= k <= x.size:
            return _NUM
        return x[-k] if largest else x[k - 1]

    return kth


def _percentile(exclusive: bool, quart: bool = False) -> Callable[[list, Any], Any]:
    def pct(values: list, p: Any) -> Any:
        x = np.sort(_numbers(values))
        p = float(p)
        if quart:
            q = math.floor(p)
            if not (1 if exclusive else 0) <= q <= (3 if exclusive else 4):
                return _NUM
            p = q / 4
        n = x.size
        if n == 0:
            return _NUM
        if exclusive:
            h = (n + 1) * p
            if not 1 <= h <= n:
                return _NUM
        else:
            if not 0 <= p <= 1:
                return _NUM
            h = (n - 1) * p + 1
        lo = math.floor(h)
        frac = h - lo
        if lo >= n:
            return x[-1]
        return x[lo - 1] + frac * (x[lo] - x[lo - 1])

    return pct


_AGGREGATORS: dict[int, Callable[..., Any]] = {
    1: _sample(np.mean, 1),
    2: lambda v: float(_numbers(v).size),
    3: lambda v: float(_nonempty(v)),
    4: lambda v: float(np.max(x)) if (x := _numbers(v)).size else 0.0,
    5: lambda v: float(np.min(x)) if (x := _numbers(v)).size else 0.0,
    6: lambda v: float(np.prod(x)) if (x := _numbers(v)).size else 0.0,
    7: _sample(lambda x: float(np.std(x, ddof=1)), 2),
    8: _sample(lambda x: float(np.std(x)), 1),
    9: lambda v: float(np.sum(_numbers(v))),
    10: _sample(lambda x: float(np.var(x, ddof=1)), 2),
    11: _sample(lambda x: float(np.var(x)), 1),
    12: _sample(lambda x: float(np.median(x)), 1),
    13: _mode,
    14: _kth(True),
    15: _kth(False),
    16: _percentile(False),
    17: _percentile(False, quart=True),
    18: _percentile(True),
    19: _percentile(True, quart=True),
}

_NESTED = ("SUBTOTAL(", "AGGREGATE(")


def _is_subtotal_formula(text: str | None) -> bool:
    if not text:
        return False
    upper = text.upper()
    return any(name in upper for name in _NESTED)


def _collect(arg: Any, skip_hidden: bool, skip_filtered: bool, skip_nested: bool, skip_errors: bool) -> list:
    """The cells of one argument that take part, in order; errors raise unless skipped."""
    session = _session.active()
    out: list = []
    if isinstance(arg, Ranges):
        for rng in arg.ranges:
            block = np.asarray(Ranges((rng,), arg.values).value, dtype=object)
            sheet = rng.get("sheet_id", "")
            r0, c0 = int(rng["r1"]) or 1, int(rng["n1"]) or 1
            hidden: set[int] = set()
            if session is not None:
                if skip_hidden:
                    hidden = session.hidden_rows.get(sheet, set())
                elif skip_filtered:
                    hidden = session.filtered_rows.get(sheet, set())
            for i, row in enumerate(block):
                if r0 + i in hidden:
                    continue
                for j, v in enumerate(row):
                    if skip_nested and session is not None:
                        if _is_subtotal_formula(session.formulas.get((sheet, r0 + i, c0 + j))):
                            continue
                    out.append(v)
    else:
        out.extend(np.ravel(np.asarray(arg, dtype=object)))
    kept = []
    for v in out:
        if isinstance(v, XlError):
            if skip_errors:
                continue
            raise FoundError(err=v)
        kept.append(v)
    return kept


def _single(value: Any) -> Any:
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise FoundError(err=_VALUE)
        value = value.ravel()[0]
    if isinstance(value, XlError):
        raise FoundError(err=value)
    return value


def _code(value: Any) -> int:
    value = _single(value)
    try:
        return int(math.floor(float(value)))
    except (TypeError, ValueError):
        raise FoundError(err=_VALUE) from None


def xsubtotal(function_num: Any, *refs: Any) -> Any:
    code = _code(function_num)
    skip_hidden = code > 100
    base = code - 100 if skip_hidden else code
    if not 1 <= base <= 11 or not refs:
        raise FoundError(err=_VALUE)
    values: list = []
    for ref in refs:
        values += _collect(ref, skip_hidden, True, True, False)
    return _AGGREGATORS[base](values)


#: AGGREGATE option → (skip hidden rows, skip errors, skip nested SUBTOTAL/AGGREGATE).
_OPTIONS = {
    0: (False, False, True),
    1: (True, False, True),
    2: (False, True, True),
    3: (True, True, True),
    4: (False, False, False),
    5: (True, False, False),
    6: (False, True, False),
    7: (True, True, False),
}


def xaggregate(function_num: Any, options: Any, *refs: Any) -> Any:
    code = _code(function_num)
    option = 0 if is_omitted(_single(options)) else _code(options)
    if code not in _AGGREGATORS or option not in _OPTIONS or not refs:
        raise FoundError(err=_VALUE)
    skip_hidden, skip_errors, skip_nested = _OPTIONS[option]
    if code >= 14:
        if len(refs) < 2:
            raise FoundError(err=_VALUE)
        values = _collect(refs[0], skip_hidden, True, skip_nested, skip_errors)
        return _AGGREGATORS[code](values, _single(refs[1]))
    values = []
    for ref in refs:
        values += _collect(ref, skip_hidden, True, skip_nested, skip_errors)
    return _AGGREGATORS[code](values)


# ---------------------------------------------------------------------------
# FORMULATEXT, SEQUENCE and small maths


def xformulatext(ref: Any) -> Any:
    if not isinstance(ref, Ranges) or not ref.ranges:
        raise FoundError(err=_NA)
    rng = ref.ranges[0]
    session = _session.active()
    text = None
    if session is not None:
        text = session.formulas.get((rng.get("sheet_id", ""), int(rng["r1"]), int(rng["n1"])))
    if text is None:
        raise FoundError(err=_NA)
    for prefix in ("_xlfn._xlws.", "_xlfn.", "_xlws."):
        text = text.replace(prefix, "").replace(prefix.upper(), "")
    return text if text.startswith("=") else "=" + text


def _int_arg(value: Any, default: int) -> int:
    value = _single(value)
    if is_omitted(value) or value is sh.EMPTY:
        return default
    try:
        return int(math.trunc(float(value)))
    except (TypeError, ValueError):
        raise FoundError(err=_VALUE) from None


def _num_arg(value: Any, default: float) -> float:
    value = _single(value)
    if is_omitted(value) or value is sh.EMPTY:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FoundError(err=_VALUE) from None


def xsequence(rows: Any, columns: Any = None, start: Any = None, step: Any = None) -> Any:
    r = _int_arg(rows, 1)
    c = 1 if columns is None else _int_arg(columns, 1)
    s = 1.0 if start is None else _num_arg(start, 1.0)
    d = 1.0 if step is None else _num_arg(step, 1.0)
    if r < 1 or c < 1:
        return _VALUE
    return (s + d * np.arange(r * c, dtype=float).reshape(r, c)).astype(object).view(Array)


def _sheet_index(title: str) -> Any:
    session = _session.active()
    names = [n.casefold() for n in (session.sheet_names if session else [])]
    key = title.casefold()
    return float(names.index(key) + 1) if key in names else _NA


def _sheet_of_current() -> str | None:
    session = _session.active()
    if session is None or not session.current:
        return None
    sid = session.current.rpartition("!")[0]
    return session.sheet_ids.get(sid)


def xsheet(value: Any = None) -> Any:
    session = _session.active()
    if value is None or is_omitted(value):
        title = _sheet_of_current()
        return _NA if title is None else _sheet_index(title)
    if isinstance(value, Ranges):
        sid = value.ranges[0].get("sheet_id", "") if value.ranges else ""
        title = session.sheet_ids.get(sid) if session else None
        return _NA if title is None else _sheet_index(title)
    value = _single(value)
    if isinstance(value, str):
        return _sheet_index(value)
    return _NA


def xsheets(value: Any = None) -> Any:
    session = _session.active()
    if value is None or is_omitted(value):
        return float(len(session.sheet_names)) if session else _NA
    if isinstance(value, Ranges):
        return float(len({r.get("sheet_id") for r in value.ranges}))
    return _NA


def _quotient(n: float, d: float) -> Any:
    if d == 0:
        raise FoundError(err=_DIV0)
    return float(math.trunc(n / d))


def _combin(n: float, k: float) -> Any:
    n, k = math.trunc(n), math.trunc(k)
    if n < 0 or k < 0 or k > n:
        raise FoundError(err=_NUM)
    return float(math.comb(n, k))


def _combina(n: float, k: float) -> Any:
    n, k = math.trunc(n), math.trunc(k)
    if n < 0 or k < 0 or (n == 0 and k > 0):
        raise FoundError(err=_NUM)
    return float(math.comb(n + k - 1, k)) if n + k > 0 else 1.0


def _base(number: float, radix: float, min_length: float = 0) -> Any:
    number, radix, min_length = math.trunc(number), math.trunc(radix), math.trunc(min_length)
    if number < 0 or number >= 2**53 or not 2 <= radix <= 36 or not 0 <= min_length <= 255:
        raise FoundError(err=_NUM)
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, r = divmod(number, radix)
        out = digits[r] + out
    return (out or "0").rjust(min_length, "0")


# ---------------------------------------------------------------------------
# Aggregates over references and arrays, VALUE, GCD/LCM, scalar-only functions

_NUMBER_TEXT = re.compile(r"^([+-]?)\$?(\d{1,3}(?:,\d{3})+|\d*)(\.\d*)?([eE][+-]?\d+)?(%*)$")


def text_number(text: str) -> float | None:
    """A number written as text the way Excel (en-US) reads it, or None."""
    s = text.strip().replace(" ", "")
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1]
    m = _NUMBER_TEXT.match(s)
    if not m or not (m.group(2) or (m.group(3) or "").strip(".")):
        return None
    x = float(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or "") + (m.group(4) or ""))
    x /= 100.0 ** len(m.group(5))
    return -x if negative else x


def xvalue(value: Any) -> Any:
    value = _single(value)
    if isinstance(value, (bool, np.bool_)):
        raise FoundError(err=_VALUE)
    if value is sh.EMPTY or is_omitted(value):
        return 0.0
    if isinstance(value, str):
        x = text_number(value)
        if x is not None:
            return x
        from formulas.functions.text import xvalue as formulas_value  # dates and times

        try:
            return float(formulas_value(value))
        except Exception:
            raise FoundError(err=_VALUE) from None
    return float(value)


def _argument_numbers(args: tuple) -> list[float]:
    """The numbers SUM and its kin take from their arguments (see module doc)."""
    out: list[float] = []
    for a in args:
        reference = isinstance(a, Ranges)
        if reference:
            a = a.value
        if reference or (isinstance(a, np.ndarray) and a.size != 1):
            for v in np.ravel(np.asarray(a, dtype=object)):
                if isinstance(v, XlError):
                    raise FoundError(err=v)
                if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
                    out.append(float(v))
            continue
        v = np.ravel(np.asarray(a, dtype=object))[0] if isinstance(a, np.ndarray) else a
        if isinstance(v, XlError):
            raise FoundError(err=v)
        if v is sh.EMPTY or is_omitted(v):
            continue
        if isinstance(v, (bool, np.bool_)):
            out.append(float(v))
        elif isinstance(v, str):
            x = text_number(v)
            if x is None:
                raise FoundError(err=_VALUE)
            out.append(x)
        else:
            out.append(float(v))
    return out


def _aggregate_of(fn: Callable[[np.ndarray], Any], empty: Any) -> Callable[..., Any]:
    def aggregate(*args: Any) -> Any:
        x = np.array(_argument_numbers(args), dtype=float)
        return empty if x.size == 0 else float(fn(x))

    return aggregate


def _without_empty(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        flat = np.ravel(np.asarray(value, dtype=object))
        return np.array([v for v in flat if v is not sh.EMPTY], dtype=object)
    return value


def _gcd_lcm(original: Callable[..., Any]) -> Callable[..., Any]:
    def gcd_lcm(*args: Any) -> Any:
        return original(*[_without_empty(a) for a in args])

    return gcd_lcm


def _scalar_lifted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function written for single values, applied cell by cell to ranges and arrays."""

    def item(r: Any) -> Any:
        return np.ravel(np.asarray(r, dtype=object))[0] if isinstance(r, np.ndarray) else r

    def lifted(*args: Any) -> Any:
        arrays = [np.asarray(a, dtype=object) if isinstance(a, np.ndarray) else None for a in args]
        if all(a is None or a.size == 1 for a in arrays):
            return item(fn(*[a.ravel()[0] if a is not None else v for a, v in zip(arrays, args, strict=True)]))
        shape = np.broadcast_shapes(*[a.shape for a in arrays if a is not None])
        full = [np.broadcast_to(a, shape) if a is not None else None for a in arrays]
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            out[idx] = item(fn(*[f[idx] if f is not None else v for f, v in zip(full, args, strict=True)]))
        return out.view(Array)

    return lifted


#: `formulas` functions that fail on a 1×1 range where a single value works.
SCALAR_ONLY = (
    "BIN2HEX", "BIN2OCT", "DEC2BIN", "DEC2HEX", "DEC2OCT", "HEX2BIN", "HEX2OCT",
    "OCT2BIN", "OCT2HEX", "COMPLEX",
)  # fmt: skip


def _with_xlfn(table: dict, name: str, fn: Any) -> None:
    table[name] = fn
    table["_XLFN." + name] = fn


def install_native_fixes() -> None:
    """Put the overrides and additions into `formulas`' function table (idempotent)."""
    from formulas.functions import math as fmath

    table = get_functions()
    if not getattr(install_native_fixes, "done", False):
        for name in SCALAR_ONLY:
            table[name] = wrap_func(_scalar_lifted(table[name]))
            if "_XLFN." + name in table:
                table["_XLFN." + name] = table[name]
        install_native_fixes.done = True
    table["GCD"] = wrap_func(_gcd_lcm(fmath.xgcd))
    table["LCM"] = wrap_func(_gcd_lcm(fmath.xlcm))
    table["VALUE"] = wrap_func(xvalue)
    table["SUM"] = wrap_func(_aggregate_of(np.sum, 0.0), ranges=True)
    table["PRODUCT"] = wrap_func(_aggregate_of(np.prod, 0.0), ranges=True)
    table["AVERAGE"] = wrap_func(_aggregate_of(np.mean, _DIV0), ranges=True)
    table["MIN"] = wrap_func(_aggregate_of(np.min, 0.0), ranges=True)
    table["MAX"] = wrap_func(_aggregate_of(np.max, 0.0), ranges=True)
    for name, mode in (("ROUND", "HALF_UP"), ("ROUNDUP", "UP"), ("ROUNDDOWN", "DOWN"), ("TRUNC", "DOWN")):
        table[name] = wrap_ufunc(_rounder(mode, name))
    table["SUBTOTAL"] = wrap_func(xsubtotal, ranges=True)
    _with_xlfn(table, "AGGREGATE", wrap_func(xaggregate, ranges=True))
    _with_xlfn(table, "FORMULATEXT", wrap_func(xformulatext, ranges=True))
    _with_xlfn(table, "SEQUENCE", wrap_func(xsequence))
    _with_xlfn(table, "SHEET", wrap_func(xsheet, ranges=True))
    _with_xlfn(table, "SHEETS", wrap_func(xsheets, ranges=True))
    table["QUOTIENT"] = wrap_ufunc(_quotient)
    table["COMBIN"] = wrap_ufunc(_combin)
    _with_xlfn(table, "COMBINA", wrap_ufunc(_combina))
    _with_xlfn(table, "BASE", wrap_ufunc(_base))
