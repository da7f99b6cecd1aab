"""What every Excel front end of the KPI_ functions shares: help texts within Excel's
limits and in the user's language, blank and omitted arguments, and results as the rows
of cells Excel spills.

Classic xlwings on Windows (``addin/kpi_addin.py``) and the xlwings Lite bundle
(``kpi addin lite``) both go through :func:`call` and :func:`as_cells`; they differ only
in how an error cell is written (``error`` of :func:`as_cells`):

* xlwings Lite returns the code (:func:`error_code`), which xlwings turns into a real
  Excel error cell;
* classic xlwings returns a COM error value (:data:`ERROR_SCODES`, what VBA's ``CVErr``
  makes), which pywin32 hands to Excel as a real error cell; or, if the add-in is set to
  text errors, the text ``"#N/A: reason"`` (:func:`error_text`), which the input rules
  read back as the error it stands for.

A real error cell carries no reason: the reason is printed to the xlwings console or log
(:func:`reasons`), and ``KPI_WHY`` returns it as text in a cell.

A blank result is ``None``, which both xlwings paths write as the empty text: a formula
cell is never truly empty in Excel (ISBLANK is FALSE for any formula), and an Empty
value would show as 0, a wrong number.

This module is part of the engine bundle that xlwings Lite runs, so it only uses
numpy and the engine itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import KpiError
from .i18n import _, translate
from .registry import KpiFunction, Param, invoke, result_grid

#: Excel's limit for a function's or an argument's description (Insert Function dialog).
HELP_LIMIT = 255

#: The error codes that xlwings writes as real error cells in Office.js (xlwings Lite).
OFFICE_JS_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")

#: Error code → the COM SCODE of Excel's error value (``CVErr(xlErrNA)`` is 0x800A07FA):
#: a VARIANT of type VT_ERROR holding it is a real error cell in Excel.
ERROR_SCODES = {
    code: (0x800A0000 | number) - 0x100000000
    for code, number in (
        ("#NULL!", 2000),
        ("#DIV/0!", 2007),
        ("#VALUE!", 2015),
        ("#REF!", 2023),
        ("#NAME?", 2029),
        ("#NUM!", 2036),
        ("#N/A", 2042),
        ("#GETTING_DATA", 2043),
        ("#SPILL!", 2045),
        ("#CALC!", 2050),
    )
}


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
    """The function's help as Excel's Insert Function dialog shows it, in the language in force."""
    return fit(translate(fn.help))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def argument_help(p: Param) -> str:
    """An argument's help for Excel, in the language in force: its text, the allowed words
    and the default when the (English) text does not already say them."""
    text = translate(p.help).strip()
    if p.choices and not all(c in p.help for c in p.choices):
        text = _("{help} One of {choices}.", help=text, choices=", ".join(p.choices))
    if p.optional and "default" not in p.help.lower():
        if p.default is None:
            text = _("{help} Optional.", help=text)
        else:
            text = _("{help} Optional, default {default}.", help=text, default=_shown(p.default))
    return fit(text)


def call(fn: KpiFunction, values: Sequence[Any]) -> Any:
    """Call ``fn`` with the values Excel passed, in argument order.

    ``None`` is what both xlwings paths pass for an omitted optional argument, and what
    xlwings Lite passes for a blank single cell (Office.js sends ``[[null]]``, which
    xlwings reads as ``None``). So ``None`` for an optional argument is left out and the
    registry applies its default (which is also what a blank setting means); ``None``
    for a required argument is a blank cell, and gives what the registry gives for a
    blank (a blank row), never "argument … is required".
    """
    given = {}
    for p, v in zip(fn.params, values, strict=False):
        if v is not None or not p.optional:
            given[p.name] = v
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
    """Classic xlwings set to text errors: ``"#N/A: reason"``, which the input rules read
    back as the error."""
    return str(err)


def error_code(err: KpiError) -> str:
    """xlwings Lite: the bare code, which xlwings writes as a real Excel error cell (codes
    Office.js has no error cell for stay text with their reason)."""
    return err.code if err.code in OFFICE_JS_ERRORS else str(err)


def reasons(name: str, result: Any) -> list[str]:
    """The lines that explain the errors of a result (for the xlwings console or log):
    ``"KPI_BAND: #N/A: 0.42 falls in no band: gap [0.4, 0.45)"``. An error passed on from
    another cell has no reason here and is not repeated."""
    return [_("{function}: {error}", function=name, error=str(err)) for err in errors_in(result) if err.reason]


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
