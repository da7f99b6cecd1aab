"""Excel's engineering functions where `formulas` differs from Excel: the Bessel
functions, and complex numbers written as text.

The IM functions and COMPLEX write each part with 15 significant digits, as Excel does
("67.3415789404035-31.1777431114928j", not Python's 17-digit repr); IMARGUMENT is
atan2(b, a), #DIV/0! only for 0.

BESSELJ, BESSELY, BESSELI and BESSELK as Excel computes them.

Excel does not compute Bessel functions to full precision: it uses the classic
approximations (the rational functions of Numerical Recipes' ``bessj0``/``bessj1``/
``bessy0``/``bessy1`` and the polynomials of Abramowitz & Stegun 9.8.1-9.8.8 for I and
K), accurate to about 1e-8, and higher orders by recurrence: upward where that is
stable (J above its order, Y, K), Miller's downward recurrence otherwise (J below its
order, I). An exact library (scipy) differs from Excel in the eighth digit, so these
are written out here. One quirk is Excel's own: in J1's asymptotic series for x ≥ 8
the coefficient -0.3516396496e-4 appears twice (Y1 uses the series as published); with
it, J1(10) is 0.04347224965225415 as Excel shows, not 0.0434727462.

Arguments: x a number (numeric text read), n truncated to an integer; TRUE/FALSE are
#VALUE!; n < 0 is #NUM!, and so is x ≤ 0 for Y and K (their value at 0 is infinite).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import FoundError, wrap_func
from formulas.tokens.operand import Error

from .bridge import is_omitted
from .conversions import num_arg, single
from .math import scalar_lifted

_NUM = Error.errors["#NUM!"]
_VALUE = Error.errors["#VALUE!"]

#: Orders above this are refused (#NUM!): the recurrences take about 2·n steps.
MAX_ORDER = 1 << 20

_W = 0.636619772  # 2/π as Excel's series have it


def _poly(coefficients: tuple[float, ...], t: float) -> float:
    """c0 + c1·t + c2·t² + … (Horner)."""
    s = 0.0
    for c in reversed(coefficients):
        s = s * t + c
    return s


# J0, J1, Y0, Y1 below 8: ratios of polynomials in x²; from 8 up: the asymptotic form
# √(2/πx)·(cos(x-θ)·P(64/x²) ∓ (8/x)·sin(x-θ)·Q(64/x²)).
_J0_NUM = (57568490574.0, -13362590354.0, 651619640.7, -11214424.18, 77392.33017, -184.9052456)
_J0_DEN = (57568490411.0, 1029532985.0, 9494680.718, 59272.64853, 267.8532712, 1.0)
_Y0_NUM = (-2957821389.0, 7062834065.0, -512359803.6, 10879881.29, -86327.92757, 228.4622733)
_Y0_DEN = (40076544269.0, 745249964.8, 7189466.438, 47447.26470, 226.1030244, 1.0)
_P0 = (1.0, -0.1098628627e-2, 0.2734510407e-4, -0.2073370639e-5, 0.2093887211e-6)
_Q0_J = (-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934935152e-7)
_Q0_Y = (-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934945152e-7)
_J1_NUM = (72362614232.0, -7895059235.0, 242396853.1, -2972611.439, 15704.48260, -30.16036606)
_J1_DEN = (144725228442.0, 2300535178.0, 18583304.74, 99447.43394, 376.9991397, 1.0)
_Y1_NUM = (-0.4900604943e13, 0.1275274390e13, -0.5153438139e11, 0.7349264551e9, -0.4237922726e7, 0.8511937935e4)
_Y1_DEN = (0.2499580570e14, 0.4244419664e12, 0.3733650367e10, 0.2245904002e8, 0.1020426050e6, 0.3549632885e3, 1.0)
_P1 = (1.0, 0.183105e-2, -0.3516396496e-4, 0.2457520174e-5, -0.240337019e-6)
_P1_J = (1.0, 0.183105e-2, -0.3516396496e-4, -0.3516396496e-4, 0.2457520174e-5, -0.240337019e-6)
_Q1 = (0.04687499995, -0.2002690873e-3, 0.8449199096e-5, -0.88228987e-6, 0.105787412e-6)

# I0, I1 in (x/3.75)² up to 3.75, then e^x/√x times a polynomial in 3.75/x;
# K0, K1 in x²/4 up to 2, then e^-x/√x times a polynomial in 2/x.
_I0_SMALL = (1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2)
_I0_LARGE = (0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1,
             0.2635537e-1, -0.1647633e-1, 0.392377e-2)  # fmt: skip
_I1_SMALL = (0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3)
_I1_LARGE = (0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1, 0.2282967e-1,
             -0.2895312e-1, 0.1787654e-1, -0.420059e-2)  # fmt: skip
_K0_SMALL = (-0.57721566, 0.42278420, 0.23069756, 0.3488590e-1, 0.262698e-2, 0.10750e-3, 0.74e-5)
_K0_LARGE = (1.25331414, -0.7832358e-1, 0.2189568e-1, -0.1062446e-1, 0.587872e-2, -0.251540e-2, 0.53208e-3)
_K1_SMALL = (1.0, 0.15443144, -0.67278579, -0.18156897, -0.1919402e-1, -0.110404e-2, -0.4686e-4)
_K1_LARGE = (1.25331414, 0.23498619, -0.3655620e-1, 0.1504268e-1, -0.780353e-2, 0.325614e-2, -0.68245e-3)


def _asymptotic(x: float, theta: float, p: tuple, q: tuple, sine: bool) -> float:
    z = 8.0 / x
    y, xx = z * z, x - theta
    if sine:  # Y: sin·P + z·cos·Q
        return math.sqrt(_W / x) * (math.sin(xx) * _poly(p, y) + z * math.cos(xx) * _poly(q, y))
    return math.sqrt(_W / x) * (math.cos(xx) * _poly(p, y) - z * math.sin(xx) * _poly(q, y))


def j0(x: float) -> float:
    x = abs(x)
    if x < 8:
        return _poly(_J0_NUM, x * x) / _poly(_J0_DEN, x * x)
    return _asymptotic(x, 0.785398164, _P0, _Q0_J, sine=False)


def j1(x: float) -> float:
    ax = abs(x)
    if ax < 8:
        return x * _poly(_J1_NUM, x * x) / _poly(_J1_DEN, x * x)
    r = _asymptotic(ax, 2.356194491, _P1_J, _Q1, sine=False)
    return -r if x < 0 else r


def y0(x: float) -> float:
    if x < 8:
        return _poly(_Y0_NUM, x * x) / _poly(_Y0_DEN, x * x) + _W * j0(x) * math.log(x)
    return _asymptotic(x, 0.785398164, _P0, _Q0_Y, sine=True)


def y1(x: float) -> float:
    if x < 8:
        return x * _poly(_Y1_NUM, x * x) / _poly(_Y1_DEN, x * x) + _W * (j1(x) * math.log(x) - 1 / x)
    return _asymptotic(x, 2.356194491, _P1, _Q1, sine=True)


def i0(x: float) -> float:
    ax = abs(x)
    if ax <= 3.75:
        return _poly(_I0_SMALL, (x / 3.75) ** 2)
    return math.exp(ax) / math.sqrt(ax) * _poly(_I0_LARGE, 3.75 / ax)


def i1(x: float) -> float:
    ax = abs(x)
    if ax < 3.75:
        return x * _poly(_I1_SMALL, (x / 3.75) ** 2)
    r = math.exp(ax) / math.sqrt(ax) * _poly(_I1_LARGE, 3.75 / ax)
    return -r if x < 0 else r


def k0(x: float) -> float:
    if x <= 2:
        return -math.log(x / 2) * i0(x) + _poly(_K0_SMALL, x * x / 4)
    return math.exp(-x) / math.sqrt(x) * _poly(_K0_LARGE, 2 / x)


def k1(x: float) -> float:
    if x <= 2:
        return math.log(x / 2) * i1(x) + _poly(_K1_SMALL, x * x / 4) / x
    return math.exp(-x) / math.sqrt(x) * _poly(_K1_LARGE, 2 / x)


def _upward(x: float, n: int, f0: float, f1: float, sign: int) -> float:
    """f(n) from f(0), f(1) by f(k+1) = (2k/x)·f(k) + sign·f(k-1)."""
    t = 2.0 / x
    for k in range(1, n):
        f0, f1 = f1, k * t * f1 + sign * f0
    return f1


def besselj(x: float, n: int) -> float:
    if x < 0:
        return -besselj(-x, n) if n % 2 else besselj(-x, n)
    if n == 0:
        return j0(x)
    if n == 1:
        return j1(x)
    if x == 0:
        return 0.0
    if x > n:
        return _upward(x, n, j0(x), j1(x), -1)
    # Miller: recur downward from an even start well above n (Numerical Recipes'
    # 2·⌊(n + ⌊√(160n)⌋)/2⌋; a lower one misses Microsoft's BESSELJ(1.9,2) example),
    # normalise by J0 + 2·(J2 + J4 + …) = 1, rescaling when the values grow large.
    start = 2 * ((n + int(math.sqrt(160 * n))) // 2)
    t = 2.0 / x
    above, here, total, found, even = 0.0, 1.0, 0.0, 0.0, False
    for k in range(start, 0, -1):
        above, here = here, k * t * here - above
        if abs(here) > 1e10:
            here, above, found, total = here * 1e-10, above * 1e-10, found * 1e-10, total * 1e-10
        if even:
            total += here
        even = not even
        if k == n:
            found = above
    return found / (2 * total - here)


def bessely(x: float, n: int) -> float:
    if n == 0:
        return y0(x)
    if n == 1:
        return y1(x)
    return _upward(x, n, y0(x), y1(x), -1)


def besseli(x: float, n: int) -> float:
    if n == 0:
        return i0(x)
    if n == 1:
        return i1(x)
    if x == 0:
        return 0.0
    # Miller, normalised by I0; the start is Numerical Recipes' 2·(n + ⌊√(40n)⌋).
    t = 2.0 / abs(x)
    above, here, found = 0.0, 1.0, 0.0
    for k in range(2 * (n + int(math.sqrt(40 * n))), 0, -1):
        above, here = here, k * t * here + above
        if abs(here) > 1e10:
            here, above, found = here * 1e-10, above * 1e-10, found * 1e-10
        if k == n:
            found = above
    r = found * i0(x) / here
    return -r if x < 0 and n % 2 else r


def besselk(x: float, n: int) -> float:
    if n == 0:
        return k0(x)
    if n == 1:
        return k1(x)
    return _upward(x, n, k0(x), k1(x), 1)


def _excel(fn: Callable[[float, int], float], positive_x: bool) -> Callable[[Any, Any], Any]:
    def call(x: Any, n: Any) -> Any:
        x, n = single(x), single(n)
        if isinstance(x, bool) or isinstance(n, bool):
            raise FoundError(err=_VALUE)
        x, order = num_arg(x, 0.0), math.trunc(num_arg(n, 0.0))
        if order < 0 or order > MAX_ORDER or (positive_x and x <= 0):
            return _NUM
        try:
            r = fn(x, order)
        except (OverflowError, ZeroDivisionError, ValueError):
            return _NUM
        return r if math.isfinite(r) else _NUM

    return call


_BESSEL = {
    "BESSELJ": wrap_func(_excel(besselj, positive_x=False)),
    "BESSELY": wrap_func(_excel(bessely, positive_x=True)),
    "BESSELI": wrap_func(_excel(besseli, positive_x=False)),
    "BESSELK": wrap_func(_excel(besselk, positive_x=True)),
}


# -- complex numbers as text ----------------------------------------------------------------

#: Functions whose result is a complex number written as text.
COMPLEX_RESULTS = (
    "IMCONJUGATE", "IMCOS", "IMCOSH", "IMCOT", "IMCSC", "IMCSCH", "IMDIV", "IMEXP",
    "IMLN", "IMLOG10", "IMLOG2", "IMPOWER", "IMPRODUCT", "IMSEC", "IMSECH", "IMSIN", "IMSINH",
    "IMSQRT", "IMSUB", "IMSUM", "IMTAN",
)  # fmt: skip


def complex_part(x: float) -> str:
    """One part of a complex number as Excel writes it: 15 significant digits, trailing
    zeros dropped, without an exponent below 1e15 when that takes at most 19 decimals
    ("0.0000692442674613868", "0.000000000000000001"), otherwise with an exponent of at
    least two digits ("2.24044486393732E-06")."""
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.14E}".split("E")
    e = int(exponent)
    if e < 15:
        plain = f"{x:.{max(14 - e, 0)}f}"
        if "." in plain:
            plain = plain.rstrip("0").rstrip(".")
        if len(plain.partition(".")[2]) <= 19:
            return plain
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{'-' if e < 0 else '+'}{abs(e):02d}"


def complex_text(real: float, imag: float, suffix: str) -> str:
    """``real+imag·i`` as Excel writes it: "3+4i", "-j", "2.5", "0"."""
    re_text, im_text = complex_part(real), complex_part(imag)
    if im_text == "0":
        return re_text
    if im_text in ("1", "-1"):
        im_text = im_text[:-1]
    im_text += suffix
    if re_text == "0":
        return im_text
    return re_text + ("" if im_text.startswith("-") else "+") + im_text


_COMPLEX = re.compile(
    r"^(?P<re>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)?"
    r"(?:(?P<im>[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)?)(?P<unit>[ij]))?$"
)


def _rewritten(text: str) -> str:
    """A complex result of `formulas` (Python's repr of each part) in Excel's writing."""
    m = _COMPLEX.match(text.strip())
    if not m or not (m.group("re") or m.group("unit")):
        return text
    real, im = m.group("re"), m.group("im")
    if real and m.group("unit") and not im:  # "3j": the number is all imaginary
        real, im = None, real
    imag = 0.0 if not m.group("unit") else float(im + "1" if im in ("", "+", "-") else im)
    real = float(real or 0)
    return complex_text(real, imag, m.group("unit") or "i")


def _excel_complex_text(original: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        out = original(*args)
        if isinstance(out, str):
            return _rewritten(out)
        if isinstance(out, np.ndarray) and out.dtype == object:
            flat = [(_rewritten(v) if isinstance(v, str) else v) for v in out.ravel()]
            return np.asarray(flat, dtype=object).reshape(out.shape).view(type(out))
        return out

    return call


def _imargument(real: Callable[..., Any], imaginary: Callable[..., Any]) -> Callable[..., Any]:
    """IMARGUMENT: the angle θ of z, atan2(b, a); #DIV/0! only for 0 itself (`formulas`
    gives it whenever the real part is 0, as for "j")."""

    def call(z: Any) -> Any:
        a, b = (np.ravel(np.asarray(f(z), dtype=object))[0] for f in (real, imaginary))
        if not isinstance(a, float | int) or isinstance(a, bool):
            return a
        if not isinstance(b, float | int) or isinstance(b, bool):
            return b
        return Error.errors["#DIV/0!"] if a == 0 and b == 0 else math.atan2(b, a)

    return call


def _complex_suffix(original: Callable[..., Any]) -> Callable[..., Any]:
    """COMPLEX with an empty suffix (a blank cell, or "") writing "i", as Excel does."""

    def fn(real: Any, imag: Any, suffix: Any = "i") -> Any:
        if suffix is sh.EMPTY or is_omitted(suffix) or suffix == "":
            suffix = "i"
        return original(real, imag, suffix)

    return fn


def _corrections() -> dict[str, Any]:
    """The Bessel functions, and the IM functions of `formulas`' table writing their
    results as Excel does."""
    from formulas.functions import get_functions

    table = get_functions()
    out = {name: _excel_complex_text(table[name]) for name in COMPLEX_RESULTS if name in table}
    out["IMARGUMENT"] = _imargument(table["IMREAL"], table["IMAGINARY"])
    from formulas.functions.eng import xcomplex

    out["COMPLEX"] = wrap_func(scalar_lifted(_excel_complex_text(_complex_suffix(xcomplex))))
    out.update(_BESSEL)
    return out
