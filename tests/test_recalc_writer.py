"""The recalc writer and the safe package reader (issue 3: nothing else in the file changes;
issue 7: hostile files refused with a clear reason)."""

from __future__ import annotations

import io
import random
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from recalc_helpers import RULES_SHEET, STAFF, add_binary_part, build_rich_workbook, evaluate

from kpi_udfs.errors import NA, KpiError
from kpi_udfs.recalc.a1 import col_letters
from kpi_udfs.recalc.model import Evaluation
from kpi_udfs.recalc.read.archive import Limits, PackageError, open_package, validate
from kpi_udfs.recalc.write.writer import encode_value, patch_sheet, split_ref, write_values

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


# -- helpers ------------------------------------------------------------------------------

def _parts(path: Path) -> list[tuple[str, int, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, i.compress_type, zf.read(i)) for i in zf.infolist()]


def _sheet_cells(xml: bytes) -> tuple[dict[str, ET.Element], dict[int, dict]]:
    root = ET.fromstring(xml)
    cells, rows = {}, {}
    for row in root.iter(f"{NS}row"):
        rows[int(row.get("r"))] = dict(row.attrib)
        for c in row.findall(f"{NS}c"):
            cells[c.get("r")] = c
    return cells, rows


def _array_ranges(cells: dict[str, ET.Element]) -> list[tuple[int, int, int, int]]:
    out = []
    for c in cells.values():
        f = c.find(f"{NS}f")
        if f is not None and f.get("t") == "array":
            a, _, b = f.get("ref").partition(":")
            (r1, c1), (r2, c2) = split_ref(a), split_ref(b or a)
            out.append((r1, c1, r2, c2))
    return out


def _children(c: ET.Element) -> list[tuple]:
    return [(ch.tag, dict(ch.attrib), ch.text) for ch in c if ch.tag not in (f"{NS}v", f"{NS}is")]


def assert_only_cached_values_changed(before: bytes, after: bytes) -> set[str]:
    """Bytes outside <sheetData> identical (but a widened <dimension>); inside it, only the
    <v>/t of formula cells and array-range cells differ. Returns the cells that changed."""
    def split(xml: bytes):
        m1 = re.search(rb"<sheetData\b", xml)
        m2 = re.search(rb"</sheetData>", xml) or re.search(rb"<sheetData\s*/>", xml)
        return xml[: m1.start()], xml[m2.end():]

    (bh, bt), (ah, at) = split(before), split(after)
    assert at == bt
    dim = re.compile(rb'(<dimension ref=")[^"]*(")')
    assert dim.sub(rb"\1\2", ah) == dim.sub(rb"\1\2", bh)

    bcells, brows = _sheet_cells(before)
    acells, arows = _sheet_cells(after)
    ranges = _array_ranges(bcells)
    for r, attrs in brows.items():
        a = dict(arows[r])
        b = dict(attrs)
        a.pop("spans", None), b.pop("spans", None)
        assert a == b, f"row {r} attributes changed"
    assert set(bcells) <= set(acells), "a cell disappeared"
    changed = set()
    for ref, ac in acells.items():
        bc = bcells.get(ref)
        row, col = split_ref(ref)
        in_range = any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in ranges)
        if bc is None:
            assert in_range, f"{ref} created outside an array range"
            assert [ch.tag for ch in ac] in ([f"{NS}v"], []), f"{ref}: created cell holds more than <v>"
            changed.add(ref)
            continue
        battrs = {k: v for k, v in bc.attrib.items() if k != "t"}
        aattrs = {k: v for k, v in ac.attrib.items() if k != "t"}
        assert aattrs == battrs, f"{ref}: attributes other than t changed"
        assert _children(ac) == _children(bc), f"{ref}: formula or other content changed"
        if ET.tostring(ac) != ET.tostring(bc):
            assert bc.find(f"{NS}f") is not None or in_range, f"{ref}: a constant cell was changed"
            changed.add(ref)
    return changed


# -- round trip ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rich")
    src = build_rich_workbook(folder / "book.xlsx")
    add_binary_part(src)
    (folder / "book.as-built.xlsx").write_bytes(src.read_bytes())
    ev = evaluate(src)
    out = folder / "book.out.xlsx"
    result = write_values(src, ev, out)
    return src, out, ev, result


def test_every_other_part_is_identical_and_in_order(rich):
    src, out, ev, result = rich
    before, after = _parts(src), _parts(out)
    assert [(n, t) for n, t, _ in after] == [(n, t) for n, t, _ in before]
    with open_package(src) as pkg:
        patched = {pkg.worksheet("Staff").part, pkg.worksheet(RULES_SHEET).part}
        untouched_sheet = pkg.worksheet("Info").part
    assert set(result.parts) == patched
    for (name, _, b), (_, _, a) in zip(before, after, strict=True):
        if name not in patched:
            assert a == b, f"{name} changed"
    names = {n for n, _, _ in before}
    # the parts that carry what a recalculation must not lose are really there
    for part in ("xl/styles.xml", "xl/charts/chart1.xml", "xl/media/image1.png", "xl/comments/comment1.xml",
                 "xl/drawings/drawing1.xml", "xl/workbook.xml", "xl/custom/blob.bin", untouched_sheet):
        assert part in names


def test_worksheets_differ_only_in_cached_values(rich):
    src, out, ev, result = rich
    before, after = dict((n, d) for n, _, d in _parts(src)), dict((n, d) for n, _, d in _parts(out))
    with open_package(src) as pkg:
        for sheet in ("Staff", RULES_SHEET):
            part = pkg.worksheet(sheet).part
            changed = assert_only_cached_values_changed(before[part], after[part])
            assert changed == {c for s, c in ev.values if s == sheet}
    # merged cells, validation, conditional formatting and widths are in the sheet XML, outside
    # <sheetData>, which the helper compared byte for byte; make sure they were there to compare
    staff = before["xl/worksheets/sheet1.xml"]
    for tag in (b"<mergeCell ", b"<dataValidation ", b"<conditionalFormatting ", b"<col ", b"<legacyDrawing "):
        assert tag in staff
    assert result.written == len(ev.values) and not result.skipped


def test_cached_values_read_back(rich):
    src, out, ev, result = rich
    wb = openpyxl.load_workbook(out, data_only=True)
    ws = wb["Staff"]
    for i, (_, inq, paid) in enumerate(STAFF, start=2):
        assert ws[f"D{i}"].value == inq * paid
        assert ws[f"E{i}"].value == (paid / inq if inq else "#DIV/0!")
        assert ws[f"F{i}"].value == '=HYPERLINK("http://example.com")'  # text, not a formula
        assert ws[f"G{i}"].value == "#N/A"
        assert ws[f"I{i}"].value == inq * 2
    assert wb[RULES_SHEET]["C2"].value == pytest.approx(0.4 * 250)
    # formulas are still formulas
    wf = openpyxl.load_workbook(out)
    assert wf["Staff"]["D2"].value == "=B2*C2"
    assert wf["Staff"]["F2"].value == '="=HYPERLINK(""http://example.com"")"'
    assert wf.defined_names["Rates"].attr_text == "Staff!$E$2:$E$5"


def test_pandas_sees_the_computed_numbers(rich):
    src, out, ev, result = rich
    before = pd.read_excel(src, sheet_name="Staff")
    assert before["product"].isna().all()  # openpyxl wrote no cached values
    df = pd.read_excel(out, sheet_name="Staff")
    assert list(df["product"]) == [inq * paid for _, inq, paid in STAFF]
    assert list(df["doubled"]) == [inq * 2 for _, inq, _ in STAFF]
    assert df["rate"][0] == pytest.approx(104 / 200)


def test_input_untouched(rich):
    """Evaluating and writing a copy leave the source byte for byte as it was built."""
    src, out, ev, result = rich
    assert src.read_bytes() == src.with_name("book.as-built.xlsx").read_bytes()
    assert _parts(out) != _parts(src)


def test_array_range_cells_created_in_order_and_dimension_widened(rich):
    src, out, ev, result = rich
    with zipfile.ZipFile(out) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    # openpyxl writes only the anchor of I2:I5; the writer created I3:I5 after H and before M…
    assert result.created == 3
    row3 = re.search(rb'<row r="3"[^>]*>(.*?)</row>', xml).group(1)
    refs = re.findall(rb'<c r="([A-Z]+)3"', row3)
    assert refs == sorted(refs, key=lambda r: (len(r), r)) and b"I" in refs
    dim = re.search(rb'<dimension ref="([^"]+)"', xml).group(1).decode()
    a, b = dim.split(":")
    assert split_ref(b)[0] >= 5 and split_ref(b)[1] >= 9


# -- value encoding -----------------------------------------------------------------------

SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         b'<dimension ref="A1:C2"/><sheetData>'
         b'<row r="1" spans="1:3"><c r="A1" s="1"><v>5</v></c><c r="B1" t="s"><f>A1&amp;"x"</f><v>0</v></c>'
         b'<c r="C1" t="str"><f>A1</f><v>old</v></c></row>'
         b'<row r="2"><c r="A2"><f t="shared" ref="A2:C2" si="0">A1*2</f><v>10</v></c>'
         b'<c r="B2"><f t="shared" si="0"/><v>0</v></c><c r="C2"><f t="shared" si="0"/></c></row>'
         b"</sheetData><pageMargins left=\"0.7\"/></worksheet>")


def _cell(xml: bytes, ref: str) -> bytes:
    return re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, re.S).group(0)


@pytest.mark.parametrize("value, t, v", [
    (3.0, None, b"3"), (-0.0, None, b"0"), (0.1 + 0.2, None, b"0.30000000000000004"),
    (1e-7, None, b"1e-07"), (2.5e20, None, b"2.5e+20"), (7, None, b"7"),
    (True, b"str", b"TRUE"), (False, b"str", b"FALSE"), (np.True_, b"str", b"TRUE"),
    (np.float64(0.25), None, b"0.25"), (np.int64(-3), None, b"-3"),
    (KpiError(NA, "0.42 falls in no band"), b"e", b"#N/A"),
    (float("nan"), b"e", b"#NUM!"), (float("inf"), b"e", b"#NUM!"),
    ("优秀", b"str", "优秀".encode()), ("a<b & c>d", b"str", b"a&lt;b &amp; c&gt;d"),
    ('=HYPERLINK("http://x")', b"str", b'=HYPERLINK("http://x")'),
    ("bell\x07 cr\r _x0041_", b"str", b"bell_x0007_ cr_x000D_ _x005F_x0041_"),
    (None, None, None),
])
def test_encode_value(value, t, v):
    assert encode_value(value) == (t, v)


def test_every_value_kind_lands_in_its_cell_and_reads_back():
    changes = {(1, 2): 7.5, (1, 3): True, (2, 1): KpiError(NA, "x"), (2, 2): "=SUM(A1)", (2, 3): None}
    out, stats = patch_sheet(SHEET, changes)
    assert stats.written == 5 and not stats.skipped
    assert _cell(out, "B1") == b'<c r="B1"><f>A1&amp;"x"</f><v>7.5</v></c>'  # t="s" removed
    assert _cell(out, "C1") == b'<c r="C1" t="str"><f>A1</f><v>TRUE</v></c>'
    assert _cell(out, "A2") == b'<c r="A2" t="e"><f t="shared" ref="A2:C2" si="0">A1*2</f><v>#N/A</v></c>'
    assert _cell(out, "B2") == b'<c r="B2" t="str"><f t="shared" si="0"/><v>=SUM(A1)</v></c>'
    assert _cell(out, "C2") == b'<c r="C2"><f t="shared" si="0"/></c>'  # empty result: no cached value
    assert out.replace(_cell(out, "B1"), b"").replace(_cell(out, "C1"), b"") \
        .replace(_cell(out, "A2"), b"").replace(_cell(out, "B2"), b"") == \
        SHEET.replace(_cell(SHEET, "B1"), b"").replace(_cell(SHEET, "C1"), b"") \
        .replace(_cell(SHEET, "A2"), b"").replace(_cell(SHEET, "B2"), b"")
    ET.fromstring(out)  # still well-formed


def test_constants_are_never_overwritten():
    out, stats = patch_sheet(SHEET, {(1, 1): 99.0, (1, 9): 1.0, (7, 1): 1.0})
    assert out == SHEET
    assert stats.written == 0 and len(stats.skipped) == 3


def test_string_escaping_survives_a_parser():
    text = 'a<b>&"c" _x0041_ \x01 \ttab\nnew'
    out, _ = patch_sheet(SHEET, {(1, 3): text})
    v = ET.fromstring(out).find(f".//{NS}c[@r='C1']/{NS}v").text
    unescaped = re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), v)
    assert unescaped == text


def test_prefixed_namespace_and_implicit_references():
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
           b'<x:row><x:c><x:v>1</x:v></x:c><x:c><x:f>A1+1</x:f></x:c></x:row>'
           b'<x:row><x:c><x:v>3</x:v></x:c><x:c><x:f>A2+1</x:f><x:v>0</x:v></x:c></x:row>'
           b"</x:sheetData></x:worksheet>")
    out, stats = patch_sheet(xml, {(1, 2): 2.0, (2, 2): 4.0, (2, 1): 9.0})
    assert b"<x:c><x:f>A1+1</x:f><x:v>2</x:v></x:c>" in out
    assert b"<x:c><x:f>A2+1</x:f><x:v>4</x:v></x:c>" in out
    assert b"<x:c><x:v>3</x:v></x:c>" in out  # A2 is a constant: refused
    assert stats.written == 2 and [(r, c) for r, c, _ in stats.skipped] == [(2, 1)]


def test_array_range_missing_rows_and_cells_are_created():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<dimension ref="A1:D3"/><sheetData>'
           b'<row r="2" spans="1:4"><c r="A2"><v>1</v></c><c r="C2"><f t="array" ref="C2:C5">A2:A5*2</f></c>'
           b'<c r="D2"><v>7</v></c></row>'
           b'<row r="3" spans="1:4"><c r="A3"><v>2</v></c><c r="D3" t="inlineStr"><is><t>x</t></is></c></row>'
           b'<row r="5" ht="20" customHeight="1"/>'
           b"</sheetData></worksheet>")
    changes = {(2, 3): 2.0, (3, 3): 4.0, (4, 3): 6.0, (5, 3): 8.0, (2, 4): 1.5}
    out, stats = patch_sheet(xml, changes)
    assert stats.written == 4 and stats.created == 3
    assert [(r, c) for r, c, _ in stats.skipped] == [(2, 4)]  # D2 is a constant
    root = ET.fromstring(out)
    rows = [(row.get("r"), [c.get("r") for c in row]) for row in root.iter(f"{NS}row")]
    assert rows == [("2", ["A2", "C2", "D2"]), ("3", ["A3", "C3", "D3"]), ("4", ["C4"]), ("5", ["C5"])]
    values = {c.get("r"): c.findtext(f"{NS}v") for c in root.iter(f"{NS}c")}
    assert [values[f"C{r}"] for r in range(2, 6)] == ["2", "4", "6", "8"]
    assert values["D2"] == "7"
    assert root.find(f"{NS}dimension").get("ref") == "A1:D5"
    assert root.find(f".//{NS}row[@r='5']").get("ht") == "20"
    assert root.find(f".//{NS}row[@r='3']").get("spans") == "1:4"


def test_cells_beyond_the_row_span_widen_it():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="1" spans="1:1"><c r="A1"><f t="array" ref="A1:C1">{1,2,3}</f></c></row>'
           b"</sheetData></worksheet>")
    out, stats = patch_sheet(xml, {(1, 1): 1.0, (1, 2): 2.0, (1, 3): 3.0})
    assert b'<row r="1" spans="1:3">' in out
    assert stats.created == 2


def test_unknown_sheets_and_bad_refs_are_reported_not_written(tmp_path):
    src = build_rich_workbook(tmp_path / "b.xlsx")
    ev = Evaluation(values={("Nope", "A1"): 1.0, ("Staff", "A1"): 2.0, ("staff", "D2"): 5.0})
    result = write_values(src, ev, tmp_path / "o.xlsx")
    assert result.written == 1  # sheet names match case-insensitively, as in Excel
    assert sorted(result.skipped) == [("Nope", "A1", "no such sheet"),
                                      ("Staff", "A1", "not a formula cell (left as it is)")]
    assert openpyxl.load_workbook(tmp_path / "o.xlsx", data_only=True)["Staff"]["D2"].value == 5


def test_a_large_sheet_is_patched_completely(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    n = 10_000
    for i in range(1, n + 1):
        ws.append([i, f"=A{i}*3"])
    wb.save(tmp_path / "big.xlsx")
    ev = Evaluation(values={("Sheet", f"B{i}"): float(i * 3) for i in range(1, n + 1)})
    result = write_values(tmp_path / "big.xlsx", ev, tmp_path / "big.out.xlsx")
    assert result.written == n
    df = pd.read_excel(tmp_path / "big.out.xlsx", header=None)
    assert (df[1] == df[0] * 3).all() and len(df) == n


# -- the package reader: damaged and hostile files ----------------------------------------------

def _zip(path: Path, parts: dict[str, bytes], compress=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compress) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _minimal_parts(sheet_xml: bytes | None = None, shared: bytes | None = None) -> dict[str, bytes]:
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.active["B1"] = "=1+1"
    wb.save(buf)
    with zipfile.ZipFile(buf) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    if sheet_xml is not None:
        parts["xl/worksheets/sheet1.xml"] = sheet_xml
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    return parts


def test_sheets_and_shared_strings_are_located(tmp_path):
    src = build_rich_workbook(tmp_path / "b.xlsx")
    with open_package(src) as pkg:
        assert [(s.name, s.part, s.kind) for s in pkg.sheets] == [
            ("Staff", "xl/worksheets/sheet1.xml", "worksheet"),
            (RULES_SHEET, "xl/worksheets/sheet2.xml", "worksheet"),
            ("Info", "xl/worksheets/sheet3.xml", "worksheet")]
        assert pkg.workbook_part == "xl/workbook.xml"
    shared = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
              b"<si><t>plain</t></si><si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r>"
              b"<rPh><t>phonetic</t></rPh></si></sst>")
    parts = _minimal_parts(shared=shared)
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Target="/xl/sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    with open_package(_zip(tmp_path / "s.xlsx", parts)) as pkg:
        assert pkg.shared_strings() == ["plain", "rich text"]


def test_not_a_zip(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("name,score\nA,1\n")
    with pytest.raises(PackageError, match="not a zip"):
        validate(p)


def test_password_protected_or_xls(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(PackageError, match="password-protected"):
        validate(p)


def test_truncated_zip(tmp_path):
    good = build_rich_workbook(tmp_path / "b.xlsx").read_bytes()
    for cut in (len(good) // 2, len(good) - 30):
        p = tmp_path / f"cut{cut}.xlsx"
        p.write_bytes(good[:cut])
        with pytest.raises(PackageError, match="truncated or damaged"):
            validate(p)


def test_damaged_entry_fails_its_crc(tmp_path):
    parts = _minimal_parts()
    p = _zip(tmp_path / "d.xlsx", parts, compress=zipfile.ZIP_STORED)
    data = bytearray(p.read_bytes())
    at = data.find(b"<sheetData>")
    data[at + 1] ^= 0x20  # flip a byte inside a stored part
    p.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="damaged"):
        validate(p)


def test_missing_parts(tmp_path):
    parts = _minimal_parts()
    del parts["xl/workbook.xml"]
    with pytest.raises(PackageError, match="no workbook part"):
        validate(_zip(tmp_path / "m1.xlsx", parts))
    parts = _minimal_parts()
    del parts["xl/worksheets/sheet1.xml"]
    with pytest.raises(PackageError, match="missing part"):
        validate(_zip(tmp_path / "m2.xlsx", parts))
    parts = _minimal_parts()
    del parts["[Content_Types].xml"]
    with pytest.raises(PackageError, match="Content_Types"):
        validate(_zip(tmp_path / "m3.xlsx", parts))


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b"<si><t>&lol9;</t></si></sst>")
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                   b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("parts", [
    pytest.param(lambda: _minimal_parts(shared=BILLION_LAUGHS), id="billion-laughs"),
    pytest.param(lambda: _minimal_parts(sheet_xml=EXTERNAL_ENTITY), id="external-entity"),
])
def test_xml_with_a_dtd_is_refused(tmp_path, parts):
    p = _zip(tmp_path / "e.xlsx", parts())
    with pytest.raises(PackageError, match="DTD or entities"):
        validate(p)


def test_writer_refuses_to_patch_a_sheet_with_a_dtd(tmp_path):
    p = _zip(tmp_path / "e.xlsx", _minimal_parts(sheet_xml=EXTERNAL_ENTITY))
    with pytest.raises(PackageError, match="DTD or entities"):
        write_values(p, Evaluation(values={("Sheet", "A1"): 2.0}), tmp_path / "o.xlsx")


def test_zip_bomb_ratio(tmp_path):
    parts = _minimal_parts()
    parts["xl/media/bomb.bin"] = bytes(8 * 1024 * 1024)  # 8 MiB of zeros compress about 1000:1
    p = _zip(tmp_path / "bomb.xlsx", parts)
    assert p.stat().st_size < 100_000
    with pytest.raises(PackageError, match="compression ratio"):
        validate(p)
    validate(p, Limits(max_ratio=5000))  # the limit is configurable


def test_size_limits_per_part_and_in_total(tmp_path):
    parts = _minimal_parts()
    rnd = random.Random(7)
    parts["xl/media/a.bin"] = rnd.randbytes(1024 * 1024)  # 1 MiB each, incompressible
    parts["xl/media/b.bin"] = rnd.randbytes(1024 * 1024)
    p = _zip(tmp_path / "big.xlsx", parts)
    with pytest.raises(PackageError, match="over the limit"):
        validate(p, Limits(max_part_bytes=512 * 1024))
    with pytest.raises(PackageError, match="in total"):
        validate(p, Limits(max_total_bytes=2 * 1024 * 1024))
    validate(p, Limits(max_total_bytes=3 * 1024 * 1024))


def test_duplicate_entries_are_refused(tmp_path):
    p = _zip(tmp_path / "dup.xlsx", _minimal_parts())
    with zipfile.ZipFile(p, "a") as zf, pytest.warns(UserWarning):
        zf.writestr("xl/workbook.xml", b"<x/>")
    with pytest.raises(PackageError, match="duplicate"):
        validate(p)


# -- workbooks saved by real Excel ----------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "excel"
CORPUS_SAMPLE = sorted(CORPUS.rglob("*.xls[xm]"))[::8] if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS_SAMPLE, reason=f"conformance corpus not found at {CORPUS}")
def test_excel_saved_workbooks_change_only_in_cached_values(tmp_path):
    """Every formula cell and array-range cell of real Excel files (shared formulas, array
    formulas, rich text, extLst…) gets a value; nothing else in the package changes."""
    kinds = [1.5, 't<&>"', True, KpiError(NA, "x"), None, -2.0]
    out = tmp_path / "out.xlsx"
    written = 0
    for f in CORPUS_SAMPLE:
        ev = Evaluation()
        with open_package(f) as pkg:
            sheets = [(s.name, s.part) for s in pkg.sheets if s.kind == "worksheet"]
            before = {i.filename: pkg.read(i.filename) for i in pkg.infos}
        for name, part in sheets:
            cells = dict(_sheet_cells(before[part])[0])
            targets = {r for r, c in cells.items() if c.find(f"{NS}f") is not None}
            for r1, c1, r2, c2 in _array_ranges(cells):
                if (r2 - r1 + 1) * (c2 - c1 + 1) <= 10_000:
                    targets |= {f"{col_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
            for i, ref in enumerate(sorted(targets)):
                ev.values[(name, ref)] = kinds[i % len(kinds)]
        result = write_values(f, ev, out)
        assert not result.skipped, (f.name, result.skipped[:3])
        assert result.written == len(ev.values)
        written += result.written
        after = dict((n, d) for n, _, d in _parts(out))
        assert list(after) == list(before), f.name
        for name, data in before.items():
            if name in {p for _, p in sheets}:
                assert_only_cached_values_changed(data, after[name])
            else:
                assert after[name] == data, (f.name, name)
    assert written > 1000


# -- the one-pass patcher gives the bytes of the row-by-row walk ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kpi_udfs.recalc.write.writer import _patch_row_by_row  # noqa: E402

_CELL_SHAPES = [
    lambda ref: b'<c r="%s"><f>1+1</f><v>2</v></c>' % ref,
    lambda ref: b'<c r="%s" s="3"><f>A1&amp;"x"</f></c>' % ref,
    lambda ref: b'<c r="%s" t="str"><f t="shared" si="0"/><v>old</v></c>' % ref,
    lambda ref: b'<c r="%s" t="e"><f>NA()</f><v>#N/A</v></c>' % ref,
    lambda ref: b'<c r="%s" t="b" s="1"><f>TRUE</f><v/></c>' % ref,
    lambda ref: b'<c r="%s" s="2" t="n"><v>5</v></c>' % ref,  # constant
    lambda ref: b'<c r="%s" t="inlineStr"><is><t>x</t></is></c>' % ref,  # constant text
    lambda ref: b'<c r="%s" s="1"/>' % ref,  # empty, styled
    lambda ref: b'<c r="%s"><f>A1</f><is><t>odd</t></is></c>' % ref,  # unusual shape
    lambda ref: b'<c s="1" r="%s"><f>A1</f><v>1</v></c>' % ref,  # r not first
]
_VALUES = st.one_of(st.floats(allow_nan=False, width=32), st.booleans(), st.none(), st.sampled_from(["t", "a&b"]),
                    st.just(KpiError(NA, "x")))


@st.composite
def _sheets(draw):
    """A sheet with rows of mixed cells, perhaps an array range with missing cells, and changes."""
    rows, changes, wanted = [], {}, []
    array = draw(st.booleans())
    spans = draw(st.booleans())
    for r in range(1, draw(st.integers(1, 6)) + 1):
        if draw(st.integers(0, 5)) == 0:
            continue  # an absent row
        cells = []
        cols = sorted(draw(st.sets(st.integers(1, 6), max_size=5)))
        for c in cols:
            ref = f"{col_letters(c)}{r}".encode()
            if array and (r, c) == (1, 4):
                cells.append(b'<c r="D1"><f t="array" ref="D1:D6">A1:A6*2</f></c>')
            else:
                cells.append(draw(st.sampled_from(_CELL_SHAPES))(ref))
            wanted.append((r, c))
        attrs = b' spans="1:%d"' % max(cols) if spans and cols else b""
        rows.append(b'<row r="%d"%s>' % (r, attrs) + b"".join(cells) + b"</row>")
    if array:
        wanted += [(r, 4) for r in range(1, 7)]
    for rc in draw(st.lists(st.sampled_from(wanted), unique=True)) if wanted else []:
        changes[rc] = draw(_VALUES)
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<dimension ref="A1:F6"/><sheetData>' + b"".join(rows) + b"</sheetData></worksheet>")
    return xml, changes


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_sheets())
def test_one_pass_patch_equals_the_row_by_row_walk(sheet):
    xml, changes = sheet
    fast, fast_stats = patch_sheet(xml, changes)
    slow, slow_stats = _patch_row_by_row(xml, changes)
    assert fast == slow
    assert (fast_stats.written, fast_stats.created, fast_stats.skipped) == \
        (slow_stats.written, slow_stats.created, slow_stats.skipped)


def test_grid_check_reads_prefixed_rows_spaced_attributes_and_only_cell_references():
    from kpi_udfs.recalc.read.archive import check_grid

    with pytest.raises(PackageError, match="row 2,000,000"):
        check_grid(b'<x:sheetData><x:row r="2000000"><x:c r="A2000000"/></x:row></x:sheetData>', "s")
    with pytest.raises(PackageError, match="column XFE"):
        check_grid(b"<sheetData><row r = '5'><c r = \"XFE5\"/></row></sheetData>", "s")
    check_grid(b'<sheetData><row r="1048576"><c r="XFD1048576" bar="ZZZZ1"/></row></sheetData>', "s")
