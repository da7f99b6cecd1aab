"""Excel functions `formulas` lacks or computes differently from Excel.

* ROUND, ROUNDUP, ROUNDDOWN and TRUNC round the decimal value Excel displays, not the
  binary float: ROUND((41.9+58.8)/2, 1) is 50.4 (``formulas`` gives 50.3).
* SUBTOTAL and AGGREGATE (HR lists as Tables end in ``SUBTOTAL(109, Table1[Amount])``):
  they skip other SUBTOTAL/AGGREGATE cells in their ranges, hidden rows (10x codes,
  AGGREGATE options) and, for AGGREGATE, errors on request.
* SUM, PRODUCT, AVERAGE, MIN, MAX read references and arrays as Excel does: only their
  numbers count (text and TRUE/FALSE in cells are skipped), while a value typed as an
  argument is converted (``SUM("3", TRUE)`` is 4).
* VALUE reads "100,000,000", "20%", "$1,234.5", "(12)" as Excel (en-US) does; TEXT
  renders formats with :mod:`.number_format` (``"yyyy年m月d日"``, ``"0.0%"``, ``"#,##0_)"``),
  falling back to `formulas` for codes it does not handle.
* GCD and LCM skip blank cells; the number-system and COMPLEX functions accept cell
  references (`formulas` gives #VALUE! for a 1×1 range there).
* FLOOR, CEILING and their .MATH/.PRECISE/ISO variants round to multiples the way
  Excel does (signs, modes, FLOOR(7.1,0.1) = 71 × 0.1), snapping quotients within
  binary noise of a whole number.
* REPT refuses results longer than a cell holds (32,767 characters) and negative counts
  with #VALUE!, as Excel does, instead of building them; ``&``, CONCATENATE, CONCAT and
  TEXTJOIN give #VALUE! for a text longer than that.
* CHAR and CODE use Windows-1252 as Excel for Windows does (Mac Roman for a workbook
  saved by Excel for Mac); SWITCH compares text case-insensitively.
* LOOKUP in both forms (vector, and array: first row or column searched, last one
  returned), with Excel's binary-search approximate match among values of the lookup
  value's type, so ``LOOKUP(2,1/(A2:A9="x"),B2:B9)`` finds the last match.
* OFFSET whose offsets are computed (constant ones are rewritten to plain ranges before
  parsing): it reads its target's current values; a target formula not computed yet
  gives #VALUE! with a reason, since `formulas`' graph cannot know the dependency.
* FORMULATEXT, SHEET, SHEETS, SEQUENCE, QUOTIENT, COMBIN, COMBINA, BASE.
* The double negation ``--x`` (and any unary run of signs with an even, non-zero count
  of minus signs, such as ``-+-x``) gives a number, as in Excel: ``--TRUE`` is 1 and
  ``SUMPRODUCT(--ISERROR(A1:A9))`` counts. `formulas` folds the run into a unary plus,
  which leaves TRUE as TRUE.

Functions needing workbook facts (which cells hold formulas, hidden rows) read them from
the current :class:`~kpi_udfs.recalc.session.Session`.
"""

from __future__ import annotations

import functools
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
from .values import OMITTED, is_omitted

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


_TIME_TEXT = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?\s*([AaPp][Mm]?)?$")


_DATE_TEXT = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?(?:[ T]+\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?)?$"
)
# with a year after the month too ("1/1937", "1/2008": January of that year)
_DATE_TEXT_LONG = re.compile(_DATE_TEXT.pattern.replace(r"[-/.]\d{1,2}(?:", r"[-/.]\d{1,4}(?:", 1))
_MONTH_NAME = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.IGNORECASE)


def time_text(text: str) -> float | None:
    """A time of day written as text ("12:13", "9:05:30 PM") as a fraction of a day."""
    m = _TIME_TEXT.match(text.strip())
    if not m:
        return None
    h, mi, sec = int(m.group(1)), int(m.group(2)), float(m.group(3) or 0)
    if m.group(4):
        if not 0 <= h <= 12:  # Excel reads "0:13 PM" as 12:13 PM
            return None
        h = h % 12 + (12 if m.group(4)[0] in "Pp" else 0)
    if mi >= 60 or sec >= 60:
        return None
    # Excel's own rounding: "0:13" is 0.009027777777777779, not 780/86400 (…777), so
    # seconds into minutes into hours into days, one division at a time.
    return ((sec / 60 + mi) / 60 + h) / 24


def xvalue(value: Any) -> Any:
    value = _single(value)
    if isinstance(value, (bool, np.bool_)):
        raise FoundError(err=_VALUE)
    if value is sh.EMPTY or is_omitted(value):
        return 0.0
    if isinstance(value, str):
        x = text_number(value)
        if x is None:
            x = time_text(value)
        if x is not None:
            return x
        from formulas.functions.text import xvalue as formulas_value  # dates and times

        if not _DATE_TEXT.match(value.strip()) and not _MONTH_NAME.search(value):
            raise FoundError(err=_VALUE)
        try:
            return float(formulas_value(value))
        except Exception:
            raise FoundError(err=_VALUE) from None
    return float(value)


def _date_time_text(text: Any) -> float:
    """The serial number a date and/or time written as text stands for (DATEVALUE and
    TIMEVALUE take text only; a bare number such as "2007" is no date)."""
    if not isinstance(text, str):
        raise FoundError(err=_VALUE)
    text = re.sub(r":\s+", ":", text.strip())  # Excel reads "12: 13" as 12:13
    x = time_text(text)
    if x is not None:
        return x
    if not _DATE_TEXT_LONG.match(text) and not _MONTH_NAME.search(text):
        raise FoundError(err=_VALUE)
    from formulas.functions.text import xvalue as formulas_value

    try:
        return float(formulas_value(text))
    except Exception:
        raise FoundError(err=_VALUE) from None


def xdatevalue(text: Any) -> float:
    """DATEVALUE: the date part of the serial number (a time alone is day 0)."""
    return float(math.floor(_date_time_text(text)))


def xtimevalue(text: Any) -> float:
    """TIMEVALUE: the fraction of a day, from the same serial number as VALUE, so
    "7/5/1998 12:13" gives 35981.50902777778 - 35981 and "49:13" 2.0506944… - 2."""
    x = _date_time_text(text)
    return x - math.floor(x)


def xn(value: Any) -> Any:
    """N: a number as itself, TRUE/FALSE as 1/0 (Excel's N documents "TRUE → 1"),
    anything else 0; an error propagates. (`formulas` returns the boolean itself.)"""
    v = np.asarray(value, object).ravel()[0]
    if isinstance(v, XlError):
        raise FoundError(err=v)
    if isinstance(v, (bool, np.bool_, int, float, np.integer, np.floating)):
        return float(v)
    return 0.0


def _text_function(original: Callable[..., Any]) -> Callable[..., Any]:
    from .number_format import Invalid, Unsupported, format_value, general

    def xtext(value: Any, format_text: Any) -> Any:
        v, f = _single(value), _single(format_text)
        if v is sh.EMPTY or is_omitted(v):
            v = 0.0
        if f is sh.EMPTY or is_omitted(f):
            f = ""
        if isinstance(f, (bool, np.bool_)):
            f = "TRUE" if f else "FALSE"
        elif not isinstance(f, str):
            f = general(float(f))
        if isinstance(v, str):
            x = text_number(v)
            if x is None:
                try:
                    x = xvalue(v)  # dates and times written as text
                except FoundError:
                    x = None
            v = v if x is None else x
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
            v = float(v)
        try:
            return format_value(v, f)
        except Invalid:
            raise FoundError(err=_VALUE) from None
        except (Unsupported, ValueError, OverflowError, IndexError):
            return original(value, format_text)

    return xtext


def _argument_numbers(args: tuple) -> list[float]:
    """The numbers SUM and its kin take from their arguments (see module doc)."""
    out: list[float] = []
    for a in args:
        reference = isinstance(a, Ranges)
        if reference:
            a = a.value
        elif not isinstance(a, (str, np.ndarray)) and hasattr(a, "__len__"):
            a = np.asarray(list(np.ravel(np.asarray(a, dtype=object))), dtype=object)  # e.g. from GROUPBY
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


def _elementwise(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` written for single values, applied to each element when an argument is an
    array or a range of several cells (TEXT(2+SEQUENCE(1,7,0),"ddd") gives 7 texts, as in
    Excel's dynamic arrays); an element that fails holds its error."""

    def lifted(*args: Any) -> Any:
        vals = [a.value if isinstance(a, Ranges) else a for a in args]
        if not any(isinstance(v, np.ndarray) and v.size > 1 for v in vals):
            return fn(*args)
        grids = [np.asarray(v, dtype=object) if isinstance(v, np.ndarray) else np.full((1, 1), v, dtype=object) for v in vals]
        try:
            grids = np.broadcast_arrays(*[g.reshape(1, -1) if g.ndim == 1 else g for g in grids])
        except ValueError:
            raise FoundError(err=_VALUE) from None
        out = np.empty(grids[0].shape, dtype=object)
        for idx in np.ndindex(out.shape):
            try:
                out[idx] = fn(*[g[idx] for g in grids])
            except FoundError as ex:
                out[idx] = ex.err
        return out.view(Array)

    return lifted


def _scalar_lifted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function written for single values, taking 1×1 ranges as their value (a range of
    several cells is #VALUE!, as in Excel)."""

    def item(r: Any) -> Any:
        return np.ravel(np.asarray(r, dtype=object))[0] if isinstance(r, np.ndarray) else r

    def lifted(*args: Any) -> Any:
        arrays = [np.asarray(a, dtype=object) if isinstance(a, np.ndarray) else None for a in args]
        if any(a is not None and a.size != 1 for a in arrays):
            raise FoundError(err=_VALUE)  # Excel does not lift these over ranges
        return item(fn(*[a.ravel()[0] if a is not None else v for a, v in zip(arrays, args, strict=True)]))

    return lifted


#: `formulas` functions that fail on a 1×1 range where a single value works.
SCALAR_ONLY = (
    "BIN2HEX", "BIN2OCT", "HEX2BIN", "HEX2OCT",
    "OCT2BIN", "OCT2HEX", "COMPLEX",
)  # fmt: skip


def _dec_to(radix: int, bits: int) -> Callable[..., Any]:
    """DEC2BIN (radix 2, -512..511), DEC2OCT (8, 2**29) and DEC2HEX (16, 2**39) as
    Microsoft documents them: a negative number is written as ten digits of two's
    complement, and then ``places`` is ignored (but must still be 1 to 10); ``places``
    shorter than the digits is #NUM!; text that is no number is #VALUE!, an empty cell 0."""

    def number_of(value: Any) -> float:
        if value is sh.EMPTY or is_omitted(value):
            return 0.0
        if isinstance(value, (bool, np.bool_)):
            raise FoundError(err=_VALUE)
        if isinstance(value, str):
            x = text_number(value)
            if x is None:
                raise FoundError(err=_VALUE)
            return x
        return float(value)

    def convert(number: Any, places: Any = OMITTED) -> str:
        number = _single(number)
        width = None
        if not is_omitted(places):
            width = math.trunc(number_of(_single(places)))
            if not 1 <= width <= 10:
                raise FoundError(err=_NUM)
        n = math.trunc(number_of(number))
        if not -(2**bits) <= n < 2**bits:
            raise FoundError(err=_NUM)
        if n < 0:
            return np.base_repr(n + radix**10, radix)
        digits = np.base_repr(n, radix)
        if width is not None:
            if len(digits) > width:
                raise FoundError(err=_NUM)
            digits = digits.rjust(width, "0")
        return digits

    return convert


def _charset() -> str:
    session = _session.active()
    return "mac_roman" if session is not None and session.mac else "cp1252"


def _char(number: float) -> str:
    n = math.trunc(number)
    if not 1 <= n <= 255:
        raise FoundError(err=_VALUE)
    try:
        return bytes([n]).decode(_charset())
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return chr(n)


def _char_code(text: Any) -> float:
    if isinstance(text, XlError):
        raise FoundError(err=text)
    s = "" if text is sh.EMPTY else ("TRUE" if text is True else "FALSE" if text is False else str(text))
    if isinstance(text, float) and text == int(text):
        s = str(int(text))
    if not s:
        raise FoundError(err=_VALUE)
    try:
        return float(s[0].encode(_charset())[0])
    except UnicodeEncodeError:
        return 63.0 if ord(s[0]) > 255 else float(ord(s[0]))


def _switch_equal(a: Any, b: Any) -> bool:
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)) and bool(a) == bool(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, str) or isinstance(b, str) or a is sh.EMPTY or b is sh.EMPTY:
        return False
    return a == b


def xswitch(val: Any, *args: Any) -> Any:
    for k, v in zip(args[::2], args[1::2], strict=False):
        if isinstance(k, XlError):
            return k
        if _switch_equal(val, k):
            return v
    return args[-1] if len(args) % 2 else _NA


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
    values = np.asarray(value.value if isinstance(value, Ranges) else value, dtype=object)
    if values.size > 1:  # an array of lookup values: one result each
        out = np.empty(values.shape, dtype=object)
        for idx in np.ndindex(values.shape):
            try:
                out[idx] = _lookup_one(values[idx], lookup, result)
            except FoundError as e:
                out[idx] = e.err
        return out.view(Array)
    return _lookup_one(_single(value), lookup, result)


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
    table = np.asarray(lookup.value if isinstance(lookup, Ranges) else lookup, dtype=object)
    if table.ndim < 2:
        table = table.reshape(1, -1)
    if result is None:
        if table.shape[1] > table.shape[0]:
            keys, out = table[0, :], table[-1, :]
        else:
            keys, out = table[:, 0], table[:, -1]
    else:
        keys = table[0, :] if table.shape[1] > table.shape[0] else table[:, 0]
        out = np.asarray(result.value if isinstance(result, Ranges) else result, dtype=object).ravel()
    found = _binary_search(keys, v)
    if found < 0:
        raise FoundError(err=_NA)
    if found >= out.size:
        raise FoundError(err=_NA)
    return out[found]


def xoffset(ref: Any, rows: Any, cols: Any, height: Any = None, width: Any = None) -> Any:
    if not isinstance(ref, Ranges) or not ref.ranges:
        raise FoundError(err=_VALUE)
    base = ref.ranges[0]
    r1, c1 = int(base["r1"]), int(base["n1"])
    r2, c2 = int(base["r2"]), int(base["n2"])
    dr, dc = _int_arg(rows, 0), _int_arg(cols, 0)
    h = r2 - r1 + 1 if height is None else _int_arg(height, r2 - r1 + 1)
    w = c2 - c1 + 1 if width is None else _int_arg(width, c2 - c1 + 1)
    if h == 0 or w == 0:
        raise FoundError(err=Error.errors["#REF!"])
    top, left = r1 + dr, c1 + dc
    if h < 0:
        top, h = top + h + 1, -h
    if w < 0:
        left, w = left + w + 1, -w
    if top < 1 or left < 1 or top + h - 1 > 1048576 or left + w - 1 > 16384:
        raise FoundError(err=Error.errors["#REF!"])
    session = _session.active()
    values = None if session is None or session.reader is None else session.reader(
        base.get("sheet_id", ""), top, left, top + h - 1, left + w - 1
    )
    if values is None:
        if session is not None:
            session.note_reason("#VALUE!", "OFFSET reads a formula cell computed after it (dependency unknown to the engine)")
        raise FoundError(err=_VALUE)
    return values.view(Array)


def _scalar_number(v: Any) -> float:
    """A single argument read as a number the way Excel's maths functions read it."""
    if isinstance(v, XlError):
        raise FoundError(err=v)
    if v is sh.EMPTY or v is None or is_omitted(v):
        return 0.0
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, str):
        if v != v.strip() and text_number(v) is None:
            raise FoundError(err=_VALUE)  # " 2024-01-10 ": Excel reads no date with spaces here
        return float(xvalue(v))
    return float(v)


def _multiples(q: float, up: bool) -> float:
    """ceil (up) or floor of a quotient, snapped when it is a whole number but for binary noise."""
    r = round(q)
    if abs(q - r) <= 1e-12 * abs(q):
        return float(r)
    return float(math.ceil(q) if up else math.floor(q))


def _floor_ceiling(kind: str) -> Callable[..., Any]:
    def fn(number: Any, significance: Any = None, mode: Any = None) -> Any:
        x = _scalar_number(number)
        default = 1.0 if kind.endswith(("MATH", "PRECISE")) or kind == "ISO.CEILING" else None
        if significance is None or is_omitted(significance):
            if default is None:
                raise FoundError(err=_VALUE)
            s = default
        else:
            s = _scalar_number(significance)
        m = 0.0 if mode is None or is_omitted(mode) else _scalar_number(mode)
        if kind in ("FLOOR", "CEILING"):
            if s == 0:
                if kind == "CEILING" or x == 0:
                    return 0.0
                raise FoundError(err=_DIV0)
            if x > 0 and s < 0:
                raise FoundError(err=_NUM)
            # the quotient's ceiling (floor) times the significance: CEILING(-2.5,-2) = -4,
            # CEILING(-2.5,2) = -2, FLOOR(-2.5,2) = -4
            return _multiples(x / s, up=kind == "CEILING") * s
        s = abs(s)
        if s == 0:
            return 0.0
        q = x / s
        if kind in ("CEILING.MATH", "CEILING.PRECISE", "ISO.CEILING"):
            up = not (x < 0 and m != 0 and kind == "CEILING.MATH")
            return (_multiples(q, up=True) if up else _multiples(q, up=False)) * s
        # FLOOR.MATH / FLOOR.PRECISE
        toward_zero = x < 0 and m != 0 and kind == "FLOOR.MATH"
        return (_multiples(q, up=True) if toward_zero else _multiples(q, up=False)) * s

    return fn


#: The most characters an Excel cell holds.
MAX_TEXT = 32767


def _rept(text: Any, times: Any) -> Any:
    if isinstance(text, XlError):
        raise FoundError(err=text)
    s = "" if text is sh.EMPTY else ("TRUE" if text is True else "FALSE" if text is False else text)
    if isinstance(s, float) and s == int(s):
        s = str(int(s))
    s = str(s)
    n = math.trunc(_scalar_number(times))
    if n < 0 or len(s) * n > MAX_TEXT:
        raise FoundError(err=_VALUE)
    return s * n


def _cap_text(value: Any) -> Any:
    """#VALUE! for text longer than a cell holds (element-wise for arrays)."""
    if isinstance(value, str):
        return _VALUE if len(value) > MAX_TEXT else value
    if isinstance(value, np.ndarray) and value.dtype == object and value.size:
        long = np.frompyfunc(lambda v: isinstance(v, str) and len(v) > MAX_TEXT, 1, 1)(value).astype(bool)
        if long.any():
            value = value.copy()
            value[long] = _VALUE
    return value


def _text_capped(fn: Callable) -> Callable:
    """``fn`` whose text results longer than Excel's 32,767 characters are #VALUE!."""
    if getattr(fn, "text_capped", False):
        return fn

    @functools.wraps(fn)
    def capped(*args, **kwargs):
        return _cap_text(fn(*args, **kwargs))

    capped.text_capped = True
    return capped


def _excel_str(original: Callable[[Any], str]) -> Callable[[Any], str]:
    """`formulas`' number-to-text conversion (``&``, LEN, LEFT…), writing at most the 15
    significant digits Excel keeps: ">=" & 0.3645833333333333 is ">=0.364583333333333"."""
    if getattr(original, "excel_digits", False):
        return original

    def to_text(value: Any) -> str:
        if isinstance(value, float) and not value.is_integer():
            s = repr(value)
            if "e" not in s and len(s.lstrip("-").replace(".", "").lstrip("0")) > 15:
                short = f"{value:.15g}"
                if "e" not in short:
                    return short
        return original(value)

    to_text.excel_digits = True
    return to_text


def _install_text_caps() -> None:
    from formulas.functions import operators, text
    from formulas.functions.operators import OPERATORS

    text._str = _excel_str(text._str)
    operators._str = _excel_str(operators._str)
    OPERATORS["&"] = _text_capped(OPERATORS["&"])
    table = get_functions()
    for name in ("CONCATENATE", "CONCAT", "TEXTJOIN"):
        for key in (name, "_XLFN." + name):
            if key in table:
                table[key] = _text_capped(table[key])


def _with_xlfn(table: dict, name: str, fn: Any) -> None:
    table[name] = fn
    table["_XLFN." + name] = fn


def _install_double_negation() -> None:
    """``--x`` as Excel reads it: a unary "u--" operator that turns its operand into a number."""
    from formulas.functions.operators import OPERATORS, numeric_wrap
    from formulas.tokens.operator import Operator, OperatorToken

    if "U--" in OPERATORS:
        return
    process, update_name, set_expr = OperatorToken.process, Operator.update_name, Operator.set_expr

    def process_signs(self, match, context=None, parser=None):
        attr = process(self, match, context=context, parser=parser)
        if "-" in attr.get("sum_minus", "") and attr.get("name") == "+":
            attr["minus_pairs"] = True  # an even run of minus signs, folded to "+"
        return attr

    def name_double_negation(self, tokens, stack):
        update_name(self, tokens, stack)
        if self.attr.get("minus_pairs") and self.attr.get("name") == "u+":
            self.attr["name"] = "u--"

    def expr_double_negation(self, *tokens):
        if self.attr.get("name") == "u--":
            self.attr["expr"] = "--{}".format(*[t.get_expr for t in tokens])
        else:
            set_expr(self, *tokens)

    Operator._precedences["u--"] = Operator._precedences["u-"]
    Operator._n_args["u--"] = 1
    OperatorToken.process = process_signs
    Operator.update_name = name_double_negation
    Operator.set_expr = expr_double_negation
    OPERATORS["U--"] = numeric_wrap(lambda x: np.negative(np.negative(x)))


def install_native_fixes() -> None:
    """Put the overrides and additions into `formulas`' function table (idempotent)."""
    from formulas.functions import math as fmath

    _install_double_negation()
    _install_text_caps()

    table = get_functions()
    if not getattr(install_native_fixes, "done", False):
        for name in SCALAR_ONLY:
            table[name] = wrap_func(_scalar_lifted(table[name]))
            if "_XLFN." + name in table:
                table["_XLFN." + name] = table[name]
        install_native_fixes.done = True
    for name, radix, bits in (("DEC2BIN", 2, 9), ("DEC2OCT", 8, 29), ("DEC2HEX", 16, 39)):
        table[name] = wrap_func(_dec_to(radix, bits))
    table["GCD"] = wrap_func(_gcd_lcm(fmath.xgcd))
    table["LCM"] = wrap_func(_gcd_lcm(fmath.xlcm))
    table["VALUE"] = wrap_func(_elementwise(xvalue))
    table["N"] = wrap_func(xn)
    table["DATEVALUE"] = wrap_ufunc(xdatevalue, input_parser=lambda *a: a)
    table["TIMEVALUE"] = wrap_ufunc(xtimevalue, input_parser=lambda *a: a)
    table["CHAR"] = wrap_ufunc(_char)
    table["CODE"] = wrap_ufunc(_char_code, input_parser=lambda *a: a)
    from formulas.functions import get_error

    switch = {"function": wrap_ufunc(xswitch, input_parser=lambda *a: a, check_error=lambda first, *a: get_error(first))}
    table["SWITCH"] = table["_XLFN.SWITCH"] = switch
    if not getattr(install_native_fixes, "text_done", False):
        table["TEXT"] = wrap_func(_elementwise(_text_function(table["TEXT"])))
        install_native_fixes.text_done = True
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
    table["OFFSET"] = wrap_func(xoffset, ranges=True)
    table["LOOKUP"] = wrap_func(xlookup_legacy, ranges=True)
    table["REPT"] = wrap_ufunc(_rept, input_parser=lambda *a: a, check_error=lambda *a: None)
    for kind in ("FLOOR", "CEILING", "FLOOR.MATH", "CEILING.MATH", "FLOOR.PRECISE", "CEILING.PRECISE", "ISO.CEILING"):
        _with_xlfn(table, kind, wrap_ufunc(_floor_ceiling(kind), input_parser=lambda *a: a, check_error=lambda *a: None))
    _with_xlfn(table, "SHEET", wrap_func(xsheet, ranges=True))
    _with_xlfn(table, "SHEETS", wrap_func(xsheets, ranges=True))
    table["QUOTIENT"] = wrap_ufunc(_quotient)
    table["COMBIN"] = wrap_ufunc(_combin)
    _with_xlfn(table, "COMBINA", wrap_ufunc(_combina))
    _with_xlfn(table, "BASE", wrap_ufunc(_base))
    from .indirect import install_indirect
    from .lookup_functions import install_lookup_functions

    install_lookup_functions(table)  # XLOOKUP, XMATCH, INDEX with 0 (see that module)
    install_indirect(table)  # INDIRECT of computed addresses, ROW/COLUMN of errors
