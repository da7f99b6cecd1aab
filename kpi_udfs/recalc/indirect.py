"""INDIRECT of a computed address (``ROW(INDIRECT(J2))``, ``SUM(INDIRECT("B"&C1))``).

`formulas` understands only ``INDIRECT("A1")`` with a literal text, rewritten to a plain
reference when parsing; any other INDIRECT was an unknown function (#NAME?). This one
reads A1-style addresses as Excel's INDIRECT page describes: a cell, an area, whole
columns (``D:D``) or rows (``5:5``), ``$`` signs, an optional sheet (``OTHER!D5``,
``'My sheet'!A1``), case-insensitive. Text that is no address, an unknown sheet, or an
address off the grid give #REF!, as in Excel; R1C1 addresses (a1 = FALSE) and defined
names are not read (#REF!). The result is a reference, so ROW, COLUMN, ROWS and
COLUMNS read its position; its values are the cells' current values, read like
OFFSET's (a target formula not computed yet leaves the values unknown, and functions
reading them give #VALUE! with a reason, since `formulas`' graph cannot know the
dependency). ROW and COLUMN of an error give that error (``ROW(INDIRECT("h"))`` is
#REF!).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from formulas.functions import FoundError, wrap_func
from formulas.ranges import Ranges
from formulas.tokens.operand import Error, XlError
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from . import session as _session
from .values import is_omitted

_REF = Error.errors["#REF!"]
_MAX_ROW, _MAX_COL = 1048576, 16384
#: Areas larger than this keep their position only (no values are read for them).
_MAX_READ = 1_000_000

_ADDRESS = re.compile(
    r"""^(?:(?:'(?P<quoted>(?:[^']|'')+)'|(?P<sheet>[^'!:\s][^'!:]*))!)?
    (?:
        \$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?
      | \$?(?P<cc1>[A-Z]{1,3}):\$?(?P<cc2>[A-Z]{1,3})
      | \$?(?P<rr1>\d+):\$?(?P<rr2>\d+)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def parse_address(text: str) -> tuple[str | None, int, int, int, int] | None:
    """(sheet title or None, first row, first column, last row, last column) of an A1
    address, or None when the text is no address on Excel's grid."""
    m = _ADDRESS.match(text.strip())
    if m is None:
        return None
    sheet = m.group("quoted").replace("''", "'") if m.group("quoted") else m.group("sheet")
    if m.group("c1"):
        c1, r1 = column_index_from_string(m.group("c1").upper()), int(m.group("r1"))
        c2 = column_index_from_string(m.group("c2").upper()) if m.group("c2") else c1
        r2 = int(m.group("r2")) if m.group("r2") else r1
    elif m.group("cc1"):
        c1, c2 = (
            column_index_from_string(m.group("cc1").upper()),
            column_index_from_string(m.group("cc2").upper()),
        )
        r1, r2 = 1, _MAX_ROW
    else:
        r1, r2 = int(m.group("rr1")), int(m.group("rr2"))
        c1, c2 = 1, _MAX_COL
    r1, r2, c1, c2 = min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2)
    if r1 < 1 or r2 > _MAX_ROW or c1 < 1 or c2 > _MAX_COL:
        return None
    return sheet, r1, c1, r2, c2


def _sheet_id(session: Any, title: str | None) -> str | None:
    if title is None:
        current = session.current if session is not None else None
        return None if not current or "!" not in current else current.rsplit("!", 1)[0]
    key = title.casefold()
    for sid, name in (session.sheet_ids if session is not None else {}).items():
        if name.casefold() == key:
            return sid
    return None


def xindirect(ref_text: Any, a1: Any = True) -> Any:
    if isinstance(ref_text, Ranges):
        ref_text = np.asarray(ref_text.value, dtype=object)
    if isinstance(ref_text, np.ndarray):
        if ref_text.size != 1:
            raise FoundError(err=_REF)
        ref_text = ref_text.ravel()[0]
    if isinstance(ref_text, XlError):
        raise FoundError(err=ref_text)
    a1 = np.asarray(a1.value if isinstance(a1, Ranges) else a1, dtype=object).ravel()[0]
    if not isinstance(ref_text, str) or not (is_omitted(a1) or bool(a1)):
        raise FoundError(err=_REF)
    where = parse_address(ref_text)
    session = _session.active()
    sid = None if where is None else _sheet_id(session, where[0])
    if where is None or sid is None:
        raise FoundError(err=_REF)
    _, r1, c1, r2, c2 = where
    ref = f"{sid}!{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
    rng = Ranges().get_range(ref)
    values = None
    if session is not None and session.reader is not None and (r2 - r1 + 1) * (c2 - c1 + 1) <= _MAX_READ:
        values = session.reader(sid, r1, c1, r2, c2)
    if values is None:
        if session is not None:
            session.note_reason(
                "#VALUE!",
                "INDIRECT reads cells whose values are not known yet (dependency unknown to the engine)",
            )
        return Ranges().set_value(rng)
    return Ranges().set_value(rng, values)


def _error_passing(function: Any) -> Any:
    """ROW/COLUMN giving the error of an argument that is an error (``ROW(INDIRECT("h"))``
    is #REF!), where `formulas` answered #VALUE! for any argument not a reference."""

    def fn(cell: Any = None, ref: Any = None, *rest: Any) -> Any:
        if ref is not None and not isinstance(ref, Ranges):
            first = np.asarray(ref, dtype=object).ravel()
            if first.size and isinstance(first[0], XlError):
                return first[0]
        return function(cell, *(() if ref is None else (ref,)), *rest)

    fn.kpi_error_passing = True
    return fn


def install_indirect(table: dict) -> None:
    """Put INDIRECT of computed addresses into `formulas`' function table, and let ROW
    and COLUMN pass on an error argument."""
    table["INDIRECT"] = wrap_func(xindirect, ranges=True)
    for name in ("ROW", "COLUMN"):
        entry = table[name]
        if not getattr(entry["function"], "kpi_error_passing", False):
            table[name] = {**entry, "function": _error_passing(entry["function"])}
