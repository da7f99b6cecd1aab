"""``kpi lint BOOK.xlsx``: hand-written band logic in a workbook, its band tables and their holes.

Every copied-down block of band logic (:mod:`.copied_blocks`) is one ``band-logic``
finding with its reconstructed table; every defect of that table (:mod:`.band_tables`) is
a finding of its own kind with the rows of the workbook whose current value falls into it
(those are the employees whose score is wrong today, silently); and a column whose rows do
not all use the same table gets an ``inconsistent-rows`` finding for the odd ones.

Nothing is written and nothing is computed: values are the workbook's own (cached values of
formulas included), so ``kpi lint`` shows the workbook as its users see it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KpiError
from ..i18n import _
from ..recalc.a1 import col_letters
from .band_tables import UNKNOWN, BandTable, KeyTable, Resolver, WeightVector, same_value, show
from .copied_blocks import RuleBlock, rule_blocks
from .formula_render import moved, render, sheet_prefix
from .shapes import IfBands, Lookup, Weights
from .sheet_reader import Workbook, read

KINDS = ("band-logic", "gap", "overlap", "empty-band", "unreachable", "inconsistent-rows", "unsorted-lookup",
         "weights")
DEFECT_KINDS = KINDS[1:]

EXIT_CLEAN = 0
EXIT_DEFECT = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3

#: How many concerned rows a finding lists in full (the count is always given).
MAX_ROWS_LISTED = 500


@dataclass
class RowHit:
    """A row of the workbook concerned by a finding: its value and what it gets."""

    cell: str  # the formula cell, e.g. "N7"
    value: Any  # the looked-up value
    gets: Any  # what the cell shows today
    note: str = ""


@dataclass
class Finding:
    sheet: str
    cells: str  # A1 ranges of the formula cells, e.g. "N3:N52" or "N3:N16,N18:N52"
    kind: str
    message: str
    rows: list[RowHit] = field(default_factory=list)
    rows_count: int = 0
    #: For band-logic: the reconstructed table, as text and as rows (lower, upper, bounds, result).
    table: str = ""
    bands: list[dict] = field(default_factory=list)

    @property
    def defect(self) -> bool:
        return self.kind != "band-logic"

    def as_json(self) -> dict:
        d = asdict(self)
        d["defect"] = self.defect
        for row in d["rows"]:
            row["value"], row["gets"] = _json_value(row["value"]), _json_value(row["gets"])
        return d


@dataclass
class LintReport:
    file: str
    formulas: int = 0
    blocks: list[RuleBlock] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def defects(self) -> list[Finding]:
        return [f for f in self.findings if f.defect]

    def exit_code(self) -> int:
        return EXIT_DEFECT if self.defects else EXIT_CLEAN

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "formulas": self.formulas,
            "band_logic_blocks": sum(f.kind == "band-logic" for f in self.findings),
            "defects": len(self.defects),
            "findings": [f.as_json() for f in self.findings],
            "exit_code": self.exit_code(),
        }


# -- cells -----------------------------------------------------------------------------------

def ranges(col: int, rows: list[int]) -> str:
    """Rows of one column as A1 ranges: N3:N16,N18:N52."""
    letters = col_letters(col)
    rows = sorted(set(rows))
    out, start = [], None
    for i, r in enumerate(rows):
        if start is None:
            start = r
        if i + 1 == len(rows) or rows[i + 1] != r + 1:
            out.append(f"{letters}{start}" if start == r else f"{letters}{start}:{letters}{r}")
            start = None
    return ",".join(out)


def _json_value(v: Any) -> Any:
    if isinstance(v, KpiError):
        return v.code
    if v is UNKNOWN:
        return None
    return v


# -- describing a block ---------------------------------------------------------------------------

def shape_text(block: RuleBlock) -> str:
    """What the block is, named with its own first row's cells."""
    shape = block.shape
    dr = block.rows[0] - block.rep_row
    if isinstance(shape, IfBands):
        subject, n, guard = render(moved(shape.subject, dr)), shape.conditions, shape.guard_result is not None
        if shape.kind == "map" and guard:
            return _("categorical IF chain on {value} ({count} conditions, blank guard)", value=subject, count=n)
        if shape.kind == "map":
            return _("categorical IF chain on {value} ({count} conditions)", value=subject, count=n)
        if guard:
            return _("nested {function} on {value} ({count} conditions, blank guard)", function=shape.function,
                     value=subject, count=n)
        return _("nested {function} on {value} ({count} conditions)", function=shape.function, value=subject, count=n)
    if isinstance(shape, Lookup):
        return _("approximate {function} of {value}", function=shape.function, value=render(moved(shape.subject, dr)))
    if shape.scores is not None:
        return _("SUMPRODUCT weights over {scores}", scores=render(moved(shape.scores, dr)))
    return _("weighted sum of {count} terms", count=len(shape.terms))


def subject_values(book: Workbook, block: RuleBlock) -> dict[int, Any]:
    """Row → the value the rule looks up in that row (as the workbook holds it now)."""
    shape = block.shape
    if isinstance(shape, Weights):
        return {}
    out = {}
    for r in block.rows:
        out[r] = Resolver(book, block.sheet, r - block.rep_row).evaluate(shape.subject)
    return out


def _is_blank_ref(book: Workbook, block: RuleBlock, row: int) -> bool:
    from ..recalc.graph.parse import Ref

    subject = getattr(block.shape, "subject", None)
    if not isinstance(subject, Ref):
        return False
    return Resolver(book, block.sheet, row - block.rep_row).value(subject) in (None, "")


def _hits(book: Workbook, block: RuleBlock, values: dict[int, Any], region, guard: bool) -> list[RowHit]:
    """Rows whose looked-up value is in ``region`` (every row with a value when None)."""
    sheet = book.sheet(block.sheet)
    keyed = isinstance(block.table, KeyTable)
    hits = []
    for r in block.rows:
        x = values.get(r)
        if keyed and isinstance(x, str) and region is None:
            hits.append(RowHit(f"{col_letters(block.col)}{r}", x,
                               sheet.values.get((r, block.col)) if sheet else None))
            continue
        if not isinstance(x, float) or isinstance(x, bool):
            continue
        if guard and _is_blank_ref(book, block, r):
            continue
        if region is None or region.contains(x):
            blank = _is_blank_ref(book, block, r)
            hits.append(RowHit(f"{col_letters(block.col)}{r}", None if blank else x,
                               sheet.values.get((r, block.col)) if sheet else None,
                               _("blank (read as 0)") if blank else ""))
    return hits


def _finding(block: RuleBlock, kind: str, message: str, hits: list[RowHit] | None = None,
             cells: str | None = None) -> Finding:
    hits = hits or []
    return Finding(block.sheet, cells or ranges(block.col, block.rows), kind, message,
                   hits[:MAX_ROWS_LISTED], len(hits))


# -- the pass ----------------------------------------------------------------------------------

def lint_book(book: Workbook) -> LintReport:
    report = LintReport(str(book.path))
    for sheet in book.sheets.values():
        report.formulas += len(sheet.keys)
        report.blocks.extend(rule_blocks(book, sheet))
    for block in report.blocks:
        report.findings.extend(block_findings(book, block))
    report.findings.extend(inconsistent_rows(book, report.blocks))
    order = {k: i for i, k in enumerate(KINDS)}
    sheets = {name: i for i, name in enumerate(book.sheets)}
    report.findings.sort(key=lambda f: (sheets.get(f.sheet, 0), _first_col(f.cells), _first_row(f.cells),
                                        order[f.kind]))
    return report


def lint_workbook(path: Path | str) -> LintReport:
    """Lint the workbook at ``path`` (PackageError when it cannot be read)."""
    return lint_book(read(path))


def _first_col(cells: str) -> tuple[int, str]:
    letters = "".join(ch for ch in cells.split(":")[0].split(",")[0] if ch.isalpha())
    return len(letters), letters


def _first_row(cells: str) -> int:
    digits = "".join(ch for ch in cells.split(":")[0].split(",")[0] if ch.isdigit())
    return int(digits or 0)


def block_findings(book: Workbook, block: RuleBlock) -> list[Finding]:
    table = block.table
    if table is None:
        return [_finding(block, "band-logic", _("{shape}; its table cannot be read: {reason}", shape=shape_text(block),
                                                reason=block.problem))]
    values = subject_values(book, block)
    unknown = []
    if isinstance(table, KeyTable):  # ratings the chain does not list: they get its ELSE
        unknown = [h for h in _hits(book, block, values, None, False)
                   if isinstance(h.value, str) and h.value.strip() and not table.has(h.value)]
        for h in unknown:
            h.note = _("not a key: gets the ELSE")
    unsaved = sum(1 for v in values.values() if v is UNKNOWN)
    note = _("({count} row(s) have no saved value to look up: run kpi recalc first to list them)",
             count=unsaved) if unsaved else ""
    if note and not note.startswith("（"):  # no space before a full-width parenthesis
        note = " " + note
    head = _finding(block, "band-logic", f"{shape_text(block)}: {table.describe()}{note}", unknown)
    head.table = table.describe()
    head.bands = table_json(table)
    out = [head]
    guard = isinstance(block.shape, IfBands) and block.shape.guard_result is not None
    for d in table.defects():
        if d.every_row:
            hits = [RowHit(f"{col_letters(block.col)}{r}", None,
                           book.sheet(block.sheet).values.get((r, block.col))) for r in block.rows]
            out.append(_finding(block, d.kind, d.message, hits))
        elif d.kind == "unsorted-lookup" and isinstance(table, BandTable):
            hits = []
            for h in _hits(book, block, values, None, guard):
                x = 0.0 if h.value is None else h.value
                meant = table.intended(x)
                got = table.result_for(x)
                if not same_value(meant, got):
                    h.note = _("a sorted table gives {meant}, the search gives {got}", meant=show(meant), got=show(got))
                    hits.append(h)
            out.append(_finding(block, d.kind, d.message, hits))
        else:
            region = d.region
            hits = _hits(book, block, values, region, guard) if region is not None else []
            out.append(_finding(block, d.kind, d.message, hits))
    return out


def inconsistent_rows(book: Workbook, blocks: list[RuleBlock]) -> list[Finding]:
    """Rows of a column whose table differs from the table most rows of that column use."""
    groups: dict[tuple, list[RuleBlock]] = defaultdict(list)
    for b in blocks:
        if b.table is not None:
            groups[(b.sheet, b.col, b.signature())].append(b)
    out = []
    for members in groups.values():
        by_behaviour: dict[tuple, list[RuleBlock]] = defaultdict(list)
        for b in members:
            by_behaviour[b.behaviour()].append(b)
        if len(by_behaviour) < 2:
            continue
        ranked = sorted(by_behaviour.values(), key=lambda bs: (-sum(len(b.rows) for b in bs),
                                                               min(b.rows[0] for b in bs)))
        major = ranked[0]
        major_rows = sorted(r for b in major for r in b.rows)
        major_table = major[0].table
        for minority in ranked[1:]:
            rows = sorted(r for b in minority for r in b.rows)
            b0 = minority[0]
            parts = {"rows": ranges(b0.col, rows), "table": _table_text(b0.table), "count": len(major_rows),
                     "column": col_letters(b0.col), "other_rows": ranges(b0.col, major_rows),
                     "other_table": _table_text(major_table)}
            if all(b.key == major[0].key for b in minority):
                message = _("rows {rows} use {table}, where the other {count} rows of column {column} ({other_rows}) "
                            "use {other_table} (the same formula reads its table from rows that move down with it: a $ "
                            "forgotten?)", **parts)
            else:
                message = _("rows {rows} use {table}, where the other {count} rows of column {column} ({other_rows}) "
                            "use {other_table}", **parts)
            hits = []
            for b in minority:
                values = subject_values(book, b)
                if isinstance(b.table, WeightVector):
                    hits += [RowHit(f"{col_letters(b.col)}{r}", None,
                                    book.sheet(b.sheet).values.get((r, b.col))) for r in b.rows]
                    continue
                for h in _hits(book, b, values, None, False):
                    x = 0.0 if h.value is None else h.value
                    theirs, others = b.table.result_for(x), major_table.result_for(x)
                    if not same_value(theirs, others):
                        h.note = _("the other rows' rule gives {result}", result=show(others))
                        hits.append(h)
            out.append(Finding(b0.sheet, ranges(b0.col, rows), "inconsistent-rows", message,
                               hits[:MAX_ROWS_LISTED], len(hits)))
    return out


def table_json(table) -> list[dict]:
    """The reconstructed table as rows: what each band gets (first match first), then the ELSE."""
    if isinstance(table, WeightVector):
        return [{"weight": w} for w in table.weights]
    if isinstance(table, KeyTable):
        rows = [{"key": k, "result": _json_value(r)} for k, r in zip(table.keys, table.results, strict=True)]
        return rows + [{"key": None, "result": _json_value(table.else_result), "written": "(ELSE)"}]

    def row(p, result, written, else_=False) -> dict:
        return {"lower": None if p.lo == -math.inf else p.lo, "upper": None if p.hi == math.inf else p.hi,
                "bounds": p.code, "result": _json_value(result), "written": written, "else": else_}

    out = [row(p, r.result, r.text) for r in table.rows for p in r.effective.pieces]
    out += [row(p, table.else_result, "(ELSE)", True) for p in table.uncovered.pieces]
    out += [{"lower": r.bound.lo if r.bound else None, "upper": r.bound.hi if r.bound else None,
             "bounds": r.bound.interval().code if r.bound else None, "result": _json_value(r.result),
             "written": r.text, "never_applies": True} for r in table.rows if r.effective.empty]
    return out


def _table_text(table) -> str:
    if isinstance(table, WeightVector):
        return _("weights {weights}", weights=table.describe())
    return table.describe()


# -- printing ------------------------------------------------------------------------------------

def print_report(report: LintReport, console=None) -> None:
    from rich.markup import escape

    from ..cli_output import stdout_console

    console = console or stdout_console(soft_wrap=True, highlight=False)
    for f in report.findings:
        mark = "[bold red]✗[/]" if f.defect else "[cyan]•[/]"
        where = f"{sheet_prefix(f.sheet)}{f.cells}"
        console.print(f"{mark} [bold]{f.kind}[/] {escape(where)}: {escape(f.message)}")
        if f.rows_count and all(h.value is None and not h.note for h in f.rows):
            console.print("    [dim]" + escape(_("rows now: all {count} rows ({cells})", count=f.rows_count,
                                                  cells=f.cells)) + "[/]")
        elif f.rows_count:
            notes = {h.note for h in f.rows}
            common = notes.pop() if len(notes) == 1 else ""
            shown = ", ".join(_hit_text(h, with_note=not common) for h in f.rows[:8])
            if common:
                line = _("rows now ({note}): {rows}", note=common, rows=shown)
            else:
                line = _("rows now: {rows}", rows=shown)
            if f.rows_count > 8:
                line = _("{rows} … {count} rows", rows=line, count=f.rows_count)
            console.print(f"    [dim]{escape(line)}[/]")
    blocks = sum(f.kind == "band-logic" for f in report.findings)
    where = {"file": report.file, "formulas": f"{report.formulas:,}"}
    if not report.findings:
        verdict = _("✓ no hand-written band logic found in {file} ({formulas} formula cells)", **where)
        console.print(f"[green]{escape(verdict)}[/]")
    elif not report.defects:
        verdict = _("✓ {blocks} band-logic block(s), no defect in {file} ({formulas} formula cells)", blocks=blocks,
                    **where)
        console.print(f"[green]{escape(verdict)}[/]")
    else:
        verdict = _("{blocks} band-logic block(s), {defects} defect(s) in {file} ({formulas} formula cells)",
                    blocks=blocks, defects=len(report.defects), **where)
        console.print(f"[bold]{escape(verdict)}[/]")


def _hit_text(h: RowHit, with_note: bool = True) -> str:
    value = _("blank") if h.value is None else show(h.value)
    gets = show(h.gets) if h.gets is not None else _("blank")
    extra = f" ({h.note})" if h.note and with_note else ""
    return f"{h.cell} {value} → {gets}{extra}"
