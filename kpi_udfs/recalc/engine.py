"""The evaluator of ``kpi recalc``: every formula cell of a workbook, computed.

:func:`evaluate` reads the workbook (never writing to it), builds `formulas`' graph of
it through :class:`~kpi_udfs.recalc.loader.WorkbookModel`, calculates, and returns an
:class:`~kpi_udfs.recalc.model.Evaluation` with a value for every formula cell (each
cell of an array formula's range included) and, for errors, the reason when one is
known: the KPI_ function's own message, the unknown function's name, the formula that
could not be parsed, the cell it came from.

Seam for the fast path (issue 4): :class:`Recalculation` keeps the loaded workbook, the
formula cells (:class:`~kpi_udfs.recalc.loader.FormulaCell`) and `formulas`' solution
apart, and :mod:`.blocks` groups copied-down formulas into blocks. A vectorised block
evaluator plugs in through ``Recalculation(block_evaluator=...)``: it is offered every
block before `formulas` compiles it, and cells it declines are evaluated cell by cell.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from formulas.excel import XlCircular
from formulas.ranges import Ranges
from formulas.tokens import operand as _operand
from openpyxl.utils.cell import get_column_letter

from ..errors import VALUE, KpiError
from .blocks import BlockEvaluator
from .criteria import install_criteria
from .database_functions import install_database_functions
from .kpi_bridge import register_kpi_functions
from .loader import FormulaCell, WorkbookModel, sheet_id
from .model import CellValue, Evaluation
from .native_fixes import install_native_fixes
from .rewrite import FormulaRewriter
from .session import Session, activate
from .tables import workbook_tables
from .values import OMITTED, to_kpi

_installed = False


def install() -> None:
    """Prepare `formulas` for our workbooks (idempotent; new registry functions are added).

    Omitted arguments become :data:`~kpi_udfs.recalc.values.OMITTED` (still 0 for Excel's
    functions), the native overrides and additions go into the function table, and so
    does every KPI_ function registered so far. The function table is `formulas`' own,
    shared by the whole process.
    """
    global _installed
    if not _installed:
        _operand.Empty.compile = staticmethod(lambda: OMITTED)
        install_native_fixes()
        install_database_functions()
        install_criteria()
        _installed = True
    register_kpi_functions()


def load_workbook(path: Path):
    """The workbook as `formulas` reads it (dates as serial numbers), opened read-only."""
    from formulas.excel.xlreader import load_workbook as xl_load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xl_load(str(path), data_only=False)


def _local_names(book) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for ws in book.worksheets:
        names = getattr(ws, "defined_names", None) or {}
        for name, dn in names.items():
            if dn.value and not name.startswith("_xlnm."):
                out.setdefault(ws.title, {})[name] = dn.value
    return out


def saved_by_mac(path: Path) -> bool:
    """Whether docProps/app.xml names Excel for Mac as the application that saved the file."""
    import zipfile

    from defusedxml import DefusedXmlException, ElementTree

    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("docProps/app.xml")
            if info.file_size > 1_000_000:
                return False
            root = ElementTree.fromstring(z.read(info))
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError, DefusedXmlException, ValueError):
        return False
    app = next((el.text or "" for el in root.iter() if el.tag.endswith("Application")), "")
    return "macintosh" in app.lower()


def _plain_names(book) -> dict[str, str]:
    """Workbook-level names that stand for a plain range (for implicit intersection)."""
    from .rewrite import bounds

    out = {}
    names = book.defined_names
    for name, dn in (names.items() if isinstance(names, dict) else ()):
        value = (dn.value or "").lstrip("=")
        if dn.localSheetId is None and "!" in value and bounds(value.rpartition("!")[2]) is not None:
            out[name] = value
    return out


def _hidden_rows(ws) -> tuple[set[int], set[int]]:
    """Rows hidden in a sheet, and those of them hidden by an active AutoFilter (of the
    sheet or of a Table: one with filter conditions), which SUBTOTAL 1–11 skips too."""
    from openpyxl.utils.cell import range_boundaries

    hidden = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
    filtered: set[int] = set()
    filters = [ws.auto_filter] + [t.autoFilter for t in getattr(ws, "tables", {}).values()]
    for af in filters:
        ref = getattr(af, "ref", None)
        if not ref or not hidden or not getattr(af, "filterColumn", None):
            continue
        try:
            _, r1, _, r2 = range_boundaries(ref)
        except ValueError:
            continue
        filtered |= {r for r in hidden if r1 < r <= r2}
    return hidden, filtered


def _cells(area: str) -> list[tuple[int, int, str]]:
    from openpyxl.utils.cell import range_boundaries

    c1, r1, c2, r2 = range_boundaries(area)
    return [(r, c, f"{get_column_letter(c)}{r}") for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


class Recalculation:
    """One evaluation of one workbook; :meth:`run` fills :attr:`evaluation`."""

    def __init__(
        self,
        path: Path | str,
        *,
        progress: Callable[[int, int], None] | None = None,
        block_evaluator: BlockEvaluator | None = None,
        book: Any = None,
    ):
        self.path = Path(path)
        self.session = Session(progress=progress)
        self.block_evaluator = block_evaluator
        #: The openpyxl workbook, when the caller has already read it with :func:`load_workbook`.
        self.book: Any = book
        self.model: WorkbookModel | None = None
        self.solution: dict = {}
        self.evaluation = Evaluation()

    def run(self) -> Recalculation:
        install()
        if self.book is None:
            self.book = load_workbook(self.path)
        book = self.book
        session = self.session
        count = 0
        session.sheet_names = list(book.sheetnames)
        session.mac = saved_by_mac(self.path)
        for ws in book.worksheets:
            sid = sheet_id(ws.title)
            session.sheet_ids[sid] = ws.title
            session.hidden_rows[sid], session.filtered_rows[sid] = _hidden_rows(ws)
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f":
                        count += 1
                        text = c.value if isinstance(c.value, str) else getattr(c.value, "text", None)
                        if text is not None:
                            session.formulas[(sid, c.row, c.column)] = text
        used = {ws.title: (ws.max_row, ws.max_column) for ws in book.worksheets}
        local = _local_names(book)
        known = set(book.defined_names) | {n for names in local.values() for n in names}
        rewriter = FormulaRewriter(workbook_tables(book), local, used, _plain_names(book), known)
        self.model = WorkbookModel(book, session, rewriter, block_evaluator=self.block_evaluator)
        session.reader = self.model.read_cells
        with activate(session), np.errstate(all="ignore"):
            session.start(2 * count)
            self.model.build()
            self.solution = self.model.calculate() or {}
            session.done = session.total
            session.tick(0)
        self.evaluation = self._collect()
        return self

    # -- results -------------------------------------------------------------

    @property
    def formula_cells(self) -> list[FormulaCell]:
        return self.model.formula_cells if self.model is not None else []

    def _grid(self, fc: FormulaCell) -> np.ndarray | None:
        value = self.solution.get(fc.node)
        if value is None:
            return None
        if isinstance(value, Ranges):
            try:
                value = value.value
            except Exception:
                return None
        grid = np.asarray(value, dtype=object)
        if grid.ndim < 2:
            grid = grid.reshape(1, -1) if grid.ndim == 1 else grid.reshape(1, 1)
        return grid

    def _collect(self) -> Evaluation:
        ev = Evaluation()
        for fc in self.formula_cells:
            grid = self._grid(fc)
            c1, r1 = fc.origin
            shape = None if grid is None else grid.shape
            for row, col, ref in _cells(fc.area):
                key = (fc.sheet, ref)
                if grid is None:
                    reason = fc.failure or "not computed (a circular reference, or the engine failed on it)"
                    ev.values[key] = KpiError(fc.failure_code if fc.failure else VALUE, reason)
                    ev.notes[key] = reason
                    continue
                i, j = row - r1, col - c1
                raw = grid[i, j] if i < shape[0] and j < shape[1] else None
                value: CellValue = to_kpi(raw)
                if isinstance(raw, XlCircular):
                    ev.notes[key] = "circular reference: shows 0, as Excel does without iterative calculation"
                if isinstance(value, KpiError):
                    value = KpiError(value.code, self._reason(fc, value.code, i, j))
                    if fc.failure or fc.unknown:
                        ev.notes[key] = value.reason
                elif value is not None and not isinstance(value, (float, str, bool)):
                    value = KpiError(VALUE, f"unexpected result {type(raw).__name__}")
                    ev.notes[key] = value.reason
                ev.values[key] = value
        _propagate_reasons(ev, self)
        return ev

    def _reason(self, fc: FormulaCell, code: str, i: int, j: int) -> str:
        if fc.failure:
            return fc.failure
        session = self.session
        results = session.results.get(fc.node, ())
        fallback = ""
        for result in results:
            if isinstance(result, KpiError):
                if result.code == code:
                    return result.reason
                continue
            arr = np.asarray(result, dtype=object)
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim == 2 and i < arr.shape[0] and j < arr.shape[1]:
                v = arr[i, j]
                if isinstance(v, KpiError) and v.code == code:
                    return v.reason
            if not fallback:
                fallback = next((v.reason for v in arr.flat if isinstance(v, KpiError) and v.code == code), "")
        if fallback:
            return fallback
        for c, reason in session.reasons.get(fc.node, ()):
            if c == code:
                return reason
        if code == "#NAME?" and fc.unknown:
            names = ", ".join(fc.unknown)
            return f"unknown function {names}" if len(fc.unknown) == 1 else f"unknown functions {names}"
        return ""


def _propagate_reasons(ev: Evaluation, recalc: Recalculation) -> None:
    """An error without a reason that copies another cell's error takes its reason.

    Only direct single-cell references are followed (``=B2``, ``=B2*1.2``): the common
    case of a column computed from a KPI_ column. The reason names the source cell.
    """
    model = recalc.model
    if model is None:
        return
    by_sid = {sheet_id(ws.title): ws.title for ws in recalc.book.worksheets}
    for _ in range(4):  # chains of a few cells; longer ones keep the nearest reason
        changed = False
        for fc in model.formula_cells:
            key = (fc.sheet, fc.ref)
            v = ev.values.get(key)
            if not isinstance(v, KpiError) or v.reason or fc.area != fc.ref:
                continue
            cell = model.cells.get(fc.node)
            for name in getattr(cell, "inputs", None) or ():
                src = _single_cell(name, by_sid)
                if src is None:
                    continue
                sv = ev.values.get(src)
                if isinstance(sv, KpiError) and sv.code == v.code and sv.reason:
                    reason = sv.reason if sv.reason.startswith("from ") else f"from {src[0]}!{src[1]}: {sv.reason}"
                    ev.values[key] = KpiError(v.code, reason)
                    changed = True
                    break
        if not changed:
            break


def _single_cell(name: Any, by_sid: dict[str, str]) -> tuple[str, str] | None:
    if not isinstance(name, str) or "!" not in name:
        return None
    sid, _, ref = name.rpartition("!")
    if ":" in ref or sid not in by_sid:
        return None
    return by_sid[sid], ref.replace("$", "")


def evaluate(path: Path, *, progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """Compute every formula cell of the workbook at ``path`` (the file is only read)."""
    # Fast path (issue 4, kpi_udfs/recalc/fast/): copied-down formulas computed a block at a
    # time with numpy; whatever it cannot take exactly goes through Recalculation below.
    from .fast import evaluate_fast

    return evaluate_fast(path, progress=progress)


def evaluate_cell_by_cell(path: Path, *, progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """:func:`evaluate` without the fast path: every cell through `formulas`."""
    return Recalculation(path, progress=progress).run().evaluation
