"""Excel features that appraisal workbooks use and the conformance corpus under-represents
(issue 15), each on a workbook written for the purpose, with the value Excel documents.

Sources: Microsoft's articles "Date systems in Excel" (1900 and 1904, day 0, the
fictitious 1900-02-29), "INDIRECT function", "OFFSET function", "Implicit intersection
operator: @" (a range where one value is expected is the cell in the formula's row or
column, #VALUE! when there is none), "Calculation operators and precedence" (space is
the intersection operator, #NULL! when the ranges do not meet; comma the union),
"Create a 3-D reference to the same cell range on multiple worksheets", "IF function"
and "Define and use names in formulas" (sheet-level names). Every workbook is computed
both whole blocks at a time and cell by cell, which must agree.
"""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from kpi_udfs.errors import NAME, NULL, REF, VALUE, KpiError
from kpi_udfs.recalc import evaluate


def _book(tmp_path, sheets: dict[str, dict], *, names: dict | None = None, local: dict | None = None,
          date1904: bool = False, arrays: dict | None = None):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        ws = wb.create_sheet(title)
        for ref, value in cells.items():
            ws[ref] = value
    for (title, ref), (area, text) in (arrays or {}).items():
        wb[title][ref] = ArrayFormula(area, text)
    for name, text in (names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=text)
    for (title, name), text in (local or {}).items():
        wb[title].defined_names[name] = DefinedName(name, attr_text=text)
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    path = tmp_path / "features.xlsx"
    wb.save(path)
    return path


def _values(path) -> dict:
    whole = evaluate(path).values
    single = evaluate(path, whole_blocks=False).values
    assert whole == single
    return whole


# -- the 1904 date system -------------------------------------------------------------------


def test_1904_date_system_counts_days_from_1904(tmp_path):
    cells = {"A1": 0, "A2": 43831,  # 1904 serials: 1904-01-01 and 2024-01-02
             "B1": "=DATE(1904,1,1)", "B2": "=YEAR(A1)", "B3": "=WEEKDAY(A1)", "B4": '=TEXT(A2,"yyyy-mm-dd")',
             "B5": "=EOMONTH(A2,0)", "B6": '=DATEVALUE("2024-01-02")', "B7": '="2024-01-02"+0',
             "B8": "=DAYS(A2,A1)", "B9": "=MONTH(A2)"}
    v = _values(_book(tmp_path, {"S": cells}, date1904=True))
    got = [v[("S", f"B{i}")] for i in range(1, 10)]
    # 1904-01-01 was a Friday (WEEKDAY 6); 2024-01-31 is 29 days after 2024-01-02
    assert got == [0.0, 1904.0, 6.0, "2024-01-02", 43860.0, 43831.0, 43831.0, 43831.0, 1.0]


def test_1900_date_system_keeps_excels_leap_day(tmp_path):
    cells = {"B1": "=DATE(1900,3,1)", "B2": "=DATE(1900,2,28)", "B3": '=TEXT(60,"yyyy-mm-dd")', "B4": "=DATE(2024,1,2)"}
    v = _values(_book(tmp_path, {"S": cells}))
    assert [v[("S", f"B{i}")] for i in range(1, 5)] == [61.0, 59.0, "1900-02-29", 45293.0]


# -- references computed while the formula runs --------------------------------------------


def test_indirect_reads_cells_computed_after_it(tmp_path):
    # B1 names C1 only as text: C1 (and D1 before it) must be computed first
    cells = {"B1": '=INDIRECT("C"&1)+1', "C1": "=D1*2", "D1": "=E1+3", "E1": 2}
    v = _values(_book(tmp_path, {"S": cells}))
    assert v[("S", "B1")] == 11.0 and v[("S", "C1")] == 10.0


def test_running_counter_through_indirect_and_a_lookup_over_whole_columns(tmp_path):
    cells = {"A1": "n", "B1": "total"}
    for r in range(2, 42):
        cells[f"A{r}"] = r - 1
        cells[f"B{r}"] = f'=IF(ROW()=2,A{r},INDIRECT("B"&(ROW()-1))+A{r})'
    cells["D1"] = "=VLOOKUP(40,A:B,2,FALSE)"
    v = _values(_book(tmp_path, {"S": cells}))
    assert v[("S", "B41")] == 40 * 41 / 2 and v[("S", "D1")] == 820.0


def test_offset_with_computed_offsets_reads_current_values(tmp_path):
    cells = {"A1": 1, "A2": "=A1+1", "A3": "=A2+1", "A4": "=A3+1", "C1": 2, "D1": "=SUM(OFFSET(A1,C1,0,2,1))"}
    v = _values(_book(tmp_path, {"S": cells}))
    assert v[("S", "D1")] == 7.0  # A3 + A4


def test_a_cycle_through_indirect_is_a_circular_reference(tmp_path):
    cells = {"A1": '=INDIRECT("B1")+1', "B1": "=A1*2", "C1": "=5*2"}
    path = _book(tmp_path, {"S": cells})
    ev = evaluate(path)
    assert ev.values[("S", "A1")] == 0.0 and "circular" in ev.notes[("S", "A1")]
    assert ev.values[("S", "B1")] == 0.0 and "circular" in ev.notes[("S", "B1")]
    assert ev.values[("S", "C1")] == 10.0


# -- implicit intersection and the reference operators ------------------------------------


def test_implicit_intersection_of_a_range_where_one_value_is_expected(tmp_path):
    cells = {f"N{r}": -r for r in range(88, 97)}
    cells["O96"] = "=ABS(N88:N96)"  # the row-96 cell of the column: ABS(N96)
    cells["O90"] = "=N88:N96*2"  # an operator too: N90*2
    cells["O100"] = "=ABS(N88:N96)"  # row 100 meets no cell of N88:N96
    cells["P1"] = 10
    cells["Q1"] = 20
    cells["Q5"] = "=P1:Q1+1"  # a row range, intersected by column Q
    cells["R1"] = "=SUM(N88:N96)"  # a function that takes ranges gets the whole range
    v = _values(_book(tmp_path, {"S": cells}, arrays={("S", "T1"): ("T1:T3", "=ABS(N88:N90)")}))
    assert v[("S", "O96")] == 96.0 and v[("S", "O90")] == -180.0
    assert v[("S", "O100")] == KpiError(VALUE, "") and v[("S", "Q5")] == 21.0
    assert v[("S", "R1")] == -sum(range(88, 97))
    assert [v[("S", f"T{r}")] for r in (1, 2, 3)] == [88.0, 89.0, 90.0]  # an array formula: all


def test_intersection_union_and_range_operators(tmp_path):
    cells = {"C2": 1, "D2": 2, "C3": 3, "D3": 4, "E3": 5, "D4": 6, "E4": 7, "A2": 100,
             "G1": "=(C2:D3 D3:E4)", "G2": "=SUM(A:A 2:2)", "G3": "=C2:C3 E3:E4",
             "G4": "=SUM((C2:C3,E3:E4))", "G5": "=SUM(C2:INDEX(D2:D4,2))", "G6": "=AREAS((C2:C3,E3:E4))"}
    v = _values(_book(tmp_path, {"S": cells}))
    assert v[("S", "G1")] == 4.0 and v[("S", "G2")] == 100.0
    assert v[("S", "G3")] == KpiError(NULL, "")  # the ranges do not meet
    assert v[("S", "G4")] == 1 + 3 + 5 + 7 and v[("S", "G5")] == 1 + 2 + 3 + 4
    assert v[("S", "G6")] == 2.0


def test_three_d_references(tmp_path):
    sheets = {"Jan": {"B2": 10}, "Feb": {"B2": 20}, "Mar": {"B2": 30}, "Sum": {"A1": "=SUM(Jan:Mar!B2)",
              "A2": "=AVERAGE(Jan:Mar!B2)", "A3": "=SUM(Feb:Mar!B2:B3)", "A4": "=COUNT(Jan:Mar!B2)"}}
    v = _values(_book(tmp_path, sheets))
    assert [v[("Sum", f"A{i}")] for i in range(1, 5)] == [60.0, 20.0, 50.0, 3.0]


# -- literals, names, coercions --------------------------------------------------------------


def test_error_literals_in_formulas(tmp_path):
    cells = {"A1": "=ISNA(#N/A)", "A2": "=ERROR.TYPE(#DIV/0!)", "A3": "=IFERROR(#REF!,1)", "A4": "=ISERR(#N/A)",
             "A5": "=#NULL!", "A6": '=IF(TRUE,#VALUE!,1)'}
    v = _values(_book(tmp_path, {"S": cells}))
    assert [v[("S", f"A{i}")] for i in range(1, 5)] == [True, 2.0, 1.0, False]
    assert v[("S", "A5")] == KpiError(NULL, "") and v[("S", "A6")] == KpiError(VALUE, "")


def test_sheet_qualified_and_sheet_level_names(tmp_path):
    sheets = {"Defines": {"A1": 0.07, "A2": 0.09}, "Staff": {"B1": 100, "C1": "=B1*Defines!Rate",
              "C2": "=B1*Rate", "C3": "=Defines!Top*2"}, "Other": {"C1": "=Rate"}}
    path = _book(tmp_path, sheets, names={"Rate": "Defines!$A$2"},
                 local={("Defines", "Rate"): "Defines!$A$1", ("Defines", "Top"): "Defines!$A$2"})
    v = _values(path)
    # Defines!Rate is Defines' own name; elsewhere Rate is the workbook's
    assert v[("Staff", "C1")] == pytest.approx(7.0) and v[("Staff", "C2")] == pytest.approx(9.0)
    assert v[("Staff", "C3")] == pytest.approx(0.18) and v[("Other", "C1")] == pytest.approx(0.09)


def test_references_to_other_workbooks_are_ref_errors_with_a_reason(tmp_path):
    cells = {"A1": "=[1]Rates!A1*2", "A2": "=[1]!Rate", "A3": "=1+1"}
    ev = evaluate(_book(tmp_path, {"S": cells}))
    for ref in ("A1", "A2"):
        err = ev.values[("S", ref)]
        assert err.code == REF and "another workbook" in err.reason
    assert ev.values[("S", "A3")] == 2.0


def test_text_read_as_a_condition(tmp_path):
    cells = {"A1": '=IF("tRue",1,2)', "A2": '=IF("FALSE",1,2)', "A3": '=IF("no",1,2)', "A4": '=NOT("false")',
             "A5": '=AND("TRUE",1)', "A6": '=OR(B1:B2)', "B1": "yes", "B2": True}
    v = _values(_book(tmp_path, {"S": cells}))
    assert [v[("S", f"A{i}")] for i in (1, 2)] == [1.0, 2.0]
    assert v[("S", "A3")] == KpiError(VALUE, "")
    assert v[("S", "A4")] is True and v[("S", "A5")] is True
    assert v[("S", "A6")] is True  # text in a referenced range is skipped


def test_a_workbooks_own_vba_function_is_named_not_run(tmp_path):
    path = _book(tmp_path, {"S": {"A1": "=MYBONUS(2)", "A2": "=2*3"}})
    # a package with a VBA project (what an .xlsm holds)
    import zipfile

    xlsm = tmp_path / "macros.xlsm"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(xlsm, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real project")
    ev = evaluate(xlsm)
    err = ev.values[("S", "A1")]
    assert err.code == NAME and "VBA" in err.reason and "MYBONUS" in err.reason
    assert ev.values[("S", "A2")] == 6.0
