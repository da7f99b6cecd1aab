"""Reading a function's compiled arguments for a whole block: per-row values, the
numbers an aggregate takes, constant tables.

The functions of this package get the evaluation context and their arguments as
compiled nodes (evaluated only when needed, so IF computes the branch it takes); these
helpers turn arguments into the arrays a function computes with.
"""

from __future__ import annotations

import numpy as np

from ..evaluate.vec import (
    BOOL,
    ERR_NUM,
    ERR_VALUE,
    ERROR,
    NUMBER,
    TEXT,
    Unsupported,
    Vec,
    round15,
    text_to_number,
    with_error_cells,
)


def ev(ctx, node) -> Vec:
    return node.ev(ctx)

def arg_count(name: str, args, low: int, high: int) -> None:
    if not low <= len(args) <= high:
        raise Unsupported(f"{name} with {len(args)} arguments")

def constant(v: Vec, what: str) -> Vec:
    if v.shape[0] != 1:
        raise Unsupported(f"{what} that changes from row to row")
    return v

def per_row(v: Vec, what: str) -> Vec:
    if v.shape[1:] != (1, 1):
        raise Unsupported(f"{what} given a range")
    return v

def rows_of(*vecs: Vec) -> int:
    return max(v.shape[0] for v in vecs)

def flat_rows(v: Vec, m: int) -> Vec:
    """(m, h*w) view of each row's cells in reading order (row by row)."""
    k = v.kind.reshape(v.shape[0], -1)
    n = v.num.reshape(v.shape[0], -1)
    o = None if v.obj is None else v.obj.reshape(v.shape[0], -1)
    if v.shape[0] != m:
        k, n = np.broadcast_to(k, (m, k.shape[1])), np.broadcast_to(n, (m, n.shape[1]))
        o = None if o is None else np.broadcast_to(o, (m, o.shape[1]))
    return Vec(k, n, o)

def row_first_error(kind: np.ndarray, obj: np.ndarray | None) -> np.ndarray | None:
    """Per row of a 2-D (m, n) grid, the first error in reading order (or None)."""
    bad = kind == ERROR
    if not bad.any():
        return None
    first = np.argmax(bad, axis=1)
    has = bad.any(axis=1)
    out = np.full(kind.shape[0], None, dtype=object)
    rows = np.flatnonzero(has)
    out[rows] = obj[rows, first[rows]]
    return out

def as_column(values: np.ndarray) -> np.ndarray:
    return values.reshape(-1, 1, 1)

def number_column(values: np.ndarray, errors: np.ndarray | None) -> Vec:
    r = values.reshape(-1, 1, 1) + 0.0
    e = None if errors is None else errors.reshape(-1, 1, 1)
    out = Vec.with_errors(r, e)
    bad = (out.kind == NUMBER) & ~np.isfinite(out.num)
    if bad.any():
        e = np.full(out.shape, None, dtype=object) if e is None else np.array(e)
        e[bad] = ERR_NUM
        out = Vec.with_errors(r, e)
    return out


def flat_cells(vecs: list[Vec], m: int) -> Vec:
    """All arguments' cells per row, side by side: a Vec of shape (m, n)."""
    flat = [flat_rows(v, m) for v in vecs]
    kind = np.concatenate([f.kind for f in flat], axis=1)
    num = np.concatenate([f.num for f in flat], axis=1)
    obj = None
    if any(f.obj is not None for f in flat):
        obj = np.concatenate([f.obj if f.obj is not None else np.full(f.kind.shape, None, dtype=object) for f in flat], axis=1)
    return Vec(kind, num, obj)


def aggregate_numbers(ctx, args) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    """(rows, numbers, which cells count, first error per row) of SUM and its kin.

    Excel's rule: in a reference or an array only numbers count (text, TRUE/FALSE and
    empty cells are skipped); a value given directly is converted (``SUM("3", TRUE)``
    is 4; text that is no number is #VALUE!). An error anywhere is the result."""
    vecs = [None if a.is_missing else a.ev(ctx) for a in args]
    m = max((v.shape[0] for v in vecs if v is not None), default=1)
    nums, keeps, kinds, objs = [], [], [], []
    for node, v in zip(args, vecs, strict=True):
        if v is None:
            continue
        f = flat_rows(v, m)
        k = f.kind
        if node.is_ref or v.shape[1:] != (1, 1):
            keep = k == NUMBER
            num = np.where(keep, f.num, 0.0)
            kinds.append(k)
            objs.append(f.obj)
        else:
            num = np.where((k == NUMBER) | (k == BOOL), f.num, 0.0)
            keep = (k == NUMBER) | (k == BOOL)
            err_kind = k.copy()
            obj = None if f.obj is None else np.array(f.obj)
            for r in np.flatnonzero(k[:, 0] == TEXT):
                x = text_to_number(f.obj[r, 0])
                if x is None:
                    err_kind[r, 0] = ERROR
                    obj[r, 0] = ERR_VALUE
                else:
                    num = np.array(num)
                    num[r, 0] = x
                    keep = np.array(keep)
                    keep[r, 0] = True
            kinds.append(err_kind)
            objs.append(obj)
        nums.append(num)
        keeps.append(keep)
    if not nums:
        return m, np.zeros((m, 0)), np.zeros((m, 0), dtype=bool), None
    kind = np.concatenate(kinds, axis=1)
    obj = None
    if any(o is not None for o in objs):
        obj = np.concatenate([o if o is not None else np.full(k.shape, None, dtype=object) for o, k in zip(objs, kinds, strict=True)], axis=1)
    return m, np.concatenate(nums, axis=1), np.concatenate(keeps, axis=1), row_first_error(kind, obj)


def with_row_errors(v: Vec, pos_ok: np.ndarray, missing, errors: np.ndarray | None, m: int) -> Vec:
    """Rows not found get ``missing``; rows whose lookup value is an error get it."""
    e = np.full(m, None, dtype=object)
    if not isinstance(missing, np.ndarray):
        e[~pos_ok] = missing
    else:
        e[~pos_ok] = missing[~pos_ok]
    if errors is not None:
        has = errors != None  # noqa: E711
        e[has] = errors[has]
    return with_error_cells(v.broadcast((m, 1, 1)) if v.shape[0] != m else v, e.reshape(-1, 1, 1))


def check_not_near(sorted_keys: np.ndarray, x: np.ndarray) -> None:
    """A value equal to a key only to 15 significant digits: leave it to the row form."""
    if sorted_keys.size == 0 or x.size == 0:
        return
    i = np.searchsorted(sorted_keys, x)
    for j in (i - 1, i):
        ok = (j >= 0) & (j < sorted_keys.size)
        k = sorted_keys[np.clip(j, 0, sorted_keys.size - 1)]
        near = ok & (k != x) & (round15(k) == round15(x))
        if near.any():
            raise Unsupported("a value equal to a key only to 15 digits")


def has_wildcard(s: str) -> bool:
    return any(ch in s for ch in "*?~")
