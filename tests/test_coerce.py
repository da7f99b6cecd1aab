"""Input rules shared by every function (issue 2 point 5)."""

import datetime as dt

import numpy as np
import pytest

from kpi_udfs.coerce import as_grid, coerce_cells, label_key, to_bool, to_date, to_label, to_number
from kpi_udfs.errors import KpiError, parse_error_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        (0.52, 0.52),
        (52, 52.0),
        ("52%", 0.52),
        (" 0.52 ", 0.52),
        ("５２％", 0.52),
        ("５２", 52.0),
        ("1,200", 1200.0),
        ("-1,200.5", -1200.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        (dt.date(2024, 3, 1), 45352.0),
    ],
)
def test_numbers_read_when_unambiguous(raw, expected):
    assert to_number(raw, "x") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("raw", [None, "", "   ", float("nan")])
def test_blank_is_blank(raw):
    assert to_number(raw, "x") is None


@pytest.mark.parametrize("raw", ["abc", "1,2", "12 34 x", "1.2.3", True, "五十", object()])
def test_anything_else_is_value_error_naming_argument(raw):
    err = to_number(raw, "score")
    assert isinstance(err, KpiError) and err.code == "#VALUE!"
    assert err.reason.startswith("score:")


def test_infinity_is_num_error():
    assert to_number(float("inf"), "x").code == "#NUM!"


def test_error_values_and_error_text_propagate():
    e = KpiError("#N/A", "upstream")
    assert to_number(e, "x") is e
    assert to_number("#N/A: 0.42 falls in no band", "x") == KpiError("#N/A", "0.42 falls in no band")
    assert to_label("#DIV/0!", "x") == KpiError("#DIV/0!", "")
    assert parse_error_text("#VALUE!: weights sum to 90%").reason == "weights sum to 90%"
    assert parse_error_text("#NAMES") is None


def test_labels_normalised_for_comparison():
    assert label_key(" 優秀 ") == label_key("优秀")
    assert label_key("優") == label_key("优")
    assert label_key("ａ") == label_key("A") == "A"
    assert label_key("待改進") == label_key("待改进")
    assert label_key(3.0) == 3.0


def test_bools_and_dates():
    assert to_bool("true", "f") is True and to_bool(0, "f") is False and to_bool("否", "f") is False
    assert to_bool("maybe", "f").code == "#VALUE!"
    assert to_date("2024-03-01", "d") == dt.date(2024, 3, 1)
    assert to_date("2024年3月1日", "d") == dt.date(2024, 3, 1)
    assert to_date(45352, "d") == dt.date(2024, 3, 1)
    assert to_date("someday", "d").code == "#VALUE!"


def test_cells_keep_errors_per_cell():
    cells = coerce_cells(as_grid([1, "2%", None, "x", KpiError("#N/A", "up")]), "number", "v")
    assert cells.shape == (5, 1)
    assert list(cells.blank.ravel()) == [False, False, True, False, False]
    assert cells.values[0, 0] == 1 and cells.values[1, 0] == pytest.approx(0.02)
    assert cells.errors[3, 0].code == "#VALUE!" and cells.errors[4, 0].reason == "up"
    assert list(cells.valid.ravel()) == [True, True, False, False, False]


def test_numeric_fast_path():
    cells = coerce_cells(np.array([[1.0, np.nan], [np.inf, 2.0]]), "number", "v")
    assert cells.blank.tolist() == [[False, True], [False, False]]
    assert cells.errors[1, 0].code == "#NUM!"
