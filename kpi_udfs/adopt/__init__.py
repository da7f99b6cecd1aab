"""Adopting the HR team's own workbooks: find hand-written band logic and move it onto KPI_ functions.

``kpi lint`` (:mod:`.lint`) reads a workbook without writing it: :mod:`.sheet_reader`
reads formulas and values, :mod:`.copied_blocks` groups a column's copied-down formulas,
:mod:`.shapes` recognises the hand-written shapes in their syntax trees and
:mod:`.band_tables` rebuilds each shape's band table and finds its defects.
``kpi adopt`` (:mod:`.adoption`) writes a copy in which each block calls a KPI_ function
over a new Rules sheet (:mod:`.rules_sheet`, written by :mod:`.xlsx_edit`), recalculates
it and reports what changed (:mod:`.adopt_report`).
"""
