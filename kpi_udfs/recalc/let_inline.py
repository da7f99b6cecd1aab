"""LET written out: each name replaced by its value, so `formulas` never sees a LET.

`formulas` 1.3.4 parses ``LET`` itself but fails when one binding uses an earlier one
(``LET(x,2,y,x+1,y)``: a dispatcher error) or when a value is an array constant
(``LET(x,{1,2,3},x+1)``: the commas inside the braces split its arguments). Excel's LET
only names intermediate results (Microsoft: "LET assigns names to calculation
results"), so for the pure functions of a workbook ``LET(n1,v1,n2,v2,…,body)`` is
``body`` with every ``n2`` replaced by ``(v2)``, where ``v2`` itself has ``n1``
replaced by ``(v1)``, and so on. Volatile values (RAND…) would be drawn once per use
instead of once, which no compared result depends on; a LET whose name is reused as a
LAMBDA parameter inside it (shadowing) is left to `formulas` as it is.
"""

from __future__ import annotations

from .formula_text import IDENT, OTHER, scan

#: Past this length the written-out formula is not worth it: the LET is kept.
MAX_LENGTH = 20_000
_LET = ("LET", "_XLFN.LET")


def _atomic_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every piece commas and parentheses inside do not count in."""
    spans, pos = [], 0
    for p in scan(text):
        if p.kind not in (IDENT, OTHER):
            spans.append((pos, pos + len(p.text)))
        pos += len(p.text)
    return spans


def _arguments(text: str, open_at: int) -> tuple[list[str], int] | None:
    """The top-level arguments of the call whose "(" is at ``open_at``, and the index of
    its ")"; None when the parentheses do not close."""
    skip = dict(_atomic_spans(text))
    depth, start, args = 0, open_at + 1, []
    i = open_at
    while i < len(text):
        if i in skip:
            i = skip[i]
            continue
        ch = text[i]
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth == 0:
                args.append(text[start:i])
                return args, i
        elif ch == "," and depth == 1:
            args.append(text[start:i])
            start = i + 1
        i += 1
    return None


def _substitute(text: str, name: str, value: str) -> str:
    """``text`` with each use of the name ``name`` replaced by ``(value)``."""
    key = name.upper()
    out = []
    for p in scan(text):
        out.append(f"({value})" if p.kind == IDENT and p.text.upper() == key else p.text)
    return "".join(out)


def _shadowed(names: list[str], args: list[str]) -> bool:
    """A name of the LET reused as a parameter of a LAMBDA or LET inside it."""
    keys = {n.upper() for n in names}
    for a in args:
        pieces = list(scan(a))
        for k, p in enumerate(pieces):
            if p.kind == IDENT and p.text.upper() in ("LAMBDA", "_XLFN.LAMBDA", *_LET):
                if any(q.kind == IDENT and q.text.upper() in keys for q in pieces[k + 1 :]):
                    return True
    return False


def _let_calls(text: str) -> list[tuple[int, int]]:
    """(start of the name, index of its "(") of each LET call, in order."""
    calls, pos = [], 0
    pieces = list(scan(text))
    for k, p in enumerate(pieces):
        if p.kind == IDENT and p.text.upper() in _LET and k + 1 < len(pieces):
            nxt = pieces[k + 1]
            if nxt.kind == OTHER and nxt.text.lstrip().startswith("("):
                calls.append((pos, pos + len(p.text) + nxt.text.index("(")))
        pos += len(p.text)
    return calls


def inline_let(formula: str) -> str:
    """``formula`` with every LET written out (unchanged when one cannot be)."""
    if "LET" not in formula.upper():
        return formula
    text = formula
    while True:
        calls = _let_calls(text)
        if not calls:
            return text
        start, open_at = calls[-1]  # the last one holds no other LET
        found = _arguments(text, open_at)
        if found is None:
            return formula
        args, close_at = found
        if len(args) < 3 or len(args) % 2 == 0:
            return formula
        names = [a.strip() for a in args[:-1:2]]
        pieces = [list(scan(n)) for n in names]
        if any(len(p) != 1 or p[0].kind != IDENT for p in pieces) or _shadowed(names, args[1:]):
            return formula
        values: list[str] = []
        for i, v in enumerate(args[1:-1:2]):
            for n, earlier in zip(names[:i], values, strict=True):
                v = _substitute(v, n, earlier)
            values.append(v.strip())
        body = args[-1]
        for n, v in zip(names, values, strict=True):
            body = _substitute(body, n, v)
        text = f"{text[:start]}({body.strip()}){text[close_at + 1:]}"
        if len(text) > MAX_LENGTH:
            return formula
