"""Formula syntax trees back to text, and where each function call sits in a formula's text.

``kpi adopt`` replaces a part of a formula (a nested IF, a VLOOKUP, a SUMPRODUCT) with a
KPI_ call and keeps the rest exactly as written: the replaced part is found in the text by
its position (the n-th function call of the formula is the n-th call of the syntax tree,
read in pre-order, because the parser builds the tree in reading order), so functions
that the file stores with prefixes (``_xlfn.IFS``) and spacing stay as they were. Only
small expressions, such as the value a band table is looked up with, are rendered from the
tree by :func:`render`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..recalc.a1 import col_letters
from ..recalc.graph.parse import (
    MAX_COL,
    MAX_ROW,
    ArrayConst,
    Binary,
    Bool,
    Call,
    Err,
    Invoke,
    Missing,
    Name,
    Num,
    Ref,
    Spill,
    Str,
    StructRef,
    Unary,
)

_LEVEL = {"=": 0, "<>": 0, "<": 0, ">": 0, "<=": 0, ">=": 0, "&": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 4,
          ",": 8, " ": 9, ":": 10}  # the reference operators bind tightest (a union only in parentheses)
_PREFIX = 5
_POSTFIX = 6
_ATOM = 11
_PLAIN_SHEET = re.compile(r"[A-Za-z_\u00C0-\uFFFF][\w.\u00C0-\uFFFF]*")
_LOOKS_LIKE_REF = re.compile(r"(?i)^(?:[A-Z]{1,3}\d+|R\d*C\d*|R|C|TRUE|FALSE)$")


def number_text(x: float) -> str:
    """A number as a formula writes it: 0.55, 100, 1E-05."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = repr(float(x))
    return text.upper() if "e" in text else text


def sheet_prefix(sheet: str) -> str:
    if _PLAIN_SHEET.fullmatch(sheet) and not _LOOKS_LIKE_REF.match(sheet):
        return sheet + "!"
    return "'" + sheet.replace("'", "''") + "'!"


def _prefix(book: str | None, sheet: str | None, sheet2: str | None = None) -> str:
    """``Sheet!``, ``'Q 1'!``, ``Jan:Mar!``, ``[1]Rates!`` or ``[1]!``."""
    if sheet is None:
        return f"[{book}]!" if book is not None else ""
    name = sheet if sheet2 is None else f"{sheet}:{sheet2}"
    if book is not None:
        name = f"[{book}]{name}"
    plain = all(_PLAIN_SHEET.fullmatch(s) and not _LOOKS_LIKE_REF.match(s) for s in (sheet, sheet2) if s)
    return name + "!" if plain and book is None else "'" + name.replace("'", "''") + "'!"


def _struct_text(node: StructRef) -> str:
    def esc(name: str) -> str:
        return "".join("'" + ch if ch in "[]#'@" else ch for ch in name)

    parts = [f"[{item if item != '#THIS ROW' else '#This Row'}]" for item in node.items]
    if node.col1 is not None:
        cols = f"[{esc(node.col1)}]" + (f":[{esc(node.col2)}]" if node.col2 != node.col1 else "")
        parts.append(cols)
    table = node.table or ""
    if not parts:
        return table + "[]"
    if len(parts) == 1 and not parts[0].startswith("[#"):
        return table + parts[0]
    return table + "[" + ",".join(parts) + "]"


def ref_text(ref: Ref) -> str:
    prefix = _prefix(ref.book, ref.sheet, ref.sheet2)
    whole_cols = ref.row1 == 1 and ref.row2 == MAX_ROW
    whole_rows = ref.col1 == 1 and ref.col2 == MAX_COL
    if whole_cols and not whole_rows:
        return (f"{prefix}{'$' if ref.col1_abs else ''}{col_letters(ref.col1)}:"
                f"{'$' if ref.col2_abs else ''}{col_letters(ref.col2)}")
    if whole_rows and not whole_cols:
        return f"{prefix}{'$' if ref.row1_abs else ''}{ref.row1}:{'$' if ref.row2_abs else ''}{ref.row2}"

    def cell(row, col, row_abs, col_abs):
        return f"{'$' if col_abs else ''}{col_letters(col)}{'$' if row_abs else ''}{row}"

    first = cell(ref.row1, ref.col1, ref.row1_abs, ref.col1_abs)
    if ref.is_cell and (ref.row1_abs, ref.col1_abs) == (ref.row2_abs, ref.col2_abs):
        return prefix + first
    return prefix + first + ":" + cell(ref.row2, ref.col2, ref.row2_abs, ref.col2_abs)


def moved(node, dr: int):
    """The node as the formula reads ``dr`` rows further down (relative rows shifted)."""
    from dataclasses import replace

    if dr == 0:
        return node
    if isinstance(node, Ref):
        return replace(node, row1=node.row1 if node.row1_abs else node.row1 + dr,
                       row2=node.row2 if node.row2_abs else node.row2 + dr)
    if isinstance(node, Call):
        return Call(node.name, tuple(moved(a, dr) for a in node.args))
    if isinstance(node, Binary):
        return Binary(node.op, moved(node.left, dr), moved(node.right, dr))
    if isinstance(node, Unary):
        return Unary(node.op, moved(node.arg, dr))
    return node


def _atom(node) -> str:
    if isinstance(node, Num):
        return number_text(node.value)
    if isinstance(node, Str):
        return '"' + node.value.replace('"', '""') + '"'
    if isinstance(node, Bool):
        return "TRUE" if node.value else "FALSE"
    if isinstance(node, Err):
        return node.code
    if isinstance(node, Missing):
        return ""
    if isinstance(node, Ref):
        return ref_text(node)
    if isinstance(node, Name):
        return (_prefix(node.book, node.sheet) if (node.sheet or node.book) else "") + node.name
    if isinstance(node, StructRef):
        return _struct_text(node)
    if isinstance(node, Spill):
        return render(node.anchor, _ATOM) + "#"
    if isinstance(node, Invoke):
        return render(node.callee, _ATOM) + "(" + ",".join(render(a) for a in node.args) + ")"
    if isinstance(node, ArrayConst):
        return "{" + ";".join(",".join(_atom(x) for x in row) for row in node.rows) + "}"
    if isinstance(node, Call):
        return node.name + "(" + ",".join(render(a) for a in node.args) + ")"
    raise TypeError(f"cannot render {node!r}")


def _level(node) -> int:
    if isinstance(node, Binary):
        return _LEVEL[node.op]
    if isinstance(node, Unary) and node.op == "@":
        return _ATOM - 1
    if isinstance(node, Unary):
        return _POSTFIX if node.op == "%" else _PREFIX
    if isinstance(node, Num) and node.value < 0:
        return _PREFIX
    return _ATOM


def render(node, need: int = 0) -> str:
    """Formula text (without "=") that the parser reads back as ``node``; parentheses
    only where precedence needs them."""
    level = _level(node)
    if isinstance(node, Binary) and node.op == ",":
        return "(" + render(node.left, level) + "," + render(node.right, level + 1) + ")"
    if isinstance(node, Binary):
        text = render(node.left, level) + node.op + render(node.right, level + 1)
    elif isinstance(node, Unary) and node.op == "@":
        text = "@" + render(node.arg, _ATOM)
    elif isinstance(node, Unary) and node.op == "%":
        text = render(node.arg, _POSTFIX) + "%"
    elif isinstance(node, Unary):
        text = node.op + render(node.arg, _POSTFIX if isinstance(node.arg, Binary) else _PREFIX)
    else:
        text = _atom(node)
    return f"({text})" if level < need else text


# -- where calls sit in the text -----------------------------------------------------------

_SCAN = re.compile(
    r'"(?:[^"]|"")*"'  # a string
    r"|'(?:[^']|'')*'"  # a quoted sheet name
    r"|(?P<func>(?:_xlfn\.|_xlws\.)*[A-Za-z_\\][\w.]*)\("  # a function name and its "("
    r"|(?P<open>[({])|(?P<close>[)}])|(?P<comma>,)"
)


@dataclass
class CallSpan:
    """One function call in a formula's text: [start, end) and each argument's span."""

    name: str
    start: int
    end: int
    args: list[tuple[int, int]]


def call_spans(text: str) -> list[CallSpan]:
    """Every function call of ``text`` (a formula without "="), in reading order."""
    found: list[CallSpan] = []
    stack: list[CallSpan | None] = []  # None for a parenthesis or an array constant
    for m in _SCAN.finditer(text):
        if m.group("func"):
            span = CallSpan(m.group("func"), m.start(), -1, [])
            span.args.append((m.end(), -1))
            found.append(span)
            stack.append(span)
        elif m.group("open"):
            stack.append(None)
        elif m.group("close"):
            if not stack:
                return []
            top = stack.pop()
            if top is not None:
                top.end = m.end()
                start = top.args[-1][0]
                top.args[-1] = (start, m.start())
        elif m.group("comma"):
            top = stack[-1] if stack else None
            if top is not None:
                start = top.args[-1][0]
                top.args[-1] = (start, m.start())
                top.args.append((m.end(), -1))
    if stack or any(c.end < 0 for c in found):
        return []
    for c in found:
        if c.args == [(c.args[0][0], c.end - 1)] and not text[c.args[0][0]:c.end - 1].strip():
            c.args = []  # f(): no argument
    return found


def children(node) -> tuple:
    """The operands of a syntax node (its arguments, its two sides), in reading order."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.arg,)
    if isinstance(node, Invoke):
        return (node.callee, *node.args)
    if isinstance(node, Spill):
        return (node.anchor,)
    return ()


def nodes(node):
    """Every node of a syntax tree in pre-order (reading order)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def calls_in_order(node) -> list[Call]:
    """The Call nodes of a syntax tree in pre-order: the order their names are written."""
    return [n for n in nodes(node) if isinstance(n, Call)]


def source_text(text: str, tree, node) -> str | None:
    """The text a Call node of ``tree`` has in ``text``, as typed (with its ``_xlfn.`` prefixes)."""
    calls = calls_in_order(tree)
    spans = call_spans(text)
    if len(calls) != len(spans):
        return None
    for call, span in zip(calls, spans, strict=True):
        if call is node:
            return text[span.start:span.end]
    return None


def replace_parts(text: str, tree, replacements: dict[int, str]) -> str | None:
    """``text`` with some nodes of its ``tree`` replaced (keys are ``id(node)``): a node
    may be the whole formula, a function call, or a whole argument of a call. None when
    a node is none of these (or the text and the tree disagree)."""
    if id(tree) in replacements:
        return replacements[id(tree)]
    calls = calls_in_order(tree)
    spans = call_spans(text)
    if len(calls) != len(spans):
        return None
    where: dict[int, tuple[int, int]] = {}
    for call, span in zip(calls, spans, strict=True):
        if call.name.upper() not in span.name.upper():
            return None
        where[id(call)] = (span.start, span.end)
        if len(span.args) == len(call.args):
            for arg, (a, b) in zip(call.args, span.args, strict=True):
                if id(arg) not in where:
                    where[id(arg)] = (a, b)
    edits = []
    for node_id, new in replacements.items():
        if node_id not in where:
            return None
        a, b = where[node_id]
        # keep the spaces around an argument
        raw = text[a:b]
        a += len(raw) - len(raw.lstrip())
        b -= len(raw) - len(raw.rstrip())
        edits.append((a, b, new))
    edits.sort()
    out, pos = [], 0
    for a, b, new in edits:
        if a < pos:
            return None  # nested replacements
        out.append(text[pos:a])
        out.append(new)
        pos = b
    out.append(text[pos:])
    return "".join(out)
