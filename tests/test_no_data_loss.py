"""No data loss with ``kpi recalc --in-place`` (issue 7).

* SIGKILL at random moments of real in-place runs (the real engine and writer, ≥ 50
  kills, the kill moments spread over a whole run and packed into its write phase)
  leaves the old workbook or the new one, each a valid package (``testzip()`` is None,
  openpyxl opens it), the new one holding the computed values;
* two concurrent runs on one file take turns; a run that cannot get the file in time
  refuses with exit 4, as does a read-only target;
* text results are written as values, never formulas: ``=HYPERLINK(...)`` coming from
  data stays text.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_udfs.recalc.commands import EXIT_CANNOT_WRITE, EXIT_OK, Job, run_job
from kpi_udfs.recalc.write.safefile import target_lock

posix_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")

ROWS = 400
KILLS = 60


def staff_book(path: Path, rows: int = ROWS) -> Path:
    """Staff sheet: inquiries, paid, KPI_RATE and a grade per row; a sheet of constants
    makes the package large enough for the write phase to take a while."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws.append(["name", "inquiries", "paid", "rate", "grade"])
    for i in range(2, rows + 2):
        ws.append([f"员工{i}", 100 + i % 50, 30 + i % 40, f"=KPI_RATE(C{i},B{i})", f'=IF(D{i}>=0.45,"A","B")'])
    data = wb.create_sheet("Data")
    for r in range(1, 1501):
        data.append([f"row {r}", r, r * 1.5, f"note {r % 17}"])
    wb.save(path)
    return path


def expected(rows: int = ROWS) -> list[tuple[float, str]]:
    """Rate = paid ÷ inquiries; grade A from 45 % (the formulas of staff_book)."""
    out = []
    for i in range(2, rows + 2):
        rate = (30 + i % 40) / (100 + i % 50)
        out.append((rate, "A" if rate >= 0.45 else "B"))
    return out


def valid_package(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None


def state(path: Path, original: bytes) -> str:
    """'old' or 'new'; either way the file must be a whole, valid workbook."""
    valid_package(path)
    if path.read_bytes() == original:
        openpyxl.load_workbook(path)
        return "old"
    ws = openpyxl.load_workbook(path, data_only=True)["Staff"]
    got = [(ws.cell(r, 4).value, ws.cell(r, 5).value) for r in range(2, ROWS + 2)]
    for (rate, grade), (want_rate, want_grade) in zip(got, expected(), strict=True):
        assert rate == pytest.approx(want_rate, rel=1e-12) and grade == want_grade
    return "new"


@posix_only
def test_sigkill_at_any_moment_leaves_the_old_or_the_new_workbook(tmp_path):
    import multiprocessing

    src = staff_book(tmp_path / "book.xlsx")
    original = src.read_bytes()
    job = Job(src=str(src), out=str(src))
    ctx = multiprocessing.get_context("fork")

    # one run to measure (for spreading the kill moments, no assertion on time)
    assert run_job(job).exit_code == EXIT_OK and state(src, original) == "new"
    new_bytes = src.read_bytes()
    spans = []
    for _ in range(3):
        src.write_bytes(original)
        started = time.monotonic()
        proc = ctx.Process(target=run_job, args=(job,))
        proc.start()
        proc.join()
        spans.append(time.monotonic() - started)
        assert proc.exitcode == 0 and src.read_bytes() == new_bytes
    span = sorted(spans)[1]

    rnd = random.Random(20241126)
    outcomes: dict[tuple[str, str], int] = {}
    for k in range(KILLS):
        if rnd.random() < 0.5:
            src.write_bytes(original)
        before = "old" if src.read_bytes() == original else "new"
        proc = ctx.Process(target=run_job, args=(job,))
        proc.start()
        # half the kills anywhere in the run, half in its last third (writing, renaming)
        delay = rnd.uniform(0, span * 1.1) if k % 2 else rnd.uniform(span * 0.66, span * 1.05)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        after = state(src, original)
        outcomes[(before, after)] = outcomes.get((before, after), 0) + 1
    assert sum(outcomes.values()) == KILLS
    # the kills fell on both sides of the replacement: some runs died before it, some after
    assert outcomes.get(("old", "old")) and outcomes.get(("old", "new")), outcomes
    # a killed run may leave its temporary file; the next run on the workbook clears it
    src.write_bytes(original)
    assert run_job(job).exit_code == EXIT_OK and state(src, original) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def kpi(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kpi_udfs.cli", "recalc", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, text=True)


@posix_only
def test_the_command_killed_mid_run_leaves_a_valid_workbook(tmp_path):
    """The same through the real command line, a few times (each start costs a second)."""
    src = staff_book(tmp_path / "book.xlsx")
    original = src.read_bytes()
    rnd = random.Random(7)
    for _ in range(4):
        proc = kpi(src, "--in-place", cwd=tmp_path)
        time.sleep(rnd.uniform(0.5, 3.0))
        proc.kill()
        proc.communicate()
        state(src, original)
    proc = kpi(src, "--in-place", cwd=tmp_path)
    proc.communicate()
    assert proc.returncode == EXIT_OK and state(src, original) == "new"


def test_two_concurrent_runs_on_one_file_take_turns(tmp_path):
    src = staff_book(tmp_path / "book.xlsx")
    original = src.read_bytes()
    procs = [kpi(src, "--in-place", "--json", cwd=tmp_path) for _ in range(2)]
    outs = [p.communicate() for p in procs]
    codes = [p.returncode for p in procs]
    assert codes == [EXIT_OK, EXIT_OK], outs
    for stdout, _ in outs:
        assert json.loads(stdout)["files"][0]["cells_computed"] == 2 * ROWS
    assert state(src, original) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_run_that_cannot_get_the_file_in_time_refuses(tmp_path):
    src = staff_book(tmp_path / "book.xlsx", rows=5)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    with target_lock(src):  # another run holds the file
        proc = kpi(src, "--in-place", "--lock-timeout", "0.5", cwd=tmp_path)
        out, err = proc.communicate()
    assert proc.returncode == EXIT_CANNOT_WRITE
    assert "another kpi recalc is writing this file" in out + err
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before


def test_a_read_only_target_is_a_clear_error(tmp_path):
    src = staff_book(tmp_path / "book.xlsx", rows=5)
    original = src.read_bytes()
    os.chmod(src, 0o444)
    try:
        proc = kpi(src, "--in-place", cwd=tmp_path)
        out, err = proc.communicate()
        assert proc.returncode == EXIT_CANNOT_WRITE
        assert "is read-only" in out + err and "Traceback" not in out + err
        assert src.read_bytes() == original
        assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]
    finally:
        os.chmod(src, 0o644)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write any folder")
def test_a_read_only_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    src = staff_book(folder / "book.xlsx", rows=5)
    original = src.read_bytes()
    os.chmod(folder, 0o555)
    try:
        proc = kpi(src, "--in-place", cwd=tmp_path)
        out, err = proc.communicate()
        assert proc.returncode == EXIT_CANNOT_WRITE and "Traceback" not in out + err
        assert src.read_bytes() == original
    finally:
        os.chmod(folder, 0o755)


# -- text stays text ----------------------------------------------------------------------

FORMULA_LIKE = ['=HYPERLINK("http://evil.example/x","click")', "=1+1", "+SUM(A1)", "@cmd", "-2+3"]


def test_text_results_are_values_never_formulas(tmp_path):
    """Formula-looking text from data, copied by a formula, passed through a KPI_ lookup
    or built by concatenation, is written as a text value; each cell keeps its formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, text in enumerate(FORMULA_LIKE, start=1):
        ws.cell(r, 1).value = text
        ws.cell(r, 1).data_type = "s"  # typed data, not a formula
        ws.cell(r, 2).value = f"=A{r}"
        ws.cell(r, 3).value = f'=KPI_MAP("k{r}",$E$1:$E$5,$A$1:$A$5)'
        ws.cell(r, 5).value = f"k{r}"
    ws["D1"] = '="=HYPER"&"LINK(""http://evil.example"")"'
    src = tmp_path / "book.xlsx"
    wb.save(src)
    formulas_before = sheet_formulas(src)
    proc = kpi(src, "--in-place", cwd=tmp_path)
    out, err = proc.communicate()
    assert proc.returncode == EXIT_OK, out + err

    values = openpyxl.load_workbook(src, data_only=True).active
    formulas = openpyxl.load_workbook(src).active
    for r, text in enumerate(FORMULA_LIKE, start=1):
        assert values.cell(r, 1).value == text and formulas.cell(r, 1).data_type == "s"
        assert values.cell(r, 2).value == text and formulas.cell(r, 2).value == f"=A{r}"
        assert values.cell(r, 3).value == text
        assert formulas.cell(r, 3).value == f'=KPI_MAP("k{r}",$E$1:$E$5,$A$1:$A$5)'
    assert values["D1"].value == '=HYPERLINK("http://evil.example")'
    # the package holds exactly the formulas it had: no text became one
    assert sheet_formulas(src) == formulas_before
    assert not any("evil" in f and "&" not in f and "KPI_MAP" not in f for f in sheet_formulas(src).values())


def sheet_formulas(path: Path) -> dict[str, str]:
    """Cell → formula text, read from the sheet XML itself."""
    from xml.etree import ElementTree as ET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    return {c.get("r"): c.find(f"{ns}f").text for c in root.iter(f"{ns}c") if c.find(f"{ns}f") is not None}


# -- locks and temporary files live beside the target (issue 12) -------------------------------

_HOLD = """
import sys, time
from pathlib import Path
from kpi_udfs.recalc.write.safefile import target_lock
with target_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_the_lock_does_not_depend_on_tmpdir(tmp_path, monkeypatch):
    """Two runs with different TMPDIR must meet on one lock: with the lock in the temp folder
    each "held" its own, and one run's start removed the other's temporary file."""
    import tempfile

    from kpi_udfs.recalc.write.safefile import LockedError, lock_path

    src = staff_book(tmp_path / "book.xlsx", rows=5)
    (tmp_path / "tmp-a").mkdir()
    (tmp_path / "tmp-b").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(src), "30"], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "TMPDIR": str(tmp_path / "tmp-a")})
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp-b"))
        assert lock_path(src) == tmp_path / ".~kpi-book.xlsx.lock"
        with pytest.raises(LockedError), target_lock(src, timeout=0.3):
            pass
    finally:
        holder.kill()
        holder.wait()
    with target_lock(src, timeout=5):  # the holder died: its lock went with it
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "tmp-a", "tmp-b"]


def test_concurrent_runs_with_different_tmpdir_both_succeed(tmp_path):
    src = staff_book(tmp_path / "book.xlsx")
    original = src.read_bytes()
    procs = []
    for name in ("tmp-a", "tmp-b"):
        (tmp_path / name).mkdir()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "kpi_udfs.cli", "recalc", str(src), "--in-place"], cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TMPDIR": str(tmp_path / name)}))
    outs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [EXIT_OK, EXIT_OK], outs
    assert state(src, original) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "tmp-a", "tmp-b"]
    assert all(not any(d.iterdir()) for d in (tmp_path / "tmp-a", tmp_path / "tmp-b"))


def test_names_beside_a_long_file_name_stay_within_255_bytes():
    from kpi_udfs.recalc.write.safefile import NAME_MAX, lock_path, side_name

    a = Path("x" * 240 + "-a.xlsx")
    b = Path("x" * 240 + "-b.xlsx")
    zh = Path("考核" * 40 + ".xlsx")  # 240 bytes + 5 in UTF-8
    for p in (a, b, zh):
        assert len(os.fsencode(f".~kpi-{side_name(p)}-abcd1234.tmp")) <= NAME_MAX
        assert len(os.fsencode(lock_path(p).name)) <= NAME_MAX
    assert side_name(a) != side_name(b)
    assert side_name(Path("book.xlsx")) == "book.xlsx"
    assert side_name(zh).startswith("考核") and "\ufffd" not in side_name(zh)
