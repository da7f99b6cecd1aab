"""SORT and SORTBY against Excel's own values.

The expected orders are the cached values Excel saved in IronCalc's
LOOKUP_AND_REFERENCE__SORT test book of the shared corpus, for the same data.
"""

from __future__ import annotations

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

from kpi_udfs.errors import KpiError
from tests.test_recalc_excel_values import _evaluate_both

_DATA = [1, 5, 2, -2, 5, 7, "Hola", "De", "HOLA", "=1/0", "Qwer", None, "AAAA", 123, "2", "=NA()"]


def _show(v):
    return v.code if isinstance(v, KpiError) else v


def _book(tmp_path, arrays: dict) -> dict:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for i, v in enumerate(_DATA):
        ws[f"A{i + 1}"] = v
        ws[f"B{i + 1}"] = f"k{20 - i:02d}" if i % 3 else i
    for ref, formula in arrays.items():
        ws[ref.split(":")[0]] = ArrayFormula(ref, formula)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return _evaluate_both(path)


def test_sort_orders_kinds_and_text_as_excel(tmp_path):
    got = _book(tmp_path, {"D1:D16": "=SORT(A1:A16)", "E1:E16": "=SORT(A1:A16,1,-1)"})
    # numbers, text ignoring case (stable: Hola before HOLA, as in the data), errors by
    # their ERROR.TYPE number; the empty cell last, shown as 0
    assert [_show(got[f"D{r}"]) for r in range(1, 17)] == [
        -2, 1, 2, 5, 5, 7, 123, "2", "AAAA", "De", "Hola", "HOLA", "Qwer", "#DIV/0!", "#N/A", 0]
    assert [_show(got[f"E{r}"]) for r in range(1, 17)] == [
        "#N/A", "#DIV/0!", "Qwer", "Hola", "HOLA", "De", "AAAA", "2", 123, 7, 5, 5, 2, 1, -2, 0]


def test_sortby_and_sort_arguments(tmp_path):
    got = _book(tmp_path, {"G1:G3": "=SORTBY(A1:A3,B1:B3,-1)", "H1:I2": "=SORT(A1:B2,2,-1)",
                           "J1": "=SORT(A1:A3,2)", "K1": "=SORT(A1:A3,1,0)", "L1": "=SORTBY(A1:A3,B1:B2)",
                           "M1": "=SORT(A1:A3,C1)"})
    # B1:B3 is 0, "k19", "k18": text after numbers, so descending "k19", "k18", 0
    assert [got[f"G{r}"] for r in (1, 2, 3)] == [5, 2, 1]
    assert [got["H1"], got["I1"], got["H2"], got["I2"]] == [5, "k19", 1, 0]
    assert [_show(got[c]) for c in ("J1", "K1", "L1", "M1")] == ["#VALUE!"] * 4
