"""Appraisal workbook templates for the seed schemes (SEED_RULES.md §7.4).

Each template is described once, in its module under ``schemes/`` (rules with the seed's
wording, staff columns with their formulas, sample staff and their earlier months,
summary); :func:`build` turns a description into a recalculated, deterministic .xlsx.
``templates/build.py`` writes the committed copies; ``kpi new`` and ``kpi demo`` build
from the same descriptions, so the installed package needs no data files. Month after
month: :func:`next_month` starts next month's workbook from last month's (``kpi new
--from``). A workbook's words are in one language (en, zh-CN, zh-TW), stored in it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import i18n
from ..recalc.model import Evaluation
from .package import normalise
from .people import rng, team
from .spec import SAMPLE_MONTH, Past, Template

#: Template name → module under ``schemes/``, in the order of SEED_RULES §7.4.
MODULES = {
    "PreSales_T44": "presales_t44",
    "AfterSales_T47": "aftersales_t47",
    "AfterSales_130": "aftersales_130",
    "Ops_Manager": "ops_manager",
    "CS_Supervisor": "cs_supervisor",
    "AfterSales_Levels": "aftersales_levels",
    "Monthly_30pt_Budget": "monthly_30pt_budget",
    "SelfManager_Rank": "selfmanager_rank",
    "Eight_Indicator_Levels": "eight_indicator_levels",
    "Satisfaction_KPI": "satisfaction_kpi",
    "Attendance_Points": "attendance_points",
}

#: The rows ``kpi new --empty`` leaves for HR to fill.
EMPTY_ROWS = 30
#: The language of the committed templates in ``templates/`` (``python templates/build.py``):
#: the HR teams the seeds come from write simplified Chinese; ``kpi --lang en new …`` and
#: ``kpi --lang zh-TW new …`` give the others.
COMMITTED_LANGUAGE = "zh-CN"


def names() -> list[str]:
    return list(MODULES)


def get(name: str) -> Template:
    """The description of template ``name`` (case-insensitive)."""
    for known, module in MODULES.items():
        if known.lower() == name.lower():
            return importlib.import_module(f"{__name__}.schemes.{module}").TEMPLATE
    raise KeyError(f"no template {name!r}; known: {', '.join(MODULES)}")


@dataclass
class Month:
    """What one month's workbook holds before it is laid out: staff rows, earlier months,
    the month appraised, rows to leave, and Rules cells that differ from the template's."""

    staff: list[tuple[Any, ...]]
    past: list[Past] = field(default_factory=list)
    month: dt.date = SAMPLE_MONTH
    rows: int = 0
    rules: dict[str, Any] = field(default_factory=dict)
    #: The language of the workbook it continues (None: a new one).
    lang: str | None = None


def month_of(t: Template, staff: int | None = None, empty: bool = False) -> Month:
    """The sample staff, ``staff`` made-up ones (with their earlier months), or empty rows."""
    if empty:
        return Month([], rows=staff if staff else EMPTY_ROWS)
    if staff is not None:
        people = team(t.name, staff, t.generate)
        past: list[Past] = []
        if t.generate_past is not None:
            past = list(t.generate_past(people, lambda i: rng(f"{t.name}:{i}:past")))
        return Month(people, past)
    return Month(list(t.sample), list(t.past))


def staff_rows(t: Template, staff: int | None = None, empty: bool = False) -> tuple[list[tuple], int]:
    """The staff rows and the number of rows laid out (at least one)."""
    m = month_of(t, staff, empty)
    return m.staff, max(1, len(m.staff), m.rows)


def workbook_bytes(t: Template, month: Month, lang: str = i18n.DEFAULT) -> bytes:
    """The workbook of ``month`` in the language ``lang`` as .xlsx bytes, not yet recalculated."""
    from .layout import build_workbook  # openpyxl: loaded only when a workbook is built
    from .months import apply_rules

    wb = build_workbook(t, month.staff, month.past, month.month, month.rows, lang)
    apply_rules(wb, month.rules, t, lang)
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise(buffer.getvalue())


def recalculate(src: Path, dest: Path) -> Evaluation:
    """``kpi recalc`` as a library call: evaluate ``src``, write it with cached values to ``dest``."""
    from ..recalc.pipeline import recalculate as compute
    from ..recalc.write.writer import write_values

    done = compute(src)
    try:
        write_values(done.package, done.evaluation, dest)
    finally:
        done.close()
    return done.evaluation


def build(
    name: str, out: Path, staff: int | None = None, empty: bool = False, recalc: bool = True,
    month: Month | None = None, lang: str | None = None,
) -> Evaluation | None:
    """Write template ``name`` to ``out``, recalculated so every formula cell shows its value.

    ``month`` (e.g. from :func:`next_month`) replaces the sample / made-up / empty staff.
    ``lang``: the workbook's language; by default the language of the month it continues,
    else the language in force. The workbook is computed in its language too, so that the
    texts functions give as values (a band table's check, a quota audit) are in it.
    Returns the evaluation (every computed value, errors with their reasons in that
    language), or None when ``recalc`` is False.
    """
    t = get(name)
    if lang is not None and i18n.normalize(lang) is None:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(i18n.LANGUAGES)}")
    lang = i18n.normalize(lang) or (month.lang if month else None) or i18n.language()
    data = workbook_bytes(t, month or month_of(t, staff, empty), lang)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not recalc:
        out.write_bytes(data)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        raw, done = Path(tmp) / f"{t.name}.xlsx", Path(tmp) / "recalculated.xlsx"
        raw.write_bytes(data)
        with i18n.using(lang):
            evaluation = recalculate(raw, done)
        out.write_bytes(normalise(done.read_bytes()))
    return evaluation


def next_month(t: Template, last: Path):
    """Next month's :class:`Month` from last month's workbook (see :mod:`.months`)."""
    from .months import next_month as _next

    return _next(t, last)
