"""Month after month: next month's workbook from last month's (``kpi new T -o NEXT --from LAST``).

Next month keeps last month's staff (their names and the inputs marked ``keep``: a role,
a rank, a level), its language, and every rule and policy cell as HR left them (a policy
cell shows its choice in the new workbook's language); the other inputs start empty; the month moves on by one; and the History table gets one row per employee with
last month's results (the History columns of the template), after the rows it already
had. Last month's results are computed afresh from last month's workbook (``kpi
recalc``'s engine), never read from caches that may be stale.

A result that was an error last month is recorded as its error text (``#N/A``), which no
rule reads as a number or a grade, and reported, so that nobody is paid a streak on a
grade that did not exist.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KpiError
from ..i18n import _
from .spec import Input, Past, Setting, Table, Template


class MonthError(ValueError):
    """Last month's workbook cannot start the next one (another template, duplicate names…)."""


@dataclass
class Carried:
    """What :func:`next_month` did, for the command to report."""

    staff: int = 0
    history_rows: int = 0
    month: dt.date | None = None
    #: (employee, History column, error) for results recorded as errors.
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    #: Rules cells that could not be carried (a table of another size…).
    skipped: list[str] = field(default_factory=list)


def rule_names(t: Template) -> list[str]:
    """The defined names of every input cell on the Rules sheet (tables and settings), but
    not the month (it moves on)."""
    from .layout import THIS_MONTH

    out = []
    for section in t.rules:
        for item in section.items:
            if isinstance(item, Setting) and item.name != THIS_MONTH:
                out.append(item.name)
            elif isinstance(item, Table):
                prefix = item.tail_name if item.tail else item.name
                out += [f"{prefix}_{f.name}" for f in item.fields]
    return out


def _cells(wb, name: str):
    dn = wb.defined_names.get(name)
    if dn is None:
        return None
    out = []
    for sheet, ref in dn.destinations:
        ws = wb[sheet]
        got = ws[ref.replace("$", "")]
        if not isinstance(got, tuple):
            out.append(got)
        else:
            out += [c for row in got for c in (row if isinstance(row, tuple) else (row,))]
    return out


def apply_rules(wb, rules: dict[str, Any], t: Template | None = None, lang: str = "en") -> None:
    """Set Rules input cells by defined name (a list for a range); a policy cell of ``t``
    holding a code shows its label in ``lang``."""
    from .policies import shown

    settings = t.settings() if t is not None else {}
    for name, value in rules.items():
        cells = _cells(wb, name)
        if cells is None:
            continue
        policy = getattr(settings.get(name), "policy", "")
        if policy and not isinstance(value, list):
            value = shown(policy, value, lang)
        values = value if isinstance(value, list) else [value]
        if len(values) != len(cells):
            continue
        for c, v in zip(cells, values, strict=True):
            c.value = v


def _add_months(d: dt.date, k: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    return dt.date(y, m + 1, 1)


def _as_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date().replace(day=1)
    if isinstance(v, dt.date):
        return v.replace(day=1)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(v))).replace(day=1)
    return None


def _table_rows(ws, name: str) -> tuple[list[str], list[list[Any]]]:
    """Header and data rows (values) of the Excel Table ``name`` on ``ws``."""
    from openpyxl.utils.cell import range_boundaries

    table = ws.tables.get(name)
    if table is None:
        raise MonthError(_("{sheet} has no table {table}", sheet=ws.title, table=name))
    c1, r1, c2, r2 = range_boundaries(table.ref)
    header = [str(ws.cell(r1, c).value or "") for c in range(c1, c2 + 1)]
    rows = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)]
    return header, rows


def next_month(t: Template, last: Path):
    """(:class:`~kpi_udfs.templates.Month`, :class:`Carried`) for the month after ``last``."""
    import openpyxl

    from ..recalc.pipeline import evaluate
    from . import Month
    from .layout import FIRST_ROW, HISTORY, HISTORY_TABLE, STAFF, STAFF_TABLE, THIS_MONTH

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(last)
    made_from = wb.properties.identifier
    if made_from != t.name:
        if made_from:
            raise MonthError(_("{path} is a {other} workbook, not {template}", path=last, other=made_from,
                               template=t.name))
        raise MonthError(_("{path} is not a {template} workbook: kpi-udfs did not make it", path=last, template=t.name))
    month_cells = _cells(wb, THIS_MONTH)
    this = _as_date(month_cells[0].value) if month_cells else None
    if this is None:
        raise MonthError(_("{path}: the month appraised ({name} on Rules) is not a date", path=last, name=THIS_MONTH))
    new_month = _add_months(this, 1)

    header, rows = _table_rows(wb[STAFF], STAFF_TABLE)
    where = {h: i for i, h in enumerate(header)}
    missing = [c.zh for c in t.columns if c.zh not in where]
    if missing:
        raise MonthError(_("{path}: the Staff table has no column {columns}", path=last, columns=", ".join(missing)))
    evaluation = evaluate(last)
    values = evaluation.values
    names_seen: dict[str, int] = {}
    staff: list[tuple[Any, ...]] = []
    past: list[Past] = []
    carried = Carried(month=new_month)
    name_col = t.inputs[0]
    for k, row in enumerate(rows):
        name = row[where[name_col.zh]]
        if name is None or (isinstance(name, str) and not name.strip()):
            continue
        name = str(name).strip()
        if name in names_seen:
            raise MonthError(_("{path}: {name} is on the Staff table twice (rows {first} and {second}); History keeps "
                               "one record per name and month", path=last, name=name, first=names_seen[name],
                               second=FIRST_ROW + k))
        names_seen[name] = FIRST_ROW + k
        staff.append(tuple(row[where[c.zh]] if (c.keep or c is name_col) else None for c in t.inputs))
        record: dict[str, Any] = {}
        for r in t.history:
            col = t.column(r.key)
            if isinstance(col, Input):
                v = row[where[col.zh]]
            else:
                letter = openpyxl.utils.get_column_letter(where[col.zh] + 1)
                v = values.get((STAFF, f"{letter}{FIRST_ROW + k}"))
            if isinstance(v, KpiError):
                carried.errors.append((name, r.zh, f"{v.code} {v.reason}".strip()))
                v = v.code
            record[r.key] = v
        past.append(Past(1, name, record))

    h_header, h_rows = _table_rows(wb[HISTORY], HISTORY_TABLE)
    h_where = {h: i for i, h in enumerate(h_header)}
    for row in h_rows:
        month = _as_date(row[0])
        name = row[1]
        if month is None or name is None:
            continue
        back = (new_month.year - month.year) * 12 + new_month.month - month.month
        record = {r.key: row[h_where[r.zh]] for r in t.history if r.zh in h_where}
        past.append(Past(back, str(name), record))
    carried.staff = len(staff)
    carried.history_rows = len(past)

    rules: dict[str, Any] = {}
    settings = t.settings()
    for name in rule_names(t):
        cells = _cells(wb, name)
        if cells is None:
            carried.skipped.append(name)
            continue
        vals = [c.value for c in cells]
        rules[name] = vals if len(vals) > 1 else policy_code(settings.get(name), vals[0])
    return Month(staff, past, new_month, 0, rules, workbook_language(wb)), carried


def policy_code(setting: Setting | None, value: Any) -> Any:
    """The code a policy cell's value means (its label in any language, or its code), so that
    next month shows it in its own language; any other value as it is."""
    from ..registry import choice_code
    from .policies import choice

    p = choice(setting.policy) if setting is not None and setting.policy else None
    if p is None or not isinstance(value, str) or not value.strip():
        return value
    try:
        return choice_code(p, value)
    except KpiError:
        return value  # not a spelling of the choice: kept, and the formulas reading it say so


def workbook_language(wb) -> str | None:
    """The language a workbook was made in (its ``KPI_Language`` property), None if unknown."""
    from .. import i18n
    from .layout import LANGUAGE_PROPERTY

    for prop in getattr(wb, "custom_doc_props", ()):
        if prop.name == LANGUAGE_PROPERTY:
            return i18n.normalize(str(prop.value))
    return None
