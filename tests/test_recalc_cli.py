"""``kpi recalc`` on the command line: outputs, summary, --json, --strict, --in-place, locks,
hostile files, batches over a process pool, and LibreOffice reading the result (issues 3, 4, 7).

Most tests use the stand-in evaluator of recalc_helpers (so they test the writer and the
command, whatever the engine does); the end-to-end tests at the bottom use the real engine.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import stat
import subprocess
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
from kpi_udfs.recalc.safefile import target_lock

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

def _engine_available() -> bool:
    """True once recalc/engine.py exists (a broken engine then fails these tests, not skips)."""
    return importlib.util.find_spec("kpi_udfs.recalc.engine") is not None


needs_engine = pytest.mark.skipif(not _engine_available(), reason="the evaluator (recalc/engine.py) is not there")


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


@needs_engine
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


@needs_engine
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
