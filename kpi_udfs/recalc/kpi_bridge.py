"""KPI_ functions of the registry, callable from `formulas`.

`formulas` resolves function names while it parses, so every registry function must be
in its function table before a workbook is loaded. Each wrapper converts `formulas`'
arguments to our conventions, calls the function through the registry's calling
convention, keeps the result under the cell being computed (so the reasons of its
errors can be reported), and hands back a 2-D `formulas` array.

Custom functions reach a file under a few spellings: plain ``KPI_RATE`` (VBA and
xlwings), ``_xll.KPI_RATE`` (XLL add-ins) and ``_xludf.KPI_RATE``; all are registered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from formulas.functions import get_functions, wrap_ranges_func

from ..errors import VALUE, KpiError
from ..registry import REGISTRY, KpiFunction, invoke
from . import session as _session
from .values import arg_to_kpi, is_omitted, result_to_formulas

#: Prefixes under which Excel may store a custom function's name.
PREFIXES = ("", "_XLL.", "_XLUDF.")


def _split_omitted(fn: KpiFunction, raw: tuple) -> tuple[list, dict]:
    """Positional arguments up to the first omitted one; later given ones by name."""
    if len(raw) > len(fn.params):  # too many: let the registry say so
        return [None if is_omitted(v) else arg_to_kpi(v) for v in raw], {}
    args: list = []
    kwargs: dict = {}
    gap = False
    for i, value in enumerate(raw):
        if is_omitted(value):
            gap = True
        elif gap:
            kwargs[fn.params[i].name] = arg_to_kpi(value)
        else:
            args.append(arg_to_kpi(value))
    return args, kwargs


def _has_error(result: Any) -> bool:
    if isinstance(result, KpiError):
        return True
    if isinstance(result, np.ndarray) and result.dtype == object:
        return any(isinstance(v, KpiError) for v in result.flat)
    return False


def formula_function(fn: KpiFunction):
    """The `formulas` implementation of one registry function."""

    def call(*raw: Any) -> Any:
        try:
            args, kwargs = _split_omitted(fn, raw)
            result = invoke(fn, tuple(args), kwargs)
        except Exception as exc:  # a bug must not stop the workbook: the cell shows it
            result = KpiError(VALUE, f"{fn.name} failed: {type(exc).__name__}: {exc}")
        if _has_error(result):
            session = _session.active()
            if session is not None:
                session.note_result(result)
        return result_to_formulas(result)

    call.__name__ = fn.name
    call.__qualname__ = fn.name
    return wrap_ranges_func(call)


def register_kpi_functions() -> list[str]:
    """Put every registry function (as registered now) into `formulas`' table."""
    from .. import functions  # noqa: F401  (registers the KPI_ functions)

    table = get_functions()
    added = []
    for name, fn in REGISTRY.items():
        current = table.get(name)
        if getattr(current, "kpi_function", None) is fn:
            continue
        wrapper = formula_function(fn)
        wrapper.kpi_function = fn
        for prefix in PREFIXES:
            table[prefix + name.upper()] = wrapper
        added.append(name)
    return added


def kpi_name(name: str) -> str | None:
    """The registry name a function name in a formula stands for, if any.

    Accepts the registered spellings and namespaced ones (``XLWINGS.KPI_RATE``,
    ``_xldudf_KPI_RATE``).
    """
    upper = name.upper()
    for candidate in (upper, upper.rsplit(".", 1)[-1], upper.removeprefix("_XLDUDF_")):
        if candidate in REGISTRY:
            return candidate
    return None
