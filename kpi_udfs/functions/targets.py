"""Scores against a target: KPI_TARGET_LINEAR (F6) and KPI_TARGET_STEP (F7).

LINEAR is the sales item of S0-H/S0-I and the warehouse bonus of S3-11: the ratio
R = actual ÷ target times a multiplier, with a gate below which the item scores a fixed
value and an optional cap. STEP is "each percentage point below the plan costs 2 points"
(traffic, conversion, average order value, satisfaction): whole steps of the gap, counted
after snapping binary noise (AMB-G3: 1 − 180/200 is one whole 10 % step).
"""

from __future__ import annotations

import numpy as np

from ..errors import DIV0, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import fmt, ge, gt, le, steps
from ..registry import DIRECTIONS, Choice, Each, Scalar, kpi
from .points import NO_FLOOR, clamp, floor_param


def _zero_target(out: np.ndarray, target: np.ndarray, valid: np.ndarray, why: str) -> None:
    for r in np.flatnonzero((target.ravel() == 0) & valid.ravel()):
        out[r] = KpiError(DIV0, _("target is 0: {why}", why=_(why)))


@kpi(
    "KPI_TARGET_LINEAR",
    "multiplier × (actual ÷ target), e.g. 40 × R for sales; 0 below a gate such as 85 %, and an optional cap such as 80.",
    Each("actual", "What was achieved, e.g. the month's sales 920000 (or a score 95)."),
    Each("target", "What was planned, e.g. the sales target 1000000 (or the initial score 100)."),
    Scalar("multiplier", "Points (or money) at 100 % of target, e.g. 40 points or 300 元."),
    Scalar(
        "gate",
        "Lowest ratio actual ÷ target that scores, e.g. 0.85; below it the result is below_gate.",
        default=0,
    ),
    Scalar("cap", "Highest result, e.g. 80; blank = no cap.", default=None),
    Scalar(
        "gate_inclusive",
        "TRUE (default): a ratio exactly at the gate passes (R ≥ 85 %); FALSE: it must exceed it.",
        kind="bool",
        default=True,
    ),
    Scalar("below_gate", "Result when the ratio is under the gate (default 0).", default=0),
    Scalar(
        "min_ratio",
        "Ratio used at least once past the gate, e.g. 1 pays the full amount from the gate to 100 %; blank = pro rata.",
        default=None,
    ),
    returns=(
        "multiplier × MAX(R, min_ratio) capped, or below_gate under the gate; #DIV/0! when the target is 0; "
        "#VALUE! when the target is negative."
    ),
)
def target_linear(actual, target, multiplier, gate, cap, gate_inclusive, below_gate, min_ratio, valid):
    ratio = actual / target
    passed = ge(ratio, gate) if gate_inclusive else gt(ratio, gate)
    scored = multiplier * actual / target  # 40 × 920000 / 1000000 is 36.8 exactly
    if min_ratio is not None:
        scored = np.where(ratio < min_ratio, multiplier * min_ratio, scored)
    if cap is not None:
        scored = np.minimum(scored, cap)
    out = np.where(passed, scored, float(below_gate)).astype(object)
    _zero_target(out.reshape(-1), target, valid, N_("the ratio actual ÷ target is undefined"))
    flat = out.reshape(-1)
    for r in np.flatnonzero((target.ravel() < 0) & valid.ravel()):
        flat[r] = KpiError(VALUE, _("target {value} is negative", value=fmt(target.ravel()[r])))
    return out


@kpi(
    "KPI_TARGET_STEP",
    "base ± points per whole step of the gap to target, e.g. 20 − 2 per percentage point below plan, never below 0.",
    Each(
        "actual", "What was achieved, e.g. traffic 9650, a conversion rate 0.025 or a satisfaction score 72."
    ),
    Each("target", "The plan, e.g. traffic 10000, a conversion rate 0.03 or satisfaction 60."),
    Scalar("base", "Points when actual equals target, e.g. 20 (or 0 for satisfaction)."),
    Scalar("down_per_step", "Points lost per step worse than target, e.g. 2; must be filled in (AMB-49)."),
    Scalar(
        "up_per_step",
        "Points gained per step better than target, e.g. 2 (default 0: no bonus above target).",
        default=0,
    ),
    Scalar(
        "step",
        "Size of one step: 0.01 = one percentage point (default), 0.1 = 10 %, 1 = one point.",
        default=0.01,
    ),
    Choice(
        "gap_mode",
        'How the gap is measured: "REL" (actual ÷ target − 1, default; counts and amounts) or "ABS" (actual − target; rates).',
        {"REL": N_("relative to the target"), "ABS": N_("absolute difference (points)")},
        "REL",
    ),
    Choice(
        "rounding",
        'Partial steps: "FLOOR" (only completed steps count, default), "EXACT" (proportional), "CEIL" (any part counts).',
        {"FLOOR": N_("whole steps only"), "EXACT": N_("in proportion"), "CEIL": N_("a part step counts as one")},
        "FLOOR",
    ),
    Choice(
        "direction",
        'Which way is better: "HIGHER" (default) or "LOWER" (cost rate, response time).',
        DIRECTIONS,
        "HIGHER",
    ),
    floor_param("result"),
    Scalar("cap", "Highest result, e.g. 20; blank = no cap (客单价 上不封顶).", default=None),
    Choice(
        "below_target",
        '"STEP" (default): deduct per step below target; "ZERO": at or below target gives the floor (satisfaction ≤ 60 → 0).',
        {"STEP": N_("points lost per step below the target"), "ZERO": N_("the floor at or below the target")},
        "STEP",
    ),
    returns=(
        "base + up_per_step × steps above target, or base − down_per_step × steps below, clamped to [floor, cap]; "
        "#DIV/0! when the target is 0 with REL; #VALUE! for a blank coefficient or a step that is not positive."
    ),
)
def target_step(
    actual,
    target,
    base,
    down_per_step,
    up_per_step,
    step,
    gap_mode,
    rounding,
    direction,
    floor,
    cap,
    below_target,
    valid,
):
    if step <= 0:
        raise KpiError(VALUE, _("step {value} must be above 0", value=fmt(step)))
    gap = actual - target
    if gap_mode == "REL":
        gap = gap / np.abs(target)
    if direction == "LOWER":
        gap = -gap
    k = steps(gap / step, rounding)
    score = base + np.where(k > 0, up_per_step * k, -down_per_step * np.abs(k))
    if below_target == "ZERO":
        not_better = le(actual, target) if direction == "HIGHER" else ge(actual, target)
        score = np.where(not_better, 0.0 if floor == NO_FLOOR else float(floor), score)
    out = clamp(score, floor, cap).astype(object)
    if gap_mode == "REL":
        _zero_target(out.reshape(-1), target, valid, N_("a relative gap needs a target (use gap_mode ABS)"))
    return out
