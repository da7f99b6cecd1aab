"""KPI_ADJUST (F4), KPI_WEIGHTED (F8), KPI_TOTAL (F9) against the seed rules, numbers by hand."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_udfs import KPI_ADJUST, KPI_TOTAL, KPI_WEIGHTED, KpiError

# S0-A / S2-C 出勤率: 全勤 20, 迟到 −5, 请假 −5, 旷工 −10 per time
ATTENDANCE = [-5, -5, -10]
# Table 4.4 weights X/Y/Z/T/平时表现
W44 = [35, 25, 15, 15, 10]
# S1-A category weights (sum 90 %, AMB-44)
W1A = [30, 30, 20, 10]
# S0-A item maxima: 素质 20, 退款率 30, 配合度 20, 执行力 20, 投诉 20, 出勤 20 → 130
MAX_S0A = [20, 30, 20, 20, 20, 20]


def rows(result):
    """A column result as a flat list (records give one row per employee)."""
    return list(np.asarray(result, dtype=object).reshape(-1))


# ---------------------------------------------------------------------------
# KPI_ADJUST


@pytest.mark.parametrize(
    "counts, points",
    [
        ([0, 0, 0], 20),  # 全勤
        ([1, 0, 0], 15),
        ([2, 1, 0], 5),  # 20 − 10 − 5
        ([0, 0, 1], 10),
        ([3, 1, 1], 0),  # 20 − 15 − 5 − 10 = −10, floor 0 (AMB-04)
    ],
)
def test_s0a_attendance(counts, points):
    assert KPI_ADJUST(20, counts, ATTENDANCE) == points


def test_amb04_floor_none_or_lower_allows_negative():
    assert KPI_ADJUST(20, [3, 1, 1], ATTENDANCE, floor="NONE") == -10
    assert KPI_ADJUST(20, [3, 1, 1], ATTENDANCE, floor=-5) == -5
    assert KPI_ADJUST(20, [3, 1, 1], ATTENDANCE, 0, "LINEAR", 2) == 2


def test_s1f_absence_minus_10():
    assert KPI_ADJUST(20, 1, [-10]) == 10
    assert KPI_ADJUST(20, 2, [-10]) == 0


@pytest.mark.parametrize(
    "n, linear, escalating, flat",
    [
        (0, 30, 30, 30),
        (1, 30, 30, 30),  # first time: warning only
        (2, 29, 29, 29),
        (3, 28, 27, 29),  # (a) n−1 = 2; (b) 1+2 = 3; (c) 1
        (4, 27, 24, 29),  # (a) 3; (b) 1+2+3 = 6; (c) 1
    ],
)
def test_amb66_s2b_warning_then_deduct_three_readings(n, linear, escalating, flat):
    assert KPI_ADJUST(30, n, [-1], 1, "LINEAR") == linear
    assert KPI_ADJUST(30, n, [-1], 1, "ESCALATING") == escalating
    assert KPI_ADJUST(30, n, [-1], 1, "FLAT") == flat


def test_s2b_budget_with_rewards_per_item_free_counts_and_cap_30():
    # columns: attitude −1, notes −1, price cut −2 (each after a warning), reward +3, major error −10
    per_unit, free = [-1, -1, -2, 3, -10], [1, 1, 1, 0, 0]
    assert KPI_ADJUST(30, [3, 0, 2, 1, 0], per_unit, free) == 29  # 30 − 2 − 2 + 3
    assert KPI_ADJUST(30, [3, 0, 2, 1, 0], per_unit, free, "ESCALATING") == 28  # 30 − 3 − 2 + 3
    assert KPI_ADJUST(30, [0, 0, 0, 1, 0], per_unit, free) == 33
    assert KPI_ADJUST(30, [0, 0, 0, 1, 0], per_unit, free, cap=30) == 30  # AMB-70
    assert KPI_ADJUST(30, [0, 0, 0, 0, 1], per_unit, free) == 20


@pytest.mark.parametrize("n, points", [(0, 10), (1, 8), (3, 4), (5, 0), (6, 0)])
def test_s0h_reports_10_minus_2_each_floor_0(n, points):
    assert KPI_ADJUST(10, n, [-2]) == points


def test_s0h_reports_as_a_column():
    assert rows(KPI_ADJUST(10, [0, 1, 3, 5, 6], [-2])) == [10, 8, 4, 0, 0]


def test_blank_count_is_zero_but_a_wholly_blank_row_is_blank():
    assert KPI_ADJUST(20, [None, 1, None], ATTENDANCE) == 15
    assert KPI_ADJUST(20, [None, None, None], ATTENDANCE) is None
    assert KPI_ADJUST(None, [1, 0, 0], ATTENDANCE) is None


def test_negative_or_fractional_counts_fail_only_their_row():
    out = rows(KPI_ADJUST(20, [[1, 0, 0], [0, -1, 0], [0, 0, 1.5], [0, 0, 1]], ATTENDANCE))
    assert out[0] == 15 and out[3] == 10
    assert out[1] == KpiError("#VALUE!", "counts item 2: -1 is negative")
    assert out[2] == KpiError("#VALUE!", "counts item 3: 1.50 is not a whole number")


def test_rule_list_problems_fail_the_call():
    err = KPI_ADJUST(20, [1, 0, 0], [-5, None, -10])
    assert (
        err.code == "#VALUE!"
        and "per_unit entry 2 is blank" in err.reason
        and "coefficient blank" in err.reason
    )
    assert KPI_ADJUST(20, [1, 0], ATTENDANCE).code == "#VALUE!"  # width ≠ per_unit
    assert KPI_ADJUST(20, [1, 0, 0], ATTENDANCE, [1, 1]).code == "#VALUE!"
    assert KPI_ADJUST(20, [1, 0, 0], ATTENDANCE, -1).code == "#VALUE!"
    assert KPI_ADJUST(20, [1, 0, 0], ATTENDANCE, 0.5).code == "#VALUE!"
    assert KPI_ADJUST(20, [1, 0, 0], ATTENDANCE, floor=10, cap=5).reason == "floor 10 is above cap 5"
    err = KPI_ADJUST(20, [1, 0, 0], ATTENDANCE, mode="DOUBLE")
    assert err.code == "#VALUE!" and "mode" in err.reason and "ESCALATING" in err.reason


def test_adjust_bad_text_and_errors():
    err = KPI_ADJUST(20, [1, "two", 0], ATTENDANCE)
    assert err.code == "#VALUE!" and "counts" in err.reason
    err = KPI_ADJUST("twenty", [1, 0, 0], ATTENDANCE)
    assert err.code == "#VALUE!" and "start" in err.reason
    assert KPI_ADJUST(20, [1, KpiError("#N/A", "late count"), 0], ATTENDANCE) == KpiError(
        "#N/A", "late count"
    )
    assert KPI_ADJUST(20, [1, 0, 0], [-5, "#REF!", -10]).code == "#REF!"


def test_adjust_column_equals_one_by_one():
    counts = [[0, 0, 0], [3, 1, 1], [None, None, None], [0, -2, 0], [2, "#N/A: x", 0], [1, 1, 0]]
    out = rows(KPI_ADJUST(20, counts, ATTENDANCE, floor="NONE"))
    singles = [KPI_ADJUST(20, c, ATTENDANCE, floor="NONE") for c in counts]
    assert out == singles
    assert singles[:3] == [20, -10, None] and singles[5] == 10


def test_adjust_per_employee_start():
    assert rows(KPI_ADJUST([[20], [30]], [[1, 0, 0], [0, 0, 1]], ATTENDANCE)) == [15, 20]


# ---------------------------------------------------------------------------
# KPI_WEIGHTED


def test_we6_presales_weighted_total_is_90():
    scores = [100, 80, 80, 100, 80]  # X 57 %, Y 1.09, Z 98 %, T 24 s, 良好
    assert KPI_WEIGHTED(scores, W44) == pytest.approx(90, abs=1e-12)
    assert KPI_WEIGHTED(scores, [0.35, 0.25, 0.15, 0.15, 0.10]) == pytest.approx(90, abs=1e-12)
    assert KPI_WEIGHTED(scores, ["35%", "25%", "15%", "15%", "10%"]) == pytest.approx(90, abs=1e-12)


def test_we1_single_indicator_contribution():
    assert KPI_WEIGHTED([80, 0, 0, 0, 0], W44) == pytest.approx(28)  # 80 × 35 %


def test_amb44_s1a_weights_sum_to_90_percent():
    scores = [80, 90, 70, 100]
    err = KPI_WEIGHTED(scores, W1A)
    assert err == KpiError("#VALUE!", "weights sum to 90%, expected 100%")
    assert KPI_WEIGHTED(scores, [0.3, 0.3, 0.2, 0.1]) == err
    # NORMALIZE: (2400 + 2700 + 1400 + 1000) / 90; AS_IS: / 100 (max 90)
    assert KPI_WEIGHTED(scores, W1A, "NORMALIZE") == pytest.approx(7500 / 90)
    assert KPI_WEIGHTED(scores, W1A, "AS_IS") == pytest.approx(75)
    assert KPI_WEIGHTED([100] * 4, W1A, "AS_IS") == pytest.approx(90)


def test_s1a_sub_weights_also_sum_to_90():
    sub = [10, 10, 10, 15, 10, 5, 10, 5, 5, 5, 5]
    assert KPI_WEIGHTED([80] * 11, sub).reason == "weights sum to 90%, expected 100%"
    assert KPI_WEIGHTED([80] * 11, sub, "NORMALIZE") == pytest.approx(80)


def test_s1g_s3_1_s3_12_weights():
    assert KPI_WEIGHTED([90, 80, 70, 60], [40, 20, 20, 20]) == pytest.approx(78)  # 36+16+14+12
    assert KPI_WEIGHTED([90, 80], [0.3, 0.7]) == pytest.approx(83)  # self 30 % / manager 70 %
    s312 = [30, 30, 10, 5, 5, 5, 5, 10]
    assert KPI_WEIGHTED([100] * 8, s312) == pytest.approx(100)


def test_amb29_table_47_blank_weights_are_an_error():
    err = KPI_WEIGHTED([100, 80, 80, 100, 80], [None] * 5)
    assert err.code == "#VALUE!" and "weights is blank" in err.reason
    err = KPI_WEIGHTED([100, 80, 80, 100, 80], [20, 20, None, 20, 20], "NORMALIZE")
    assert err.code == "#VALUE!" and "weights entry 3 is blank" in err.reason


def test_tolerance_and_weight_problems():
    thirds = [0.33, 0.33, 0.33]
    assert KPI_WEIGHTED([90, 90, 90], thirds).reason == "weights sum to 99%, expected 100%"
    assert KPI_WEIGHTED([90, 90, 90], thirds, "ERROR", 0.01) == pytest.approx(89.1)  # used as they are
    assert KPI_WEIGHTED([90, 90, 90], thirds, "ERROR", -1).code == "#VALUE!"
    assert KPI_WEIGHTED([90, 90], [110, -10]).reason == "weights entry 2 is negative: -10"
    assert KPI_WEIGHTED([90, 90], [0, 0], "NORMALIZE").code == "#DIV/0!"
    assert KPI_WEIGHTED([90, 90, 90], W1A).code == "#VALUE!"  # 3 scores, 4 weights


def test_partly_blank_score_row_names_the_item_and_blank_row_is_blank():
    assert KPI_WEIGHTED([100, 80, None, 100, 80], W44) == KpiError("#VALUE!", "scores item 3 is blank")
    assert KPI_WEIGHTED([None] * 5, W44) is None


def test_max_scores():
    assert KPI_WEIGHTED([100, 80, 80, 100, 80], W44, max_scores=100) == pytest.approx(90)
    err = KPI_WEIGHTED([100, 120, 80, 100, 80], W44, max_scores=100)
    assert err == KpiError("#VALUE!", "scores item 2: 120 is above its max 100")
    err = KPI_WEIGHTED([20, 20], [50, 50], max_scores=[20, 10])
    assert err.reason == "scores item 2: 20 is above its max 10"
    assert KPI_WEIGHTED([20, 20], [50, 50], max_scores=[20, 10, 5]).code == "#VALUE!"


def test_weighted_bad_text_and_errors():
    err = KPI_WEIGHTED([100, "good", 80, 100, 80], W44)
    assert err.code == "#VALUE!" and "scores" in err.reason
    assert KPI_WEIGHTED([100, 80, "#N/A: gap", 100, 80], W44) == KpiError("#N/A", "gap")
    assert KPI_WEIGHTED([100, 80, 80, 100, 80], [35, 25, "#DIV/0!", 15, 10]).code == "#DIV/0!"
    err = KPI_WEIGHTED([100, 80, 80, 100, 80], W44, "SOMETIMES")
    assert err.code == "#VALUE!" and "weight_check" in err.reason


def test_weighted_column_equals_one_by_one():
    table = [
        [100, 80, 80, 100, 80],
        [60, 50, 50, 100, 70],
        [None] * 5,
        [100, None, 80, 100, 80],
        [100, 80, KpiError("#N/A", "x"), 100, 80],
        [100, 180, 80, 100, 80],
    ]
    out = rows(KPI_WEIGHTED(table, W44, max_scores=100))
    singles = [KPI_WEIGHTED(r, W44, max_scores=100) for r in table]
    assert out == singles
    assert singles[1] == pytest.approx(21 + 12.5 + 7.5 + 15 + 7)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 100, allow_nan=False), st.floats(0.001, 1000, allow_nan=False)),
        min_size=1,
        max_size=8,
    )
)
def test_property_weights_summing_to_1_stay_between_min_and_max_score(pairs):
    scores = [s for s, _ in pairs]
    raw = [w for _, w in pairs]
    weights = [w / math.fsum(raw) for w in raw]
    total = KPI_WEIGHTED(scores, weights)
    assert min(scores) - 1e-9 <= total <= max(scores) + 1e-9


# ---------------------------------------------------------------------------
# KPI_TOTAL


def test_s0a_total_of_six_items_plus_adjustments():
    items = [20, 30, 15, 20, 10, 0]
    assert KPI_TOTAL(items, MAX_S0A) == 95
    assert KPI_TOTAL(items, MAX_S0A, [-5, 2], declared_max=130) == 92  # 低质评价 −5, 表扬 +2


def test_amb74_s2c_declared_130_items_sum_to_100():
    err = KPI_TOTAL([20, 15, 10, 0, 20], [20] * 5, declared_max=130)
    assert err == KpiError("#VALUE!", "declared 130, items sum to 100")
    assert KPI_TOTAL([20, 15, 10, 0, 20], [20] * 5, declared_max=100) == 65
    assert KPI_TOTAL([20, 15, 10, 0, 20], [20] * 5) == 65  # no declared_max: no check
    assert KPI_TOTAL([20, 15], None, declared_max=100).code == "#VALUE!"


def test_s1f_and_s3_12_maxima():
    assert KPI_TOTAL([20, 20, 20, 10, 15], [20] * 5, declared_max=100) == 85
    s312 = [30, 30, 10, 5, 5, 5, 5, 10]
    assert KPI_TOTAL([27, 24, 10, 5, 4, 3, 5, 8], s312, declared_max=100) == 86


def test_amb05_floor_0_and_no_cap_by_default():
    assert KPI_TOTAL(MAX_S0A, MAX_S0A, [2, 2]) == 134  # praise pushes past 130
    assert KPI_TOTAL(MAX_S0A, MAX_S0A, [2, 2], cap=130) == 130
    assert KPI_TOTAL([0, 0, 0, 0, 5, 0], MAX_S0A, [-20]) == 0
    assert KPI_TOTAL([0, 0, 0, 0, 5, 0], MAX_S0A, [-20], floor="NONE") == -15
    assert KPI_TOTAL([1, 1], None, None, 5, 4).code == "#VALUE!"


def test_item_above_its_max_fails_its_row_only():
    out = rows(KPI_TOTAL([[20, 15, 10, 0, 20], [20, 15, 10, 0, 25]], [20] * 5))
    assert out[0] == 65
    assert out[1] == KpiError("#VALUE!", "item_points item 5: 25 is above its max 20")


def test_total_blanks():
    assert KPI_TOTAL([20, None, 10], [20, 20, 20]) == KpiError("#VALUE!", "item_points item 2 is blank")
    assert KPI_TOTAL([None, None, None], [20, 20, 20]) is None
    assert KPI_TOTAL([20, 20, 10], [20, 20, 20], [None, -5, None]) == 45  # blank adjustments count 0
    assert KPI_TOTAL([20, 20], [20, None]).code == "#VALUE!"  # a blank maximum


def test_total_bad_text_and_errors():
    err = KPI_TOTAL([20, "x", 10], [20, 20, 20])
    assert err.code == "#VALUE!" and "item_points" in err.reason
    err = KPI_TOTAL([20, 10, 10], [20, 20, 20], [2, "lots"])
    assert err.code == "#VALUE!" and "adjustments" in err.reason
    assert KPI_TOTAL([20, KpiError("#N/A", "rule missing"), 10], [20, 30, 20]) == KpiError(
        "#N/A", "rule missing"
    )


def test_total_column_with_one_adjustment_per_employee():
    items = [[20, 30, 15, 20, 10, 0], [20, 30, 20, 20, 20, 20]]
    assert rows(KPI_TOTAL(items, MAX_S0A, [[-5], [2]])) == [90, 132]
    assert rows(KPI_TOTAL(items, MAX_S0A, [[-5, 2], [2, None]])) == [92, 132]


def test_total_column_equals_one_by_one():
    items = [
        [20, 30, 15, 20, 10, 0],
        [20, 30, 20, 20, 20, 20],
        [None] * 6,
        [20, 31, 20, 20, 20, 20],
        [20, None, 20, 20, 20, 20],
        [0, 0, 0, 0, 0, 5],
    ]
    adjustments = [[-5, 2], [2, 2], [0, 0], [0, 0], [0, 0], [-20, KpiError("#N/A", "adj")]]
    out = rows(KPI_TOTAL(items, MAX_S0A, adjustments, cap=130))
    singles = [KPI_TOTAL(i, MAX_S0A, a, cap=130) for i, a in zip(items, adjustments, strict=True)]
    assert out == singles
    assert singles[:3] == [92, 130, None] and singles[5] == KpiError("#N/A", "adj")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 100), min_size=2, max_size=9), min_size=2, max_size=12).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    ),
    st.integers(1, 99),
)
def test_weighted_column_equals_one_by_one_to_the_last_bit(scores, first):
    # 80 × 0.3 + 85 × 0.7 is 83.5 alone; a matrix product gave 83.49999999999999 for the
    # same row inside a column (fused multiply-add), which moved a COUNTIF("<"&score) rank.
    width = len(scores[0])
    weights = [first / 100] + [(100 - first) / 100 / (width - 1)] * (width - 1)
    column = rows(KPI_WEIGHTED(scores, weights, "AS_IS"))
    assert column == [KPI_WEIGHTED(r, weights, "AS_IS") for r in scores]
    assert rows(KPI_WEIGHTED([[80, 85]] * 10, [0.3, 0.7])) == [83.5] * 10
