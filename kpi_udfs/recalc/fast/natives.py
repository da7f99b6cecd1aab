"""Excel's own functions over whole blocks of rows, as `formulas` computes them.

Each function gets the evaluation context and its compiled arguments and returns a
:class:`~.vector.Vec` for every row of the block. Lookups and counts over a constant
column are vectorised (sort once, then ``searchsorted`` for every row), so a column in
which each row scans the whole column (RANK.EQ, COUNTIF) costs O(n log n), not O(n²).

Only the cases where Excel and `formulas` give the same result are handled; the rest
(text that may be a date, wildcards, criteria with operators, rounding noise between
numbers, an empty lookup result…) raises :class:`~.vector.Unsupported`, so the block is
computed cell by cell instead.
"""

from __future__ import annotations

import numpy as np

from ...errors import NA, REF, VALUE
from ...numeric import excel_round
from .vector import (
    BOOL,
    EMPTY,
    ERROR,
    NEAR,
    NUMBER,
    TEXT,
    Unsupported,
    Vec,
    as_numbers,
    as_text_safe,
    common_shape,
    empty_as_zero,
    first_error,
    native_error,
    select,
    truth,
    with_error_cells,
)

_NA = native_error(NA)
_REF = native_error(REF)
_VALUE = native_error(VALUE)


def _ev(ctx, node) -> Vec:
    return node.ev(ctx)


def _arg_count(name: str, args, low: int, high: int) -> None:
    if not low <= len(args) <= high:
        raise Unsupported(f"{name} with {len(args)} arguments")


def _constant(v: Vec, what: str) -> Vec:
    if v.shape[0] != 1:
        raise Unsupported(f"{what} that changes from row to row")
    return v


def _per_row(v: Vec, what: str) -> Vec:
    if v.shape[1:] != (1, 1):
        raise Unsupported(f"{what} given a range")
    return v


def _rows(*vecs: Vec) -> int:
    return max(v.shape[0] for v in vecs)


def _flat_rows(v: Vec, m: int) -> Vec:
    """(m, h*w) view of each row's cells in reading order (row by row)."""
    k = v.kind.reshape(v.shape[0], -1)
    n = v.num.reshape(v.shape[0], -1)
    o = None if v.obj is None else v.obj.reshape(v.shape[0], -1)
    if v.shape[0] != m:
        k, n = np.broadcast_to(k, (m, k.shape[1])), np.broadcast_to(n, (m, n.shape[1]))
        o = None if o is None else np.broadcast_to(o, (m, o.shape[1]))
    return Vec(k, n, o)


def _row_first_error(kind: np.ndarray, obj: np.ndarray | None) -> np.ndarray | None:
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


def _as_column(values: np.ndarray) -> np.ndarray:
    return values.reshape(-1, 1, 1)


# ---------------------------------------------------------------------------
# Logic


def f_if(ctx, args) -> Vec:
    _arg_count("IF", args, 2, 3)
    if any(a.is_missing for a in args):
        raise Unsupported("IF with an omitted argument")
    cond = _ev(ctx, args[0])
    b, errors = truth(cond)
    yes = empty_as_zero(_ev(ctx, args[1]))
    no = Vec.const(False) if len(args) < 3 else empty_as_zero(_ev(ctx, args[2]))
    return with_error_cells(select(b, yes, no), errors)


def _if_error(ctx, args, only_na: bool) -> Vec:
    _arg_count("IFERROR", args, 2, 2)
    if any(a.is_missing for a in args):
        raise Unsupported("IFERROR with an omitted argument")
    v = empty_as_zero(_ev(ctx, args[0]))
    alt = empty_as_zero(_ev(ctx, args[1]))
    bad = v.kind == ERROR
    if only_na and bad.any():
        codes = np.where(bad, v.obj if v.obj is not None else None, None)
        bad = bad & np.vectorize(lambda e: e is not None and e.code == NA, otypes=[bool])(codes)
    if not bad.any():
        return v
    return select(bad, alt, v)


def f_iferror(ctx, args) -> Vec:
    return _if_error(ctx, args, only_na=False)


def f_ifna(ctx, args) -> Vec:
    return _if_error(ctx, args, only_na=True)


def _and_or(ctx, args, name: str) -> Vec:
    if not args or any(a.is_missing for a in args):
        raise Unsupported(f"{name} with omitted arguments")
    vecs = [_ev(ctx, a) for a in args]
    m = _rows(*vecs)
    flat = [_flat_rows(v, m) for v in vecs]
    kind = np.concatenate([f.kind for f in flat], axis=1)
    if (kind == TEXT).any():
        raise Unsupported(f"{name} over text")
    num = np.concatenate([f.num for f in flat], axis=1)
    obj = None
    if any(f.obj is not None for f in flat):
        obj = np.concatenate(
            [f.obj if f.obj is not None else np.full(f.kind.shape, None, dtype=object) for f in flat], axis=1
        )
    present = (kind == NUMBER) | (kind == BOOL)
    true = present & (num != 0)
    if name == "AND":
        r = ~(present & ~true).any(axis=1)
    else:
        r = true.any(axis=1)
    errors = _row_first_error(kind, obj)
    none = ~present.any(axis=1)
    if none.any():
        errors = np.full(m, None, dtype=object) if errors is None else errors
        errors[none & (errors == None)] = _VALUE  # noqa: E711
    return Vec.booleans(_as_column(r), None if errors is None else _as_column(errors))


def f_and(ctx, args) -> Vec:
    return _and_or(ctx, args, "AND")


def f_or(ctx, args) -> Vec:
    return _and_or(ctx, args, "OR")


def f_not(ctx, args) -> Vec:
    _arg_count("NOT", args, 1, 1)
    b, errors = truth(_ev(ctx, args[0]))
    return Vec.booleans(~b, errors)


def f_true(ctx, args) -> Vec:
    _arg_count("TRUE", args, 0, 0)
    return Vec.const(True)


def f_false(ctx, args) -> Vec:
    _arg_count("FALSE", args, 0, 0)
    return Vec.const(False)


# ---------------------------------------------------------------------------
# Maths


def _numeric_args(ctx, args, name: str) -> tuple[int, Vec]:
    """All arguments' cells per row, as `formulas` lists them for SUM/MIN/MAX.

    Cells of references count when they hold numbers (empty cells and booleans are
    skipped; text falls back); a value computed in the formula must be a number.
    Returns (rows, flat Vec of shape (m, n)) with skipped cells marked EMPTY.
    """
    if not args or any(a.is_missing for a in args):
        raise Unsupported(f"{name} with omitted arguments")
    vecs = [_ev(ctx, a) for a in args]
    m = _rows(*vecs)
    parts = []
    for node, v in zip(args, vecs, strict=True):
        f = _flat_rows(v, m)
        if (f.kind == TEXT).any():
            raise Unsupported(f"{name} over text")
        if not node.is_ref and ((f.kind == BOOL) | (f.kind == EMPTY)).any():
            raise Unsupported(f"{name} of a computed boolean or empty value")
        parts.append(f)
    kind = np.concatenate([p.kind for p in parts], axis=1)
    num = np.concatenate([p.num for p in parts], axis=1)
    obj = None
    if any(p.obj is not None for p in parts):
        obj = np.concatenate(
            [p.obj if p.obj is not None else np.full(p.kind.shape, None, dtype=object) for p in parts], axis=1
        )
    return m, Vec(kind, num, obj)


def _sum_rows(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Each row's sum of its kept cells, exactly as `formulas` sums the list of them
    (``np.sum``: pairwise summation along the row). A dropped cell changes how the pairs
    group, so a row with dropped cells (and 8 or more of them in all) is summed apart."""
    values = np.ascontiguousarray(np.where(keep, values, 0.0))
    out = np.add.reduce(values, axis=1)
    if values.shape[1] >= 8:  # below 8 numpy adds left to right: a 0 changes nothing
        for i in np.flatnonzero(~keep.all(axis=1)):
            out[i] = np.sum(values[i][keep[i]])
    return out


def f_sum(ctx, args) -> Vec:
    m, v = _numeric_args(ctx, args, "SUM")
    keep = v.kind == NUMBER
    # `formulas` adds FALSE from a reference as 0 and skips TRUE: the same total
    total = _sum_rows(np.where(keep, v.num, 0.0), keep | ((v.kind == BOOL) & (v.num == 0)))
    errors = _row_first_error(v.kind, v.obj)
    return _number_column(total, errors)


def _min_max(ctx, args, name: str) -> Vec:
    m, v = _numeric_args(ctx, args, name)
    keep = v.kind == NUMBER
    fill = np.inf if name == "MIN" else -np.inf
    vals = np.where(keep, v.num, fill)
    r = vals.min(axis=1) if name == "MIN" else vals.max(axis=1)
    r = np.where(keep.any(axis=1), r, 0.0)
    return _number_column(r, _row_first_error(v.kind, v.obj))


def f_min(ctx, args) -> Vec:
    return _min_max(ctx, args, "MIN")


def f_max(ctx, args) -> Vec:
    return _min_max(ctx, args, "MAX")


def _number_column(values: np.ndarray, errors: np.ndarray | None) -> Vec:
    r = values.reshape(-1, 1, 1) + 0.0
    e = None if errors is None else errors.reshape(-1, 1, 1)
    out = Vec.with_errors(r, e)
    bad = (out.kind == NUMBER) & ~np.isfinite(out.num)
    if bad.any():
        from .vector import _NUM

        e = np.full(out.shape, None, dtype=object) if e is None else np.array(e)
        e[bad] = _NUM
        out = Vec.with_errors(r, e)
    return out


def _round(ctx, args, mode: str) -> Vec:
    _arg_count("ROUND", args, 2, 2)
    a, b = _ev(ctx, args[0]), _ev(ctx, args[1])
    x, _ = as_numbers(a)
    d, _ = as_numbers(b)
    shape = common_shape(a.shape, b.shape)
    errors = first_error(a, b, shape=shape)
    with np.errstate(all="ignore"):
        r = excel_round(np.where(np.isfinite(x), x, 0.0), np.where(np.isfinite(d), d, 0.0), mode)
    return Vec.with_errors(np.broadcast_to(r, shape) + 0.0, errors)


def f_round(ctx, args) -> Vec:
    return _round(ctx, args, "HALF_UP")


def f_roundup(ctx, args) -> Vec:
    return _round(ctx, args, "UP")


def f_rounddown(ctx, args) -> Vec:
    return _round(ctx, args, "DOWN")


def f_abs(ctx, args) -> Vec:
    _arg_count("ABS", args, 1, 1)
    a = _ev(ctx, args[0])
    x, errors = as_numbers(a)
    return Vec.with_errors(np.abs(x) + 0.0, errors)


def f_len(ctx, args) -> Vec:
    _arg_count("LEN", args, 1, 1)
    a = _ev(ctx, args[0])
    texts = as_text_safe(a)
    lengths = np.vectorize(len, otypes=[float])(texts) if texts.size else np.zeros(texts.shape)
    return Vec.with_errors(lengths, a.errors())


def f_sumproduct(ctx, args) -> Vec:
    if not args or any(a.is_missing for a in args):
        raise Unsupported("SUMPRODUCT with omitted arguments")
    vecs = [_ev(ctx, a) for a in args]
    m = _rows(*vecs)
    shapes = {v.shape[1:] for v in vecs}
    flat = [_flat_rows(v, m) for v in vecs]
    kind = np.stack([f.kind for f in flat])  # (k, m, n) if shapes agree
    if len(shapes) != 1:
        errs = _row_first_error(
            np.concatenate([f.kind for f in flat], axis=1),
            _concat_obj(flat),
        )
        errs = np.where(errs == None, _VALUE, errs) if errs is not None else np.full(m, _VALUE, dtype=object)  # noqa: E711
        return _number_column(np.zeros(m), errs)
    if (kind == TEXT).any():
        raise Unsupported("SUMPRODUCT over text")
    num = np.stack([f.num for f in flat])
    errors = _row_first_error(np.concatenate([f.kind for f in flat], axis=1), _concat_obj(flat))
    keep = ~(kind == EMPTY).any(axis=0)  # (m, n): positions where no array is empty
    vals = np.where(kind == NUMBER, num, 0.0)  # booleans count 0, as in `formulas`
    prod = vals[0].copy()
    for a in vals[1:]:
        prod = prod * a
    total = _sum_rows(np.where(keep, prod, 0.0), keep)
    return _number_column(total, errors)


def _concat_obj(flat: list[Vec]) -> np.ndarray | None:
    if all(f.obj is None for f in flat):
        return None
    return np.concatenate(
        [f.obj if f.obj is not None else np.full(f.kind.shape, None, dtype=object) for f in flat], axis=1
    )


# ---------------------------------------------------------------------------
# Lookups over a constant table


def _lookup_keys(v: Vec):
    """A 1-D constant lookup vector (kind, num, obj) of a (1, h, w) Vec with h or w = 1."""
    if v.shape[1] != 1 and v.shape[2] != 1:
        raise Unsupported("lookup over a 2-D range")
    kind = v.kind.reshape(-1)
    num = v.num.reshape(-1)
    obj = None if v.obj is None else v.obj.reshape(-1)
    return kind, num, obj


def _check_not_near(sorted_keys: np.ndarray, x: np.ndarray) -> None:
    """Fall back when a number is within rounding noise of a key but not equal to it."""
    if sorted_keys.size == 0 or x.size == 0:
        return
    i = np.searchsorted(sorted_keys, x)
    for j in (i - 1, i):
        ok = (j >= 0) & (j < sorted_keys.size)
        k = sorted_keys[np.clip(j, 0, sorted_keys.size - 1)]
        near = ok & (k != x) & (np.abs(k - x) <= NEAR * np.maximum(np.abs(k), np.abs(x)))
        if near.any():
            raise Unsupported("lookup value equal to a key only to 15 digits")


def _has_wildcard(s: str) -> bool:
    return any(ch in s for ch in "*?~")


def _match_positions(x: Vec, kind, num, obj, exact: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """0-based position in the keys for each row's lookup value (-1: not found), and errors."""
    if x.shape[1:] != (1, 1):
        raise Unsupported("lookup of a range")
    xk = x.kind.reshape(-1)
    xn = x.num.reshape(-1)
    xo = None if x.obj is None else x.obj.reshape(-1)
    if ((xk == EMPTY) | (xk == BOOL)).any():
        raise Unsupported("lookup of an empty cell or a boolean")
    pos = np.full(xk.size, -1)
    is_num = xk == NUMBER
    if exact:
        nums = np.flatnonzero(kind == NUMBER)
        if is_num.any() and nums.size:
            keys = num[nums]
            order = np.argsort(keys, kind="stable")
            sk = keys[order]
            _check_not_near(sk, xn[is_num])
            i = np.searchsorted(sk, xn[is_num], side="left")
            i_c = np.clip(i, 0, sk.size - 1)
            found = (i < sk.size) & (sk[i_c] == xn[is_num])
            pos[is_num] = np.where(found, nums[order[i_c]], -1)
        texts = np.flatnonzero(xk == TEXT)
        if texts.size:
            table: dict[str, int] = {}
            for j in np.flatnonzero(kind == TEXT)[::-1]:
                table[obj[j].lower()] = j
            raw: dict[str, str] = {obj[j].lower(): obj[j] for j in np.flatnonzero(kind == TEXT)}
            for r in texts:
                s = xo[r]
                if _has_wildcard(s):
                    raise Unsupported("wildcard lookup")
                j = table.get(s.lower(), -1)
                if j >= 0 and obj[j] != s and not (s.isascii() and obj[j].isascii()):
                    raise Unsupported("non-ASCII text equal only after case folding")
                if j < 0 and not s.isascii() and any(k.casefold() == s.casefold() for k in raw):
                    raise Unsupported("non-ASCII text equal only after case folding")
                pos[r] = j
    else:
        if not (kind == NUMBER).all():
            raise Unsupported("approximate lookup over keys that are not all numbers")
        if num.size > 1 and not (np.diff(num) > 0).all():
            raise Unsupported("approximate lookup over keys not strictly ascending")
        if is_num.any():
            _check_not_near(num, xn[is_num])
            pos[is_num] = np.searchsorted(num, xn[is_num], side="right") - 1
    errors = None
    if (xk == ERROR).any():
        errors = np.where(xk == ERROR, xo, None)
    return pos, errors


def _range_lookup(ctx, args, i: int) -> bool:
    """Whether the optional match argument asks for an approximate match."""
    if len(args) <= i:
        return True
    if args[i].is_missing:
        return False
    v = _constant(_ev(ctx, args[i]), "match type")
    if v.size != 1 or v.kind.reshape(-1)[0] not in (NUMBER, BOOL):
        raise Unsupported("match type that is not a number")
    return bool(v.num.reshape(-1)[0] != 0)


def _index_numbers(v: Vec, what: str, errors_ok: bool = False) -> np.ndarray:
    v = _per_row(v, what)
    k = v.kind.reshape(-1)
    if ((k != NUMBER) & ~((k == ERROR) & errors_ok)).any():
        raise Unsupported(f"{what} that is not a number")
    return np.trunc(np.where(k == NUMBER, v.num.reshape(-1), 1.0))


def _pick(table: Vec, rows: np.ndarray, cols: np.ndarray, pos_ok: np.ndarray, empty_zero: bool = False) -> Vec:
    """Cells table[0, rows, cols] for each row of the block (where pos_ok)."""
    r = np.where(pos_ok, rows, 0).astype(int)
    c = np.where(pos_ok, cols, 0).astype(int)
    kind = table.kind[0, r, c]
    num = table.num[0, r, c]
    if (pos_ok & (kind == EMPTY)).any():
        if not empty_zero:
            raise Unsupported("lookup result is an empty cell")
        empty = kind == EMPTY
        kind, num = np.where(empty, NUMBER, kind), np.where(empty, 0.0, num)
    obj = None if table.obj is None else table.obj[0, r, c]
    return Vec(kind.reshape(-1, 1, 1).astype(np.int8), num.reshape(-1, 1, 1), None if obj is None else obj.reshape(-1, 1, 1))


def _with_row_errors(v: Vec, pos_ok: np.ndarray, missing, errors: np.ndarray | None, m: int) -> Vec:
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


def f_vlookup(ctx, args) -> Vec:
    _arg_count("VLOOKUP", args, 3, 4)
    x = _per_row(_ev(ctx, args[0]), "VLOOKUP value")
    table = _constant(_ev(ctx, args[1]), "VLOOKUP table")
    col = _index_numbers(_ev(ctx, args[2]), "VLOOKUP column")
    approx = _range_lookup(ctx, args, 3)
    if table.obj is not None and (table.kind[0, :, 0] == ERROR).any():
        raise Unsupported("VLOOKUP keys with errors")
    if (col < 1).any():
        raise Unsupported("VLOOKUP column below 1")
    kind, num, obj = table.kind[0, :, 0], table.num[0, :, 0], None if table.obj is None else table.obj[0, :, 0]
    pos, errors = _match_positions(x, kind, num, obj, exact=not approx)
    m = max(pos.size, col.size)
    pos = np.broadcast_to(pos, (m,))
    col = np.broadcast_to(col, (m,))
    width = table.shape[2]
    ref_bad = col > width
    ok = (pos >= 0) & ~ref_bad
    out = _pick(table, pos, col - 1, ok)
    missing = np.where(ref_bad, _REF, _NA)
    return _with_row_errors(out, ok, missing, None if errors is None else np.broadcast_to(errors, (m,)), m)


def f_match(ctx, args) -> Vec:
    _arg_count("MATCH", args, 2, 3)
    x = _per_row(_ev(ctx, args[0]), "MATCH value")
    arr = _constant(_ev(ctx, args[1]), "MATCH range")
    if len(args) == 3 and not args[2].is_missing:
        t = _constant(_ev(ctx, args[2]), "match type")
        if t.size != 1 or t.kind.reshape(-1)[0] != NUMBER or t.num.reshape(-1)[0] not in (0.0, 1.0):
            raise Unsupported("MATCH type other than 0 or 1")
        approx = t.num.reshape(-1)[0] == 1.0
    else:
        approx = len(args) < 3
    kind, num, obj = _lookup_keys(arr)
    if (kind == ERROR).any():
        raise Unsupported("MATCH over errors")
    pos, errors = _match_positions(x, kind, num, obj, exact=not approx)
    m = pos.size
    out = Vec.numbers((pos + 1.0).reshape(-1, 1, 1))
    return _with_row_errors(out, pos >= 0, _NA, errors, m)


def f_index(ctx, args) -> Vec:
    _arg_count("INDEX", args, 2, 3)
    arr = _constant(_ev(ctx, args[0]), "INDEX range")
    if any(a.is_missing for a in args):
        raise Unsupported("INDEX with omitted arguments")
    rv = _ev(ctx, args[1])
    r = _index_numbers(rv, "INDEX row", errors_ok=True)
    errors = [rv]
    _, h, w = arr.shape
    if len(args) == 3:
        cv = _ev(ctx, args[2])
        c = _index_numbers(cv, "INDEX column", errors_ok=True)
        errors.append(cv)
    elif h == 1:
        r, c = np.ones_like(r), r
    elif w == 1:
        c = np.ones_like(r)
    else:
        raise Unsupported("INDEX of a 2-D range without a column")
    m = max(r.size, c.size)
    r, c = np.broadcast_to(r, (m,)), np.broadcast_to(c, (m,))
    if ((r < 1) | (c < 1)).any():
        raise Unsupported("INDEX of a whole row or column")
    ok = (r <= h) & (c <= w)
    out = _pick(arr, r - 1, c - 1, ok, empty_zero=True)
    first = first_error(*errors, shape=(m, 1, 1))
    return _with_row_errors(out, ok, _REF, None if first is None else first.reshape(-1), m)


# ---------------------------------------------------------------------------
# Counting and ranking over a constant column


def f_countif(ctx, args) -> Vec:
    _arg_count("COUNTIF", args, 2, 2)
    rng = _constant(_ev(ctx, args[0]), "COUNTIF range")
    crit = _per_row(_ev(ctx, args[1]), "COUNTIF criterion")
    kind = rng.kind.reshape(-1)
    num = rng.num.reshape(-1)
    obj = None if rng.obj is None else rng.obj.reshape(-1)
    ck = crit.kind.reshape(-1)
    cn = crit.num.reshape(-1)
    co = None if crit.obj is None else crit.obj.reshape(-1)
    if ((ck != NUMBER) & (ck != TEXT)).any():
        raise Unsupported("COUNTIF criterion that is empty, boolean or an error")
    counts = np.zeros(ck.size)
    if (ck == NUMBER).any():
        texts = np.flatnonzero(kind == TEXT)
        if any(any(ch.isdigit() for ch in obj[j]) for j in texts):
            raise Unsupported("COUNTIF over text that may be a number or date")
        values = np.sort(num[kind == NUMBER])
        x = cn[ck == NUMBER]
        _check_not_near(values, x)
        counts[ck == NUMBER] = np.searchsorted(values, x, "right") - np.searchsorted(values, x, "left")
    texts_c = np.flatnonzero(ck == TEXT)
    if texts_c.size:
        tally: dict[str, int] = {}
        for j in np.flatnonzero(kind == TEXT):
            key = obj[j].casefold()
            tally[key] = tally.get(key, 0) + 1
        for r in texts_c:
            s = co[r]
            if (
                not s
                or _has_wildcard(s)
                or s[0] in "<>=#"
                or any(ch.isdigit() for ch in s)
                or s.strip().upper() in ("TRUE", "FALSE")
            ):
                raise Unsupported("COUNTIF criterion with operators, wildcards, numbers, booleans or errors")
            if not s.isascii():
                raise Unsupported("COUNTIF on non-ASCII text")
            counts[r] = tally.get(s.casefold(), 0)
    return Vec.numbers(counts.reshape(-1, 1, 1))


def f_rank(ctx, args) -> Vec:
    _arg_count("RANK.EQ", args, 2, 3)
    x = _per_row(_ev(ctx, args[0]), "RANK value")
    ref = _constant(_ev(ctx, args[1]), "RANK range")
    if len(args) == 3 and not args[2].is_missing:
        order_v = _constant(_ev(ctx, args[2]), "RANK order")
        if order_v.size != 1 or order_v.kind.reshape(-1)[0] not in (NUMBER, EMPTY):
            raise Unsupported("RANK order that is not a number")
        ascending = bool(order_v.kind.reshape(-1)[0] == NUMBER and order_v.num.reshape(-1)[0] != 0)
    else:
        ascending = False
    kind = ref.kind.reshape(-1)
    xk = x.kind.reshape(-1)
    m = xk.size
    if (kind == ERROR).any():  # an error in the range: every row gets it (its own error first)
        err = ref.obj.reshape(-1)[np.argmax(kind == ERROR)]
        errors = np.full(m, err, dtype=object)
        own = xk == ERROR
        errors[own] = x.obj.reshape(-1)[own]
        return with_error_cells(Vec.numbers(np.zeros((m, 1, 1))), errors.reshape(-1, 1, 1))
    if ((xk == BOOL) | (xk == TEXT)).any():
        raise Unsupported("RANK of a boolean or text")
    xv = np.where(xk == EMPTY, 0.0, x.num.reshape(-1))
    values = np.sort(ref.num.reshape(-1)[kind == NUMBER])
    _check_not_near(values, xv[xk != ERROR])
    left = np.searchsorted(values, xv, "left")
    right = np.searchsorted(values, xv, "right")
    found = right > left
    rank = (left + 1.0) if ascending else (values.size - right + 1.0)
    out = Vec.numbers(rank.reshape(-1, 1, 1))
    errors = np.where(xk == ERROR, x.obj.reshape(-1) if x.obj is not None else None, None)
    return _with_row_errors(out, found | (xk == ERROR), _NA, errors, m)


FUNCTIONS = {
    "IF": f_if,
    "IFERROR": f_iferror,
    "IFNA": f_ifna,
    "AND": f_and,
    "OR": f_or,
    "NOT": f_not,
    "TRUE": f_true,
    "FALSE": f_false,
    "SUM": f_sum,
    "MIN": f_min,
    "MAX": f_max,
    "ROUND": f_round,
    "ROUNDUP": f_roundup,
    "ROUNDDOWN": f_rounddown,
    "ABS": f_abs,
    "LEN": f_len,
    "SUMPRODUCT": f_sumproduct,
    "VLOOKUP": f_vlookup,
    "MATCH": f_match,
    "INDEX": f_index,
    "COUNTIF": f_countif,
    "RANK.EQ": f_rank,
    "RANK": f_rank,
}
