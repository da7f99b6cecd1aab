"""The ``kpi`` command line: the catalogue, recalculation, templates and the add-in.

Each area keeps its commands in its own module; this file only assembles them.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .registry import catalogue

app = typer.Typer(
    help="KPI appraisal functions for Excel workbooks: catalogue, headless recalculation, templates, add-in.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """KPI appraisal functions for Excel workbooks."""


@app.command()
def functions(
    name: str = typer.Argument(None, help="Show one function in full (e.g. KPI_GRADE)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the reference as Markdown."),
) -> None:
    """List the KPI_ functions of the registry, or one function with help for each argument."""
    from .reference import function_markdown, reference_markdown

    console = Console()
    fns = catalogue()
    if name:
        match = [f for f in fns if f.name.upper() == name.upper()]
        if not match:
            console.print(f"[red]no function {name!r}[/red]; run `kpi functions` for the list")
            raise typer.Exit(2)
        print(function_markdown(match[0]), end="")
        return
    if markdown:
        print(reference_markdown(), end="")
        return
    table = Table(title=f"{len(fns)} KPI_ functions (kpi functions NAME for arguments)")
    table.add_column("Function", style="bold cyan", no_wrap=True)
    table.add_column("What it does")
    for f in fns:
        table.add_row(f.name, Text(f.help))
    console.print(table)


from .recalc.commands import EXIT_CODES_HELP, recalc  # noqa: E402

app.command("recalc", epilog=EXIT_CODES_HELP)(recalc)


from . import check as _check  # noqa: E402

app.command("check", epilog=_check.EXIT_CODES_HELP)(_check.check_command)

from .adopt import command_line as _adopt_cli  # noqa: E402

app.command("lint", epilog=_adopt_cli.LINT_EXIT_CODES_HELP)(_adopt_cli.lint_command)
app.command("adopt", epilog=_adopt_cli.ADOPT_EXIT_CODES_HELP)(_adopt_cli.adopt_command)

from .addin_commands import app as _addin_app  # noqa: E402

app.add_typer(_addin_app, name="addin")


from .templates_cli import register as _register_templates  # noqa: E402

_register_templates(app)  # kpi new, kpi demo


def main() -> None:
    app()


if __name__ == "__main__":
    main()
