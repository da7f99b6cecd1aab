"""The ``kpi`` command line: the catalogue, recalculation, templates and the add-in.

Each area keeps its commands in its own module; this file only assembles them.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import i18n
from .i18n import _, translate
from .registry import catalogue

app = typer.Typer(
    help="KPI appraisal functions for Excel workbooks: catalogue, headless recalculation, templates, add-in.",
    no_args_is_help=True,
    add_completion=False,
)


def _language(tag: str | None) -> str | None:
    try:
        i18n.set_language(tag)  # None: KPI_LANG, else English
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    return tag


@app.callback()
def _root(
    lang: str = typer.Option(
        None,
        "--lang",
        help="Language of help texts and messages: en, zh-CN or zh-TW (default: the KPI_LANG variable, else en).",
        callback=_language,
        is_eager=True,
    ),
) -> None:
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
            console.print(_("[red]no function {name}[/red]; run `kpi functions` for the list", name=repr(name)))
            raise typer.Exit(2)
        print(function_markdown(match[0]), end="")
        return
    if markdown:
        print(reference_markdown(), end="")
        return
    table = Table(title=_("{count} KPI_ functions (kpi functions NAME for arguments)", count=len(fns)))
    table.add_column(_("Function"), style="bold cyan", no_wrap=True)
    table.add_column(_("What it does"))
    for f in fns:
        table.add_row(f.name, Text(translate(f.help)))
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
