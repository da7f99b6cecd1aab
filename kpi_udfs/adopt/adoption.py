"""``kpi adopt BOOK.xlsx -o ADOPTED.xlsx``: move hand-written band logic onto KPI_ functions.

1. lint the workbook (:mod:`.lint`): the blocks of band logic and their tables;
2. plan the Rules sheet (:mod:`.rules_sheet`): one table per distinct rule, policies that
   reproduce today's behaviour, and the KPI_ call each block's cells get;
3. write the copy (:mod:`.xlsx_edit`): new formulas in those cells, the Rules sheet and
   its names, nothing else changed;
4. recalculate the copy with the engine (``kpi_udfs.recalc.evaluate``) and compare
   every formula cell with the value the original workbook shows; a cell that differs and
   was not rewritten is checked against the engine's value for the original, so that a
   difference between the engine and the saved value is not blamed on the adoption;
5. write the new values of the rewritten cells (and of the cells whose value the adoption
   changed) into the copy, atomically, and save the one-page report beside it.

The input is only read. An existing output is refused unless ``force``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KpiError
from ..i18n import _
from ..recalc.a1 import col_letters
from ..recalc.model import Evaluation
from ..recalc.read.archive import PackageError, open_package
from ..recalc.read.cells import copy_down
from .band_tables import same_value
from .copied_blocks import RuleBlock
from .formula_render import replace_parts
from .lint import LintReport, lint_book
from .rules_sheet import RulesTable, plan_tables
from .sheet_reader import Workbook, read
from .xlsx_edit import EditError, RulesSheet, existing_names, place, write_copy

RULES_SHEET = "Rules"


class AdoptError(Exception):
    """The adoption cannot go ahead (a usage problem: the output exists, is the input…)."""


class NothingToAdopt(Exception):
    """The workbook holds no band logic: there is nothing to write."""


@dataclass
class Difference:
    sheet: str
    cell: str
    row: int
    old: Any
    new: Any
    rewritten: bool  # the cell got a new formula (else: it depends on one)
    reason: str = ""


@dataclass
class Adoption:
    """What ``kpi adopt`` did."""

    source: Path
    output: Path
    report_path: Path
    lint: LintReport
    tables: list[RulesTable]
    refused: list[tuple[RuleBlock, str]]
    rules_sheet: str
    cells_rewritten: int = 0
    #: Formula cells compared (every formula cell of the original with a saved value), and those without one.
    compared: int = 0
    unsaved: int = 0
    differences: list[Difference] = field(default_factory=list)
    #: Cells where the engine and the saved value already differ in the original (not the adoption's doing).
    engine_differences: list[Difference] = field(default_factory=list)
    #: (sheet, cell) → (old formula, new formula) for the first cell of each block.
    examples: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def limits(self) -> list[str]:
        return [f"{t.name}: {x}" for t in self.tables for x in t.limits]

    @property
    def notes(self) -> list[str]:
        return [f"{t.name}: {x}" for t in self.tables for x in t.notes]


def _unique_sheet_name(book: Workbook) -> str:
    taken = {n.casefold() for n in book.sheets}
    name, k = RULES_SHEET, 2
    while name.casefold() in taken:
        name = f"{RULES_SHEET}{k}"
        k += 1
    return name


def _rename_tables(tables: list[RulesTable], taken: set[str]) -> None:
    """Give a table whose names an existing defined name already uses another prefix (Band1_2…)."""
    for t in tables:
        suffixes = [n[len(t.name):] for n in t.ranges]
        base, candidate, k = t.name, t.name, 1
        while any((candidate + sfx).upper() in taken for sfx in suffixes):
            k += 1
            candidate = f"{base}_{k}"
        if candidate != base:
            _retag(t, base, candidate)
            t.name = candidate


def _retag(t: RulesTable, old: str, new: str) -> None:
    t.ranges = {new + n[len(old):]: v for n, v in t.ranges.items()}
    t.args = [new + a[len(old):] if a.startswith(old) else a for a in t.args]
    for cell in t.cells.values():
        if cell.formula:
            cell.formula = cell.formula.replace(old + "_", new + "_").replace(f"SUM({old})", f"SUM({new})")
        if isinstance(cell.value, str) and cell.value.startswith(old + "  "):
            cell.value = new + cell.value[len(old):]


def _intro(source: Path) -> list[str]:
    return [
        "考核规则 Rules (kpi adopt)",
        f"由 kpi adopt 从 {source.name} 的手写公式整理 · Rebuilt by kpi adopt from the hand-written formulas of "
        f"{source.name}.",
        "每张表由 KPI_ 函数通过命名区域读取; 策略格的取值重现原公式今天的结果, 改动前请看说明。Each table is read by KPI_ "
        "functions through its named ranges; every policy cell reproduces what the formula does today: read its "
        "note before changing it.",
    ]


def plan_formulas(book: Workbook, tables: list[RulesTable]) -> tuple[dict[str, dict[tuple[int, int], str]],
                                                                    list[tuple[str, str, str, str]]]:
    """New formula text of every cell to rewrite, per sheet; and one example (old → new) per block."""
    # per (sheet, column, key): the rows and, per row, which table each of the formula's shapes uses
    table_of: dict[int, RulesTable] = {}
    for t in tables:
        for b in t.blocks:
            table_of[id(b)] = t
    groups: dict[tuple[str, int, str], dict[int, dict[int, tuple[RuleBlock, RulesTable]]]] = {}
    for t in tables:
        for b in t.blocks:
            per_row = groups.setdefault((b.sheet, b.col, b.key), {})
            for r in b.rows:
                per_row.setdefault(r, {})[b.index] = (b, t)
    out: dict[str, dict[tuple[int, int], str]] = {}
    examples = []
    for (sheet, col, _key), per_row in groups.items():
        by_choice: dict[tuple, list[int]] = {}
        for r, choice in per_row.items():
            by_choice.setdefault(tuple(sorted((i, t.name) for i, (_b, t) in choice.items())), []).append(r)
        for rows in by_choice.values():
            rows.sort()
            choice = per_row[rows[0]]
            block = next(iter(choice.values()))[0]
            # blocks of one formula share its syntax tree: their nodes are the parts to replace
            replacements = {id(b.shape.node): t.call(b) for b, t in choice.values()}
            text = replace_parts(block.text, block.tree, replacements)
            if text is None:
                continue
            form, offsets = copy_down(text, block.rep_row)
            cells = out.setdefault(sheet, {})
            for r in rows:
                cells[(r, col)] = form.format(*[r + o for o in offsets])
            first = rows[0]
            old = book.sheet(sheet).formula((first, col)) or block.text
            examples.append((sheet, f"{col_letters(col)}{first}", "=" + old, "=" + cells[(first, col)]))
    return out, examples


def compare(book: Workbook, evaluation: Evaluation, rewritten: dict[str, dict[tuple[int, int], str]]) -> tuple[
        int, int, list[Difference]]:
    """Every formula cell of the original whose value the copy computes differently; with how
    many were compared and how many had no saved value to compare with."""
    diffs = []
    compared = unsaved = 0
    for sheet in book.sheets.values():
        changed = rewritten.get(sheet.name, {})
        for (r, c) in sorted(sheet.keys):
            ref = f"{col_letters(c)}{r}"
            if (sheet.name, ref) not in evaluation.values:
                continue
            if (r, c) not in sheet.values:  # no saved value to compare with (a workbook never calculated)
                unsaved += 1
                continue
            compared += 1
            old = sheet.values.get((r, c))
            new = evaluation.values[(sheet.name, ref)]
            if isinstance(new, bool) and old == ("TRUE" if new else "FALSE"):
                continue  # kpi recalc caches a boolean as the text TRUE/FALSE (for LibreOffice)
            if not same_value(old, new):
                reason = new.reason if isinstance(new, KpiError) else ""
                diffs.append(Difference(sheet.name, ref, r, old, new, (r, c) in changed, reason))
    return compared, unsaved, diffs


def adopt(source: Path, output: Path, force: bool = False) -> Adoption:
    """Adopt ``source`` into ``output`` (see module doc). AdoptError for usage problems,
    PackageError for an unreadable input, EditError for a package this cannot edit."""
    from ..recalc import evaluate
    from ..recalc.write.safefile import atomic_output
    from ..recalc.write.writer import write_values
    from .adopt_report import write_report

    source, output = Path(source), Path(output)
    if output.resolve() == source.resolve():
        raise AdoptError(_("the output is the input: kpi adopt never writes its input; choose another -o"))
    if output.exists() and not force:
        raise AdoptError(_("{path} exists: use --force to replace it", path=str(output)))
    if output.suffix.lower() not in (".xlsx", ".xlsm"):
        raise AdoptError(_("{path}: the output must be an .xlsx or .xlsm file", path=str(output)))
    book = read(source)
    lint = lint_book(book)
    if not lint.blocks:
        raise NothingToAdopt(f"{source.name}: " + _("no hand-written band logic found: nothing to adopt, no file "
                                                    "written"))
    tables, refused = plan_tables(lint.blocks)
    with open_package(source) as pkg:
        wb_xml = pkg.read(pkg.workbook_part)
    _rename_tables(tables, existing_names(wb_xml))
    rules_name = _unique_sheet_name(book)
    sheet = place(tables, rules_name, _intro(source))
    formulas, examples = plan_formulas(book, tables)
    report_path = output.with_name(output.stem + ".adopt-report.md")
    result = Adoption(source, output, report_path, lint, tables, refused, rules_name, examples=examples)
    with tempfile.TemporaryDirectory(prefix="kpi-adopt-") as tmp:
        edited = Path(tmp) / ("edited" + output.suffix.lower())
        with open_package(source) as pkg, open(edited, "wb") as fh:
            result.cells_rewritten = write_copy(pkg, fh, formulas, sheet)
        try:
            evaluation = evaluate(edited)
        except PackageError as e:
            raise EditError(_("the adopted copy cannot be recalculated: {reason}", reason=str(e))) from None
        result.compared, result.unsaved, diffs = compare(book, evaluation, formulas)
        _attribute(source, diffs, result)
        keep = _values_to_write(evaluation, formulas, sheet, result.differences)
        with atomic_output(output) as fh:
            write_values(edited, keep, fh)
    write_report(result)
    return result


def _attribute(source: Path, diffs: list[Difference], result: Adoption) -> None:
    """Split differences into the adoption's and the engine's own (a cell not rewritten whose
    original the engine already computes differently from its saved value)."""
    others = [d for d in diffs if not d.rewritten]
    engine_says: dict[tuple[str, str], Any] = {}
    if others:
        from ..recalc import evaluate

        engine_says = evaluate(source).values
    for d in diffs:
        if not d.rewritten and (d.sheet, d.cell) in engine_says and same_value(engine_says[(d.sheet, d.cell)], d.new):
            result.engine_differences.append(d)
        else:
            result.differences.append(d)


def _values_to_write(evaluation: Evaluation, formulas: dict, sheet: RulesSheet,
                     differences: list[Difference]) -> Evaluation:
    keep: dict[tuple[str, str], Any] = {}
    for name, cells in formulas.items():
        for (r, c) in cells:
            ref = f"{col_letters(c)}{r}"
            if (name, ref) in evaluation.values:
                keep[(name, ref)] = evaluation.values[(name, ref)]
    for (r, c) in sheet.formula_cells():
        ref = f"{col_letters(c + 1)}{r}"
        if (sheet.name, ref) in evaluation.values:
            keep[(sheet.name, ref)] = evaluation.values[(sheet.name, ref)]
    for d in differences:
        keep[(d.sheet, d.cell)] = d.new
    return Evaluation(values=keep)
