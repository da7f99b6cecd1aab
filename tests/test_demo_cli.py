"""``kpi demo`` and ``kpi new`` (issue 5): the main job on its built-in example, and fresh
copies of every template with sample, generated or no staff."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kpi_udfs import i18n, templates
from kpi_udfs.cli import app
from kpi_udfs.templates.layout import FIRST_ROW, STAFF, SUMMARY, Layout
from kpi_udfs.templates_cli import StaffResult, ranked

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
#: The committed templates' language: `kpi --lang zh-CN demo` writes the committed PreSales_T44.
COMMITTED = ["--lang", templates.COMMITTED_LANGUAGE]


@pytest.fixture(autouse=True)
def _language_after():
    yield
    i18n.set_language(None)  # `run(["--lang", …])` sets the language for the process


def test_demo_prints_ranked_results_and_errors_and_writes_the_workbook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no checkout files needed: the template is built from the package
    written = tmp_path / "PreSales_T44-demo.xlsx"
    res = runner.invoke(app, ["demo", "-o", str(written)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = res.output
    lines = [line for line in out.splitlines() if "│" in line]
    # ranked high → low, ties sharing a rank; WE-6's 王静: 90, B, 1.2, 108
    first = [c.strip() for c in lines[0].split("│")[1:-1]]
    assert first == ["1", "李娜", "100", "A", "1.4", "140"]
    row = next(line for line in lines if "王静" in line)
    assert [c.strip() for c in row.split("│")[1:-1]] == ["7", "王静", "90", "B", "1.2", "108"]
    tied = [line.split("│")[1].strip() for line in lines if any(n in line for n in ("孙强", "朱燕", "谢晓雯"))]
    assert tied == ["2", "2", "2"]
    # errors with their reasons
    assert "0.42 falls in no band: gap [0.40, 0.45)" in out
    assert "38 falls in no band: gap (35, 40]" in out
    assert "scores item 5 is blank" in out
    assert str(written) in out.replace("\n", "")
    # the demo workbook is the template in the language in force (English here), cached values included
    assert written.read_bytes() == _built("PreSales_T44", tmp_path / "en.xlsx", "en")
    ws = openpyxl.load_workbook(written, data_only=True)[STAFF]
    t = templates.get("PreSales_T44")
    layout = Layout(t, len(t.sample))
    assert ws[f"{layout.col['bonus']}{FIRST_ROW}"].value == pytest.approx(108)


def _built(name: str, path: Path, lang: str) -> bytes:
    templates.build(name, path, lang=lang)
    return path.read_bytes()


def test_new_with_generated_staff_is_recalculated_and_reproducible(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    res = runner.invoke(app, ["new", "AfterSales_130", "-o", str(a), "--staff", "30"])
    assert res.exit_code == 0, res.output
    assert "in English, 30 generated staff" in " ".join(res.output.split())
    assert runner.invoke(app, ["new", "aftersales_130", "-o", str(b), "--staff", "30"]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    t = templates.get("AfterSales_130")
    layout = Layout(t, 30)
    ws = openpyxl.load_workbook(a, data_only=True)[STAFF]
    names = [ws[f"A{r}"].value for r in range(FIRST_ROW, FIRST_ROW + 30)]
    assert all(names) and len(set(names)) == 30
    totals = [ws[f"{layout.col['total']}{r}"].value for r in range(FIRST_ROW, FIRST_ROW + 30)]
    assert sum(isinstance(v, (int, float)) for v in totals) >= 20
    assert ws[f"A{FIRST_ROW + 30}"].value is None  # the table ends with the staff: it grows when typed below
    # a different N gives a different, equally reproducible team
    assert runner.invoke(app, ["new", "AfterSales_130", "-o", str(b), "--staff", "31", "--force"]).exit_code == 0
    assert a.read_bytes() != b.read_bytes()


def test_new_empty_has_formulas_and_no_staff(tmp_path):
    out = tmp_path / "empty.xlsx"
    res = runner.invoke(app, ["new", "Eight_Indicator_Levels", "-o", str(out), "--empty"])
    assert res.exit_code == 0, res.output
    t = templates.get("Eight_Indicator_Levels")
    layout = Layout(t, templates.EMPTY_ROWS)
    formulas = openpyxl.load_workbook(out)[STAFF]
    values = openpyxl.load_workbook(out, data_only=True)
    ws = values[STAFF]
    for r in (FIRST_ROW, FIRST_ROW + templates.EMPTY_ROWS - 1):
        assert ws[f"A{r}"].value is None
        # an empty row is blank by the formula's own guard (a viewer without KPI_ computes it)
        assert str(formulas[f"{layout.col['total']}{r}"].value).startswith('=IF(COUNTBLANK(')
        assert "KPI_TOTAL(" in str(formulas[f"{layout.col['total']}{r}"].value)
        assert ws[f"{layout.col['total']}{r}"].value in (None, "")
    assert values[SUMMARY]["B4"].value == 0  # nobody has an award yet


def test_new_refuses_unknown_templates_and_existing_files(tmp_path):
    res = runner.invoke(app, ["new", "NoSuch", "-o", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and "PreSales_T44" in res.output
    existing = tmp_path / "there.xlsx"
    existing.write_bytes(b"keep me")
    res = runner.invoke(app, ["new", "Ops_Manager", "-o", str(existing)])
    assert res.exit_code == 2 and existing.read_bytes() == b"keep me"


@pytest.mark.parametrize("name", templates.names())
def test_every_template_generates_staff(name):
    """``--staff N`` rows fit the template's input columns and lay out (no recalculation
    here); a team of 6 is the team of 5 and one more (adding a person, as the README says,
    gives kpi new --staff 6), earlier months included."""
    t = templates.get(name)
    five, six = templates.month_of(t, 5), templates.month_of(t, 6)
    assert len(five.staff) == 5 and all(len(r) == len(t.inputs) for r in five.staff)
    first = {r[0] for r in five.staff}
    assert six.staff[:5] == five.staff and [p for p in six.past if p.name in first] == five.past
    assert all(len(r) == len(t.inputs) for r in t.sample) and len(t.sample) >= 9
    data = templates.workbook_bytes(t, five)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_ranked_uses_competition_ranks_and_puts_rows_without_a_number_last():
    rows = [StaffResult(i, n, {"total": v}, None) for i, (n, v) in enumerate(
        [("a", 80.0), ("b", 90.0), ("c", None), ("d", 90.0), ("e", 70.0)])]
    assert [(rank, r.name) for rank, r in ranked(rows, "total")] == [
        ("1", "b"), ("1", "d"), ("3", "a"), ("4", "e"), ("—", "c")]


def test_the_package_ships_every_template_description():
    """`kpi demo` after `pip install .`: the descriptions are modules of packages that the
    pyproject's package list includes, so nothing outside the installed package is read."""
    import tomllib

    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = set(find_packages(str(ROOT), include=config["include"]))
    assert {"kpi_udfs.templates", "kpi_udfs.templates.schemes"} <= packages
    for module in templates.MODULES.values():
        assert (ROOT / "kpi_udfs" / "templates" / "schemes" / f"{module}.py").is_file()


# -- issue 12: outputs -------------------------------------------------------------------------

def _one_line_error(capsys, code: int, *args: str) -> str:
    """Run `kpi ARGS` as the console script does; it must exit ``code`` with one line on
    stderr and no traceback."""
    from kpi_udfs.cli import run

    assert run(list(args)) == code
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_demo_writes_into_a_new_folder_never_the_current_one(tmp_path, monkeypatch, capsys):
    import tempfile

    from kpi_udfs.cli import run

    work, scratch = tmp_path / "checkout", tmp_path / "temp"
    work.mkdir()
    scratch.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert run([*COMMITTED, "demo"]) == 0 and run([*COMMITTED, "demo"]) == 0
    out = "".join(capsys.readouterr().out.split())  # the path may be wrapped over lines
    assert list(work.iterdir()) == []  # nothing left in the current folder (a checkout)
    made = sorted(scratch.glob("kpi-demo-*/PreSales_T44-demo.xlsx"))
    assert len(made) == 2  # each run its own new folder: nothing is ever replaced
    assert all(str(p) in out for p in made)
    assert made[0].read_bytes() == (ROOT / "templates" / "PreSales_T44.xlsx").read_bytes()


def test_demo_and_new_do_not_overwrite_without_force(tmp_path, capsys):
    mine = tmp_path / "mine.xlsx"
    mine.write_bytes(b"keep me")
    for command in (["demo"], ["new", "Ops_Manager"]):
        err = _one_line_error(capsys, 2, *command, "-o", str(mine))
        assert "exists; use --force" in err and mine.read_bytes() == b"keep me"
    from kpi_udfs.cli import run

    assert run([*COMMITTED, "demo", "-o", str(mine), "--force"]) == 0
    assert mine.read_bytes() == (ROOT / "templates" / "PreSales_T44.xlsx").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.xlsx"]  # replaced in one step, no temp left


def test_new_makes_a_missing_folder_and_refuses_what_it_cannot_write(tmp_path, capsys):
    from kpi_udfs.cli import run

    assert run(["new", "Ops_Manager", "-o", str(tmp_path / "2024" / "11" / "ops.xlsx")]) == 0
    assert openpyxl.load_workbook(tmp_path / "2024" / "11" / "ops.xlsx")[STAFF]
    blocker = tmp_path / "notes"
    blocker.write_text("a file, not a folder")
    err = _one_line_error(capsys, 4, "new", "Ops_Manager", "-o", str(blocker / "ops.xlsx"))
    assert f"{blocker} is a file" in err
    err = _one_line_error(capsys, 4, "demo", "-o", str(blocker / "sub" / "demo.xlsx"))
    assert "cannot be made" in err
    assert "must be an .xlsx" in _one_line_error(capsys, 2, "new", "Ops_Manager", "-o", str(tmp_path / "ops.csv"))
    assert "is a folder" in _one_line_error(capsys, 2, "new", "Ops_Manager", "-o", str(tmp_path / "2024"))
    assert "no template" in _one_line_error(capsys, 2, "new", "NoSuch", "-o", str(tmp_path / "x.xlsx"))
    assert blocker.read_text() == "a file, not a folder"
