"""A workbook's cell values as column arrays, and the facts formulas can ask about it.

Each sheet keeps, per used column, three arrays indexed by row number (``kind``, ``num``,
``obj``, as in :mod:`kpi_udfs.recalc.evaluate.vec`). Constants are filled in when the
workbook is read; formula cells start :data:`~kpi_udfs.recalc.evaluate.vec.PENDING`
and get their values as they are computed, so a value not computed yet can never be
taken for an empty cell or for the file's stale cached value.

The :class:`Book` also holds what formulas refer to besides cells: defined names
(workbook and sheet scope), Tables, the date system (1900 or 1904), hidden and
filtered rows (SUBTOTAL), the formula text of each cell (FORMULATEXT, ISFORMULA), the
sheet order (3-D references, SHEET) and whether Excel for Mac saved the file (CHAR).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from ...i18n import _
from ..evaluate.vec import BOOL, ERROR, NUMBER, PENDING, TEXT, Vec, classify
from .tables import TableDef

#: Largest number of cells one read may materialise (rows × range width).
MAX_CELLS = 50_000_000


class ReadTooLarge(Exception):
    """A reference would materialise more cells than :data:`MAX_CELLS`."""


@dataclass
class Column:
    kind: np.ndarray
    num: np.ndarray
    obj: np.ndarray | None = None

    @classmethod
    def empty(cls, rows: int) -> Column:
        return cls(np.zeros(rows + 1, dtype=np.int8), np.full(rows + 1, np.nan))

    def ensure_obj(self) -> np.ndarray:
        if self.obj is None:
            self.obj = np.full(self.kind.shape, None, dtype=object)
        return self.obj


@dataclass
class SheetData:
    """One sheet's cell values, by column number then row number."""

    name: str
    max_row: int = 0
    max_col: int = 0
    columns: dict[int, Column] = field(default_factory=dict)
    #: Rows hidden, and those of them hidden by an active filter (SUBTOTAL 1xx, AGGREGATE).
    hidden_rows: frozenset[int] = frozenset()
    filtered_rows: frozenset[int] = frozenset()

    def column(self, col: int) -> Column:
        c = self.columns.get(col)
        if c is None:
            c = self.columns[col] = Column.empty(self.max_row)
        return c

    def set_value(self, row: int, col: int, value) -> None:
        c = self.column(col)
        k, x = classify(value)
        c.kind[row] = k
        if k in (NUMBER, BOOL):
            c.num[row] = x
        elif k in (TEXT, ERROR):
            c.ensure_obj()[row] = x

    def store(self, col: int, row0: int, vec: Vec) -> None:
        """Put a computed column of values (shape (m, 1, 1)) at rows row0…"""
        c = self.column(col)
        m = vec.shape[0]
        rows = slice(row0, row0 + m)
        c.kind[rows] = vec.kind[:, 0, 0]
        c.num[rows] = vec.num[:, 0, 0]
        if vec.obj is not None:
            c.ensure_obj()[rows] = vec.obj[:, 0, 0]
        elif c.obj is not None:
            c.obj[rows] = None

    def store_area(self, row0: int, col0: int, vec: Vec) -> None:
        """Put a computed area (shape (1, h, w)) with its top-left cell at (row0, col0)."""
        _skip, h, w = vec.shape
        for j in range(w):
            c = self.column(col0 + j)
            rows = slice(row0, row0 + h)
            c.kind[rows] = vec.kind[0, :, j]
            c.num[rows] = vec.num[0, :, j]
            if vec.obj is not None:
                c.ensure_obj()[rows] = vec.obj[0, :, j]
            elif c.obj is not None:
                c.obj[rows] = None

    def pending_in(self, row1: int, row2: int, col1: int, col2: int) -> list[tuple[int, int]]:
        """(row, col) of the formula cells of the area not computed yet."""
        out = []
        top = min(row2, self.max_row)
        if top < row1:
            return out
        for col in range(col1, min(col2, self.max_col) + 1):
            c = self.columns.get(col)
            if c is None:
                continue
            rows = np.flatnonzero(c.kind[row1 : top + 1] == PENDING)
            out.extend((row1 + int(r), col) for r in rows)
        return out

    def has_pending(self, row1: int, row2: int, col1: int, col2: int) -> bool:
        top = min(row2, self.max_row)
        if top < row1:
            return False
        for col in range(col1, min(col2, self.max_col) + 1):
            c = self.columns.get(col)
            if c is not None and (c.kind[row1 : top + 1] == PENDING).any():
                return True
        return False

    def region(self, row1: int, row2: int, col1: int, col2: int) -> Vec:
        """Cells rows row1…row2 × cols col1…col2 as a Vec of shape (rows, cols)."""
        h, w = row2 - row1 + 1, col2 - col1 + 1
        if h * w > MAX_CELLS:
            raise ReadTooLarge(_("a reference of {rows} × {columns} cells", rows=format(h, ","), columns=format(w, ",")))
        kind = np.zeros((h, w), dtype=np.int8)
        num = np.full((h, w), np.nan)
        obj = None
        top = min(row2, self.max_row)
        if top >= row1:
            for j in range(w):
                c = self.columns.get(col1 + j)
                if c is None:
                    continue
                kind[: top - row1 + 1, j] = c.kind[row1 : top + 1]
                num[: top - row1 + 1, j] = c.num[row1 : top + 1]
                if c.obj is not None:
                    if obj is None:
                        obj = np.full((h, w), None, dtype=object)
                    obj[: top - row1 + 1, j] = c.obj[row1 : top + 1]
        if obj is not None and (kind == ERROR).any():
            # an error read from another cell arrives without its reason (the reason is
            # found again when the result is explained, see evaluate.reasons)
            obj = obj.copy()
            bad = kind == ERROR
            obj[bad] = [_bare(e.code) for e in obj[bad]]
        return Vec(kind, num, obj)

    def value(self, row: int, col: int):
        """One cell's value (None for empty or beyond the used area)."""
        c = self.columns.get(col)
        if c is None or row > self.max_row:
            return None
        k = c.kind[row]
        if k in (NUMBER, BOOL):
            return bool(c.num[row]) if k == BOOL else float(c.num[row])
        if k in (TEXT, ERROR):
            return c.obj[row]
        return None


_BARE: dict = {}


def _bare(code: str):
    from ...errors import KpiError

    e = _BARE.get(code)
    if e is None:
        e = _BARE[code] = KpiError(code, "")
    return e


@dataclass
class Book:
    """All sheets' values and the workbook's facts (see the module doc)."""

    sheets: dict[str, SheetData] = field(default_factory=dict)
    #: Every sheet in workbook order, chartsheets included (SHEET, SHEETS, 3-D references).
    sheet_order: list[str] = field(default_factory=list)
    #: upper-case name → text (workbook scope); (sheet, NAME) → text (sheet scope).
    names: dict[object, str] = field(default_factory=dict)
    #: upper-case table name → Table.
    tables: dict[str, TableDef] = field(default_factory=dict)
    date1904: bool = False
    #: Saved by Excel for Mac (CHAR and CODE use Mac Roman there).
    mac: bool = False
    #: The package holds a VBA project: unknown functions may be its own, which are not run.
    has_vba: bool = False
    #: (sheet, row, col) → formula text as written in the file (with "=" first).
    formula_text: FormulaTexts = field(default_factory=lambda: FormulaTexts())
    #: (sheet, row, col) of the top-left cell → (rows, cols) of each array formula.
    array_areas: dict[tuple[str, int, int], tuple[int, int]] = field(default_factory=dict)

    @functools.cached_property
    def used_rows(self) -> int:
        """The last row holding anything on any sheet: whole columns are read down to it,
        so that whole columns of two sheets line up as in Excel (rows below are empty
        everywhere)."""
        return max((s.max_row for s in self.sheets.values()), default=0)

    @functools.cached_property
    def used_cols(self) -> int:
        """The last column holding anything on any sheet (whole rows, likewise)."""
        return max((s.max_col for s in self.sheets.values()), default=0)

    def sheet(self, name: str) -> SheetData | None:
        s = self.sheets.get(name)
        if s is None:
            folded = name.casefold()
            for key, value in self.sheets.items():  # Excel compares sheet names case-insensitively
                if key.casefold() == folded:
                    return value
        return s

    def sheet_name(self, name: str) -> str | None:
        """The sheet's name as the workbook spells it (None: no such worksheet)."""
        s = self.sheet(name)
        return None if s is None else s.name

    def name(self, sheet: str | None, name: str) -> str | None:
        """A defined name's text as seen from ``sheet``: its sheet-level definition first."""
        up = name.upper()
        if sheet is not None:
            local = self.names.get((sheet, up))
            if local is None:
                folded = sheet.casefold()
                local = next((t for k, t in self.names.items() if isinstance(k, tuple) and k[1] == up and k[0].casefold() == folded), None)
            if local is not None:
                return local
        return self.names.get(up)

    def table(self, name: str) -> TableDef | None:
        return self.tables.get(name.upper())

    def table_at(self, sheet: str, row: int, col: int) -> TableDef | None:
        for t in self.tables.values():
            if t.sheet == sheet and t.contains(row, col):
                return t
        return None


class FormulaTexts(Mapping):
    """(sheet, row, col) → a formula cell's text as the cell reads it ("=B3*2"; an array
    formula's "{=…}"), made the first time one is asked for (FORMULATEXT, ISFORMULA,
    SUBTOTAL's nested totals): most workbooks never ask, and a staff list has hundreds of
    thousands of them."""

    def __init__(self) -> None:
        self._sheets: list[tuple[str, list, object]] = []
        self._texts: dict[tuple[str, int, int], str] | None = None

    def add_sheet(self, sheet: str, cells: list, plain) -> None:
        """A sheet's formula cells (:class:`~.cells.FormulaCell`) and plain formulas."""
        self._sheets.append((sheet, cells, plain))
        self._texts = None

    def _all(self) -> dict[tuple[str, int, int], str]:
        if self._texts is None:
            from .cells import ARRAY, translate

            texts: dict[tuple[str, int, int], str] = {}
            for sheet, cells, plain in self._sheets:
                for fc in cells:
                    if fc.text is not None:
                        text = "=" + translate(fc.text, fc.row - fc.anchor[0], fc.col - fc.anchor[1])
                        texts[(sheet, fc.row, fc.col)] = "{" + text + "}" if fc.kind == ARRAY else text
                for r, c, t in zip(plain.rows, plain.cols, plain.texts, strict=True):
                    texts[(sheet, r, c)] = "=" + t
            self._texts = texts
        return self._texts

    def __getitem__(self, key: tuple[str, int, int]) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

