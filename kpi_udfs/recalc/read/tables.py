"""Excel Tables, and what their structured references denote.

HR lists are very often formatted as Tables, and their formulas say ``Table1[Amount]``,
``Table1[[#This Row],[Q1]:[Q4]]``, ``[@Score]`` or ``Table1[#All]``. A Table is read from
its part (``xl/tables/tableN.xml``): where it is, how many header and totals rows it has,
what its columns are called. :meth:`TableDef.resolve` turns a parsed structured
reference into the rectangle it stands for in a given row; one that denotes no cells is
:class:`StructuredRefError` with the error Excel shows (#REF! for an unknown column or an
absent part, #VALUE! for ``#This Row`` outside the table's rows).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL, DATA, HEADERS, TOTALS, THIS_ROW = "#ALL", "#DATA", "#HEADERS", "#TOTALS", "#THIS ROW"
AREAS = (ALL, DATA, HEADERS, TOTALS, THIS_ROW)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


class StructuredRefError(Exception):
    """A structured reference that denotes no cells; ``code`` is the Excel error shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class TableDef:
    """One Excel Table: where it is and what its columns are called."""

    name: str
    sheet: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int
    header_rows: int
    totals_rows: int
    columns: list[str]

    @property
    def data_rows(self) -> tuple[int, int]:
        return self.min_row + self.header_rows, self.max_row - self.totals_rows

    def column(self, name: str) -> int | None:
        """Sheet column number of a table column, by name (case-insensitive)."""
        key = name.casefold()
        for i, c in enumerate(self.columns):
            if c.casefold() == key:
                return self.min_col + i
        key = _fold(name)
        for i, c in enumerate(self.columns):
            if _fold(c) == key:
                return self.min_col + i
        return None

    def contains(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col

    def resolve(
        self, items: tuple[str, ...], first: str | None, last: str | None, row: int | None
    ) -> tuple[int, int, int, int]:
        """(row1, col1, row2, col2) denoted by the special ``items`` and the column span
        ``first``…``last`` (None: all columns), as seen from a formula in ``row``."""
        if first is None:
            c1, c2 = self.min_col, self.max_col
        else:
            c1, c2 = self.column(first), self.column(last or first)
            if c1 is None or c2 is None:
                raise StructuredRefError("#REF!")
            c1, c2 = min(c1, c2), max(c1, c2)
        areas = set(items) or {DATA}
        if not areas <= set(AREAS):
            raise StructuredRefError("#REF!")
        d1, d2 = self.data_rows
        if THIS_ROW in areas:
            if row is None or not d1 <= row <= d2:
                raise StructuredRefError("#VALUE!")
            return row, c1, row, c2
        if ALL in areas:
            return self.min_row, c1, self.max_row, c2
        parts = []
        if HEADERS in areas:
            parts.append((self.min_row, self.min_row) if self.header_rows else None)
        if DATA in areas:
            parts.append((d1, d2) if d1 <= d2 else None)
        if TOTALS in areas:
            parts.append((self.max_row, self.max_row) if self.totals_rows else None)
        if not parts or any(p is None for p in parts):
            raise StructuredRefError("#REF!")
        return min(p[0] for p in parts), c1, max(p[1] for p in parts), c2


def table_from_xml(root, sheet: str) -> TableDef | None:
    """A TableDef from a parsed table part (None when it has no usable ref)."""
    from ..a1 import parse_area

    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    area = parse_area(root.get("ref", ""))
    if area is None:
        return None
    r1, c1, r2, c2 = area
    header = root.get("headerRowCount")
    totals = root.get("totalsRowCount")
    try:
        header_rows = 1 if header is None else int(header)
        totals_rows = 0 if totals is None else int(totals)
    except ValueError:
        return None
    if totals is None and root.get("totalsRowShown") not in (None, "0", "false"):
        totals_rows = 0
    from .cells import shared_string

    columns = [shared_string(c.get("name", "")) for c in root.iter(q("tableColumn"))]
    name = root.get("displayName") or root.get("name") or ""
    return TableDef(name, sheet, c1, r1, c2, r2, header_rows, totals_rows, columns)
