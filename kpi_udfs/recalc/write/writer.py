"""Write computed values into the cached-value slots of a copy of a workbook package.

Only what must change changes (issue 3: "nothing else in the file changes"):

* every zip entry other than the patched worksheets is copied with identical content,
  in the original entry order (styles, names, comments, charts, images, pivot caches,
  the VBA project of an .xlsm…);
* in a patched worksheet, only the cells that receive a value change, and within such a
  cell only its ``<v>`` element and its ``t`` attribute: numbers plain (no ``t``, or
  ``t="n"`` kept), text ``t="str"``, booleans the text ``TRUE``/``FALSE`` (``t="str"``,
  see :func:`encode_value`), errors ``t="e"``. The sheet XML
  is patched with byte-level regular expressions, not parsed and re-serialised, so every
  byte outside those cells stays as it was. Three levels, each giving the bytes of the
  next where both apply: formula cells of the usual shape in one pass over the sheet
  (:func:`_patch_formula_cells`), then the rows still concerned found by number
  (:func:`_patch_numbered_rows`), then a walk of every row and cell for anything unusual
  (:func:`_patch_row_by_row`: no ``r`` attributes, namespace prefixes, missing rows);
* a value is written only into a formula cell or a cell inside an array formula's range
  (``<f t="array" ref="D2:D21">``: the other cells of the range hold only ``<v>``); a
  missing range cell is created in row/column order (and the sheet's ``<dimension>`` and
  the row's ``spans`` are widened if they no longer cover it). A value aimed anywhere
  else is refused and reported, so a constant typed by a person is never overwritten;
* text results are always values, never formulas: "=HYPERLINK(...)" coming from data is
  escaped text in ``<v>``.

Deliberately left alone: ``xl/calcChain.xml`` (the set of formula cells does not change,
so the chain stays valid) and ``<calcPr>`` in workbook.xml. ``fullCalcOnLoad`` is *not*
set: the point of ``kpi recalc`` is a file whose cached values can be trusted as they
are (pandas, payroll imports, LibreOffice, Excel's protected view). Forcing a full
calculation on load would make Excel recompute every cell on opening, turning KPI_ cells
into #NAME? wherever the add-in is not installed, and make it ask to save on close.
Excel still recalculates on its own when an input changes.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ...errors import KpiError
from ...i18n import N_, _
from ..a1 import col_letters, col_number
from ..model import CellValue, Evaluation
from ..read.archive import Limits, Package, check_no_dtd, open_package


class WriteError(Exception):
    """The values cannot be written (a sheet XML the patcher cannot follow, a bad value)."""


@dataclass
class WriteResult:
    """What :func:`write_values` did."""

    #: Cells whose cached value was set.
    written: int = 0
    #: Of those, cells of an array range that had no ``<c>`` element and were created.
    created: int = 0
    #: Values not written, as (sheet, cell, why): not a formula cell, no such sheet…
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    #: Worksheet parts that were patched.
    parts: list[str] = field(default_factory=list)


# -- cell references ------------------------------------------------------------------

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def split_ref(ref: str) -> tuple[int, int]:
    """"B12" → (row 12, column 2)."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_number(m.group(1))


def _range(ref: bytes) -> tuple[int, int, int, int] | None:
    try:
        text = ref.decode("ascii").strip()
        a, _skip, b = text.partition(":")
        r1, c1 = split_ref(a)
        r2, c2 = split_ref(b) if b else (r1, c1)
    except (UnicodeDecodeError, ValueError):
        return None
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


# -- value encoding -------------------------------------------------------------------

_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# Characters XML 1.0 cannot hold (and CR, which XML parsers turn into LF): Excel writes
# them as _xHHHH_.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(s: str) -> bytes:
    s = _ESCAPED.sub(r"_x005F_\1", s)
    s = _INVALID.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.encode("utf-8")


def format_number(x: float) -> str:
    """Shortest text that reads back as the same double (Excel keeps 17 digits too)."""
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def encode_value(value: CellValue) -> tuple[bytes | None, bytes | None]:
    """(t attribute, <v> text) for a value; (None, None) for an empty result (no <v>).

    A boolean is cached as the text ``TRUE``/``FALSE`` (``t="str"``), not ``t="b"``: on
    loading, LibreOffice (7.x, sc/source/filter/oox/formulabuffer.cxx) keeps the cached
    result of an ordinary formula cell only when it is a number (``t="n"``) or a non-empty
    text (``t="str"``, in a package whose docProps/app.xml names Microsoft Excel or
    LibreOffice); any other cache (``t="b"``, ``t="e"``, no ``<v>``, an empty ``<v/>``)
    leaves the cell dirty, so it is recomputed, and a KPI_ call there shows #NAME?. Excel
    and pandas show the text as TRUE/FALSE too. (Array-formula ranges are always
    recomputed by LibreOffice whatever their caches; an empty result cannot be cached for
    it at all. Neither is a matter of encoding.)"""
    if type(value) is float and math.isfinite(value):  # the common case, first
        return None, format_number(value).encode("ascii")
    if value is None:
        return None, None
    if isinstance(value, KpiError):
        return b"e", value.code.encode("ascii")
    if isinstance(value, (bool, np.bool_)):
        return b"str", b"TRUE" if value else b"FALSE"
    if isinstance(value, str):
        return b"str", _xml_text(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return b"e", b"#NUM!"
        return None, format_number(x).encode("ascii")
    raise WriteError(_("cannot write a value of type {type}: {value}", type=type(value).__name__, value=repr(value)))


# -- sheet XML patching ---------------------------------------------------------------

_SHEETDATA_OPEN = re.compile(rb"<(?:(\w+):)?sheetData\b[^>]*?(/>|>)")
_ROW = re.compile(rb"<((?:\w+:)?)row\b([^>]*?)(/>|>(.*?)</(?:\w+:)?row\s*>)", re.S)
_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c\s*>)", re.S)
_ATTR_R = re.compile(rb"""(?:^|\s)r\s*=\s*(["'])(.*?)\1""", re.S)
_ATTR_T = re.compile(rb"""(\s)t\s*=\s*(["'])(.*?)\2""", re.S)
_ATTR_SPANS = re.compile(rb"""(\s)spans\s*=\s*(["'])(.*?)\2""", re.S)
_F_TAG = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(/>|>)")
_F_ELEMENT = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>.*?</(?:\w+:)?f\s*>)", re.S)
_V_OR_IS = re.compile(rb"<(?:\w+:)?(?:v|is)\b[^>]*?(?:/>|>.*?</(?:\w+:)?(?:v|is)\s*>)", re.S)
_RANGE_FORMULA = re.compile(rb"""(?:^|\s)t\s*=\s*["'](?:array|dataTable)["']""")
_REF_ATTR = re.compile(rb"""(?:^|\s)ref\s*=\s*(["'])(.*?)\1""", re.S)
_DIMENSION = re.compile(rb"""(<(?:\w+:)?dimension\b[^>]*?\sref\s*=\s*["'])([^"']*)(["'])""")
_SHEETDATA_CLOSE = re.compile(rb"</(?:\w+:)?sheetData\s*>")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")


_RANGE_F_TAG = re.compile(rb"""<(?:\w+:)?f\b([^>]*?\st\s*=\s*["'](?:array|dataTable)["'][^>]*?)/?>""")


def _range_formulas(xml: bytes) -> list[tuple[int, int, int, int]]:
    """Ranges of array and data-table formulas: cells there hold results without a formula."""
    out = []
    for attrs in _RANGE_F_TAG.findall(xml):
        ref = _REF_ATTR.search(attrs)
        rng = _range(ref.group(2)) if ref else None
        if rng:
            out.append(rng)
    return out


def _in_ranges(row: int, col: int, ranges) -> bool:
    return any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in ranges)


def _set_t(attrs: bytes, t: bytes | None) -> bytes:
    m = _ATTR_T.search(attrs)
    if t is None:
        if m is None or m.group(3) == b"n":
            return attrs
        return attrs[: m.start()] + attrs[m.end():]
    if m is not None:
        if m.group(3) == t:
            return attrs
        return attrs[: m.start(3)] + t + attrs[m.end(3):]
    stripped = attrs.rstrip()
    return stripped + b' t="' + t + b'"' + attrs[len(stripped):]


def _v_element(prefix: bytes, v: bytes | None) -> bytes:
    if v is None:
        return b""
    return b"<" + prefix + b"v>" + v + b"</" + prefix + b"v>"


def _patch_cell(prefix: bytes, attrs: bytes, content: bytes | None, value: CellValue) -> bytes:
    t, v = encode_value(value)
    attrs = _set_t(attrs, t)
    new_v = _v_element(prefix, v)
    if content is None:  # self-closing <c .../>
        if not new_v:
            return b"<" + prefix + b"c" + attrs + b"/>"
        return b"<" + prefix + b"c" + attrs + b">" + new_v + b"</" + prefix + b"c>"
    rest = _V_OR_IS.sub(b"", content)
    f = _F_ELEMENT.search(rest)
    at = f.end() if f else 0
    body = rest[:at] + new_v + rest[at:]
    return b"<" + prefix + b"c" + attrs + b">" + body + b"</" + prefix + b"c>"


def _new_cell(prefix: bytes, row: int, col: int, value: CellValue) -> bytes:
    t, v = encode_value(value)
    ref = (col_letters(col) + str(row)).encode("ascii")
    attrs = b' r="' + ref + b'"' + (b' t="' + t + b'"' if t else b"")
    if v is None:
        return b"<" + prefix + b"c" + attrs + b"/>"
    return b"<" + prefix + b"c" + attrs + b">" + _v_element(prefix, v) + b"</" + prefix + b"c>"


def _widen_spans(attrs: bytes, cols: list[int]) -> bytes:
    m = _ATTR_SPANS.search(attrs)
    if m is None or not cols:
        return attrs
    nums = [int(n) for n in re.findall(rb"\d+", m.group(3))]
    if not nums:
        return attrs
    lo, hi = min(nums), max(nums)
    if lo <= min(cols) and max(cols) <= hi:
        return attrs
    lo, hi = min(lo, *cols), max(hi, *cols)
    return attrs[: m.start(3)] + f"{lo}:{hi}".encode() + attrs[m.end(3):]


@dataclass
class _SheetPatch:
    written: int = 0
    created: int = 0
    created_box: list[int] | None = None  # [r1, c1, r2, c2]
    #: (row, col, why) of values that were not written.
    skipped: list[tuple[int, int, str]] = field(default_factory=list)

    def note_created(self, row: int, col: int) -> None:
        self.created += 1
        b = self.created_box
        self.created_box = [row, col, row, col] if b is None else [
            min(b[0], row), min(b[1], col), max(b[2], row), max(b[3], col)]


def _append_after_last_cell(prefix: bytes, rownum: int, content: bytes, todo: dict[int, CellValue],
                            ranges, out: _SheetPatch) -> tuple[bytes, list[int]] | None:
    """The common case of :func:`_patch_row_cells` in O(1): every wanted cell is an array-range
    cell right of the row's last cell (a spilled column at the sheet's right edge). None
    when it is not that case."""
    last = content.rfind(b"<" + prefix + b'c r="')
    if last < 0 or content.find(b"<" + prefix + b"c", last + 1) >= 0:
        return None
    m = _CELL.match(content, last)
    rm = _ATTR_R.search(m.group(2)) if m else None
    try:
        r, c = split_ref(rm.group(2).decode("ascii")) if rm else (0, 0)
    except (ValueError, UnicodeDecodeError):
        return None
    cols = sorted(todo)
    if r != rownum or cols[0] <= c or not all(_in_ranges(rownum, col, ranges) for col in cols):
        return None
    cells = []
    for col in cols:
        cells.append(_new_cell(prefix, rownum, col, todo.pop(col)))
        out.written += 1
        out.note_created(rownum, col)
    return content[:m.end()] + b"".join(cells) + content[m.end():], cols


def _patch_row_cells(prefix: bytes, rownum: int, content: bytes, todo: dict[int, CellValue],
                     ranges, out: _SheetPatch) -> tuple[bytes, list[int]]:
    """Patch the cells of one row; create missing array-range cells in column order."""
    appended = _append_after_last_cell(prefix, rownum, content, todo, ranges, out)
    if appended is not None:
        return appended
    pieces: list[bytes] = []
    pos = 0
    col = 0
    cols = sorted(todo)
    created_cols: list[int] = []
    ci = 0

    def emit_missing_before(limit: int) -> None:
        """Create (or refuse) the wanted cells left of column ``limit`` that do not exist."""
        nonlocal ci
        while ci < len(cols) and cols[ci] < limit:
            c = cols[ci]
            ci += 1
            if c not in todo:
                continue
            value = todo.pop(c)
            if _in_ranges(rownum, c, ranges):
                pieces.append(_new_cell(prefix, rownum, c, value))
                created_cols.append(c)
                out.written += 1
                out.note_created(rownum, c)
            else:
                out.skipped.append((rownum, c, _("no such cell (not a formula cell)")))

    for m in _CELL.finditer(content):
        rm = _ATTR_R.search(m.group(2))
        if rm:
            try:
                r, col = split_ref(rm.group(2).decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                raise WriteError(_("row {row}: bad cell reference {ref}", row=rownum, ref=repr(rm.group(2)))) from None
            if r != rownum:
                raise WriteError(_("cell {cell} is inside row {row}", cell=rm.group(2).decode(), row=rownum))
        else:
            col += 1
        while ci < len(cols) and cols[ci] not in todo:
            ci += 1
        if ci < len(cols) and cols[ci] < col:
            pieces.append(content[pos:m.start()])
            pos = m.start()
            emit_missing_before(col)
        if col in todo:
            cprefix, attrs, inner = m.group(1), m.group(2), m.group(4)
            value = todo.pop(col)
            if (inner is not None and _F_TAG.search(inner)) or _in_ranges(rownum, col, ranges):
                pieces.append(content[pos:m.start()])
                pieces.append(_patch_cell(cprefix, attrs, inner, value))
                pos = m.end()
                out.written += 1
            else:
                out.skipped.append((rownum, col, _("not a formula cell (left as it is)")))
        if not todo:
            break
    if todo:
        # Wanted cells right of the last existing one: after the last <c>, before any
        # trailing element of the row (an <extLst>).
        last_c_end = pos
        for m in _CELL.finditer(content, pos):
            last_c_end = m.end()
        pieces.append(content[pos:last_c_end])
        pos = last_c_end
        emit_missing_before(1 << 30)
    pieces.append(content[pos:])
    return b"".join(pieces), created_cols


def patch_sheet(xml: bytes, changes: dict[tuple[int, int], CellValue]) -> tuple[bytes, _SheetPatch]:
    """Write ``changes`` ((row, col) → value) into a worksheet's XML bytes."""
    by_ref = {(col_letters(c) + str(r)).encode("ascii"): v for (r, c), v in changes.items()}
    return _patch_sheet(xml, by_ref, changes)


def _patch_sheet(xml: bytes, by_ref: dict[bytes, CellValue],
                 changes: dict[tuple[int, int], CellValue] | None = None) -> tuple[bytes, _SheetPatch]:
    """:func:`patch_sheet` with the changes keyed by their cell reference (b"B12").

    Formula cells of the usual shape are patched in one regular-expression pass over the
    sheet (:func:`_patch_formula_cells`); whatever is left (cells to create in an array
    range, cells of another shape, namespace prefixes, cells without ``r``) goes the
    row-by-row way. Both give the same bytes where both apply (tests/test_recalc_writer.py);
    only the walk checks that each cell's ``r`` belongs to its row (a sheet where they
    disagree is damaged: Excel repairs it on opening).
    """
    if not by_ref:
        return xml, _SheetPatch()
    _check_utf8(xml)
    fast = _patch_formula_cells(xml, by_ref)
    if fast is None:
        if changes is None:
            changes = {split_ref(ref.decode("ascii")): v for ref, v in by_ref.items()}
        return _patch_row_by_row(xml, changes)
    out, written, rest = fast
    if rest:
        out, more, rest = _patch_range_cells(out, rest)
        written += more
    if not rest:
        return out, _SheetPatch(written=written)
    rest_rc = {split_ref(ref.decode("ascii")): v for ref, v in rest.items()}
    patched = _patch_numbered_rows(out, rest_rc)
    out, result = patched if patched is not None else _patch_row_by_row(out, rest_rc)
    result.written += written
    return out, result


# A formula cell as Excel and openpyxl write it: r first, then <f>, then <v> or nothing.
_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>/]*)>(<f(?:\s[^>]*)?(?:/>|>[^<]*</f>))(?:<v>[^<]*</v>|<v/>)?</c>')


def _patch_formula_cells(xml: bytes, by_ref: dict[bytes, CellValue]
                         ) -> tuple[bytes, int, dict[bytes, CellValue]] | None:
    """Patch the wanted formula cells of the usual shape: (xml, cells written, the rest).

    None when the one pass cannot be sure to see each cell under its own reference: a
    namespace prefix, or a cell whose ``r`` is missing or not its first attribute.
    """
    sd = _SHEETDATA_OPEN.search(xml)
    if sd is None or sd.group(1) or sd.group(2) == b"/>":
        return None
    end = xml.find(b"</sheetData>", sd.end())
    if end < 0:
        return None
    with_r = xml.count(b'<c r="', sd.end(), end)
    if with_r != xml.count(b"<c ", sd.end(), end) or xml.count(b"<c>", sd.end(), end) \
            or xml.count(b"<c/>", sd.end(), end):
        return None
    todo = dict(by_ref)
    written = 0

    def patch(m: re.Match) -> bytes:
        nonlocal written
        ref, attrs, f = m.group(1, 2, 3)
        value = todo.pop(ref, _ABSENT)
        if value is _ABSENT:
            return m.group(0)
        written += 1
        if type(value) is float and math.isfinite(value) and b"t" not in attrs:
            return b'<c r="' + ref + b'"' + attrs + b">" + f + b"<v>" + format_number(value).encode() + b"</v></c>"
        t, v = encode_value(value)
        return (b'<c r="' + ref + b'"' + _set_t(attrs, t) + b">" + f
                + (b"<v>" + v + b"</v>" if v is not None else b"") + b"</c>")

    body = _FORMULA_CELL.sub(patch, xml[sd.end():end])
    return xml[:sd.end()] + body + xml[end:], written, todo


# A cell holding only a value (or nothing), r first: the cells of an array formula's range.
_VALUE_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>/]*)(?:/>|>(?:<v>[^<]*</v>|<v/>)?</c>)')


def _patch_range_cells(xml: bytes, by_ref: dict[bytes, CellValue]
                       ) -> tuple[bytes, int, dict[bytes, CellValue]]:
    """The existing cells of array formulas' ranges, in one pass: (xml, written, the rest).

    Only cells inside an array range are written; a wanted cell elsewhere stays in the
    rest (the row walk then refuses and reports it). Called after
    :func:`_patch_formula_cells`, which checked the sheet's shape."""
    ranges = _range_formulas(xml)
    if not ranges:
        return xml, 0, by_ref
    sd = _SHEETDATA_OPEN.search(xml)
    end = xml.find(b"</sheetData>", sd.end())
    todo = dict(by_ref)
    written = 0

    def patch(m: re.Match) -> bytes:
        nonlocal written
        ref, attrs = m.group(1, 2)
        value = todo.get(ref, _ABSENT)
        if value is _ABSENT:
            return m.group(0)
        row, col = split_ref(ref.decode("ascii"))
        if not _in_ranges(row, col, ranges):
            return m.group(0)
        del todo[ref]
        written += 1
        t, v = encode_value(value)
        return b'<c r="' + ref + b'"' + _set_t(attrs, t) + b">" + (b"<v>" + v + b"</v>" if v is not None else b"") + b"</c>"

    body = _VALUE_CELL.sub(patch, xml[sd.end():end])
    return xml[:sd.end()] + body + xml[end:], written, todo


_ABSENT = object()
_ROW_OPEN = re.compile(rb'<row r="([0-9]{1,7})"([^>]*?)(/?)>')


def _patch_numbered_rows(xml: bytes, changes: dict[tuple[int, int], CellValue]
                         ) -> tuple[bytes, _SheetPatch] | None:
    """Row-by-row for a few rows: find each wanted row by its number instead of walking all
    of them. None (walk them all) when a row has no ``r`` first or a wanted row is absent
    or seen twice."""
    sd = _SHEETDATA_OPEN.search(xml)
    if sd is None or sd.group(1) or sd.group(2) == b"/>":
        return None
    end = xml.find(b"</sheetData>", sd.end())
    if end < 0 or xml.count(b'<row r="', sd.end(), end) != xml.count(b"<row", sd.end(), end):
        return None
    by_row: dict[int, dict[int, CellValue]] = defaultdict(dict)
    for (r, c), v in changes.items():
        by_row[r][c] = v
    wanted = {str(r).encode("ascii"): r for r in by_row}
    found: dict[int, re.Match] = {}
    for m in _ROW_OPEN.finditer(xml, sd.end(), end):
        r = wanted.get(m.group(1))
        if r is not None:
            if r in found or m.group(3):
                return None
            found[r] = m
    if len(found) != len(by_row):
        return None
    ranges = _range_formulas(xml)
    result = _SheetPatch()
    pieces: list[bytes] = []
    pos = 0
    for r in sorted(found):
        m = found[r]
        close = xml.find(b"</row>", m.end(), end)
        if close < 0:
            return None
        content, created = _patch_row_cells(b"", r, xml[m.end():close], by_row[r], ranges, result)
        attrs = _widen_spans(m.group(2), created)
        pieces += [xml[pos:m.start()], b'<row r="', m.group(1), b'"', attrs, b">", content]
        pos = close
    pieces.append(xml[pos:])
    out = b"".join(pieces)
    result.skipped.sort()
    if result.created_box:
        out = _widen_dimension(out, result.created_box)
    return out, result


def _check_utf8(xml: bytes) -> None:
    m = _ENCODING.match(xml)
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        m and m.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii")
    ):
        raise WriteError(_("worksheet XML is not UTF-8 (unsupported)"))


def _patch_row_by_row(xml: bytes, changes: dict[tuple[int, int], CellValue]) -> tuple[bytes, _SheetPatch]:
    """Walk the rows and their cells: creates missing array-range cells, checks every ``r``."""
    result = _SheetPatch()
    sd = _SHEETDATA_OPEN.search(xml)
    if sd is None:
        raise WriteError(_("worksheet XML has no <sheetData>"))
    prefix = (sd.group(1) + b":") if sd.group(1) else b""
    if sd.group(2) == b"/>":  # <sheetData/>: open it up
        head = xml[: sd.end() - 2].rstrip() + b">"
        body_start = body_end = sd.end()
        tail = b"</" + prefix + b"sheetData>" + xml[body_end:]
    else:
        body_start = sd.end()
        end = _SHEETDATA_CLOSE.search(xml, body_start)
        if end is None:
            raise WriteError(_("worksheet XML: <sheetData> is not closed"))
        body_end = end.start()
        head = xml[:body_start]
        tail = xml[body_end:]
    ranges = _range_formulas(xml)

    by_row: dict[int, dict[int, CellValue]] = defaultdict(dict)
    for (r, c), v in changes.items():
        by_row[r][c] = v
    pending_rows = sorted(by_row)
    pr = 0

    def new_rows_before(limit: int, pieces: list[bytes]) -> None:
        nonlocal pr
        while pr < len(pending_rows) and pending_rows[pr] < limit:
            rownum = pending_rows[pr]
            pr += 1
            todo = by_row.pop(rownum, None)
            if not todo:
                continue
            cells = []
            for c in sorted(todo):
                if _in_ranges(rownum, c, ranges):
                    cells.append(_new_cell(prefix, rownum, c, todo[c]))
                    result.written += 1
                    result.note_created(rownum, c)
                else:
                    result.skipped.append((rownum, c, _("no such cell (not a formula cell)")))
            if cells:
                pieces.append(b"<" + prefix + b'row r="' + str(rownum).encode() + b'">'
                              + b"".join(cells) + b"</" + prefix + b"row>")

    body = xml[body_start:body_end]
    pieces: list[bytes] = []
    pos = 0
    rownum = 0
    for m in _ROW.finditer(body):
        rm = _ATTR_R.search(m.group(2))
        if rm:
            try:
                rownum = int(rm.group(2))
            except ValueError:
                raise WriteError(_("bad row number {row}", row=repr(rm.group(2)))) from None
        else:
            rownum += 1
        if pr < len(pending_rows) and pending_rows[pr] < rownum:
            pieces.append(body[pos:m.start()])
            pos = m.start()
            new_rows_before(rownum, pieces)
        todo = by_row.pop(rownum, None)
        if todo:
            rprefix, attrs, inner = m.group(1), m.group(2), m.group(4)
            new_inner, created_cols = _patch_row_cells(rprefix, rownum, inner or b"", todo, ranges, result)
            attrs = _widen_spans(attrs, created_cols)
            pieces.append(body[pos:m.start()])
            pieces.append(b"<" + rprefix + b"row" + attrs + b">" + new_inner + b"</" + rprefix + b"row>")
            pos = m.end()
        if pr < len(pending_rows) and pending_rows[pr] == rownum:
            pr += 1
        if not by_row:
            break
    pieces.append(body[pos:])
    new_rows_before(1 << 40, pieces)

    out = head + b"".join(pieces) + tail
    result.skipped.sort()
    if result.created_box:
        out = _widen_dimension(out, result.created_box)
    return out, result


def _widen_dimension(xml: bytes, box: list[int]) -> bytes:
    m = _DIMENSION.search(xml)
    if m is None:
        return xml
    rng = _range(m.group(2))
    if rng is None:
        return xml
    r1, c1, r2, c2 = rng
    if r1 <= box[0] and c1 <= box[1] and box[2] <= r2 and box[3] <= c2:
        return xml
    r1, c1 = min(r1, box[0]), min(c1, box[1])
    r2, c2 = max(r2, box[2]), max(c2, box[3])
    ref = f"{col_letters(c1)}{r1}" + ("" if (r1, c1) == (r2, c2) else f":{col_letters(c2)}{r2}")
    return xml[: m.start(2)] + ref.encode() + xml[m.end(2):]


# -- the package ----------------------------------------------------------------------

_PLAIN_REF = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")


def _group(pkg: Package, evaluation: Evaluation, result: WriteResult) -> dict[str, tuple[str, dict]]:
    """Evaluation values grouped by worksheet part: part → (sheet name, {b"B12": value})."""
    parts: dict[str, tuple[str, dict]] = {}
    targets: dict[str, dict | str] = {}
    for (sheet, ref), value in evaluation.values.items():
        cells = targets.get(sheet)
        if cells is None:
            cells = targets[sheet] = _sheet_cells(pkg, sheet, parts)
        if isinstance(cells, str):
            result.skipped.append((sheet, ref, cells))
            continue
        if not _PLAIN_REF.fullmatch(ref):
            try:
                row, col = split_ref(ref)
            except ValueError:
                result.skipped.append((sheet, ref, _("not a cell reference")))
                continue
            ref = col_letters(col) + str(row)
        cells[ref.encode("ascii")] = value
    return parts


_NO_CELLS = {
    "chartsheet": N_("a chartsheet has no cells"),
    "dialogsheet": N_("a dialogsheet has no cells"),
    "macrosheet": N_("a macrosheet has no cells"),
    "sheet": N_("a sheet that is not a worksheet has no cells"),
}


def _sheet_cells(pkg: Package, sheet: str, parts: dict) -> dict | str:
    """The {ref: value} dict of the sheet's part in ``parts``, or why it takes no values."""
    try:
        sref = pkg.worksheet(sheet)
    except KeyError:
        return _("no such sheet")
    if sref.kind != "worksheet":
        return _(_NO_CELLS[sref.kind if sref.kind in _NO_CELLS else "sheet"])
    return parts.setdefault(sref.part, (sref.name, {}))[1]


def write_values(src: Package | Path | str, evaluation: Evaluation, dest: Path | str | BinaryIO, *,
                 limits: Limits | None = None) -> WriteResult:
    """Copy the package (already opened, or at a path) to ``dest`` with the evaluated
    values as cached values.

    ``dest`` is written in full; make it a temporary file and rename it for atomicity
    (:func:`kpi_udfs.recalc.write.safefile.atomic_output` does).
    """
    result = WriteResult()
    with contextlib.nullcontext(src) if isinstance(src, Package) else open_package(src, limits) as pkg:
        grouped = _group(pkg, evaluation, result)
        patched: dict[str, bytes] = {}
        for part, (sheet, changes) in grouped.items():
            xml = pkg.read(part)
            check_no_dtd(xml, part, pkg.path)
            try:
                new, stats = _patch_sheet(xml, changes)
            except WriteError as e:
                raise WriteError(f"{sheet}: {e}") from None
            result.written += stats.written
            result.created += stats.created
            result.skipped.extend((sheet, col_letters(c) + str(r), why) for r, c, why in stats.skipped)
            if new != xml:
                patched[part] = new
                result.parts.append(part)
        write_package_copy(pkg, patched, dest)
    return result


def write_package_copy(pkg: Package, patched: dict[str, bytes], dest: Path | str | BinaryIO,
                       added: dict[str, bytes] | None = None) -> None:
    """A copy of the package with some parts replaced (``patched``) and new ones at the end
    (``added``, deflated): every other part as read, in its order, with its date,
    compression, attributes and comment (``kpi recalc``'s values, ``kpi adopt``'s Rules sheet)."""
    with zipfile.ZipFile(dest, "w", allowZip64=True) as out:
        for info in pkg.infos:
            data = patched.get(info.filename)
            if data is None:
                data = pkg.read(info.filename)
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            zi.create_system = info.create_system
            zi.comment = info.comment
            out.writestr(zi, data)
        for name, data in (added or {}).items():
            out.writestr(zipfile.ZipInfo(name, date_time=pkg.infos[0].date_time), data, compress_type=zipfile.ZIP_DEFLATED)
        out.comment = pkg.zf.comment
