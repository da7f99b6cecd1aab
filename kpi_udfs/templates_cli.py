"""``kpi new`` and ``kpi demo``: appraisal workbooks from the built-in templates.

``kpi new TEMPLATE -o FILE`` writes a fresh, recalculated copy of a template (its sample
staff, N made-up staff, or empty rows); with ``--from LAST.xlsx`` it writes next month's
workbook from last month's. The workbook's words are in the language of ``--lang`` /
``KPI_LANG``; next month's keeps last month's language unless ``--lang`` says otherwise. ``kpi demo`` is the main job on its embedded
example: PreSales_T44 with its sample staff, recalculated headless, the ranked results
and every error with its reason printed, the workbook written for Excel or LibreOffice:
into a new folder of the temp folder unless ``-o`` says where, so the demo never writes
into the current folder (a checkout) and never replaces a file.

Both write atomically (:func:`kpi_udfs.recalc.write.safefile.write_file`), make the output's
folder if missing, refuse an existing file without ``--force`` (exit 2) and an output
that cannot be written with one line (exit 4).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import i18n, templates
from .cli_output import fail, stdout_console
from .errors import KpiError
from .i18n import _, translate
from .recalc.model import Evaluation
from .templates.spec import Template

DEMO_TEMPLATE = "PreSales_T44"
DEMO_NAME = "PreSales_T44-demo.xlsx"

EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_CANNOT_WRITE = 4

#: Each language by its own name (shown whatever the language of the messages).
LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文", "zh-TW": "繁體中文"}

EXIT_CODES_HELP = """Exit codes:
 0  written
 2  usage error: an unknown template, an output that exists (without --force) or is not an .xlsx,
    --from with --staff/--empty, a last month's workbook that is missing or not one of this template
 3  --from: last month's workbook cannot be read (damaged or not a workbook)
 4  the output cannot be written: no permission, a folder that cannot be made, disk full
 5  internal error (a bug: please report it)"""


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

    layout = Layout(t, len(staff), i18n.language())
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
                error = (column_title(c), KpiError(v.code, reason))
                break
        out.append(StaffResult(row, str(person[name_at]), values, error))
    return out


def column_title(c) -> str:
    """A staff column as a message names it: its name in the table, with its caption in the
    language in force when that says something else (「加权总分 (Weighted total)」)."""
    caption = translate(c.en)
    return c.zh if caption == c.zh else _("{name} ({caption})", name=c.zh, caption=caption)


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
    table.add_column(_("Name"))
    for _key, header in t.results:
        table.add_column(translate(header), justify="right")
    rank_key = t.results[0][0]
    for rank, r in ranked(results, rank_key):
        cells = [_cell(r.values.get(key)) for key, _header in t.results]
        style = "red" if r.error else ("dim" if rank == "—" else None)
        table.add_row(rank, r.name, *cells, style=style)
    console.print(table)
    failed = [r for r in results if r.error]
    if failed:
        console.print(_("[bold]{count} staff rows end in an error[/bold] (policies such as the gap policy are cells "
                        "on the Rules sheet):", count=len(failed)))
        for r in failed:
            header, err = r.error
            console.print("  " + _("[red]{name}[/red] ({sheet}!row {row}) {column}: [bold]{code}[/bold] {reason}",
                                   name=escape(r.name), sheet=STAFF, row=r.row, column=escape(header), code=err.code,
                                   reason=escape(err.reason)))
    others = [(s, c, v) for s, c, v in evaluation.errors() if s != STAFF]
    for s, c, v in others:
        reason = v.reason or evaluation.notes.get((s, c)) or _("a cell it reads is an error (the rows above)")
        console.print(f"  {s}!{c}: {v.code} {escape(reason)}")


def _check_output(output: Path, force: bool) -> None:
    if output.is_dir():
        fail(_("{path}: is a folder; give a file name such as {example}", path=output, example=output / "book.xlsx"),
             EXIT_USAGE)
    if output.suffix.lower() != ".xlsx":
        fail(_("{path}: the output must be an .xlsx file", path=output), EXIT_USAGE)
    if (output.exists() or output.is_symlink()) and not force:
        fail(_("{path} exists; use --force to overwrite it", path=output), EXIT_USAGE)


def _write(name: str, output: Path, lang: str, staff: int | None = None, empty: bool = False,
           month=None) -> Evaluation:
    """Build template ``name`` in ``lang``, recalculated, and write it as ``output`` in one step."""
    from .recalc.write.safefile import OutputError, write_file

    try:
        with tempfile.TemporaryDirectory(prefix="kpi-new-") as tmp:
            built = Path(tmp) / f"{name}.xlsx"
            evaluation = templates.build(name, built, staff=staff, empty=empty, month=month, lang=lang)
            data = built.read_bytes()
    except OSError as e:
        fail(_("cannot build the workbook in the temp folder {folder} ({reason})", folder=tempfile.gettempdir(),
               reason=e.strerror or e), EXIT_CANNOT_WRITE)
    try:
        write_file(output, data)
    except OutputError as e:
        fail(str(e), EXIT_CANNOT_WRITE)
    return evaluation


def new(
    template: str = typer.Argument(..., help=f"Template name: {', '.join(templates.names())}."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the .xlsx (its folder is made if missing)."),
    staff: int = typer.Option(None, "--staff", min=1, help="N made-up staff instead of the sample staff."),
    empty: bool = typer.Option(False, "--empty", help="No staff: empty rows to fill in (30, or --staff N)."),
    last: Path = typer.Option(
        None, "--from", metavar="LAST.xlsx",
        help="Start next month from last month's workbook: same staff and rules, inputs emptied, "
        "last month's results appended to History.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite OUTPUT if it exists."),
) -> None:
    """Write a fresh, recalculated copy of an appraisal template, or next month's workbook.

    Its words are in the language of --lang or KPI_LANG; next month's keeps last month's unless --lang is given."""
    from .recalc.read.archive import PackageError, validate
    from .templates.months import MonthError

    console = stdout_console()
    try:
        t = templates.get(template)
    except KeyError:
        fail(_("no template {name}; known: {known}", name=repr(template), known=", ".join(templates.names())),
             EXIT_USAGE)
    _check_output(output, force)
    month = carried = None
    if last is not None:
        if staff is not None or empty:
            fail(_("--from takes the staff from last month's workbook: leave out --staff and --empty"), EXIT_USAGE)
        if not last.is_file():
            fail(_("{path}: no such file", path=last), EXIT_USAGE)
        try:
            validate(last)
            month, carried = templates.next_month(t, last)
        except PackageError as e:
            fail(_("✗ {path}: not read (unreadable): {reason}", path=last, reason=e), EXIT_UNREADABLE)
        except MonthError as e:
            fail(f"✗ {e}", EXIT_USAGE)
    lang = i18n.chosen() or (month.lang if month is not None else None) or i18n.language()
    evaluation = _write(t.name, output, lang, staff=staff, empty=empty, month=month)
    errors = len(evaluation.errors()) if evaluation else 0
    title = escape(translate(t.title))
    if month is not None:
        appraised = month.month.strftime("%Y-%m")
        console.print(_(
            "Wrote [bold]{path}[/bold]: {title} ({scheme}) in {language} for {month}, {staff} staff and the rules "
            "from {last}, inputs emptied; History holds {rows} rows; {cells} formula cells computed, {errors} error "
            "cells.", path=escape(str(output)), title=title, scheme=t.scheme, language=LANGUAGE_NAMES[lang],
            month=appraised, staff=carried.staff, last=escape(str(last)), rows=carried.history_rows,
            cells=evaluation.formula_cells, errors=errors))
        for name, column, error in carried.errors:
            console.print("  " + _("[yellow]{name}[/yellow]: {column} was {error} last month; History records it "
                                   "as an error", name=escape(name), column=escape(column), error=escape(error)))
        return
    rows, laid_out = templates.staff_rows(t, staff, empty)
    if empty:
        what = _("{count} empty rows", count=laid_out)
    elif staff:
        what = _("{count} generated staff", count=staff)
    else:
        what = _("{count} sample staff", count=len(rows))
    console.print(_(
        "Wrote [bold]{path}[/bold]: {title} ({scheme}) in {language}, {what}, {cells} formula cells computed, "
        "{errors} error cells.", path=escape(str(output)), title=title, scheme=t.scheme,
        language=LANGUAGE_NAMES[lang], what=what, cells=evaluation.formula_cells, errors=errors))


def demo(
    output: Path = typer.Option(
        None, "-o", "--output", show_default=False,
        help=f"Where to write the recalculated workbook. Default: {DEMO_NAME} in a new folder of the temp folder."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUTPUT if it exists."),
) -> None:
    """The main job on its built-in example: PreSales_T44 with its sample staff, recalculated,
    in the language of --lang (or KPI_LANG)."""
    console = stdout_console()
    t = templates.get(DEMO_TEMPLATE)
    if output is None:
        try:
            output = Path(tempfile.mkdtemp(prefix="kpi-demo-")) / DEMO_NAME
        except OSError as e:
            fail(_("cannot make a folder in the temp folder {folder} ({reason}); use -o FILE",
                   folder=tempfile.gettempdir(), reason=e.strerror or e), EXIT_CANNOT_WRITE)
    else:
        _check_output(output, force)
    evaluation = _write(t.name, output, i18n.language())
    staff = list(t.sample)
    print_results(console, t, evaluation, staff, f"{translate(t.title)} ({t.scheme})")
    console.print(_(
        "Recalculated {cells} formula cells. Wrote [bold]{path}[/bold] (open it in Excel or LibreOffice; rules are "
        "on the Rules sheet).", cells=evaluation.formula_cells, path=escape(str(output.resolve()))))


def register(app: typer.Typer) -> None:
    """Add ``kpi new`` and ``kpi demo`` to the ``kpi`` command."""
    app.command("new", epilog=EXIT_CODES_HELP)(new)
    app.command("demo", epilog=EXIT_CODES_HELP)(demo)
