"""``kpi recalc`` over several workbooks (issue 12): worker processes that die with their
parent, a worker's death that fails only its own workbook, and progress a bar can follow."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from kpi_udfs.recalc.commands import EXIT_INTERNAL, EXIT_OK, Job, _run_with_progress, run_batch, run_job

posix_only = pytest.mark.skipif(not hasattr(signal, "SIGKILL") or not Path("/proc").is_dir(),
                                reason="needs SIGKILL and /proc (Linux)")


def book(path: Path, a: int = 2, b: int = 3) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([a, b, "=A1*B1"])
    wb.save(path)
    return path


def jobs_for(tmp_path: Path, names: list[str], evaluator: str) -> list[Job]:
    out = []
    for i, name in enumerate(names, start=1):
        src = book(tmp_path / name, a=i)
        out.append(Job(src=str(src), out=str(tmp_path / f"out-{name}"), evaluator=evaluator))
    return out


def computed(job: Job) -> float:
    return openpyxl.load_workbook(job.out, data_only=True).active["C1"].value


@posix_only
@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_worker_fails_only_its_own_workbook(tmp_path, workers):
    """Was: ProcessPoolExecutor's BrokenProcessPool failed every workbook still queued."""
    jobs = jobs_for(tmp_path, ["a.xlsx", "die.xlsx", "c.xlsx", "d.xlsx"], "recalc_helpers:evaluate_or_die")
    reports = run_batch(jobs, workers)
    assert [Path(r.input).name for r in reports] == ["a.xlsx", "die.xlsx", "c.xlsx", "d.xlsx"]
    assert [r.exit_code for r in reports] == [EXIT_OK, EXIT_INTERNAL, EXIT_OK, EXIT_OK]
    assert "killed by SIGKILL" in reports[1].message and "other workbooks are not affected" in reports[1].message
    assert [computed(jobs[i]) for i in (0, 2, 3)] == [3, 9, 12]  # 1×3, 3×3, 4×3
    assert not Path(jobs[1].out).exists()


_PARENT = """
import sys
sys.path.insert(0, sys.argv[1])
from kpi_udfs.recalc.commands import Job, run_batch
jobs = [Job(src=p, out=p + ".out.xlsx", evaluator="recalc_helpers:hang") for p in sys.argv[2:]]
run_batch(jobs, 2)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended: only its exit status is left


@posix_only
def test_workers_die_with_their_parent(tmp_path):
    """Was: killing `kpi recalc` left its pool's workers computing."""
    books = [book(tmp_path / f"{n}.xlsx") for n in "ab"]
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(Path(__file__).parent), *map(str, books)])
    pid_files = [Path(f"{b}.pid") for b in books]
    deadline = time.monotonic() + 60
    while not all(p.exists() and p.read_text() for p in pid_files):
        assert time.monotonic() < deadline and parent.poll() is None, "the workers did not start"
        time.sleep(0.1)
    workers = [int(p.read_text()) for p in pid_files]
    assert all(_alive(w) for w in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [w for w in workers if _alive(w)]
    for w in alive:
        os.kill(w, signal.SIGKILL)
    assert not alive, "workers outlived their parent"


def test_one_workbook_reports_its_phases_and_the_summary_count(tmp_path):
    """The bar of one workbook follows its phases; "writing N cells" is the summary's count."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 41):
        ws.append([r, 2, f"=A{r}*B{r}"])
    wb.save(tmp_path / "book.xlsx")
    heard: list[tuple[str, float | None]] = []
    job = Job(src=str(tmp_path / "book.xlsx"), out=str(tmp_path / "out.xlsx"), evaluator="recalc_helpers:evaluate")
    report = run_job(job, progress=lambda phase, fraction=None: heard.append((phase, fraction)))
    assert report.exit_code == EXIT_OK and report.cells_computed == 40
    phases = [p for p, _ in heard]
    assert phases[0] == "checking" and phases[-1] == "writing 40 cells"
    fractions = [f for p, f in heard if p == "computing"]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_a_batch_reports_progress_for_each_workbook(tmp_path):
    jobs = jobs_for(tmp_path, ["a.xlsx", "b.xlsx", "c.xlsx"], "recalc_helpers:evaluate")
    done, moving = [], set()
    reports = run_batch(jobs, 2, on_done=lambda i, r: done.append(i),
                        on_progress=lambda i, phase, fraction=None: moving.add(i))
    assert sorted(done) == [0, 1, 2] and moving == {0, 1, 2}
    assert [r.exit_code for r in reports] == [EXIT_OK] * 3


@pytest.mark.parametrize("names, workers", [(["a.xlsx"], 1), (["a.xlsx", "b.xlsx", "c.xlsx"], 1),
                                            (["a.xlsx", "b.xlsx", "c.xlsx"], 2)])
def test_the_bar_runs_on_a_terminal(tmp_path, names, workers):
    jobs = jobs_for(tmp_path, names, "recalc_helpers:evaluate")
    err = Console(file=io.StringIO(), force_terminal=True, width=100)
    reports = _run_with_progress(jobs, workers, err)
    assert [r.exit_code for r in reports] == [EXIT_OK] * len(names)
    assert [computed(j) for j in jobs] == [3 * (i + 1) for i in range(len(names))]
