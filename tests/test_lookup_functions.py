"""INDEX's area argument against Excel's own values (the cached values of the `formulas`
package's test book and IronCalc's LOOKUP_AND_REFERENCE__INDEX book, shared corpus)."""

from __future__ import annotations

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

from kpi_udfs.errors import KpiError
from tests.test_recalc_excel_values import _evaluate_both


def _show(v):
    return v.code if isinstance(v, KpiError) else v


def test_index_area_numbers_one_by_one_and_arrays_have_one_area(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, v in {"C1": -1.1, "D1": 2.1, "E1": 3, "C2": 5, "D2": 6, "E2": 1, "E3": 2}.items():
        ws[ref] = v
    ws["G1"] = ArrayFormula("G1:G3", "=INDEX((C1:C2,D1:D2),1,1,E1:E3)")
    ws["H1"] = "=INDEX({1,2,3},1,0,2)"
    ws["H2"] = "=INDEX({2,3,4,5},1,1,1/0)"
    ws["H3"] = "=INDEX({2,3,4,5},1,2,1)"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    got = _evaluate_both(path)
    # area 3 of two areas is #REF!; area 1 gives C1, area 2 D1
    assert [_show(got[f"G{r}"]) for r in (1, 2, 3)] == ["#REF!", -1.1, 2.1]
    assert [_show(got[f"H{r}"]) for r in (1, 2, 3)] == ["#REF!", "#DIV/0!", 3]


def test_vlookup_and_hlookup_check_their_arguments_first(tmp_path):
    # IronCalc's LOOKUP_AND_REFERENCE__HVLOOKUP book and formulacompiler's LookupFunctions
    # book (cached values): an index of 0 is #VALUE! (not the last column), an error as the
    # index or match type is that error, a single text as the table #VALUE!, TRUE #N/A.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r, (a, b) in enumerate([(10, "ten"), (20, "twenty"), (30, "thirty")], start=1):
        ws[f"A{r}"], ws[f"B{r}"] = a, b
    cells = {"D1": "=VLOOKUP(20,A1:B3,0)", "D2": "=VLOOKUP(20,A1:B3,1/0)", "D3": '=VLOOKUP(20,"Nothing",1)',
             "D4": "=HLOOKUP(20,TRUE,1)", "D5": "=VLOOKUP(20,A1:B3,2,1/0)", "D6": "=VLOOKUP(20,A1:B3,2)",
             "D7": "=VLOOKUP(25,A1:B3,{2,1})"}
    for ref, f in cells.items():
        ws[ref] = f
    path = tmp_path / "book.xlsx"
    wb.save(path)
    got = _evaluate_both(path)
    assert [_show(got[f"D{r}"]) for r in range(1, 8)] == [
        "#VALUE!", "#DIV/0!", "#VALUE!", "#N/A", "#DIV/0!", "twenty", "twenty"]
