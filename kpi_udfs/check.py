"""``kpi check BOOK.xlsx``: find what is wrong in a workbook's rules without computing it.

Where are the rule tables of an arbitrary workbook? The formulas say: every argument of
a KPI_ call that is a whole list (a band table's bounds, grade labels, weights, quotas,
a ladder…) or a setting IS a rule, so ``kpi check`` reads every formula, resolves those
arguments (ranges, defined names, ``Table[Column]``, constants, array constants) and
audits each table once, however many formulas use it:

* band tables (KPI_BAND, KPI_CHECK_BANDS): gaps, overlaps, empty rows and non-numeric
  bounds, by KPI_CHECK_BANDS itself (:class:`~kpi_udfs.functions.bands.BandTable`);
* grade tables (KPI_GRADE, KPI_LEVEL_HISTORY): bounds out of order or repeated, and,
  with upper bounds, scores between two ranges (AMB-22);
* weights (KPI_WEIGHTED) and quotas (KPI_QUOTA, KPI_FORCE_GRADES, KPI_QUOTA_CHECK) that
  do not add up to 100 %;
* anything else the function itself refuses for every row: each call site is run once
  with its real tables and settings and blank per-employee rows, so a whole-call error
  (duplicate keys, a misspelt policy, a blank ladder entry…) comes with the function's
  own message.

It also checks typed inputs against their data validation, and finds formulas calling
functions the engine does not know (they would be #NAME?).

Errors are contradictions a person did not decide: bounds out of order, weights that do
not add up, a misspelt policy, a gap whose values fail under an ``on_gap`` the formula
writes in itself or leaves out. Warnings are what the workbook decides in the open: a gap
or overlap handled by a policy *cell* (``X_OnGap`` = ERROR still is a decision, visible
next to the table, and the finding names that cell), and rule cells left blank for HR to
fill in (the seed leaves weights or coefficients blank: the cells fail, with the reason,
until they are filled; the finding names them). Exit code 1 when there is an error (or a
warning, with ``--strict``); ``--json`` prints the report for CI. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import typer

from . import i18n
from .coerce import as_grid, coerce_cells, label_key, to_number
from .errors import KpiError, parse_error_text
from .i18n import N_, _
from .numeric import fmt
from .registry import (
    EACH,
    LIST,
    RECORD,
    REGISTRY,
    SCALAR,
    KpiFunction,
    Param,
    catalogue,
    choice_code,
    code_key,
)

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_BAD_FILE = 3
EXIT_INTERNAL = 5

EXIT_CODES_HELP = """Exit codes:
 0  no error found (warnings allowed unless --strict)
 1  an error was found (or, with --strict, a warning)
 2  usage error: no such file
 3  the workbook is unreadable, damaged or hostile: the checks of kpi recalc, any XML part not well formed, or a package openpyxl cannot read
 5  internal error (a bug: please report it with the workbook)"""

ERROR = "error"
WARNING = "warning"

#: A cell whose formula has no cached value: its value is not known without computing.
UNKNOWN = object()


@dataclass
class Finding:
    """One problem: what kind, how bad, where, and the formulas that depend on it."""

    severity: str  # "error" or "warning"
    kind: str  # band_table, grade_table, weights, quotas, rule_table, validation, unknown_function, not_checked
    where: str  # the table or cell, e.g. "Rules!A11:B14"
    message: str
    used_by: list[str] = field(default_factory=list)  # a few formula cells that depend on it
    uses: int = 0  # how many formula cells depend on it


@dataclass
class CheckReport:
    file: str
    formulas: int = 0
    kpi_calls: int = 0
    tables_audited: int = 0
    #: Distinct KPI_ calls run once with their tables and blank rows.
    calls_probed: int = 0
    inputs_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    #: Arguments that are computed (not a range, a name or a constant): not audited.
    not_audited: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    def exit_code(self, strict: bool = False) -> int:
        return EXIT_PROBLEMS if self.errors or (strict and self.warnings) else EXIT_OK

    def as_json(self, strict: bool = False) -> dict:
        return {
            "file": self.file,
            "ok": self.exit_code(strict) == EXIT_OK,
            "errors": self.errors,
            "warnings": self.warnings,
            "formulas": self.formulas,
            "kpi_calls": self.kpi_calls,
            "tables_audited": self.tables_audited,
            "calls_probed": self.calls_probed,
            "inputs_checked": self.inputs_checked,
            "findings": [asdict(f) for f in self.findings],
            "not_audited": self.not_audited,
            "exit_code": self.exit_code(strict),
        }


# -- the workbook ---------------------------------------------------------------------------

_SHEET_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$")
_A1 = re.compile(r"^\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?$|^\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}$"
                 r"|^\$?\d+:\$?\d+$")
_STRUCTURED = re.compile(r"^([A-Za-z_\\][\w.]*)\[(?:\[?#?(?:Data)?\]?,?)?\[?([^\[\]]+)\]?\]$")


@dataclass(frozen=True)
class Area:
    """A rectangle of one sheet: the resolved value of a reference argument."""

    sheet: str
    c1: int
    r1: int
    c2: int
    r2: int

    def __str__(self) -> str:
        from openpyxl.utils.cell import get_column_letter as col

        sheet = self.sheet if re.fullmatch(r"[^\W\d]\w*", self.sheet) else "'" + self.sheet.replace("'", "''") + "'"
        a = f"{col(self.c1)}{self.r1}"
        b = f"{col(self.c2)}{self.r2}"
        return f"{sheet}!{a}" if a == b else f"{sheet}!{a}:{b}"


#: The most cells a rule table may have: a larger reference (``A:XFD`` over a sheet with
#: one cell at XFD1048576) is cut to the cells the sheet holds, else not audited.
AREA_BUDGET = 1 << 20


def present_cells(ws) -> dict[tuple[int, int], Any]:
    """The cells the file holds, by (row, column): openpyxl's ``_cells``. Never walk a
    sheet with ``iter_rows()`` or read it with ``cell()``: both create every cell of the
    rectangle they cover, which for a valid workbook with one cell at XFD1048576 is 17
    billion cells (the MemoryError of issue 12)."""
    return ws._cells


def read_safely(path: Path, limits=None):
    """Read the file once, as ``kpi recalc`` does (a regular file, within the limits), and
    check the package before openpyxl reads a byte of it: the checks of ``kpi recalc``
    (:meth:`kpi_udfs.recalc.read.archive.Package.validate`: a zip within the size and
    ratio limits, no DTD, every sheet within Excel's grid), then every XML part well
    formed, parsed with defusedxml, so that a damaged part is named; and every
    shared-string cell pointing into the shared string table (openpyxl would read index
    -1 as the last string: a silent wrong value). Returns the bytes read (a Source)."""
    from .recalc.read.archive import open_package, read_source

    source = read_source(path, limits)
    with open_package(source, limits) as pkg:
        pkg.validate()
        sst = pkg.shared_strings_part if pkg.shared_strings_part and pkg.has(pkg.shared_strings_part) else None
        strings = _xml_elements(pkg, sst, "si") if sst else 0
        sheets = {s.part: s.name for s in pkg.sheets if s.kind == "worksheet"}
        for info in pkg.infos:
            if not info.filename.lower().endswith((".xml", ".rels")) or info.filename == sst:
                continue  # (legacy VML drawings are rarely well formed, and openpyxl skips them)
            if info.filename in sheets:
                _check_sheet(pkg, info.filename, sheets[info.filename], strings)
            else:
                _xml_elements(pkg, info.filename, None)
    return source


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _iterparse(pkg, part: str):
    """(end) elements of one part, parsed with defusedxml; PackageError naming the part."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeET

    from .recalc.read.archive import PackageError

    try:
        yield from (el for _event, el in SafeET.iterparse(io.BytesIO(pkg.read(part)), forbid_dtd=True,
                                                          forbid_entities=True, forbid_external=True))
    except SafeET.ParseError as e:
        raise PackageError(f"{pkg.path.name}: " + _("{part} is not well-formed XML ({reason})", part=part,
                                                    reason=str(e))) from None
    except DefusedXmlException as e:
        raise PackageError(f"{pkg.path.name}: " + _("{part} is refused ({reason})", part=part, reason=str(e))) from None


def _xml_elements(pkg, part: str, name: str | None) -> int:
    """Parse a part to its end; how many elements of local name ``name`` it holds."""
    n = 0
    for el in _iterparse(pkg, part):
        if name is not None and _local(el.tag) == name:
            n += 1
        el.clear()
    return n


def _check_sheet(pkg, part: str, sheet: str, strings: int) -> None:
    from .recalc.read.archive import PackageError

    where = f"{pkg.path.name}: " + _("sheet {sheet}", sheet=repr(sheet)) + ": "
    for el in _iterparse(pkg, part):
        tag = _local(el.tag)
        if tag == "c":
            _check_cell_ref(el.get("r"), where)
            if el.get("t") == "s":
                v = next((ch.text for ch in el if _local(ch.tag) == "v"), None)
                try:
                    index = int((v or "").strip())
                except ValueError:
                    index = -1
                if not 0 <= index < strings:
                    if not strings:
                        raise PackageError(f"{pkg.path.name}: " + _(
                            "cell {cell} of sheet {sheet} is a shared string, but the workbook has no shared string "
                            "table (damaged)", cell=el.get("r", "?"), sheet=repr(sheet)))
                    raise PackageError(f"{pkg.path.name}: " + _(
                        "cell {cell} of sheet {sheet} points to shared string {index}, outside the table's {count} "
                        "strings (damaged)", cell=el.get("r", "?"), sheet=repr(sheet), index=repr((v or "").strip()),
                        count=format(strings, ",")))
            el.clear()
        elif tag == "row":
            el.clear()


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _check_cell_ref(ref: str | None, where: str) -> None:
    """A cell's r attribute inside Excel's grid, as ``kpi recalc``'s reader requires:
    ``<c r="A100000000">`` in row 1 passes the rows' check, and openpyxl reads it."""
    from .recalc.read.archive import MAX_COLUMN, MAX_ROW, PackageError

    if ref is None:  # a cell without r follows the one before it
        return
    m = _CELL_REF.match(ref)
    if not m:
        raise PackageError(where + _("a cell reference {ref} that is no cell (damaged file)", ref=repr(ref[:40])))
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    if not (1 <= int(m.group(2)) <= MAX_ROW and col <= MAX_COLUMN):
        raise PackageError(where + _("a cell {ref} beyond Excel's grid (damaged or crafted file)", ref=ref[:40]))


def _load(source, data_only: bool):
    """openpyxl's reading of a checked package (its bytes as read once); what it cannot
    read is a PackageError."""
    import openpyxl

    from .recalc.read.archive import PackageError

    path = source.path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(source.data), data_only=data_only)
    except MemoryError:
        raise PackageError(f"{path.name}: " + _("the workbook is too large to read in memory")) from None
    except Exception as e:  # openpyxl raises whatever its parsers meet: KeyError, ValueError, TypeError…
        raise PackageError(f"{path.name}: " + _("cannot be read as a workbook: {reason}", reason=_reason(e))) from None


_MISSING = re.compile(r"There is no item named '([^']+)' in the archive")


def _reason(e: BaseException) -> str:
    """The cause of openpyxl's failure in a few words (the innermost exception)."""
    while (e.__cause__ or e.__context__) is not None:
        e = e.__cause__ or e.__context__
    text = " ".join(str(e).split()).strip("\"'")
    if m := _MISSING.search(text):
        return _("part {part} is missing", part=m.group(1))
    if "no valid workbook part" in text:
        return _("no part has the workbook's content type in [Content_Types].xml")
    if isinstance(e, KeyError):
        return _("{name} is missing", name=text)
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


class Book:
    """The workbook twice: formulas (to read calls and validation) and cached values.

    openpyxl reads the package only after :func:`read_safely` has checked it; whatever it
    still cannot read is a :class:`~kpi_udfs.recalc.read.archive.PackageError` with one reason.
    """

    def __init__(self, source):
        self.formulas = _load(source, data_only=False)
        self.values = _load(source, data_only=True)
        self._extents: dict[tuple[str, bool], dict[int, int]] = {}
        #: Areas read from whole-column references (A:A), cut at their last held cell:
        #: :func:`align_whole_columns` gives those of one call the same length again.
        self.whole_columns: set[Area] = set()
        self._names = {name.upper(): dn.attr_text for name, dn in self.formulas.defined_names.items()}
        self._local = {
            ws.title: {name.upper(): dn.attr_text for name, dn in ws.defined_names.items()}
            for ws in self.formulas.worksheets
        }
        self._tables = {
            (t.displayName or t.name).upper(): (ws.title, t) for ws in self.formulas.worksheets
            for t in ws.tables.values()
        }
        self._empty_cache = _empty_caches(source)

    def sheet(self, name: str):
        for ws in self.formulas.worksheets:
            if ws.title.casefold() == name.casefold():
                return ws
        return None

    def formula_cells(self) -> Iterator[tuple[str, str, str]]:
        """(sheet, cell, formula text) of every formula, array formulas included."""
        for ws in self.formulas.worksheets:
            for coord, text in _formula_texts(ws):
                yield ws.title, coord, text

    def area(self, text: str, sheet: str, depth: int = 0) -> Area | None:
        """The rectangle a reference, a defined name or ``Table[Column]`` stands for."""
        from openpyxl.utils.cell import range_boundaries

        text = text.strip()
        if depth > 5 or not text:
            return None
        m = _SHEET_REF.match(text)
        if m:
            sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
            text = m.group(3)
        ws = self.sheet(sheet)
        if ws is None:
            return None
        if _A1.match(text):
            try:
                c1, r1, c2, r2 = range_boundaries(text.replace("$", ""))
            except ValueError:
                return None
            # a whole column (A:A) or row (1:1) stops at the last cell the file holds in it
            whole_columns, whole_rows = r1 is None and r2 is None, c1 is None and c2 is None
            c1, r1 = c1 or 1, r1 or 1
            if whole_rows:
                c2 = self._last(ws, rows=(r1, r2 or ws.max_row), column=False)
            c2 = c2 or ws.max_column
            if whole_columns:
                r2 = self._last(ws, columns=(c1, c2), column=True)
            r2 = r2 or ws.max_row
            area = _bounded(ws, Area(ws.title, c1, r1, c2, min(r2, max(ws.max_row, r1))))
            if whole_columns and area is not None:
                self.whole_columns.add(area)
            return area
        name = text.upper()
        target = self._local.get(ws.title, {}).get(name) or self._names.get(name)
        if target:
            return self.area(target, ws.title, depth + 1)
        sm = _STRUCTURED.match(text)
        if sm and sm.group(1).upper() in self._tables:
            tsheet, table = self._tables[sm.group(1).upper()]
            c1, r1, c2, r2 = range_boundaries(table.ref)
            headers = [str(c.name).strip().upper() for c in table.tableColumns]
            column = sm.group(2).strip().upper()
            if column not in headers:
                return None
            c = c1 + headers.index(column)
            first = r1 + (1 if (table.headerRowCount or 0) else 0)
            last = r2 - (1 if table.totalsRowCount else 0)
            if tsheet not in self.formulas.sheetnames:
                return None
            return _bounded(self.formulas[tsheet], Area(tsheet, c, first, c, last))
        return None

    def _last(self, ws, rows: tuple[int, int] = (1, 0), columns: tuple[int, int] = (1, 0),
              column: bool = True) -> int:
        """The last row holding a cell in ``columns`` (or the last column in ``rows``); at least 1."""
        key = (ws.title, column)
        extent = self._extents.get(key)
        if extent is None:  # per sheet once: column → last row (or row → last column)
            extent = {}
            for r, c in present_cells(ws):
                k, v = (c, r) if column else (r, c)
                if v > extent.get(k, 0):
                    extent[k] = v
            self._extents[key] = extent
        lo, hi = columns if column else rows
        return max((v for k, v in extent.items() if lo <= k <= hi), default=1)

    def read(self, area: Area) -> list[list[Any]]:
        """Cell values of an area (cached values for formulas; UNKNOWN when there is none)."""
        values = present_cells(self.values[area.sheet])
        formulas = present_cells(self.formulas[area.sheet])
        rows = []
        for r in range(area.r1, area.r2 + 1):
            row = []
            for c in range(area.c1, area.c2 + 1):
                cell = values.get((r, c))
                v = cell.value if cell is not None else None
                if v is None:
                    f = formulas.get((r, c))
                    if f is not None and f.data_type == "f" and (area.sheet, r, c) not in self._empty_cache:
                        v = UNKNOWN
                row.append(_cell_value(v))
            rows.append(row)
        return rows


def align_whole_columns(args: dict[str, Any], book: Book) -> None:
    """Whole-column arguments of one call on one sheet (``Rules!A:A``, ``Rules!B:B``) stop at
    the same row, the last one any of them holds, as Excel's equal-length columns do."""
    by_sheet: dict[str, list[Any]] = {}
    for a in args.values():
        if a.area is not None and a.area in book.whole_columns:
            by_sheet.setdefault(a.area.sheet, []).append(a)
    for group in by_sheet.values():
        last = max(a.area.r2 for a in group)
        for a in group:
            if a.area.r2 < last:
                ws = book.formulas[a.area.sheet]
                longer = _bounded(ws, Area(a.area.sheet, a.area.c1, a.area.r1, a.area.c2, last))
                if longer is not None:
                    book.whole_columns.add(longer)
                    a.area, a.value = longer, book.read(longer)


def _bounded(ws, area: Area) -> Area | None:
    """``area``, cut to the cells ``ws`` holds when it is larger than :data:`AREA_BUDGET`
    (a whole-column reference over a sheet that reaches row 1,048,576); None when even
    that is too large to read."""
    if area.r2 < area.r1 or area.c2 < area.c1:
        return None
    if (area.r2 - area.r1 + 1) * (area.c2 - area.c1 + 1) <= AREA_BUDGET:
        return area
    inside = [(r, c) for r, c in present_cells(ws) if area.r1 <= r <= area.r2 and area.c1 <= c <= area.c2]
    if not inside:
        return Area(area.sheet, area.c1, area.r1, area.c1, area.r1)
    last_row = max(r for r, _skip in inside)
    last_col = max(c for _skip, c in inside)
    cut = Area(area.sheet, area.c1, area.r1, last_col, last_row)
    return cut if (cut.r2 - cut.r1 + 1) * (cut.c2 - cut.c1 + 1) <= AREA_BUDGET else None


_EMPTY_V = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*>(?:<f\b[^>]*(?:/>|>[^<]*</f>))?(?:<v></v>|<v/>)</c>')


def _empty_caches(source) -> set[tuple[str, int, int]]:
    """(sheet, row, column) of formula cells whose cached value is the empty text (a blank
    result, as Excel and kpi recalc write it), unlike a formula never computed (no <v>)."""
    from openpyxl.utils.cell import column_index_from_string

    from .recalc.read.archive import open_package

    out: set[tuple[str, int, int]] = set()
    try:
        with open_package(source) as pkg:
            for ref in pkg.sheets:
                if ref.kind != "worksheet":
                    continue
                for m in _EMPTY_V.finditer(pkg.read(ref.part)):
                    out.add((ref.name, int(m.group(2)), column_index_from_string(m.group(1).decode())))
    except Exception:  # unreadable parts: every missing value stays unknown
        return set()
    return out


def _formula_texts(ws) -> Iterator[tuple[str, str]]:
    for (_r, _c), c in sorted(present_cells(ws).items()):
        if c.data_type != "f":
            continue
        text = c.value if isinstance(c.value, str) else getattr(c.value, "text", None)
        if text:
            yield c.coordinate, text if text.startswith("=") else "=" + text


def _cell_value(v: Any) -> Any:
    """A cached value as the registry reads cells: error text becomes a KpiError."""
    if isinstance(v, str):
        err = parse_error_text(v) if v.startswith("#") else None
        return err if err is not None else v
    if isinstance(v, (dt.datetime, dt.date)):
        return v
    return v


# -- formulas: calls and their arguments -----------------------------------------------------

@dataclass
class Call:
    """One function call inside a formula, with the raw tokens of each argument."""

    name: str
    args: list[list[Any]]  # per argument: tokens (openpyxl Token) or nested Call


def calls_in(formula: str) -> list[Call]:
    """Every function call of a formula, innermost first (openpyxl's tokenizer)."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        tokens = Tokenizer(formula).items
    except Exception:
        return []
    stack: list[Any] = []  # Call, or "{" for an array constant
    found: list[Call] = []
    for t in tokens:
        if t.type == Token.WSPACE:
            continue
        top = stack[-1] if stack else None
        if t.type == Token.FUNC and t.subtype == Token.OPEN:
            stack.append(Call(t.value[:-1], [[]]))
        elif t.type == Token.FUNC and t.subtype == Token.CLOSE and isinstance(top, Call):
            call = stack.pop()
            found.append(call)
            _add(stack, call)
        elif t.type == Token.ARRAY and t.subtype == Token.OPEN:
            stack.append(["{"])
        elif t.type == Token.ARRAY and t.subtype == Token.CLOSE and isinstance(top, list):
            stack.pop()
            _add(stack, ("ARRAY", top[1:]))
        elif isinstance(top, list):  # inside an array constant
            top.append(t)
        elif t.type == Token.SEP and t.subtype == Token.ARG and isinstance(top, Call):
            top.args.append([])
        else:
            _add(stack, t)
    return found


def _add(stack: list, item: Any) -> None:
    if stack and isinstance(stack[-1], Call):
        stack[-1].args[-1].append(item)
    elif stack and isinstance(stack[-1], list):
        stack[-1].append(item)


def registry_function(name: str) -> KpiFunction | None:
    upper = name.upper()
    for candidate in (upper, upper.rsplit(".", 1)[-1]):
        if candidate in REGISTRY:
            return REGISTRY[candidate]
    return None


_OMITTED = object()
_UNRESOLVED = object()


@dataclass
class Argument:
    """An argument as ``kpi check`` understood it."""

    value: Any = _UNRESOLVED  # the cells (list of rows), a constant, _OMITTED or _UNRESOLVED
    area: Area | None = None
    text: str = ""


def resolve(tokens: list[Any], book: Book, sheet: str) -> Argument:
    """The value of an argument written as a reference, a name, a constant or an array."""
    from openpyxl.formula.tokenizer import Token

    if not tokens:
        return Argument(_OMITTED)
    text = "".join(_text(t) for t in tokens)
    sign = 1.0
    if len(tokens) == 2 and getattr(tokens[0], "type", None) == Token.OP_PRE and tokens[0].value in "+-":
        sign = -1.0 if tokens[0].value == "-" else 1.0
        tokens = tokens[1:]
    if len(tokens) != 1:
        return Argument(text=text)
    t = tokens[0]
    if isinstance(t, tuple) and t[0] == "ARRAY":
        return Argument(_array(t[1]), text=text)
    if isinstance(t, Call):
        return Argument(text=text)
    if t.type != Token.OPERAND:
        return Argument(text=text)
    if t.subtype == Token.NUMBER:
        return Argument(sign * float(t.value), text=text)
    if sign < 0:
        return Argument(text=text)
    if t.subtype == Token.TEXT:
        return Argument(t.value[1:-1].replace('""', '"'), text=text)
    if t.subtype == Token.LOGICAL:
        return Argument(t.value.upper() == "TRUE", text=text)
    if t.subtype == Token.ERROR:
        return Argument(parse_error_text(t.value), text=text)
    area = book.area(t.value, sheet)
    if area is None:
        return Argument(text=text)
    return Argument(book.read(area), area=area, text=text)


def _text(t: Any) -> str:
    if isinstance(t, Call):
        return t.name + "(…)"
    if isinstance(t, tuple):
        return "{…}"
    return t.value


def _array(tokens: list[Any]) -> list[list[Any]]:
    from openpyxl.formula.tokenizer import Token

    rows: list[list[Any]] = [[]]
    sign = 1.0
    for t in tokens:
        if t.type == Token.SEP and t.subtype == Token.ROW:
            rows.append([])
        elif t.type == Token.OP_PRE:
            sign = -1.0 if t.value == "-" else 1.0
        elif t.type == Token.OPERAND:
            if t.subtype == Token.NUMBER:
                rows[-1].append(sign * float(t.value))
            elif t.subtype == Token.TEXT:
                rows[-1].append(t.value[1:-1].replace('""', '"'))
            elif t.subtype == Token.LOGICAL:
                rows[-1].append(t.value.upper() == "TRUE")
            else:
                rows[-1].append(parse_error_text(t.value))
            sign = 1.0
    return rows


# -- audits ----------------------------------------------------------------------------------

@dataclass
class Site:
    """A distinct call: one function with the same table and setting arguments."""

    fn: KpiFunction
    args: dict[str, Argument]
    cells: list[str] = field(default_factory=list)
    #: A KPI_CHECK_BANDS cell over the first rows of a table KPI_BAND uses (``kpi adopt``'s check
    #: of the bands as written, above rows that fill their gaps): only its gaps are news.
    within_band: bool = False


class Checker:
    def __init__(self, book: Book, report: CheckReport):
        self.book = book
        self.report = report
        self._seen: dict[tuple, Finding] = {}

    def add(self, severity: str, kind: str, where: str, message: str, cells: list[str]) -> None:
        key = (kind, where, message)
        finding = self._seen.get(key)
        if finding is None:
            finding = Finding(severity, kind, where, message)
            self._seen[key] = finding
            self.report.findings.append(finding)
        elif severity == ERROR:
            finding.severity = ERROR
        for c in cells:
            finding.uses += 1
            if len(finding.used_by) < 5 and c not in finding.used_by:
                finding.used_by.append(c)

    # -- rule tables --------------------------------------------------------------------
    def audit(self, site: Site) -> None:
        fn, args = site.fn, site.args
        for name, arg in args.items():
            if arg.value is _UNRESOLVED and _param(fn, name).shape in (LIST, SCALAR):
                note = _("{function} argument {name} = {text} (computed; used by {cell})", function=fn.name, name=name,
                         text=arg.text, cell=site.cells[0])
                if note not in self.report.not_audited:
                    self.report.not_audited.append(note)
        if any(_is_unknown(a.value) for a in args.values()):
            where = ", ".join(str(a.area) for a in args.values() if _is_unknown(a.value) and a.area)
            self.add(WARNING, "not_checked", where or fn.name,
                     _("{function}: a table cell is a formula without a cached value (run kpi recalc first)",
                       function=fn.name), site.cells)
            return
        before = self.report.errors
        for audit in AUDITS.get(fn.name, ()):
            audit(self, site)
        if self.report.errors == before:
            self.whole_call(site)

    def whole_call(self, site: Site) -> None:
        """Run the function once with its tables and blank rows: a KpiError is the tables'.

        A list holding error values (a grade column to audit, where some grades are errors)
        is data the function is right to refuse: those cells report their own errors."""
        fn, args = site.fn, site.args
        if any(a.value is _UNRESOLVED for n, a in args.items() if _param(fn, n).shape in (LIST, SCALAR)):
            return
        if any(isinstance(v, KpiError) for n, a in args.items() if _param(fn, n).shape == LIST
               for v in _flat(a.value)):
            return
        values = []
        for p in fn.params:
            a = args.get(p.name, Argument(_OMITTED))
            if p.shape == EACH:
                values.append(None)
            elif p.shape == RECORD:
                width = _width(args.get(p.width_of)) if p.width_of else None
                values.append([[None] * (width or 1)])
            else:
                values.append(_OMIT if a.value is _OMITTED else _plain(a.value))
        while values and values[-1] is _OMIT:
            values.pop()
        result = fn(*[None if v is _OMIT else v for v in values])
        self.report.calls_probed += 1
        if isinstance(result, KpiError):
            where = _where(args, fn) or fn.name
            reason = result.reason or _("an input holds {code}", code=result.code)
            blanks = _blank_rule_cells(fn, args) if _blank_reason(fn, values) else []
            if blanks and any(b.rsplit("(", 1)[-1].rstrip(")") in f.where for b in blanks
                              for f in self.report.findings):
                return  # an audit of this table already says it is blank
            if blanks:
                self.add(WARNING, "rule_table", ", ".join(blanks),
                         _("{function}: {code} {reason}: rule cells left blank to fill in (the cells that use "
                           "them fail until then)", function=fn.name, code=result.code, reason=reason), site.cells)
            else:
                self.add(ERROR, "rule_table", where, f"{fn.name}: {result.code} {reason}", site.cells)


_OMIT = object()


def _blank_reason(fn: KpiFunction, values: list) -> bool:
    """Whether the probe's error is about a blank input, read from its English reason (the
    shown reason is in the user's language)."""
    with i18n.using("en"):
        english = fn(*[None if v is _OMIT else v for v in values])
    return isinstance(english, KpiError) and "blank" in english.reason


def _blank_rule_cells(fn: KpiFunction, args: dict[str, Argument]) -> list[str]:
    """The table and setting arguments read from cells that hold blanks (a blank weight, a
    blank coefficient), as "Rules!B84:B88" (with the defined name when there is one)."""
    out = []
    for name, a in args.items():
        if a.area is None or _param(fn, name).shape not in (LIST, SCALAR):
            continue
        if any(_blank(v) for v in _flat(a.value)):
            label = f"{a.text} ({a.area})" if a.text and a.text != str(a.area) else str(a.area)
            out.append(label)
    return out


def _policy_cell(site: Site, name: str) -> str:
    """Where a policy argument comes from, when it is a cell: "X_OnGap (Rules!C20)"; else ""."""
    a = site.args.get(name)
    if a is None or a.area is None:
        return ""
    return f"{a.text} ({a.area})" if a.text and a.text != str(a.area) else str(a.area)


def _param(fn: KpiFunction, name: str) -> Param:
    return next(p for p in fn.params if p.name == name)


def _is_unknown(value: Any) -> bool:
    return isinstance(value, list) and any(v is UNKNOWN for row in value for v in row)


def _plain(value: Any) -> Any:
    """A resolved argument as a registry call takes it (a 1×1 range is its value)."""
    if isinstance(value, list) and len(value) == 1 and len(value[0]) == 1:
        return value[0][0]
    return value


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for row in value for v in row]
    return [value]


def _width(arg: Argument | None) -> int | None:
    if arg is None or arg.value in (_OMITTED, _UNRESOLVED):
        return None
    return len(_flat(arg.value))


def _where(args: dict[str, Argument], fn: KpiFunction) -> str:
    areas = [str(a.area) for n, a in args.items() if a.area is not None and _param(fn, n).shape == LIST]
    return ", ".join(dict.fromkeys(areas))


def _setting(site: Site, name: str) -> Any:
    """A setting's value as the function reads it (its default when omitted or blank)."""
    p = _param(site.fn, name)
    arg = site.args.get(name)
    raw = _OMITTED if arg is None else arg.value
    if raw in (_OMITTED, _UNRESOLVED) or raw is None:
        return p.default
    raw = _plain(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return p.default
    if p.kind == "choice" and isinstance(raw, str):
        try:
            return choice_code(p, raw)  # a code or a label in any language, as the function reads it
        except KpiError:
            return code_key(raw)  # misspelt: the probe of the call reports it
    return raw


def _table(site: Site, name: str) -> Argument | None:
    arg = site.args.get(name)
    if arg is None or arg.value in (_OMITTED, _UNRESOLVED):
        return None
    return arg


def _rows_note(arg: Argument | None) -> str:
    """Where the table's rows are on their sheet (the rows of a problem count from the table's
    first row): `` (table row 1 is Rules row 11)``, or empty."""
    if arg is None or arg.area is None:
        return ""
    note = _("(table row 1 is {sheet} row {row})", sheet=arg.area.sheet, row=arg.area.r1)
    return note if note.startswith("（") else " " + note  # no space before a full-width parenthesis


def _band_problems(verdict: Any, args: list[Any]) -> list[tuple[str, str]]:
    """(English, shown) of each problem in KPI_CHECK_BANDS' verdict: the English one tells a
    gap from an overlap in every language, the shown one is in the user's language."""
    with i18n.using("en"):
        english = str(REGISTRY["KPI_CHECK_BANDS"](*args)).split("; ")
    shown = str(verdict).split(_("; "))
    return list(zip(english, shown if len(shown) == len(english) else english, strict=True))


def audit_bands(ck: Checker, site: Site) -> None:
    """Gaps, overlaps, empty rows and non-numeric bounds, by KPI_CHECK_BANDS itself."""
    lower, upper = _table(site, "lower_bounds"), _table(site, "upper_bounds")
    if lower is None or upper is None:
        return
    bounds = _table(site, "bounds")
    check = REGISTRY["KPI_CHECK_BANDS"]
    args = [_plain(lower.value), _plain(upper.value)] + ([_plain(bounds.value)] if bounds else [])
    verdict = check(*args)
    ck.report.tables_audited += 1
    where = ", ".join(str(a.area) for a in (lower, upper) if a.area) or site.fn.name
    if isinstance(verdict, KpiError):
        ck.add(ERROR, "band_table", where, f"{verdict.code} {verdict.reason}", site.cells)
        return
    if verdict == "OK":
        _uncovered_ends(ck, site, lower, upper, bounds, where)
        _missing_points(ck, site, lower, upper)
        return
    banded = site.fn.name == "KPI_BAND"
    _uncovered_ends(ck, site, lower, upper, bounds, where)
    _missing_points(ck, site, lower, upper)
    if banded and _setting(site, "on_overlap") == "FIRST":
        _never_applies(ck, site, lower, upper, bounds, where)
    on_gap = _setting(site, "on_gap") if banded else "ERROR"
    on_overlap = _setting(site, "on_overlap") if banded else "ERROR"
    note = _rows_note(lower)
    for english, problem in _band_problems(verdict, args):
        if site.within_band and not english.startswith("gap"):
            continue  # the overlaps of the rows as written: the whole table's audit names them
        if not banded:  # a KPI_CHECK_BANDS cell alone: no policy to name
            ck.add(ERROR, "band_table", where, f"{problem}{note}", site.cells)
            continue
        cell = ""
        if english.startswith("gap"):
            covered = on_gap != "ERROR"
            policy = f"on_gap {fmt(on_gap) if isinstance(on_gap, float) else on_gap}"
            cell = _policy_cell(site, "on_gap")
        elif "overlap" in english:
            covered = on_overlap != "ERROR"
            policy = f"on_overlap {on_overlap}"
            cell = _policy_cell(site, "on_overlap")
        else:
            covered, policy = False, ""
        if covered:
            # i18n: {note} is empty or " (table row 1 is Rules row 11)"; {policy} a setting, e.g. on_gap WORSE
            message = _("{problem}{note}: values there follow {policy}", problem=problem, note=note, policy=policy)
        elif policy and cell:  # decided in the open: the policy cell says ERROR
            # i18n: {cell} is the policy cell, e.g. "X_OnGap (Rules!C20)"; {policy} e.g. on_gap ERROR
            message = _("{problem}{note}: values there are #N/A with the reason, as the policy cell {cell} says "
                        "({policy})", problem=problem, note=note, cell=cell, policy=policy)
        elif policy:
            # i18n: {note} is empty or " (table row 1 is Rules row 11)"; {policy} a setting, e.g. on_gap ERROR
            message = _("{problem}{note}: values there are #N/A ({policy})", problem=problem, note=note, policy=policy)
        else:
            message = f"{problem}{note}"
        ck.add(WARNING if covered or cell else ERROR, "band_table", where, message, site.cells)


def _never_applies(ck: Checker, site: Site, lower: Argument, upper: Argument, bounds: Argument | None,
                   where: str) -> None:
    """With on_overlap FIRST, a row whose every value an earlier row takes never applies (an
    IF branch shadowed by the ones before it, a lookup key Excel's search never returns)."""
    from .adopt.intervals import Interval, NumberSet
    from .functions.bands import _codes

    lo = [_float_or_nan(v) for v in _flat(lower.value)]
    hi = [_float_or_nan(v) for v in _flat(upper.value)]
    if len(lo) != len(hi):
        return
    try:
        codes = _codes(None if bounds is None else coerce_cells(as_grid(_plain(bounds.value)), "label", "bounds"),
                       len(lo))
    except KpiError:
        return
    earlier = NumberSet()
    for i, (a, b, code) in enumerate(zip(lo, hi, codes, strict=True)):
        if np.isnan(a) and np.isnan(b):
            continue
        a = -np.inf if np.isnan(a) else a
        b = np.inf if np.isnan(b) else b
        mine = NumberSet.of(Interval(a, b, code[0] == "[", code[1] == "]"))
        if mine.empty:
            continue
        if earlier.covers(mine):
            ck.add(WARNING, "band_table", where,
                   # i18n: {note} is empty or " (table row 1 is Rules row 11)"
                   _("band row {row}{note} {interval} never applies: rows before it take all its values "
                     "(on_overlap FIRST)", row=i + 1, note=_rows_note(lower), interval=str(mine)), site.cells)
        earlier = earlier.union(mine)


def _uncovered_ends(ck: Checker, site: Site, lower: Argument, upper: Argument, bounds: Argument | None,
                    where: str) -> None:
    """Values below the lowest band or above the highest fall in no band (e.g. 「Q>100%」 as
    the last row leaves Q ≤ 100 %, AMB-33). A warning: the data may never go there."""
    from .functions.bands import BandTable, _codes

    lo = np.array([_float_or_nan(v) for v in _flat(lower.value)])
    hi = np.array([_float_or_nan(v) for v in _flat(upper.value)])
    if lo.size != hi.size or lo.size == 0:
        return
    try:
        codes = _codes(None if bounds is None else coerce_cells(as_grid(_plain(bounds.value)), "label", "bounds"),
                       lo.size)
    except KpiError:
        return
    table = BandTable.build(lo, hi, codes, ~(np.isnan(lo) & np.isnan(hi)))
    live = [i for i in range(table.rows.size) if i not in set(table.empty_rows())]
    if not live:
        return
    low = min(live, key=lambda i: (table.lower[i], not table.lo_closed[i]))
    high = max(live, key=lambda i: (table.upper[i], table.hi_closed[i]))
    ends = []  # (which end, the bound)
    if np.isfinite(table.lower[low]):
        ends.append(("below" if table.lo_closed[low] else "up to", fmt(table.lower[low])))
    if np.isfinite(table.upper[high]):
        ends.append(("above" if table.hi_closed[high] else "from", fmt(table.upper[high])))
    if site.within_band:
        then = ""  # the rows below the bands as written say what such values get
    elif site.fn.name != "KPI_BAND" or _setting(site, "on_gap") == "ERROR":
        then = "error"
    else:
        on_gap = _setting(site, "on_gap")
        then = f"on_gap {fmt(on_gap) if isinstance(on_gap, float) else on_gap}"
    for end, x in ends:
        if then == "error":
            message = _(_UNCOVERED_ERROR[end], bound=x)
        elif then:
            message = _(_UNCOVERED_POLICY[end], bound=x, policy=then)
        else:
            message = _(_UNCOVERED[end], bound=x)
        ck.add(WARNING, "band_table", where, message, site.cells)


#: The values beyond a band table's lowest or highest bound, by end: as such, …
_UNCOVERED = {
    "below": N_("values below {bound} fall in no band"),
    "up to": N_("values up to {bound} (included) fall in no band"),
    "above": N_("values above {bound} fall in no band"),
    "from": N_("values from {bound} (included) up fall in no band"),
}
#: … when they are #N/A, …
_UNCOVERED_ERROR = {
    "below": N_("values below {bound} fall in no band: #N/A if they occur"),
    "up to": N_("values up to {bound} (included) fall in no band: #N/A if they occur"),
    "above": N_("values above {bound} fall in no band: #N/A if they occur"),
    "from": N_("values from {bound} (included) up fall in no band: #N/A if they occur"),
}
#: … and when a policy says what they get ({policy}: on_gap WORSE, on_gap 0 …).
_UNCOVERED_POLICY = {
    "below": N_("values below {bound} fall in no band: they follow {policy}"),
    "up to": N_("values up to {bound} (included) fall in no band: they follow {policy}"),
    "above": N_("values above {bound} fall in no band: they follow {policy}"),
    "from": N_("values from {bound} (included) up fall in no band: they follow {policy}"),
}


def _missing_points(ck: Checker, site: Site, lower: Argument, upper: Argument) -> None:
    """A band row with bounds but no points: the rule is missing (「5%」 then nothing, AMB-02)."""
    points = _table(site, "points") if site.fn.name == "KPI_BAND" else None
    if points is None:
        return
    lo, hi, pts = _flat(lower.value), _flat(upper.value), _flat(points.value)
    if not len(lo) == len(hi) == len(pts):
        return
    where = str(points.area) if points.area else site.fn.name
    for i, (a, b, p) in enumerate(zip(lo, hi, pts, strict=True)):
        if _blank(p) and not (_blank(a) and _blank(b)):
            cell = where
            if points.area is not None:
                cell = str(Area(points.area.sheet, points.area.c1, points.area.r1 + i, points.area.c1,
                                points.area.r1 + i))
            ck.add(WARNING, "band_table", cell,
                   # i18n: {note} is empty or " (table row 1 is Rules row 11)"
                   _("band row {row}{note} has bounds but no points: values there are #N/A (rule missing) until "
                     "this cell is filled in", row=i + 1, note=_rows_note(points)), site.cells)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _float_or_nan(v: Any) -> float:
    x = to_number(v, "bound")
    return x if isinstance(x, float) else float("nan")


def audit_grades(ck: Checker, site: Site) -> None:
    """Lower bounds out of order or repeated; gaps between ranges when upper bounds are given."""
    lower, labels = _table(site, "lower_bounds"), _table(site, "labels")
    if lower is None or labels is None:
        return
    ck.report.tables_audited += 1
    where = ", ".join(str(a.area) for a in (lower, labels) if a.area) or site.fn.name
    lo = [to_number(v, "lower_bounds") for v in _flat(lower.value)]
    numbers = [x for x in lo if isinstance(x, float)]
    if len(numbers) >= 3:
        steps = np.sign(np.diff(numbers))
        if (steps > 0).any() and (steps < 0).any():
            shown = ", ".join(fmt(x) for x in numbers)
            ck.add(ERROR, "grade_table", where,
                   _("lower bounds are not in order ({bounds}): a typo? sort them from the best grade down",
                     bounds=shown), site.cells)
    repeated = sorted({x for x in numbers if numbers.count(x) > 1})
    if repeated:
        ck.add(ERROR, "grade_table", where,
               _("lower bound {bounds} is given to two grades", bounds=", ".join(fmt(x) for x in repeated)), site.cells)
    if site.fn.name == "KPI_LEVEL_HISTORY" and len(set(numbers)) >= 2:
        # 「90分以上」 and 「80~90分」 both hold 90: every inner bound is in two levels (AMB-90)
        shared = ", ".join(fmt(x) for x in sorted(set(numbers))[1:])
        policy = _setting(site, "overlap")
        cell = _policy_cell(site, "overlap")
        if policy == "ERROR":
            if cell:
                message = _("scores exactly on the shared bounds {bounds} are #N/A (overlap ERROR, the policy cell "
                            "{cell})", bounds=shared, cell=cell)
            else:
                message = _("scores exactly on the shared bounds {bounds} are #N/A (overlap ERROR)", bounds=shared)
            ck.add(WARNING if cell else ERROR, "grade_table", where, message, site.cells)
        else:
            ck.add(WARNING, "grade_table", where,
                   _("scores exactly on the shared bounds {bounds} are in two levels: overlap {policy} decides",
                     bounds=shared, policy=policy), site.cells)
    upper = _table(site, "upper_bounds") if site.fn.name == "KPI_GRADE" else None
    if upper is None or all(v is None for v in _flat(upper.value)):
        return  # lower bounds only: every score from the lowest bound up has a grade
    args = [_plain(lower.value), _plain(upper.value), "[]"]
    verdict = REGISTRY["KPI_CHECK_BANDS"](*args)
    if isinstance(verdict, KpiError) or verdict == "OK":
        return
    policy = _setting(site, "gap_policy")
    cell = _policy_cell(site, "gap_policy")
    where = ", ".join(str(a.area) for a in (lower, upper) if a.area) or where
    note = _rows_note(lower)
    for english, problem in _band_problems(verdict, args):
        if english.startswith("gap"):
            covered = policy != "ERROR"
            if covered:
                # i18n: {problem} is a gap ("gap (60, 70) between rows 2 and 3"); {note} empty or " (table row 1 is …)"
                message = _("scores in the {problem}{note}: gap_policy {policy} grades them", problem=problem,
                            note=note, policy=policy)
            elif cell:
                # i18n: {cell} is the policy cell, e.g. "Grade_GapPolicy (Rules!C30)"
                message = _("scores in the {problem}{note}: they are #N/A (gap_policy ERROR, the policy cell {cell})",
                            problem=problem, note=note, cell=cell)
            else:
                # i18n: {problem} is a gap ("gap (60, 70) between rows 2 and 3"); {note} empty or " (table row 1 is …)"
                message = _("scores in the {problem}{note}: they are #N/A (gap_policy ERROR)", problem=problem,
                            note=note)
            ck.add(WARNING if covered or cell else ERROR, "grade_table", where, message, site.cells)
        else:
            ck.add(ERROR, "grade_table", where, f"{problem}{note}", site.cells)


def audit_weights(ck: Checker, site: Site) -> None:
    """Weights must add up to 100 % (KPI_WEIGHTED's own check, as with weight_check ERROR)."""
    weights = _table(site, "weights")
    if weights is None:
        return
    ck.report.tables_audited += 1
    policy = _setting(site, "weight_check")
    args = ([[None] * len(_flat(weights.value))], _plain(weights.value), "ERROR",
            _plain(site.args["tolerance"].value) if _table(site, "tolerance") else None)
    probe = site.fn(*args)
    if isinstance(probe, KpiError):
        with i18n.using("en"):  # the English reason tells a sum from another defect in every language
            english = site.fn(*args)
        where = str(weights.area) if weights.area else site.fn.name
        if any(_blank(v) for v in _flat(weights.value)) and weights.area is not None:
            ck.add(WARNING, "weights", where,
                   _("{code} {reason}: weights left blank to fill in (the totals fail until then)",
                     code=probe.code, reason=probe.reason), site.cells)
        elif policy == "ERROR" or "sum to" not in getattr(english, "reason", ""):
            ck.add(ERROR, "weights", where, f"{probe.code} {probe.reason}", site.cells)
        else:
            ck.add(WARNING, "weights", where,
                   _("{reason}: weight_check {policy} is applied", reason=probe.reason, policy=policy), site.cells)


def audit_quotas(ck: Checker, site: Site) -> None:
    """Quotas must add up to 100 % (mode EXACT) or at most 100 % (mode MAX)."""
    from .functions.quotas import quota_fractions

    quotas = _table(site, "quotas")
    if quotas is None:
        return
    ck.report.tables_audited += 1
    from .functions.quotas import _shares

    mode = _setting(site, "mode") if any(p.name == "mode" for p in site.fn.params) else "EXACT"
    cells = coerce_cells(as_grid(_plain(quotas.value)), "number", "quotas")
    err = cells.first_error()
    try:
        if err is not None:
            raise err
        if site.fn.name == "KPI_FORCE_GRADES":  # one blank share is 「其余」, the rest
            _shares(cells)
        else:
            quota_fractions(cells, mode)
    except KpiError as e:
        where = str(quotas.area) if quotas.area else site.fn.name
        reason = e.reason or _("a quota is an error value")
        ck.add(ERROR, "quotas", where, f"{e.code} {reason}", site.cells)


def audit_map_keys(ck: Checker, site: Site) -> None:
    """A key listed twice in a lookup table (a rating typed twice where another was meant: the
    chain 优秀/良好/良好/差 gives 合格 nothing). Two different values for it are KPI_MAP's own
    error; the same value twice is a warning."""
    keys = _table(site, "keys")
    if keys is None:
        return
    ck.report.tables_audited += 1
    normalize = _setting(site, "normalize_zh")
    values = _table(site, "values")
    given = _flat(values.value) if values is not None else []
    seen: dict[Any, int] = {}
    where = str(keys.area) if keys.area else site.fn.name
    for i, k in enumerate(_flat(keys.value)):
        if _blank(k):
            continue
        norm = label_key(k) if normalize is not False and isinstance(k, str) else k
        if norm in seen and len(given) > i and given[i] != given[seen[norm]]:
            continue  # two different values: KPI_MAP's own error says so
        if norm in seen:
            ck.add(WARNING, "rule_table", where,
                   # i18n: {note} is empty or " (table row 1 is Rules row 11)"
                   _("key {key} is listed twice (rows {first} and {second}{note}): the second never applies; another "
                     "key meant?", key=_show(k), first=seen[norm] + 1, second=i + 1, note=_rows_note(keys)), site.cells)
        else:
            seen[norm] = i


AUDITS = {
    "KPI_BAND": (audit_bands,),
    "KPI_CHECK_BANDS": (audit_bands,),
    "KPI_GRADE": (audit_grades,),
    "KPI_LEVEL_HISTORY": (audit_grades,),
    "KPI_WEIGHTED": (audit_weights,),
    "KPI_MAP": (audit_map_keys,),
    "KPI_QUOTA": (audit_quotas,),
    "KPI_FORCE_GRADES": (audit_quotas,),
    "KPI_QUOTA_CHECK": (audit_quotas,),
}


# -- unknown functions ----------------------------------------------------------------------

#: Names the compiler of ``kpi recalc`` handles itself rather than as table functions.
_COMPILED_NAMES = frozenset({"LET", "LAMBDA", "ANCHORARRAY", "SINGLE"})


def known_functions() -> tuple[set[str], Any]:
    """What the engine of ``kpi recalc`` knows, and its test for names it compiles itself."""
    from .recalc.excel import FUNCTIONS

    names = {name.upper() for name in REGISTRY} | set(FUNCTIONS)
    return names, _COMPILED_NAMES.__contains__


def unknown_functions(formula: str, known: set[str], special) -> list[str]:
    from .recalc.graph.parse import function_names

    out = []
    for name in function_names(formula):
        upper = name.upper()
        if upper in known or (special is not None and special(upper)):
            continue
        if registry_function(upper) is not None:
            continue
        out.append(name)
    return list(dict.fromkeys(out))


# -- data validation --------------------------------------------------------------------------

_OPERATORS = {
    "between": lambda v, a, b: a <= v <= b,
    "notBetween": lambda v, a, b: not a <= v <= b,
    "equal": lambda v, a, b: v == a,
    "notEqual": lambda v, a, b: v != a,
    "greaterThan": lambda v, a, b: v > a,
    "lessThan": lambda v, a, b: v < a,
    "greaterThanOrEqual": lambda v, a, b: v >= a,
    "lessThanOrEqual": lambda v, a, b: v <= a,
}
_OPERATOR_TEXT = {
    "between": N_("between {a} and {b}"), "notBetween": N_("not between {a} and {b}"), "equal": "= {a}",
    "notEqual": "≠ {a}", "greaterThan": "> {a}", "lessThan": "< {a}", "greaterThanOrEqual": "≥ {a}",
    "lessThanOrEqual": "≤ {a}",
}
#: What a data validation allows, as Excel's Data Validation dialog calls it.
_ALLOWS = {
    "whole": N_("whole"), "decimal": N_("decimal"), "date": N_("date"), "time": N_("time"),
    "textLength": N_("textLength"),
}


def check_validation(ck: Checker) -> None:
    """Every typed input inside a data validation range, against its rule."""
    book = ck.book
    for ws in book.formulas.worksheets:
        values = book.values[ws.title]
        for dv in ws.data_validations.dataValidation:
            if dv.sqref is None:
                continue
            kind = dv.type or "any"
            if kind in ("any", "custom"):
                continue
            rule = _validation_rule(book, ws.title, dv)
            if rule is None:
                ck.add(WARNING, "not_checked", f"{ws.title}!{dv.sqref}",
                       _("data validation ({kind} {formula}) is not a constant, a range or a name: not checked",
                         kind=kind, formula=repr(dv.formula1)), [])
                continue
            test, text = rule
            # only the cells the sheet holds are inputs (a validation over whole columns, or
            # a sheet reaching XFD1048576, must not make the rest of the grid)
            ranges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in dv.sqref.ranges]
            held = present_cells(values)
            for (row, col), c in sorted(present_cells(ws).items()):
                if c.data_type == "f" or not any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in ranges):
                    continue  # a computed cell is not an input
                v = held[(row, col)].value if (row, col) in held else None
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                ck.report.inputs_checked += 1
                if not test(v):
                    where = f"{ws.title}!{c.coordinate}"
                    ck.add(ERROR, "validation", where,
                           _("{value} is outside its data validation ({rule})", value=_show(v), rule=text), [])


def _show(v: Any) -> str:
    if isinstance(v, float):
        return fmt(v)
    return repr(v) if isinstance(v, str) else str(v)


def _validation_rule(book: Book, sheet: str, dv) -> tuple[Any, str] | None:
    kind = dv.type
    if kind == "list":
        allowed = _list_values(book, sheet, dv.formula1)
        if allowed is None:
            return None
        keys = {_list_key(v) for v in allowed}
        shown = ", ".join(_show(v) for v in allowed[:8]) + (" …" if len(allowed) > 8 else "")
        choice = _choice_of(allowed)

        def listed(v: Any) -> bool:
            return _list_key(v) in keys or (choice is not None and _spells(choice, v))

        return listed, _("one of {values}", values=shown)
    a = _bound(book, sheet, dv.formula1)
    b = _bound(book, sheet, dv.formula2) if dv.formula2 is not None else None
    op = dv.operator or "between"
    if a is None or (op in ("between", "notBetween") and b is None) or op not in _OPERATORS:
        return None
    compare = _OPERATORS[op]
    # i18n: a data validation's rule: {kind} what it allows (whole, date …), {condition} e.g. "between 1 and 5"
    text = _("{kind} {condition}", kind=_(_ALLOWS[kind]) if kind in _ALLOWS else kind,
             condition=_(_OPERATOR_TEXT[op], a=fmt(a), b=fmt(b) if b is not None else ""))

    def test(v: Any) -> bool:
        if kind == "textLength":
            x = float(len(str(v)))
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float, dt.date, dt.datetime, dt.time)):
                return False
            x = _number(v)
            if kind == "whole" and not float(x).is_integer():
                return False
        return compare(x, a, b if b is not None else a)

    return test, text


def _number(v: Any) -> float:
    if isinstance(v, dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second) / 86400.0
    x = to_number(v, "value")
    return x if isinstance(x, float) else float("nan")


def _list_key(v: Any) -> Any:
    """How a list validation compares: numbers by value ("0" in the list matches 0), text
    without case."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        x = to_number(v, "item")
        if isinstance(x, float):
            return x
    return str(v).strip().casefold()


def _choice_params() -> list[Param]:
    """Every vocabulary of policy codes and labels: the registry's choice arguments and
    the choices our templates' formulas make themselves."""
    from .templates.policies import CHOICES

    found: dict[tuple, Param] = {}
    for fn in catalogue():
        for p in fn.params:
            if p.kind == "choice":
                found.setdefault((p.choices, p.labels), p)
    for p in CHOICES.values():
        found.setdefault((p.choices, p.labels), p)
    return list(found.values())


def _spells(p: Param, v: Any) -> bool:
    """Whether ``v`` is a code or a label (in any language) of the choice ``p``."""
    if isinstance(v, bool) or v is None:
        return False
    if isinstance(v, (int, float)):
        return p.number_ok
    try:
        return choice_code(p, v) is not None
    except KpiError:
        return False


def _choice_of(allowed: list[Any]) -> Param | None:
    """The choice whose drop-down a list validation is (its labels in one language, its
    codes, numbers where it takes one): a policy cell then accepts every spelling of the
    choice, as the function reading it does (a code, a label in another language)."""
    words = [v for v in allowed if isinstance(v, str) and not isinstance(to_number(v, "item"), float)]
    if not words:
        return None
    for p in _choice_params():
        if all(_spells(p, v) or (p.number_ok and isinstance(to_number(v, "item"), float)) for v in allowed):
            return p
    return None


def _list_values(book: Book, sheet: str, formula: str | None) -> list[Any] | None:
    if formula is None:
        return None
    f = formula.strip()
    if f.startswith('"') and f.endswith('"'):
        return [s.strip() for s in f[1:-1].split(",")]
    area = book.area(f.lstrip("="), sheet)
    if area is None:
        return None
    cells = [v for row in book.read(area) for v in row]
    if any(v is UNKNOWN for v in cells):
        return None
    return [v for v in cells if v is not None and not (isinstance(v, str) and not v.strip())]


def _bound(book: Book, sheet: str, formula: str | None) -> float | None:
    if formula is None:
        return None
    f = formula.strip().lstrip("=")
    x = to_number(f, "bound")
    if isinstance(x, float):
        return x
    if f.startswith('"') and f.endswith('"'):
        return None
    area = book.area(f, sheet)
    if area is None or (area.r1, area.c1) != (area.r2, area.c2):
        return None
    v = book.read(area)[0][0]
    if v is UNKNOWN:
        return None
    x = to_number(v, "bound")
    return x if isinstance(x, float) else None


# -- the whole check ----------------------------------------------------------------------------

def check_workbook(path: Path | str, limits=None) -> CheckReport:
    """Audit a workbook (see module doc); raise PackageError for an unreadable file."""
    path = Path(path)
    source = read_safely(path, limits)
    catalogue()
    book = Book(source)
    report = CheckReport(file=str(path))
    ck = Checker(book, report)
    known, special = known_functions()
    sites: dict[tuple, Site] = {}
    columns: dict[tuple, dict[tuple, list[str]]] = {}  # one column's calls of one function → sites → cells
    for sheet, coord, text in book.formula_cells():
        report.formulas += 1
        cell = f"{sheet}!{coord}" if re.fullmatch(r"[^\W\d]\w*", sheet) else f"'{sheet}'!{coord}"
        missing = unknown_functions(text, known, special)
        if missing:
            names = ", ".join(missing)
            if len(missing) > 1:
                message = _("unknown functions {names}: the cell would be #NAME?", names=names)
            else:
                message = _("unknown function {names}: the cell would be #NAME?", names=names)
            ck.add(ERROR, "unknown_function", names, message, [cell])
        for call in calls_in(text):
            fn = registry_function(call.name)
            if fn is None:
                continue
            report.kpi_calls += 1
            if len(call.args) > len(fn.params) and call.args != [[]]:
                ck.add(ERROR, "rule_table", cell,
                       _("{function} takes at most {most} arguments, got {count}", function=fn.name,
                         most=len(fn.params), count=len(call.args)), [cell])
                continue
            args: dict[str, Argument] = {}
            for p, tokens in zip(fn.params, call.args, strict=False):
                if p.shape in (EACH, RECORD):
                    args[p.name] = Argument(text="".join(_text(t) for t in tokens))
                    if p.shape == RECORD:
                        args[p.name].value = None
                    continue
                args[p.name] = resolve(tokens, book, sheet)
            align_whole_columns(args, book)
            key = (fn.name, tuple((n, _key(a)) for n, a in args.items()
                                  if _param(fn, n).shape in (LIST, SCALAR)))
            site = sites.setdefault(key, Site(fn, args))
            site.cells.append(cell)
            first = next((a.text for n, a in args.items() if _param(fn, n).shape in (EACH, RECORD)), "")
            if first:  # a per-employee call (not an audit cell such as KPI_CHECK_BANDS)
                columns.setdefault(_column_key(sheet, coord, fn.name, first), {}).setdefault(key, []).append(coord)
    # a table that KPI_BAND uses is audited with its policies; KPI_CHECK_BANDS cells on the
    # same table add their cells to those findings rather than repeat them without policies
    banded = {_band_key(s) for s in sites.values() if s.fn.name == "KPI_BAND"}
    for site in sorted(sites.values(), key=lambda s: s.fn.name != "KPI_BAND"):
        if site.fn.name == "KPI_CHECK_BANDS" and _band_key(site) in banded:
            continue
        if site.fn.name == "KPI_CHECK_BANDS":
            site.within_band = any(_starts(site, b) for b in sites.values() if b.fn.name == "KPI_BAND")
        ck.audit(site)
    check_validation(ck)
    inconsistent_columns(ck, columns, sites)
    order = {ERROR: 0, WARNING: 1}
    report.findings.sort(key=lambda f: (order[f.severity], f.kind, f.where))
    return report


def _column_key(sheet: str, coord: str, fn: str, first: str) -> tuple:
    """A column's calls of one function on the same per-row value (in R1C1 terms)."""
    from .recalc.read.cells import r1c1_key

    m = re.match(r"([A-Z]+)(\d+)$", coord)
    if not m:
        return (sheet, coord, fn, first)
    from .recalc.a1 import col_number

    row, col = int(m.group(2)), col_number(m.group(1))
    return (sheet, m.group(1), fn, r1c1_key(first, row, col))


def inconsistent_columns(ck: Checker, columns: dict[tuple, dict[tuple, list[str]]], sites: dict[tuple, Site]) -> None:
    """Rows of a column that call the same function with other tables than the rest of the
    column: a threshold typed differently in one row, made visible (``kpi lint``'s
    inconsistent-rows, as ``kpi adopt`` keeps them: one table per variant)."""
    from .adopt.lint import ranges
    from .recalc.a1 import col_number

    for (sheet, letters, fn, first), by_site in columns.items():
        if len(by_site) < 2 or "R[" not in first:
            continue  # one table, or not a staff column (the value is not read from the row itself)
        ranked = sorted(by_site.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
        col = col_number(letters)
        major_key, major_cells = ranked[0]
        prefix = sheet if re.fullmatch(r"[^\W\d]\w*", sheet) else f"'{sheet}'"
        major_rows = [int(c[len(letters):]) for c in major_cells]
        for key, cells in ranked[1:]:
            rows = [int(c[len(letters):]) for c in cells]
            where = f"{prefix}!{ranges(col, rows)}"
            ck.add(WARNING, "inconsistent_rows", where,
                   _("{function} in rows {rows} uses {tables}, where the other {count} rows of column {column} "
                     "({other_rows}) use {other_tables}: a rule typed differently in some rows?", function=fn,
                     rows=ranges(col, rows), tables=_tables_text(sites[key]), count=len(major_rows), column=letters,
                     other_rows=ranges(col, major_rows), other_tables=_tables_text(sites[major_key])),
                   [f"{prefix}!{c}" for c in cells])


def _tables_text(site: Site) -> str:
    shown = [a.text or str(a.area) for n, a in site.args.items()
             if _param(site.fn, n).shape == LIST and a.value is not _OMITTED]
    return ", ".join(dict.fromkeys(shown)) or _("other settings")


def _starts(part: Site, whole: Site) -> bool:
    """Are ``part``'s bounds the first rows of ``whole``'s (same sheet and columns)?"""
    for name in ("lower_bounds", "upper_bounds"):
        a, b = part.args.get(name), whole.args.get(name)
        if a is None or b is None or a.area is None or b.area is None:
            return False
        a, b = a.area, b.area
        if (a.sheet, a.c1, a.c2, a.r1) != (b.sheet, b.c1, b.c2, b.r1) or a.r2 >= b.r2:
            return False
    return True


def _band_key(site: Site) -> tuple:
    return tuple(_key(site.args[n]) if n in site.args else None for n in ("lower_bounds", "upper_bounds"))


def _key(a: Argument) -> Any:
    if a.area is not None:
        return ("area", a.area)
    if a.value is _UNRESOLVED:
        return ("text", a.text)
    if a.value is _OMITTED:
        return ("omitted",)
    return ("value", repr(a.value))


# -- command line -------------------------------------------------------------------------------

def print_report(report: CheckReport, strict: bool = False) -> None:
    from rich.markup import escape

    from .cli_output import stdout_console

    console = stdout_console(soft_wrap=True, highlight=False)
    for f in report.findings:
        if f.severity == ERROR:
            mark = "[bold red]" + escape(_("error")) + "[/]"
        else:
            mark = "[yellow]" + escape(_("warning")) + "[/]"
        users = ""
        if f.uses:
            shown = ", ".join(f.used_by)
            if f.uses > len(f.used_by):
                used = _("(used by {cells} and {count} more)", cells=shown, count=f.uses - len(f.used_by))
            else:
                used = _("(used by {cells})", cells=shown)
            users = f"  [dim]{escape(used)}[/]"
        console.print(f"{mark} {escape(f.where)}: {escape(f.message)}{users}")
    counts = {"file": report.file, "formulas": f"{report.formulas:,}", "calls": f"{report.kpi_calls:,}",
              "tables": f"{report.tables_audited:,}", "probed": f"{report.calls_probed:,}",
              "inputs": f"{report.inputs_checked:,}"}
    if not report.findings:
        verdict = _("✓ no problem found in {file}: {formulas} formulas, {calls} KPI_ calls, {tables} rule tables "
                    "audited, {probed} distinct calls probed, {inputs} inputs checked against their validation",
                    **counts)
        console.print(f"[green]{escape(verdict)}[/]")
    else:
        verdict = _("{errors} error(s), {warnings} warning(s) in {file}: {formulas} formulas, {calls} KPI_ calls, "
                    "{tables} rule tables audited, {probed} distinct calls probed, {inputs} inputs checked against "
                    "their validation", errors=report.errors, warnings=report.warnings, **counts)
        console.print(f"[bold]{escape(verdict)}[/]")


def check_command(
    book: Path = typer.Argument(..., metavar="BOOK", show_default=False, help="The workbook (.xlsx/.xlsm) to check."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout (for CI)."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too."),
) -> None:
    """Check a workbook's rule tables, inputs and formulas without computing or writing anything.

    Rule tables are found through the formulas: the table and setting arguments of every KPI_ call. Band tables (gaps, overlaps, empty rows), grade tables (order, gaps between ranges), weights and quotas (100 %), and whatever a function refuses for every row; typed inputs against their data validation; formulas calling functions the engine does not know. A defect that a visible policy handles is a warning.
    """  # noqa: E501
    raise typer.Exit(check(book, as_json, strict))


def check(book: Path, as_json: bool = False, strict: bool = False) -> int:
    """Run ``kpi check`` on one workbook; return the exit code."""
    from .recalc.read.archive import PackageError

    if not book.exists():
        sys.stderr.write(_("error: {message}", message=str(book) + ": " + _("no such file")) + "\n")
        return EXIT_USAGE

    def refused(code: int, unreadable: bool, message: str) -> int:
        message = " ".join(message.split())
        if as_json:
            sys.stdout.write(json.dumps({"file": str(book), "ok": False, "exit_code": code,
                                         "message": message}, ensure_ascii=False) + "\n")
        elif unreadable:
            sys.stderr.write(_("✗ {file}: not checked (unreadable): {reason}", file=str(book), reason=message) + "\n")
        else:
            sys.stderr.write(_("✗ {file}: not checked (internal error): {reason}", file=str(book), reason=message)
                             + "\n")
        return code

    if not book.is_file():  # a FIFO would block the reader, a device never end
        return refused(EXIT_BAD_FILE, True, f"{book.name}: " + _("not a regular file"))
    try:
        report = check_workbook(book)
    except PackageError as e:
        return refused(EXIT_BAD_FILE, True, str(e))
    except RecursionError:
        return refused(EXIT_BAD_FILE, True, f"{book.name}: " + _("a formula is nested too deeply to read"))
    except MemoryError:
        return refused(EXIT_BAD_FILE, True, f"{book.name}: " + _("the workbook is too large to check in memory"))
    except Exception as e:  # a bug of the checks must not become a traceback
        return refused(EXIT_INTERNAL, False, _("{error} (a bug: please report it with the workbook)",
                                                error=type(e).__name__ + ": " + str(e)))
    try:
        if as_json:
            sys.stdout.write(json.dumps(report.as_json(strict), ensure_ascii=False, indent=2) + "\n")
        else:
            print_report(report, strict)
        sys.stdout.flush()
    except BrokenPipeError:
        from .cli_output import stdout_closed

        stdout_closed()
    return report.exit_code(strict)
