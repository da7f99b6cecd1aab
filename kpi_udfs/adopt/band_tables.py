"""The band table a hand-written shape stands for, and what is wrong with it.

A shape from :mod:`.shapes` still holds syntax; here its thresholds and results are read
(constants, or cells as the workbook shows them now) and it becomes a table of rows, each
with the set of values it was *written* for and the set it *gets* once the rows before it
have taken theirs (an IF chain is first-match). From those two sets come the defects the
issue lists, in the seeds' own terms:

* ``empty-band``: a row written for no value at all, 「45%>X>=50%」 (AMB-17);
* ``unreachable``: a row whose values all go to earlier rows (a ladder typed in the wrong
  order, a lookup key repeated or out of order);
* ``overlap``: in a table written as separate bands (any row with two bounds), a row that
  shares values with an earlier one: 「Q>100%」 after 「Q≥110%」 (AMB-33), 90 in both
  「90分以上」 and 「80分~90分」 (AMB-90);
* ``gap``: values in no row, between two rows (「30<T=<35」 then 「T>40」, AMB-19), or at an
  end where the formula's ELSE is FALSE or empty text: they silently get the ELSE;
* ``unsorted-lookup``: an approximate lookup over keys not in ascending order (Excel's
  binary search then returns rows nobody meant);
* ``weights``: weights of a weighted total that do not add up to 100 % (S1-A's 90 %).

A ladder (every row one-sided: ``>=0.55``, ``>=0.5``…) relies on its order by design, so
its rows sharing values is not an overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import KpiError
from ..i18n import _
from ..numeric import fmt
from ..recalc.graph.parse import (
    ArrayConst,
    Binary,
    Bool,
    Call,
    Err,
    FormulaSyntax,
    Missing,
    Name,
    Num,
    Ref,
    Str,
    Unary,
    parse,
)
from .intervals import INF, Interval, NumberSet
from .shapes import AllOf, Always, AnyOf, Cmp, IfBands, Lookup, Not, Weights
from .sheet_reader import Workbook

#: A value that cannot be worked out without computing (a function of other cells).
UNKNOWN = object()


class Unresolved(Exception):
    """A threshold or result that is not a number/constant as the shape needs."""


class FewKeys(Unresolved):
    """A lookup with fewer than two numeric keys: not band logic at all (an exact lookup)."""


# -- reading cells ---------------------------------------------------------------------------

class Resolver:
    """Reads constants and cells for a formula copied ``dr`` rows below where it is written."""

    def __init__(self, book: Workbook, sheet: str, dr: int = 0):
        self.book = book
        self.sheet = sheet
        self.dr = dr

    def _target(self, node):
        """A Name's target as syntax (a Ref or a constant); None if not readable."""
        text = self.book.name(node.name, self.sheet)
        if text is None:
            return None
        try:
            return parse(text)
        except FormulaSyntax:
            return None

    def _cell(self, sheet: str, row: int, col: int) -> Any:
        """A cell as the workbook shows it; UNKNOWN for a formula saved without its value."""
        s = self.book.sheet(sheet)
        if s is None:
            return None
        v = s.values.get((row, col))
        if v is None and (row, col) in s.keys:
            return UNKNOWN
        return v

    def _rows(self, ref: Ref) -> tuple[int, int]:
        r1 = ref.row1 if ref.row1_abs else ref.row1 + self.dr
        r2 = ref.row2 if ref.row2_abs else ref.row2 + self.dr
        return r1, r2

    def grid(self, node, depth: int = 0) -> list[list[Any]] | None:
        """A range, a name or an array constant as rows of values (blank cells None)."""
        if isinstance(node, ArrayConst):
            return [[constant(x) for x in row] for row in node.rows]
        if isinstance(node, Name) and depth < 5:
            target = self._target(node)
            return None if target is None else self.grid(target, depth + 1)
        if isinstance(node, Ref):
            sheet = node.sheet or self.sheet
            s = self.book.sheet(sheet)
            if s is None:
                return None
            r1, r2 = self._rows(node)
            r2 = min(r2, max(s.max_row, r1))
            c2 = min(node.col2, max(s.max_col, node.col1))
            if r1 < 1 or (r2 - r1 + 1) * (c2 - node.col1 + 1) > 100_000:
                return None
            return [[s.values.get((r, c)) for c in range(node.col1, c2 + 1)] for r in range(r1, r2 + 1)]
        return None

    def value(self, node, depth: int = 0) -> Any:
        """A constant or one cell's value; a blank cell is None."""
        if isinstance(node, (Num, Str, Bool, Err)) or (isinstance(node, Unary) and not _reads(node)):
            return constant(node)
        if isinstance(node, Name) and depth < 5:
            target = self._target(node)
            return UNKNOWN if target is None else self.value(target, depth + 1)
        if isinstance(node, Ref) and node.is_cell:
            r1, _skip = self._rows(node)
            return self._cell(node.sheet or self.sheet, r1, node.col1)
        return UNKNOWN

    def evaluate(self, node) -> Any:
        """A small arithmetic expression over cells (``J3``, ``D3/C3``, ``J3*100``) as
        Excel computes it; UNKNOWN for anything else (a function call, text)."""
        if isinstance(node, (Ref, Name)):
            v = self.value(node)
            return 0.0 if v is None else v  # a blank cell is 0 in arithmetic and comparisons
        if isinstance(node, (Num, Str, Bool, Err)):
            return constant(node)
        if isinstance(node, Unary):
            v = self.evaluate(node.arg)
            if not isinstance(v, float):
                return v if isinstance(v, KpiError) else UNKNOWN
            return {"-": -v, "+": v, "%": v / 100}[node.op]
        if isinstance(node, Binary) and node.op in "+-*/^":
            a, b = self.evaluate(node.left), self.evaluate(node.right)
            for v in (a, b):
                if isinstance(v, KpiError):
                    return v
            if isinstance(a, bool):
                a = float(a)
            if isinstance(b, bool):
                b = float(b)
            if not (isinstance(a, float) and isinstance(b, float)):
                return UNKNOWN
            if node.op == "/" and b == 0:
                return KpiError("#DIV/0!", "")
            try:
                return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0, "^": a ** b}[node.op]
            except (OverflowError, ZeroDivisionError, ValueError):
                return UNKNOWN
        return UNKNOWN


def _reads(node) -> bool:
    if isinstance(node, (Ref, Name)):
        return True
    if isinstance(node, Unary):
        return _reads(node.arg)
    if isinstance(node, Binary):
        return _reads(node.left) or _reads(node.right)
    return isinstance(node, Call)


def constant(node) -> Any:
    """The value of a constant as Excel reads it: 55% → 0.55, "优", TRUE, #N/A."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Str):
        return node.value
    if isinstance(node, Bool):
        return bool(node.value)
    if isinstance(node, Err):
        return KpiError(node.code, "")
    if isinstance(node, Missing):
        return 0.0
    if isinstance(node, Unary):
        v = constant(node.arg)
        if not isinstance(v, float):
            return UNKNOWN
        return {"-": -v, "+": v, "%": v / 100}[node.op]
    return UNKNOWN


def result_value(v: Any) -> Any:
    """A branch's result as the cell shows it: a blank cell referenced gives 0."""
    return 0.0 if v is None else v


def show(v: Any) -> str:
    """A value for a message: 80, 0.55, "A", FALSE, #N/A, "" (empty text)."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return fmt(v)
    if isinstance(v, KpiError):
        return v.code
    if isinstance(v, str):
        return f'"{v}"'
    if v is None:
        return _("blank")
    return str(v)


def same_value(a: Any, b: Any) -> bool:
    """Two cell values the same as a reader sees them (numbers to 1e-9, errors by code,
    blank and empty text alike)."""
    if (a is None or a == "") and (b is None or b == ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, KpiError) and isinstance(b, KpiError):
        return a.code == b.code
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


# -- the table -------------------------------------------------------------------------------

@dataclass
class Bound:
    """A row's bounds as written (kept even when they leave the row empty)."""

    lo: float = -INF
    hi: float = INF
    lo_closed: bool = False
    hi_closed: bool = False

    def interval(self) -> Interval:
        return Interval(self.lo, self.hi, self.lo_closed, self.hi_closed)


@dataclass
class Row:
    """One row of a band table."""

    written: NumberSet  # the values the row's own condition selects
    effective: NumberSet  # the values it actually gets (earlier rows take theirs first)
    result: Any
    text: str  # the condition as written, e.g. "J3>=0.55" or "lookup key 0.45 (N5)"
    bound: Bound | None = None  # its bounds as written (None: not one interval)
    is_else: bool = False
    number: int = 0  # 1-based position in the formula


@dataclass
class Defect:
    kind: str  # gap, overlap, empty-band, unreachable, unsorted-lookup, weights
    message: str
    #: The values concerned (rows of the workbook whose value is here are listed).
    region: NumberSet | None = None
    row: int | None = None  # the table row concerned (1-based)
    #: For weights: every row is concerned.
    every_row: bool = False


@dataclass
class BandTable:
    """A reconstructed band table: rows in formula order, and what values in no row get."""

    rows: list[Row]
    #: Values no written row selects; they get ``else_result``.
    uncovered: NumberSet
    else_result: Any
    style: str  # "ladder" (one-sided rows relying on order) or "bands" (separate bands)
    origin: str  # IF, IFS, VLOOKUP, LOOKUP, INDEX/MATCH, CHOOSE/MATCH, HLOOKUP
    #: Lookups: keys in the order typed, and whether they are ascending.
    keys: list[float] = field(default_factory=list)
    sorted_keys: bool = True
    match_type: int = 1

    # -- what it gives ----------------------------------------------------------------
    def result_for(self, x: float) -> Any:
        for row in self.rows:
            if row.effective.contains(x):
                return row.result
        return self.else_result

    def behaviour(self) -> tuple:
        """What the table does, as a comparable value (two tables that give the same
        result everywhere have the same behaviour)."""
        pieces = []
        for row in self.rows:
            for p in row.effective.pieces:
                pieces.append((p.lo, not p.lo_closed, p.hi, p.hi_closed, _key(row.result)))
        for p in self.uncovered.pieces:
            pieces.append((p.lo, not p.lo_closed, p.hi, p.hi_closed, _key(self.else_result)))
        pieces.sort()
        merged: list = []
        for piece in pieces:
            if merged and merged[-1][4] == piece[4] and merged[-1][2] == piece[0]:
                last = merged[-1]
                merged[-1] = (last[0], last[1], piece[2], piece[3], last[4])
            else:
                merged.append(piece)
        return tuple(merged)

    def describe(self) -> str:
        parts = [f"{_set_text(r.effective)} → {show(r.result)}" for r in self.rows if not r.effective.empty]
        if not self.uncovered.empty:
            parts.append(_("else ({values}) → {result}", values=_set_text(self.uncovered), result=show(self.else_result)))
        return "; ".join(parts)

    # -- what is wrong ------------------------------------------------------------------
    def defects(self) -> list[Defect]:
        out: list[Defect] = []
        earlier = NumberSet()
        for row in self.rows:
            if row.is_else:
                continue
            band = {"number": row.number, "written": row.text or _("row {number}", number=row.number),
                    "result": show(row.result)}
            if row.written.empty:
                region = None
                if row.bound is not None and row.bound.lo > row.bound.hi:
                    region = NumberSet.of(Interval(row.bound.hi, row.bound.lo, True, True))
                if row.bound is not None:
                    message = _("band {number} ({written} → {result}) holds no value: {interval} is empty, so it "
                                "never applies", interval=str(row.bound.interval()), **band)
                else:
                    message = _("band {number} ({written} → {result}) holds no value: is empty, so it never applies",
                                **band)
                out.append(Defect("empty-band", message, region, row.number))
            elif row.effective.empty and self.keys:
                out.append(Defect("unreachable", _("row {number} ({written} → {result}) is never returned: the "
                                                   "approximate match finds another row for every value", **band),
                                  row.written, row.number))
            elif row.effective.empty:
                takers = self._takers(row)
                values = _set_text(row.written)
                if not takers:
                    message = _("band {number} ({written} → {result}) never applies: earlier bands come first and "
                                "take all of {values}", values=values, **band)
                elif len(takers) == 1:
                    message = _("band {number} ({written} → {result}) never applies: band {bands} comes first and "
                                "takes all of {values}", bands=takers[0], values=values, **band)
                else:
                    message = _("band {number} ({written} → {result}) never applies: bands {bands} come first and "
                                "take all of {values}", bands=", ".join(map(str, takers)), values=values, **band)
                out.append(Defect("unreachable", message, row.written, row.number))
            elif self.style == "bands":
                shared = row.written.intersect(earlier)
                if not shared.empty:
                    takers = self._takers(row, shared)
                    values = _set_text(shared)
                    if not takers:
                        message = _("band {number} ({written} → {result}) overlaps earlier bands on {values}: values "
                                    "there get the earlier band's result", values=values, **band)
                    elif len(takers) == 1:
                        message = _("band {number} ({written} → {result}) overlaps band {bands} on {values}: values "
                                    "there get the earlier band's result", bands=takers[0], values=values, **band)
                    else:
                        message = _("band {number} ({written} → {result}) overlaps bands {bands} on {values}: values "
                                    "there get the earlier band's result", bands=", ".join(map(str, takers)),
                                    values=values, **band)
                    out.append(Defect("overlap", message, shared, row.number))
            earlier = earlier.union(row.written)
        # in a table written as separate bands every value outside them is a gap; in a ladder the
        # ELSE is its last band, unless it gives FALSE or empty text where points are expected
        numeric = all(isinstance(r.result, float) and not isinstance(r.result, bool) for r in self.rows)
        silent = numeric and (self.else_result is False or self.else_result == "")
        for piece in self.uncovered.pieces:
            if piece.bounded or silent or (self.style == "bands" and not self.keys):
                region = NumberSet.of(piece)
                if self.origin not in ("IFS",):
                    message = _("values in {values} fall in no band: they get {result} (the formula's last ELSE)",
                                values=str(piece), result=show(self.else_result))
                else:
                    message = _("values in {values} fall in no band: they get {result} (IFS with no condition true)",
                                values=str(piece), result=show(self.else_result))
                out.append(Defect("gap", message, region))
        if not self.sorted_keys:
            keys = ", ".join(fmt(k) for k in self.keys)
            if self.match_type == 1:
                message = _("the lookup keys are not in ascending order ({keys}): the approximate match then returns "
                            "rows nobody meant", keys=keys)
            else:
                message = _("the lookup keys are not in descending order ({keys}): the approximate match then returns "
                            "rows nobody meant", keys=keys)
            out.append(Defect("unsorted-lookup", message))
        return out

    def _takers(self, row: Row, region: NumberSet | None = None) -> list[int]:
        """The earlier bands that take values of ``row`` (in ``region``); empty when none is
        known (the values go to bands before it all the same)."""
        region = row.written if region is None else region
        return [r.number for r in self.rows if r.number < row.number and not r.is_else
                and not r.written.intersect(region).empty]

    def intended(self, x: float) -> Any:
        """What a sorted lookup table would give (for rows hit by an unsorted one)."""
        pairs = sorted((k, r.result) for k, r in zip(self.keys, self.rows, strict=False))
        if self.match_type == 1:
            found = [res for k, res in pairs if k <= x]
            return found[-1] if found else KpiError("#N/A", "")
        found = [res for k, res in pairs if k >= x]
        return found[0] if found else KpiError("#N/A", "")


def _key(v: Any) -> tuple:
    if isinstance(v, KpiError):
        return ("error", v.code)
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, float):
        return ("number", round(v, 12))
    return ("text", str(v))


def _set_text(s: NumberSet) -> str:
    return str(s)


# -- IF trees ------------------------------------------------------------------------------

def _condition_set(cond, threshold) -> NumberSet:
    if isinstance(cond, Cmp):
        return NumberSet.compare(cond.op, threshold(cond.threshold))
    if isinstance(cond, AllOf):
        out = NumberSet.everything()
        for p in cond.parts:
            out = out.intersect(_condition_set(p, threshold))
        return out
    if isinstance(cond, AnyOf):
        out = NumberSet()
        for p in cond.parts:
            out = out.union(_condition_set(p, threshold))
        return out
    if isinstance(cond, Not):
        return _condition_set(cond.part, threshold).complement()
    if isinstance(cond, Always):
        return NumberSet.everything() if cond.value else NumberSet()
    raise TypeError(cond)


def _bound(conds: list, threshold) -> Bound | None:
    """The bounds written by a conjunction of one-sided comparisons (kept when inverted)."""
    b = Bound()
    for cond in conds:
        parts = cond.parts if isinstance(cond, AllOf) else (cond,)
        for c in parts:
            if not isinstance(c, Cmp):
                return None
            t = threshold(c.threshold)
            if c.op in (">=", ">", "="):
                closed = c.op != ">"
                if (t, not closed) > (b.lo, not b.lo_closed):
                    b.lo, b.lo_closed = t, closed
            if c.op in ("<=", "<", "="):
                closed = c.op != "<"
                if (t, closed) < (b.hi, b.hi_closed):
                    b.hi, b.hi_closed = t, closed
            if c.op == "<>":
                return None
    return b


def if_table(shape: IfBands, resolver: Resolver) -> BandTable:
    """The band table of a numeric IF/IFS tree, thresholds and results read."""

    def threshold(node) -> float:
        v = resolver.value(node)
        if isinstance(v, bool) or not isinstance(v, float):
            shown = show(v) if v is not UNKNOWN else _("computed")
            if isinstance(node, Name):
                raise Unresolved(_("{name} is not a number ({value})", name=node.name, value=shown))
            raise Unresolved(_("a threshold is not a number ({value})", value=shown))
        return v

    rows: list[Row] = []
    else_result: Any = False
    uncovered = NumberSet()
    # a chain (each branch's own condition, then ELSE) or a tree (the THEN branch nests too):
    # in a tree a branch's own condition means little on its own, what it gets is what counts
    chain = all(leaf.is_else or (sum(t for _skip, t in leaf.path) == 1 and leaf.path[-1][1]) for leaf in shape.leaves)
    for i, leaf in enumerate(shape.leaves, start=1):
        effective = NumberSet.everything()
        taken = []
        for cond, was_taken in leaf.path:
            s = _condition_set(cond, threshold)
            effective = effective.intersect(s if was_taken else s.complement())
            if was_taken:
                taken.append(cond)
        result = result_value(resolver.value(leaf.result))
        if result is UNKNOWN:
            raise Unresolved(_("a result is not a constant or a cell"))
        if leaf.is_else:
            else_result = result
            uncovered = uncovered.union(effective)
            continue
        if chain:
            written = NumberSet.everything()
            for cond in taken:
                written = written.intersect(_condition_set(cond, threshold))
            bound = _bound(taken, threshold)
        else:
            written = effective
            one = effective.pieces[0] if len(effective.pieces) == 1 else None
            bound = Bound(one.lo, one.hi, one.lo_closed, one.hi_closed) if one else None
        rows.append(Row(written, effective, result, leaf.written, bound, number=i))
    two_sided = chain and any(r.bound is None or (math.isfinite(r.bound.lo) and math.isfinite(r.bound.hi))
                              for r in rows)
    return BandTable(rows, uncovered, else_result, "bands" if two_sided else "ladder", shape.function)


# -- maps ----------------------------------------------------------------------------------

@dataclass
class KeyTable:
    """A categorical map written as IF(x="优",20,IF(x="良",15,…)): keys in order, first wins."""

    keys: list[str]
    results: list[Any]
    else_result: Any
    texts: list[str]

    def defects(self) -> list[Defect]:
        out = []
        seen: dict[str, int] = {}
        for i, k in enumerate(self.keys):
            fold = k.casefold()
            if fold in seen:
                first = seen[fold]
                out.append(Defect("unreachable", _("key {key} → {result} never applies: key {first} → {first_result} "
                                                   "comes first", key=show(k), result=show(self.results[i]),
                                                   first=show(self.keys[first]), first_result=show(self.results[first])),
                                  row=i + 1))
            else:
                seen[fold] = i
        return out

    def has(self, key: str) -> bool:
        return any(k.casefold() == key.casefold() for k in self.keys)

    def result_for(self, key: Any) -> Any:
        if isinstance(key, str):
            for k, r in zip(self.keys, self.results, strict=True):
                if k.casefold() == key.casefold():
                    return r
        return self.else_result

    def behaviour(self) -> tuple:
        seen: dict[str, Any] = {}
        for k, r in zip(self.keys, self.results, strict=True):
            seen.setdefault(k.casefold(), _key(r))
        return tuple(sorted(seen.items())) + (("else", _key(self.else_result)),)

    def describe(self) -> str:
        parts = [f"{show(k)} → {show(r)}" for k, r in zip(self.keys, self.results, strict=True)]
        return "; ".join(parts + [_("else → {result}", result=show(self.else_result))])


def map_table(shape: IfBands, resolver: Resolver) -> KeyTable:
    keys, results, texts = [], [], []
    else_result: Any = False
    for leaf in shape.leaves:
        result = result_value(resolver.value(leaf.result))
        if result is UNKNOWN:
            raise Unresolved(_("a result is not a constant or a cell"))
        if leaf.is_else:
            else_result = result
            continue
        taken = [c for c, t in leaf.path if t]
        if len(taken) != 1:
            raise Unresolved(_("a key is tested in a nested way"))
        cond = taken[0]
        parts = cond.parts if isinstance(cond, AnyOf) else (cond,)
        for c in parts:
            if not (isinstance(c, Cmp) and c.op == "="):
                raise Unresolved(_("a key test is not an equality"))
            k = resolver.value(c.threshold)
            if not isinstance(k, str):
                raise Unresolved(_("a key is not text"))
            keys.append(k)
            results.append(result)
            texts.append(leaf.written)
    return KeyTable(keys, results, else_result, texts)


# -- lookups -------------------------------------------------------------------------------

def _binary_search(keys: list[Any], x: float) -> int:
    """Excel's approximate match (largest key ≤ x) by binary search over keys as typed,
    skipping keys that are not numbers; -1 when none (as ``kpi recalc`` computes it)."""
    lo, hi, found = 0, len(keys) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        j = mid
        while j <= hi and not _is_number(keys[j]):
            j += 1
        if j > hi:
            j = mid - 1
            while j >= lo and not _is_number(keys[j]):
                j -= 1
            if j < lo:
                break
        if keys[j] <= x:
            found, lo = j, j + 1
        else:
            hi = j - 1
    return found


def _is_number(v: Any) -> bool:
    return isinstance(v, float) and not isinstance(v, bool)


def _flat(grid: list[list[Any]]) -> list[Any]:
    if len(grid) == 1:
        return list(grid[0])
    if all(len(r) == 1 for r in grid):
        return [r[0] for r in grid]
    raise Unresolved(_("a key or result range is not one row or one column"))


def lookup_columns(shape: Lookup, resolver: Resolver) -> tuple[list[Any], list[Any]]:
    """(keys, results) of a lookup as the workbook holds them, results padded with the
    error Excel gives past their end."""
    if shape.function in ("VLOOKUP", "HLOOKUP", "LOOKUP") and shape.table is not None:
        grid = resolver.grid(shape.table)
        if not grid or not grid[0]:
            raise Unresolved(_("the lookup table cannot be read"))
        by_rows = shape.function == "HLOOKUP" or (shape.function == "LOOKUP" and len(grid[0]) > len(grid))
        if by_rows:
            keys = list(grid[0])
            i = shape.index - 1 if shape.function == "HLOOKUP" else len(grid) - 1
            results = list(grid[i]) if i < len(grid) else [KpiError("#REF!", "")] * len(keys)
        else:
            keys = [r[0] for r in grid]
            i = shape.index - 1 if shape.function == "VLOOKUP" else len(grid[0]) - 1
            results = [r[i] for r in grid] if i < len(grid[0]) else [KpiError("#REF!", "")] * len(keys)
        return keys, [result_value(v) for v in results]
    keys_grid = resolver.grid(shape.keys)
    if not keys_grid:
        raise Unresolved(_("the lookup keys cannot be read"))
    keys = _flat(keys_grid)
    if shape.function == "CHOOSE/MATCH":
        results = [result_value(resolver.value(c)) for c in shape.choices]
        results += [KpiError("#VALUE!", "")] * (len(keys) - len(results))
    else:
        grid = resolver.grid(shape.results)
        if not grid:
            raise Unresolved(_("the lookup results cannot be read"))
        if shape.index:
            results = [r[shape.index - 1] if shape.index - 1 < len(r) else KpiError("#REF!", "") for r in grid]
        elif shape.function == "LOOKUP":
            results = _flat(grid)
        else:
            results = _flat(grid)
        results = [result_value(v) for v in results]
        results += [KpiError("#REF!" if shape.function == "INDEX/MATCH" else "#N/A", "")] * (len(keys) - len(results))
    if any(v is UNKNOWN for v in results):
        raise Unresolved(_("a result is not a constant or a cell"))
    return keys, results[: len(keys)]


def lookup_table(shape: Lookup, resolver: Resolver) -> BandTable:
    keys, results = lookup_columns(shape, resolver)
    numeric = [k for k in keys if _is_number(k)]
    if len(numeric) < 2:
        raise FewKeys(_("fewer than two numeric keys"))
    where = _key_cells(shape, resolver, len(keys))
    if shape.match_type == 1:
        ascending = all(a <= b for a, b in zip(numeric, numeric[1:], strict=False))
        strictly = all(a < b for a, b in zip(numeric, numeric[1:], strict=False))
        # what each row is for, read as the sorted table HR meant; what it gets, as Excel searches
        distinct = sorted(set(numeric))
        effective = [NumberSet() for _skip in keys]
        below = NumberSet.of(Interval(-INF, distinct[0], False, False))
        for j, k in enumerate(distinct):
            nxt = distinct[j + 1] if j + 1 < len(distinct) else INF
            piece = NumberSet.of(Interval(k, nxt, True, False))
            hit = _binary_search(keys, k)
            if hit < 0:
                below = below.union(piece)
            else:
                effective[hit] = effective[hit].union(piece)
        rows = []
        for i, k in enumerate(keys):
            if not _is_number(k):
                continue
            nxt = min((d for d in distinct if d > k), default=INF)
            written = NumberSet.of(Interval(k, nxt, True, False))
            rows.append(Row(written, effective[i], results[i], _("key {key}", key=fmt(k)) + where[i],
                            Bound(k, nxt, True, False), number=i + 1))
        table = BandTable(rows, below, KpiError("#N/A", ""), "ladder", shape.function,
                          keys=numeric, sorted_keys=ascending, match_type=1)
        if ascending and not strictly:
            table.sorted_keys = True  # a repeated key: its first row is unreachable, reported as such
        return table
    # MATCH(x, keys, -1): the smallest key ≥ x, keys descending
    descending = all(a > b for a, b in zip(numeric, numeric[1:], strict=False))
    rows = []
    covered = NumberSet()
    for i, k in enumerate(keys):
        if not _is_number(k):
            continue
        nxt = max((d for d in numeric if d < k), default=-INF)
        written = NumberSet.of(Interval(nxt, k, False, True))
        eff = written.minus(covered) if descending else NumberSet()
        covered = covered.union(written)
        rows.append(Row(written, eff, results[i], _("key {key}", key=fmt(k)) + where[i], Bound(nxt, k, False, True),
                         number=i + 1))
    above = NumberSet.of(Interval(max(numeric), INF, False, False))
    table = BandTable(rows, above, KpiError("#N/A", ""), "ladder", shape.function, keys=numeric,
                      sorted_keys=descending, match_type=-1)
    if not descending:
        raise Unresolved(_("MATCH(…,-1) over keys not in descending order (reported, not reconstructed)"))
    return table


def _key_cells(shape: Lookup, resolver: Resolver, n: int) -> list[str]:
    """" (N5)" per key when the keys are cells, to name them in messages."""
    from .sheet_reader import a1

    node = shape.table if shape.table is not None else shape.keys
    if isinstance(node, Name):
        target = resolver._target(node)
        node = target if isinstance(target, Ref) else node
    if not isinstance(node, Ref):
        return [""] * n
    r1, _skip = resolver._rows(node)
    by_rows = shape.function == "HLOOKUP" or (node.col2 - node.col1 > node.row2 - node.row1
                                              and shape.function == "LOOKUP")
    cells = []
    for i in range(n):
        r, c = (r1, node.col1 + i) if by_rows else (r1 + i, node.col1)
        cells.append(f" ({a1(r, c)})")
    return cells


# -- weights -------------------------------------------------------------------------------

@dataclass
class WeightVector:
    weights: list[float]  # as they multiply the scores (outer factor applied)
    written: list[float]  # as typed
    factor: float

    @property
    def total(self) -> float:
        return math.fsum(self.weights)

    def plausible(self) -> bool:
        """Weights of a weighted total: each in [0, 1], together about one."""
        return (len(self.weights) >= 2 and all(0 <= w <= 1 + 1e-12 for w in self.weights)
                and 0.5 <= self.total <= 1.5)

    def defects(self) -> list[Defect]:
        if abs(self.total - 1) <= 1e-9:
            return []
        shown = " + ".join(fmt(w * 100) + "%" for w in self.weights)
        return [Defect("weights", _("weights {weights} add up to {total}%, not 100%: every total is on a "
                                    "{total}-point scale", weights=shown, total=fmt(self.total * 100)), every_row=True)]

    def behaviour(self) -> tuple:
        return tuple(round(w, 12) for w in self.weights)

    def describe(self) -> str:
        return _("{weights} (sum {total}%)", weights=", ".join(fmt(w * 100) + "%" for w in self.weights),
                 total=fmt(self.total * 100))


def weight_vector(shape: Weights, resolver: Resolver) -> WeightVector:
    if shape.weights is not None:
        grid = resolver.grid(shape.weights)
        if not grid:
            raise Unresolved(_("the weights cannot be read"))
        written = [0.0 if v is None else v for v in _flat(grid)]
    else:
        written = [resolver.value(w) for _skip, w in shape.terms]
        written = [0.0 if v is None else v for v in written]
    if not all(isinstance(v, float) and not isinstance(v, bool) for v in written):
        raise Unresolved(_("a weight is not a number"))
    return WeightVector([w * shape.factor for w in written], written, shape.factor)


def reconstruct(shape, resolver: Resolver):
    """The table of any shape: BandTable, KeyTable or WeightVector (Unresolved if not readable)."""
    if isinstance(shape, IfBands):
        return map_table(shape, resolver) if shape.kind == "map" else if_table(shape, resolver)
    if isinstance(shape, Lookup):
        return lookup_table(shape, resolver)
    if isinstance(shape, Weights):
        return weight_vector(shape, resolver)
    raise TypeError(shape)
