"""``kpi recalc`` on the command line: outputs, summary, --json, --strict, --in-place, locks,
hostile files, batches over a process pool, and LibreOffice reading the result (issues 3, 4, 7).

Most tests use the stand-in evaluator of recalc_helpers (so they test the writer and the
command, whatever the engine does); the end-to-end tests at the bottom use the real engine.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import recalc_helpers
from openpyxl.worksheet.formula import ArrayFormula
from recalc_helpers import RULES_SHEET, STAFF, build_rich_workbook
from typer.testing import CliRunner

from kpi_udfs.cli import app
from kpi_udfs.recalc import commands
from kpi_udfs.recalc.commands import Job, qualified, run_job
from kpi_udfs.recalc.write.safefile import target_lock

runner = CliRunner()


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(commands, "EVALUATOR", "recalc_helpers:evaluate")


def kpi(*args: str):
    return runner.invoke(app, ["recalc", *map(str, args)])


def _plain_book(path: Path, rows=((2, 3), (4, 5))) -> Path:
    """A workbook whose formulas end in no error."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, (a, b) in enumerate(rows, start=1):
        ws.append([a, b, f"=A{i}*B{i}"])
    wb.save(path)
    return path


def _expected_errors() -> dict[str, tuple[str, str]]:
    """Error cells of the rich workbook, derived from its inputs (recalc_helpers.STAFF)."""
    out = {}
    for i, (_, inq, _) in enumerate(STAFF, start=2):
        out[f"Staff!G{i}"] = ("#N/A", f"row {i} has no band")
        if inq == 0:
            out[f"Staff!E{i}"] = ("#DIV/0!", "division by zero")
    return out


# -- one workbook ---------------------------------------------------------------------------

def test_default_output_goes_beside_the_input(fake, tmp_path):
    src = build_rich_workbook(tmp_path / "book.xlsx")
    original = src.read_bytes()
    res = kpi(src)
    assert res.exit_code == 0, res.output
    out = tmp_path / "book.recalc.xlsx"
    assert out.exists() and src.read_bytes() == original
    assert "book.recalc.xlsx" in res.output and "--in-place" in res.output
    ws = openpyxl.load_workbook(out, data_only=True)["Staff"]
    assert [ws[f"D{i}"].value for i in range(2, 6)] == [inq * paid for _, inq, paid in STAFF]


def test_the_summary_gives_one_line_per_cause(fake, tmp_path):
    """Issue 12: one line per cause with its count and first cells (--json has every cell)."""
    src = build_rich_workbook(tmp_path / "book.xlsx")
    res = kpi(src, "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 0
    expected = _expected_errors()
    assert f"{len(expected)} ending in an error" in res.output
    causes = [line.strip() for line in res.output.splitlines() if line.startswith("    ")]
    # G2…G5: "row 2 has no band" … "row 5 has no band" are one cause; E4 is another
    assert causes == ["#N/A  row … has no band: 4 cells (Staff!G2, Staff!G3, Staff!G4 and 1 more)",
                      "#DIV/0!  division by zero: 1 cell (Staff!E4)"]
    assert "--json lists every cell" in res.output


def test_json_lists_each_error_cell_with_its_reason(fake, tmp_path):
    src = build_rich_workbook(tmp_path / "book.xlsx")
    res = kpi(src, "--json", "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    errors = {e["ref"]: (e["code"], e["reason"]) for e in data["errors"]}
    assert errors == _expected_errors()
    (f,) = data["files"]
    assert f["output"] == str(tmp_path / "out.xlsx") and f["status"] == "ok, with error cells"
    assert f["cells_computed"] == data["cells_computed"] == len(recalc_helpers.evaluate(src).values)
    assert f["cells_written"] == f["cells_computed"]
    assert data["exit_code"] == 0 and data["error_cells"] == len(errors)


def test_strict_fails_a_workbook_with_an_error_cell(fake, tmp_path):
    src = build_rich_workbook(tmp_path / "book.xlsx")
    res = kpi(src, "--strict", "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 1
    assert (tmp_path / "out.xlsx").exists()  # the output is written all the same
    res = kpi(src, "--strict", "--json", "-o", tmp_path / "out2.xlsx")
    assert res.exit_code == 1 and json.loads(res.stdout)["exit_code"] == 1
    clean = _plain_book(tmp_path / "clean.xlsx")
    assert kpi(clean, "--strict").exit_code == 0


def test_in_place_replaces_atomically_and_keeps_permissions(fake, tmp_path):
    src = _plain_book(tmp_path / "book.xlsx")
    os.chmod(src, 0o640)
    inode = src.stat().st_ino
    res = kpi(src, "--in-place")
    assert res.exit_code == 0, res.output
    assert "replaced in place" in res.output
    assert stat.S_IMODE(src.stat().st_mode) == 0o640
    assert src.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]  # no temp file, no .recalc copy
    ws = openpyxl.load_workbook(src, data_only=True).active
    assert [ws["C1"].value, ws["C2"].value] == [6, 20]


def test_in_place_through_a_symlink_replaces_the_file_not_the_link(fake, tmp_path):
    real = _plain_book(tmp_path / "real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    assert kpi(link, "--in-place").exit_code == 0
    assert link.is_symlink() and link.resolve() == real
    assert openpyxl.load_workbook(real, data_only=True).active["C1"].value == 6


def test_a_failing_run_leaves_the_input_untouched(monkeypatch, tmp_path):
    monkeypatch.setattr(commands, "EVALUATOR", "recalc_helpers:explode")
    src = _plain_book(tmp_path / "book.xlsx")
    original = src.read_bytes()
    res = kpi(src, "--in-place")
    assert res.exit_code == 5
    assert "internal error" in res.output and "a bug in the evaluator" in res.output
    assert src.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_usage_errors_exit_2(fake, tmp_path):
    src = _plain_book(tmp_path / "book.xlsx")
    assert kpi(src, "--in-place", "-o", tmp_path / "o.xlsx").exit_code == 2
    assert kpi(tmp_path / "missing.xlsx").exit_code == 2
    res = kpi(src, "-o", tmp_path / "o.xlsm")
    assert res.exit_code == 2 and "extension" in res.output
    (tmp_path / "empty").mkdir()
    assert kpi(tmp_path / "empty").exit_code == 2
    assert kpi().exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "empty"]


def _csv_named_xlsx(path: Path) -> Path:
    path.write_text("name,score\nA,1\n")
    return path


def _truncated(path: Path) -> Path:
    path.write_bytes(_plain_book(path).read_bytes()[:700])
    return path


def _bomb(path: Path) -> Path:
    _plain_book(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/media/bomb.bin", bytes(16 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)
    return path


def _laughs(path: Path) -> Path:
    _plain_book(path)
    with zipfile.ZipFile(path) as zf:
        parts = [(i, zf.read(i)) for i in zf.infolist()]
    sheet = next(d for i, d in parts if i.filename == "xl/worksheets/sheet1.xml")
    evil = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            + sheet[sheet.index(b"<worksheet"):])
    with zipfile.ZipFile(path, "w") as zf:
        for i, d in parts:
            zf.writestr(i, evil if i.filename == "xl/worksheets/sheet1.xml" else d)
    return path


@pytest.mark.parametrize("make, says", [
    (_csv_named_xlsx, "not a zip"),
    (_truncated, "truncated"),
    (_bomb, "compression ratio"),
    (_laughs, "DTD"),
])
def test_hostile_or_broken_files_exit_3_and_stay_untouched(fake, tmp_path, make, says):
    src = make(tmp_path / "bad.xlsx")
    original = src.read_bytes()
    for args in ([], ["--in-place"], ["--json"]):
        res = kpi(src, *args)
        assert res.exit_code == 3, res.output
        assert says in res.output
        assert src.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx"]


def test_limits_are_configurable_from_the_command_line(fake, tmp_path):
    src = _bomb(tmp_path / "bomb.xlsx")
    assert kpi(src, "-o", tmp_path / "o.xlsx").exit_code == 3
    assert kpi(src, "-o", tmp_path / "o.xlsx", "--max-ratio", "5000").exit_code == 0
    assert kpi(src, "-o", tmp_path / "o2.xlsx", "--max-ratio", "5000", "--max-part-mb", "8").exit_code == 3


def test_read_only_target_is_a_clear_error(fake, tmp_path):
    src = _plain_book(tmp_path / "book.xlsx")
    original = src.read_bytes()
    os.chmod(src, 0o444)
    try:
        res = kpi(src, "--in-place")
        assert res.exit_code == 4 and "read-only" in res.output
        assert src.read_bytes() == original
        existing = _plain_book(tmp_path / "out.xlsx")
        os.chmod(existing, 0o444)
        assert kpi(src, "-o", existing).exit_code == 2  # exists: needs --force
        assert kpi(src, "-o", existing, "--force").exit_code == 4  # and is read-only
    finally:
        for p in tmp_path.iterdir():
            os.chmod(p, 0o644)


def test_a_run_refuses_when_another_holds_the_file_too_long(fake, tmp_path):
    src = _plain_book(tmp_path / "book.xlsx")
    original = src.read_bytes()
    with target_lock(src):
        res = kpi(src, "--in-place", "--lock-timeout", "0.2")
    assert res.exit_code == 4 and "another kpi recalc" in res.output
    assert src.read_bytes() == original
    assert kpi(src, "--in-place", "--lock-timeout", "0.2").exit_code == 0  # free again


def test_concurrent_in_place_runs_on_one_file_take_turns(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=FAKE_SLOW()"
    src = tmp_path / "book.xlsx"
    wb.save(src)
    recalc_helpers.EVENTS.clear()
    job = Job(src=str(src), out=str(src), evaluator="recalc_helpers:evaluate")
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(run_job(job))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.exit_code for r in reports] == [0, 0, 0]
    events = [(kind, t) for path, kind, t in recalc_helpers.EVENTS if path == str(src)]
    assert [k for k, _ in sorted(events, key=lambda e: e[1])] == ["start", "end"] * 3  # never overlapping
    assert openpyxl.load_workbook(src, data_only=True).active["A1"].value == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_sheet_references_are_quoted_as_excel_does():
    assert qualified("Staff", "A1") == "Staff!A1"
    assert qualified("考核", "B2") == "考核!B2"
    assert qualified(RULES_SHEET, "C2") == "'Rules 规则'!C2"
    assert qualified("It's", "A1") == "'It''s'!A1"
    assert qualified("A1", "B2") == "'A1'!B2"
    assert qualified("2024", "B2") == "'2024'!B2"


# -- batches ---------------------------------------------------------------------------------

def test_a_folder_is_spread_over_a_process_pool_with_one_summary(fake, tmp_path):
    folder = tmp_path / "stores"
    folder.mkdir()
    _plain_book(folder / "a.xlsx", rows=((1, 2),))
    build_rich_workbook(folder / "b.xlsx")
    (folder / "c.xlsx").write_text("not a workbook")
    _plain_book(folder / "a.recalc.xlsx")  # an earlier output: not an input
    (folder / "~$a.xlsx").write_bytes(b"owner file of Excel")
    (folder / "notes.txt").write_text("ignored")
    res = kpi(folder, "--json", "-j", "2")
    assert res.exit_code == 3, res.output  # c.xlsx is unreadable; the others are done
    data = json.loads(res.stdout)
    assert [Path(f["input"]).name for f in data["files"]] == ["a.xlsx", "b.xlsx", "c.xlsx"]
    assert [f["exit_code"] for f in data["files"]] == [0, 0, 3]
    assert {e["file"] for e in data["errors"]} == {str(folder / "b.xlsx")}
    assert data["failed_files"] == 1
    assert data["cells_computed"] == 1 + len(recalc_helpers.evaluate(folder / "b.xlsx").values)
    assert openpyxl.load_workbook(folder / "a.recalc.xlsx", data_only=True).active["C1"].value == 2
    assert not (folder / "c.recalc.xlsx").exists()


def test_several_files_to_an_output_folder(fake, tmp_path):
    a = _plain_book(tmp_path / "a.xlsx", rows=((1, 2),))
    b = _plain_book(tmp_path / "b.xlsx", rows=((3, 4),))
    res = kpi(a, b, "-o", tmp_path / "out", "-j", "2")
    assert res.exit_code == 0, res.output
    assert "2 workbooks: 2 recalculated, 0 failed" in " ".join(res.output.split())
    got = [openpyxl.load_workbook(tmp_path / "out" / n, data_only=True).active["C1"].value for n in ("a.xlsx", "b.xlsx")]
    assert got == [2, 12]
    (tmp_path / "sub").mkdir()
    c = _plain_book(tmp_path / "sub" / "a.xlsx")
    assert kpi(a, c, "-o", tmp_path / "out2").exit_code == 2  # two outputs named a.xlsx


# -- LibreOffice reads the result -----------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_csv(book: Path, workdir: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``book`` as CSV rows, converted by LibreOffice headless (UTF-8, raw values)."""
    outdir = workdir / "csv"
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(outdir), str(book)],
        check=True, capture_output=True, timeout=240)
    sheets = {}
    for f in outdir.glob(f"{book.stem}-*.csv"):
        with open(f, encoding="utf-8", newline="") as fh:
            sheets[f.stem[len(book.stem) + 1:]] = list(csv.reader(fh))
    return sheets


def _number(text: str) -> float:
    text = text.replace(",", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install -y libreoffice-calc-nogui")
def test_libreoffice_shows_the_computed_values(fake, tmp_path):
    src = build_rich_workbook(tmp_path / "book.xlsx")
    out = tmp_path / "book.recalc.xlsx"
    assert kpi(src).exit_code == 0
    sheets = libreoffice_csv(out, tmp_path)
    staff = sheets["Staff"]
    assert staff[0][:5] == ["name", "inquiries", "paid", "product", "rate"]
    for row, (name, inq, paid) in zip(staff[1:], STAFF, strict=True):
        assert row[0] == name
        assert _number(row[3]) == inq * paid
        if inq:
            # LibreOffice has no KPI_RATE: it can only show the cached value written by kpi recalc
            assert _number(row[4]) == pytest.approx(paid / inq)
        assert row[5] == '=HYPERLINK("http://example.com")'
    assert _number(sheets[RULES_SHEET][1][2]) == pytest.approx(100)


# -- end to end with the real engine --------------------------------------------------------

POOL = 1000


def _kpi_book(path: Path) -> Path:
    """KPI_ and native functions; expected values derived from STAFF below."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws.append(["name", "inquiries", "paid", "rate", "percent", "verdict", "bonus"])
    for i, (name, inq, paid) in enumerate(STAFF, start=2):
        ws.append([name, inq, paid, f"=KPI_RATE(C{i},B{i})", f"=ROUND(D{i}*100,1)",
                   f'=IF(D{i}>=0.5,"good","low")'])
    last = len(STAFF) + 1
    # an array formula: openpyxl writes only its anchor, the writer creates G3:G5
    ws["G2"] = ArrayFormula(f"G2:G{last}", f"=KPI_POOL(C2:C{last},{POOL})")
    wb.save(path)
    return path


def test_end_to_end_with_the_engine(tmp_path):
    src = _kpi_book(tmp_path / "kpi.xlsx")
    res = kpi(src, "--json", "--strict")
    data = json.loads(res.stdout)
    zero_rows = [i for i, (_, inq, _) in enumerate(STAFF, start=2) if inq == 0]
    assert res.exit_code == 1  # the zero-inquiry row is a #DIV/0! (KPI_RATE's default on_zero)
    assert {e["ref"] for e in data["errors"]} == {f"Staff!{c}{r}" for r in zero_rows for c in "DEF"}
    assert all(e["code"] == "#DIV/0!" for e in data["errors"])
    df = pd.read_excel(tmp_path / "kpi.recalc.xlsx")
    for i, (_, inq, paid) in enumerate(STAFF):
        if inq:
            assert df["rate"][i] == pytest.approx(paid / inq)
            assert df["percent"][i] == pytest.approx(round(paid / inq * 100, 1))
            assert df["verdict"][i] == ("good" if paid / inq >= 0.5 else "low")
    # the pool is split in proportion to the paying buyers, in whole yuan adding up to the pool
    paid_total = sum(paid for _, _, paid in STAFF)
    bonus = list(df["bonus"])
    assert sum(bonus) == POOL and all(float(b).is_integer() for b in bonus)
    for b, (_, _, paid) in zip(bonus, STAFF, strict=True):
        assert abs(b - POOL * paid / paid_total) < 1


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install -y libreoffice-calc-nogui")
def test_end_to_end_output_opens_in_libreoffice(tmp_path):
    src = _kpi_book(tmp_path / "kpi.xlsx")
    assert kpi(src).exit_code == 0
    staff = libreoffice_csv(tmp_path / "kpi.recalc.xlsx", tmp_path)["Staff"]
    for row, (_, inq, paid) in zip(staff[1:], STAFF, strict=True):
        if inq:
            assert _number(row[3]) == pytest.approx(paid / inq)  # KPI_RATE: only the cache can say this
            assert row[5] == ("good" if paid / inq >= 0.5 else "low")


# -- no data loss: SIGKILL at random moments of --in-place runs --------------------------------

@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")
def test_killed_in_place_runs_leave_the_old_or_the_new_workbook(tmp_path):
    import multiprocessing
    import random
    import signal
    import time

    rows = [(i, 3) for i in range(1, 1501)]
    src = _plain_book(tmp_path / "book.xlsx", rows=rows)
    original = src.read_bytes()
    job = Job(src=str(src), out=str(src), evaluator="recalc_helpers:evaluate")
    ctx = multiprocessing.get_context("fork")

    def state() -> str:
        """'old' or 'new', asserting the file is a whole, readable workbook either way."""
        if src.read_bytes() == original:
            return "old"
        ws = openpyxl.load_workbook(src, data_only=True).active
        assert [ws.cell(i, 3).value for i in range(1, len(rows) + 1)] == [a * b for a, b in rows]
        return "new"

    started = time.monotonic()  # calibrates the kill moments to one run, asserts nothing about time
    assert run_job(job).exit_code == 0
    span = time.monotonic() - started
    src.write_bytes(original)
    rnd = random.Random(2024)
    seen = set()
    for _ in range(12):
        proc = ctx.Process(target=run_job, args=(job,))
        proc.start()
        time.sleep(rnd.uniform(0, span * 1.2))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        seen.add(state())
        if rnd.random() < 0.5:
            src.write_bytes(original)
    assert seen <= {"old", "new"}
    # a kill can leave a stray temp file (and an empty lock file) beside the workbook, never
    # a damaged workbook; the next run on that workbook removes them
    strays = {".~kpi-book.xlsx.lock"}
    assert {p.name for p in tmp_path.iterdir()
            if not p.name.startswith(".~kpi-book.xlsx-") and p.name not in strays} == {"book.xlsx"}
    stray = tmp_path / ".~kpi-book.xlsx-abcd1234.tmp"
    stray.write_bytes(b"half a workbook")
    other = tmp_path / ".~kpi-book.xlsx-other.xlsx-abcd1234.tmp"  # another file's: kept
    other.write_bytes(b"")
    assert run_job(job).exit_code == 0 and state() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "book.xlsx"]


# -- issue 12: outputs, --force, folders, one-line refusals ----------------------------------------

def _run(capsys, *args) -> tuple[int, str, str]:
    """`kpi ARGS` as the console script runs it (cli.run): exit code, stdout, stderr."""
    from kpi_udfs.cli import run

    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(capsys, code: int, *args) -> str:
    got, out, err = _run(capsys, *args)
    assert got == code, (got, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in out + err, err
    return err


def test_an_existing_output_needs_force(fake, tmp_path, capsys):
    src = _plain_book(tmp_path / "book.xlsx")
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"another workbook")
    assert "other.xlsx exists; use --force" in _one_line(capsys, 2, "recalc", src, "-o", other)
    assert other.read_bytes() == b"another workbook"
    assert _run(capsys, "recalc", src, "-o", other, "--force")[0] == 0
    assert openpyxl.load_workbook(other, data_only=True).active["C1"].value == 6
    # the input as its own output, or another input as an output: never by -o
    assert "use --in-place" in _one_line(capsys, 2, "recalc", src, "-o", src, "--force")
    b = _plain_book(tmp_path / "b.xlsx")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "book.xlsx").symlink_to(b)  # book.xlsx's output there would be b.xlsx, another input
    assert "also an input" in _one_line(capsys, 2, "recalc", src, b, "-o", folder, "--force")
    assert "the input itself" in _one_line(capsys, 2, "recalc", b, "-o", folder / "book.xlsx", "--force")
    # several existing outputs: counted, the first named
    out = tmp_path / "out"
    out.mkdir()
    for name in ("book.xlsx", "b.xlsx"):
        (out / name).write_bytes(b"x")
    assert "2 outputs exist" in _one_line(capsys, 2, "recalc", src, b, "-o", out)
    # the default output is this command's own file: a later run replaces it
    assert _run(capsys, "recalc", src)[0] == 0 and _run(capsys, "recalc", src)[0] == 0


def test_a_folder_output_is_made_as_needed(fake, tmp_path, capsys):
    """The README's form: `kpi recalc one/ -o res/`, a folder of one workbook, res/ not made yet
    (was: "the output must keep the input's extension")."""
    one = tmp_path / "one"
    one.mkdir()
    _plain_book(one / "a.xlsx")
    assert _run(capsys, "recalc", f"{one}/", "-o", f"{tmp_path / 'res'}/")[0] == 0
    assert _run(capsys, "recalc", one, "-o", tmp_path / "res2")[0] == 0  # a folder input: -o is a folder
    src = _plain_book(tmp_path / "b.xlsx")
    assert _run(capsys, "recalc", src, "-o", f"{tmp_path / 'res3'}/")[0] == 0  # a trailing slash
    assert _run(capsys, "recalc", src, "-o", tmp_path / "deep" / "er" / "b.xlsx")[0] == 0  # a file's folder
    for out in ("res/a.xlsx", "res2/a.xlsx", "res3/b.xlsx", "deep/er/b.xlsx"):
        assert openpyxl.load_workbook(tmp_path / out, data_only=True).active["C1"].value == 6, out
    assert "end -o with /" in _one_line(capsys, 2, "recalc", src, "-o", tmp_path / "res4")


def test_an_output_that_cannot_be_written_is_one_line_exit_4(fake, tmp_path, capsys):
    src = _plain_book(tmp_path / "book.xlsx")
    blocker = tmp_path / "notes"
    blocker.write_text("a file")
    for out in (blocker / "x.xlsx", f"{blocker / 'sub'}/"):
        assert f"{blocker} is a file" in _one_line(capsys, 4, "recalc", src, "-o", out)
    code, out, err = _run(capsys, "recalc", src, "-o", "/proc/kpi-test.xlsx")
    assert code == 4 and "Traceback" not in out + err and "/proc" in out + err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "notes"]


@pytest.mark.parametrize("option, value", [
    ("--max-part-mb", "nan"), ("--max-part-mb", "inf"), ("--max-part-mb", "0"), ("--max-part-mb", "-5"),
    ("--max-total-mb", "nan"), ("--max-ratio", "nan"), ("--max-ratio", "0.5"), ("--max-ratio", "inf"),
    ("--lock-timeout", "nan"), ("--lock-timeout", "-1"), ("--jobs", "-1"), ("--jobs", "two"),
])
def test_nonsense_option_values_are_refused_in_one_line(fake, tmp_path, capsys, option, value):
    src = _plain_book(tmp_path / "book.xlsx")
    err = _one_line(capsys, 2, "recalc", src, f"{option}={value}")
    assert option in err and "kpi recalc --help" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_strict_json_exit_codes_agree_per_file(fake, tmp_path, capsys):
    """Issue 12: --json --strict exited 1 while each file's exit_code said 0."""
    rich = build_rich_workbook(tmp_path / "rich.xlsx")
    clean = _plain_book(tmp_path / "clean.xlsx")
    code, out, _ = _run(capsys, "recalc", rich, clean, "--json", "--strict", "-j", "1", "-o", tmp_path / "out")
    data = json.loads(out)
    assert code == data["exit_code"] == 1
    assert [(Path(f["input"]).name, f["exit_code"], f["status"]) for f in data["files"]] == [
        ("rich.xlsx", 1, "error cells (--strict)"), ("clean.xlsx", 0, "ok")]
    assert code == max(f["exit_code"] for f in data["files"])
    # without --strict, the same files are 0 and "ok, with error cells"
    code, out, _ = _run(capsys, "recalc", rich, "--json", "-o", tmp_path / "o.xlsx")
    data = json.loads(out)
    assert code == data["exit_code"] == data["files"][0]["exit_code"] == 0
    assert data["files"][0]["status"] == "ok, with error cells"
    assert data["files"][0]["causes"] == [
        {"code": "#N/A", "reason": "row … has no band", "count": 4,
         "first_cells": ["Staff!G2", "Staff!G3", "Staff!G4"]},
        {"code": "#DIV/0!", "reason": "division by zero", "count": 1, "first_cells": ["Staff!E4"]}]


def test_in_place_on_a_245_byte_file_name(fake, tmp_path, capsys):
    """Issue 12: the temporary name ".~kpi-<name>-xxxxxxxx.tmp" went over 255 bytes."""
    for name in ("b" * 240 + ".xlsx", "考核" * 40 + ".xlsx"):
        assert len(os.fsencode(name)) >= 245
        src = _plain_book(tmp_path / name)
        code, out, err = _run(capsys, "recalc", src, "--in-place")
        assert code == 0, out + err
        assert openpyxl.load_workbook(src, data_only=True).active["C1"].value == 6
        assert _run(capsys, "recalc", src)[0] == 0  # the default output: 252 bytes
        assert (tmp_path / (name[:-5] + ".recalc.xlsx")).exists()
    assert all(not p.name.startswith(".~kpi-") for p in tmp_path.iterdir())


def test_a_name_too_long_for_the_default_output_is_one_line(fake, tmp_path, capsys):
    src = _plain_book(tmp_path / ("c" * 248 + ".xlsx"))  # + ".recalc" is 260 bytes
    code, out, err = _run(capsys, "recalc", src)
    assert code == 4 and "Traceback" not in out + err and "File name too long" in out + err


def test_a_closed_stdout_keeps_the_documented_exit_code(tmp_path):
    """Issue 12: `kpi recalc … | head` exited 1 silently; the run's own code is kept."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 3001):
        ws.cell(r, 1).value = r
        ws.cell(r, 2).value = f"=A{r}/0"  # 3,000 error cells: a JSON summary far over a pipe's buffer
    src = tmp_path / "book.xlsx"
    wb.save(src)
    for args, code in ((["--json"], 0), (["--json", "--strict"], 1), (["--strict"], 1)):
        out = tmp_path / "out.xlsx"
        out.unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-m", "kpi_udfs.cli", "recalc", str(src), "-o", str(out), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.read(10)  # `| head -c 10`
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == code, err
        assert err == "", err
        assert out.exists()


def test_max_ratio_is_honoured_by_every_reader(tmp_path):
    """Issue 12: --max-ratio 2000 was checked once, then the evaluator reopened the
    workbook with the default limits (200:1) and refused it."""
    src = _bomb(_plain_book(tmp_path / "bomb.xlsx"))  # a 16 MiB part of zeros: about 1000:1
    res = kpi(src, "-o", tmp_path / "refused.xlsx")
    assert res.exit_code == 3 and "compression ratio" in res.output
    res = kpi(src, "-o", tmp_path / "out.xlsx", "--max-ratio", "2000")
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active
    assert [ws["C1"].value, ws["C2"].value] == [6, 20]


def test_thousands_of_error_cells_give_a_few_lines(tmp_path):
    """Issue 12: 2,000 staff printed 24,807 lines, one per error cell. A template's band
    gaps and the cells computed from them are a few causes."""
    from kpi_udfs import templates

    src = tmp_path / "big.xlsx"
    templates.build("AfterSales_T47", src, staff=200, recalc=False)
    res = kpi(src, "-o", tmp_path / "out.xlsx", "--json")
    data = json.loads(res.stdout)
    res = kpi(src, "-o", tmp_path / "out2.xlsx")
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert data["error_cells"] > 1000 and len(lines) <= 12, res.output  # (200 staff: about 2,500)
    causes = data["files"][0]["causes"]
    assert sum(c["count"] for c in causes) == data["error_cells"]
    assert {c["reason"] for c in causes} >= {"… falls in no band: gap (30, 35]", "… falls in no band: gap (45, 50]"}
    for c in causes:
        assert f"{c['code']}  {c['reason']}: {c['count']:,} cells ({', '.join(c['first_cells'])} and " in res.output
