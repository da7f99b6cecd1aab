"""``kpi adopt`` (issue 14): the hand-written band logic of the generated HR workbooks moved onto
KPI_ functions and a Rules sheet; ``kpi recalc`` of the copy gives every original value back;
nothing else in the file changes; ``kpi check`` of the copy names the defects ``kpi lint``
found in the original.

Original values are the cached values the generator wrote (worked out by hand from the rules
as typed, see :mod:`hr_workbooks`); the expected ``kpi check`` findings are written out by
hand from the planted defects.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import hr_workbooks as hr
import openpyxl
import pytest
from typer.testing import CliRunner

from kpi_udfs.adopt.adoption import adopt
from kpi_udfs.adopt.lint import lint_workbook
from kpi_udfs.adopt.sheet_reader import read
from kpi_udfs.check import check_workbook
from kpi_udfs.cli import app
from kpi_udfs.errors import KpiError
from kpi_udfs.recalc.model import Evaluation
from kpi_udfs.recalc.write.writer import write_values

runner = CliRunner()
WITH_BAND_LOGIC = [name for name in hr.BUILDERS if name != "运营考核计划表.xlsx"]


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("adopt")
    material = hr.build_all(folder / "in")
    out = {}
    (folder / "out").mkdir()
    for name in WITH_BAND_LOGIC:
        src = material[name].path
        before = _sha(src)
        result = adopt(src, folder / "out" / name.replace(".xlsx", ".adopted.xlsx"))
        assert _sha(src) == before  # the input is only read
        out[name] = (src, result)
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _same(a, b) -> bool:
    if (a is None or a == "") and (b is None or b == ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    if isinstance(a, KpiError) and isinstance(b, KpiError):
        return a.code == b.code
    return a == b


# -- values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", WITH_BAND_LOGIC)
def test_adopt_then_recalc_gives_every_original_value(adopted, name, tmp_path):
    src, result = adopted[name]
    assert result.differences == [] and result.cells_rewritten > 0
    recalced = tmp_path / "recalc.xlsx"
    r = runner.invoke(app, ["recalc", str(result.output), "-o", str(recalced)])
    assert r.exit_code == 0, r.output
    original, again = read(src), read(recalced)
    compared = 0
    for sheet in original.sheets.values():
        for cell in sheet.keys:  # every formula cell of the original, every row
            compared += 1
            old, new = sheet.values.get(cell), again.sheets[sheet.name].values.get(cell)
            assert _same(old, new), (sheet.name, cell, old, new)
    assert compared == result.compared


EXPECTED_FUNCTIONS = {
    "售前客服绩效考核.xlsx": {"N": "KPI_BAND", "O": "KPI_BAND", "P": "KPI_BAND", "Q": "KPI_BAND", "R": "KPI_MAP",
                              "S": "KPI_WEIGHTED", "T": "KPI_GRADE", "U": "KPI_MAP"},
    "售后客服部绩效考核.xlsx": {"L": "KPI_BAND", "M": "KPI_BAND", "N": "KPI_BAND", "O": "KPI_BAND", "P": "KPI_MAP",
                                "Q": "KPI_WEIGHTED", "R": "KPI_BAND"},
}


@pytest.mark.parametrize("name", WITH_BAND_LOGIC)
def test_adopted_formulas_call_kpi_functions(adopted, name):
    src, result = adopted[name]
    report = lint_workbook(src)
    copy = read(result.output)
    for block in report.blocks:
        sheet = copy.sheets[block.sheet]
        for r in block.rows:
            text = sheet.formula((r, block.col))
            assert text.startswith("KPI_"), (block.sheet, r, block.col, text)
            wanted = EXPECTED_FUNCTIONS.get(name, {}).get(block.column)
            if wanted:
                assert text.startswith(wanted + "("), text
    # the odd rows keep their own table: N9 reads another table than N3
    if name == "售前客服绩效考核.xlsx":
        s = copy.sheets["6月考核"]
        assert s.formula((9, 14)) != s.formula((3, 14)).replace("E3", "E9")


def test_the_rules_sheet_holds_the_tables_and_policies(adopted):
    _, result = adopted["售前客服绩效考核.xlsx"]
    wb = openpyxl.load_workbook(result.output)
    assert wb.sheetnames == ["6月考核", "考核标准", "说明", "Rules"]
    names = wb.defined_names

    def cells(name):
        sheet, ref = names[name].attr_text.split("!")
        got = wb[sheet][ref.replace("$", "")]
        return [got.value] if not isinstance(got, tuple) else [c.value for row in got for c in row]

    # X as typed: ≥ 55 % → 100 and < 40 % → 50 are the rows a value reaches; [40 %, 55 %) gets on_gap 0
    assert cells("Band1_Lower") == [0.55, None] and cells("Band1_Upper") == [None, 0.40]
    assert cells("Band1_Points") == [100, 50] and cells("Band1_OnGap") == [0] and cells("Band1_OnOverlap") == ["FIRST"]
    # T: 25/30/35 upper-inclusive, > 40, LOWER is better, the (35, 40] gap gets 0
    assert cells("Band5_Upper") == [25, 30, 35, None] and cells("Band5_Bounds") == ["(]", "(]", "(]", "(]"]
    assert cells("Band5_Direction") == ["LOWER"] and cells("Band5_OnGap") == [0]
    assert cells("Map1_Keys") == ["优秀", "良好", "合格", "差"] and cells("Map1_Values") == [100, 80, 70, 50]
    assert cells("Map1_Default") == [0] and cells("Map1_Normalize") == [False]
    assert cells("Weights1") == pytest.approx([0.35, 0.25, 0.15, 0.15, 0.10]) and cells("Weights1_Check") == ["ERROR"]
    assert cells("Grade1_Lower") == [91, 86, 76, 65] and cells("Grade1_Labels") == ["A", "B", "C", "D"]
    assert cells("Grade1_Below") == ["无"] and cells("Grade1_GapPolicy") == ["CONTINUOUS"]
    rules = wb["Rules"]
    notes = [c.value for row in rules.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Today a value in a gap gets 0" in n for n in notes)
    # the bands as typed that hold no value stay on the sheet, under their own check cell
    assert any("AND(E3<45%,E3>=50%)" in n for n in notes)


def test_nothing_else_changes(adopted):
    src, result = adopted["售后客服部绩效考核.xlsx"]
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(result.output) as b:
        old = {i.filename: a.read(i) for i in a.infolist()}
        new = {i.filename: b.read(i) for i in b.infolist()}
    edited = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/worksheets/sheet1.xml"}
    assert set(new) - set(old) == {"xl/worksheets/sheet3.xml"}  # the Rules sheet
    for part, data in old.items():
        if part not in edited:
            assert new[part] == data, part  # styles, shared strings, the notes sheet…
    rewritten = {(r, c) for blk in result.lint.blocks for r in blk.rows for c in [blk.col]}
    cell = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
    before = {m.group(1) + m.group(2): m for m in cell.finditer(old["xl/worksheets/sheet1.xml"])}
    after = {m.group(1) + m.group(2): m for m in cell.finditer(new["xl/worksheets/sheet1.xml"])}
    assert set(before) == set(after)
    from kpi_udfs.recalc.a1 import col_number

    for ref, m in before.items():
        letters, row = m.group(1).decode(), int(m.group(2))
        if (row, col_number(letters)) in rewritten:
            assert b"KPI_" in after[ref].group(4)
            assert re.search(rb's="\d+"', m.group(3)).group(0) in after[ref].group(3)  # its style kept
        else:
            assert after[ref].group(0) == m.group(0), ref
    dv = rb"<dataValidations.*?</dataValidations>"
    assert re.search(dv, new["xl/worksheets/sheet1.xml"], re.S).group(0) == re.search(
        dv, old["xl/worksheets/sheet1.xml"], re.S).group(0)


# -- kpi check on the copy ---------------------------------------------------------------------------

#: What kpi check says about each adopted workbook, derived by hand from the planted defects:
#: (severity, kind, a piece of the message).
EXPECTED_CHECK = {
    "售前客服绩效考核.xlsx": [
        ("error", "band_table", "row 1 is empty: [0.50, 0.45)"),  # 「45%>X>=50%」, both X tables
        ("error", "band_table", "row 1 is empty: [0.50, 0.45)"),
        ("error", "band_table", "row 2 is empty: [0.45, 0.40)"),  # 「40%>X>=45%」
        ("error", "band_table", "row 2 is empty: [0.45, 0.40)"),
        ("warning", "band_table", "gap [0.40, 0.55)"),  # X, with on_gap 0
        ("warning", "band_table", "gap [0.40, 0.50)"),  # the retyped row's X
        ("warning", "band_table", "gap (35, 40]"),  # T
        ("warning", "inconsistent_rows", "KPI_BAND in rows N9"),
    ],
    "售后客服部绩效考核.xlsx": [
        ("warning", "band_table", "gap (30, 35]"), ("warning", "band_table", "gap (45, 50]"),  # T
        ("warning", "band_table", "values up to 1 (included) fall in no band: they follow on_gap 0"),  # Q ≤ 100 %
        ("warning", "band_table", "rows 4 and 3 overlap on 1.10 to 1.20"),  # 「Q>100%」 over the bands above
        ("warning", "band_table", "rows 4 and 2 overlap on 1.20 to 1.30"),
        ("warning", "band_table", "rows 4 and 1 overlap on 1.30 to ∞"),
        ("warning", "rule_table", "key '良好' is listed twice"),
        ("error", "band_table", "gap (75, 76)"), ("error", "band_table", "gap (85, 86)"),  # grades
        ("error", "band_table", "gap (90, 91)"),
        ("warning", "band_table", "values below 65 fall in no band"),
        ("warning", "band_table", "values above 100 fall in no band"),
    ],
    "售后客服考核130分.xlsx": [("warning", "inconsistent_rows", "KPI_MAP in rows N8")],
    # below the lookup's first floor (0): #N/A, as INDEX/MATCH gives (not a lint defect; KPI_BAND says it aloud)
    "客服獎懲制度.xlsx": [("warning", "band_table", "values below 0 fall in no band: #N/A if they occur")],
    "售后服务人员考核.xlsx": [
        ("warning", "weights", "weights sum to 90%"), ("warning", "weights", "weights sum to 95%"),
        ("warning", "inconsistent_rows", "KPI_WEIGHTED in rows M7"),
        ("warning", "band_table", "[120, ∞) never applies"),  # 特级, never returned by the search
        ("warning", "band_table", "rows 4 and 5 overlap on 120 to ∞"),
        # below the first key: #N/A, as VLOOKUP gives (not a defect of the original; KPI_BAND says it aloud)
        ("warning", "band_table", "values below 0 fall in no band: #N/A if they occur"),
    ],
    "电商客服考核方案.xlsx": [
        ("warning", "band_table", "rows 3 and 2 overlap at 80"), ("warning", "band_table", "rows 2 and 1 overlap at 90"),
        ("warning", "band_table", "values below 70 fall in no band"),
        ("warning", "band_table", "rows 1 and 2 overlap at 10"), ("warning", "band_table", "rows 2 and 3 overlap at 15"),
        ("warning", "band_table", "values below 5 fall in no band"),
        ("warning", "band_table", "values above 30 fall in no band"),
    ],
}


@pytest.mark.parametrize("name", WITH_BAND_LOGIC)
def test_check_on_the_copy_names_the_defects_lint_found(adopted, name):
    _, result = adopted[name]
    found = [(f.severity, f.kind, f.message) for f in check_workbook(result.output).findings]
    expected = list(EXPECTED_CHECK[name])
    for severity, kind, piece in expected:
        match = next((x for x in found if x[0] == severity and x[1] == kind and piece in x[2]), None)
        assert match is not None, (piece, found)
        found.remove(match)
    assert found == []


# -- the command ---------------------------------------------------------------------------------

def test_cli_refuses_to_overwrite_and_to_write_its_input(tmp_path):
    src = hr.build_rewards(tmp_path / "rewards.xlsx").path
    out = tmp_path / "adopted.xlsx"
    r = runner.invoke(app, ["adopt", str(src), "-o", str(out)])
    assert r.exit_code == 0 and out.exists() and "every original value reproduced" in r.stdout
    assert (tmp_path / "adopted.adopt-report.md").exists()
    first = _sha(out)
    r = runner.invoke(app, ["adopt", str(src), "-o", str(out)])
    assert r.exit_code == 2 and "--force" in r.output and _sha(out) == first
    assert runner.invoke(app, ["adopt", str(src), "-o", str(out), "--force"]).exit_code == 0
    before = _sha(src)
    r = runner.invoke(app, ["adopt", str(src), "-o", str(src), "--force"])
    assert r.exit_code == 2 and _sha(src) == before
    assert runner.invoke(app, ["adopt", str(tmp_path / "missing.xlsx"), "-o", str(tmp_path / "x.xlsx")]).exit_code == 2
    (tmp_path / "fake.xlsx").write_text("not a zip")
    r = runner.invoke(app, ["adopt", str(tmp_path / "fake.xlsx"), "-o", str(tmp_path / "y.xlsx")])
    assert r.exit_code == 3 and "Traceback" not in r.output and not (tmp_path / "y.xlsx").exists()


def test_a_workbook_without_band_logic_is_left_alone(tmp_path):
    src = hr.build_operations(tmp_path / "ops.xlsx").path
    r = runner.invoke(app, ["adopt", str(src), "-o", str(tmp_path / "out.xlsx")])
    assert r.exit_code == 0 and "nothing to adopt" in r.output and not (tmp_path / "out.xlsx").exists()


def _small_book(path: Path, formula: str, values: list[float], results: list) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "考核"
    ws.append(["总分", "等级"])
    cached = {}
    for i, (v, res) in enumerate(zip(values, results, strict=True), start=2):
        ws.append([v, formula.replace("{r}", str(i))])
        cached[("考核", f"B{i}")] = res
    raw = path.with_suffix(".raw.xlsx")
    wb.save(raw)
    write_values(raw, Evaluation(values=cached), path)
    return path


def test_what_no_policy_reproduces_is_said_row_by_row(tmp_path):
    # 「80分以下无等级」 typed with an empty text: KPI_BAND cannot give "" for a value in no band
    src = _small_book(tmp_path / "grades.xlsx", '=IF(A{r}>=90,"A",IF(A{r}>=80,"B",""))', [95, 85, 70, 60],
                      ["A", "B", "", ""])
    out = tmp_path / "adopted.xlsx"
    r = runner.invoke(app, ["adopt", str(src), "-o", str(out)])
    assert r.exit_code == 1, r.output
    assert "2 cell(s) differ" in r.stdout
    assert "row 4: B4 blank → #N/A" in r.stdout and "row 5: B5 blank → #N/A" in r.stdout
    report = (tmp_path / "adopted.adopt-report.md").read_text(encoding="utf-8")
    assert "What no policy reproduces" in report and "row 4: B4 blank → #N/A" in report
    assert read(out).sheets["考核"].values[(4, 2)].code == "#N/A"  # the copy holds the new values


def test_changing_a_policy_changes_the_rows_in_the_gap(adopted, tmp_path):
    _, result = adopted["售前客服绩效考核.xlsx"]
    wb = openpyxl.load_workbook(result.output)
    sheet, ref = wb.defined_names["Band1_OnGap"].attr_text.split("!")
    wb[sheet][ref.replace("$", "")] = "ERROR"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    r = runner.invoke(app, ["recalc", str(edited), "-o", str(tmp_path / "recalc.xlsx")])
    assert r.exit_code == 0, r.output
    values = read(tmp_path / "recalc.xlsx").sheets["6月考核"].values
    assert values[(5, 14)].code == "#N/A"  # X = 52 %: in the gap, now said aloud
    assert values[(3, 14)] == 100  # X = 57 %


# -- LibreOffice: an independent spreadsheet agrees with the generator, and shared formulas ----------

@pytest.mark.slow
def test_libreoffice_agrees_and_a_libreoffice_copy_is_adopted(tmp_path):
    """LibreOffice recalculates every generated workbook (a private profile, so every formula is
    computed on load): it gets the values the generator worked out by hand, in every formula
    cell, the unsorted level table's binary search included. A copy LibreOffice saved is
    adopted too."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    material = hr.build_all(tmp_path / "src")
    profile = tmp_path / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--calc", "--convert-to",
                    "xlsx", "--outdir", str(tmp_path / "lo"), *[str(m.path) for m in material.values()]],
                   check=True, capture_output=True, timeout=300)
    for name, m in material.items():
        ours, theirs = read(m.path), read(tmp_path / "lo" / name)
        for sheet in ours.sheets.values():
            for cell in sheet.keys:
                assert _same(sheet.values.get(cell), theirs.sheets[sheet.name].values.get(cell)), (name, cell)
    lo = tmp_path / "lo" / "售后客服部绩效考核.xlsx"
    result = adopt(lo, tmp_path / "adopted.xlsx")  # a file LibreOffice wrote (its own styles, its own XML)
    assert result.differences == [] and result.cells_rewritten == 7 * 36
    assert read(tmp_path / "adopted.xlsx").sheets["售后考核"].formula((20, 13)).startswith("KPI_BAND(F20,")


# -- shared formulas (Excel writes a copied-down column once) ------------------------------------

def _share_column(path: Path, part: str, letter: str, first: int, last: int) -> None:
    """Rewrite one column of a sheet as Excel stores a copied-down formula: the text once in
    the first cell (t="shared", ref, si), the other cells pointing at it."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    out = []
    for info, data in items:
        if info.filename == part:
            def share(m: re.Match) -> bytes:
                row = int(m.group(2))
                if row == first:
                    return (m.group(1) + b'<f t="shared" ref="' + f"{letter}{first}:{letter}{last}".encode()
                            + b'" si="7">' + m.group(3) + b"</f>")
                return m.group(1) + b'<f t="shared" si="7"/>'
            data = re.sub(rb'(<c r="' + letter.encode() + rb'(\d+)"[^>]*>)<f>(.*?)</f>', share, data)
        out.append((info, data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in out:
            z.writestr(info, data)


def test_a_shared_formula_column_is_written_out_cell_by_cell(tmp_path):
    src = hr.build_aftersales(tmp_path / "s.xlsx").path
    _share_column(src, "xl/worksheets/sheet1.xml", "M", 4, 39)
    assert len(read(src).sheets["售后考核"].followers) == 35
    result = adopt(src, tmp_path / "adopted.xlsx")
    assert result.differences == []
    copy = read(tmp_path / "adopted.xlsx").sheets["售后考核"]
    assert copy.followers == {}
    assert [copy.formula((r, 13)) for r in (4, 5, 39)] == [
        f"KPI_BAND(F{r},Band2_Lower,Band2_Upper,Band2_Points,Band2_Bounds,Band2_Direction,Band2_OnGap,"
        "Band2_OnOverlap)" for r in (4, 5, 39)]


def test_patching_one_cell_of_a_shared_formula_writes_out_the_others():
    from kpi_udfs.adopt.xlsx_edit import patch_formulas

    xml = (b'<worksheet><sheetData><row r="2"><c r="B2" s="3"><f t="shared" ref="B2:B4" si="0">A2*2</f><v>2</v></c>'
           b'</row><row r="3"><c r="B3" s="3"><f t="shared" si="0"/><v>4</v></c></row>'
           b'<row r="4"><c r="B4" s="3"><f t="shared" si="0"/><v>6</v></c></row></sheetData></worksheet>')
    new, n = patch_formulas(xml, {(2, 2): "KPI_BAND(A2,T_Lower,T_Upper,T_Points)"})
    assert n == 1
    assert b'<c r="B2" s="3"><f>KPI_BAND(A2,T_Lower,T_Upper,T_Points)</f><v>2</v></c>' in new
    assert b'<c r="B3" s="3"><f>A3*2</f><v>4</v></c>' in new and b'<c r="B4" s="3"><f>A4*2</f><v>6</v></c>' in new
