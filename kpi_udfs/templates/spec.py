"""The vocabulary a template is described in: rule tables, settings, staff columns, history, summary.

A scheme module (``kpi_udfs/templates/schemes/*.py``) says *what* its workbook holds with
these small records; :mod:`.layout` decides where it goes and how it looks. So the rules of
a scheme, its seed quotes and its sample staff are read in one place, top to bottom; the
words of every policy code come from :mod:`.policies`.

Words: every title, label, caption and note is written in English, the source text of the
translation catalogues, and shown in the workbook's language (``kpi --lang zh-CN new``):
:mod:`kpi_udfs.i18n_build` extracts them from the descriptions themselves, so nothing is
marked. What is not translated: the staff and History column names the formulas use
(``zh``: Chinese, the schemes' own names), the seeds' own words (``seed``, ``literal``: a
quote, or a pair (quote, note) whose note is translated), and rule and sample values
(a rule cell that explains rather than counts is :class:`Words`).

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

Any other identifier, such as ``X_Lower``, is a defined name of the Rules sheet; and
``_("declared {declared}")`` is a text in the workbook's language (an Excel string: a
formula fills its ``{placeholders}`` in with SUBSTITUTE).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

#: A blank cell in a rule table or a sample row.
BLANK = None


class Words(str):
    """A rule-table cell that is an explanation, not a value a formula reads (「无等级」 in
    the pay table's last row): shown in the workbook's language."""


#: The seed's own words (not translated), or (those words, a note on them in English).
Quote = str | tuple[str, str]
#: Words shown in the workbook's language: an English text, or sentences shown one after another.
Text = str | tuple[str, ...]


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
    caption: str
    fmt: str = "General"
    valid: Validation = None


@dataclass(frozen=True)
class Table:
    """A rule table (bands, a map, grades): editable cells, one defined name per column.

    ``literal`` holds the seed's own wording of each row, shown beside it; ``check`` an
    audit formula shown under the table (``{Lower}`` etc. are this table's columns).
    """

    name: str
    title: str
    fields: tuple[Field, ...]
    rows: tuple[tuple[Any, ...], ...]
    literal: tuple[Quote, ...] = ()
    check: str | None = None
    #: Extra rows right below, outside the ``<name>_*`` ranges but inside the
    #: ``<tail_name>_*`` ones (which span all rows): e.g. the "no grade" row of a pay table.
    tail: tuple[tuple[Any, ...], ...] = ()
    tail_literal: tuple[Quote, ...] = ()
    tail_name: str = ""
    #: When given, ``<name>_<block>`` names every field after the first (a key) together:
    #: a grid whose rows a formula picks with INDEX/MATCH.
    block: str = ""


@dataclass(frozen=True)
class Setting:
    """One rule value or policy cell (a defined name), with the choices it accepts.

    ``policy``: the choice a policy cell offers (``"KPI_BAND.on_gap"``, see
    :mod:`.policies`); its value is then a code, shown as the code's label."""

    name: str
    label: str
    value: Any
    note: Text = ""
    fmt: str = "General"
    valid: Validation = None
    policy: str = ""


@dataclass(frozen=True)
class Derived:
    """A computed cell on the Rules sheet (e.g. an effective multiplier chosen by a preset)."""

    name: str
    label: str
    formula: str
    note: Text = ""
    fmt: str = "General"


@dataclass(frozen=True)
class Section:
    """A titled block of the Rules sheet: the seed's wording, the ambiguity, then the rules."""

    title: str
    seed: Quote = ""
    note: Text = ""
    items: tuple[Table | Setting | Derived, ...] = ()


# ---------------------------------------------------------------------------
# Staff sheet


@dataclass(frozen=True)
class Input:
    """A column HR fills in (validated). ``zh``: its name in the Staff table (the formulas'
    name for it), ``en``: its caption (shown in the workbook's language). ``keep``: the
    same next month (``kpi new --from`` copies it: a name, a role, a rank), otherwise the
    new month starts it empty."""

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

    title: str
    column: str
    labels: str | tuple[Any, ...]
    size: int = 0
    quota: str | None = None
    #: How many categories (from the first) the quota formula covers; 0 = all.
    quota_size: int = 0
    quota_caption: str = "Quota count"
    count: str = "=COUNTIF({column*},{label})"


@dataclass(frozen=True)
class Metric:
    """A key figure of the summary: a label and a formula."""

    label: str
    formula: str
    fmt: str = "General"
    note: Text = ""


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
    title: str
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
    #: Columns the demo table shows, in order: (key, header in English).
    results: tuple[tuple[str, str], ...] = ()

    def words(self) -> Iterator[tuple[str, str]]:
        """(text, where) of every text of the template shown in the workbook's language:
        what the translation catalogues must hold (:mod:`kpi_udfs.i18n_build`)."""
        yield from _texts(self.title, "title")
        yield from _texts(self.about, "about")
        for s in self.rules:
            yield from section_words(s)
        for c in self.columns:
            yield from _texts(c.en, f"Staff column {c.zh}: caption")
            if not isinstance(c, Input):
                yield from ((w, f"Staff column {c.zh}: formula text") for w in formula_words(c.formula))
        for r in self.history:
            yield from _texts(r.en, f"History column {r.zh}: caption")
        d = self.summary.distribution
        yield from _texts(d.title, "Summary: title")
        if d.quota:
            yield from _texts(d.quota_caption, "Summary: header")
        for m in self.summary.metrics:
            yield from _texts(m.label, "Summary: figure")
            yield from _texts(m.note, "Summary: note")
            yield from ((w, "Summary: formula text") for w in formula_words(m.formula))
        for _key, header in self.results:
            yield from _texts(header, "kpi demo: column")

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


#: A text in the workbook's language inside a formula: ``_("declared {declared}")``.
FORMULA_WORDS = re.compile(r'_\("((?:[^"]|"")*)"\)')


def formula_words(formula: str) -> list[str]:
    """The texts ``_("…")`` of a formula."""
    return [m.group(1).replace('""', '"') for m in FORMULA_WORDS.finditer(formula)]


#: What a text to translate has: a word (codes such as AMB-23 or NON_OVERLAP, and numbers, are the same in every language).
_WORD = re.compile(r"[a-z\u4e00-\u9fff]")


def _texts(text: Text | Quote, where: str, quote: bool = False) -> Iterator[tuple[str, str]]:
    """The parts of a text to translate (of a quote, its note)."""
    if quote:
        parts = (text[1],) if isinstance(text, tuple) else ()
    else:
        parts = text if isinstance(text, tuple) else (text,)
    for part in parts:
        if part and _WORD.search(part):
            yield part, where


def section_words(s: Section) -> Iterator[tuple[str, str]]:
    title = s.title
    yield from _texts(title, "Rules: section title")
    yield from _texts(s.seed, f"Rules, {title}: note on the seed's words", quote=True)
    yield from _texts(s.note, f"Rules, {title}: note")
    for item in s.items:
        if isinstance(item, Table):
            yield from _texts(item.title, f"Rules, {title}: table title")
            for f in item.fields:
                yield from _texts(f.caption, f"Rules, table {item.name}: column header")
            for q in (*item.literal, *item.tail_literal):
                yield from _texts(q, f"Rules, table {item.name}: note on the seed's words", quote=True)
            for row in (*item.rows, *item.tail):
                yield from ((v, f"Rules, table {item.name}: cell") for v in row if isinstance(v, Words))
        else:
            yield from _texts(item.label, f"Rules, {item.name}: label")
            yield from _texts(item.note, f"Rules, {item.name}: note")
            if isinstance(item, Derived):
                yield from ((w, f"Rules, {item.name}: formula text") for w in formula_words(item.formula))
