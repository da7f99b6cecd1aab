"""The registry and its calling convention (issue 2 points 2–4)."""

import numpy as np
import pytest

import kpi_udfs
from kpi_udfs import KPI_BAND, KPI_FUNCTIONS, KPI_RATE, KpiError
from kpi_udfs.registry import REGISTRY, Each, List, catalogue, kpi

CATALOGUE = [
    "KPI_RATE", "KPI_BAND", "KPI_MAP", "KPI_ADJUST", "KPI_CHECK_RANGE", "KPI_TARGET_LINEAR",
    "KPI_TARGET_STEP", "KPI_WEIGHTED", "KPI_TOTAL", "KPI_GRADE", "KPI_PAYOUT", "KPI_RANK_BONUS",
    "KPI_QUOTA", "KPI_FORCE_GRADES", "KPI_QUOTA_CHECK", "KPI_LEVEL_HISTORY", "KPI_STREAK", "KPI_PASS",
    "KPI_TENURE_OK", "KPI_POOL", "KPI_CHECK_BANDS", "KPI_FUNCTIONS", "KPI_WHY",
]  # fmt: skip


def test_catalogue_complete_and_exported():
    assert sorted(REGISTRY) == sorted(CATALOGUE)
    for name in CATALOGUE:
        assert getattr(kpi_udfs, name) is REGISTRY[name]


@pytest.mark.parametrize("fn", catalogue(), ids=lambda f: f.name)
def test_every_function_documented_within_excel_limits(fn):
    assert fn.help and len(fn.help) <= 255
    assert fn.returns
    assert fn.category == "KPI"
    for p in fn.params:
        assert p.help and len(p.help) <= 255, p.name
    names = [p.name for p in fn.params]
    assert len(set(names)) == len(names)
    optional = [p.optional for p in fn.params]
    assert optional == sorted(optional), "required arguments come first"


def test_declared_signature_must_match_implementation():
    with pytest.raises(TypeError):

        @kpi("KPI_TEST_MISMATCH", "x", Each("a", "a"), returns="x")
        def _bad(b):
            return b

    assert "KPI_TEST_MISMATCH" not in REGISTRY


def test_scalar_in_scalar_out_and_list_in_list_out():
    assert KPI_RATE(1, 4) == 0.25
    out = KPI_RATE([1, 2], 4)
    assert isinstance(out, np.ndarray) and out.shape == (2,) and out.tolist() == [0.25, 0.5]
    out2 = KPI_RATE(np.array([[1, 2]]), 4)
    assert out2.shape == (1, 2)


def test_broadcast_row_by_column_like_excel():
    out = KPI_RATE(np.array([[1.0], [2.0]]), np.array([[1.0, 2.0]]))
    assert out.tolist() == [[1.0, 0.5], [2.0, 1.0]]


def test_mismatched_lengths_give_na_beyond_the_shorter_argument():
    out = KPI_RATE([1, 2, 3], [1, 2])
    assert out[:2].tolist() == [1.0, 1.0]
    assert out[2].code == "#N/A" and "denominator" in out[2].reason


def test_keyword_arguments_case_insensitive_and_bad_calls():
    assert KPI_RATE(1, 4, Complement=True) == 0.75
    assert KPI_RATE(1).code == "#VALUE!"
    assert KPI_RATE(1, 2, 3, 4, 5).code == "#VALUE!"
    assert KPI_RATE(1, 2, nonsense=1).code == "#VALUE!"


def test_one_bad_row_never_spoils_others_and_errors_propagate():
    out = KPI_RATE([1, "x", 3, KpiError("#N/A", "up"), None], [2, 2, 0, 1, 1])
    assert out[0] == 0.5
    assert out[1].code == "#VALUE!" and "numerator" in out[1].reason
    assert out[2].code == "#DIV/0!"
    assert out[3] == KpiError("#N/A", "up")
    assert out[4] is None


def test_scalar_setting_given_as_range_must_be_one_cell():
    assert KPI_BAND(0.5, [0], [1], [1], [["[)"]]) == 1
    assert KPI_RATE(1, 2, complement=[True, False]).code == "#VALUE!"


def test_kpi_functions_spills_name_and_help():
    table = KPI_FUNCTIONS()
    assert table.shape == (len(REGISTRY), 2)
    assert {row[0] for row in table} == set(REGISTRY)
    assert all(isinstance(h, str) and h for h in table[:, 1])


def test_results_are_plain_python_values():
    out = KPI_BAND([0.5, 0.7], [0, 0.6], [0.6, None], ["low", "high"])
    assert [type(v) for v in out] == [str, str]
    assert type(KPI_RATE(1, 2)) is float


def test_list_argument_error_is_the_result():
    assert KPI_BAND(0.5, [0, "#N/A: upstream"], [0.6, None], [1, 2]) == KpiError("#N/A", "upstream")


def test_doc_lists_arguments():
    doc = KPI_BAND.__doc__
    assert doc.startswith("KPI_BAND(value, lower_bounds, upper_bounds, points")
    assert "on_gap:" in doc


def test_declaring_list_params():
    assert [p.shape for p in KPI_BAND.params[:4]] == ["each", "list", "list", "list"]
    assert List("x", "y").optional is False
