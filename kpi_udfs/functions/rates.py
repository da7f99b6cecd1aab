"""Ratios and single thresholds: KPI_RATE (F1), KPI_PASS (F18), KPI_CHECK_RANGE (F5)."""

from __future__ import annotations

import numpy as np

from ..errors import DIV0, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import fmt, ge, gt, le, lt
from ..registry import DIRECTIONS, Choice, Each, Scalar, asks_error, kpi


@kpi(
    "KPI_RATE",
    "numerator ÷ denominator as a fraction, e.g. paying buyers ÷ inquiries (0.52 = 52%).",
    Each("numerator", "The count on top, e.g. 最终付款人数 (paying buyers)."),
    Each("denominator", "The count below, e.g. 询单人数 (inquiries)."),
    Scalar(
        "on_zero",
        'What a zero denominator gives: "ERROR" (#DIV/0!, default) or a value to return.',
        kind="any",
        default="ERROR",
    ),
    Scalar("complement", "TRUE returns 1 − ratio (e.g. a compliance rate).", kind="bool", default=False),
    returns="The ratio as a fraction; #DIV/0! with a reason when the denominator is 0.",
)
def rate(numerator, denominator, on_zero, complement):
    ratio = numerator / denominator
    if complement:
        ratio = 1.0 - ratio
    zero = denominator == 0
    if not zero.any():
        return ratio
    out = ratio.astype(object)
    if asks_error(on_zero):
        out[zero] = KpiError(DIV0, _("denominator is 0"))
    else:
        out[zero] = on_zero
    return out


@kpi(
    "KPI_CHECK_RANGE",
    "Checks a discretionary amount against its allowed range, e.g. a complaint deduction of 5–20 points.",
    Each("value", "The amount entered, e.g. 15 points or a 300 元 bonus."),
    Each("min", "Lowest allowed amount, e.g. 5 (inclusive)."),
    Each("max", "Highest allowed amount, e.g. 20 (inclusive)."),
    Choice(
        "on_fail",
        'Outside the range: "ERROR" (#VALUE! naming the range, default), "CLAMP" to the nearest end, or a number.',
        {"ERROR": N_("error (#VALUE!)"), "CLAMP": N_("the nearest end of the range")},
        "ERROR",
        number_ok=True,
    ),
    returns=(
        'The value when min ≤ value ≤ max; otherwise #VALUE! ("17 is outside [5, 20]"), the clamped value or '
        "on_fail; #VALUE! in a row whose min is above its max."
    ),
)
def check_range(value, min, max, on_fail):  # Excel's argument names shadow the builtins here
    inside = ge(value, min) & le(value, max)
    if on_fail == "CLAMP":
        result = np.clip(value, min, max)
    elif isinstance(on_fail, float):
        result = np.where(inside, value, on_fail)
    else:
        result = value
    out = np.asarray(result, dtype=float).astype(object)
    flat, v, lo, hi = out.reshape(-1), value.ravel(), min.ravel(), max.ravel()
    if on_fail == "ERROR":
        for r in np.flatnonzero(~inside.ravel() & ~np.isnan(v)):
            flat[r] = KpiError(VALUE, _("{value} is outside [{min}, {max}]", value=fmt(v[r]), min=fmt(lo[r]), max=fmt(hi[r])))
    for r in np.flatnonzero(gt(lo, hi)):
        flat[r] = KpiError(VALUE, _("min {min} is above max {max}", min=fmt(lo[r]), max=fmt(hi[r])))
    return out


@kpi(
    "KPI_PASS",
    "TRUE when a value meets its target, e.g. first-contact resolution ≥ 80 % or reply time ≤ 30 s.",
    Each("value", "The measured value, e.g. 0.82 or 28 (seconds)."),
    Each("target", "The target, e.g. 0.80 or 30."),
    Choice(
        "direction",
        '"HIGHER" (value must reach the target, default) or "LOWER" (value must stay within it, e.g. time).',
        DIRECTIONS,
        "HIGHER",
    ),
    Scalar(
        "inclusive",
        "TRUE (default): exactly the target passes (以上/以内/不超过); FALSE: it must be strictly better (超过/低于).",
        kind="bool",
        default=True,
    ),
    returns="TRUE or FALSE (targets compared with a 1e-9 tolerance).",
)
def passes(value, target, direction, inclusive):
    if direction == "HIGHER":
        return ge(value, target) if inclusive else gt(value, target)
    return le(value, target) if inclusive else lt(value, target)
