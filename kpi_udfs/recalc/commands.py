"""``kpi recalc``: compute every formula of workbooks and write the results as cached values.

One file runs in this process with a progress bar per cell; several files (or a folder)
are spread over a process pool, one worker per core, with one progress bar for the batch
and one summary. Each file goes: read it once (:mod:`.read.archive`) → lock the output →
validate the package (limits, no DTD) → evaluate (:mod:`.pipeline`) → write a patched
copy atomically, after checking that no other program changed the input meanwhile.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import KpiError
from .read.archive import Limits, MiB, PackageError, open_package, read_source
from .write.safefile import LockedError, OutputError, atomic_output, remove_stale_temps, target_lock
from .write.writer import WriteError, split_ref, write_values

#: Exit codes (documented in ``kpi recalc --help`` and docs/recalc.md).
EXIT_OK = 0
EXIT_ERROR_CELLS = 1
EXIT_USAGE = 2
EXIT_BAD_FILE = 3
EXIT_CANNOT_WRITE = 4
EXIT_INTERNAL = 5

STATUS = {
    EXIT_OK: "ok",
    EXIT_ERROR_CELLS: "error cells",
    EXIT_BAD_FILE: "unreadable",
    EXIT_CANNOT_WRITE: "cannot write",
    EXIT_INTERNAL: "internal error",
}

#: The evaluator, as "module:function" so that pool workers can import it: it takes the
#: opened package and returns the Evaluation.
EVALUATOR = "kpi_udfs.recalc.pipeline:evaluate_package"

SUFFIXES = (".xlsx", ".xlsm")

EXIT_CODES_HELP = """Exit codes (with several files the highest wins):
 0  every workbook recalculated (cells ending in an Excel error allowed unless --strict)
 1  --strict and some cell ends in an Excel error (the output is still written)
 2  usage error: bad options, no such file, no workbook in a folder
 3  a workbook is unreadable, damaged or hostile: not a zip, truncated, over a size limit, XML with a DTD
 4  an output cannot be written: read-only, locked by another run, no permission, disk full
 5  internal error of the evaluator (a bug: please report it)"""


@dataclass(frozen=True)
class Job:
    """One workbook to recalculate (picklable: it crosses into pool workers)."""

    src: str
    out: str
    limits: Limits = Limits()
    lock_timeout: float = 60.0
    evaluator: str = EVALUATOR


@dataclass
class FileReport:
    """The outcome of one workbook, as printed and as JSON."""

    input: str
    output: str | None
    exit_code: int = EXIT_OK
    message: str | None = None
    cells_computed: int = 0
    cells_written: int = 0
    errors: list[dict] = field(default_factory=list)
    #: Cells that show a value Excel would also show but that deserve a look, with why
    #: (a circular reference shows 0, as Excel does without iterative calculation).
    warnings: list[dict] = field(default_factory=list)
    not_written: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        if self.exit_code == EXIT_OK and self.errors:
            return "ok, with error cells"
        return STATUS.get(self.exit_code, "failed")

    def as_json(self) -> dict:
        d = asdict(self)
        d["status"] = self.status
        d["error_cells"] = len(self.errors)
        return d


# -- one file ---------------------------------------------------------------------------

_PLAIN_SHEET = re.compile(r"[^\W\d][\w.]*")
_LOOKS_LIKE_REF = re.compile(r"(?i)^(?:[A-Z]{1,3}\d+|R\d*C\d*|R|C)$")


def qualified(sheet: str, cell: str) -> str:
    """Sheet!A1 as Excel writes it: 'Sheet name'!A1 when the name needs quotes."""
    if _PLAIN_SHEET.fullmatch(sheet) and not _LOOKS_LIKE_REF.match(sheet):
        return f"{sheet}!{cell}"
    return "'" + sheet.replace("'", "''") + f"'!{cell}"


def _cell_order(sheets: list[str]):
    index = {name: i for i, name in enumerate(sheets)}

    def key(item: tuple[str, str]):
        sheet, cell = item
        try:
            rc = split_ref(cell)
        except ValueError:
            rc = (0, 0)
        return index.get(sheet, len(index)), sheet, rc

    return key


def _load_evaluator(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def run_job(job: Job, progress=None) -> FileReport:
    """Recalculate one workbook; every failure becomes a report with its exit code."""
    started = time.perf_counter()
    src, out = Path(job.src), Path(job.out)
    report = FileReport(input=str(src), output=str(out))
    try:
        with target_lock(out, job.lock_timeout):
            source = read_source(src, job.limits)  # under the lock: a run before us may rewrite it
            with open_package(source, job.limits) as pkg:
                remove_stale_temps(out)
                pkg.validate()
                sheets = [s.name for s in pkg.sheets]
                evaluate = _load_evaluator(job.evaluator)
                evaluation = evaluate(pkg, progress=progress)
                with atomic_output(out) as fh:
                    written = write_values(pkg, evaluation, fh, limits=job.limits)
                    source.check_unchanged()  # nothing replaces the output if the input changed
        order = _cell_order(sheets)
        report.cells_computed = evaluation.formula_cells
        report.cells_written = written.written
        errors = sorted(((s, c, v) for s, c, v in evaluation.errors()), key=lambda e: order(e[:2]))
        report.errors = [
            {"sheet": s, "cell": c, "ref": qualified(s, c), "code": v.code,
             "reason": v.reason or evaluation.notes.get((s, c), "")}
            for s, c, v in errors
        ]
        report.warnings = [
            {"sheet": s, "cell": c, "ref": qualified(s, c), "reason": evaluation.notes[(s, c)]}
            for s, c in sorted(evaluation.notes, key=order)
            if not isinstance(evaluation.values.get((s, c)), KpiError)
        ]
        report.not_written = [
            {"sheet": s, "cell": c, "ref": qualified(s, c), "reason": why}
            for s, c, why in sorted(written.skipped, key=lambda e: order(e[:2]))
        ]
    except PackageError as e:
        report.exit_code, report.message, report.output = EXIT_BAD_FILE, str(e), None
    except WriteError as e:
        report.exit_code, report.message, report.output = EXIT_BAD_FILE, f"{src.name}: {e}", None
    except (LockedError, OutputError) as e:
        report.exit_code, report.message, report.output = EXIT_CANNOT_WRITE, str(e), None
    except RecursionError:
        report.exit_code, report.output = EXIT_BAD_FILE, None
        report.message = f"{src.name}: a formula is nested too deeply to evaluate"
    except MemoryError:
        report.exit_code, report.output = EXIT_BAD_FILE, None
        report.message = f"{src.name}: the workbook is too large to evaluate in memory"
    except Exception as e:  # the evaluator's bug must not become a traceback
        report.exit_code, report.output = EXIT_INTERNAL, None
        report.message = f"{src.name}: internal error: {type(e).__name__}: {e}"
    report.seconds = round(time.perf_counter() - started, 3)
    return report


# -- many files -------------------------------------------------------------------------

def run_batch(jobs: list[Job], workers: int, on_done=None) -> list[FileReport]:
    """Run jobs over a pool of ``workers`` processes; reports come back in job order."""
    reports: list[FileReport | None] = [None] * len(jobs)
    ctx = multiprocessing.get_context("spawn")  # same behaviour on Linux, macOS and Windows
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(run_job, job): i for i, job in enumerate(jobs)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                reports[i] = fut.result()
            except Exception as e:  # a worker that died (killed, out of memory)
                reports[i] = FileReport(input=jobs[i].src, output=None, exit_code=EXIT_INTERNAL,
                                        message=f"{Path(jobs[i].src).name}: worker failed: {e}")
            if on_done:
                on_done(reports[i])
    return [r for r in reports if r is not None]


def overall_exit(reports: list[FileReport], strict: bool) -> int:
    worst = max((r.exit_code for r in reports), default=EXIT_OK)
    if worst == EXIT_OK and strict and any(r.errors for r in reports):
        return EXIT_ERROR_CELLS
    return worst


# -- command line -----------------------------------------------------------------------

class UsageError(Exception):
    pass


def default_output(src: Path) -> Path:
    """BOOK.xlsx → BOOK.recalc.xlsx beside it."""
    return src.with_name(src.stem + ".recalc" + src.suffix)


def _is_output_or_temp(p: Path) -> bool:
    name = p.name
    return (name.startswith(("~$", ".~kpi-"))
            or p.stem.endswith(".recalc"))


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; a folder gives its .xlsx/.xlsm files (not recursive; earlier outputs
    ``*.recalc.xlsx``, Excel owner files ``~$*`` and temporary files left out)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.iterdir()
                           if q.is_file() and q.suffix.lower() in SUFFIXES and not _is_output_or_temp(q))
            if not found:
                raise UsageError(f"{p}: no .xlsx/.xlsm workbook in this folder")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise UsageError(f"{p}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def plan_outputs(inputs: list[Path], output: Path | None, in_place: bool) -> list[Path]:
    """Where each input's result goes (see ``kpi recalc --help``)."""
    if in_place and output is not None:
        raise UsageError("use either -o/--output or --in-place, not both")
    if in_place:
        return list(inputs)
    if output is None:
        return [default_output(p) for p in inputs]
    if len(inputs) > 1 or output.is_dir():
        if output.exists() and not output.is_dir():
            raise UsageError(f"-o {output}: with several workbooks -o must be a folder")
        outs = [output / p.name for p in inputs]
        names = [o.name.lower() for o in outs]
        if len(set(names)) != len(names):
            raise UsageError(f"-o {output}: two workbooks have the same name; recalculate them separately")
        return outs
    return [output]


def _check_suffixes(inputs: list[Path], outputs: list[Path]) -> None:
    for src, out in zip(inputs, outputs, strict=True):
        if out.suffix.lower() != src.suffix.lower():
            raise UsageError(
                f"{out}: the output must keep the input's extension ({src.suffix}); "
                "Excel refuses a workbook whose extension does not match its content"
            )


def _print_report(console: Console, r: FileReport) -> None:
    name = escape(r.input)
    if r.exit_code not in (EXIT_OK, EXIT_ERROR_CELLS):
        message = r.message or ""
        for prefix in (f"{r.input}: ", f"{Path(r.input).name}: "):
            message = message.removeprefix(prefix)
        console.print(f"[bold red]✗[/] {name}: not recalculated ({r.status}): {escape(message)}")
        return
    mark = "[yellow]![/]" if r.errors else "[green]✓[/]"
    where = "replaced in place" if r.output and Path(r.output) == Path(r.input) else f"→ {escape(r.output or '')}"
    console.print(f"{mark} {name} {where}: {r.cells_computed:,} formula cells computed, "
                  f"{len(r.errors):,} ending in an error")
    for e in r.errors:
        reason = f"  {escape(e['reason'])}" if e["reason"] else ""
        console.print(f"    {escape(e['ref'])}  [red]{escape(e['code'])}[/]{reason}")
    for w in r.warnings:
        console.print(f"    {escape(w['ref'])}  [yellow]warning[/]  {escape(w['reason'])}")
    for n in r.not_written:
        console.print(f"    [yellow]not written[/] {escape(n['ref'])}: {escape(n['reason'])}")


def _summary_json(reports: list[FileReport], code: int) -> dict:
    return {
        "files": [r.as_json() for r in reports],
        "cells_computed": sum(r.cells_computed for r in reports),
        "error_cells": sum(len(r.errors) for r in reports),
        "errors": [dict(e, file=r.input) for r in reports for e in r.errors],
        "warnings": [dict(w, file=r.input) for r in reports for w in r.warnings],
        "failed_files": sum(r.exit_code not in (EXIT_OK, EXIT_ERROR_CELLS) for r in reports),
        "exit_code": code,
    }


def recalc(
    books: list[Path] = typer.Argument(
        ..., metavar="BOOK...", show_default=False,
        help="Workbooks (.xlsx/.xlsm) or folders of workbooks to recalculate.",
    ),
    output: Path = typer.Option(
        None, "-o", "--output", show_default=False,
        help="Output file (one workbook) or folder (several). Default: BOOK.recalc.xlsx beside each input.",
    ),
    in_place: bool = typer.Option(False, "--in-place", help="Replace each input atomically (temp file + rename)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any cell ends in an Excel error (for CI)."),
    jobs: int = typer.Option(0, "-j", "--jobs", help="Worker processes for several files (0 = one per core)."),
    lock_timeout: float = typer.Option(
        60.0, "--lock-timeout", help="Seconds to wait for another run writing the same output, then refuse."),
    max_part_mb: float = typer.Option(
        Limits.max_part_bytes / MiB, "--max-part-mb", help="Refuse a package part larger than this, decompressed."),
    max_total_mb: float = typer.Option(
        Limits.max_total_bytes / MiB, "--max-total-mb", help="Refuse a package larger than this, decompressed."),
    max_ratio: float = typer.Option(
        Limits.max_ratio, "--max-ratio", help="Refuse a part (≥ 1 MiB) compressed more than this ratio (zip bomb)."),
) -> None:
    """Compute every formula (Excel's functions and the KPI_ functions) and write the results as the cells' cached values, changing nothing else in the file.

    Without -o or --in-place the result goes to BOOK.recalc.xlsx beside the input, which stays untouched. The summary lists every cell that ends in an error as Sheet!A1 with its code and reason. Several files or a folder are spread over the machine's cores.
    """  # noqa: E501
    err = Console(stderr=True)
    try:
        inputs = expand_inputs(books)
        outputs = plan_outputs(inputs, output, in_place)
        _check_suffixes(inputs, outputs)
        if output is not None and len(inputs) > 1 and not output.exists():
            output.mkdir(parents=True)
    except (UsageError, OSError) as e:
        err.print(f"[bold red]error:[/] {escape(str(e))}")
        raise typer.Exit(EXIT_USAGE) from None
    limits = Limits(max_part_bytes=int(max_part_mb * MiB), max_total_bytes=int(max_total_mb * MiB),
                    max_ratio=max_ratio)
    job_list = [Job(src=str(s), out=str(o), limits=limits, lock_timeout=lock_timeout, evaluator=EVALUATOR)
                for s, o in zip(inputs, outputs, strict=True)]
    workers = min(len(job_list), jobs if jobs > 0 else (os.cpu_count() or 1))
    reports = _run_with_progress(job_list, workers, err)
    code = overall_exit(reports, strict)
    if as_json:
        sys.stdout.write(json.dumps(_summary_json(reports, code), ensure_ascii=False, indent=2) + "\n")
    else:
        console = Console(soft_wrap=True, highlight=False)  # one line per cell: greppable in CI logs
        for r in reports:
            _print_report(console, r)
        if len(reports) > 1:
            failed = sum(r.exit_code not in (EXIT_OK, EXIT_ERROR_CELLS) for r in reports)
            console.print(f"[bold]{len(reports)} workbooks:[/] {len(reports) - failed} recalculated, "
                          f"{failed} failed; {sum(r.cells_computed for r in reports):,} formula cells, "
                          f"{sum(len(r.errors) for r in reports):,} ending in an error")
        if output is None and not in_place and any(r.output for r in reports):
            console.print("[dim](the input is untouched: results go to BOOK.recalc.xlsx beside it; "
                          "use --in-place to replace it or -o to choose)[/]")
        if code == EXIT_ERROR_CELLS:
            console.print("[red]--strict: error cells found[/]")
    raise typer.Exit(code)


def _run_with_progress(job_list: list[Job], workers: int, err: Console) -> list[FileReport]:
    show = err.is_terminal
    if not show:
        if len(job_list) == 1 or workers <= 1:
            return [run_job(j) for j in job_list]
        return run_batch(job_list, workers)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        if len(job_list) == 1:
            task = bar.add_task(f"recalculating {Path(job_list[0].src).name}", total=None)

            def progress(done, total=None, *_):
                bar.update(task, completed=done, total=total)

            return [run_job(job_list[0], progress=progress)]
        task = bar.add_task(f"recalculating {len(job_list)} workbooks", total=len(job_list))
        if workers <= 1:
            reports = []
            for j in job_list:
                reports.append(run_job(j))
                bar.advance(task)
            return reports
        return run_batch(job_list, workers, on_done=lambda _r: bar.advance(task))

