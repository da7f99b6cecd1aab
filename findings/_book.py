"""Shared by the finding scripts: build a small workbook with openpyxl, compute it with
kpi (whole blocks and cell by cell) and print each cell beside Excel's value."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kpi_udfs.recalc import evaluate  # noqa: E402


def show(cells: dict, excel: dict, setup=None) -> bool:
    """``cells``: A1 reference → value or formula on sheet S; ``excel``: reference →
    Excel's value. Prints one line per cell; True when kpi agrees everywhere."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in cells.items():
        ws[ref] = value
    if setup:
        setup(wb)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "finding.xlsx"
        wb.save(path)
        fast, slow = evaluate(path), evaluate(path, whole_blocks=False)
    ok = True
    for ref, want in excel.items():
        a, b = fast.values[("S", ref)], slow.values[("S", ref)]
        got = getattr(a, "code", a)
        same = got == want or (isinstance(want, float) and isinstance(got, float) and abs(got - want) < 1e-9)
        ok &= same and repr(a) == repr(b)
        print(f"{ref:5} {cells[ref]!s:45} kpi={got!r:12} cell-by-cell={getattr(b, 'code', b)!r:12} "
              f"Excel={want!r:12} {'ok' if same else 'WRONG'}")
    return ok
