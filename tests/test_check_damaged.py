"""``kpi check`` on damaged and extreme workbooks (issue 12): one clear line and exit 3 for a
file it cannot read, never a traceback; the package read through the same checks as
``kpi recalc``; a valid workbook reaching XFD1048576 checked in bounded memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import openpyxl
import pytest
from damaged_books import VARIANTS, base_book
from openpyxl.worksheet.datavalidation import DataValidation

from kpi_udfs.check import EXIT_BAD_FILE, check_workbook
from kpi_udfs.cli import run

#: Damage openpyxl reads through without harm: the workbook is checked as usual (the base
#: book's band table has a gap, so exit 1), or, with its sheets renamed apart, passes.
READABLE = {
    "garbage appended", "garbage prepended", "no styles", "no theme",
    "Staff sheet in UTF-16 without saying so", "Staff sheet in Latin-1 declared Latin-1",
    "no content type for the sheets", "content types of another namespace", "sheet relationship of the wrong type",
    "two sheets of one name", "a defined name of garbage", "a defined name on a missing sheet",
    "a boolean of 7", "an unknown cell type", "a formula of garbage",
    "a shared formula without its master", "an array formula over a bad range",
    "a data validation whose bound is text", "a dimension of garbage", "a table over a bad range",
    "a table without columns", "a style sheet of an unknown number format",
}


def test_there_are_about_seventy_variants_and_the_base_book_is_valid(tmp_path):
    assert len(VARIANTS) >= 70
    assert set(READABLE) <= set(VARIANTS)
    report = check_workbook(base_book(tmp_path / "base.xlsx"))
    assert report.kpi_calls == 4 and report.inputs_checked == 4
    assert [f.kind for f in report.findings if f.severity == "error"] == ["band_table"]  # the gap [0.40, 0.45)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_damaged_workbook_is_refused_in_one_line_or_checked(tmp_path, capsys, name):
    path = tmp_path / "book.xlsx"
    VARIANTS[name](path)
    before = path.read_bytes()
    code = run(["check", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if name in READABLE:
        assert code in (0, 1), err
        assert "in " + str(path) in " ".join(out.split()), out
    else:
        assert code == EXIT_BAD_FILE, (out, err)
        assert out == "" and err.count("\n") == 1 and err.startswith(f"✗ {path}: not checked (unreadable): ")
    code_json = run(["check", str(path), "--json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code_json == code == data.get("exit_code", code)
    if code == EXIT_BAD_FILE:
        assert data["ok"] is False and "\n" not in data["message"]
    assert path.read_bytes() == before  # nothing written


@pytest.mark.parametrize("name, says", [
    ("Staff sheet truncated", "xl/worksheets/sheet1.xml is not well-formed XML"),
    ("Staff sheet in invalid UTF-8", "xl/worksheets/sheet1.xml is not well-formed XML"),
    ("Staff sheet in Latin-1 declared UTF-8", "xl/worksheets/sheet1.xml is not well-formed XML"),
    ("styles not XML", "xl/styles.xml is not well-formed XML"),
    ("no shared strings", "no shared string table"),
    ("a shared string index of -1", "cell A1 of sheet 'Staff' points to shared string '-1', outside the table's 3"),
    ("a shared string index out of range", "points to shared string '99'"),
    ("no table part", "part xl/tables/table1.xml is missing"),
    ("workbook typed text/plain", "no part has the workbook's content type"),
    ("a cell reference beyond the grid", "beyond Excel's last column XFD"),
    ("a cell far below its row", "sheet 'Staff': a cell A100000000 beyond Excel's grid"),  # openpyxl read it
    ("a cell reference that is not one", "a cell reference '7A' that is no cell"),
    ("a row number of zero", "a cell A0 beyond Excel's grid"),  # as kpi recalc (openpyxl read it)
    ("a sheet with a bad CRC", "part xl/worksheets/sheet1.xml is damaged"),
    ("workbook.xml with a DTD", "declares a DTD"),
])
def test_the_refusal_names_the_damage(tmp_path, capsys, name, says):
    path = tmp_path / "book.xlsx"
    VARIANTS[name](path)
    assert run(["check", str(path)]) == EXIT_BAD_FILE
    assert says in capsys.readouterr().err


def test_a_fifo_or_a_device_is_refused_at_once(tmp_path):
    """A FIFO blocked the reader forever; a link to /dev/zero never ends."""
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.xlsx"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        proc = subprocess.run([sys.executable, "-m", "kpi_udfs.cli", "check", str(path)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == EXIT_BAD_FILE and "not a regular file" in proc.stderr
        assert "Traceback" not in proc.stderr


def _limit_memory() -> None:
    limit = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="needs rlimits (POSIX)")
def test_a_valid_book_reaching_xfd1048576_is_checked_in_bounded_memory(tmp_path):
    """Issue 12: a MemoryError after 79 s: walking the sheets with openpyxl's iter_rows
    made every cell of A1:XFD1048576. Whole-column tables and a validation over the whole
    grid read only the cells the file holds."""
    wb = openpyxl.Workbook()
    staff = wb.active
    staff.title = "Staff"
    staff.append(["name", "rate", "points"])
    for i, rate in enumerate([0.42, 0.47, 0.61], start=2):
        staff.append([f"员工{i}", rate, f"=KPI_BAND(B{i},Rules!A:A,Rules!B:B,Rules!C:C)"])
    staff["XFD1048576"] = 1
    rules = wb.create_sheet("Rules")
    for row in ([0.5, None, 100], [0.45, 0.5, 80], [None, 0.40, 50]):
        rules.append(row)
    rules["XFD1048576"] = "far corner"
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
    staff.add_data_validation(dv)
    dv.add("A1:XFD1048576")
    src = tmp_path / "corner.xlsx"
    wb.save(src)
    proc = subprocess.run([sys.executable, "-m", "kpi_udfs.cli", "check", str(src), "--json"],
                          capture_output=True, text=True, timeout=300, preexec_fn=_limit_memory)
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    assert proc.returncode == 1, data
    gaps = [f for f in data["findings"] if f["kind"] == "band_table" and f["severity"] == "error"]
    assert gaps and "gap [0.40, 0.45)" in gaps[0]["message"]
    # the validation 0–1 over the whole grid: the rates pass, XFD1048576 = 1 passes, and the
    # header texts are not numbers
    outside = sorted(f["where"] for f in data["findings"] if f["kind"] == "validation")
    assert outside == ["Staff!A1", "Staff!A2", "Staff!A3", "Staff!A4", "Staff!B1", "Staff!C1"]
    assert data["inputs_checked"] == 10
