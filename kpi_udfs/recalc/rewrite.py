"""Formula text as `formulas` can parse it, with the workbook's meaning kept.

Before parsing, each formula is rewritten once:

* LET is written out, each name replaced by its value (:mod:`.let_inline`);
* structured references to Tables become A1 ranges (:mod:`.tables`);
* sheet-level defined names (``localSheetId``; `formulas` reads workbook-level names
  only) are replaced by what they stand for, in the formulas of their sheet;
* namespaced custom-function names (``XLWINGS.KPI_RATE``, ``_xldudf_KPI_RATE``) become
  the registry name;
* whole-column and whole-row references (``VLOOKUP(A2,Staff!$A:$C,2,FALSE)``,
  ``SUM(5:5)``) are clipped to the used area of their sheet: cells beyond it are empty,
  and `formulas` would otherwise build a million-cell array for each. ``ROWS`` and
  ``COLUMNS`` of such a reference keep Excel's full count, and ``COUNTIF``/``COUNTBLANK``
  over whole columns still count the empty cells below the used area;
* ``OFFSET`` with constant offsets and sizes becomes the range it denotes (``OFFSET(A1,1,1)``
  is ``B2``; ``OFFSET(A1,1,1):OFFSET(A1,6,1)`` is ``B2:B7``);
* in a formula that is not an array formula, a range used outside any function call
  (``=C:C``, ``=Bonus*1.2`` with ``Bonus`` a column) is implicitly intersected with the
  formula's row or column, as Excel does for such formulas.
"""

from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from .formula_text import IDENT, OTHER, Piece, join, scan
from .kpi_bridge import kpi_name
from .let_inline import inline_let
from .tables import StructuredRefs


def _is_plain_reference(value: str) -> bool:
    """A name's value that may be inlined without parentheses (a range, a number)."""
    pieces = list(scan(value))
    return all(p.kind != OTHER or all(ch in "!$:0123456789." for ch in p.text) for p in pieces)


MAX_ROW, MAX_COL = 1048576, 16384
_WHOLE_COLS = re.compile(r"^(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})$")
_WHOLE_ROWS = re.compile(r"^(\$?)(\d+):(\$?)(\d+)$")
_TALL = re.compile(r"^(\$?[A-Za-z]{1,3}\$?)(\d+):(\$?[A-Za-z]{1,3}\$?)(\d+)$")


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def bounds(area: str) -> tuple[int, int, int, int] | None:
    """(first column, first row, last column, last row) of an A1 area, whole columns and
    rows included; None for anything else (a name)."""
    parts = area.split(":")
    if len(parts) == 1:
        m = _CELL_REF.match(area)
        if not m:
            return None
        c, r = column_index_from_string(m.group(1).upper()), int(m.group(2))
        return c, r, c, r
    if len(parts) != 2:
        return None
    m = _WHOLE_COLS.match(area)
    if m:
        a, b = column_index_from_string(m.group(2).upper()), column_index_from_string(m.group(4).upper())
        return min(a, b), 1, max(a, b), MAX_ROW
    m = _WHOLE_ROWS.match(area)
    if m:
        a, b = int(m.group(2)), int(m.group(4))
        return 1, min(a, b), MAX_COL, max(a, b)
    one, two = _CELL_REF.match(parts[0]), _CELL_REF.match(parts[1])
    if not one or not two:
        return None
    c1, c2 = column_index_from_string(one.group(1).upper()), column_index_from_string(two.group(1).upper())
    r1, r2 = int(one.group(2)), int(two.group(2))
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


def _sheet_of(prefix: str) -> str:
    name = prefix[:-1]
    if name.startswith("'") and name.endswith("'"):
        name = name[1:-1].replace("''", "'")
    return name


class FormulaRewriter:
    """Rewrites the formulas of one workbook (see module doc)."""

    def __init__(
        self,
        tables: StructuredRefs,
        local_names: dict[str, dict[str, str]] | None = None,
        used: dict[str, tuple[int, int]] | None = None,
        global_names: dict[str, str] | None = None,
        known_names: set[str] | None = None,
    ):
        self.tables = tables
        #: Every defined name (upper case), when unknown names should become #NAME?.
        self.known_names = None if known_names is None else {n.upper() for n in known_names}
        #: NAME (upper) → value, for workbook-level names that are plain references
        self.global_names = {k.upper(): v.lstrip("=") for k, v in (global_names or {}).items()}
        #: sheet title → NAME (upper) → the name's value (no leading "=")
        self.local_names = {s: {k.upper(): v for k, v in names.items()} for s, names in (local_names or {}).items()}
        #: sheet title (case-folded) → (last used row, last used column)
        self.used = {k.casefold(): v for k, v in (used or {}).items()}

    def clip(self, formula: str, sheet: str | None = None) -> str:
        """Whole-column/row references cut to the used area (see module doc)."""
        if ":" not in formula or not self.used:
            return formula
        try:
            tokens = Tokenizer(formula).items
        except Exception:
            return formula
        out: list[str] = []
        changed = False
        k = 0
        while k < len(tokens):
            t = tokens[k]
            counted = self._count_blanks_below(tokens, k, sheet)
            if counted is not None:
                text, k = counted
                out.append(text)
                changed = True
                continue
            if t.type == Token.OPERAND and t.subtype == Token.RANGE:
                full, clipped = self._clip_ref(t.value, sheet)
                if clipped is not None:
                    prev = out[-1].upper() if out else ""
                    closes = k + 1 < len(tokens) and tokens[k + 1].type == Token.FUNC and tokens[k + 1].subtype == Token.CLOSE
                    if prev.endswith(("ROWS(", "COLUMNS(")) and closes and full is not None:
                        out[-1] = prev[: -len("ROWS(") if prev.endswith("ROWS(") else -len("COLUMNS(")]
                        out.append(str(full[0] if prev.endswith("ROWS(") else full[1]))
                        k += 2
                        changed = True
                        continue
                    out.append(clipped)
                    changed = True
                    k += 1
                    continue
            out.append(t.value)
            k += 1
        return "=" + "".join(out) if changed else formula

    def _count_blanks_below(self, tokens: list, k: int, sheet: str | None) -> tuple[str, int] | None:
        """``COUNTIF(A:A,crit)``, ``COUNTIFS(A:A,crit)`` (one pair) and ``COUNTBLANK(A:A)``
        over whole columns or rows, with the empty cells beyond the used area counted,
        as (replacement text, index of the token after the call)."""
        t = tokens[k]
        name = t.value.upper()
        if t.type != Token.FUNC or t.subtype != Token.OPEN or name not in ("COUNTIF(", "COUNTIFS(", "COUNTBLANK("):
            return None
        if k + 1 >= len(tokens) or tokens[k + 1].subtype != Token.RANGE:
            return None
        ref = tokens[k + 1].value
        prefix, bang, area = ref.rpartition("!")
        cols, rows = _WHOLE_COLS.match(area), _WHOLE_ROWS.match(area)
        full, clipped = self._clip_ref(ref, sheet)
        if not (cols or rows) or clipped is None:
            return None
        depth, j, pairs = 0, k + 2, 0
        rest: list[str] = []
        while j < len(tokens):
            u = tokens[j]
            if u.subtype == Token.OPEN:
                depth += 1
            elif u.subtype == Token.CLOSE:
                if depth == 0:
                    break
                depth -= 1
            elif u.type == Token.SEP and u.subtype == Token.ARG and depth == 0:
                pairs += 1
            rest.append(u.value)
            j += 1
        if j >= len(tokens) or (name == "COUNTIFS(" and pairs != 1):
            return None
        head = prefix + bang
        if cols:
            last = int(clipped.rsplit("$", 1)[1])
            beyond = (MAX_ROW - last) * full[1]
            blank = f"{head}${cols.group(2)}${last + 1}"
        else:
            last = column_index_from_string(clipped.rsplit(":", 1)[1].strip("$").rstrip("0123456789").strip("$"))
            beyond = (MAX_COL - last) * full[0]
            blank = f"{head}${get_column_letter(last + 1)}${rows.group(2)}"
        if beyond <= 0:
            return None
        criteria = "".join(rest)  # ",crit" (nothing for COUNTBLANK)
        fn = t.value[:-1]
        if name == "COUNTBLANK(":
            return f"({fn}({clipped}{criteria})+{beyond})", j + 1
        return f"({fn}({clipped}{criteria})+{beyond}*{fn}({blank}{criteria}))", j + 1

    def offsets(self, formula: str) -> str:
        """``OFFSET(ref, rows, cols, [height], [width])`` with constant numbers, resolved."""
        if "OFFSET(" not in formula.upper():
            return formula
        try:
            tokens = Tokenizer(formula).items
        except Exception:
            return formula
        out: list[str] = []
        changed = False
        k = 0
        while k < len(tokens):
            t = tokens[k]
            if t.type == Token.FUNC and t.subtype == Token.OPEN and t.value.upper() in ("OFFSET(", "_XLFN.OFFSET("):
                resolved = self._constant_offset(tokens, k)
                if resolved is not None:
                    text, k = resolved
                    out.append(text)
                    changed = True
                    continue
            out.append(t.value)
            k += 1
        return "=" + "".join(out) if changed else formula

    @staticmethod
    def _constant_offset(tokens: list, k: int) -> tuple[str, int] | None:
        args: list[list] = [[]]
        j = k + 1
        while j < len(tokens):
            u = tokens[j]
            if u.subtype == Token.OPEN:
                return None  # nested calls or parentheses: not constant
            if u.type == Token.FUNC and u.subtype == Token.CLOSE:
                break
            if u.type == Token.SEP and u.subtype == Token.ARG:
                args.append([])
            else:
                args[-1].append(u)
            j += 1
        if j >= len(tokens) or not 3 <= len(args) <= 5 or len(args[0]) != 1 or args[0][0].subtype != Token.RANGE:
            return None
        numbers = []
        for a in args[1:]:
            text = "".join(u.value for u in a).replace(" ", "")
            if text == "":
                numbers.append(None)
                continue
            try:
                numbers.append(int(float(text)))
            except ValueError:
                return None
        ref = args[0][0].value
        prefix, bang, area = ref.rpartition("!")
        b = bounds(area)
        if b is None or "[" in ref:
            return None
        c1, r1, c2, r2 = b
        dr, dc = numbers[0] or 0, numbers[1] or 0
        height = numbers[2] if len(numbers) > 2 and numbers[2] is not None else r2 - r1 + 1
        width = numbers[3] if len(numbers) > 3 and numbers[3] is not None else c2 - c1 + 1
        top, left = r1 + dr, c1 + dc
        if height == 0 or width == 0:
            return "#REF!", j + 1
        if height < 0:
            top, height = top + height + 1, -height
        if width < 0:
            left, width = left + width + 1, -width
        bottom, right = top + height - 1, left + width - 1
        if top < 1 or left < 1 or bottom > MAX_ROW or right > MAX_COL:
            return "#REF!", j + 1
        a = f"${get_column_letter(left)}${top}"
        z = f"${get_column_letter(right)}${bottom}"
        return prefix + bang + (a if a == z else f"{a}:{z}"), j + 1

    def intersect(self, formula: str, sheet: str | None, row: int, col: int) -> str:
        """Ranges outside any function call, intersected with the formula's cell."""
        if ":" not in formula and not self.global_names:
            return formula
        try:
            tokens = Tokenizer(formula).items
        except Exception:
            return formula
        out: list[str] = []
        stack: list[str] = []
        changed = False
        for t in tokens:
            value = t.value
            if t.subtype == Token.OPEN:
                stack.append(t.type)
            elif t.subtype == Token.CLOSE and stack:
                stack.pop()
            elif t.type == Token.OPERAND and t.subtype == Token.RANGE and Token.FUNC not in stack:
                ref = self.global_names.get(value.upper(), value)
                single = self._intersect_ref(ref, row, col)
                if single is not None:
                    value = single
                    changed = True
            out.append(value)
        return "=" + "".join(out) if changed else formula

    @staticmethod
    def _intersect_ref(ref: str, row: int, col: int) -> str | None:
        """The cell of ``ref`` in the formula's row or column, ``#VALUE!`` if none, or None
        when ``ref`` is a single cell or not a plain reference."""
        if "[" in ref or "," in ref or " " in ref.strip():
            return None
        prefix, bang, area = ref.rpartition("!")
        b = bounds(area)
        if b is None:
            return None
        c1, r1, c2, r2 = b
        if c1 == c2 and r1 == r2:
            return None
        head = prefix + bang
        if c1 == c2 and r1 <= row <= r2:
            return f"{head}${get_column_letter(c1)}${row}"
        if r1 == r2 and c1 <= col <= c2:
            return f"{head}${get_column_letter(col)}${r1}"
        return "#VALUE!"

    def _clip_ref(self, ref: str, sheet: str | None) -> tuple[tuple[int, int] | None, str | None]:
        """((rows, columns) of the full reference, the clipped text) or (None, None)."""
        if ref.startswith("[") or "[" in ref:
            return None, None
        prefix, bang, area = ref.rpartition("!")
        target = _sheet_of(prefix + bang) if bang else (sheet or "")
        used = self.used.get(target.casefold())
        if used is None:
            return None, None
        last_row, last_col = max(used[0], 1), max(used[1], 1)
        head = prefix + bang
        m = _WHOLE_COLS.match(area)
        if m:
            c1, c2 = column_index_from_string(m.group(2).upper()), column_index_from_string(m.group(4).upper())
            full = (MAX_ROW, abs(c2 - c1) + 1)
            return full, f"{head}{m.group(1)}{m.group(2)}$1:{m.group(3)}{m.group(4)}${last_row}"
        m = _WHOLE_ROWS.match(area)
        if m:
            r1, r2 = int(m.group(2)), int(m.group(4))
            full = (abs(r2 - r1) + 1, MAX_COL)
            return full, f"{head}$A{m.group(1)}{m.group(2)}:${get_column_letter(last_col)}{m.group(3)}{m.group(4)}"
        m = _TALL.match(area)
        if m and int(m.group(4)) > max(last_row, int(m.group(2))) + 1000:
            r1, r2 = int(m.group(2)), int(m.group(4))
            full = (r2 - r1 + 1, None)
            return full, f"{head}{m.group(1)}{r1}:{m.group(3)}{max(last_row, r1)}"
        return None, None

    def rewrite(
        self,
        formula: str,
        sheet: str | None = None,
        row: int | None = None,
        col: int | None = None,
        array: bool = True,
    ) -> str:
        """``formula`` of the cell (sheet, row, col) as `formulas` should parse it;
        ``array``: it is an array formula (no implicit intersection)."""
        text = inline_let(formula)
        text = self.tables.rewrite(text, sheet, row, col) if self.tables else text
        text = self._names(text, sheet)
        text = self.offsets(text)
        if not array and row and col:
            text = self.intersect(text, sheet, row, col)
        return self.clip(text, sheet)

    def _names(self, text: str, sheet: str | None) -> str:
        """Sheet-level names inlined; namespaced KPI_ function names normalised; a name
        the workbook does not define becomes #NAME? (as Excel shows it)."""
        names = self.local_names.get(sheet or "", {})
        upper = text.upper()
        check_unknown = self.known_names is not None and "LET(" not in upper and "LAMBDA(" not in upper
        if not names and not check_unknown and "KPI_" not in text.upper():
            return text
        pieces = list(scan(text))
        out: list[Piece] = []
        changed = False
        for k, p in enumerate(pieces):
            if p.kind != IDENT:
                out.append(p)
                continue
            nxt = pieces[k + 1] if k + 1 < len(pieces) else None
            prev = pieces[k - 1] if k > 0 else None
            calls = nxt is not None and nxt.kind == OTHER and nxt.text.lstrip().startswith("(")
            if calls:
                name = kpi_name(p.text)
                if name is not None and name != p.text.upper():
                    out.append(Piece(IDENT, name))
                    changed = True
                    continue
            qualified = prev is not None and prev.kind == OTHER and prev.text.endswith(("!", "$", ":"))
            bound = nxt is not None and nxt.kind == OTHER and nxt.text.lstrip().startswith(("!", ":", "$"))
            key = p.text.upper()
            if not calls and not qualified and not bound and key in names:
                value = names[key].lstrip("=")
                value = self.tables.rewrite(value) if self.tables else value
                out.append(Piece(OTHER, value if _is_plain_reference(value) else f"({value})"))
                changed = True
                continue
            after_hash = prev is not None and prev.kind == OTHER and prev.text.endswith("#")
            if check_unknown and not (calls or qualified or bound or after_hash) and self._undefined(key):
                out.append(Piece(OTHER, "#NAME?"))
                changed = True
                continue
            out.append(p)
        return join(out) if changed else text

    def _undefined(self, key: str) -> bool:
        """An identifier that is no cell, boolean, parameter, Table or defined name."""
        if key in ("TRUE", "FALSE") or _CELL_REF.match(key) or key.startswith(("_XLPM.", "_XLFN.", "_XLWS.", "_XLETA.", "_XLL.", "_XLUDF.")):
            return False
        if re.fullmatch(r"R(\d+|\[-?\d+\])?C(\d+|\[-?\d+\])?", key):
            return False
        if self.tables and key.casefold() in self.tables.by_name:
            return False
        return key not in self.known_names
