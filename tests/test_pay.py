"""KPI_PAYOUT (F11): WE-6 under the three AMB-24 readings, rounding (AMB-G7), grade errors."""

import pytest

from kpi_udfs import KPI_GRADE, KPI_PAYOUT, KPI_WEIGHTED, KpiError

# Tables 4.5 (pay base) and 4.6 (coefficient)
GRADES, COEFS, BASES = ["A", "B", "C", "D"], [1.4, 1.2, 1.0, 0.8], [950, 800, 650, 550]


def pay(score, grade, mode="SCORE_X_COEF", round_to=None, **kw):
    return KPI_PAYOUT(score, grade, GRADES, COEFS, BASES, mode, round_to, **kw)


@pytest.mark.parametrize(
    "mode, amount",
    [("SCORE_X_COEF", 108), ("BASE_X_COEF", 960), ("BASE_X_SCOREPCT_X_COEF", 864)],
)
def test_we6_three_readings_of_the_bonus_formula(mode, amount):
    assert pay(90, "B", mode) == pytest.approx(amount)


def test_literal_mode_is_the_default_and_needs_no_bases():
    assert KPI_PAYOUT(90, "B", GRADES, COEFS) == pytest.approx(108)
    assert KPI_PAYOUT([95, 80, 70], ["A", "C", "D"], GRADES, COEFS).tolist() == pytest.approx([133, 80, 56])


def test_we6_pipeline_weighted_grade_payout():
    total = KPI_WEIGHTED([100, 80, 80, 100, 80], [35, 25, 15, 15, 10])
    grade = KPI_GRADE(total, [91, 86, 76, 65], GRADES)
    assert grade == "B"
    assert pay(total, grade) == pytest.approx(108)


@pytest.mark.parametrize("mode", ["BASE_X_COEF", "BASE_X_SCOREPCT_X_COEF"])
def test_base_modes_without_bases_fail_the_call(mode):
    err = KPI_PAYOUT(90, "B", GRADES, COEFS, None, mode)
    assert err.code == "#VALUE!" and mode in err.reason and "bases" in err.reason


def test_amb_g7_unrounded_by_default_and_round_to_a_unit():
    assert pay(90.5, "B", "BASE_X_SCOREPCT_X_COEF") == pytest.approx(868.8)  # 800 × 0.905 × 1.2
    assert pay(90.5, "B", "BASE_X_SCOREPCT_X_COEF", 1) == 869
    assert pay(90.5, "B", "SCORE_X_COEF", 1) == 109  # 108.6
    # 950 × 0.905 × 1.4 = 1203.65: half away from zero at every unit
    assert pay(90.5, "A", "BASE_X_SCOREPCT_X_COEF", 0.1) == pytest.approx(1203.7)
    assert pay(90.5, "A", "BASE_X_SCOREPCT_X_COEF", 0.01) == pytest.approx(1203.65)
    assert pay(90.5, "A", "BASE_X_SCOREPCT_X_COEF", 10) == 1200
    assert pay(90.5, "A", "BASE_X_SCOREPCT_X_COEF", 5) == 1205


def test_round_half_away_from_zero_both_signs():
    keys, coefs = ["X", "Y"], [1.0, -1.0]
    assert KPI_PAYOUT(90.5, "X", keys, coefs, round_to=1) == 91
    assert KPI_PAYOUT(90.5, "Y", keys, coefs, round_to=1) == -91
    assert KPI_PAYOUT(90.5, "Y", keys, coefs, round_to=0).code == "#VALUE!"


def test_grade_error_propagates_and_blank_grade_is_blank():
    failed = KPI_GRADE(60, [91, 86, 76, 65], GRADES)
    assert failed.code == "#N/A"
    assert pay(60, failed) == failed
    assert pay(60, None) is None
    assert pay(None, "B") is None


def test_ungraded_staff_paid_zero_through_a_below_label():
    grade = KPI_GRADE(60, [91, 86, 76, 65], GRADES, below_label="无")
    assert KPI_PAYOUT(60, grade, GRADES + ["无"], COEFS + [0]) == 0


def test_unknown_grade_names_it_and_the_known_grades():
    err = pay(90, "E")
    assert err == KpiError("#N/A", "grade 'E' is not in the table: known grades are A, B, C, D")


def test_grade_labels_fold():
    assert pay(90, " b ") == pytest.approx(108)
    assert pay(90, "Ｂ") == pytest.approx(108)


def test_blank_coefficient_or_base_is_a_missing_rule_for_that_grade():
    coefs = [1.4, None, 1.0, 0.8]
    assert KPI_PAYOUT(90, "B", GRADES, coefs) == KpiError(
        "#N/A", "no coefficient given for grade 'B': rule missing"
    )
    assert KPI_PAYOUT(90, "A", GRADES, coefs) == pytest.approx(126)
    err = KPI_PAYOUT(90, "C", GRADES, COEFS, [950, 800, None, 550], "BASE_X_COEF")
    assert err == KpiError("#N/A", "no base given for grade 'C': rule missing")


def test_malformed_tables_fail_the_call():
    assert KPI_PAYOUT(90, "B", GRADES, [1.4, 1.2, 1.0]).code == "#VALUE!"
    assert KPI_PAYOUT(90, "B", GRADES, COEFS, [950, 800], "BASE_X_COEF").code == "#VALUE!"
    err = KPI_PAYOUT(90, "A", ["A", "B", "B"], [1.4, 1.2, 1.1])
    assert err.code == "#VALUE!" and "listed twice" in err.reason
    err = KPI_PAYOUT(90, "A", GRADES, [1.4, "x", 1.0, 0.8])
    assert err.code == "#VALUE!" and "coefficients" in err.reason


def test_bad_text_and_errors():
    err = pay("ninety", "B")
    assert err.code == "#VALUE!" and "score" in err.reason
    err = pay(90, "B", "BONUS")
    assert err.code == "#VALUE!" and "mode" in err.reason
    assert pay(KpiError("#DIV/0!", "denominator is 0"), "B") == KpiError("#DIV/0!", "denominator is 0")


def test_column_equals_one_by_one():
    scores = [90, 95, None, 80, 70, 88, "x", 60]
    grades = ["B", "A", "B", "E", "D", KpiError("#N/A", "gap"), "C", None]
    out = pay(scores, grades, "BASE_X_SCOREPCT_X_COEF", 1)
    singles = [pay(s, g, "BASE_X_SCOREPCT_X_COEF", 1) for s, g in zip(scores, grades, strict=True)]
    assert list(out) == singles
    assert singles[:3] == [864, 1264, None] and singles[4] == 308  # 950×0.95×1.4 = 1263.5 → 1264; 550×0.7×0.8
