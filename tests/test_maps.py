"""KPI_MAP (F3) against the seed rating tables (S0-A, S2-C, tables 4.4/4.6, S1-F)."""

import numpy as np
import pytest

from kpi_udfs import KPI_MAP, KpiError

# S0-A / S2-C 售后客服素质: 优20 良15 中10 差0
S0A_KEYS, S0A_PTS = ["优", "良", "中", "差"], [20, 15, 10, 0]
# Table 4.4 平时表现 / 4.7 团队合作: 优秀100 良好80 合格70 差50
T44_KEYS, T44_PTS = ["优秀", "良好", "合格", "差"], [100, 80, 70, 50]
# Table 4.6: grade → coefficient
GRADES, COEFS = ["A", "B", "C", "D"], [1.4, 1.2, 1.0, 0.8]
# S1-F: level → bonus 元
LEVELS, LEVEL_BONUS = ["底级", "初级", "中级", "高级", "特级"], [300, 400, 500, 800, 1000]


def column_matches_singles(column_result, key_column, *args, **kw):
    singles = [KPI_MAP(k, *args, **kw) for k in key_column]
    assert list(column_result) == singles
    return singles


@pytest.mark.parametrize("key, pts", [("优", 20), ("良", 15), ("中", 10), ("差", 0)])
def test_s0a_rating_points(key, pts):
    assert KPI_MAP(key, S0A_KEYS, S0A_PTS) == pts


@pytest.mark.parametrize("key, pts", [("優", 20), (" 良 ", 15), ("中", 10)])
def test_s2c_traditional_and_spaced_ratings_fold(key, pts):
    assert KPI_MAP(key, S0A_KEYS, S0A_PTS) == pts


def test_traditional_table_keys_fold_too():
    assert KPI_MAP("优", ["優", "良", "中", "差"], S0A_PTS) == 20


@pytest.mark.parametrize(
    "key, pts",
    [("良", 80), ("优", 100), ("及格", 70), ("较差", 50), ("較差", 50), ("優秀", 100)],
)
def test_amb07_rating_synonyms_find_the_one_table_key(key, pts):
    assert KPI_MAP(key, T44_KEYS, T44_PTS) == pts


@pytest.mark.parametrize("key, pts", [("良好", 15), ("优秀", 20), ("中等", 10), ("较差", 0)])
def test_amb07_synonyms_work_the_other_way(key, pts):
    assert KPI_MAP(key, S0A_KEYS, S0A_PTS) == pts


def test_exact_key_wins_over_its_synonym():
    keys, pts = ["优", "优秀", "良"], [18, 20, 15]
    assert KPI_MAP("优", keys, pts) == 18
    assert KPI_MAP("优秀", keys, pts) == 20
    assert KPI_MAP("良好", keys, pts) == 15  # 良好 → the one synonym key 良


def test_a_key_repeated_with_the_same_value_is_still_one_synonym():
    assert KPI_MAP("良好", ["优", "良", "良", "中"], [20, 15, 15, 10]) == 15


def test_synonyms_are_only_the_rating_pairs():
    err = KPI_MAP("一般", S0A_KEYS, S0A_PTS)
    assert err.code == "#N/A"


def test_normalize_off_is_exact_trimmed_text_only():
    assert KPI_MAP(" 良 ", S0A_KEYS, S0A_PTS, normalize_zh=False) == 15
    for key in ["良好", "優", "Ａ"]:
        assert KPI_MAP(key, S0A_KEYS + ["A"], S0A_PTS + [5], normalize_zh=False).code == "#N/A"
    assert KPI_MAP("a", GRADES, COEFS, normalize_zh=False).code == "#N/A"
    assert KPI_MAP("a", GRADES, COEFS) == 1.4  # folded: case


def test_grade_to_coefficient_and_level_to_bonus():
    assert KPI_MAP(["A", "B", "C", "D"], GRADES, COEFS).tolist() == [1.4, 1.2, 1.0, 0.8]
    assert KPI_MAP("中级", LEVELS, LEVEL_BONUS) == 500
    assert KPI_MAP("特級", LEVELS, LEVEL_BONUS) == 1000  # Traditional 級


def test_values_may_be_labels():
    assert KPI_MAP(2, [1, 2, 3], ["底级", "初级", "中级"]) == "初级"


def test_numbers_compare_numerically():
    keys, bonus = [1, 2, 3], [300, 400, 500]
    assert KPI_MAP(3, keys, bonus) == 500
    assert KPI_MAP(3.0000000001, keys, bonus) == 500  # 1e-9 tolerance (AMB-G3)
    assert KPI_MAP("3", keys, bonus) == 500  # numeric text
    assert KPI_MAP(2.5, keys, bonus).code == "#N/A"


def test_unknown_key_is_na_naming_key_and_known_keys():
    err = KPI_MAP("特优", S0A_KEYS, S0A_PTS)
    assert err == KpiError("#N/A", "key '特优' is not in the table: known keys are 优, 良, 中, 差")


def test_unknown_key_with_default_value():
    assert KPI_MAP("特优", S0A_KEYS, S0A_PTS, 0) == 0
    assert KPI_MAP("E", GRADES, COEFS, "无") == "无"
    assert KPI_MAP("A", GRADES, COEFS, 0) == 1.4
    assert KPI_MAP("E", GRADES, COEFS, "error").code == "#N/A"


def test_duplicate_key_with_different_values_fails_the_whole_call():
    err = KPI_MAP("中", ["优", "良", "中", "良"], [20, 15, 10, 14])
    assert err == KpiError(
        "#VALUE!", "key '良' is listed twice (rows 2 and 4) with different values: 15 and 14"
    )


def test_duplicates_after_folding():
    keys, pts = ["優", "优", "良"], [20, 19, 15]
    assert KPI_MAP("良", keys, pts).code == "#VALUE!"
    assert KPI_MAP("優", keys, pts, normalize_zh=False) == 20
    assert KPI_MAP("良", ["优", "優", "良"], [20, 20, 15]) == 15  # same value: harmless


def test_table_shape_problems():
    assert KPI_MAP("优", S0A_KEYS, [20, 15, 10]).code == "#VALUE!"
    assert "keys row 2 is blank" in KPI_MAP("优", ["优", None, "中"], [20, 15, 10]).reason
    assert KPI_MAP("中", ["优", "良", "中", None], [20, 15, 10, None]) == 10  # trailing blank row


def test_blank_value_is_a_missing_rule_not_zero():
    err = KPI_MAP("良", S0A_KEYS, [20, None, 10, 0])
    assert err == KpiError("#N/A", "no value given for key '良': rule missing")
    assert KPI_MAP("优", S0A_KEYS, [20, None, 10, 0]) == 20


def test_blank_key_gives_blank_and_errors_propagate():
    assert KPI_MAP(None, S0A_KEYS, S0A_PTS) is None
    assert KPI_MAP("", S0A_KEYS, S0A_PTS) is None
    assert KPI_MAP(KpiError("#N/A", "score 60 below"), S0A_KEYS, S0A_PTS) == KpiError(
        "#N/A", "score 60 below"
    )
    assert KPI_MAP("#DIV/0!: denominator is 0", S0A_KEYS, S0A_PTS).code == "#DIV/0!"
    assert KPI_MAP("优", S0A_KEYS, [20, "#N/A: upstream", 10, 0]) == KpiError("#N/A", "upstream")


def test_bad_setting_text_is_value_error_naming_the_argument():
    err = KPI_MAP("优", S0A_KEYS, S0A_PTS, "ERROR", "maybe")
    assert err.code == "#VALUE!" and "normalize_zh" in err.reason


def test_column_call_equals_one_by_one():
    keys = ["优", "良好", None, "特优", KpiError("#N/A", "x"), "較差", 3, "中"]
    out = KPI_MAP(keys, S0A_KEYS, S0A_PTS)
    singles = column_matches_singles(out, keys, S0A_KEYS, S0A_PTS)
    assert singles[:3] == [20, 15, None] and singles[3].code == "#N/A" and singles[5] == 0
    assert isinstance(out, np.ndarray) and out.shape == (8,)
    with_default = KPI_MAP(keys, S0A_KEYS, S0A_PTS, -1)
    column_matches_singles(with_default, keys, S0A_KEYS, S0A_PTS, -1)
    assert with_default[3] == -1 and with_default[6] == -1
