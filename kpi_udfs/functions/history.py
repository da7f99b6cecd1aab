"""Rules over an employee's past periods: KPI_LEVEL_HISTORY (F16), KPI_STREAK (F17) and
tenure KPI_TENURE_OK (F19).

A history is one row per employee, oldest period first; a blank cell is a period not
(yet) evaluated. The seeds leave open which evaluations count (「两次考评」, AMB-90), how
a warning turns into elimination (AMB-91), whether streaks overlap (AMB-27) and how
months are counted (AMB-15); each is an argument here.
"""

from __future__ import annotations

import numpy as np

from ..coerce import label_key, to_number
from ..errors import NA, NUM, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import eq, fmt, ge, gt, lt, steps
from ..registry import Choice, Each, List, Record, Scalar, kpi

_BELOW = -1  # under the lowest band
_ON_EDGE = -2  # on a boundary shared by two bands (overlap="ERROR")


def _show(v) -> str:
    return fmt(v) if isinstance(v, float) else str(v)


#: More periods than any history holds (keeps counts within numpy's integers).
_MOST_PERIODS = 2**31 - 1


def _whole(x: float, name: str, least: int) -> int:
    k = steps(x, "EXACT")
    if k != np.round(k) or k < least:
        raise KpiError(VALUE, _("{name} must be a whole number of at least {least}, got {value}", name=name, least=least, value=fmt(x)))
    if k > _MOST_PERIODS:
        raise KpiError(NUM, _("{name} {value} is too large (at most {most})", name=name, value=fmt(x), most=format(_MOST_PERIODS, ",")))
    return int(k)


def _bands(lower_bounds, labels) -> tuple[np.ndarray, np.ndarray]:
    """The band table sorted by lower bound (ascending)."""
    lo = lower_bounds.values.ravel().astype(float)
    lab = labels.values.ravel()
    if lo.size != lab.size:
        raise KpiError(VALUE, _("lower_bounds has {bounds} entries but labels has {labels}", bounds=lo.size, labels=lab.size))
    for name, blank in (("lower_bounds", lower_bounds.blank.ravel()), ("labels", labels.blank.ravel())):
        if blank.any():
            raise KpiError(VALUE, _("{name}: entry {entry} is blank", name=name, entry=int(np.flatnonzero(blank)[0]) + 1))
    order = np.argsort(lo, kind="stable")
    lo, lab = lo[order], lab[order]
    if (np.diff(lo) <= 0).any():
        raise KpiError(VALUE, _("lower_bounds has the same bound twice"))
    return lo, lab


def _band_index(h: np.ndarray, lo: np.ndarray, overlap: str) -> np.ndarray:
    """Band of every score: index into ``lo``, _BELOW, or _ON_EDGE.

    「90分以上」 and 「80分~90分」 both hold 90 (AMB-90): HIGHEST gives a shared boundary to
    the upper band ([80, 90) 中级), LOWEST to the lower one ((80, 90] 中级), ERROR to neither.
    """
    v = h[..., None]
    if overlap == "LOWEST":
        band = gt(v, lo).sum(axis=-1) - 1
        return np.where(eq(h, lo[0]), 0, band)
    band = ge(v, lo).sum(axis=-1) - 1
    if overlap == "ERROR":
        band = np.where(eq(v, lo[1:]).any(axis=-1), _ON_EDGE, band)
    return band


@kpi(
    "KPI_LEVEL_HISTORY",
    "Level from the last n evaluations, all in one band (高级 twice ≥ 90); WARN / ELIMINATE for scores under fail_below.",
    Record("history", "One row per employee: period scores, oldest to newest; blank = not evaluated yet."),
    List("lower_bounds", "Lowest score of each level, e.g. 90, 80, 70 (any order)."),
    List("labels", "Level of each bound, e.g. 高级, 中级, 初级.", kind="any"),
    Scalar("n", "How many of the latest evaluations must agree (default 2, 「两次考评」).", default=2),
    Choice(
        "overlap",
        'A score on a shared bound (90 is in 「90分以上」 and 「80~90分」): "HIGHEST" level (default), "LOWEST", or "ERROR".',
        {"HIGHEST": N_("a shared bound counts in the higher level"), "LOWEST": N_("in the lower level"),
         "ERROR": N_("error (#N/A)")},
        "HIGHEST",
    ),
    Choice(
        "mixed",
        'The last n fall in different levels (92 and 85): "UNCHANGED" (default), "LOWER_OF_N" level, or "ERROR".',
        {"UNCHANGED": N_("the level stays unchanged"), "LOWER_OF_N": N_("the lower of the levels"),
         "ERROR": N_("error (#N/A)")},
        "UNCHANGED",
    ),
    Scalar(
        "fail_below",
        "A score under this in the last n gives WARN; under it again at the next evaluation gives ELIMINATE, e.g. 70.",
        default=None,
    ),
    List(
        "fail_flags",
        'Two words to show instead of "WARN" and "ELIMINATE", e.g. 提醒, 淘汰.',
        kind="any",
        default=None,
    ),
    returns=(
        'The level label, "UNCHANGED" (mixed or fewer than n evaluations), or a fail flag; #N/A when the '
        "scores are below every band, on a shared bound (overlap ERROR) or mixed (mixed ERROR)."
    ),
)
def level_history(history, lower_bounds, labels, n, overlap, mixed, fail_below, fail_flags):
    """Fail flags come first: the latest score under ``fail_below`` within the last n
    evaluations gives WARN, or ELIMINATE when the evaluation just before it was under too
    (「经指导仍低于70分者将予以淘汰」). Otherwise the level is the band holding all of the last
    n evaluations. Fewer than n evaluations so far: "UNCHANGED" (#N/A under mixed ERROR)."""
    lo, lab = _bands(lower_bounds, labels)
    n = _whole(n, "n", 1)
    warn, eliminate = "WARN", "ELIMINATE"
    if fail_flags is not None:
        words = fail_flags.values.ravel()[~fail_flags.blank.ravel()]
        if words.size != 2:
            raise KpiError(VALUE, _("fail_flags needs two words (warn, eliminate), got {count}", count=words.size))
        warn, eliminate = words

    h = np.asarray(history, dtype=float)
    rows, width = h.shape
    have = ~np.isnan(h)
    count = have.sum(axis=1)
    after = np.cumsum(have[:, ::-1], axis=1)[:, ::-1]  # evaluations from here to the newest
    window = have & (after <= n)
    band = np.where(have, _band_index(np.where(have, h, 0.0), lo, overlap), 0)
    low = np.where(window, band, np.iinfo(int).max).min(axis=1)
    high = np.where(window, band, np.iinfo(int).min).max(axis=1)

    out = np.full(rows, "UNCHANGED", dtype=object)
    enough = count >= n
    same = enough & (low == high) & (low >= 0)
    out[same] = lab[np.maximum(low[same], 0)]
    lower = enough & (low != high) & (low >= 0) & (mixed == "LOWER_OF_N")
    out[lower] = lab[np.maximum(low[lower], 0)]

    problem = enough & ((low < 0) | ((low != high) & (mixed == "ERROR")))
    for r in np.flatnonzero(problem | (~enough & (mixed == "ERROR"))):
        scores = h[r, window[r]]
        shown = ", ".join(fmt(s) for s in scores)
        if not enough[r]:
            reason = _("only {count} of {n} evaluations so far", count=count[r], n=n)
        elif (band[r, window[r]] == _ON_EDGE).any():
            edge = next(s for s, b in zip(scores, band[r, window[r]], strict=True) if b == _ON_EDGE)
            k = int(np.argmin(np.abs(lo - edge)))
            reason = _("{score} is on the bound of {lower} and {upper}", score=fmt(edge), lower=_show(lab[k - 1]), upper=_show(lab[k]))
        elif (band[r, window[r]] == _BELOW).any():
            low_score = scores[band[r, window[r]] == _BELOW][0]
            reason = _(
                "{score} is below the lowest level bound {bound} (last {n}: {scores})",
                score=fmt(low_score), bound=fmt(lo[0]), n=n, scores=shown,
            )
        else:
            levels = ", ".join(dict.fromkeys(_show(lab[b]) for b in band[r, window[r]]))
            reason = _("the last {n} scores {scores} fall in different levels ({levels})", n=n, scores=shown, levels=levels)
        out[r] = KpiError(NA, reason)

    if fail_below is not None:
        fail = have & lt(h, fail_below)
        cols = np.arange(width)
        latest = np.where(fail & window, cols, -1).max(axis=1)
        seen = np.maximum.accumulate(np.where(have, cols, -1), axis=1)
        before = np.full((rows, width), -1)
        before[:, 1:] = seen[:, :-1]  # the evaluation before each period
        flagged = latest >= 0
        r = np.flatnonzero(flagged)
        prev = before[r, latest[r]]
        again = np.zeros(rows, dtype=bool)
        again[r] = (prev >= 0) & fail[r, np.maximum(prev, 0)]
        out[flagged & again] = eliminate
        out[flagged & ~again] = warn
    return out


# ---------------------------------------------------------------------------


def _match_key(v):
    """Compare labels by label_key, numbers (also numeric text) numerically, TRUE/FALSE as such."""
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, float):
        return ("number", round(v, 9))
    if isinstance(v, str):
        x = to_number(v, "match")
        return ("number", round(x, 9)) if isinstance(x, float) else ("label", label_key(v))
    return None


@kpi(
    "KPI_STREAK",
    "Counts runs of consecutive periods equal to a value (grade A, rank 1, TRUE), e.g. 连续2个月 A; with the "
    "run carried from earlier months, only the streaks this period completes.",
    Record(
        "history",
        "One row per employee: a grade, rank or TRUE/FALSE per period, oldest to newest.",
        kind="any",
    ),
    Scalar("match", 'The value that counts, e.g. "A", 1 or TRUE.', kind="any"),
    Scalar("length", "How many periods in a row make one streak, e.g. 2."),
    Choice(
        "mode",
        'A,A,A with length 2: "ROLLING" counts every window (2), "NON_OVERLAP" (1, default), "ONCE" (0 or 1).',
        {"ROLLING": N_("every window of the run"), "NON_OVERLAP": N_("each full run once (no overlap)"),
         "ONCE": N_("once ever")},
        "NON_OVERLAP",
    ),
    Each(
        "carried",
        "Periods in a row that matched just before history's first period (last month's run, from the History "
        "sheet); default 0. The result then counts only the streaks history's periods add.",
        default=0,
    ),
    Each(
        "paid",
        "Streaks already counted for the periods before history (their sum on the History sheet); default 0. "
        "ONCE counts nothing more once one was counted.",
        default=0,
    ),
    returns=(
        "The number of streaks history's periods complete (0 or 1 for ONCE); a blank period breaks a run; "
        "#VALUE! if length is not a whole number ≥ 1 or carried / paid is negative or not whole."
    ),
)
def streak(history, match, length, mode, carried, paid, valid):
    """Month by month over a true history, without the whole history at hand: ``carried``
    (the run of matches the earlier periods end with) and ``paid`` (the streaks they
    already hold) summarise the earlier periods, and the result is what the periods of
    ``history`` add to the count over the whole history.

    ROLLING and NON_OVERLAP count each run on its own (a run of r gives r − length + 1,
    resp. ⌊r / length⌋), so what is added is the count with the carried run joined to a
    first run of matches, less the count of the carried run alone: A,A,A then A with
    length 2 adds NON_OVERLAP 2 − 1 = 1 and ROLLING 3 − 2 = 1. ONCE is at most one over
    the whole history: nothing is added once a streak was counted (``paid`` ≥ 1 or a
    carried run already long enough). With both 0 this is the count over ``history``."""
    length = _whole(length, "length", 1)
    want = _match_key(match)
    hits = np.frompyfunc(lambda v: _match_key(v) == want, 1, 1)(history).astype(bool)
    rows = hits.shape[0]
    before, bad_before = _counts(carried, rows)
    done, bad_done = _counts(paid, rows)
    edges = np.diff(np.pad(hits.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    start_row, start_col = np.nonzero(edges == 1)
    _rows, end_col = np.nonzero(edges == -1)
    run = (end_col - start_col) + np.where(start_col == 0, before[start_row], 0)  # the carried run goes on

    def count(r):
        if mode == "ROLLING":
            return np.maximum(r - length + 1, 0)
        if mode == "NON_OVERLAP":
            return r // length
        return (r >= length).astype(int)

    total = np.bincount(start_row, weights=count(run), minlength=rows)
    if mode == "ONCE":
        earlier = np.maximum(np.minimum(done, 1), count(before))
        result = np.maximum(earlier, np.minimum(total, 1)) - earlier
    else:
        continued = hits[:, 0] if hits.shape[1] else np.zeros(rows, dtype=bool)
        result = total - np.where(continued, count(before), 0)
    out = result.astype(object)
    ok = np.broadcast_to(np.asarray(valid, dtype=bool).reshape(-1), (rows,))
    for name, values, bad in (("paid", paid, bad_done), ("carried", carried, bad_before)):
        for i in np.flatnonzero(bad & ok):  # one bad row is that row's error (carried named first)
            x = float(np.broadcast_to(np.asarray(values, dtype=float).reshape(-1), (rows,))[i])
            out[i] = KpiError(VALUE, _("{name} must be a whole number of at least 0, got {value}", name=name, value=fmt(x)))
    return out


def _counts(values, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A per-row whole count ≥ 0 (``carried``, ``paid``) as integers (0 where it is not one),
    and where it is not."""
    if values is None:  # omitted
        return np.zeros(rows, dtype=np.int64), np.zeros(rows, dtype=bool)
    x = np.broadcast_to(np.asarray(values, dtype=float).reshape(-1), (rows,))
    k = np.round(x)
    bad = ~((np.abs(x - k) <= 1e-9) & (k >= 0))
    return np.where(bad, 0, k).astype(np.int64), bad


# ---------------------------------------------------------------------------


def _ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = np.array(dates.ravel().tolist(), dtype="datetime64[D]")
    month = d.astype("datetime64[M]")
    y = month.astype("datetime64[Y]").astype(int) + 1970
    m = month.astype(int) % 12 + 1
    day = (d - month).astype(int) + 1
    return d, y, m, day


@kpi(
    "KPI_TENURE_OK",
    "TRUE when the employee has served at least the given whole months by a date (满3个月 → promotion to 中级).",
    Each("start_date", "Start date (入职 or start in the current level).", kind="date"),
    Each("as_of_date", "The date to check on, e.g. the appraisal date.", kind="date"),
    Each("months", "Whole months required, e.g. 3 or 6."),
    Choice(
        "method",
        'Month counting: "CALENDAR" whole calendar months like DATEDIF(…,"m") (default), or "DAYS30" (days ÷ 30).',
        {"CALENDAR": N_("calendar months"), "DAYS30": N_("30 days as a month")},
        "CALENDAR",
    ),
    returns="TRUE or FALSE; #NUM! when start_date is after as_of_date; #VALUE! for negative months.",
)
def tenure_ok(start_date, as_of_date, months, method, valid):
    """CALENDAR counts a month complete when the day of month is reached again
    (31 Jan → 28 Feb = 0, → 1 Mar = 1), as Excel's DATEDIF "m"."""
    ok = valid.ravel()
    start = np.where(ok, start_date.ravel(), None)
    until = np.where(ok, as_of_date.ravel(), None)
    d0, y0, m0, day0 = _ymd(start)
    d1, y1, m1, day1 = _ymd(until)
    if method == "DAYS30":
        whole = np.floor((d1 - d0).astype(float) / 30.0)
    else:
        whole = (y1 - y0) * 12 + (m1 - m0) - (day1 < day0)
    need = months.astype(float).ravel()
    out = ge(whole, need).astype(object)
    for i in np.flatnonzero(ok & (d1 < d0)):
        out[i] = KpiError(NUM, _("start_date {start} is after as_of_date {end}", start=start[i], end=until[i]))
    for i in np.flatnonzero(ok & (need < 0)):
        out[i] = KpiError(VALUE, _("months {months} is negative", months=fmt(need[i])))
    return out.reshape(start_date.shape)
