"""Appraisal workbook templates for the seed schemes (SEED_RULES.md §7.4).

Each template is described once, in its module under ``schemes/`` (rules with the seed's
wording, staff columns with their formulas, sample staff, summary); :func:`build` turns a
description into a recalculated, deterministic .xlsx. ``templates/build.py`` writes the
committed copies; ``kpi new`` and ``kpi demo`` build from the same descriptions, so the
installed package needs no data files.
"""

from __future__ import annotations

import importlib
import io
import tempfile
from pathlib import Path

from ..recalc.model import Evaluation
from .package import normalise
from .people import rng
from .spec import Template

#: Template name → module under ``schemes/``, in the order of SEED_RULES §7.4.
MODULES = {
    "PreSales_T44": "presales_t44",
    "AfterSales_T47": "aftersales_t47",
    "AfterSales_130": "aftersales_130",
    "Ops_Manager": "ops_manager",
    "CS_Supervisor": "cs_supervisor",
    "Monthly_30pt_Budget": "monthly_30pt_budget",
    "Eight_Indicator_Levels": "eight_indicator_levels",
}

#: The rows ``kpi new --empty`` leaves for HR to fill.
EMPTY_ROWS = 30


def names() -> list[str]:
    return list(MODULES)


def get(name: str) -> Template:
    """The description of template ``name`` (case-insensitive)."""
    for known, module in MODULES.items():
        if known.lower() == name.lower():
            return importlib.import_module(f"{__name__}.schemes.{module}").TEMPLATE
    raise KeyError(f"no template {name!r}; known: {', '.join(MODULES)}")


def staff_rows(t: Template, staff: int | None = None, empty: bool = False) -> tuple[list[tuple], int]:
    """The staff rows and the spare empty rows: sample staff, ``staff`` made-up ones, or none."""
    if empty:
        return [], staff if staff else EMPTY_ROWS
    if staff is not None:
        return t.generate(rng(f"{t.name}:{staff}"), staff), t.spare_rows
    return list(t.sample), t.spare_rows


def workbook_bytes(t: Template, staff: int | None = None, empty: bool = False) -> bytes:
    """The template as .xlsx bytes, not yet recalculated (formulas without cached values)."""
    rows, spare = staff_rows(t, staff, empty)
    buffer = io.BytesIO()
    from .layout import build_workbook  # openpyxl: loaded only when a workbook is built

    build_workbook(t, rows, spare).save(buffer)
    return normalise(buffer.getvalue())


def recalculate(src: Path, dest: Path) -> Evaluation:
    """``kpi recalc`` as a library call: evaluate ``src``, write it with cached values to ``dest``."""
    from ..recalc.pipeline import recalculate as compute
    from ..recalc.write.writer import write_values

    done = compute(src)
    try:
        write_values(done.package, done.evaluation, dest)
    finally:
        done.close()
    return done.evaluation


def build(
    name: str, out: Path, staff: int | None = None, empty: bool = False, recalc: bool = True
) -> Evaluation | None:
    """Write template ``name`` to ``out``, recalculated so every formula cell shows its value.

    Returns the evaluation (every computed value, errors with their reasons), or None
    when ``recalc`` is False.
    """
    t = get(name)
    data = workbook_bytes(t, staff, empty)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not recalc:
        out.write_bytes(data)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        raw, done = Path(tmp) / f"{t.name}.xlsx", Path(tmp) / "recalculated.xlsx"
        raw.write_bytes(data)
        evaluation = recalculate(raw, done)
        out.write_bytes(normalise(done.read_bytes()))
    return evaluation
