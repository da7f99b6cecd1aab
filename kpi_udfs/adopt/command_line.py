"""``kpi lint`` and ``kpi adopt``: the command-line faces of :mod:`kpi_udfs.adopt`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from ..i18n import _
from .lint import EXIT_CLEAN, EXIT_DEFECT, EXIT_UNREADABLE, EXIT_USAGE

#: A bug of ours (as for kpi recalc): reported in one line, never as a traceback.
EXIT_INTERNAL = 5

LINT_EXIT_CODES_HELP = f"""Exit codes:
 {EXIT_CLEAN}  no defect (band logic may have been found: --json lists it)
 {EXIT_DEFECT}  a defect: a gap, an overlap, an empty band, an unreachable branch, rows of a column with
    different thresholds, an unsorted lookup table, weights not adding up to 100 %
 {EXIT_USAGE}  usage error: no such file, not an .xlsx/.xlsm, bad option
 {EXIT_UNREADABLE}  the workbook is unreadable, damaged or hostile (as for kpi check and kpi recalc)
 {EXIT_INTERNAL}  internal error (a bug: please report it)"""


def _usage(message: str) -> int:
    sys.stderr.write(_("error: {message}", message=message) + "\n")
    return EXIT_USAGE


def _check_input(book: Path) -> str | None:
    if not book.exists():
        return f"{book}: " + _("no such file")
    if book.is_dir():
        return f"{book}: " + _("is a folder, not a workbook")
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        return f"{book}: " + _("not an .xlsx/.xlsm workbook")
    return None


def lint(book: Path, as_json: bool = False) -> int:
    """Run ``kpi lint`` on one workbook; return the exit code."""
    from ..cli_output import stdout_closed
    from ..recalc.read.archive import PackageError
    from .lint import lint_workbook, print_report

    problem = _check_input(book)
    if problem:
        return _usage(problem)
    try:
        report = lint_workbook(book)
    except PackageError as e:
        if as_json:
            sys.stdout.write(json.dumps({"file": str(book), "exit_code": EXIT_UNREADABLE, "message": str(e),
                                         "findings": []}, ensure_ascii=False) + "\n")
        else:
            sys.stderr.write(_("✗ {file}: not linted (unreadable): {reason}", file=str(book), reason=str(e)) + "\n")
        return EXIT_UNREADABLE
    except (RecursionError, MemoryError):
        sys.stderr.write(_("✗ {file}: not linted: a formula is nested too deeply or the workbook is too large",
                           file=str(book)) + "\n")
        return EXIT_UNREADABLE
    except Exception as e:  # noqa: BLE001 - our bug must not become a traceback
        sys.stderr.write(_("✗ {file}: not linted: internal error: {error} (please report it)", file=str(book),
                           error=type(e).__name__ + ": " + str(e)) + "\n")
        return EXIT_INTERNAL
    try:
        if as_json:
            sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str) + "\n")
        else:
            print_report(report)
        sys.stdout.flush()
    except BrokenPipeError:  # `kpi lint … | head`: the findings' exit code stands
        stdout_closed()
    return report.exit_code()


def lint_command(
    book: Path = typer.Argument(..., metavar="BOOK", show_default=False, help="The workbook (.xlsx/.xlsm) to lint."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON on stdout."),
) -> None:
    """Find hand-written band logic (nested IF/IFS, approximate VLOOKUP/LOOKUP/MATCH, CHOOSE(MATCH), SUMPRODUCT weights) and the holes in its tables, without writing anything.

    Each copied-down block is reconstructed as a band table (lower bound, upper bound, inclusivity, result) and checked for gaps, overlaps, empty bands, unreachable branches, thresholds that differ between rows of a column, unsorted lookup tables and weights not adding up to 100 %, with the rows whose current values fall into each defect. `kpi adopt` moves the logic onto KPI_ functions and a Rules sheet.
    """  # noqa: E501
    raise typer.Exit(lint(book, as_json))


ADOPT_EXIT_OK = 0
ADOPT_EXIT_DIFFERENT = 1
ADOPT_EXIT_CANNOT_WRITE = 4

ADOPT_EXIT_CODES_HELP = f"""Exit codes:
 {ADOPT_EXIT_OK}  adopted: every original value is reproduced
 {ADOPT_EXIT_DIFFERENT}  adopted, but some values differ from the original (listed, and in the report)
 {EXIT_USAGE}  usage error: no such file, the output exists (use --force), the output is the input
 {EXIT_UNREADABLE}  the workbook is unreadable, damaged or hostile
 {ADOPT_EXIT_CANNOT_WRITE}  the output cannot be written (read-only, locked, disk full) or the package has a
    layout the editor cannot follow
 {EXIT_INTERNAL}  internal error (a bug: please report it)"""


def adopt(book: Path, output: Path, force: bool = False) -> int:
    """Run ``kpi adopt``; return the exit code."""
    from ..cli_output import stdout_console
    from ..recalc.read.archive import PackageError
    from ..recalc.write.safefile import OutputError
    from .adopt_report import print_summary
    from .adoption import AdoptError, NothingToAdopt
    from .adoption import adopt as run
    from .xlsx_edit import EditError

    problem = _check_input(book)
    if problem:
        return _usage(problem)
    try:
        result = run(book, output, force=force)
    except AdoptError as e:
        return _usage(str(e))
    except NothingToAdopt as e:
        sys.stdout.write(f"{e}\n")
        return ADOPT_EXIT_OK
    except PackageError as e:
        sys.stderr.write(_("✗ {file}: not adopted (unreadable): {reason}", file=str(book), reason=str(e)) + "\n")
        return EXIT_UNREADABLE
    except (RecursionError, MemoryError):
        sys.stderr.write(_("✗ {file}: not adopted: a formula is nested too deeply or the workbook is too large",
                           file=str(book)) + "\n")
        return EXIT_UNREADABLE
    except (EditError, OutputError, OSError) as e:
        sys.stderr.write(_("✗ {file}: not written: {reason}", file=str(output), reason=str(e)) + "\n")
        return ADOPT_EXIT_CANNOT_WRITE
    except Exception as e:  # noqa: BLE001 - our bug must not become a traceback
        sys.stderr.write(_("✗ {file}: not adopted: internal error: {error} (please report it)", file=str(book),
                           error=type(e).__name__ + ": " + str(e)) + "\n")
        return EXIT_INTERNAL
    print_summary(result, stdout_console(soft_wrap=True, highlight=False))
    return ADOPT_EXIT_DIFFERENT if result.differences else ADOPT_EXIT_OK


def adopt_command(
    book: Path = typer.Argument(..., metavar="BOOK", show_default=False, help="The workbook (.xlsx/.xlsm) to adopt."),
    output: Path = typer.Option(..., "-o", "--output", show_default=False,
                                help="The adopted copy to write (the input is never written)."),
    force: bool = typer.Option(False, "--force", help="Replace the output if it exists."),
) -> None:
    """Write a copy of BOOK whose hand-written band logic calls KPI_BAND, KPI_GRADE, KPI_MAP and KPI_WEIGHTED over a new Rules sheet, then recalculate it and show, row by row, where a value differs from the original.

    Each table found by `kpi lint` goes on the Rules sheet with named ranges and a policy cell per setting chosen to reproduce today's behaviour (with a note), so that HR can change it deliberately. Everything else in the workbook is kept as it is. A one-page report (OUTPUT.adopt-report.md) is saved beside the output.
    """  # noqa: E501
    raise typer.Exit(adopt(book, output, force))
