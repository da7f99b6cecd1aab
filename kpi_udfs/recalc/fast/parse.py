"""Excel formulas (A1 style) as a small syntax tree, for the fast path's compiler.

Excel's grammar with its precedences, lowest first: comparisons (``= <> < > <= >=``),
``&``, ``+ -``, ``* /``, ``^``, postfix ``%``, prefix ``- +``, then operands (numbers,
"text", TRUE/FALSE, #errors, cell references and ranges, defined names, function calls,
``{array, constants}``, parentheses). Binary operators are left-associative
(``2^3^2`` is 64) and a prefix minus binds tighter than ``^`` (``-2^2`` is 4), as in
Excel and `formulas`.

Anything outside that (structured references, external books, the intersection and
union operators, R1C1 text) raises :class:`FormulaSyntax`: such a formula is left to
the cell-by-cell path, which knows the whole language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import CODES
from ..a1 import col_number

MAX_ROW = 1_048_576
MAX_COL = 16_384


class FormulaSyntax(Exception):
    """Not a formula the fast path parses."""


# -- syntax tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class Err:
    code: str


@dataclass(frozen=True)
class Missing:
    """An omitted function argument (``KPI_GRADE(J2,Lo,Lab,,,"ERROR")``)."""


@dataclass(frozen=True)
class Ref:
    """A cell or rectangular range; ``*_abs`` marks the ``$`` parts. Rows and columns
    are 1-based; a whole column has rows 1…MAX_ROW with both ends absolute."""

    sheet: str | None
    row1: int
    col1: int
    row2: int
    col2: int
    row1_abs: bool
    col1_abs: bool
    row2_abs: bool
    col2_abs: bool

    @property
    def is_cell(self) -> bool:
        return self.row1 == self.row2 and self.col1 == self.col2


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+", "%"
    arg: object


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Call:
    name: str  # upper-case, without _xlfn./_xlws. prefixes
    args: tuple


@dataclass(frozen=True)
class ArrayConst:
    rows: tuple  # tuple of tuples of Num/Str/Bool/Err


# -- tokens --------------------------------------------------------------------------

_SHEET = r"(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_ERRORS = "|".join(re.escape(c) for c in CODES)
_REF = (
    rf"(?P<sheet>{_SHEET})?"
    rf"(?:(?P<cell1>{_CELL})(?::(?P<cell2>{_CELL}))?"
    r"|(?P<cols>\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3})"
    r"|(?P<rows>\$?\d+:\$?\d+))"
    r"(?![\w.(\[!])"
)
_TOKEN = re.compile(
    "|".join(
        (
            r"(?P<ws>\s+)",
            r'(?P<string>"(?:[^"]|"")*")',
            rf"(?P<error>{_ERRORS})",
            rf"(?P<ref>{_REF})",
            r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)",
            r"(?P<func>(?:_xlfn\.|_xlws\.)*[A-Za-z_\\][\w.]*)\(",
            r"(?P<name>[^\W\d][\w.]*(?![\w.\[!]))",
            r"(?P<op><>|<=|>=|[-+*/^&=<>%(),;{}:@!\[\]'#])",
        )
    )
)


_CELL_PARTS = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


def _cell(text: str) -> tuple[int, int, bool, bool]:
    m = _CELL_PARTS.fullmatch(text)
    col, row = col_number(m.group(2)), int(m.group(4))
    if not (1 <= col <= MAX_COL and 1 <= row <= MAX_ROW):
        raise FormulaSyntax(f"{text} is outside the sheet")
    return row, col, bool(m.group(3)), bool(m.group(1))


def _sheet_name(prefix: str | None) -> str | None:
    if not prefix:
        return None
    s = prefix[:-1]
    if s.startswith("'"):
        s = s[1:-1].replace("''", "'")
    if s.startswith("[") or ("[" in s and "]" in s):
        raise FormulaSyntax("reference to another workbook")
    return s


def _ref(m: re.Match) -> Ref:
    sheet = _sheet_name(m.group("sheet"))
    if m.group("cell1"):
        r1, c1, r1a, c1a = _cell(m.group("cell1"))
        if m.group("cell2"):
            r2, c2, r2a, c2a = _cell(m.group("cell2"))
        else:
            r2, c2, r2a, c2a = r1, c1, r1a, c1a
    elif m.group("cols"):
        a, b = m.group("cols").split(":")
        c1, c2 = col_number(a.lstrip("$")), col_number(b.lstrip("$"))
        if not (c1 <= MAX_COL and c2 <= MAX_COL):
            raise FormulaSyntax("column outside the sheet")
        r1, r2, r1a, r2a = 1, MAX_ROW, True, True
        c1a, c2a = a.startswith("$"), b.startswith("$")
    else:
        a, b = m.group("rows").split(":")
        r1, r2 = int(a.lstrip("$")), int(b.lstrip("$"))
        if not (1 <= r1 <= MAX_ROW and 1 <= r2 <= MAX_ROW):
            raise FormulaSyntax("row outside the sheet")
        c1, c2, c1a, c2a = 1, MAX_COL, True, True
        r1a, r2a = a.startswith("$"), b.startswith("$")
    # a range written backwards (B5:A1) means the same rectangle
    if r1 > r2:
        r1, r2, r1a, r2a = r2, r1, r2a, r1a
    if c1 > c2:
        c1, c2, c1a, c2a = c2, c1, c2a, c1a
    return Ref(sheet, r1, c1, r2, c2, r1a, c1a, r2a, c2a)


def tokenize(text: str) -> list[tuple[str, object]]:
    """(type, value) tokens of a formula without its leading ``=``."""
    out: list[tuple[str, object]] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaSyntax(f"cannot read {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind in ("sheet", "cell1", "cell2", "cols", "rows"):
            kind = "ref"
        if kind == "ws":
            out.append(("ws", None))
        elif kind == "string":
            out.append(("str", m.group("string")[1:-1].replace('""', '"')))
        elif kind == "error":
            out.append(("err", m.group("error")))
        elif kind == "ref":
            out.append(("ref", _ref(m)))
        elif kind == "number":
            out.append(("num", float(m.group("number"))))
        elif kind == "func":
            name = m.group("func").upper()
            while name.startswith(("_XLFN.", "_XLWS.")):
                name = name[6:]
            out.append(("func", name))
        elif kind == "name":
            word = m.group("name")
            up = word.upper()
            if up in ("TRUE", "FALSE"):
                out.append(("bool", up == "TRUE"))
            else:
                out.append(("name", word))
        else:
            op = m.group("op")
            if op in ("!", "[", "]", "'", "#", "@"):
                raise FormulaSyntax(f"unsupported syntax {op!r}")
            out.append(("op", op))
    # spaces matter only as the intersection operator: between two operands
    tokens: list[tuple[str, object]] = []
    for i, t in enumerate(out):
        if t[0] != "ws":
            tokens.append(t)
            continue
        prev = tokens[-1] if tokens else None
        nxt = next((u for u in out[i + 1:] if u[0] != "ws"), None)
        if prev and nxt and _ends_operand(prev) and _starts_operand(nxt):
            raise FormulaSyntax("intersection operator")
    return tokens


def _ends_operand(t) -> bool:
    return t[0] in ("ref", "name", "num", "str", "bool", "err") or t == ("op", ")")


def _starts_operand(t) -> bool:
    return t[0] in ("ref", "name", "num", "str", "bool", "err", "func") or t == ("op", "(")


# -- parser --------------------------------------------------------------------------

_LEVELS = (
    ("=", "<>", "<", ">", "<=", ">="),
    ("&",),
    ("+", "-"),
    ("*", "/"),
    ("^",),
)


class _Parser:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, op):
        tok = self.take()
        if tok != ("op", op):
            raise FormulaSyntax(f"expected {op!r}")

    def expr(self, level=0):
        if level == len(_LEVELS):
            return self.unary()
        left = self.expr(level + 1)
        while True:
            kind, val = self.peek()
            if kind == "op" and val in _LEVELS[level]:
                self.i += 1
                left = Binary(val, left, self.expr(level + 1))
            else:
                return left

    def unary(self):
        kind, val = self.peek()
        if kind == "op" and val in ("-", "+"):
            self.i += 1
            return Unary(val, self.unary())
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.i += 1
            node = Unary("%", node)
        return node

    def primary(self):
        kind, val = self.take()
        if kind == "num":
            return Num(val)
        if kind == "str":
            return Str(val)
        if kind == "bool":
            return Bool(val)
        if kind == "err":
            return Err(val)
        if kind == "ref":
            if self.peek() == ("op", ":"):
                raise FormulaSyntax("range built with ':' from expressions")
            return val
        if kind == "name":
            if self.peek() == ("op", ":"):
                raise FormulaSyntax("range built with ':' from a name")
            return Name(val)
        if kind == "func":
            return Call(val, self.arguments())
        if (kind, val) == ("op", "("):
            node = self.expr()
            if self.peek() == ("op", ","):
                raise FormulaSyntax("union operator")
            self.expect(")")
            return node
        if (kind, val) == ("op", "{"):
            return self.array()
        raise FormulaSyntax(f"unexpected {val!r}")

    def arguments(self):
        args = []
        if self.peek() == ("op", ")"):
            self.i += 1
            return ()
        while True:
            if self.peek() in (("op", ","), ("op", ")")):
                args.append(Missing())
            else:
                args.append(self.expr())
            kind, val = self.take()
            if (kind, val) == ("op", ")"):
                return tuple(args)
            if (kind, val) != ("op", ","):
                raise FormulaSyntax("expected ',' or ')'")

    def array(self):
        rows, row = [], []
        while True:
            kind, val = self.take()
            sign = 1.0
            if (kind, val) == ("op", "-"):
                sign = -1.0
                kind, val = self.take()
            if kind == "num":
                row.append(Num(sign * val))
            elif sign < 0:
                raise FormulaSyntax("bad array constant")
            elif kind == "str":
                row.append(Str(val))
            elif kind == "bool":
                row.append(Bool(val))
            elif kind == "err":
                row.append(Err(val))
            else:
                raise FormulaSyntax("bad array constant")
            kind, val = self.take()
            if (kind, val) == ("op", ","):
                continue
            if (kind, val) == ("op", ";"):
                rows.append(tuple(row))
                row = []
                continue
            if (kind, val) == ("op", "}"):
                rows.append(tuple(row))
                if len({len(r) for r in rows}) != 1:
                    raise FormulaSyntax("ragged array constant")
                return ArrayConst(tuple(rows))
            raise FormulaSyntax("bad array constant")


def parse(formula: str):
    """The syntax tree of ``formula`` (with or without its leading ``=``)."""
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    if text.startswith("{") and text.endswith("}") and text[1:2] == "=":
        raise FormulaSyntax("array formula text")
    tokens = tokenize(text)
    p = _Parser(tokens)
    node = p.expr()
    if p.i != len(tokens):
        raise FormulaSyntax("unexpected text after the formula")
    return node

