"""KPI_TARGET_LINEAR (F6) and KPI_TARGET_STEP (F7): S0-H, S0-I, S1-E, S3-11, numbers by hand."""

import pytest

from kpi_udfs import KPI_TARGET_LINEAR, KPI_TARGET_STEP, KpiError

TARGET = 1_000_000  # WE-11 sales target


def sales(actual, **kw):
    """S0-H item 1: R < 85 % → 0, else 40 × R, cap 80."""
    return KPI_TARGET_LINEAR(actual, TARGET, 40, 0.85, 80, **kw)


# ---------------------------------------------------------------------------
# KPI_TARGET_LINEAR


@pytest.mark.parametrize(
    "actual, points",
    [(920_000, 36.8), (850_000, 34), (840_000, 0), (2_100_000, 80), (1_500_000, 60), (1_000_000, 40)],
)
def test_we11_s0h_sales_item(actual, points):
    assert sales(actual) == pytest.approx(points, abs=1e-12)


def test_gate_inclusive_false_and_below_gate_value():
    assert sales(850_000, gate_inclusive=False) == 0
    assert sales(850_001, gate_inclusive=False) == pytest.approx(34.00004)
    assert sales(840_000, below_gate=-5) == -5


def test_amb41_s0i_literal_and_scaled_presets():
    assert KPI_TARGET_LINEAR(900_000, TARGET, 40, 0.85, 80) == pytest.approx(
        36
    )  # literal: above its 30 standard
    assert KPI_TARGET_LINEAR(900_000, TARGET, 30, 0.85, 60) == pytest.approx(27)  # scaled 30 × R
    assert KPI_TARGET_LINEAR(900_000, TARGET, 40, 0.85, 30) == 30  # capped at the standard value


@pytest.mark.parametrize(
    "score, full, prorata",
    [(79, 0, 0), (80, 300, 240), (95, 300, 285), (100, 300, 300), (120, 360, 360)],
)
def test_s3_11_warehouse_bonus_full_and_prorata(score, full, prorata):
    # R = score / 100, 300 元 × R, < 80 → 0; AMB-86: 80…100 FULL (min_ratio 1) or PRORATA (blank)
    assert KPI_TARGET_LINEAR(score, 100, 300, 0.8, None, True, 0, 1) == pytest.approx(full)
    assert KPI_TARGET_LINEAR(score, 100, 300, 0.8) == pytest.approx(prorata)


def test_zero_and_negative_target():
    assert sales(500_000) == 0
    err = KPI_TARGET_LINEAR(920_000, 0, 40, 0.85, 80)
    assert err.code == "#DIV/0!" and err.reason.startswith("target is 0")
    assert KPI_TARGET_LINEAR(5, -10, 40).reason == "target -10 is negative"


def test_linear_blanks_bad_text_and_errors():
    assert sales(None) is None
    assert KPI_TARGET_LINEAR(920_000, None, 40) is None
    err = sales("lots")
    assert err.code == "#VALUE!" and "actual" in err.reason
    err = KPI_TARGET_LINEAR(920_000, TARGET, None)
    assert err.code == "#VALUE!" and "multiplier" in err.reason
    err = KPI_TARGET_LINEAR(920_000, TARGET, 40, "high")
    assert err.code == "#VALUE!" and "gate" in err.reason
    assert sales(KpiError("#REF!", "")) == KpiError("#REF!", "")
    assert KPI_TARGET_LINEAR(920_000, "#N/A: no plan", 40) == KpiError("#N/A", "no plan")


def test_linear_column_equals_one_by_one():
    actual = [920_000, 850_000, 840_000, None, "x", 2_100_000, 10, 10]
    target = [TARGET] * 6 + [0, -1]
    out = KPI_TARGET_LINEAR(actual, target, 40, 0.85, 80)
    singles = [KPI_TARGET_LINEAR(a, t, 40, 0.85, 80) for a, t in zip(actual, target, strict=True)]
    assert list(out) == singles
    assert singles[3] is None and singles[6].code == "#DIV/0!" and singles[7].code == "#VALUE!"


# ---------------------------------------------------------------------------
# KPI_TARGET_STEP


def traffic(actual, **kw):
    """S0-H item 2: 20, −2 per percentage point below plan (REL), until 0."""
    return KPI_TARGET_STEP(actual, 10_000, 20, 2, **kw)


@pytest.mark.parametrize(
    "actual, points",
    [(10_000, 20), (12_000, 20), (9_900, 18), (9_650, 14), (9_000, 0), (8_000, 0)],
)
def test_s0h_traffic(actual, points):
    assert traffic(actual) == pytest.approx(points)


def test_amb38_rounding_of_partial_steps():
    assert traffic(9_650) == pytest.approx(14)  # 3 completed steps
    assert traffic(9_650, rounding="EXACT") == pytest.approx(13)  # 3.5 steps
    assert traffic(9_650, rounding="CEIL") == pytest.approx(12)  # 4 steps


def conversion(actual, **kw):
    """S0-H item 3: 15, −2 per percentage point below plan (ABS), until 0; plan 5 %."""
    return KPI_TARGET_STEP(actual, 0.05, 15, 2, gap_mode="ABS", **kw)


@pytest.mark.parametrize(
    "actual, points",
    [
        (0.06, 15),
        (0.05, 15),
        (0.045, 15),
        (0.04, 13),
        (0.03, 11),
        (0.025, 11),
        (0.02, 9),
        (0.012, 9),
        (0.0, 5),
    ],
)
def test_s0h_conversion_absolute_points(actual, points):
    # 0.02 − 0.05 = −0.030000000000000002: still 3 whole steps (AMB-G3)
    assert conversion(actual) == pytest.approx(points)


def test_amb37_conversion_relative_reading_differs():
    # 3 % → 2.5 %: ABS 0.5 pp = 0 steps; REL −16.7 % = 16 steps → 15 − 32 → 0
    assert KPI_TARGET_STEP(0.025, 0.03, 15, 2, gap_mode="ABS") == 15
    assert KPI_TARGET_STEP(0.025, 0.03, 15, 2, gap_mode="REL") == 0


def aov(actual, target=100, **kw):
    """S0-H item 4: 15 ± 2 per 10 % (REL), up uncapped, down until 0."""
    return KPI_TARGET_STEP(actual, target, 15, 2, 2, 0.1, **kw)


@pytest.mark.parametrize(
    "actual, points",
    [(100, 15), (125, 19), (130, 21), (200, 35), (95, 15), (90, 13), (80, 11), (30, 1), (20, 0)],
)
def test_s0h_average_order_value(actual, points):
    assert aov(actual) == pytest.approx(points)


def test_amb_g3_180_of_200_is_one_whole_10_percent_step():
    assert aov(180, 200) == 13
    assert 1 - 180 / 200 < 0.1  # the float trap the rule must not fall into


def test_s0i_supervisor_conversion():
    # 20, −2 per percentage point below target (ABS); target 30 %
    assert KPI_TARGET_STEP(0.265, 0.30, 20, 2, gap_mode="ABS") == pytest.approx(14)
    assert KPI_TARGET_STEP(0.30, 0.30, 20, 2, gap_mode="ABS") == 20
    assert KPI_TARGET_STEP(0.20, 0.30, 20, 2, gap_mode="ABS") == 0


def satisfaction(score, **kw):
    """S1-E item 1: 60 and below → 0; +2.5 per point above 60."""
    return KPI_TARGET_STEP(score, 60, 0, 0, 2.5, 1, "ABS", below_target="ZERO", **kw)


@pytest.mark.parametrize("score, points", [(72, 30), (61, 2.5), (60, 0), (55, 0), (72.4, 30), (100, 100)])
def test_s1e_satisfaction(score, points):
    assert satisfaction(score) == pytest.approx(points)


def test_amb48_satisfaction_exact_steps_and_cap():
    assert satisfaction(72.4, rounding="EXACT") == pytest.approx(31)
    assert satisfaction(90, cap=50) == 50


def test_below_target_zero_versus_step():
    # base 10, −1 per point below 60, +2.5 above
    assert KPI_TARGET_STEP(55, 60, 10, 1, 2.5, 1, "ABS") == 5
    assert KPI_TARGET_STEP(55, 60, 10, 1, 2.5, 1, "ABS", below_target="ZERO") == 0
    assert KPI_TARGET_STEP(60, 60, 10, 1, 2.5, 1, "ABS", below_target="ZERO") == 0
    assert KPI_TARGET_STEP(55, 60, 10, 1, 2.5, 1, "ABS", floor=3, below_target="ZERO") == 3
    assert KPI_TARGET_STEP(55, 60, 10, 1, 2.5, 1, "ABS", floor="NONE", below_target="ZERO") == 0


def test_direction_lower_s1e_cost_rate():
    # target cost rate 5 %, +1 per pp under it, −2 per pp over it, base 10
    def cost(x, **kw):
        return KPI_TARGET_STEP(x, 0.05, 10, 2, 1, 0.01, "ABS", direction="LOWER", **kw)

    assert cost(0.05) == 10
    assert cost(0.03) == pytest.approx(12)
    assert cost(0.07) == pytest.approx(6)
    assert cost(0.12) == 0
    assert cost(0.12, floor="NONE") == pytest.approx(-4)
    assert cost(0.06, below_target="ZERO") == 0
    assert cost(0.04, below_target="ZERO") == pytest.approx(11)


def test_amb49_blank_coefficient_is_an_error():
    err = KPI_TARGET_STEP(0.98, 1.0, 10, None, gap_mode="ABS")
    assert err.code == "#VALUE!" and "down_per_step" in err.reason and "blank" in err.reason


def test_step_setting_problems():
    assert KPI_TARGET_STEP(90, 100, 15, 2, 2, 0).reason == "step 0 must be above 0"
    assert KPI_TARGET_STEP(90, 100, 15, 2, 2, -0.1).code == "#VALUE!"
    err = KPI_TARGET_STEP(90, 100, 15, 2, gap_mode="PERCENT")
    assert err.code == "#VALUE!" and "gap_mode" in err.reason
    assert KPI_TARGET_STEP(90, 100, 15, 2, floor=10, cap=5).code == "#VALUE!"


def test_zero_target_rel_is_div0_abs_is_fine():
    err = KPI_TARGET_STEP(5, 0, 15, 2)
    assert err.code == "#DIV/0!" and "target is 0" in err.reason
    assert KPI_TARGET_STEP(-0.01, 0, 15, 2, gap_mode="ABS") == 13


def test_step_blanks_bad_text_and_errors():
    assert traffic(None) is None
    assert KPI_TARGET_STEP(9_000, None, 20, 2) is None
    err = traffic("many")
    assert err.code == "#VALUE!" and "actual" in err.reason
    assert traffic(KpiError("#N/A", "no data")) == KpiError("#N/A", "no data")


def test_step_column_equals_one_by_one():
    actual = [125, 80, None, "x", 180, 30, KpiError("#NUM!", ""), 5]
    target = [100, 100, 100, 100, 200, 100, 100, 0]
    out = KPI_TARGET_STEP(actual, target, 15, 2, 2, 0.1)
    singles = [KPI_TARGET_STEP(a, t, 15, 2, 2, 0.1) for a, t in zip(actual, target, strict=True)]
    assert list(out) == singles
    assert singles[:3] == [19, 11, None] and singles[4] == 13 and singles[7].code == "#DIV/0!"
