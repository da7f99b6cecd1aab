"""Excel Tables' structured references, rewritten to plain A1 ranges.

HR lists are very often formatted as Tables, and their formulas say ``Table1[Amount]``,
``Table1[[#This Row],[Q1]:[Q4]]``, ``[@Score]`` or ``Table1[#All]``. `formulas` cannot
parse those, so each one is replaced, before parsing, by the absolute range it denotes
(from the table definitions in ``xl/tables/tableN.xml``, as openpyxl reads them). A
reference that cannot be resolved becomes ``#REF!`` (unknown column or table part) or
``#VALUE!`` (``#This Row`` outside the table's rows), as Excel shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils.cell import get_column_letter, range_boundaries

from .formula_text import BRACKET, IDENT, OTHER, QUOTED, Piece, join, scan

ALL, DATA, HEADERS, TOTALS, THIS_ROW = "#ALL", "#DATA", "#HEADERS", "#TOTALS", "#THIS ROW"
_AREAS = (ALL, DATA, HEADERS, TOTALS, THIS_ROW)


def quote_sheet(sheet: str) -> str:
    """A sheet name as a formula writes it: always quoted, quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


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

    @classmethod
    def from_openpyxl(cls, sheet: str, table) -> TableDef:
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        header = 1 if table.headerRowCount is None else int(table.headerRowCount)
        totals = int(table.totalsRowCount or 0)
        columns = [str(c.name or "") for c in table.tableColumns]
        return cls(table.displayName or table.name, sheet, min_col, min_row, max_col, max_row, header, totals, columns)

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


class StructuredRefError(Exception):
    """A structured reference that denotes no cells; ``code`` is the Excel error shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "'" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def _items(inner: str) -> list[str]:
    """The bracketed items of ``[a],[b]:[c]`` as ``["a", ",", "b", ":", "c"]``."""
    items, i, n = [], 0, len(inner)
    while i < n:
        ch = inner[i]
        if ch == "[":
            depth, j = 0, i
            while j < n:
                if inner[j] == "'" and j + 1 < n:
                    j += 2
                    continue
                if inner[j] == "[":
                    depth += 1
                elif inner[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            items.append(inner[i + 1 : j])
            i = j + 1
        elif ch in ",:":
            items.append(ch)
            i += 1
        elif ch.isspace():
            i += 1
        else:
            raise StructuredRefError("#REF!")
    return items


@dataclass
class Spec:
    """What a bracket specifier selects: table parts and a column span (None = all)."""

    areas: set[str]
    first: str | None = None
    last: str | None = None


def parse_spec(bracket: str) -> Spec:
    """Read ``[Col]``, ``[#All]``, ``[@Col]``, ``[[#This Row],[Q1]:[Q4]]`` and the like."""
    inner = bracket[1:-1].strip()
    areas: set[str] = set()
    if inner.startswith("@"):
        areas.add(THIS_ROW)
        inner = inner[1:].strip()
        if not inner:
            return Spec(areas)
        if not inner.startswith("["):
            return Spec(areas, _unescape(inner))
    if not inner:
        return Spec({DATA})
    if not inner.startswith("["):
        if inner.startswith("#"):
            area = " ".join(inner.upper().split())
            if area not in _AREAS:
                raise StructuredRefError("#REF!")
            return Spec({area})
        return Spec(areas or {DATA}, _unescape(inner))
    columns: list[str] = []
    span = False
    for item in _items(inner):
        if item == ",":
            continue
        if item == ":":
            span = True
            continue
        text = item.strip()
        if text.startswith("#"):
            area = " ".join(text.upper().split())
            if area not in _AREAS:
                raise StructuredRefError("#REF!")
            areas.add(area)
        else:
            columns.append(_unescape(item))
    if len(columns) > 2 or (span and len(columns) != 2):
        raise StructuredRefError("#REF!")
    first = columns[0] if columns else None
    last = columns[-1] if columns else None
    return Spec(areas or {DATA}, first, last)


def resolve(table: TableDef, spec: Spec, row: int | None) -> str:
    """The absolute A1 reference (with sheet) that ``spec`` denotes in ``table``."""
    if spec.first is None:
        c1, c2 = table.min_col, table.max_col
    else:
        c1, c2 = table.column(spec.first), table.column(spec.last or spec.first)
        if c1 is None or c2 is None:
            raise StructuredRefError("#REF!")
        c1, c2 = min(c1, c2), max(c1, c2)
    d1, d2 = table.data_rows
    header = (table.min_row, table.min_row) if table.header_rows else None
    totals = (table.max_row, table.max_row) if table.totals_rows else None
    areas = spec.areas
    if THIS_ROW in areas:
        if row is None or not d1 <= row <= d2:
            raise StructuredRefError("#VALUE!")
        r1 = r2 = row
    elif ALL in areas:
        r1, r2 = table.min_row, table.max_row
    else:
        parts = []
        if HEADERS in areas:
            parts.append(header)
        if DATA in areas:
            parts.append((d1, d2) if d1 <= d2 else None)
        if TOTALS in areas:
            parts.append(totals)
        if any(p is None for p in parts) or not parts:
            raise StructuredRefError("#REF!")
        r1, r2 = min(p[0] for p in parts), max(p[1] for p in parts)
    a = f"${get_column_letter(c1)}${r1}"
    b = f"${get_column_letter(c2)}${r2}"
    return f"{quote_sheet(table.sheet)}!{a}" + ("" if a == b else f":{b}")


class StructuredRefs:
    """The Tables of one workbook, and the rewriting of formulas that refer to them."""

    def __init__(self, tables: list[TableDef]):
        self.tables = tables
        self.by_name = {t.name.casefold(): t for t in tables}

    def __bool__(self) -> bool:
        return bool(self.tables)

    def table_at(self, sheet: str, row: int, col: int) -> TableDef | None:
        for t in self.tables:
            if t.sheet == sheet and t.contains(row, col):
                return t
        return None

    def rewrite(self, formula: str, sheet: str | None = None, row: int | None = None, col: int | None = None) -> str:
        """``formula`` with every structured reference replaced by its A1 range (or error)."""
        if "[" not in formula and not self._mentions_table(formula):
            return formula
        pieces = list(scan(formula))
        out: list[Piece] = []
        k = 0
        while k < len(pieces):
            p = pieces[k]
            nxt = pieces[k + 1] if k + 1 < len(pieces) else None
            prev = out[-1] if out else None
            after_sheet = prev is not None and prev.kind == OTHER and prev.text.endswith("!")
            if p.kind == IDENT and not after_sheet and p.text.casefold() in self.by_name:
                table = self.by_name[p.text.casefold()]
                if nxt is not None and nxt.kind == BRACKET:
                    out.append(Piece(OTHER, self._resolve(table, nxt.text, row)))
                    k += 2
                    continue
                if nxt is None or not (nxt.kind == OTHER and nxt.text.lstrip().startswith(("(", "!"))):
                    out.append(Piece(OTHER, self._resolve(table, "[]", row)))
                    k += 1
                    continue
            if p.kind == IDENT and not after_sheet and nxt is not None and nxt.kind == BRACKET:
                if not self._is_book_index(nxt, pieces[k + 2] if k + 2 < len(pieces) else None):
                    out.append(Piece(OTHER, "#REF!"))  # an unknown table
                    k += 2
                    continue
            if p.kind == BRACKET and not self._is_book_index(p, nxt):
                table = self.table_at(sheet, row, col) if sheet is not None and row and col else None
                if table is not None:
                    out.append(Piece(OTHER, self._resolve(table, p.text, row)))
                    k += 1
                    continue
                out.append(Piece(OTHER, "#REF!"))
                k += 1
                continue
            out.append(p)
            k += 1
        return join(out)

    def _mentions_table(self, formula: str) -> bool:
        low = formula.casefold()
        return any(name in low for name in self.by_name)

    @staticmethod
    def _is_book_index(p: Piece, nxt: Piece | None) -> bool:
        """``[1]Sheet1!A1``: an external workbook, not a structured reference."""
        return nxt is not None and nxt.kind in (IDENT, QUOTED)

    @staticmethod
    def _resolve(table: TableDef, bracket: str, row: int | None) -> str:
        try:
            return resolve(table, parse_spec(bracket), row)
        except StructuredRefError as e:
            return e.code


def workbook_tables(book) -> StructuredRefs:
    """Every Table of an openpyxl workbook."""
    tables = []
    for ws in book.worksheets:
        for t in getattr(ws, "tables", {}).values():
            try:
                tables.append(TableDef.from_openpyxl(ws.title, t))
            except (ValueError, TypeError):
                continue  # a table without a usable ref: its references become #REF!
    return StructuredRefs(tables)
