"""Ratios and single thresholds: KPI_RATE (F1), KPI_PASS (F18), KPI_CHECK_RANGE (F5)."""

from __future__ import annotations

from ..errors import DIV0, KpiError
from ..registry import Each, Scalar, asks_error, kpi


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
        out[zero] = KpiError(DIV0, "denominator is 0")
    else:
        out[zero] = on_zero
    return out
