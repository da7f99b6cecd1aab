"""KPI_LEVEL_HISTORY (S3-12, AMB-90/91), KPI_STREAK (AMB-27) and KPI_TENURE_OK (S0-C, AMB-13/15)."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from kpi_udfs import KPI_LEVEL_HISTORY, KPI_STREAK, KPI_TENURE_OK, KpiError

# S3-12: [90, ∞) 高级, [80, 90) 中级, [70, 80) 初级 (listed as the seed does, highest first)
BOUNDS, LEVELS = [90, 80, 70], ["高级", "中级", "初级"]


def level(history, **kw):
    return KPI_LEVEL_HISTORY(history, BOUNDS, LEVELS, **kw)


@pytest.mark.parametrize(
    "history, expected",
    [
        ([92, 95], "高级"),
        ([85, 88], "中级"),
        ([72, 79], "初级"),
        ([92, 85], "UNCHANGED"),
        ([80, 89.5], "中级"),
    ],
)
def test_s3_12_two_evaluations(history, expected):
    assert level(history) == expected


def test_only_the_last_n_count_and_blanks_are_skipped():
    assert level([60, 75, 92, 95]) == "高级"
    assert level([None, 92, None, 95, None]) == "高级"
    assert level([85, 92, 95], n=3) == "UNCHANGED"
    assert level([91, 92, 95], n=3) == "高级"


def test_fewer_than_n_evaluations_is_unchanged():
    assert level([95]) == "UNCHANGED"
    err = level([95], mixed="ERROR")
    assert err == KpiError("#N/A", "only 1 of 2 evaluations so far")


def test_amb90_shared_bound_policies():
    # 90 is in 「90分以上」 and in 「80分~90分」
    assert level([90, 90]) == "高级"
    assert level([90, 90], overlap="LOWEST") == "中级"
    assert level([90.5, 91], overlap="LOWEST") == "高级"
    assert level([70, 70], overlap="LOWEST") == "初级"  # the lowest bound is not shared
    err = level([95, 90], overlap="ERROR")
    assert err == KpiError("#N/A", "90 is on the bound of 中级 and 高级")


def test_amb90_mixed_policies():
    assert level([92, 85], mixed="LOWER_OF_N") == "中级"
    err = level([92, 85], mixed="ERROR")
    assert (
        err.code == "#N/A" and err.reason == "the last 2 scores 92, 85 fall in different levels (高级, 中级)"
    )


def test_scores_below_every_band_are_na_without_fail_below():
    err = level([92, 65])
    assert err == KpiError("#N/A", "65 is below the lowest level bound 70 (last 2: 92, 65)")


def test_amb91_warn_then_eliminate():
    assert level([92, 65], fail_below=70) == "WARN"
    assert level([65], fail_below=70) == "WARN"  # one evaluation is enough for a warning
    assert level([65, 92], fail_below=70) == "WARN"  # the warning is still in the last two
    assert level([65, 68], fail_below=70) == "ELIMINATE"  # 「经指导仍低于70分」
    assert level([65, 92, 68], fail_below=70) == "WARN"  # coaching worked in between: a new warning
    assert level([65, 92, 95], fail_below=70) == "高级"
    assert level([69.9999999999, 75], fail_below=70) == "初级"  # boundary tolerance: that is 70


def test_fail_flags_rename_warn_and_eliminate():
    got = level(np.array([[92, 65], [60, 65], [92, 95]]), fail_below=70, fail_flags=["提醒", "淘汰"])
    assert got[:, 0].tolist() == ["提醒", "淘汰", "高级"]
    assert level([65], fail_below=70, fail_flags=["提醒"]).code == "#VALUE!"


def test_rows_are_employees_and_each_row_equals_its_own_call():
    rows = [[92, 95], [92, 85], [None, None], [65, 68], [80, "bad"], [None, 75]]
    got = level(np.array(rows, dtype=object), fail_below=70)
    assert got[2, 0] is None  # nothing evaluated yet: blank
    assert got[4, 0].code == "#VALUE!"
    for r, row in enumerate(rows):
        single = level(row, fail_below=70)
        assert got[r, 0] == single


def test_bad_level_table():
    assert KPI_LEVEL_HISTORY([90, 95], [90, 80], ["高级"]).code == "#VALUE!"
    assert KPI_LEVEL_HISTORY([90, 95], [90, 90], ["高级", "中级"]).code == "#VALUE!"
    assert level([90, 95], n=0).code == "#VALUE!"


# ---------------------------------------------------------------------------
# KPI_STREAK


@pytest.mark.parametrize(
    "history, rolling, non_overlap, once",
    [
        (["A", "A", "A"], 2, 1, 1),  # AMB-27
        (["A", "A", "A", "A"], 3, 2, 1),
        (["A", "B", "A"], 0, 0, 0),
        (["A", "A", None, "A", "A"], 2, 2, 1),  # a blank period breaks the run
        (["B", "A", "A", "B", "A", "A", "A"], 3, 2, 1),
    ],
)
def test_amb27_streak_modes(history, rolling, non_overlap, once):
    assert KPI_STREAK(history, "A", 2, "ROLLING") == rolling
    assert KPI_STREAK(history, "A", 2) == non_overlap
    assert KPI_STREAK(history, "A", 2, "ONCE") == once


def test_streak_three_months_a():
    # 「连续3个月为A」: A,A,A,B,A,A → one run of three
    assert KPI_STREAK(["A", "A", "A", "B", "A", "A"], "A", 3) == 1


def test_streak_labels_fold_numbers_compare_numerically_true_is_true():
    assert KPI_STREAK(["a", " A ", "Ａ"], "A", 3) == 1
    assert KPI_STREAK(["金牌", "金牌"], "金牌", 2) == 1
    assert KPI_STREAK([1, "1", 1.0000000000001], 1, 3) == 1  # rank 1 (「连续两个月第一」)
    assert KPI_STREAK([True, True, False, True], True, 2) == 1
    assert KPI_STREAK([1, 1], True, 2) == 0  # TRUE is not the number 1


def test_streak_rows_are_employees():
    got = KPI_STREAK(np.array([["A", "A", "B"], ["A", "A", "A"], [None, None, None]], dtype=object), "A", 2)
    assert got[:, 0].tolist() == [1, 1, None]


# Month by month: each month sees only its own grade, the run carried from last month and
# the streaks already paid (the History sheet). Hand counts from SEED_RULES (AMB-27,
# 「连续2个月…奖励300~500元/次」, 「连续3个月…底薪调整」): A in every month, length 2 —
# NON_OVERLAP pays in months 2, 4, 6; ROLLING in every month from the 2nd; ONCE in month 2.
MONTHLY = {
    ("NON_OVERLAP", 2): {4: [0, 1, 0, 1], 5: [0, 1, 0, 1, 0], 6: [0, 1, 0, 1, 0, 1]},
    ("ROLLING", 2): {4: [0, 1, 1, 1], 5: [0, 1, 1, 1, 1], 6: [0, 1, 1, 1, 1, 1]},
    ("ONCE", 2): {4: [0, 1, 0, 0], 5: [0, 1, 0, 0, 0], 6: [0, 1, 0, 0, 0, 0]},
    ("ONCE", 3): {4: [0, 0, 1, 0], 5: [0, 0, 1, 0, 0], 6: [0, 0, 1, 0, 0, 0]},
    ("NON_OVERLAP", 3): {4: [0, 0, 1, 0], 5: [0, 0, 1, 0, 0], 6: [0, 0, 1, 0, 0, 1]},
}


def month_by_month(grades, mode, length):
    run = paid = 0
    out = []
    for g in grades:
        got = KPI_STREAK([g], "A", length, mode, run, paid)
        out.append(got)
        run = run + 1 if g == "A" else 0
        paid += got
    return out


@pytest.mark.parametrize("mode, length", sorted(MONTHLY))
@pytest.mark.parametrize("months", [4, 5, 6])
def test_streak_paid_month_by_month_over_consecutive_months(mode, length, months):
    grades = ["A"] * months
    assert month_by_month(grades, mode, length) == MONTHLY[(mode, length)][months]
    # what the months pay adds up to the count over the whole history
    assert sum(MONTHLY[(mode, length)][months]) == KPI_STREAK(grades, "A", length, mode)


@pytest.mark.parametrize("mode, paid", [("NON_OVERLAP", [0, 1, 0, 0, 0, 1]), ("ROLLING", [0, 1, 1, 0, 0, 1]),
                                        ("ONCE", [0, 1, 0, 0, 0, 0])])
def test_streak_month_by_month_with_a_break(mode, paid):
    # A, A, A, B, A, A: the B ends the run; ONCE never pays again
    grades = ["A", "A", "A", "B", "A", "A"]
    assert month_by_month(grades, mode, 2) == paid
    assert sum(paid) == KPI_STREAK(grades, "A", 2, mode)


def test_streak_carried_run_joins_only_a_run_at_the_start():
    # last month ended a run of 3; this record of 3 months: B, A, A → the run is broken first
    assert KPI_STREAK(["B", "A", "A"], "A", 2, "NON_OVERLAP", 3) == 1
    assert KPI_STREAK(["A", "B", "A"], "A", 2, "NON_OVERLAP", 3) == 1  # 4th month of the run pays
    assert KPI_STREAK(["A"], "A", 3, "ONCE", 5) == 0  # a carried run already long enough: paid before
    assert KPI_STREAK(["A"], "A", 2, "ROLLING", 1.5).code == "#VALUE!"
    assert KPI_STREAK(["A"], "A", 2, "ONCE", 0, -1).code == "#VALUE!"


def test_streak_length_must_be_whole_and_positive():
    assert KPI_STREAK(["A"], "A", 0).code == "#VALUE!"
    assert KPI_STREAK(["A"], "A", 1.5).code == "#VALUE!"


# ---------------------------------------------------------------------------
# KPI_TENURE_OK

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "excel"


def test_calendar_months_match_excel_datedif_cached_value():
    """xlcalculator's DATEDIF workbook, saved by Excel: DATEDIF(2011-01-01, 2011-12-31, "M") = 11."""
    book = CONFORMANCE / "xlcalculator__tests__resources__DATEDIF.xlsx"
    if not book.exists():
        pytest.skip("conformance corpus not available")
    import openpyxl

    sheet = openpyxl.load_workbook(book, data_only=True)["Sheet1"]
    start, until, months = sheet["A2"].value, sheet["A3"].value, sheet["C3"].value
    assert KPI_TENURE_OK(start, until, months) is True
    assert KPI_TENURE_OK(start, until, months + 1) is False


@pytest.mark.parametrize(
    "start, until, months, ok",
    [
        (dt.date(2024, 1, 15), dt.date(2024, 4, 15), 3, True),  # 满3个月 on the day
        (dt.date(2024, 1, 15), dt.date(2024, 4, 14), 3, False),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29), 1, False),  # DATEDIF "m": 31 Jan → 29 Feb = 0
        (dt.date(2024, 1, 31), dt.date(2024, 3, 1), 1, True),
        (dt.date(2023, 8, 1), dt.date(2024, 2, 1), 6, True),  # 满半年 across a year end
    ],
)
def test_calendar_whole_months(start, until, months, ok):
    assert KPI_TENURE_OK(start, until, months) is ok


def test_days30_counts_days_over_30():
    # 1 Jan → 31 Mar 2024 is 90 days = 3 × 30, but only 2 whole calendar months
    assert KPI_TENURE_OK(dt.date(2024, 1, 1), dt.date(2024, 3, 31), 3, "DAYS30") is True
    assert KPI_TENURE_OK(dt.date(2024, 1, 1), dt.date(2024, 3, 31), 3) is False


def test_dates_as_text_serials_and_datetimes():
    # serial 45292 = 2024-01-01
    got = KPI_TENURE_OK(
        ["2024-01-01", 45292, dt.datetime(2024, 1, 1, 9, 30), "2024年1月1日"], "2024-07-01", 6
    )
    assert list(got) == [True, True, True, True]


def test_start_after_as_of_is_num_and_rows_fail_alone():
    got = KPI_TENURE_OK(
        [dt.date(2024, 5, 1), None, "soon", dt.date(2023, 1, 1)], dt.date(2024, 2, 1), [3, 3, 3, 3]
    )
    assert got[0].code == "#NUM!" and "after as_of_date" in got[0].reason
    assert got[1] is None
    assert got[2].code == "#VALUE!"
    assert got[3] is True


def test_months_per_employee():
    start = [dt.date(2024, 1, 1)] * 2
    assert list(KPI_TENURE_OK(start, dt.date(2024, 5, 1), [3, 6])) == [True, False]  # 中级 ≥ 3, 高级 ≥ 6


def test_streak_of_one_period_per_employee_in_one_call_equals_one_call_each():
    # a copied-down KPI_STREAK([@this month], …) computed for the whole column at once: the
    # column is one period per employee (EmployeeRows), not one employee's periods
    from kpi_udfs.registry import REGISTRY, EmployeeRows, invoke

    months = [["A"], ["B"], ["A"], [None], ["A"]]
    carried = [[1], [0], [2], [1], [0]]
    column = invoke(REGISTRY["KPI_STREAK"], (EmployeeRows(months), "A", 2, "NON_OVERLAP", carried))
    one_by_one = [KPI_STREAK([m], "A", 2, "NON_OVERLAP", c[0]) for m, c in zip(months, carried, strict=True)]
    assert [row[0] for row in column.tolist()] == one_by_one == [1, 0, 0, None, 0]
    # without the marker the same column is one employee's five months: A B A _ A → no run of 2
    assert invoke(REGISTRY["KPI_STREAK"], (months, "A", 2)) == 0
