"""Seventy-odd damaged variants of one small, valid workbook, for ``kpi check`` (issue 12).

:func:`base_book` writes a workbook holding everything ``kpi check`` reads: a KPI_BAND
call over a rule table, a data validation, a defined name, an Excel table and a shared
string table. :data:`VARIANTS` maps a name to a function that breaks it one way, at the
zip level (truncated, not a zip, encrypted, an unknown compression, a bad CRC), by a
missing part, by XML that is not well formed, not UTF-8 or of the wrong kind, by wrong
content types and relationships, or by values no writer would produce (cell references
beyond the grid, shared-string indexes out of range, styles that do not exist).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

STAFF_PART = "xl/worksheets/sheet1.xml"
RULES_PART = "xl/worksheets/sheet2.xml"
SST_PART = "xl/sharedStrings.xml"
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="' + MAIN
       + b'" count="3" uniqueCount="3"><si><t>name</t></si><si><t>rate</t></si><si><t>points</t></si></sst>')


def base_book(path: Path) -> Path:
    """Staff: names, rates (validated 0–1), KPI_BAND points from the Rules table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws.append(["name", "rate", "points"])
    for i in range(2, 6):
        ws.append([f"员工{i}", round(0.3 + i * 0.05, 2), f"=KPI_BAND(B{i},Rules!A2:A4,Rules!B2:B4,Rules!C2:C4)"])
    rules = wb.create_sheet("Rules")
    rules.append(["lower", "upper", "points"])
    for row in ([0, 0.4, 60], [0.45, 0.5, 80], [0.5, 1, 100]):
        rules.append(row)
    rules.add_table(Table(displayName="Bands", ref="A1:C4"))
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
    ws.add_data_validation(dv)
    dv.add("B2:B5")
    wb.defined_names["Points"] = DefinedName("Points", attr_text="Rules!$C$2:$C$4")
    buffer = io.BytesIO()
    wb.save(buffer)
    parts = _parts(buffer.getvalue())
    # the header row through a shared string table, as Excel writes text
    sheet = parts[STAFF_PART]
    for i, word in enumerate((b"name", b"rate", b"points")):
        col = b"ABC"[i:i + 1]
        sheet = sheet.replace(b'<c r="' + col + b'1" t="inlineStr"><is><t>' + word + b"</t></is></c>",
                              b'<c r="' + col + b'1" t="s"><v>' + str(i).encode() + b"</v></c>")
    parts[STAFF_PART] = sheet
    parts[SST_PART] = SST
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    path.write_bytes(_zip(parts))
    return path


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buffer.getvalue()


# -- how a variant is made -------------------------------------------------------------------

def _bytes(change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """Break the file's bytes."""
    def make(path: Path) -> None:
        path.write_bytes(change(base_book(path).read_bytes()))
    return make


def _part(name: str, change: Callable[[bytes], bytes | None]) -> Callable[[Path], None]:
    """Break one part (None removes it)."""
    def make(path: Path) -> None:
        parts = _parts(base_book(path).read_bytes())
        new = change(parts[name])
        if new is None:
            del parts[name]
        else:
            parts[name] = new
        path.write_bytes(_zip(parts))
    return make


def _sub(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new)
    return change


def _with_row(row: bytes) -> Callable[[bytes], bytes]:
    """Add a row at the end of Staff's sheetData."""
    return _sub(b"</sheetData>", row + b"</sheetData>")


def _raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand: (name, stored data, compression method, flags) per entry,
    for what zipfile will not write (an unknown method, the encryption flag, a bad CRC)."""
    out, central = io.BytesIO(), []
    for name, data, method, flags in entries:
        offset = out.tell()
        crc = zlib.crc32(data)
        name_b = name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0, crc, len(data), len(data),
                              len(name_b), 0) + name_b + data)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, 0, 0, crc,
                                   len(data), len(data), len(name_b), 0, 0, 0, 0, 0, offset) + name_b)
    start = out.tell()
    for c in central:
        out.write(c)
    size = out.tell() - start
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0))
    return out.getvalue()


def _stored_with(method: int = 0, flags: int = 0, bad_crc: str | None = None) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        parts = _parts(base_book(path).read_bytes())
        entries = []
        for name, data in parts.items():
            m, f = (method, flags) if name == STAFF_PART else (0, 0)
            entries.append((name, data, m, f))
        raw = _raw_zip(entries)
        if bad_crc:  # flip one byte of the named part's stored data
            at = raw.index(parts[bad_crc][:40]) + 20
            raw = raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:]
        path.write_bytes(raw)
    return make


#: How openpyxl wrote the name 员工2 in cell A2.
NAME_A2 = b"<t>&#21592;&#24037;2</t>"
LATIN1_NAME = b"<t>caf\xe9</t>"  # "café" in Latin-1: not UTF-8


def _xml_decl_latin1(data: bytes) -> bytes:
    return b'<?xml version="1.0" encoding="ISO-8859-1"?>' + data.replace(NAME_A2, LATIN1_NAME)
WORKBOOK = "xl/workbook.xml"
WB_RELS = "xl/_rels/workbook.xml.rels"
TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
STYLES = "xl/styles.xml"
TABLE = "xl/tables/table1.xml"
RULES_RELS = "xl/worksheets/_rels/sheet2.xml.rels"

VARIANTS: dict[str, Callable[[Path], None]] = {
    # the file and the zip
    "empty file": _bytes(lambda d: b""),
    "one byte": _bytes(lambda d: b"P"),
    "a CSV named .xlsx": _bytes(lambda d: "name,score\n张三,91\n".encode()),
    "an OLE (legacy .xls or encrypted) file": _bytes(lambda d: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
    "a PDF named .xlsx": _bytes(lambda d: b"%PDF-1.4\n%" + bytes(200)),
    "truncated to 10 %": _bytes(lambda d: d[: len(d) // 10]),
    "truncated to half": _bytes(lambda d: d[: len(d) // 2]),
    "truncated to 90 %": _bytes(lambda d: d[: len(d) * 9 // 10]),
    "the last byte cut": _bytes(lambda d: d[:-1]),
    "the end-of-directory record cut": _bytes(lambda d: d[:-22]),
    "garbage appended": _bytes(lambda d: d + b"\x00garbage" * 100),
    "garbage prepended": _bytes(lambda d: b"garbage!" * 10 + d),
    "bytes flipped in the middle": _bytes(lambda d: d[: len(d) // 2] + bytes(b ^ 0x5A for b in d[len(d) // 2:
                                                                                                len(d) // 2 + 64])
                                          + d[len(d) // 2 + 64:]),
    "a sheet with a bad CRC": _stored_with(bad_crc=STAFF_PART),
    "a sheet flagged encrypted": _stored_with(flags=1),
    "a sheet in an unknown compression": _stored_with(method=99),
    "a sheet in bzip2": _stored_with(method=12),
    # missing parts
    "no [Content_Types].xml": _part(TYPES, lambda d: None),
    "no _rels/.rels": _part(ROOT_RELS, lambda d: None),
    "no workbook.xml": _part(WORKBOOK, lambda d: None),
    "no workbook relationships": _part(WB_RELS, lambda d: None),
    "no Staff sheet part": _part(STAFF_PART, lambda d: None),
    "no Rules sheet part": _part(RULES_PART, lambda d: None),
    "no styles": _part(STYLES, lambda d: None),
    "no shared strings": _part(SST_PART, lambda d: None),
    "no table part": _part(TABLE, lambda d: None),
    "no theme": _part("xl/theme/theme1.xml", lambda d: None),
    "no Rules sheet relationships": _part(RULES_RELS, lambda d: None),
    # XML that is not well formed, or not XML
    "workbook.xml not XML": _part(WORKBOOK, lambda d: b"not xml at all"),
    "workbook.xml empty": _part(WORKBOOK, lambda d: b""),
    "workbook.xml truncated": _part(WORKBOOK, lambda d: d[: len(d) // 2]),
    "Staff sheet truncated": _part(STAFF_PART, lambda d: d[: len(d) // 2]),
    "Staff sheet empty": _part(STAFF_PART, lambda d: b""),
    "Staff sheet unclosed tag": _part(STAFF_PART, _sub(b"</sheetData>", b"<row></sheetData>")),
    "Rules sheet garbage": _part(RULES_PART, lambda d: bytes(range(256)) * 4),
    "shared strings truncated": _part(SST_PART, lambda d: d[: len(d) // 2]),
    "styles not XML": _part(STYLES, lambda d: b"<styleSheet"),
    "table not XML": _part(TABLE, lambda d: b"<table><oops"),
    "content types not XML": _part(TYPES, lambda d: b"<Types"),
    "root relationships not XML": _part(ROOT_RELS, lambda d: b"<<<"),
    "workbook relationships truncated": _part(WB_RELS, lambda d: d[: len(d) // 2]),
    # XML in the wrong encoding, or a DTD
    "Staff sheet in invalid UTF-8": _part(STAFF_PART, _sub(NAME_A2, b"<t>\xff\xfe\xc3(</t>")),
    "Staff sheet in UTF-16 without saying so": _part(STAFF_PART, lambda d: d.decode("utf-8").encode("utf-16")),
    "Staff sheet in Latin-1 declared UTF-8": _part(STAFF_PART, _sub(NAME_A2, LATIN1_NAME)),
    "Staff sheet in Latin-1 declared Latin-1": _part(STAFF_PART, _xml_decl_latin1),
    "shared strings in invalid UTF-8": _part(SST_PART, _sub(b"<t>rate</t>", b"<t>r\xffte</t>")),
    "workbook.xml with a DTD": _part(WORKBOOK, lambda d: b'<!DOCTYPE w [<!ENTITY a "b">]>' + d),
    "Staff sheet with an external entity": _part(
        STAFF_PART, lambda d: b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + d),
    # wrong content types and relationships
    "workbook typed text/plain": _part(TYPES, _sub(b"spreadsheetml.sheet.main+xml", b"text/plain")),
    "workbook typed as a macro workbook": _part(TYPES, _sub(b"spreadsheetml.sheet.main+xml",
                                                            b"ms-excel.sheet.macroEnabled.main+xml")),
    "no content type for the sheets": _part(TYPES, lambda d: d.replace(
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"',
        b'ContentType="application/octet-stream"')),
    "content types of another namespace": _part(TYPES, _sub(b"package/2006/content-types", b"example/types")),
    "officeDocument relationship to nowhere": _part(ROOT_RELS, _sub(b"xl/workbook.xml", b"xl/nowhere.xml")),
    "officeDocument relationship external": _part(ROOT_RELS, _sub(b'Target="xl/workbook.xml"',
                                                                  b'Target="http://example.com/x.xml" '
                                                                  b'TargetMode="External"')),
    "sheet relationship to a missing part": _part(WB_RELS, _sub(b"worksheets/sheet1.xml", b"worksheets/gone.xml")),
    "sheet relationship of the wrong type": _part(WB_RELS, lambda d: d.replace(
        b"relationships/worksheet\" Target=\"worksheets/sheet1.xml",
        b"relationships/image\" Target=\"worksheets/sheet1.xml", 1)),
    "sheet relationship outside the package": _part(WB_RELS, _sub(b"worksheets/sheet1.xml",
                                                                   b"../../../../etc/passwd")),
    "table relationship to a missing part": _part(RULES_RELS, _sub(b"/xl/tables/table1.xml", b"/xl/tables/gone.xml")),
    # workbook.xml that says odd things
    "no sheets in workbook.xml": _part(WORKBOOK, lambda d: d[: d.index(b"<sheets>")] + d[d.index(b"</sheets>") + 9:]),
    "a sheet without a name": _part(WORKBOOK, _sub(b'name="Staff"', b"")),
    "two sheets of one name": _part(WORKBOOK, _sub(b'name="Rules"', b'name="Staff"')),
    "a sheet without a relationship id": _part(WORKBOOK, _sub(b' r:id="rId1"', b"")),
    "a defined name of garbage": _part(WORKBOOK, _sub(b"Rules!$C$2:$C$4", b"((((!!!!")),
    "a defined name on a missing sheet": _part(WORKBOOK, _sub(b"<definedName ",
                                                              b'<definedName localSheetId="99" ')),
    # values no writer produces
    "a cell reference beyond the grid": _part(STAFF_PART, _with_row(
        b'<row r="6"><c r="XFE6"><v>1</v></c></row>')),
    "a row beyond the grid": _part(STAFF_PART, _with_row(b'<row r="2000000"><c r="A2000000"><v>1</v></c></row>')),
    "a cell far below its row": _part(STAFF_PART, _with_row(b'<row r="6"><c r="A100000000"><v>1</v></c></row>')),
    "a cell reference that is not one": _part(STAFF_PART, _with_row(b'<row r="7"><c r="7A"><v>1</v></c></row>')),
    "a row number of zero": _part(STAFF_PART, _with_row(b'<row r="0"><c r="A0"><v>1</v></c></row>')),
    "a shared string index out of range": _part(STAFF_PART, _sub(b'<c r="A1" t="s"><v>0</v>',
                                                                 b'<c r="A1" t="s"><v>99</v>')),
    "a shared string index of -1": _part(STAFF_PART, _sub(b'<c r="A1" t="s"><v>0</v>', b'<c r="A1" t="s"><v>-1</v>')),
    "a shared string index that is text": _part(STAFF_PART, _sub(b'<c r="A1" t="s"><v>0</v>',
                                                                 b'<c r="A1" t="s"><v>abc</v>')),
    "a number that is text": _part(STAFF_PART, _sub(b'<c r="B2" t="n"><v>0.4</v>', b'<c r="B2" t="n"><v>zero</v>')),
    "a boolean of 7": _part(STAFF_PART, _sub(b'<c r="B2" t="n"><v>0.4</v>', b'<c r="B2" t="b"><v>7</v>')),
    "an unknown cell type": _part(STAFF_PART, _sub(b'<c r="B2" t="n">', b'<c r="B2" t="zz">')),
    "a style that does not exist": _part(STAFF_PART, _sub(b'<c r="B2" t="n">', b'<c r="B2" s="999" t="n">')),
    "a formula of garbage": _part(STAFF_PART, _sub(b"<f>KPI_BAND(B2,", b"<f>((((KPI_BAND(B2,,,,")),
    "a shared formula without its master": _part(STAFF_PART, _sub(
        b"<f>KPI_BAND(B3,Rules!A2:A4,Rules!B2:B4,Rules!C2:C4)</f>", b'<f t="shared" si="7"/>')),
    "an array formula over a bad range": _part(STAFF_PART, _sub(b"<f>KPI_BAND(B2,", b'<f t="array" ref="Q:Z9">KPI_BAND(B2,')),
    "a data validation over a bad range": _part(STAFF_PART, _sub(b'sqref="B2:B5"', b'sqref="B2:!!"')),
    "a data validation of an unknown type": _part(STAFF_PART, _sub(b'type="decimal"', b'type="sideways"')),
    "a data validation whose bound is text": _part(STAFF_PART, _sub(b"<formula1>0</formula1>",
                                                                    b"<formula1>\"x\"&amp;1</formula1>")),
    "a dimension of garbage": _part(STAFF_PART, _sub(b'<dimension ref="A1:C5"/>', b'<dimension ref="!!"/>')),
    "a table over a bad range": _part(TABLE, _sub(b'ref="A1:C4"', b'ref="C4:A"')),
    "a table without columns": _part(TABLE, lambda d: d[: d.index(b"<tableColumns")] + d[d.index(b"</tableColumns>")
                                                                                          + 15:]),
    "a style sheet of an unknown number format": _part(STYLES, _sub(b"<cellXfs", b'<numFmts count="1"><numFmt '
                                                                    b'numFmtId="-5" formatCode=""/></numFmts><cellXfs')),
}
