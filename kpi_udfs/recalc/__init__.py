"""Headless recalculation of .xlsx/.xlsm workbooks (``kpi recalc``).

The flow reads from the folder names:

* :mod:`.read`: the package opened safely and read once, cells into column arrays;
* :mod:`.graph`: formulas parsed, names and Tables resolved, copied-down formulas
  grouped into blocks, blocks ordered by what they read;
* :mod:`.evaluate`: each block computed a whole block at a time with numpy, or row by
  row, in that order (values, operators, the KPI_ calls, error reasons);
* :mod:`.excel`: Excel's functions, by family;
* :mod:`.write`: the values put into the cached-value slots of a copy of the package,
  every other byte kept.

:func:`evaluate` and :func:`recalculate` (:mod:`.pipeline`) are the entry points;
:mod:`.commands` is the ``kpi recalc`` command, :mod:`.conformance` the comparison
with Excel's own results.
"""

from .model import Evaluation
from .pipeline import Recalculation, evaluate, recalculate

__all__ = ["Evaluation", "Recalculation", "evaluate", "recalculate"]
