"""Read a workbook package straight from its XML: constants into a :class:`Book`, and
the formula cells with their R1C1 keys.

Reading the sheet XML directly (lxml, no DTD, no entities, no network; the package is
opened and size-checked by :mod:`kpi_udfs.recalc.package`) is several times faster than
loading the workbook with openpyxl, and it sees what Excel stored: shared formulas
(``<f t="shared" si="0">`` written once for a whole copied-down column), array formulas
(``<f t="array" ref="K2:K101">``) and the cells they cover.

Each formula gets a *key*: its text with every cell reference rewritten as an offset
from the cell (``R[0]C[-3]``) or kept absolute (``R2C14``), the way Excel's R1C1
notation writes it. Cells of one column with the same key in consecutive rows are one
formula copied down: a block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lxml import etree

from ...errors import CODES, KpiError
from ..a1 import col_letters, col_number
from .book import Book, Column, SheetData
from .vector import BOOL, ERROR, NUMBER, PENDING, TEXT

NORMAL, SHARED, ARRAY, OTHER = "normal", "shared", "array", "other"


@dataclass(slots=True)
class FormulaCell:
    """One cell holding a formula (an array formula: its whole range)."""

    sheet: str
    row: int
    col: int
    #: The formula text without "=" (for a shared follower: its master's text).
    text: str | None
    kind: str = NORMAL
    #: The R1C1 key (None: the formula is not readable as such).
    key: str | None = None
    #: Where ``text`` is written (a shared follower: its master's cell).
    anchor: tuple[int, int] = (0, 0)
    #: For an array formula: (rows, cols) of its range.
    size: tuple[int, int] = (1, 1)


@dataclass
class PlainFormulas:
    """A sheet's ordinary single-cell formulas (the bulk of a staff list), as columns."""

    sheet: str
    rows: list[int]
    cols: list[int]
    texts: list[str]


@dataclass
class Workbook:
    book: Book
    #: Shared, array and other formulas, one object each.
    formulas: list[FormulaCell] = field(default_factory=list)
    #: Ordinary formulas, per sheet.
    plain: list[PlainFormulas] = field(default_factory=list)
    #: Sheet names in workbook order (worksheets only).
    sheet_names: list[str] = field(default_factory=list)


# -- R1C1 keys -----------------------------------------------------------------------

_KEY = re.compile(
    r'"(?:[^"]|"")*"'  # a string literal: kept as is
    r"|'(?:[^']|'')*'"  # a quoted sheet name
    r"|(?<![\w.$\\])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w.(\[!])"  # a cell reference
)
_COLS: dict[str, int] = {}


def _col(letters: str) -> int:
    n = _COLS.get(letters)
    if n is None:
        n = _COLS[letters] = col_number(letters)
    return n


def r1c1_key(text: str, row: int, col: int) -> str:
    """``text`` with its cell references as R1C1 offsets from (row, col)."""

    def sub(m: re.Match) -> str:
        letters = m.group(2)
        if letters is None:
            return m.group(0)
        c = _col(letters.upper())
        r = int(m.group(4))
        if c > 16384 or r > 1048576 or r < 1:
            return m.group(0)
        rs = f"R{r}" if m.group(3) else f"R[{r - row}]"
        cs = f"C{c}" if m.group(1) else f"C[{c - col}]"
        return rs + cs

    return _KEY.sub(sub, text)


def copy_down(text: str, row: int) -> tuple[str, tuple[int, ...]]:
    """A format string and row offsets that write ``text`` (written in ``row``) as it
    reads when copied down to another row: ``fmt.format(*(r + o for o in offsets))``.
    Only relative row numbers change; everything else is kept as written."""
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _KEY.finditer(text):
        if m.group(2) is None or m.group(3) or int(m.group(4)) < 1:
            continue
        pieces.append(text[pos : m.start(4)].replace("{", "{{").replace("}", "}}"))
        pieces.append("{" + str(len(offsets)) + "}")
        offsets.append(int(m.group(4)) - row)
        pos = m.end(4)
    pieces.append(text[pos:].replace("{", "{{").replace("}", "}}"))
    return "".join(pieces), tuple(offsets)


# -- reading -------------------------------------------------------------------------

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _cell_ref(ref: str) -> tuple[int, int]:
    m = _REF.match(ref)
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    return int(m.group(2)), _col(m.group(1).upper())


def _area(ref: str) -> tuple[int, int, int, int]:
    a, _, b = ref.partition(":")
    r1, c1 = _cell_ref(a)
    r2, c2 = _cell_ref(b) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _error(text: str) -> KpiError:
    text = (text or "").strip()
    return KpiError(text if text in CODES else "#VALUE!", "")


def read_workbook(path: Path | str) -> Workbook:
    """Constants and formula cells of every worksheet of the package at ``path``."""
    from ..package import check_no_dtd, open_package

    wb = Workbook(Book())
    with open_package(path) as pkg:
        strings = [_shared_string(t) for t in pkg.shared_strings()]
        wb.book.names = _defined_names(pkg)
        for sref in pkg.sheets:
            if sref.kind != "worksheet":
                continue
            data = pkg.read(sref.part)
            check_no_dtd(data, sref.part, pkg.path)
            sheet, cells, plain = _read_sheet(sref.name, data, strings)
            wb.book.sheets[sref.name] = sheet
            wb.sheet_names.append(sref.name)
            wb.formulas.extend(cells)
            wb.plain.append(plain)
    return wb


def _defined_names(pkg) -> dict:
    root = pkg.read_xml(pkg.workbook_part)
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    sheets = [s.get("name", "") for s in root.iter(q("sheet"))]
    names: dict = {}
    for dn in root.iter(q("definedName")):
        name = dn.get("name", "")
        text = (dn.text or "").strip()
        if not name or not text or name.startswith("_xlnm."):
            continue
        local = dn.get("localSheetId")
        if local is not None:
            try:
                names[(sheets[int(local)], name.upper())] = text
            except (ValueError, IndexError):
                continue
        else:
            names[name.upper()] = text
    return names


_CELL_XML = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]+)"'  # 1 column letters, 2 row
    r'(?: s="[0-9]+")?(?: t="([a-zA-Z]+)")?(?: (?:cm|vm|ph)="[^"]*")*'  # 3 type
    r"(?:/>|>"
    r'(?:(<f(?: [a-zA-Z]+="[^"]*")*)(?:/>|>([^<]*)</f>))?'  # 4 "<f" and its attributes, 5 formula text
    r"(<v>[^<]*</v>|<v */>)?"  # 6 the value element
    r"(?:(<is>.*?)</is>)?"  # 7 "<is>" and the inline string's XML
    r"</c>)",
    re.S,
)
_ATTR = re.compile(r'([a-zA-Z]+)="([^"]*)"')
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_RUN_TEXT = re.compile(r"<t(?: [^>]*)?>([^<]*)</t>|<t(?: [^>]*)?/>")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name[0] != "#":
        return _ENTITIES[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def _unescape(s: str) -> str:
    return _ENTITY.sub(_entity, s) if "&" in s else s


def _inline_text(xml: str) -> str:
    xml = _PHONETIC.sub("", xml)
    return "".join(_unescape(m.group(1) or "") for m in _RUN_TEXT.finditer(xml))


_HEX = re.compile(r"_x([0-9A-Z]{4})_")


def _shared_string(text: str) -> str:
    """A shared string as the cell-by-cell path reads it (`formulas` decodes Excel's
    ``_xHHHH_`` escapes and drops ``x005F_``)."""
    if "_x" in text:
        text = _HEX.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("x005F_", "")


def _number(text: str) -> float:
    """A number typed in a cell, as the cell-by-cell path reads it: every bit Excel saved
    (the loader keeps it unrounded too, see ``WorkbookModel.compile_cell``)."""
    return float(text)


def _scan_cells(data: bytes) -> list[tuple] | None:
    """Every cell as the strings (column letters, row, t, "<f" + attributes or "", formula
    text, the <v> element or "", "<is>" + inline XML or ""), read with one regular
    expression when the sheet XML has the plain layout Excel and openpyxl write; None
    when it does not (lxml reads it then)."""
    text = data.decode("utf-8")
    # line ends as an XML parser reads them, then the entities that cannot disturb the
    # scan, resolved once for the whole sheet
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    start = text.find("<sheetData>")
    if start < 0:
        return [] if "<sheetData/>" in text else None
    end = text.find("</sheetData>", start)
    if end < 0:
        return None
    body = text[start:end]
    if "<![CDATA[" in body or "<!--" in body:
        return None
    found = _CELL_XML.findall(body)
    if len(found) != body.count("<c ") + body.count("<c>"):
        return None
    return found


def _lxml_cells(data: bytes) -> list[tuple]:
    """The same strings as :func:`_scan_cells` (text already unescaped, inline strings
    already joined), for any well-formed sheet XML."""
    root = etree.fromstring(data, _parser())
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    p = f"{{{ns}}}" if ns else ""
    tag_c, tag_v, tag_f, tag_is, tag_row = p + "c", p + "v", p + "f", p + "is", p + "row"
    out = []
    sheet_data = root.find(p + "sheetData")
    row_no = 0
    for row_el in sheet_data.iter(tag_row) if sheet_data is not None else ():
        r_attr = row_el.get("r")
        row_no = int(r_attr) if r_attr else row_no + 1
        col_no = 0
        for c in row_el.iter(tag_c):
            ref = c.get("r")
            if ref:
                row_no, col_no = _cell_ref(ref)
            else:
                col_no += 1
            f_el, v_el, is_el = c.find(tag_f), c.find(tag_v), c.find(tag_is)
            f = ftext = v = inline = ""
            if f_el is not None:
                f = "<f" + "".join(f' {k}="{val}"' for k, val in f_el.attrib.items())
                ftext = f_el.text or ""
            if v_el is not None:
                v = "<v>" + (v_el.text or "") + "</v>"
            if is_el is not None:
                inline = "<is>" + "".join(
                    t.text or "" for t in is_el.iter(p + "t") if t.getparent().tag != p + "rPh"
                )
            out.append((col_letters(col_no), str(row_no), c.get("t") or "", f, ftext, v, inline))
    return out


def _read_sheet(name: str, data: bytes, strings: list[str]) -> tuple[SheetData, list[FormulaCell], PlainFormulas]:
    scanned = _scan_cells(data)
    escaped = scanned is not None  # the scanner's text still holds XML entities
    if scanned is None:
        scanned = _lxml_cells(data)
    cols_of = _COLS
    for letters in {c[0] for c in scanned}:
        _col(letters)
    rows: list[int] = []
    cols: list[int] = []
    kinds: list[int] = []
    nums: list[float] = []
    objs: dict[int, object] = {}
    formulas: list[FormulaCell] = []
    shared: dict[str, tuple[str, int, int]] = {}
    followers: list[tuple[int, int, str]] = []
    areas: list[tuple[int, int, int, int]] = []  # array-formula ranges: every cell is computed

    # plain formulas, the bulk of a staff list's formula cells
    plain_f = [c for c in scanned if c[3] == "<f" and c[4]]
    plain = PlainFormulas(
        name,
        [int(c[1]) for c in plain_f],
        [cols_of[c[0]] for c in plain_f],
        [_unescape(c[4]) for c in plain_f] if escaped else [c[4] for c in plain_f],
    )
    # numbers, the bulk of the typed-in cells, converted at once
    plain_n = [c for c in scanned if not c[3] and c[2] in ("", "n") and len(c[5]) > 7]
    try:
        numbers = [_number(c[5][3:-4]) for c in plain_n]
    except ValueError:
        plain_n = []
    else:
        rows.extend([int(c[1]) for c in plain_n])
        cols.extend([cols_of[c[0]] for c in plain_n])
        kinds.extend([NUMBER] * len(plain_n))
        nums.extend(numbers)
    if plain_f or plain_n:
        scanned = [c for c in scanned if not ((c[3] == "<f" and c[4]) or (not c[3] and c[2] in ("", "n") and len(c[5]) > 7))]
        rows.extend(plain.rows)
        cols.extend(plain.cols)
        kinds.extend([PENDING] * len(plain.rows))
        nums.extend([np.nan] * len(plain.rows))

    for letters, row, t, f, ftext, v, inline in scanned:
        row_no, col_no = int(row), cols_of[letters]
        v = v[3:-4] if v.endswith("</v>") else ("" if v else None)
        if f:
            attrs = dict(_ATTR.findall(f))
            text = (_unescape(ftext) if escaped else ftext) or None
            ftype = attrs.get("t", NORMAL)
            if ftype == SHARED:
                si = attrs.get("si", "")
                if text:
                    shared[si] = (text, row_no, col_no)
                    formulas.append(FormulaCell(name, row_no, col_no, text, SHARED, anchor=(row_no, col_no)))
                else:
                    followers.append((row_no, col_no, si))
            elif ftype == ARRAY and text:
                r1, c1, r2, c2 = _area(attrs.get("ref") or f"{letters}{row_no}")
                areas.append((r1, c1, r2, c2))
                formulas.append(
                    FormulaCell(name, r1, c1, text, ARRAY, anchor=(r1, c1), size=(r2 - r1 + 1, c2 - c1 + 1))
                )
            elif ftype == NORMAL and text:
                formulas.append(FormulaCell(name, row_no, col_no, text, NORMAL, anchor=(row_no, col_no)))
            else:  # data tables, empty formulas: computed cell by cell
                r1, c1, r2, c2 = _area(attrs.get("ref") or f"{letters}{row_no}")
                areas.append((r1, c1, r2, c2))
                formulas.append(
                    FormulaCell(name, r1, c1, text, OTHER, anchor=(r1, c1), size=(r2 - r1 + 1, c2 - c1 + 1))
                )
            rows.append(row_no)
            cols.append(col_no)
            kinds.append(PENDING)
            nums.append(np.nan)
            continue
        if t == "inlineStr":
            if not inline:
                continue
            kind, x = TEXT, (_inline_text(inline[4:]) if escaped else inline[4:])
        elif v is None:
            continue
        elif t in ("", "n"):
            try:
                kind, x = NUMBER, _number(v)
            except ValueError:
                if not v:
                    continue
                kind, x = ERROR, KpiError("#VALUE!", "")
        elif t == "s":
            try:
                kind, x = TEXT, strings[int(v)]
            except (ValueError, IndexError):
                kind, x = ERROR, KpiError("#VALUE!", "")
        elif t == "str":
            kind, x = TEXT, (_unescape(v) if escaped else v)
        elif t == "b":
            kind, x = BOOL, 1.0 if v.strip() in ("1", "true") else 0.0
        elif t == "e":
            kind, x = ERROR, _error(v)
        else:
            continue
        rows.append(row_no)
        cols.append(col_no)
        kinds.append(kind)
        if kind in (NUMBER, BOOL):
            nums.append(x)
        else:
            nums.append(np.nan)
            objs[len(rows) - 1] = x

    for row_no, col_no, si in followers:
        master = shared.get(si)
        if master is None:
            formulas.append(FormulaCell(name, row_no, col_no, None, OTHER, anchor=(row_no, col_no)))
        else:
            text, mr, mc = master
            formulas.append(FormulaCell(name, row_no, col_no, text, SHARED, anchor=(mr, mc)))

    sheet = _columns(name, rows, cols, kinds, nums, objs, areas)
    return sheet, formulas, plain


def _columns(name, rows, cols, kinds, nums, objs, areas) -> SheetData:
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    max_row = int(r.max()) if r.size else 0
    max_col = int(c.max()) if c.size else 0
    for _, _, r2, c2 in areas:
        max_row, max_col = max(max_row, r2), max(max_col, c2)
    sheet = SheetData(name, max_row, max_col)
    k = np.asarray(kinds, dtype=np.int8)
    x = np.asarray(nums, dtype=float)
    obj_idx = np.fromiter(objs.keys(), dtype=np.int64, count=len(objs))
    obj_col = c[obj_idx] if obj_idx.size else obj_idx
    for col in np.unique(c):
        sel = c == col
        column = Column.empty(max_row)
        column.kind[r[sel]] = k[sel]
        column.num[r[sel]] = x[sel]
        mine = obj_idx[obj_col == col] if obj_idx.size else obj_idx
        if mine.size:
            column.ensure_obj()[r[mine]] = [objs[i] for i in mine]
        sheet.columns[int(col)] = column
    for r1, c1, r2, c2 in areas:  # every cell of an array formula's range is computed
        for col in range(c1, c2 + 1):
            sheet.column(col).kind[r1 : r2 + 1] = PENDING
    return sheet
