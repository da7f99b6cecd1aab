"""Excel's functions, by family, as the evaluator calls them.

Each family module (:mod:`.logic`, :mod:`.math`, :mod:`.statistics`, :mod:`.text`,
:mod:`.lookup`, :mod:`.information`, :mod:`.dates`, :mod:`.engineering`, :mod:`.financial`,
:mod:`.grouping`, :mod:`.regression`, :mod:`.sorting`, :mod:`.text_search`, with
:mod:`.criteria` and :mod:`.database`) holds:

* ``FUNCTIONS``: functions computed here over whole blocks of rows
  (``impl(ctx, args) -> Vec``, the arguments compiled nodes);
* ``WHOLE_BLOCK_FORMS``: fast whole-block forms of a function for its common inputs;
  other inputs are computed by the function's row form (the same function of
  `formulas`' table, corrected where needed);
* ``CORRECTIONS``: functions of `formulas`' table corrected to give what Excel gives.

Every other Excel function is borrowed from `formulas` (:mod:`.bridge`), row by row.
:data:`FUNCTIONS` is the one table the compiler looks names up in: one implementation
per Excel name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..evaluate.vec import Unsupported, Vec
from . import (
    dates,
    engineering,
    financial,
    grouping,
    information,
    logic,
    lookup,
    math,
    regression,
    sorting,
    statistics,
    text,
    text_search,
)

#: Functions whose value changes without any input changing.
VOLATILE = frozenset({"TODAY", "NOW", "RAND", "RANDBETWEEN", "RANDARRAY"})

_FAMILIES = (
    logic, math, engineering, statistics, regression, text, text_search, lookup, sorting, grouping, information,
    dates, financial,
)  # fmt: skip


def corrections() -> dict:
    """Every correction of `formulas`' table, by Excel name."""
    from .criteria import criteria_corrections
    from .database import database_corrections

    out: dict = {}
    for family in _FAMILIES:
        fixes = getattr(family, "CORRECTIONS", None)
        if fixes is None and hasattr(family, "_corrections"):
            fixes = family._corrections()
        out.update(fixes or {})
    out.update(criteria_corrections())
    out.update(database_corrections())
    return out


class WholeBlock:
    """A function with a fast whole-block form for common inputs and a row form for all.
    Without ``rows``, the row form is the table's, looked up when first needed: a
    workbook whose VLOOKUPs all take the fast form never loads `formulas`' table (half a
    second of imports, scipy's statistics among them)."""

    def __init__(self, name: str, fast, rows=None):
        self.name, self.fast, self._rows = name, fast, rows

    @property
    def rows(self):
        if self._rows is None:
            entry = FUNCTIONS._load()[self.name]
            while not isinstance(entry, WholeBlock):  # under the wrappers of _wrap
                entry = entry.inner
            self._rows = entry.rows
        return self._rows

    def __call__(self, ctx, args) -> Vec:
        try:
            return self.fast(ctx, args)
        except Unsupported:
            return self.rows(ctx, args)


def _wrap(table: dict) -> None:
    """What every table of functions gets on top of the implementations: COUNTIF(S)
    counting the unread empty cells of whole columns, date functions following the
    workbook's date system."""
    for name in ("COUNTIF", "COUNTIFS"):
        if name in table:
            table[name] = statistics.CountingBeyondUsed(name, table[name])
    dates.date_system_aware(table)


class _Table(Mapping):
    """Excel name → implementation; `formulas`' table is loaded on the first name that
    is neither computed here nor has a whole-block form (the row forms of those are
    loaded when one is first needed)."""

    def __init__(self):
        self.own: dict = {}
        for family in _FAMILIES:
            self.own.update(getattr(family, "FUNCTIONS", {}))
        self._all: dict | None = None
        self._deferred: dict = {}
        for family in _FAMILIES:
            for name, fast in getattr(family, "WHOLE_BLOCK_FORMS", {}).items():
                if name not in self.own:
                    self._deferred[name] = WholeBlock(name, fast)
        _wrap(self._deferred)  # as _load wraps them

    def _load(self) -> dict:
        if self._all is None:
            from .bridge import borrowed_functions

            table = dict(borrowed_functions())
            for family in _FAMILIES:
                for name, fast in getattr(family, "WHOLE_BLOCK_FORMS", {}).items():
                    table[name] = WholeBlock(name, fast, table[name])
            table.update(self.own)
            _wrap(table)
            self._all = table
        return self._all

    def get(self, name, default=None):
        found = self.own.get(name)
        if found is not None:
            return found
        if self._all is None:
            found = self._deferred.get(name)
            if found is not None:
                return found
        return self._load().get(name, default)

    def __getitem__(self, name):
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


FUNCTIONS = _Table()
