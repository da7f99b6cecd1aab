"""Excel's reading of text as numbers, dates and times (en-US), and single-argument
helpers for the functions written in `formulas`' conventions.

:func:`text_number`, :func:`time_text` and :func:`date_time_text` are the one place
Excel's rules for text used as a number live: ``"1,200"``, ``"50%"``, ``"$3.5"``,
``"(12)"``, ``"9:30 PM"``, ``"2024-01-05"``, ``"5 Jan 2024"``. Arithmetic, comparisons
and VALUE all read text through them. A date is the serial number of the workbook's
date system (1900, or 1904 where the workbook says so).
"""

from __future__ import annotations

import calendar
import math
import re
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import FoundError
from formulas.tokens.operand import Error, XlError

from .bridge import CURRENT_BOOK, is_omitted

_VALUE = Error.errors["#VALUE!"]

#: Days between the 1900 and the 1904 date systems' day 0.
DAYS_1904 = 1462


def date_offset() -> float:
    """What to subtract from a 1900-system serial for the workbook being computed."""
    book = CURRENT_BOOK.get()
    return DAYS_1904 if book is not None and book.date1904 else 0.0


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


def _real_date(text: str) -> bool:
    """Whether the date in ``text`` exists: `formulas`' reading rolls "2/30/2024" over to
    March 1 and "2024-13-01" to 2025, where Excel reads no date (DATEVALUE #VALUE!).
    February 29, 1900 is Excel's serial 60."""
    from formulas.functions.date import _text2datetime

    try:
        y, m, d = _text2datetime(text)[:3]
    except Exception:
        return True  # left to `formulas`' own reading below
    if not (1 <= m <= 12 and 1 <= d):
        return False
    return d <= calendar.monthrange(y, m)[1] or (y, m, d) == (1900, 2, 29)


def _formulas_date(text: str) -> float | None:
    from formulas.functions.text import xvalue as formulas_value

    if not _real_date(text):
        return None
    try:
        x = float(formulas_value(text))
    except Exception:
        return None
    if not math.isfinite(x):
        return None
    return x - date_offset()


def date_time_text(text: str) -> float | None:
    """The serial number a date (and time) written as text stands for, or None."""
    s = text.strip()
    if not _DATE_TEXT.match(s) and not _MONTH_NAME.search(s):
        return None
    return _formulas_date(s)


def single(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise FoundError(err=_VALUE)
        value = value.ravel()[0]
    if isinstance(value, XlError):
        raise FoundError(err=value)
    return value


def int_arg(value: Any, default: int) -> int:
    value = single(value)
    if is_omitted(value) or value is sh.EMPTY:
        return default
    try:
        return int(math.trunc(float(value)))
    except (TypeError, ValueError):
        raise FoundError(err=_VALUE) from None

def num_arg(value: Any, default: float) -> float:
    value = single(value)
    if is_omitted(value) or value is sh.EMPTY:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FoundError(err=_VALUE) from None


def text_as_number(text: str) -> float | None:
    """Text Excel reads as a number where a number is expected: a number ("1,200",
    "50%", "$3.5", spaces around allowed), a time ("9:30 PM") or a date ("2024-01-10",
    not " 2024-01-10 ": Excel's MROUND(" 2024-01-10 ",7) is #VALUE!); None otherwise."""
    x = text_number(text)
    if x is None and text == text.strip():
        x = time_text(text)
        if x is None:
            x = date_time_text(text)
    return x


def xvalue(value: Any) -> Any:
    """VALUE in `formulas`' conventions: numbers, times and dates written as text."""
    value = single(value)
    if isinstance(value, (bool, np.bool_)):
        raise FoundError(err=_VALUE)
    if value is sh.EMPTY or is_omitted(value):
        return 0.0
    if isinstance(value, str):
        x = text_as_number(value)
        if x is None:
            raise FoundError(err=_VALUE)
        return x
    return float(value)


def scalar_number(v: Any) -> float:
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
