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
from .conversions import _DATE_TEXT_LONG, _MONTH_NAME, DAYS_1904, _formulas_date, time_text

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


# ---------------------------------------------------------------------------
# The 1904 date system

#: Date functions by the arguments that are dates (0-based); a list of dates (holidays)
#: counts as dates too.
DATE_ARGUMENTS: dict[str, tuple[int, ...]] = {
    "YEAR": (0,), "MONTH": (0,), "DAY": (0,), "WEEKDAY": (0,), "WEEKNUM": (0,), "ISOWEEKNUM": (0,),
    "DATEDIF": (0, 1), "DAYS360": (0, 1), "DAYS": (0, 1), "EDATE": (0,), "EOMONTH": (0,),
    "NETWORKDAYS": (0, 1, 2), "NETWORKDAYS.INTL": (0, 1, 3), "WORKDAY": (0, 2), "WORKDAY.INTL": (0, 3),
    "YEARFRAC": (0, 1), "DATESTRING": (0,),
    "ACCRINT": (0, 1, 2), "ACCRINTM": (0, 1), "COUPDAYBS": (0, 1), "COUPDAYS": (0, 1), "COUPDAYSNC": (0, 1),
    "COUPNCD": (0, 1), "COUPNUM": (0, 1), "COUPPCD": (0, 1), "DISC": (0, 1), "DURATION": (0, 1),
    "INTRATE": (0, 1), "MDURATION": (0, 1), "ODDFPRICE": (0, 1, 2, 3), "ODDFYIELD": (0, 1, 2, 3),
    "ODDLPRICE": (0, 1, 2), "ODDLYIELD": (0, 1, 2), "PRICE": (0, 1), "PRICEDISC": (0, 1), "PRICEMAT": (0, 1, 2),
    "RECEIVED": (0, 1), "TBILLEQ": (0, 1), "TBILLPRICE": (0, 1), "TBILLYIELD": (0, 1), "YIELD": (0, 1),
    "YIELDDISC": (0, 1), "YIELDMAT": (0, 1, 2), "XIRR": (1,), "XNPV": (2,),
}  # fmt: skip
#: Date functions whose result is a date.
DATE_RESULTS = frozenset({"DATE", "EDATE", "EOMONTH", "WORKDAY", "WORKDAY.INTL", "COUPNCD", "COUPPCD"})


class In1904:
    """A date function of the 1900 system used in a workbook of the 1904 system: its
    date arguments moved to 1900 serials (+1,462 days), a date result moved back."""

    def __init__(self, name: str, inner):
        self.name, self.inner = name, inner
        self.dates = DATE_ARGUMENTS.get(name, ())
        self.returns_date = name in DATE_RESULTS

    def __call__(self, ctx, args) -> Vec:
        if not ctx.book.date1904:
            return self.inner(ctx, args)
        from ..evaluate.operators import arithmetic
        from ..graph.compile import _ValueNode

        shift = Vec.const(float(DAYS_1904))
        moved = tuple(
            _ValueNode(arithmetic("+", a.ev(ctx), shift)) if i in self.dates and not a.is_missing else a
            for i, a in enumerate(args)
        )
        out = self.inner(ctx, moved)
        return arithmetic("-", out, shift) if self.returns_date else out


def date_system_aware(table: dict) -> None:
    """Wrap the date functions of the table so that they follow the workbook's date system."""
    for name in set(DATE_ARGUMENTS) | DATE_RESULTS:
        if name in table:
            table[name] = In1904(name, table[name])
