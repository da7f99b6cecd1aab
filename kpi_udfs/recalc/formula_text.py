"""Formula text as tokens, so it can be inspected and rewritten before `formulas` parses it.

Rewriting a formula (structured references to A1 ranges, sheet-level names to their
values, namespaced custom-function names) must never touch text inside string literals
or quoted sheet names; the scanner here splits a formula into exactly those pieces.
It is not a parser: anything it does not recognise passes through as ``other`` text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

STRING = "string"  # "text" with "" escapes
QUOTED = "quoted"  # 'Sheet name' with '' escapes
BRACKET = "bracket"  # [...] with nesting and '-escapes: structured references, [1] book indexes
IDENT = "ident"  # a name: function, defined name, table, cell reference, TRUE
OTHER = "other"  # operators, numbers, punctuation, spaces


@dataclass(frozen=True)
class Piece:
    kind: str
    text: str


def _is_ident_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_\\"


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_.\\"


def _end_of_bracket(s: str, i: int) -> int:
    """Index just past the bracket group opening at ``s[i] == "["``."""
    depth = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if ch == "'" and i + 1 < n:  # escape of the next character inside table specifiers
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _end_of_quoted(s: str, i: int, quote: str) -> int:
    n = len(s)
    i += 1
    while i < n:
        if s[i] == quote:
            if i + 1 < n and s[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n


def scan(formula: str) -> Iterator[Piece]:
    """Split formula text into :class:`Piece` objects; joining their texts gives it back."""
    s, i, n = formula, 0, len(formula)
    other_start = 0

    def flush(upto: int) -> Iterator[Piece]:
        if upto > other_start:
            yield Piece(OTHER, s[other_start:upto])

    while i < n:
        ch = s[i]
        kind = None
        if ch == '"':
            j, kind = _end_of_quoted(s, i, '"'), STRING
        elif ch == "'":
            j, kind = _end_of_quoted(s, i, "'"), QUOTED
        elif ch == "[":
            j, kind = _end_of_bracket(s, i), BRACKET
        elif _is_ident_start(ch) and not (i > 0 and (s[i - 1].isdigit() or s[i - 1] == ".")):
            j = i + 1
            while j < n and _is_ident_char(s[j]):
                j += 1
            kind = IDENT
        elif ch.isdigit():  # a number such as 1E+5 or 2.5 stays one piece of other text
            j = i + 1
            while j < n and (s[j].isalnum() or s[j] == "."):
                j += 1
            i = j
            continue
        if kind is None:
            i += 1
            continue
        yield from flush(i)
        yield Piece(kind, s[i:j])
        i = other_start = j
    yield from flush(n)


_FUNCTION_CALL = re.compile(r"\s*\(")


def function_names(formula: str) -> list[str]:
    """Upper-case names of the functions a formula calls, in order of appearance."""
    pieces = list(scan(formula))
    names = []
    for k, p in enumerate(pieces):
        if p.kind == IDENT and k + 1 < len(pieces):
            nxt = pieces[k + 1]
            if nxt.kind == OTHER and nxt.text.startswith("("):
                names.append(p.text.upper())
    return names


def join(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces)
