"""The one registry of KPI_ functions, and the calling convention they all share.

Each function is declared once with :func:`kpi`: its Excel name, one-line help, and a
:class:`Param` per argument (help text, kind, shape, default). The add-in, the xlwings
Lite bundle, the headless engine, ``kpi functions`` and the reference docs are all
generated from :data:`REGISTRY`.

Before the implementation runs, :func:`invoke` coerces every argument by the input
rules of :mod:`kpi_udfs.coerce`, broadcasts the per-employee arguments to one shape,
and afterwards writes blanks and propagated errors into the rows they belong to. So an
implementation is plain vectorised numpy over whole columns and never sees a bad row's
problem as its own.

Argument shapes:

``EACH``
    one value per employee (a cell, or a column/row of them); broadcast together.
``RECORD``
    several values per employee, one row each (item scores, counts, monthly history).
``LIST``
    a whole list read at once (a band table, weights, a ladder, a column to audit);
    an error anywhere in it is the result.
``SCALAR``
    a single setting or policy; blank or omitted means its default.
``RAW``
    passed on as Excel gave it, not read by the input rules (``KPI_WHY``'s arguments,
    which are another function's); omitted means None.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from . import i18n
from .coerce import Cells, as_grid, coerce_cells, label_key, show, to_bool, to_date, to_label, to_number
from .errors import NA, NUM, VALUE, KpiError
from .i18n import N_, _

EACH = "each"
RECORD = "record"
LIST = "list"
SCALAR = "scalar"
RAW = "raw"

#: Marks a parameter without a default (required).
REQUIRED = object()

#: The policy word that asks for an Excel error instead of a fallback value.
ERROR_POLICY = "ERROR"


#: Which way a measure is better (KPI_BAND, KPI_PASS, KPI_TARGET_STEP): code → label.
DIRECTIONS = {"HIGHER": N_("higher is better"), "LOWER": N_("lower is better")}


def asks_error(setting: Any) -> bool:
    """Whether a "value or ERROR" setting (``on_zero``, ``below_label``, ``default``) is ERROR."""
    return isinstance(setting, str) and label_key(setting) == ERROR_POLICY


#: Value kinds of parameters.
KINDS = ("number", "label", "bool", "date", "choice", "any")


@dataclass(frozen=True)
class Param:
    """One argument of a KPI_ function, as Excel's function wizard shows it."""

    name: str
    help: str
    kind: str = "number"
    shape: str = EACH
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()
    #: For a choice: the label of each code (English source text, translated in the
    #: catalogues), which a cell may hold instead of the code (see :func:`choice_code`).
    labels: tuple[str, ...] = ()
    #: For a choice: a number is accepted as well (e.g. ``on_gap`` = a fixed value).
    number_ok: bool = False
    #: For a RECORD: the LIST parameter whose length is the record's width.
    width_of: str | None = None

    @property
    def optional(self) -> bool:
        return self.default is not REQUIRED

    def signature(self) -> str:
        """``name`` or ``[name=default]`` as the catalogue writes it."""
        if not self.optional:
            return self.name
        if self.default is None:
            return f"[{self.name}]"
        d = self.default
        text = (
            f'"{d}"' if isinstance(d, str) else str(d).upper() if isinstance(d, bool) else f"{d:g}"
        )
        return f"[{self.name}={text}]"


def Each(name: str, help: str, kind: str = "number", **kw) -> Param:
    return Param(name, help, kind, EACH, **kw)


def Record(name: str, help: str, kind: str = "number", **kw) -> Param:
    return Param(name, help, kind, RECORD, **kw)


def List(name: str, help: str, kind: str = "number", **kw) -> Param:
    return Param(name, help, kind, LIST, **kw)


def Scalar(name: str, help: str, kind: str = "number", **kw) -> Param:
    return Param(name, help, kind, SCALAR, **kw)


def Raw(name: str, help: str, **kw) -> Param:
    return Param(name, help, "any", RAW, **kw)


def Choice(name: str, help: str, choices: Mapping[str, str], default: Any, **kw) -> Param:
    """A policy setting: ``choices`` maps each code (``"WORSE"``) to its label, the words a
    Rules sheet shows (``N_("the worse neighbouring band")``, translated in the catalogues)."""
    if not isinstance(choices, Mapping):
        raise TypeError(f"{name}: choices must map each code to its label")
    return Param(name, help, "choice", SCALAR, default=default, choices=tuple(choices),
                 labels=tuple(choices.values()), **kw)


@dataclass(frozen=True)
class KpiFunction:
    """A registered KPI_ function; calling it applies the shared calling convention."""

    name: str
    impl: Callable[..., Any]
    help: str
    params: tuple[Param, ...]
    returns: str
    category: str = "KPI"
    #: The LIST parameter whose shape the result takes (lists such as quota counts).
    out_like: str | None = None
    #: Each row's result depends on the other rows (a ranking, a pool, a forced
    #: distribution): a column is one population, not rows that could be computed apart.
    population: bool = False
    wants_valid: bool = field(default=False, compare=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return invoke(self, args, kwargs)

    def signature(self) -> str:
        return f"{self.name}({', '.join(p.signature() for p in self.params)})"

    @property
    def spills(self) -> bool:
        """Whether the result can be an array (an EACH/RECORD input or a list output)."""
        return self.out_like is not None or any(p.shape in (EACH, RECORD) for p in self.params)

    @property
    def __doc__(self) -> str:  # type: ignore[override]
        lines = [self.signature(), "", self.help, ""]
        lines += [f"{p.name}: {p.help}" for p in self.params]
        lines += ["", f"Returns: {self.returns}"]
        return "\n".join(lines)


#: Excel name → function, in declaration order.
REGISTRY: dict[str, KpiFunction] = {}


def kpi(
    name: str,
    help: str,
    *params: Param,
    returns: str,
    out_like: str | None = None,
    population: bool = False,
) -> Callable[[Callable[..., Any]], KpiFunction]:
    """Declare a KPI_ function: ``@kpi("KPI_X", "help", Each(...), ..., returns="...")``."""

    def register(impl: Callable[..., Any]) -> KpiFunction:
        names = [p.name for p in params]
        accepted = [n for n in inspect.signature(impl).parameters if n != "valid"]
        if accepted != names:
            raise TypeError(f"{name}: implementation takes {accepted}, declared {names}")
        if name in REGISTRY:
            raise ValueError(f"{name} declared twice")
        for p in params:
            if p.kind not in KINDS:
                raise ValueError(f"{name}.{p.name}: unknown kind {p.kind!r}")
        fn = KpiFunction(
            name=name,
            impl=impl,
            help=help,
            params=tuple(params),
            returns=returns,
            out_like=out_like,
            population=population,
            wants_valid="valid" in inspect.signature(impl).parameters,
        )
        REGISTRY[name] = fn
        return fn

    return register


# ---------------------------------------------------------------------------
# The calling convention


_OMITTED = object()


def _bind(fn: KpiFunction, args: tuple, kwargs: dict) -> list:
    if len(args) > len(fn.params):
        raise KpiError(
            VALUE, _("{function} takes at most {most} arguments, got {count}", function=fn.name, most=len(fn.params), count=len(args))
        )
    bound = list(args) + [_OMITTED] * (len(fn.params) - len(args))
    index = {p.name.lower(): i for i, p in enumerate(fn.params)}
    for key, value in kwargs.items():
        i = index.get(key.lower())
        if i is None:
            raise KpiError(VALUE, _("{function} has no argument {name}", function=fn.name, name=repr(key)))
        bound[i] = value
    for p, v in zip(fn.params, bound, strict=True):
        if not p.optional and (v is _OMITTED):
            raise KpiError(VALUE, _("{function}: argument {name} is required", function=fn.name, name=p.name))
    return bound


def _scalar_cell(p: Param, raw: Any) -> Any:
    """The single cell of a SCALAR argument (a 1×1 range counts as its value)."""
    if isinstance(raw, (list, tuple, np.ndarray)):
        grid = as_grid(raw)
        if grid.size != 1:
            raise KpiError(
                VALUE, _("{name}: expected a single value, got a range of {count} cells", name=p.name, count=grid.size)
            )
        raw = grid.flat[0]
    return raw


def _coerce_scalar(p: Param, raw: Any) -> Any:
    raw = _scalar_cell(p, raw)
    if raw is _OMITTED:
        return p.default
    kind = p.kind
    if kind == "choice":
        return choice_code(p, raw)
    convert = {"number": to_number, "bool": to_bool, "date": to_date, "label": to_label, "any": to_label}[kind]
    v = convert(raw, p.name)
    if isinstance(v, KpiError):
        raise v
    if v is None:
        if p.optional:
            return p.default
        raise KpiError(VALUE, _("argument {name} is blank", name=p.name))
    return v


def code_key(value: Any) -> Any:
    """How a typed code is compared with the codes: folded as labels are, spaces and
    hyphens as underscores (``"largest remainder"`` is ``LARGEST_REMAINDER``)."""
    return str(label_key(value)).replace(" ", "_").replace("-", "_")


@lru_cache(maxsize=256)
def _spellings(choices: tuple[str, ...], labels: tuple[str, ...], catalogues: int) -> dict[Any, str]:
    """Folded label (in every language) → code; ``catalogues`` keys the cache to the
    catalogues loaded (:func:`kpi_udfs.i18n.generation`)."""
    table: dict[Any, str] = {}
    for code, label in zip(choices, labels, strict=True):
        for lang in i18n.LANGUAGES:
            table.setdefault(label_key(i18n.translate(label, lang)), code)
    return table


def choice_spellings(p: Param) -> dict[Any, str]:
    """Every label of a choice argument, in every language, folded (:func:`label_key`) → its code."""
    return _spellings(p.choices, p.labels, i18n.generation())


def choice_label(p: Param, code: str, lang: str | None = None) -> str:
    """The label of ``code`` in ``lang`` (default: the language in force)."""
    return i18n.translate(p.labels[p.choices.index(code)], lang)


def choice_code(p: Param, raw: Any) -> Any:
    """The code a choice cell means: its code (``WORSE``, any case) or its label in any
    language (「相邻较差档」, 「相鄰較差級距」, "the worse neighbouring band"); a number (or numeric text) where the
    argument takes one; the default for a blank optional one. Anything else is #VALUE!
    naming the argument and listing the codes and the labels. Every path that reads a
    choice (the engine, the add-in, the Lite bundle, ``kpi check``) reads it here."""
    raw = _scalar_cell(p, raw)
    v = to_label(raw, p.name)
    if isinstance(v, KpiError):
        raise v
    if v is None:
        if p.optional:
            return p.default
        raise KpiError(VALUE, _("argument {name} is blank", name=p.name))
    if isinstance(v, float) and p.number_ok:
        return v
    key = code_key(v)
    if key in p.choices:
        return key
    code = choice_spellings(p).get(label_key(v)) if isinstance(v, str) else None
    if code is not None:
        return code
    if p.number_ok and isinstance(v, str) and isinstance(number := to_number(v, p.name), float):
        return number  # numeric text ("0" from a Text-formatted cell or a drop-down) is read
    codes = ", ".join(p.choices)
    labels = _("; ").join(choice_label(p, c) for c in p.choices)
    if p.number_ok:
        raise KpiError(VALUE, _("{name}: {value} is not one of {codes}, one of their labels ({labels}) or a number",
                                name=p.name, value=show(raw), codes=codes, labels=labels))
    raise KpiError(VALUE, _("{name}: {value} is not one of {codes} or one of their labels ({labels})",
                            name=p.name, value=show(raw), codes=codes, labels=labels))


def _coerce_list(p: Param, raw: Any) -> Cells | None:
    if raw is _OMITTED:
        if p.optional:
            return None if p.default is None else _coerce_list(p, p.default)
        raise KpiError(VALUE, _("argument {name} is required", name=p.name))
    grid = as_grid(raw)
    if grid.size == 0:  # an empty list (Python callers; an Excel range has a cell at least)
        if p.optional:
            return None if p.default is None else _coerce_list(p, p.default)
        raise KpiError(VALUE, _("{name} is empty", name=p.name))
    if grid.size == 1 and p.optional and _is_blank_cell(grid.flat[0]):
        return None if p.default is None else _coerce_list(p, p.default)
    cells = coerce_cells(grid, "label" if p.kind == "any" else p.kind, p.name)
    err = cells.first_error()
    if err is not None:
        raise err
    return cells


def _is_blank_cell(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _stretch(cells: Cells, shape: tuple[int, int], name: str) -> Cells:
    """Broadcast to ``shape`` as Excel lifts arrays: a size-1 dimension repeats, and the
    cells of the result beyond a shorter argument are #N/A."""
    (r, c), (R, C) = cells.shape, shape
    if r in (1, R) and c in (1, C):
        errors = None if cells.errors is None else np.broadcast_to(cells.errors, shape)
        return Cells(np.broadcast_to(cells.values, shape), np.broadcast_to(cells.blank, shape), errors)
    inner = (R if r == 1 else r, C if c == 1 else c)
    fill = np.nan if cells.values.dtype.kind == "f" else None
    values = np.full(shape, fill, dtype=cells.values.dtype)
    blank = np.zeros(shape, dtype=bool)
    errors = np.full(shape, KpiError(NA, _("{name} has {rows}×{columns} cells, the result {result_rows}×{result_columns}", name=name, rows=r, columns=c, result_rows=R, result_columns=C)), dtype=object)
    box = (slice(0, inner[0]), slice(0, inner[1]))
    values[box] = np.broadcast_to(cells.values, inner)
    blank[box] = np.broadcast_to(cells.blank, inner)
    errors[box] = None if cells.errors is None else np.broadcast_to(cells.errors, inner)
    return Cells(values, blank, errors)


class EmployeeRows:
    """A RECORD argument whose rows are the employees, as a block of copied-down cells
    gives it (each row's own cells): a column is then one item per employee, never one
    employee's items, whatever the other arguments say."""

    def __init__(self, grid: Any):
        self.grid = as_grid(grid)


def _records(p: Param, raw: Any, widths: dict[str, int], employees: int = 1) -> Cells:
    """A RECORD argument as (employees × items), plus per-row blank and error.

    A single row or column is one employee's items, except a column as long as the
    ``employees`` already known (from earlier arguments): that is one item per employee;
    :class:`EmployeeRows` says which it is.
    """
    by_rows = isinstance(raw, EmployeeRows)
    grid = raw.grid if by_rows else as_grid(raw)
    width = widths.get(p.width_of) if p.width_of else None
    if not by_rows and (grid.shape[0] == 1 or grid.shape[1] == 1):
        per_employee = width is None and employees > 1 and grid.shape == (employees, 1)
        if not per_employee and (width is None or grid.size == width):
            grid = grid.reshape(1, -1)
    if width is not None and grid.shape[1] != width:
        raise KpiError(
            VALUE,
            _(
                "{name} has {columns} columns but {other} has {entries} entries",
                name=p.name, columns=grid.shape[1], other=p.width_of, entries=width,
            ),
        )
    return coerce_cells(grid, "label" if p.kind == "any" else p.kind, p.name)


def invoke(fn: KpiFunction, args: tuple, kwargs: dict | None = None) -> Any:
    """Call ``fn`` with Excel-style arguments; return a value, an error, or an array."""
    try:
        return _invoke(fn, args, kwargs or {})
    except KpiError as e:
        return e


def _invoke(fn: KpiFunction, args: tuple, kwargs: dict) -> Any:
    bound = _bind(fn, args, kwargs)
    values: dict[str, Any] = {}
    rows: list[tuple[Param, Cells]] = []  # EACH arguments, then RECORD row summaries
    record_cells: dict[str, Cells] = {}
    arrays_in = False
    one_dimensional = False
    shapes: dict[str, tuple[int, ...]] = {}

    for p, raw in zip(fn.params, bound, strict=True):
        if p.shape == LIST:
            cells = _coerce_list(p, raw)
            if cells is not None:
                shapes[p.name] = _raw_shape(raw)
            values[p.name] = cells
    widths = {name: c.values.size for name, c in values.items() if c is not None}

    for p, raw in zip(fn.params, bound, strict=True):
        if p.shape == RAW:
            values[p.name] = None if raw is _OMITTED else raw
        elif p.shape == SCALAR:
            values[p.name] = _coerce_scalar(p, raw)
        elif p.shape == EACH:
            if raw is _OMITTED:
                if not p.optional:
                    raise KpiError(VALUE, _("argument {name} is required", name=p.name))
                values[p.name] = None
                continue
            if isinstance(raw, (list, tuple, np.ndarray)):
                arrays_in = True
                if len(_raw_shape(raw)) == 1 and not rows:
                    one_dimensional = True
            kind = "label" if p.kind == "any" else p.kind
            if kind == "choice":
                kind = "label"
            cells = coerce_cells(as_grid(raw), kind, p.name)
            if p.optional and cells.blank.any():
                # a blank optional per-row argument means its default in that row
                default = p.default
                if default is not None:
                    fill = float(default) if cells.values.dtype.kind == "f" else default
                    cells.values = np.where(cells.blank, fill, cells.values)
                cells.blank = np.zeros_like(cells.blank)
            rows.append((p, cells))
        elif p.shape == RECORD:
            if raw is not _OMITTED and (raw.grid if isinstance(raw, EmployeeRows) else as_grid(raw)).size == 0:
                if not p.optional:
                    raise KpiError(VALUE, _("{name} is empty", name=p.name))
                raw = _OMITTED
            if raw is _OMITTED:
                values[p.name] = None
                continue
            cells = _records(p, raw, widths, max((c.shape[0] for _p, c in rows), default=1))
            arrays_in |= cells.shape[0] > 1
            record_cells[p.name] = cells
            blank_row = cells.blank.all(axis=1, keepdims=True)
            err_row = None
            if cells.errors is not None:
                err_row = np.full((cells.shape[0], 1), None, dtype=object)
                for i, row in enumerate(cells.errors):
                    err_row[i, 0] = next((e for e in row if e is not None), None)
            if p.optional:  # an optional record (adjustments) never blanks the row
                blank_row = np.zeros_like(blank_row)
            rows.append((p, Cells(np.zeros((cells.shape[0], 1)), blank_row, err_row)))

    shape = _common_shape([c.shape for _p, c in rows])
    if record_cells and shape[1] != 1:
        raise KpiError(
            VALUE, _("{function}: per-employee arguments must be columns when items are given as rows", function=fn.name)
        )

    err_out = np.full(shape, None, dtype=object)
    blank_out = np.zeros(shape, dtype=bool)
    for p, cells in rows:
        cells = _stretch(cells, shape, p.name)
        if p.shape == EACH:
            values[p.name] = cells.values
        if cells.errors is not None:
            take = (err_out == None) & (cells.errors != None)  # noqa: E711
            err_out[take] = cells.errors[take]
        blank_out |= cells.blank
    for name, cells in record_cells.items():
        v = cells.values
        if v.shape[0] == 1 and shape[0] > 1:
            v = np.broadcast_to(v, (shape[0], v.shape[1]))
        elif v.shape[0] < shape[0]:  # rows beyond a shorter record are #N/A (set above)
            pad = np.full((shape[0] - v.shape[0], v.shape[1]), np.nan if v.dtype.kind == "f" else None)
            v = np.vstack([v, pad.astype(v.dtype)])
        values[name] = v
    failed = err_out != None  # noqa: E711
    blank_out &= ~failed
    valid = ~(failed | blank_out)

    kwargs_impl = dict(values)
    if fn.wants_valid:
        kwargs_impl["valid"] = valid
    per_row = [p.name for p, _cells in rows if p.shape == EACH] + list(record_cells)
    with np.errstate(all="ignore"):
        result = _call_in_chunks(fn, kwargs_impl, per_row, shape)

    if not rows:  # a whole-list or catalogue function: its own shape
        return _render_free(fn, result, shapes)

    out = np.empty(shape, dtype=object)
    res = np.asarray(result, dtype=object) if not isinstance(result, KpiError) else result
    if isinstance(res, KpiError) or (isinstance(res, np.ndarray) and res.ndim == 0):
        out[...] = res if isinstance(res, KpiError) else res.item()
    else:
        out[...] = np.broadcast_to(res.reshape(shape) if res.size == out.size else res, shape)
    out[blank_out] = None
    out[failed] = err_out[failed]
    _finish(out)
    if not arrays_in:
        return out[0, 0]
    if one_dimensional and shape[1] == 1:
        return out[:, 0]
    return out


#: Most (rows × table entries) one implementation call may work on at once. Lookups
#: compare every row with every table entry; a crafted 10^5-row table over a 10^5-row
#: column would otherwise need tens of gigabytes.
CELL_BUDGET = 2**22


def _call_in_chunks(fn: KpiFunction, kwargs: dict, per_row: list[str], shape: tuple[int, int]) -> Any:
    """Call the implementation on blocks of rows when rows × table entries exceed
    :data:`CELL_BUDGET` (rows are independent unless the function is a ``population``),
    so memory stays bounded; the blocks' results are joined in row order."""
    lists = [v.values.size for v in kwargs.values() if isinstance(v, Cells)]
    entries = max(lists, default=1)
    rows, cols = shape
    if fn.population or not per_row or rows < 2 or rows * cols * entries <= CELL_BUDGET:
        return fn.impl(**kwargs)
    step = max(1, CELL_BUDGET // max(1, cols * entries))
    parts = []
    for start in range(0, rows, step):
        block = dict(kwargs)
        for name in per_row + (["valid"] if "valid" in kwargs else []):
            if block.get(name) is not None:
                block[name] = block[name][start:start + step]
        n = min(step, rows - start)
        part = fn.impl(**block)
        if isinstance(part, KpiError):
            return part
        arr = np.asarray(part, dtype=object)
        if arr.ndim == 0:
            arr = np.full((n, cols), arr.item(), dtype=object)
        parts.append(arr.reshape(n, cols) if arr.size == n * cols else np.broadcast_to(arr, (n, cols)))
    return np.concatenate(parts, axis=0)


def result_grid(result: Any) -> np.ndarray | None:
    """A call's result as the 2-D object grid Excel spills: a 1-D result is a column, a
    deeper one keeps its first axis as rows; None for a single value (list and tuple
    results count as arrays). Every front end shapes results through this."""
    if isinstance(result, (list, tuple)):
        result = np.array(result, dtype=object)
    if not isinstance(result, np.ndarray) or result.ndim == 0:
        return None
    arr = np.asarray(result, dtype=object)
    return arr.reshape(-1, 1) if arr.ndim == 1 else arr.reshape(arr.shape[0], -1)


def _raw_shape(raw: Any) -> tuple[int, ...]:
    """The shape of an argument as :func:`~kpi_udfs.coerce.as_grid` reads it: () for a
    value, (n,) for a flat list, (rows, columns) for a list of rows or a 2-D array.

    Not ``np.shape``: a ragged list of rows, or a cell holding a tuple, must not raise.
    """
    if isinstance(raw, np.ndarray):
        return raw.shape
    if not isinstance(raw, (list, tuple)):
        return ()
    if raw and all(isinstance(row, (list, tuple, np.ndarray)) for row in raw):
        return as_grid(raw).shape
    return (len(raw),)


def _common_shape(shapes: list[tuple[int, ...]]) -> tuple[int, int]:
    if not shapes:
        return (1, 1)
    return (max(s[0] for s in shapes), max(s[1] for s in shapes))


def _finish(out: np.ndarray) -> None:
    """Python scalars in every cell; NaN or infinity left by maths become #NUM!."""
    flat = out.reshape(-1)
    for i, v in enumerate(flat):
        if isinstance(v, (np.floating, float, np.integer, int)) and not isinstance(v, (bool, np.bool_)):
            x = float(v)
            if x != x or x in (np.inf, -np.inf):
                flat[i] = KpiError(NUM, _("the result is not a finite number"))
            else:
                flat[i] = x + 0.0
        elif isinstance(v, np.bool_):
            flat[i] = bool(v)
        elif isinstance(v, np.str_):
            flat[i] = str(v)


def _render_free(fn: KpiFunction, result: Any, shapes: dict[str, tuple[int, ...]]) -> Any:
    if isinstance(result, KpiError) or not isinstance(result, (np.ndarray, list, tuple)):
        out = np.empty((1, 1), dtype=object)
        out[0, 0] = result
        _finish(out)
        return out[0, 0]
    out = np.array(result, dtype=object)
    if fn.out_like is not None:
        like = shapes.get(fn.out_like, ())
        if len(like) == 2 and out.size == like[0] * like[1]:
            out = out.reshape(like)
        elif len(like) == 1:
            out = out.reshape(-1)
    _finish(out)
    return out


def catalogue() -> list[KpiFunction]:
    """Every registered function, in declaration order."""
    from . import functions  # noqa: F401  (registers everything)

    return list(REGISTRY.values())
