"""LINEST, LOGEST, TREND and GROWTH: least-squares fits as Excel computes them.

Excel fits y = m1·x1 + … + mp·xp + b by least squares on the x columns centred on
their means when there is a constant (``const`` TRUE, omitted or an empty argument),
and drops an x column that adds nothing to the columns before it (collinear): it gets
the coefficient 0 and the standard error 0, and is not counted in the degrees of
freedom. This is Microsoft's own description of Office's LINEST ([MS-OI29500] 2.1.985:
"vectors in known-xs that are collinear … are omitted … given a coefficient of 0 and a
standard error of 0 … df is affected"). A column with no spread at all (every x the
same) also gets 0 and 0, but Excel still counts it in df; when that leaves no degree
of freedom Excel reports a perfect fit (ssresid 0, r² 1, sey 0, F #NUM!), which the
pycel test book's cached values show.

Shapes (Microsoft's LINEST page): known_y in one column makes each column of known_x a
variable, in one row each row; a single variable may be of any shape equal to
known_y's. Sizes that do not fit are #REF!, anything but a number in the data
#VALUE! (an error too, as the formulas test book shows), a y ≤ 0 for LOGEST/GROWTH #NUM!. The statistics
array is {mp…m1,b; sep…se1,seb; r²,sey; F,df; ssreg,ssresid}, #N/A elsewhere and for
seb without a constant; F is #NUM! where ssresid is 0 (a residual within rounding of
the fit, 1e-12 of y's spread, counts as 0: Excel's F for y = x - 1 is #NUM!). LOGEST's statistics are those
of the fit of ln y (its coefficients are e^m and e^b).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, wrap_func
from formulas.tokens.operand import Error, XlError

from .bridge import is_omitted

_VALUE = Error.errors["#VALUE!"]
_NUM = Error.errors["#NUM!"]
_REF = Error.errors["#REF!"]
_NA = Error.errors["#N/A"]

#: A column whose part not explained by the columns before it is below this share of
#: its own size is collinear with them.
COLLINEAR = 1e-12


def _cells(value: Any) -> np.ndarray:
    """A range or array argument as a 2-D object array."""
    if isinstance(value, XlError):
        raise FoundError(err=_VALUE)
    arr = np.asarray(value, dtype=object)
    return arr.reshape(1, 1) if arr.ndim == 0 else arr.reshape(arr.shape[0], -1) if arr.ndim != 2 else arr


def _numbers(arr: np.ndarray) -> np.ndarray:
    """Cells as floats: anything but a number (an error too) is #VALUE!."""
    out = np.empty(arr.shape, dtype=float)
    for idx, v in np.ndenumerate(arr):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)) or is_omitted(v):
            raise FoundError(err=_VALUE)
        out[idx] = float(v)
    return out


def _flag(value: Any, default: bool) -> bool:
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise FoundError(err=_VALUE)
        value = value.ravel()[0]
    if is_omitted(value) or value is sh.EMPTY or value is None:
        return default
    if isinstance(value, XlError):
        raise FoundError(err=_VALUE)
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        raise FoundError(err=_VALUE)
    return bool(float(value))


class _Data:
    """known_y as a vector and known_x as an n × p matrix, with how to read new_x."""

    def __init__(self, known_y: Any, known_x: Any):
        cells_y = _cells(known_y)
        cells_x = None if known_x is None or is_omitted(known_x) or known_x is sh.EMPTY else _cells(known_x)
        y = cells_y
        self.y_shape = y.shape
        self.by_row = y.shape[0] == 1 and y.shape[1] > 1
        self.single_shape = False
        n = y.size
        if cells_x is None:
            x = np.arange(1.0, n + 1.0).reshape(n, 1)
            self.single_shape = True
        else:
            xs = cells_x
            if xs.shape == y.shape:
                x = xs.reshape(n, 1)
                self.single_shape = True
            elif y.shape[1] == 1 and xs.shape[0] == n:
                x = xs
            elif self.by_row and xs.shape[1] == n:
                x = xs.T
            else:
                raise FoundError(err=_REF)
        # sizes are checked before values (#REF! before #VALUE!)
        self.y = _numbers(y).reshape(n)
        self.x = x if cells_x is None else _numbers(x)

    def new_x(self, new_x: Any) -> tuple[np.ndarray, tuple[int, int]]:
        """new_x as an m × p matrix and the shape of TREND's result."""
        if new_x is None or is_omitted(new_x) or new_x is sh.EMPTY:
            if self.single_shape:
                return self.x, self.y_shape
            return self.x, (self.x.shape[0], 1) if not self.by_row else (1, self.x.shape[0])
        nx = _numbers(_cells(new_x))
        p = self.x.shape[1]
        if p == 1 and self.single_shape:
            return nx.reshape(nx.size, 1), nx.shape
        if self.by_row:
            if nx.shape[0] != p:
                raise FoundError(err=_REF)
            return nx.T, (1, nx.shape[1])
        if nx.shape[1] != p:
            raise FoundError(err=_REF)
        return nx, (nx.shape[0], 1)


class _Fit:
    """The least-squares fit of y on the columns of x (and a constant)."""

    def __init__(self, y: np.ndarray, x: np.ndarray, const: bool):
        n, p = x.shape
        if n < 1:
            raise FoundError(err=_VALUE)
        self.n, self.p, self.const = n, p, const
        self.x_mean = x.mean(axis=0) if const else np.zeros(p)
        self.y_mean = float(y.mean()) if const else 0.0
        xc, yc = x - self.x_mean, y - self.y_mean
        # Sequential Gram-Schmidt: which columns add something to the ones before.
        basis: list[np.ndarray] = []
        used, flat = [], []
        for j in range(p):
            v = xc[:, j].copy()
            size = float(np.linalg.norm(v))
            if size == 0.0:
                flat.append(j)
                continue
            for q in basis:
                v -= (q @ v) * q
            rest = float(np.linalg.norm(v))
            if rest <= COLLINEAR * size:
                continue
            basis.append(v / rest)
            used.append(j)
        self.m = np.zeros(p)
        self.se = np.zeros(p)
        self.used = used
        if used:
            xu = xc[:, used]
            q, r = np.linalg.qr(xu)  # Householder QR, as Excel solves it
            coef = np.linalg.solve(r, q.T @ yc)
            self.m[used] = coef
            resid = yc - xu @ coef
        else:
            resid = yc
        self.b = self.y_mean - float(self.x_mean @ self.m) if const else 0.0
        self.df = n - len(used) - len(flat) - (1 if const else 0)
        sstot = float(yc @ yc)
        self.ssresid = float(resid @ resid) if self.df > 0 else 0.0
        if self.ssresid <= COLLINEAR**2 * sstot:  # a perfect fit but for rounding
            self.ssresid = 0.0
        self.ssreg = sstot - self.ssresid
        self.r2 = self.ssreg / sstot if sstot > 0 else 1.0
        self.sey = float(np.sqrt(self.ssresid / self.df)) if self.df > 0 else 0.0
        self.seb = None
        if used:
            xu = xc[:, used]
            cov = np.linalg.pinv(xu.T @ xu) * self.sey**2
            self.se[used] = np.sqrt(np.maximum(np.diag(cov), 0.0))
            if const:
                xm = self.x_mean[used]
                self.seb = float(np.sqrt(max(self.sey**2 / n + xm @ cov @ xm, 0.0)))
        elif const:
            self.seb = float(np.sqrt(self.sey**2 / n))

    def predict(self, new_x: np.ndarray) -> np.ndarray:
        return new_x @ self.m + self.b

    def table(self, stats: bool, exp: bool) -> np.ndarray:
        p = self.p
        width = p + 1
        out = np.empty((5 if stats else 1, width), dtype=object)
        out[:, :] = _NA  # (np.full would store the error token as a plain string)
        coef = np.append(self.m[::-1], self.b)
        out[0, :] = np.exp(coef) if exp else coef
        if not stats:
            return out
        out[1, :p] = self.se[::-1]
        out[1, p] = self.seb if self.seb is not None else _NA
        out[2, 0], out[3, 1], out[4, 0], out[4, 1] = self.r2, float(self.df), self.ssreg, self.ssresid
        if width > 1:
            out[2, 1] = self.sey
        k = len(self.used)
        out[3, 0] = _NUM if self.ssresid == 0 or k == 0 else (self.ssreg / k) / (self.ssresid / self.df)
        return out


def _log(y: np.ndarray) -> np.ndarray:
    if (y <= 0).any():
        raise FoundError(err=_NUM)
    return np.log(y)


def xlinest(known_y, known_x=None, const=None, stats=None, _exp=False):
    data = _Data(known_y, known_x)
    y = _log(data.y) if _exp else data.y
    fit = _Fit(y, data.x, _flag(const, True))
    return fit.table(_flag(stats, False), _exp).view(Array)


def xlogest(known_y, known_x=None, const=None, stats=None):
    return xlinest(known_y, known_x, const, stats, _exp=True)


def xtrend(known_y, known_x=None, new_x=None, const=None, _exp=False):
    data = _Data(known_y, known_x)
    y = _log(data.y) if _exp else data.y
    fit = _Fit(y, data.x, _flag(const, True))
    nx, shape = data.new_x(new_x)
    got = fit.predict(nx)
    if _exp:
        got = np.exp(got)
    return np.asarray(got, dtype=object).reshape(shape).view(Array)


def xgrowth(known_y, known_x=None, new_x=None, const=None):
    return xtrend(known_y, known_x, new_x, const, _exp=True)


CORRECTIONS = {
    "LINEST": wrap_func(xlinest),
    "LOGEST": wrap_func(xlogest),
    "TREND": wrap_func(xtrend),
    "GROWTH": wrap_func(xgrowth),
}
