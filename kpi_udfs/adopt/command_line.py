"""``kpi lint`` and ``kpi adopt``: the command-line faces of :mod:`kpi_udfs.adopt`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from .lint import EXIT_CLEAN, EXIT_DEFECT, EXIT_UNREADABLE, EXIT_USAGE

LINT_EXIT_CODES_HELP = f"""Exit codes:
 {EXIT_CLEAN}  no defect (band logic may have been found: --json lists it)
 {EXIT_DEFECT}  a defect: a gap, an overlap, an empty band, an unreachable branch, rows of a column with
    different thresholds, an unsorted lookup table, weights not adding up to 100 %
 {EXIT_USAGE}  usage error: no such file, not an .xlsx/.xlsm, bad option
 {EXIT_UNREADABLE}  the workbook is unreadable, damaged or hostile (as for kpi check and kpi recalc)"""


def _usage(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return EXIT_USAGE


def _check_input(book: Path) -> str | None:
    if not book.exists():
        return f"{book}: no such file"
    if book.is_dir():
        return f"{book}: is a folder, not a workbook"
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        return f"{book}: not an .xlsx/.xlsm workbook"
    return None


def lint(book: Path, as_json: bool = False) -> int:
    """Run ``kpi lint`` on one workbook; return the exit code."""
    from ..recalc.package import PackageError
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
            sys.stderr.write(f"✗ {book}: not linted (unreadable): {e}\n")
        return EXIT_UNREADABLE
    except (RecursionError, MemoryError):
        sys.stderr.write(f"✗ {book}: not linted: a formula is nested too deeply or the workbook is too large\n")
        return EXIT_UNREADABLE
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        print_report(report)
    return report.exit_code()


def lint_command(
    book: Path = typer.Argument(..., metavar="BOOK", show_default=False, help="The workbook (.xlsx/.xlsm) to lint."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON on stdout."),
) -> None:
    """Find hand-written band logic (nested IF/IFS, approximate VLOOKUP/LOOKUP/MATCH, CHOOSE(MATCH), SUMPRODUCT weights) and the holes in its tables, without writing anything.

    Each copied-down block is reconstructed as a band table (lower bound, upper bound, inclusivity, result) and checked for gaps, overlaps, empty bands, unreachable branches, thresholds that differ between rows of a column, unsorted lookup tables and weights not adding up to 100 %, with the rows whose current values fall into each defect. `kpi adopt` moves the logic onto KPI_ functions and a Rules sheet.
    """  # noqa: E501
    raise typer.Exit(lint(book, as_json))
