"""``kpi check``: rule tables found through the formulas, inputs against their validation,
unknown functions; exit codes and JSON (issue 7).

Small workbooks are built with openpyxl; the PreSales_T44 template must show the seed
defects it keeps visible (AMB-18 conversion gap, AMB-19 response-time gap, AMB-22 grade
gaps) and pass once its rules sheet is corrected.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table
from typer.testing import CliRunner

from kpi_udfs.check import ERROR, WARNING, check_workbook
from kpi_udfs.cli import app

ROOT = Path(__file__).resolve().parents[1]
T44 = ROOT / "templates" / "PreSales_T44.xlsx"
runner = CliRunner()

#: S0-F table 4.4, conversion X after the AMB-17 repair: [40 %, 45 %) is in no band (AMB-18).
X_LOWER = [0.55, 0.50, 0.45, None]
X_UPPER = [None, 0.55, 0.50, 0.40]
X_POINTS = [100, 80, 60, 50]


def book_with_bands(path: Path, lower=X_LOWER, upper=X_UPPER, points=X_POINTS, extra_args: str = "",
                    check_cell: bool = False) -> Path:
    """Rules!A2:C5 band table; Staff!C2:C4 = KPI_BAND(B, …) over it (through defined names)."""
    wb = openpyxl.Workbook()
    staff = wb.active
    staff.title = "Staff"
    rules = wb.create_sheet("Rules")
    rules.append(["lower", "upper", "points"])
    for row in zip(lower, upper, points, strict=True):
        rules.append(list(row))
    n = len(lower) + 1
    wb.defined_names["X_Lower"] = DefinedName("X_Lower", attr_text=f"Rules!$A$2:$A${n}")
    wb.defined_names["X_Upper"] = DefinedName("X_Upper", attr_text=f"Rules!$B$2:$B${n}")
    staff.append(["name", "X", "X points"])
    for i, x in enumerate([0.52, 0.47, 0.61], start=2):
        staff.append([f"员工{i}", x, f"=KPI_BAND(B{i},X_Lower,X_Upper,Rules!$C$2:$C${n}{extra_args})"])
    if check_cell:
        rules["E1"] = f"=KPI_CHECK_BANDS(Rules!A2:A{n},Rules!B2:B{n})"
    wb.save(path)
    return path


def findings(path: Path, kind: str | None = None):
    report = check_workbook(path)
    return report, [f for f in report.findings if kind is None or f.kind == kind]


def kpi_check(*args):
    return runner.invoke(app, ["check", *map(str, args)])


# -- band tables ---------------------------------------------------------------------------

def test_a_band_gap_is_an_error_naming_the_gap_and_its_cells(tmp_path):
    src = book_with_bands(tmp_path / "book.xlsx")
    report, found = findings(src, "band_table")
    assert [(f.severity, f.where) for f in found] == [(ERROR, "Rules!A2:A5, Rules!B2:B5")]
    assert found[0].message.startswith("gap [0.40, 0.45) between rows 4 and 3 (table row 1 is Rules row 2)")
    assert found[0].uses == 3 and found[0].used_by == ["Staff!C2", "Staff!C3", "Staff!C4"]
    assert report.exit_code() == 1


def test_a_gap_that_a_policy_covers_is_a_warning(tmp_path):
    src = book_with_bands(tmp_path / "book.xlsx", extra_args=',"[)","HIGHER","WORSE"')
    report, found = findings(src, "band_table")
    assert [f.severity for f in found] == [WARNING]
    assert "values there follow on_gap WORSE" in found[0].message
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1


def test_a_corrected_band_table_passes(tmp_path):
    src = book_with_bands(tmp_path / "book.xlsx", upper=[None, 0.55, 0.50, 0.45], check_cell=True)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    res = kpi_check(src, "--json", "--strict")
    data = json.loads(res.stdout)
    assert res.exit_code == 0 and data["ok"] and data["findings"] == []
    assert data["kpi_calls"] == 4 and data["tables_audited"] >= 1
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # nothing is written


def test_an_empty_row_and_an_overlap(tmp_path):
    # row 2 is the literal 「45%>X>=50%」 (AMB-17): [0.50, 0.45) holds nothing; rows 3 and 4 overlap
    src = book_with_bands(tmp_path / "book.xlsx", lower=[0.55, 0.50, 0.40, None], upper=[None, 0.45, 0.50, 0.42],
                          extra_args=',"[)","HIGHER","ERROR","ERROR"')
    _, found = findings(src, "band_table")
    messages = [f.message for f in found]
    assert all(f.severity == ERROR for f in found)
    assert any(m.startswith("row 2 is empty: [0.50, 0.45)") for m in messages)
    assert any(m.startswith("rows 4 and 3 overlap on 0.40 to 0.42") and "(on_overlap ERROR)" in m for m in messages)


def test_values_beyond_the_outer_bands_are_a_warning(tmp_path):
    """S0-G 答问比: the last row 「Q>100%」 overlaps the others and leaves Q ≤ 100 % in no band (AMB-33)."""
    src = book_with_bands(tmp_path / "book.xlsx", lower=[1.3, 1.2, 1.1, 1.0], upper=[None, 1.3, 1.2, None],
                          extra_args=',{"[)";"[)";"[)";"()"}')
    _, found = findings(src, "band_table")
    ends = [f for f in found if "fall in no band" in f.message]
    assert [(f.severity, f.message) for f in ends] == [
        (WARNING, "values up to 1 (included) fall in no band: #N/A if they occur")]
    assert sum("overlap" in f.message for f in found) == 3


def test_a_band_row_without_points_is_a_missing_rule(tmp_path):
    """S0-A refund rate: 「≤5%:30分; 5%」 then the table is cut off (AMB-02)."""
    src = book_with_bands(tmp_path / "book.xlsx", lower=[None, 0.05], upper=[0.05, None], points=[30, None],
                          extra_args=',{"(]";"()"}')
    _, found = findings(src, "band_table")
    assert [(f.severity, f.where, f.message) for f in found] == [
        (WARNING, "Rules!C3",
         "band row 2 (table row 1 is Rules row 2) has bounds but no points: values there are #N/A (rule missing) "
         "until this cell is filled in")]


def test_shared_level_bounds_follow_the_overlap_policy(tmp_path):
    """S3-12: 「90分以上」 and 「80分~90分」 both hold 90 (AMB-90)."""
    for policy, severity, says in (("", WARNING, "are in two levels: overlap HIGHEST decides"),
                                   (',,"ERROR"', ERROR, "are #N/A (overlap ERROR)")):
        wb = openpyxl.Workbook()
        ws = wb.active
        for i, (lo, label) in enumerate([(90, "高级"), (80, "中级"), (70, "初级")], start=1):
            ws.cell(i, 5).value, ws.cell(i, 6).value = lo, label
        ws.append([90, 85])
        ws["C4"] = f"=KPI_LEVEL_HISTORY(A4:B4,$E$1:$E$3,$F$1:$F$3{policy})"
        wb.save(tmp_path / "book.xlsx")
        _, found = findings(tmp_path / "book.xlsx", "grade_table")
        assert [(f.severity, f.message) for f in found] == [
            (severity, f"scores exactly on the shared bounds 80, 90 {says}")]


def test_a_check_bands_cell_alone_is_audited_too(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([0.55, None])
    ws.append([0.45, 0.50])
    ws["D1"] = "=KPI_CHECK_BANDS(A1:A2,B1:B2)"
    wb.save(tmp_path / "book.xlsx")
    _, found = findings(tmp_path / "book.xlsx", "band_table")
    assert [(f.severity, f.message) for f in found] == [
        (ERROR, "gap [0.50, 0.55) between rows 2 and 1 (table row 1 is Sheet row 1)"),
        (WARNING, "values below 0.45 fall in no band: #N/A if they occur")]


def test_a_policy_the_function_refuses_is_reported_with_its_own_message(tmp_path):
    src = book_with_bands(tmp_path / "book.xlsx", upper=[None, 0.55, 0.50, 0.45], extra_args=',,,"WORST"')
    _, found = findings(src, "rule_table")
    assert [(f.severity, f.message) for f in found] == [
        (ERROR, "KPI_BAND: #VALUE! on_gap: 'WORST' is not one of ERROR, WORSE, BETTER, NEAREST, one of their labels "
                "(error (#N/A) naming the gap; the worse neighbouring band; the better neighbouring band; the nearest "
                "band) or a number")]


# -- grade tables, weights, quotas, lookup tables --------------------------------------------------

def grade_book(path: Path, lower, upper=None, policy: str = "") -> Path:
    """S0-F table 4.5: A 91–100, B 86–90, C 76–85, D 65–75 (in the given order)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    labels = ["A", "B", "C", "D"]
    for i, lo in enumerate(lower):
        ws.cell(i + 1, 5).value = labels[i]
        ws.cell(i + 1, 6).value = lo
        if upper:
            ws.cell(i + 1, 7).value = upper[i]
    ws["A1"] = 90.5
    ws["B1"] = f"=KPI_GRADE(A1,$F$1:$F$4,$E$1:$E$4{',$G$1:$G$4' if upper else ''}{policy})"
    wb.save(path)
    return path


def test_unsorted_or_repeated_grade_bounds_are_errors(tmp_path):
    _, found = findings(grade_book(tmp_path / "a.xlsx", [91, 76, 86, 65]), "grade_table")
    assert [f.message for f in found] == [
        "lower bounds are not in order (91, 76, 86, 65): a typo? sort them from the best grade down"]
    _, found = findings(grade_book(tmp_path / "b.xlsx", [91, 86, 86, 65]), "grade_table")
    assert [f.message for f in found] == ["lower bound 86 is given to two grades"]
    report, found = findings(grade_book(tmp_path / "c.xlsx", [65, 76, 86, 91]), "grade_table")
    assert found == [] and report.exit_code(strict=True) == 0  # ascending is an order too


def test_grade_gaps_follow_the_gap_policy(tmp_path):
    """AMB-22: 91–100 / 86–90 / 76–85 / 65–75 leave (90, 91), (85, 86), (75, 76)."""
    lower, upper = [91, 86, 76, 65], [100, 90, 85, 75]
    _, found = findings(grade_book(tmp_path / "a.xlsx", lower, upper), "grade_table")
    assert [(f.severity, f.message.split(" (table")[0]) for f in found] == [
        (WARNING, "scores in the gap (75, 76) between rows 4 and 3"),
        (WARNING, "scores in the gap (85, 86) between rows 3 and 2"),
        (WARNING, "scores in the gap (90, 91) between rows 2 and 1"),
    ]
    assert all("gap_policy CONTINUOUS grades them" in f.message for f in found)
    _, found = findings(grade_book(tmp_path / "b.xlsx", lower, upper, ',"ERROR"'), "grade_table")
    assert [f.severity for f in found] == [ERROR] * 3
    assert all("they are #N/A (gap_policy ERROR)" in f.message for f in found)


def weights_book(path: Path, weights, check: str = "") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([80, 90, 70, 60, 100])
    ws.append(weights)
    ws["A3"] = f"=KPI_WEIGHTED(A1:E1,$A$2:$E$2{check})"
    wb.save(path)
    return path


def test_weights_must_add_up_to_100_percent(tmp_path):
    """S1-A: 30/20/20/10/10 sums to 90 % (AMB-44)."""
    _, found = findings(weights_book(tmp_path / "a.xlsx", [0.3, 0.2, 0.2, 0.1, 0.1]), "weights")
    assert [(f.severity, f.where, f.message) for f in found] == [
        (ERROR, "Sheet!A2:E2", "#VALUE! weights sum to 90%, expected 100%")]
    _, found = findings(weights_book(tmp_path / "b.xlsx", [30, 20, 20, 10, 10], ',"NORMALIZE"'), "weights")
    assert [(f.severity, f.message) for f in found] == [
        (WARNING, "weights sum to 90%, expected 100%: weight_check NORMALIZE is applied")]
    report, found = findings(weights_book(tmp_path / "c.xlsx", [0.35, 0.25, 0.15, 0.15, 0.10]), None)
    assert found == [] and report.exit_code(strict=True) == 0  # S0-F: 35+25+15+15+10 = 100 %


def test_quotas_must_add_up_to_100_percent(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, (label, quota) in enumerate([("A", 0.15), ("B", 0.45), ("C", 0.30), ("D", 0.05)], start=1):
        ws.cell(i, 4).value, ws.cell(i, 5).value = label, quota
    ws["A1"] = "=KPI_QUOTA(7,$E$1:$E$4)"
    wb.save(tmp_path / "book.xlsx")
    _, found = findings(tmp_path / "book.xlsx", "quotas")
    assert [(f.severity, f.where, f.message) for f in found] == [
        (ERROR, "Sheet!E1:E4", "#VALUE! quotas add up to 95 %, not 100 % (mode EXACT)")]


def test_a_lookup_table_with_a_key_twice_is_reported_by_the_function_itself(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, (k, v) in enumerate([("优秀", 100), ("良好", 80), ("優秀", 90)], start=1):  # 優秀 folds to 优秀
        ws.cell(i, 4).value, ws.cell(i, 5).value = k, v
    ws["A1"] = "良好"
    ws["B1"] = "=KPI_MAP(A1,$D$1:$D$3,$E$1:$E$3)"
    wb.save(tmp_path / "book.xlsx")
    _, found = findings(tmp_path / "book.xlsx", "rule_table")
    assert [(f.where, f.message) for f in found] == [
        ("Sheet!D1:D3, Sheet!E1:E3",
         "KPI_MAP: #VALUE! key '優秀' is listed twice (rows 1 and 3) with different values: 100 and 90")]


def test_tables_through_sheet_names_with_spaces_and_excel_tables(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    rules = wb.create_sheet("Rule table 规则")
    rules.append(["Lower", "Upper", "Points"])
    for row in zip(X_LOWER, X_UPPER, X_POINTS, strict=True):
        rules.append(list(row))
    rules.add_table(Table(displayName="XBands", ref="A1:C5"))
    ws["A1"] = 0.42
    ws["B1"] = "=KPI_BAND(A1,XBands[Lower],'Rule table 规则'!$B$2:$B$5,XBands[Points])"
    wb.save(tmp_path / "book.xlsx")
    _, found = findings(tmp_path / "book.xlsx", "band_table")
    assert [f.where for f in found] == ["'Rule table 规则'!A2:A5, 'Rule table 规则'!B2:B5"]
    assert found[0].message.startswith("gap [0.40, 0.45)")


# -- inputs against data validation --------------------------------------------------------------

def test_inputs_outside_their_data_validation(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    lists = wb.create_sheet("Lists")
    for v in ["优秀", "良好", "合格", "差"]:
        lists.append([v])
    wb.defined_names["Ratings"] = DefinedName("Ratings", attr_text="Lists!$A$1:$A$4")
    rows = [(0.52, "优秀", 3, "0"), (1.2, "很好", 2.5, "NONE"), (None, "差", 12, 0)]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c).value = v
    rules = [
        (DataValidation(type="decimal", operator="between", formula1="0", formula2="1"), "A1:A3"),
        (DataValidation(type="list", formula1="Ratings"), "B1:B3"),
        (DataValidation(type="whole", operator="between", formula1="1", formula2="$F$1"), "C1:C3"),
        (DataValidation(type="list", formula1='"0,NONE"'), "D1:D3"),
    ]
    ws["F1"] = 10
    for dv, ref in rules:
        ws.add_data_validation(dv)
        dv.add(ref)
    ws["A4"] = "=A1*2"  # a computed cell is not an input
    wb.save(tmp_path / "book.xlsx")
    report, found = findings(tmp_path / "book.xlsx", "validation")
    assert [(f.where, f.message) for f in found] == [
        ("Sheet!A2", "1.20 is outside its data validation (decimal between 0 and 1)"),
        ("Sheet!B2", "'很好' is outside its data validation (one of '优秀', '良好', '合格', '差')"),
        ("Sheet!C2", "2.50 is outside its data validation (whole between 1 and 10)"),
        ("Sheet!C3", "12 is outside its data validation (whole between 1 and 10)"),
    ]
    assert report.inputs_checked == 11


# -- unknown functions, arguments, files ----------------------------------------------------------

def test_formulas_calling_unknown_functions(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 5
    ws["B1"] = "=SUM(A1,1)+ROUND(A1,0)+KPI_RATE(A1,2)+_xlfn.IFS(A1>1,1,TRUE,0)"
    ws["B2"] = "=FOO(A1)+KPI_RAET(A1,2)"
    ws["B3"] = "=FOO(A1)"
    ws["B4"] = "=KPI_RATE(A1,2,\"ERROR\",FALSE,1)"
    wb.save(tmp_path / "book.xlsx")
    report = check_workbook(tmp_path / "book.xlsx")
    by_kind = {(f.kind, f.where): f for f in report.findings}
    assert by_kind[("unknown_function", "FOO, KPI_RAET")].used_by == ["Sheet!B2"]
    assert by_kind[("unknown_function", "FOO")].used_by == ["Sheet!B3"]
    assert by_kind[("rule_table", "Sheet!B4")].message == "KPI_RATE takes at most 4 arguments, got 5"
    assert len(report.findings) == 3


def test_an_unreadable_file_exits_3_and_a_missing_one_2(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    res = kpi_check(bad, "--json")
    assert res.exit_code == 3 and json.loads(res.stdout)["message"].endswith("(File is not a zip file)")
    assert kpi_check(tmp_path / "missing.xlsx").exit_code == 2


def test_the_text_report_lists_each_finding_once_with_its_cells(tmp_path):
    src = book_with_bands(tmp_path / "book.xlsx")
    res = kpi_check(src)
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert lines[0].startswith("error Rules!A2:A5, Rules!B2:B5: gap [0.40, 0.45)")
    assert "(used by Staff!C2, Staff!C3, Staff!C4)" in lines[0]
    assert lines[-1].startswith("1 error(s), 0 warning(s) in")


# -- the PreSales_T44 template -----------------------------------------------------------------------

def _names(path: Path) -> dict[str, str]:
    """Every defined name of a workbook → where it points, as findings write it (Rules!A16:A19)."""
    wb = openpyxl.load_workbook(path)
    return {name: "{}!{}".format(*next(iter(dn.destinations))).replace("$", "") for name, dn in wb.defined_names.items()}


@pytest.mark.skipif(not T44.exists(), reason="templates/PreSales_T44.xlsx not built")
def test_presales_t44_shows_every_seed_defect_it_keeps_visible():
    """The seed's gaps stay (AMB-18/19: #N/A with the reason), decided in the open by the
    policy cells X_OnGap and T_OnGap next to the tables: warnings naming those cells, and
    the template passes its own check (issue 11)."""
    res = kpi_check(T44, "--json")
    data = json.loads(res.stdout)
    assert res.exit_code == 0 and data["errors"] == 0
    found = {(f["severity"], f["message"].split(" (table")[0]) for f in data["findings"]}
    assert found == {
        (WARNING, "gap [0.40, 0.45) between rows 4 and 3"),  # AMB-18, conversion X
        (WARNING, "gap (35, 40] between rows 3 and 4"),  # AMB-19, response time T
        (WARNING, "scores in the gap (75, 76) between rows 4 and 3"),  # AMB-22, under CONTINUOUS
        (WARNING, "scores in the gap (85, 86) between rows 3 and 2"),
        (WARNING, "scores in the gap (90, 91) between rows 2 and 1"),
    }
    gaps = [f["message"] for f in data["findings"] if f["message"].startswith("gap")]
    names = _names(T44)
    assert any(f"the policy cell X_OnGap ({names['X_OnGap']})" in m for m in gaps)
    assert any(f"the policy cell T_OnGap ({names['T_OnGap']})" in m for m in gaps)
    wheres = {f["where"] for f in data["findings"]}
    assert wheres == {f"{names[f'{t}_Lower']}, {names[f'{t}_Upper']}" for t in ("X", "T", "Grade")}
    assert data["tables_audited"] >= 8 and data["inputs_checked"] > 100
    assert kpi_check(T44, "--json", "--strict").exit_code == 1  # warnings fail under --strict


def test_a_gap_left_to_the_default_or_written_in_the_formula_stays_an_error(tmp_path):
    """Only a policy *cell* makes a gap a decision: on_gap omitted or typed into the formula
    is not visible next to the table."""
    report, found = findings(book_with_bands(tmp_path / "omitted.xlsx"), "band_table")
    assert [f.severity for f in found if f.message.startswith("gap")] == [ERROR]
    report, found = findings(book_with_bands(tmp_path / "typed.xlsx", extra_args=',,"HIGHER","ERROR"'), "band_table")
    assert [f.severity for f in found if f.message.startswith("gap")] == [ERROR]


@pytest.mark.skipif(not (ROOT / "templates" / "AfterSales_T47.xlsx").exists(), reason="template not built")
def test_aftersales_t47_shows_its_seed_defects():
    data = json.loads(kpi_check(ROOT / "templates" / "AfterSales_T47.xlsx", "--json").stdout)
    messages = [f["message"] for f in data["findings"]]
    assert any(m.startswith("gap (30, 35]") for m in messages)  # AMB-30
    assert any(m.startswith("gap (45, 50]") for m in messages)
    assert any(m.startswith("values up to 1 (included) fall in no band") for m in messages)  # AMB-33
    assert any("overlap" in m for m in messages)
    blank = [f for f in data["findings"] if "weights is blank" in f["message"]]  # AMB-29: to fill in
    assert [(f["severity"], f["where"]) for f in blank] == [(WARNING, _names(ROOT / "templates" / "AfterSales_T47.xlsx")["W_Weight"])]
    assert "left blank to fill in" in blank[0]["message"]
    assert data["errors"] == 0


@pytest.mark.skipif(not T44.exists(), reason="templates/PreSales_T44.xlsx not built")
def test_presales_t44_passes_once_its_rules_are_corrected(tmp_path):
    wb = openpyxl.load_workbook(T44)
    rules = wb["Rules"]
    names = _names(T44)
    x_upper, t_lower = names["X_Upper"].split(":")[1], names["T_Lower"].split(":")[1]  # the last rows
    assert (rules[x_upper].value, rules[t_lower].value) == (0.4, 40)
    rules[x_upper] = 0.45  # AMB-18 closed downward: X < 45 % → 50
    rules[t_lower] = 35  # AMB-19: T > 35 s → 50
    src = tmp_path / "T44_fixed.xlsx"
    wb.save(src)
    res = kpi_check(src, "--json")
    data = json.loads(res.stdout)
    assert res.exit_code == 0 and data["errors"] == 0 and data["warnings"] == 3  # AMB-22, policy-covered
    for row in rules[names["Grade_Upper"].split("!")[1]]:  # grades by lower bound only: no gaps left at all
        row[0].value = None
    wb.save(src)
    res = kpi_check(src, "--json", "--strict")
    assert res.exit_code == 0 and json.loads(res.stdout)["findings"] == []


def test_a_validation_over_whole_columns_checks_only_the_used_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = 5, 12
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="10")
    ws.add_data_validation(dv)
    dv.add("A1:A1048576")
    wb.save(tmp_path / "book.xlsx")
    report, found = findings(tmp_path / "book.xlsx", "validation")
    assert [(f.where, f.message) for f in found] == [
        ("Sheet!A2", "12 is outside its data validation (whole between 0 and 10)")]
    assert report.inputs_checked == 2
