"""KPI_FUNCTIONS and KPI_WHY: the catalogue inside Excel, and the reason behind an error cell."""

from __future__ import annotations

import inspect

import numpy as np

from ..errors import VALUE, KpiError
from ..i18n import _, translate
from ..registry import REGISTRY, Raw, Scalar, kpi, result_grid


@kpi(
    "KPI_FUNCTIONS",
    "Spills the catalogue: each KPI_ function's name and one-line help.",
    returns="A two-column table (name, help), one row per function.",
)
def functions():
    return [[f.name, translate(f.help)] for f in REGISTRY.values()]


#: How many arguments KPI_WHY passes on: as many as the KPI_ function that takes the most.
WHY_ARGS = 12


def why(function, **args):
    """The reason of every error cell of ``function``'s result for these arguments."""
    from ..excel_udf import call

    name = str(function).strip().upper()
    target = REGISTRY.get(name) or REGISTRY.get("KPI_" + name)
    if target is None or target.name == "KPI_WHY":
        raise KpiError(VALUE, _("{name} is not a KPI_ function (see KPI_FUNCTIONS())", name=repr(function)))
    given = [args[f"arg{i}"] for i in range(1, WHY_ARGS + 1)]
    while given and given[-1] is None:
        given.pop()
    if len(given) > len(target.params):
        raise KpiError(
            VALUE,
            _("{function} takes at most {most} arguments, got {count}", function=target.name, most=len(target.params), count=len(given)),
        )
    result = call(target, given)
    grid = result_grid(result)
    if grid is None:
        return _reason(result)
    out = np.empty(grid.shape, dtype=object)
    for index, value in np.ndenumerate(grid):
        out[index] = _reason(value)
    return out


def _reason(value):
    if not isinstance(value, KpiError):
        return None
    return str(value) if value.reason else _("{code}: the error comes from an input cell", code=value.code)


why.__signature__ = inspect.Signature(
    [inspect.Parameter("function", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [inspect.Parameter(f"arg{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD) for i in range(1, WHY_ARGS + 1)]
)

kpi(
    "KPI_WHY",
    "Why a KPI_ function gives an error: its reason as text (blank where there is no error), for the same arguments.",
    Scalar("function", 'The KPI_ function to explain, e.g. "KPI_BAND".', kind="label"),
    *(
        Raw(
            f"arg{i}",
            f"Argument {i} of that function, exactly as in the formula that gives the error"
            + (", e.g. C5." if i == 1 else "."),
            default=None,
        )
        for i in range(1, WHY_ARGS + 1)
    ),
    returns="The reason of each error cell, e.g. \"#N/A: 0.42 falls in no band: gap [0.4, 0.45)\"; blank where the result is not an error.",
)(why)
