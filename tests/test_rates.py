"""KPI_RATE (F1), KPI_CHECK_RANGE (F5) and KPI_PASS (F18), numbers by hand from the seeds."""

import pytest

from kpi_udfs import KPI_CHECK_RANGE, KPI_PASS, KPI_RATE, KpiError

# ---------------------------------------------------------------------------
# KPI_RATE


def test_we1_conversion_104_of_200():
    assert KPI_RATE(104, 200) == pytest.approx(0.52)


def test_we3_aov_ratio_and_s0h_completion_ratio():
    assert KPI_RATE(168, 150) == pytest.approx(1.12)
    assert KPI_RATE(920_000, 1_000_000) == pytest.approx(0.92)


def test_zero_denominator_amb_g4():
    assert KPI_RATE(5, 0) == KpiError("#DIV/0!", "denominator is 0")
    assert KPI_RATE(5, 0, 0) == 0
    assert KPI_RATE(5, 0, "无询单") == "无询单"
    assert KPI_RATE(5, 0, "error").code == "#DIV/0!"


def test_complement_s1e_compliance_rate():
    # 1 − (3 misses / 20 spot checks) = 85 % (AMB-50: a fraction, never × 100)
    assert KPI_RATE(3, 20, "ERROR", True) == pytest.approx(0.85)
    assert KPI_RATE(3, 20, complement=False) == pytest.approx(0.15)


@pytest.mark.parametrize(
    "num, den, ratio",
    [("104", "200", 0.52), ("1,200", "2,400", 0.5), ("５２％", 1, 0.52), (" 52 ", "100", 0.52)],
)
def test_numeric_text_is_read(num, den, ratio):
    assert KPI_RATE(num, den) == pytest.approx(ratio)


def test_rate_blanks_bad_text_and_errors():
    assert KPI_RATE(None, 200) is None
    assert KPI_RATE(104, "") is None
    err = KPI_RATE("many", 200)
    assert err.code == "#VALUE!" and "numerator" in err.reason
    err = KPI_RATE(104, "two hundred")
    assert err.code == "#VALUE!" and "denominator" in err.reason
    assert KPI_RATE(KpiError("#REF!", "deleted"), 200) == KpiError("#REF!", "deleted")
    err = KPI_RATE(1, 2, complement="perhaps")
    assert err.code == "#VALUE!" and "complement" in err.reason


def test_rate_column_equals_one_by_one():
    num = [104, 5, None, "x", "#N/A: upstream", 3, "1,200"]
    den = [200, 0, 10, 10, 10, 20, "2,400"]
    out = KPI_RATE(num, den)
    singles = [KPI_RATE(n, d) for n, d in zip(num, den, strict=True)]
    assert list(out) == singles
    assert singles[0] == pytest.approx(0.52) and singles[1].code == "#DIV/0!" and singles[2] is None


# ---------------------------------------------------------------------------
# KPI_CHECK_RANGE


@pytest.mark.parametrize("amount", [5, 12, 17, 20])
def test_amb06_complaint_deduction_5_to_20_accepted(amount):
    assert KPI_CHECK_RANGE(amount, 5, 20) == amount


@pytest.mark.parametrize("amount, reason", [(4, "4 is outside [5, 20]"), (25, "25 is outside [5, 20]")])
def test_amb06_out_of_range_is_value_error_with_the_range(amount, reason):
    assert KPI_CHECK_RANGE(amount, 5, 20) == KpiError("#VALUE!", reason)


def test_amb06_praise_2_to_5():
    assert KPI_CHECK_RANGE(17, 2, 5) == KpiError("#VALUE!", "17 is outside [2, 5]")
    assert KPI_CHECK_RANGE(2, 2, 5) == 2


def test_amb16_special_bonus_0_to_500_policies():
    assert KPI_CHECK_RANGE(300, 0, 500) == 300
    assert KPI_CHECK_RANGE(600, 0, 500).code == "#VALUE!"
    assert KPI_CHECK_RANGE(600, 0, 500, "CLAMP") == 500
    assert KPI_CHECK_RANGE(-10, 0, 500, "CLAMP") == 0
    assert KPI_CHECK_RANGE(600, 0, 500, 0) == 0
    assert KPI_CHECK_RANGE(300, 0, 500, 0) == 300
    err = KPI_CHECK_RANGE(600, 0, 500, "IGNORE")
    assert err.code == "#VALUE!" and "on_fail" in err.reason


def test_bounds_inclusive_with_tolerance():
    assert KPI_CHECK_RANGE(0.1 + 0.2, 0, 0.3) == pytest.approx(0.3)  # 0.30000000000000004


def test_per_row_ranges_and_inverted_range():
    out = KPI_CHECK_RANGE([15, 4, 3], [5, 2, 20], [20, 5, 5])
    assert out[0] == 15 and out[1] == 4
    assert out[2] == KpiError("#VALUE!", "min 20 is above max 5")


def test_check_range_blanks_bad_text_and_errors():
    assert KPI_CHECK_RANGE(None, 5, 20) is None
    err = KPI_CHECK_RANGE("ten", 5, 20)
    assert err.code == "#VALUE!" and "value" in err.reason
    err = KPI_CHECK_RANGE(10, "five", 20)
    assert err.code == "#VALUE!" and "min" in err.reason
    assert KPI_CHECK_RANGE(KpiError("#N/A", "x"), 5, 20) == KpiError("#N/A", "x")


@pytest.mark.parametrize("on_fail", ["ERROR", "CLAMP", -1])
def test_check_range_column_equals_one_by_one(on_fail):
    values = [5, 4, None, 25, "x", 20.0000000001, KpiError("#N/A", "y")]
    out = KPI_CHECK_RANGE(values, 5, 20, on_fail)
    singles = [KPI_CHECK_RANGE(v, 5, 20, on_fail) for v in values]
    assert list(out) == singles
    assert singles[0] == 5 and singles[2] is None


# ---------------------------------------------------------------------------
# KPI_PASS


@pytest.mark.parametrize(
    "value, target, direction, expected",
    [
        (30, 30, "LOWER", True),  # S1-D reply within 30 s
        (31, 30, "LOWER", False),
        (0.8, 0.8, "HIGHER", True),  # S1-D FCR 80 % 以上 (AMB-46 inclusive)
        (0.79, 0.8, "HIGHER", False),
        (4.5, 4.5, "HIGHER", True),  # satisfaction 4.5 分以上
        (0.9, 0.9, "HIGHER", True),  # S1-H 90 % 以上
        (24, 24, "LOWER", True),  # S0-J 不超过 24 h
        (24.5, 24, "LOWER", False),
        (35, 35, "LOWER", True),  # S0-B 35天以下 triggers the deduction (AMB-09)
        (36, 35, "LOWER", False),
        (80, 80, "HIGHER", True),  # S3-11 below 80 → no bonus
        (79.999, 80, "HIGHER", False),
    ],
)
def test_seed_targets_inclusive(value, target, direction, expected):
    assert KPI_PASS(value, target, direction) is expected


def test_amb46_strict_reading():
    assert KPI_PASS(0.8, 0.8, "HIGHER", False) is False
    assert KPI_PASS(0.81, 0.8, "HIGHER", False) is True
    assert KPI_PASS(30, 30, "LOWER", False) is False
    assert KPI_PASS(16, 15, "HIGHER", False) is True  # S3-2 leave 超过 15 days
    assert KPI_PASS(15, 15, "HIGHER", False) is False


def test_pass_boundary_tolerance():
    assert KPI_PASS(0.1 + 0.7, 0.8) is True  # 0.7999999999999999 (AMB-G3)


def test_pass_blanks_bad_text_and_errors():
    assert KPI_PASS(None, 0.8) is None
    assert KPI_PASS(0.9, None) is None
    err = KPI_PASS("fast", 30, "LOWER")
    assert err.code == "#VALUE!" and "value" in err.reason
    err = KPI_PASS(30, 30, "SOONER")
    assert err.code == "#VALUE!" and "direction" in err.reason
    assert KPI_PASS("#N/A: missing", 30) == KpiError("#N/A", "missing")


def test_pass_column_equals_one_by_one():
    values = [0.82, 0.8, 0.79, None, "x", "85%"]
    out = KPI_PASS(values, 0.8)
    singles = [KPI_PASS(v, 0.8) for v in values]
    assert list(out) == singles
    assert singles[:4] == [True, True, False, None] and singles[5] is True
