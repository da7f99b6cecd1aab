"""Read a workbook for ``kpi lint``: every formula with its R1C1 key, every cell's value
as the workbook shows it now (cached values of formulas included), and the defined names.

The package is opened by :func:`kpi_udfs.recalc.read.archive.open_package` (size limits, no
DTD, no entities) and each worksheet is checked against Excel's grid before it is read,
so a damaged or crafted file is refused with a :class:`PackageError`, never a traceback.
Nothing is written. Sheets are scanned with the engine's fast-path scanner (one regular
expression over the usual sheet layout, lxml otherwise).

Shared formulas (``<f t="shared" si="0">`` written once for a copied-down column) are
kept as they are stored: a follower's key is its master's key (that is what "shared"
means), and its text is only worked out when asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CODES, KpiError
from ..i18n import _
from ..recalc.a1 import col_letters, col_number
from ..recalc.read.archive import (
    MAX_COLUMN,
    MAX_ROW,
    Limits,
    PackageError,
    check_grid,
    check_no_dtd,
    open_package,
)
from ..recalc.read.cells import copy_down, r1c1_key, scan_cells

Cell = tuple[int, int]  # (row, column), 1-based

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def split_cell(ref: str) -> Cell:
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_number(m.group(1))


def a1(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


@dataclass
class Sheet:
    """One worksheet's formulas and values."""

    name: str
    #: Formula text (without "=") of every formula cell whose text is stored there.
    texts: dict[Cell, str] = field(default_factory=dict)
    #: R1C1 key of every formula cell (shared followers included).
    keys: dict[Cell, str] = field(default_factory=dict)
    #: Shared followers: cell → the master cell whose text they repeat, shifted.
    followers: dict[Cell, Cell] = field(default_factory=dict)
    #: Cells holding an array formula (their anchor), or inside one's range.
    array_cells: set[Cell] = field(default_factory=set)
    #: What each non-empty cell shows: float, str, bool, KpiError (cached values of formulas).
    values: dict[Cell, Any] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0

    def formula(self, cell: Cell) -> str | None:
        """The formula text of a cell as Excel shows it (a shared follower's worked out)."""
        text = self.texts.get(cell)
        if text is not None or cell not in self.followers:
            return text
        from openpyxl.formula.translate import Translator

        master = self.followers[cell]
        try:
            return Translator("=" + self.texts[master], a1(*master)).translate_formula(a1(*cell))[1:]
        except Exception:  # a shift off the sheet: Excel shows #REF! there
            return None

    def value(self, cell: Cell) -> Any:
        return self.values.get(cell)


@dataclass
class Workbook:
    path: Path
    sheets: dict[str, Sheet] = field(default_factory=dict)
    #: Defined names: NAME (upper case) → text, and (sheet, NAME) → text for local ones.
    names: dict[Any, str] = field(default_factory=dict)

    def sheet(self, name: str) -> Sheet | None:
        if name in self.sheets:
            return self.sheets[name]
        for s in self.sheets.values():  # Excel compares sheet names without case
            if s.name.casefold() == name.casefold():
                return s
        return None

    def name(self, name: str, sheet: str) -> str | None:
        return self.names.get((sheet, name.upper())) or self.names.get(name.upper())


def read(path: Path | str, limits: Limits | None = None) -> Workbook:
    """Every worksheet of the workbook at ``path``; :class:`PackageError` if unreadable."""
    path = Path(path)
    book = Workbook(path)
    with open_package(path, limits) as pkg:
        strings = pkg.shared_strings()
        book.names = _defined_names(pkg)
        for sref in pkg.sheets:
            if sref.kind != "worksheet":
                continue
            data = pkg.read(sref.part)
            check_no_dtd(data, sref.part, path)
            check_grid(data, sref.part, path)
            try:
                book.sheets[sref.name] = _read_sheet(sref.name, data, strings,
                                                     f"{path.name}: " + _("sheet {sheet}", sheet=repr(sref.name)) + ": ")
            except (SyntaxError, ValueError, UnicodeDecodeError) as e:  # lxml's XMLSyntaxError is a SyntaxError
                raise PackageError(f"{path.name}: " + _("{part} cannot be read ({reason})", part=sref.part,
                                                        reason=str(e))) from None
    return book


def _defined_names(pkg) -> dict[Any, str]:
    root = pkg.read_xml(pkg.workbook_part)
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    sheets = [s.get("name", "") for s in root.iter(q("sheet"))]
    names: dict[Any, str] = {}
    for dn in root.iter(q("definedName")):
        name, text = dn.get("name", ""), (dn.text or "").strip()
        if not name or not text or name.startswith("_xlnm."):
            continue
        local = dn.get("localSheetId")
        if local is None:
            names[name.upper()] = text
        elif local.isdigit() and int(local) < len(sheets):
            names[(sheets[int(local)], name.upper())] = text
    return names


def _value(t: str, v: str | None, inline: str | None, strings: list[str]) -> Any:
    if t == "inlineStr":
        return inline
    if v is None:
        return None
    if t == "s":
        try:
            return strings[int(v)]
        except (ValueError, IndexError):
            return None
    if t in ("str", "d"):
        return v
    if t == "b":
        return v.strip() in ("1", "true")
    if t == "e":
        code = v.strip()
        return KpiError(code if code in CODES else "#VALUE!", "")
    try:
        return float(v)
    except ValueError:
        return None


_COLS: dict[str, int] = {}


def _coordinate(ref: str) -> Cell:
    """"N123" → (123, 14), quickly (one cell at a time, 100,000s of them)."""
    letters = ref.rstrip("0123456789")
    col = _COLS.get(letters)
    if col is None:
        if not letters.isalpha() or len(letters) > 3 or not letters.isascii():
            raise ValueError(ref)
        col = _COLS[letters] = col_number(letters)
    return int(ref[len(letters):]), col


def _read_sheet(name: str, data: bytes, strings: list[str], where: str = "") -> Sheet:
    """One worksheet, read by the engine's cell scanner (:func:`kpi_udfs.recalc.read.cells.scan_cells`).
    A cell outside Excel's grid or a shared string that does not exist refuses the file, as
    ``kpi recalc``'s reader does (index -1 would read the last string: a silent wrong value)."""
    sheet = Sheet(name)
    values = sheet.values
    masters: dict[str, Cell] = {}
    max_row = max_col = 0
    for letters, row, t, attrs, text, v, inline in scan_cells(data):
        col = _COLS.get(letters)
        if col is None:
            col = _COLS[letters] = col_number(letters)
        cell = (int(row), col)
        if not (1 <= cell[0] <= MAX_ROW and col <= MAX_COLUMN):
            raise PackageError(where + _("a cell {ref} beyond Excel's grid (damaged or crafted file)",
                                         ref=(letters + row)[:40]))
        if t in ("", "n"):
            if v:
                try:
                    values[cell] = float(v)
                except ValueError:
                    pass
        elif t == "inlineStr":
            if inline is not None:
                values[cell] = inline
        else:
            if t == "s" and v is not None and not (v.strip().isdigit() and int(v) < len(strings)):
                raise PackageError(where + _(
                    "cell {cell} refers to shared string {index}, which does not exist ({count} strings; damaged file)",
                    cell=letters + row, index=repr(v.strip()[:20]), count=format(len(strings), ",")))
            value = _value(t, v, None, strings)
            if value is not None:
                values[cell] = value
        if attrs is not None:
            _formula(sheet, cell, attrs, text, masters)
        if cell[0] > max_row:
            max_row = cell[0]
        if col > max_col:
            max_col = col
    sheet.max_row, sheet.max_col = max_row, max_col
    _assign_keys(sheet)
    return sheet


def _formula(sheet: Sheet, cell: Cell, attrs: dict, text: str | None, masters: dict[str, Cell]) -> None:
    kind = attrs.get("t") or "normal"
    if kind == "array":
        sheet.array_cells.add(cell)
        ref = attrs.get("ref")
        if ref and ":" in ref:
            try:
                (r1, c1), (r2, c2) = (_coordinate(x.replace("$", "")) for x in ref.split(":", 1))
                if (r2 - r1 + 1) * (c2 - c1 + 1) <= 1_000_000:
                    sheet.array_cells.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
            except ValueError:
                pass
    elif kind not in ("normal", "shared"):
        return  # a data table: not a formula of its own
    if kind == "shared":
        si = attrs.get("si", "")
        if text:
            masters[si] = cell
        elif si in masters:
            sheet.followers[cell] = masters[si]
            return
        else:
            return
    if text:
        sheet.texts[cell] = text


def _assign_keys(sheet: Sheet) -> None:
    """R1C1 key of every formula cell. Down a column, a cell that reads as the previous
    run's formula copied down gets that run's key without working it out again (a
    10,000-row staff list is a handful of runs)."""
    by_col: dict[int, list[int]] = {}
    for row, col in sheet.texts:
        by_col.setdefault(col, []).append(row)
    texts, keys = sheet.texts, sheet.keys
    for col, rows in by_col.items():
        rows.sort()
        run = None  # (format, offsets, key) of the run going on
        for row in rows:
            text = texts[(row, col)]
            if run is not None:
                form, offsets, key = run
                try:
                    same = form.format(*[row + o for o in offsets]) == text
                except (IndexError, ValueError, KeyError):
                    same = False
                if same:
                    keys[(row, col)] = key
                    continue
            key = r1c1_key(text, row, col)
            form, offsets = copy_down(text, row)
            run = (form, offsets, key)
            keys[(row, col)] = key
    for cell, master in sheet.followers.items():
        if master in keys:
            keys[cell] = keys[master]
