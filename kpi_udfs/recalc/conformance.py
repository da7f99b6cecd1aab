"""Conformance against real Excel: recompute saved workbooks, compare with Excel's values.

Every workbook of the corpus (``../shared/conformance/excel``, or ``$KPI_CONFORMANCE_DIR``)
was saved by Microsoft Excel, so the cached value of each formula cell is Excel's own
result. The runner recomputes each file with the engine of ``kpi recalc`` in a worker process with a time limit, and compares every formula cell:
numbers to 1e-9 relative (1e-12 absolute near zero), text and booleans exactly, errors
by code.

Every formula cell of every workbook is counted. Cells outside any headless engine's
reach (volatile functions such as NOW or RAND, external workbook links, What-If data
tables, cube and web functions, and cells that depend on those) are reported
separately, not as mismatches. Cells of a file that failed to load, crashed or ran out
of time count as not matching, under that cause.

Run::

    python -m kpi_udfs.recalc.conformance [--sample] [--timeout S] [--jobs N] [--report PATH]

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
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from ..errors import KpiError

REPO = Path(__file__).resolve().parents[2]
SAMPLE_LIST = REPO / "tests" / "conformance_sample.txt"
RATCHET = REPO / "tests" / "conformance_ratchet.json"
REPORT = REPO / "bench" / "CONFORMANCE.md"
#: Plain `formulas` 1.3.4 on this corpus (issue 3): share of the cells it could compare.
PLAIN_FORMULAS_RATE = 0.818

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


def check_workbook(path: Path, send=None) -> dict:
    """Recompute one workbook with the engine of ``kpi recalc`` and compare it with
    Excel's cached values (in English: the causes are read from the reasons' text)."""
    from .. import i18n

    with i18n.using("en"):
        return _check_workbook(path, send)


def _check_workbook(path: Path, send=None) -> dict:
    from .a1 import col_letters
    from .evaluate.run import Engine, run_deep
    from .graph.order import dependencies
    from .graph.parse import function_names
    from .read.archive import open_package
    from .read.workbook import read_workbook

    started = time.monotonic()
    result: dict[str, Any] = {"file": path.name, "status": "ok"}
    with open_package(path) as pkg:
        wb = read_workbook(pkg)
        cached = _cached_values(pkg)
    engine = Engine(wb)
    blocks = engine.blocks

    # The inventory first: if evaluation then runs out of time, every cell still counts.
    inventory: dict[tuple[str, str], dict] = {}
    for b in blocks:
        text = b.text if b.text is not None else None
        fns = sorted({_bare(n) for n in function_names(text or "")})
        for r, c in b.cells():
            ref = f"{col_letters(c)}{r}"
            inventory[(b.sheet, ref)] = {
                "cell": f"{b.sheet}!{ref}",
                "formula": text if text is not None else "<data table>",
                "expected": cached.get((b.sheet, ref)),
                "functions": fns,
            }
    result["cells"] = len(inventory)
    if send is not None:
        send(("inventory", {"file": path.name, "cells": list(inventory.values())}))

    ev = run_deep(engine).evaluation
    result["engine_seconds"] = round(sum(engine.seconds.values()), 3)

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
        got = _got(ev.values.get(key))
        value = ev.values.get(key)
        reason = ev.notes.get(key) or (value.reason if isinstance(value, KpiError) else "")
        cell["reason"] = reason
        cell["unknown"] = _unknown_functions(reason)
        if key not in ev.values:
            got, cell["reason"] = {"error": "#VALUE!"}, "not computed: missing from the evaluation"
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
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(
                {"cell": cell["cell"], "formula": cell["formula"][:200], "expected": _short(cell["expected"]),
                 "got": _short(got), "cause": cause}  # fmt: skip
            )

    def as_dict(self) -> dict:
        return {
            "compared": self.compared,
            "matched": self.matched,
            "out_of_scope": dict(self.out_of_scope),
            "causes": dict(self.causes),
            "functions": dict(self.functions),
            "unsupported": dict(self.unsupported),
            "examples": self.examples,
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
    return _direct_scope(None if formula == "<data table>" else formula)


# ---------------------------------------------------------------------------
# Worker processes with a per-file time limit


def _worker_main(conn, memory_mb: int) -> None:
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        try:
            res = check_workbook(Path(path), send=conn.send)
            conn.send(("result", res))
        except MemoryError:
            conn.send(("error", {"status": "out of memory", "detail": "MemoryError"}))
        except RecursionError:
            conn.send(("error", {"status": "crash", "detail": "RecursionError: formula nested too deeply"}))
        except Exception as exc:
            conn.send(("error", {"status": "crash", "detail": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"}))


class _Worker:
    def __init__(self, ctx, memory_mb: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, memory_mb), daemon=True)
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


def run(files: list[Path], timeout: float = 60.0, jobs: int = 2, memory_mb: int = 6000, log=None) -> list[dict]:
    """Check each file in a worker process (``jobs`` at a time, ``timeout`` s each)."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    # the biggest workbooks first, so that they do not all meet at the end of the run
    queue = sorted(files, key=lambda f: -f.stat().st_size)
    workers = [_Worker(ctx, memory_mb) for _ in range(max(1, min(jobs, len(queue))))]
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
                        w = _Worker(ctx, memory_mb)
                    idle.append(w)
                elif time.monotonic() - w.started > timeout:
                    w.kill()
                    finish(w, _failed(w.path.name, w.inventory, "timeout", f"over {timeout:g} s", time.monotonic() - w.started))
                    idle.append(_Worker(ctx, memory_mb))
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
    }


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


def sample_files() -> list[str]:
    return [line.strip() for line in SAMPLE_LIST.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kpi_udfs.recalc.conformance", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="Only these workbooks (names in the corpus, or paths).")
    ap.add_argument("--sample", action="store_true", help="The fixed sample the test suite runs.")
    ap.add_argument("--timeout", type=float, default=60.0, help="Seconds per workbook (default 60).")
    ap.add_argument("--jobs", type=int, default=2, help="Workbooks evaluated at once (default 2).")
    ap.add_argument("--memory-mb", type=int, default=6000, help="Memory limit per worker (default 6000 MB).")
    ap.add_argument("--report", type=Path, help="Markdown report (default bench/CONFORMANCE.md for a full run).")
    ap.add_argument("--json", type=Path, help="JSON figures (default: next to the report, conformance.json).")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    base = corpus_dir()
    if args.files:
        files = [Path(f) if Path(f).exists() else base / f for f in args.files]
    elif args.sample:
        files = [base / f for f in sample_files()]
    else:
        files = sorted(base.glob("*.xls[xm]"))
    missing = [f for f in files if not f.exists()]
    if missing:
        print(f"missing workbooks: {', '.join(str(m) for m in missing[:5])}", file=sys.stderr)
        return 2
    report = args.report
    if report is None and not args.files and not args.sample:
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
        f"{summary['matched']:,} matching: {summary['match_rate'] * 100:.2f} %"
    )
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(render(summary, results, command.strip(), seconds, args.timeout), encoding="utf-8")
        out_json = args.json or report.with_name("conformance.json")
        out_json.write_text(json.dumps({"summary": summary, "files": results}, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    elif args.json is not None:
        args.json.write_text(json.dumps({"summary": summary, "files": results}, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
