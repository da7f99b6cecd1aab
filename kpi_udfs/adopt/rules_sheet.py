"""The Rules sheet ``kpi adopt`` writes, and the KPI_ call that replaces each block.

Each reconstructed table becomes one block of the Rules sheet with named ranges (the way
the templates lay out theirs: bilingual headers, the formula as it was written, a check
cell, one policy cell per setting with a note). Blocks whose tables are the same (four
rating columns all 优20/良15/中10/差0) share one Rules table.

The policies are chosen to reproduce what the hand-written formula does today:

* KPI_BAND: the rows a value can actually reach, in formula order (``on_overlap`` FIRST is
  the IF chain's first match); rows that never apply as written (an empty band, an
  unreachable branch) are listed below with their own ``KPI_CHECK_BANDS`` cell, so that
  ``kpi check`` still sees them; values in no row get the formula's ELSE through
  ``on_gap`` when it is a number or #N/A, or through explicit gap rows when it is a label
  or FALSE (a check cell over the rows as written then still shows the gap);
* KPI_GRADE for a clean ladder of labels (``gap_policy`` CONTINUOUS, ``below_label`` the ELSE);
* KPI_MAP for a chain of ratings (``default`` the ELSE, ``normalize_zh`` FALSE: exact text);
* KPI_WEIGHTED for weights (``weight_check`` AS_IS when they do not add up to 100 %).

What no policy can reproduce (an ELSE of empty text, a weighted score that is not a
cell) is said in :attr:`RulesTable.limits`, for the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import KpiError
from ..i18n import _
from ..numeric import fmt
from ..recalc.graph.parse import Call, Name, Ref
from .band_tables import BandTable, KeyTable, Row, WeightVector, show
from .copied_blocks import RuleBlock
from .formula_render import ref_text, render, sheet_prefix, source_text
from .intervals import Interval
from .lint import ranges

#: Column widths of the Rules sheet (A…F).
WIDTHS = (14, 14, 12, 14, 46, 60)


@dataclass
class Cell:
    """A cell of the Rules sheet: a value, or a formula (text without "=")."""

    value: Any = None
    formula: str | None = None


@dataclass
class RulesTable:
    """One table on the Rules sheet."""

    name: str  # Band1, Grade1, Map1, Weights1
    function: str  # KPI_BAND, KPI_GRADE, KPI_MAP, KPI_WEIGHTED
    blocks: list[RuleBlock]
    #: The call's arguments after the looked-up value: names, or "" for an omitted one.
    args: list[str] = field(default_factory=list)
    #: Relative layout: (row offset, column 0-based) → Cell; names: name → (r1, c1, r2, c2) offsets.
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    ranges: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    height: int = 0
    #: Behaviours no policy reproduces, in words (for the report).
    limits: list[str] = field(default_factory=list)
    #: What HR should know about the move (cells no longer read), for the report.
    notes: list[str] = field(default_factory=list)
    #: The policies chosen, as (setting, value, why), for the report.
    policies: list[tuple[str, str, str]] = field(default_factory=list)

    def put(self, r: int, c: int, value: Any = None, formula: str | None = None) -> None:
        self.cells[(r, c)] = Cell(value, formula)
        self.height = max(self.height, r + 1)

    def call(self, block: RuleBlock) -> str:
        """The KPI_ call text for a block (in its representative row)."""
        first = _first_argument(block)
        args = [first, *self.args]
        while args and args[-1] == "":
            args.pop()
        return f"{self.function}({','.join(args)})"


def _first_argument(block: RuleBlock) -> str:
    shape = block.shape
    if block.family == "weights":
        if shape.scores is not None:
            return ref_text(shape.scores)
        first, last = shape.terms[0][0], shape.terms[-1][0]
        return ref_text(Ref(first.sheet, first.row1, first.col1, last.row1, last.col1,
                            first.row1_abs, first.col1_abs, last.row1_abs, last.col1_abs))
    if isinstance(shape.subject, Call):  # as typed: a function may be stored with its _xlfn. prefix
        typed = source_text(block.text, block.tree, shape.subject)
        if typed is not None:
            return typed
    return render(shape.subject)


# -- the plan ------------------------------------------------------------------------------

def weights_refusal(block: RuleBlock) -> str | None:
    """Why a weighted total cannot become KPI_WEIGHTED (its scores must be one row of cells)."""
    shape = block.shape
    if shape.scores is not None:
        if shape.scores.row1 != shape.scores.row2:
            return _("the scores of the SUMPRODUCT are not one row")
        return None
    cells = [s for s, _skip in shape.terms]
    if not all(isinstance(s, Ref) and s.is_cell and s.sheet is None for s in cells):
        return _("a weighted term is not a single cell of the row (KPI_WEIGHTED takes a row of scores)")
    if len({s.row1 for s in cells}) != 1:
        return _("the weighted cells are not in one row")
    cols = [s.col1 for s in cells]
    if cols != list(range(cols[0], cols[0] + len(cols))):
        return _("the weighted cells are not side by side in order (KPI_WEIGHTED takes one range)")
    return None


def refusal(block: RuleBlock) -> str | None:
    """Why a block is not moved onto a KPI_ function (None: it is)."""
    if block.table is None:
        return _("its table cannot be read ({reason})", reason=block.problem)
    if block.array:
        return _("it is inside an array formula")
    if block.family == "weights":
        return weights_refusal(block)
    if isinstance(block.table, BandTable):
        if any(isinstance(r.result, KpiError) for r in block.table.rows if not r.effective.empty):
            return _("a band's result is an error value (a KPI_BAND table cannot hold one)")
    return None


def plan_tables(blocks: list[RuleBlock]) -> tuple[list[RulesTable], list[tuple[RuleBlock, str]]]:
    """One Rules table per distinct reconstructed table, in the order the blocks come; and the
    blocks left as they are, with why."""
    tables: list[RulesTable] = []
    refused: list[tuple[RuleBlock, str]] = []
    by_content: dict[tuple, RulesTable] = {}
    counters: dict[str, int] = {}
    sheets = {name: i for i, name in enumerate(dict.fromkeys(b.sheet for b in blocks))}
    # sheet by sheet, column by column, the rows most of a column use first
    for block in sorted(blocks, key=lambda b: (sheets[b.sheet], b.col, b.index, -len(b.rows), b.rows[0])):
        why = refusal(block)
        if why:
            refused.append((block, why))
            continue
        kind = _kind(block)
        key = (kind, block.table.behaviour(), _guard_key(block))
        table = by_content.get(key)
        if table is None:
            counters[kind] = counters.get(kind, 0) + 1
            table = RulesTable(f"{kind}{counters[kind]}", "", [block])
            _layout(table, block)
            by_content[key] = table
            tables.append(table)
        else:
            table.blocks.append(block)
    return tables, refused


def _guard_key(block: RuleBlock) -> Any:
    g = getattr(block.shape, "guard_result", None)
    return None if g is None else render(g)


def _kind(block: RuleBlock) -> str:
    if block.family == "weights":
        return "Weights"
    if block.family == "map":
        return "Map"
    return "Grade" if _clean_grade(block.table) else "Band"


def _clean_grade(table: BandTable) -> bool:
    """A ladder of labels by lower bounds (≥ 91 A, ≥ 86 B…) with a label or #N/A below:
    KPI_GRADE with gap_policy CONTINUOUS gives exactly that."""
    if not isinstance(table, BandTable) or table.defects() or table.style != "ladder":
        return False
    live = [r for r in table.rows if not r.effective.empty]
    if len(live) != len(table.rows) or len(live) < 2:
        return False
    if not all(isinstance(r.result, str) and r.result.strip() for r in live):
        return False
    pieces = [p for r in live for p in r.effective.pieces]
    if len(pieces) != len(live) or not all(p.lo_closed and math.isfinite(p.lo) for p in pieces):
        return False
    lows = sorted(p.lo for p in pieces)
    below = table.uncovered.pieces
    if len(below) != 1 or below[0] != Interval(-math.inf, lows[0], False, False):
        return False
    e = table.else_result
    return (isinstance(e, str) and e.strip() != "") or (isinstance(e, KpiError) and e.code == "#N/A")


# -- layouts -------------------------------------------------------------------------------

_TITLE, _SOURCE, _HEAD = 0, 1, 2


def _head(t: RulesTable, block: RuleBlock, what: str) -> None:
    where = f"{sheet_prefix(block.sheet)}{ranges(block.col, block.rows)}"
    t.put(_TITLE, 0, f"{t.name}  {what}  ({where})")
    t.put(_SOURCE, 0, "原公式 As written")
    t.put(_SOURCE, 1, block.text)  # without its "=": text, never a formula (openpyxl would make one)
    copied = read_cells(block)
    if copied:
        t.put(_SOURCE, 4, f"取自 Copied from {', '.join(copied)} (不再读取 no longer read: change them here)")
        t.notes.append(_("thresholds or results copied from {cells}: those cells are no longer read",
                         cells=", ".join(copied)))


def read_cells(block: RuleBlock) -> list[str]:
    """The cells and names a shape reads its thresholds, keys or results from (not the looked-up value)."""
    from .copied_blocks import table_nodes
    from .formula_render import moved, nodes

    out = []
    dr = block.rows[0] - block.rep_row  # the block's own first row (a table that slides with the rows)
    for node in table_nodes(block.shape):
        for n in nodes(moved(node, dr)):
            if isinstance(n, Ref):
                out.append(sheet_prefix(n.sheet or block.sheet) + ref_text(
                    Ref(None, n.row1, n.col1, n.row2, n.col2, n.row1_abs, n.col1_abs, n.row2_abs, n.col2_abs)))
            elif isinstance(n, Name):
                out.append(n.name)
    return list(dict.fromkeys(out))


def _policy(t: RulesTable, r: int, zh: str, en: str, setting: str, value: Any, note: str) -> None:
    t.put(r, 0, zh)
    t.put(r, 1, en)
    t.put(r, 2, value)
    t.put(r, 4, note)
    t.ranges[f"{t.name}_{setting}"] = (r, 2, r, 2)
    t.policies.append((en, show(value) if not isinstance(value, str) else value, note))


def _layout(t: RulesTable, block: RuleBlock) -> None:
    table = block.table
    if isinstance(table, WeightVector):
        _layout_weights(t, block, table)
    elif isinstance(table, KeyTable):
        _layout_map(t, block, table)
    elif t.name.startswith("Grade"):
        _layout_grade(t, block, table)
    else:
        _layout_band(t, block, table)


def _bound_cell(x: float) -> Any:
    return None if math.isinf(x) else x


def _band_rows(table: BandTable) -> tuple[list[tuple[Interval, Any, str]], list[Row]]:
    """(interval, result, as-written note) of each row KPI_BAND gets, first match first; and
    the rows as written that hold no value at all."""
    rows: list[tuple[Interval, Any, str]] = []
    empty: list[Row] = []
    shadowed: list[tuple[Interval, Any, str]] = []
    for row in table.rows:
        if row.written.empty:
            empty.append(row)
            continue
        if table.style == "bands":
            rows += [(p, row.result, row.text) for p in row.written.pieces]
        elif row.effective.empty:  # a ladder row that never applies: kept, after the rows that take its values
            shadowed += [(p, row.result, f"{row.text} (never applies: earlier rows take its values)")
                         for p in row.written.pieces]
        else:
            rows += [(p, row.result, row.text) for p in row.effective.pieces]
    return rows + shadowed, empty


def _direction(table: BandTable) -> str:
    """LOWER when the results fall as the value rises (response time), else HIGHER."""
    pts = [(p.lo if math.isfinite(p.lo) else p.hi, r.result) for r in table.rows for p in r.effective.pieces
           if isinstance(r.result, float) and not isinstance(r.result, bool)]
    pts.sort()
    if len(pts) >= 2 and pts[0][1] > pts[-1][1]:
        return "LOWER"
    return "HIGHER"


def _gap_pieces(table: BandTable) -> list[Interval]:
    """Uncovered values that lint calls a gap (the others are the table's natural ELSE)."""
    gaps = []
    for d in table.defects():
        if d.kind == "gap" and d.region is not None:
            gaps += list(d.region.pieces)
    return gaps


def _layout_band(t: RulesTable, block: RuleBlock, table: BandTable) -> None:
    t.function = "KPI_BAND"
    _head(t, block, f"分档表 Band table · {_what(block)}")
    heads = ("下限 Lower", "上限 Upper", "区间 Bounds", "结果 Result", "原条件 As written")
    for c, h in enumerate(heads):
        t.put(_HEAD, c, h)
    rows, empty = _band_rows(table)
    gaps = _gap_pieces(table)
    natural = [p for p in table.uncovered.pieces if p not in gaps]
    e = table.else_result
    numeric_else = isinstance(e, float) and not isinstance(e, bool)
    na_else = isinstance(e, KpiError) and e.code == "#N/A"
    label_else = isinstance(e, bool) or (isinstance(e, str) and e != "")
    else_rows: list[tuple[Interval, Any, str]] = []
    gap_rows: list[tuple[Interval, Any, str]] = []
    on_gap: Any = "ERROR"
    if table.uncovered.empty or (not gaps and (numeric_else or label_else)):
        else_rows = [(p, e, "(ELSE)") for p in natural]
        gap_note = "没有空档 No value falls between the bands: ERROR keeps it so (#N/A if one ever does)."
    elif numeric_else:
        else_rows = [(p, e, "(ELSE)") for p in natural]
        on_gap = e
        gap_note = (f"今天落在空档的值得 {fmt(e)} (原公式最后的 ELSE)。Today a value in a gap gets {fmt(e)} (the "
                    "formula's last ELSE): this reproduces it. ERROR shows #N/A with the gap instead; WORSE/BETTER/"
                    "NEAREST take a neighbouring band.")
    elif na_else:
        gap_note = ("今天落空的值为 #N/A。Today a value in no band is #N/A (nothing matches): ERROR reproduces it, "
                    "with the gap named.")
    elif label_else:
        else_rows = [(p, e, "(ELSE)") for p in natural]
        gap_rows = [(p, e, "(空档: 原公式的 ELSE) gap: the formula's ELSE") for p in gaps]
        gap_note = (f"空档 {', '.join(str(p) for p in gaps)} 今天得 {show(e)}, 见上面的空档行。The gap rows above give "
                    f"{show(e)}, as the formula's ELSE does today (on_gap cannot give a label): delete them and "
                    "choose a policy here to decide deliberately.") if gaps else (
            "没有空档 No gap: ERROR applies to nothing today.")
    else:
        t.limits.append(_("values in {values} get {result} today (the formula's ELSE); no KPI_BAND policy gives "
                          "that: they become #N/A (on_gap ERROR)",
                          values=", ".join(str(p) for p in table.uncovered.pieces), result=show(e)))
        gap_note = (f"今天这些值得 {show(e)}, KPI_BAND 无法给出。Today these values get {show(e)}, which no KPI_BAND "
                    "policy gives: ERROR shows #N/A naming the gap. Choose a number, WORSE or BETTER deliberately.")
    r = _HEAD + 1
    first = r
    written_rows = rows + else_rows
    for interval, result, note in written_rows + gap_rows:
        _band_row(t, r, interval, result, note)
        r += 1
    last = r - 1
    for col, part in enumerate(("Lower", "Upper", "Bounds", "Points")):
        t.ranges[f"{t.name}_{part}"] = (first, col, last, col)
    lo, hi, bd = (f"{t.name}_{p}" for p in ("Lower", "Upper", "Bounds"))
    t.put(r, 0, "检查 Check")
    if gap_rows:  # the rows as written, without the gap rows: the gaps stay visible to kpi check
        w_last = first + len(written_rows) - 1
        t.put(r, 1, formula=f"KPI_CHECK_BANDS({_area(t, first, 0, w_last)},{_area(t, first, 1, w_last)},"
                            f"{_area(t, first, 2, w_last)})")
        t.put(r, 4, "按原样的分档 (不含空档行) The bands as written, without the gap rows")
    else:
        t.put(r, 1, formula=f"KPI_CHECK_BANDS({lo},{hi},{bd})")
    r += 1
    direction = _direction(table)
    _policy(t, r, "方向", "Direction", "Direction", direction,
            "HIGHER: 越高越好 higher is better; LOWER: 越低越好 (时间 time). Steers WORSE/BETTER.")
    r += 1
    _policy(t, r, "落空策略", "On gap", "OnGap", on_gap, gap_note)
    r += 1
    _policy(t, r, "重叠策略", "On overlap", "OnOverlap", "FIRST",
            "原公式取第一个成立的条件 The formula takes the first condition that holds: FIRST reproduces it.")
    r += 1
    if empty:
        r += 1
        t.put(r, 0, "从不适用的原条件 Rows as written that never apply (not used by KPI_BAND)")
        r += 1
        e_first = r
        for row in empty:
            b = row.bound
            t.put(r, 0, _bound_cell(b.lo))
            t.put(r, 1, _bound_cell(b.hi))
            t.put(r, 2, b.interval().code)
            t.put(r, 3, row.result)
            t.put(r, 4, f"{row.text} (空集 empty: 下限高于上限 the lower bound is above the upper)")
            r += 1
        t.put(r, 0, "检查 Check")
        t.put(r, 1, formula=f"KPI_CHECK_BANDS({_area(t, e_first, 0, r - 1)},{_area(t, e_first, 1, r - 1)},"
                            f"{_area(t, e_first, 2, r - 1)})")
    t.args = [lo, hi, f"{t.name}_Points", bd, f"{t.name}_Direction", f"{t.name}_OnGap", f"{t.name}_OnOverlap"]
    _guard_limit(t, block)


def _band_row(t: RulesTable, r: int, interval: Interval, result: Any, note: str) -> None:
    t.put(r, 0, _bound_cell(interval.lo))
    t.put(r, 1, _bound_cell(interval.hi))
    t.put(r, 2, interval.code)
    t.put(r, 3, result)
    t.put(r, 4, note)


#: A marker the sheet writer replaces by the Rules sheet's own A1 area (offsets → cells).
def _area(t: RulesTable, r1: int, c: int, r2: int) -> str:
    return f"@AREA({r1},{c},{r2},{c})@"


def _what(block: RuleBlock) -> str:
    from .lint import shape_text

    return shape_text(block)


def _guard_limit(t: RulesTable, block: RuleBlock) -> None:
    g = getattr(block.shape, "guard_result", None)
    if g is None:
        return
    from .band_tables import constant

    v = constant(g)
    if not (v == "" or v is None):
        t.limits.append(_("a blank value gives {result} today (the blank guard); KPI_ functions leave a blank row "
                          "blank", result=show(v)))


def _layout_grade(t: RulesTable, block: RuleBlock, table: BandTable) -> None:
    t.function = "KPI_GRADE"
    _head(t, block, f"等级表 Grade table · {_what(block)}")
    for c, h in enumerate(("下限 Lower", "等级 Label", "原条件 As written")):
        t.put(_HEAD, c, h)
    r = first = _HEAD + 1
    for row in table.rows:
        p = row.effective.pieces[0]
        t.put(r, 0, p.lo)
        t.put(r, 1, row.result)
        t.put(r, 2, row.text)
        r += 1
    t.ranges[f"{t.name}_Lower"] = (first, 0, r - 1, 0)
    t.ranges[f"{t.name}_Labels"] = (first, 1, r - 1, 1)
    _policy(t, r, "空档策略", "Gap policy", "GapPolicy", "CONTINUOUS",
            "原公式只按下限分级 The formula grades by lower bounds only: CONTINUOUS reproduces it.")
    r += 1
    e = table.else_result
    below = "ERROR" if isinstance(e, KpiError) else e
    low = fmt(min(row.effective.pieces[0].lo for row in table.rows))
    _policy(t, r, "低于最低分", "Below label", "Below", below,
            f"今天低于 {low} 的分数得 {show(e)} (原公式的 ELSE)。Today a score below {low} gets {show(e)}: this "
            "reproduces it.")
    t.args = [f"{t.name}_Lower", f"{t.name}_Labels", "", f"{t.name}_GapPolicy", f"{t.name}_Below"]
    _guard_limit(t, block)


def _layout_map(t: RulesTable, block: RuleBlock, table: KeyTable) -> None:
    t.function = "KPI_MAP"
    _head(t, block, f"对照表 Lookup table · {_what(block)}")
    for c, h in enumerate(("键 Key", "结果 Value", "原条件 As written")):
        t.put(_HEAD, c, h)
    r = first = _HEAD + 1
    given: dict[str, Any] = {}
    for k, v, text in zip(table.keys, table.results, table.texts, strict=True):
        if k.casefold() in given:
            # a key typed twice: the chain never reaches the second; listed with the value it
            # really gives (KPI_MAP refuses one key with two values), so kpi check still sees it
            text = f"{text} → {show(v)} (重复的键, 从不适用 the key comes earlier: never applies)"
            v = given[k.casefold()]
        given.setdefault(k.casefold(), v)
        t.put(r, 0, k)
        t.put(r, 1, v)
        t.put(r, 2, text)
        r += 1
    t.ranges[f"{t.name}_Keys"] = (first, 0, r - 1, 0)
    t.ranges[f"{t.name}_Values"] = (first, 1, r - 1, 1)
    e = table.else_result
    default = "ERROR" if isinstance(e, KpiError) and e.code == "#N/A" else e
    if e == "" or (isinstance(e, KpiError) and e.code != "#N/A"):
        t.limits.append(_("a key not in the table gets {result} today (the ELSE); KPI_MAP cannot give that: it "
                          "becomes #N/A naming the key", result=show(e)))
        default = "ERROR"
    _policy(t, r, "未知键", "Default", "Default", default,
            f"今天表中没有的键得 {show(e)} (原公式的 ELSE)。Today a key not in the table gets {show(e)}: this "
            "reproduces it. ERROR shows #N/A naming the unknown key.")
    r += 1
    _policy(t, r, "繁简同义", "Normalize", "Normalize", False,
            "FALSE: 与原公式一样逐字比较 compares the text exactly, as the IF chain did. TRUE also accepts 優 for 优, "
            "良好 for 良.")
    r += 1
    t.args = [f"{t.name}_Keys", f"{t.name}_Values", f"{t.name}_Default", f"{t.name}_Normalize"]


def _layout_weights(t: RulesTable, block: RuleBlock, table: WeightVector) -> None:
    t.function = "KPI_WEIGHTED"
    _head(t, block, f"权重 Weights · {_what(block)}")
    for c, h in enumerate(("项目 Item", "权重 Weight")):
        t.put(_HEAD, c, h)
    r = first = _HEAD + 1
    for i, w in enumerate(table.weights):
        t.put(r, 0, f"{i + 1}")
        t.put(r, 1, w)
        r += 1
    t.ranges[t.name] = (first, 1, r - 1, 1)
    t.put(r, 0, "合计 Sum")
    t.put(r, 1, formula=f"SUM({t.name})")
    r += 1
    total = table.total
    if abs(total - 1) <= 1e-9:
        _policy(t, r, "权重检查", "Weight check", "Check", "ERROR",
                "权重合计 100%: ERROR 在合计偏离 100% 时报错。The weights add up to 100 %: ERROR flags them if that changes.")
    else:
        pct = fmt(total * 100)
        _policy(t, r, "权重检查", "Weight check", "Check", "AS_IS",
                f"今天权重合计 {pct}%, 总分按原样使用。Today the weights add up to {pct}% and totals are used as they are: "
                f"AS_IS reproduces it. ERROR shows #VALUE!, NORMALIZE divides by {fmt(total)}.")
    t.args = [t.name, f"{t.name}_Check"]
