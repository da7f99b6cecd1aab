"""The values of a workbook's cells as column arrays, for the fast path.

Each sheet keeps, per used column, three arrays indexed by row number (``kind``, ``num``,
``obj``, as in :mod:`.vector`). Constants are filled in when the workbook is read;
formula cells start :data:`~.vector.PENDING` and get their values as blocks are
computed. Reading a range that holds a pending cell raises
:class:`~.vector.Unsupported`: the reader then falls back, so a value the fast path has
not computed is never taken for an empty cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import KpiError
from .vector import BOOL, ERROR, NUMBER, PENDING, TEXT, Unsupported, Vec, classify

#: Largest number of cells one reference may materialise for a block (rows × range).
MAX_CELLS = 20_000_000


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

    def set_pending(self, row: int, col: int) -> None:
        self.column(col).kind[row] = PENDING

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
        _, h, w = vec.shape
        for j in range(w):
            c = self.column(col0 + j)
            rows = slice(row0, row0 + h)
            c.kind[rows] = vec.kind[0, :, j]
            c.num[rows] = vec.num[0, :, j]
            if vec.obj is not None:
                c.ensure_obj()[rows] = vec.obj[0, :, j]
            elif c.obj is not None:
                c.obj[rows] = None

    def region(self, row1: int, row2: int, col1: int, col2: int) -> Vec:
        """Cells rows row1…row2 × cols col1…col2 as a Vec of shape (rows, cols)."""
        h, w = row2 - row1 + 1, col2 - col1 + 1
        if h * w > MAX_CELLS:
            raise Unsupported("range too large for the fast path")
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
        if (kind == PENDING).any():
            raise Unsupported("reads a cell the fast path has not computed")
        if obj is not None and (kind == ERROR).any():
            # an error read from a cell arrives without its reason, as in the cell-by-cell
            # path (the reason is found again when the result is explained)
            obj = obj.copy()
            bad = kind == ERROR
            obj[bad] = [_bare(e.code) for e in obj[bad]]
        if obj is None and ((kind == TEXT) | (kind == ERROR)).any():  # pragma: no cover
            raise AssertionError("text without its object array")
        return Vec(kind, num, obj)


_BARE: dict[str, KpiError] = {}


def _bare(code: str) -> KpiError:
    e = _BARE.get(code)
    if e is None:
        e = _BARE[code] = KpiError(code, "")
    return e


@dataclass
class Book:
    """All sheets' values and the workbook's defined names."""

    sheets: dict[str, SheetData] = field(default_factory=dict)
    #: upper-case name → formula text (workbook scope); (sheet, NAME) → text (sheet scope).
    names: dict[object, str] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetData:
        s = self.sheets.get(name)
        if s is None:
            for key, value in self.sheets.items():  # Excel compares sheet names case-insensitively
                if key.casefold() == name.casefold():
                    return value
            raise Unsupported(f"no sheet {name!r}")
        return s

    def name(self, sheet: str, name: str) -> str | None:
        up = name.upper()
        return self.names.get((sheet, up), self.names.get(up))

