"""COUNTIF-family criteria (COUNTIF(S), SUMIF(S), AVERAGEIF(S), MINIFS, MAXIFS) as Excel
matches them.

`formulas` compares a criterion only with cells of the same type, so ``"<>23"`` misses
text and blank cells (Excel counts them: they are not 23), and it reads text cells such
as ``"23"`` as numbers for ``"<=23"`` (Excel does not). Excel's rules:

* ``=`` (or no operator) and ``<>``: a number matches numbers, TRUE/FALSE booleans,
  an error literal the same error, text matches text case-insensitively with ``*``,
  ``?`` and ``~`` wildcards; ``<>`` is exactly "does not match", blanks included.
* ``<``, ``<=``, ``>``, ``>=``: numbers against numbers only, text against text only.
* ``""`` or ``"="`` matches blank cells; ``"<>"`` matches non-blank ones; a criterion
  that is a reference to an empty cell means 0.
* ``=`` with a number also matches text that reads as that number (``"23"``), while
  ``<>`` with a number excludes only numbers (Excel is not symmetric here).
* An operand written as a date or a time is that serial number (:func:`criterion_number`):
  ``"<3/1/2011"`` counts dates before March 1, 2011 (Microsoft's COUNTIFS page);
  ``"2024-03-01"`` matches that date and the text written so.

The values summed, averaged or compared by SUMIF(S), AVERAGEIF(S), MINIFS and MAXIFS
are the numbers among the matching cells (text and TRUE/FALSE skipped).

:func:`install_criteria` puts :func:`matches` in place of `formulas`' own criteria
test, which all those functions share; :func:`criteria_corrections` gives the functions
with these accumulators.
"""

from __future__ import annotations

import operator
import re
from typing import Any

import numpy as np
import schedula as sh
from formulas.tokens.operand import Error, XlError

from .conversions import date_time_text, text_number, time_text

_OPERATORS = {
    "<=": operator.le, ">=": operator.ge, "<>": operator.ne,
    "<": operator.lt, ">": operator.gt, "=": operator.eq,
}  # fmt: skip


def wildcard_pattern(text: str, prefix: bool = False) -> re.Pattern:
    """Excel wildcards (``*``, ``?``, ``~`` escapes) as a case-insensitive regex for the
    whole text (``prefix``: for text starting so, as database criteria match)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "~" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out) + (".*" if prefix else "") + r"\Z", re.IGNORECASE | re.DOTALL)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _is_blank(v: Any) -> bool:
    return v is sh.EMPTY or v is None or (isinstance(v, str) and v == "")


def is_text_cell(v: Any) -> bool:
    """Whether a cell holds text: errors and the empty cell are str tokens too (the empty
    cell's text is "empty", which "*", "e*" or ">=a" once matched)."""
    return isinstance(v, str) and not isinstance(v, XlError) and v is not sh.EMPTY


def criterion_number(text: str) -> float | None:
    """Text a criterion reads as a number: a number ("80", "50%"), a time ("9:30") or a
    date ("3/1/2011", "2024-02-29") as its serial number; None otherwise."""
    x = text_number(text)
    if x is None:
        x = time_text(text)
    if x is None:
        x = date_time_text(text)
    return x


def operand_text(condition: Any) -> str | None:
    """The operand of a criterion written as text, case-folded (None for a number)."""
    if not isinstance(condition, str) or isinstance(condition, XlError) or condition is sh.EMPTY:
        return None
    op = next((o for o in _OPERATORS if condition.startswith(o)), "")
    return condition[len(op) :].casefold()


def parse(condition: Any) -> tuple[str, str, Any]:
    """A criterion as (operator, kind, operand); kind is number, bool, error, text or blank."""
    if condition is sh.EMPTY:  # a reference to an empty cell
        return "=", "number", 0.0
    if isinstance(condition, XlError):
        return "=", "error", condition
    if isinstance(condition, (bool, np.bool_)):
        return "=", "bool", bool(condition)
    if _is_number(condition):
        return "=", "number", float(condition)
    if _is_blank(condition):
        return "=", "blank", None
    text = str(condition)
    op = next((o for o in _OPERATORS if text.startswith(o)), "=")
    rest = text[len(op) :] if text.startswith(op) else text
    if rest == "":
        return op, "blank", None
    x = criterion_number(rest)
    if x is not None:
        return op, "number", x
    if rest.upper() in ("TRUE", "FALSE"):
        return op, "bool", rest.upper() == "TRUE"
    if rest.upper() in Error.errors:
        return op, "error", Error.errors[rest.upper()]
    return op, "text", rest


def matches(test_range: dict, condition: Any) -> np.ndarray:
    """Which cells of ``test_range["raw"]`` meet ``condition`` (see module doc)."""
    raw = np.asarray(test_range["raw"], dtype=object)
    op, kind, operand = parse(condition)
    flat = raw.ravel()
    if kind == "blank":
        if op == "<>":  # not empty: a formula's "" counts
            return np.fromiter((v is not sh.EMPTY and v is not None for v in flat), bool, flat.size).reshape(raw.shape)
        if op != "=":
            return np.zeros(raw.shape, dtype=bool)
        return np.fromiter((_is_blank(v) for v in flat), bool, flat.size).reshape(raw.shape)
    if op in ("=", "<>"):
        if kind == "text":
            pattern = wildcard_pattern(operand)
            eq = np.fromiter((is_text_cell(v) and pattern.match(v) is not None for v in flat), bool, flat.size)
        elif kind == "number":
            eq = np.fromiter((_is_number(v) and float(v) == operand for v in flat), bool, flat.size)
            if op == "=":
                # text reading as the number ("23"), or written as the criterion is ("2024-03-01")
                written = operand_text(condition)
                eq |= np.fromiter((is_text_cell(v) and (text_number(v) == operand or v.casefold() == written)
                                   for v in flat), bool, flat.size)
        elif kind == "bool":
            eq = np.fromiter((isinstance(v, (bool, np.bool_)) and bool(v) == operand for v in flat), bool, flat.size)
        else:
            eq = np.fromiter((v is operand for v in flat), bool, flat.size)
        return (~eq if op == "<>" else eq).reshape(raw.shape)
    compare = _OPERATORS[op]
    if kind == "number":
        hit = (_is_number(v) and compare(float(v), operand) for v in flat)
    elif kind == "text":
        key = operand.casefold()
        hit = (is_text_cell(v) and v != "" and compare(v.casefold(), key) for v in flat)
    elif kind == "bool":
        hit = (isinstance(v, (bool, np.bool_)) and compare(bool(v), operand) for v in flat)
    else:
        hit = (False for _ in flat)
    return np.fromiter(hit, bool, flat.size).reshape(raw.shape)


def _numbers(values: Any) -> np.ndarray:
    flat = np.ravel(np.asarray(values, dtype=object))
    for v in flat:
        if isinstance(v, XlError):
            return v
    return np.array([float(v) for v in flat if _is_number(v)], dtype=float)


def _accumulator(fn, empty):
    def accumulate(values: Any) -> Any:
        x = _numbers(values)
        if isinstance(x, XlError):
            return x
        return empty if x.size == 0 else float(fn(x))

    return accumulate


def _xfilter(accumulator, test_range, condition, operating_range=None):
    """`formulas`' single-criterion filter, keeping empty cells empty for :func:`matches`."""
    from formulas.functions import Array

    vectorized = __import__("formulas.functions", fromlist=["_xfilter"])._xfilter
    operating_range = test_range if operating_range is None else operating_range
    return vectorized(accumulator, operating_range, [{"raw": test_range}], condition).view(Array)


def _xfilters(accumulator, operating_range, test_range, condition, *args):
    from formulas.functions import Array

    if len(args) % 2:
        raise ValueError("criteria come in (range, condition) pairs")
    vectorized = __import__("formulas.functions", fromlist=["_xfilter"])._xfilter
    ranges = [{"raw": r} for r in (test_range, *args[0::2])]
    operating_range = test_range if operating_range is None else operating_range
    return vectorized(accumulator, operating_range, ranges, condition, *args[1::2]).view(Array)


def install_criteria() -> None:
    """Use :func:`matches` as `formulas`' criteria test, which all its COUNTIF-family
    functions share (its private ``__xfilter``: there is no public hook)."""
    import formulas.functions as ff

    setattr(ff, "__xfilter", matches)


def criteria_corrections() -> dict:
    """COUNTIF(S), SUMIF(S), AVERAGEIF(S), MINIFS and MAXIFS with Excel's accumulators."""
    import functools

    from formulas.functions import wrap_func

    out = {
        "COUNTIF": wrap_func(functools.partial(_xfilter, len, operating_range=None)),
        "COUNTIFS": wrap_func(functools.partial(_xfilters, len, None)),
    }
    div0 = Error.errors["#DIV/0!"]
    for name, fn, empty in (("SUM", np.sum, 0.0), ("AVERAGE", np.mean, div0), ("MIN", np.min, 0.0), ("MAX", np.max, 0.0)):
        acc = _accumulator(fn, empty)
        if name in ("SUM", "AVERAGE"):
            out[name + "IF"] = wrap_func(functools.partial(_xfilter, acc))
        out[name + "IFS"] = wrap_func(functools.partial(_xfilters, acc))
    return out
