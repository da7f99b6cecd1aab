"""Input rules shared by every KPI_ function.

* A blank (``None``, empty text, a numpy/pandas NaN or NaT) is blank: the row's result is blank.
* Numbers stored as text are read when unambiguous: ``"52%"``, ``" 0.52 "``,
  full-width ``"５２％"``, ``"1,200"``. Dates count as their Excel serial number.
* Error values (a :class:`KpiError`, or ``"#N/A"`` / ``"#N/A: reason"`` text as classic
  xlwings shows them) propagate.
* Anything else is ``#VALUE!`` naming the argument and the value: a duration
  (``datetime.timedelta``, ``numpy.timedelta64``) too, since Excel has no duration type
  and reading days as a number would be a silent guess. A ``numpy.datetime64`` is a date.
* Labels are compared through :func:`label_key`: trimmed, full-width folded, Traditional
  folded to Simplified, letters upper-cased (``" 優秀 "`` matches ``"优秀"``, ``"a"``
  matches ``"A"``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .errors import NUM, VALUE, KpiError, parse_error_text
from .i18n import N_, _

_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_TRUE = {"TRUE", "YES", "Y", "1", "是", "真"}
_FALSE = {"FALSE", "NO", "N", "0", "否", "假"}


def show(value: object, limit: int = 40) -> str:
    """A value quoted for an error message, cut to ``limit`` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        # str() of a huge integer is slow, and refused beyond 4,300 digits (ValueError)
        digits = f"{math.floor(math.log10(abs(value))) + 1:,}"
        if value < 0:
            return _("a {digits}-digit negative integer", digits=digits)
        return _("a {digits}-digit integer", digits=digits)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NOT_A_TIME = object()


#: Why a duration is refused, by what was wanted (one whole sentence each).
_DURATION = {
    "number": N_("{arg}: {value} is a duration, not a number"),
    "label": N_("{arg}: {value} is a duration, not a label"),
    "bool": N_("{arg}: {value} is a duration, not TRUE or FALSE"),
    "date": N_("{arg}: {value} is a duration, not a date"),
}


def _duration(value: object, arg: str, kind: str) -> KpiError | object | None:
    """A duration is refused with a reason (Excel has no duration type: reading days as a
    number would be a guess); a NaT (numpy's blank date or duration) is ``_NOT_A_TIME``."""
    if isinstance(value, (np.timedelta64, np.datetime64)) and np.isnat(value):
        return _NOT_A_TIME
    if isinstance(value, (dt.timedelta, np.timedelta64)):
        return KpiError(VALUE, _(_DURATION[kind], arg=arg, value=show(value)))
    return None


def _numpy_datetime(value: np.datetime64, arg: str) -> dt.datetime | None | KpiError:
    """A ``numpy.datetime64`` as a datetime; None for NaT; ``#NUM!`` beyond years 1–9999."""
    converted = value.astype("datetime64[us]").item()
    if converted is None or isinstance(converted, dt.datetime):
        return converted
    return KpiError(NUM, _("{arg}: {value} is not a date Excel can hold", arg=arg, value=show(value)))


def _text_number(text: str) -> float | None:
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if _GROUPED.match(s):
        s = s.replace(",", "")
    if not _PLAIN.match(s):
        return None
    x = float(s)
    return x / 100.0 if percent else x


def _as_float(value: int | float | np.integer | np.floating) -> float:
    """A Python number as a float; an integer beyond the float range is infinite (not an
    OverflowError), so it is refused like any other infinite value."""
    try:
        return float(value)
    except OverflowError:
        return np.inf if value > 0 else -np.inf


def date_serial(value: dt.date) -> float:
    """Excel's serial number (1900 date system) of a date or datetime."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - _EXCEL_EPOCH).total_seconds() / 86400.0


def to_number(value: object, arg: str) -> float | None | KpiError:
    """One value as a float; ``None`` for blank; a :class:`KpiError` otherwise."""
    if isinstance(value, KpiError):
        return value
    if (err := _duration(value, arg, "number")) is not None:
        return None if err is _NOT_A_TIME else err
    if isinstance(value, np.datetime64):
        value = _numpy_datetime(value, arg)
        if isinstance(value, KpiError):
            return value
    if isinstance(value, (bool, np.bool_)):
        return KpiError(VALUE, _("{arg}: {value} is not a number", arg=arg, value=value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = _as_float(value)
        if x != x:
            return None
        if x in (np.inf, -np.inf):
            return KpiError(NUM, _("{arg}: {value} is not a finite number", arg=arg, value=show(value)))
        return x
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        err = parse_error_text(value)
        if err is not None:
            return err
        x = _text_number(value)
        if x is None:
            return KpiError(VALUE, _("{arg}: {value} is not a number", arg=arg, value=show(value)))
        if not np.isfinite(x):
            return KpiError(NUM, _("{arg}: {value} is not a finite number", arg=arg, value=show(value)))
        return x
    if isinstance(value, (dt.date, dt.datetime)):
        return date_serial(value)
    return KpiError(VALUE, _("{arg}: {value} is not a number", arg=arg, value=show(value)))


def to_label(value: object, arg: str) -> object:
    """One value as a label: trimmed text, a number or a bool; ``None`` for blank."""
    if isinstance(value, KpiError):
        return value
    if (err := _duration(value, arg, "label")) is not None:
        return None if err is _NOT_A_TIME else err
    if isinstance(value, np.datetime64):
        value = _numpy_datetime(value, arg)
        if isinstance(value, KpiError):
            return value
    if value is None:
        return None
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        err = parse_error_text(s)
        return err if err is not None else s
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = _as_float(value)
        if x != x:
            return None
        if not np.isfinite(x):
            return KpiError(NUM, _("{arg}: {value} is not a finite number", arg=arg, value=show(value)))
        return x
    if isinstance(value, (dt.date, dt.datetime)):
        return date_serial(value)
    return KpiError(VALUE, _("{arg}: {value} is not a label", arg=arg, value=show(value)))


def to_bool(value: object, arg: str) -> bool | None | KpiError:
    if isinstance(value, KpiError) or value is None:
        return value
    if (err := _duration(value, arg, "bool")) is not None:
        return None if err is _NOT_A_TIME else err
    if isinstance(value, np.datetime64):
        return KpiError(VALUE, _("{arg}: {value} is not TRUE or FALSE", arg=arg, value=show(value)))
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value != value:
            return None
        return bool(value)
    if isinstance(value, str):
        if not value.strip():
            return None
        err = parse_error_text(value)
        if err is not None:
            return err
        s = unicodedata.normalize("NFKC", value).strip().upper()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    return KpiError(VALUE, _("{arg}: {value} is not TRUE or FALSE", arg=arg, value=show(value)))


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def to_date(value: object, arg: str) -> dt.date | None | KpiError:
    """A date from a date, an Excel serial number or ``2024-03-01``/``2024年3月1日`` text."""
    if isinstance(value, KpiError) or value is None:
        return value
    if (err := _duration(value, arg, "date")) is not None:
        return None if err is _NOT_A_TIME else err
    if isinstance(value, np.datetime64):
        value = _numpy_datetime(value, arg)
        if value is None or isinstance(value, KpiError):
            return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        err = parse_error_text(value)
        if err is not None:
            return err
        m = _DATE_TEXT.match(unicodedata.normalize("NFKC", value).strip())
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        x = _text_number(value)
        if x is None:
            return KpiError(VALUE, _("{arg}: {value} is not a date", arg=arg, value=show(value)))
        value = x
    x = to_number(value, arg)
    if not isinstance(x, float):
        return x
    if not 1 <= x < 2958466:  # 1900-01-01 … 9999-12-31
        return KpiError(NUM, _("{arg}: {value} is not a date", arg=arg, value=show(value)))
    return (_EXCEL_EPOCH + dt.timedelta(days=int(x))).date()


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # pure Python; loaded on the first non-ASCII label

    return OpenCC("t2s")


@lru_cache(maxsize=4096)
def _simplified(text: str) -> str:
    return _t2s().convert(text)


def label_key(label: object, fold_chinese: bool = True) -> object:
    """The comparison key of a label: numbers as floats, text folded (see module doc)."""
    if isinstance(label, bool) or not isinstance(label, str):
        return label
    s = " ".join(unicodedata.normalize("NFKC", label).split()).upper()
    if fold_chinese and not s.isascii():
        s = _simplified(s)
    return s


# ---------------------------------------------------------------------------
# Arrays


def as_grid(value: object) -> np.ndarray:
    """Any argument as a 2-D array: a scalar is 1×1, a flat list is a column."""
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (list, tuple)):
        arr = np.empty(0, dtype=object) if not value else _nested(value)
    else:
        arr = np.empty((1, 1), dtype=object)
        arr[0, 0] = value
        return arr
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    elif arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)
    return arr


def _nested(value) -> np.ndarray:
    if all(isinstance(row, (list, tuple, np.ndarray)) for row in value):
        width = max((len(row) for row in value), default=0)
        arr = np.full((len(value), width), None, dtype=object)
        for i, row in enumerate(value):
            for j, cell in enumerate(row):
                arr[i, j] = cell
        return arr
    arr = np.empty(len(value), dtype=object)
    for i, cell in enumerate(value):
        arr[i] = cell
    return arr


@dataclass
class Cells:
    """A coerced array argument: values, where it is blank, and any per-cell errors."""

    values: np.ndarray  # float64 for numbers (NaN where not valid), object for labels
    blank: np.ndarray  # bool
    errors: np.ndarray | None  # object array of KpiError/None, or None when there are none

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def valid(self) -> np.ndarray:
        ok = ~self.blank
        if self.errors is not None:
            ok &= self.errors == None  # noqa: E711 (elementwise)
        return ok

    def first_error(self) -> KpiError | None:
        if self.errors is None:
            return None
        for e in self.errors.flat:
            if e is not None:
                return e
        return None


_CONVERT = {"number": to_number, "label": to_label, "bool": to_bool, "date": to_date}


def coerce_cells(grid: np.ndarray, kind: str, arg: str) -> Cells:
    """Coerce every cell of a 2-D array; fast path for numeric numpy input."""
    if kind == "number" and grid.dtype.kind in "fiu":
        values = grid.astype(float)
        blank = np.isnan(values)
        errors = None
        bad = np.isinf(values)
        if bad.any():
            errors = np.full(values.shape, None, dtype=object)
            errors[bad] = KpiError(NUM, _("{arg}: infinite value is not a number", arg=arg))
            values = np.where(bad, np.nan, values)
        return Cells(values, blank, errors)
    convert = _CONVERT[kind]
    flat = grid.ravel()
    n = flat.size
    out = np.empty(n, dtype=float if kind == "number" else object)
    blank = np.zeros(n, dtype=bool)
    errors = None
    for i, cell in enumerate(flat):
        v = convert(cell, arg)
        if v is None:
            blank[i] = True
            v = np.nan if kind == "number" else None
        elif isinstance(v, KpiError):
            if errors is None:
                errors = np.full(n, None, dtype=object)
            errors[i] = v
            v = np.nan if kind == "number" else None
        out[i] = v
    shape = grid.shape
    return Cells(
        out.reshape(shape),
        blank.reshape(shape),
        None if errors is None else errors.reshape(shape),
    )
