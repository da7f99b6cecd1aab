"""A worksheet's cells, read from its XML: constants into column arrays, and the
formula cells with what Excel stored about them.

Excel's sheet XML has a plain layout (``<c r="B2" s="1" t="s"><v>0</v></c>``), and a
regular-expression scan reads it several times faster than an XML parser. The scan is
used only when it provably sees every cell: the number of cells it matched must equal
the number of ``<c>`` start tags in the sheet (any whitespace, any attribute order), the
sheet must be UTF-8 without namespace prefixes, comments or CDATA, and every field is
unescaped as XML does (``&#53;`` is 5). Any other spelling is read by lxml (no DTD, no
entities, no network). Both readings are checked equal on generated sheets in every
legal spelling (tests/test_sheet_xml.py).

A reference beyond Excel's grid (``<c r="A100000000">``) or to a shared string that does
not exist is refused: the file is damaged, and guessing would give wrong values.

Each formula also gets a *key*: its text with every cell reference rewritten as an offset
from the cell (``R[0]C[-3]``) or kept absolute (``R2C14``), the way Excel's R1C1 notation
writes it. Cells of one column with the same key in consecutive rows are one formula
copied down: a block (:mod:`kpi_udfs.recalc.graph.formula_blocks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from lxml import etree

from ...errors import CODES, KpiError
from ...i18n import _
from ..a1 import MAX_COL, MAX_ROW, col_letters, col_number
from ..evaluate.vec import BOOL, ERROR, NUMBER, PENDING, TEXT
from .archive import PackageError
from .book import Column, SheetData

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
    #: Where ``text`` is written (a shared follower: its master's cell).
    anchor: tuple[int, int] = (0, 0)
    #: For an array formula: (rows, cols) of its range.
    size: tuple[int, int] = (1, 1)
    #: A dynamic array formula (Excel 365: its cell carries ``cm``, the dynamic-array
    #: metadata): its range is where the result spilled when the file was saved.
    dynamic: bool = False


@dataclass
class PlainFormulas:
    """A sheet's ordinary single-cell formulas (the bulk of a staff list), as columns."""

    sheet: str
    rows: list[int]
    cols: list[int]
    texts: list[str]


# -- R1C1 keys -----------------------------------------------------------------------

_KEY = re.compile(
    r'"(?:[^"]|"")*"'  # a string literal: kept as is
    r"|'(?:[^']|'')*'"  # a quoted sheet name
    r"|\[(?:[^\[\]']|'.|\[(?:[^\[\]']|'.)*\])*\]"  # a Table's column or part: [Sales Q1], [[#This Row],[a]]
    r"|(?<![\w.$\\\[])(?P<c1a>\$?)(?P<c1>[A-Za-z]{1,3}):(?P<c2a>\$?)(?P<c2>[A-Za-z]{1,3})(?![\w.(\[!])"  # columns H:H
    r"|(?<![\w.$\\:\[])(?P<r1a>\$?)(?P<r1>\d+):(?P<r2a>\$?)(?P<r2>\d+)(?![\w.(\[!:])"  # rows 3:5
    r"|(?<![\w.$\\])(?P<ca>\$?)(?P<c>[A-Za-z]{1,3})(?P<ra>\$?)(?P<r>\d+)(?![\w.(\[!])"  # a cell reference
)
_COLS: dict[str, int] = {}


def _col(letters: str) -> int:
    n = _COLS.get(letters)
    if n is None:
        n = _COLS[letters] = col_number(letters)
    return n


def _column_span(m: re.Match) -> tuple[int, int] | None:
    a, b = _col(m["c1"].upper()), _col(m["c2"].upper())
    return (a, b) if a <= MAX_COL and b <= MAX_COL else None


def _row_span(m: re.Match) -> tuple[int, int] | None:
    a, b = int(m["r1"]), int(m["r2"])
    return (a, b) if 1 <= a <= MAX_ROW and 1 <= b <= MAX_ROW else None


def r1c1_key(text: str, row: int, col: int) -> str:
    """``text`` with its references (cells, whole columns, whole rows) as R1C1 offsets
    from (row, col)."""

    def sub(m: re.Match) -> str:
        if m["c"] is not None:
            c, r = _col(m["c"].upper()), int(m["r"])
            if c > MAX_COL or r > MAX_ROW or r < 1:
                return m.group(0)
            return (f"R{r}" if m["ra"] else f"R[{r - row}]") + (f"C{c}" if m["ca"] else f"C[{c - col}]")
        if m["c1"] is not None and (cols := _column_span(m)):
            return ":".join(f"C{c}" if a else f"C[{c - col}]" for a, c in zip((m["c1a"], m["c2a"]), cols, strict=True))
        if m["r1"] is not None and (rows := _row_span(m)):
            return ":".join(f"R{r}" if a else f"R[{r - row}]" for a, r in zip((m["r1a"], m["r2a"]), rows, strict=True))
        return m.group(0)

    return _KEY.sub(sub, text)


def translate(text: str, rows: int, cols: int) -> str:
    """``text`` as it reads copied ``rows`` down and ``cols`` right: relative references
    move (cells, whole columns ``H:H``, whole rows ``3:3``), absolute ones stay (how a
    shared formula reads in each cell)."""
    if rows == 0 and cols == 0:
        return text

    def sub(m: re.Match) -> str:
        if m["c"] is not None:
            c, r = _col(m["c"].upper()), int(m["r"])
            if not m["ca"]:
                c += cols
            if not m["ra"]:
                r += rows
            if not (1 <= c <= MAX_COL and 1 <= r <= MAX_ROW):
                return "#REF!"
            return f"{m['ca']}{col_letters(c)}{m['ra']}{r}"
        if m["c1"] is not None and (span := _column_span(m)):
            moved = [c if a else c + cols for a, c in zip((m["c1a"], m["c2a"]), span, strict=True)]
            if not all(1 <= c <= MAX_COL for c in moved):
                return "#REF!"
            return f"{m['c1a']}{col_letters(moved[0])}:{m['c2a']}{col_letters(moved[1])}"
        if m["r1"] is not None and (span := _row_span(m)):
            moved = [r if a else r + rows for a, r in zip((m["r1a"], m["r2a"]), span, strict=True)]
            if not all(1 <= r <= MAX_ROW for r in moved):
                return "#REF!"
            return f"{m['r1a']}{moved[0]}:{m['r2a']}{moved[1]}"
        return m.group(0)

    return _KEY.sub(sub, text)


def copy_down(text: str, row: int) -> tuple[str, tuple[int, ...]]:
    """A format string and row offsets that write ``text`` (written in ``row``) as it
    reads when copied down to another row: ``fmt.format(*(r + o for o in offsets))``.
    Only relative row numbers change (of cells and of whole rows); everything else is
    kept as written."""
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0

    def hole(start: int, end: int, number: int) -> None:
        nonlocal pos
        pieces.append(text[pos:start].replace("{", "{{").replace("}", "}}"))
        pieces.append("{" + str(len(offsets)) + "}")
        offsets.append(number - row)
        pos = end

    for m in _KEY.finditer(text):
        if m["c"] is not None:
            if not m["ra"] and int(m["r"]) >= 1:
                hole(m.start("r"), m.end("r"), int(m["r"]))
        elif m["r1"] is not None and _row_span(m):
            for a, g in (("r1a", "r1"), ("r2a", "r2")):
                if not m[a]:
                    hole(m.start(g), m.end(g), int(m[g]))
    pieces.append(text[pos:].replace("{", "{{").replace("}", "}}"))
    return "".join(pieces), tuple(offsets)


# -- reading -------------------------------------------------------------------------

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _cell_ref(ref: str, where: str = "") -> tuple[int, int]:
    m = _REF.match(ref)
    if not m:
        raise PackageError(where + _("a cell reference {ref} that is no cell (damaged file)", ref=repr(ref[:40])))
    row, col = int(m.group(2)), _col(m.group(1).upper())
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise PackageError(where + _("a cell {ref} beyond Excel's grid (damaged or crafted file)", ref=ref[:40]))
    return row, col


def _area(ref: str, where: str = "") -> tuple[int, int, int, int]:
    a, _skip, b = ref.partition(":")
    r1, c1 = _cell_ref(a, where)
    r2, c2 = _cell_ref(b, where) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _error(text: str) -> KpiError:
    text = (text or "").strip()
    return KpiError(text if text in CODES else "#VALUE!", "")


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
#: A formatted empty cell as Excel writes it, at an address plainly inside the grid (a
#: column of one or two letters, a row of up to six digits without a leading 0): others
#: stay for the address checks.
_EMPTY_CELL = re.compile(r'<c r="[A-Z]{1,2}[1-9][0-9]{0,5}"(?: s="[0-9]+")?/>')
#: Every start tag of a cell, however its attributes are spelt (for the scan's check).
_ANY_CELL_TAG = re.compile(r"<c[\s/>]")
_ATTR = re.compile(r'([a-zA-Z]+)="([^"]*)"')
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_RUN_TEXT = re.compile(r"<t(?: [^>]*)?>([^<]*)</t>|<t(?: [^>]*)?/>")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']")


_WITH_METADATA = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*? cm="')


def _with_metadata(data: bytes) -> frozenset[str]:
    """Addresses of the cells carrying cell metadata (``cm``: Excel 365's mark of a
    dynamic array formula), found in one pass over the sheet."""
    if b' cm="' not in data:
        return frozenset()
    return frozenset(m.decode() for m in _WITH_METADATA.findall(data))


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name[0] != "#":
        return _ENTITIES[name]
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    if not (0x9 <= code <= 0x10FFFF) or 0xD800 <= code <= 0xDFFF:
        raise PackageError(_("a character reference &{name}; to no XML character (damaged file)", name=name))
    return chr(code)


def _unescape(s: str) -> str:
    if "&" not in s:
        return s
    if "&#" not in s:  # the five named entities, &amp; last: one pass's result, at C speed
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
    return _ENTITY.sub(_entity, s)


def _unescaped(texts: list[str]) -> list[str]:
    """Formula texts unescaped, each distinct text once (a Table's calculated column is
    one text in every row)."""
    done: dict[str, str] = {}
    out = []
    for t in texts:
        u = done.get(t)
        if u is None:
            u = done[t] = _unescape(t)
        out.append(u)
    return out


def _inline_text(xml: str) -> str:
    xml = _PHONETIC.sub("", xml)
    return "".join(_unescape(m.group(1) or "") for m in _RUN_TEXT.finditer(xml))


_HEX = re.compile(r"_x([0-9A-Fa-f]{4})_")


def shared_string(text: str) -> str:
    """A string as Excel shows it: ``_xHHHH_`` escapes decoded (``_x005F_`` is "_")."""
    if "_x" in text:
        text = _HEX.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _number(text: str) -> float:
    """A number typed in a cell: every bit Excel saved."""
    return float(text)


def _utf8_text(data: bytes) -> str | None:
    """The sheet XML as text when it is UTF-8 as Excel writes it; None otherwise."""
    m = _DECLARATION.match(data[:200])
    if m and m.group(1).decode("ascii", "replace").strip().lower() not in ("utf-8", "utf8"):
        return None
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _scan_cells(data: bytes, empty: bool = True) -> list[tuple] | None:
    """Every cell as the strings (column letters, row, t, "<f" + attributes or "", formula
    text, the <v> element or "", "<is>" + inline XML or ""), read with one regular
    expression when the sheet has the plain layout Excel and openpyxl write; None when
    it does not (lxml reads it then). Fields keep their XML escapes. ``empty=False``
    leaves out the formatted empty cells (``<c r="B7" s="3"/>``) whose address is plainly
    inside the grid, before the scan: often most of a sheet."""
    text = _utf8_text(data)
    if text is None:
        return None
    start = text.find("<sheetData>")
    if start < 0:
        return [] if "<sheetData/>" in text and "<c" not in text else None
    end = text.find("</sheetData>", start)
    if end < 0:
        return None
    body = text[start:end]
    if not empty:  # first, so that what follows reads a third of the text
        body = _EMPTY_CELL.sub("", body)
    if "<!" in body or "<?" in body or ":c" in body or ":row" in body:  # CDATA, comments, PIs, prefixes
        return None
    # line ends as an XML parser reads them, then the entities that cannot disturb the
    # scan, resolved once for the whole sheet
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in body:
        body = body.replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    found = _CELL_XML.findall(body)
    if len(found) != len(_ANY_CELL_TAG.findall(body)):
        return None
    return found


def _lxml_cells(data: bytes, where: str) -> list[tuple]:
    """The same strings as :func:`_scan_cells` (text already unescaped, inline strings
    already joined), for any well-formed sheet XML."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        raise PackageError(where + _("not well-formed XML: {reason}", reason=str(e))) from None
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    p = f"{{{ns}}}" if ns else ""
    tag_c, tag_v, tag_f, tag_is, tag_row = p + "c", p + "v", p + "f", p + "is", p + "row"
    out = []
    sheet_data = root.find(p + "sheetData")
    row_no = 0
    for row_el in sheet_data.iter(tag_row) if sheet_data is not None else ():
        r_attr = row_el.get("r")
        try:
            row_no = int(r_attr) if r_attr else row_no + 1
        except ValueError:
            raise PackageError(where + _("a row numbered {row} (damaged file)", row=repr(r_attr[:20]))) from None
        if not 1 <= row_no <= MAX_ROW:
            raise PackageError(where + _("a row {row} beyond Excel's grid (damaged or crafted file)", row=format(row_no, ",")))
        col_no = 0
        for c in row_el.iter(tag_c):
            ref = c.get("r")
            if ref:
                row_no, col_no = _cell_ref(ref, where)
            else:
                col_no += 1
                if col_no > MAX_COL:
                    raise PackageError(where + _("a row with cells beyond column XFD (damaged file)"))
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


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_ATTR = re.compile(rb"""\b(r|hidden)\s*=\s*["']([^"']*)["']""")


def hidden_rows(data: bytes) -> frozenset[int]:
    """Rows the sheet XML marks hidden (``<row r="5" hidden="1">``)."""
    if b"hidden" not in data:
        return frozenset()
    out = set()
    for m in _ROW_TAG.finditer(data):
        attrs = dict(_ROW_ATTR.findall(m.group(1)))
        if attrs.get(b"hidden") in (b"1", b"true") and attrs.get(b"r", b"").isdigit():
            out.add(int(attrs[b"r"]))
    return frozenset(out)


def read_sheet(
    name: str, data: bytes, strings: list[str], where: str = "", date1904: bool = False
) -> tuple[SheetData, list[FormulaCell], PlainFormulas]:
    """One worksheet's constants (as a :class:`SheetData`) and formula cells.

    ``where`` starts every refusal message ("book.xlsx: sheet 'Staff': ")."""
    scanned = _scan_cells(data, empty=False)
    escaped = scanned is not None  # the scanner's text still holds XML entities
    if scanned is None:
        scanned = _lxml_cells(data, where)
    cols_of = _COLS
    for letters in set(map(itemgetter(0), scanned)):
        if _col(letters) > MAX_COL:
            raise PackageError(where + _("a cell in column {column}, beyond Excel's last column XFD (damaged or crafted "
                                         "file)", column=letters))
    for row in set(map(itemgetter(1), scanned)):  # the rows' numbers as written, each once
        if len(row) >= 7 or not row.lstrip("0"):
            top = int(row)
            if top == 0:
                raise PackageError(where + _("a cell in row 0 (damaged file)"))
            if top > MAX_ROW:
                raise PackageError(where + _("a cell in row {row}, beyond Excel's grid (damaged or crafted file)",
                                             row=format(top, ",")))
    # cells holding nothing (a formatted empty cell: <c r="B7" s="3"/>), often most of a sheet
    scanned = [c for c in scanned if c[3] or c[5] or c[6]]
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
        _unescaped([c[4] for c in plain_f]) if escaped else [c[4] for c in plain_f],
    )
    # numbers, the bulk of the typed-in cells, converted at once
    plain_n = [c for c in scanned if not c[3] and c[2] in ("", "n") and len(c[5]) > 7]
    try:
        numbers = [_number(c[5][3:-4]) for c in plain_n]
        if not np.isfinite(numbers).all():
            raise ValueError("not finite")
    except ValueError:
        plain_n = []
    else:
        rows.extend([int(c[1]) for c in plain_n])
        cols.extend([cols_of[c[0]] for c in plain_n])
        kinds.extend([NUMBER] * len(plain_n))
        nums.extend(numbers)
    if plain_f or plain_n:  # the rest, one by one (numbers too when one was no plain number)
        took_numbers = bool(plain_n)
        scanned = [
            c for c in scanned
            if not ((c[3] == "<f" and c[4]) or (took_numbers and not c[3] and c[2] in ("", "n") and len(c[5]) > 7))
        ]
        rows.extend(plain.rows)
        cols.extend(plain.cols)
        kinds.extend([PENDING] * len(plain.rows))
        nums.extend([np.nan] * len(plain.rows))

    dynamic_cells: frozenset[str] | None = None  # found when the first array formula needs them
    for letters, row, t, f, ftext, v, inline in scanned:
        row_no, col_no = int(row), cols_of[letters]
        v = v[3:-4] if v.endswith("</v>") else ("" if v else None)
        if escaped and v and "&" in v:
            v = _unescape(v)
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
                r1, c1, r2, c2 = _area(attrs.get("ref") or f"{letters}{row_no}", where)
                areas.append((r1, c1, r2, c2))
                if dynamic_cells is None:
                    dynamic_cells = _with_metadata(data)
                dynamic = f"{letters}{row}" in dynamic_cells
                formulas.append(FormulaCell(name, r1, c1, text, ARRAY, anchor=(r1, c1), size=(r2 - r1 + 1, c2 - c1 + 1),
                                            dynamic=dynamic))
            elif ftype == NORMAL and text:
                formulas.append(FormulaCell(name, row_no, col_no, text, NORMAL, anchor=(row_no, col_no)))
            elif ftype == NORMAL and any(r1 <= row_no <= r2 and c1 <= col_no <= c2 for r1, c1, r2, c2 in areas):
                pass  # a cell of a dynamic array's spill range (<f ca="1"/>): its anchor computes it
            else:  # data tables, empty formulas: not computed
                r1, c1, r2, c2 = _area(attrs.get("ref") or f"{letters}{row_no}", where)
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
            if not v.strip():
                continue
            try:
                kind, x = NUMBER, _number(v)
            except ValueError:
                raise PackageError(where + _("cell {cell} holds {value} as a number (damaged file)", cell=letters + str(row_no),
                                             value=repr(v[:30]))) from None
            if not np.isfinite(x):
                raise PackageError(where + _("cell {cell} holds {value} as a number (damaged file)", cell=letters + str(row_no),
                                             value=repr(v[:30])))
        elif t == "s":
            index = int(v) if v.strip().isdigit() else -1
            if not 0 <= index < len(strings):
                raise PackageError(where + _(
                    "cell {cell} refers to shared string {index}, which does not exist ({count} strings; damaged file)",
                    cell=letters + str(row_no), index=repr(v.strip()[:20]), count=format(len(strings), ","))
                )
            kind, x = TEXT, strings[index]
        elif t == "str":
            kind, x = TEXT, v
        elif t == "b":
            kind, x = BOOL, 1.0 if v.strip() in ("1", "true") else 0.0
        elif t == "e":
            kind, x = ERROR, _error(v)
        elif t == "d":
            x = iso_date_serial(v, date1904)
            if x is None:
                raise PackageError(where + _("cell {cell} holds {value} as a date (damaged file)", cell=letters + str(row_no),
                                             value=repr(v[:30])))
            kind = NUMBER
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


def iso_date_serial(text: str, date1904: bool = False) -> float | None:
    """A ``t="d"`` cell's ISO 8601 date, date-time or time ("2024-01-16",
    "2024-01-16T08:30:00", "08:30:00") as the serial number Excel stores (1900 system with
    its fictitious 1900-02-29, or 1904); None if it is none of those."""
    import datetime as dt

    text = text.strip().removesuffix("Z")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            t = dt.time.fromisoformat(text)
        except ValueError:
            return None
        return (t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6) / 86400
    day = when.date()
    if date1904:
        serial = (day - dt.date(1904, 1, 1)).days
    else:
        serial = (day - dt.date(1899, 12, 30)).days if day >= dt.date(1900, 3, 1) else (day - dt.date(1899, 12, 31)).days
    seconds = when.hour * 3600 + when.minute * 60 + when.second + when.microsecond / 1e6
    return serial + seconds / 86400


def _columns(name, rows, cols, kinds, nums, objs, areas) -> SheetData:
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    max_row = int(r.max()) if r.size else 0
    max_col = int(c.max()) if c.size else 0
    for _skip, _skip, r2, c2 in areas:
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


def cached_values(data: bytes, strings: list[str]) -> dict[str, object]:
    """The value each cell of a sheet holds in the file ("B2" → number, text, bool or
    KpiError): for formula cells, the result the saving application computed (what
    the conformance runner compares with)."""
    scanned = _scan_cells(data)
    escaped = scanned is not None
    if scanned is None:
        scanned = _lxml_cells(data, "")
    out: dict[str, object] = {}
    for letters, row, t, _f, _ftext, v, inline in scanned:
        if t == "inlineStr" and inline:
            out[f"{letters}{row}"] = shared_string(_inline_text(inline[4:]) if escaped else inline[4:])
            continue
        if not v.endswith("</v>"):
            continue
        raw = v[3:-4]
        if escaped and "&" in raw:
            raw = _unescape(raw)
        if t == "e":
            out[f"{letters}{row}"] = _error(raw)
        elif t == "s":
            index = int(raw) if raw.strip().isdigit() else -1
            out[f"{letters}{row}"] = strings[index] if 0 <= index < len(strings) else None
        elif t == "str":
            out[f"{letters}{row}"] = shared_string(raw)
        elif t == "b":
            out[f"{letters}{row}"] = raw.strip() in ("1", "true")
        elif t == "d":
            out[f"{letters}{row}"] = iso_date_serial(raw)
        else:
            try:
                out[f"{letters}{row}"] = float(raw)
            except ValueError:
                continue
    return out


def scan_cells(data: bytes, where: str = "") -> list[tuple]:
    """Every cell of a sheet as plain strings, XML escapes resolved, for other readers
    of the package (``kpi lint``): (column letters, row, t, formula attributes or None,
    formula text or None, value text or None, inline text or None)."""
    scanned = _scan_cells(data)
    escaped = scanned is not None
    if scanned is None:
        scanned = _lxml_cells(data, where)
    out = []
    for letters, row, t, f, ftext, v, inline in scanned:
        attrs = dict(_ATTR.findall(f)) if f else None
        text = (_unescape(ftext) if escaped else ftext) if f else None
        value = None
        if v.endswith("</v>"):
            value = v[3:-4]
            if escaped and "&" in value:
                value = _unescape(value)
        elif v:
            value = ""
        inline_text = None
        if inline:
            inline_text = _inline_text(inline[4:]) if escaped else inline[4:]
        out.append((letters, row, t, attrs, text or None, value, inline_text))
    return out
