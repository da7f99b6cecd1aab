"""Damaged and hostile workbooks, built on the fly (nothing large is committed).

Each builder writes one file at ``path`` and returns it. They start from a small valid
workbook written by openpyxl (:func:`plain_book`) and then break it at the zip or XML
level, the way a crafted or damaged upload would be.
"""

from __future__ import annotations

import random
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"


def plain_book(path: Path, rows: int = 3) -> Path:
    """Sheet1: A = 1…rows, B = 2·A as formulas; C1 = SUM(B)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(1, rows + 1):
        ws.append([i, f"=A{i}*2"])
    ws["C1"] = f"=SUM(B1:B{rows})"
    wb.save(path)
    return path


def parts(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


def rewrite(path: Path, replace: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> Path:
    """Rewrite the package: parts in ``replace`` get new bytes (None: removed)."""
    old = parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in old:
            if info.filename in replace:
                if replace[info.filename] is None:
                    continue
                data = replace[info.filename]
            zf.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zf.writestr(name, data)
    return path


def sheet_xml(path: Path) -> bytes:
    return dict((i.filename, d) for i, d in parts(path))[SHEET]


def with_sheet_data(path: Path, rows_xml: bytes, dimension: bytes = b"A1") -> Path:
    """Sheet1 replaced by the given <row> elements (and a <dimension ref>)."""
    plain_book(path)
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<dimension ref="' + dimension + b'"/><sheetData>' + rows_xml + b"</sheetData></worksheet>")
    return rewrite(path, {SHEET: xml})


# -- the zip ----------------------------------------------------------------------------

def not_a_zip(path: Path) -> Path:
    path.write_text("name,score\n张三,91\n", encoding="utf-8")  # a CSV saved as .xlsx
    return path


def truncated_zip(path: Path) -> Path:
    data = plain_book(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def no_workbook_part(path: Path) -> Path:
    return rewrite(plain_book(path), {"xl/workbook.xml": None})


def missing_sheet_part(path: Path) -> Path:
    return rewrite(plain_book(path), {SHEET: None})


def no_content_types(path: Path) -> Path:
    return rewrite(plain_book(path), {"[Content_Types].xml": None})


def zip_bomb_ratio(path: Path, mib: int = 64) -> Path:
    """A real part of ``mib`` MiB of zeros: a file of ~64 KiB (ratio ≈ 1000:1)."""
    plain_book(path)
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo("xl/media/image1.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            block = bytes(1024 * 1024)
            for _ in range(mib):
                fh.write(block)
    return path


def zip_bomb_declared(path: Path, declared: int = 2**40) -> Path:
    """A part whose zip headers claim 1 TiB decompressed (the data itself is small)."""
    plain_book(path)
    return _lie_about_size(path, SHEET, declared)


def zip_bomb_lying_header(path: Path, mib: int = 512) -> Path:
    """A sheet whose headers claim its true-looking size, but whose deflate stream expands
    to ``mib`` MiB: a reader that trusted the stream rather than the header would fill memory."""
    plain_book(path)
    xml = sheet_xml(path)
    stream = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = [stream.compress(xml)]
    zeros = bytes(1024 * 1024)
    for _ in range(mib):
        body.append(stream.compress(zeros))
    body.append(stream.flush())
    raw = b"".join(body)
    return _replace_raw(path, SHEET, raw, declared_size=len(xml), crc=zlib.crc32(xml))


def _lie_about_size(path: Path, name: str, declared: int) -> Path:
    """Rewrite the zip so that ``name`` declares ``declared`` bytes (zip64 headers)."""
    old = parts(path)
    data = dict((i.filename, d) for i, d in old)[name]
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = comp.compress(data) + comp.flush()
    return _replace_raw(path, name, raw, declared_size=declared, crc=zlib.crc32(data))


def _replace_raw(path: Path, name: str, raw: bytes, declared_size: int, crc: int) -> Path:
    """Write the package by hand so that one entry carries exactly ``raw`` (deflated) with
    the given declared size and CRC: zipfile would never write such a lie."""
    entries = parts(path)
    out = bytearray()
    central = bytearray()
    for info, data in entries:
        if info.filename == name:
            body, size, c = raw, declared_size, crc
        else:
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            body, size, c = comp.compress(data) + comp.flush(), len(data), zlib.crc32(data)
        fname = info.filename.encode("utf-8")
        big = size >= 0xFFFFFFFF or len(body) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(body)) if big else b""
        usize, csize = (0xFFFFFFFF, 0xFFFFFFFF) if big else (size, len(body))
        version = 45 if big else 20
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, version, 0x800, 8, 0, 0x21, c & 0xFFFFFFFF,
                           csize, usize, len(fname), len(extra)) + fname + extra + body
        cextra = struct.pack("<HHQQ", 1, 16, size, len(body)) if big else b""
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, 0x800, 8, 0, 0x21,
                               c & 0xFFFFFFFF, csize, usize, len(fname), len(cextra), 0, 0, 0, 0,
                               offset) + fname + cextra
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_offset, 0)
    path.write_bytes(bytes(out))
    return path


# -- XML --------------------------------------------------------------------------------

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>")


def billion_laughs(path: Path, part: str = SHEET) -> Path:
    """The part's XML preceded by the classic nine-level entity expansion (10^9 'lol's)."""
    plain_book(path)
    xml = dict((i.filename, d) for i, d in parts(path))[part]
    start = xml.index(b"<", xml.index(b"?>") + 2) if xml.startswith(b"<?xml") else 0
    body = xml[start:]
    if part == SHEET:  # use the entity in a cell so that a resolving parser would expand it
        body = body.replace(b"<sheetData>", b'<sheetData><row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t>'
                            b"</is></c></row>", 1)
    return rewrite(path, {part: LAUGHS + body})


def external_entity(path: Path, secret: Path) -> Path:
    """XXE: a cell whose text is an external entity pointing at a local file."""
    plain_book(path)
    xml = sheet_xml(path)
    body = xml[xml.index(b"<worksheet"):]
    body = body.replace(b"<sheetData>", b'<sheetData><row r="9"><c r="A9" t="inlineStr"><is><t>&xxe;</t>'
                        b"</is></c></row>", 1)
    doctype = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file://' + str(secret).encode() + b'">]>'
    return rewrite(path, {SHEET: doctype + body})


def external_entity_in_shared_strings(path: Path, secret: Path) -> Path:
    """XXE in the shared string table that A1 points to (B1 = A1&"!")."""
    rows = b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="str"><f>A1&amp;"!"</f></c></row>'
    with_sheet_data(path, rows, dimension=b"A1:B1")
    old = dict((i.filename, d) for i, d in parts(path))
    sst = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file://' + str(secret).encode() + b'">]>'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>&xxe;</t></si></sst>")
    rels = old["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    types = old["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>')
    return rewrite(path, {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types},
                   add={"xl/sharedStrings.xml": sst})


def billion_rows(path: Path) -> Path:
    """A sheet whose dimension and last row claim a billion rows (Excel stops at 1,048,576)."""
    rows = (b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f></c></row>'
            b'<row r="1000000000"><c r="A1000000000"><v>5</v></c>'
            b'<c r="B1000000000"><f>A1000000000*2</f></c></row>')
    return with_sheet_data(path, rows, dimension=b"A1:XFD1000000000")


def huge_dimension(path: Path) -> Path:
    """Only the dimension lies: A1:XFD1048576 (17 billion cells) over two real rows."""
    rows = b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f></c></row>'
    return with_sheet_data(path, rows, dimension=b"A1:XFD1048576")


def ten_mb_string(path: Path, mib: int = 10) -> Path:
    """A1 holds a 10 MiB text (inline), B1 = LEN(A1), C1 = A1 (a formula returning it)."""
    rnd = random.Random(7)  # random CJK text: compresses like real text, not like a zip bomb
    text = "".join(chr(rnd.randrange(0x4E00, 0x9FA5)) for _ in range(mib * 1024 * 1024 // 3)).encode("utf-8")
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + text + b"</t></is></c>"
            b'<c r="B1"><f>LEN(A1)</f></c><c r="C1" t="str"><f>A1</f></c></row>')
    return with_sheet_data(path, rows, dimension=b"A1:C1")


def circular(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "=B1+1"
    ws["B1"] = "=A1+1"
    ws["C1"] = "=C1"
    ws["D1"] = 7
    ws["E1"] = "=D1*2"  # unrelated to the cycle: still computed
    wb.save(path)
    return path


def deep_formula(path: Path, depth: int = 300) -> Path:
    """A1 = 1; B1 = (((…(A1+1)…+1) nested ``depth`` deep; C1 = IF(IF(…)) nested as deep."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 1
    ws["B1"] = "=" + "(" * depth + "A1" + "+1)" * depth
    ws["C1"] = "=" + "IF(TRUE," * depth + "A1" + ",0)" * depth
    ws["D1"] = "=A1+1"
    wb.save(path)
    return path
