"""Excel errors with a reason.

A :class:`KpiError` is both an exception (raised for a whole-call problem, such as a
broken rule table) and a value (returned in the cells of an array result that failed),
so one bad row never spoils the other rows. Front ends turn it into what their host
shows: a real Excel error in xlwings Lite and ``kpi recalc``, ``"#N/A: reason"`` text
in classic xlwings.
"""

from __future__ import annotations

import re

NA = "#N/A"
VALUE = "#VALUE!"
DIV0 = "#DIV/0!"
NUM = "#NUM!"
NAME = "#NAME?"
REF = "#REF!"
NULL = "#NULL!"

#: Every error code Excel shows in a cell, longest first so that prefixes parse right.
CODES = (VALUE, DIV0, NAME, NULL, NUM, REF, NA, "#GETTING_DATA", "#SPILL!", "#CALC!")

_TEXT = re.compile(
    r"^\s*(" + "|".join(re.escape(c) for c in CODES) + r")\s*(?::\s*(.*))?$", re.DOTALL
)


class KpiError(Exception):
    """An Excel error code (``#N/A``, ``#VALUE!``, …) with a human reason."""

    __slots__ = ("code", "reason")

    def __init__(self, code: str, reason: str = ""):
        if code not in CODES:
            raise ValueError(f"not an Excel error code: {code!r}")
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}" if self.reason else self.code

    def __repr__(self) -> str:
        return f"KpiError({self.code!r}, {self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, KpiError)
            and other.code == self.code
            and other.reason == self.reason
        )

    def __hash__(self) -> int:
        return hash((self.code, self.reason))

    def __reduce__(self):
        return (KpiError, (self.code, self.reason))


def parse_error_text(text: str) -> KpiError | None:
    """Read ``"#N/A"`` or ``"#N/A: reason"`` (how classic xlwings shows our errors)."""
    m = _TEXT.match(text)
    if not m:
        return None
    return KpiError(m.group(1), (m.group(2) or "").strip())


def na(reason: str) -> KpiError:
    return KpiError(NA, reason)


def value_error(reason: str) -> KpiError:
    return KpiError(VALUE, reason)


def num_error(reason: str) -> KpiError:
    return KpiError(NUM, reason)


def div0(reason: str) -> KpiError:
    return KpiError(DIV0, reason)
