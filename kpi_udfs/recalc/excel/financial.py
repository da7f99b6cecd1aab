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
import math
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import FoundError, wrap_func, wrap_ufunc
from formulas.tokens.operand import Error, XlError

from .bridge import is_omitted
from .conversions import int_arg, scalar_number, single
from .dates import (
    MAX_SERIAL,
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


_DIV0 = Error.errors["#DIV/0!"]


def _number(value: Any) -> float:
    """A numeric argument: numeric text read, TRUE/FALSE 1/0, blank 0, an error raised."""
    return scalar_number(single(value))


def _strict_number(value: Any) -> float:
    """A numeric argument that may not be TRUE/FALSE (#VALUE!)."""
    if isinstance(single(value), (bool, np.bool_)):
        raise FoundError(err=_VALUE)
    return _number(value)


def _power(base: float, exponent: float) -> float:
    """base**exponent, #NUM! where it is no real number (a negative base to a fraction)."""
    try:
        return math.pow(base, exponent)
    except (ValueError, OverflowError):
        raise FoundError(err=_NUM) from None


def _finite(x: float, error=_NUM) -> float:
    if math.isnan(x):
        raise FoundError(err=_NUM)
    if math.isinf(x):
        raise FoundError(err=error)
    return x


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


# ---------------------------------------------------------------------------
# Annuities: pv·(1+r)^n + pmt·(1+r·type)·((1+r)^n - 1)/r + fv = 0 (Microsoft's
# "PV function"), pmt·n + pv + fv = 0 when r = 0; type is 1 for any non-zero value.
# Each is evaluated in the order of operations that gives Excel's last digit (workbooks
# compare these results with "="), e.g. NPER divides by ln(1 + r), not log1p(r).


def _annuity_type(value: Any) -> int:
    return 0 if _number(value) == 0 else 1


def pmt(rate: float, nper: float, pv: float, fv: float, when: int) -> float:
    if rate == 0:
        if nper == 0:
            raise FoundError(err=_NUM)
        return -(pv + fv) / nper
    if rate <= -1 or nper == 0:
        raise FoundError(err=_NUM)
    q = _power(1 + rate, nper)
    return _finite(-(fv + pv * q) / ((1 + rate * when) * (q - 1) / rate))


def fv(rate: float, nper: float, payment: float, pv: float, when: int) -> float:
    if rate == 0:
        return -pv - payment * nper
    if rate == -1 and nper < 0:
        raise FoundError(err=_DIV0)
    q = _power(1 + rate, nper) if rate != -1 else 0.0 ** nper
    return _finite(-(pv * q + payment * ((1 + rate * when) * (q - 1) / rate)), _DIV0)


def pv(rate: float, nper: float, payment: float, fv: float, when: int) -> float:
    if rate == 0:
        return -fv - payment * nper
    if rate == -1:
        raise FoundError(err=_DIV0)
    q = _power(1 + rate, nper)
    return _finite(-(fv + payment * ((1 + rate * when) * (q - 1) / rate)) / q)


def nper(rate: float, payment: float, pv: float, fv: float, when: int) -> float:
    if rate == 0:
        if payment == 0:
            raise FoundError(err=_DIV0)
        return -(fv + pv) / payment
    if rate < -1:
        raise FoundError(err=_NUM)
    if payment == 0:
        growth = -fv / pv if pv else math.nan
    else:
        term = payment * (1 + rate * when) / rate
        growth = (term - fv) / (term + pv)
    if not growth > 0:
        raise FoundError(err=_NUM)
    return _finite(math.log(growth) / math.log(1 + rate))


def ipmt(rate: float, per: float, nper_: float, pv_: float, fv_: float, when: int) -> float:
    """The interest part of payment ``per``: the balance after the payments before it,
    times the rate (``per`` from 1 to below nper + 1, fractions allowed)."""
    payment = pmt(rate, nper_, pv_, fv_, when)
    if per < 1 or per >= nper_ + 1:
        raise FoundError(err=_NUM)
    if when and per == 1:
        return 0.0
    if when:
        return (fv(rate, per - 2, payment, pv_, 1) - payment) * rate
    return fv(rate, per - 1, payment, pv_, 0) * rate


def ppmt(rate: float, per: float, nper_: float, pv_: float, fv_: float, when: int) -> float:
    return pmt(rate, nper_, pv_, fv_, when) - ipmt(rate, per, nper_, pv_, fv_, when)


def _xpmt(rate, nper_, pv_, fv_=0, when=0):
    return pmt(_number(rate), _number(nper_), _number(pv_), _number(fv_), _annuity_type(when))


def _xfv(rate, nper_, payment, pv_=0, when=0):
    return fv(_number(rate), _number(nper_), _number(payment), _number(pv_), _annuity_type(when))


def _xpv(rate, nper_, payment, fv_=0, when=0):
    return pv(_number(rate), _number(nper_), _number(payment), _number(fv_), _annuity_type(when))


def _xnper(rate, payment, pv_, fv_=0, when=0):
    return nper(_number(rate), _number(payment), _number(pv_), _number(fv_), _annuity_type(when))


def _xipmt(rate, per, nper_, pv_, fv_=0, when=0):
    args = (_number(rate), _number(per), _number(nper_), _number(pv_), _number(fv_))
    return ipmt(*args, _annuity_type(when))


def _xppmt(rate, per, nper_, pv_, fv_=0, when=0):
    args = (_number(rate), _number(per), _number(nper_), _number(pv_), _number(fv_))
    return ppmt(*args, _annuity_type(when))


def _cumulative(part):
    """CUMIPMT / CUMPRINC: the interest or principal parts of payments ``start`` (rounded
    up) to ``end`` (truncated); type must be 0 or 1, rate, nper and pv positive."""

    def call(rate, nper_, pv_, start, end, when):
        rate, nper_, pv_ = _strict_number(rate), _strict_number(nper_), _strict_number(pv_)
        first, last = math.ceil(_strict_number(start)), math.trunc(_strict_number(end))
        when = _strict_number(when)
        if when not in (0, 1) or first > last or rate <= 0 or nper_ <= 0 or pv_ <= 0 or first < 1:
            raise FoundError(err=_NUM)
        return math.fsum(part(rate, float(k), nper_, pv_, 0.0, int(when)) for k in range(first, last + 1))

    return call


# ---------------------------------------------------------------------------
# Depreciation


def ddb(cost: float, salvage: float, life: float, period: float, factor: float) -> float:
    """Declining-balance depreciation of one period: the book value falls by factor/life
    each period (geometrically, so fractional periods are allowed) and never below the
    salvage value; nothing once the salvage is reached (or exceeds the cost)."""
    rate = factor / life
    if rate >= 1:
        before, after = (cost if period == 1 else 0.0), 0.0
    else:
        before = cost * (1 - rate) ** (period - 1)
        after = cost * (1 - rate) ** period
    return max(before - max(after, salvage), 0.0)


def xddb(cost, salvage, life, period, factor=2):
    cost, salvage, life, period = _number(cost), _number(salvage), _number(life), _number(period)
    factor = _strict_number(factor)
    if cost < 0 or salvage < 0 or life <= 0 or period < 1 or period > life or factor <= 0:
        raise FoundError(err=_NUM)
    return ddb(cost, salvage, life, period, factor)


def xdb(cost, salvage, life, period, month=12):
    """Fixed-declining balance (Microsoft's "DB function"): the rate 1 - (salvage/cost)^(1/life)
    rounded to 3 decimals, the first year prorated by ``month``/12 and the rest of it in
    period life + 1; a cost of 0 depreciates nothing."""
    cost, salvage, life, period = _number(cost), _number(salvage), _number(life), _number(period)
    month = math.trunc(_strict_number(month))
    whole = int(period)
    if (
        cost < 0 or salvage < 0 or life <= 0 or period <= 0 or not 0 < month <= 12
        or whole > (int(life) if month == 12 else int(life) + 1)
    ):
        raise FoundError(err=_NUM)
    if cost == 0:
        return 0.0
    rate = round(1 - (salvage / cost) ** (1 / life), 3)
    done, this = 0.0, cost * rate * month / 12
    for _ in range(2, min(whole, int(life)) + 1):
        done += this
        this = (cost - done) * rate
    if month != 12 and whole == int(life) + 1:
        done += this
        this = (cost - done) * rate * (12 - month) / 12
    return this


def vdb(cost: float, salvage: float, life: float, start: float, end: float, factor: float, no_switch: bool) -> float:
    """VDB as Excel computes it, which the corpus' xlcalculator VDB book shows: one
    schedule of periods of one whose boundaries fall on ``start`` (a first period of
    start's fraction, then whole ones, the last cut at ``end``), each period's declining
    balance at factor/life of the book value (never below salvage) until straight line
    over the life left gives more, a cut period prorated; the sum of the periods from
    ``start``. (LibreOffice's ScVDB counts periods from 0 instead, which differs once a
    fractional start passes the switch to straight line.) Without the switch, each whole
    period's declining balance, the first and last prorated."""
    if no_switch:
        first, last = math.floor(start), math.ceil(end)
        total = 0.0
        for i in range(first + 1, last + 1):
            term = ddb(cost, salvage, life, float(i), factor)
            if i == first + 1:
                term *= min(end, first + 1) - start
            elif i == last:
                term *= end + 1 - last
            total += term
        return total
    book, total, straight, switched = cost, 0.0, 0.0, False
    t = 0.0
    fraction = start - math.floor(start)
    length = fraction if fraction > 0 else 1.0
    before = math.floor(start) + (1 if fraction > 0 else 0)  # periods before start
    step = 0
    while t < end:
        length = min(length, end - t)
        if not switched:
            declining = ddb(book, salvage, life, 1.0, factor)
            straight = (book - salvage) / (life - t)
            switched = straight > declining
            amount = straight if switched else declining
        else:
            amount = straight
        amount *= length
        book -= amount
        if step >= before:
            total += amount
        step += 1
        t = start + (step - before) if step >= before else t + length
        length = 1.0
    return total


def xvdb(cost, salvage, life, start, end, factor=2, no_switch=False):
    cost, salvage, life = _number(cost), _number(salvage), _number(life)
    start, end, factor = _number(start), _number(end), _number(factor)
    no_switch = _truth(no_switch, False)
    if start < 0 or end < start or end > life or cost < 0 or salvage > cost or factor <= 0 or life <= 0:
        raise FoundError(err=_NUM)
    return vdb(cost, salvage, life, start, end, factor, no_switch)


# ---------------------------------------------------------------------------
# Cash flows


def range_numbers(values: Any) -> list[float]:
    """The numbers of a range or array argument, in order; text, TRUE/FALSE and blanks
    are skipped, an error is raised (a single value counts as a one-cell range)."""
    out = []
    for v in np.asarray(values, dtype=object).ravel():
        if isinstance(v, XlError):
            raise FoundError(err=v)
        if isinstance(v, (bool, np.bool_, str)) or v is sh.EMPTY or v is None:
            continue
        out.append(float(v))
    return out


def _flow_numbers(values: Any, other) -> list[float]:
    """XNPV's values or dates: every cell a number; an error is passed on, a blank is
    #NUM!, text or TRUE/FALSE ``other``."""
    out = []
    for v in np.asarray(values, dtype=object).ravel():
        if isinstance(v, XlError):
            raise FoundError(err=v)
        if v is sh.EMPTY or v is None:
            raise FoundError(err=_NUM)
        if isinstance(v, (bool, np.bool_, str)):
            raise FoundError(err=other)
        out.append(float(v))
    return out


def xxnpv(rate, values, dates):
    """XNPV (Microsoft's "XNPV function"): Σ vᵢ/(1+rate)^((dᵢ-d₁)/365), dates truncated
    to days; #NUM! for a rate ≤ 0, values and dates of different counts, a date before
    the first or outside Excel's dates, a blank or text value; a rate TRUE/FALSE #VALUE!."""
    rate = _strict_number(rate)
    flows = _flow_numbers(values, _NUM)
    days = [math.floor(d) for d in _flow_numbers(dates, _VALUE)]
    if not flows or len(flows) != len(days) or rate <= 0:
        raise FoundError(err=_NUM)
    if any(d < days[0] or d < 0 or d > MAX_SERIAL for d in days):
        raise FoundError(err=_NUM)
    return _finite(sum(v / (1 + rate) ** ((d - days[0]) / 365) for v, d in zip(flows, days, strict=True)))


def _npv(rate: float, values: list[float]) -> float:
    return sum(v / (1 + rate) ** (i + 1) for i, v in enumerate(values))


def xmirr(values, finance_rate, reinvest_rate):
    """MIRR as Microsoft documents it:
    ((-NPV(reinvest, positives)·(1+reinvest)^n) / (NPV(finance, negatives)·(1+finance)))^(1/(n-1)) - 1,
    no negative value #DIV/0!, no positive one -1; a rate of -1 keeps the finite limit
    of its term (the last positive value; the first value when it is the only negative)."""
    flows = range_numbers(values)
    finance, reinvest = _number(finance_rate), _number(reinvest_rate)
    positives = [v if v >= 0 else 0.0 for v in flows]
    negatives = [v if v < 0 else 0.0 for v in flows]
    last_negative = max((i for i, v in enumerate(flows) if v < 0), default=-1)
    n = len(flows)
    if last_negative < 0 or n < 2:
        raise FoundError(err=_DIV0)
    try:
        top = positives[-1] if reinvest == -1 else -_npv(reinvest, positives) * (1 + reinvest) ** n
        if finance == -1:
            bottom = negatives[0] if last_negative == 0 else math.inf
        else:
            bottom = _npv(finance, negatives) * (1 + finance)
        result = math.pow(top / bottom, 1 / (n - 1)) - 1
    except ValueError:
        raise FoundError(err=_NUM) from None
    except (OverflowError, ZeroDivisionError):
        raise FoundError(err=_DIV0) from None
    return _finite(result, _DIV0)


# ---------------------------------------------------------------------------
# Treasury bills: settlement and maturity truncated to days, maturity at most one
# (calendar) year after settlement; a discount or price ≤ 0 is #NUM!.


def _tbill_days(settlement: Any, maturity: Any) -> int:
    for v in (settlement, maturity):
        if isinstance(single(v), (bool, np.bool_)):
            raise FoundError(err=_VALUE)
    start, end = date_serial(settlement), date_serial(maturity)
    if start >= end:
        raise FoundError(err=_NUM)
    a, b = serial_to_date(start), serial_to_date(end)
    try:
        year_later = a.replace(year=a.year + 1)
    except ValueError:  # 29 February
        year_later = dt.date(a.year + 1, 3, 1)
    if b > year_later:
        raise FoundError(err=_NUM)
    return end - start


def xtbillprice(settlement, maturity, discount):
    days = _tbill_days(settlement, maturity)
    discount = _strict_number(discount)
    if discount <= 0:
        raise FoundError(err=_NUM)
    price = 100 * (1 - discount * days / 360)
    if price <= 0:
        raise FoundError(err=_NUM)
    return price


def xtbillyield(settlement, maturity, price):
    days = _tbill_days(settlement, maturity)
    price = _strict_number(price)
    if price <= 0:
        raise FoundError(err=_NUM)
    return (100 - price) / price * 360 / days


def xtbilleq(settlement, maturity, discount):
    """The bond-equivalent yield: 365·d/(360 - d·days) up to 182 days; beyond, the
    root of the half-year compounding equation (Microsoft's "TBILLEQ function"; the
    year is 366 days when the bill runs 366)."""
    days = _tbill_days(settlement, maturity)
    discount = _strict_number(discount)
    if discount <= 0:
        raise FoundError(err=_NUM)
    if days < 183:
        return _finite(365 * discount / (360 - discount * days), _DIV0)
    year = 366.0 if days == 366 else 365.0
    price = 1 - days * discount / 360  # per 1 of face value
    extra = days - year / 2
    a = extra * price / (2 * year)
    b = price * (0.5 + extra / year)
    c = price - 1
    try:
        return _finite((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a), _DIV0)
    except (ValueError, ZeroDivisionError):
        raise FoundError(err=_NUM) from None


def _scalar(fn):
    """A function of single values, element by element over arrays, errors in any
    argument reported by the function's own reading of it."""
    return wrap_ufunc(fn, input_parser=lambda *a: a, check_error=lambda *a: None)


def _toolpak(fn):
    """A function of Excel's Analysis ToolPak (ACCRINT, CUMIPMT, TBILLEQ, …): its
    arguments take single values only, a range of several cells is #VALUE!."""
    return wrap_func(fn)


CORRECTIONS = {
    "ACCRINT": _toolpak(xaccrint),
    "ACCRINTM": _toolpak(xaccrintm),
    "PMT": _scalar(_xpmt),
    "FV": _scalar(_xfv),
    "PV": _scalar(_xpv),
    "NPER": _scalar(_xnper),
    "IPMT": _scalar(_xipmt),
    "PPMT": _scalar(_xppmt),
    "CUMIPMT": _toolpak(_cumulative(ipmt)),
    "CUMPRINC": _toolpak(_cumulative(ppmt)),
    "MIRR": wrap_func(xmirr),
    "XNPV": wrap_func(xxnpv),
    "DB": _scalar(xdb),
    "DDB": _scalar(xddb),
    "VDB": _scalar(xvdb),
    "_XLFN.MIRR": wrap_func(xmirr),
    "TBILLEQ": _toolpak(xtbilleq),
    "TBILLPRICE": _toolpak(xtbillprice),
    "TBILLYIELD": _toolpak(xtbillyield),
}
