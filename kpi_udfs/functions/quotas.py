"""Forced distribution: KPI_QUOTA (F13), KPI_FORCE_GRADES (F14), KPI_QUOTA_CHECK (F15).

Tables 4.6 / 4.9 put 15 / 45 / 30 / 10 % of staff in grades A–D; S3-12 caps awards at
≤ 5 % / ≤ 10 %. Head counts for a real team need rounding that the seeds never state
(15 % of 7 = 1.05, AMB-25/92): rounding each quota on its own can hand out more or fewer
places than there are staff (WE-28), so the default is the largest remainder, which
always adds up to n.
"""

from __future__ import annotations

import numpy as np

from ..coerce import label_key
from ..errors import NA, NUM, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import excel_round, fmt, steps
from ..registry import Choice, Each, List, Scalar, kpi
from ..ties import rank

#: Rounding of head counts: code → label (the words of a Rules sheet, translated).
ROUNDINGS = {
    "LARGEST_REMAINDER": N_("largest remainder (always adds up)"),
    "FLOOR": N_("round down"),
    "ROUND": N_("round half up"),
    "CEIL": N_("round up"),
}
#: What quotas are: code → label.
MODES = {"EXACT": N_("counts equal the quotas"), "MAX": N_("counts stay within the quotas")}


def quota_fractions(quotas, mode: str) -> np.ndarray:
    """Quotas as fractions. Percent when they add up to ≈ 100 or any is above 1 (15 → 0.15)."""
    q = quotas.values.ravel().astype(float)
    blank = quotas.blank.ravel()
    if blank.any() and (mode == "EXACT" or blank.all()):
        raise KpiError(VALUE, _("quota {number} is blank", number=int(np.flatnonzero(blank)[0]) + 1))
    q = np.where(blank, np.nan, q)  # MAX mode: a blank quota is a grade without a cap
    if (q < 0).any():
        raise KpiError(VALUE, _("quota {quota} is negative", quota=fmt(q[q < 0][0])))
    if abs(np.nansum(q) - 100) <= 1e-9 * 100 or (q > 1 + 1e-9).any():
        q = q / 100.0
    total = np.nansum(q)
    if mode == "EXACT" and abs(total - 1) > 1e-9:
        raise KpiError(VALUE, _("quotas add up to {sum} %, not 100 % (mode EXACT)", sum=fmt(total * 100)))
    if total > 1 + 1e-9:
        raise KpiError(VALUE, _("quotas add up to {sum} %, more than 100 %", sum=fmt(total * 100)))
    return q


def _name(names, i: int) -> str:
    if names is None:
        return _("quota {number}", number=i + 1)
    v = names[i]
    return fmt(v) if isinstance(v, float) else str(v)


def quota_counts(
    n: int, q: np.ndarray, rounding: str | None, tie_break: str, mode: str, names=None, must_add_up: bool = True
) -> np.ndarray:
    """Head counts per quota for ``n`` staff (see KPI_QUOTA); -1 for a grade without a cap.

    Under mode EXACT, counts that do not add up to ``n`` are #NUM! unless ``must_add_up``
    is False (a forced distribution gives the places left over to its last grade)."""
    uncapped = np.isnan(q)
    if uncapped.any():
        counts = quota_counts(n, np.where(uncapped, 0.0, q), rounding, tie_break, mode, names, must_add_up)
        return np.where(uncapped, -1, counts)
    rounding = rounding or "LARGEST_REMAINDER"
    exact = n * q
    if rounding == "LARGEST_REMAINDER" and mode == "MAX":
        rounding = "FLOOR"  # a cap such as 不得超过 5 % is never rounded up (AMB-92)
    if rounding == "CEIL":
        counts = steps(exact, "CEIL")
    elif rounding == "ROUND":
        counts = excel_round(exact, 0)
    else:
        counts = steps(exact, "FLOOR")
    if rounding == "LARGEST_REMAINDER":
        left = int(round(n - counts.sum()))
        remainder = np.round(exact - counts, 9)
        grade = np.arange(q.size)
        prefer = -grade if tie_break == "LOWER_GRADE" else grade
        order = np.lexsort((prefer, -remainder))
        if (
            tie_break == "ERROR"
            and 0 < left < q.size
            and remainder[order[left - 1]] == remainder[order[left]]
        ):
            tied = [_name(names, i) for i in order if remainder[i] == remainder[order[left]]]
            raise KpiError(
                NA,
                _(
                    "{tied} tie for the last {left} place(s) (remainder {remainder}); "
                    "choose tie_break LOWER_GRADE or HIGHER_GRADE",
                    tied=_(" and ").join(tied),
                    left=left,
                    remainder=fmt(remainder[order[left]]),
                ),
            )
        counts[order[:left]] += 1
    counts = counts.astype(int)
    if mode == "EXACT" and must_add_up and counts.sum() != n:
        shown = " / ".join(str(c) for c in counts)
        raise KpiError(
            NUM,
            _(
                "{rounding} gives {counts} = {total} staff, not {n}; LARGEST_REMAINDER always adds up",
                rounding=rounding, counts=shown, total=counts.sum(), n=n,
            ),
        )
    return counts


def _whole(n: float) -> int:
    k = steps(n, "EXACT")
    if k < 0 or k != np.round(k):
        raise KpiError(VALUE, _("n must be a whole number of staff, got {n}", n=fmt(n)))
    return int(k)


_QUOTAS_HELP = (
    "Share of staff per grade, best first, e.g. 15%, 45%, 30%, 10% (or 15, 45, 30, 10); "
    "under mode MAX a blank means no cap."
)
_ROUNDING_HELP = (
    'How shares become head counts: "LARGEST_REMAINDER" (always adds up, default; FLOOR under mode MAX), '
    '"FLOOR", "ROUND" or "CEIL".'
)


@kpi(
    "KPI_QUOTA",
    "Head counts per grade for n staff from quota percentages (15/45/30/10 %); the default rounding always adds up to n.",
    Scalar("n", "Number of staff to distribute, e.g. 7."),
    List("quotas", _QUOTAS_HELP),
    Choice("rounding", _ROUNDING_HELP, ROUNDINGS, "LARGEST_REMAINDER"),
    Choice(
        "tie_break",
        'Equal remainders for the last place: "LOWER_GRADE" gets it (default), "HIGHER_GRADE", or "ERROR".',
        {"LOWER_GRADE": N_("the lower grade gets the place"), "HIGHER_GRADE": N_("the higher grade gets the place"),
         "ERROR": N_("error (#N/A)")},
        "LOWER_GRADE",
    ),
    Choice(
        "mode",
        'What the quotas are: "EXACT" shares adding up to 100 % (default) or "MAX" caps such as ≤ 5 % (rounded down).',
        MODES,
        "EXACT",
    ),
    returns=(
        "Head counts shaped like quotas (spills), blank for an uncapped grade (MAX); #VALUE! if quotas do not add up to 100 % in EXACT mode or n "
        "is not a whole number; #NUM! if the chosen rounding does not add up to n; #N/A for a tie under tie_break ERROR."
    ),
    out_like="quotas",
)
def quota(n, quotas, rounding, tie_break, mode):
    counts = quota_counts(_whole(n), quota_fractions(quotas, mode), rounding, tie_break, mode)
    return np.where(counts < 0, None, counts.astype(object))


def _labels(labels, size: int) -> tuple[np.ndarray, list]:
    """The grade labels (as given) and their comparison keys; one per quota, unique."""
    lab = labels.values.ravel()
    if labels.blank.ravel().any():
        raise KpiError(VALUE, _("label {number} is blank", number=int(np.flatnonzero(labels.blank.ravel())[0]) + 1))
    if lab.size != size:
        raise KpiError(VALUE, _("labels has {labels} entries but quotas has {quotas}", labels=lab.size, quotas=size))
    keys = [label_key(v) for v in lab]
    if len(set(keys)) != len(keys):
        raise KpiError(VALUE, _("labels are not unique"))
    return lab, keys


def _shares(quotas) -> np.ndarray:
    """A forced distribution's shares: adding up to 100 %, or one left blank for 「其余」 the rest."""
    blank = quotas.blank.ravel()
    if not blank.any():
        return quota_fractions(quotas, "EXACT")
    if blank.sum() > 1:
        raise KpiError(VALUE, _("only one quota may be blank (it takes the rest)"))
    q = quota_fractions(quotas, "MAX")
    q[np.isnan(q)] = max(0.0, 1.0 - np.nansum(q))
    return q


@kpi(
    "KPI_FORCE_GRADES",
    "Forced distribution: sorts the scores and hands out the grades in quota order (15 % A, 45 % B …).",
    Each("scores", "Each employee's total score (the whole column); blank rows get no grade."),
    List("labels", "The grades, best first, e.g. A, B, C, D.", kind="any"),
    List("quotas", _QUOTAS_HELP + " One may be left blank: that grade takes the rest (「其余」)."),
    Choice("rounding", _ROUNDING_HELP, ROUNDINGS, None),
    Choice(
        "tie_policy",
        'Equal scores across a grade boundary: "KEEP_TOGETHER" in the higher grade (default), "ORDINAL" '
        '(input order) or "ERROR".',
        {"KEEP_TOGETHER": N_("equal scores share the higher grade"), "ORDINAL": N_("by list order"),
         "ERROR": N_("error (#N/A)")},
        "KEEP_TOGETHER",
    ),
    returns=(
        "One grade per row (spills); blank for a blank score; counts rounded by FLOOR/ROUND/CEIL that fall "
        "short of the staff leave the rest in the last grade; #N/A naming the tied rows (tie_policy ERROR); "
        "#VALUE! if labels and quotas differ in length or quotas do not add up to 100 %."
    ),
    population=True,
)
def force_grades(scores, labels, quotas, rounding, tie_policy, valid):
    """Head counts are KPI_QUOTA's over the valid rows (tie_break LOWER_GRADE). KEEP_TOGETHER
    gives a tie group the grade of its best place, so a higher grade may take more staff
    than its quota and the next one fewer.

    Places are handed out best first, grade by grade. Counts rounded on their own (FLOOR,
    ROUND, CEIL) need not add up to the staff: places left over go to the last grade (5 % /
    10 % awards rounded down for 19 staff give 0 / 1 / 16, and the other 2 are 「其余」, the
    last label, AMB-92), and places beyond the staff are simply not used."""
    q = _shares(quotas)
    lab, _keys = _labels(labels, q.size)
    x = scores.astype(float).ravel()
    idx = np.flatnonzero(valid.ravel())
    out = np.full(x.size, None, dtype=object)
    if idx.size == 0:
        return out.reshape(scores.shape)
    counts = quota_counts(idx.size, q, rounding, "LOWER_GRADE", "EXACT", lab, must_add_up=False)
    place = np.repeat(np.arange(q.size), counts)[: idx.size]  # grade of each sorted place
    if place.size < idx.size:  # places left over: the last grade
        place = np.concatenate([place, np.full(idx.size - place.size, q.size - 1)])
    r = rank(x[idx])
    grade = place[r.first] if tie_policy == "KEEP_TOGETHER" else place
    out[idx[r.order]] = lab[grade]
    if tie_policy == "ERROR":
        for p in np.flatnonzero((r.first == np.arange(idx.size)) & (place[r.first] != place[r.last])):
            at = np.arange(p, p + r.size[p])
            rows = sorted(idx[r.order[at]])
            grades = " / ".join(dict.fromkeys(_name(lab, g) for g in place[at]))
            err = KpiError(
                NA,
                _(
                    "rows {rows} tie at {score} across grades {grades}; choose a tie_policy",
                    rows=", ".join(str(i + 1) for i in rows),
                    score=fmt(x[rows[0]]),
                    grades=grades,
                ),
            )
            for i in rows:
                out[i] = err
    return out.reshape(scores.shape)


@kpi(
    "KPI_QUOTA_CHECK",
    'Audits grades against the quotas: TRUE, or which grades are over or under, e.g. "A: 2 > 1; D: 0 < 1".',
    List("grades", "The grade column to audit; blanks are skipped.", kind="any"),
    List("labels", "The grades, best first, e.g. A, B, C, D.", kind="any"),
    List("quotas", _QUOTAS_HELP),
    Choice(
        "mode",
        "EXACT: counts must equal the quota counts (default); MAX: must not exceed them (不得超过 5 %).",
        MODES,
        "EXACT",
    ),
    Choice("rounding", _ROUNDING_HELP, ROUNDINGS, None),
    returns=(
        'TRUE, or text such as "A: 2 > 1; D: 0 < 1" (actual vs allowed); #N/A naming a grade not among labels; '
        "an error in grades propagates."
    ),
)
def quota_check(grades, labels, quotas, mode, rounding):
    q = quota_fractions(quotas, mode)
    lab, keys = _labels(labels, q.size)
    where = {k: i for i, k in enumerate(keys)}
    given = grades.values.ravel()[~grades.blank.ravel()]
    seen = np.empty(given.size, dtype=int)
    for j, g in enumerate(given):
        i = where.get(label_key(g))
        if i is None:
            raise KpiError(NA, _("grade {grade} is not among the labels", grade=repr(_name(given, j))))
        seen[j] = i
    actual = np.bincount(seen, minlength=q.size)
    allowed = quota_counts(given.size, q, rounding, "LOWER_GRADE", mode, lab)
    bad = (allowed >= 0) & (actual > allowed if mode == "MAX" else actual != allowed)
    if not bad.any():
        return True
    return _("; ").join(
        f"{_name(lab, i)}: {actual[i]} {'>' if actual[i] > allowed[i] else '<'} {allowed[i]}"
        for i in np.flatnonzero(bad)
    )
