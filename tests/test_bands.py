"""KPI_BAND, KPI_GRADE, KPI_CHECK_BANDS against the seed tables (SEED_RULES.md S0-F, S0-G)."""

import numpy as np
import pytest

from kpi_udfs import KPI_BAND, KPI_CHECK_BANDS, KPI_GRADE, KpiError

# Table 4.4 X 订单转化率, repaired (AMB-17): [55%,∞)→100, [50,55)→80, [45,50)→60, (−∞,40%)→50
X_LO, X_HI, X_PTS = [0.55, 0.50, 0.45, None], [None, 0.55, 0.50, 0.40], [100, 80, 60, 50]
# The literal text 「45%>X>=50%」「40%>X>=45%」: rows 2 and 3 are empty sets
X_LITERAL_LO, X_LITERAL_HI = [0.55, 0.50, 0.45, None], [None, 0.45, 0.40, 0.40]
# Table 4.4 T 旺旺响应时间 (seconds, LOWER better, upper inclusive): gap (35, 40] (AMB-19)
T_LO, T_HI, T_PTS = [None, 25, 30, 40], [25, 30, 35, None], [100, 80, 60, 50]
# Table 4.7 T: gaps (30, 35] and (45, 50] (AMB-30)
T47_LO, T47_HI = [None, 35, 40, 50], [30, 40, 45, None]
# Table 4.4 Y 落实客单价 (complete)
Y_LO, Y_HI = [1.12, 1.08, 1.06, None], [None, 1.12, 1.08, 1.06]
GRADE_LO, GRADE_LAB, GRADE_HI = [91, 86, 76, 65], ["A", "B", "C", "D"], [100, 90, 85, 75]


def band_x(v, **kw):
    return KPI_BAND(v, X_LO, X_HI, X_PTS, **kw)


def test_we1_conversion_52_percent_scores_80_on_repaired_table():
    assert band_x(104 / 200) == 80.0


def test_we1_literal_table_is_an_error_naming_the_empty_row():
    err = KPI_BAND(0.52, X_LITERAL_LO, X_LITERAL_HI, X_PTS)
    assert err.code == "#VALUE!" and "empty band row 2" in err.reason


@pytest.mark.parametrize("x, pts", [(0.55, 100), (0.50, 80), (0.45, 60), (0.399, 50), (0.9, 100)])
def test_we2_boundaries(x, pts):
    assert band_x(x) == pts


@pytest.mark.parametrize("x", [0.42, 0.40])
def test_we2_gap_is_na_with_reason(x):
    err = band_x(x)
    assert err.code == "#N/A"
    assert err.reason == f"{x:.2f} falls in no band: gap [0.40, 0.45)"


def test_amb18_gap_policies():
    assert band_x(0.42, on_gap="WORSE") == 50
    assert band_x(0.42, on_gap="BETTER") == 60
    assert band_x(0.44, on_gap="NEAREST") == 60
    assert band_x(0.41, on_gap="NEAREST") == 50
    assert band_x(0.42, on_gap=55) == 55


def test_amb19_response_time_direction_lower_flips_worse_and_better():
    assert KPI_BAND(37, T_LO, T_HI, T_PTS, "(]", "LOWER").reason == "37 falls in no band: gap (35, 40]"
    assert KPI_BAND(37, T_LO, T_HI, T_PTS, "(]", "LOWER", "WORSE") == 50  # the slower band
    assert KPI_BAND(37, T_LO, T_HI, T_PTS, "(]", "LOWER", "BETTER") == 60


@pytest.mark.parametrize("t, pts", [(24, 100), (25, 100), (25.5, 80), (30, 80), (35, 60), (41, 50)])
def test_t_table_upper_inclusive(t, pts):
    assert KPI_BAND(t, T_LO, T_HI, T_PTS, "(]", "LOWER") == pts


def test_t47_two_gaps():
    assert KPI_BAND(33, T47_LO, T47_HI, T_PTS, "(]").reason.endswith("gap (30, 35]")
    assert KPI_BAND(48, T47_LO, T47_HI, T_PTS, "(]").reason.endswith("gap (45, 50]")


@pytest.mark.parametrize("shop_aov, pts", [(168, 100), (162, 80), (160, 60), (158, 50)])
def test_we3_aov_ratio(shop_aov, pts):
    assert KPI_BAND(shop_aov / 150, Y_LO, Y_HI, X_PTS) == pts


def test_amb33_literal_q_overlap_first_match_and_gap_below():
    lo, hi, codes = [1.3, 1.2, 1.1, 1.0], [None, 1.3, 1.2, None], ["[)", "[)", "[)", "()"]
    assert KPI_BAND(1.35, lo, hi, X_PTS, codes) == 100  # FIRST: rows 1 and 4 both hold it
    assert KPI_BAND(1.05, lo, hi, X_PTS, codes) == 50
    assert KPI_BAND(1.0, lo, hi, X_PTS, codes).code == "#N/A"  # Q ≤ 100 % uncovered
    assert "rows 1 and 4" in KPI_BAND(1.35, lo, hi, X_PTS, codes, on_overlap="ERROR").reason
    assert KPI_BAND(1.35, lo, hi, X_PTS, codes, on_overlap="MIN") == 50
    assert KPI_BAND(1.35, lo, hi, X_PTS, codes, on_overlap="MAX") == 100


def test_amb02_missing_points_is_rule_missing_error():
    lo, hi, pts, codes = [None, 0.05], [0.05, None], [30, None], ["[]", "(]"]
    assert KPI_BAND(0.04, lo, hi, pts, codes) == 30
    assert KPI_BAND(0.05, lo, hi, pts, codes) == 30  # ≤5 % inclusive
    err = KPI_BAND(0.06, lo, hi, pts, codes)
    assert err.code == "#N/A" and "rule missing" in err.reason


def test_label_points_and_s2b_budget_bands():
    # S2-B (AMB-68): [20,25) −10 %, [15,20) −30 %, (−∞,15) −100 %, [25,∞) 0
    lo, hi, cut = [25, 20, 15, None], [None, 25, 20, 15], [0, 0.1, 0.3, 1.0]
    assert KPI_BAND([30, 25, 24, 20, 15, 14.5], lo, hi, cut).tolist() == [0, 0, 0.1, 0.1, 0.3, 1.0]
    levels = KPI_BAND(85, [None, 60, 80, 100, 120], [60, 80, 100, 120, None], ["底级", "初级", "中级", "高级", "特级"])
    assert levels == "中级"  # AMB-52 lower-bound reading


def test_column_call_equals_one_by_one_errors_included():
    xs = [0.55, 0.52, None, 0.42, "abc", "52%", KpiError("#N/A", "upstream"), 0.3]
    column = band_x(xs)
    assert isinstance(column, np.ndarray) and column.shape == (len(xs),)
    assert list(column) == [band_x(x) for x in xs]
    assert column[2] is None and column[4].code == "#VALUE!" and column[6].reason == "upstream"


def test_2d_range_in_same_shape_out():
    out = band_x(np.array([[0.55, 0.42], [0.5, None]], dtype=object))
    assert out.shape == (2, 2)
    assert out[0, 0] == 100 and out[0, 1].code == "#N/A" and out[1, 0] == 80 and out[1, 1] is None


def test_malformed_tables():
    assert KPI_BAND(0.5, [0.1, 0.2], [0.2], [1, 2]).code == "#VALUE!"
    assert KPI_BAND(0.5, [0.1], [0.2], [1], "<>").code == "#VALUE!"
    assert KPI_BAND(0.5, [0.1, "abc"], [0.2, 0.3], [1, 2]).reason.startswith("lower_bounds:")
    assert KPI_BAND(0.5, [0.1], [0.2], [1], on_gap="SOMETIMES").code == "#VALUE!"


# --- KPI_GRADE (tables 4.5 / 4.8; AMB-21, 22, 23) ---------------------------------


def test_we6_total_90_is_b():
    assert KPI_GRADE(90, GRADE_LO, GRADE_LAB) == "B"


@pytest.mark.parametrize("score, grade", [(100, "A"), (91, "A"), (90.5, "B"), (86, "B"), (85.5, "C"), (65, "D")])
def test_amb22_continuous_default(score, grade):
    assert KPI_GRADE(score, GRADE_LO, GRADE_LAB) == grade


def test_amb22_other_gap_policies():
    assert KPI_GRADE(90.5, GRADE_LO, GRADE_LAB, GRADE_HI, "ROUND_HALF_UP") == "A"
    assert KPI_GRADE(90.4, GRADE_LO, GRADE_LAB, GRADE_HI, "ROUND_HALF_UP") == "B"
    assert KPI_GRADE(90.5, GRADE_LO, GRADE_LAB, GRADE_HI, "FLOOR") == "B"
    err = KPI_GRADE(90.5, GRADE_LO, GRADE_LAB, GRADE_HI, "ERROR")
    assert err.code == "#N/A" and err.reason == "90.5 falls in no grade range: gap (90, 91)"
    assert KPI_GRADE(90, GRADE_LO, GRADE_LAB, GRADE_HI, "ERROR") == "B"
    assert KPI_GRADE(90.5, GRADE_LO, GRADE_LAB, None, "ERROR").code == "#VALUE!"


def test_amb21_below_lowest_bound():
    err = KPI_GRADE(60, GRADE_LO, GRADE_LAB)
    assert err.code == "#N/A" and "below the lowest grade bound 65" in err.reason
    assert KPI_GRADE(60, GRADE_LO, GRADE_LAB, below_label="D") == "D"
    assert KPI_GRADE(60, GRADE_LO, GRADE_LAB, below_label="无") == "无"


def test_amb23_above_top():
    assert KPI_GRADE(118, GRADE_LO, GRADE_LAB, GRADE_HI) == "A"
    assert KPI_GRADE(118, GRADE_LO, GRADE_LAB, GRADE_HI, above_policy="ERROR").code == "#N/A"


def test_omitted_optional_arguments_take_defaults():
    # KPI_GRADE(J2, Lo, Lab, , , "D") as Excel passes it: omitted = blank
    assert KPI_GRADE(60, GRADE_LO, GRADE_LAB, None, None, "D") == "D"
    assert KPI_GRADE(90.5, GRADE_LO, GRADE_LAB, "", "", "", "") == "B"


def test_grade_column_and_blank_rows():
    out = KPI_GRADE([95, None, 60, "#N/A: upstream", 76], GRADE_LO, GRADE_LAB)
    assert out[0] == "A" and out[1] is None and out[2].code == "#N/A" and out[3].reason == "upstream"
    assert out[4] == "C"


def test_amb52_levels_both_readings():
    names = ["底级", "初级", "中级", "高级", "特级"]
    # lower-bound reading: [0,60) 底级, [60,80) 初级, [80,100) 中级 …
    assert KPI_GRADE(85, [0, 60, 80, 100, 120], names) == "中级"
    # upper-bound reading: ≤40 底级, (40,60] 初级, (60,80] 中级, (80,100] 高级, (100,120] 特级
    assert KPI_GRADE(85, [0, 40.000001, 60.000001, 80.000001, 100.000001], names) == "高级"


# --- KPI_CHECK_BANDS ---------------------------------------------------------------


def test_check_bands_reports_seed_defects():
    assert KPI_CHECK_BANDS(X_LO, X_HI) == "gap [0.40, 0.45) between rows 4 and 3"
    assert KPI_CHECK_BANDS(T_LO, T_HI, "(]") == "gap (35, 40] between rows 3 and 4"
    assert KPI_CHECK_BANDS(T47_LO, T47_HI, "(]") == (
        "gap (30, 35] between rows 1 and 2; gap (45, 50] between rows 3 and 4"
    )
    literal = KPI_CHECK_BANDS(X_LITERAL_LO, X_LITERAL_HI)
    assert "row 2 is empty: [0.50, 0.45)" in literal and "row 3 is empty: [0.45, 0.40)" in literal
    assert KPI_CHECK_BANDS(Y_LO, Y_HI) == "OK"


def test_check_bands_overlaps_and_bad_bounds():
    assert KPI_CHECK_BANDS([0, 10], [10, 20], "[]") == "rows 1 and 2 overlap at 10"
    assert KPI_CHECK_BANDS([0, 10], [10, 20], "()") == "gap at exactly 10 between rows 1 and 2"
    assert KPI_CHECK_BANDS([0, 5], [10, 20]) == "rows 1 and 2 overlap on 5 to 10"
    assert "row 2: lower bound 'ten' is not a number" in KPI_CHECK_BANDS([0, "ten"], [10, 20])
    assert KPI_CHECK_BANDS([0, 10, None], [10, 20, None]) == "OK"  # blank rows ignored
