"""A workbook loaded into `formulas`' calculation graph, with our hooks in place.

:class:`WorkbookModel` is `formulas`' ``ExcelModel`` with these differences:

* it takes an openpyxl workbook we opened ourselves (the input file is only read), and
  never opens another file: references to external workbooks become ``#REF!``;
* each formula is rewritten first (:mod:`.rewrite`: Tables, sheet-level names) and one
  that cannot be parsed becomes ``#NAME?`` with a note, instead of failing the load;
* a broken or unsupported defined name is skipped rather than failing the load;
* every formula cell's function is wrapped (:class:`CellHook`) to tell the session which
  cell is being computed (for error reasons and progress); a formula whose result is a
  KPI_ function's keeps its blanks (None), others turn an empty result into 0 as Excel.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from formulas.cell import Cell, format_output
from formulas.excel import BOOK, ExcelModel, _encode_path
from formulas.functions import get_functions, replace_empty
from formulas.ranges import Ranges
from formulas.tokens.operand import _build_sheet_id
from openpyxl.utils.cell import get_column_letter, range_boundaries

from .blocks import Block, BlockEvaluator, CompiledBlock, call_block, find_blocks
from .formula_text import IDENT, OTHER, function_names, scan
from .kpi_bridge import kpi_name
from .rewrite import FormulaRewriter
from .session import Session

#: The name the workbook has inside the graph (any file name is replaced by it, so
#: unusual characters in the real file name cannot disturb formula parsing).
BOOK_NAME = "BOOK.XLSX"


@dataclass
class FormulaCell:
    """One formula of the workbook, as the evaluator tracks it."""

    sheet: str  # sheet title as in workbook.xml
    ref: str  # the formula's cell (the top-left cell of an array formula)
    area: str  # the cells it fills: "D2:D21" for an array formula, else ref
    text: str  # the formula as in the file
    parsed: str = ""  # the formula as handed to `formulas` (after rewriting)
    node: str = ""  # its output node in the graph
    kind: str = "formula"  # "formula", "array", "datatable" or "block" (taken by a block evaluator)
    #: Why the formula could not be evaluated as written (also its cell's error reason).
    failure: str | None = None
    failure_code: str = "#NAME?"
    unknown: list[str] = field(default_factory=list)  # functions the engine does not know
    #: The range its graph node covers when that is more than its own cells (a block).
    node_area: str = ""

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return range_boundaries(self.area)

    @property
    def origin(self) -> tuple[int, int]:
        """(column, row) of the top-left cell of its node's range."""
        c1, r1, _, _ = range_boundaries(self.node_area or self.area)
        return c1, r1


def outer_kpi_call(formula: str) -> bool:
    """Whether the whole formula is one KPI_ call (``=KPI_GRADE(...)``)."""
    pieces = [p for p in scan(formula.lstrip("=").strip())]
    if len(pieces) < 2 or pieces[0].kind != IDENT or kpi_name(pieces[0].text) is None:
        return False
    depth = 0
    text = "".join(p.text if p.kind == OTHER else "x" for p in pieces[1:])
    if not text.startswith("("):
        return False
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i == len(text.rstrip()) - 1
    return False


class _NoBar:
    """Stands in for tqdm's progress bar inside `formulas` (we report progress ourselves)."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.total = kwargs.get("total", 0)

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None

    def refresh(self) -> None:
        return None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No progress bar from `formulas` and no log lines from its dispatcher: failures of
    single cells are reported in the Evaluation, not on the console."""
    import formulas.excel as fx

    loggers = [logging.getLogger(name) for name in ("schedula", "formulas")]
    levels = [lg.level for lg in loggers]
    saved = fx.tqdm
    fx.tqdm = types.SimpleNamespace(tqdm=_NoBar)
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        fx.tqdm = saved
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


class CellHook:
    """A formula cell's function, telling the session which cell is being computed."""

    def __init__(self, func: Any, output: str, keep_blank: bool, session: Session, weight: int = 1):
        self.func, self.output, self.keep_blank, self.session = func, output, keep_blank, session
        self.weight = weight
        self.__name__ = getattr(func, "__name__", output)

    def __getattr__(self, name: str) -> Any:  # inputs, check_cycles… of the wrapped function
        if name == "func":
            raise AttributeError(name)
        return getattr(self.func, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        session = self.session
        session.current = self.output
        try:
            raw = self.func(*args, **kwargs)
        finally:
            session.current = None
            session.tick(self.weight)
        return raw if self.keep_blank else replace_empty(raw)


class WorkbookModel(ExcelModel):
    """`formulas`' model of one workbook (see module doc)."""

    def __init__(
        self, book: Any, session: Session, rewriter: FormulaRewriter, block_evaluator: BlockEvaluator | None = None
    ):
        super().__init__()
        self.block_evaluator = block_evaluator
        self.book = book
        self.session = session
        self.rewriter = rewriter
        self.formula_cells: list[FormulaCell] = []
        self.skipped_names: dict[str, str] = {}
        self.by_node: dict[str, FormulaCell] = {}
        self._covered: set[str] = set()
        self._known = get_functions()

    # -- loading -------------------------------------------------------------

    def build(self) -> WorkbookModel:
        """Compile every cell of every worksheet and complete the graph."""
        self.basedir = "."
        self.books[BOOK_NAME] = {BOOK: self.book}
        with quiet():
            book, context = self.add_book(BOOK_NAME)
            for ws in book.worksheets:
                self.push(ws, context=context)
            # formulas' cycle search is quadratic: run it only when there is a cycle
            self.finish(circular=has_cycle(self.dsp.dmap.succ))
        return self

    def calculate(self, *args, **kwargs):
        with quiet():
            return super().calculate(*args, **kwargs)

    def push(self, worksheet, context):
        """Compile one worksheet's cells (blocks a block evaluator claims as one node each)."""
        worksheet, context = self.add_sheet(worksheet, context)
        references = self.references
        formula_references = self.formula_references(context)
        formula_ranges = self.formula_ranges(context)
        ctx = {"external_links": self.external_links(context)}
        ctx.update(context)
        # cells of an array formula's range other than its anchor belong to the anchor
        self._covered = set()
        for anchor, area in formula_references.items():
            c1, r1, c2, r2 = range_boundaries(area)
            self._covered.update(
                f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
            )
            self._covered.discard(anchor)
        claimed: set[str] = set()
        if self.block_evaluator is not None:
            claimed = self._claim_blocks(worksheet, ctx, formula_references)
        cells = []
        for row in worksheet.iter_rows():
            for c in row:
                if hasattr(c, "value") and c.coordinate not in claimed:
                    cells.append(self.compile_cell(c, ctx, references, formula_references))
        for cell in cells:
            self.add_cell(cell, ctx, formula_ranges)
        return self

    def _claim_blocks(self, worksheet, ctx, formula_references) -> set[str]:
        """Offer the sheet's copied-down blocks to the block evaluator; add the taken ones."""
        sheet = worksheet.title
        singles = []
        for row in worksheet.iter_rows():
            for c in row:
                if c.data_type == "f" and isinstance(c.value, str) and c.coordinate not in formula_references:
                    text = c.value if c.value.startswith("=") else "=" + c.value
                    singles.append((sheet, c.row, c.column, self.rewriter.rewrite(text, sheet, c.row, c.column, array=False)))
        claimed: set[str] = set()
        for block in find_blocks(singles):
            try:
                compiled = self.block_evaluator.compile(block)
            except Exception:
                compiled = None
            if compiled is None:
                continue
            try:
                self._add_block(block, compiled, ctx)
            except Exception:
                continue
            col = get_column_letter(block.col)
            for k, row in enumerate(range(block.first_row, block.last_row + 1)):
                ref = f"{col}{row}"
                claimed.add(ref)
                fc = FormulaCell(sheet, ref, ref, worksheet[ref].value, parsed=block.formulas[k])
                fc.node, fc.node_area, fc.kind = self._block_node, block.area, "block"
                self.formula_cells.append(fc)
                self.session.tick()
        return claimed

    def _add_block(self, block: Block, compiled: CompiledBlock, ctx) -> None:
        rng = Ranges().push(block.area, context=ctx).ranges[0]
        out = rng["name"]
        placeholder = Cell(block.area, None, context=ctx)
        self.dsp.add_data(out, filters=(functools.partial(format_output, rng),))
        inputs = []
        for ref in compiled.inputs:
            irng = Ranges().push(ref, context=ctx).ranges[0]
            if irng["name"] not in self.dsp.nodes:
                self.dsp.add_data(irng["name"], filters=(functools.partial(format_output, irng),))
            inputs.append(irng["name"])
        hook = CellHook(functools.partial(call_block, compiled), out, compiled.keep_blank, self.session, block.rows)
        self.dsp.add_function(f"={out}", hook, inputs or None, [out])
        self.cells[out] = placeholder
        self.formula_ranges(ctx).add(Ranges().push(block.area, context=ctx))
        self._block_node = out

    def read_cells(self, sid: str, r1: int, c1: int, r2: int, c2: int):
        """Current values of a rectangle of cells (for OFFSET with computed arguments):
        constants, and formula results already computed; a formula cell not computed yet
        is reported as None so the caller can refuse."""
        import numpy as np
        import schedula as sh

        solution = self.dsp.solution or {}
        defaults = self.dsp.default_values
        out = np.empty((r2 - r1 + 1, c2 - c1 + 1), dtype=object)
        for i, r in enumerate(range(r1, r2 + 1)):
            for j, c in enumerate(range(c1, c2 + 1)):
                name = f"{sid}!{get_column_letter(c)}{r}"
                if name in solution:
                    v = solution[name]
                elif name in defaults:
                    v = defaults[name]["value"]
                elif name in self.dsp.nodes:
                    return None  # a formula not computed yet
                else:
                    v = sh.EMPTY
                if isinstance(v, Ranges):
                    v = np.asarray(v.value, dtype=object).ravel()[0]
                elif isinstance(v, np.ndarray):
                    v = v.ravel()[0]
                out[i, j] = v
        return out

    def add_book(self, book=None, context=None, data_only=False):
        if isinstance(book, str) and _encode_path(book).upper().lstrip("./") != BOOK_NAME:
            raise FileNotFoundError(f"external workbook {book!r} is not read")
        return super().add_book(book, context=context, data_only=data_only)

    def add_references(self, book, context=None):
        """Workbook-level defined names; a name that cannot be parsed is skipped."""
        from formulas.cell import Ref

        refs, nodes = {}, set()
        names = book.defined_names
        for n in names.values() if isinstance(names, dict) else names.definedName:
            if n.hidden or n.localSheetId is not None or n.value is None:
                continue
            try:
                value = self.rewriter.rewrite("=" + n.value)
                ref = Ref(n.name.upper(), value, context).compile(context=context)
                nodes.update(ref.add(self.dsp, context=context))
            except Exception as exc:
                self.skipped_names[n.name] = f"{type(exc).__name__}: {exc}"
                continue
            refs[ref.output] = None
            self.cells[ref.output] = ref
        self._update_refs(nodes, refs)
        return refs

    def compile_cell(self, cell, context, references, formula_references):
        if cell.data_type == "n" and isinstance(cell.value, float) and cell.coordinate not in self._covered:
            # A typed-in number keeps every bit Excel saved: `formulas` rounds it to 15
            # decimal places, which makes e.g. 0.50902777777777775 (12:13, 733/1440) differ
            # from TIMEVALUE("12:13") in a comparison, where Excel sees them equal.
            crd = formula_references.get(cell.coordinate, cell.coordinate)
            return self._compile_cell(crd, cell.value, context, True, references)
        if cell.data_type != "f" or cell.coordinate in self._covered:
            return super().compile_cell(cell, context, references, formula_references)
        crd = cell.coordinate
        area = formula_references.get(crd, crd)
        val = cell.value
        sheet = cell.parent.title
        text = val if isinstance(val, str) else getattr(val, "text", None)
        fc = FormulaCell(sheet, crd, area, text or "", kind="array" if area != crd else "formula")
        self.formula_cells.append(fc)
        if text is None:  # a What-If data table: Excel's own feature, not a formula
            fc.kind = "datatable"
            fc.failure, fc.failure_code = "a data table (What-If analysis) is not computed", "#N/A"
            self.session.tick()
            return self._error_cell(fc, context)
        if text[:2] == "==":
            text = text[1:]
        if not text.startswith("="):
            text = "=" + text
        fc.text = text
        try:
            fc.parsed = self.rewriter.rewrite(text, sheet, cell.row, cell.column, array=area != crd)
        except Exception as exc:  # pragma: no cover - the rewriter is total by design
            fc.parsed = text
            fc.failure = f"cannot rewrite formula: {exc}"
        fc.unknown = [n for n in dict.fromkeys(function_names(fc.parsed)) if n not in self._known and not self._special(n)]
        session = self.session
        pending = session.current = f"{sheet_id(sheet)}!{area}"
        try:
            compiled = self._compile_cell(area, fc.parsed, context, True, references)
        except Exception as exc:
            fc.failure = f"cannot parse formula {text!r}: {type(exc).__name__}"
            return self._error_cell(fc, context)
        finally:
            session.current = None
            session.tick()
        fc.node = compiled.output
        self.by_node[fc.node] = fc
        if pending != fc.node and pending in session.results:
            session.results[fc.node].extend(session.results.pop(pending))
        return compiled

    @staticmethod
    def _special(name: str) -> bool:
        """Names `formulas` handles in its parser rather than its function table."""
        bare = name.removeprefix("_XLFN.")
        return bare in ("LAMBDA", "LET", "ANCHORARRAY", "INDIRECT") or name.startswith("_XLETA.")

    def _error_cell(self, fc: FormulaCell, context) -> Cell:
        cell = self._compile_cell(fc.area, "=" + fc.failure_code, context, True, {})
        fc.node = cell.output
        self.by_node[fc.node] = fc
        return cell

    def add_cell(self, cell, context, formula_ranges):
        added = super().add_cell(cell, context, formula_ranges)
        if added is not None and added.func is not None:
            for fid in self.dsp.dmap.pred.get(added.output, ()):
                node = self.dsp.nodes[fid]
                if node.get("type") == "function" and node["function"] is added.func:
                    fc = self.by_node.get(added.output)
                    keep = fc is not None and outer_kpi_call(fc.parsed)
                    node["function"] = CellHook(added.func, added.output, keep, self.session)
                    node.pop("filters", None)
        return added



def has_cycle(succ: dict) -> bool:
    """Whether a directed graph (node → successors) has a cycle (Kahn's algorithm)."""
    indegree: dict = dict.fromkeys(succ, 0)
    for targets in succ.values():
        for t in targets:
            indegree[t] = indegree.get(t, 0) + 1
    ready = [n for n, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        n = ready.pop()
        seen += 1
        for t in succ.get(n, ()):
            indegree[t] -= 1
            if indegree[t] == 0:
                ready.append(t)
    return seen < len(indegree)


def sheet_id(title: str) -> str:
    """How the graph names a sheet of the workbook (in node ids and range dicts)."""
    return _build_sheet_id(sheet=title, filename=BOOK_NAME)
