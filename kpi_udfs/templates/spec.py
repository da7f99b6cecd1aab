"""The vocabulary a template is described in: rule tables, settings, staff columns, summary.

A scheme module (``kpi_udfs/templates/schemes/*.py``) says *what* its workbook holds with
these small records; :mod:`.layout` decides where it goes and how it looks. So the rules of
a scheme, its seed quotes and its sample staff are read in one place, top to bottom.

Formula text uses three placeholders, resolved by the layout:

``{key}``
    this row's cell of the staff column ``key`` (``F3``);
``{key*}``
    the whole staff column ``key`` (``Staff!$F$3:$F$30``), e.g. for ranking functions;
``{a..b}``
    this row's cells from column ``a`` to column ``b`` (``K3:O3``), a record of items.

Any other identifier, such as ``X_Lower``, is a defined name of the Rules sheet.
"""

from __future__ import annotations

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
    """A column HR fills in (unlocked, validated)."""

    key: str
    zh: str
    en: str
    fmt: str = "General"
    valid: Validation = None
    width: float = 11


@dataclass(frozen=True)
class _Computed:
    """A locked staff column given by a formula; :class:`Calc` and :class:`Spill` differ
    only in how the layout writes it."""

    key: str
    zh: str
    en: str
    formula: str
    fmt: str = "General"
    width: float = 11


@dataclass(frozen=True)
class Calc(_Computed):
    """A computed column: one formula per row (locked)."""


@dataclass(frozen=True)
class Spill(_Computed):
    """A computed column filled by one array formula over the whole staff column."""


Column = Input | Calc | Spill


# ---------------------------------------------------------------------------
# Summary sheet


@dataclass(frozen=True)
class Distribution:
    """Counts per category of a staff column, against quota counts when there are quotas.

    ``labels`` is a defined name whose first ``size`` entries are the categories (so the
    summary follows edits on the Rules sheet) or a fixed list; ``quota`` a formula that
    spills one quota count per category.
    """

    zh: str
    en: str
    column: str
    labels: str | tuple[str, ...]
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


@dataclass(frozen=True)
class Template:
    """One appraisal workbook: its rules, staff columns, sample staff and summary."""

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
    #: ``generate(rng, n)``: n made-up staff rows (``kpi new --staff N``).
    generate: Callable[[Any, int], list[tuple[Any, ...]]]
    #: Empty rows kept below the staff for HR to add people.
    spare_rows: int = 5
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


def choices(function: str, argument: str) -> Pick:
    """The drop-down of a policy cell: the words the registry accepts for that argument."""
    from .. import REGISTRY

    for p in REGISTRY[function].params:
        if p.name == argument:
            return Pick(tuple(p.choices))
    raise KeyError(f"{function} has no argument {argument}")


def rows_of(table: Sequence[Sequence[Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(r) for r in table)
