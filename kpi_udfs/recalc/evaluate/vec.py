"""Cell values of a whole block of rows at once, and Excel's conversions between them.

A :class:`Vec` holds one value per cell of a 3-D shape ``(rows, height, width)``: ``rows``
is the block of formula rows being computed together (1 for a constant or an absolute
reference, which broadcasts; 1 too when a single cell is computed), ``height × width``
the range or array each row sees (1×1 for a single value). Three parallel arrays say
what each cell is: ``kind`` (empty, number, text, boolean, error), ``num`` (the number,
booleans as 0/1) and ``obj`` (the text or the :class:`~kpi_udfs.errors.KpiError`, only
when some cell needs it).

The conversions are Excel's (en-US): text used as a number is read as VALUE reads it
("1,200", "50%", "$3", dates and times), a number used as text is written with 15
significant digits, text used as a condition is TRUE/FALSE in any case. A value that
cannot be converted is the error Excel gives (#VALUE!), per cell.
"""

from __future__ import annotations

import numpy as np

from ...errors import NA, NUM, VALUE, KpiError

EMPTY, NUMBER, TEXT, BOOL, ERROR = 0, 1, 2, 3, 4
#: A formula cell not computed yet (never seen by a function: the evaluator computes
#: it first, or reports a circular reference).
PENDING = 5


class Unsupported(Exception):
    """The vectorised form cannot take this block as a whole: compute it row by row."""


def native_error(code: str) -> KpiError:
    """An error produced by an Excel operator or function (no reason text)."""
    e = _NATIVE.get(code)
    if e is None:
        e = _NATIVE[code] = KpiError(code, "")
    return e


_NATIVE: dict[str, KpiError] = {}
ERR_NA = native_error(NA)
ERR_NUM = native_error(NUM)
ERR_VALUE = native_error(VALUE)


class Vec:
    """Values of a block: ``kind``/``num``/``obj`` arrays of one 3-D shape."""

    __slots__ = ("kind", "num", "obj")

    def __init__(self, kind: np.ndarray, num: np.ndarray, obj: np.ndarray | None = None):
        self.kind = kind
        self.num = num
        self.obj = obj

    # -- construction --------------------------------------------------------------
    @classmethod
    def numbers(cls, num) -> Vec:
        num = np.asarray(num, dtype=float)
        return cls(np.full(num.shape, NUMBER, dtype=np.int8), num)

    @classmethod
    def const(cls, value) -> Vec:
        """One value (a number, text, bool, KpiError or None for empty) as a 1×1×1 Vec."""
        k, x = classify(value)
        kind = np.full((1, 1, 1), k, dtype=np.int8)
        if k in (NUMBER, BOOL):
            return cls(kind, np.full((1, 1, 1), x))
        num = np.full((1, 1, 1), np.nan)
        if k in (TEXT, ERROR):
            obj = np.empty((1, 1, 1), dtype=object)
            obj[0, 0, 0] = x
            return cls(kind, num, obj)
        return cls(kind, num)

    @classmethod
    def empty(cls, shape: tuple[int, ...]) -> Vec:
        return cls(np.zeros(shape, dtype=np.int8), np.full(shape, np.nan))

    @classmethod
    def from_values(cls, values) -> Vec:
        """Python values (float/int, str, bool, KpiError or None) in a 3-D object array."""
        values = np.asarray(values, dtype=object)
        flat = values.reshape(-1)
        kinds = [_KINDS.get(type(v), -1) for v in flat]
        if -1 in kinds:  # numpy scalars, NaN, infinity: the careful way
            return cls._from_values_slowly(values)
        kind = np.array(kinds, dtype=np.int8).reshape(values.shape)
        num = np.array([v if type(v) in _NUMERIC else np.nan for v in flat], dtype=float).reshape(values.shape)
        numbers = kind == NUMBER
        if numbers.any() and not np.isfinite(num[numbers]).all():
            return cls._from_values_slowly(values)
        obj = None
        if ((kind == TEXT) | (kind == ERROR)).any():
            obj = np.array(values, dtype=object)
        return cls(kind, num, obj)

    @classmethod
    def _from_values_slowly(cls, values: np.ndarray) -> Vec:
        kind = np.zeros(values.shape, dtype=np.int8)
        num = np.full(values.shape, np.nan)
        obj = None
        for idx, v in np.ndenumerate(values):
            k, x = classify(v)
            kind[idx] = k
            if k in (NUMBER, BOOL):
                num[idx] = x
            elif k in (TEXT, ERROR):
                if obj is None:
                    obj = np.full(values.shape, None, dtype=object)
                obj[idx] = x
        return cls(kind, num, obj)

    @classmethod
    def with_errors(cls, num: np.ndarray, errors: np.ndarray | None) -> Vec:
        """Numbers, with a KpiError (or None) per cell overriding them; a number that is
        not finite is #NUM!."""
        num = np.asarray(num, dtype=float)
        kind = np.full(num.shape, NUMBER, dtype=np.int8)
        bad_num = ~np.isfinite(num)
        if errors is None and not bad_num.any():
            return cls(kind, num + 0.0)
        obj = np.full(num.shape, None, dtype=object)
        if errors is not None:
            obj[...] = np.broadcast_to(errors, num.shape)
        obj[bad_num & (obj == None)] = ERR_NUM  # noqa: E711
        bad = obj != None  # noqa: E711
        if not bad.any():
            return cls(kind, num + 0.0)
        kind[bad] = ERROR
        return cls(kind, np.where(bad, np.nan, num) + 0.0, obj)

    @classmethod
    def booleans(cls, b: np.ndarray, errors: np.ndarray | None = None) -> Vec:
        v = cls.with_errors(np.asarray(b, dtype=float), errors)
        v.kind[v.kind == NUMBER] = BOOL
        return v

    @classmethod
    def texts(cls, texts: np.ndarray, errors: np.ndarray | None = None) -> Vec:
        """Text per cell (a str each), with errors (or None) overriding them."""
        texts = np.asarray(texts, dtype=object)
        kind = np.full(texts.shape, TEXT, dtype=np.int8)
        obj = np.array(texts, dtype=object)
        if errors is not None:
            errors = np.broadcast_to(errors, texts.shape)
            bad = errors != None  # noqa: E711
            kind[bad] = ERROR
            obj[bad] = errors[bad]
        return cls(kind, np.full(texts.shape, np.nan), obj)

    # -- inspection ----------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.kind.shape

    @property
    def size(self) -> int:
        return self.kind.size

    def all_numbers(self) -> bool:
        return bool((self.kind == NUMBER).all())

    def any_kind(self, kind: int) -> bool:
        return bool((self.kind == kind).any())

    def broadcast(self, shape: tuple[int, ...]) -> Vec:
        if self.shape == shape:
            return self
        obj = None if self.obj is None else np.broadcast_to(self.obj, shape)
        return Vec(np.broadcast_to(self.kind, shape), np.broadcast_to(self.num, shape), obj)

    def objects(self) -> np.ndarray:
        """The obj array, made if there is none (all None)."""
        return self.obj if self.obj is not None else np.full(self.shape, None, dtype=object)

    def errors(self) -> np.ndarray | None:
        """Object array holding each cell's KpiError (None elsewhere), or None if none."""
        if self.obj is None:
            return None
        bad = self.kind == ERROR
        if not bad.any():
            return None
        return np.where(bad, self.obj, None)

    def value(self, idx) -> object:
        """One cell as a Python value (None for empty)."""
        k = self.kind[idx]
        if k == NUMBER:
            return float(self.num[idx]) + 0.0
        if k == BOOL:
            return bool(self.num[idx])
        if k in (TEXT, ERROR):
            return self.obj[idx]
        return None

    def values(self) -> np.ndarray:
        """Every cell as a Python value, in an object array of the same shape."""
        out = np.empty(self.shape, dtype=object)
        k = self.kind
        nums = k == NUMBER
        if nums.any():
            out[nums] = (self.num[nums] + 0.0).tolist()
        bools = k == BOOL
        if bools.any():
            out[bools] = (self.num[bools] != 0).tolist()
        objs = (k == TEXT) | (k == ERROR)
        if objs.any():
            out[objs] = self.obj[objs]
        return out

    def row(self, i: int) -> Vec:
        """Row ``i`` of the block (shape (1, h, w)); a Vec of one row is shared by all."""
        if self.shape[0] == 1:
            return self
        obj = None if self.obj is None else self.obj[i : i + 1]
        return Vec(self.kind[i : i + 1], self.num[i : i + 1], obj)

    def row_slice(self, start: int, stop: int) -> Vec:
        if self.shape[0] == 1:
            return self
        obj = None if self.obj is None else self.obj[start:stop]
        return Vec(self.kind[start:stop], self.num[start:stop], obj)

    def cells(self, rows: np.ndarray, cols: np.ndarray) -> Vec:
        """Per row ``r`` of the block, the cell at (rows[r], cols[r]) of its area: (m, 1, 1)."""
        m = rows.shape[0]
        take = np.arange(m) if self.shape[0] > 1 else np.zeros(m, dtype=int)
        kind = self.kind[take, rows, cols].reshape(m, 1, 1)
        num = self.num[take, rows, cols].reshape(m, 1, 1)
        obj = None if self.obj is None else self.obj[take, rows, cols].reshape(m, 1, 1)
        return Vec(kind, num, obj)


_KINDS = {float: NUMBER, int: NUMBER, str: TEXT, bool: BOOL, type(None): EMPTY, KpiError: ERROR}
_NUMERIC = (float, int, bool)


def classify(v) -> tuple[int, object]:
    """(kind, payload) of one Python value; anything unknown is #VALUE!."""
    if v is None:
        return EMPTY, None
    if isinstance(v, (bool, np.bool_)):
        return BOOL, float(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        try:
            x = float(v)
        except OverflowError:
            return ERROR, ERR_NUM
        if x != x or x in (np.inf, -np.inf):
            return ERROR, ERR_NUM
        return NUMBER, x
    if isinstance(v, KpiError):
        return ERROR, v
    if isinstance(v, (str, np.str_)):
        return TEXT, str(v)
    return ERROR, ERR_VALUE


def common_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape element-wise operations give: per axis the largest size (Excel pads a
    smaller array with #N/A, see :func:`pad`), a size of 1 repeating."""
    return tuple(max(s[i] for s in shapes) for i in range(len(shapes[0])))


def pad(v: Vec, shape: tuple[int, ...]) -> Vec:
    """``v`` over ``shape`` as Excel lines arrays up: an axis of size 1 repeats, cells
    beyond a longer axis are #N/A."""
    if v.shape == shape:
        return v
    if all(a in (1, b) for a, b in zip(v.shape, shape, strict=True)):
        return v.broadcast(shape)
    idx = []
    outside = np.zeros(shape, dtype=bool)
    for axis, (a, b) in enumerate(zip(v.shape, shape, strict=True)):
        if a == 1:
            idx.append(np.zeros(b, dtype=int))
            continue
        i = np.arange(b)
        over = i >= a
        sl = [None] * len(shape)
        sl[axis] = slice(None)
        outside = outside | over[tuple(sl)]
        idx.append(np.minimum(i, a - 1))
    grid = np.ix_(*idx)
    kind = np.array(v.kind[grid], dtype=np.int8)
    num = np.array(v.num[grid], dtype=float)
    obj = np.array(v.objects()[grid], dtype=object)
    kind[outside] = ERROR
    num[outside] = np.nan
    obj[outside] = ERR_NA
    return Vec(kind, num, obj)


def broadcast_shape(*vecs: Vec) -> tuple[int, ...]:
    return common_shape(*(v.shape for v in vecs))


def first_error(*vecs: Vec, shape: tuple[int, ...] | None = None) -> np.ndarray | None:
    """Per cell, the error of the first operand holding one (None elsewhere)."""
    out = None
    for v in vecs:
        e = v.errors()
        if e is None:
            continue
        if shape is None:
            shape = broadcast_shape(*vecs)
        e = np.broadcast_to(e, shape) if e.shape == shape or all(a in (1, b) for a, b in zip(e.shape, shape, strict=True)) else pad(v, shape).errors()
        if out is None:
            out = np.array(e, dtype=object)
        else:
            take = (out == None) & (e != None)  # noqa: E711
            out[take] = e[take]
    return out


def with_error_cells(v: Vec, errors: np.ndarray | None) -> Vec:
    """``v`` with the given errors (None where none) put over its cells."""
    if errors is None:
        return v
    bad = errors != None  # noqa: E711
    if not bad.any():
        return v
    shape = common_shape(v.shape, errors.shape)
    v = v.broadcast(shape)
    bad = np.broadcast_to(bad, shape)
    kind = np.where(bad, ERROR, v.kind).astype(np.int8)
    obj = np.array(v.objects(), dtype=object)
    obj[bad] = np.broadcast_to(errors, shape)[bad]
    return Vec(kind, np.where(bad, np.nan, v.num), obj)


def _fits(small: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    return all(a in (1, b) for a, b in zip(small, shape, strict=True))


def select(cond: np.ndarray, a: Vec, b: Vec) -> Vec:
    """Per cell, ``a`` where ``cond`` else ``b``; arrays of other sizes lined up as Excel
    does (:func:`pad`: #N/A beyond the smaller one)."""
    shape = common_shape(cond.shape, a.shape, b.shape)
    if not (_fits(a.shape, shape) and _fits(b.shape, shape) and _fits(cond.shape, shape)):
        a, b = pad(a, shape), pad(b, shape)
        if not _fits(cond.shape, shape):
            c = pad(Vec.booleans(np.asarray(cond, dtype=bool)), shape)
            outside = c.kind == ERROR
            return with_error_cells(select(np.where(outside, False, c.num != 0), a, b), np.where(outside, ERR_NA, None))
    kind = np.where(cond, a.kind, b.kind).astype(np.int8)
    num = np.where(cond, a.num, b.num)
    obj = None
    if a.obj is not None or b.obj is not None:
        obj = np.where(cond, a.objects(), b.objects())
    vec = Vec(kind, num, obj)
    return vec.broadcast(shape) if vec.shape != shape else vec


def empty_as_zero(v: Vec) -> Vec:
    """An empty cell as the 0 Excel's functions give for it (IF, IFERROR branches)."""
    if not v.any_kind(EMPTY):
        return v
    empty = v.kind == EMPTY
    return Vec(np.where(empty, NUMBER, v.kind).astype(np.int8), np.where(empty, 0.0, v.num), v.obj)


# ---------------------------------------------------------------------------
# Conversions


def text_to_number(s: str) -> float | None:
    """Text used as a number, as Excel (en-US) reads it: "12", " 1,200 ", "50%", "$3.5",
    "(12)", "1e3", dates ("2024-01-05", "5 Jan 2024") and times ("9:30 PM"); None if
    it is no number."""
    from ..excel.conversions import date_time_text, text_number, time_text

    x = text_number(s)
    if x is None:
        x = time_text(s)
    if x is None:
        x = date_time_text(s)
    return x


def as_numbers(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """(numbers, errors) of an operand of arithmetic: empty is 0, TRUE 1, numeric text
    its number, other text #VALUE!."""
    k = v.kind
    if (k == NUMBER).all():
        return v.num, None
    num = np.where(k == EMPTY, 0.0, v.num)
    errors = v.errors()
    texts = np.flatnonzero(k.ravel() == TEXT)
    if texts.size:
        num = np.array(num, dtype=float)
        flat_num = num.reshape(-1)
        flat_obj = np.broadcast_to(v.obj, k.shape).reshape(-1)
        errors = np.full(k.shape, None, dtype=object) if errors is None else np.array(errors)
        flat_err = errors.reshape(-1)
        for i in texts:
            x = text_to_number(flat_obj[i])
            if x is None:
                flat_err[i] = ERR_VALUE
                flat_num[i] = np.nan
            else:
                flat_num[i] = x
    return num, errors


def number_to_text(x: float) -> str:
    """A number as Excel writes it in text (``&``, functions taking text): 15
    significant digits, scientific notation from 1E+15 up and for very small numbers."""
    if x == 0:
        return "0"
    s = f"{x:.15g}"
    if "e" not in s:
        return s
    mant, _, exp = s.partition("e")
    e = int(exp)
    if -10 < e < 0:  # Excel keeps decimals down to 1E-10 when they fit 15 digits
        digits = mant.replace("-", "").replace(".", "")
        text = "0." + "0" * (-e - 1) + digits.rstrip("0")
        if len(text) <= 17:
            return ("-" if x < 0 else "") + text
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{'-' if e < 0 else '+'}{abs(e):02d}"


def as_text(v: Vec) -> np.ndarray:
    """Each cell as text (errors must be handled before): "" for empty, TRUE/FALSE."""
    out = np.empty(v.shape, dtype=object)
    k = v.kind
    if (k == TEXT).all():
        return np.array(v.obj, dtype=object)
    for idx in np.ndindex(v.shape):
        kk = k[idx]
        if kk == TEXT:
            out[idx] = v.obj[idx]
        elif kk == NUMBER:
            out[idx] = number_to_text(float(v.num[idx]))
        elif kk == BOOL:
            out[idx] = "TRUE" if v.num[idx] else "FALSE"
        else:
            out[idx] = ""
    return out


def as_text_safe(v: Vec) -> np.ndarray:
    """Text of each cell; error cells become "" (their error is carried separately)."""
    if v.any_kind(ERROR):
        v = Vec(np.where(v.kind == ERROR, EMPTY, v.kind).astype(np.int8), v.num, v.obj)
    return as_text(v)


def truth(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """(booleans, errors) of a condition: numbers ≠ 0, TRUE, "TRUE"/"false" in any case;
    empty is FALSE; other text #VALUE!."""
    k = v.kind
    b = np.where((k == NUMBER) | (k == BOOL), v.num != 0, False)
    errors = v.errors()
    if (k == TEXT).any():
        b = np.array(b)
        errors = np.full(k.shape, None, dtype=object) if errors is None else np.array(errors)
        for idx in zip(*np.nonzero(k == TEXT), strict=True):
            word = v.obj[idx].strip().upper()
            if word == "TRUE":
                b[idx] = True
            elif word == "FALSE":
                b[idx] = False
            else:
                errors[idx] = ERR_VALUE
    return b, errors


def round15(x: np.ndarray) -> np.ndarray:
    """Numbers rounded to the 15 significant digits Excel keeps (for comparisons)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        mag = np.floor(np.log10(np.abs(np.where(x == 0, 1.0, x))))
        scale = np.power(10.0, 14 - mag)
        r = np.where(np.isfinite(scale) & (scale < 1e300), np.round(x * scale) / scale, x)
    return np.where((x == 0) | ~np.isfinite(r), x, r)
