"""The reason text of each error a formula ends in.

Errors travel between cells as bare codes (a cell read gives its code only); each
formula's errors get their reason when it is computed:

1. the first KPI_ result computed in the cell (in call order) that holds an error with
   the cell's code gives its reason (even an empty one); for an array formula, the
   result's cell at the same position, else the first cell of that result with the code;
2. an error still without a reason in a single-cell formula takes the reason of the
   first cell the formula reads (single cells first, then ranges: of up to 64 cells in
   a copied-down block, any size in a formula of its own such as a summary's
   ``KPI_QUOTA_CHECK(Staff[Grade],…)``) whose value is an error with the same code and a
   reason: ``"from Sheet!B3: <reason>"``.

Both rules are applied per row of the block, to the KPI_ results the block's calls
returned (:attr:`~.run.Ctx.kpi_results`).
"""

from __future__ import annotations

import numpy as np

from ...errors import KpiError
from ..a1 import col_letters
from ..causes import is_passed_on, passed_on
from ..graph.formula_blocks import Block
from .vec import ERROR, Vec


def _kpi_reason(results: list[Vec], code: str, r: int, i: int, j: int) -> str:
    fallback = ""
    for res in results:
        if res.obj is None:  # no error in this result
            continue
        rr = r if res.shape[0] > 1 else 0
        _, h, w = res.shape
        if h * w == 1:
            if res.kind[rr, 0, 0] == ERROR and res.obj[rr, 0, 0].code == code:
                return res.obj[rr, 0, 0].reason
            continue
        if i < h and j < w and res.kind[rr, i, j] == ERROR and res.obj[rr, i, j].code == code:
            return res.obj[rr, i, j].reason
        if not fallback:
            for k, e in zip(res.kind[rr].flat, res.obj[rr].flat, strict=True):
                if k == ERROR and e.code == code:
                    fallback = e.reason
                    break
    return fallback


#: Largest range searched, cell by cell, for the reason of an error read from it: by
#: each row of a copied-down block, and by a formula of its own (one cell).
_SMALL_RANGE = 64
_ONE_CELL_RANGE = 1 << 17


def _from_inputs(block: Block, code: str, row: int, values: dict) -> str:
    """The reason of the first error with this code read by the row: single cells first,
    then small ranges (``KPI_WEIGHTED(M3:Q3, …)``), in reading order."""
    reaches = list(block.compiled.singles) + [r for r in block.compiled.reaches if r not in block.compiled.singles]
    limit = _SMALL_RANGE if block.rows > 1 else _ONE_CELL_RANGE
    for reach in reaches:
        name, top, bottom, left, right = reach.area(row, block.col, 1)
        if top < 1 or left < 1 or (bottom - top + 1) * (right - left + 1) > limit:
            continue
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                ref = f"{col_letters(c)}{r}"
                src = values.get((name, ref))
                if isinstance(src, KpiError) and src.code == code and src.reason:
                    return src.reason if is_passed_on(src.reason) else passed_on(f"{name}!{ref}", src.reason)
    return ""


def explain_errors(block: Block, ctx, vec: Vec, values: dict) -> Vec:
    """``vec`` with each error's reason set by the rules of the module doc."""
    bad = vec.kind == ERROR
    if not bad.any():
        return vec
    obj = np.array(vec.obj, dtype=object)
    for r, i, j in zip(*np.nonzero(bad), strict=True):
        err = obj[r, i, j]
        reason = _kpi_reason(ctx.kpi_results, err.code, r, i, j)
        if not reason and not block.array:
            reason = _from_inputs(block, err.code, ctx.row0 + r, values)
        if reason and reason != err.reason:
            obj[r, i, j] = KpiError(err.code, reason)
    return Vec(vec.kind, vec.num, obj)
