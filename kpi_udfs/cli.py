"""The ``kpi`` command line: the catalogue, recalculation, templates and the add-in.

Each area keeps its commands in its own module; this file only assembles them, and
:func:`main` gives every command the same manners: a usage error or a bad option value
is one line on stderr with exit 2, and an unexpected exception is one line with exit 5
(``KPI_DEBUG=1`` shows its traceback), never a traceback by default.
"""

from __future__ import annotations

import difflib
import os
import sys

import typer
from rich.table import Table
from rich.text import Text

from . import i18n
from .cli_language import LocalizedGroup, usage_message
from .cli_output import fail, stdout_closed, stdout_console
from .i18n import _, translate
from .registry import catalogue

#: Exit code of an unexpected exception (a bug), as for ``kpi recalc``.
EXIT_INTERNAL = 5


def _usage_errors() -> tuple[type[BaseException], ...]:
    """The exception classes of usage errors: Typer ≥ 0.20 raises its own (``TyperException``),
    earlier versions click's (``ClickException``)."""
    kinds: list[type[BaseException]] = []
    if hasattr(typer, "TyperException"):
        kinds.append(typer.TyperException)
    try:
        import click

        kinds.append(click.ClickException)
    except ImportError:  # pragma: no cover - Typer without click
        pass
    return tuple(kinds)

app = typer.Typer(
    cls=LocalizedGroup,
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


def version() -> str:
    """The installed package's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("kpi-udfs")
    except PackageNotFoundError:  # run from a checkout that is not installed
        from . import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        print(f"kpi-udfs {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    lang: str = typer.Option(
        None,
        "--lang",
        help="Language of help texts and messages: en, zh-CN or zh-TW (default: the KPI_LANG variable, else en).",
        callback=_language,
        is_eager=True,
    ),
    show_version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
) -> None:
    """KPI appraisal functions for Excel workbooks."""


def suggestions(name: str, names: list[str]) -> list[str]:
    """The known names nearest a misspelt one (``KPI_GARDE`` → ``KPI_GRADE``, ``grade`` → ``KPI_GRADE``)."""
    wanted = name.strip().upper()
    candidates = {wanted, wanted if wanted.startswith("KPI_") else "KPI_" + wanted}
    found: list[str] = []
    for c in sorted(candidates):
        for match in difflib.get_close_matches(c, names, n=3, cutoff=0.6):
            if match not in found:
                found.append(match)
    return found[:3]


@app.command()
def functions(
    name: str = typer.Argument(None, help="Show one function in full (e.g. KPI_GRADE, or grade)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print Markdown (the reference, or the one function)."),
) -> None:
    """List the KPI_ functions of the registry, or one function with help for each argument."""
    from .reference import function_markdown, function_renderable, reference_markdown

    console = stdout_console()
    fns = catalogue()
    try:
        if name:
            by_name = {f.name: f for f in fns}
            wanted = name.strip().upper()
            fn = by_name.get(wanted) or by_name.get("KPI_" + wanted)
            if fn is None:
                near = suggestions(name, list(by_name))
                if near:
                    hint = _("did you mean {names}? ", names=" / ".join(near))
                else:
                    hint = ""
                fail(_("no function {name}; {hint}`kpi functions` lists them all", name=repr(name), hint=hint), 2)
            if markdown or not console.is_terminal:
                sys.stdout.write(function_markdown(fn))
            else:
                console.print(function_renderable(fn))
            return
        if markdown:
            sys.stdout.write(reference_markdown())
            return
        table = Table(title=_("{count} KPI_ functions (kpi functions NAME for arguments)", count=len(fns)))
        table.add_column(_("Function"), style="bold cyan", no_wrap=True)
        table.add_column(_("What it does"), overflow="fold")
        for f in fns:
            table.add_row(f.name, Text(translate(f.help)))
        console.print(table)
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()


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


def run(argv: list[str] | None = None) -> int:
    """Run ``kpi`` with ``argv`` (default: the command line); return the exit code."""
    try:
        code = app(args=argv, prog_name="kpi", standalone_mode=False)
    except _usage_errors() as e:  # a usage error or a bad option value: one line
        if type(e).__name__ == "NoArgsIsHelpError":
            e.show()  # `kpi` or `kpi addin` alone: the help, as usual
            return e.exit_code
        where = e.ctx.command_path if getattr(e, "ctx", None) else "kpi"
        sys.stderr.write(_("error: {message} (see {command} --help)", message=" ".join(usage_message(e).split()),
                           command=where) + "\n")
        return e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write(_("interrupted") + "\n")
        return 130
    except BrokenPipeError:
        stdout_closed()
        return 0
    except Exception as e:  # a bug: one line, unless the developer asks for the traceback
        if os.environ.get("KPI_DEBUG"):
            raise
        sys.stderr.write(_("error: internal error: {error} (a bug: please report it; KPI_DEBUG=1 shows the "
                           "traceback)", error=type(e).__name__ + ": " + " ".join(str(e).split())) + "\n")
        return EXIT_INTERNAL
    return code if isinstance(code, int) else 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
