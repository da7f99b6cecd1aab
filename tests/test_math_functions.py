"""Maths functions at their edges, against Excel's own values.

Expected values: the cached values Excel saved in the shared corpus' test books (named
in each test) for the same inputs.
"""

from __future__ import annotations

from kpi_udfs.errors import KpiError
from tests.test_recalc_excel_values import _both


def _show(v):
    return v.code if isinstance(v, KpiError) else v


def test_ceiling_with_more_multiples_than_a_number_holds_is_num(tmp_path):
    # IronCalc's MATH_AND_TRIGONOMETRY__FLOOR_CEILING book: CEILING(-745,-1E-307),
    # CEILING(709,1E-307) and CEILING.MATH(1048576,-1E-307) are #NUM!; a quotient that
    # fits still gives its multiple.
    got = _both(tmp_path, {"A1": "=CEILING(-745,-1E-307)", "A2": "=CEILING(709,1E-307)",
                           "A3": "=CEILING.MATH(1048576,-1E-307)", "A4": "=FLOOR(709,1E-307)",
                           "A5": "=CEILING(709,1E-300)"})
    assert [_show(got[f"A{r}"]) for r in range(1, 5)] == ["#NUM!"] * 4
    assert got["A5"] == 709


def test_round_of_text_that_is_no_number_is_value(tmp_path):
    # IronCalc's MATH_AND_TRIGONOMETRY__ROUND book: ROUND(1.745,"Zero") and
    # ROUND("uno",0) are #VALUE!; numeric text is read, and the first argument's error
    # comes first.
    got = _both(tmp_path, {"A1": '=ROUND(1.745,"Zero")', "A2": '=ROUND("uno",0)', "A3": '=ROUNDUP("ciao",0)',
                           "A4": '=ROUNDDOWN("2.55",1)', "A5": '=ROUND(1/0,"x")'})
    assert [_show(got[f"A{r}"]) for r in range(1, 6)] == ["#VALUE!", "#VALUE!", "#VALUE!", 2.5, "#DIV/0!"]
