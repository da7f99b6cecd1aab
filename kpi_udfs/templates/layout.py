"""Lay a :class:`~.spec.Template` out as an openpyxl workbook: Staff, Summary, Rules, History.

* **Staff** is an Excel Table named ``Staff``: row 1 the captions, row 2 the table header
  (the Chinese column names, which the formulas use), one row per employee from row 3. Typing a name in the row below the table grows it, and Excel fills every
  computed column (the columns are table calculated columns written with structured
  references). The sheet is not protected: Excel cannot grow a table on a protected sheet.
* **Rules** holds every rule table and policy cell as a defined name; only its inputs are
  unlocked (the sheet is protected without a password).
* **History** is the Table ``History``: one row per employee and month, which the streak,
  level and tenure rules read back. ``kpi new --from`` appends last month's results.
* **Summary** counts and audits, with a native chart.

What a viewer without the KPI_ functions shows (LibreOffice, WPS, Excel without the
add-in) is each cell's cached value, and LibreOffice keeps only number and non-empty text
caches of ordinary formula cells (see :func:`kpi_udfs.recalc.writer.encode_value`). So:
no array formulas (a column that ranks the whole staff takes its own entry with INDEX in
each row, :class:`~.spec.Ranked`), and a formula that is one KPI_ call gets a guard giving
the blank the function gives for blank inputs (:func:`guarded`), so that such a viewer
computes the blank itself instead of calling the function.

Words: every title, label, caption, note, drop-down and validation message is in the
workbook's language (``lang``), taken from the gettext catalogues (:func:`tr`); the
language is stored in the workbook as the custom document property ``KPI_Language``
(:data:`LANGUAGE_PROPERTY`), which ``kpi new --from`` reads back. A custom property, not a
defined name: it is a fact about the file, not a rule, so it stays out of the Name
Manager, formula autocomplete and ``kpi check``, where a user could take it for a rule;
Excel (File ▸ Info ▸ Properties ▸ Advanced ▸ Custom) and LibreOffice (File ▸ Properties ▸
Custom Properties) show it and keep it when they save.

Cells are created directly with a copied style per column, so a template of 10,000 staff
costs about what openpyxl takes to write it; the words are looked up once per column.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableColumn, TableFormula, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from ..i18n import N_, translate
from .policies import CHOICES, CODE_SUFFIX, choice, dropdown, explain, shown
from .spec import (
    FORMULA_WORDS,
    Between,
    Calc,
    Derived,
    Input,
    Past,
    Pick,
    Quote,
    Ranked,
    Section,
    Setting,
    Table,
    Template,
    Text,
    Validation,
    Words,
)

STAFF, SUMMARY, RULES, HISTORY = "Staff", "Summary", "Rules", "History"
#: The Excel Tables of the staff list and of the months before.
STAFF_TABLE, HISTORY_TABLE = "Staff", "History"
#: First staff row: row 1 holds the English captions, row 2 the table header.
FIRST_ROW = 3
HEADER_ROW = 2
#: The History table's own columns before the template's records.
MONTH_HEADER, NAME_HEADER = "月份", "姓名"
#: Defined names of the month appraised and the one before (Rules, first section).
THIS_MONTH, LAST_MONTH = "This_Month", "Last_Month"
MONTH_FORMAT = "yyyy-mm"
#: The custom document property holding the workbook's language (en, zh-CN, zh-TW).
LANGUAGE_PROPERTY = "KPI_Language"
#: Excel 365's calculation engine id: a lower id makes Excel recalculate everything on
#: open, which shows #NAME? where the add-in is not installed instead of the cached values.
CALC_ID = 191029

_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: type here
CALC_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue: computed
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
HEAD_EN_FILL = PatternFill("solid", fgColor="2E75B6")
TITLE_FILL = PatternFill("solid", fgColor="D9E1F2")
HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_EN_FONT = Font(italic=True, color="FFFFFF", size=9)
TITLE_FONT = Font(bold=True, size=12, color="1F4E78")
LITERAL_FONT = Font(italic=True, color="7F7F7F", size=9)
ERROR_FONT = Font(bold=True, color="C00000")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

_PLACEHOLDER = re.compile(r"\{(H:)?([A-Za-z_]\w*)(\*|\.\.([A-Za-z_]\w*))?\}")
#: A formula split into Excel strings (group 1, left as they are) and the rest (group 2).
_QUOTED = re.compile(r'("(?:[^"]|"")*")|([^"]+)')
_WORDS = FORMULA_WORDS
#: Characters a structured reference must escape with ' (Excel's rule).
_ESCAPE = re.compile(r"([\[\]#'])")


def _column_name(name: str) -> str:
    return _ESCAPE.sub(r"'\1", name)


def tr(text: Text, lang: str, **values: Any) -> str:
    """``text`` (an English source text, or sentences) in ``lang``, its ``{placeholders}``
    filled in."""
    if isinstance(text, tuple):
        return _joined([tr(t, lang, **values) for t in text if t])
    if not text:
        return text
    out = translate(text, lang)
    return out.format(**values) if values else out


def _joined(sentences: list[str]) -> str:
    """Sentences one after another: a space after each, none after a full-width stop."""
    out = ""
    for s in sentences:
        out += s if not out or out[-1] in "。；！？）」" else " " + s
    return out


def quote(q: Quote, lang: str) -> str:
    """The seed's own words as they are, with their note (if any) in ``lang``."""
    if isinstance(q, tuple):
        seed, note = q
        return f"{seed} — {tr(note, lang)}" if seed else tr(note, lang)
    return q


class Layout:
    """Where each staff column of a template ends up, and how formulas refer to it."""

    def __init__(self, template: Template, staff_rows: int, lang: str = "en"):
        self.t = template
        self.lang = lang
        self.rows = max(1, staff_rows)
        self.last_row = FIRST_ROW + self.rows - 1
        self.col = {c.key: get_column_letter(i + 1) for i, c in enumerate(template.columns)}
        self.header = {c.key: c.zh for c in template.columns}
        if len(set(self.header.values())) != len(self.header):
            raise ValueError(f"{template.name}: two staff columns have the same name")
        self.history_header = {"month": MONTH_HEADER, "name": NAME_HEADER}
        self.history_header.update({r.key: r.zh for r in template.history})
        if len(set(self.history_header.values())) != len(self.history_header):
            raise ValueError(f"{template.name}: two History columns have the same name")

    def _name(self, key: str) -> str:
        try:
            return _column_name(self.header[key])
        except KeyError:
            raise KeyError(f"{self.t.name}: formula names unknown staff column {key!r}") from None

    def this_row(self, key: str) -> str:
        return f"{STAFF_TABLE}[[#This Row],[{self._name(key)}]]"

    def column(self, key: str) -> str:
        return f"{STAFF_TABLE}[{self._name(key)}]"

    def record(self, first: str, last: str) -> str:
        return f"{STAFF_TABLE}[[#This Row],[{self._name(first)}]:[{self._name(last)}]]"

    def history_column(self, key: str) -> str:
        try:
            return f"{HISTORY_TABLE}[{_column_name(self.history_header[key])}]"
        except KeyError:
            raise KeyError(f"{self.t.name}: formula names unknown History column {key!r}") from None

    def width(self, first: str, last: str) -> int:
        keys = [c.key for c in self.t.columns]
        return keys.index(last) - keys.index(first) + 1

    def formula(self, text: str) -> str:
        """``text`` with its placeholders as structured references (the same in every row)."""

        def sub(m: re.Match) -> str:
            hist, key, mark, to = m.group(1), m.group(2), m.group(3), m.group(4)
            if hist:
                return self.history_column(key)
            if mark == "*":
                return self.column(key)
            if to:
                return self.record(key, to)
            return self.this_row(key)

        words: list[str] = []

        def keep(m: re.Match) -> str:  # the words' own {placeholders} are SUBSTITUTE's, not columns
            words.append(tr(m.group(1).replace('""', '"'), self.lang))
            return f"\0{len(words) - 1}\0"

        text = _QUOTED.sub(lambda m: m.group(1) or _PLACEHOLDER.sub(sub, m.group(2)), _WORDS.sub(keep, text))
        return re.sub("\0(\\d+)\0", lambda m: '"' + words[int(m.group(1))].replace('"', '""') + '"', text)

    def staff_formula(self, c: Calc | Ranked) -> str:
        """The formula of a computed staff column, guarded (see :func:`guarded`)."""
        if isinstance(c, Ranked):
            call = c.formula[1:] if c.formula.startswith("=") else c.formula
            return self.formula(
                f'=IF({{{c.by}}}="","",INDEX({call},ROW()-ROW({STAFF_TABLE}[#Headers])))')
        return self.formula(guarded(c.formula, self))


# ---------------------------------------------------------------------------
# Guards: the blank a KPI_ call gives for blank per-employee inputs, computed natively


_CALL = re.compile(r"^=\s*(KPI_[A-Z0-9_]+)\s*\((.*)\)\s*$", re.S)
_RECORD = re.compile(r"^\{([A-Za-z_]\w*)\.\.([A-Za-z_]\w*)\}$")
#: A placeholder for this row's cells (not a whole column, not History).
_ROW_REF = re.compile(r"\{(?!H:)\w+(\.\.\w+)?\}")


def split_args(text: str) -> list[str]:
    """The top-level arguments of a call's argument text (quotes, brackets, braces kept)."""
    args, depth, quote, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quote = not quote
        elif quote:
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    args.append(text[start:].strip())
    return args


def _closes_at_end(body: str) -> bool:
    """Whether ``KPI_X(body)`` is one call, not ``KPI_X(a)+KPI_Y(b)``."""
    depth, quote = 1, False
    for ch in body:
        if ch == '"':
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
            if depth == 0:
                return False
    return depth == 1


def guarded(formula: str, layout: Layout | None = None) -> str:
    """``=KPI_X(…)`` as ``=IF(OR(a="",b=""),"",KPI_X(…))``: blank when a required
    per-employee argument taken from this row is blank or a required record of this row
    is all blank, which is when the registry's calling convention blanks the row (an
    error in such an argument still wins: comparing it gives that error). A row without
    data stays blank even when a rule is incomplete: the error shows once data is typed.
    Any other formula is returned as it is."""
    from ..registry import EACH, RECORD, REGISTRY

    m = _CALL.match(formula)
    if not m or not _closes_at_end(m.group(2)):
        return formula
    fn = REGISTRY.get(m.group(1))
    if fn is None:
        return formula
    terms = []
    for p, arg in zip(fn.params, split_args(m.group(2)), strict=False):
        if p.optional or not _ROW_REF.search(arg) or p.shape not in (EACH, RECORD):
            continue  # only this row's cells: a blank rule cell stays the function's business
        if "KPI_" in arg.upper():
            return formula  # the guard itself would call a KPI_ function: left as it is
        plain = re.fullmatch(r"\{\w+\}|[A-Za-z_]\w*", arg)
        if p.shape == EACH or plain:
            terms.append(f'{arg}=""' if plain else f'({arg})=""')
            continue
        rec = _RECORD.match(arg)
        if rec is None or layout is None:
            return formula  # a record we cannot count: left as it is
        terms.append(f"COUNTBLANK({arg})={layout.width(rec.group(1), rec.group(2))}")
    if not terms:
        return formula
    cond = terms[0] if len(terms) == 1 else f"OR({','.join(terms)})"
    return f'=IF({cond},"",{formula[1:].strip()})'


# ---------------------------------------------------------------------------
# The workbook


def build_workbook(
    template: Template,
    staff: Sequence[tuple[Any, ...]],
    past: Sequence[Past] = (),
    month: dt.date | None = None,
    rows: int | None = None,
    lang: str = "en",
) -> Workbook:
    """The workbook of ``template`` in the language ``lang`` holding ``staff`` (rows in
    Input-column order) and the earlier months ``past``, appraising ``month``; ``rows``
    staff rows at least (empty ones to fill in)."""
    from .spec import SAMPLE_MONTH

    month = month or SAMPLE_MONTH
    layout = Layout(template, max(len(staff), rows or 0), lang)
    wb = Workbook()
    ws_staff = wb.active
    ws_staff.title = STAFF
    ws_summary = wb.create_sheet(SUMMARY)
    ws_rules = wb.create_sheet(RULES)
    ws_history = wb.create_sheet(HISTORY)
    wb.calculation = CalcProperties(calcId=CALC_ID, fullCalcOnLoad=False)

    _rules_sheet(wb, ws_rules, template, layout, month)
    _staff_sheet(ws_staff, template, layout, staff)
    _history_sheet(ws_history, template, layout, past, month)
    _summary_sheet(ws_summary, template, layout)
    for ws in (ws_summary, ws_rules):
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widths stay adjustable
    for ws, titles in ((ws_staff, "1:2"), (ws_history, "1:2"), (ws_rules, None), (ws_summary, None)):
        _page_setup(ws, titles)
    wb.properties.creator = "kpi-udfs"
    wb.properties.title = tr(template.title, lang)
    wb.properties.identifier = template.name  # which template: ``kpi new --from`` checks it
    wb.custom_doc_props.append(StringProperty(name=LANGUAGE_PROPERTY, value=lang))
    return wb


def _page_setup(ws: Worksheet, titles: str | None) -> None:
    """Landscape, as wide as the page, the header rows on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if titles:
        ws.print_title_rows = titles


# ---------------------------------------------------------------------------
# Cells


def _text(ws: Worksheet, row: int, col: int, text: str):
    """A text cell (text starting with "=" stays text, not a formula)."""
    cell = ws.cell(row, col, text)
    if isinstance(text, str) and text.startswith("="):
        cell.data_type = "s"
    return cell


def _boxed_cell(cell, value: Any, fmt: str, fill, protection) -> None:
    """A bordered cell of a table: its fill and lock say whether HR edits it."""
    cell.value = value
    cell.fill = fill
    cell.border = BORDER
    cell.protection = protection
    cell.number_format = fmt


def _input_cell(cell, value: Any, fmt: str = "General") -> None:
    _boxed_cell(cell, value, fmt, INPUT_FILL, UNLOCKED)


def _calc_cell(cell, value: Any, fmt: str = "General") -> None:
    _boxed_cell(cell, value, fmt, CALC_FILL, LOCKED)


def _header_row(ws: Worksheet, row: int, col: int, captions: list[str]) -> None:
    for i, text in enumerate(captions):
        cell = ws.cell(row, col + i, text or None)
        cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, HEAD_FILL, CENTER, BORDER


def _table_headers(ws: Worksheet, row: int, pairs: list[tuple[str, str]]) -> None:
    """The two header rows of an Excel Table: each column's caption above its name (the
    table header, which the formulas use)."""
    for i, (caption, name) in enumerate(pairs, start=1):
        top, low = ws.cell(row, i, caption), ws.cell(row + 1, i, name)
        low.font, low.fill, low.alignment, low.border = HEAD_FONT, HEAD_FILL, CENTER, BORDER
        top.font, top.fill, top.alignment, top.border = HEAD_EN_FONT, HEAD_EN_FILL, CENTER, BORDER


def _validation(ws: Worksheet, valid: Validation, ref: str, lang: str) -> None:
    if valid is None:
        return
    if isinstance(valid, Pick):
        source = valid.source
        formula = source if isinstance(source, str) else '"' + ",".join(source) + '"'
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = tr(N_("Pick a value from the list"), lang)
    elif isinstance(valid, Between):
        kind = "whole" if valid.whole else "decimal"
        dv = DataValidation(
            type=kind, operator="between", formula1=_num(valid.low), formula2=_num(valid.high), allow_blank=True
        )
        dv.error = tr(N_("Must lie between {low} and {high}"), lang, low=_num(valid.low), high=_num(valid.high))
    else:  # pragma: no cover - the spec types are closed
        raise TypeError(valid)
    dv.errorTitle = tr(N_("Invalid entry"), lang)
    dv.showErrorMessage = True
    dv.add(ref)
    ws.add_data_validation(dv)


def _policy_validation(ws: Worksheet, s: Setting, ref: str, lang: str) -> None:
    """A policy cell's drop-down: the labels in ``lang``. Anything else is let in after a
    note (an information alert), since the cell also takes the codes and the labels in the
    other languages; what is none of them the function reading the cell refuses, naming it."""
    entries = dropdown(s.policy, s.value, lang)
    dv = DataValidation(type="list", formula1='"' + ",".join(entries) + '"', allow_blank=True)
    dv.showErrorMessage = True
    if choice(s.policy) is not None:
        dv.errorStyle = "information"
        dv.errorTitle = tr(N_("Not in the list"), lang)
        dv.error = tr(N_("This cell also takes the codes ({codes}) and the labels in English, 简体中文 and 繁體中文. "
                         "Anything else is an error in the cells that read it."), lang,
                      codes=", ".join(choice(s.policy).choices))
    else:
        dv.errorTitle = tr(N_("Invalid entry"), lang)
        dv.error = tr(N_("Pick a value from the list"), lang)
    dv.add(ref)
    ws.add_data_validation(dv)


def _num(x: float | str) -> str:
    """A validation bound: a number, or a defined name such as ``Streak2_Min``."""
    return x if isinstance(x, str) else f"{x:g}"


def _define(wb: Workbook, name: str, ref: str) -> None:
    if name in wb.defined_names:
        raise ValueError(f"defined name {name} declared twice")
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _table(ws: Worksheet, name: str, ref: str, headers: list[str], formulas: dict[str, str]) -> None:
    """An Excel Table over ``ref`` whose calculated columns are ``formulas`` (header → formula):
    Excel fills them into every row it adds."""
    table = XlTable(displayName=name, name=name, ref=ref)
    columns = []
    for i, h in enumerate(headers, start=1):
        col = TableColumn(id=i, name=h)
        f = formulas.get(h)
        if f is not None:
            col.calculatedColumnFormula = TableFormula(attr_text=f[1:] if f.startswith("=") else f)
        columns.append(col)
    table.tableColumns = columns
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False, showColumnStripes=False)
    ws.add_table(table)


def _fill_column(ws: Worksheet, col: int, first: int, values: Sequence[Any], proto: Cell, formula: bool) -> None:
    """Cells of one column, each a copy of ``proto``'s style: one dict store per cell."""
    style = proto._style
    for i, v in enumerate(values):
        cell = Cell(ws, row=first + i, column=col, style_array=copy.copy(style))
        if formula:
            cell._value, cell.data_type = v, "f"
        elif v is not None:
            cell.value = v
            if cell.data_type in ("e", "f"):  # "#N/A" recorded on History, "=…" typed: text
                cell.data_type = "s"
        ws._add_cell(cell)


def _proto(ws: Worksheet, fmt: str, fill, protection) -> Cell:
    """A detached cell carrying a column's style."""
    c = Cell(ws)
    c.fill, c.border, c.protection, c.number_format = fill, BORDER, protection, fmt
    return c


# ---------------------------------------------------------------------------
# Rules


def _rules_sheet(wb: Workbook, ws: Worksheet, t: Template, layout: Layout, month: dt.date) -> None:
    lang = layout.lang
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 24
    for col in "DEFG":
        ws.column_dimensions[col].width = 14
    ws.column_dimensions["H"].width = 60
    title = ws.cell(1, 1, f"{tr(t.title, lang)}  ({t.scheme})")
    title.font = Font(bold=True, size=14, color="1F4E78")
    ws.cell(2, 1, tr(t.about, lang)).alignment = Alignment(vertical="top")
    legend = [(N_("Input (editable)"), INPUT_FILL), (N_("Computed"), CALC_FILL)]
    for i, (text, fill) in enumerate(legend):
        c = ws.cell(3, 1 + i, tr(text, lang))
        c.fill, c.border = fill, BORDER
    ws.cell(3, 3, tr(N_("Grey italics = the seed's own wording"), lang)).font = LITERAL_FONT
    row = 5
    for section in (period_section(month), *t.rules):
        row = _section(wb, ws, section, row, layout) + 1
    ws.freeze_panes = "A4"


def period_section(month: dt.date) -> Section:
    """The month appraised: ``kpi new --from`` moves it on; History lookups read it."""
    return Section(
        "Month appraised",
        "",
        "Results are kept by month on History: streak rewards, levels from the last two evaluations and months "
        "at a level are read from it. kpi new --from LAST.xlsx starts next month's workbook (this cell moves on "
        "by one month).",
        (
            Setting(THIS_MONTH, "This month", month, "One workbook a month", MONTH_FORMAT),
            Derived(LAST_MONTH, "Last month", f"=EDATE({THIS_MONTH},-1)", "", MONTH_FORMAT),
        ),
    )


def _section(wb: Workbook, ws: Worksheet, s: Section, row: int, layout: Layout) -> int:
    lang = layout.lang
    for col in range(1, 9):
        ws.cell(row, col).fill = TITLE_FILL
    ws.cell(row, 1, tr(s.title, lang)).font = TITLE_FONT
    row += 1
    for label, text, font in ((N_("Seed"), quote(s.seed, lang), LITERAL_FONT),
                              (N_("Note"), tr(s.note, lang), Font(size=9))):
        if text:
            ws.cell(row, 1, tr(label, lang)).font = Font(bold=True, size=9)
            _text(ws, row, 2, text).font = font
            row += 1
    for item in s.items:
        if isinstance(item, Table):
            row = _rule_table(wb, ws, item, row, layout)
        else:
            row = _setting(wb, ws, item, row, layout)
    return row


def _rule_table(wb: Workbook, ws: Worksheet, t: Table, row: int, layout: Layout) -> int:
    lang = layout.lang
    ws.cell(row, 1, tr(t.title, lang)).font = Font(bold=True)
    row += 1
    literal_col = 8
    _header_row(ws, row, 1, [tr(f.caption, lang) for f in t.fields])
    if t.literal:
        _header_row(ws, row, literal_col, [tr(N_("Seed wording"), lang)])
    first = row + 1
    rows = list(t.rows) + list(t.tail)
    literal = list(t.literal) + list(t.tail_literal)
    for r, values in enumerate(rows):
        if len(values) != len(t.fields):
            raise ValueError(f"table {t.name} row {r + 1} has {len(values)} cells for {len(t.fields)} columns")
        for i, (f, v) in enumerate(zip(t.fields, values, strict=True)):
            _input_cell(ws.cell(first + r, 1 + i), tr(v, lang) if isinstance(v, Words) else v, f.fmt)
        if r < len(literal):
            _text(ws, first + r, literal_col, quote(literal[r], lang)).font = LITERAL_FONT
    last = first + len(t.rows) - 1
    end = first + len(rows) - 1
    for i, f in enumerate(t.fields):
        col = get_column_letter(1 + i)
        _define(wb, f"{t.name}_{f.name}", f"{RULES}!${col}${first}:${col}${last}")
        if t.tail:
            _define(wb, f"{t.tail_name}_{f.name}", f"{RULES}!${col}${first}:${col}${end}")
        _validation(ws, f.valid, f"{col}{first}:{col}{end}", lang)
    if t.block:
        _define(wb, f"{t.name}_{t.block}", f"{RULES}!$B${first}:${get_column_letter(len(t.fields))}${last}")
    row = end + 1
    if t.check:
        formula = re.sub(r"\{(\w+)\}", lambda m: f"{t.name}_{m.group(1)}", t.check)
        ws.cell(row, 1, tr(N_("Check"), lang)).font = Font(bold=True, size=9)
        _calc_cell(ws.cell(row, 2), layout.formula(guarded(formula)))
        _define(wb, f"{t.name}_Check", f"{RULES}!$B${row}")
        row += 1
    return row


def _setting(wb: Workbook, ws: Worksheet, s: Setting | Derived, row: int, layout: Layout) -> int:
    lang = layout.lang
    ws.cell(row, 1, tr(s.label, lang))
    cell = ws.cell(row, 3)
    note = tr(s.note, lang)
    if isinstance(s, Setting) and s.policy:
        _input_cell(cell, shown(s.policy, s.value, lang), s.fmt)
        _policy_validation(ws, s, f"C{row}", lang)
        choices = explain(s.policy, s.value, lang)
        note = tr(N_("{choices}. {note}"), lang, choices=choices, note=note) if note else choices
    elif isinstance(s, Setting):
        _input_cell(cell, s.value, s.fmt)
        _validation(ws, s.valid, f"C{row}", lang)
    else:
        _calc_cell(cell, layout.formula(guarded(s.formula)), s.fmt)
    if note:
        _text(ws, row, 4, note).font = Font(size=9, color="595959")
    _define(wb, s.name, f"{RULES}!$C${row}")
    row += 1
    if isinstance(s, Setting) and s.policy in CHOICES:  # the code the workbook's formulas read
        ws.cell(row, 1, tr(N_("Code the formulas read"), lang)).font = Font(italic=True, size=9)
        _calc_cell(ws.cell(row, 3), code_formula(s))
        _define(wb, s.name + CODE_SUFFIX, f"{RULES}!$C${row}")
        row += 1
    return row


def code_formula(s: Setting) -> str:
    """``=KPI_MAP(cell, every spelling, its code)``: the code of a choice the workbook's
    formulas make, from its code or its label in any language; anything else is #N/A
    naming the cell's value and the known spellings."""
    from ..coerce import label_key
    from ..i18n import LANGUAGES

    p = CHOICES[s.policy]
    keys, codes, seen = [], [], set()
    for code, label in zip(p.choices, p.labels, strict=True):
        for spelling in (code, *(translate(label, lang) for lang in LANGUAGES)):
            if label_key(spelling) not in seen:
                seen.add(label_key(spelling))
                keys.append(spelling)
                codes.append(code)

    def array(texts: list[str]) -> str:
        return "{" + ",".join('"' + x.replace('"', '""') + '"' for x in texts) + "}"

    return f"=KPI_MAP({s.name},{array(keys)},{array(codes)})"


# ---------------------------------------------------------------------------
# Staff


def _staff_sheet(ws: Worksheet, t: Template, layout: Layout, staff: Sequence[tuple[Any, ...]]) -> None:
    lang = layout.lang
    _table_headers(ws, 1, [(tr(c.en, lang), c.zh) for c in t.columns])
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 32
    inputs = t.inputs
    first, last = FIRST_ROW, layout.last_row
    formulas: dict[str, str] = {}
    for i, c in enumerate(t.columns):
        letter = get_column_letter(i + 1)
        ws.column_dimensions[letter].width = c.width
        if isinstance(c, Input):
            k = inputs.index(c)
            values = [staff[r][k] if r < len(staff) else None for r in range(layout.rows)]
            _fill_column(ws, i + 1, first, values, _proto(ws, c.fmt, INPUT_FILL, UNLOCKED), formula=False)
            _validation(ws, c.valid, f"{letter}{first}:{letter}{last}", lang)
        else:
            text = layout.staff_formula(c)
            formulas[c.zh] = text
            _fill_column(ws, i + 1, first, [text] * layout.rows, _proto(ws, c.fmt, CALC_FILL, LOCKED), formula=True)
    _table(ws, STAFF_TABLE, f"A{HEADER_ROW}:{get_column_letter(len(t.columns))}{last}",
           [c.zh for c in t.columns], formulas)
    computed = [get_column_letter(i + 1) for i, c in enumerate(t.columns) if not isinstance(c, Input)]
    if computed:
        area = f"{computed[0]}{first}:{get_column_letter(len(t.columns))}{last}"
        ws.conditional_formatting.add(
            area, FormulaRule(formula=[f"ISERROR({computed[0]}{first})"], font=ERROR_FONT)
        )
    ws.freeze_panes = f"B{first}"


# ---------------------------------------------------------------------------
# History


def _history_sheet(ws: Worksheet, t: Template, layout: Layout, past: Sequence[Past], month: dt.date) -> None:
    lang = layout.lang
    pairs = [(tr(N_("Month"), lang), MONTH_HEADER), (tr(N_("Name"), lang), NAME_HEADER)]
    pairs += [(tr(r.en, lang), r.zh) for r in t.history]
    _table_headers(ws, 1, pairs)
    ws.row_dimensions[2].height = 32
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 10
    for i in range(len(t.history)):
        ws.column_dimensions[get_column_letter(3 + i)].width = 12
    rows = sorted(past, key=lambda p: -p.months_back)  # oldest month first, staff order kept
    n = max(1, len(rows))
    months = [_month_back(month, p.months_back) for p in rows] + [None] * (n - len(rows))
    names = [p.name for p in rows] + [None] * (n - len(rows))
    _fill_column(ws, 1, FIRST_ROW, months, _proto(ws, MONTH_FORMAT, INPUT_FILL, UNLOCKED), formula=False)
    _fill_column(ws, 2, FIRST_ROW, names, _proto(ws, "General", INPUT_FILL, UNLOCKED), formula=False)
    for i, r in enumerate(t.history):
        values = [p.values.get(r.key) for p in rows] + [None] * (n - len(rows))
        _fill_column(ws, 3 + i, FIRST_ROW, values, _proto(ws, r.fmt, INPUT_FILL, UNLOCKED), formula=False)
    _table(ws, HISTORY_TABLE, f"A{HEADER_ROW}:{get_column_letter(len(pairs))}{FIRST_ROW + n - 1}",
           [p[1] for p in pairs], {})
    ws.freeze_panes = f"C{FIRST_ROW}"


def _month_back(month: dt.date, k: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 - k, 12)
    return dt.date(y, m + 1, 1)


# ---------------------------------------------------------------------------
# Summary


def _summary_sheet(ws: Worksheet, t: Template, layout: Layout) -> None:
    lang = layout.lang
    d = t.summary.distribution
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 16
    ws.column_dimensions["D"].width = 16
    ws.column_dimensions["E"].width = 40
    ws.cell(1, 1, tr(d.title, lang)).font = TITLE_FONT
    captions = [N_("Category"), N_("Count")]
    if d.quota:
        captions += [d.quota_caption, N_("Count − quota")]
    first = 4
    _header_row(ws, first - 1, 1, [tr(c, lang) for c in captions])  # the chart's series names
    if isinstance(d.labels, str):
        labels = [f"=INDEX({d.labels},{i + 1})" for i in range(d.size)]
    else:
        labels = list(d.labels)
    last = first + len(labels) - 1
    for i, label in enumerate(labels):
        row = first + i
        _calc_cell(ws.cell(row, 1), label)
        count = d.count.replace("{label}", f"$A{row}").replace("{index}", str(i + 1)).replace(
            "{column*}", f"{{{d.column}*}}")
        _calc_cell(ws.cell(row, 2), layout.formula(count))
    if d.quota:
        quota_last = first + (d.quota_size or len(labels)) - 1
        call = d.quota[1:] if d.quota.startswith("=") else d.quota
        for i, row in enumerate(range(first, quota_last + 1)):
            _calc_cell(ws.cell(row, 3), layout.formula(f"=INDEX({call},{i + 1})"))
            _calc_cell(ws.cell(row, 4), f'=IF(C{row}="","",B{row}-C{row})')
    row = last + 2
    _header_row(ws, row + 1, 1, [tr(N_("Figure"), lang), "", tr(N_("Value"), lang), "", tr(N_("Note"), lang)])
    row += 2
    for m in t.summary.metrics:
        ws.cell(row, 1, tr(m.label, lang))
        _calc_cell(ws.cell(row, 3), layout.formula(guarded(m.formula)), m.fmt)
        if m.note:
            _text(ws, row, 5, tr(m.note, lang)).font = Font(size=9, color="595959")
        row += 1

    chart = BarChart()
    chart.type = "col"
    chart.title = tr(d.title, lang)
    chart.y_axis.title = tr(N_("Staff"), lang)
    chart.x_axis.title = tr(N_("Category"), lang)
    cols = 3 if d.quota else 2
    data = Reference(ws, min_col=2, max_col=cols, min_row=first - 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, "G2")
