"""Test workbooks and a stand-in evaluator for the recalc writer and command line.

:func:`evaluate` understands only the few formula shapes the tests write, computed from
the cells' values: ``=B2*C2`` (also / + -), ``=KPI_RATE(B2,C2)`` (B2/C2, #DIV/0! on 0),
``="text"``, ``=FAKE_ERR("reason")`` (an #N/A with that reason), ``=FAKE_SLOW()``
(sleeps a little, so that concurrent runs would overlap) and array formulas
``=B2:B5*2``. Anything else gives #NAME?. It stays importable by name
(``recalc_helpers:evaluate``) so that process-pool workers can load it.

:func:`build_rich_workbook` writes, with openpyxl, a workbook holding everything a
recalculation must not lose: styles, number formats, widths, merged cells, data
validation, conditional formatting, defined names, comments, a chart and an image.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

from kpi_udfs.errors import DIV0, NA, NAME, KpiError
from kpi_udfs.recalc.model import Evaluation

_BINARY = re.compile(r"^=\$?([A-Z]+)\$?(\d+)\s*([*/+-])\s*\$?([A-Z]+)\$?(\d+)$")
_TEXT = re.compile(r'^="((?:[^"]|"")*)"$')
_ERR = re.compile(r'^=FAKE_ERR\("((?:[^"]|"")*)"\)$')
_RATE = re.compile(r"^=KPI_RATE\(\$?([A-Z]+)\$?(\d+),\s*\$?([A-Z]+)\$?(\d+)\)$")
_ARRAY = re.compile(r"^=\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)\*(\d+)$")

#: Log of (path, "start"/"end", monotonic time) for the concurrency test.
EVENTS: list[tuple[str, str, float]] = []


def _num(ws, ref: str):
    v = ws[ref].value
    return 0.0 if v is None else float(v)


def _binary(ws, m) -> float | KpiError:
    a, op, b = _num(ws, m[1] + m[2]), m[3], _num(ws, m[4] + m[5])
    if op == "*":
        return a * b
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if b == 0:
        return KpiError(DIV0, "division by zero")
    return a / b


def evaluate(path, *, progress=None) -> Evaluation:
    """A stand-in evaluator: ``=A2*2``-style formulas only (``path`` may be an opened package)."""
    name = str(getattr(path, "path", path))
    if hasattr(path, "source"):  # the opened package `kpi recalc` hands its evaluator
        path = io.BytesIO(path.source.data)
    wb = openpyxl.load_workbook(path)
    ev = Evaluation()
    cells = [(ws, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "f" or isinstance(c.value, ArrayFormula)]
    for i, (ws, c) in enumerate(cells, start=1):
        key = (ws.title, c.coordinate)
        if isinstance(c.value, ArrayFormula):
            m = _ARRAY.match(c.value.text)
            if not m:
                ev.values[key] = KpiError(NAME, "fake evaluator: unknown array formula")
                continue
            col, r1, r2, k = m[1], int(m[2]), int(m[4]), float(m[5])
            target_col = c.column_letter
            for off, r in enumerate(range(r1, r2 + 1)):
                ev.values[(ws.title, f"{target_col}{c.row + off}")] = _num(ws, f"{col}{r}") * k
            continue
        text = c.value
        if (m := _BINARY.match(text)) is not None:
            ev.values[key] = _binary(ws, m)
        elif (m := _RATE.match(text)) is not None:
            ev.values[key] = _binary(ws, (None, m[1], m[2], "/", m[3], m[4]))
        elif (m := _TEXT.match(text)) is not None:
            ev.values[key] = m[1].replace('""', '"')
        elif (m := _ERR.match(text)) is not None:
            ev.values[key] = KpiError(NA, m[1].replace('""', '"'))
        elif text == "=FAKE_SLOW()":
            EVENTS.append((name, "start", time.monotonic()))
            time.sleep(0.3)
            EVENTS.append((name, "end", time.monotonic()))
            ev.values[key] = 1.0
        else:
            ev.values[key] = KpiError(NAME, f"fake evaluator: unknown formula {text}")
            ev.notes[key] = "not understood by the fake evaluator"
        if progress is not None:
            progress(i, len(cells))
    return ev


def explode(path: Path, *, progress=None) -> Evaluation:
    """An evaluator with a bug."""
    raise ZeroDivisionError("a bug in the evaluator")


def evaluate_or_die(path: Path, *, progress=None) -> Evaluation:
    """:func:`evaluate`, except that a workbook whose name holds "die" kills its own process
    with SIGKILL, as the kernel's out-of-memory killer or a person would."""
    if "die" in Path(getattr(path, "path", path)).name:
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    return evaluate(path, progress=progress)


def hang(path: Path, *, progress=None) -> Evaluation:
    """Write this process's id beside the workbook (BOOK.xlsx.pid), then compute forever."""
    import os

    Path(f"{getattr(path, 'path', path)}.pid").write_text(str(os.getpid()))
    while True:
        time.sleep(0.1)


# -- test workbooks ----------------------------------------------------------------------

def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG of the given size, built without Pillow."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class PngImage(Image):
    """openpyxl's Image without Pillow: the PNG bytes and size are given."""

    def __init__(self, data: bytes, width: int, height: int):
        self.ref = data
        self.width, self.height = width, height
        self.format = "png"

    def _data(self) -> bytes:
        return self.ref


#: The staff rows of the rich workbook: (name, inquiries, paying buyers).
STAFF = [("张三", 200, 104), ("李四", 150, 60), ("王五", 0, 0), ("赵六", 80, 44)]
RULES_SHEET = "Rules 规则"


def build_rich_workbook(path: Path, *, kpi_formulas: bool = True) -> Path:
    """Staff sheet with formulas of every result type, and everything that must survive."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws.append(["name", "inquiries", "paid", "product", "rate", "label", "check", "note"])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="305496")
        cell.alignment = Alignment(horizontal="center")
    for i, (name, inq, paid) in enumerate(STAFF, start=2):
        ws.append([name, inq, paid, f"=B{i}*C{i}",
                   f"=KPI_RATE(C{i},B{i})" if kpi_formulas else f"=C{i}/B{i}",
                   '="=HYPERLINK(""http://example.com"")"', f'=FAKE_ERR("row {i} has no band")'])
        ws[f"D{i}"].number_format = "#,##0.00"
        ws[f"E{i}"].number_format = "0.00%"
    ws["I1"] = "doubled"
    ws["I2"] = ArrayFormula("I2:I5", "=B2:B5*2")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["F"].width = 30
    ws.merge_cells("J1:K1")
    ws["J1"] = "merged title"
    dv = DataValidation(type="list", formula1='"A,B,C,D"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("H2:H5")
    ws.conditional_formatting.add(
        "D2:D5", CellIsRule(operator="greaterThan", formula=["10000"], fill=PatternFill("solid", fgColor="FFC7CE")))
    wb.defined_names["Rates"] = DefinedName("Rates", attr_text="Staff!$E$2:$E$5")
    ws["A2"].comment = Comment("top seller", "HR")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=5), titles_from_data=True)
    ws.add_chart(chart, "M2")
    ws.add_image(PngImage(tiny_png(), 2, 2), "M20")

    rules = wb.create_sheet(RULES_SHEET)
    rules.append(["weight", "scale", "product"])
    rules.append([0.4, 250, "=A2*B2"])
    info = wb.create_sheet("Info")
    info["A1"] = "no formulas here"
    wb.save(path)
    return path


def add_binary_part(path: Path, name: str = "xl/custom/blob.bin", size: int = 4096) -> bytes:
    """Append a stored (uncompressed) binary part, standing in for vbaProject.bin."""
    blob = bytes((i * 37 + 11) % 256 for i in range(size))
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6)), blob,
                    compress_type=zipfile.ZIP_STORED)
    return blob
