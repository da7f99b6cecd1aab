"""Cell values of a whole block of rows at once, with Excel's element-wise rules.

A :class:`Vec` holds one value per cell of a 3-D shape ``(rows, height, width)``: ``rows``
is the block of formula rows being computed together (1 for a constant or an absolute
reference, which broadcasts), ``height × width`` the range each row sees (1×1 for a
single value). Three parallel arrays say what each cell is: ``kind`` (empty, number,
text, boolean, error), ``num`` (the number, booleans as 0/1) and ``obj`` (the text or the
:class:`~kpi_udfs.errors.KpiError`, only when some cell needs it).

The fast path must give exactly what the cell-by-cell path (`formulas`) gives. Where
Excel and `formulas` could disagree, or where a rule is not modelled here (text that
might be a date, text ordering, numbers within rounding noise of each other…), the
operation raises :class:`Unsupported` and the whole block is computed cell by cell.
"""

from __future__ import annotations

import re

import numpy as np

from ...errors import DIV0, NUM, VALUE, KpiError

EMPTY, NUMBER, TEXT, BOOL, ERROR = 0, 1, 2, 3, 4
#: A formula cell not computed (yet) by the fast path; reading it means "fall back".
PENDING = 5

#: Two numbers closer than this (relative) but not equal may compare differently in
#: Excel (15 significant digits) and in Python: such comparisons fall back.
NEAR = 1e-13


class Unsupported(Exception):
    """This block cannot be computed exactly by the fast path; it falls back."""


def native_error(code: str) -> KpiError:
    """An error produced by an Excel operator or function (no reason text)."""
    return KpiError(code, "")


_DIV0 = native_error(DIV0)
_NUM = native_error(NUM)
_VALUE = native_error(VALUE)


class Vec:
    """Values of a block: ``kind``/``num``/``obj`` arrays of one 3-D shape."""

    __slots__ = ("kind", "num", "obj")

    def __init__(self, kind: np.ndarray, num: np.ndarray, obj: np.ndarray | None = None):
        self.kind = kind
        self.num = num
        self.obj = obj

    # -- construction --------------------------------------------------------------
    @classmethod
    def numbers(cls, num: np.ndarray) -> Vec:
        num = np.asarray(num, dtype=float)
        return cls(np.full(num.shape, NUMBER, dtype=np.int8), num)

    @classmethod
    def const(cls, value) -> Vec:
        """One value (a number, text, bool, KpiError or None for empty) as a 1×1×1 Vec."""
        return cls.from_values(np.array([[[value]]], dtype=object) if not isinstance(value, np.ndarray) else value)

    @classmethod
    def from_values(cls, values: np.ndarray) -> Vec:
        """Python values (float/int, str, bool, KpiError, None) in a 3-D object array."""
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
        """Numbers, with a KpiError (or None) per cell overriding them."""
        kind = np.full(num.shape, NUMBER, dtype=np.int8)
        if errors is None:
            return cls(kind, num)
        bad = errors != None  # noqa: E711
        if not bad.any():
            return cls(kind, num)
        kind[bad] = ERROR
        return cls(kind, np.where(bad, np.nan, num), errors)

    @classmethod
    def booleans(cls, b: np.ndarray, errors: np.ndarray | None = None) -> Vec:
        v = cls.with_errors(b.astype(float), errors)
        v.kind[v.kind == NUMBER] = BOOL
        return v

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
        common_shape(self.shape, shape)
        obj = None if self.obj is None else np.broadcast_to(self.obj, shape)
        return Vec(np.broadcast_to(self.kind, shape), np.broadcast_to(self.num, shape), obj)

    def errors(self) -> np.ndarray | None:
        """Object array holding each cell's KpiError (None elsewhere), or None if none."""
        if self.obj is None or not (self.kind == ERROR).any():
            return None
        return np.where(self.kind == ERROR, self.obj, None)

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

    def row_slice(self, start: int, stop: int) -> Vec:
        if self.shape[0] == 1:
            return self
        obj = None if self.obj is None else self.obj[start:stop]
        return Vec(self.kind[start:stop], self.num[start:stop], obj)


_KINDS = {float: NUMBER, int: NUMBER, str: TEXT, bool: BOOL, type(None): EMPTY, KpiError: ERROR}
_NUMERIC = (float, int, bool)


def classify(v) -> tuple[int, object]:
    """(kind, payload) of one Python value."""
    if v is None:
        return EMPTY, None
    if isinstance(v, (bool, np.bool_)):
        return BOOL, float(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
        if x != x or x in (np.inf, -np.inf):
            return ERROR, _NUM
        return NUMBER, x
    if isinstance(v, KpiError):
        return ERROR, v
    if isinstance(v, (str, np.str_)):
        return TEXT, str(v)
    raise Unsupported(f"value of type {type(v).__name__}")


def common_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape; arrays of different sizes are left to the other path (Excel
    pads them with #N/A)."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise Unsupported("arrays of different sizes") from None


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
        e = np.broadcast_to(e, shape)
        if out is None:
            out = np.array(e, dtype=object)
        else:
            take = (out == None) & (e != None)  # noqa: E711
            out[take] = e[take]
    return out


# ---------------------------------------------------------------------------
# Coercions

_PLAIN_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def text_to_number(s: str) -> float:
    """Text used as a number: a plain decimal number, else unsupported (dates, "1,200",
    "50%" and currency are read differently by Excel and `formulas`)."""
    if _PLAIN_NUMBER.match(s):
        x = float(s)
        if np.isfinite(x):
            return x
    raise Unsupported(f"text {s!r} used as a number")


def as_numbers(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """(numbers, errors) for arithmetic: empty is 0, TRUE 1, numeric text its number."""
    k = v.kind
    if (k == NUMBER).all():
        return v.num, None
    num = np.where(k == EMPTY, 0.0, v.num)
    texts = np.flatnonzero(k.ravel() == TEXT)
    if texts.size:
        num = np.array(num, dtype=float)
        flat_num, flat_obj = num.reshape(-1), np.broadcast_to(v.obj, k.shape).reshape(-1)
        for i in texts:
            flat_num[i] = text_to_number(flat_obj[i])
    return num, v.errors()


def number_text(x: float) -> str:
    """A number as Excel's text conversion writes it (General format), where that is
    sure to agree with `formulas`; otherwise unsupported."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))  # `formulas` writes "%d" % x
    s = repr(float(x))
    digits = s.lstrip("-").replace(".", "").lstrip("0")
    if "e" in s or "E" in s or len(digits) > 15:
        raise Unsupported(f"number {s} as text")
    return s


def as_text(v: Vec) -> np.ndarray:
    """Each cell as text (errors must be handled before): "" for empty, TRUE/FALSE."""
    out = np.empty(v.shape, dtype=object)
    k = v.kind
    for idx in np.ndindex(v.shape):
        kk = k[idx]
        if kk == TEXT:
            out[idx] = v.obj[idx]
        elif kk == NUMBER:
            out[idx] = number_text(v.num[idx])
        elif kk == BOOL:
            out[idx] = "TRUE" if v.num[idx] else "FALSE"
        else:
            out[idx] = ""
    return out


def truth(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """(booleans, errors) of a condition: numbers ≠ 0, TRUE; empty is FALSE; text falls back."""
    if v.any_kind(TEXT):
        raise Unsupported("text used as a condition")
    b = np.where(v.kind == EMPTY, False, v.num != 0)
    b = np.where(v.kind == ERROR, False, b)
    return b, v.errors()


# ---------------------------------------------------------------------------
# Operators


def _finish_number(r: np.ndarray, errors: np.ndarray | None) -> Vec:
    bad = ~np.isfinite(r)
    if bad.any():
        if errors is None:
            errors = np.full(r.shape, None, dtype=object)
        else:
            errors = np.array(errors, dtype=object)
        errors[bad & (errors == None)] = _NUM  # noqa: E711
    return Vec.with_errors(r + 0.0, errors)


def arithmetic(op: str, a: Vec, b: Vec) -> Vec:
    """``+ - * / ^`` element-wise, errors of the left operand first."""
    shape = broadcast_shape(a, b)
    x, ex = as_numbers(a)
    y, ey = as_numbers(b)
    errors = None
    if ex is not None or ey is not None:
        errors = first_error(a, b, shape=shape)
    with np.errstate(all="ignore"):
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif op == "/":
            zero = np.broadcast_to(y == 0, shape)
            r = np.broadcast_to(x / np.where(y == 0, 1.0, y), shape)
            if zero.any():
                errors = np.full(shape, None, dtype=object) if errors is None else errors
                errors[zero & (errors == None)] = _DIV0  # noqa: E711
                r = np.where(zero, 0.0, r)
        elif op == "^":
            xb, yb = np.broadcast_arrays(x, y)
            ok = np.ones(shape, dtype=bool) if errors is None else errors == None  # noqa: E711
            if ((xb == 0) & (yb <= 0) & ok).any():
                raise Unsupported("0 raised to a power ≤ 0")
            if ((xb < 0) & (yb != np.floor(yb)) & ok).any():
                raise Unsupported("negative number raised to a fractional power")
            r = np.power(xb, yb)
        else:  # pragma: no cover
            raise ValueError(op)
    r = np.broadcast_to(r, shape)
    return _finish_number(np.array(r, dtype=float), errors)


def negate(a: Vec) -> Vec:
    x, e = as_numbers(a)
    return _finish_number(-x, e)


def percent(a: Vec) -> Vec:
    x, e = as_numbers(a)
    with np.errstate(all="ignore"):
        return _finish_number(x / 100.0, e)


def unary_plus(a: Vec) -> Vec:
    return a


_TYPE_RANK = {NUMBER: 0, TEXT: 1, BOOL: 2}


def compare(op: str, a: Vec, b: Vec) -> Vec:
    """``= <> < > <= >=``: numbers < text < booleans; text case-insensitive; empty is 0
    (or "" against text)."""
    shape = broadcast_shape(a, b)
    ka, kb = np.broadcast_to(a.kind, shape), np.broadcast_to(b.kind, shape)
    errors = first_error(a, b, shape=shape)
    # an empty cell takes the type of the other side (0 or ""); empty vs boolean differs
    if ((ka == EMPTY) & (kb == BOOL)).any() or ((kb == EMPTY) & (ka == BOOL)).any():
        raise Unsupported("empty cell compared with a boolean")
    ta = np.where(ka == EMPTY, np.where(kb == TEXT, TEXT, NUMBER), ka)
    tb = np.where(kb == EMPTY, np.where(ka == TEXT, TEXT, NUMBER), kb)
    xa = np.where(ka == EMPTY, 0.0, np.broadcast_to(a.num, shape))
    xb = np.where(kb == EMPTY, 0.0, np.broadcast_to(b.num, shape))
    rank_a = np.select([ta == NUMBER, ta == TEXT, ta == BOOL], [0, 1, 2], 3)
    rank_b = np.select([tb == NUMBER, tb == TEXT, tb == BOOL], [0, 1, 2], 3)
    # -1 / 0 / +1 ordering of a against b
    order = np.sign(rank_a - rank_b).astype(float)
    same_num = (rank_a == rank_b) & ((ta == NUMBER) | (ta == BOOL))
    if same_num.any():
        with np.errstate(invalid="ignore"):
            diff = np.sign(xa - xb)
            near = same_num & (xa != xb) & (np.abs(xa - xb) <= NEAR * np.maximum(np.abs(xa), np.abs(xb)))
        if near.any():
            raise Unsupported("numbers equal to 15 digits but not exactly")
        order = np.where(same_num, diff, order)
    same_text = (rank_a == rank_b) & (ta == TEXT)
    if same_text.any():
        oa = None if a.obj is None else np.broadcast_to(a.obj, shape)
        ob = None if b.obj is None else np.broadcast_to(b.obj, shape)
        order = np.array(order)
        for idx in zip(*np.nonzero(same_text), strict=False):
            sa = oa[idx] if ka[idx] == TEXT else ""
            sb = ob[idx] if kb[idx] == TEXT else ""
            order[idx] = _text_order(sa, sb, op)
    if op == "=":
        r = order == 0
    elif op == "<>":
        r = order != 0
    elif op == "<":
        r = order < 0
    elif op == ">":
        r = order > 0
    elif op == "<=":
        r = order <= 0
    elif op == ">=":
        r = order >= 0
    else:  # pragma: no cover
        raise ValueError(op)
    return Vec.booleans(r, errors)


def _text_order(sa: str, sb: str, op: str) -> int:
    ua, ub = sa.upper(), sb.upper()
    if ua == ub:
        if sa != sb and not (sa.isascii() and sb.isascii()):
            raise Unsupported("non-ASCII text equal only after case folding")
        return 0
    if op not in ("=", "<>"):
        raise Unsupported("text ordered by a comparison")
    return 1


#: The most characters an Excel cell holds; a longer text is #VALUE!.
MAX_TEXT = 32767


def concat(a: Vec, b: Vec) -> Vec:
    """``&``: text of both sides (empty is "", numbers as Excel writes them)."""
    shape = broadcast_shape(a, b)
    errors = first_error(a, b, shape=shape)
    ta, tb = as_text_safe(a), as_text_safe(b)
    ta, tb = np.broadcast_to(ta, shape), np.broadcast_to(tb, shape)
    out = np.empty(shape, dtype=object)
    longest = 0
    for idx in np.ndindex(shape):
        out[idx] = text = ta[idx] + tb[idx]
        longest = max(longest, len(text))
    if longest > MAX_TEXT:
        raise Unsupported("text longer than a cell holds (#VALUE! in Excel)")
    return text_vec(out, errors)


def as_text_safe(v: Vec) -> np.ndarray:
    """Text of each cell; error cells become "" (their error is carried separately)."""
    if v.any_kind(ERROR):
        v = Vec(np.where(v.kind == ERROR, EMPTY, v.kind).astype(np.int8), v.num, v.obj)
    return as_text(v)


def text_vec(texts: np.ndarray, errors: np.ndarray | None = None) -> Vec:
    kind = np.full(texts.shape, TEXT, dtype=np.int8)
    obj = np.array(texts, dtype=object)
    if errors is not None:
        bad = errors != None  # noqa: E711
        kind[bad] = ERROR
        obj[bad] = errors[bad]
    return Vec(kind, np.full(texts.shape, np.nan), obj)


def select(cond: np.ndarray, a: Vec, b: Vec) -> Vec:
    """Per cell, ``a`` where ``cond`` else ``b``."""
    shape = common_shape(cond.shape, a.shape, b.shape)
    kind = np.where(cond, a.kind, b.kind).astype(np.int8)
    num = np.where(cond, a.num, b.num)
    obj = None
    if a.obj is not None or b.obj is not None:
        oa = a.obj if a.obj is not None else np.full(a.shape, None, dtype=object)
        ob = b.obj if b.obj is not None else np.full(b.shape, None, dtype=object)
        obj = np.where(cond, oa, ob)
    vec = Vec(kind, num, obj)
    return vec.broadcast(shape) if vec.shape != shape else vec


def empty_as_zero(v: Vec) -> Vec:
    """An empty cell as the 0 Excel's functions read (IF, IFERROR branches)."""
    if not v.any_kind(EMPTY):
        return v
    empty = v.kind == EMPTY
    return Vec(np.where(empty, NUMBER, v.kind).astype(np.int8), np.where(empty, 0.0, v.num), v.obj)


def with_error_cells(v: Vec, errors: np.ndarray | None) -> Vec:
    """``v`` with the given errors (None where none) put over its cells."""
    if errors is None:
        return v
    bad = errors != None  # noqa: E711
    if not bad.any():
        return v
    shape = common_shape(v.shape, errors.shape)
    v = v.broadcast(shape)
    kind = np.where(bad, ERROR, v.kind).astype(np.int8)
    obj = np.full(shape, None, dtype=object) if v.obj is None else np.array(v.obj, dtype=object)
    obj[bad] = np.broadcast_to(errors, shape)[bad]
    return Vec(kind, np.where(bad, np.nan, v.num), obj)
