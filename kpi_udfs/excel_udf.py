"""What every Excel front end of the KPI_ functions shares: help texts within Excel's
limits, omitted arguments, and results as the rows of cells Excel spills.

Classic xlwings on Windows (``addin/kpi_addin.py``) and the xlwings Lite bundle
(``kpi addin lite``) both go through :func:`call` and :func:`as_cells`; they differ only
in how an error cell is written:

* classic xlwings cannot return a real Excel error, so an error becomes the text
  ``"#N/A: reason"`` (:func:`error_text`); the input rules read such text back as the
  error it stands for, so errors still propagate through downstream KPI_ functions;
* xlwings Lite returns the code (:func:`error_code`), which xlwings turns into a real
  Excel error cell.

This module is part of the engine bundle that xlwings Lite runs, so it only uses
numpy and the engine itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import KpiError
from .registry import KpiFunction, Param, invoke, result_grid

#: Excel's limit for a function's or an argument's description (Insert Function dialog).
HELP_LIMIT = 255

#: The error codes that xlwings writes as real error cells in Office.js (xlwings Lite).
OFFICE_JS_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")


def fit(text: str, limit: int = HELP_LIMIT) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (with "…")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def description(fn: KpiFunction) -> str:
    """The function's help as Excel's Insert Function dialog shows it."""
    return fit(fn.help)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def argument_help(p: Param) -> str:
    """An argument's help for Excel: its text, the allowed words and the default when
    the text does not already say them."""
    text = p.help.strip()
    if p.choices and not all(c in text for c in p.choices):
        text += f" One of {', '.join(p.choices)}."
    if p.optional and "default" not in text.lower():
        text += " Optional." if p.default is None else f" Optional, default {_shown(p.default)}."
    return fit(text)


def call(fn: KpiFunction, values: Sequence[Any]) -> Any:
    """Call ``fn`` with the values Excel passed, in argument order.

    ``None`` means the argument was omitted: it is left out, so the registry applies
    the argument's default (an omitted optional record is not the same as a blank one).
    """
    given = {p.name: v for p, v in zip(fn.params, values, strict=False) if v is not None}
    return invoke(fn, (), given)


def _cell(value: Any, error: Callable[[KpiError], Any]) -> Any:
    if isinstance(value, KpiError):
        return error(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def as_cells(result: Any, error: Callable[[KpiError], Any]) -> Any:
    """An engine result as Excel takes it: one value, or a list of rows that spills.

    ``error`` writes an error cell (:func:`error_text` or :func:`error_code`); a blank
    cell is ``None``, which xlwings writes as an empty cell.
    """
    grid = result_grid(result)
    if grid is None:
        return _cell(result.item() if isinstance(result, np.ndarray) else result, error)
    if grid.size == 0:
        return None
    rows = [[_cell(v, error) for v in row] for row in grid]
    return rows[0][0] if grid.shape == (1, 1) else rows


def error_text(err: KpiError) -> str:
    """Classic xlwings: ``"#N/A: reason"``, which the input rules read back as the error."""
    return str(err)


def error_code(err: KpiError) -> str:
    """xlwings Lite: the bare code, which xlwings writes as a real Excel error cell (codes
    Office.js has no error cell for stay text with their reason)."""
    return err.code if err.code in OFFICE_JS_ERRORS else str(err)


def errors_in(result: Any, limit: int = 3) -> list[KpiError]:
    """The first ``limit`` distinct errors of a result (to show their reasons elsewhere)."""
    cells = result.reshape(-1) if isinstance(result, np.ndarray) else [result]
    found: list[KpiError] = []
    for v in cells:
        if isinstance(v, KpiError) and v not in found:
            found.append(v)
            if len(found) == limit:
                break
    return found
