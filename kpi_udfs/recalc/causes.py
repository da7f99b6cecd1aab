"""Error cells grouped by cause, for a summary a person can read.

2,000 staff over a band table with two gaps give thousands of error cells: the ones whose
value falls in a gap, and every cell computed from them. Listing each cell buries the two
causes, so the summary shows one line per cause, with its count and first cells (``--json``
keeps every cell).

A cause is an error code and a reason, where

* an error passed on from another cell counts under the reason of the cell it comes from
  (``from Staff!P3: weights is blank`` is the cause ``weights is blank``; the words
  around the cell are recognised in every language, :func:`passed_on`);
* reasons that differ only in numbers or quoted values are one cause: ``35 falls in no
  band: gap (30, 35]`` and ``31 falls in no band: gap (30, 35]`` are ``… falls in no
  band: gap (30, 35]``. A value that varies from cell to cell is shown as ``…``; the first
  value of a reason is taken as the cell's own (``35`` above), the later ones as the rule's
  (the gap), so two gaps stay two causes, unless so many rule values vary that they are
  the cell's too (more than :data:`MAX_SPLIT` groups), when they become ``…`` as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .. import i18n
from ..i18n import N_, _

#: How many cells a cause names.
FIRST_CELLS = 3
#: A pattern whose later values vary over more groups than this is one cause.
MAX_SPLIT = 5

#: The reason of an error read from another cell (the evaluator writes it, :func:`passed_on`).
PASSED_ON = N_("from {cell}: {reason}")
_CELL = r"(?:'(?:[^']|'')+'|[^\s!:：]+)!\$?[A-Za-z]{1,3}\$?[0-9]+"
#: Numbers (1,200  0.42  -3  1e+308  52%) and quoted text: the values inside a reason.
_VALUE = re.compile(r"'(?:[^'\\]|\\.)*'|\"[^\"]*\"|[-+−]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?%?")
_SLOT = "\x00"
UNEXPLAINED = N_("(no reason recorded)")


@dataclass
class Cause:
    """One line of the summary: ``count`` cells end in ``code`` for ``reason``."""

    code: str
    reason: str
    count: int = 0
    #: The first cells (as Sheet!A1), in sheet order.
    cells: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"code": self.code, "reason": self.reason, "count": self.count, "first_cells": self.cells}


def passed_on(cell: str, reason: str) -> str:
    """The reason of an error read from ``cell`` (``Sheet!B3``), whose reason is ``reason``."""
    return _(PASSED_ON, cell=cell, reason=reason)


@lru_cache(maxsize=1)
def _passed_on_prefix() -> re.Pattern:
    """``from Sheet!B3: `` as :func:`passed_on` writes it in any of the languages."""
    shapes = set()
    for lang in i18n.LANGUAGES:
        before, _cell, rest = i18n.translate(PASSED_ON, lang).partition("{cell}")
        shapes.add(re.escape(before) + _CELL + re.escape(rest.partition("{reason}")[0]))
    return re.compile("^(?:" + "|".join(sorted(shapes)) + ")")


def is_passed_on(reason: str) -> bool:
    """Whether ``reason`` is that of an error read from another cell (:func:`passed_on`)."""
    return _passed_on_prefix().match(reason) is not None


def origin_reason(reason: str) -> str:
    """The reason of the cell an error was passed on from (``from X!A1: …`` stripped)."""
    while True:
        m = _passed_on_prefix().match(reason)
        if not m:
            return reason
        reason = reason[m.end():]


def group(errors: list[dict]) -> list[Cause]:
    """Causes of error cells given as dicts with ``ref``, ``code`` and ``reason`` (in
    sheet order); the causes come in the order of their first cell."""
    patterns: dict[tuple[str, str], list[tuple[dict, list[str]]]] = {}
    for e in errors:
        reason = origin_reason(e.get("reason") or "").strip()
        values = _VALUE.findall(reason)
        pattern = _VALUE.sub(_SLOT, reason)
        patterns.setdefault((e["code"], pattern), []).append((e, values))
    causes: list[tuple[int, Cause]] = []
    order = {id(e): i for i, e in enumerate(errors)}
    for (code, pattern), members in patterns.items():
        split: dict[tuple[str, ...], list[tuple[dict, list[str]]]] = {}
        for e, values in members:
            split.setdefault(tuple(values[1:]), []).append((e, values))
        groups = list(split.values()) if len(split) <= MAX_SPLIT else [members]
        for g in groups:
            cause = Cause(code=code, reason=_shown(pattern, [v for _skip, v in g]), count=len(g),
                          cells=[e["ref"] for e, _skip in g[:FIRST_CELLS]])
            causes.append((order[id(g[0][0])], cause))
    return [c for _skip, c in sorted(causes, key=lambda item: item[0])]


def _shown(pattern: str, values: list[list[str]]) -> str:
    """The pattern with the values all its cells share, and ``…`` where they differ."""
    if not pattern:
        return _(UNEXPLAINED)
    parts = pattern.split(_SLOT)
    out = [parts[0]]
    for i, rest in enumerate(parts[1:]):
        seen = {v[i] for v in values}
        out.append(seen.pop() if len(seen) == 1 else "…")
        out.append(rest)
    return "".join(out)
