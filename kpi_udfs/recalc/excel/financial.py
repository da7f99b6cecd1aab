"""Excel's financial functions where `formulas` gives other values than Excel.

* ACCRINT: the accrued interest of a bond that pays periodically, computed as Excel
  does, over the coupon periods counted backward from ``first_interest`` (the
  algorithm of the ExcelFinancialFunctions library, fsprojects, which reproduces
  Excel, as IronCalc ports it; Microsoft documents only the sum
  ``par·rate/frequency·Σ Aᵢ/NLᵢ``). Excel's quirks: a settlement after
  ``first_interest`` accrues only from the coupon date before it (the default
  ``calc_method`` TRUE adds one whole period for each coupon period between issue and
  that date; FALSE adds none), and with ``calc_method`` FALSE a settlement before
  ``first_interest``'s period still measures from that period's start, which gives
  negative values Excel shows.
* ACCRINTM: ``par·rate·YEARFRAC(issue, settlement, basis)``.

Arguments as Excel reads them: dates truncated to days, frequency and basis
truncated; rate ≤ 0, par ≤ 0, a frequency other than 1, 2 or 4, a basis outside 0…4
or an issue on or after settlement are #NUM!.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import FoundError, wrap_ufunc
from formulas.tokens.operand import Error

from .bridge import is_omitted
from .conversions import int_arg, num_arg, single
from .dates import (
    basis_arg,
    date_serial,
    days_360,
    last_of_february,
    last_of_month,
    serial_to_date,
    yearfrac,
)

_NUM = Error.errors["#NUM!"]
_VALUE = Error.errors["#VALUE!"]


def _number(value: Any) -> float:
    """A numeric argument; TRUE/FALSE count as 1/0 (as Excel reads them in a call)."""
    return num_arg(value, 0.0)


def _truth(value: Any, default: bool) -> bool:
    value = single(value)
    if value is sh.EMPTY or is_omitted(value):
        return default
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        raise FoundError(err=_VALUE)
    return float(value) != 0


# ---------------------------------------------------------------------------
# Coupon schedules and day counts of the bond functions


def add_months(d: dt.date, months: int, end_of_month: bool) -> dt.date:
    """``d`` moved by whole months, the day kept where the month has it (else the
    month's last day); with ``end_of_month`` always the month's last day."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, last if end_of_month else min(d.day, last))


def _us_360(start: dt.date, end: dt.date, both: bool) -> int:
    """US (NASD) 30/360 days; ``both`` moves the end's day as well (Excel's variant for
    the length of a coupon period)."""
    sd, ed = start.day, end.day
    if last_of_february(end) and (last_of_february(start) or both):
        ed = 30
    if ed == 31 and (sd >= 30 or both):
        ed = 30
    if sd == 31 or last_of_february(start):
        sd = 30
    return days_360(sd, start.month, start.year, ed, end.month, end.year)


def _actual_365(start: dt.date, end: dt.date) -> int:
    """Basis 3's length of a period: 365 days a year, February's 29th as the 28th."""
    sd = start.replace(day=28) if start.month == 2 and start.day > 28 else start
    ed = end.replace(day=28) if end.month == 2 and end.day > 28 else end
    return (end.year - start.year) * 365 + (ed.replace(year=2001) - sd.replace(year=2001)).days


def days_between(start: dt.date, end: dt.date, basis: int, numerator: bool) -> float:
    """Days from start to end under a basis: as accrued (numerator) or as a period's
    length (denominator), which differ for actual/360 and actual/365."""
    if basis == 0:
        return _us_360(start, end, both=False)
    if basis == 4:
        return days_360(min(start.day, 30), start.month, start.year, min(end.day, 30), end.month, end.year)
    if basis == 2 and not numerator:
        return _us_360(start, end, both=False)
    if basis == 3 and not numerator:
        return _actual_365(start, end)
    return (end - start).days


def accrint(
    issue: dt.date,
    first: dt.date,
    settlement: dt.date,
    rate: float,
    par: float,
    frequency: int,
    basis: int,
    from_issue: bool,
) -> float:
    months = 12 // frequency
    eom = last_of_month(first)
    regular_start = add_months(first, -months, eom)  # the period that ends at first_interest
    start = regular_start
    if settlement > first and from_issue:
        # the coupon date on or before settlement, stepping forward from first_interest
        d = first
        while d < settlement:
            start, d = d, add_months(d, months, eom)
    if basis in (0, 2, 4):
        period = 360 / frequency
    elif basis == 3:
        period = 365 / frequency
    else:
        period = (first - regular_start).days
    total = days_between(max(issue, start), settlement, basis, numerator=True) / period
    # earlier periods back to the issue: a whole one each (calc_method), or the
    # part after the issue of the period the issue falls in
    end = start
    while end > issue:
        begin = add_months(end, -months, eom)
        if issue <= begin:
            total += 1.0 if from_issue else 0.0
        else:
            accrued = days_between(issue, end, basis, numerator=True)
            if basis == 0:
                length = _us_360(begin, end, both=True)
            elif basis == 3:
                length = 365 / frequency
            else:
                length = days_between(begin, end, basis, numerator=False)
            total += accrued / length
        end = begin
    return par * rate / frequency * total


def xaccrint(issue, first_interest, settlement, rate, par, frequency, basis=0, calc_method=True):
    issue, first, settle = date_serial(issue), date_serial(first_interest), date_serial(settlement)
    rate, par = _number(rate), _number(par)
    frequency, basis = int_arg(frequency, 0), basis_arg(basis)
    from_issue = _truth(calc_method, True)
    if rate <= 0 or par <= 0 or frequency not in (1, 2, 4) or issue >= settle:
        raise FoundError(err=_NUM)
    return accrint(
        serial_to_date(issue),
        serial_to_date(first),
        serial_to_date(settle),
        rate,
        par,
        frequency,
        basis,
        from_issue,
    )


def xaccrintm(issue, settlement, rate, par, basis=0):
    issue, settle = date_serial(issue), date_serial(settlement)
    rate, par, basis = _number(rate), _number(par), basis_arg(basis)
    if rate <= 0 or par <= 0 or issue >= settle:
        raise FoundError(err=_NUM)
    return par * rate * yearfrac(issue, settle, basis)


def _scalar(fn):
    """A function of single values, element by element over arrays, errors in any
    argument reported by the function's own reading of it."""
    return wrap_ufunc(fn, input_parser=lambda *a: a, check_error=lambda *a: None)


CORRECTIONS = {
    "ACCRINT": _scalar(xaccrint),
    "ACCRINTM": _scalar(xaccrintm),
}
