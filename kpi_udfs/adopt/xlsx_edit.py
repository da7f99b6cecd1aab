"""Write the adopted copy of a workbook package: new formulas in some cells, a Rules sheet,
its defined names, and nothing else changed.

Like the recalc writer, this patches bytes rather than re-serialising the workbook, so
styles, validation, conditional formats, comments, charts, pivot caches and macros stay
exactly as they were:

* in a worksheet, only the cells that get a new formula change, and within such a cell
  only its ``<f>`` element (its style, type and cached value stay until the values are
  written); a shared formula any of whose cells changes is written out cell by cell
  (each with its own text), since its master may no longer hold the shared text;
* one worksheet part is added for the Rules sheet, with its relationship, its content
  type and its ``<sheet>`` entry; the named ranges go into ``<definedNames>``;
* every other zip entry is copied as it is, in its original order.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..errors import KpiError
from ..i18n import _
from ..recalc.a1 import col_letters
from ..recalc.read.archive import STRICT_MAIN_NS, Package, check_no_dtd
from ..recalc.write.writer import write_package_copy
from .formula_render import number_text, sheet_prefix
from .rules_sheet import WIDTHS, RulesTable

WORKSHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class EditError(Exception):
    """The package cannot be edited the way this module edits (a layout it does not follow)."""


def xml_text(s: str) -> str:
    s = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# -- the Rules sheet, placed ---------------------------------------------------------------

@dataclass
class RulesSheet:
    """The Rules sheet with every table at its place: cells by (row, col) and the names."""

    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # value, or ("=", formula)
    names: dict[str, str] = field(default_factory=dict)  # name → Rules!$A$5:$A$8
    #: Each table's first row on the sheet.
    origins: dict[str, int] = field(default_factory=dict)

    def ref(self, r1: int, c1: int, r2: int, c2: int) -> str:
        a = f"${col_letters(c1 + 1)}${r1}"
        b = f"${col_letters(c2 + 1)}${r2}"
        return sheet_prefix(self.name) + (a if a == b else f"{a}:{b}")

    def formula_cells(self) -> list[tuple[int, int]]:
        return [rc for rc, v in self.cells.items() if isinstance(v, tuple)]


_AREA = re.compile(r"@AREA\((\d+),(\d+),(\d+),(\d+)\)@")


def place(tables: list[RulesTable], name: str, intro: list[str]) -> RulesSheet:
    """Stack the tables down the sheet under an introduction, two rows apart."""
    sheet = RulesSheet(name)
    row = 1
    for line in intro:
        sheet.cells[(row, 0)] = line
        row += 1
    row += 1
    for t in tables:
        sheet.origins[t.name] = row
        base = row - 1  # table offsets are 0-based rows

        def absolute(m: re.Match, base=base) -> str:
            r1, c1, r2, c2 = (int(x) for x in m.groups())
            return sheet.ref(base + r1 + 1, c1, base + r2 + 1, c2)

        for (r, c), cell in t.cells.items():
            if cell.formula is not None:
                sheet.cells[(base + r + 1, c)] = ("=", _AREA.sub(absolute, cell.formula))
            elif cell.value is not None:
                sheet.cells[(base + r + 1, c)] = cell.value
        for n, (r1, c1, r2, c2) in t.ranges.items():
            sheet.names[n] = sheet.ref(base + r1 + 1, c1, base + r2 + 1, c2)
        row += t.height + 2
    return sheet


def _cell_xml(ref: str, value: Any) -> str:
    if isinstance(value, tuple):
        return f'<c r="{ref}"><f>{xml_text(value[1])}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{number_text(float(value))}</v></c>'
    if isinstance(value, KpiError):
        return f'<c r="{ref}" t="e"><v>{value.code}</v></c>'
    text = xml_text(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def rules_sheet_xml(sheet: RulesSheet) -> bytes:
    rows: dict[int, list[tuple[int, Any]]] = {}
    for (r, c), v in sheet.cells.items():
        rows.setdefault(r, []).append((c, v))
    body = []
    for r in sorted(rows):
        cells = "".join(_cell_xml(f"{col_letters(c + 1)}{r}", v) for c, v in sorted(rows[r], key=lambda x: x[0]))
        body.append(f'<row r="{r}">{cells}</row>')
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(WIDTHS))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(body)}</sheetData>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>").encode()


# -- formulas in a worksheet ----------------------------------------------------------------

_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c\s*>)", re.S)
_ATTR_R = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""")
_F = re.compile(rb"<((?:\w+:)?)f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f\s*>)", re.S)
_ATTR = re.compile(rb"""(\w+)\s*=\s*["']([^"']*)["']""")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _unescape(b: bytes) -> str:
    s = b.decode("utf-8")
    for a, c in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        s = s.replace(a, c)
    return s


def patch_formulas(xml: bytes, changes: dict[tuple[int, int], str]) -> tuple[bytes, int]:
    """The sheet XML with new formula texts (without "="); returns it and how many cells changed."""
    from openpyxl.formula.translate import Translator

    if not changes:
        return xml, 0
    # shared formulas: masters (si → cell, text) and which groups a change touches
    found = []
    masters: dict[bytes, tuple[tuple[int, int], str]] = {}
    touched: set[bytes] = set()
    for m in _CELL.finditer(xml):
        ra = _ATTR_R.search(m.group(2))
        if not ra:
            continue
        cell = (int(ra.group(2)), _col_number(ra.group(1)))
        inner = m.group(4)
        fm = _F.search(inner) if inner else None
        si = None
        if fm is not None:
            attrs = dict(_ATTR.findall(fm.group(2)))
            if attrs.get(b"t") == b"shared":
                si = attrs.get(b"si")
                if fm.group(3):
                    masters[si] = (cell, _unescape(fm.group(3)))
        if cell in changes and si is not None:
            touched.add(si)
        found.append((m, cell, fm, si))
    out, pos, changed = [], 0, 0
    for m, cell, fm, si in found:
        new = changes.get(cell)
        if new is None and si in touched and si in masters:
            master, text = masters[si]
            try:
                new = Translator("=" + text, _a1(master)).translate_formula(_a1(cell))[1:]
            except Exception as e:  # noqa: BLE001 - a shift Excel would show as #REF!
                raise EditError(_("cannot write out the shared formula of {cell}: {reason}", cell=_a1(cell),
                                  reason=str(e))) from None
        if new is None:
            continue
        prefix = m.group(1)
        f_xml = b"<" + prefix + b"f>" + xml_text(new).encode("utf-8") + b"</" + prefix + b"f>"
        inner = m.group(4) or b""
        if fm is not None:
            inner = inner[:fm.start()] + f_xml + inner[fm.end():]
        else:
            inner = f_xml + inner
        element = b"<" + prefix + b"c" + m.group(2) + b">" + inner + b"</" + prefix + b"c>"
        out.append(xml[pos:m.start()])
        out.append(element)
        pos = m.end()
        changed += cell in changes
    out.append(xml[pos:])
    return b"".join(out), changed


def _a1(cell: tuple[int, int]) -> str:
    return f"{col_letters(cell[1])}{cell[0]}"


# -- the workbook parts ---------------------------------------------------------------------------

def _prefix_of(xml: bytes, local: bytes) -> bytes:
    m = re.search(rb"<(\w+:)?" + local + rb"\b", xml)
    return (m.group(1) or b"") if m else b""


def add_sheet_to_workbook(xml: bytes, name: str, rid: str, names: dict[str, str]) -> bytes:
    if STRICT_MAIN_NS.encode() in xml[:2000]:
        raise EditError(_("a Strict Open XML workbook (save it as an ordinary .xlsx first)"))
    p = _prefix_of(xml, b"sheets")
    ids = [int(x) for x in re.findall(rb"""sheetId\s*=\s*["'](\d+)["']""", xml)]
    # the relationships prefix declared on the element itself (openpyxl does so on every <sheet>)
    sheet_el = (b"<" + p + b'sheet xmlns:r="' + REL_NS.encode() + b'" name="' + xml_text(name).encode("utf-8")
                + b'" sheetId="' + str(max(ids, default=0) + 1).encode() + b'" r:id="' + rid.encode() + b'"/>')
    close = re.search(rb"</" + re.escape(p) + rb"sheets\s*>", xml)
    if close is None:
        raise EditError(_("workbook.xml has no <sheets> list"))
    xml = xml[:close.start()] + sheet_el + xml[close.start():]
    if not names:
        return xml
    defs = b"".join(b"<" + p + b'definedName name="' + n.encode("utf-8") + b'">' + xml_text(ref).encode("utf-8")
                    + b"</" + p + b"definedName>" for n, ref in names.items())
    close = re.search(rb"</" + re.escape(p) + rb"definedNames\s*>", xml)
    if close is not None:
        return xml[:close.start()] + defs + xml[close.start():]
    empty = re.search(rb"<" + re.escape(p) + rb"definedNames\s*/>", xml)
    block = b"<" + p + b"definedNames>" + defs + b"</" + p + b"definedNames>"
    if empty is not None:
        return xml[:empty.start()] + block + xml[empty.end():]
    after = 0
    for local in (b"sheets", b"functionGroups", b"externalReferences"):
        m = re.search(rb"</" + re.escape(p) + local + rb"\s*>|<" + re.escape(p) + local + rb"\b[^>]*/>", xml)
        if m is not None:
            after = max(after, m.end())
    return xml[:after] + block + xml[after:]


def existing_names(xml: bytes) -> set[str]:
    return {n.decode("utf-8").upper() for n in re.findall(rb"""<(?:\w+:)?definedName\b[^>]*\sname\s*=\s*["']([^"']+)""", xml)}


def add_relationship(xml: bytes, target: str) -> tuple[bytes, str]:
    ids = set(re.findall(rb"""\sId\s*=\s*["']([^"']+)["']""", xml))
    n = 1
    while f"rIdKpiRules{n}".encode() in ids:
        n += 1
    rid = f"rIdKpiRules{n}"
    p = _prefix_of(xml, b"Relationships")
    el = (b"<" + p + b'Relationship Id="' + rid.encode() + b'" Type="' + WORKSHEET_TYPE.encode() + b'" Target="'
          + target.encode("utf-8") + b'"/>')
    close = re.search(rb"</" + re.escape(p) + rb"Relationships\s*>", xml)
    if close is None:
        raise EditError(_("workbook.xml.rels is not a relationships part"))
    return xml[:close.start()] + el + xml[close.start():], rid


def add_content_type(xml: bytes, part: str) -> bytes:
    p = _prefix_of(xml, b"Types")
    el = b"<" + p + b'Override PartName="/' + part.encode("utf-8") + b'" ContentType="' + WORKSHEET_CT.encode() + b'"/>'
    close = re.search(rb"</" + re.escape(p) + rb"Types\s*>", xml)
    if close is None:
        raise EditError(_("[Content_Types].xml is not a content types part"))
    return xml[:close.start()] + el + xml[close.start():]


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def write_copy(pkg: Package, dest: str | BinaryIO, formulas: dict[str, dict[tuple[int, int], str]],
               rules: RulesSheet) -> int:
    """Write the edited package to ``dest``; returns how many cells got a new formula."""
    patched: dict[str, bytes] = {}
    changed = 0
    for sheet, changes in formulas.items():
        sref = pkg.worksheet(sheet)
        xml = pkg.read(sref.part)
        check_no_dtd(xml, sref.part, pkg.path)
        new, n = patch_formulas(xml, changes)
        if n != len(changes):
            raise EditError(f"{sheet}: " + _("{count} of the cells to rewrite were not found in the sheet XML",
                                             count=len(changes) - n))
        patched[sref.part] = new
        changed += n
    folder = posixpath.dirname(pkg.workbook_part)
    taken = {i.filename.lower() for i in pkg.infos}
    k = len(pkg.sheets) + 1
    while posixpath.join(folder, "worksheets", f"sheet{k}.xml").lower() in taken:
        k += 1
    part = posixpath.join(folder, "worksheets", f"sheet{k}.xml")
    rels_part = _rels_part(pkg.workbook_part)
    rels, rid = add_relationship(pkg.read(rels_part), posixpath.relpath(part, folder or "."))
    patched[rels_part] = rels
    patched[pkg.workbook_part] = add_sheet_to_workbook(pkg.read(pkg.workbook_part), rules.name, rid, rules.names)
    patched["[Content_Types].xml"] = add_content_type(pkg.read("[Content_Types].xml"), part)
    write_package_copy(pkg, patched, dest, added={part: rules_sheet_xml(rules)})
    return changed
