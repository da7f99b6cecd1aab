"""Searching in text as Excel does: TEXTBEFORE, TEXTAFTER, SEARCH and the REGEX functions.

SEARCH reads ? * and ~ as Excel's wildcards (:func:`wildcard_pattern`); REGEXEXTRACT
spills every match (return_mode 1) or the groups (2) as a row, REGEXREPLACE reads
$1 as a group, REGEXTEST looks anywhere in the text (each function's docstring says
whose cached values show it).

TEXTBEFORE and TEXTAFTER follow Microsoft's TEXTBEFORE/TEXTAFTER pages, with the edges read from the cached values of
IronCalc's TEXT__TEXTBEFORE_TEXTAFTER test book (saved by Excel), whose reading
IronCalc's own implementation follows:

* the n-th occurrence of the delimiter (any of them, for an array of delimiters) is
  counted at every position, overlapping ones too; a negative instance_num counts from
  the end; instance_num is rounded down (-1.2 is -2); 0 is #VALUE!;
* match_mode 0 matches case, 1 ignores it; match_end must be 0 or 1 (1
  counts the end of the text, or its start for a negative instance, as one more
  delimiter);
* a delimiter longer than the text is #VALUE! when instance_num or any later argument
  is given, #N/A otherwise; a match_mode or match_end other than 0 or 1 is #VALUE!;
* not found: if_not_found when given (an empty cell is ""), else #N/A; an error in
  if_not_found matters only when it is used;
* numbers and TRUE/FALSE are read as the text they show; the text, instance_num,
  match_mode, match_end and if_not_found may be arrays (one result each).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, wrap_func
from formulas.tokens.operand import Error, XlError

from ..evaluate.vec import number_to_text
from .bridge import is_omitted
from .conversions import single
from .text import _elementwise

_VALUE = Error.errors["#VALUE!"]
_NA = Error.errors["#N/A"]


def as_text(v: Any) -> str:
    """A single value as the text Excel's text functions read."""
    if isinstance(v, XlError):
        raise FoundError(err=v)
    if v is sh.EMPTY or v is None or is_omitted(v):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return number_to_text(float(v))
    return str(v)


def _number(v: Any, default: float) -> float:
    """A numeric argument: left out, its default; an empty cell, 0."""
    if isinstance(v, XlError):
        raise FoundError(err=v)
    if v is None or is_omitted(v):
        return default
    if v is sh.EMPTY:
        return 0.0
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, str):
        from .conversions import text_number

        x = text_number(v)
        if x is None:
            raise FoundError(err=_VALUE)
        return x
    return float(v)


def _occurrence(text: str, delimiters: list[str], n: int) -> tuple[int, int] | None:
    """(start, end) of the n-th occurrence (from the end for n < 0), overlaps counted."""
    positions = range(len(text) + 1) if n > 0 else range(len(text), -1, -1)
    count = 0
    for i in positions:
        for d in delimiters:
            if text.startswith(d, i):
                count += 1
                if count == abs(n):
                    return i, i + len(d)
                break
    return None


def _split(after: bool, text: Any, delimiters: list[str], given: int, instance: Any, mode: Any, end: Any,
           if_not_found: Any) -> Any:
    s = as_text(text)
    n = math.floor(_number(instance, 1.0))
    mode_n = math.trunc(_number(mode, 0.0))
    match_end = _number(end, 0.0)
    if n == 0 or abs(n) > len(s):
        raise FoundError(err=_VALUE)
    if min(len(d) for d in delimiters) > len(s):
        raise FoundError(err=_VALUE if given > 2 else _NA)
    if match_end not in (0.0, 1.0) or mode_n not in (0, 1):
        raise FoundError(err=_VALUE)
    insensitive = mode_n == 1
    hay, keys = (s.lower(), [d.lower() for d in delimiters]) if insensitive else (s, delimiters)
    found = _occurrence(hay, keys, n)
    if found is None and match_end == 1.0:
        count = sum(1 for _ in _all(hay, keys))
        if abs(n) == count + 1:
            found = (len(s), len(s)) if n > 0 else (0, 0)
    if found is None:
        if given < 6:
            raise FoundError(err=_NA)
        if isinstance(if_not_found, XlError):
            raise FoundError(err=if_not_found)
        return "" if if_not_found is sh.EMPTY or is_omitted(if_not_found) else if_not_found
    return s[found[1]:] if after else s[: found[0]]


def _all(text: str, delimiters: list[str]):
    for i in range(len(text) + 1):
        if any(text.startswith(d, i) for d in delimiters):
            yield i


def _text_split(after: bool):
    def fn(text, delimiter, instance_num=None, match_mode=None, match_end=None, if_not_found=None):
        given = 2 + sum(a is not None for a in (instance_num, match_mode, match_end, if_not_found))
        if isinstance(delimiter, XlError):
            raise FoundError(err=delimiter)
        delimiters = [as_text(d) for d in np.asarray(delimiter, dtype=object).ravel()]
        if not delimiters:
            raise FoundError(err=_VALUE)
        rest = [text, instance_num, match_mode, match_end, if_not_found]
        grids = [np.asarray(a, dtype=object) if isinstance(a, np.ndarray) else None for a in rest]
        if all(g is None or g.size == 1 for g in grids):
            one = [a.ravel()[0] if isinstance(a, np.ndarray) else a for a in rest]
            return _split(after, one[0], delimiters, given, *one[1:])
        shaped = [np.full((1, 1), a, dtype=object) if g is None else (g.reshape(1, -1) if g.ndim < 2 else g)
                  for a, g in zip(rest, grids, strict=True)]
        try:
            shaped = np.broadcast_arrays(*shaped)
        except ValueError:
            raise FoundError(err=_VALUE) from None
        out = np.empty(shaped[0].shape, dtype=object)
        for idx in np.ndindex(out.shape):
            try:
                out[idx] = _split(after, shaped[0][idx], delimiters, given, *(g[idx] for g in shaped[1:]))
            except FoundError as ex:
                out[idx] = ex.err
        return out.view(Array)

    return fn


CORRECTIONS = {"TEXTBEFORE": wrap_func(_text_split(False)), "TEXTAFTER": wrap_func(_text_split(True))}


def _regex_values(text: Any, pattern: Any, mode: Any, case: Any) -> list:
    """REGEXEXTRACT's values for one text: the first match (mode 0), every match (1) or
    the first match's groups (2; a group that took no part is #N/A, no groups #VALUE!);
    no match #N/A."""
    s, p = as_text(text), as_text(pattern)
    m = math.trunc(_number(mode, 0.0))
    c = math.trunc(_number(case, 0.0))
    if m not in (0, 1, 2) or c not in (0, 1):
        raise FoundError(err=_VALUE)
    try:
        rx = re.compile(p, re.IGNORECASE if c == 1 else 0)
    except re.error:
        raise FoundError(err=_VALUE) from None
    if m == 1:
        found = [x.group(0) for x in rx.finditer(s)]
        if not found:
            raise FoundError(err=_NA)
        return found
    first = rx.search(s)
    if first is None:
        raise FoundError(err=_NA)
    if m == 0:
        return [first.group(0)]
    if not first.groups():
        raise FoundError(err=_VALUE)
    return [_NA if g is None else g for g in first.groups()]


def xregexextract(text, pattern, return_mode=None, case_sensitivity=None):
    """REGEXEXTRACT (Microsoft's page; cached values of IronCalc's TEXT__REGEX book and
    the `formulas` test book): several values spill as a row; over an array of texts,
    each element gives its first value."""
    args = [text, pattern, return_mode, case_sensitivity]
    grids = [np.asarray(a, dtype=object) if isinstance(a, np.ndarray) else None for a in args]
    if all(g is None or g.size == 1 for g in grids):
        one = [a.ravel()[0] if isinstance(a, np.ndarray) else a for a in args]
        for a in one:
            if isinstance(a, XlError):
                raise FoundError(err=a)
        return np.array([_regex_values(*one)], dtype=object).view(Array)
    shaped = [np.full((1, 1), a, dtype=object) if g is None else (g.reshape(1, -1) if g.ndim < 2 else g)
              for a, g in zip(args, grids, strict=True)]
    try:
        shaped = np.broadcast_arrays(*shaped)
    except ValueError:
        raise FoundError(err=_VALUE) from None
    out = np.empty(shaped[0].shape, dtype=object)
    for idx in np.ndindex(out.shape):
        try:
            cells = [g[idx] for g in shaped]
            bad = next((c for c in cells if isinstance(c, XlError)), None)
            if bad is not None:
                raise FoundError(err=bad)
            out[idx] = _regex_values(*cells)[0]
        except FoundError as ex:
            out[idx] = ex.err
    return out.view(Array)


CORRECTIONS["REGEXEXTRACT"] = wrap_func(xregexextract)


def _regex(pattern: Any, case: Any):
    c = math.trunc(_number(case, 0.0))
    if c not in (0, 1):
        raise FoundError(err=_VALUE)
    try:
        return re.compile(as_text(pattern), re.IGNORECASE if c == 1 else 0)
    except re.error:
        raise FoundError(err=_VALUE) from None


def _expand(match, replacement: str) -> str:
    """A REGEXREPLACE replacement: $n (or ${n}) is group n, $$ a dollar sign."""

    def group(m):
        if m.group(0) == "$$":
            return "$"
        n = m.group(1) or m.group(2)
        try:
            return match.group(int(n) if n.isdigit() else n) or ""
        except (IndexError, re.error):
            return m.group(0)

    return re.sub(r"\$\$|\$(\d+)|\$\{(\w+)\}", group, replacement)


def xregexreplace(text, pattern, replacement, occurrence=None, case_sensitivity=None):
    """REGEXREPLACE (Microsoft's page; IronCalc's TEXT__REGEX book): occurrence 0 (the
    default) replaces every match, n the n-th, -n the n-th from the end; over arrays,
    element by element."""
    s, rx = as_text(single(text)), _regex(single(pattern), single(case_sensitivity))
    repl = as_text(single(replacement))
    n = math.trunc(_number(single(occurrence), 0.0))
    matches = list(rx.finditer(s))
    chosen = matches if n == 0 else ([matches[n - 1]] if 0 < n <= len(matches) else
                                     [matches[n]] if -len(matches) <= n < 0 else [])
    out, at = [], 0
    for m in chosen:
        out.append(s[at:m.start()])
        out.append(_expand(m, repl))
        at = m.end()
    out.append(s[at:])
    return "".join(out)


def xregextest(text, pattern, case_sensitivity=None):
    """REGEXTEST: whether the pattern matches anywhere in the text."""
    return _regex(single(pattern), single(case_sensitivity)).search(as_text(single(text))) is not None


CORRECTIONS["REGEXREPLACE"] = wrap_func(_elementwise(xregexreplace))
CORRECTIONS["REGEXTEST"] = wrap_func(_elementwise(xregextest))


def wildcard_pattern(find: str) -> str:
    """A SEARCH pattern as a regular expression: ? any one character, * any run, ~
    makes the next character literal (a final ~ stands for nothing)."""
    out, i = [], 0
    while i < len(find):
        ch = find[i]
        if ch == "~":
            if i + 1 < len(find):
                out.append(re.escape(find[i + 1]))
            i += 2
            continue
        out.append("." if ch == "?" else ".*?" if ch == "*" else re.escape(ch))
        i += 1
    return "".join(out)


def xsearch(find_text, within_text, start_num=None):
    """SEARCH: where find_text first occurs in within_text from start_num on, ignoring
    case, with wildcards (IronCalc's TEXT__FIND_SEARCH book: SEARCH("~","Hello") is 1,
    SEARCH("~d","My dear") 4, SEARCH(2,123) 2); not found, or a start_num below 1 or
    past the text, #VALUE!."""
    find, within = as_text(single(find_text)), as_text(single(within_text))
    start = math.trunc(_number(single(start_num), 1.0))
    if start < 1 or start > len(within) + (0 if find else 1):
        raise FoundError(err=_VALUE)
    m = re.compile(wildcard_pattern(find), re.IGNORECASE | re.DOTALL).search(within, start - 1)
    if m is None:
        raise FoundError(err=_VALUE)
    return float(m.start() + 1)


CORRECTIONS["SEARCH"] = wrap_func(_elementwise(xsearch))
