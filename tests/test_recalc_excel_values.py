"""Excel's value semantics that `formulas` misses, on workbooks written with openpyxl:
typed-in numbers at full precision, time text, N, DATEVALUE/TIMEVALUE, number-to-text
conversion and TEXT with a text format. Expected values are derived by hand from
Microsoft's documentation of each function (cited per test); every workbook is computed
both whole blocks at a time and cell by cell, which must agree."""

from __future__ import annotations

import openpyxl
import pytest

from kpi_udfs.recalc import evaluate


def _both(tmp_path, cells: dict[str, object]) -> dict[str, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, v in cells.items():
        ws[ref] = v
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return _evaluate_both(path)


def _evaluate_both(path) -> dict[str, object]:
    """The values computed whole blocks at a time and cell by cell, which must agree."""
    fast = {ref: v for (_, ref), v in evaluate(path).values.items()}
    slow = {ref: v for (_, ref), v in evaluate(path, whole_blocks=False).values.items()}
    assert fast == slow
    return slow


def test_typed_numbers_keep_every_digit_excel_saved(tmp_path):
    # 12:13 is 733/1440 = 0.50902777777777775 (Excel writes 17 digits); rounding it to 15
    # decimals (0.509027777777778) made it differ from TIMEVALUE("12:13"), and Excel's
    # "=" compares the stored doubles.
    got = _both(tmp_path, {"A1": 733 / 1440, "B1": '=TIMEVALUE("12:13")', "C1": "=A1=B1", "D1": "=A1*1"})
    assert got["C1"] is True
    assert got["D1"] == 733 / 1440


def test_time_text_is_a_fraction_of_a_day_as_excel_rounds_it(tmp_path):
    # TIMEVALUE: "a decimal number from 0 to 0.99988426" for the time in the text; Excel
    # stores 0:13 as 0.009027777777777779 (13/60/24), not 780/86400 = …777; "0:13 PM" is
    # 12:13 PM; a date and time gives the time part of the serial number.
    got = _both(
        tmp_path,
        {
            "A1": '=VALUE("0:13")',
            "A2": '=VALUE("0:13 PM")',
            "A3": '=TIMEVALUE("12:13:14 AM")',
            "A4": '=TIMEVALUE("7/5/1998 12:13")',
            "A5": '=TIMEVALUE("49:13")',
            "A6": '=TIMEVALUE("7/5/1998")',
        },
    )
    assert got["A1"] == 13 / 60 / 24 == 0.009027777777777779
    assert got["A2"] == (13 / 60 + 12) / 24
    assert got["A3"] == ((14 / 60 + 13) / 60) / 24
    serial = 35981 + (13 / 60 + 12) / 24  # DATE(1998,7,5) = 35981
    assert got["A4"] == serial - 35981
    assert got["A5"] == (13 / 60 + 49) / 24 - 2
    assert got["A6"] == 0.0


def test_datevalue_of_a_time_alone_is_day_zero_and_a_bare_number_is_no_date(tmp_path):
    # DATEVALUE: "time information in date_text is ignored"; "2007" is no date (#VALUE!);
    # "1/1937" is January 1937 (DATE(1937,1,1) = 13516).
    got = _both(
        tmp_path,
        {
            "A1": '=DATEVALUE("12:13")',
            "A2": '=DATEVALUE("7/5/1998 12:13 PM")',
            "A3": '=DATEVALUE("2007")',
            "A4": '=DATEVALUE("1/1937")',
            "A5": "=DATEVALUE(12)",
        },
    )
    assert got["A1"] == 0.0
    assert got["A2"] == 35981.0
    assert got["A3"].code == "#VALUE!"
    assert got["A4"] == 13516.0
    assert got["A5"].code == "#VALUE!"


def test_n_turns_booleans_into_numbers(tmp_path):
    # N: "TRUE → 1", FALSE → 0, text → 0, a number → itself.
    got = _both(tmp_path, {"A1": True, "A2": False, "A3": "x", "B1": "=N(A1)", "B2": "=N(A2)", "B3": "=N(A3)", "B4": "=N(2.5)"})
    assert (got["B1"], got["B2"], got["B3"], got["B4"]) == (1.0, 0.0, 0.0, 2.5)
    assert not isinstance(got["B1"], bool)


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (0, "0"),
        (99999999999.4999, "99999999999"),  # 11 characters at most, rounded half up
        (99999999999.5, "1E+11"),
        (9e-09, "0.000000009"),  # decimals that lose nothing
        (9.000001e-09, "9E-09"),  # scientific when both lose digits below 0.0001
        (1.111101e-05, "1.1111E-05"),
        (0.00011111101, "0.000111111"),  # from 0.0001 up, decimals hold 6 digits
        (7.77777777777777e-05, "7.77778E-05"),
        (-777777777.777777, "-777777777.8"),
    ],
)
def test_text_with_a_text_format_shows_a_number_as_general(tmp_path, number, shown):
    # TEXT(value, "@"): a number in a text format is displayed as the General format
    # does in a standard-width (11 character) cell.
    got = _both(tmp_path, {"A1": number, "B1": '=TEXT(A1,"@")', "C1": '=TEXT(A1,"General")'})
    assert got["B1"] == shown
    assert got["C1"] == shown


def test_numbers_become_text_with_at_most_15_significant_digits(tmp_path):
    # Excel keeps 15 significant digits: ">=" & 0.3645833333333333 is ">=0.364583333333333"
    # and LEN of 1/3 is 17 ("0.333333333333333").
    got = _both(tmp_path, {"A1": 0.3645833333333333, "B1": '=">="&A1', "B2": "=LEN(1/3)", "B3": '="x"&0.25'})
    assert got["B1"] == ">=0.364583333333333"
    assert got["B2"] == 17.0
    assert got["B3"] == "x0.25"


def _array_book(tmp_path, formulas: dict[str, str], names: dict[str, str] | None = None) -> dict[str, object]:
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 2026
    for name, value in (names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=value)
    for area, text in formulas.items():
        ws[area.split(":")[0]] = ArrayFormula(area, text)
    path = tmp_path / "arrays.xlsx"
    wb.save(path)
    return _evaluate_both(path)


def test_text_and_value_apply_to_each_element_of_an_array(tmp_path):
    # Dynamic arrays: a function taking a single value, given an array, returns one result
    # per element. Serial numbers 2..4 are Mon 1900-01-02 .. Wed 1900-01-04.
    got = _array_book(
        tmp_path,
        {
            "B1:D1": '=LEFT(TEXT(2+_xlfn.SEQUENCE(1,3,0),"ddd"))',
            "B2:D2": '=VALUE({"1","x","2.5"})',
            "B3:D3": '=TEXT(5,{"0.0","0","0.00"})',
        },
    )
    assert [got[c] for c in ("B1", "C1", "D1")] == ["M", "T", "W"]
    assert got["B2"] == 1.0 and got["C2"].code == "#VALUE!" and got["D2"] == 2.5
    assert [got[c] for c in ("B3", "C3", "D3")] == ["5.0", "5", "5.00"]


def test_let_bindings_may_use_earlier_ones_and_hold_array_constants(tmp_path):
    # LET: "a name … can be used in later value arguments and in the calculation".
    got = _array_book(
        tmp_path,
        {
            "B1": "=_xlfn.LET(_xlpm.x,2,_xlpm.y,_xlpm.x+1,_xlpm.x*_xlpm.y)",
            "B2:D2": "=_xlfn.LET(_xlpm.v,{1,2,3},_xlpm.v*10)",
            "B3": '=_xlfn.LET(_xlpm.t,"a,b",_xlpm.t&"!")',
        },
    )
    assert got["B1"] == 6.0
    assert [got[c] for c in ("B2", "C2", "D2")] == [10.0, 20.0, 30.0]
    assert got["B3"] == "a,b!"


def test_month_grid_from_a_lambda_name_with_let(tmp_path):
    # A named LAMBDA whose LET chains four bindings: the 6×7 Monday-first grid of January
    # 2026. 1 January 2026 is a Thursday, so the first row is "", "", "", 1, 2, 3, 4 and
    # the 31st falls on a Saturday (row 5, column 6).
    grid = (
        "_xlfn.LAMBDA(_xlpm.mo,_xlfn.LET(_xlpm.anchor,DATE(yr,_xlpm.mo,1),"
        "_xlpm.first_mon,_xlpm.anchor-(WEEKDAY(_xlpm.anchor,2)-1),_xlpm.grid,_xlfn.SEQUENCE(6,7,0),"
        '_xlpm.d,_xlpm.first_mon+_xlpm.grid,IF(MONTH(_xlpm.d)=_xlpm.mo,DAY(_xlpm.d),"")))'
    )
    got = _array_book(tmp_path, {"B2:H7": "=cal(1)"}, {"yr": "S!$A$1", "cal": grid})
    assert [got[f"{c}2"] for c in "BCDEFGH"] == ["", "", "", 1.0, 2.0, 3.0, 4.0]
    assert [got[f"{c}6"] for c in "BCDEFGH"] == [26.0, 27.0, 28.0, 29.0, 30.0, 31.0, ""]
    assert all(got[f"{c}7"] == "" for c in "BCDEFGH")


def test_dec2bin_oct_hex_negative_numbers_ignore_places(tmp_path):
    # DEC2BIN/DEC2OCT/DEC2HEX: "If number is negative, places is ignored and … returns a
    # 10-character (40-bit for HEX) number in two's-complement notation"; places must be
    # 1..10 all the same (0 and 11 are #NUM!), too few places is #NUM!, text that is no
    # number is #VALUE!, an empty cell is 0.
    got = _both(
        tmp_path,
        {
            "A1": -25,
            "A2": "E",
            "B1": "=DEC2BIN(A1,3)",
            "C1": "=DEC2OCT(A1,1)",
            "D1": "=DEC2HEX(A1,10)",
            "E1": "=DEC2BIN(A1,0)",
            "F1": "=DEC2HEX(A1,11)",
            "B2": "=DEC2BIN(10,4)",
            "C2": "=DEC2BIN(10,3)",
            "D2": "=DEC2HEX(A2)",
            "E2": "=DEC2HEX(A2,0)",
            "F2": "=DEC2OCT(Z9)",
            "G2": "=DEC2BIN(512)",
        },
    )
    assert (got["B1"], got["C1"], got["D1"]) == ("1111100111", "7777777747", "FFFFFFFFE7")
    assert got["E1"].code == "#NUM!" and got["F1"].code == "#NUM!"
    assert got["B2"] == "1010" and got["C2"].code == "#NUM!"
    assert got["D2"].code == "#VALUE!" and got["E2"].code == "#NUM!"
    assert got["F2"] == "0"
    assert got["G2"].code == "#NUM!"


def _xlookup_table() -> dict[str, object]:
    # A2:A8 ascending with duplicates, B2:B8 labels, C2:C8 a second return column
    keys = [1, 2, 5, 5, 5, 7, 9]
    cells: dict[str, object] = {}
    for i, k in enumerate(keys, start=2):
        cells[f"A{i}"] = k
        cells[f"B{i}"] = chr(ord("a") + i - 2)
        cells[f"C{i}"] = 10 * i
    return cells


def test_xlookup_not_found_modes_and_sizes(tmp_path):
    # XLOOKUP (Microsoft's page): "If a valid match is not found, and [if_not_found] is
    # missing, #N/A is returned"; match_mode is 0, -1 (exact or next smaller), 1 (exact or
    # next larger) or 2 (wildcards), search_mode 1, -1, 2 or -2, other values #VALUE!;
    # lookup and return arrays of different lengths give #VALUE!; a 2-D return array
    # gives the whole matching row.
    cells = _xlookup_table()
    cells.update(
        {
            "E1": "=XLOOKUP(4,A2:A8,B2:B8)",
            "E2": '=XLOOKUP(4,A2:A8,B2:B8,"none")',
            "E3": "=XLOOKUP(4,A2:A8,B2:B8,,-1)",
            "E4": "=XLOOKUP(4,A2:A8,B2:B8,,1)",
            "E5": "=XLOOKUP(4,A2:A8,B2:B8,,7)",
            "E6": "=XLOOKUP(4,A2:A8,B2:B8,,0,3)",
            "E7": "=XLOOKUP(5,A2:A8,B2:B7)",
            "E8": '=XLOOKUP("?",B2:B8,A2:A8,,2)',
            "E9": "=SUM(XLOOKUP(7,A2:A8,B2:C8))",
            "E10": "=XMATCH(5,A2:A8,0,-1)",
        }
    )
    got = _both(tmp_path, cells)
    assert got["E1"].code == "#N/A"
    assert got["E2"] == "none"
    assert got["E3"] == "b" and got["E4"] == "c"
    assert got["E5"].code == "#VALUE!" and got["E6"].code == "#VALUE!" and got["E7"].code == "#VALUE!"
    assert got["E8"] == 1.0  # "?" matches any one character: the first key, "a"
    assert got["E9"] == 70.0  # the row of 7 in B:C is ("f", 70); SUM skips the text
    assert got["E10"] == 5.0  # searching from the last: the third 5


def test_xlookup_binary_search_with_duplicates(tmp_path):
    # XLOOKUP search_mode 2 "binary search that relies on lookup_array being sorted in
    # ascending order", -2 descending. Excel (checked against IronCalc's XLOOKUP workbook
    # saved by Excel) keeps an exact match met at a probe and goes on toward the first
    # duplicate (ascending) or the last (descending); next smaller lands on the last key
    # below the value, next larger on the first key above it.
    cells = _xlookup_table()
    for i, k in enumerate([9, 7, 5, 5, 5, 2, 1], start=2):  # the same keys descending
        cells[f"G{i}"] = k
        cells[f"H{i}"] = chr(ord("a") + i - 2)
    cells.update(
        {
            "E1": "=XLOOKUP(5,A2:A8,B2:B8,,0,2)",
            "E2": "=XLOOKUP(6,A2:A8,B2:B8,,-1,2)",
            "E3": "=XLOOKUP(4,A2:A8,B2:B8,,1,2)",
            "E4": "=XLOOKUP(5,G2:G8,H2:H8,,0,-2)",
            "E5": "=XLOOKUP(6,G2:G8,H2:H8,,-1,-2)",
            "E6": "=XLOOKUP(4,G2:G8,H2:H8,,1,-2)",
            "E7": '=XLOOKUP("a*",B2:B8,A2:A8,,2,2)',
        }
    )
    got = _both(tmp_path, cells)
    assert got["E1"] == "c"  # A4, the first 5
    assert got["E2"] == "e"  # A6, the last 5
    assert got["E3"] == "c"  # A4, the first 5
    assert got["E4"] == "e"  # G6, the last 5
    assert got["E5"] == "c"  # G4, the first 5 (the largest key below 6)
    assert got["E6"] == "e"  # G6, the last 5 (the smallest key above 4)
    assert got["E7"].code == "#VALUE!"  # wildcards need a linear search


def test_index_row_or_column_zero_is_the_whole_column_or_row(tmp_path):
    # INDEX: "If row_num is set to 0, INDEX returns the array of values for the entire
    # column", likewise column_num 0 the entire row; for a 2-D array with column_num
    # omitted, Excel returns the entire row (INDEX({1,2,3;4,5,6},1) spills 1,2,3).
    cells = {f"{c}{r}": 10 * r + i for r in (1, 2, 3) for i, c in enumerate("ABC", start=1)}
    cells.update(
        {
            "E1": "=SUM(INDEX(A1:C3,0,2))",
            "E2": "=SUM(INDEX(A1:C3,2,0))",
            "E3": "=SUM(INDEX({1,2,3;4,5,6},2))",
            "E4": "=INDEX(A1:C3,2,3)",
            "E5": "=INDEX(A1:C3,4,0)",
        }
    )
    got = _both(tmp_path, cells)
    assert got["E1"] == 12.0 + 22.0 + 32.0
    assert got["E2"] == 21.0 + 22.0 + 23.0
    assert got["E3"] == 15.0
    assert got["E4"] == 23.0
    assert got["E5"].code == "#REF!"


def test_indirect_of_a_computed_address(tmp_path):
    # INDIRECT "returns the reference specified by a text string"; "If ref_text is not a
    # valid cell reference, INDIRECT returns the #REF! error value". ROW and COLUMN of
    # that reference give its first row and column; whole columns and rows are references
    # too (ROW(INDIRECT("D:D")) is 1).
    got = _both(
        tmp_path,
        {
            "A1": "C2",
            "A2": "$B$3:D9",
            "A3": "D:D",
            "A4": "nowhere",
            "A5": "'S'!B3",
            "B3": 7,
            "C2": 5,
            "F1": "=ROW(INDIRECT(A1))",
            "F2": "=COLUMN(INDIRECT(A2))",
            "F3": "=ROW(INDIRECT(A3))+COLUMN(INDIRECT(A3))",
            "F4": "=ROW(INDIRECT(A4))",
            "F5": "=INDIRECT(A5)*2",
            "F6": '=INDIRECT("Other!A1")',
        },
    )
    assert got["F1"] == 2.0 and got["F2"] == 2.0 and got["F3"] == 5.0
    assert got["F4"].code == "#REF!"
    assert got["F5"] == 14.0
    assert got["F6"].code == "#REF!"


def test_bessel_functions_give_excels_approximations(tmp_path):
    # Microsoft's examples: BESSELJ(1.9,2) 0.329925728, BESSELY(2.5,1) 0.145918138,
    # BESSELI(1.5,1) 0.981666428, BESSELK(1.5,1) 0.277387804 (nine digits shown).
    # Excel's values to every digit, from the cached values of the IronCalc BESSEL test
    # book that real Excel saved: J0(0) is 1.00000000283141 (the rational approximation,
    # not 1), J1(10) 0.04347224965225415 (its asymptotic series repeats a coefficient;
    # the true value is 0.0434727462), I7(32) by Miller's recurrence from 2·(n+⌊√40n⌋).
    got = _both(tmp_path, {
        "A1": "=BESSELJ(1.9,2)", "A2": "=BESSELY(2.5,1)", "A3": "=BESSELI(1.5,1)", "A4": "=BESSELK(1.5,1)",
        "B1": "=BESSELJ(0,0)", "B2": "=BESSELJ(10,1)", "B3": "=BESSELJ(-10,1)", "B4": "=BESSELI(32,7)",
        "C1": "=BESSELJ(1,-1)", "C2": "=BESSELY(0,1)", "C3": "=BESSELK(-1,0)", "C4": "=BESSELJ(TRUE,1)",
        "D1": '=BESSELJ("2.4",1.9)', "D2": "=BESSELJ(2.4,1)",
    })  # fmt: skip
    for ref, documented in {"A1": 0.329925728, "A2": 0.145918138, "A3": 0.981666428, "A4": 0.277387804}.items():
        assert round(got[ref], 9) == documented
    assert got["B1"] == 1.00000000283141
    assert got["B2"] == 0.04347224965225415
    assert got["B3"] == -0.04347224965225415
    assert got["B4"] == pytest.approx(2576524402069.303, rel=1e-12)
    assert [getattr(got[r], "code", None) for r in ("C1", "C2", "C3", "C4")] == ["#NUM!", "#NUM!", "#NUM!", "#VALUE!"]
    assert got["D1"] == got["D2"]  # numeric text read, the order truncated


def test_complex_numbers_are_written_as_excel_writes_them(tmp_path):
    # Microsoft's examples for IMSIN, IMCOS, IMEXP, IMSQRT, IMPRODUCT, IMARGUMENT, COMPLEX;
    # the plain and exponent forms and "-j" from the cached values of Excel-saved books
    # (formulas' test book, IronCalc's COMPLEXs book): 15 significant digits, no exponent
    # while at most 19 decimals are needed, 0 for -0.
    got = _both(tmp_path, {
        "A1": '=IMSIN("4+3i")', "A2": '=IMCOS("1+i")', "A3": '=IMEXP("1+i")', "A4": '=IMSQRT("1+i")',
        "A5": '=IMPRODUCT("3+4i","5-3i")', "A6": '=IMARGUMENT("3+4i")', "A7": '=COMPLEX(3,4,"j")',
        "B1": "=COMPLEX(1E-16,0)", "B2": "=COMPLEX(2.24044486393732E-06,-2.99158552811404E-07)",
        "B3": "=COMPLEX(0.0000692442674613868,-1)", "B4": '=IMSUB("1+i","1+i")', "B5": '=IMSUM("0.1+0.2i","0.2+0.1i")',
        "C1": '=IMARGUMENT("j")', "C2": '=IMARGUMENT("-2.5i")', "C3": '=IMARGUMENT("0")',
    })  # fmt: skip
    assert [got[f"A{i}"] for i in range(1, 6)] == [
        "-7.61923172032141-6.548120040911i", "0.833730025131149-0.988897705762865i",
        "1.46869393991589+2.28735528717884i", "1.09868411346781+0.455089860562227i", "27+11i",
    ]  # fmt: skip
    assert round(got["A6"], 8) == 0.92729522
    assert got["A7"] == "3+4j"
    assert got["B1"] == "0.0000000000000001"
    assert got["B2"] == "2.24044486393732E-06-2.99158552811404E-07i"
    assert got["B3"] == "0.0000692442674613868-i"
    assert got["B4"] == "0"
    assert got["B5"] == "0.3+0.3i"  # 0.30000000000000004 to 15 digits
    assert got["C1"] == pytest.approx(1.5707963267948966) and got["C2"] == pytest.approx(-1.5707963267948966)
    assert got["C3"].code == "#DIV/0!"


def test_lambda_helpers_keep_errors_and_array_start_values(tmp_path):
    # Microsoft's SCAN example computes running products; the rest are the cached values
    # of formulas' Excel-saved test book: an error stays an error (not the text
    # "#DIV/0!"), a start value of several cells is passed whole (REDUCE adds 1+4+9 to
    # each of A1:C1's copies; SCAN's first call sums it), MAP with two LAMBDAs is #VALUE!.
    got = _array_book(tmp_path, {
        "B1:D1": "=_xlfn.SCAN(1,{1,2,3},_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a*_xlpm.b))",
        "B2:C2": "=_xlfn.SCAN(1/0,{1,3},_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b^2))",
        "B3:D3": "=_xlfn.REDUCE(B1:D1,{1,2,3},_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b^2))",
        "B4:B5": "=_xlfn.SCAN(B1:D1,{1;2},_xlfn.LAMBDA(_xlpm.a,_xlpm.b,SUM(_xlpm.a)+_xlpm.b^2))",
        "B6": "=_xlfn.MAP({1,2;3,3},_xlfn.LAMBDA(_xlpm.a,_xlpm.a+1),_xlfn.LAMBDA(_xlpm.b,_xlpm.b+3))",
        "B7:C8": "=_xlfn.MAP({1,2;3,3},_xlfn.LAMBDA(_xlpm.a,_xlpm.a+1))",
    })  # fmt: skip
    assert [got[c] for c in ("B1", "C1", "D1")] == [1.0, 2.0, 6.0]
    assert got["B2"].code == got["C2"].code == "#DIV/0!"
    assert [got[c] for c in ("B3", "C3", "D3")] == [15.0, 16.0, 20.0]
    assert [got["B4"], got["B5"]] == [10.0, 14.0]
    assert got["B6"].code == "#VALUE!"
    assert [got[c] for c in ("B7", "C7", "B8", "C8")] == [2.0, 3.0, 4.0, 4.0]


def test_and_or_read_text_given_directly_as_excel_does(tmp_path):
    # Microsoft: text in references and arrays is skipped; no logical value left is
    # #VALUE!. Excel's cached values in formulas' test book: AND(TRUE,"0") is TRUE (text
    # given directly that is not TRUE/FALSE is skipped too) and the first error wins even
    # after skipped text. An omitted argument counts FALSE (IronCalc's notes of Excel).
    got = _both(tmp_path, {
        "A1": "x", "A2": True,
        "B1": '=AND(TRUE,"0")', "B2": '=AND(TRUE,"false")', "B3": '=OR(FALSE,"TRUE")', "B4": '=AND("abc")',
        "B5": '=AND(TRUE,"ciao",1/0,"0")', "B6": "=AND(A1:A2)", "B7": "=AND(A1)", "B8": "=AND(TRUE,)",
    })  # fmt: skip
    assert [got[f"B{i}"] for i in (1, 2, 3)] == [True, False, True]
    assert got["B4"].code == "#VALUE!" and got["B5"].code == "#DIV/0!"
    assert got["B6"] is True and got["B7"].code == "#VALUE!"
    assert got["B8"] is False


def test_int_and_mround_read_numbers_dates_and_halves_as_excel_does(tmp_path):
    # Microsoft's examples: MROUND(10,3) 9, MROUND(-10,-3) -9, MROUND(1.3,0.2) 1.4,
    # MROUND(5,-2) #NUM!, INT(8.9) 8, INT(-8.9) -9. The rest are Excel's cached values in
    # IronCalc's MROUND_TRUNC_INT book: text reading as a date is that date's number, also
    # from a cell (A1), but not with spaces around it; halves away from zero; an omitted
    # argument #N/A; INT(1E+100) is 1E+100.
    got = _both(tmp_path, {
        "A1": '="2024-01-10"', "A2": '=" 2024-01-10 "',
        "B1": "=MROUND(10,3)", "B2": "=MROUND(-10,-3)", "B3": "=MROUND(1.3,0.2)", "B4": "=MROUND(5,-2)",
        "C1": "=INT(8.9)", "C2": "=INT(-8.9)", "C3": "=INT(A1)", "C4": "=INT(1E+100)",
        "D1": "=MROUND(A1,7)", "D2": "=MROUND(A2,7)", "D3": "=MROUND(1,2)", "D4": "=MROUND(,5)",
        "D5": "=MROUND(2.675,0.01)", "D6": '=MROUND(2,"8")', "D7": "=TRUNC(A1,0)", "D8": '=SQRT("50%")',
    })  # fmt: skip
    assert [got["B1"], got["B2"]] == [9.0, -9.0]
    assert got["B3"] == 7 * 0.2  # shows 1.4; Excel keeps quotient × multiple (MROUND(1.23456789,0.0001) is 1.2346000000000001 in its cache)
    assert got["B4"].code == "#NUM!"
    assert [got["C1"], got["C2"], got["C3"], got["C4"]] == [8.0, -9.0, 45301.0, 1e100]
    assert got["D1"] == 45304.0 and got["D2"].code == "#VALUE!"
    assert got["D3"] == 2.0 and got["D4"].code == "#N/A"
    assert got["D5"] == 2.68 and got["D6"] == 0.0 and got["D7"] == 45301.0
    assert got["D8"] == pytest.approx(0.5**0.5)


def test_dollar_seriessum_and_hyperlink(tmp_path):
    # Microsoft's examples for DOLLAR and SERIESSUM (cos π/4 from four terms, 0.707103215);
    # SERIESSUM(0,0,2,…) is #NUM! and TRUE as x #VALUE! in IronCalc's Excel-saved book;
    # HYPERLINK shows its friendly name, else the link.
    got = _both(tmp_path, {
        "A1": 1, "A2": "=-1/2", "A3": "=1/24", "A4": "=-1/720",
        "B1": "=DOLLAR(1234.567,2)", "B2": "=DOLLAR(1234.567,-2)", "B3": "=DOLLAR(-1234.567,-2)",
        "B4": "=DOLLAR(-0.123,4)", "B5": "=DOLLAR(99.888)",
        "C1": "=SERIESSUM(PI()/4,0,2,A1:A4)", "C2": "=SERIESSUM(0,0,2,A1:A4)", "C3": "=SERIESSUM(TRUE,0,2,A1:A4)",
        "D1": '=HYPERLINK("http://example.com/report.xlsx","Click for report")', "D2": '=HYPERLINK("http://example.com")',
    })  # fmt: skip
    assert [got[f"B{i}"] for i in range(1, 6)] == ["$1,234.57", "$1,200", "($1,200)", "($0.1230)", "$99.89"]
    assert round(got["C1"], 9) == 0.707103215
    assert got["C2"].code == "#NUM!" and got["C3"].code == "#VALUE!"
    assert [got["D1"], got["D2"]] == ["Click for report", "http://example.com"]


def test_groupby_of_one_key_column_and_one_value_column(tmp_path):
    # By hand: the header row is detected (its value is text), groups in ascending order,
    # a Total row; a second form with headers shown goes to the full implementation and
    # must agree on the groups.
    cells = {"A1": "Dept", "B1": "Pay", "A2": "Sales", "B2": 10, "A3": "Design", "B3": 5, "A4": "Sales", "B4": 7,
             "A5": "Art", "B5": 1, "A6": "Design", "B6": 2}
    path = tmp_path / "g.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, v in cells.items():
        ws[ref] = v
    from openpyxl.worksheet.formula import ArrayFormula

    ws["D1"] = ArrayFormula("D1:E4", "=_xlfn.GROUPBY(A1:A6,B1:B6,_xleta.SUM)")
    ws["G1"] = ArrayFormula("G1:H4", "=_xlfn.GROUPBY(A1:A6,B1:B6,_xleta.AVERAGE)")
    ws["J1"] = ArrayFormula("J1:K5", "=_xlfn.GROUPBY(A1:A6,B1:B6,_xleta.SUM,3)")
    wb.save(path)
    got = _evaluate_both(path)
    assert [[got[f"{c}{r}"] for c in "DE"] for r in range(1, 5)] == [["Art", 1.0], ["Design", 7.0], ["Sales", 17.0], ["Total", 25.0]]
    assert [got[f"H{r}"] for r in range(1, 5)] == [1.0, 3.5, 8.5, 5.0]
    assert [[got[f"{c}{r}"] for c in "JK"] for r in range(2, 6)] == [["Art", 1.0], ["Design", 7.0], ["Sales", 17.0], ["Total", 25.0]]
