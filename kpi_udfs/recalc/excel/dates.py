"""Excel's date and time functions, in the workbook's date system.

Corrected in `formulas`' table (:data:`CORRECTIONS`): DATEDIF reads its unit in any case;
DATEVALUE and TIMEVALUE read
dates and times as Excel (en-US) does, from the same serial number as VALUE; YEARFRAC
counts days by Excel's five day-count bases (:func:`yearfrac`), which the bond
functions of :mod:`.financial` share.
Computed here: TODAY and NOW (volatile). A workbook in the 1904 date system
(``<workbookPr date1904="1"/>``) counts days from 1904-01-01 (serial 0).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from typing import Any

import numpy as np
from formulas.functions import FoundError, text2num, wrap_func, wrap_ufunc
from formulas.tokens.operand import Error

from ..evaluate.vec import Vec
from .conversions import (
    _DATE_TEXT_LONG,
    _MONTH_NAME,
    DAYS_1904,
    _formulas_date,
    date_offset,
    date_time_text,
    int_arg,
    single,
    text_number,
    time_text,
)

_VALUE = Error.errors["#VALUE!"]
_NUM = Error.errors["#NUM!"]
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



# ---------------------------------------------------------------------------
# Serial numbers as dates, and Excel's day-count bases

#: The last serial number Excel accepts as a date (9999-12-31).
MAX_SERIAL = 2958465


def date_serial(value: Any) -> int:
    """A date argument as a whole serial number of the 1900 system (the 1904 system is
    moved by :class:`In1904`): numbers truncated toward day 0, date text read as VALUE
    reads it; TRUE/FALSE and other text are #VALUE!, a serial outside 0…9999-12-31 #NUM!."""
    import schedula as sh

    from .bridge import is_omitted

    value = single(value)
    if isinstance(value, (bool, np.bool_)):
        raise FoundError(err=_VALUE)
    if value is sh.EMPTY or value is None or is_omitted(value):
        return 0
    if isinstance(value, str):
        x = text_number(value)
        if x is None:
            x = date_time_text(value)
            if x is not None:
                x += date_offset()  # back to the 1900 system, as numbers arrive
        if x is None:
            raise FoundError(err=_VALUE)
    else:
        x = float(value)
    if not 0 <= x < MAX_SERIAL + 1:
        raise FoundError(err=_NUM)
    return math.floor(x)


def serial_to_date(serial: int) -> dt.date:
    """The calendar date of a 1900-system serial number (serial 60, Excel's 29 February
    1900 that never was, falls on 1 March; earlier serials keep their Excel dates)."""
    if serial > 60:
        return _EPOCH_1900.date() + dt.timedelta(days=serial)
    return dt.date(1899, 12, 31) + dt.timedelta(days=serial)


def last_of_month(d: dt.date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def last_of_february(d: dt.date) -> bool:
    return d.month == 2 and last_of_month(d)


def days_360(d1: int, m1: int, y1: int, d2: int, m2: int, y2: int) -> int:
    return (y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)


def _feb29_between(start: dt.date, end: dt.date) -> bool:
    """Whether a 29 February lies in [start, end]."""
    for year in range(start.year, end.year + 1):
        if calendar.isleap(year) and start <= dt.date(year, 2, 29) <= end:
            return True
    return False


def yearfrac(start: int, end: int, basis: int) -> float:
    """YEARFRAC of two serial numbers, as Excel computes it.

    The bases as Microsoft documents them (0 US 30/360, 1 actual/actual, 2 actual/360,
    3 actual/365, 4 European 30/360), with Excel's own rules where the documentation is
    silent, as David A. Wheeler's study of Excel's YEARFRAC ("YEARFRAC Basis 1",
    OpenFormula) and the corpus' cached values show: under basis 0 the last day of
    February counts as the 30th (the end's only when the start is one too); under basis 1
    a span of at most a year is divided by 366 when it holds a 29 February (or lies in
    one leap year), else by 365, and a longer span by the average length of the calendar
    years it touches.
    """
    if start > end:
        start, end = end, start
    a, b = serial_to_date(start), serial_to_date(end)
    if basis == 0:
        d1, d2 = a.day, b.day
        if d1 == 31 and d2 == 31:
            d1 = d2 = 30
        elif d1 == 31:
            d1 = 30
        elif d1 == 30 and d2 == 31:
            d2 = 30
        elif last_of_february(a) and last_of_february(b):
            d1 = d2 = 30
        elif last_of_february(a):
            d1 = 30
        return days_360(d1, a.month, a.year, d2, b.month, b.year) / 360
    if basis == 1:
        days = end - start
        within_year = a.year == b.year or (
            b.year == a.year + 1 and (a.month > b.month or (a.month == b.month and a.day >= b.day))
        )
        if within_year:
            if a.year == b.year and calendar.isleap(a.year):
                length = 366.0
            elif _feb29_between(a, b):
                length = 366.0
            else:
                length = 365.0
            return days / length
        years = b.year - a.year + 1
        total = (dt.date(b.year + 1, 1, 1) - dt.date(a.year, 1, 1)).days
        return days / (total / years)
    if basis == 2:
        return (end - start) / 360
    if basis == 3:
        return (end - start) / 365
    d1, d2 = min(a.day, 30), min(b.day, 30)
    return days_360(d1, a.month, a.year, d2, b.month, b.year) / 360


def basis_arg(value: Any) -> int:
    """A day-count basis argument: truncated; outside 0…4 #NUM!; TRUE/FALSE #VALUE!."""
    if isinstance(single(value), (bool, np.bool_)):
        raise FoundError(err=_VALUE)
    basis = int_arg(value, 0)
    if not 0 <= basis <= 4:
        raise FoundError(err=_NUM)
    return basis


def xyearfrac(start: Any, end: Any, basis: Any = 0) -> float:
    basis = basis_arg(basis)  # Excel reads the basis first: its error wins over the dates'
    return yearfrac(date_serial(start), date_serial(end), basis)


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

def xdatedif(start_date: Any, end_date: Any, unit: Any) -> Any:
    """DATEDIF with its unit read case-insensitively, as Excel reads "y", "ym", "md" and
    "d" (`formulas` upper-cased every unit but "d", which came out #NUM!)."""
    from formulas.functions.date import xdatedif as formulas_datedif

    return formulas_datedif(start_date, end_date, unit.upper() if isinstance(unit, str) else unit)


CORRECTIONS = {
    "DATEDIF": wrap_ufunc(xdatedif, input_parser=lambda *a: text2num(a)),
    "DATEVALUE": wrap_ufunc(xdatevalue, input_parser=lambda *a: a),
    "TIMEVALUE": wrap_ufunc(xtimevalue, input_parser=lambda *a: a),
    # an Analysis ToolPak function: a range where one date is expected is #VALUE!
    "YEARFRAC": wrap_func(xyearfrac),
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
