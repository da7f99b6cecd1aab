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
