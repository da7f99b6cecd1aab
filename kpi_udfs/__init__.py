"""kpi-udfs: KPI appraisal functions for Excel workbooks, with one numpy engine.

Every ``KPI_*`` function of the registry is importable from here and callable as a
plain Python function with Excel's conventions::

    >>> from kpi_udfs import KPI_RATE
    >>> KPI_RATE(104, 200)
    0.52

Errors come back as :class:`KpiError` values (``#N/A``, ``#VALUE!`` … with a reason),
one per failed row, never raised.
"""

from __future__ import annotations

from . import functions as _functions  # noqa: F401  (registers every KPI_ function)
from .errors import KpiError
from .registry import REGISTRY, KpiFunction, catalogue, invoke

globals().update(REGISTRY)

__all__ = ["KpiError", "KpiFunction", "REGISTRY", "catalogue", "invoke", *REGISTRY]
__version__ = "0.1.0"
