"""Numbers the way Excel shows them: boundary tolerance and decimal rounding.

Binary floats miss decimal boundaries (``1 - 180/200 == 0.09999999999999998``,
``(41.9 + 58.8) / 2 == 50.349999999999994``). Excel compares and rounds the value it
displays (15 significant digits), so we do too (AMB-G3).
"""

from __future__ import annotations

import numpy as np

#: Absolute tolerance for comparisons at boundaries, scaled up for large magnitudes.
EPS = 1e-9
#: Relative slack that stands for "the 15 significant digits Excel shows".
_DISPLAY_SLACK = 2.0**-46


def tol(x):
    """Tolerance for comparing with boundary ``x``: 1e-9, relative above 1, 0 at ±∞."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(x), EPS * np.maximum(1.0, np.abs(x)), 0.0)


def ge(a, b):
    """``a >= b`` with the boundary tolerance."""
    return a >= b - tol(b)


def gt(a, b):
    """``a > b`` with the boundary tolerance."""
    return a > b + tol(b)


def le(a, b):
    return a <= b + tol(b)


def lt(a, b):
    return a < b - tol(b)


def eq(a, b):
    return np.abs(a - b) <= tol(b)


def steps(x, mode: str = "FLOOR"):
    """Whole steps in ``x`` (a gap divided by its step size), after ε-rounding.

    FLOOR counts completed steps toward zero, CEIL rounds away from zero, EXACT keeps
    the fraction.
    """
    x = np.asarray(x, dtype=float)
    snapped = np.where(np.abs(x - np.round(x)) <= tol(x), np.round(x), x)
    if mode == "EXACT":
        return snapped
    if mode == "CEIL":
        return np.sign(snapped) * np.ceil(np.abs(snapped))
    return np.sign(snapped) * np.floor(np.abs(snapped))


def excel_round(x, digits=0, mode: str = "HALF_UP"):
    """ROUND / ROUNDUP / ROUNDDOWN as Excel does them, vectorised.

    ``mode``: HALF_UP (ROUND: halves away from zero), UP (ROUNDUP: away from zero),
    DOWN (ROUNDDOWN: toward zero). The scaled value is first snapped to what 15
    significant digits show, so ROUND((41.9+58.8)/2, 1) is 50.4 as in Excel.
    """
    x = np.asarray(x, dtype=float)
    digits = np.asarray(digits, dtype=float)
    digits = np.sign(digits) * np.floor(np.abs(digits))
    scale = np.power(10.0, digits)
    with np.errstate(invalid="ignore", over="ignore"):
        k = np.abs(x) * scale
        # (capped: past 2**44 the scaled value has no fraction left to snap)
        slack = np.minimum(np.maximum(k, 1.0) * _DISPLAY_SLACK, 0.25)
        whole = np.floor(k)
        frac = k - whole
        if mode == "HALF_UP":
            r = np.where(frac >= 0.5 - slack, whole + 1.0, whole)
        elif mode == "UP":
            r = np.where(frac > slack, whole + 1.0, whole)
        elif mode == "DOWN":
            r = np.where(frac >= 1.0 - slack, whole + 1.0, whole)
        else:
            raise ValueError(mode)
        out = np.sign(x) * r / scale
    out = np.where(np.isfinite(out), out, x)
    return out + 0.0  # no negative zero


def fmt(x: float) -> str:
    """A number for a message: 0.4 → "0.40", 35.0 → "35", 1.0667 → "1.0667"."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "blank"
    if np.isinf(x):
        return "∞" if x > 0 else "−∞"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    s = f"{float(x):.10g}"
    if "e" not in s and abs(x) < 10:
        whole, _, dec = s.partition(".")
        if len(dec) == 1:
            s = f"{whole}.{dec}0"
    return s
