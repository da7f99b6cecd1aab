"""Excel's maths functions.

Computed here for whole blocks: SUM, COUNT, PRODUCT, AVERAGE, MIN, MAX (with Excel's rule
for what they count, :func:`~.arguments.aggregate_numbers`), ROUND, ROUNDUP,
ROUNDDOWN (on the decimal value Excel shows: ROUND((41.9+58.8)/2, 1) is 50.4), ABS,
SUMPRODUCT (text, booleans and empty cells count 0; arrays of different shapes are
#VALUE!), PI, ROMAN (its five forms; FALSE is the simplified form 4) and ARABIC (signs and
blanks around the numeral as Microsoft documents them).

Corrected in `formulas`' table (:data:`CORRECTIONS`, called row by row): TRUNC; SERIESSUM;
FLOOR, CEILING and their .MATH/.PRECISE/ISO variants (signs, modes, quotients within
binary noise of a whole number); QUOTIENT, COMBIN, COMBINA, BASE; DEC2BIN/DEC2OCT/DEC2HEX with two's complement as documented; the
number-system functions (BIN2HEX…: two's complement, ten digits); SEQUENCE.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, wrap_func, wrap_ufunc
from formulas.tokens.operand import Error, XlError

from ...errors import KpiError
from ...numeric import excel_round
from ..evaluate.vec import (
    BOOL,
    EMPTY,
    ERR_VALUE,
    ERROR,
    NUMBER,
    TEXT,
    Vec,
    as_numbers,
    native_error,
    text_to_number,
)
from .arguments import aggregate_numbers, arg_count, flat_rows, number_column, row_first_error, rows_of
from .bridge import OMITTED, is_omitted
from .conversions import int_arg, num_arg, scalar_number, single, text_number

_VALUE = Error.errors["#VALUE!"]
_NUM = Error.errors["#NUM!"]
_DIV0 = Error.errors["#DIV/0!"]


def _aggregate(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], empty) -> Callable:
    def aggregate(ctx, args) -> Vec:
        m, nums, keep, errors = aggregate_numbers(ctx, args)
        with np.errstate(all="ignore"):
            r = fn(nums, keep)
        none = ~keep.any(axis=1)
        if none.any() and empty is not None:
            errors = np.full(m, None, dtype=object) if errors is None else np.array(errors)
            errors[none & (errors == None)] = empty  # noqa: E711
        return number_column(np.where(none & (empty is None), 0.0, r), errors)

    return aggregate


def _sum(nums, keep):
    return np.add.reduce(np.where(keep, nums, 0.0), axis=1)


def _product(nums, keep):
    return np.where(keep.any(axis=1), np.multiply.reduce(np.where(keep, nums, 1.0), axis=1), 0.0)


def _average(nums, keep):
    return _sum(nums, keep) / np.maximum(keep.sum(axis=1), 1)


def _min(nums, keep):
    return np.where(keep.any(axis=1), np.where(keep, nums, np.inf).min(axis=1, initial=np.inf), 0.0)


def _max(nums, keep):
    return np.where(keep.any(axis=1), np.where(keep, nums, -np.inf).max(axis=1, initial=-np.inf), 0.0)


f_sum = _aggregate(_sum, None)
f_product = _aggregate(_product, None)
f_average = _aggregate(_average, native_error("#DIV/0!"))
f_min = _aggregate(_min, None)
f_max = _aggregate(_max, None)


def f_count(ctx, args) -> Vec:
    """COUNT: the numbers of its references and arrays (their text, TRUE/FALSE, empty cells
    and errors not counted) and the values given directly that are or read as numbers,
    TRUE/FALSE included; an error or other text given directly is not counted either
    (Microsoft's COUNT page). `formulas` counted "85" in a range and gave #VALUE! for
    COUNT(A1:A5,"x")."""
    _m, _nums, keep, _errors = aggregate_numbers(ctx, args)
    return number_column(keep.sum(axis=1).astype(float), None)


def _round(ctx, args, mode: str) -> Vec:
    arg_count("ROUND", args, 1, 2)
    a = args[0].ev(ctx)
    b = args[1].ev(ctx) if len(args) > 1 else Vec.const(0.0)
    x, ex = as_numbers(a)
    d, ed = as_numbers(b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    errors = None  # the first argument's error (text that is no number: #VALUE!) first
    for e in (ex, ed):
        if e is not None:
            e = np.broadcast_to(e, shape)
            errors = np.array(e, dtype=object) if errors is None else np.where(errors == None, e, errors)  # noqa: E711
    with np.errstate(all="ignore"):
        xs = np.where(np.isfinite(x), x, 0.0)
        ds = np.where(np.isfinite(d), d, 0.0)
        r = excel_round(xs, np.clip(ds, -308, 308), mode)
        r = np.where(ds < -308, 0.0, r)
    return Vec.with_errors(np.broadcast_to(r, shape) + 0.0, errors)


def f_round(ctx, args) -> Vec:
    return _round(ctx, args, "HALF_UP")


def f_roundup(ctx, args) -> Vec:
    return _round(ctx, args, "UP")


def f_rounddown(ctx, args) -> Vec:
    return _round(ctx, args, "DOWN")


def f_abs(ctx, args) -> Vec:
    arg_count("ABS", args, 1, 1)
    x, errors = as_numbers(args[0].ev(ctx))
    return Vec.with_errors(np.abs(x) + 0.0, errors)


def f_sumproduct(ctx, args) -> Vec:
    if not args:
        return Vec.const(ERR_VALUE)
    vecs = [Vec.const(0.0) if a.is_missing else a.ev(ctx) for a in args]
    m = rows_of(*vecs)
    flat = [flat_rows(v, m) for v in vecs]
    kind_all = np.concatenate([f.kind for f in flat], axis=1)
    obj_all = None
    if any(f.obj is not None for f in flat):
        obj_all = np.concatenate([f.objects() for f in flat], axis=1)
    errors = row_first_error(kind_all, obj_all)
    if len({v.shape[1:] for v in vecs}) != 1:
        e = np.full(m, ERR_VALUE, dtype=object)
        if errors is not None:
            e = np.where(errors == None, ERR_VALUE, errors)  # noqa: E711
        return number_column(np.zeros(m), e)
    prod = None
    for f in flat:
        vals = np.where(f.kind == NUMBER, f.num, 0.0)
        prod = vals if prod is None else prod * vals
    return number_column(np.add.reduce(prod, axis=1), errors)


def _rounder(mode: str, name: str) -> Callable[[float, float], float]:
    def rnd(x: float, digits: float = 0) -> float:
        if digits < -308:  # 10**digits is 0: every finite number rounds to 0
            return 0.0
        return float(excel_round(x, min(digits, 308), mode))

    rnd.__name__ = name
    return rnd

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

def scalar_lifted(fn: Callable[..., Any]) -> Callable[..., Any]:
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
#: Each radix's range as ten digits of two's complement (DEC2BIN's -512..511…).
_BITS = {2: 9, 8: 29, 16: 39}


def _radix_to_radix(source: int, target: int) -> Callable[..., Any]:
    """BIN2HEX, BIN2OCT, HEX2BIN, HEX2OCT, OCT2BIN and OCT2HEX as Microsoft documents
    them: up to ten digits, ten with the top bit set being negative (two's complement);
    a negative result is ten digits whatever ``places`` says (IronCalc's
    ENGINEERING__NUMBER_SYSTEMS book: BIN2HEX("1110111011",4) is FFFFFFFFBB), though
    ``places`` is still checked as in DEC2BIN (:func:`_dec_to`)."""
    to_decimal = _dec_to(target, _BITS[target])

    def convert(number: Any, places: Any = OMITTED) -> str:
        number = single(number)
        if isinstance(number, (bool, np.bool_)):
            raise FoundError(err=_VALUE)
        if number is sh.EMPTY or is_omitted(number) or number == "":
            text = "0"  # an empty cell (xlcalculator's BASES book: BIN2OCT of one is "0")
        elif isinstance(number, str):
            text = number
        else:
            if float(number) != math.trunc(float(number)) or float(number) < 0:
                raise FoundError(err=_NUM)
            text = str(math.trunc(float(number)))
        if not text or len(text) > 10:
            raise FoundError(err=_NUM)
        try:
            n = int(text, source)
        except ValueError:
            raise FoundError(err=_NUM) from None
        if text.startswith("-") or text.startswith("+"):
            raise FoundError(err=_NUM)
        if len(text) == 10 and n >= source**10 // 2:
            n -= source**10
        return to_decimal(float(n), places)

    return convert

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
        number = single(number)
        width = None
        if not is_omitted(places):
            width = math.trunc(number_of(single(places)))
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

def _multiples(q: float, up: bool) -> float:
    """ceil (up) or floor of a quotient, snapped when it is a whole number but for binary noise."""
    r = round(q)
    if abs(q - r) <= 1e-12 * abs(q):
        return float(r)
    return float(math.ceil(q) if up else math.floor(q))

def _plain_number(v: Any) -> float:
    """A number argument where TRUE/FALSE are #VALUE! (SERIESSUM)."""
    v = single(v)
    if isinstance(v, (bool, np.bool_)):
        raise FoundError(err=_VALUE)
    return scalar_number(v)


def xseriessum(x: Any, n: Any, m: Any, coefficients: Any) -> float:
    """SERIESSUM: a1·x^n + a2·x^(n+m) + …, Microsoft's page; TRUE for x, or a coefficient
    that is no number, is #VALUE!; 0 to a power ≤ 0 #NUM! (IronCalc's
    MATH_AND_TRIGONOMETRY__SERIESSUM book: SERIESSUM(0,0,2,{1,2,3}) is #NUM!)."""
    xv, nv, mv = _plain_number(x), _plain_number(n), _plain_number(m)
    total = 0.0
    cells = np.asarray(coefficients, dtype=object).ravel() if isinstance(coefficients, np.ndarray) else [coefficients]
    for i, a in enumerate(cells):
        if a is sh.EMPTY:
            continue
        if isinstance(a, XlError):
            raise FoundError(err=a)
        if isinstance(a, (bool, np.bool_, str)):
            raise FoundError(err=_VALUE)
        power = nv + i * mv
        if xv == 0 and power <= 0:
            raise FoundError(err=_NUM)
        try:
            total += float(a) * xv**power
        except (OverflowError, ZeroDivisionError):
            raise FoundError(err=_NUM) from None
        if isinstance(total, complex) or not math.isfinite(total):
            raise FoundError(err=_NUM)
    return total


def _quotient_of(x: float, s: float) -> float:
    """x / s, #NUM! where it overflows (CEILING(709,1E-307): more multiples than a
    number holds)."""
    q = x / s
    if not math.isfinite(q):
        raise FoundError(err=_NUM)
    return q


def _floor_ceiling(kind: str) -> Callable[..., Any]:
    def fn(number: Any, significance: Any = None, mode: Any = None) -> Any:
        x = scalar_number(number)
        default = 1.0 if kind.endswith(("MATH", "PRECISE")) or kind == "ISO.CEILING" else None
        if significance is None or is_omitted(significance):
            if default is None:
                raise FoundError(err=_VALUE)
            s = default
        else:
            s = scalar_number(significance)
        m = 0.0 if mode is None or is_omitted(mode) else scalar_number(mode)
        if kind in ("FLOOR", "CEILING"):
            if s == 0:
                if kind == "CEILING" or x == 0:
                    return 0.0
                raise FoundError(err=_DIV0)
            if x > 0 and s < 0:
                raise FoundError(err=_NUM)
            # the quotient's ceiling (floor) times the significance: CEILING(-2.5,-2) = -4,
            # CEILING(-2.5,2) = -2, FLOOR(-2.5,2) = -4
            return _multiples(_quotient_of(x, s), up=kind == "CEILING") * s
        s = abs(s)
        if s == 0:
            return 0.0
        q = _quotient_of(x, s)
        if kind in ("CEILING.MATH", "CEILING.PRECISE", "ISO.CEILING"):
            up = not (x < 0 and m != 0 and kind == "CEILING.MATH")
            return (_multiples(q, up=True) if up else _multiples(q, up=False)) * s
        # FLOOR.MATH / FLOOR.PRECISE
        toward_zero = x < 0 and m != 0 and kind == "FLOOR.MATH"
        return (_multiples(q, up=True) if toward_zero else _multiples(q, up=False)) * s

    return fn

def xsequence(rows: Any, columns: Any = None, start: Any = None, step: Any = None) -> Any:
    r = int_arg(rows, 1)
    c = 1 if columns is None else int_arg(columns, 1)
    s = 1.0 if start is None else num_arg(start, 1.0)
    d = 1.0 if step is None else num_arg(step, 1.0)
    if r < 1 or c < 1:
        return _VALUE
    return (s + d * np.arange(r * c, dtype=float).reshape(r, c)).astype(object).view(Array)


def _mround(number: Any, multiple: Any) -> Any:
    """MROUND as Excel computes it: the quotient rounded half away from zero on the
    digits Excel shows (MROUND(1,2) is 2, MROUND(2.675,0.01) 2.68); signs that differ
    #NUM!, a multiple of 0 gives 0, an omitted argument #N/A, TRUE/FALSE #VALUE!."""
    if is_omitted(number) or is_omitted(multiple):
        return Error.errors["#N/A"]
    n, m = single(number), single(multiple)
    if isinstance(n, bool) or isinstance(m, bool):
        return _VALUE
    n, m = (0.0 if x is sh.EMPTY else float(x) for x in (n, m))
    if m == 0:
        return 0.0
    if n < 0 < m or m < 0 < n:
        return Error.errors["#NUM!"]
    r = float(excel_round(n / m, 0)) * m
    return r if math.isfinite(r) else Error.errors["#NUM!"]


def _gcd_lcm(lcm: bool):
    """GCD and LCM as Excel computes them: numbers truncated, numeric text read (also in
    referenced cells), blanks skipped; a negative number #NUM!, other text or TRUE/FALSE
    #VALUE!, nothing at all #VALUE!; a result beyond 2^53 #NUM!."""

    def fn(ctx, args) -> Vec:
        vecs = [a.ev(ctx) for a in args if not a.is_missing]
        if not vecs:
            return Vec.const(ERR_VALUE)
        m = rows_of(*vecs)
        out = np.empty((m, 1, 1), dtype=object)
        for i in range(m):
            numbers, error = [], None
            for v in vecs:
                for x in v.row(i).values().reshape(-1):
                    if x is None:
                        continue
                    if isinstance(x, KpiError):
                        error = error or x
                        continue
                    if isinstance(x, bool):
                        error = error or ERR_VALUE
                        continue
                    if isinstance(x, str):
                        n = text_to_number(x)
                        if n is None:
                            error = error or ERR_VALUE
                            continue
                        x = n
                    if x < 0:
                        error = error or native_error("#NUM!")
                        continue
                    numbers.append(int(x))
            if error is None and not numbers:
                error = ERR_VALUE
            if error is not None:
                out[i, 0, 0] = error
                continue
            r = numbers[0]
            for n in numbers[1:]:
                r = (r * n // math.gcd(r, n) if r and n else 0) if lcm else math.gcd(r, n)
            out[i, 0, 0] = float(r) if r < 2**53 else native_error("#NUM!")
        return Vec.from_values(out)

    return fn


#: ROMAN's forms: the value each letter or subtractive pair stands for, largest first.
#: Form 0 (classic) subtracts one step down (IV, XC, CM); each further form allows one more
#: step (form 4, "simplified": 499 is ID, 999 IM).
_ROMAN_DIGITS = ((1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I"))


@functools.lru_cache(maxsize=8)
def _roman_steps(form: int) -> tuple[tuple[int, str], ...]:
    steps: list[tuple[int, str]] = []
    for i, (n, letter) in enumerate(_ROMAN_DIGITS):
        steps.append((n, letter))
        pairs = []
        for v, smaller in _ROMAN_DIGITS[i + 1 :]:
            if n - v not in (d for d, _ in _ROMAN_DIGITS):
                pairs.append((n - v, smaller + letter))
                if len(pairs) == form + 1:
                    break
        steps.extend(reversed(pairs))
    return tuple(steps)


@functools.lru_cache(maxsize=50_000)
def _roman(number: int, form: int) -> str:
    out = []
    for value, letters in _roman_steps(form):
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def f_roman(ctx, args) -> Vec:
    """ROMAN(number, [form]): number 0..3999 (truncated; else #VALUE!); form 0..4, TRUE
    (classic, 0), FALSE (simplified, 4), omitted or empty 0; 0 gives the empty text."""
    arg_count("ROMAN", args, 1, 2)
    a = args[0].ev(ctx)
    b = args[1].ev(ctx) if len(args) > 1 and not args[1].is_missing else Vec.const(0.0)
    x, ex = as_numbers(a)
    form_num, ef = as_numbers(b)
    form_num = np.where(b.kind == BOOL, np.where(b.num != 0, 0.0, 4.0), form_num)
    shape = np.broadcast_shapes(a.shape, b.shape)
    errors = np.full(shape, None, dtype=object)
    for e in (ef, ex):  # the number's error wins
        if e is not None:
            errors = np.where(np.broadcast_to(e, shape) != None, np.broadcast_to(e, shape), errors)  # noqa: E711
    xs, fs = np.broadcast_to(x, shape), np.broadcast_to(form_num, shape)
    texts = np.full(shape, "", dtype=object)
    for idx in zip(*np.nonzero(errors == None), strict=True):  # noqa: E711
        n, f = xs[idx], fs[idx]
        if not (0 <= n < 4000 and 0 <= f < 5):
            errors[idx] = ERR_VALUE
        else:
            texts[idx] = _roman(int(n), int(f))
    return Vec.texts(texts, errors if (errors != None).any() else None)  # noqa: E711


_ROMAN_VALUES = {letter: n for n, letter in _ROMAN_DIGITS}


@functools.lru_cache(maxsize=50_000)
def _arabic(text: str) -> float | None:
    text = text.strip().upper()
    sign = 1.0
    if text.startswith("-"):
        sign, text = -1.0, text[1:]
    if len(text) > 255 or any(c not in _ROMAN_VALUES for c in text):
        return None
    total, add, previous = 0, True, -1
    for value in map(_ROMAN_VALUES.__getitem__, reversed(text)):
        if value != previous:  # a smaller letter before a larger one is subtracted
            add = previous < value
        previous = value
        total += value if add else -value
    return sign * total


def f_arabic(ctx, args) -> Vec:
    """ARABIC(text): a Roman numeral as a number; case and surrounding spaces ignored, a
    leading minus sign negative, "" (or an empty cell) 0; numbers, dates and other text #VALUE!."""
    arg_count("ARABIC", args, 1, 1)
    a = args[0].ev(ctx)
    errors = a.errors()
    errors = np.full(a.shape, None, dtype=object) if errors is None else np.array(errors, dtype=object)
    out = np.zeros(a.shape)
    objs = a.objects()
    for idx in zip(*np.nonzero(a.kind != EMPTY), strict=True):
        k = a.kind[idx]
        if k == ERROR:
            continue
        value = _arabic(objs[idx]) if k == TEXT else None
        if value is None:
            errors[idx] = ERR_VALUE
        else:
            out[idx] = value
    return Vec.with_errors(out, errors if (errors != None).any() else None)  # noqa: E711


def f_pi(ctx, args) -> Vec:
    arg_count("PI", args, 0, 0)
    return Vec.const(math.pi)


FUNCTIONS = {
    "PI": f_pi,
    "ROMAN": f_roman,
    "ARABIC": f_arabic,
    "GCD": _gcd_lcm(lcm=False),
    "LCM": _gcd_lcm(lcm=True),
    "SUM": f_sum,
    "COUNT": f_count,
    "PRODUCT": f_product,
    "AVERAGE": f_average,
    "MIN": f_min,
    "MAX": f_max,
    "ROUND": f_round,
    "ROUNDUP": f_roundup,
    "ROUNDDOWN": f_rounddown,
    "ABS": f_abs,
    "SUMPRODUCT": f_sumproduct,
}


def _corrections() -> dict[str, Any]:
    out: dict[str, Any] = {
        "TRUNC": wrap_ufunc(_rounder("DOWN", "TRUNC")),
        "INT": wrap_ufunc(lambda x: float(math.floor(x))),  # as a float: INT(1E+100) is 1E+100
        "MROUND": wrap_func(_mround),
        "SEQUENCE": wrap_func(xsequence),
        "QUOTIENT": wrap_ufunc(_quotient),
        "COMBIN": wrap_ufunc(_combin),
        "COMBINA": wrap_ufunc(_combina),
        "BASE": wrap_ufunc(_base),
        "SERIESSUM": wrap_func(xseriessum),
    }
    for name, radix, bits in (("DEC2BIN", 2, 9), ("DEC2OCT", 8, 29), ("DEC2HEX", 16, 39)):
        out[name] = wrap_func(_dec_to(radix, bits))
    names = {2: "BIN", 8: "OCT", 16: "HEX"}
    for source in names:
        for target in names:
            if source != target:
                out[f"{names[source]}2{names[target]}"] = wrap_func(_radix_to_radix(source, target))
    for kind in ("FLOOR", "CEILING", "FLOOR.MATH", "CEILING.MATH", "FLOOR.PRECISE", "CEILING.PRECISE", "ISO.CEILING"):
        out[kind] = wrap_ufunc(_floor_ceiling(kind), input_parser=lambda *a: a, check_error=lambda *a: None)
    return out
