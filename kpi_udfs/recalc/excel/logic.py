"""Excel's logical functions: IF, IFERROR, IFNA, AND, OR, NOT, TRUE, FALSE, SWITCH.

A condition is a number (≠ 0), a boolean, or text reading TRUE or FALSE in any case;
other text is #VALUE!, an empty cell FALSE. IF computes only the branch it takes when it
decides for the whole block at once; an omitted branch is 0 (``IF(A1,,1)``), a missing
third argument FALSE. AND and OR skip text (other than TRUE/FALSE given directly) and
empty cells and give #VALUE! when no logical value is left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, get_error, replace_empty, wrap_func, wrap_ufunc
from formulas.tokens.operand import Error, XlError

from ...errors import NA
from ..evaluate.vec import (
    BOOL,
    EMPTY,
    ERR_VALUE,
    ERROR,
    NUMBER,
    TEXT,
    Vec,
    common_shape,
    empty_as_zero,
    native_error,
    select,
    truth,
    with_error_cells,
)
from .arguments import arg_count, as_column, flat_rows, row_first_error, rows_of

_NA = Error.errors["#N/A"]
_VALUE = Error.errors["#VALUE!"]


def f_if(ctx, args) -> Vec:
    arg_count("IF", args, 1, 3)
    if len(args) < 2:
        return Vec.const(ERR_VALUE)
    b, errors = truth(args[0].ev(ctx))
    if b.size == 1 and errors is None:  # one decision for every row: compute that branch only
        if b.reshape(-1)[0]:
            return empty_as_zero(args[1].ev(ctx))
        return Vec.const(False) if len(args) < 3 else empty_as_zero(args[2].ev(ctx))
    yes = empty_as_zero(args[1].ev(ctx))
    no = Vec.const(False) if len(args) < 3 else empty_as_zero(args[2].ev(ctx))
    return with_error_cells(select(b, yes, no), errors)


def _if_error(ctx, args, only_na: bool) -> Vec:
    arg_count("IFNA" if only_na else "IFERROR", args, 2, 2)
    v = empty_as_zero(args[0].ev(ctx))
    bad = v.kind == ERROR
    if only_na and bad.any():
        codes = np.where(bad, v.objects(), None)
        bad = bad & np.vectorize(lambda e: e is not None and e.code == NA, otypes=[bool])(codes)
    if not bad.any():
        return v
    alt = empty_as_zero(args[1].ev(ctx))
    return select(bad, alt, v)


def f_iferror(ctx, args) -> Vec:
    return _if_error(ctx, args, only_na=False)


def f_ifna(ctx, args) -> Vec:
    return _if_error(ctx, args, only_na=True)


def _and_or(ctx, args, name: str) -> Vec:
    """AND and OR as Excel reads their arguments: numbers and booleans count; text given
    directly counts when it reads TRUE or FALSE and is skipped otherwise, text and empty
    cells inside references and arrays are skipped; an omitted argument (``AND(TRUE,)``)
    is FALSE; the first error wins; nothing left to count is #VALUE!."""
    if not args:
        return Vec.const(ERR_VALUE)
    vecs = [Vec.const(False) if a.is_missing else a.ev(ctx) for a in args]
    m = rows_of(*vecs)
    kinds, nums, objs = [], [], []
    for node, v in zip(args, vecs, strict=True):
        f = flat_rows(v, m)
        k, n = f.kind, f.num
        if not node.is_ref and v.shape[1:] == (1, 1) and (k == TEXT).any():
            b, errors = truth(v)  # text given directly: TRUE/FALSE, other text skipped
            b = np.broadcast_to(np.asarray(b).reshape(-1, 1), k.shape)
            text = k == TEXT
            k = np.where(text, BOOL, k).astype(np.int8)
            n = np.where(text, b.astype(float), n)
            if errors is not None:
                bad = np.broadcast_to(np.asarray(errors).reshape(-1, 1), k.shape) != None  # noqa: E711
                k = np.where(bad & text, EMPTY, k).astype(np.int8)
        kinds.append(k)
        nums.append(n)
        objs.append(f.obj)
    kind = np.concatenate(kinds, axis=1)
    num = np.concatenate(nums, axis=1)
    obj = None
    if any(o is not None for o in objs):
        obj = np.concatenate([o if o is not None else np.full(k.shape, None, dtype=object) for o, k in zip(objs, kinds, strict=True)], axis=1)
    present = (kind == NUMBER) | (kind == BOOL)
    true = present & (num != 0)
    r = ~(present & ~true).any(axis=1) if name == "AND" else true.any(axis=1)
    errors = row_first_error(kind, obj)
    fail = ~present.any(axis=1)
    if fail.any():
        errors = np.full(m, None, dtype=object) if errors is None else errors
        errors[fail & (errors == None)] = ERR_VALUE  # noqa: E711
    return Vec.booleans(as_column(r), None if errors is None else as_column(errors))


def f_and(ctx, args) -> Vec:
    return _and_or(ctx, args, "AND")


def f_or(ctx, args) -> Vec:
    return _and_or(ctx, args, "OR")


def f_not(ctx, args) -> Vec:
    arg_count("NOT", args, 1, 1)
    b, errors = truth(args[0].ev(ctx))
    return Vec.booleans(~b, errors)


def f_ifs(ctx, args) -> Vec:
    """IFS(condition1, value1, …): the value of the first TRUE condition, #N/A if none;
    one row at a time it computes only what it needs, as Excel does."""
    if len(args) < 2 or len(args) % 2:
        return Vec.const(ERR_VALUE)
    if ctx.m == 1:
        for cond, value in zip(args[::2], args[1::2], strict=True):
            c = cond.ev(ctx)
            if c.size == 1:
                b, errors = truth(c)
                if errors is not None and errors.reshape(-1)[0] is not None:
                    return Vec.const(errors.reshape(-1)[0])
                if b.reshape(-1)[0]:
                    return empty_as_zero(value.ev(ctx))
                continue
            return _ifs_arrays(ctx, args)
        return Vec.const(native_error(NA))
    return _ifs_arrays(ctx, args)


def _ifs_arrays(ctx, args) -> Vec:
    out = Vec.const(native_error(NA))
    decided = None
    for cond, value in zip(args[::2], args[1::2], strict=True):
        b, errors = truth(cond.ev(ctx))
        v = empty_as_zero(value.ev(ctx))
        if errors is not None:  # a condition that is an error gives its error
            v = with_error_cells(v.broadcast(common_shape(v.shape, b.shape)), errors)
            b = b | (errors != None)  # noqa: E711
        take = b if decided is None else (b & ~decided)
        out = select(take, v, out)
        decided = b if decided is None else (decided | b)
    return out


def f_true(ctx, args) -> Vec:
    return Vec.const(True)


def f_false(ctx, args) -> Vec:
    return Vec.const(False)


def _switch_equal(a: Any, b: Any) -> bool:
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)) and bool(a) == bool(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, str) or isinstance(b, str) or a is sh.EMPTY or b is sh.EMPTY:
        return False
    return a == b

def xswitch(val: Any, *args: Any) -> Any:
    for k, v in zip(args[::2], args[1::2], strict=False):
        if isinstance(k, XlError):
            return k
        if _switch_equal(val, k):
            return v
    return args[-1] if len(args) % 2 else _NA


FUNCTIONS = {
    "IF": f_if,
    "IFERROR": f_iferror,
    "IFNA": f_ifna,
    "IFS": f_ifs,
    "AND": f_and,
    "OR": f_or,
    "NOT": f_not,
    "TRUE": f_true,
    "FALSE": f_false,
}

# -- LAMBDA helpers: SCAN, REDUCE, MAP ----------------------------------------------------
# `formulas` builds their results with numpy's default dtype, which turns an error into
# the text "#DIV/0!"; and its REDUCE takes one element of an array start value at a time.


def _first(value: Any) -> Any:
    return value.ravel()[0] if isinstance(value, np.ndarray) else value


def _cells(value: Any) -> np.ndarray:
    return np.atleast_2d(np.asarray(value, dtype=object))


def _start(initial: Any) -> Any:
    """A start value: one cell as its value (blank 0), several cells as the array."""
    if isinstance(initial, np.ndarray) and initial.size != 1:
        return initial
    return replace_empty(_first(initial))


def _grid(values: list, shape: tuple[int, ...]) -> Array:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out.reshape(shape).view(Array)


def xscan(initial: Any, array: Any, func: Any) -> Any:
    """SCAN: each element combined with what the elements before it gave, row by row (a
    start value of several cells is passed whole to the first call)."""
    cells = _cells(array)
    acc = _start(initial)
    out = []
    for x in cells.ravel():
        acc = _first(func(acc, x))
        out.append(acc)
    return _grid(out, cells.shape)


def xreduce(initial: Any, array: Any, func: Any) -> Any:
    """REDUCE: the elements combined in turn with an accumulator, which may be an array
    (``REDUCE(C1:E1, {1,2,3}, LAMBDA(a,b,a+b^2))`` adds 14 to each of C1:E1)."""
    acc = _start(initial)
    for x in _cells(array).ravel():
        acc = func(acc, x)
    return _cells(acc).view(Array)


def xmap(array: Any, *rest: Any) -> Any:
    """MAP: the LAMBDA (the last argument) applied to the elements of one or more arrays of
    one shape (#VALUE! when the shapes differ)."""
    func, arrays = rest[-1], [_cells(array)] + [_cells(a) for a in rest[:-1]]
    if not callable(func) or any(a.shape != arrays[0].shape for a in arrays):
        return _grid([_VALUE], (1, 1))
    return _grid([_first(func(*xs)) for xs in zip(*(a.ravel() for a in arrays), strict=True)], arrays[0].shape)


#: SWITCH compares text case-insensitively (`formulas` does not).
CORRECTIONS = {
    "SWITCH": {"function": wrap_ufunc(xswitch, input_parser=lambda *a: a, check_error=lambda first, *a: get_error(first))},
    "SCAN": wrap_func(xscan),
    "REDUCE": wrap_func(xreduce),
    "MAP": wrap_func(xmap),
}
