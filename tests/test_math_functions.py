"""Maths functions at their edges, against Excel's own values.

Expected values: the cached values Excel saved in the shared corpus' test books (named
in each test) for the same inputs.
"""

from __future__ import annotations

import pytest

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


def test_seriessum(tmp_path):
    # IronCalc's MATH_AND_TRIGONOMETRY__SERIESSUM book (cached values).
    got = _both(tmp_path, {"A1": "=SERIESSUM(2,0,1,{1,2,3})", "A2": "=SERIESSUM(0.5,1,2,{2,2,2})",
                           "A3": "=SERIESSUM(0,0,2,{1,2,3})", "A4": "=SERIESSUM(TRUE,0,1,{1,2})",
                           "A5": "=SERIESSUM(-1,0,2,{1,2,3})"})
    assert [_show(got[f"A{r}"]) for r in range(1, 6)] == [17, 1.3125, "#NUM!", "#VALUE!", 6]


def test_number_systems_between_radixes(tmp_path):
    # IronCalc's ENGINEERING__NUMBER_SYSTEMS book (cached values): a negative number
    # (ten digits, top bit set) gives ten digits whatever places says, but places is
    # still checked; HEX2BIN beyond 511 is #NUM! as Microsoft's page documents.
    got = _both(tmp_path, {"A1": '=BIN2HEX("1110111011",4)', "A2": '=BIN2OCT("1100011011",2.3)',
                           "A3": '=OCT2HEX("4000000000",2)', "A4": '=BIN2HEX("1100011011",11)',
                           "A5": '=BIN2HEX("1100011011",TRUE)', "A6": "=BIN2OCT(Z1)", "A7": '=HEX2BIN("1FF")',
                           "A8": '=HEX2BIN("200")', "A9": "=BIN2HEX(1111,6)"})
    assert [_show(got[f"A{r}"]) for r in range(1, 10)] == [
        "FFFFFFFFBB", "7777777433", "FFE0000000", "#NUM!", "#VALUE!", "0", "111111111", "#NUM!", "00000F"]


def test_imargument_of_imaginary_numbers(tmp_path):
    # IronCalc's ENGINEERING__COMPLEXs book: IMARGUMENT("5i") is π/2, of "1.2E-45-3i"
    # -π/2, of "1E-20" 0; of 0, #DIV/0! (Microsoft's page).
    got = _both(tmp_path, {"A1": '=IMARGUMENT("5i")', "A2": '=IMARGUMENT("1.2E-45-3i")', "A3": '=IMARGUMENT("1E-20")',
                           "A4": '=IMARGUMENT("0")', "A5": '=IMARGUMENT("1-2j")'})
    assert [_show(got[f"A{r}"]) for r in range(1, 5)] == [1.5707963267948966, -1.5707963267948966, 0, "#DIV/0!"]
    assert got["A5"] == pytest.approx(-1.1071487177940906, rel=1e-14)


def test_roman_in_every_form_as_microsoft_documents_it(tmp_path):
    # ROMAN's help page: 499 in forms 0..4 is CDXCIX, LDVLIV, XDIX, VDIV, ID; TRUE is the
    # classic form, FALSE the simplified one (4); 0 is "", a negative number or one above
    # 3999 #VALUE!; the number is truncated.
    cells = {f"A{f + 1}": f"=ROMAN(499,{f})" for f in range(5)}
    cells |= {"B1": "=ROMAN(499,TRUE)", "B2": "=ROMAN(499,FALSE)", "B3": "=ROMAN(2013)", "B4": "=ROMAN(0)",
              "B5": "=ROMAN(-1)", "B6": "=ROMAN(4000)", "B7": "=ROMAN(3999.9)", "B8": "=ROMAN(5,5)", "B9": '=ROMAN("12")'}
    got = _both(tmp_path, cells)
    assert [got[f"A{f + 1}"] for f in range(5)] == ["CDXCIX", "LDVLIV", "XDIX", "VDIV", "ID"]
    assert [_show(got[f"B{r}"]) for r in range(1, 10)] == [
        "CDXCIX", "ID", "MMXIII", "", "#VALUE!", "#VALUE!", "MMMCMXCIX", "#VALUE!", "XII"]


def test_arabic_reads_roman_numerals_as_microsoft_documents_it(tmp_path):
    # ARABIC's help page: case is ignored, leading and trailing blanks too, "" is 0, a minus
    # sign makes it negative; numbers and text that is no Roman numeral are #VALUE!.
    got = _both(tmp_path, {"A1": '=ARABIC("LVII")', "A2": '=ARABIC("mcmxii")', "A3": '=ARABIC("")',
                           "A4": '=ARABIC("  MMXI ")', "A5": '=ARABIC("-MMXI")', "A6": "=ARABIC(5)",
                           "A7": '=ARABIC("ABC")', "A8": '=ARABIC(ROMAN(3999,4))', "A9": "=ARABIC(C1)"})
    assert [_show(got[f"A{r}"]) for r in range(1, 10)] == [57, 1912, 0, 2011, -2011, "#VALUE!", "#VALUE!", 3999, 0]


def test_pi_and_na(tmp_path):
    got = _both(tmp_path, {"A1": "=PI()", "A2": "=NA()", "A3": "=ISNA(NA())", "A4": "=PI()*2"})
    assert got["A1"] == 3.141592653589793 and _show(got["A2"]) == "#N/A" and got["A3"] is True
    assert got["A4"] == 2 * 3.141592653589793
