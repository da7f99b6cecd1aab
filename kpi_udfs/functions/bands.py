"""Band tables: KPI_BAND (F2), KPI_GRADE (F10) and KPI_CHECK_BANDS.

A band table is rows of (lower bound, upper bound, result) with an inclusivity code per
row ("[)", "(]", "[]", "()"); a blank bound is unbounded. The seeds' tables have gaps
(X conversion [40 %, 45 %), AMB-18), empty rows (「45%>X>=50%」, AMB-17) and overlaps
(「Q>100%」, AMB-33): :class:`BandTable` finds them, and the functions turn them into
explicit policies instead of silent guesses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..coerce import to_number
from ..errors import NA, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import excel_round, fmt, ge, gt, le, lt, tol
from ..registry import DIRECTIONS, Choice, Each, List, Scalar, asks_error, kpi

CODES = ("[)", "(]", "[]", "()")


def _code(value: object, row: int) -> str:
    code = str(value).strip().replace(" ", "") if value is not None else "[)"
    code = code.replace("（", "(").replace("）", ")").replace("［", "[").replace("］", "]")
    if code not in CODES:
        raise KpiError(
            VALUE, _("bounds row {row}: {value} is not one of {codes}", row=row, value=repr(value), codes=", ".join(CODES))
        )
    return code


@dataclass
class BandTable:
    """The non-blank rows of a band table, as closed/open numeric intervals."""

    lower: np.ndarray
    upper: np.ndarray
    lo_closed: np.ndarray
    hi_closed: np.ndarray
    rows: np.ndarray  # 1-based row numbers in the sheet's table

    @classmethod
    def build(cls, lower: np.ndarray, upper: np.ndarray, codes: list[str], keep: np.ndarray) -> BandTable:
        lo = np.where(np.isnan(lower), -np.inf, lower)
        hi = np.where(np.isnan(upper), np.inf, upper)
        lo_c = np.array([c[0] == "[" for c in codes]) & np.isfinite(lo)
        hi_c = np.array([c[1] == "]" for c in codes]) & np.isfinite(hi)
        idx = np.flatnonzero(keep)
        return cls(lo[idx], hi[idx], lo_c[idx], hi_c[idx], idx + 1)

    def interval(self, i: int) -> str:
        left = "[" if self.lo_closed[i] else "("
        right = "]" if self.hi_closed[i] else ")"
        return f"{left}{fmt(self.lower[i])}, {fmt(self.upper[i])}{right}"

    def empty_rows(self) -> list[int]:
        """Rows whose interval holds no number (lower above upper, or (a, a))."""
        inverted = gt(self.lower, self.upper)
        point = np.abs(self.lower - self.upper) <= tol(self.upper)
        return list(np.flatnonzero(inverted | (point & ~(self.lo_closed & self.hi_closed))))

    def contains(self, v: np.ndarray) -> np.ndarray:
        """(values × rows) membership, with the 1e-9 boundary tolerance."""
        v = v[:, None]
        above_lo = np.where(self.lo_closed, ge(v, self.lower), gt(v, self.lower))
        below_hi = np.where(self.hi_closed, le(v, self.upper), lt(v, self.upper))
        return above_lo & below_hi

    def neighbours(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For values in no band: the nearest band wholly below and wholly above (-1: none)."""
        col = v[:, None]
        ends_below = np.where(self.hi_closed, lt(self.upper, col), le(self.upper, col))
        starts_above = np.where(self.lo_closed, gt(self.lower, col), ge(self.lower, col))
        below = np.where(ends_below, self.upper, -np.inf)
        above = np.where(starts_above, self.lower, np.inf)
        i_below = np.where(ends_below.any(axis=1), np.argmax(below, axis=1), -1)
        i_above = np.where(starts_above.any(axis=1), np.argmin(above, axis=1), -1)
        return i_below, i_above

    def gap_text(self, i_below: int, i_above: int) -> str:
        left = "(−∞" if i_below < 0 else ("(" if self.hi_closed[i_below] else "[") + fmt(self.upper[i_below])
        right = "∞)" if i_above < 0 else fmt(self.lower[i_above]) + (")" if self.lo_closed[i_above] else "]")
        return f"{left}, {right}"


def _codes(bounds, n: int) -> list[str]:
    if bounds is None:
        return ["[)"] * n
    flat = list(bounds.values.ravel())
    if len(flat) == 1:
        return [_code(flat[0], 1)] * n
    if len(flat) != n:
        raise KpiError(VALUE, _("bounds has {codes} codes for {rows} band rows", codes=len(flat), rows=n))
    return [_code(c, i + 1) for i, c in enumerate(flat)]


def _same_length(**columns: np.ndarray) -> int:
    sizes = {name: col.size for name, col in columns.items()}
    if len(set(sizes.values())) != 1:
        listed = ", ".join(_("{name} has {size}", name=name, size=size) for name, size in sizes.items())
        raise KpiError(VALUE, _("band table columns differ in length: {listed}", listed=listed))
    return next(iter(sizes.values()))


@kpi(
    "KPI_BAND",
    "Points (or a label) of the band whose interval holds the value; gaps and overlaps follow explicit policies.",
    Each("value", "The measured value, e.g. a conversion rate 0.52 or a response time in seconds."),
    List("lower_bounds", "Lower bound of each band row; blank = no lower limit."),
    List("upper_bounds", "Upper bound of each band row; blank = no upper limit."),
    List("points", "Result of each band row: points or a label. A blank here means the rule is missing.", kind="any"),
    List(
        "bounds",
        'Inclusivity: one code for all rows or one per row: "[)" lower included (default), "(]", "[]", "()".',
        kind="label",
        default="[)",
    ),
    Choice(
        "direction",
        'Which way is better: "HIGHER" (rates, default) or "LOWER" (response time); steers WORSE/BETTER.',
        DIRECTIONS,
        "HIGHER",
    ),
    Choice(
        "on_gap",
        'A value in no band: "ERROR" (#N/A with the gap, default), "WORSE", "BETTER", "NEAREST" band, or a number.',
        {"ERROR": N_("error (#N/A) naming the gap"), "WORSE": N_("the worse neighbouring band"),
         "BETTER": N_("the better neighbouring band"), "NEAREST": N_("the nearest band")},
        "ERROR",
        number_ok=True,
    ),
    Choice(
        "on_overlap",
        'A value in several bands: "FIRST" row (default), "ERROR", "MAX" or "MIN" points.',
        {"FIRST": N_("the first matching row"), "ERROR": N_("error (#N/A)"), "MAX": N_("the highest points"),
         "MIN": N_("the lowest points")},
        "FIRST",
    ),
    returns=(
        "The matching row's points; #N/A naming the gap, the overlap (ERROR) or a band without points; "
        "#VALUE! for an empty band row (lower above upper) or a malformed table."
    ),
)
def band(value, lower_bounds, upper_bounds, points, bounds, direction, on_gap, on_overlap):
    lo, hi = lower_bounds.values.ravel(), upper_bounds.values.ravel()
    pts_cells = points
    pts = pts_cells.values.ravel()
    n = _same_length(lower_bounds=lo, upper_bounds=hi, points=pts)
    codes = _codes(bounds, n)
    keep = ~(np.isnan(lo) & np.isnan(hi) & pts_cells.blank.ravel())
    table = BandTable.build(lo, hi, codes, keep)
    result = pts[keep]
    missing = pts_cells.blank.ravel()[keep]
    if table.rows.size == 0:
        raise KpiError(VALUE, _("the band table is empty"))
    for i in table.empty_rows():
        raise KpiError(
            VALUE, _("empty band row {row}: {interval} holds no value", row=table.rows[i], interval=table.interval(i))
        )
    numeric = all(isinstance(p, float) for p, m in zip(result, missing, strict=True) if not m)
    if on_overlap in ("MAX", "MIN") and not numeric:
        raise KpiError(VALUE, _("on_overlap {policy} needs numeric points", policy=on_overlap))

    v = value.astype(float).ravel()
    hits = table.contains(v)
    count = hits.sum(axis=1)
    chosen = np.argmax(hits, axis=1)  # first matching row
    if on_overlap in ("MAX", "MIN"):
        score = np.array([np.nan if m else p for p, m in zip(result, missing, strict=True)], dtype=float)
        ranked = np.where(hits, score if on_overlap == "MAX" else -score, -np.inf)
        chosen = np.where(count > 1, np.argmax(ranked, axis=1), chosen)

    out = np.empty(v.size, dtype=object)
    out[:] = result[chosen]

    for r in np.flatnonzero(missing[chosen] & (count > 0)):
        i = chosen[r]
        out[r] = _no_points(table, i)
    if on_overlap == "ERROR":
        for r in np.flatnonzero(count > 1):
            rows = _(" and ").join(str(x) for x in table.rows[hits[r]])
            out[r] = KpiError(NA, _("{value} falls in overlapping bands: rows {rows}", value=fmt(v[r]), rows=rows))

    gap = np.flatnonzero((count == 0) & ~np.isnan(v))
    if gap.size:
        below, above = table.neighbours(v[gap])
        worse, better = (below, above) if direction == "HIGHER" else (above, below)
        for k, r in enumerate(gap):
            out[r] = _gap_result(v[r], table, result, missing, below[k], above[k], worse[k], better[k], on_gap)
    return out.reshape(value.shape)


def _gap_result(x, table, result, missing, below, above, worse, better, on_gap):
    if isinstance(on_gap, float):
        return on_gap
    where = table.gap_text(below, above)
    if on_gap == "ERROR":
        return KpiError(NA, _("{value} falls in no band: gap {gap}", value=fmt(x), gap=where))
    if on_gap == "NEAREST":
        if below < 0 or above < 0:
            pick = max(below, above)
        else:
            d_below, d_above = x - table.upper[below], table.lower[above] - x
            pick = worse if abs(d_below - d_above) <= tol(x) else (below if d_below < d_above else above)
    else:
        pick = worse if on_gap == "WORSE" else better
    if pick < 0:
        below_all = above >= 0 and below < 0
        return KpiError(NA, _(_NO_BAND[below_all, on_gap], value=fmt(x)))
    if missing[pick]:
        return _no_points(table, pick)
    return result[pick]


def _no_points(table: BandTable, i: int) -> KpiError:
    return KpiError(
        NA, _("no points given for band row {row} {interval}: rule missing", row=table.rows[i], interval=table.interval(i))
    )


#: (below every band?, on_gap) → the message for a value with no band on the side asked for.
_NO_BAND = {
    (True, "WORSE"): N_("{value} falls in no band (below every band) and there is no worse band"),
    (True, "BETTER"): N_("{value} falls in no band (below every band) and there is no better band"),
    (True, "NEAREST"): N_("{value} falls in no band (below every band) and there is no nearest band"),
    (False, "WORSE"): N_("{value} falls in no band (above every band) and there is no worse band"),
    (False, "BETTER"): N_("{value} falls in no band (above every band) and there is no better band"),
    (False, "NEAREST"): N_("{value} falls in no band (above every band) and there is no nearest band"),
}


# ---------------------------------------------------------------------------


@kpi(
    "KPI_GRADE",
    "Grade label (A–D, levels) for a score from a grade table of lower bounds, with explicit gap, below and above policies.",
    Each("score", "The total score to grade, e.g. a weighted total 90.5."),
    List("lower_bounds", "Lowest score of each grade, e.g. 91, 86, 76, 65 (any order)."),
    List("labels", "Grade of each row, e.g. A, B, C, D.", kind="any"),
    List("upper_bounds", "Highest score of each grade (inclusive), e.g. 100, 90, 85, 75; optional.", default=None),
    Choice(
        "gap_policy",
        'Scores between ranges such as 90.5: "CONTINUOUS" (lower bounds only, default), "ROUND_HALF_UP", "FLOOR", or "ERROR".',
        {"CONTINUOUS": N_("lower bounds only"), "ROUND_HALF_UP": N_("round the score first"),
         "FLOOR": N_("cut the decimals first"), "ERROR": N_("error (#N/A)")},
        "CONTINUOUS",
    ),
    Scalar(
        "below_label",
        'Result for a score under the lowest bound: "ERROR" (#N/A, default) or a label such as "D" or "无".',
        kind="any",
        default="ERROR",
    ),
    Choice(
        "above_policy",
        'A score above the top upper bound: "TOP" grade (default) or "ERROR".',
        {"TOP": N_("the top grade"), "ERROR": N_("error (#N/A)")},
        "TOP",
    ),
    returns=(
        "The grade label; #N/A for a score below the table (unless below_label), above it (above_policy ERROR) "
        "or in a gap (gap_policy ERROR); #VALUE! for a malformed table."
    ),
)
def grade(score, lower_bounds, labels, upper_bounds, gap_policy, below_label, above_policy):
    lo = lower_bounds.values.ravel()
    lab = labels.values.ravel()
    hi = upper_bounds.values.ravel() if upper_bounds is not None else None
    cols = {"lower_bounds": lo, "labels": lab} | ({"upper_bounds": hi} if hi is not None else {})
    _same_length(**cols)
    keep = ~(np.isnan(lo) & labels.blank.ravel())
    for i in np.flatnonzero(keep & (np.isnan(lo) | labels.blank.ravel())):
        raise KpiError(VALUE, _("grade row {row} needs both a lower bound and a label", row=i + 1))
    lo, lab = lo[keep], lab[keep]
    if lo.size == 0:
        raise KpiError(VALUE, _("the grade table is empty"))
    if hi is not None:
        hi = np.where(np.isnan(hi[keep]), np.inf, hi[keep])
        for i in np.flatnonzero(gt(lo, hi)):
            raise KpiError(
                VALUE,
                _("grade row {row}: lower bound {lower} is above upper bound {upper}", row=i + 1, lower=fmt(lo[i]), upper=fmt(hi[i])),
            )
    if gap_policy == "ERROR" and hi is None:
        raise KpiError(VALUE, _("gap_policy ERROR needs upper_bounds"))

    s = score.astype(float).ravel()
    if gap_policy == "ROUND_HALF_UP":
        s = excel_round(s, 0)
    elif gap_policy == "FLOOR":
        s = np.floor(s + tol(s))

    top = int(np.argmax(lo))
    reached = ge(s[:, None], lo[None, :])
    best = np.argmax(np.where(reached, lo, -np.inf), axis=1)
    out = np.empty(s.size, dtype=object)
    out[:] = lab[best]

    if hi is not None and gap_policy != "CONTINUOUS":
        inside = reached & le(s[:, None], hi[None, :])
        # the highest range that holds the score (ranges may touch at one point)
        pick = np.argmax(np.where(inside, lo, -np.inf), axis=1)
        out[:] = lab[pick]
        for r in np.flatnonzero(~inside.any(axis=1) & reached.any(axis=1) & le(s, hi.max())):
            below = np.where(lt(hi, s[r]), hi, -np.inf).max()
            above = np.where(gt(lo, s[r]), lo, np.inf).min()
            out[r] = KpiError(
                NA, _("{score} falls in no grade range: gap ({below}, {above})", score=fmt(s[r]), below=fmt(below), above=fmt(above))
            )

    if hi is not None:
        over = gt(s, hi.max())
        if above_policy == "ERROR":
            for r in np.flatnonzero(over):
                out[r] = KpiError(
                    NA, _("score {score} is above the top grade bound {bound}", score=fmt(s[r]), bound=fmt(hi.max()))
                )
        else:
            out[over] = lab[top]

    under = ~reached.any(axis=1)
    if asks_error(below_label):
        for r in np.flatnonzero(under & ~np.isnan(s)):
            out[r] = KpiError(
                NA, _("score {score} is below the lowest grade bound {bound}", score=fmt(s[r]), bound=fmt(lo.min()))
            )
    else:
        out[under] = below_label
    return out.reshape(score.shape)


# ---------------------------------------------------------------------------


@kpi(
    "KPI_CHECK_BANDS",
    'Audits a band table: "OK", or a readable list of gaps, overlaps, empty rows and non-numeric bounds.',
    List("lower_bounds", "Lower bound of each band row; blank = no lower limit.", kind="label"),
    List("upper_bounds", "Upper bound of each band row; blank = no upper limit.", kind="label"),
    List(
        "bounds",
        'Inclusivity: one code for all rows or one per row: "[)" (default), "(]", "[]", "()".',
        kind="label",
        default="[)",
    ),
    returns='"OK", or the problems separated by "; " (e.g. "gap [0.40, 0.45) between rows 4 and 3").',
)
def check_bands(lower_bounds, upper_bounds, bounds):
    raw_lo, raw_hi = lower_bounds.values.ravel(), upper_bounds.values.ravel()
    n = _same_length(lower_bounds=raw_lo, upper_bounds=raw_hi)
    problems: list[str] = []
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    for name, raw, dest, message in (
        ("lower", raw_lo, lo, N_("row {row}: lower bound {value} is not a number")),
        ("upper", raw_hi, hi, N_("row {row}: upper bound {value} is not a number")),
    ):
        for i, cell in enumerate(raw):
            x = to_number(cell, name)
            if isinstance(x, KpiError):
                problems.append(_(message, row=i + 1, value=repr(cell)))
            elif x is not None:
                dest[i] = x
    try:
        codes = _codes(bounds, n)
    except KpiError as e:
        return e.reason
    keep = ~(lower_bounds.blank.ravel() & upper_bounds.blank.ravel())
    table = BandTable.build(lo, hi, codes, keep)
    empty = set(table.empty_rows())
    for i in sorted(empty):
        problems.append(_("row {row} is empty: {interval}", row=table.rows[i], interval=table.interval(i)))
    problems += _coverage_problems(table, [i for i in range(table.rows.size) if i not in empty])
    return "OK" if not problems else _("; ").join(problems)


def _coverage_problems(table: BandTable, live: list[int]) -> list[str]:
    """Gaps and overlaps between bands, walking them in order of their lower bound."""
    order = sorted(live, key=lambda i: (table.lower[i], not table.lo_closed[i], table.upper[i]))
    problems = []
    reach = None  # the band reaching furthest so far
    for i in order:
        if reach is None:
            reach = i
            continue
        end, end_closed = table.upper[reach], table.hi_closed[reach]
        start, start_closed = table.lower[i], table.lo_closed[i]
        a, b = table.rows[reach], table.rows[i]
        if gt(start, end):
            left = "(" if end_closed else "["
            right = ")" if start_closed else "]"
            gap = left + fmt(end) + ", " + fmt(start) + right
            problems.append(_("gap {gap} between rows {a} and {b}", gap=gap, a=a, b=b))
        elif abs(start - end) <= tol(end):
            if end_closed and start_closed:
                problems.append(_("rows {a} and {b} overlap at {at}", a=a, b=b, at=fmt(end)))
            elif not end_closed and not start_closed:
                problems.append(_("gap at exactly {at} between rows {a} and {b}", at=fmt(end), a=a, b=b))
        else:
            overlap_end = min(end, table.upper[i])
            problems.append(_("rows {a} and {b} overlap on {start} to {end}", a=a, b=b, start=fmt(start), end=fmt(overlap_end)))
        if gt(table.upper[i], end) or (table.upper[i] == end and table.hi_closed[i]):
            reach = i
    return problems
