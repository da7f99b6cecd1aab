"""Excel's date and time functions, in the workbook's date system.

Corrected in `formulas`' table (:data:`CORRECTIONS`): DATEVALUE and TIMEVALUE read
dates and times as Excel (en-US) does, from the same serial number as VALUE.
Computed here: TODAY and NOW (volatile). A workbook in the 1904 date system
(``<workbookPr date1904="1"/>``) counts days from 1904-01-01 (serial 0).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from formulas.functions import FoundError, wrap_ufunc
from formulas.tokens.operand import Error

from ..evaluate.vec import Vec
from .conversions import _DATE_TEXT_LONG, _MONTH_NAME, _formulas_date, time_text

_VALUE = Error.errors["#VALUE!"]
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


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
    x = _formulas_date(text)
    if x is None:
        raise FoundError(err=_VALUE)
    return x


def xdatevalue(text: Any) -> float:
    """DATEVALUE: the date part of the serial number (a time alone is day 0)."""
    return float(math.floor(_date_time_text(text)))

def xtimevalue(text: Any) -> float:
    """TIMEVALUE: the fraction of a day, from the same serial number as VALUE, so
    "7/5/1998 12:13" gives 35981.50902777778 - 35981 and "49:13" 2.0506944… - 2."""
    x = _date_time_text(text)
    return x - math.floor(x)



def serial_now(book) -> float:
    """Now as a serial number of the workbook's date system (local time)."""
    epoch = _EPOCH_1904 if book is not None and book.date1904 else _EPOCH_1900
    delta = dt.datetime.now() - epoch
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def f_today(ctx, args) -> Vec:
    return Vec.const(float(math.floor(serial_now(ctx.book))))


def f_now(ctx, args) -> Vec:
    return Vec.const(serial_now(ctx.book))


FUNCTIONS = {"TODAY": f_today, "NOW": f_now}

CORRECTIONS = {
    "DATEVALUE": wrap_ufunc(xdatevalue, input_parser=lambda *a: a),
    "TIMEVALUE": wrap_ufunc(xtimevalue, input_parser=lambda *a: a),
}
