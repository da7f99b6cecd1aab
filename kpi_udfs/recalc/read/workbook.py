"""Read a workbook package once: every sheet's cells, names, Tables and settings.

:func:`read_workbook` is the only place a workbook's content is read for a
recalculation. It takes the package already opened and checked by
:mod:`.archive` (from the bytes read once from the file), and returns a
:class:`~.book.Book` (constants as column arrays, formula cells pending) with the
formula cells of every worksheet, which :mod:`kpi_udfs.recalc.graph` orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...i18n import _
from .archive import Package, PackageError, check_no_dtd
from .book import Book
from .cells import ARRAY, FormulaCell, PlainFormulas, hidden_rows, read_sheet, shared_string
from .tables import table_from_xml


@dataclass
class Workbook:
    book: Book
    #: Shared, array and other formulas, one object each.
    formulas: list[FormulaCell] = field(default_factory=list)
    #: Ordinary formulas, per sheet.
    plain: list[PlainFormulas] = field(default_factory=list)

    @property
    def sheet_names(self) -> list[str]:
        return list(self.book.sheets)


def read_workbook(pkg: Package) -> Workbook:
    """Constants and formula cells of every worksheet of an opened package."""
    book = Book()
    wb = Workbook(book)
    strings = [shared_string(t) for t in pkg.shared_strings()]
    _workbook_settings(pkg, book)
    book.mac = _saved_by_mac(pkg)
    book.has_vba = any(i.filename.lower().endswith("vbaproject.bin") for i in pkg.infos)
    for sref in pkg.sheets:
        book.sheet_order.append(sref.name)
        if sref.kind != "worksheet":
            continue
        where = f"{pkg.path.name}: " + _("sheet {sheet}", sheet=repr(sref.name)) + ": "
        data = pkg.read(sref.part)
        check_no_dtd(data, sref.part, pkg.path)
        sheet, cells, plain = read_sheet(sref.name, data, strings, where, book.date1904)
        sheet.hidden_rows = hidden_rows(data)
        filters = _filter_ranges(data)
        for t in _tables_of(pkg, sref.part, sref.name):
            book.tables[t[0].name.upper()] = t[0]
            if t[1]:
                filters.append(t[1])
        sheet.filtered_rows = frozenset(
            r for r in sheet.hidden_rows if any(r1 < r <= r2 for r1, r2 in filters)
        )
        book.sheets[sref.name] = sheet
        wb.formulas.extend(cells)
        wb.plain.append(plain)
        book.formula_text.add_sheet(sref.name, cells, plain)
        for fc in cells:
            if fc.kind == ARRAY and fc.text is not None:
                book.array_areas[(sref.name, fc.row, fc.col)] = fc.size
    return wb


def _ns(root) -> str:
    return root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""


def _workbook_settings(pkg: Package, book: Book) -> None:
    """Defined names (both scopes) and the date system, from workbook.xml."""
    root = pkg.read_xml(pkg.workbook_part)
    ns = _ns(root)
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    pr = root.find(q("workbookPr"))
    if pr is not None and (pr.get("date1904") or "").lower() in ("1", "true"):
        book.date1904 = True
    sheets = [s.get("name", "") for s in root.iter(q("sheet"))]
    for dn in root.iter(q("definedName")):
        name = dn.get("name", "")
        text = (dn.text or "").strip()
        if not name or not text or name.startswith("_xlnm."):
            continue
        local = dn.get("localSheetId")
        if local is not None:
            try:
                book.names[(sheets[int(local)], name.upper())] = text
            except (ValueError, IndexError):
                continue
        else:
            book.names[name.upper()] = text


_AUTOFILTER = re.compile(rb"<(?:\w+:)?autoFilter\b[^>]*\bref\s*=\s*[\"']([A-Za-z$0-9:]+)[\"'][^>]*?(/?)>")


def _filter_ranges(data: bytes) -> list[tuple[int, int]]:
    """(first row, last row) of the sheet's AutoFilter when it filters something."""
    from ..a1 import parse_area

    out: list[tuple[int, int]] = []
    if b"autoFilter" not in data:
        return out
    for m in _AUTOFILTER.finditer(data):
        if m.group(2) == b"/":  # <autoFilter ref="…"/>: no filter column, nothing hidden by it
            continue
        tail = data[m.end() : m.end() + 4000]
        if b"filterColumn" not in tail.split(b"autoFilter>", 1)[0]:
            continue
        area = parse_area(m.group(1).decode("ascii", "replace"))
        if area:
            out.append((area[0], area[2]))
    return out


def _tables_of(pkg: Package, sheet_part: str, sheet: str) -> list[tuple]:
    """(TableDef, filtered row span or None) of each Table on one sheet."""
    from ..a1 import parse_area
    from .archive import relationships

    out = []
    for _id, typ, target, mode in relationships(pkg, sheet_part):
        if not typ.endswith("/table") or mode == "External" or not pkg.has(target):
            continue
        try:
            root = pkg.read_xml(target)
        except PackageError:
            continue
        table = table_from_xml(root, sheet)
        if table is None:
            continue
        ns = _ns(root)
        af = root.find(f"{{{ns}}}autoFilter" if ns else "autoFilter")
        span = None
        if af is not None and len(af):
            area = parse_area(af.get("ref", ""))
            if area:
                span = (area[0], area[2])
        out.append((table, span))
    return out


def _saved_by_mac(pkg: Package) -> bool:
    """Whether docProps/app.xml names Excel for Mac as the application that saved it."""
    if not pkg.has("docProps/app.xml"):
        return False
    try:
        root = pkg.read_xml("docProps/app.xml")
    except PackageError:
        return False
    app = next((el.text or "" for el in root.iter() if el.tag.endswith("Application")), "")
    return "macintosh" in app.lower()
