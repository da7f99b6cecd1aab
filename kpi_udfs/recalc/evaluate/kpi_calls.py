"""KPI_ registry functions inside a compiled block: one call for the whole column.

A copied-down ``=KPI_BAND(J2, $N$2:$N$6, …)`` is one registry call per cell for Excel;
the registry's calling convention (:func:`~kpi_udfs.registry.invoke`) makes one call
with the whole column give exactly the same value in every row (EACH arguments are
broadcast row by row, one bad row never spoils the others). So a block makes one call,
with its per-employee arguments as columns, whenever every list and setting argument
is the same for all rows.

Functions whose result depends on the other rows (ranking, pools, forced grades) are
the exception: a single-cell formula ranks among its own arguments only, so in a block
they are called row by row. In an array formula (``{=KPI_RANK_BONUS(J2:J5001, …)}``)
the whole column arrives at once and there is one call, as in Excel.
"""

from __future__ import annotations

import numpy as np

from ...errors import VALUE, KpiError
from ...i18n import _
from ...registry import EACH, LIST, RECORD, REGISTRY, EmployeeRows, KpiFunction, invoke, result_grid
from ..graph.compile import Node
from .vec import EMPTY, NUMBER, Unsupported, Vec


def registry_function(name: str) -> KpiFunction | None:
    """The registry function a formula's function name stands for (``KPI_RATE``,
    ``_xludf.KPI_RATE``, ``_xll.KPI_RATE``), if any."""
    from ... import functions  # noqa: F401  (registers every KPI_ function)

    upper = name.upper()
    for candidate in (upper, upper.rsplit(".", 1)[-1], upper.removeprefix("_XLDUDF_")):
        fn = REGISTRY.get(candidate)
        if fn is not None:
            return fn
    return None


def _python(v: Vec, row: int | None, as_grid: bool):
    """The argument one call sees: a scalar or a 2-D object array of Python values."""
    if row is not None and v.shape[0] > 1:
        v = v.row_slice(row, row + 1)
    values = v.values()[0]
    if not as_grid and values.shape == (1, 1):
        return values[0, 0]
    return values


def _column(v: Vec):
    """A per-row single value as a 1-D array (floats with NaN for blank when possible)."""
    return _floats_or_values(v)[:, 0, 0]


def _floats_or_values(v: Vec) -> np.ndarray:
    """The cells as floats (NaN = blank) when they are all numbers or blank, else as
    Python values: the registry reads both the same way, floats much faster."""
    k = v.kind
    if ((k == NUMBER) | (k == EMPTY)).all():
        return np.where(k == EMPTY, np.nan, v.num)
    return v.values()


def _bind(fn: KpiFunction, raw: list) -> tuple[list, dict]:
    """Positional arguments up to the first omitted one, later given ones by name
    (as the cell-by-cell bridge passes them)."""
    if len(raw) > len(fn.params):
        return [None if r is _OMIT else r for r in raw], {}
    args: list = []
    kwargs: dict = {}
    gap = False
    for p, value in zip(fn.params, raw, strict=False):
        if value is _OMIT:
            gap = True
        elif gap:
            kwargs[p.name] = value
        else:
            args.append(value)
    return args, kwargs


_OMIT = object()


def _call(fn: KpiFunction, raw: list):
    args, kwargs = _bind(fn, raw)
    try:
        return invoke(fn, tuple(args), kwargs)
    except Exception as exc:  # a bug in one function must not stop the workbook
        return KpiError(VALUE, _("{function} failed: {error}", function=fn.name, error=type(exc).__name__ + ": " + str(exc)))


def _result_vec(result, m: int) -> Vec:
    """A call's result as a Vec: (1, h, w) for an array result when m == 1, else (m, 1, 1)."""
    grid = result_grid(result)
    if grid is None:
        value = result.item() if isinstance(result, np.ndarray) else result
        return Vec.const(value) if m == 1 else Vec.const(value).broadcast((m, 1, 1))
    if m == 1:
        return Vec.from_values(grid.reshape(1, *grid.shape))
    if grid.size != m:
        raise Unsupported(_("KPI_ result of another size than the block"))
    return Vec.from_values(grid.reshape(m, 1, 1))


class KpiCallNode(Node):
    """A KPI_ call over the rows of a block."""

    is_kpi = True

    def __init__(self, fn: KpiFunction, args: tuple[Node, ...]):
        self.fn = fn
        self.args = args

    def ev(self, ctx) -> Vec:
        vec = self._ev(ctx)
        ctx.kpi_results.append(vec)
        return vec

    def _ev(self, ctx) -> Vec:
        fn = self.fn
        vecs = [None if a.is_missing else a.ev(ctx) for a in self.args]
        m = max((v.shape[0] for v in vecs if v is not None), default=1)
        if m == 1:
            raw = [_OMIT if v is None else _python(v, None, a.is_ref) for v, a in zip(vecs, self.args, strict=True)]
            return _result_vec(_call(fn, raw), 1)
        if self._whole_column(vecs):
            raw = []
            for i, v in enumerate(vecs):
                if v is None:
                    raw.append(_OMIT)
                    continue
                shape = fn.params[i].shape if i < len(fn.params) else LIST
                if v.shape[0] == 1:
                    raw.append(_python(v, None, self.args[i].is_ref))
                elif shape == EACH:
                    raw.append(_column(v))
                else:  # a per-row record: one row of items per employee
                    raw.append(EmployeeRows(_floats_or_values(v).reshape(m, -1)))
            return _result_vec(_call(fn, raw), m)
        return self._row_by_row(vecs, m)

    def _whole_column(self, vecs: list) -> bool:
        """Whether one call with whole columns equals one call per row."""
        fn = self.fn
        # a population function (ranking, pools: one row's result depends on the others)
        # is never merged across the rows of a block
        if fn.population or len(vecs) > len(fn.params):
            return False
        for p, v in zip(fn.params, vecs, strict=False):
            if v is None:
                continue
            per_row = v.shape[0] > 1
            if p.shape == EACH:
                if v.shape[1:] != (1, 1):
                    return False
            elif p.shape == RECORD:
                if per_row and min(v.shape[1:]) != 1:  # each row's record: a row or a column of cells
                    return False
            elif per_row:
                return False
        return True

    def _row_by_row(self, vecs: list, m: int) -> Vec:
        results = np.empty((m, 1, 1), dtype=object)
        for r in range(m):
            raw = [
                _OMIT if v is None else _python(v, r, a.is_ref) for v, a in zip(vecs, self.args, strict=True)
            ]
            out = _call(self.fn, raw)
            if isinstance(out, np.ndarray):
                if out.size != 1:
                    raise Unsupported(_("KPI_ call giving an array in a single cell"))
                out = out.reshape(-1)[0]
            results[r, 0, 0] = out
        return Vec.from_values(results)
