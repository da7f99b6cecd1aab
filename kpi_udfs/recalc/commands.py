"""``kpi recalc``: compute every formula of workbooks and write the results as cached values.

One file runs in this process; several files (or a folder) are spread over worker
processes (:mod:`kpi_udfs.recalc.batch`), with one progress bar for the batch and one
summary. Each file goes through :func:`run_job`: lock the output → read the input once
(:mod:`.read.archive`) → validate the package under the run's limits → evaluate
(:mod:`.pipeline`) → write a patched copy atomically, after checking that no other
program changed the input meanwhile. Error cells are summarised one line per cause
(:mod:`kpi_udfs.recalc.causes`); ``--json`` lists every cell.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from .. import i18n
from ..cli_output import stdout_closed, stdout_console
from ..errors import KpiError
from ..i18n import N_, _, translate
from . import causes as causes_of
from .read.archive import Limits, MiB, PackageError, limits_in_force, open_package, read_source
from .write.safefile import (
    LockedError,
    OutputError,
    atomic_output,
    make_folder,
    remove_stale_temps,
    target_lock,
)
from .write.writer import WriteError, split_ref, write_values

#: Exit codes (documented in ``kpi recalc --help`` and docs/recalc.md).
EXIT_OK = 0
EXIT_ERROR_CELLS = 1
EXIT_USAGE = 2
EXIT_BAD_FILE = 3
EXIT_CANNOT_WRITE = 4
EXIT_INTERNAL = 5

#: A file's status: these English words in ``--json`` (for programs), translated when printed.
STATUS = {
    EXIT_OK: N_("ok"),
    EXIT_ERROR_CELLS: N_("error cells (--strict)"),
    EXIT_BAD_FILE: N_("unreadable"),
    EXIT_CANNOT_WRITE: N_("cannot write"),
    EXIT_INTERNAL: N_("internal error"),
}
OK_WITH_ERROR_CELLS = N_("ok, with error cells")
FAILED = N_("failed")

#: The evaluator, as "module:function" so that pool workers can import it: it takes the
#: opened package and returns the Evaluation.
EVALUATOR = "kpi_udfs.recalc.pipeline:evaluate_package"

SUFFIXES = (".xlsx", ".xlsm")

EXIT_CODES_HELP = """Exit codes (with several files the highest wins; each file's own is in --json):
 0  every workbook recalculated (cells ending in an Excel error allowed unless --strict)
 1  --strict and some cell ends in an Excel error (the output is still written)
 2  usage error: a bad option value, no such file, no workbook in a folder, an output that exists (without --force)
 3  a workbook is unreadable, damaged or hostile: not a zip, truncated, over a size limit, XML with a DTD
 4  an output cannot be written: read-only, locked by another run, no permission, a folder that cannot be made
 5  internal error of the evaluator, or a worker process that died (a bug or out of memory: please report it)
A closed standard output (kpi recalc … | head) does not change the exit code."""


@dataclass(frozen=True)
class Job:
    """One workbook to recalculate (picklable: it crosses into pool workers)."""

    src: str
    out: str
    limits: Limits = Limits()
    lock_timeout: float = 60.0
    evaluator: str = EVALUATOR
    #: Exit 1 (EXIT_ERROR_CELLS) when a cell ends in an error.
    strict: bool = False
    #: The language of the reasons and messages (a pool worker does not inherit ``--lang``);
    #: None: the language in force where the job runs.
    language: str | None = None


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
            return OK_WITH_ERROR_CELLS
        return STATUS.get(self.exit_code, FAILED)

    @property
    def failed(self) -> bool:
        """Not recalculated (unreadable, cannot write, internal error)."""
        return self.exit_code not in (EXIT_OK, EXIT_ERROR_CELLS)

    def as_json(self) -> dict:
        d = asdict(self)
        d["status"] = self.status
        d["error_cells"] = len(self.errors)
        d["causes"] = [c.as_json() for c in causes_of.group(self.errors)]
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
    module, _skip, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def run_job(job: Job, progress=None) -> FileReport:
    """Recalculate one workbook; every failure becomes a report with its exit code.

    This is the whole of one workbook's work, in this process or in a pool worker, in the
    job's language. ``progress(phase, fraction)``, when given, hears "checking",
    "computing" (with the evaluator's fraction done, from 0.0) and "writing N cells", in
    that language; only "computing" comes with a fraction.
    """
    if job.language is None:
        return _run_job(job, progress)
    with i18n.using(job.language):
        return _run_job(job, progress)


def _run_job(job: Job, progress=None) -> FileReport:
    started = time.perf_counter()
    src, out = Path(job.src), Path(job.out)
    report = FileReport(input=str(src), output=str(out))
    tell = progress or (lambda phase, fraction=None: None)

    def computing(done, total=None, *_args):  # one pass, counted in formula cells
        tell(_("computing"), min(done / total, 1.0) if total else 1.0)

    try:
        with limits_in_force(job.limits), target_lock(out, job.lock_timeout):
            remove_stale_temps(out)
            tell(_("checking"), None)
            source = read_source(src, job.limits)  # under the lock: a run before us may rewrite it
            with open_package(source, job.limits) as pkg:
                pkg.validate()
                sheets = [s.name for s in pkg.sheets]
                evaluate = _load_evaluator(job.evaluator)
                tell(_("computing"), 0.0)
                evaluation = evaluate(pkg, progress=computing)
                n = evaluation.formula_cells
                tell(_("writing 1 cell") if n == 1 else _("writing {count} cells", count=format(n, ",")), None)
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
        if job.strict and report.errors:
            report.exit_code = EXIT_ERROR_CELLS
    except PackageError as e:
        report.exit_code, report.message, report.output = EXIT_BAD_FILE, str(e), None
    except WriteError as e:
        report.exit_code, report.message, report.output = EXIT_BAD_FILE, f"{src.name}: {e}", None
    except (LockedError, OutputError) as e:
        report.exit_code, report.message, report.output = EXIT_CANNOT_WRITE, str(e), None
    except RecursionError:
        report.exit_code, report.output = EXIT_BAD_FILE, None
        report.message = f"{src.name}: " + _("a formula is nested too deeply to evaluate")
    except MemoryError:
        report.exit_code, report.output = EXIT_BAD_FILE, None
        report.message = f"{src.name}: " + _("the workbook is too large to evaluate in memory")
    except Exception as e:  # the evaluator's bug must not become a traceback
        report.exit_code, report.output = EXIT_INTERNAL, None
        report.message = f"{src.name}: " + _("internal error: {error}", error=type(e).__name__ + ": " + str(e))
    report.seconds = round(time.perf_counter() - started, 3)
    return report


# -- many files -------------------------------------------------------------------------

def _worker_died(job: Job, how: str) -> FileReport:
    with i18n.using(job.language or i18n.language()):
        message = f"{Path(job.src).name}: " + _(
            "the worker process recalculating it {how}; the other workbooks are not affected", how=how)
    return FileReport(input=job.src, output=None, exit_code=EXIT_INTERNAL, message=message)


def run_batch(jobs: list[Job], workers: int, on_done=None, on_progress=None) -> list[FileReport]:
    """Run jobs over ``workers`` processes (:func:`kpi_udfs.recalc.batch.run_pool`);
    reports come back in job order. A worker that dies fails only its own workbook.
    ``on_done(index, report)`` and ``on_progress(index, phase, fraction)`` follow the jobs."""
    from .batch import run_pool

    return run_pool(jobs, workers, run_job, on_death=_worker_died, on_done=on_done, on_progress=on_progress)


def overall_exit(reports: list[FileReport], strict: bool = False) -> int:
    """The run's exit code: the highest of the files' (each already says 1 under --strict)."""
    worst = max((r.exit_code for r in reports), default=EXIT_OK)
    if worst == EXIT_OK and strict and any(r.errors for r in reports):
        return EXIT_ERROR_CELLS
    return worst


# -- command line -----------------------------------------------------------------------

class UsageError(Exception):
    pass


class CannotWrite(Exception):
    """An output folder cannot be made (exit 4)."""


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
            try:
                entries = list(p.iterdir())
            except OSError as e:
                raise UsageError(_("{path}: cannot list this folder ({error})", path=str(p),
                                   error=e.strerror or e)) from None
            found = sorted(q for q in entries
                           if q.is_file() and q.suffix.lower() in SUFFIXES and not _is_output_or_temp(q))
            if not found:
                raise UsageError(_("{path}: no .xlsx/.xlsm workbook in this folder", path=str(p)))
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise UsageError(_("{path}: no such file or folder", path=str(p)))
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _names_a_folder(output: str, inputs: list[Path], folder_given: bool) -> bool:
    """-o is a folder when it is one, ends with a slash, or several workbooks (or a folder
    of workbooks) go to it; otherwise it is the output file of the one input."""
    return (output.endswith(("/", os.sep)) or Path(output).is_dir() or len(inputs) > 1 or folder_given)


def plan_outputs(inputs: list[Path], output: str | Path | None, in_place: bool,
                 folder_given: bool = False) -> list[Path]:
    """Where each input's result goes (see ``kpi recalc --help``)."""
    if in_place and output is not None:
        raise UsageError(_("use either -o/--output or --in-place, not both"))
    if in_place:
        return list(inputs)
    if output is None:
        return [default_output(p) for p in inputs]
    text = str(output)
    if _names_a_folder(text, inputs, folder_given):
        folder = Path(text)
        if folder.exists() and not folder.is_dir():
            raise UsageError(_("-o {path}: is a file; with several workbooks (or a folder) -o names a folder",
                               path=str(folder)))
        outs = [folder / p.name for p in inputs]
        names = [o.name.lower() for o in outs]
        if len(set(names)) != len(names):
            raise UsageError(_("-o {path}: two workbooks have the same name; recalculate them separately",
                               path=str(folder)))
        return outs
    return [Path(text)]


def _check_suffixes(inputs: list[Path], outputs: list[Path]) -> None:
    for src, out in zip(inputs, outputs, strict=True):
        if out.suffix.lower() != src.suffix.lower():
            raise UsageError(_(
                "{path}: the output must keep the input's extension ({extension}), as Excel refuses a "
                "workbook whose extension does not match its content; to write into a folder, end -o with /",
                path=str(out), extension=src.suffix,
            ))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_overwrites(inputs: list[Path], outputs: list[Path], explicit: bool, force: bool) -> None:
    """An output must not be another input; with -o, an existing file needs --force."""
    for src, out in zip(inputs, outputs, strict=True):
        for other in inputs:
            if other is not src and _same_file(out, other):
                raise UsageError(_("{path}: is also an input; recalculate it separately or use --in-place",
                                   path=str(out)))
        if explicit and _same_file(out, src):
            raise UsageError(_("{path}: is the input itself; use --in-place to replace it", path=str(out)))
    if not explicit or force:
        return
    existing = [o for o in outputs if o.exists() or o.is_symlink()]
    if len(existing) == 1:
        raise UsageError(_("{path} exists; use --force to overwrite it", path=str(existing[0])))
    if existing:
        shown = ", ".join(str(o) for o in existing[:3]) + (", …" if len(existing) > 3 else "")
        raise UsageError(_("{count} outputs exist ({paths}); use --force to overwrite them", count=len(existing),
                           paths=shown))


def _make_folders(outputs: list[Path]) -> None:
    for folder in sorted({o.parent for o in outputs}):
        try:
            make_folder(folder)
        except OutputError as e:
            raise CannotWrite(str(e)) from None


def _print_report(console: Console, r: FileReport) -> bool:
    """One workbook's lines; True when some line left cells out (--json lists them all)."""
    if r.failed:
        message = r.message or ""
        for prefix in (f"{r.input}: ", f"{Path(r.input).name}: "):
            message = message.removeprefix(prefix)
        console.print("[bold red]✗[/] " + escape(_("{file}: not recalculated ({status}): {reason}", file=r.input,
                                                   status=translate(r.status), reason=message)))
        return False
    mark = "[yellow]![/]" if r.errors else "[green]✓[/]"
    computed, failed = f"{r.cells_computed:,}", f"{len(r.errors):,}"
    if r.output and Path(r.output) == Path(r.input):
        line = _("{file} replaced in place: {computed} formula cells computed, {failed} ending in an error",
                 file=r.input, computed=computed, failed=failed)
    else:
        line = _("{file} → {output}: {computed} formula cells computed, {failed} ending in an error",
                 file=r.input, output=r.output or "", computed=computed, failed=failed)
    console.print(f"{mark} {escape(line)}")
    cut = False
    for cause in causes_of.group(r.errors):
        cut |= _print_cause(console, cause, f"[red]{escape(cause.code)}[/]")
    for cause in causes_of.group([dict(w, code="warning") for w in r.warnings]):
        cut |= _print_cause(console, cause, "[yellow]" + escape(_("warning")) + "[/]")
    for cause in causes_of.group([dict(n, code="not written") for n in r.not_written]):
        cut |= _print_cause(console, cause, "[yellow]" + escape(_("not written")) + "[/]")
    return cut


def _print_cause(console: Console, cause: causes_of.Cause, label: str) -> bool:
    cells = ", ".join(cause.cells)
    more = cause.count - len(cause.cells)
    if more:
        cells = _("{cells} and {count} more", cells=cells, count=format(more, ","))
    count = _("{count} cells", count=format(cause.count, ",")) if cause.count > 1 else _("1 cell")
    console.print(f"    {label}  " + escape(_("{reason}: {count} ({cells})", reason=cause.reason,
                                              count=count, cells=cells)))
    return more > 0


def _summary_json(reports: list[FileReport], code: int) -> dict:
    return {
        "files": [r.as_json() for r in reports],
        "cells_computed": sum(r.cells_computed for r in reports),
        "error_cells": sum(len(r.errors) for r in reports),
        "errors": [dict(e, file=r.input) for r in reports for e in r.errors],
        "warnings": [dict(w, file=r.input) for r in reports for w in r.warnings],
        "failed_files": sum(r.failed for r in reports),
        "exit_code": code,
    }


def _megabytes(value: float) -> float:
    if not math.isfinite(value) or value * MiB < 1:
        raise typer.BadParameter(_("{value} is not a size: give a positive number of MiB", value=format(value, "g")))
    return value


def _ratio(value: float) -> float:
    if not math.isfinite(value) or value < 1:
        raise typer.BadParameter(_("{value} is not a ratio: give a number of at least 1", value=format(value, "g")))
    return value


def _seconds(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise typer.BadParameter(_("{value} is not a wait: give a number of seconds, 0 or more", value=format(value, "g")))
    return value


def recalc(
    books: list[Path] = typer.Argument(
        ..., metavar="BOOK...", show_default=False,
        help="Workbooks (.xlsx/.xlsm) or folders of workbooks to recalculate.",
    ),
    output: str = typer.Option(
        None, "-o", "--output", show_default=False,
        help="Output file (one workbook) or folder (several, a folder of them, or a path ending in /; "
             "made if missing). Default: BOOK.recalc.xlsx beside each input.",
    ),
    in_place: bool = typer.Option(False, "--in-place", help="Replace each input atomically (temp file + rename)."),
    force: bool = typer.Option(False, "--force", help="Let -o overwrite files that exist."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout, every error cell listed."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any cell ends in an Excel error (for CI)."),
    jobs: int = typer.Option(0, "-j", "--jobs", min=0, help="Worker processes for several files (0 = one per core)."),
    lock_timeout: float = typer.Option(
        60.0, "--lock-timeout", callback=_seconds,
        help="Seconds to wait for another run writing the same output, then refuse."),
    max_part_mb: float = typer.Option(
        Limits.max_part_bytes / MiB, "--max-part-mb", callback=_megabytes,
        help="Refuse a package part larger than this, decompressed."),
    max_total_mb: float = typer.Option(
        Limits.max_total_bytes / MiB, "--max-total-mb", callback=_megabytes,
        help="Refuse a package larger than this, decompressed."),
    max_ratio: float = typer.Option(
        Limits.max_ratio, "--max-ratio", callback=_ratio,
        help="Refuse a part (≥ 1 MiB) compressed more than this ratio (zip bomb)."),
) -> None:
    """Compute every formula (Excel's functions and the KPI_ functions) and write the results as the cells' cached values, changing nothing else in the file.

    Without -o or --in-place the result goes to BOOK.recalc.xlsx beside the input, which stays untouched (a later run replaces that file). -o does not overwrite a file that exists unless --force. The summary gives, per workbook, one line per cause of error cells with their count and first cells (--json lists every cell). Several files or a folder are spread over the machine's cores.
    """  # noqa: E501
    err = Console(stderr=True)
    try:
        inputs = expand_inputs(books)
        outputs = plan_outputs(inputs, output, in_place, folder_given=any(b.is_dir() for b in books))
        _check_suffixes(inputs, outputs)
        _check_overwrites(inputs, outputs, explicit=output is not None, force=force)
        _make_folders(outputs)
    except UsageError as e:
        err.print("[bold red]" + escape(_("error: {message}", message=str(e))) + "[/]", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    except CannotWrite as e:
        err.print("[bold red]" + escape(_("error: {message}", message=str(e))) + "[/]", soft_wrap=True)
        raise typer.Exit(EXIT_CANNOT_WRITE) from None
    limits = Limits(max_part_bytes=int(max_part_mb * MiB), max_total_bytes=int(max_total_mb * MiB),
                    max_ratio=max_ratio)
    job_list = [Job(src=str(s), out=str(o), limits=limits, lock_timeout=lock_timeout, evaluator=EVALUATOR,
                    strict=strict, language=i18n.language())
                for s, o in zip(inputs, outputs, strict=True)]
    workers = min(len(job_list), jobs if jobs > 0 else (os.cpu_count() or 1))
    reports = _run_with_progress(job_list, workers, err)
    code = overall_exit(reports, strict)
    try:
        if as_json:
            sys.stdout.write(json.dumps(_summary_json(reports, code), ensure_ascii=False, indent=2) + "\n")
            sys.stdout.flush()
        else:
            _print_summary(reports, code, output is None and not in_place)
    except BrokenPipeError:
        stdout_closed()
    raise typer.Exit(code)


def _print_summary(reports: list[FileReport], code: int, default_outputs: bool) -> None:
    console = stdout_console(soft_wrap=True, highlight=False)  # one line per cause: greppable in CI logs
    cut = False
    for r in reports:
        cut |= _print_report(console, r)
    if len(reports) > 1:
        failed = sum(r.failed for r in reports)
        console.print(escape(_(
            "{count} workbooks: {done} recalculated, {failed} failed; {cells} formula cells, {errors} ending in an "
            "error", count=len(reports), done=len(reports) - failed, failed=failed,
            cells=format(sum(r.cells_computed for r in reports), ","), errors=format(sum(len(r.errors) for r in reports), ","))))
    if cut:
        console.print("[dim]" + escape(_("(--json lists every cell with its reason)")) + "[/]")
    if default_outputs and any(r.output for r in reports):
        console.print("[dim]" + escape(_("(the input is untouched: results go to BOOK.recalc.xlsx beside it; "
                                         "use --in-place to replace it or -o to choose)")) + "[/]")
    if code == EXIT_ERROR_CELLS:
        console.print("[red]" + escape(_("--strict: error cells found")) + "[/]")
    sys.stdout.flush()


def _run_with_progress(job_list: list[Job], workers: int, err: Console) -> list[FileReport]:
    """Run the jobs, with a progress bar on stderr when it is a terminal: per phase for one
    workbook, over the workbooks for several (their total is the summary's)."""
    sequential = len(job_list) == 1 or workers <= 1
    if not err.is_terminal:
        return [run_job(j) for j in job_list] if sequential else run_batch(job_list, workers)
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        if len(job_list) == 1:
            name = Path(job_list[0].src).name
            shown: dict[str, Any] = {"phase": None, "task": None}

            def progress(phase: str, fraction: float | None = None) -> None:
                # one bar per phase; a phase of unknown length pulses, so the bar never
                # looks stuck while the package is checked or written
                if phase != shown["phase"]:
                    if shown["task"] is not None:
                        bar.update(shown["task"], visible=False)
                    shown["phase"] = phase
                    shown["task"] = bar.add_task(escape(_("{file}: {phase}", file=name, phase=phase)),
                                                 total=None if fraction is None else 1.0)
                if fraction is not None:
                    bar.update(shown["task"], completed=fraction)

            return [run_job(job_list[0], progress=progress)]
        n = len(job_list)
        task = bar.add_task(escape(_("recalculating {count} workbooks", count=n)), total=n)
        done: set[int] = set()
        running: dict[int, float] = {}

        def show() -> None:
            bar.update(task, completed=len(done) + sum(running.values()),
                       description=escape(_("recalculating {count} workbooks ({done} done)", count=n,
                                            done=len(done))))

        def on_progress(index: int, phase: str, fraction: float | None = None) -> None:
            # a workbook's share of the bar: computing (the one phase with a fraction) takes it
            # to 0.9, writing (after computing) to 0.95; the phase's words are the user's language
            if fraction is not None:
                share = 0.9 * fraction
            elif index in running:
                share = 0.95
            else:
                share = 0.0
            running[index] = max(running.get(index, 0.0), share)
            show()

        if sequential:
            reports = []
            for i, j in enumerate(job_list):
                reports.append(run_job(j, progress=lambda phase, fraction=None, i=i: on_progress(i, phase, fraction)))
                running.pop(i, None)
                done.add(i)
                show()
            return reports

        def on_done(index: int, _report: FileReport) -> None:
            running.pop(index, None)
            done.add(index)
            show()

        return run_batch(job_list, workers, on_done=on_done, on_progress=on_progress)
