"""Fuzzing every KPI_ function of the registry with hostile input (hypothesis).

Every function in :data:`kpi_udfs.registry.REGISTRY` is driven with arguments built
from its own :class:`~kpi_udfs.registry.Param` declarations (kind, shape, choices), so
a function added to the registry is fuzzed without touching this file. Cells mix
plausible values with hostile ones: NaN, ±inf, huge and tiny numbers, booleans,
blanks, error values and ``"#N/A: x"`` text, numeric text in full width and with %,
arbitrary unicode, dates, odd Python objects; ranges come empty, ragged, 2-D,
mismatched in length, or as single values where a table is expected.

The contract checked on every call (issue 7):

* never an unhandled Python exception: a value or an Excel error;
* every result cell is a finite float, text, a bool, None (blank) or a
  :class:`KpiError` whose reason is not empty. An error without a reason is allowed
  only when it is an input error passed through unchanged (a bare ``#N/A`` typed in a
  cell keeps its empty reason; an error the engine makes must say why);
* scalar per-employee arguments give a scalar; a column gives one result per row;
* a column call gives exactly the values (errors included, with their reasons) of the
  same rows called one by one, for every function whose rows are independent (not a
  ``population`` function such as a ranking, where each row depends on the others),
  and so does a call that the registry splits into blocks of rows (``CELL_BUDGET``);
* one explicit 10^5-row column per function (see :func:`test_a_column_of_100k_rows`).

CI runs a bounded number of examples, derandomized. The long run is::

    HYPOTHESIS_PROFILE=long KPI_FUZZ_REPORT=fuzz-count.json \\
        /work/venv/bin/pytest tests/test_fuzz.py -q -p no:cacheprovider

(``KPI_FUZZ_EXAMPLES`` sets examples per function and property, default 3000). The
count of inputs tried is written to ``KPI_FUZZ_REPORT`` and recorded in
docs/ROBUSTNESS.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpi_udfs  # noqa: F401  (registers every function)
from kpi_udfs import registry
from kpi_udfs.errors import CODES, KpiError, parse_error_text
from kpi_udfs.registry import EACH, LIST, RECORD, REGISTRY, SCALAR, KpiFunction, Param

# -- profiles ---------------------------------------------------------------------------

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
PROFILES = {
    "ci": settings(max_examples=60, deadline=None, derandomize=True, database=None,
                   suppress_health_check=_HEALTH),
    "long": settings(max_examples=int(os.environ.get("KPI_FUZZ_EXAMPLES", "3000")), deadline=None,
                     database=None, suppress_health_check=_HEALTH),
}
PROFILE = PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "ci")]

#: Calls made per function and property (written to KPI_FUZZ_REPORT at the end).
TRIED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_count():
    yield
    path = os.environ.get("KPI_FUZZ_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"total": sum(TRIED.values()), "by_test": dict(sorted(TRIED.items()))}, fh, indent=1)


FUNCTIONS = list(REGISTRY)


# -- cell values ------------------------------------------------------------------------

NUMBERS = [
    math.nan, math.inf, -math.inf, 1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, 1e-300,
    -0.0, 0.0, 2**53 + 1, 10**400, -(10**400), np.float32(1.5), np.int64(7), np.float64("nan"),
    np.float64("inf"), np.int8(-3), np.uint64(2**64 - 1), 10**5000, -(10**5000),
]
ERRORS = [
    KpiError("#N/A", "x"), KpiError("#N/A", ""), KpiError("#DIV/0!", ""), KpiError("#VALUE!", "upstream"),
    KpiError("#REF!", ""), KpiError("#NUM!", "big"), "#N/A", "#N/A: x", "#DIV/0!", "#VALUE!: bad",
    "  #REF!  ", "#NAME?", "#N/A:", "#SPILL!",
]
NUMERIC_TEXT = [
    "52%", "５２％", "1,200", "１，２００", " 0.52 ", "1e5", "-3", "+.5", "1e999", "-1e999%", "0x10",
    "1_000", "١٢٣", "𝟓𝟐", "²", "1.2.3", "%", "5%%", ".", "e5", "--1", "1,2", "12,00", "∞", "nan",
    "inf", "-", "1e-400", "9" * 400,
]
DATES = [
    dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 12, 30), dt.date(1, 1, 1), dt.date(9999, 12, 31),
    dt.datetime.max, dt.datetime.min, dt.time(12), dt.timedelta(days=3), "2024-03-01", "2024年3月1日",
    "2024-02-30", "2024/13/01", "0000-01-01", np.datetime64("2024-03-01"),
    np.datetime64("NaT"), np.datetime64("99999-01-01"), np.timedelta64(5, "D"), np.timedelta64("NaT"),
]
BLANKS = [None, "", "   ", "\t", "\u3000", math.nan]
BOOLS = [True, False, np.bool_(True), np.bool_(False), "TRUE", "否", "yes"]
OTHERS = [Decimal("1.5"), Decimal("NaN"), Fraction(1, 3), complex(1, 2), b"bytes", object(), {}, {1, 2}]
#: Cells that are themselves sequences: a list of them reads as rows (only in shape tests).
SEQUENCES = [(), (1.0, 2.0), np.array([1.0])]
LABELS = [
    "A", "B", "C", "D", "a", " A ", "优秀", "優秀", "良好", "合格", "差", "待改进", "ＡＢ", "ERROR", "error",
    "高", "中", "低", "[)", "(]", "[]", "()", "（]", "HIGHER", "lower", "none",
]

HOSTILE = NUMBERS + ERRORS + NUMERIC_TEXT + DATES + BLANKS + BOOLS + OTHERS + LABELS

hostile_cell = st.one_of(
    st.sampled_from(HOSTILE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=12),
    st.dates(),
    st.datetimes(),
)

typical_number = st.one_of(
    st.integers(0, 12).map(float),
    st.integers(-5, 130).map(float),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from([0.0, 0.4, 0.45, 0.5, 0.55, 1.0, 1.06, 1.12, 25.0, 30.0, 35.0, 40.0, 65.0, 90.5, 91.0, 100.0]),
)
typical_label = st.one_of(st.sampled_from(LABELS[:18]), st.integers(0, 5).map(float))
typical_date = st.one_of(st.dates(dt.date(1950, 1, 1), dt.date(2050, 12, 31)), st.integers(1, 60000).map(float))

TYPICAL = {
    "number": typical_number,
    "label": typical_label,
    "any": st.one_of(typical_label, typical_number),
    "bool": st.booleans(),
    "date": typical_date,
}


def _choice_spelling(word: str) -> st.SearchStrategy:
    """A choice as people type it: any case, padded, full width, '-' for '_'."""
    full = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)
    return st.sampled_from([word, word.lower(), f"  {word} ", full, word.replace("_", "-"), word.replace("_", " ")])


def typical_value(p: Param) -> st.SearchStrategy:
    if p.kind == "choice":
        options = [_choice_spelling(c) for c in p.choices]
        if p.number_ok:
            options.append(typical_number)
        if not options:
            return typical_number
        return st.one_of(options)
    return TYPICAL[p.kind]


def cell(p: Param, hostility: float, sequences: bool = False) -> st.SearchStrategy:
    """One cell for parameter ``p``: hostile with probability ``hostility``."""
    hostile = st.one_of([hostile_cell] * 9 + [st.sampled_from(SEQUENCES)]) if sequences else hostile_cell
    if hostility <= 0:
        return typical_value(p)
    if hostility >= 1:
        return hostile
    weight = max(1, round(10 * hostility))
    return st.one_of([hostile] * weight + [typical_value(p)] * (10 - weight))


def normalised(values: list[float]) -> list[float]:
    """Positive fractions that add up to 1 (quotas, weights)."""
    xs = [abs(x) + 1.0 for x in values]
    total = sum(xs)
    return [x / total for x in xs]


#: Labels with distinct comparison keys (grade labels, lookup keys must be unique).
DISTINCT_LABELS = ["A", "B", "C", "D", "优秀", "良好", "合格", "差", 1.0, 2.0, True]


# -- arguments --------------------------------------------------------------------------


class Omit:
    """Marks a trailing argument left out of the call."""


def _shape_as(values: list, orient: str):
    if orient == "list":
        return values
    if orient == "row":
        return [values]
    if orient == "column2d":
        return [[v] for v in values]
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def rare(draw, k: int, n: int) -> bool:
    """True about k times in n. Hypothesis favours the ends of an integer range (and
    shrinks towards its low end), so the rare case is a window away from both ends."""
    x = draw(st.integers(0, 2**16 - 1))
    return 1000 <= x < 1000 + k * 2**16 // n


@dataclass
class Plan:
    """What one call's arguments look like, drawn once per example."""

    rows: int  # employees in a column
    table: int  # entries of the list arguments (most of them)
    scalar_rows: bool  # per-employee arguments as single values
    row_hostility: float  # share of hostile cells in per-employee arguments
    table_hostility: float  # … in lists and settings (kept lower: a broken table fails the whole call)
    shapes_ok: bool  # ragged, empty, mismatched and misplaced ranges allowed
    ladder: list[float]  # ascending bounds b0 < b1 < …: band tables are shifted slices of it
    descending: bool
    lengths: dict[str, int]


@st.composite
def arguments(draw, fn: KpiFunction, *, n: int | None = None, shapes_ok: bool = True) -> list:
    """Arguments for one call of ``fn`` (``None`` for a blank or left-out argument)."""
    table = draw(st.integers(1, 6))
    bounds = draw(st.lists(st.integers(-20, 130), min_size=table + 3, max_size=table + 3, unique=True))
    plan = Plan(
        rows=n if n is not None else draw(st.integers(1, 6)),
        table=table,
        scalar_rows=n is None and draw(st.booleans()),
        row_hostility=draw(st.sampled_from([0.0, 0.1, 0.3, 1.0])),
        table_hostility=draw(st.sampled_from([0.0] * 5 + [0.05, 0.2, 1.0])),
        shapes_ok=shapes_ok,
        ladder=sorted(float(b) / draw(st.sampled_from([1, 100])) for b in bounds),
        descending=draw(st.booleans()),
        lengths={},
    )
    lists = [p.name for p in fn.params if p.shape == LIST]
    plan.lengths = dict.fromkeys(lists, table)
    if lists and shapes_ok and rare(draw, 1, 10):  # one list of another length (or empty)
        plan.lengths[draw(st.sampled_from(lists))] = draw(st.integers(0, 7))
    args: list = []
    number_lists = 0
    for p in fn.params:
        if p.optional and rare(draw, 4, 10):
            args.append(None if draw(st.booleans()) else Omit)
            continue
        args.append(draw(_argument(p, plan, number_lists)))
        number_lists += p.shape == LIST and p.kind == "number"
    while args and args[-1] is Omit:
        args.pop()
    return [None if a is Omit else a for a in args]


@st.composite
def _argument(draw, p: Param, plan: Plan, k: int):
    """One argument; ``k`` counts the number lists before it (band tables: lower, upper …)."""
    if p.shape == SCALAR:
        one = cell(p, plan.table_hostility, plan.shapes_ok)
        if plan.shapes_ok and plan.table_hostility and rare(draw, 1, 20):
            return draw(st.lists(st.lists(one, min_size=1, max_size=2), min_size=1, max_size=2))  # a range
        return draw(one)
    if p.shape == LIST:
        return draw(_list_argument(p, plan, k))
    one = cell(p, plan.row_hostility, plan.shapes_ok)
    if p.shape == EACH:
        if plan.scalar_rows:
            return draw(one)
        length = plan.rows
        if plan.shapes_ok and rare(draw, 1, 6):
            length = draw(st.integers(0, 7))  # mismatched or empty
        values = draw(st.lists(one, min_size=length, max_size=length))
        if plan.shapes_ok and rare(draw, 1, 8):
            return np.array(values, dtype=object).reshape(-1, 1) if values else np.empty((0, 0), dtype=object)
        if plan.shapes_ok and rare(draw, 1, 8) and values:
            return [values]  # a row
        if draw(st.booleans()) and all(isinstance(v, float) for v in values):
            return np.array(values, dtype=float)
        return values
    # RECORD: one row of items per employee
    width = plan.lengths.get(p.width_of) if p.width_of else None
    if width is None or (plan.shapes_ok and rare(draw, 1, 8)):
        width = draw(st.integers(1, 5))
    employees = 1 if plan.scalar_rows else max(plan.rows, 1)
    grid = draw(st.lists(st.lists(one, min_size=width, max_size=width), min_size=employees, max_size=employees))
    if employees == 1 and draw(st.booleans()):
        return grid[0]
    return grid


@st.composite
def _list_argument(draw, p: Param, plan: Plan, k: int):
    length = plan.lengths[p.name]
    one = cell(p, plan.table_hostility, plan.shapes_ok)
    way = draw(st.sampled_from(["ladder", "normalised", "ladder", "normalised", "sorted", "cells"]))
    if p.optional and p.default is not None and way == "sorted":  # its default, e.g. "[)" codes
        values = [p.default] * length
    elif p.kind == "number" and way == "ladder":  # lower bounds, upper bounds … of one band table
        values: list = plan.ladder[k:k + length]
        values = values + [None] * (length - len(values))
        if plan.descending:
            values = values[::-1]
        if rare(draw, 1, 4) and values:  # an open end
            values[draw(st.sampled_from([0, -1]))] = None
    elif p.kind == "number" and way == "normalised":  # quotas, weights
        values = normalised(draw(st.lists(st.integers(0, 60).map(float), min_size=length, max_size=length)))
    elif p.kind == "number" and way == "sorted":
        values = sorted(draw(st.lists(typical_number, min_size=length, max_size=length)), reverse=plan.descending)
    elif p.kind in ("any", "label") and way != "cells" and length <= len(DISTINCT_LABELS):
        values = list(draw(st.permutations(DISTINCT_LABELS)))[:length]
    else:
        values = draw(st.lists(one, min_size=length, max_size=length))
    if plan.table_hostility and way != "cells":
        values = [draw(one) if rare(draw, 1, 10) else v for v in values]
    if plan.shapes_ok and length == 1 and draw(st.booleans()):
        return values[0]  # a single value where a table is expected
    orient = draw(st.sampled_from(["list", "column2d", "row", "array"])) if plan.shapes_ok else "list"
    return _shape_as(values, orient)


# -- the contract -----------------------------------------------------------------------


def input_errors(value, found: set | None = None) -> set[tuple[str, str]]:
    """(code, reason) of every error value in the arguments, as the input rules read them."""
    found = set() if found is None else found
    if isinstance(value, KpiError):
        found.add((value.code, value.reason))
    elif isinstance(value, str):
        e = parse_error_text(value.strip())
        if e is not None:
            found.add((e.code, e.reason))
    elif isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.dtype == object):
        for v in (value.ravel() if isinstance(value, np.ndarray) else value):
            input_errors(v, found)
    return found


def check_cell(v, allowed_bare: set[str], where: str) -> None:
    if isinstance(v, KpiError):
        assert v.code in CODES, where
        assert isinstance(v.reason, str), where
        assert v.reason or v.code in allowed_bare, f"{where}: {v.code} without a reason"
        return
    assert v is None or type(v) in (float, str, bool), f"{where}: {type(v).__name__} {v!r}"
    if type(v) is float:
        assert math.isfinite(v), f"{where}: {v!r}"


def check_result(fn: KpiFunction, args: list, result) -> None:
    """The contract of one call (see module doc)."""
    bare = {code for code, reason in input_errors(args) if not reason}
    if isinstance(result, np.ndarray):
        assert result.dtype == object, fn.name
        assert result.ndim in (1, 2), fn.name
        for i, v in enumerate(result.ravel()):
            check_cell(v, bare, f"{fn.name} cell {i}")
    else:
        check_cell(result, bare, fn.name)
    _check_shape(fn, args, result)


def _grid_shape(value) -> tuple[int, int] | None:
    """(rows, columns) of an array argument as the registry reads it; None for a scalar."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return None
    from kpi_udfs.coerce import as_grid

    return as_grid(value).shape


def _check_shape(fn: KpiFunction, args: list, result) -> None:
    """Per-employee arguments decide the result's shape: scalars give a scalar, columns a column."""
    if isinstance(result, KpiError) or any(p.shape == RECORD for p in fn.params):
        return
    each = [(p, a) for p, a in zip(fn.params, args, strict=False) if p.shape == EACH]
    if not each:
        return
    shapes = [_grid_shape(a) for _, a in each if a is not None]
    arrays = [s for s in shapes if s is not None]
    if not arrays:
        assert not isinstance(result, np.ndarray), f"{fn.name}: scalars in, an array out"
        return
    rows = max(s[0] for s in arrays)
    cols = max(s[1] for s in arrays)
    if any(s is None for s in shapes):
        rows, cols = max(rows, 1), max(cols, 1)
    assert isinstance(result, np.ndarray), f"{fn.name}: an array in, {result!r} out"
    assert result.shape[0] == rows, f"{fn.name}: {rows} rows in, {result.shape} out"
    assert result.size == rows * cols, f"{fn.name}: {rows}×{cols} in, {result.shape} out"


def call(fn: KpiFunction, args: list):
    return fn(*args)


@pytest.mark.parametrize("name", FUNCTIONS)
@PROFILE
@given(data=st.data())
def test_any_input_gives_a_value_or_an_error_with_a_reason(name, data):
    fn = REGISTRY[name]
    args = data.draw(arguments(fn), label="args")
    if fn.params and rare(data.draw, 1, 20):
        args = args + [1.0] * data.draw(st.integers(1, 2))  # too many arguments
    TRIED[f"contract {name}"] += 1
    result = call(fn, args)
    if len(args) > len(fn.params):
        assert isinstance(result, KpiError) and result.code == "#VALUE!"
        return
    check_result(fn, args, result)


# -- a column equals its rows one by one --------------------------------------------------

ROW_WISE = [
    name for name, fn in REGISTRY.items()
    if not fn.population and any(p.shape in (EACH, RECORD) for p in fn.params)
]


def _row_of(p: Param, value, i: int):
    """Row ``i`` of a per-employee argument as a one-employee call takes it."""
    if value is None or p.shape not in (EACH, RECORD):
        return value
    if p.shape == EACH:
        return value[i] if isinstance(value, (list, np.ndarray)) else value
    if isinstance(value, list) and value and isinstance(value[0], list):
        return list(value[i]) if len(value) > 1 else list(value[0])
    return value


def same(a, b) -> bool:
    if isinstance(a, KpiError) or isinstance(b, KpiError):
        return a == b
    if type(a) is float and type(b) is float:
        return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name", ROW_WISE)
@PROFILE
@given(data=st.data())
def test_a_column_equals_its_rows_one_by_one(name, data):
    fn = REGISTRY[name]
    n = data.draw(st.integers(2, 6), label="rows")
    args = data.draw(arguments(fn, n=n, shapes_ok=False), label="args")
    # a per-employee argument is a column of n (or one value for every row); records are n×k
    given_names = {p.name for p, a in zip(fn.params, args, strict=False) if _gives_width(p, a)}
    args = [
        a if p.shape not in (EACH, RECORD) or a is None else _as_rows(p, a, n, p.width_of in given_names)
        for p, a in zip(fn.params, args, strict=False)
    ]
    TRIED[f"rows {name}"] += 1
    whole = call(fn, args)
    singles = [call(fn, [_row_of(p, a, i) for p, a in zip(fn.params, args, strict=False)]) for i in range(n)]
    saved, registry.CELL_BUDGET = registry.CELL_BUDGET, 1  # the implementation called on blocks of one row
    try:
        blocks = call(fn, args)
    finally:
        registry.CELL_BUDGET = saved
    if isinstance(whole, KpiError):
        assert same(blocks, whole)
    else:
        assert np.shape(blocks) == np.shape(whole)
        assert all(same(a, b) for a, b in zip(np.ravel(blocks), np.ravel(whole), strict=True))
    if isinstance(whole, KpiError):
        for i, s in enumerate(singles):
            assert same(s, whole), f"{name} row {i}: whole-column error {whole!r}, alone {s!r}"
        return
    cells = list(np.asarray(whole, dtype=object).ravel())
    assert len(cells) == n
    for i, (w, s) in enumerate(zip(cells, singles, strict=True)):
        assert same(w, s), f"{name} row {i}: in the column {w!r}, alone {s!r}"


def _gives_width(p: Param, value) -> bool:
    """Whether a list argument tells a record its width: not when omitted, and not when an
    optional list is one blank cell (the registry reads that as its default, found by the
    long run: KPI_TOTAL with max_points [None] read a column of items as one employee's)."""
    if value is None:
        return False
    if p.shape == LIST and p.optional and np.size(np.asarray(value, dtype=object)) == 1:
        cell = np.asarray(value, dtype=object).flat[0]
        return not registry._is_blank_cell(cell)
    return True


def _as_rows(p: Param, value, n: int, width_given: bool):
    """A per-employee argument as n rows: a column of n, or n records of items."""
    if p.shape == EACH:
        if isinstance(value, np.ndarray):
            value = list(value.ravel())
        if isinstance(value, list):
            return (value + [None] * n)[:n]
        return value
    if isinstance(value, list) and value and isinstance(value[0], list):
        rows = [list(value[i % len(value)]) for i in range(n)]
    else:
        rows = [list(value) if isinstance(value, list) else [value] for _ in range(n)]
    if not width_given:  # n×1 items with no width to go by read as one employee's n items
        rows = [r + r if len(r) < 2 else r for r in rows]
    return rows


# -- 10^5 rows --------------------------------------------------------------------------

BIG = 100_000

_CANDIDATES = {
    "number": [[0.0, 25.0, 50.0, 75.0], [25.0, 50.0, 75.0, None], [0.25, 0.25, 0.25, 0.25],
               [1000.0, 800.0, 600.0, 400.0], [1.4, 1.2, 1.0, 0.8]],
    "label": [["A", "B", "C", "D"], ["[)"] * 4],
    "any": [["A", "B", "C", "D"], [100.0, 80.0, 60.0, 50.0]],
    "bool": [[True, False, True, False]],
    "date": [[dt.date(2024, 1, 1)] * 4],
}
_SCALAR_CANDIDATES = {"number": [10.0, 2.0], "any": ["A"], "label": ["A"], "bool": [True],
                      "date": [dt.date(2024, 6, 30)]}


def _column(p: Param, rows: int, rng: np.random.Generator):
    """A per-employee column: plausible values with a blank, an error and text every few rows."""
    if p.kind == "number":
        col: list = list(np.round(rng.uniform(0, 100, rows), 2))
    elif p.kind == "date":
        base = dt.date(2020, 1, 1)
        col = [base + dt.timedelta(days=int(d)) for d in rng.integers(0, 1500, rows)]
    elif p.kind == "bool":
        col = list(rng.integers(0, 2, rows).astype(bool))
    else:
        col = list(np.array(["A", "B", "C", "D"], dtype=object)[rng.integers(0, 4, rows)])
    col = [float(v) if isinstance(v, np.floating) else v for v in col]
    for k in range(0, rows, 997):
        col[k] = [None, KpiError("#N/A", "x"), "五十", math.nan, "#DIV/0!"][(k // 997) % 5]
    return col


def _table_choices(fn: KpiFunction) -> list[list]:
    """Candidate values of the list and required setting arguments, most plausible first."""
    options = []
    for p in fn.params:
        if p.shape == LIST:
            opts = list(_CANDIDATES.get(p.kind, _CANDIDATES["any"]))
            options.append(([Omit] if p.optional else []) + opts)
        elif p.shape == SCALAR:
            options.append([Omit] if p.optional else _SCALAR_CANDIDATES.get(p.kind, [1.0]))
        else:
            options.append([None])
    return options


def _big_args(fn: KpiFunction, rows: int, lists: tuple, rng) -> list:
    per_row = any(p.shape in (EACH, RECORD) for p in fn.params)
    args = []
    for p, choice in zip(fn.params, lists, strict=True):
        if p.shape == EACH:
            args.append(_column(p, rows, rng))
        elif p.shape == RECORD:
            table = lists[[q.name for q in fn.params].index(p.width_of)] if p.width_of else None
            width = len(table) if isinstance(table, list) else 3
            cols = [_column(p, rows, rng) for _ in range(width)]
            args.append([list(r) for r in zip(*cols, strict=True)])
        elif p.shape == LIST and not per_row and choice is not Omit:
            # no per-employee argument: the long list is the table itself (grades to audit …)
            args.append([choice[i % len(choice)] for i in range(rows)] if p.kind != "number"
                        else list(normalised(list(rng.uniform(0, 10, rows)))))
        else:
            args.append(choice)
    while args and args[-1] is Omit:
        args.pop()
    return [None if a is Omit else a for a in args]


def _plausible_tables(fn: KpiFunction) -> tuple:
    """The first candidate tables for which a 3-row call is not one whole-call error."""
    rng = np.random.default_rng(0)
    combos = itertools.islice(itertools.product(*_table_choices(fn)), 4000)
    first = None
    for combo in combos:
        first = first or combo
        result = call(fn, _big_args(fn, 3, combo, rng))
        if not isinstance(result, KpiError):
            return combo
    return first or ()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_column_of_100k_rows(name):
    """One long column per function: no exception, one result per row, the contract per cell."""
    fn = REGISTRY[name]
    tables = _plausible_tables(fn)
    args = _big_args(fn, BIG, tables, np.random.default_rng(1))
    TRIED[f"100k {name}"] += 1
    result = call(fn, args)
    check_result(fn, args, result)
    if any(p.shape == EACH for p in fn.params) and not isinstance(result, KpiError):
        assert np.shape(result)[0] == BIG
