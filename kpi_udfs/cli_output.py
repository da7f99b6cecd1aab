"""What every ``kpi`` command shares in talking to the terminal: one-line errors with a
documented exit code, and a closed pipe (``kpi … | head``) that ends the run quietly."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer

from .i18n import _


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` (in the language in force) as one line on stderr and exit with ``code``."""
    sys.stderr.write(_("error: {message}", message=" ".join(message.split())) + "\n")
    raise typer.Exit(code)


def stdout_closed() -> None:
    """The reader of stdout went away (``kpi recalc … | head``): send what is left of the
    output nowhere, so that neither the rest of the run nor Python's last flush fails."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test runner)
        pass


def stdout_console(**options):
    """A rich Console on stdout whose closed pipe (``kpi check … | head``) ends the printing
    quietly and keeps the command's own exit code: rich's own ``on_broken_pipe`` raises
    ``SystemExit(1)``, so a clean run piped into ``head`` exited 1."""
    from rich.console import Console

    class _StdoutConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True  # what is left of the output goes nowhere
            stdout_closed()

    return _StdoutConsole(**options)
