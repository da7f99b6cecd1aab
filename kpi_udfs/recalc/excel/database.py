"""Excel's database functions (DSUM, DAVERAGE, DCOUNT, DGET …), which `formulas` lacks.

``DSUM(database, field, criteria)``: ``database`` is a list with a header row, ``field``
a column label (case-insensitive) or 1-based position, ``criteria`` a header row of
labels and one or more rows of conditions. A record matches when it meets every
condition of at least one criteria row. A condition is a value (equality), text with
an operator (``>100``, ``<>East``, ``>=2024-07-01``), or plain text, which matches text
that *begins with* it (``G*`` and ``?`` wildcards allowed), as Excel's database
criteria do. A blank condition, or a criteria label naming no column, matches all.
"""

from __future__ import annotations

from typing import Any

import formulas.functions as ff
import numpy as np
import schedula as sh
from formulas.functions import FoundError, wrap_func
from formulas.tokens.operand import Error, XlError

from .criteria import is_text_cell, wildcard_pattern
from .lookup import grid_of
from .statistics import AGGREGATORS as _AGGREGATORS

_VALUE = Error.errors["#VALUE!"]
_NUM = Error.errors["#NUM!"]
_OPERATORS = ("<=", ">=", "<>", "<", ">", "=")

#: Excel function → aggregation (codes of SUBTOTAL/AGGREGATE); DGET is apart.
DATABASE_FUNCTIONS = {
    "DSUM": 9, "DAVERAGE": 1, "DCOUNT": 2, "DCOUNTA": 3, "DMAX": 4, "DMIN": 5,
    "DPRODUCT": 6, "DSTDEV": 7, "DSTDEVP": 8, "DVAR": 10, "DVARP": 11,
}  # fmt: skip


def _label(value: Any) -> str | None:
    if value is sh.EMPTY or value is None or isinstance(value, XlError):
        return None
    return str(value).strip().casefold()


def _field_column(headers: list[str | None], field: Any) -> int:
    field = grid_of(field)
    if field.size != 1:
        raise FoundError(err=_VALUE)
    f = field.flat[0]
    if isinstance(f, XlError):
        raise FoundError(err=f)
    if isinstance(f, str):
        key = f.strip().casefold()
        if key in headers:
            return headers.index(key)
        raise FoundError(err=_VALUE)
    if isinstance(f, bool) or f is sh.EMPTY:
        raise FoundError(err=_VALUE)
    try:
        k = int(float(f))
    except (TypeError, ValueError):
        raise FoundError(err=_VALUE) from None
    if not 1 <= k <= len(headers):
        raise FoundError(err=_VALUE)
    return k - 1


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _matches(column: np.ndarray, condition: Any) -> np.ndarray | None:
    """Which values meet one criteria cell (None: it constrains nothing)."""
    if condition is sh.EMPTY or condition is None or (isinstance(condition, str) and not condition):
        return None
    if isinstance(condition, str):
        op = next((o for o in _OPERATORS if condition.startswith(o)), "")
        rest = condition[len(op) :]
        if op in ("", "=", "<>") and not _is_number_text(rest):
            if op == "=" and not rest:  # "=": blank cells
                return np.array([v is sh.EMPTY or v == "" for v in column], dtype=bool)
            pat = wildcard_pattern(rest, prefix=not op)
            hit = np.array([is_text_cell(v) and pat.match(v) is not None for v in column], dtype=bool)
            return ~hit if op == "<>" else hit
    xfilter = getattr(ff, "__xfilter")  # formulas' COUNTIF criteria, shared on purpose
    raw = np.where(column == np.array(sh.EMPTY, dtype=object), "", column)
    return np.asarray(xfilter({"raw": raw}, condition), dtype=bool)


def selected(database: Any, criteria: Any) -> tuple[np.ndarray, list[str | None]]:
    """The records (rows below the header) matching the criteria, and the headers."""
    db, crit = grid_of(database), grid_of(criteria)
    if db.shape[0] < 2 or crit.shape[0] < 2:
        raise FoundError(err=_VALUE)
    headers = [_label(h) for h in db[0]]
    records = db[1:]
    keep = np.zeros(records.shape[0], dtype=bool)
    crit_headers = [_label(h) for h in crit[0]]
    for row in crit[1:]:
        ok = np.ones(records.shape[0], dtype=bool)
        for label, value in zip(crit_headers, row, strict=True):
            if label is None or label not in headers:
                continue
            hit = _matches(records[:, headers.index(label)], value)
            if hit is not None:
                ok &= hit
        keep |= ok
    return records[keep], headers


def _dfunction(code: int):
    def dfunc(database: Any, field: Any = None, criteria: Any = None) -> Any:
        if criteria is None:
            raise FoundError(err=_VALUE)
        records, headers = selected(database, criteria)
        if field is None:  # DCOUNT(database,,criteria): count the matching records
            values = [1.0] * records.shape[0]
        else:
            values = list(records[:, _field_column(headers, field)])
        return _AGGREGATORS[code](values)

    return dfunc


def dget(database: Any, field: Any, criteria: Any) -> Any:
    records, headers = selected(database, criteria)
    column = _field_column(headers, field)
    if records.shape[0] == 0:
        raise FoundError(err=_VALUE)
    if records.shape[0] > 1:
        raise FoundError(err=_NUM)
    return records[0, column]


def database_corrections() -> dict:
    """The database functions, for `formulas`' function table."""
    out = {name: wrap_func(_dfunction(code)) for name, code in DATABASE_FUNCTIONS.items()}
    out["DGET"] = wrap_func(dget)
    return out
