"""Excel's operators, element-wise over whole blocks: ``+ - * / ^``, negation, ``%``,
comparisons and ``&``.

Errors travel from the left operand first. Arithmetic reads text as VALUE does and
gives #VALUE! for text that is no number, #DIV/0! for a division by zero, #NUM! for a
result that is not a finite number; ``0^0`` is #NUM!, ``0^-1`` #DIV/0!. Comparisons order
numbers < text < booleans, compare numbers on the 15 significant digits Excel keeps
(``0.1+0.2=0.3`` is TRUE) and text without regard to case; an empty cell is 0, "" or
FALSE, whatever it is compared with. ``&`` writes numbers with 15 significant digits and
gives #VALUE! past the 32,767 characters a cell holds.
"""

from __future__ import annotations

import numpy as np

from ...errors import DIV0
from .vec import (
    BOOL,
    EMPTY,
    ERR_NUM,
    ERR_VALUE,
    ERROR,
    NUMBER,
    TEXT,
    Vec,
    as_numbers,
    as_text_safe,
    broadcast_shape,
    first_error,
    native_error,
    pad,
    round15,
)

_DIV0 = native_error(DIV0)
#: The most characters an Excel cell holds; a longer text is #VALUE!.
MAX_TEXT = 32767


def _lined_up(a: Vec, b: Vec) -> tuple[Vec, Vec, tuple[int, ...]]:
    shape = broadcast_shape(a, b)
    return pad(a, shape), pad(b, shape), shape


def arithmetic(op: str, a: Vec, b: Vec) -> Vec:
    """``+ - * / ^`` element-wise."""
    a, b, shape = _lined_up(a, b)
    x, ex = as_numbers(a)
    y, ey = as_numbers(b)
    errors = None
    if ex is not None or ey is not None:
        errors = np.full(shape, None, dtype=object)
        if ey is not None:
            errors[...] = np.broadcast_to(ey, shape)
        if ex is not None:
            has = np.broadcast_to(ex, shape) != None  # noqa: E711
            errors[has] = np.broadcast_to(ex, shape)[has]
    x = np.broadcast_to(x, shape)
    y = np.broadcast_to(y, shape)
    with np.errstate(all="ignore"):
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif op == "/":
            zero = y == 0
            r = x / np.where(zero, 1.0, y)
            if zero.any():
                errors = np.full(shape, None, dtype=object) if errors is None else errors
                errors[zero & (errors == None)] = _DIV0  # noqa: E711
        elif op == "^":
            r = np.power(x, y)
            zero_base = x == 0
            if zero_base.any():
                errors = np.full(shape, None, dtype=object) if errors is None else errors
                free = errors == None  # noqa: E711
                errors[zero_base & (y == 0) & free] = ERR_NUM
                errors[zero_base & (y < 0) & free] = _DIV0
            frac = (x < 0) & (y != np.floor(y))
            if frac.any():  # Excel allows odd roots of negative numbers: (-8)^(1/3) = -2
                r = np.array(r)
                for idx in zip(*np.nonzero(frac), strict=True):
                    r[idx] = _negative_root(x[idx], y[idx])
        else:  # pragma: no cover
            raise ValueError(op)
    return Vec.with_errors(np.array(r, dtype=float), errors)


def _negative_root(x: float, y: float) -> float:
    """(-x)^(1/n) for odd n as Excel gives it; NaN (#NUM!) for any other fraction."""
    inv = 1.0 / y
    n = round(inv)
    if abs(inv - n) < 1e-9 and n % 2 == 1:
        return -((-x) ** y)
    return float("nan")


def negate(a: Vec) -> Vec:
    x, e = as_numbers(a)
    return Vec.with_errors(-x, e)


def percent(a: Vec) -> Vec:
    x, e = as_numbers(a)
    with np.errstate(all="ignore"):
        return Vec.with_errors(x / 100.0, e)


def unary_plus(a: Vec) -> Vec:
    return a


def compare(op: str, a: Vec, b: Vec) -> Vec:
    """``= <> < > <= >=`` element-wise (see the module doc)."""
    a, b, shape = _lined_up(a, b)
    ka, kb = np.broadcast_to(a.kind, shape), np.broadcast_to(b.kind, shape)
    errors = first_error(a, b, shape=shape)
    # an empty cell takes the type of the other side: 0, "" or FALSE
    ta = np.where(ka == EMPTY, np.where(kb == EMPTY, NUMBER, kb), ka)
    tb = np.where(kb == EMPTY, np.where(ka == EMPTY, NUMBER, ka), kb)
    xa = np.where(ka == EMPTY, 0.0, np.broadcast_to(a.num, shape))
    xb = np.where(kb == EMPTY, 0.0, np.broadcast_to(b.num, shape))
    rank_a = np.select([ta == NUMBER, ta == TEXT, ta == BOOL], [0, 1, 2], 3)
    rank_b = np.select([tb == NUMBER, tb == TEXT, tb == BOOL], [0, 1, 2], 3)
    order = np.sign(rank_a - rank_b).astype(float)
    same_num = (rank_a == rank_b) & ((ta == NUMBER) | (ta == BOOL))
    if same_num.any():
        with np.errstate(invalid="ignore"):
            diff = np.sign(round15(xa) - round15(xb))
        order = np.where(same_num, diff, order)
    same_text = (rank_a == rank_b) & (ta == TEXT)
    if same_text.any():
        oa = None if a.obj is None else np.broadcast_to(a.obj, shape)
        ob = None if b.obj is None else np.broadcast_to(b.obj, shape)
        order = np.array(order)
        for idx in zip(*np.nonzero(same_text), strict=True):
            sa = oa[idx].upper() if ka[idx] == TEXT else ""
            sb = ob[idx].upper() if kb[idx] == TEXT else ""
            order[idx] = (sa > sb) - (sa < sb)
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


def concat(a: Vec, b: Vec) -> Vec:
    """``&``: text of both sides (empty is "", numbers as Excel writes them)."""
    a, b, shape = _lined_up(a, b)
    errors = first_error(a, b, shape=shape)
    ta = np.broadcast_to(as_text_safe(a), shape)
    tb = np.broadcast_to(as_text_safe(b), shape)
    out = np.empty(shape, dtype=object)
    long = None
    for idx in np.ndindex(shape):
        out[idx] = text = ta[idx] + tb[idx]
        if len(text) > MAX_TEXT:
            long = np.zeros(shape, dtype=bool) if long is None else long
            long[idx] = True
            out[idx] = ""
    if long is not None:
        errors = np.full(shape, None, dtype=object) if errors is None else errors
        errors[long & (errors == None)] = ERR_VALUE  # noqa: E711
    return Vec.texts(out, errors)


BINARY = {
    "+": lambda a, b: arithmetic("+", a, b),
    "-": lambda a, b: arithmetic("-", a, b),
    "*": lambda a, b: arithmetic("*", a, b),
    "/": lambda a, b: arithmetic("/", a, b),
    "^": lambda a, b: arithmetic("^", a, b),
    "&": concat,
}
for _op in ("=", "<>", "<", ">", "<=", ">="):
    BINARY[_op] = (lambda op: lambda a, b: compare(op, a, b))(_op)

UNARY = {"-": negate, "+": unary_plus, "%": percent}

__all__ = ["BINARY", "UNARY", "ERROR", "MAX_TEXT"]
