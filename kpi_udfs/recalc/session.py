"""The evaluation in progress: what functions may ask about the workbook, and what they report.

`formulas` calls functions with values only. A few need more: FORMULATEXT and SUBTOTAL
must know which cells hold which formulas, SUBTOTAL(10x) which rows are hidden, and our
KPI_ wrappers want to leave the reason of every error they produce where the evaluator
can find it (errors themselves travel as `formulas`' canonical tokens, which carry no
text). One :class:`Session` per evaluated workbook holds that, made current for the
duration of the evaluation through a context variable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_ACTIVE: ContextVar[Session | None] = ContextVar("kpi_recalc_session", default=None)


@dataclass
class Session:
    """Workbook facts for functions, and the side table of error reasons by cell."""

    #: (sheet id as `formulas` names it, row, column) → formula text as in the file.
    formulas: dict[tuple[str, int, int], str] = field(default_factory=dict)
    #: sheet id → rows hidden in the sheet (manually or by a filter).
    hidden_rows: dict[str, set[int]] = field(default_factory=dict)
    #: sheet id → rows hidden by an AutoFilter (SUBTOTAL 1–11 skips only these).
    filtered_rows: dict[str, set[int]] = field(default_factory=dict)
    #: Every sheet of the workbook in tab order (chart sheets too), for SHEET/SHEETS.
    sheet_names: list[str] = field(default_factory=list)
    #: Saved by Excel for Mac (CHAR and CODE then use Mac Roman).
    mac: bool = False
    #: sheet id → sheet title.
    sheet_ids: dict[str, str] = field(default_factory=dict)
    #: The output node of the formula being evaluated (None between cells).
    current: str | None = None
    #: output node → results (our conventions) of the KPI_ calls made while computing it.
    results: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    #: output node → reasons noted for errors produced by other means.
    reasons: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    #: (sheet id, first row, first column, last row, last column) → the cells' current
    #: values, for OFFSET with computed arguments (set by the evaluator).
    reader: Callable[[str, int, int, int, int], Any] | None = None
    progress: Callable[[int, int], None] | None = None
    total: int = 0
    done: int = 0
    _step: int = 1

    def note_result(self, result: Any) -> None:
        """Keep a KPI_ result that holds errors, under the cell being computed."""
        if self.current is not None:
            self.results[self.current].append(result)

    def note_reason(self, code: str, reason: str) -> None:
        if self.current is not None:
            self.reasons[self.current].append((code, reason))

    def start(self, total: int) -> None:
        self.total, self.done = total, 0
        self._step = max(1, total // 200)
        self._report()

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.progress is not None and (self.done % self._step == 0 or self.done >= self.total):
            self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def active() -> Session | None:
    """The session of the workbook being evaluated, if any."""
    return _ACTIVE.get()


@contextmanager
def activate(session: Session) -> Iterator[Session]:
    token = _ACTIVE.set(session)
    try:
        yield session
    finally:
        _ACTIVE.reset(token)
