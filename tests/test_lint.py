"""``kpi lint`` (issue 14): hand-written band logic found, its tables rebuilt, its holes named.

The workbooks are the generated HR material of :mod:`hr_workbooks` (the seeds' schemes as
HR types them, with the seeds' own defects planted). Every expectation below is derived by
hand from the seed text (SEED_RULES.md) and from the rows the generator wrote, never read
back from the tool: the band tables are written out as intervals, the rows concerned are
picked from the generated data with plain comparisons.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import hostile_books
import hr_workbooks as hr
import pytest
from hostile_books import plain_book, rewrite
from typer.testing import CliRunner

from kpi_udfs.adopt.band_tables import BandTable, KeyTable, WeightVector
from kpi_udfs.adopt.lint import lint_workbook
from kpi_udfs.cli import app

runner = CliRunner()
INF = math.inf
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "excel"


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    return hr.build_all(tmp_path_factory.mktemp("hr"))


def lint(material, name):
    return lint_workbook(material[name].path)


def defects(report) -> Counter:
    return Counter((f.sheet, f.cells, f.kind) for f in report.findings if f.defect)


def block(report, sheet, cells):
    found = [b for b in report.blocks if b.sheet == sheet and _cells(b) == cells]
    assert len(found) == 1, [(b.sheet, _cells(b)) for b in report.blocks]
    return found[0]


def _cells(b):
    from kpi_udfs.adopt.lint import ranges

    return ranges(b.col, b.rows)


def rows_of(table: BandTable):
    """(lo, hi, lo closed, hi closed, result) of what each row gets, then the ELSE's pieces."""
    out = [(p.lo, p.hi, p.lo_closed, p.hi_closed, r.result) for r in table.rows for p in r.effective.pieces]
    out += [(p.lo, p.hi, p.lo_closed, p.hi_closed, table.else_result) for p in table.uncovered.pieces]
    return sorted(out, key=lambda x: (x[0], not x[2]))


def finding(report, sheet, cells, kind, contains=""):
    found = [f for f in report.findings if (f.sheet, f.cells, f.kind) == (sheet, cells, kind) and contains in f.message]
    assert len(found) == 1, [(f.kind, f.cells, f.message) for f in report.findings]
    return found[0]


def staff(material, name, sheet):
    m = material[name]
    return [(m.first_row[sheet] + i, row) for i, row in enumerate(m.rows[sheet])]


# -- S0-F: table 4.4 typed literally ------------------------------------------------------------

PRESALES = "售前客服绩效考核.xlsx"
N_MAIN = "N3:N8,N10:N42"  # the X score column but the retyped row 9


def test_presales_finds_every_block_and_only_the_planted_defects(material):
    report = lint(material, PRESALES)
    assert sorted(_cells(b) for b in report.blocks) == sorted(
        [N_MAIN, "N9", "O3:O42", "P3:P42", "Q3:Q42", "R3:R42", "S3:S42", "T3:T42", "U3:U42"])
    assert defects(report) == Counter({
        ("6月考核", N_MAIN, "empty-band"): 2,  # 「45%>X>=50%」 and 「40%>X>=45%」 (AMB-17)
        ("6月考核", N_MAIN, "gap"): 1,  # with the two bands empty, [40 %, 55 %) gets the ELSE 0 (AMB-17/18)
        ("6月考核", "N9", "empty-band"): 2,
        ("6月考核", "N9", "gap"): 1,
        ("6月考核", "N9", "inconsistent-rows"): 1,  # 50 % typed for 55 % in one row
        ("6月考核", "Q3:Q42", "gap"): 1,  # 「30<T=<35 60T>40 50」: (35, 40] (AMB-19)
    })
    assert report.exit_code() == 1


def test_presales_x_table_as_typed(material):
    report = lint(material, PRESALES)
    x = block(report, "6月考核", N_MAIN).table
    # X>=55% → 100; X<40% → 50; the two middle bands are empty sets; everything else is the ELSE 0
    assert rows_of(x) == [(-INF, 0.40, False, False, 50.0), (0.40, 0.55, True, False, 0.0),
                          (0.55, INF, True, False, 100.0)]
    empty = [(r.bound.lo, r.bound.hi, r.result) for r in x.rows if r.written.empty]
    assert empty == [(0.50, 0.45, 80.0), (0.45, 0.40, 60.0)]


def test_presales_rows_in_the_x_gap_are_listed_with_their_values(material):
    report = lint(material, PRESALES)
    gap = finding(report, "6月考核", N_MAIN, "gap")
    assert "[0.40, 0.55)" in gap.message and "they get 0" in gap.message
    expected = [f"N{r}" for r, row in staff(material, PRESALES, "6月考核")
                if r != 9 and 0.40 <= row["D"] / row["C"] < 0.55]
    assert [h.cell for h in gap.rows] == expected
    assert {"N5", "N11"} <= set(expected)  # WE-1's 52 % and the 40 % boundary (「X<40%」 excludes it)
    assert all(h.gets == 0 for h in gap.rows)


def test_presales_other_tables(material):
    report = lint(material, PRESALES)
    y = block(report, "6月考核", "O3:O42").table  # 「Y>=1.12 100 … 1.06>Y 50」: a complete ladder
    assert rows_of(y) == [(-INF, 1.06, False, False, 50.0), (1.06, 1.08, True, False, 60.0),
                          (1.08, 1.12, True, False, 80.0), (1.12, INF, True, False, 100.0)]
    t = block(report, "6月考核", "Q3:Q42").table  # 「T=<25 100 25<T=<30 80 30<T=<35 60 T>40 50」
    assert rows_of(t) == [(-INF, 25, False, True, 100.0), (25, 30, False, True, 80.0), (30, 35, False, True, 60.0),
                          (35, 40, False, True, 0.0), (40, INF, False, False, 50.0)]
    gap = finding(report, "6月考核", "Q3:Q42", "gap")
    assert [h.cell for h in gap.rows] == [f"Q{r}" for r, row in staff(material, PRESALES, "6月考核")
                                          if 35 < row["L"] <= 40]
    perf = block(report, "6月考核", "R3:R42").table
    assert isinstance(perf, KeyTable)
    assert list(zip(perf.keys, perf.results, strict=True)) == [("优秀", 100), ("良好", 80), ("合格", 70), ("差", 50)]
    assert perf.else_result == 0
    w = block(report, "6月考核", "S3:S42").table
    assert isinstance(w, WeightVector) and w.weights == pytest.approx([0.35, 0.25, 0.15, 0.15, 0.10])
    grade = block(report, "6月考核", "T3:T42").table  # A ≥ 91, B ≥ 86, C ≥ 76, D ≥ 65, else 无
    assert rows_of(grade) == [(-INF, 65, False, False, "无"), (65, 76, True, False, "D"), (76, 86, True, False, "C"),
                              (86, 91, True, False, "B"), (91, INF, True, False, "A")]


def test_presales_retyped_row_is_inconsistent(material):
    report = lint(material, PRESALES)
    odd = finding(report, "6月考核", "N9", "inconsistent-rows")
    assert N_MAIN in odd.message
    # row 9: X = 104/200 = 52 %: its own table gives 100, the column's table the ELSE 0
    assert [(h.cell, h.value, h.gets) for h in odd.rows] == [("N9", 0.52, 100.0)]
    assert "gives 0" in odd.rows[0].note


# -- S0-G: table 4.7 --------------------------------------------------------------------------

AFTERSALES = "售后客服部绩效考核.xlsx"


def test_aftersales_planted_defects(material):
    report = lint(material, AFTERSALES)
    assert defects(report) == Counter({
        ("售后考核", "M4:M39", "gap"): 2,  # T (30, 35] and (45, 50] (AMB-30)
        ("售后考核", "N4:N39", "overlap"): 1,  # 「Q>100%」 over the bands above it (AMB-33)
        ("售后考核", "N4:N39", "gap"): 1,  # Q ≤ 100 % (AMB-33)
        ("售后考核", "P4:P39", "unreachable"): 1,  # 良好 typed twice: the 70 band never applies
        ("售后考核", "R4:R39", "gap"): 5,  # grades 91~100/86~90/76~85/65~75 (AMB-21/22/23)
    })
    gaps = sorted(f.message.split(" fall")[0] for f in report.findings if f.cells == "R4:R39" and f.kind == "gap")
    assert gaps == ["values in (100, ∞)", "values in (75, 76)", "values in (85, 86)", "values in (90, 91)",
                    "values in (−∞, 65)"]


def test_aftersales_rows_concerned(material):
    report = lint(material, AFTERSALES)
    rows = staff(material, AFTERSALES, "售后考核")
    t35 = finding(report, "售后考核", "M4:M39", "gap", "(30, 35]")
    assert [h.cell for h in t35.rows] == [f"M{r}" for r, v in rows if 30 < v["F"] <= 35]
    overlap = finding(report, "售后考核", "N4:N39", "overlap")
    assert "[1.10, ∞)" in overlap.message
    assert [h.cell for h in overlap.rows] == [f"N{r}" for r, v in rows if v["G"] / v["H"] >= 1.1]
    q_gap = finding(report, "售后考核", "N4:N39", "gap")
    assert [h.cell for h in q_gap.rows] == [f"N{r}" for r, v in rows if v["G"] / v["H"] <= 1]
    grade_gap = finding(report, "售后考核", "R4:R39", "gap", "(85, 86)")
    assert [(h.cell, h.value, h.gets) for h in grade_gap.rows] == [
        (f"R{r}", v["Q"], "待定") for r, v in rows if 85 < v["Q"] < 86]
    assert grade_gap.rows_count == 1  # the planted 85.5


def test_aftersales_teamwork_key_typed_twice(material):
    report = lint(material, AFTERSALES)
    team = block(report, "售后考核", "P4:P39").table
    assert team.keys == ["优秀", "良好", "良好", "差"] and team.results == [100, 80, 70, 50]
    head = finding(report, "售后考核", "P4:P39", "band-logic")
    # the staff rated 合格 get the ELSE 0 today
    assert [h.cell for h in head.rows] == [f"P{r}" for r, v in staff(material, AFTERSALES, "售后考核")
                                          if v["K"] == "合格"]


# -- S0-A 130 points, S2-B/S2-C (traditional) ---------------------------------------------------

def test_aftersales130_one_row_rated_differently(material):
    report = lint(material, "售后客服考核130分.xlsx")
    assert defects(report) == Counter({("售后客服考核", "N8", "inconsistent-rows"): 1})
    odd = finding(report, "售后客服考核", "N8", "inconsistent-rows")
    assert [(h.cell, h.value, h.gets) for h in odd.rows] == [("N8", "中", 5.0)]  # 中 → 5 where the rule gives 10
    for col in "LMO":
        table = block(report, "售后客服考核", f"{col}3:{col}32").table
        assert list(zip(table.keys, table.results, strict=True)) == [("优", 20), ("良", 15), ("中", 10)]
        assert table.else_result == 0  # 差 (and any unknown rating) → the ELSE 0


def test_rewards_traditional_workbook_is_band_logic_without_a_defect(material):
    report = lint(material, "客服獎懲制度.xlsx")
    assert report.exit_code() == 0 and not report.defects
    assert sorted((b.sheet, _cells(b)) for b in report.blocks) == [
        ("方案三", "I3:I26"), ("方案三", "J3:J26"), ("方案三", "K3:K26"), ("方案三", "L3:L26"), ("方案二", "I3:I26"),
        ("方案二", "J3:J26")]
    # the floors 25/20/15 typed in L3:L5 and referenced: <15 → 100 %, [15, 20) → 30 %, [20, 25) → 10 %, ≥ 25 → 0
    budget = block(report, "方案二", "I3:I26").table
    assert rows_of(budget) == [(-INF, 15, False, False, 1.0), (15, 20, True, False, 0.3), (20, 25, True, False, 0.1),
                               (25, INF, True, False, 0.0)]
    # the same by INDEX/MATCH over the side table 0/15/20/25 → 100 %/30 %/10 %/0, nothing below 0
    lookup = block(report, "方案二", "J3:J26").table
    assert rows_of(lookup)[1:] == [(0, 15, True, False, 1.0), (15, 20, True, False, 0.3), (20, 25, True, False, 0.1),
                                   (25, INF, True, False, 0.0)]
    assert rows_of(lookup)[0][:2] == (-INF, 0) and rows_of(lookup)[0][4].code == "#N/A"
    quality = block(report, "方案三", "I3:I26").table
    assert quality.keys == ["優", "良", "中", "差"] and quality.results == [20, 15, 10, 0]


# -- S1-A/S1-F/S1-G -----------------------------------------------------------------------------

SERVICE = "售后服务人员考核.xlsx"


def test_service_weights_levels_and_a_retyped_row(material):
    report = lint(material, SERVICE)
    assert defects(report) == Counter({
        ("绩效考核", "F4:F33", "weights"): 1,  # 30 + 30 + 20 + 10 = 90 % (AMB-44)
        ("KPI考核", "I3:I32", "unsorted-lookup"): 1,  # level table typed 0, 60, 80, 120, 100
        ("KPI考核", "I3:I32", "unreachable"): 1,  # the 特级 row is never returned
        ("岗位考核", "M7", "inconsistent-rows"): 1,
        ("岗位考核", "M7", "weights"): 1,  # 30 + 20 + 20 + 15 + 10 = 95 %
    })
    assert "90%" in finding(report, "绩效考核", "F4:F33", "weights").message
    assert finding(report, "绩效考核", "F4:F33", "weights").rows_count == 30


def test_service_unsorted_level_table(material):
    report = lint(material, SERVICE)
    levels = block(report, "KPI考核", "I3:I32").table
    # Excel's search over 0, 60, 80, 120, 100: [80, 120) → 中级, 120 and up → 高级, 特级 never
    assert rows_of(levels) == [(-INF, 0, False, False, levels.else_result), (0, 60, True, False, "底级"),
                               (60, 80, True, False, "初级"), (80, 120, True, False, "中级"),
                               (120, INF, True, False, "高级")]
    wrong = finding(report, "KPI考核", "I3:I32", "unsorted-lookup")
    expected = [f"I{r}" for r, v in staff(material, SERVICE, "KPI考核") if v["H"] >= 100]
    assert [h.cell for h in wrong.rows] == expected and expected


# -- S3 篇十二 (traditional), 篇四, 篇一, 篇十一 ---------------------------------------------------

ESSAYS = "电商客服考核方案.xlsx"


def test_essays_shared_endpoints_and_missing_else(material):
    report = lint(material, ESSAYS)
    assert defects(report) == Counter({
        ("篇十二", "K3:K26", "overlap"): 2,  # 90 in 「90分以上」 and 「80分~90分」, 80 in two (AMB-90)
        ("篇十二", "K3:K26", "gap"): 1,  # below 70: the ELSE 提醒訪談
        ("篇四考勤", "C3:C26", "overlap"): 2,  # 10 and 15 minutes in two bands (AMB-82)
        ("篇四考勤", "C3:C26", "gap"): 2,  # no ELSE typed: FALSE under 5 minutes and over 30
    })
    at90 = finding(report, "篇十二", "K3:K26", "overlap", "[90, 90]")
    assert [(h.cell, h.gets) for h in at90.rows] == [(f"K{r}", "高級客服") for r, v in staff(material, ESSAYS, "篇十二")
                                                   if v["J"] == 90]
    at10 = finding(report, "篇四考勤", "C3:C26", "overlap", "[10, 10]")
    assert [h.cell for h in at10.rows] == [f"C{r}" for r, v in staff(material, ESSAYS, "篇四考勤") if v["B"] == 10]
    low = finding(report, "篇四考勤", "C3:C26", "gap", "(−∞, 5)")
    assert "FALSE" in low.message
    assert [h.cell for h in low.rows] == [f"C{r}" for r, v in staff(material, ESSAYS, "篇四考勤") if v["B"] < 5]
    assert not [b for b in report.blocks if b.sheet == "篇十一仓库"]  # 300 × s/100 is not a band result
    hours = block(report, "篇二考勤", "C3:C14").table  # CHOOSE(MATCH(h,{0,0.5,2}),…): the last floor ≤ h
    assert rows_of(hours)[1:] == [(0, 0.5, True, False, "罚款20元"), (0.5, 2, True, False, "旷工半天"),
                                  (2, INF, True, False, "旷工一天")]
    assert [(b.sheet, _cells(b)) for b in report.blocks if b.sheet == "篇一"] == [("篇一", "D3:D26")]


def test_operations_plan_has_no_band_logic(material):
    report = lint(material, "运营考核计划表.xlsx")
    assert report.findings == [] and report.exit_code() == 0


# -- the command ---------------------------------------------------------------------------------

def test_cli_json_and_exit_codes(material):
    r = runner.invoke(app, ["lint", str(material[PRESALES].path), "--json"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["exit_code"] == 1
    for f in data["findings"]:
        assert {"sheet", "cells", "kind", "message"} <= set(f)
        assert f["kind"] in ("band-logic", "gap", "overlap", "empty-band", "unreachable", "inconsistent-rows",
                             "unsorted-lookup", "weights")
    r = runner.invoke(app, ["lint", str(material["客服獎懲制度.xlsx"].path)])
    assert r.exit_code == 0 and "no defect" in r.stdout
    r = runner.invoke(app, ["lint", str(material["运营考核计划表.xlsx"].path)])
    assert r.exit_code == 0 and "no hand-written band logic" in r.stdout


def test_cli_usage_and_unreadable_files(tmp_path):
    assert runner.invoke(app, ["lint", str(tmp_path / "missing.xlsx")]).exit_code == 2
    assert runner.invoke(app, ["lint", str(tmp_path)]).exit_code == 2
    (tmp_path / "notes.txt").write_text("x")
    assert runner.invoke(app, ["lint", str(tmp_path / "notes.txt")]).exit_code == 2
    (tmp_path / "fake.xlsx").write_text("not a zip")
    r = runner.invoke(app, ["lint", str(tmp_path / "fake.xlsx")])
    assert r.exit_code == 3 and "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    book = plain_book(tmp_path / "dtd.xlsx")
    rewrite(book, {"xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'})
    r = runner.invoke(app, ["lint", str(book)])
    assert r.exit_code == 3 and "Traceback" not in r.output


# -- shapes that are not band logic -------------------------------------------------------------

def test_what_is_not_band_logic(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["C1"] = 0.5
    for r in range(2, 6):
        ws[f"A{r}"] = r * 10
        ws[f"B{r}"] = r * 9
        ws[f"D{r}"] = f"=IF(A{r}>=80,1,0)"  # one threshold: a pass/fail test
        ws[f"E{r}"] = f"=IF(A{r}>=B{r},IF(A{r}>=2*B{r},2,1),0)"  # a per-row target, not a threshold
        ws[f"F{r}"] = f'=IFS(A{r}=20,"二十",A{r}=30,"三十")'  # numeric codes, no band
        ws[f"G{r}"] = "=Table1[[#This Row],[x]]"  # a structured reference: not parsed, no crash
        ws[f"H{r}"] = f"=VLOOKUP(A{r},$A$2:$B$5,2,FALSE)"  # an exact lookup
        ws[f"I{r}"] = f"=A{r}*1.5+B{r}*2"  # coefficients, not weights
        ws[f"J{r}"] = f"=IF(A{r}<80,0,IF(A{r}>100,3*A{r},300))"  # a computed result
    wb.save(tmp_path / "plain.xlsx")
    report = lint_workbook(tmp_path / "plain.xlsx")
    assert report.findings == []


def test_conformance_corpus_band_logic_only_where_a_person_finds_it():
    """Every workbook of the Excel-saved corpus: band logic is reported only in the five that hold
    it (each checked by hand: approximate LOOKUP/VLOOKUP/HLOOKUP over sorted numeric keys, or a
    nested IF over thresholds); no defect anywhere."""
    if not CONFORMANCE.is_dir():
        pytest.skip("the conformance corpus is not beside the checkout")
    expected = {
        "IronCalc__xlsx__tests__calc_tests__simple_functions.xlsx",  # LOOKUP(C3,{4.14,…},{"red",…})
        "PhpSpreadsheet__tests__data__Reader__XLSX__issue.2301.xlsx",  # IF(BU10>18,…,IF(BU10>12,…,…))
        "formulacompiler__components__system__src__test-reference__data__org__formulacompiler__tests__reference__"
        "LookupFunctions.xlsx",  # LOOKUP/HLOOKUP/VLOOKUP over 10, 20, 30…
        "formulas__test__test_files__test.xlsx",  # LOOKUP/HLOOKUP/VLOOKUP over -1.1, 2.1, 3.1, 4.1
        "pycel__tests__fixtures__lookup.xlsx",  # VLOOKUP(C5,A$1:A$16,1) and LOOKUP over 1…8
    }
    found, with_defects = set(), set()
    for path in sorted(CONFORMANCE.glob("*.xls[xm]")):
        try:
            report = lint_workbook(path)
        except Exception as e:  # noqa: BLE001 - only PackageError is acceptable
            from kpi_udfs.recalc.read.archive import PackageError

            assert isinstance(e, PackageError), f"{path.name}: {e!r}"
            continue
        if any(f.kind == "band-logic" for f in report.findings):
            found.add(path.name)
        if report.defects:
            with_defects.add(path.name)
    assert found == expected
    assert with_defects == set()


def test_json_carries_each_table_as_rows(material):
    r = runner.invoke(app, ["lint", str(material[PRESALES].path), "--json"])
    data = json.loads(r.stdout)
    t = next(f for f in data["findings"] if f["kind"] == "band-logic" and f["cells"] == "Q3:Q42")
    # 「T=<25 100 25<T=<30 80 30<T=<35 60 T>40 50」 and the ELSE 0 over the (35, 40] gap
    assert [(b["lower"], b["upper"], b["bounds"], b["result"], b["else"]) for b in t["bands"]] == [
        (None, 25, "(]", 100, False), (25, 30, "(]", 80, False), (30, 35, "(]", 60, False),
        (40, None, "(]", 50, False), (35, 40, "(]", 0, True)]
    x = next(f for f in data["findings"] if f["kind"] == "band-logic" and f["cells"] == N_MAIN)
    never = [(b["lower"], b["upper"], b["result"]) for b in x["bands"] if b.get("never_applies")]
    assert never == [(0.5, 0.45, 80), (0.45, 0.4, 60)]


def test_a_workbook_without_saved_values_lists_no_rows(tmp_path):
    """Formulas never calculated (openpyxl wrote them): the looked-up values are unknown, not 0."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(2, 6):
        ws[f"A{r}"] = r * 20
        ws[f"B{r}"] = f"=A{r}/100"
        ws[f"C{r}"] = f"=IF(B{r}>=0.8,100,IF(B{r}>=0.6,80,IF(B{r}<0.5,50)))"  # (0.5, 0.6) → FALSE: a gap
    wb.save(tmp_path / "raw.xlsx")
    report = lint_workbook(tmp_path / "raw.xlsx")
    gap = finding(report, "Sheet", "C2:C5", "gap")
    assert "[0.50, 0.60)" in gap.message and gap.rows == []
    assert "4 row(s) have no saved value" in finding(report, "Sheet", "C2:C5", "band-logic").message
    r = runner.invoke(app, ["adopt", str(tmp_path / "raw.xlsx"), "-o", str(tmp_path / "out.xlsx")])
    assert r.exit_code == 0 and "8 formula cell(s) of the original have no saved value: not compared" in r.stdout


@pytest.mark.parametrize("builder", ["not_a_zip", "truncated_zip", "empty_file", "no_workbook_part", "missing_sheet_part",
                                     "zip_bomb_ratio", "zip_bomb_declared", "billion_laughs", "billion_rows",
                                     "huge_dimension", "circular", "deep_formula"])
@pytest.mark.parametrize("command", ["lint", "adopt"])
def test_damaged_and_hostile_files_are_refused_in_one_line_or_read(builder, command, tmp_path):
    path = tmp_path / "book.xlsx"
    build = getattr(hostile_books, builder)
    if builder in ("not_a_zip", "empty_file"):
        build(path)
    else:
        build(plain_book(path))
    args = [command, str(path)] + (["-o", str(tmp_path / "out.xlsx")] if command == "adopt" else [])
    r = runner.invoke(app, args)
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    assert r.exit_code in (0, 3), r.output
    if r.exit_code == 3:
        assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "out.xlsx").exists()


def _with_shared_strings(path: Path, index: str, ref: str = "A2") -> Path:
    """A categorical chain over A2:A3 whose A2 is a shared string at ``index``
    (the table holds "优秀" and "差"), as in the adversarial run of issue 12."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="2"><c r="{ref}" t="s"><v>{index}</v></c>'
        '<c r="B2"><f>IF(A2="优秀",100,IF(A2="良好",80,50))</f><v>100</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3"><f>IF(A3="优秀",100,IF(A3="良好",80,50))</f><v>100</v></c></row>'
        "</sheetData></worksheet>").encode()
    plain_book(path)
    parts = {i.filename: z for i, z in hostile_books.parts(path)}
    ct = parts["[Content_Types].xml"].replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                              b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.'
                                                       b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                                       b'Target="sharedStrings.xml"/></Relationships>')
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           "<si><t>优秀</t></si><si><t>差</t></si></sst>").encode()
    return rewrite(path, {hostile_books.SHEET: sheet, "[Content_Types].xml": ct, "xl/_rels/workbook.xml.rels": rels},
                   {"xl/sharedStrings.xml": sst})


@pytest.mark.parametrize("index, ref, says", [
    ("-1", "A2", "shared string '-1', which does not exist"),  # was read as the last string, "差"
    ("-2", "A2", "shared string '-2', which does not exist"),  # was read as the first, "优秀"
    ("2", "A2", "shared string '2', which does not exist"),
    ("0", "A100000000", "a cell A100000000 beyond Excel's grid"),  # inside <row r="2">
    ("0", "A0", "a cell A0 beyond Excel's grid"),
])
@pytest.mark.parametrize("command", ["lint", "adopt"])
def test_cells_kpi_recalc_refuses_are_refused_by_lint_and_adopt(tmp_path, index, ref, says, command):
    """lint and adopt read a shared-string index of -1 as the last string (Python's negative
    index) and a cell beyond the grid as any other: the rows they list, and the values adopt
    compares with, came from cells that do not exist. They refuse the file as kpi recalc does."""
    from kpi_udfs.recalc import evaluate
    from kpi_udfs.recalc.read.archive import PackageError

    path = _with_shared_strings(tmp_path / "book.xlsx", index, ref)
    with pytest.raises(PackageError):
        evaluate(path)  # kpi recalc's reader
    args = [command, str(path)] + (["-o", str(tmp_path / "out.xlsx")] if command == "adopt" else [])
    r = runner.invoke(app, args)
    assert r.exit_code == 3, r.output
    assert says in " ".join(r.output.split()) and len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "out.xlsx").exists()


def test_a_valid_shared_string_chain_is_still_read(tmp_path):
    path = _with_shared_strings(tmp_path / "book.xlsx", "1")
    report = lint_workbook(path)
    assert [f.kind for f in report.findings] == ["band-logic"]
    assert runner.invoke(app, ["lint", str(path)]).exit_code == 0
