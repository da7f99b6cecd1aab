"""Pieces of ``kpi lint`` / ``kpi adopt`` on their own: the interval algebra, the formula renderer
and call spans (against the parser, over every formula of the Excel-saved corpus), and band
logic written inside a longer formula."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from kpi_udfs.adopt.adoption import adopt
from kpi_udfs.adopt.formula_render import call_spans, calls_in_order, render, replace_parts
from kpi_udfs.adopt.intervals import Interval, NumberSet
from kpi_udfs.adopt.sheet_reader import read
from kpi_udfs.errors import KpiError
from kpi_udfs.recalc.graph.parse import FormulaSyntax, parse
from kpi_udfs.recalc.model import Evaluation
from kpi_udfs.recalc.write.writer import write_values

INF = math.inf
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "excel"


def test_intervals():
    x55 = NumberSet.compare(">=", 0.55)
    empty = NumberSet.compare("<", 0.45).intersect(NumberSet.compare(">=", 0.5))  # 「45%>X>=50%」
    assert empty.empty
    below40 = NumberSet.compare("<", 0.4)
    hole = x55.union(below40).complement()
    assert hole.pieces == (Interval(0.4, 0.55, True, False),)
    t = NumberSet.compare("<=", 35).union(NumberSet.compare(">", 40))
    assert t.complement().pieces == (Interval(35, 40, False, True),)  # 「30<T=<35 … T>40」: (35, 40]
    shared = NumberSet.of(Interval(80, 90, True, True)).intersect(NumberSet.compare(">=", 90))
    assert shared.pieces == (Interval(90, 90, True, True),)  # 90 in 「90分以上」 and 「80分~90分」
    assert NumberSet.compare("<>", 3).complement() == NumberSet.compare("=", 3)
    assert NumberSet.everything().covers(x55) and not x55.covers(NumberSet.compare(">", 0.5))
    assert Interval(-INF, 25, False, True).code == "(]" and Interval(40, INF, False, False).code == "(]"
    assert Interval(0.5, 0.55, True, False).code == "[)" and Interval(91, 100, True, True).code == "[]"


def _corpus_formulas() -> set[str]:
    texts: set[str] = set()
    for path in sorted(CONFORMANCE.glob("*.xls[xm]")):
        try:
            book = read(path)
        except Exception:  # noqa: BLE001 - an unreadable corpus file has no formulas to test
            continue
        for sheet in book.sheets.values():
            texts.update(sheet.texts.values())
    return texts


def test_render_and_call_spans_agree_with_the_parser_on_the_corpus():
    if not CONFORMANCE.is_dir():
        pytest.skip("the conformance corpus is not beside the checkout")
    parsed = 0
    for text in _corpus_formulas():
        try:
            tree = parse(text)
        except (FormulaSyntax, RecursionError, ValueError):
            continue
        parsed += 1
        assert parse(render(tree)) == tree, text
        spans = call_spans(text)
        calls = calls_in_order(tree)
        assert len(spans) == len(calls), text
        for span, call in zip(spans, calls, strict=True):
            assert call.name in span.name.upper(), text
    assert parsed > 30_000


def test_replace_parts_keeps_the_rest_as_written():
    text = '_xlfn.IFS(A2="","",TRUE,ROUND(IF(B2>=90,100,IF(B2>=80,80,60)) * 0.35, 1))'
    tree = parse(text)
    chain = calls_in_order(tree)[2]
    assert chain.name == "IF"
    out = replace_parts(text, tree, {id(chain): "KPI_BAND(B2,T_Lower,T_Upper,T_Points)"})
    assert out == '_xlfn.IFS(A2="","",TRUE,ROUND(KPI_BAND(B2,T_Lower,T_Upper,T_Points) * 0.35, 1))'
    weighted = tree.args[3].args[0]  # the product inside ROUND is a whole argument
    assert replace_parts(text, tree, {id(weighted): "X"}) == '_xlfn.IFS(A2="","",TRUE,ROUND(X, 1))'


def _book(path: Path, rows: list[tuple[float, str]], values: dict) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append(["x", "score"])
    for x, formula in rows:
        ws.append([x, formula])
    raw = path.with_suffix(".raw.xlsx")
    wb.save(raw)
    write_values(raw, Evaluation(values=values), path)
    return path


def test_band_logic_inside_a_longer_formula_is_replaced_in_place(tmp_path):
    """A chain inside ROUND(…)*…, behind a blank guard, and under IFERROR: only the chain becomes a
    KPI_ call; the rest of the formula stays as typed and the values stay the same."""
    f = '=IF(A{r}="","",ROUND(IFERROR(IF(A{r}>=90,100,IF(A{r}>=80,80,60)),0)*0.35,1))'
    xs = [95.0, 85.0, 70.0]
    expect = {95.0: 35.0, 85.0: 28.0, 70.0: 21.0}
    rows = [(x, f.replace("{r}", str(i))) for i, x in enumerate(xs, start=2)]
    values = {("S", f"B{i}"): expect[x] for i, x in enumerate(xs, start=2)}
    src = _book(tmp_path / "in.xlsx", rows, values)
    result = adopt(src, tmp_path / "out.xlsx")
    assert result.differences == []
    text = read(tmp_path / "out.xlsx").sheets["S"].formula((3, 2))
    assert text == ('IF(A3="","",ROUND(IFERROR(KPI_BAND(A3,Band1_Lower,Band1_Upper,Band1_Points,Band1_Bounds,'
                    'Band1_Direction,Band1_OnGap,Band1_OnOverlap),0)*0.35,1))')


def test_a_rules_sheet_and_names_that_exist_already_are_not_overwritten(tmp_path):
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rules"  # HR's own sheet of that name
    ws["A1"] = "our notes"
    wb.defined_names["Grade1_Lower"] = DefinedName("Grade1_Lower", attr_text="Rules!$A$1")  # HR's own name
    staff = wb.create_sheet("Staff")
    for i, x in enumerate([95, 85, 70], start=2):
        staff[f"A{i}"] = x
        staff[f"B{i}"] = f'=IF(A{i}>=90,"A",IF(A{i}>=80,"B","C"))'
    raw = tmp_path / "raw.xlsx"
    wb.save(raw)
    src = tmp_path / "in.xlsx"
    write_values(raw, Evaluation(values={("Staff", "B2"): "A", ("Staff", "B3"): "B", ("Staff", "B4"): "C"}), src)
    result = adopt(src, tmp_path / "out.xlsx")
    assert result.differences == [] and result.rules_sheet == "Rules2"
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert out.sheetnames == ["Rules", "Staff", "Rules2"] and out["Rules"]["A1"].value == "our notes"
    assert out.defined_names["Grade1_Lower"].attr_text == "Rules!$A$1"
    # a clean ladder of grades, on names of its own
    assert out["Staff"]["B2"].value == "=KPI_GRADE(A2,Grade1_2_Lower,Grade1_2_Labels,,Grade1_2_GapPolicy,Grade1_2_Below)"
    assert out.defined_names["Grade1_2_Lower"].attr_text.startswith("Rules2!")
    assert out["Rules2"]["A5"].value.startswith("Grade1_2  ")
    values = read(tmp_path / "out.xlsx").sheets["Staff"].values
    assert [values[(r, 2)] for r in (2, 3, 4)] == ["A", "B", "C"]
    assert not isinstance(values[(2, 2)], KpiError)


def test_a_value_from_another_sheet_and_a_computed_value(tmp_path):
    """The looked-up value may be on another sheet (same row) or computed by a function: the
    function keeps the text it was typed with."""
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "数据"
    staff = wb.create_sheet("考核")
    cached = {}
    for i, x in enumerate([0.571, 0.523, 0.412], start=2):
        data[f"A{i}"] = x
        staff[f"A{i}"] = f"=IF(数据!A{i}>=0.55,100,IF(数据!A{i}>=0.5,80,50))"
        staff[f"B{i}"] = f"=IF(_xlfn.FLOOR.MATH(数据!A{i},0.01)>=0.55,100,IF(_xlfn.FLOOR.MATH(数据!A{i},0.01)>=0.5,80,50))"
        cached[("考核", f"A{i}")] = cached[("考核", f"B{i}")] = {0.571: 100.0, 0.523: 80.0, 0.412: 50.0}[x]
    wb.save(tmp_path / "raw.xlsx")
    write_values(tmp_path / "raw.xlsx", Evaluation(values=cached), tmp_path / "in.xlsx")
    result = adopt(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert result.differences == [] and result.cells_rewritten == 6
    sheet = read(tmp_path / "out.xlsx").sheets["考核"]
    assert sheet.formula((3, 1)).startswith("KPI_BAND(数据!A3,")
    assert sheet.formula((3, 2)).startswith("KPI_BAND(_xlfn.FLOOR.MATH(数据!A3,0.01),")


def test_a_forgotten_dollar_makes_the_table_slide_down_the_rows(tmp_path):
    """VLOOKUP(A2,D2:E5,2,TRUE) copied down: row 3 reads D3:E6, row 4 D4:E7… Each row's table is
    rebuilt on its own; the rows whose table differs from row 2's are inconsistent, and adopt
    gives each its own table (so every value stays what it is)."""
    from kpi_udfs.adopt.lint import lint_workbook

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append(["分数", "等级", "", "下限", "等级"])
    pairs = zip([90, 80, 70], [(0, "D"), (65, "C"), (76, "B")], strict=True)
    for i, (score, (floor, label)) in enumerate(pairs, start=2):
        ws[f"A{i}"], ws[f"D{i}"], ws[f"E{i}"] = score, floor, label
        ws[f"B{i}"] = f"=VLOOKUP(A{i},D{i}:E{i + 3},2,TRUE)"
    ws["D5"], ws["E5"] = 86, "A"
    # row 2 reads 0/65/76/86 → 90 is A; row 3 reads 65/76/86 → 80 is B; row 4 reads 76/86 → 70 is below: #N/A
    cached = {("S", "B2"): "A", ("S", "B3"): "B", ("S", "B4"): KpiError("#N/A", "")}
    wb.save(tmp_path / "raw.xlsx")
    write_values(tmp_path / "raw.xlsx", Evaluation(values=cached), tmp_path / "in.xlsx")
    report = lint_workbook(tmp_path / "in.xlsx")
    odd = {f.cells: f for f in report.findings if f.kind == "inconsistent-rows"}
    assert set(odd) == {"B3", "B4"} and "a $ forgotten?" in odd["B4"].message
    assert [(h.cell, h.value) for h in odd["B4"].rows] == [("B4", 70.0)]  # row 2's table would give C
    assert odd["B3"].rows == []  # 80 is B under both tables
    result = adopt(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert result.differences == [] and len(result.tables) == 3


def test_match_minus_one_over_descending_keys(tmp_path):
    """INDEX(points, MATCH(T, {9999,35,30,25}, -1)): the smallest key ≥ T, so upper bounds are
    included: (−∞, 25] → 100, (25, 30] → 80, (30, 35] → 60, (35, 9999] → 50."""
    from kpi_udfs.adopt.lint import lint_workbook

    f = "=INDEX({50,60,80,100},MATCH(A{r},{9999,35,30,25},-1))"
    by_hand = {24.0: 100.0, 25.0: 100.0, 28.0: 80.0, 35.0: 60.0, 50.0: 50.0}
    rows = [(x, f.replace("{r}", str(i))) for i, x in enumerate(by_hand, start=2)]
    values = {("S", f"B{i}"): v for i, v in enumerate(by_hand.values(), start=2)}
    src = _book(tmp_path / "in.xlsx", rows, values)
    (blk,) = lint_workbook(src).blocks
    got = [(p.lo, p.hi, p.lo_closed, p.hi_closed, r.result) for r in blk.table.rows for p in r.effective.pieces]
    assert sorted(got) == [(-INF, 25, False, True, 100), (25, 30, False, True, 80), (30, 35, False, True, 60),
                           (35, 9999, False, True, 50)]
    result = adopt(src, tmp_path / "out.xlsx")
    assert result.differences == []
