"""Lays a :class:`~.spec.Template` out as an openpyxl workbook: Staff, Summary and Rules.

* Rules: one block per section (title, the seed's wording, the ambiguity), each table with
  a defined name per column and the seed's literal wording of each row beside it, each
  setting a defined name; inputs yellow and unlocked, computed cells blue and locked.
* Staff: Chinese headers with the English beneath (rows 1–2), one row per employee from
  row 3; input columns validated, computed columns one formula per row, ranking columns
  one array formula over the staff column.
* Summary: the distribution against the quotas, key figures, a bar chart.

Every sheet is protected without a password, so only the input cells take typing.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from .spec import (
    Between,
    Calc,
    Derived,
    Input,
    Pick,
    Section,
    Setting,
    Spill,
    Table,
    Template,
    Validation,
)

STAFF, SUMMARY, RULES = "Staff", "Summary", "Rules"
#: First staff row (rows 1–2 are the Chinese and English headers).
FIRST_ROW = 3
#: Excel 365's calculation engine id: a lower id makes Excel recalculate everything on
#: open, which shows #NAME? where the add-in is not installed instead of the cached values.
CALC_ID = 191029

_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: type here
CALC_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue: computed, locked
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

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(\*|\.\.([A-Za-z_]\w*))?\}")


class Layout:
    """Where each staff column and rule cell of a template ends up."""

    def __init__(self, template: Template, staff_rows: int):
        self.t = template
        self.rows = max(1, staff_rows)
        self.last_row = FIRST_ROW + self.rows - 1
        self.col = {c.key: get_column_letter(i + 1) for i, c in enumerate(template.columns)}

    def column_range(self, key: str, sheet: str | None = None) -> str:
        col = self._letter(key)
        ref = f"${col}${FIRST_ROW}:${col}${self.last_row}"
        return f"{quote_sheetname(sheet)}!{ref}" if sheet else ref

    def _letter(self, key: str) -> str:
        try:
            return self.col[key]
        except KeyError:
            raise KeyError(f"{self.t.name}: formula names unknown staff column {key!r}") from None

    def formula(self, text: str, row: int | None = None, sheet: str | None = None) -> str:
        """Resolve the placeholders of ``text`` for staff row ``row`` (seen from ``sheet``)."""
        prefix = None if sheet == STAFF else STAFF

        def sub(m: re.Match) -> str:
            key, mark, to = m.group(1), m.group(2), m.group(3)
            if mark == "*":
                return self.column_range(key, prefix)
            if row is None:
                raise ValueError(f"{self.t.name}: {{{key}}} needs a staff row in {text!r}")
            if to:
                return f"{self._letter(key)}{row}:{self._letter(to)}{row}"
            return f"{self._letter(key)}{row}"

        return _PLACEHOLDER.sub(sub, text)


def build_workbook(template: Template, staff: list[tuple[Any, ...]], spare_rows: int | None = None) -> Workbook:
    """The workbook of ``template`` holding ``staff`` (rows in Input-column order)."""
    spare = template.spare_rows if spare_rows is None else spare_rows
    layout = Layout(template, len(staff) + spare)
    wb = Workbook()
    ws_staff = wb.active
    ws_staff.title = STAFF
    ws_summary = wb.create_sheet(SUMMARY)
    ws_rules = wb.create_sheet(RULES)
    wb.calculation = CalcProperties(calcId=CALC_ID, fullCalcOnLoad=False)

    _rules_sheet(wb, ws_rules, template, layout)
    _staff_sheet(ws_staff, template, layout, staff)
    _summary_sheet(ws_summary, template, layout)
    for ws in (ws_staff, ws_summary, ws_rules):
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widths stay adjustable
    wb.properties.creator = "kpi-udfs"
    wb.properties.title = f"{template.zh} {template.en}"
    return wb


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


def _headers(ws: Worksheet, row: int, col: int, pairs: list[tuple[str, str]]) -> None:
    """Chinese header in ``row``, English beneath it."""
    for i, (zh, en) in enumerate(pairs):
        top = ws.cell(row, col + i, zh)
        top.font, top.fill, top.alignment, top.border = HEAD_FONT, HEAD_FILL, CENTER, BORDER
        low = ws.cell(row + 1, col + i, en)
        low.font, low.fill, low.alignment, low.border = HEAD_EN_FONT, HEAD_EN_FILL, CENTER, BORDER


def _validation(ws: Worksheet, valid: Validation, ref: str) -> None:
    if valid is None:
        return
    if isinstance(valid, Pick):
        source = valid.source
        formula = source if isinstance(source, str) else '"' + ",".join(source) + '"'
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = "请从下拉列表选择 / Pick a value from the list"
    elif isinstance(valid, Between):
        kind = "whole" if valid.whole else "decimal"
        dv = DataValidation(
            type=kind, operator="between", formula1=_num(valid.low), formula2=_num(valid.high), allow_blank=True
        )
        dv.error = f"应在 {_num(valid.low)} 到 {_num(valid.high)} 之间 / Must lie between {_num(valid.low)} and {_num(valid.high)}"
    else:  # pragma: no cover - the spec types are closed
        raise TypeError(valid)
    dv.errorTitle = "输入无效 Invalid entry"
    dv.showErrorMessage = True
    dv.add(ref)
    ws.add_data_validation(dv)


def _num(x: float | str) -> str:
    """A validation bound: a number, or a defined name such as ``Streak2_Min``."""
    return x if isinstance(x, str) else f"{x:g}"


def _define(wb: Workbook, name: str, ref: str) -> None:
    if name in wb.defined_names:
        raise ValueError(f"defined name {name} declared twice")
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


# ---------------------------------------------------------------------------
# Rules


def _rules_sheet(wb: Workbook, ws: Worksheet, t: Template, layout: Layout) -> None:
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 22
    for col in "CDEFG":
        ws.column_dimensions[col].width = 14
    ws.column_dimensions["H"].width = 60
    title = ws.cell(1, 1, f"{t.zh}  {t.en}  ({t.scheme})")
    title.font = Font(bold=True, size=14, color="1F4E78")
    ws.cell(2, 1, t.about).alignment = Alignment(vertical="top")
    legend = [("输入 Input (editable)", INPUT_FILL), ("计算 Computed (locked)", CALC_FILL)]
    for i, (text, fill) in enumerate(legend):
        c = ws.cell(3, 1 + i, text)
        c.fill, c.border = fill, BORDER
    ws.cell(3, 3, "灰色斜体 = 种子原文 Grey italics = the seed's own wording").font = LITERAL_FONT
    row = 5
    for section in t.rules:
        row = _section(wb, ws, section, row, layout) + 1
    ws.freeze_panes = "A4"


def _section(wb: Workbook, ws: Worksheet, s: Section, row: int, layout: Layout) -> int:
    for col in range(1, 9):
        ws.cell(row, col).fill = TITLE_FILL
    ws.cell(row, 1, f"{s.zh}  {s.en}").font = TITLE_FONT
    row += 1
    for label, text in (("原文 Seed", s.seed), ("说明 Note", s.note)):
        if text:
            ws.cell(row, 1, label).font = Font(bold=True, size=9)
            c = _text(ws, row, 2, text)
            c.font = LITERAL_FONT if label.startswith("原文") else Font(size=9)
            row += 1
    for item in s.items:
        if isinstance(item, Table):
            row = _table(wb, ws, item, row, layout)
        else:
            row = _setting(wb, ws, item, row, layout)
    return row


def _table(wb: Workbook, ws: Worksheet, t: Table, row: int, layout: Layout) -> int:
    ws.cell(row, 1, f"{t.zh} / {t.en}").font = Font(bold=True)
    row += 1
    pairs = [(f.zh, f.en) for f in t.fields]
    literal_col = 8
    _headers(ws, row, 1, pairs)
    if t.literal:
        _headers(ws, row, literal_col, [("种子原文", "Seed wording")])
    first = row + 2
    rows = list(t.rows) + list(t.tail)
    literal = list(t.literal) + list(t.tail_literal)
    for r, values in enumerate(rows):
        if len(values) != len(t.fields):
            raise ValueError(f"table {t.name} row {r + 1} has {len(values)} cells for {len(t.fields)} columns")
        for i, (f, v) in enumerate(zip(t.fields, values, strict=True)):
            _input_cell(ws.cell(first + r, 1 + i), v, f.fmt)
        if r < len(literal):
            _text(ws, first + r, literal_col, literal[r]).font = LITERAL_FONT
    last = first + len(t.rows) - 1
    end = first + len(rows) - 1
    for i, f in enumerate(t.fields):
        col = get_column_letter(1 + i)
        _define(wb, f"{t.name}_{f.name}", f"{RULES}!${col}${first}:${col}${last}")
        if t.tail:
            _define(wb, f"{t.tail_name}_{f.name}", f"{RULES}!${col}${first}:${col}${end}")
        _validation(ws, f.valid, f"{col}{first}:{col}{end}")
    last = end
    row = last + 1
    if t.check:
        formula = re.sub(r"\{(\w+)\}", lambda m: f"{t.name}_{m.group(1)}", t.check)
        ws.cell(row, 1, "检查 Check").font = Font(bold=True, size=9)
        _calc_cell(ws.cell(row, 2), layout.formula(formula, sheet=RULES))
        _define(wb, f"{t.name}_Check", f"{RULES}!$B${row}")
        row += 1
    return row


def _setting(wb: Workbook, ws: Worksheet, s: Setting | Derived, row: int, layout: Layout) -> int:
    ws.cell(row, 1, s.zh)
    ws.cell(row, 2, s.en).font = Font(italic=True, size=9)
    cell = ws.cell(row, 3)
    if isinstance(s, Setting):
        _input_cell(cell, s.value, s.fmt)
        _validation(ws, s.valid, f"C{row}")
    else:
        _calc_cell(cell, layout.formula(s.formula, sheet=RULES), s.fmt)
    if s.note:
        _text(ws, row, 4, s.note).font = Font(size=9, color="595959")
    _define(wb, s.name, f"{RULES}!$C${row}")
    return row + 1


# ---------------------------------------------------------------------------
# Staff


def _staff_sheet(ws: Worksheet, t: Template, layout: Layout, staff: list[tuple[Any, ...]]) -> None:
    _headers(ws, 1, 1, [(c.zh, c.en) for c in t.columns])
    ws.row_dimensions[1].height = 32
    ws.row_dimensions[2].height = 30
    inputs = t.inputs
    first, last = FIRST_ROW, layout.last_row
    for i, c in enumerate(t.columns):
        letter = get_column_letter(i + 1)
        ws.column_dimensions[letter].width = c.width
        if isinstance(c, Input):
            k = inputs.index(c)
            for r in range(layout.rows):
                value = staff[r][k] if r < len(staff) else None
                _input_cell(ws.cell(first + r, i + 1), value, c.fmt)
            _validation(ws, c.valid, f"{letter}{first}:{letter}{last}")
        elif isinstance(c, Calc):
            for r in range(layout.rows):
                row = first + r
                _calc_cell(ws.cell(row, i + 1), layout.formula(c.formula, row, STAFF), c.fmt)
        elif isinstance(c, Spill):
            ref = f"{letter}{first}:{letter}{last}"
            text = layout.formula(c.formula, None, STAFF)
            _calc_cell(ws.cell(first, i + 1), ArrayFormula(ref, text), c.fmt)
            for r in range(1, layout.rows):
                _calc_cell(ws.cell(first + r, i + 1), None, c.fmt)
    computed = [get_column_letter(i + 1) for i, c in enumerate(t.columns) if not isinstance(c, Input)]
    if computed:
        area = f"{computed[0]}{first}:{get_column_letter(len(t.columns))}{last}"
        ws.conditional_formatting.add(
            area, FormulaRule(formula=[f"ISERROR({computed[0]}{first})"], font=ERROR_FONT)
        )
    ws.freeze_panes = f"B{first}"


# ---------------------------------------------------------------------------
# Summary


def _summary_sheet(ws: Worksheet, t: Template, layout: Layout) -> None:
    d = t.summary.distribution
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 16
    ws.column_dimensions["D"].width = 16
    ws.column_dimensions["E"].width = 40
    ws.cell(1, 1, f"{d.zh}  {d.en}").font = TITLE_FONT
    pairs = [("类别", "Category"), ("人数", "Count")]
    if d.quota:
        pairs += [(d.quota_zh, d.quota_en), ("差额", "Count − quota")]
    _headers(ws, 2, 1, pairs)
    first = 4
    if isinstance(d.labels, str):
        labels = [f"=INDEX({d.labels},{i + 1})" for i in range(d.size)]
    else:
        labels = list(d.labels)
    last = first + len(labels) - 1
    for i, label in enumerate(labels):
        row = first + i
        _calc_cell(ws.cell(row, 1), label)
        count = d.count.replace("{label}", f"$A{row}").replace("{index}", str(i + 1)).replace("{column*}", f"{{{d.column}*}}")
        _calc_cell(ws.cell(row, 2), layout.formula(count, sheet=SUMMARY))
    if d.quota:
        quota_last = first + (d.quota_size or len(labels)) - 1
        for row in range(first, quota_last + 1):
            _calc_cell(ws.cell(row, 4), f"=B{row}-C{row}")
        ref = f"C{first}:C{quota_last}"
        _calc_cell(ws.cell(first, 3), ArrayFormula(ref, layout.formula(d.quota, sheet=SUMMARY)))
        for row in range(first + 1, quota_last + 1):
            _calc_cell(ws.cell(row, 3), None)
    row = last + 2
    _headers(ws, row, 1, [("指标", "Figure"), ("", ""), ("数值", "Value"), ("", ""), ("说明", "Note")])
    row += 2
    for m in t.summary.metrics:
        ws.cell(row, 1, m.zh)
        ws.cell(row, 2, m.en).font = Font(italic=True, size=9)
        _calc_cell(ws.cell(row, 3), layout.formula(m.formula, sheet=SUMMARY), m.fmt)
        if m.note:
            _text(ws, row, 5, m.note).font = Font(size=9, color="595959")
        row += 1

    chart = BarChart()
    chart.type = "col"
    chart.title = f"{d.zh} {d.en}"
    chart.y_axis.title = "人数 Staff"
    chart.x_axis.title = "类别 Category"
    cols = 3 if d.quota else 2
    data = Reference(ws, min_col=2, max_col=cols, min_row=first - 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, "G2")
