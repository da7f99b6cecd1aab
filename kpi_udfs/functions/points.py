"""Point arithmetic: KPI_ADJUST (F4), KPI_WEIGHTED (F8) and KPI_TOTAL (F9).

Per-event deductions and additions (attendance −5/−5/−10, reports −2, warnings first),
weighted totals (35/25/15/15/10 %) and sums of item points with maxima. The seeds leave
floors, weight sums and declared maxima open (AMB-04/05/29/44/66/74): each is an
explicit argument, and an inconsistent rule table is an error, never a silent repair.
"""

from __future__ import annotations

import math

import numpy as np

from ..coerce import Cells
from ..errors import DIV0, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import eq, fmt, gt
from ..registry import Choice, Each, List, Param, Record, Scalar, kpi

#: The ``floor`` word that means "no lower limit" (AMB-04: allow a negative result).
NO_FLOOR = "NONE"


def floor_param(what: str) -> Param:
    """The ``floor`` argument shared by the point functions: a number (default 0) or NONE."""
    return Choice(
        "floor",
        f"Lowest {what} allowed (default 0, so it never goes negative); NONE allows negative results.",
        {NO_FLOOR: N_("no floor (may be negative)")},
        0,
        number_ok=True,
    )


def clamp(x: np.ndarray, floor: object, cap: float | None) -> np.ndarray:
    """``x`` limited to [floor, cap]; floor NONE and a blank cap are unbounded."""
    lo = None if floor == NO_FLOOR else float(floor)
    if lo is not None and cap is not None and lo > cap:
        raise KpiError(VALUE, _("floor {floor} is above cap {cap}", floor=fmt(lo), cap=fmt(cap)))
    if lo is not None:
        x = np.maximum(x, lo)
    if cap is not None:
        x = np.minimum(x, cap)
    return x


def filled(cells: Cells, name: str, hint: str | None = None) -> np.ndarray:
    """A rule list with every entry filled in; a blank entry is a whole-call #VALUE!
    (``hint``, a text marked with ``N_``, says what to fill in)."""
    v = cells.values.ravel().astype(float)
    blank = np.isnan(v)
    if blank.all():
        if hint:
            raise KpiError(VALUE, _("{name} is blank ({hint})", name=name, hint=_(hint)))
        raise KpiError(VALUE, _("{name} is blank", name=name))
    for i in np.flatnonzero(blank):
        if hint:
            raise KpiError(VALUE, _("{name} entry {entry} is blank ({hint})", name=name, entry=i + 1, hint=_(hint)))
        raise KpiError(VALUE, _("{name} entry {entry} is blank", name=name, entry=i + 1))
    return v


def one_per_item(
    cells: Cells | None, name: str, width: int, blank_as: float | None = None
) -> np.ndarray | None:
    """A per-item list given once per item or as one number for all items."""
    if cells is None:
        return None
    v = cells.values.ravel().astype(float)
    if blank_as is not None:
        v = np.where(np.isnan(v), blank_as, v)
    else:
        v = filled(cells, name)
    if v.size == 1:
        return np.full(width, v[0])
    if v.size != width:
        raise KpiError(VALUE, _("{name} has {entries} entries for {items} items", name=name, entries=v.size, items=width))
    return v


def row_errors(out: np.ndarray, bad: np.ndarray, message) -> None:
    """Put ``message(row, item)`` into each row with a bad item (first bad item named)."""
    for r in np.flatnonzero(bad.any(axis=1)):
        if not isinstance(out[r], KpiError):
            out[r] = message(r, int(np.argmax(bad[r])))


def partly_blank(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(rows × items) blank items of rows that are not wholly blank."""
    return np.isnan(values) & valid.reshape(-1, 1)


# ---------------------------------------------------------------------------


def row_sums(products: np.ndarray) -> np.ndarray:
    """Each row's sum, added in the same order whatever the number of rows: a matrix
    product (BLAS) fuses multiply and add for two rows or more and not for one, so the
    same employee scored 83.5 alone and 83.49999999999999 in a column of ten (80×0.3 +
    85×0.7), and "<"&score ranks then disagreed between Excel's cell-by-cell calls and
    a whole column."""
    return np.ascontiguousarray(products, dtype=float).sum(axis=1)


@kpi(
    "KPI_ADJUST",
    "Start points plus per-event points (−5 per late, −10 per absence, +2 per praise), with free first events, clamped.",
    Each("start", "Points before any event, e.g. 20 for full attendance or 30 for the monthly budget."),
    Record(
        "counts",
        "This employee's event counts, one column per rule in per_unit (blank = 0; a wholly blank row gives blank).",
        width_of="per_unit",
    ),
    List(
        "per_unit",
        "Points per event for each column: negative deducts (−5 late, −10 absence), positive adds.",
    ),
    List(
        "free_counts",
        "Events not charged for each column, e.g. 1 for a first-time warning; one number applies to all (default 0).",
        default=0,
    ),
    Choice(
        "mode",
        '"LINEAR" (each charged event once, default), "ESCALATING" (k-th charged event costs k times), "FLAT" (once).',
        {"LINEAR": N_("each event counts once"), "ESCALATING": N_("the k-th event counts k times"),
         "FLAT": N_("once however many")},
        "LINEAR",
    ),
    floor_param("result"),
    Scalar("cap", "Highest result allowed, e.g. 30 for a 30-point budget; blank = no cap.", default=None),
    returns=(
        "start + Σ per_unit × charged events, clamped to [floor, cap]; #VALUE! in a row with a negative or "
        "fractional count; #VALUE! for the call when per_unit or free_counts is blank or malformed."
    ),
)
def adjust(start, counts, per_unit, free_counts, mode, floor, cap, valid):
    unit = filled(per_unit, "per_unit", N_("coefficient blank: fill in the points per event"))
    free = one_per_item(free_counts, "free_counts", unit.size, blank_as=0.0)
    if (free < 0).any() or not eq(free, np.round(free)).all():
        raise KpiError(VALUE, _("free_counts must be whole numbers of events, 0 or more"))
    c = np.where(np.isnan(counts), 0.0, counts)
    whole = np.round(c)
    fractional = ~eq(c, whole) & valid.reshape(-1, 1)
    negative = (whole < 0) & valid.reshape(-1, 1)
    n = np.maximum(0.0, whole - np.round(free))
    charged = {"LINEAR": n, "ESCALATING": n * (n + 1) / 2, "FLAT": np.minimum(n, 1.0)}[mode]
    result = clamp(start.ravel() + row_sums(charged * unit), floor, cap)

    out = result.astype(object)
    row_errors(
        out, negative, lambda r, i: KpiError(VALUE, _("counts item {item}: {value} is negative", item=i + 1, value=fmt(c[r, i])))
    )
    row_errors(
        out,
        fractional,
        lambda r, i: KpiError(VALUE, _("counts item {item}: {value} is not a whole number", item=i + 1, value=fmt(c[r, i]))),
    )
    return out


# ---------------------------------------------------------------------------


@kpi(
    "KPI_WEIGHTED",
    "Weighted total Σ score × weight, e.g. 35/25/15/15/10 %; weights that do not sum to 100 % are an error by default.",
    Record("scores", "This employee's item scores (0–100), one column per weight.", width_of="weights"),
    List("weights", "Weight of each item, as fractions (0.35) or percents (35); all must be filled in."),
    Choice(
        "weight_check",
        'Weights not summing to 100 %: "ERROR" (#VALUE!, default), "NORMALIZE" (divide by their sum), "AS_IS".',
        {"ERROR": N_("error unless they add up to 100%"), "NORMALIZE": N_("divide by their sum"),
         "AS_IS": N_("use them as they are")},
        "ERROR",
    ),
    Scalar(
        "tolerance", "How far the weight sum may be from 100 % (as a fraction, default 1e-9).", default=1e-9
    ),
    List(
        "max_scores",
        "Optional highest allowed score of each item (or one number for all), e.g. 100; a higher score is an error.",
        default=None,
    ),
    returns=(
        "The weighted total; #VALUE! in a row with a blank item or a score above its max; #VALUE! for the call "
        'when a weight is blank or negative or (ERROR) the weights do not sum to 100 %, e.g. "weights sum to 90%".'
    ),
)
def weighted(scores, weights, weight_check, tolerance, max_scores, valid):
    w = filled(weights, "weights", N_("every weight must be filled in, AMB-29"))
    if (w < 0).any():
        i = int(np.argmax(w < 0))
        raise KpiError(VALUE, _("weights entry {entry} is negative: {value}", entry=i + 1, value=fmt(w[i])))
    if tolerance < 0:
        raise KpiError(VALUE, _("tolerance {value} is negative", value=fmt(tolerance)))
    total = math.fsum(w)
    percent = total >= 10  # 35/25/15/15/10 or 30/30/20/10; fractions sum to about 1
    share = total / 100 if percent else total
    if weight_check == "ERROR" and gt(abs(share - 1), tolerance):  # 1 − 0.99 is 0.010000000000000009
        raise KpiError(VALUE, _("weights sum to {sum}%, expected 100%", sum=fmt(share * 100)))
    if weight_check == "NORMALIZE":
        if total == 0:
            raise KpiError(DIV0, _("weights sum to 0: nothing to normalise by"))
        divisor = total
    else:
        divisor = 100.0 if percent else 1.0
    top = one_per_item(max_scores, "max_scores", w.size)

    s = scores
    result = row_sums(np.where(np.isnan(s), 0.0, s) * w) / divisor
    out = result.astype(object)
    row_errors(out, partly_blank(s, valid), lambda r, i: KpiError(VALUE, _("scores item {item} is blank", item=i + 1)))
    if top is not None:
        row_errors(
            out,
            gt(s, top) & valid.reshape(-1, 1),
            lambda r, i: KpiError(
                VALUE, _("scores item {item}: {value} is above its max {max}", item=i + 1, value=fmt(s[r, i]), max=fmt(top[i]))
            ),
        )
    return out


# ---------------------------------------------------------------------------


@kpi(
    "KPI_TOTAL",
    "Total of item points (each checked against its maximum) plus adjustments, clamped; checks the declared maximum.",
    Record(
        "item_points", "This employee's points per item, e.g. 20, 30, 15, 20, 20, 15.", width_of="max_points"
    ),
    List(
        "max_points",
        "Maximum of each item, e.g. 20, 30, 20, 20, 20, 20; a higher item is an error.",
        default=None,
    ),
    Record(
        "adjustments",
        "Extra points for this employee (+2 praise, −5 complaint); blanks count 0.",
        default=None,
    ),
    floor_param("total"),
    Scalar(
        "cap",
        "Highest total allowed, e.g. 130; blank = no cap (praise may push it over, AMB-05).",
        default=None,
    ),
    Scalar(
        "declared_max",
        "The total the rules announce, e.g. 130: if the item maxima sum to something else the result is #VALUE!.",
        default=None,
    ),
    returns=(
        "Σ item points + Σ adjustments, clamped to [floor, cap]; #VALUE! in a row with a blank item or an item "
        'above its max; #VALUE! for the call when declared_max ≠ Σ max_points ("declared 130, items sum to 100").'
    ),
)
def total(item_points, max_points, adjustments, floor, cap, declared_max, valid):
    top = None
    if max_points is not None:
        top = filled(max_points, "max_points", N_("fill in every item's maximum"))
    if declared_max is not None:
        if top is None:
            raise KpiError(VALUE, _("declared_max needs max_points to check against"))
        defined = math.fsum(top)
        if not eq(defined, declared_max):
            raise KpiError(VALUE, _("declared {declared}, items sum to {sum}", declared=fmt(declared_max), sum=fmt(defined)))

    p = item_points
    extra = 0.0 if adjustments is None else np.nansum(adjustments, axis=1)
    result = clamp(np.where(np.isnan(p), 0.0, p).sum(axis=1) + extra, floor, cap)
    out = result.astype(object)
    row_errors(
        out, partly_blank(p, valid), lambda r, i: KpiError(VALUE, _("item_points item {item} is blank", item=i + 1))
    )
    if top is not None:
        row_errors(
            out,
            gt(p, top) & valid.reshape(-1, 1),
            lambda r, i: KpiError(
                VALUE, _("item_points item {item}: {value} is above its max {max}", item=i + 1, value=fmt(p[r, i]), max=fmt(top[i]))
            ),
        )
    return out
