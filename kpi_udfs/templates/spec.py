"""The vocabulary a template is described in: rule tables, settings, staff columns, history, summary.

A scheme module (``kpi_udfs/templates/schemes/*.py``) says *what* its workbook holds with
these small records; :mod:`.layout` decides where it goes and how it looks. So the rules of
a scheme, its seed quotes and its sample staff are read in one place, top to bottom; the
words of every policy code come from :mod:`.policies`.

The staff list is an Excel Table named ``Staff`` (it grows when a row is typed below it)
and the months before are the Table ``History``. Formula text uses placeholders, resolved
by the layout into structured references:

``{key}``
    this row's cell of the staff column ``key`` (``Staff[[#This Row],[总分]]``);
``{key*}``
    the whole staff column ``key`` (``Staff[总分]``), e.g. for ranking functions;
``{a..b}``
    this row's cells from column ``a`` to column ``b`` (``Staff[[#This Row],[X得分]:[表现得分]]``);
``{H:key}``
    the whole History column ``key`` (``History[总分]``; ``{H:name}``, ``{H:month}`` too).

Any other identifier, such as ``X_Lower``, is a defined name of the Rules sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: A blank cell in a rule table or a sample row.
BLANK = None


# ---------------------------------------------------------------------------
# Data validation


@dataclass(frozen=True)
class Pick:
    """A drop-down: the entries of a defined name (``"Perf_Keys"``) or a fixed list."""

    source: str | tuple[str, ...]


@dataclass(frozen=True)
class Between:
    """A number range (numbers or defined names); ``whole`` for counts."""

    low: float | str
    high: float | str
    whole: bool = False


Validation = Pick | Between | None


# ---------------------------------------------------------------------------
# Rules sheet


@dataclass(frozen=True)
class Field:
    """One column of a rule table; its cells are the defined name ``<table>_<name>``."""

    name: str
    zh: str
    en: str
    fmt: str = "General"
    valid: Validation = None


@dataclass(frozen=True)
class Table:
    """A rule table (bands, a map, grades): editable cells, one defined name per column.

    ``literal`` holds the seed's own wording of each row, shown beside it; ``check`` an
    audit formula shown under the table (``{Lower}`` etc. are this table's columns).
    """

    name: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    rows: tuple[tuple[Any, ...], ...]
    literal: tuple[str, ...] = ()
    check: str | None = None
    #: Extra rows right below, outside the ``<name>_*`` ranges but inside the
    #: ``<tail_name>_*`` ones (which span all rows): e.g. the "no grade" row of a pay table.
    tail: tuple[tuple[Any, ...], ...] = ()
    tail_literal: tuple[str, ...] = ()
    tail_name: str = ""
    #: When given, ``<name>_<block>`` names every field after the first (a key) together:
    #: a grid whose rows a formula picks with INDEX/MATCH.
    block: str = ""


@dataclass(frozen=True)
class Setting:
    """One rule value or policy cell (a defined name), with the choices it accepts."""

    name: str
    zh: str
    en: str
    value: Any
    note: str = ""
    fmt: str = "General"
    valid: Validation = None


@dataclass(frozen=True)
class Derived:
    """A computed cell on the Rules sheet (e.g. an effective multiplier chosen by a preset)."""

    name: str
    zh: str
    en: str
    formula: str
    note: str = ""
    fmt: str = "General"


@dataclass(frozen=True)
class Section:
    """A titled block of the Rules sheet: the seed's wording, the ambiguity, then the rules."""

    zh: str
    en: str
    seed: str = ""
    note: str = ""
    items: tuple[Table | Setting | Derived, ...] = ()


# ---------------------------------------------------------------------------
# Staff sheet


@dataclass(frozen=True)
class Input:
    """A column HR fills in (validated). ``keep``: the same next month (``kpi new --from``
    copies it: a name, a role, a rank), otherwise the new month starts it empty."""

    key: str
    zh: str
    en: str
    fmt: str = "General"
    valid: Validation = None
    width: float = 11
    keep: bool = False


@dataclass(frozen=True)
class _Computed:
    """A staff column given by a formula; :class:`Calc` and :class:`Ranked` differ only in
    how the layout writes it."""

    key: str
    zh: str
    en: str
    formula: str
    fmt: str = "General"
    width: float = 11


@dataclass(frozen=True)
class Calc(_Computed):
    """A computed column: one formula per row. A formula that is one KPI_ call is written
    with a guard that gives the blank the function gives for blank inputs, so that a
    viewer without the KPI_ functions computes those cells itself (see :mod:`.layout`)."""


@dataclass(frozen=True)
class Ranked(_Computed):
    """A computed column whose formula ranks the whole staff column (forced grades, a bonus
    ladder): each row takes its own entry, ``INDEX(formula, row in the table)``; rows
    where the staff column ``by`` is blank stay blank."""

    by: str = "total"


Column = Input | Calc | Ranked


# ---------------------------------------------------------------------------
# History sheet


@dataclass(frozen=True)
class Record:
    """A History column: the month's value of the staff column ``key``, kept for later
    months (streaks, levels, tenure read it back)."""

    key: str
    zh: str
    en: str
    fmt: str = "General"


@dataclass(frozen=True)
class Past:
    """One employee's record of an earlier month: ``months_back`` (1 = last month) and the
    values of the History columns by key (missing = blank)."""

    months_back: int
    name: str
    values: dict[str, Any]


# ---------------------------------------------------------------------------
# Summary sheet


@dataclass(frozen=True)
class Distribution:
    """Counts per category of a staff column, against quota counts when there are quotas.

    ``labels`` is a defined name whose first ``size`` entries are the categories (so the
    summary follows edits on the Rules sheet) or a fixed list; ``quota`` a formula giving
    one quota count per category (each cell takes its own with INDEX).
    """

    zh: str
    en: str
    column: str
    labels: str | tuple[Any, ...]
    size: int = 0
    quota: str | None = None
    #: How many categories (from the first) the quota formula covers; 0 = all.
    quota_size: int = 0
    quota_zh: str = "配额人数"
    quota_en: str = "Quota count"
    count: str = "=COUNTIF({column*},{label})"


@dataclass(frozen=True)
class Metric:
    """A key figure of the summary: a label and a formula."""

    zh: str
    en: str
    formula: str
    fmt: str = "General"
    note: str = ""


@dataclass(frozen=True)
class Summary:
    distribution: Distribution
    metrics: tuple[Metric, ...] = ()


# ---------------------------------------------------------------------------
# The template

#: The month the sample workbooks appraise (the seeds' year, 「2016年()月考核计划表」).
SAMPLE_MONTH = dt.date(2016, 3, 1)


@dataclass(frozen=True)
class Template:
    """One appraisal workbook: its rules, staff columns, sample staff, history and summary."""

    name: str
    scheme: str
    zh: str
    en: str
    about: str
    rules: tuple[Section, ...]
    columns: tuple[Column, ...]
    #: Sample staff, one tuple per employee in the order of the Input columns.
    sample: tuple[tuple[Any, ...], ...]
    summary: Summary
    #: ``generate(rng, i, name)``: the i-th made-up employee's row (``kpi new --staff N``,
    #: see :func:`.people.team`: the first n of n + 1 are the n).
    generate: Callable[[Any, int, str], tuple[Any, ...]]
    #: The History columns (after month and name).
    history: tuple[Record, ...] = ()
    #: The sample staff's earlier months.
    past: tuple[Past, ...] = ()
    #: ``generate_past(rows, rng_of)``: the earlier months of made-up staff ``rows``, the
    #: i-th person's numbers from ``rng_of(i)`` (so the first n of n + 1 are the n's).
    generate_past: Callable[[list[tuple[Any, ...]], Callable[[int], Any]], list[Past]] | None = None
    #: Columns the demo table shows, in order: (key, header).
    results: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def inputs(self) -> list[Input]:
        return [c for c in self.columns if isinstance(c, Input)]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.name}: no staff column {key!r}")

    def settings(self) -> dict[str, Setting]:
        """Every Setting of the Rules sheet by its defined name."""
        return {i.name: i for s in self.rules for i in s.items if isinstance(i, Setting)}


def rows_of(table: Sequence[Sequence[Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(r) for r in table)
