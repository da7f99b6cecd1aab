"""Excel's counting, ranking and aggregating functions.

Computed here for whole blocks: COUNTIF over a constant range (sorted once, then
``searchsorted`` for every row, so a column of COUNTIFs over the whole column costs
O(n log n)), RANK and RANK.EQ likewise; for criteria with operators, wildcards or text
that may be a number, the corrected COUNTIF of :mod:`.criteria` computes each row.
SUBTOTAL and AGGREGATE read their references (they skip hidden and filtered rows as
their codes say, and other SUBTOTAL/AGGREGATE cells).

:data:`AGGREGATORS` are the aggregations of SUBTOTAL/AGGREGATE codes 1–19, shared with
the database functions. Corrected in `formulas`' table: POISSON(.DIST) (x truncated),
HYPGEOM.DIST and HYPGEOMDIST (exact integer arithmetic instead of scipy's), and the
functions that skip text in ranges (:data:`TEXT_SKIPPED_IN_RANGES`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import schedula as sh
from formulas.tokens.operand import Error

from ...errors import NA, VALUE, KpiError
from ..evaluate.vec import (
    BOOL,
    EMPTY,
    ERROR,
    NUMBER,
    TEXT,
    Unsupported,
    Vec,
    native_error,
    with_error_cells,
)
from .arguments import arg_count, constant, per_row, with_row_errors
from .arguments import check_not_near as _check_not_near
from .arguments import has_wildcard as _has_wildcard
from .bridge import from_formulas, to_formulas
from .criteria_blocks import WHOLE_BLOCK_FORMS as CRITERIA_BLOCK_FORMS

_VALUE = Error.errors["#VALUE!"]
_NUM = Error.errors["#NUM!"]
_DIV0 = Error.errors["#DIV/0!"]
_NA = native_error(NA)
_XL_NA = Error.errors["#N/A"]


def _numbers(values: list) -> np.ndarray:
    return np.array(
        [
            float(v)
            for v in values
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        ],
        dtype=float,
    )

def _nonempty(values: list) -> int:
    return sum(1 for v in values if v is not sh.EMPTY)

def _sample(fn: Callable[[np.ndarray], float], minimum: int) -> Callable[[list], Any]:
    def stat(values: list) -> Any:
        x = _numbers(values)
        return _DIV0 if x.size < minimum else fn(x)

    return stat

def _mode(values: list) -> Any:
    """The most frequent number; among equally frequent ones, the one seen first
    (AGGREGATE(13,…) over 15, 77, 0, 28, 2.8/0.1, 28, 77… is 77 in ClosedXML's
    functions-excel-2010 book: 77 occurs first)."""
    x = _numbers(values)
    seen: dict[float, int] = {}
    for v in x:
        seen[v] = seen.get(v, 0) + 1
    best = max(seen.values(), default=1)
    if best < 2:
        return _XL_NA
    return next(v for v, c in seen.items() if c == best)

def _kth(largest: bool) -> Callable[[list, Any], Any]:
    def kth(values: list, k: Any) -> Any:
        x = np.sort(_numbers(values))
        k = math.ceil(float(k))
        if not 1 <= k <= x.size:
            return _NUM
        return x[-k] if largest else x[k - 1]

    return kth

def _percentile(exclusive: bool, quart: bool = False) -> Callable[[list, Any], Any]:
    def pct(values: list, p: Any) -> Any:
        x = np.sort(_numbers(values))
        p = float(p)
        if quart:
            q = math.floor(p)
            if not (1 if exclusive else 0) <= q <= (3 if exclusive else 4):
                return _NUM
            p = q / 4
        n = x.size
        if n == 0:
            return _NUM
        if exclusive:
            h = (n + 1) * p
            if not 1 <= h <= n:
                return _NUM
        else:
            if not 0 <= p <= 1:
                return _NUM
            h = (n - 1) * p + 1
        lo = math.floor(h)
        frac = h - lo
        if lo >= n:
            return x[-1]
        return x[lo - 1] + frac * (x[lo] - x[lo - 1])

    return pct

_AGGREGATORS: dict[int, Callable[..., Any]] = {
    1: _sample(np.mean, 1),
    2: lambda v: float(_numbers(v).size),
    3: lambda v: float(_nonempty(v)),
    4: lambda v: float(np.max(x)) if (x := _numbers(v)).size else 0.0,
    5: lambda v: float(np.min(x)) if (x := _numbers(v)).size else 0.0,
    6: lambda v: float(np.prod(x)) if (x := _numbers(v)).size else 0.0,
    7: _sample(lambda x: float(np.std(x, ddof=1)), 2),
    8: _sample(lambda x: float(np.std(x)), 1),
    9: lambda v: float(np.sum(_numbers(v))),
    10: _sample(lambda x: float(np.var(x, ddof=1)), 2),
    11: _sample(lambda x: float(np.var(x)), 1),
    12: _sample(lambda x: float(np.median(x)), 1),
    13: _mode,
    14: _kth(True),
    15: _kth(False),
    16: _percentile(False),
    17: _percentile(False, quart=True),
    18: _percentile(True),
    19: _percentile(True, quart=True),
}


AGGREGATORS = _AGGREGATORS


def f_countif(ctx, args) -> Vec:
    arg_count("COUNTIF", args, 2, 2)
    rng = constant((lambda c, n: n.ev(c))(ctx, args[0]), "COUNTIF range")
    crit = per_row((lambda c, n: n.ev(c))(ctx, args[1]), "COUNTIF criterion")
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
    arg_count("RANK.EQ", args, 2, 3)
    x = per_row((lambda c, n: n.ev(c))(ctx, args[0]), "RANK value")
    ref = constant((lambda c, n: n.ev(c))(ctx, args[1]), "RANK range")
    if len(args) == 3 and not args[2].is_missing:
        order_v = constant((lambda c, n: n.ev(c))(ctx, args[2]), "RANK order")
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
        if own.any():
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
    return with_row_errors(out, found | (xk == ERROR), _NA, errors, m)


_NESTED = ("SUBTOTAL(", "AGGREGATE(")

#: AGGREGATE option → (skip hidden rows, skip errors, skip nested SUBTOTAL/AGGREGATE).
_OPTIONS = {
    0: (False, False, True),
    1: (True, False, True),
    2: (False, True, True),
    3: (True, True, True),
    4: (False, False, False),
    5: (True, False, False),
    6: (False, True, False),
    7: (True, True, False),
}


def _code(v: Vec, i: int) -> int | KpiError:
    x = v.row(i)
    if x.size != 1:
        return native_error(VALUE)
    value = x.value((0, 0, 0))
    if isinstance(value, KpiError):
        return value
    if isinstance(value, bool) or value is None:
        return int(bool(value))
    try:
        return int(math.floor(float(value)))
    except (TypeError, ValueError):
        return native_error(VALUE)


def _collect(ctx, node, i: int, skip_hidden: bool, skip_nested: bool, skip_errors: bool) -> list | KpiError:
    """The cells of one argument in row ``i`` of the block that take part, in
    `formulas`' conventions for :data:`AGGREGATORS`; an error unless skipped."""
    refs = node.refs(ctx)
    out: list = []
    if refs is None:
        v = node.ev(ctx).row(i)
        out.extend(v.values().reshape(-1).tolist())
    else:
        item = refs[i] if len(refs) > 1 else refs[0]
        if isinstance(item, KpiError):
            return item
        for sheet_name, r1, c1, r2, c2 in item:
            sheet = ctx.book.sheet(sheet_name)
            hidden = frozenset() if sheet is None else (sheet.hidden_rows if skip_hidden else sheet.filtered_rows)
            r2 = min(r2, sheet.max_row) if sheet is not None else r2
            if r2 < r1:
                continue
            area = ctx.read(sheet_name, r1, r2, c1, c2).values()
            texts = ctx.book.formula_text
            for a, row in enumerate(range(r1, r2 + 1)):
                if row in hidden:
                    continue
                for b, col in enumerate(range(c1, c2 + 1)):
                    if skip_nested:
                        text = texts.get((sheet_name, row, col))
                        if text and any(n in text.upper() for n in _NESTED):
                            continue
                    out.append(area[a, b])
    kept = []
    for v in out:
        if isinstance(v, KpiError):
            if skip_errors:
                continue
            return v
        kept.append(to_formulas(v))
    return kept


def _aggregate_rows(ctx, args, compute) -> Vec:
    m = max((a.ev(ctx).shape[0] for a in args[:1]), default=1)
    m = max(m, ctx.m if any(a.refs(ctx) is not None and len(a.refs(ctx)) > 1 for a in args) else 1)
    out = np.empty((m, 1, 1), dtype=object)
    for i in range(m):
        try:
            out[i, 0, 0] = from_formulas(compute(i))
        except _Stop as e:
            out[i, 0, 0] = e.error
    return Vec.from_values(out)


class _Stop(Exception):
    def __init__(self, error: KpiError):
        self.error = error


def f_subtotal(ctx, args) -> Vec:
    if len(args) < 2:
        return Vec.const(native_error(VALUE))
    code_vec = args[0].ev(ctx)

    def compute(i: int) -> Any:
        code = _code(code_vec, i)
        if isinstance(code, KpiError):
            raise _Stop(code)
        skip_hidden = code > 100
        base = code - 100 if skip_hidden else code
        if not 1 <= base <= 11:
            raise _Stop(native_error(VALUE))
        values: list = []
        for node in args[1:]:
            got = _collect(ctx, node, i, skip_hidden, True, False)
            if isinstance(got, KpiError):
                raise _Stop(got)
            values += got
        return _AGGREGATORS[base](values)

    return _aggregate_rows(ctx, args, compute)


def f_aggregate(ctx, args) -> Vec:
    if len(args) < 3:
        return Vec.const(native_error(VALUE))
    code_vec, option_vec = args[0].ev(ctx), args[1].ev(ctx)

    def compute(i: int) -> Any:
        code = _code(code_vec, i)
        option = 0 if args[1].is_missing else _code(option_vec, i)
        for x in (code, option):
            if isinstance(x, KpiError):
                raise _Stop(x)
        if code not in _AGGREGATORS or option not in _OPTIONS:
            raise _Stop(native_error(VALUE))
        skip_hidden, skip_errors, skip_nested = _OPTIONS[option]
        if code >= 14:
            if len(args) < 4:
                raise _Stop(native_error(VALUE))
            values = _collect(ctx, args[2], i, skip_hidden, skip_nested, skip_errors)
            if isinstance(values, KpiError):
                raise _Stop(values)
            k = args[3].ev(ctx).row(i)
            kv = k.value((0, 0, 0))
            if isinstance(kv, KpiError):
                raise _Stop(kv)
            return _AGGREGATORS[code](values, kv)
        values = []
        for node in args[2:]:
            got = _collect(ctx, node, i, skip_hidden, skip_nested, skip_errors)
            if isinstance(got, KpiError):
                raise _Stop(got)
            values += got
        return _AGGREGATORS[code](values)

    return _aggregate_rows(ctx, args, compute)


FUNCTIONS = {"SUBTOTAL": f_subtotal, "AGGREGATE": f_aggregate}

#: Whole-block forms for common inputs; other inputs go to the row form (:mod:`.criteria`
#: for COUNTIF, `formulas`' RANK).
def f_countif_any(ctx, args) -> Vec:
    """COUNTIF: the sorted search above, else the grouped form of :mod:`.criteria_blocks`."""
    try:
        return f_countif(ctx, args)
    except Unsupported:
        return CRITERIA_BLOCK_FORMS["COUNTIF"](ctx, args)


WHOLE_BLOCK_FORMS = {**CRITERIA_BLOCK_FORMS, "COUNTIF": f_countif_any, "RANK.EQ": f_rank, "RANK": f_rank}


# ---------------------------------------------------------------------------
# Whole columns: the empty cells below the used area count too


def _unread_cells(ctx, node) -> int:
    """Cells of a whole-column (or whole-row) reference beyond the sheet's used area,
    which the evaluator does not read (they are all empty); 0 for other references."""
    from ..graph.compile import RefNode

    if not isinstance(node, RefNode) or not (node.whole_cols or node.whole_rows):
        return 0
    refs = node.refs(ctx)
    item = refs[0]
    if isinstance(item, KpiError):
        return 0
    sheet_name, r1, c1, r2, c2 = item[0]
    sheet = ctx.book.sheet(sheet_name)
    if sheet is None:
        return 0
    rows, cols = r2 - r1 + 1, c2 - c1 + 1
    read_rows = max(r1, min(r2, ctx.book.used_rows)) - r1 + 1 if node.whole_cols else rows
    read_cols = max(c1, min(c2, ctx.book.used_cols)) - c1 + 1 if node.whole_rows else cols
    return rows * cols - read_rows * read_cols


class CountingBeyondUsed:
    """COUNTIF, COUNTIFS or COUNTBLANK with the unread empty cells of whole columns
    added where the criteria match an empty cell."""

    def __init__(self, name: str, inner):
        self.name, self.inner = name, inner

    def __call__(self, ctx, args) -> Vec:
        out = self.inner(ctx, args)
        ranges = args[::2] if self.name == "COUNTIFS" else args[:1]
        unread = [_unread_cells(ctx, r) for r in ranges]
        if not any(unread):
            return out
        extra = min(unread) if self.name == "COUNTIFS" else unread[0]
        if self.name == "COUNTBLANK":
            matches = Vec.const(1.0)
        else:
            from ..graph.compile import Const

            probe = list(args)
            for k in range(0, len(args), 2):
                probe[k] = Const(None)
            matches = self.inner(ctx, tuple(probe))  # 1 where an empty cell meets every criterion
        from ..evaluate.operators import arithmetic

        return arithmetic("+", out, arithmetic("*", matches, Vec.const(float(extra))))


def f_countblank(ctx, args) -> Vec:
    """COUNTBLANK: empty cells and cells holding "" (a formula's empty text)."""
    arg_count("COUNTBLANK", args, 1, 1)
    v = args[0].ev(ctx)
    m = v.shape[0]
    k = v.kind.reshape(m, -1)
    blank = k == EMPTY
    if v.obj is not None:
        o = v.obj.reshape(m, -1)
        blank = blank | ((k == TEXT) & (o == ""))
    return Vec.numbers(blank.sum(axis=1).astype(float).reshape(m, 1, 1))


FUNCTIONS["COUNTBLANK"] = CountingBeyondUsed("COUNTBLANK", f_countblank)


#: Functions of numbers that skip the text in a range or array (Microsoft's pages: "If an
#: array or reference argument contains text, logical values, or empty cells, those values
#: are ignored"), by the arguments that are such ranges (None: all of them). `formulas`
#: read text such as "85" there as a number: SUMSQ added it, MEDIAN, STDEV, VAR… gave
#: #VALUE!. Text given directly (MEDIAN("85",1)) is still read. (COUNT: :mod:`.math`.)
TEXT_SKIPPED_IN_RANGES: dict[str, tuple[int, ...] | None] = {
    **dict.fromkeys(
        "SUMSQ MEDIAN MODE MODE.SNGL MODE.MULT STDEV STDEV.S STDEV.P STDEVP VAR VAR.S VAR.P VARP "
        "GEOMEAN HARMEAN KURT SKEW SKEW.P DEVSQ AVEDEV".split()
    ),
    **dict.fromkeys("PERCENTILE PERCENTILE.INC PERCENTILE.EXC QUARTILE QUARTILE.INC QUARTILE.EXC".split(), (0,)),
}


def _without_text(value: Any) -> Any:
    """A range or array argument with its text cells as empty cells (which these functions
    skip); a single value as it is."""
    from .criteria import is_text_cell

    if not isinstance(value, np.ndarray) or value.ndim == 0 or value.dtype != object:
        return value
    text = np.frompyfunc(is_text_cell, 1, 1)(value).astype(bool)
    if not text.any():
        return value
    value = value.copy()
    value[text] = sh.EMPTY
    return value


def _skipping_text_in_ranges(fn, which: tuple[int, ...] | None):
    import functools

    @functools.wraps(fn)
    def skipping(*args):
        return fn(*(_without_text(a) if which is None or i in which else a for i, a in enumerate(args)))

    return skipping


def _corrections() -> dict[str, Any]:
    """POISSON.DIST and POISSON with x truncated to a whole number, as Microsoft's page
    says (POISSON.DIST(20/15,2,FALSE) is POISSON.DIST(1,2,FALSE), 0.2707…, in ClosedXML's
    functions-excel-2010 book); :data:`TEXT_SKIPPED_IN_RANGES`."""
    from formulas.functions import get_functions, wrap_ufunc
    from formulas.functions.stat import _convert_args, _parse_cumulative, xpoisson_dist

    def poisson(x, mean, cumulative):
        return xpoisson_dist(math.trunc(x) if math.isfinite(x) and x >= 0 else x, mean, cumulative)  # -1E-6: #NUM!

    fixed = wrap_ufunc(poisson, input_parser=lambda *a: (*map(_convert_args, a[:-1]), *map(_parse_cumulative, a[-1:])))
    hypgeom = wrap_ufunc(_hypgeom_dist, input_parser=lambda *a: (*map(_convert_args, a[:-1]), *map(_parse_cumulative, a[-1:])))
    hypgeom_legacy = wrap_ufunc(lambda *a: _hypgeom_dist(*a, False), input_parser=lambda *a: tuple(map(_convert_args, a)))
    table = get_functions()
    out = {name: _skipping_text_in_ranges(table[name], which) for name, which in TEXT_SKIPPED_IN_RANGES.items()}
    return {**out, "POISSON.DIST": fixed, "POISSON": fixed, "HYPGEOM.DIST": hypgeom, "HYPGEOMDIST": hypgeom_legacy}


def _hypgeom_dist(sample_s, number_sample, population_s, number_pop, cumulative) -> float:
    """HYPGEOM.DIST in exact integer arithmetic, C(K,k)·C(N−K,n−k) / C(N,n), the cumulative
    form summed before the one division. The domain is what Excel's saved values show
    (`formulas`' checks, which match them; scipy's hypergeom was most of a workbook's time):
    #NUM! for a negative argument or a sample or success count above the population; a
    count outside the possible ones has probability 0 (cumulative: 0 below, 1 above); a
    population or success count of 0 is read as 1."""
    from formulas.functions import Error

    k, n = math.trunc(sample_s), math.trunc(number_sample)
    big_k, big_n = math.trunc(population_s) or 1, math.trunc(number_pop) or 1
    if big_n < 0 or n < 0 or big_k < 0 or big_k > big_n or n > big_n or k < 0:
        return Error.errors["#NUM!"]
    low, high = max(0, n - big_n + big_k), min(n, big_k)
    first = low if cumulative else k
    ways = sum(math.comb(big_k, i) * math.comb(big_n - big_k, n - i) for i in range(max(first, low), min(k, high) + 1))
    return ways / math.comb(big_n, n)
