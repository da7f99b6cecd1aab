"""KPI_FUNCTIONS: the catalogue inside Excel, for discoverability."""

from __future__ import annotations

from ..registry import REGISTRY, kpi


@kpi(
    "KPI_FUNCTIONS",
    "Spills the catalogue: each KPI_ function's name and one-line help.",
    returns="A two-column table (name, help), one row per function.",
)
def functions():
    return [[f.name, f.help] for f in REGISTRY.values()]
