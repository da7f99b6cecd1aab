"""The recalc evaluator on workbooks written with openpyxl: KPI_ and native functions
together, against numbers derived by hand from SEED_RULES.md §6 (WE-6, WE-20, WE-28).

Each workbook is what an HR user would write: rule tables on their own sheet behind
defined names, scalar KPI_ calls copied down, array formulas for the ranking functions,
omitted optional arguments (``KPI_GRADE(P2,Grade_From,Grade_Label,,,"ERROR")``), array
constants (``{0.35,0.25,0.15,0.15,0.1}``) and Excel Tables.
"""

from __future__ import annotations

import hashlib

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table

from kpi_udfs.errors import KpiError
from kpi_udfs.recalc import evaluate
from kpi_udfs.recalc.evaluate.kpi_calls import registry_function
from kpi_udfs.registry import REGISTRY

# ---------------------------------------------------------------------------
# The appraisal workbook


def _name(wb, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _column(ws, col: str, first: int, values) -> None:
    for i, v in enumerate(values):
        ws[f"{col}{first + i}"] = v


@pytest.fixture(scope="module")
def appraisal(tmp_path_factory):
    wb = openpyxl.Workbook()
    rules = wb.active
    rules.title = "Rules"
    # Table 4.4 X, repaired (AMB-17): [55%,∞)→100, [50,55)→80, [45,50)→60, (−∞,40%)→50
    _column(rules, "A", 2, [0.55, 0.50, 0.45, None])
    _column(rules, "B", 2, [None, 0.55, 0.50, 0.40])
    _column(rules, "C", 2, [100, 80, 60, 50])
    # Table 4.4 Y: [1.12,∞)→100, [1.08,1.12)→80, [1.06,1.08)→60, (−∞,1.06)→50
    _column(rules, "E", 2, [1.12, 1.08, 1.06, None])
    _column(rules, "F", 2, [None, 1.12, 1.08, 1.06])
    _column(rules, "G", 2, [100, 80, 60, 50])
    # Tables 4.5 / 4.6: grade lower bounds, labels, coefficients, pay bases
    _column(rules, "I", 2, [91, 86, 76, 65])
    _column(rules, "J", 2, ["A", "B", "C", "D"])
    _column(rules, "K", 2, [1.4, 1.2, 1.0, 0.8])
    _column(rules, "L", 2, [950, 800, 650, 550])
    for name, ref in [
        ("X_Lo", "Rules!$A$2:$A$5"), ("X_Hi", "Rules!$B$2:$B$5"), ("X_Pts", "Rules!$C$2:$C$5"),
        ("Grade_From", "Rules!$I$2:$I$5"), ("Grade_Label", "Rules!$J$2:$J$5"),
        ("Grade_Coef", "Rules!$K$2:$K$5"), ("Grade_Base", "Rules!$L$2:$L$5"),
    ]:  # fmt: skip
        _name(wb, name, ref)

    ps = wb.create_sheet("PreSales")
    ps.append(["name", "inquiries", "paying", "shop AOV", "CS AOV", "replied", "received", "T", "rating"])
    ps.append(["WE-6", 200, 114, 150, 163.5, 98, 100, 24, "良好"])  # X 57 %, Y 1.09, Z 98 %
    ps.append(["gap", 200, 84, 150, 163.5, 98, 100, 24, "良好"])  # X 42 %: the [40 %, 45 %) gap
    ps.append(["blank", None, None, 150, 163.5, 98, 100, 24, "良好"])
    for r in (2, 3, 4):
        ps[f"J{r}"] = f"=KPI_RATE(C{r},B{r})"
        ps[f"K{r}"] = f"=KPI_BAND(J{r},X_Lo,X_Hi,X_Pts)"
        ps[f"L{r}"] = f"=KPI_BAND(KPI_RATE(E{r},D{r}),Rules!$E$2:$E$5,Rules!$F$2:$F$5,Rules!$G$2:$G$5)"
        ps[f"M{r}"] = f'=KPI_BAND(F{r}/G{r},{{0.99,0.97,0.95,""}},{{"",0.99,0.97,0.95}},{{100,80,60,50}})'
        ps[f"N{r}"] = f'=KPI_BAND(H{r},{{"",25,30,40}},{{25,30,35,""}},{{100,80,60,50}},"(]","LOWER")'
        ps[f"O{r}"] = f'=KPI_MAP(I{r},{{"优秀","良好","合格","差"}},{{100,80,70,50}})'
        ps[f"P{r}"] = f"=KPI_WEIGHTED(K{r}:O{r},{{0.35,0.25,0.15,0.15,0.1}})"
        ps[f"Q{r}"] = f'=KPI_GRADE(P{r},Grade_From,Grade_Label,,,"ERROR")'
        ps[f"R{r}"] = f"=KPI_PAYOUT(P{r},Q{r},Grade_Label,Grade_Coef)"
        ps[f"S{r}"] = f'=KPI_PAYOUT(P{r},Q{r},Grade_Label,Grade_Coef,Grade_Base,"BASE_X_COEF")'
        ps[f"T{r}"] = f"=VLOOKUP(Q{r},Rules!$J$2:$L$5,3,FALSE)*Rules!$K$3"
        ps[f"U{r}"] = f'=IF(ISERROR(P{r}),"check",ROUND(P{r}*1.2,0))'

    # WE-20: totals, gate 91, ladder 1000/800/600/400/200/0
    lad = wb.create_sheet("Ladder")
    lad.append(["staff", "total", "COMPETITION", "AVERAGE", "DENSE"])
    for name, total in [("乙", 118), ("丙", 112), ("丁", 112), ("甲", 101), ("戊", 93), ("己", 86)]:
        lad.append([name, total])
    for col, policy in (("C", "COMPETITION"), ("D", "AVERAGE"), ("E", "DENSE")):
        lad[f"{col}2"] = ArrayFormula(f"{col}2:{col}7", f'=KPI_RANK_BONUS(B2:B7,{{1000,800,600,400,200,0}},,"{policy}",91)')
        lad[f"{col}8"] = f"=SUM({col}2:{col}7)"
    lad["F5"] = "=2500+C5"  # 甲's wage under COMPETITION

    # WE-28: quotas 15/45/30/10
    q = wb.create_sheet("Quotas")
    for r, n in ((1, 20), (2, 7), (3, 10)):
        q[f"A{r}"] = n
        q[f"B{r}"] = ArrayFormula(f"B{r}:E{r}", f"=KPI_QUOTA(A{r},{{0.15,0.45,0.3,0.1}})")
    q["B4"] = ArrayFormula("B4:E4", '=KPI_QUOTA(10,{0.15,0.45,0.3,0.1},,"HIGHER_GRADE")')
    _column(q, "A", 6, [70, 95, 85, 90, 75, 88, 80])
    q["B6"] = ArrayFormula("B6:B12", '=KPI_FORCE_GRADES(A6:A12,{"A";"B";"C";"D"},{0.15;0.45;0.3;0.1})')
    q["C6"] = '=KPI_QUOTA_CHECK(B6:B12,{"A";"B";"C";"D"},{0.15;0.45;0.3;0.1})'
    q["D6"] = '=COUNTIF(B6:B12,"B")'

    path = tmp_path_factory.mktemp("appraisal") / "appraisal.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def values(appraisal):
    return evaluate(appraisal).values


def test_we6_band_points_weighted_total_grade_and_bonus(values):
    row = {c: values[("PreSales", f"{c}2")] for c in "JKLMNOPQRSTU"}
    assert row["J"] == pytest.approx(0.57)
    # X 57 % → 100, Y 1.09 → 80, Z 98 % → 80, T 24 s → 100, 良好 → 80
    assert [row[c] for c in "KLMNO"] == [100, 80, 80, 100, 80]
    assert row["P"] == pytest.approx(90)  # 35 + 20 + 12 + 15 + 8
    assert row["Q"] == "B"  # table 4.5: 「B 86~90 800」
    assert row["R"] == pytest.approx(108)  # literal 分值 × 系数: 90 × 1.2
    assert row["S"] == pytest.approx(960)  # base × coefficient: 800 × 1.2 (AMB-24)
    assert row["T"] == pytest.approx(960)  # the same through VLOOKUP, a native function
    assert row["U"] == 108.0


def test_gap_error_carries_its_reason_and_propagates(values):
    err = values[("PreSales", "K3")]
    assert isinstance(err, KpiError) and err.code == "#N/A"
    assert err.reason == "0.42 falls in no band: gap [0.40, 0.45)"  # WE-2
    downstream = values[("PreSales", "P3")]
    assert isinstance(downstream, KpiError) and downstream.code == "#N/A"
    assert values[("PreSales", "U3")] == "check"


def test_blank_inputs_give_blank_kpi_results(values):
    assert values[("PreSales", "J4")] is None
    assert values[("PreSales", "K4")] is None


def test_we20_ladder_with_ties_one_result_per_row(values):
    col = lambda c: [values[("Ladder", f"{c}{r}")] for r in range(2, 8)]  # noqa: E731
    assert col("C") == [1000, 800, 800, 400, 200, 0]  # COMPETITION 1-2-2-4
    assert col("D") == [1000, 700, 700, 400, 200, 0]  # AVERAGE (800+600)/2
    assert col("E") == [1000, 800, 800, 600, 400, 0]  # DENSE 1-2-2-3
    assert [values[("Ladder", f"{c}8")] for c in "CDE"] == [3200, 3000, 3600]
    assert values[("Ladder", "F5")] == 2900  # 甲: 2500 + 400


def test_we28_quota_counts(values):
    row = lambda r: [values[("Quotas", f"{c}{r}")] for c in "BCDE"]  # noqa: E731
    assert row(1) == [3, 9, 6, 2]
    assert row(2) == [1, 3, 2, 1]  # largest remainder gives D the seventh seat
    assert row(3) == [1, 5, 3, 1]  # tie A .5 / B .5 → favour the lower grade
    assert row(4) == [2, 4, 3, 1]  # "favour higher"


def test_forced_grades_spill_and_feed_native_functions(values):
    grades = [values[("Quotas", f"B{r}")] for r in range(6, 13)]
    assert grades == ["D", "A", "B", "B", "C", "B", "C"]  # 7 staff: 1 / 3 / 2 / 1
    assert values[("Quotas", "C6")] is True
    assert values[("Quotas", "D6")] == 3


def test_every_formula_cell_is_reported(values):
    assert ("Ladder", "C7") in values and ("Quotas", "E4") in values and ("Quotas", "B12") in values
    assert all(isinstance(v, (float, str, bool, KpiError)) or v is None for v in values.values())


# ---------------------------------------------------------------------------
# Excel's rounding, not binary floats


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("=ROUND((41.9+58.8)/2,1)", 50.4),  # 50.349999999999994 in binary
        ("=ROUND(2.675,2)", 2.68),
        ("=ROUND(-2.5,0)", -3.0),
        ("=ROUND(1234.5678,-2)", 1200.0),
        ("=ROUNDUP(0.1+0.2,1)", 0.3),  # 0.30000000000000004 must not round up to 0.4
        ("=ROUNDUP(-1.21,1)", -1.3),
        ("=ROUNDDOWN(0.29*100,0)", 29.0),  # 28.999999999999996 must not round down to 28
        ("=ROUNDDOWN(-1.29,1)", -1.2),
    ],
)
def test_rounding_on_the_displayed_decimal(tmp_path, formula, expected):
    wb = openpyxl.Workbook()
    wb.active["A1"] = formula
    path = tmp_path / "round.xlsx"
    wb.save(path)
    assert evaluate(path).values[("Sheet", "A1")] == expected


# ---------------------------------------------------------------------------
# What the engine does not know, and what it must not do


def test_unknown_function_is_name_error_with_reason_not_a_crash(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2
    ws["B1"] = "=NOT_A_FUNCTION(A1)+1"
    ws["C1"] = "=A1*3"
    ws["D1"] = "=SUM(1,"  # not even a formula
    path = tmp_path / "unknown.xlsx"
    wb.save(path)
    ev = evaluate(path)
    err = ev.values[("Sheet", "B1")]
    assert err.code == "#NAME?" and "NOT_A_FUNCTION" in err.reason
    assert "NOT_A_FUNCTION" in ev.notes[("Sheet", "B1")]
    assert ev.values[("Sheet", "C1")] == 6
    assert ev.values[("Sheet", "D1")].code == "#NAME?" and ("Sheet", "D1") in ev.notes


def test_evaluation_leaves_the_file_untouched_and_reports_progress(appraisal):
    before = hashlib.sha256(appraisal.read_bytes()).hexdigest()
    mtime = appraisal.stat().st_mtime_ns
    seen: list[tuple[int, int]] = []
    evaluate(appraisal, progress=lambda done, total: seen.append((done, total)))
    assert hashlib.sha256(appraisal.read_bytes()).hexdigest() == before
    assert appraisal.stat().st_mtime_ns == mtime
    assert seen and seen[-1][0] == seen[-1][1] > 0
    # cell by cell: one total, counted up to it
    seen.clear()
    evaluate(appraisal, progress=lambda done, total: seen.append((done, total)), whole_blocks=False)
    assert seen[-1][0] == seen[-1][1] > 0 and len({t for _, t in seen}) == 1
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))


def test_every_registry_function_is_callable_from_formulas():
    for name, fn in REGISTRY.items():
        for spelling in (name, "_XLL." + name, "_XLUDF." + name, "XLWINGS." + name):
            assert registry_function(spelling) is fn, spelling


def test_xll_prefixed_and_namespaced_calls(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "=_xll.KPI_RATE(104,200)"
    ws["A2"] = "=XLWINGS.KPI_RATE(1,4)"
    path = tmp_path / "xll.xlsx"
    wb.save(path)
    got = evaluate(path).values
    assert got[("Sheet", "A1")] == pytest.approx(0.52)
    assert got[("Sheet", "A2")] == pytest.approx(0.25)


# ---------------------------------------------------------------------------
# Excel Tables' structured references


@pytest.fixture(scope="module")
def table_book(tmp_path_factory):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff List"
    ws.append(["Name", "Q1", "Q2", "Q3", "Q4", "Score", "Amount"])
    rows = [("甲", 80, 90, 70, 60), ("乙", 100, 90, 95, 85), ("丙", 50, 60, 70, 80)]
    for name, *q in rows:
        ws.append([name, *q, "=AVERAGE(Table1[[#This Row],[Q1]:[Q4]])", "=[@Score]*10"])
    ws.append(["Total", None, None, None, None, None, "=SUBTOTAL(109,Table1[Amount])"])
    table = Table(displayName="Table1", ref="A1:G5")
    table.totalsRowCount = 1
    ws.add_table(table)
    other = wb.create_sheet("Summary")
    other["A1"] = "=SUM(Table1[Amount])"
    other["A2"] = "=COUNTA(Table1[#All])"
    other["A3"] = "=KPI_RANK_BONUS(Table1[Score],{1000,800,600})"  # a single cell: the first row
    other["A4"] = '=SUMPRODUCT(Table1[Q1],Table1[Q2])'
    other["B1"] = ArrayFormula("B1:B3", "=KPI_RANK_BONUS(Table1[Score],{1000,800,600})")
    path = tmp_path_factory.mktemp("tables") / "tables.xlsx"
    wb.save(path)
    return path


def test_structured_references(table_book):
    got = evaluate(table_book).values
    scores = [got[("Staff List", f"F{r}")] for r in (2, 3, 4)]
    assert scores == [75, 92.5, 65]  # this-row averages of Q1:Q4
    assert [got[("Staff List", f"G{r}")] for r in (2, 3, 4)] == [750, 925, 650]  # [@Score]*10
    assert got[("Staff List", "G5")] == 2325  # SUBTOTAL(109, Table1[Amount])
    assert got[("Summary", "A1")] == 2325  # the data rows only, not the totals row
    assert got[("Summary", "A2")] == 7 * 4 + 2  # #All: header, 3 rows and the totals row
    assert [got[("Summary", f"B{r}")] for r in (1, 2, 3)] == [800, 1000, 600]
    assert got[("Summary", "A4")] == 80 * 90 + 100 * 90 + 50 * 60


# ---------------------------------------------------------------------------
# Excel's own functions where `formulas` differs from Excel (values as Excel gives them)


@pytest.fixture(scope="module")
def natives(tmp_path_factory):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws.append(["name", "dept", "score", "joined"])
    for row in [("甲", "售前", 90, 45301), ("乙", "售后", 85.5, 45200), ("丙", "售前", "n/a", 45000), ("丁", None, 70, 45100)]:
        ws.append(list(row))
    ws.row_dimensions[3].hidden = True  # 乙 hidden by hand
    f = {
        "F1": '=TEXT(D2,"yyyy年m月d日")',
        "F2": '=TEXT(C3/100,"0.0%")',
        "F3": '=TEXT(1234.5,"#,##0.00_);(#,##0.00)")',
        "F4": '=TEXT(-1234.5,"#,##0.00_);(#,##0.00)")',
        "F5": '=COUNTIF(B2:B5,"<>售前")',  # 售后 and the blank
        "F6": '=SUMIF(B2:B5,"售前",C2:C5)',  # text "n/a" in the sum range is skipped
        "F7": "=SUBTOTAL(9,C2:C5)",
        "F8": "=SUBTOTAL(109,C2:C5)",  # without the hidden row
        "F9": "=VLOOKUP(\"丁\",A:C,3,FALSE)",  # a whole-column reference
        "F10": "=COUNTIF(C:C,\"<>\")",  # non-blank cells of the whole column, header included
        "F11": "=Bonus*2",  # a workbook-level name for one cell
        "F12": "=SUM(C2:C5)",  # text is skipped, not an error
        "F13": '=VALUE("1,234.5")',
        "F14": "=CEILING(-2.5,2)",
        "F15": "=FLOOR(7.1,0.1)",
        "F16": "=COUNTBLANK(B:B)",
        "F17": '=SWITCH("WEDNESDAY","Monday",1,"Wednesday",3)',
        "F18": "=OFFSET(A1,2,1)",
        "F19": "=no_such_name+1",
        "F20": '=LOOKUP(2,1/(B2:B5="售前"),A2:A5)',  # the last 售前 row
        "F21": '=REPT("ab",20000)',  # 40,000 characters: more than a cell holds
    }
    for ref, formula in f.items():
        ws[ref] = formula
    ws["H1"] = 150
    ws.defined_names["Bonus"] = DefinedName("Bonus", attr_text="Staff!$H$1")
    wb.defined_names["Scores"] = DefinedName("Scores", attr_text="Staff!$C$2:$C$5")
    ws["G3"] = "=Scores*2"  # not an array formula: the column meets row 3 at C3
    # circular: each cell reads the other; Excel leaves 0
    ws["J1"] = "=J2+1"
    ws["J2"] = "=J1+1"
    path = tmp_path_factory.mktemp("natives") / "natives.xlsx"
    wb.save(path)
    return evaluate(path)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("F1", "2024年1月10日"),  # formulas gives 2024年1月1日
        ("F2", "85.5%"),
        ("F3", "1,234.50 "),
        ("F4", "(1,234.50)"),
        ("F5", 2.0),
        ("F6", 90.0),
        ("F7", 245.5),
        ("F8", 160.0),
        ("F9", 70.0),
        ("F10", 5.0),  # the header, 90, 85.5, "n/a", 70
        ("F11", 300.0),
        ("F12", 245.5),
        ("F13", 1234.5),
        ("F14", -2.0),
        ("F15", 71 * 0.1),
        ("F16", 1048576 - 4.0),
        ("F17", 3.0),
        ("F18", "售后"),
        ("G3", 171.0),
        ("F20", "丙"),
    ],
)
def test_native_functions_as_excel(natives, cell, expected):
    assert natives.values[("Staff", cell)] == expected


def test_undefined_name_and_circular_reference(natives):
    assert natives.values[("Staff", "F19")].code == "#NAME?"
    assert natives.values[("Staff", "F21")].code == "#VALUE!"
    assert natives.values[("Staff", "J1")] == 0 and natives.values[("Staff", "J2")] == 0
    assert "circular" in natives.notes[("Staff", "J1")]


def test_excel_wildcards_for_criteria_and_database_functions():
    from kpi_udfs.recalc.excel.criteria import wildcard_pattern

    p = wildcard_pattern("a*b?~*")  # ~* is a literal star
    assert p.match("AxxbY*") and not p.match("axxbY") and not p.match("axxbYz*x")
    assert wildcard_pattern("张?").match("张三") and not wildcard_pattern("张?").match("张三丰")
    assert wildcard_pattern("abc", prefix=True).match("ABCdef")  # database criteria: "begins with"
    assert not wildcard_pattern("abc").match("abcdef")
