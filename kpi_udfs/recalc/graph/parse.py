"""Excel formulas (A1 style, as stored in .xlsx) as a small syntax tree.

The whole language a saved workbook can hold: numbers, "text", TRUE/FALSE, error
literals (``#N/A``), cell references and ranges (``$A$1``, ``A:A``, ``3:3``), sheet
prefixes (``'Q1 data'!B2``), 3-D references (``Jan:Mar!B2``), references into other
workbooks (``[1]Rates!A1``, ``[1]!Name``), defined names (``Bonus``, ``Staff!Bonus``),
structured references to Tables (``Staff[Score]``, ``[@Score]``,
``Staff[[#This Row],[Q1]:[Q4]]``), function calls with omitted arguments, array constants
``{1,2;3,4}``, and every operator with Excel's precedence, tightest first:

====================  =====================================================
``:``                 range between two references (``A1:INDEX(B:B,5)``)
space                 intersection of two references (``B2:D5 C1:C9``)
``,`` in parentheses  union of references (``SUM((A1:A3,C1:C3))``)
``@`` ``#``           implicit intersection (prefix), spilled range (postfix)
``-`` ``+``           negation (prefix: ``-2^2`` is 4, as in Excel)
``%``                 percent (postfix)
``^``                 exponent (left-associative: ``2^3^2`` is 64)
``*`` ``/``
``+`` ``-``
``&``
``= <> < > <= >=``
====================  =====================================================

Limits are Excel's own (8,192 characters per formula, 64 levels of nesting), so a
crafted formula cannot make the parser recurse or allocate without bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import CODES
from ...i18n import _
from ..a1 import col_number

MAX_ROW = 1_048_576
MAX_COL = 16_384
#: Excel's limits on a formula: characters, nesting of functions and parentheses.
MAX_FORMULA_CHARS = 8192
MAX_NESTING = 64


class FormulaSyntax(Exception):
    """Not a formula Excel could have saved (or beyond Excel's limits)."""


# -- syntax tree ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Str:
    value: str


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool


@dataclass(frozen=True, slots=True)
class Err:
    code: str


@dataclass(frozen=True, slots=True)
class Missing:
    """An omitted function argument (``KPI_GRADE(J2,Lo,Lab,,,"ERROR")``)."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A cell or rectangular range; ``*_abs`` marks the ``$`` parts. Rows and columns
    are 1-based; a whole column spans rows 1…MAX_ROW (both ends absolute), a whole row
    columns 1…MAX_COL. ``sheet2`` is the last sheet of a 3-D reference; ``book`` the
    external-workbook index of ``[1]Sheet!A1``."""

    sheet: str | None
    row1: int
    col1: int
    row2: int
    col2: int
    row1_abs: bool
    col1_abs: bool
    row2_abs: bool
    col2_abs: bool
    sheet2: str | None = None
    book: str | None = None

    @property
    def is_cell(self) -> bool:
        return self.row1 == self.row2 and self.col1 == self.col2

    @property
    def whole_columns(self) -> bool:
        return self.row1 == 1 and self.row2 == MAX_ROW

    @property
    def whole_rows(self) -> bool:
        return self.col1 == 1 and self.col2 == MAX_COL


@dataclass(frozen=True, slots=True)
class Name:
    """A defined name, a LET/LAMBDA parameter, or (``sheet``) a sheet-qualified name."""

    name: str
    sheet: str | None = None
    book: str | None = None


@dataclass(frozen=True, slots=True)
class StructRef:
    """A structured reference: ``table`` (None inside the table itself), the special
    items (``#All``, ``#Data``, ``#Headers``, ``#Totals``, ``#This Row``; ``@`` is
    ``#This Row``) and the first and last column named (None: all columns)."""

    table: str | None
    items: tuple[str, ...]
    col1: str | None
    col2: str | None


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-", "+", "%", "@"
    arg: object


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # arithmetic, "&", comparisons, ":" (range), " " (intersection), "," (union)
    left: object
    right: object


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # upper-case, without _xlfn./_xlws./_xludf. prefixes
    args: tuple


@dataclass(frozen=True, slots=True)
class Invoke:
    """A call of a computed function: ``LAMBDA(x,x*2)(5)``."""

    callee: object
    args: tuple


@dataclass(frozen=True, slots=True)
class Spill:
    """``A1#``: the whole spilled range of the dynamic-array formula in A1."""

    anchor: object


@dataclass(frozen=True, slots=True)
class ArrayConst:
    rows: tuple  # tuple of tuples of Num/Str/Bool/Err


# -- tokens --------------------------------------------------------------------------

_SHEET_WORD = r"[^\W\d][\w.]*"
_SHEET = (
    r"(?P<sheet>'(?:[^']|'')+'"
    rf"|(?:\[\w+\])?{_SHEET_WORD}(?::{_SHEET_WORD})?"
    r"|\[\w+\])!"
)
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_ERRORS = "|".join(re.escape(c) for c in sorted(CODES, key=len, reverse=True))
_REF = (
    rf"(?:{_SHEET})?"
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
            r"(?P<func>(?:_xlfn\.|_xlws\.|_xludf\.|_xleta\.)*[A-Za-z_\\][\w.]*)\(",
            rf"(?P<qname>(?:'(?:[^']|'')+'|(?:\[\w+\])?{_SHEET_WORD}|\[\w+\])!{_SHEET_WORD})(?![\w.(\[!])",
            r"(?P<table>(?:[^\W\d]|\\)[\w.\\]*)(?=\[)",
            r"(?P<name>(?:[^\W\d]|\\)[\w.\\]*(?![\w.\[!]))",
            r"(?P<bracket>\[)",
            r"(?P<op><>|<=|>=|[-+*/^&=<>%(),;{}:@#])",
        )
    )
)

_NAME_AT = re.compile(
    rf"(?P<prefix>(?:'(?:[^']|'')+'|(?:\[\w+\])?{_SHEET_WORD}|\[\w+\])!)?(?P<word>(?:[^\W\d]|\\)[\w.\\]*)(?![\w.(\[!])"
)
_CELL_PARTS = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


def _cell(text: str) -> tuple[int, int, bool, bool] | None:
    m = _CELL_PARTS.fullmatch(text)
    col, row = col_number(m.group(2)), int(m.group(4))
    if not (1 <= col <= MAX_COL and 1 <= row <= MAX_ROW):
        return None
    return row, col, bool(m.group(3)), bool(m.group(1))


def _sheet_parts(prefix: str | None) -> tuple[str | None, str | None, str | None]:
    """(book, first sheet, last sheet) of a prefix such as ``'[1]Q 1'!`` or ``Jan:Mar!``."""
    if not prefix:
        return None, None, None
    s = prefix[:-1] if prefix.endswith("!") else prefix
    if s.startswith("'"):
        s = s[1:-1].replace("''", "'")
    book = None
    if s.startswith("["):
        end = s.find("]")
        book, s = s[1:end], s[end + 1 :]
    elif "[" in s and "]" in s:  # 'C:\path\[Book.xlsx]Sheet'
        start, end = s.find("["), s.find("]")
        book, s = s[start + 1 : end], s[end + 1 :]
    first, colon, last = s.partition(":")
    return book, first or None, (last if colon else None)


def _ref(m: re.Match) -> Ref | None:
    book, sheet, sheet2 = _sheet_parts(m.group("sheet"))
    if m.group("cell1"):
        a = _cell(m.group("cell1"))
        b = _cell(m.group("cell2")) if m.group("cell2") else a
        if a is None or b is None:
            return None
        r1, c1, r1a, c1a = a
        r2, c2, r2a, c2a = b
    elif m.group("cols"):
        x, y = m.group("cols").split(":")
        c1, c2 = col_number(x.lstrip("$")), col_number(y.lstrip("$"))
        if not (c1 <= MAX_COL and c2 <= MAX_COL):
            return None
        r1, r2, r1a, r2a = 1, MAX_ROW, True, True
        c1a, c2a = x.startswith("$"), y.startswith("$")
    else:
        x, y = m.group("rows").split(":")
        r1, r2 = int(x.lstrip("$")), int(y.lstrip("$"))
        if not (1 <= r1 <= MAX_ROW and 1 <= r2 <= MAX_ROW):
            return None
        c1, c2, c1a, c2a = 1, MAX_COL, True, True
        r1a, r2a = x.startswith("$"), y.startswith("$")
    # a range written backwards (B5:A1) means the same rectangle
    if r1 > r2:
        r1, r2, r1a, r2a = r2, r1, r2a, r1a
    if c1 > c2:
        c1, c2, c1a, c2a = c2, c1, c2a, c1a
    return Ref(sheet, r1, c1, r2, c2, r1a, c1a, r2a, c2a, sheet2, book)


_PREFIXES = ("_XLFN.", "_XLWS.", "_XLUDF.", "_XLETA.")


def function_name(raw: str) -> str:
    """A function's name as the function table knows it: upper case, without the
    prefixes Excel stores for newer functions (``_xlfn.XLOOKUP``) and add-ins."""
    name = raw.upper()
    while name.startswith(_PREFIXES):
        name = name.split(".", 1)[1]
    return name


def _bare_name(word: str) -> str:
    return word[6:] if word[:6].lower() == "_xlpm." else word


def _structured(text: str, pos: int) -> tuple[tuple[str, ...], str | None, str | None, int]:
    """Read the bracketed part of a structured reference starting at ``text[pos] == "["``:
    (special items, first column, last column, position after it)."""
    end, depth, i = None, 0, pos
    while i < len(text):
        ch = text[i]
        if ch == "'":  # escapes the next character inside a column name
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                end = i
                break
        i += 1
    if end is None:
        raise FormulaSyntax(_("unclosed '[' in a structured reference"))
    inner = text[pos + 1 : end]
    parts: list[str] = []
    if not _unescaped(inner, "["):  # Table[Column], Table[#All], [@Column], Table[]
        if inner:
            parts = ["@", inner[1:]] if inner.startswith("@") else [inner]
    else:
        k, n = 0, len(inner)
        while k < n:
            ch = inner[k]
            if ch == "[":
                j = k + 1
                while j < n and inner[j] != "]":
                    j += 2 if inner[j] == "'" else 1
                parts.append(inner[k + 1 : j])
                k = j + 1
            elif ch == "@":
                parts.append("@")
                k += 1
            elif ch in ",: \t\n":
                if ch == ":":
                    parts.append(":")
                k += 1
            else:
                raise FormulaSyntax(_("cannot read structured reference [{text}]", text=inner))
    items: list[str] = []
    cols: list[str] = []
    for p in parts:
        if p == ":":
            continue
        if p == "@":
            items.append("#THIS ROW")
            continue
        if p.startswith("@"):
            items.append("#THIS ROW")
            p = p[1:]
        if p.startswith("#"):
            items.append(" ".join(p.upper().split()))
            continue
        cols.append(re.sub(r"'(.)", r"\1", p) if "'" in p else p)
    col1 = cols[0] if cols else None
    col2 = cols[-1] if cols else None
    return tuple(items), col1, col2, end + 1


def _unescaped(text: str, ch: str) -> bool:
    """Whether ``ch`` occurs in a structured reference's text other than escaped by ``'``."""
    i = 0
    while i < len(text):
        if text[i] == "'":
            i += 2
            continue
        if text[i] == ch:
            return True
        i += 1
    return False


def tokenize(text: str) -> list[tuple[str, object]]:
    """(type, value) tokens of a formula without its leading ``=``."""
    out: list[tuple[str, object]] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaSyntax(_("cannot read {text}", text=repr(text[pos:pos + 20])))
        kind = m.lastgroup
        if kind in ("sheet", "cell1", "cell2", "cols", "rows"):
            kind = "ref"
        if kind == "ref":
            ref = _ref(m)
            if ref is None:  # looks like a cell but is beyond the grid: a name (TAX2023)
                m2 = _NAME_AT.match(text, pos)
                if not m2:
                    raise FormulaSyntax(_("{ref} is outside the sheet", ref=m.group(0)))
                pos = m2.end()
                if m2.group("prefix"):
                    book, sheet, _skip = _sheet_parts(m2.group("prefix"))
                    out.append(("name", Name(_bare_name(m2.group("word")), sheet, book)))
                else:
                    out.append(("name", _bare_name(m2.group("word"))))
                continue
            out.append(("ref", ref))
            pos = m.end()
            continue
        pos = m.end()
        if kind == "ws":
            out.append(("ws", None))
        elif kind == "string":
            out.append(("str", m.group("string")[1:-1].replace('""', '"')))
        elif kind == "error":
            out.append(("err", m.group("error")))
        elif kind == "number":
            out.append(("num", float(m.group("number"))))
        elif kind == "func":
            out.append(("func", function_name(m.group("func"))))
        elif kind == "qname":
            prefix, _skip, word = m.group("qname").rpartition("!")
            book, sheet, _skip = _sheet_parts(prefix + "!")
            out.append(("name", Name(_bare_name(word), sheet, book)))
        elif kind in ("table", "bracket"):
            table = m.group("table") if kind == "table" else None
            start = m.end() if kind == "table" else m.start()
            items, col1, col2, pos = _structured(text, start)
            out.append(("struct", StructRef(table, items, col1, col2)))
        elif kind == "name":
            word = _bare_name(m.group("name"))
            up = word.upper()
            if up in ("TRUE", "FALSE"):
                out.append(("bool", up == "TRUE"))
            else:
                out.append(("name", word))
        else:
            out.append(("op", m.group("op")))
    # spaces matter only as the intersection operator: between two operands
    tokens: list[tuple[str, object]] = []
    for i, t in enumerate(out):
        if t[0] != "ws":
            tokens.append(t)
            continue
        prev = tokens[-1] if tokens else None
        nxt = next((u for u in out[i + 1 :] if u[0] != "ws"), None)
        if prev and nxt and _ends_operand(prev) and _starts_operand(nxt):
            tokens.append(("op", " "))
    return tokens


def _ends_operand(t) -> bool:
    return t[0] in ("ref", "name", "struct", "num", "str", "bool", "err") or t in (("op", ")"), ("op", "#"))


def _starts_operand(t) -> bool:
    return t[0] in ("ref", "name", "struct", "func") or t == ("op", "(")


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
        self.depth = 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, op):
        tok = self.take()
        if tok != ("op", op):
            raise FormulaSyntax(_("expected {text}", text=repr(op)))

    def nest(self):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise FormulaSyntax(_("nested more than {count} levels deep (Excel's limit)", count=MAX_NESTING))

    def expr(self, level=0):
        if level == len(_LEVELS):
            return self.unary()
        left = self.expr(level + 1)
        ops = _LEVELS[level]
        while True:
            kind, val = self.peek()
            if kind == "op" and val in ops:
                self.i += 1
                left = Binary(val, left, self.expr(level + 1))
            else:
                return left

    def unary(self):
        kind, val = self.peek()
        if kind == "op" and val in ("-", "+"):
            self.i += 1
            self.nest()
            node = Unary(val, self.unary())
            self.depth -= 1
            return node
        node = self.reference()
        while self.peek() == ("op", "%"):
            self.i += 1
            node = Unary("%", node)
        return node

    def reference(self):
        """Intersections (space) of ranges (``:``)."""
        node = self.range_()
        while self.peek() == ("op", " "):
            self.i += 1
            node = Binary(" ", node, self.range_())
        return node

    def range_(self):
        node = self.postfix()
        while self.peek() == ("op", ":"):
            self.i += 1
            node = Binary(":", node, self.postfix())
        return node

    def postfix(self):
        if self.peek() == ("op", "@"):
            self.i += 1
            return Unary("@", self.postfix())
        node = self.primary()
        while True:
            tok = self.peek()
            if tok == ("op", "#"):
                self.i += 1
                node = Spill(node)
            elif tok == ("op", "(") and isinstance(node, (Call, Invoke)):
                self.i += 1
                node = Invoke(node, self.arguments())
            else:
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
        if kind in ("ref", "struct"):
            return val
        if kind == "name":
            return val if isinstance(val, Name) else Name(val)
        if kind == "func":
            self.nest()
            node = Call(val, self.arguments())
            self.depth -= 1
            return node
        if (kind, val) == ("op", "("):
            self.nest()
            node = self.expr()
            while self.peek() == ("op", ","):  # the union operator
                self.i += 1
                node = Binary(",", node, self.expr())
            self.expect(")")
            self.depth -= 1
            return node
        if (kind, val) == ("op", "{"):
            return self.array()
        raise FormulaSyntax(_("unexpected {text}", text=repr(val)) if kind else _("formula ends too early"))

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
                if len(args) > 255:
                    raise FormulaSyntax(_("more than 255 arguments (Excel's limit)"))
                return tuple(args)
            if (kind, val) != ("op", ","):
                raise FormulaSyntax(_("expected ',' or ')'"))

    def array(self):
        rows, row = [], []
        while True:
            kind, val = self.take()
            sign = 1.0
            if (kind, val) in (("op", "-"), ("op", "+")):
                sign = -1.0 if val == "-" else 1.0
                kind, val = self.take()
                if kind != "num":
                    raise FormulaSyntax(_("bad array constant"))
            if kind == "num":
                row.append(Num(sign * val))
            elif kind == "str":
                row.append(Str(val))
            elif kind == "bool":
                row.append(Bool(val))
            elif kind == "err":
                row.append(Err(val))
            else:
                raise FormulaSyntax(_("bad array constant"))
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
                    raise FormulaSyntax(_("ragged array constant"))
                return ArrayConst(tuple(rows))
            raise FormulaSyntax(_("bad array constant"))


def parse(formula: str):
    """The syntax tree of ``formula`` (with or without its leading ``=``)."""
    if len(formula) > MAX_FORMULA_CHARS + 1:
        raise FormulaSyntax(_("longer than {count} characters (Excel's limit)", count=format(MAX_FORMULA_CHARS, ",")))
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    if not text:
        raise FormulaSyntax(_("empty formula"))
    tokens = tokenize(text)
    p = _Parser(tokens)
    node = p.expr()
    if p.i != len(tokens):
        raise FormulaSyntax(_("unexpected text after the formula"))
    return node


def walk(tree):
    """Every node of a syntax tree, depth first."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (Call, Invoke)):
            stack.extend(reversed(node.args))
            if isinstance(node, Invoke):
                stack.append(node.callee)
        elif isinstance(node, Binary):
            stack.extend((node.right, node.left))
        elif isinstance(node, (Unary, Spill)):
            stack.append(node.arg if isinstance(node, Unary) else node.anchor)


def function_names(formula: str) -> list[str]:
    """The functions a formula calls, in order, each once (``[]`` if it cannot be read)."""
    try:
        tree = parse(formula)
    except FormulaSyntax:
        return []
    out = [n.name for n in walk(tree) if isinstance(n, Call)]
    return list(dict.fromkeys(out))
