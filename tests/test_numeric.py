"""Excel's decimal rounding and boundary tolerance (AMB-G3, issue 3)."""

import numpy as np
import pytest

from kpi_udfs.numeric import excel_round, fmt, ge, steps


@pytest.mark.parametrize(
    "x, digits, expected",
    [
        ((41.9 + 58.8) / 2, 1, 50.4),  # binary 50.349999999999994; Excel shows 50.35
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (1.005, 2, 1.01),
        (0.285, 2, 0.29),
        (123.456, -1, 120.0),
        (1013.6, 0, 1014.0),
        (108.6, 0, 109.0),
        (0.0, 2, 0.0),
    ],
)
def test_round_half_away_from_zero_on_displayed_decimal(x, digits, expected):
    assert excel_round(x, digits) == expected


def test_roundup_rounddown():
    assert excel_round(1.231, 2, "UP") == 1.24
    assert excel_round(-1.231, 2, "UP") == -1.24
    assert excel_round(1.239, 2, "DOWN") == 1.23
    assert excel_round(0.1 + 0.2, 1, "UP") == 0.3  # 0.30000000000000004 is 0.3 on screen


def test_vectorised():
    out = excel_round(np.array([0.125, 0.135, -0.125]), 2)
    assert out.tolist() == [0.13, 0.14, -0.13]


def test_steps_snap_before_floor():
    assert steps((1 - 180 / 200) / 0.1) == 1.0  # AMB-G3: one whole 10 % step
    assert steps(0.29 * 100) == 29.0
    assert steps(-2.5) == -2.0
    assert steps(2.5, "CEIL") == 3.0
    assert steps(2.5, "EXACT") == 2.5


def test_boundary_tolerance():
    assert ge(0.1 * 3, 0.3)
    assert ge(0.3 - 1e-12, 0.3)
    assert not ge(0.3 - 1e-6, 0.3)


def test_fmt():
    assert fmt(0.4) == "0.40" and fmt(0.42) == "0.42" and fmt(35.0) == "35" and fmt(90.5) == "90.5"
