"""KPI_QUOTA, KPI_FORCE_GRADES, KPI_QUOTA_CHECK (SEED_RULES.md WE-28, tables 4.6/4.9, AMB-25/92)."""

import numpy as np
import pytest

from kpi_udfs import KPI_FORCE_GRADES, KPI_QUOTA, KPI_QUOTA_CHECK, KpiError

Q = [15, 45, 30, 10]  # table 4.6 人员比例
GRADES = ["A", "B", "C", "D"]


def counts(result):
    return [int(c) for c in result]


@pytest.mark.parametrize(
    "n, expected",
    [(20, [3, 9, 6, 2]), (7, [1, 3, 2, 1]), (10, [1, 5, 3, 1]), (0, [0, 0, 0, 0]), (1, [0, 1, 0, 0])],
)
def test_we28_largest_remainder(n, expected):
    assert counts(KPI_QUOTA(n, Q)) == expected


def test_we28_tie_break_higher_grade():
    assert counts(KPI_QUOTA(10, Q, tie_break="HIGHER_GRADE")) == [2, 4, 3, 1]


def test_we28_tie_break_error_names_the_tie():
    err = KPI_QUOTA(10, Q, tie_break="ERROR")
    assert err.code == "#N/A" and err.reason.startswith("quota 1 and quota 2 tie for the last 1 place")


def test_we28_naive_rounding_is_infeasible():
    # ROUND: 2 / 5 / 3 / 1 = 11 ≠ 10
    err = KPI_QUOTA(10, Q, "ROUND")
    assert err.code == "#NUM!" and err.reason.startswith("ROUND gives 2 / 5 / 3 / 1 = 11 staff, not 10")
    assert counts(KPI_QUOTA(20, Q, "ROUND")) == [3, 9, 6, 2]  # feasible when it adds up


def test_fractions_and_percents_read_the_same():
    assert counts(KPI_QUOTA(7, [0.15, 0.45, 0.30, 0.10])) == [1, 3, 2, 1]
    assert counts(KPI_QUOTA(7, ["15%", "45%", "30%", "10%"])) == [1, 3, 2, 1]


def test_exact_quotas_must_add_up_to_100_percent():
    err = KPI_QUOTA(7, [15, 45, 30, 5])
    assert err == KpiError("#VALUE!", "quotas add up to 95 %, not 100 % (mode EXACT)")


def test_amb92_max_mode_rounds_down():
    # S3-12: best ≤ 5 %, excellent ≤ 10 %; 5 % of 7 = 0.35 → 0 awards
    assert counts(KPI_QUOTA(7, [5, 10], mode="MAX")) == [0, 0]
    assert counts(KPI_QUOTA(30, [5, 10], mode="MAX")) == [1, 3]
    assert counts(KPI_QUOTA(7, [0.05, 0.10], "CEIL", mode="MAX")) == [1, 1]  # the "at least 1" option


def test_n_must_be_a_whole_number():
    assert KPI_QUOTA(7.5, Q).code == "#VALUE!"
    assert KPI_QUOTA(-1, Q).code == "#VALUE!"


def test_result_takes_the_shape_of_quotas():
    got = KPI_QUOTA(20, np.array([[15, 45, 30, 10]]))
    assert got.shape == (1, 4) and got.tolist() == [[3, 9, 6, 2]]


def test_blank_quota_is_an_error():
    err = KPI_QUOTA(7, [15, None, 30, 10])
    assert err.code == "#VALUE!" and "quota 2 is blank" in err.reason


# ---------------------------------------------------------------------------
# KPI_FORCE_GRADES


def test_force_grades_seven_staff_1_3_2_1():
    scores = [70, 95, 85, 90, 75, 88, 80]
    assert list(KPI_FORCE_GRADES(scores, GRADES, Q)) == ["D", "A", "B", "B", "C", "B", "C"]


def test_force_grades_keep_together_puts_a_boundary_tie_in_the_higher_grade():
    scores = [95, 95, 90, 85, 80, 75, 70]
    assert list(KPI_FORCE_GRADES(scores, GRADES, Q)) == ["A", "A", "B", "B", "C", "C", "D"]


def test_force_grades_ordinal_splits_a_tie_by_input_order():
    scores = [95, 95, 90, 85, 80, 75, 70]
    got = KPI_FORCE_GRADES(scores, GRADES, Q, tie_policy="ORDINAL")
    assert list(got) == ["A", "B", "B", "B", "C", "C", "D"]


def test_force_grades_error_marks_only_boundary_ties():
    got = KPI_FORCE_GRADES([95, 95, 88, 88, 80, 75, 70], GRADES, Q, tie_policy="ERROR")
    tie = KpiError("#N/A", "rows 1, 2 tie at 95 across grades A / B; choose a tie_policy")
    assert got[0] == got[1] == tie
    assert list(got[2:]) == ["B", "B", "C", "C", "D"]  # 88, 88 are both inside B


def test_force_grades_counts_only_valid_rows():
    # 10 scores plus a blank and an error: counts for n = 10 are 1 / 5 / 3 / 1 (WE-28)
    scores = [99, 98, None, 97, 96, 95, "#N/A", 94, 93, 92, 91, 90]
    got = KPI_FORCE_GRADES(scores, GRADES, Q)
    assert got[2] is None and got[6].code == "#N/A"
    grades = [g for g in got if isinstance(g, str)]
    assert grades == ["A", "B", "B", "B", "B", "B", "C", "C", "C", "D"]


AWARDS = ["最佳客服专员", "优秀客服专员", "—"]
CAPS = [0.05, 0.10, None]  # 「其余」: the rest, no cap


@pytest.mark.parametrize("n", range(1, 61))
def test_s3_12_awards_rounded_down_at_every_team_size(n):
    """S3-12 (AMB-92): 「不得超过5% / 10%」 rounded down; everyone else is 「—」. Hand rule: best
    gets ⌊n/20⌋ places, excellent ⌊n/10⌋, the rest n − both (FLOOR alone would leave the
    85 % row short: 19 staff give 0 / 1 / 16 = 17, and the other two are 「—」 too)."""
    scores = [100 - i for i in range(n)]  # no ties: places follow the order
    got = KPI_FORCE_GRADES(scores, AWARDS, CAPS, "FLOOR")
    got = [got] if n == 1 else list(got)
    best, excellent = n // 20, n // 10
    assert got == ["最佳客服专员"] * best + ["优秀客服专员"] * excellent + ["—"] * (n - best - excellent)
    assert KPI_QUOTA_CHECK(got, AWARDS, CAPS, "MAX", "FLOOR") is True  # the caps hold
    assert list(KPI_FORCE_GRADES(scores, AWARDS, [0.05, 0.10, 0.85], "FLOOR")) == got  # the rest written out


def test_force_grades_ceil_leaves_the_places_beyond_the_staff_unused():
    # 7 staff, 15/45/30/10 % rounded up: 2 / 4 / 3 / 1 places for 7 people → A A B B B B C
    got = KPI_FORCE_GRADES([7, 6, 5, 4, 3, 2, 1], GRADES, Q, "CEIL")
    assert list(got) == ["A", "A", "B", "B", "B", "B", "C"]


def test_force_grades_takes_one_blank_quota_as_the_rest():
    assert list(KPI_FORCE_GRADES([3, 2, 1], ["A", "B"], [0.4, None])) == ["A", "B", "B"]
    err = KPI_FORCE_GRADES([3, 2, 1], ["A", "B", "C"], [0.4, None, None])
    assert err.code == "#VALUE!" and "only one quota may be blank" in err.reason


def test_force_grades_labels_must_match_quotas():
    err = KPI_FORCE_GRADES([1, 2], ["A", "B", "C"], Q)
    assert err.code == "#VALUE!" and "labels has 3 entries but quotas has 4" in err.reason


# ---------------------------------------------------------------------------
# KPI_QUOTA_CHECK


def test_quota_check_true_when_counts_match():
    assert KPI_QUOTA_CHECK(["A", "B", "B", "B", "C", "C", "D"], GRADES, Q) is True


def test_quota_check_reports_over_and_under():
    got = KPI_QUOTA_CHECK(["A", "A", "B", "B", "B", "C", "C"], GRADES, Q)
    assert got == "A: 2 > 1; D: 0 < 1"


def test_quota_check_skips_blanks_and_folds_labels():
    assert KPI_QUOTA_CHECK(["a", None, " B ", "b", "B", "C", "", "c", "d"], GRADES, Q) is True


def test_quota_check_max_mode_s3_12():
    # 最佳 ≤ 5 %, 优秀 ≤ 10 % of 20 staff → at most 1 and 2; 優秀 (Traditional) matches 优秀;
    # the rest (合格) has no cap (blank quota)
    labels, quotas = ["最佳", "优秀", "合格"], [5, 10, None]
    assert KPI_QUOTA_CHECK(["最佳", "優秀", "优秀"] + ["合格"] * 17, labels, quotas, "MAX") is True
    assert KPI_QUOTA_CHECK(["合格"] * 20, labels, quotas, "MAX") is True  # fewer awards is fine
    assert KPI_QUOTA_CHECK(["最佳", "最佳"] + ["合格"] * 18, labels, quotas, "MAX") == "最佳: 2 > 1"
    # 7 staff: 5 % → 0 awards allowed (AMB-92)
    assert KPI_QUOTA_CHECK(["最佳"] + ["合格"] * 6, labels, quotas, "MAX") == "最佳: 1 > 0"


def test_max_mode_blank_quota_is_uncapped_exact_mode_blank_is_an_error():
    assert list(KPI_QUOTA(20, [5, 10, None], mode="MAX")) == [1, 2, None]
    assert KPI_QUOTA(20, [5, 10, None]).code == "#VALUE!"


def test_quota_check_unknown_grade_is_na_naming_it():
    err = KPI_QUOTA_CHECK(["A", "E"], GRADES, Q)
    assert err == KpiError("#N/A", "grade 'E' is not among the labels")


def test_quota_check_error_in_grades_propagates():
    assert KPI_QUOTA_CHECK(["A", "#DIV/0!"], GRADES, Q).code == "#DIV/0!"
