"""What LibreOffice shows for a workbook opened without recalculation (the test helper).

``soffice --headless --convert-to csv`` of every sheet, with no recalculation asked (the
"recalculate on load" setting of a fresh profile is "never" for Excel files): a cell whose
cached value LibreOffice keeps shows it, any other formula cell is computed by LibreOffice
itself, and one that calls a KPI_ function then shows ``#NAME?``. :func:`shown` returns the
text of every cell by sheet; :func:`compare` sets it against our values.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kpi_udfs.errors import KpiError

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
#: Text CSV, comma, double quotes, UTF-8, raw values (not as shown), every sheet.
_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def convert(files: list[Path], outdir: Path, profile: Path) -> None:
    """Every sheet of every file to ``outdir/<stem>-<sheet>.csv`` (one soffice run)."""
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", _FILTER,
         "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=600,
    )


def shown(outdir: Path, stem: str, sheet: str) -> list[list[str]]:
    with open(outdir / f"{stem}-{sheet}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@dataclass
class Comparison:
    compared: int = 0
    kpi_cells: int = 0
    #: (sheet, cell, shown, ours) where LibreOffice shows something else than our value.
    wrong: list[tuple[str, str, str, object]] = field(default_factory=list)


def _number(text: str) -> float | None:
    t = text.replace(",", "").replace("¥", "").strip()
    try:
        return float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        pass
    for fmt in ("%Y-%m", "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d"):
        try:
            d = dt.datetime.strptime(t, fmt)
        except ValueError:
            continue
        return float((d - dt.datetime(1899, 12, 30)).days)
    return None


def agrees(text: str, value: object) -> bool:
    """Whether LibreOffice's text shows ``value`` (blank as blank, TRUE/FALSE, numbers)."""
    if value is None or value == "":
        return text == ""
    if isinstance(value, bool):
        return text == ("TRUE" if value else "FALSE")
    if isinstance(value, str):
        return text == value
    x = _number(text)
    return x is not None and abs(x - float(value)) <= 1e-9 * max(1.0, abs(float(value)))


def compare(outdir: Path, stem: str, values: dict, formulas: dict) -> Comparison:
    """Every formula cell of ``values`` ((sheet, "A1") → our value) against what LibreOffice
    shows; error values are left out (LibreOffice may show its own error there).
    ``formulas[(sheet, cell)]`` is the formula text (to count the KPI_ cells)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    out = Comparison()
    grids: dict[str, list[list[str]]] = {}
    for (sheet, ref), value in values.items():
        if isinstance(value, KpiError):
            continue
        grid = grids.get(sheet)
        if grid is None:
            grid = grids[sheet] = shown(outdir, stem, sheet)
        col, row = coordinate_from_string(ref)
        r, c = row - 1, column_index_from_string(col) - 1
        text = grid[r][c] if r < len(grid) and c < len(grid[r]) else ""
        out.compared += 1
        out.kpi_cells += "KPI_" in str(formulas.get((sheet, ref), ""))
        if not agrees(text, value):
            out.wrong.append((sheet, ref, text, value))
    return out
