"""Conformance against real Excel: recompute saved workbooks, compare with Excel's values.

Every workbook of the corpus (``../shared/conformance/excel``, or ``$KPI_CONFORMANCE_DIR``)
was saved by Microsoft Excel, so the cached value of each formula cell is Excel's own
result. The runner recomputes each file with :func:`~kpi_udfs.recalc.engine.evaluate`'s
machinery in a worker process with a time limit, and compares every formula cell:
numbers to 1e-9 relative (1e-12 absolute near zero), text and booleans exactly, errors
by code.

Every formula cell of every workbook is counted. Cells outside any headless engine's
reach (volatile functions such as NOW or RAND, external workbook links, What-If data
tables, cube and web functions, and cells that depend on those) are reported
separately, not as mismatches. Cells of a file that failed to load, crashed or ran out
of time count as not matching, under that cause.

The per-cell time is the engine's own seconds on a workbook (the ``evaluate`` call)
over its formula cells; the report lists the slowest workbooks. The engine is
pluggable (:data:`Engine`): bench/peers.py runs formualizer and IronCalc through the
same inventory, scoping and comparison.

Run::

    python -m kpi_udfs.recalc.conformance [--sample] [--timeout S] [--jobs N] [--report PATH]
    python -m kpi_udfs.recalc.conformance FOLDER_OR_BOOK... [--list FILE] --report OTHER.md

The full run writes ``bench/CONFORMANCE.md`` and ``bench/conformance.json``;
``tests/test_conformance.py`` runs the sample and checks both against the ratchet in
``tests/conformance_ratchet.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import re
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from .. import i18n
from ..errors import KpiError

REPO = Path(__file__).resolve().parents[2]
SAMPLE_LIST = REPO / "tests" / "conformance_sample.txt"
RATCHET = REPO / "tests" / "conformance_ratchet.json"
REPORT = REPO / "bench" / "CONFORMANCE.md"
#: Plain `formulas` 1.3.4 on this corpus (issue 3): share of the cells it could compare.
PLAIN_FORMULAS_RATE = 0.818

#: Statuses of a workbook that did not finish: all its cells count as not matching.
FAILED = ("timeout", "crash", "out of memory")

REL_TOL = 1e-9
ABS_TOL = 1e-12
MAX_EXAMPLES = 30  # mismatching cells kept per file for the report

VOLATILE = {"NOW", "TODAY", "RAND", "RANDBETWEEN", "RANDARRAY", "CELL", "INFO"}
OUTSIDE = {
    "CUBEVALUE", "CUBEMEMBER", "CUBESET", "CUBESETCOUNT", "CUBERANKEDMEMBER", "CUBEKPIMEMBER",
    "CUBEMEMBERPROPERTY", "WEBSERVICE", "FILTERXML", "RTD", "STOCKHISTORY", "IMAGE", "TRANSLATE",
    "DETECTLANGUAGE", "COPILOT", "PY",
}  # fmt: skip


def corpus_dir() -> Path:
    """Where the Excel-saved workbooks are (``$KPI_CONFORMANCE_DIR`` wins)."""
    env = os.environ.get("KPI_CONFORMANCE_DIR")
    base = Path(env) if env else REPO.parent / "shared" / "conformance"
    return base / "excel" if (base / "excel").is_dir() else base


def _bare(name: str) -> str:
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
        name = name.removeprefix(prefix)
    return name


# ---------------------------------------------------------------------------
# One workbook (runs in a worker process)


def _got(value: Any) -> Any:
    if isinstance(value, KpiError):
        return {"error": value.code}
    if isinstance(value, float) and not math.isfinite(value):
        return {"error": "#NUM!"}
    return value


def same(expected: Any, got: Any) -> bool:
    """Excel's value and ours agree (see module doc for the tolerances)."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.get("error") == expected.get("error")
    if expected is None or expected == "":
        return got is None or got == ""
    if isinstance(expected, bool):
        return isinstance(got, bool) and got == expected
    if isinstance(expected, float):
        return (
            isinstance(got, float)
            and not isinstance(got, bool)
            and math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        )
    return isinstance(got, str) and got == expected


def mismatch_cause(expected: Any, got: Any, cell: dict) -> str:
    reason = cell.get("reason") or ""
    if reason.startswith("cannot parse formula"):
        return "formula not parsed"
    if cell.get("unknown") and isinstance(got, dict) and got.get("error") == "#NAME?":
        return "unsupported function"
    if reason.startswith("not computed"):
        return "not computed (circular or engine failure)"
    if reason.startswith("a data table"):
        return "not evaluated"
    if isinstance(expected, dict):
        return "wrong error code" if isinstance(got, dict) else "value where Excel has an error"
    if isinstance(got, dict):
        return "error where Excel has a value"
    if isinstance(expected, float) and isinstance(got, float) and not isinstance(got, bool):
        if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9):
            return "number differs slightly (< 1e-6)"
        return "number differs"
    if isinstance(expected, str) and isinstance(got, str):
        return "text differs"
    return "type differs"


_UNKNOWN = re.compile(r"^unknown functions? (.+)$")


def _unknown_functions(reason: str | None) -> list[str]:
    m = _UNKNOWN.match(reason or "")
    return [_bare(n.strip()) for n in m.group(1).split(",")] if m else []


def _direct_scope(text: str | None, names: dict[str, str] | None = None, vba: bool = False) -> str | None:
    """Why a formula is outside any headless engine, by its own text and the defined
    names it uses (None: in scope); ``vba``: the workbook has macros, so a function no
    engine knows is taken for one of its own VBA functions."""
    from .graph.parse import Call, FormulaSyntax, Name, Ref, parse, walk

    if text is None:
        return "data table"
    todo, seen = [text], set()
    while todo:
        try:
            tree = parse(todo.pop())
        except FormulaSyntax:
            continue
        for node in walk(tree):
            if isinstance(node, Call):
                bare = _bare(node.name)
                if bare in VOLATILE:
                    return "volatile function"
                if bare in OUTSIDE or bare.startswith("CUBE"):
                    return "cube/web function"
                if vba and _unknown(bare, names):
                    return "VBA function"
            if isinstance(node, (Ref, Name)) and node.book is not None:
                return "external link"
            if isinstance(node, (Name, Call)) and names:  # a name, or a LAMBDA name called
                body = names.get(node.name.upper())
                if body is not None and node.name.upper() not in seen:
                    seen.add(node.name.upper())
                    todo.append(body)
    return None


def _unknown(name: str, names: dict[str, str] | None) -> bool:
    """A function name that is neither Excel's, nor a KPI_ function, nor a LAMBDA name."""
    from .evaluate.kpi_calls import registry_function
    from .excel import FUNCTIONS

    compiled_here = {"LET", "LAMBDA", "ANCHORARRAY", "SINGLE"}
    return (FUNCTIONS.get(name) is None and registry_function(name) is None and name not in compiled_here
            and not (names and name in names))


def _cached_values(pkg) -> dict[tuple[str, str], Any]:
    """Excel's cached value of every cell that has one, in JSON form."""
    from .read.cells import cached_values, shared_string

    strings = [shared_string(t) for t in pkg.shared_strings()]
    out: dict[tuple[str, str], Any] = {}
    for sref in pkg.sheets:
        if sref.kind == "worksheet":
            for ref, value in cached_values(pkg.read(sref.part), strings).items():
                out[(sref.name, ref)] = {"error": value.code} if isinstance(value, KpiError) else value
    return out


#: An engine for the runner: ``(workbook path, the formula cells as (sheet, "A1") keys)`` →
#: for each of those cells ``(value, reason)``, the value in the JSON form of Excel's cached
#: values (number, text, bool, None or ``{"error": code}``) and the engine's reason for an
#: error ("" if none). An engine whose values are read back by extra work of ours (a peer's
#: output file read with openpyxl) returns ``(values, seconds)``, ``seconds`` being its own
#: part; otherwise the whole call is timed. :func:`kpi_engine` is ours; bench/peers.py adds
#: formualizer and IronCalc.
Engine = Callable[[Path, list[tuple[str, str]]], Any]
#: A formula cell an engine gave nothing for.
MISSING = ({"error": "#VALUE!"}, "not computed: missing from the evaluation")


def kpi_engine(path: Path, cells: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[Any, str]]:
    """`kpi recalc`'s evaluator on one workbook (:func:`~kpi_udfs.recalc.pipeline.evaluate`);
    :func:`check_workbook` runs it inline, sharing its reading with the inventory."""
    from .pipeline import evaluate

    return _answers(evaluate(path), cells)


def _answers(ev, cells) -> dict[tuple[str, str], tuple[Any, str]]:
    out = {}
    for key in cells:
        value = ev.values.get(key)
        reason = ev.notes.get(key) or (value.reason if isinstance(value, KpiError) else "")
        out[key] = (_got(value), reason) if key in ev.values else MISSING
    return out


#: A workbook computed faster than this is computed up to twice more and its best time
#: kept, as timeit does: at a few milliseconds a single run measures the machine (a
#: cache, a lazy import of a function family) more than the engine.
REPEAT_BELOW = 0.05


def _best_of(first: float, again: Callable[[], float | None]) -> float:
    """``first`` seconds, or the best of up to three runs when it is under
    :data:`REPEAT_BELOW` (``again`` runs once more and returns its own seconds, or None
    to be timed from outside)."""
    best = first
    for _ in range(2):
        if best >= REPEAT_BELOW:
            break
        t0 = time.perf_counter()
        own = again()
        best = min(best, own if own is not None else time.perf_counter() - t0)
    return best


def check_workbook(path: Path, send=None, engine: Engine | None = None) -> dict:
    """Recompute one workbook with ``engine`` (default: ours) and compare it with Excel's
    cached values.

    The inventory (every formula cell, with Excel's value) and the scoping come from this
    package's reader and dependency graph, whatever the engine. ``engine_seconds`` is the
    engine's own work: for ours, reading the package, compiling, ordering and computing
    every formula cell (not reading Excel's cached values, not the comparison); for a peer,
    its call; the best of three for a workbook computed in under :data:`REPEAT_BELOW`
    seconds. ``seconds`` is the whole check.
    """
    from .a1 import col_letters
    from .evaluate.run import Engine as Evaluator
    from .evaluate.run import run_deep
    from .graph.order import dependencies
    from .graph.parse import function_names
    from .read.archive import open_package
    from .read.workbook import read_workbook

    started = time.monotonic()
    result: dict[str, Any] = {"file": path.name, "status": "ok"}
    t0 = time.perf_counter()
    pkg = open_package(path)
    wb = read_workbook(pkg)
    evaluator = Evaluator(wb)
    reading = time.perf_counter() - t0
    cached = _cached_values(pkg)
    pkg.close()
    blocks = evaluator.blocks

    # The inventory first: if evaluation then runs out of time, every cell still counts.
    inventory: dict[tuple[str, str], dict] = {}
    for b in blocks:
        text = b.text
        fns = sorted({_bare(n) for n in function_names(text or "")})
        for r, c in b.cells():
            ref = f"{col_letters(c)}{r}"
            inventory[(b.sheet, ref)] = {
                "cell": f"{b.sheet}!{ref}",
                "formula": "=" + text if text is not None else "<data table>",
                "expected": cached.get((b.sheet, ref)),
                "functions": fns,
                **({"array": True} if b.array else {}),
            }
    result["cells"] = len(inventory)
    if wb.book.date1904:
        result["date1904"] = True
    if send is not None:
        send(("inventory", {"file": path.name, "cells": list(inventory.values())}))

    if engine is None:  # ours, on the workbook just read
        t0 = time.perf_counter()
        with i18n.using("en"):  # reasons in English, whatever the runner's language
            ev = run_deep(evaluator).evaluation
        seconds = reading + time.perf_counter() - t0

        def again() -> None:
            with i18n.using("en"):
                run_deep(Evaluator(read_workbook(open_package(path))))

        result["engine_seconds"] = round(_best_of(seconds, again), 4)
        computed = _answers(ev, list(inventory))
    else:
        evaluator.compile()  # the graph for the scoping, without computing
        t0 = time.perf_counter()
        computed = engine(path, list(inventory))
        own = None
        if isinstance(computed, tuple):
            computed, own = computed
        seconds = own if own is not None else time.perf_counter() - t0

        def again() -> float | None:
            got = engine(path, list(inventory))
            return got[1] if isinstance(got, tuple) else None

        result["engine_seconds"] = round(_best_of(seconds, again), 4)

    # out of scope: by the formula itself (and the names it uses), then anything reading such cells
    names = {(k[1] if isinstance(k, tuple) else k): v for k, v in wb.book.names.items()}
    scope: list[str | None] = [_direct_scope(b.text, names, wb.book.has_vba) for b in blocks]
    deps = dependencies(blocks)
    scope += [None] * (len(deps) - len(blocks))
    changed = any(scope)
    while changed:
        changed = False
        for i, ds in enumerate(deps):
            if scope[i] is None and any(scope[d] is not None for d in ds):
                scope[i] = "depends on out-of-scope cells"
                changed = True
    cell_scope = {}
    for b, cause in zip(blocks, scope, strict=False):
        if cause:
            for r, c in b.cells():
                cell_scope[(b.sheet, f"{col_letters(c)}{r}")] = cause

    tallies = _Tally()
    for key, cell in inventory.items():
        got, reason = computed.get(key, MISSING)
        cell["reason"] = reason
        cell["unknown"] = _unknown_functions(reason)
        tallies.add(cell, got, cell_scope.get(key))
    result.update(tallies.as_dict())
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _short(value: Any, limit: int = 200) -> Any:
    """A value for the report: long text cut (a result can be a 32,767-character string)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]}… ({len(value):,} characters)"
    return value


@dataclass
class _Tally:
    compared: int = 0
    matched: int = 0
    out_of_scope: Counter = field(default_factory=Counter)
    causes: Counter = field(default_factory=Counter)
    functions: Counter = field(default_factory=Counter)
    unsupported: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)
    #: Every mismatching cell (a workbook that did not finish lists none: all its cells count).
    missed: list = field(default_factory=list)

    def add(self, cell: dict, got: Any, scope: str | None, cause: str | None = None) -> None:
        if scope:
            self.out_of_scope[scope] += 1
            return
        self.compared += 1
        if cause is None and same(cell["expected"], got):
            self.matched += 1
            return
        cause = cause or mismatch_cause(cell["expected"], got, cell)
        self.causes[cause] += 1
        for fn in cell.get("functions") or ["(no function)"]:
            self.functions[fn] += 1
        for fn in cell.get("unknown") or ():
            self.unsupported[fn] += 1
        example = {"cell": cell["cell"], "formula": cell["formula"][:200], "expected": _short(cell["expected"]),
                   "got": _short(got), "cause": cause}  # fmt: skip
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(example)
        if cause not in FAILED:
            self.missed.append({**example, "formula": cell["formula"][:120], "expected": _short(cell["expected"], 60),
                                "got": _short(got, 60), "functions": cell.get("functions") or [],
                                **({"array": True} if cell.get("array") else {})})  # fmt: skip

    def as_dict(self) -> dict:
        return {
            "compared": self.compared,
            "matched": self.matched,
            "out_of_scope": dict(self.out_of_scope),
            "causes": dict(self.causes),
            "functions": dict(self.functions),
            "unsupported": dict(self.unsupported),
            "examples": self.examples,
            "missed": self.missed,
        }


def _failed(file: str, inventory: list[dict] | None, status: str, detail: str, seconds: float) -> dict:
    """Every cell of a workbook that did not finish counts as not matching, under its cause."""
    tallies = _Tally()
    for cell in inventory or ():
        scope = _direct_scope_of_inventory(cell)
        tallies.add(cell, None, scope, cause=status)
    out = {"file": file, "status": status, "detail": detail[-2000:], "cells": len(inventory or ())}
    out.update(tallies.as_dict())
    out["seconds"] = round(seconds, 2)
    if inventory is None:
        out["cells_unknown"] = True
    return out


def _direct_scope_of_inventory(cell: dict) -> str | None:
    formula = cell.get("formula")
    return _direct_scope(None if formula == "<data table>" else formula.removeprefix("="))


# ---------------------------------------------------------------------------
# Worker processes with a per-file time limit


def warm_up() -> None:
    """Load what every workbook's evaluation uses once per process (the engine's modules
    and the table of Excel's functions, with the modules `formulas` loads for it), so that
    the first workbook of a worker is not charged with it."""
    from . import pipeline  # noqa: F401
    from .excel import FUNCTIONS

    len(FUNCTIONS)


def _worker_main(conn, memory_mb: int, engine: Engine | None = None) -> None:
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    if engine is None:
        warm_up()
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        try:
            res = check_workbook(Path(path), send=conn.send, engine=engine)
            conn.send(("result", res))
        except MemoryError:
            conn.send(("error", {"status": "out of memory", "detail": "MemoryError"}))
        except RecursionError:
            conn.send(("error", {"status": "crash", "detail": "RecursionError: formula nested too deeply"}))
        except Exception as exc:
            conn.send(("error", {"status": "crash", "detail": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"}))


class _Worker:
    def __init__(self, ctx, memory_mb: int, engine: Engine | None = None):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, memory_mb, engine), daemon=True)
        self.proc.start()
        child.close()
        self.path: Path | None = None
        self.started = 0.0
        self.inventory: list[dict] | None = None

    def submit(self, path: Path) -> None:
        self.path, self.started, self.inventory = path, time.monotonic(), None
        self.conn.send(str(path))

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()


def run(
    files: list[Path], timeout: float = 60.0, jobs: int = 2, memory_mb: int = 6000, log=None, engine: Engine | None = None
) -> list[dict]:
    """Check each file in a worker process (``jobs`` at a time, ``timeout`` s each) with
    ``engine`` (default: ours, :func:`kpi_engine`; a top-level function, so that a spawned
    worker can import it)."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    # the biggest workbooks first, so that they do not all meet at the end of the run
    queue = sorted(files, key=lambda f: -f.stat().st_size)
    workers = [_Worker(ctx, memory_mb, engine) for _ in range(max(1, min(jobs, len(queue))))]
    results: list[dict] = []
    idle = list(workers)
    busy: list[_Worker] = []
    total = len(queue)

    def finish(w: _Worker, res: dict) -> None:
        results.append(res)
        busy.remove(w)
        if log is not None:
            log(f"[{len(results)}/{total}] {res['file']}: {res['status']} "
                f"{res.get('matched', 0)}/{res.get('compared', 0)} in {res.get('seconds', 0):.1f}s")  # fmt: skip

    try:
        while queue or busy:
            while queue and idle:
                w = idle.pop()
                w.submit(queue.pop(0))
                busy.append(w)
            ready = wait([w.conn for w in busy], timeout=0.5)
            for w in list(busy):
                if w.conn in ready:
                    try:
                        kind, payload = w.conn.recv()
                    except (EOFError, OSError):
                        kind, payload = "error", {"status": "crash", "detail": "worker died"}
                    if kind == "inventory":
                        w.inventory = payload["cells"]
                        continue
                    if kind == "result":
                        finish(w, payload)
                        idle.append(w)
                        continue
                    res = _failed(w.path.name, w.inventory, payload["status"], payload["detail"], time.monotonic() - w.started)
                    finish(w, res)
                    if payload["detail"] == "worker died":
                        w.kill()
                        w = _Worker(ctx, memory_mb, engine)
                    idle.append(w)
                elif time.monotonic() - w.started > timeout:
                    w.kill()
                    finish(w, _failed(w.path.name, w.inventory, "timeout", f"over {timeout:g} s", time.monotonic() - w.started))
                    idle.append(_Worker(ctx, memory_mb, engine))
    finally:
        for w in idle + busy:
            w.stop()
    order = {p.name: i for i, p in enumerate(files)}
    results.sort(key=lambda r: order.get(r["file"], 0))
    return results


# ---------------------------------------------------------------------------
# Summary and report


def summarize(results: list[dict]) -> dict:
    total = Counter()
    scope, causes, functions, unsupported = Counter(), Counter(), Counter(), Counter()
    unsupported_files: Counter = Counter()
    status = Counter()
    for r in results:
        status[r["status"]] += 1
        total["cells"] += r.get("cells", 0)
        total["compared"] += r.get("compared", 0)
        total["matched"] += r.get("matched", 0)
        scope.update(r.get("out_of_scope", {}))
        causes.update(r.get("causes", {}))
        functions.update(r.get("functions", {}))
        unsupported.update(r.get("unsupported", {}))
        for fn in r.get("unsupported", {}):
            unsupported_files[fn] += 1
    compared = total["compared"]
    return {
        "files": len(results),
        "status": dict(status),
        "formula_cells": total["cells"],
        "out_of_scope": dict(scope),
        "out_of_scope_cells": sum(scope.values()),
        "compared": compared,
        "matched": total["matched"],
        "match_rate": round(total["matched"] / compared, 6) if compared else 0.0,
        "mismatch_causes": dict(causes.most_common()),
        "mismatch_functions": dict(functions.most_common()),
        "unsupported_functions": {fn: {"cells": n, "files": unsupported_files[fn]} for fn, n in unsupported.most_common()},
        **timing(results),
    }


def engine_time(r: dict) -> tuple[float, bool]:
    """Seconds the engine spent on one workbook, and whether that is only a lower bound (a
    workbook that did not finish: the time until it was stopped or failed)."""
    if r.get("engine_seconds") is not None:
        return r["engine_seconds"], False
    return r.get("seconds", 0.0), True


def timing(results: list[dict]) -> dict:
    """Per-cell time: the engine's seconds over the formula cells it computed (every formula
    cell of the workbook, in scope or not), per workbook and over the run."""
    per_book = []
    total_s, total_cells = 0.0, 0
    for r in results:
        s, _ = engine_time(r)
        total_s += s
        total_cells += r.get("cells", 0)
        if r.get("cells"):
            per_book.append(1000 * s / r["cells"])
    per_book.sort()
    median = per_book[len(per_book) // 2] if per_book else 0.0
    return {
        "engine_seconds": round(total_s, 2),
        "ms_per_cell": round(1000 * total_s / total_cells, 4) if total_cells else 0.0,
        "ms_per_cell_median": round(median, 4),
        "workbooks_over_2ms_per_cell": sum(1 for v in per_book if v > 2.0),
        "unfinished_seconds_are_lower_bounds": sum(1 for r in results if engine_time(r)[1]),
    }


def slowest(results: list[dict], n: int = 20, key: str = "per_cell") -> list[dict]:
    """The ``n`` slowest workbooks, by engine time per formula cell or by total engine time."""

    def measure(r: dict) -> float:
        s, _ = engine_time(r)
        return s / r["cells"] if key == "per_cell" else s

    return sorted((r for r in results if r.get("cells")), key=measure, reverse=True)[:n]


def _time_row(r: dict) -> str:
    s, lower = engine_time(r)
    mark = "≥ " if lower else ""
    return (f"| {r['file']} | {r['status']} | {r['cells']:,} | {mark}{s:,.2f} | {mark}{1000 * s / r['cells']:,.2f} "
            f"| {r.get('matched', 0):,} / {r.get('compared', 0):,} |")


_CAUSE_NOTES = {
    "timeout": "the workbook did not finish within the per-file time limit; all its cells count",
    "crash": "the engine failed on the whole workbook; all its cells count",
    "out of memory": "the worker ran out of its memory limit; all its cells count",
    "unsupported function": "a function the engine does not implement (#NAME? with its name)",
    "formula not parsed": "`formulas` cannot parse the formula text (#NAME? with the reason)",
    "not evaluated": "a formula outside what is computed (reason in the cell)",
    "not computed (circular or engine failure)": "the graph did not produce the cell (circular reference or an exception inside `formulas`)",
    "wrong error code": "both are errors, with different codes",
    "value where Excel has an error": "Excel gives an error, we give a value",
    "error where Excel has a value": "we give an error where Excel computes a value",
    "number differs": "both numbers, beyond 1e-6 relative",
    "number differs slightly (< 1e-6)": "both numbers, beyond 1e-9 but within 1e-6 relative (floating-point detail)",
    "text differs": "both text, different",
    "type differs": "number vs text vs boolean vs blank",
}


def render(summary: dict, results: list[dict], command: str, seconds: float, timeout: float) -> str:
    s = summary
    rate = s["match_rate"] * 100
    lines = [
        "# Conformance against Excel",
        "",
        f"Generated by `{command}` ({seconds / 60:.1f} min, per-file limit {timeout:g} s).",
        "",
        "Each workbook of the corpus was saved by Microsoft Excel; its cached values are Excel's results.",
        "Every formula cell is recomputed by `kpi recalc`'s evaluator and compared: numbers to 1e-9",
        "relative (1e-12 absolute), text and booleans exactly, errors by code. Cells of workbooks that",
        "time out or fail count as not matching. Out-of-scope cells (volatile functions, external links,",
        "data tables, cube/web functions, and cells depending on them) are counted apart.",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| Workbooks | {s['files']} ({', '.join(f'{k}: {v}' for k, v in sorted(s['status'].items()))}) |",
        f"| Formula cells | {s['formula_cells']:,} |",
        f"| Out of scope | {s['out_of_scope_cells']:,} |",
        f"| Compared | {s['compared']:,} |",
        f"| Matching Excel | {s['matched']:,} |",
        f"| **Match rate** | **{rate:.2f} %** (plain `formulas`: {PLAIN_FORMULAS_RATE * 100:.1f} % of the cells it could compare) |",
        "",
        "## Time per formula cell",
        "",
        "The engine's own time on each workbook (in a worker process warmed once with the engine's",
        "modules and function table: reading the package, compiling, ordering and computing every",
        "formula cell, in scope or not; not Python's start-up, not reading Excel's values, not the",
        f"comparison; the best of three for a workbook computed in under {REPEAT_BELOW * 1000:g} ms, as timeit",
        "does) divided by its formula cells. A workbook that did not finish counts with the time until it",
        "was stopped (a lower bound, marked ≥).",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| Engine time, all workbooks | {s['engine_seconds']:,.1f} s |",
        f"| **Per formula cell, over the run** | **{s['ms_per_cell']:.3f} ms** |",
        f"| Per formula cell, median workbook | {s['ms_per_cell_median']:.3f} ms |",
        f"| Workbooks above 2 ms per formula cell | {s['workbooks_over_2ms_per_cell']} of {s['files']} |",
        "",
        "### Slowest workbooks per formula cell",
        "",
        "| Workbook | Status | Formula cells | Engine seconds | ms per cell | Matching / compared |",
        "|---|---|---:|---:|---:|---:|",
        *[_time_row(r) for r in slowest(results, 25)],
        "",
        "### Slowest workbooks in total",
        "",
        "| Workbook | Status | Formula cells | Engine seconds | ms per cell | Matching / compared |",
        "|---|---|---:|---:|---:|---:|",
        *[_time_row(r) for r in slowest(results, 15, key="total")],
        "",
        "## Out of scope",
        "",
        "| Cause | Cells |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v:,} |" for k, v in sorted(s["out_of_scope"].items(), key=lambda kv: -kv[1])]
    lines += ["", "## Mismatches by cause", "", "| Cause | Cells | Meaning |", "|---|---|---|"]
    lines += [f"| {k} | {v:,} | {_CAUSE_NOTES.get(k, '')} |" for k, v in s["mismatch_causes"].items()]
    lines += ["", "## Functions behind mismatches (top 40)", "",
              "A mismatching cell counts once for each function its formula uses.", "",
              "| Function | Mismatching cells |", "|---|---|"]  # fmt: skip
    lines += [f"| {k} | {v:,} |" for k, v in list(s["mismatch_functions"].items())[:40]]
    lines += ["", "## Unsupported functions", "", "| Function | Cells | Workbooks |", "|---|---|---|"]
    lines += [f"| {k} | {v['cells']:,} | {v['files']} |" for k, v in s["unsupported_functions"].items()]
    failed = [r for r in results if r["status"] != "ok"]
    lines += ["", "## Workbooks that did not finish", "", "| Workbook | Status | Formula cells | Detail |", "|---|---|---|---|"]
    for r in failed:
        detail = (r.get("detail") or "").strip().splitlines()
        lines.append(f"| {r['file']} | {r['status']} | {r.get('cells', 0):,} | {(detail[0] if detail else '')[:100]} |")
    worst = sorted(
        (r for r in results if r["status"] == "ok" and r.get("compared")),
        key=lambda r: (r["matched"] - r["compared"]),
    )[:25]
    lines += ["", "## Workbooks with the most mismatches", "", "| Workbook | Compared | Matching | Seconds |", "|---|---|---|---|"]
    lines += [f"| {r['file']} | {r['compared']:,} | {r['matched']:,} | {r['seconds']} |" for r in worst]
    lines += ["", "## Example mismatches", ""]
    for r in worst[:12]:
        for e in r.get("examples", [])[:3]:
            formula = e["formula"].replace("|", "\\|")
            lines.append(f"- `{r['file']}` {e['cell']} `{formula}`: Excel {e['expected']!r}, ours {e['got']!r} ({e['cause']})")
    return "\n".join(lines) + "\n"


def dump_json(data: dict) -> str:
    """The run as JSON, indented, with each mismatching cell on one line (thousands of them)."""
    cells: list[str] = []

    def one_line(r: dict) -> dict:
        out = dict(r)
        if "missed" in out:
            out["missed"] = [f"\0{len(cells) + i}\0" for i in range(len(r["missed"]))]
            cells.extend(json.dumps(m, ensure_ascii=False, default=str) for m in r["missed"])
        return out

    text = json.dumps({**data, "files": [one_line(r) for r in data["files"]]}, indent=1, ensure_ascii=False, default=str)
    return re.sub(r'"\\u0000(\d+)\\u0000"', lambda m: cells[int(m.group(1))], text) + "\n"


def sample_files() -> list[str]:
    return list_file(SAMPLE_LIST)


def list_file(path: Path) -> list[str]:
    """The workbooks named in a text file, one a line (``#`` starts a comment line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def workbooks(names: list[str], base: Path | None = None) -> list[Path]:
    """Workbooks from the command line: paths of files, folders (every .xlsx/.xlsm in them,
    sub-folders included), or names of corpus files."""
    base = base or corpus_dir()
    out: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            out += sorted(f for f in path.rglob("*.xls[xm]") if not f.name.startswith("~$"))
        else:
            out.append(path if path.exists() else base / name)
    return out


#: The section of CONFORMANCE.md that bench/peers.py writes (the peer engines side by side);
#: a full run keeps it as it is, ``python bench/peers.py --report-only`` brings it up to date.
PEERS_START, PEERS_END = "<!-- peers -->", "<!-- /peers -->"


def keep_peers_section(old: str, new: str) -> str:
    """``new`` with the peers section of ``old``, if ``old`` had one."""
    if PEERS_START not in old or PEERS_END not in old:
        return new
    section = old[old.index(PEERS_START) : old.index(PEERS_END) + len(PEERS_END)]
    return new.rstrip("\n") + "\n\n" + section + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kpi_udfs.recalc.conformance", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="Only these workbooks: paths, folders (searched for .xlsx/.xlsm), "
                    "or names of corpus files.")
    ap.add_argument("--list", type=Path, help="A text file naming the workbooks, one a line (paths or corpus names).")
    ap.add_argument("--sample", action="store_true", help="The fixed sample the test suite runs.")
    ap.add_argument("--timeout", type=float, default=60.0, help="Seconds per workbook (default 60).")
    ap.add_argument("--jobs", type=int, default=2, help="Workbooks evaluated at once (default 2).")
    ap.add_argument("--memory-mb", type=int, default=6000, help="Memory limit per worker (default 6000 MB).")
    ap.add_argument("--report", type=Path, help="Markdown report (default bench/CONFORMANCE.md for a full run).")
    ap.add_argument("--json", type=Path, help="JSON figures (default: next to the report, conformance.json).")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    base = corpus_dir()
    chosen = list(args.files) + (list_file(args.list) if args.list else [])
    if chosen:
        files = workbooks(chosen, base)
    elif args.sample:
        files = [base / f for f in sample_files()]
    else:
        files = sorted(base.glob("*.xls[xm]"))
    if not files:
        print("no workbooks to check", file=sys.stderr)
        return 2
    missing = [f for f in files if not f.exists()]
    if missing:
        print(f"missing workbooks: {', '.join(str(m) for m in missing[:5])}", file=sys.stderr)
        return 2
    report = args.report
    if report is None and not chosen and not args.sample:
        report = REPORT
    log = None if args.quiet else (lambda m: print(m, flush=True))
    t0 = time.monotonic()
    results = run(files, timeout=args.timeout, jobs=args.jobs, memory_mb=args.memory_mb, log=log)
    seconds = time.monotonic() - t0
    summary = summarize(results)
    summary["seconds"] = round(seconds, 1)
    summary["timeout"] = args.timeout
    command = "python -m kpi_udfs.recalc.conformance " + " ".join(argv if argv is not None else sys.argv[1:])
    print(
        f"{summary['files']} workbooks, {summary['formula_cells']:,} formula cells, "
        f"{summary['out_of_scope_cells']:,} out of scope, {summary['compared']:,} compared, "
        f"{summary['matched']:,} matching: {summary['match_rate'] * 100:.2f} %; "
        f"{summary['ms_per_cell']:.3f} ms per formula cell, {summary['workbooks_over_2ms_per_cell']} workbooks above 2 ms"
    )
    if not args.quiet:
        print("slowest per formula cell:")
        for r in slowest(results, 10):
            s, lower = engine_time(r)
            print(f"  {'≥' if lower else ''}{1000 * s / r['cells']:9.2f} ms  {r['cells']:>7,} cells  {r['file']}")
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        text = render(summary, results, command.strip(), seconds, args.timeout)
        if report.exists():
            text = keep_peers_section(report.read_text(encoding="utf-8"), text)
        report.write_text(text, encoding="utf-8")
        out_json = args.json or report.with_name("conformance.json")
        out_json.write_text(dump_json({"summary": summary, "files": results}), encoding="utf-8")
    elif args.json is not None:
        args.json.write_text(dump_json({"summary": summary, "files": results}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
