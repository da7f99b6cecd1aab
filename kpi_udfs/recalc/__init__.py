"""Headless recalculation of .xlsx/.xlsm workbooks (``kpi recalc``).

Two halves meet at :class:`~kpi_udfs.recalc.model.Evaluation`:

* the evaluator (``engine``) computes every formula cell, Excel's functions and the
  KPI_ functions alike, and returns their values;
* the writer (``writer``) puts those values into the cached-value slots of a copy of
  the workbook package, leaving every other byte of the file as it was.
"""
