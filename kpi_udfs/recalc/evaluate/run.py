"""Compute every formula cell of a workbook, in dependency order, from this run's values.

:class:`Engine` takes the workbook as :mod:`kpi_udfs.recalc.read` read it (constants in
place, every formula cell *pending*), compiles each block once
(:mod:`kpi_udfs.recalc.graph.compile`), and computes the blocks in the order
:func:`kpi_udfs.recalc.graph.order.plan` gives:

* a block is computed a whole block at a time (numpy over its rows);
* when that cannot be done exactly (a range whose size changes from row to row, a
  read of its own cells, a function without a whole-block form for these inputs), the
  same compiled formula is computed row by row: a single cell is a block of one row;
* a read that meets a pending cell (INDIRECT, OFFSET, anything the graph could not
  see beforehand) computes that cell first, on demand; a cell read while it is being
  computed is a circular reference and shows 0, as in Excel without iteration.

So no cell is ever computed from a value this run has not computed, and never from
the file's cached values, which are not even read.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from itertools import repeat

import numpy as np

from ...errors import NA, NAME, VALUE, KpiError
from ...i18n import N_, _
from ..a1 import col_letters
from ..graph.compile import CallNode, Compiled, blank_as_shown, compile_formula
from ..graph.formula_blocks import Block, find_blocks
from ..graph.order import plan
from ..model import Evaluation
from ..read.book import ReadTooLarge
from ..read.workbook import Workbook
from .reasons import explain_errors
from .vec import EMPTY, ERROR, NUMBER, PENDING, Unsupported, Vec, native_error, pad

NOT_STARTED, VECTOR_RUNNING, ROWS_RUNNING, DONE = range(4)
CIRCULAR_NOTE = N_("circular reference: shows 0, as Excel does without iterative calculation")
#: Functions whose result has as many rows or columns as the data gives: a dynamic array
#: formula that is one of them and outgrows its saved spill range shows #SPILL!.
DATA_SIZED = frozenset({
    "FILTER", "UNIQUE", "SORT", "SORTBY", "SEQUENCE", "TAKE", "DROP", "VSTACK", "HSTACK", "TOCOL", "TOROW",
    "CHOOSECOLS", "CHOOSEROWS", "EXPAND", "TEXTSPLIT", "GROUPBY", "PIVOTBY", "RANDARRAY",
})  # fmt: skip
AFTER_CIRCULAR_NOTE = N_("reads a circular reference: shows 0, as Excel does without iterative calculation")


class NeedsRows(Exception):
    """A block computed a whole block at a time read its own pending cells (directly or
    through other cells): it must be computed row by row."""

    def __init__(self, block: int):
        super().__init__(block)
        self.block = block


class Ctx:
    """Where a block is being computed: its sheet, first row, column and number of rows;
    for an array formula, ``area`` is the (rows, columns) of its range."""

    __slots__ = ("engine", "book", "sheet", "row0", "col", "m", "array", "area", "kpi_results")

    def __init__(self, engine: Engine, sheet: str, row0: int, col: int, m: int, area: tuple[int, int] | None):
        self.engine = engine
        self.book = engine.book
        self.sheet = sheet
        self.row0 = row0
        self.col = col
        self.m = m
        self.array = area is not None
        self.area = area
        #: Results of the KPI_ calls made while computing, in call order (error reasons).
        self.kpi_results: list = []

    def read(self, sheet: str, top: int, bottom: int, left: int, right: int) -> Vec:
        """Cells of an area as a Vec (h, w), every formula cell in it computed first."""
        return self.engine.read(sheet, top, bottom, left, right)


class Engine:
    """One recalculation of one workbook; :meth:`run` gives the :class:`Evaluation`."""

    def __init__(self, wb: Workbook, progress: Callable[[int, int], None] | None = None, whole_blocks: bool = True):
        self.book = wb.book
        #: False: every block row by row (the per-cell evaluation the tests compare with).
        self.whole_blocks = whole_blocks
        self.blocks = find_blocks(wb.formulas, wb.plain)
        self.progress = progress
        n = len(self.blocks)
        self.state = [NOT_STARTED] * n
        self.rows_mode = [False] * n
        self.in_progress: set[tuple[str, int, int]] = set()
        self.stack: list[tuple[str, int, int]] = []
        #: sheet → (row, col) → True for a cell of a circular reference, False for a cell
        #: reading one: both show 0, as Excel shows them
        self.zero: dict[str, dict[tuple[int, int], bool]] = {}
        self.evaluation = Evaluation()
        self.cells_total = sum(b.rows * b.width for b in self.blocks)
        self.cells_done = 0
        self.seconds: dict[str, float] = {}
        self.compiled = False
        # (sheet, column) → sorted first rows, last rows and block ids, to find a cell's block
        index: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
        for i, b in enumerate(self.blocks):
            for c in range(b.col, b.last_col + 1):
                index.setdefault((b.sheet, c), []).append((b.row0, b.last_row, i))
        self._index = {}
        for key, items in index.items():
            items.sort()
            self._index[key] = ([t[0] for t in items], [t[1] for t in items], [t[2] for t in items])

    # -- the run -------------------------------------------------------------------
    def run(self) -> Evaluation:
        from ..excel.bridge import computing

        with computing(self.book):
            return self._run()

    def _run(self) -> Evaluation:
        t0 = time.perf_counter()
        self.compile()
        t1 = time.perf_counter()
        steps = plan(self.blocks)
        t2 = time.perf_counter()
        for members, cyclic in steps:
            if cyclic:
                self._component_by_rows(members)
            elif self.state[members[0]] != DONE:
                self._block(members[0])
        notes = {True: _(CIRCULAR_NOTE), False: _(AFTER_CIRCULAR_NOTE)}
        for sheet, cells in self.zero.items():
            for (row, col), in_cycle in cells.items():
                key = (sheet, f"{col_letters(col)}{row}")
                self.evaluation.values[key] = 0.0
                self.evaluation.notes[key] = notes[in_cycle]
        t3 = time.perf_counter()
        self.seconds = {"compile": t1 - t0, "order": t2 - t1, "evaluate": t3 - t2}
        if self.progress is not None:
            self.progress(self.cells_total, self.cells_total)
        return self.evaluation

    def compile(self) -> None:
        """Compile every block once (the graph's reads included); again, nothing."""
        if self.compiled:
            return
        self.compiled = True
        cache: dict = {}
        book = self.book
        for b in self.blocks:
            if b.text is None:
                continue
            key = (b.sheet, b.key) if (b.key is not None and not b.array) else None
            compiled = cache.get(key) if key is not None else None
            if compiled is None:
                compiled = compile_formula(book, b.sheet, b.text, *b.anchor, array=b.array)
                if key is not None:
                    cache[key] = compiled
            b.compiled = compiled
            m = 1 if b.array else b.rows
            b.reads = [r.area(b.row0, b.col, m) for r in compiled.reaches]

    # -- reading -------------------------------------------------------------------
    def read(self, sheet_name: str, top: int, bottom: int, left: int, right: int) -> Vec:
        if self.zero:
            self._reads_circular(sheet_name, top, bottom, left, right)
        sheet = self.book.sheet(sheet_name)
        if sheet is None:
            return _error_area(bottom - top + 1, right - left + 1)
        if sheet.has_pending(top, bottom, left, right):
            for row, col in sheet.pending_in(top, bottom, left, right):
                if sheet.columns[col].kind[row] == PENDING:
                    self.demand(sheet.name, row, col)
            area = sheet.region(top, bottom, left, right)
            still = area.kind == PENDING
            if still.any():  # cells of a circular reference being computed: 0 for now
                kind = np.where(still, NUMBER, area.kind).astype(np.int8)
                return Vec(kind, np.where(still, 0.0, area.num), area.obj)
            return area
        return sheet.region(top, bottom, left, right)

    def _reads_circular(self, sheet: str, top: int, bottom: int, left: int, right: int) -> None:
        """The cell being computed reads a cell of a circular reference (or one that reads
        one): it shows 0 too. A whole block doing so is computed row by row instead."""
        cells = self.zero.get(sheet)
        if not cells:
            return
        if (bottom - top + 1) * (right - left + 1) <= len(cells):  # the smaller of the two searched
            hit = any((r, c) in cells for r in range(top, bottom + 1) for c in range(left, right + 1))
        else:
            hit = any(top <= r <= bottom and left <= c <= right for r, c in cells)
        if not hit:
            return
        reader = self.stack[-1] if self.stack else None
        if reader is None:
            raise Unsupported(_("reads a circular reference"))
        self.zero.setdefault(reader[0], {}).setdefault((reader[1], reader[2]), False)

    def block_at(self, sheet: str, row: int, col: int) -> int | None:
        found = self._index.get((sheet, col))
        if found is None:
            return None
        starts, ends, ids = found  # the blocks of one column do not overlap
        k = bisect_right(starts, row) - 1
        return ids[k] if k >= 0 and ends[k] >= row else None

    def demand(self, sheet: str, row: int, col: int) -> None:
        """Compute the pending cell (sheet, row, col) now, because it is being read."""
        i = self.block_at(sheet, row, col)
        if i is None:
            return
        b = self.blocks[i]
        state = self.state[i]
        if state == VECTOR_RUNNING:
            raise NeedsRows(i)
        if state == DONE:
            return
        cell = (b.sheet, b.row0 if b.array else row, b.col if b.array else col)
        if cell in self.in_progress:  # read while being computed: a circular reference
            start = self.stack.index(cell) if cell in self.stack else len(self.stack) - 1
            for c in self.stack[start:]:
                if c is not None:
                    self.zero.setdefault(c[0], {})[(c[1], c[2])] = True
            return
        if state == NOT_STARTED and not self.rows_mode[i]:
            self._block(i)
        else:
            self._row(i, cell[1])

    # -- computing -----------------------------------------------------------------
    def _block(self, i: int) -> None:
        """Block ``i`` a whole block at a time; row by row when that cannot be done."""
        b = self.blocks[i]
        if b.compiled is None or b.rows * b.width == 0:
            self._unreadable(i)
            return
        if b.array or b.rows == 1 or not self.whole_blocks:
            self.rows_mode[i] = True
            self._rows(i)
            return
        self.state[i] = VECTOR_RUNNING
        self.stack.append(None)  # a whole block: no one cell is being computed
        try:
            vec = self._evaluate(b, b.row0, b.rows)
        except NeedsRows as e:
            self.state[i] = NOT_STARTED
            if e.block != i:
                raise
            b.fallback = "reads its own cells"
        except Unsupported as e:
            self.state[i] = NOT_STARTED
            b.fallback = str(e)
        except ReadTooLarge as e:
            self.state[i] = NOT_STARTED
            b.fallback = str(e)
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as e:  # a bug in the block form: the row form still answers
            self.state[i] = NOT_STARTED
            b.fallback = f"internal error: {type(e).__name__}: {e}"
        else:
            self._store(b, b.row0, vec)
            self.state[i] = DONE
            return
        finally:
            self.stack.pop()
        self.rows_mode[i] = True
        self._rows(i)

    def _rows(self, i: int) -> None:
        b = self.blocks[i]
        self.state[i] = ROWS_RUNNING
        try:
            if b.array:
                self._row(i, b.row0)
            else:
                column = self.book.sheet(b.sheet).column(b.col)
                for row in range(b.row0, b.last_row + 1):
                    if column.kind[row] == PENDING:
                        self._row(i, row)
        except NeedsRows:
            self.state[i] = NOT_STARTED
            raise
        self.state[i] = DONE

    def _component_by_rows(self, members: list[int]) -> None:
        """Blocks that read one another (or themselves): every row in order, across them."""
        for i in members:
            self.rows_mode[i] = True
            self.state[i] = ROWS_RUNNING
        by_row: dict[int, list[int]] = {}
        for i in members:
            b = self.blocks[i]
            if b.compiled is None:
                self._unreadable(i)
                continue
            for row in [b.row0] if b.array else range(b.row0, b.last_row + 1):
                by_row.setdefault(row, []).append(i)
        for row in sorted(by_row):
            for i in by_row[row]:
                b = self.blocks[i]
                col = self.book.sheet(b.sheet).column(b.col)
                if col.kind[row] == PENDING:
                    self._row(i, row)
        for i in members:
            self.state[i] = DONE

    def _row(self, i: int, row: int) -> None:
        """One row of block ``i`` (an array formula: its whole range)."""
        b = self.blocks[i]
        cell = (b.sheet, row, b.col)
        self.in_progress.add(cell)
        self.stack.append(cell)
        try:
            try:
                vec = self._evaluate(b, row, 1)
            except NeedsRows:
                raise
            except (Unsupported, ReadTooLarge) as e:
                vec = self._error_vec(b, KpiError(VALUE, _("cannot be computed: {reason}", reason=str(e))))
            except RecursionError:
                vec = self._error_vec(b, KpiError(VALUE, _("a chain of references too long to follow")))
            except (KeyboardInterrupt, MemoryError):
                raise
            except Exception as e:
                vec = self._error_vec(b, KpiError(VALUE, _("internal error: {error}", error=type(e).__name__ + ": " + str(e))))
            if (cell[1], cell[2]) in self.zero.get(cell[0], ()):  # shows 0, and what reads it reads 0
                vec = Vec.const(0.0).broadcast((1, b.rows, b.width) if b.array else (1, 1, 1))
            self._store(b, row, vec)
        finally:
            self.in_progress.discard(cell)
            self.stack.pop()

    def _error_vec(self, b: Block, err: KpiError) -> Vec:
        shape = (1, b.rows, b.width) if b.array else (1, 1, 1)
        return Vec.const(err).broadcast(shape)

    def _evaluate(self, b: Block, row0: int, m: int) -> Vec:
        compiled: Compiled = b.compiled
        ctx = Ctx(self, b.sheet, row0, b.col, 1 if b.array else m, (b.rows, b.width) if b.array else None)
        with np.errstate(all="ignore"):
            vec = compiled.root.ev(ctx)
        if b.array:
            if b.dynamic:  # cells beyond a smaller result are empty, not 0
                vec = self._spill(b, blank_as_shown(compiled, vec))
            else:
                vec = blank_as_shown(compiled, fit_area(vec, b.rows, b.width))
        else:
            vec = blank_as_shown(compiled, finish(vec, m))
        return explain_errors(b, ctx, vec, self.evaluation.values)

    def _spill(self, b: Block, vec: Vec) -> Vec:
        """A dynamic array's result over the range it spilled into when the file was saved:
        a smaller result leaves the rest empty (and ``A1#`` is the smaller range, as in
        Excel); a larger one cannot spill here (the cells around are not ours to move),
        so the range shows #SPILL! with the reason rather than a result cut short."""
        _skip, h, w = vec.shape
        if (h, w) == (b.rows, b.width):
            return vec
        if h > b.rows or w > b.width:
            root = b.compiled.root
            if not (isinstance(root, CallNode) and root.name in DATA_SIZED):
                return fit_area(vec, b.rows, b.width)  # a size that does not follow the data: as saved
            err = KpiError("#SPILL!", _("the result has {rows} × {cols} cells, more than the {old_rows} × {old_cols} it "
                                        "spilled into when the file was saved; kpi recalc does not move a spill: "
                                        "recalculate in Excel", rows=h, cols=w, old_rows=b.rows, old_cols=b.width))
            return Vec.const(err).broadcast((1, b.rows, b.width))
        self.book.array_areas[(b.sheet, b.row0, b.col)] = (h, w)
        kind = np.full((1, b.rows, b.width), EMPTY, dtype=np.int8)
        num = np.full((1, b.rows, b.width), np.nan)
        obj = np.full((1, b.rows, b.width), None, dtype=object)
        kind[:, :h, :w], num[:, :h, :w], obj[:, :h, :w] = vec.kind, vec.num, vec.objects()
        return Vec(kind, num, obj)

    def _unreadable(self, i: int) -> None:
        b = self.blocks[i]
        if b.text is None and b.width * b.rows > 0:
            err = KpiError(NA, _("a data table (What-If analysis) or a formula the file does not spell out is not "
                                  "computed"))
        else:
            err = KpiError(NAME, _("formula not readable"))
        vec = Vec.const(err).broadcast((1, b.rows, b.width) if b.array or b.width > 1 or b.text is None else (b.rows, 1, 1))
        if b.text is None:
            vec = Vec.const(err).broadcast((1, b.rows, b.width))
            self._store_area(b, b.row0, vec)
        else:
            self._store(b, b.row0, vec)
        for r, c in b.cells():
            self.evaluation.notes[(b.sheet, f"{col_letters(c)}{r}")] = err.reason
        self.state[i] = DONE

    def _note_failure(self, b: Block, keys) -> None:
        """Cells ending in the error of a part of the formula that cannot be computed at
        all (unknown function or name, unreadable text) get that reason as a note."""
        failure = b.compiled.failure if b.compiled is not None else None
        if failure is None:
            return
        values, notes = self.evaluation.values, self.evaluation.notes
        for key in keys:
            v = values.get(key)
            if isinstance(v, KpiError) and v.code == failure.code:
                notes[key] = v.reason or failure.reason

    def _store(self, b: Block, row0: int, vec: Vec) -> None:
        if b.array:
            self._store_area(b, b.row0, vec)
            return
        self.book.sheet(b.sheet).store(b.col, row0, vec)
        py = vec.values()
        letters = col_letters(b.col)
        m = vec.shape[0]
        keys = list(zip(repeat(b.sheet), map(letters.__add__, map(str, range(row0, row0 + m)))))
        self.evaluation.values.update(zip(keys, py[:, 0, 0].tolist(), strict=False))
        self._note_failure(b, keys)
        self._tick(m)

    def _store_area(self, b: Block, row0: int, vec: Vec) -> None:
        self.book.sheet(b.sheet).store_area(row0, b.col, vec)
        py = vec.values()
        keys = []
        for i in range(b.rows):
            for j in range(b.width):
                key = (b.sheet, f"{col_letters(b.col + j)}{row0 + i}")
                self.evaluation.values[key] = py[0, i, j]
                keys.append(key)
        self._note_failure(b, keys)
        self._tick(b.rows * b.width)

    def _tick(self, n: int) -> None:
        self.cells_done += n
        if self.progress is not None:
            self.progress(min(self.cells_done, self.cells_total), self.cells_total)

    def summary(self) -> dict[str, object]:
        rows = sum(b.rows * b.width for b in self.blocks if b.fallback is not None)
        reasons: dict[str, int] = {}
        for b in self.blocks:
            if b.fallback is not None:
                reasons[b.fallback] = reasons.get(b.fallback, 0) + b.rows * b.width
        return {
            "block_cells": self.cells_total - rows,
            "row_cells": rows,
            "blocks": len(self.blocks),
            "reasons": reasons,
        }


def _error_area(h: int, w: int) -> Vec:
    e = Vec.const(native_error("#REF!"))
    return Vec(np.full((h, w), ERROR, dtype=np.int8), np.full((h, w), np.nan), np.full((h, w), e.obj[0, 0, 0], dtype=object))


def finish(vec: Vec, m: int) -> Vec:
    """A single-cell formula's values as one column (m, 1, 1): of an array result, the
    first value (as Excel shows an array in a cell that is not an array formula)."""
    if vec.shape[1:] != (1, 1):
        obj = None if vec.obj is None else vec.obj[:, :1, :1]
        vec = Vec(vec.kind[:, :1, :1], vec.num[:, :1, :1], obj)
    if vec.shape[0] != m:
        vec = vec.broadcast((m, 1, 1))
    return vec


def fit_area(vec: Vec, rows: int, cols: int) -> Vec:
    """An array formula's result over its range, as Excel fills it: a single row or
    column repeats, cells beyond a smaller result are #N/A; a larger result is cut to
    the range."""
    _skip, h, w = vec.shape
    if (h, w) == (rows, cols):
        return vec
    if h > rows or w > cols:
        obj = None if vec.obj is None else vec.obj[:, :rows, :cols]
        vec = Vec(vec.kind[:, :rows, :cols], vec.num[:, :rows, :cols], obj)
        _skip, h, w = vec.shape
        if (h, w) == (rows, cols):
            return vec
    return pad(vec, (1, rows, cols))


def evaluate_workbook(
    wb: Workbook, progress: Callable[[int, int], None] | None = None, whole_blocks: bool = True
) -> Engine:
    """Run the :class:`Engine` on a workbook, on a thread with room for deep chains of
    cells computed on demand."""
    return run_deep(Engine(wb, progress, whole_blocks))


def run_deep(engine: Engine) -> Engine:
    """Run an engine (once) on the thread with room for deep chains of cells."""
    _DEEP.run(engine.run)
    return engine


class _DeepStack:
    """One long-lived thread with a 512 MB stack that runs engines one at a time.

    Cells computed on demand recurse as deep as the chain of cells they wait for; the
    thread is started once per process (starting one per workbook cost a millisecond,
    most of the time of a small workbook)."""

    STACK = 512 * 1024 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def _serve(self) -> None:
        while True:
            job, done, box = self._jobs.get()
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, 200_000))
            try:
                job()
            except BaseException as e:  # re-raised in the caller's thread
                box["error"] = e
            finally:
                sys.setrecursionlimit(limit)
                done.set()

    def run(self, job: Callable[[], object]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                old = threading.stack_size()
                threading.stack_size(self.STACK)
                try:
                    self._thread = threading.Thread(target=self._serve, name="kpi-recalc", daemon=True)
                    self._thread.start()
                finally:
                    threading.stack_size(old)
            done, box = threading.Event(), {}
            self._jobs.put((job, done, box))
            done.wait()
        if "error" in box:
            raise box["error"]


_DEEP = _DeepStack()


__all__ = ["Ctx", "Engine", "evaluate_workbook", "run_deep", "finish", "fit_area", "EMPTY", "ERROR"]
