"""The fast path of ``kpi recalc`` (issue 4): copied-down formulas computed a whole block
of rows at a time with numpy, the rest left to the cell-by-cell path.

Modules, in the order a workbook goes through them:

* :mod:`.workbook` reads the package's sheet XML: constants into a :class:`~.book.Book`
  (column arrays), formula cells with their R1C1 keys;
* :mod:`.blocks` groups formula cells into blocks (one formula copied down a column, or
  one array formula);
* :mod:`.parse` and :mod:`.compile` turn a block's formula into nodes computing every row
  at once; :mod:`.vector` holds the values and Excel's operators, :mod:`.natives`
  Excel's functions, :mod:`.kpicall` the KPI_ registry;
* :mod:`.evaluate` orders the blocks by their dependencies, computes them and hands the
  cells it could not take to `formulas`; :mod:`.reasons` gives errors the reasons the
  cell-by-cell path gives them.
"""

from .evaluate import evaluate_fast, run_blocks

__all__ = ["evaluate_fast", "run_blocks"]
