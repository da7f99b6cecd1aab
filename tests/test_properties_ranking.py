"""Properties of the ranking and quota functions that must hold for any input (hypothesis)."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpi_udfs import KPI_FORCE_GRADES, KPI_POOL, KPI_QUOTA, KPI_RANK_BONUS, KPI_STREAK, KpiError

FAST = settings(max_examples=150, deadline=None, derandomize=True)

weights = st.lists(st.integers(0, 50).map(float), min_size=1, max_size=12)
# round_to values whose multiples are exact in binary floating point
round_tos = st.sampled_from([1.0, 5.0, 10.0, 0.5, 0.25])
# scores on a coarse grid so that ties happen often
scores = st.lists(st.integers(60, 75).map(float), min_size=1, max_size=12)
ladders = st.lists(st.integers(0, 20).map(lambda k: 50.0 * k), min_size=1, max_size=5).map(
    lambda xs: sorted(xs, reverse=True)
)


def quota_lists():
    """Integer percentages adding up to 100."""
    return st.lists(st.integers(0, 100), min_size=1, max_size=6).map(_to_percent)


def _to_percent(xs):
    total = sum(xs)
    if total == 0:
        return [100] + [0] * (len(xs) - 1)
    out = [x * 100 // total for x in xs]
    out[0] += 100 - sum(out)
    return out


def _cells(result):
    return list(np.asarray(result, dtype=object).ravel())


@FAST
@given(
    weights, st.integers(0, 400), round_tos, st.none() | st.integers(0, 30), st.none() | st.integers(20, 200)
)
def test_pool_adds_up_to_the_pool_exactly(w, units, round_to, floor_units, cap_units):
    assume(any(x > 0 for x in w))
    pool = units * round_to
    floor = None if floor_units is None else floor_units * round_to
    cap = None if cap_units is None else cap_units * round_to
    got = KPI_POOL(w, pool, round_to, floor, cap)
    if floor is not None and cap is not None and cap < floor:
        assert got.code == "#VALUE!" and "below floor" in got.reason
        return
    if isinstance(got, KpiError):
        n, positive = len(w), sum(x > 0 for x in w)
        too_low = floor is not None and n * floor > pool
        too_high = cap is not None and positive * cap + (n - positive) * (floor or 0) < pool
        assert got.code == "#NUM!" and (too_low or too_high)
        return
    amounts = _cells(got)
    assert sum(amounts) == pool
    for a, x in zip(amounts, w, strict=True):
        assert a / round_to == int(a / round_to)
        assert floor is None or a >= floor
        assert cap is None or a <= cap
        if x == 0 and floor is None:
            assert a == 0


@FAST
@given(weights, st.integers(1, 400))
def test_pool_larger_weight_never_gets_less(w, pool):
    assume(any(x > 0 for x in w))
    amounts = _cells(KPI_POOL(w, pool))
    for i in range(len(w)):
        for j in range(len(w)):
            if w[i] > w[j]:
                assert amounts[i] >= amounts[j]


@FAST
@given(st.integers(0, 60), quota_lists(), st.sampled_from(["LOWER_GRADE", "HIGHER_GRADE"]))
def test_quota_always_adds_up_to_n(n, quotas, tie_break):
    counts = _cells(KPI_QUOTA(n, quotas, tie_break=tie_break))
    assert sum(counts) == n
    for c, q in zip(counts, quotas, strict=True):
        assert abs(c - n * q / 100) < 1  # largest remainder moves each count by less than one place


@FAST
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=25, unique=True), quota_lists())
def test_force_grades_counts_equal_quota_counts_without_ties(raw, quotas):
    labels = [f"G{i}" for i in range(len(quotas))]
    grades = _cells(KPI_FORCE_GRADES([float(x) for x in raw], labels, quotas))
    counts = _cells(KPI_QUOTA(len(raw), quotas))
    assert [grades.count(lab) for lab in labels] == counts
    # and a better score never gets a worse grade
    rank_of = {lab: i for i, lab in enumerate(labels)}
    for a, ga in zip(raw, grades, strict=True):
        for b, gb in zip(raw, grades, strict=True):
            if a > b:
                assert rank_of[ga] <= rank_of[gb]


@FAST
@given(
    scores,
    ladders,
    st.none() | st.integers(-150, 0).map(float),
    st.none() | st.just([-100.0]),
    st.none() | st.just(100.0),
)
def test_rank_bonus_average_pays_the_same_total_as_untied(s, ladder, step, bottom, minimum):
    kw = dict(step=step, bottom_ladder=bottom, min_amount_eligible=minimum)
    average = _cells(KPI_RANK_BONUS(s, ladder, tie_policy="AVERAGE", **kw))
    apart = [x - i * 1e-4 for i, x in enumerate(s)]  # the same scores nudged apart: no ties left
    untied = _cells(KPI_RANK_BONUS(apart, ladder, tie_policy="ERROR", **kw))
    assert not any(isinstance(a, KpiError) for a in untied)
    assert abs(sum(average) - sum(untied)) < 1e-6


@FAST
@given(
    scores,
    ladders,
    st.sampled_from(["COMPETITION", "AVERAGE", "DENSE", "ERROR"]),
    st.randoms(use_true_random=False),
)
def test_rank_bonus_rows_do_not_depend_on_input_order(s, ladder, policy, rnd):
    before = _cells(KPI_RANK_BONUS(s, ladder, tie_policy=policy, eligible_min=62, bottom_ladder=[-100]))
    order = list(range(len(s)))
    rnd.shuffle(order)
    after = _cells(
        KPI_RANK_BONUS(
            [s[i] for i in order], ladder, tie_policy=policy, eligible_min=62, bottom_ladder=[-100]
        )
    )
    for k, i in enumerate(order):
        if isinstance(before[i], KpiError):  # the message names row numbers, which move
            assert isinstance(after[k], KpiError) and after[k].code == before[i].code
        else:
            assert after[k] == before[i]


@FAST
@given(
    scores,
    ladders,
    st.lists(st.sampled_from([None, "#N/A", "x"]), min_size=1, max_size=4),
    st.randoms(use_true_random=False),
)
def test_rank_bonus_blank_and_error_rows_change_nobody_else(s, ladder, bad, rnd):
    plain = _cells(KPI_RANK_BONUS(s, ladder))
    mixed = list(s)
    spots = sorted(rnd.randint(0, len(mixed)) for _ in bad)
    for offset, (at, cell) in enumerate(zip(spots, bad, strict=True)):
        mixed.insert(at + offset, cell)
    got = _cells(KPI_RANK_BONUS(mixed, ladder))
    kept = [g for g, m in zip(got, mixed, strict=True) if isinstance(m, float)]
    assert kept == plain
    for g, m in zip(got, mixed, strict=True):
        if m is None:
            assert g is None
        elif not isinstance(m, float):
            assert isinstance(g, KpiError)


@FAST
@given(st.lists(st.sampled_from(["A", "B", None]), min_size=0, max_size=12), st.integers(1, 4))
def test_streak_rolling_counts_every_window(history, length):
    assume(any(h is not None for h in history))
    windows = sum(all(h == "A" for h in history[i : i + length]) for i in range(len(history) - length + 1))
    assert KPI_STREAK(history, "A", length, "ROLLING") == windows
    once = KPI_STREAK(history, "A", length, "ONCE")
    assert once == (1 if windows else 0)
    assert KPI_STREAK(history, "A", length) <= windows
