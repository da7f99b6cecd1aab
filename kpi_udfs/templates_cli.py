"""``kpi new`` and ``kpi demo``: appraisal workbooks from the built-in templates.

``kpi new TEMPLATE -o FILE`` writes a fresh, recalculated copy of a template (its sample
staff, N made-up staff, or empty rows); with ``--from LAST.xlsx`` it writes next month's
workbook from last month's. ``kpi demo`` is the main job on its embedded
example: PreSales_T44 with its sample staff, recalculated headless, the ranked results
and every error with its reason printed, the workbook written for Excel or LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from . import templates
from .errors import KpiError
from .recalc.model import Evaluation
from .templates.spec import Template

DEMO_TEMPLATE = "PreSales_T44"
DEMO_OUTPUT = Path("PreSales_T44-demo.xlsx")


@dataclass
class StaffResult:
    """One employee's row of results, read from an evaluation."""

    row: int
    name: str
    values: dict[str, Any]
    #: The first error of the row, in column order: (column header, error).
    error: tuple[str, KpiError] | None


def staff_results(t: Template, evaluation: Evaluation, staff: list[tuple]) -> list[StaffResult]:
    """The results of every named employee, in staff order."""
    from .templates.layout import FIRST_ROW, STAFF, Layout

    layout = Layout(t, len(staff))
    computed = [c for c in t.columns if c not in t.inputs]
    name_at = [c.key for c in t.inputs].index("name")
    out = []
    for i, person in enumerate(staff):
        row = FIRST_ROW + i
        values = {c.key: evaluation.values.get((STAFF, f"{layout.col[c.key]}{row}")) for c in computed}
        error = None
        for c in computed:
            v = values[c.key]
            if isinstance(v, KpiError):
                reason = v.reason or evaluation.notes.get((STAFF, f"{layout.col[c.key]}{row}"), "")
                error = (f"{c.zh} {c.en}", KpiError(v.code, reason))
                break
        out.append(StaffResult(row, str(person[name_at]), values, error))
    return out


def ranked(results: list[StaffResult], key: str) -> list[tuple[str, StaffResult]]:
    """Results by ``key`` high → low with competition ranks (1, 2, 2, 4); rows without a
    number come last, unranked."""
    scored = [r for r in results if isinstance(r.values.get(key), float)]
    scored.sort(key=lambda r: -r.values[key])
    out: list[tuple[str, StaffResult]] = []
    for i, r in enumerate(scored):
        same = i > 0 and r.values[key] == scored[i - 1].values[key]
        out.append((out[-1][0] if same else str(i + 1), r))
    out += [("—", r) for r in results if r not in scored]
    return out


def _cell(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, KpiError):
        return v.code
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:,.0f}"
    return str(v)


def print_results(console: Console, t: Template, evaluation: Evaluation, staff: list[tuple], title: str) -> None:
    from .templates.layout import STAFF

    results = staff_results(t, evaluation, staff)
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("姓名 Name")
    for _key, header in t.results:
        table.add_column(header, justify="right")
    rank_key = t.results[0][0]
    for rank, r in ranked(results, rank_key):
        cells = [_cell(r.values.get(key)) for key, _ in t.results]
        style = "red" if r.error else ("dim" if rank == "—" else None)
        table.add_row(rank, r.name, *cells, style=style)
    console.print(table)
    failed = [r for r in results if r.error]
    if failed:
        console.print(f"[bold]{len(failed)} staff rows end in an error[/bold] (policies such as the gap policy "
                      "are cells on the Rules sheet):")
        for r in failed:
            header, err = r.error
            console.print(f"  [red]{r.name}[/red] ({STAFF}!row {r.row}) {header}: [bold]{err.code}[/bold] {err.reason}")
    others = [(s, c, v) for s, c, v in evaluation.errors() if s != STAFF]
    for s, c, v in others:
        reason = v.reason or evaluation.notes.get((s, c)) or "a cell it reads is an error (the rows above)"
        console.print(f"  {s}!{c}: {v.code} {reason}")


def new(
    template: str = typer.Argument(..., help=f"Template name: {', '.join(templates.names())}."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the .xlsx."),
    staff: int = typer.Option(None, "--staff", min=1, help="N made-up staff instead of the sample staff."),
    empty: bool = typer.Option(False, "--empty", help="No staff: empty rows to fill in (30, or --staff N)."),
    last: Path = typer.Option(
        None, "--from", metavar="LAST.xlsx",
        help="Start next month from last month's workbook: same staff and rules, inputs emptied, "
        "last month's results appended to History.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite OUTPUT if it exists."),
) -> None:
    """Write a fresh, recalculated copy of an appraisal template, or next month's workbook."""
    from .recalc.package import PackageError, validate
    from .templates.months import MonthError

    console = Console()
    try:
        t = templates.get(template)
    except KeyError as e:
        console.print(f"[red]{e.args[0]}[/red]")
        raise typer.Exit(2) from None
    if output.exists() and not force:
        console.print(f"[red]{output} exists[/red]; use --force to overwrite it")
        raise typer.Exit(2)
    month = None
    if last is not None:
        if staff is not None or empty:
            console.print("[red]--from takes the staff from last month's workbook[/red]: leave out --staff and --empty")
            raise typer.Exit(2)
        if not last.exists():
            console.print(f"[red]{last}: no such file[/red]")
            raise typer.Exit(2)
        try:
            validate(last)
            month, carried = templates.next_month(t, last)
        except PackageError as e:
            console.print(f"[red]✗ {last}: not read (unreadable)[/red]: {e}")
            raise typer.Exit(3) from None
        except MonthError as e:
            console.print(f"[red]✗ {e}[/red]")
            raise typer.Exit(2) from None
    evaluation = templates.build(t.name, output, staff=staff, empty=empty, month=month)
    errors = len(evaluation.errors()) if evaluation else 0
    if month is not None:
        console.print(
            f"Wrote [bold]{output}[/bold]: {t.zh} / {t.en} ({t.scheme}) for {month.month:%Y-%m}, "
            f"{carried.staff} staff and the rules from {last}, inputs emptied; History holds "
            f"{carried.history_rows} rows; {evaluation.formula_cells} formula cells computed, {errors} error cells."
        )
        for name, column, error in carried.errors:
            console.print(f"  [yellow]{name}[/yellow]: {column} was {error} last month; History records it as an error")
        return
    rows, _n = templates.staff_rows(t, staff, empty)
    what = "empty rows" if empty else (f"{staff} generated staff" if staff else f"{len(rows)} sample staff")
    console.print(
        f"Wrote [bold]{output}[/bold]: {t.zh} / {t.en} ({t.scheme}), {what}, "
        f"{evaluation.formula_cells} formula cells computed, {errors} error cells."
    )


def demo(
    output: Path = typer.Option(DEMO_OUTPUT, "-o", "--output", help="Where to write the recalculated workbook."),
) -> None:
    """The main job on its built-in example: PreSales_T44 with its sample staff, recalculated."""
    console = Console()
    t = templates.get(DEMO_TEMPLATE)
    evaluation = templates.build(t.name, output)
    staff = list(t.sample)
    print_results(console, t, evaluation, staff, f"{t.zh} — {t.en} ({t.scheme})")
    console.print(
        f"Recalculated {evaluation.formula_cells} formula cells. Wrote [bold]{output.resolve()}[/bold] "
        "(open it in Excel or LibreOffice; rules are on the Rules sheet)."
    )


def register(app: typer.Typer) -> None:
    """Add ``kpi new`` and ``kpi demo`` to the ``kpi`` command."""
    app.command("new")(new)
    app.command("demo")(demo)
