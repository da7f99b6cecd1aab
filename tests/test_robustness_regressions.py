"""Regression tests for the crashes the registry fuzzer (tests/test_fuzz.py) found (issue 7).

Each test is one input that used to raise a Python exception out of a KPI_ function;
now it gives a value or an Excel error with a reason.
"""

from __future__ import annotations

import datetime as dt
import resource
import subprocess
import sys

import numpy as np
import pytest

from kpi_udfs import (
    KPI_GRADE,
    KPI_LEVEL_HISTORY,
    KPI_PASS,
    KPI_POOL,
    KPI_QUOTA,
    KPI_RATE,
    KPI_STREAK,
    KPI_TOTAL,
    REGISTRY,
    KpiError,
)
from kpi_udfs.coerce import to_bool, to_date, to_label, to_number
from kpi_udfs.numeric import fmt


def test_an_integer_beyond_the_float_range_is_num_not_overflow_error():
    # was: OverflowError: int too large to convert to float (coerce.to_number / to_label)
    got = KPI_PASS(1, 10**400)
    assert isinstance(got, KpiError) and got.code == "#NUM!" and "target" in got.reason
    assert KPI_RATE([-(10**400), 3], 4)[1] == 0.75  # one bad row does not spoil the other


def test_an_integer_of_thousands_of_digits_is_num_with_a_short_reason():
    # issue 12: ValueError "Exceeds the limit (4300 digits) for integer string conversion"
    # out of KPI_RATE(10**5000, 4): the message printed the integer
    got = KPI_RATE(10**5000, 4)
    assert got == KpiError("#NUM!", "numerator: a 5,001-digit integer is not a finite number")
    assert KPI_RATE(4, -(10**5000)).reason == "denominator: a 5,001-digit negative integer is not a finite number"
    assert list(KPI_RATE([10**5000, 3], 4))[1] == 0.75


@pytest.mark.parametrize("duration", [np.timedelta64(5, "D"), np.timedelta64(90, "m"), dt.timedelta(days=3)])
def test_a_duration_is_value_error_naming_the_argument(duration):
    # issue 12: TypeError "float() argument must be … not 'datetime.timedelta'" out of the
    # Python API for numpy.timedelta64 (a subclass of numpy.signedinteger)
    for kind, convert in (("a number", to_number), ("a label", to_label), ("TRUE or FALSE", to_bool),
                          ("a date", to_date)):
        got = convert(duration, "x")
        assert isinstance(got, KpiError) and got.code == "#VALUE!", (kind, got)
        assert got.reason.startswith("x: ") and got.reason.endswith(f"is a duration, not {kind}")
    got = KPI_RATE(duration, 4)
    assert got.code == "#VALUE!" and got.reason.startswith("numerator: ")
    column = KPI_RATE(np.array([duration, duration]), np.array([4, 4]))
    assert all(e.code == "#VALUE!" for e in column)
    assert KPI_GRADE(duration, [0, 60], ["B", "A"]).code == "#VALUE!"


def test_numpy_dates_are_dates_and_nat_is_blank():
    assert to_number(np.datetime64("2024-03-01"), "x") == 45352.0  # Excel's serial of 2024-03-01
    assert to_date(np.datetime64("2024-03-01T10:30"), "x") == dt.date(2024, 3, 1)
    for nat in (np.datetime64("NaT"), np.timedelta64("NaT")):
        assert [to_number(nat, "x"), to_label(nat, "x"), to_bool(nat, "x"), to_date(nat, "x")] == [None] * 4
    far = to_number(np.datetime64("99999-01-01"), "x")
    assert far.code == "#NUM!" and "not a date Excel can hold" in far.reason
    assert list(KPI_RATE(np.array(["2024-03-01", "NaT"], dtype="datetime64[D]"), 1)) == [45352.0, None]


def test_a_cell_holding_a_tuple_or_a_ragged_range_does_not_crash_the_shape_check():
    # was: ValueError from np.ndim / np.shape on an inhomogeneous list (registry._invoke)
    got = KPI_RATE([[1, ()]], 2)
    assert got[0, 0] == 0.5 and got[0, 1].code == "#VALUE!"
    ragged = KPI_RATE([[1, 2], [3]], 2)  # the missing cell is blank
    assert ragged.shape == (2, 2) and list(ragged[1]) == [1.5, None]
    quotas = KPI_QUOTA(10, [[0.5, 0.5], [0]])
    assert quotas.code == "#VALUE!" and "blank" in quotas.reason


def test_an_empty_list_argument_is_a_value_error():
    # was: IndexError in KPI_LEVEL_HISTORY's message for a score below an empty table
    got = KPI_LEVEL_HISTORY([[90, 95]], [], [])
    assert got == KpiError("#VALUE!", "lower_bounds is empty")
    assert KPI_GRADE(90, [], ["A"]) == KpiError("#VALUE!", "lower_bounds is empty")


def test_an_empty_record_argument_is_a_value_error_or_its_default():
    # found by the long run (KPI_FUZZ_EXAMPLES=3000): ValueError "zero-size array to
    # reduction operation minimum" out of KPI_LEVEL_HISTORY with an empty history
    got = KPI_LEVEL_HISTORY([], [0, 60, 80], ["C", "B", "A"])
    assert isinstance(got, KpiError) and got.code == "#VALUE!" and got.reason == "history is empty"
    assert KPI_LEVEL_HISTORY([[]], [0, 60, 80], ["C", "B", "A"]) == got
    # an optional record left empty counts as omitted: 20 + 30 with no adjustments
    assert KPI_TOTAL([20, 30], [20, 30], []) == 50.0


def test_pool_with_huge_weights_keeps_their_proportions():
    # was: OverflowError (inf share) in _largest_remainder; 3e307 : 1e307 is 3 : 1
    assert list(KPI_POOL([3e307, 1e307], 8)) == [6.0, 2.0]


def test_pool_with_huge_or_tiny_settings_is_an_error_or_has_no_effect():
    # was: OverflowError converting cap / round_to (or the pool in steps) to an integer
    assert list(KPI_POOL([1, 1], 10, 1, None, 1e308)) == [5.0, 5.0]  # a cap above the pool never binds
    tiny = KPI_POOL([1, 1], 10, 5e-324)
    assert tiny.code == "#NUM!" and "too many steps" in tiny.reason
    floor = KPI_POOL([1, 1], 10, 1, 1e308)
    assert floor.code == "#NUM!" and floor.reason.startswith("floor 1e+308 × 2 staff")
    assert KPI_POOL([1, 1], 10, 1, 6).reason == "floor 6 × 2 staff = 12 is more than the pool 10"


def test_streak_length_beyond_any_history_is_an_error_not_an_overflow():
    # was: OverflowError: Python int too large to convert to C long
    got = KPI_STREAK([["A", "A"]], "A", 1e308)
    assert got.code == "#NUM!" and got.reason == "length 1e+308 is too large (at most 2,147,483,647)"
    assert KPI_STREAK([["A", "A"]], "A", 2) == 1.0


def test_huge_numbers_in_messages_are_short():
    assert fmt(1e308) == "1e+308" and fmt(1e15) == "1e+15"
    assert fmt(123456789012345.0) == "123456789012345" and fmt(35.0) == "35"


def test_population_functions_are_declared_in_the_registry():
    """A ranking's rows depend on each other: the fuzzer and the fast path must not split them."""
    assert {n for n, f in REGISTRY.items() if f.population} == {"KPI_RANK_BONUS", "KPI_POOL", "KPI_FORCE_GRADES"}
    # and the reason: the same score of 80 ranks first alone and second in the column
    rank_bonus = REGISTRY["KPI_RANK_BONUS"]
    assert rank_bonus(80, [1000, 800]) == 1000.0
    assert list(rank_bonus([90, 80], [1000, 800])) == [1000.0, 800.0]


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="needs rlimits (POSIX)")
def test_a_huge_table_over_a_long_column_stays_within_memory():
    """A crafted 20,000-row grade table over 20,000 scores: comparing every score with every
    bound took 3.5 GB at once; the registry now calls the implementation on blocks of rows
    (CELL_BUDGET), so it runs under a 1.5 GiB address-space limit, with the same grades."""
    script = (
        "import numpy as np\n"
        "from kpi_udfs import KPI_GRADE\n"
        "m = 20000\n"
        "bounds = np.arange(m, dtype=float)\n"
        "labels = [f'G{i}' for i in range(m)]\n"
        "scores = np.arange(m, dtype=float) + 0.5\n"
        "got = KPI_GRADE(scores, bounds, labels)\n"
        "assert list(got) == labels, got[:5]\n"
        "print('ok')\n"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, preexec_fn=limit,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
