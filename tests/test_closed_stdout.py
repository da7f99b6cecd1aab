"""`kpi … | head`: a reader that goes away keeps the command's own exit code (issue 12).

rich's Console answers a closed stdout with ``SystemExit(1)``, so `kpi check BOOK | head`
exited 1 on a clean workbook. Each command is run in a subprocess whose stdout pipe is
closed before the command prints anything (it takes a moment to start), so every write
meets a closed pipe: deterministic, whatever the size of the output.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hr_workbooks as hr
import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _run_with_stdout_closed(*args: str) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, "-m", "kpi_udfs.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # `| head` that has already read its lines
    err = proc.stderr.read().decode()
    return proc.wait(timeout=300), err


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipe")
    return {
        "defects": hr.build_presales(folder / "presales.xlsx").path,  # lint: band logic with defects, exit 1
        "clean": hr.build_rewards(folder / "rewards.xlsx").path,  # lint: band logic, no defect, exit 0
        "folder": folder,
    }


@pytest.mark.parametrize("case", [
    ("recalc", "{template}", "-o", "{folder}/recalc.xlsx", "--force", 0),
    ("check", "{template}", 0),
    ("check", "{template}", "--strict", 1),  # the template keeps its seed gaps visible as warnings
    ("lint", "{clean}", 0),
    ("lint", "{defects}", 1),
    ("lint", "{clean}", "--json", 0),
    ("adopt", "{clean}", "-o", "{folder}/adopted.xlsx", "--force", 0),
    ("functions", 0),
    ("functions", "KPI_GRADE", 0),
    ("demo", "-o", "{folder}/demo.xlsx", "--force", 0),
], ids=lambda c: " ".join(map(str, c)))
def test_a_closed_stdout_keeps_the_exit_code(books, case):
    *args, code = case
    values = {"template": str(TEMPLATES / "PreSales_T44.xlsx"), **{k: str(v) for k, v in books.items()}}
    got, err = _run_with_stdout_closed(*(a.format(**values) for a in args))
    assert got == code, err
    assert "Traceback" not in err and "Broken pipe" not in err, err
