"""Bonus money from score and grade: KPI_PAYOUT (F11).

The seeds' formula 个人业绩奖金 = 绩效考核分值 × 个人绩效工资考核系数 (score × coefficient,
90 × 1.2 = 108) never uses the pay bases 950/800/650/550 printed beside it (AMB-24), so
the reading is a visible ``mode``: the literal one by default, base × coefficient
(960) and base × score % × coefficient (864) as alternatives. Money is unrounded unless
``round_to`` names the unit (AMB-G7).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import NA, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import excel_round, fmt
from ..registry import Choice, Each, List, Scalar, kpi
from .maps import KeyTable

#: How the bonus is computed: code → label (the words of a Rules sheet, translated).
MODES = {
    "SCORE_X_COEF": N_("score × coefficient"),
    "BASE_X_COEF": N_("base × coefficient"),
    "BASE_X_SCOREPCT_X_COEF": N_("base × score % × coefficient"),
}


def round_money(x: np.ndarray, unit: float) -> np.ndarray:
    """``x`` rounded half away from zero to a multiple of ``unit`` (1 元, 0.01, 10 …), as ROUND/MROUND."""
    digits = -math.log10(unit)
    if abs(digits - round(digits)) < 1e-9:
        return excel_round(x, round(digits))
    return excel_round(x / unit) * unit


@kpi(
    "KPI_PAYOUT",
    "Bonus money from score and grade: score × coefficient (literal 分值 × 系数), base × coefficient, or base × score% × coefficient.",
    Each("score", "The appraisal score, e.g. 90 (a blank score gives a blank result in every mode)."),
    Each(
        "grade",
        "The grade from KPI_GRADE, e.g. B. Blank gives blank, an error passes through; to pay ungraded staff 0, "
        "give them a label (below_label) listed below with coefficient 0.",
        kind="any",
    ),
    List("grade_keys", "The grades of the pay table, e.g. A, B, C, D.", kind="any"),
    List("coefficients", "Pay coefficient of each grade, e.g. 1.4, 1.2, 1.0, 0.8 (表4.6)."),
    List(
        "bases",
        "Pay base of each grade, e.g. 950, 800, 650, 550 (表4.5); needed by the BASE modes.",
        default=None,
    ),
    Choice(
        "mode",
        '"SCORE_X_COEF" (score × coefficient, the seed text, default), "BASE_X_COEF", or "BASE_X_SCOREPCT_X_COEF" '
        "(base × score/100 × coefficient).",
        MODES,
        "SCORE_X_COEF",
    ),
    Scalar(
        "round_to",
        "Money unit to round to (half away from zero), e.g. 1 for whole 元 or 0.01; blank = unrounded.",
        default=None,
    ),
    returns=(
        "The bonus amount; #N/A naming the grade and the known grades when it is not in the table or its "
        "coefficient/base is blank; #VALUE! when a BASE mode has no bases, round_to is not positive, or the table "
        "is malformed (lengths differ, a grade listed twice with different numbers)."
    ),
)
def payout(score, grade, grade_keys, coefficients, bases, mode, round_to, valid):
    uses_base = mode != "SCORE_X_COEF"
    if uses_base and bases is None:
        raise KpiError(
            VALUE, _("mode {mode} needs bases (the pay base of each grade, e.g. 950, 800, 650, 550)", mode=mode)
        )
    if round_to is not None and round_to <= 0:
        raise KpiError(VALUE, _("round_to {value} must be above 0 (e.g. 1 or 0.01)", value=fmt(round_to)))
    columns = {"coefficients": coefficients} | ({"bases": bases} if bases is not None else {})
    table = KeyTable.build(grade_keys, columns, normalize=True)
    rows = table.rows - 1
    coef = coefficients.values.ravel()[rows]
    base = bases.values.ravel()[rows] if uses_base else np.zeros(rows.size)

    idx = table.find(grade, valid).ravel()
    hit = idx >= 0
    at = np.maximum(idx, 0)
    c, b, s = coef[at], base[at], score.astype(float).ravel()
    amount = {"SCORE_X_COEF": s * c, "BASE_X_COEF": b * c, "BASE_X_SCOREPCT_X_COEF": b * s / 100 * c}[mode]
    if round_to is not None:
        amount = round_money(amount, round_to)

    out = amount.astype(object)
    missing = np.isnan(c) | np.isnan(b)
    for r in np.flatnonzero(hit & missing):
        if np.isnan(c[r]):
            out[r] = KpiError(NA, _("no coefficient given for grade {grade}: rule missing", grade=table.quoted(idx[r])))
        else:
            out[r] = KpiError(NA, _("no base given for grade {grade}: rule missing", grade=table.quoted(idx[r])))
    flat_grade = grade.ravel()
    for r in np.flatnonzero(~hit & valid.ravel()):
        out[r] = table.unknown(flat_grade[r], "grade")
    return out.reshape(grade.shape)
