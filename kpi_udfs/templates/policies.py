"""Every policy code a template's Rules sheet offers, with what it means: one table.

A policy cell (「落空策略」, 「奖金方案」…) holds a code such as ``WORSE``; its drop-down
and its explanation come from :data:`POLICIES`, keyed by the function argument it feeds
(``KPI_BAND.on_gap``) or, for a choice the workbook itself makes, by the template rule
(``template.grade_source``). The words are kept apart (Chinese, English) so that they can
move into translation catalogues as they are; a scheme adds only its own example in the
cell's note (「90.5 → B」).
"""

from __future__ import annotations

from typing import Any

from .spec import Pick, Setting

#: policy id → {code: (中文, English)}, in the order the drop-down lists them.
POLICIES: dict[str, dict[str, tuple[str, str]]] = {
    "KPI_BAND.direction": {
        "HIGHER": ("越高越好", "higher is better"),
        "LOWER": ("越低越好 (时间)", "lower is better (times)"),
    },
    "KPI_BAND.on_gap": {
        "ERROR": ("#N/A 并说明缺口", "#N/A naming the gap"),
        "WORSE": ("相邻较差档", "the worse neighbouring band"),
        "BETTER": ("相邻较好档", "the better neighbouring band"),
        "NEAREST": ("最近的档", "the nearest band"),
    },
    "KPI_BAND.on_overlap": {
        "FIRST": ("按行序第一档", "the first matching row"),
        "ERROR": ("#N/A", "#N/A"),
        "MAX": ("取最高分", "the highest points"),
        "MIN": ("取最低分", "the lowest points"),
    },
    "KPI_WEIGHTED.weight_check": {
        "ERROR": ("合计≠100% 报错", "an error when they do not add up to 100 %"),
        "NORMALIZE": ("按合计折算", "divide by their sum"),
        "AS_IS": ("照原样相乘", "use them as they are"),
    },
    "KPI_GRADE.gap_policy": {
        "CONTINUOUS": ("只看下限", "lower bounds only"),
        "ROUND_HALF_UP": ("先四舍五入", "round the score first"),
        "FLOOR": ("先去掉小数", "cut the decimals first"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "KPI_GRADE.above_policy": {
        "TOP": ("最高等级", "the top grade"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "KPI_QUOTA.rounding": {
        "LARGEST_REMAINDER": ("最大余数, 合计恒等于人数", "largest remainder, always adds up"),
        "FLOOR": ("向下取整", "round down"),
        "ROUND": ("四舍五入", "round"),
        "CEIL": ("向上取整", "round up"),
    },
    "KPI_QUOTA.tie_break": {
        "LOWER_GRADE": ("余数相同时名额给较低等级", "equal remainders: the lower grade gets the place"),
        "HIGHER_GRADE": ("给较高等级", "the higher grade"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "KPI_QUOTA_CHECK.mode": {
        "EXACT": ("人数应恰好等于比例", "counts must equal the quotas"),
        "MAX": ("不超过比例", "counts must not exceed them"),
    },
    "KPI_FORCE_GRADES.tie_policy": {
        "KEEP_TOGETHER": ("同分同等级", "equal scores share the higher grade"),
        "ORDINAL": ("按名单顺序", "by list order"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "KPI_PAYOUT.mode": {
        "SCORE_X_COEF": ("分值×系数 (原文)", "score × coefficient (the seed's words)"),
        "BASE_X_COEF": ("基数×系数", "base × coefficient"),
        "BASE_X_SCOREPCT_X_COEF": ("基数×分值%×系数", "base × score % × coefficient"),
    },
    "KPI_STREAK.mode": {
        "NON_OVERLAP": ("每满一段计一次, 不重叠", "each full run once, not overlapping"),
        "ROLLING": ("每个月都看最近一段", "every window"),
        "ONCE": ("只计一次", "once ever"),
    },
    "KPI_TARGET_STEP.gap_mode": {
        "REL": ("相对目标的百分比差", "relative to the target"),
        "ABS": ("绝对差 (百分点)", "absolute difference (points)"),
    },
    "KPI_TARGET_STEP.rounding": {
        "FLOOR": ("只算完整步", "whole steps only"),
        "EXACT": ("按比例", "in proportion"),
        "CEIL": ("不足一步按一步", "a part step counts as one"),
    },
    "KPI_TARGET_STEP.below_target": {
        "STEP": ("低于目标按步扣分", "steps below the target cost points"),
        "ZERO": ("低于 (含等于) 目标一律为下限", "at or below the target: the floor"),
    },
    "KPI_TARGET_LINEAR.gate_inclusive": {
        "TRUE": ("达到门槛即得分", "at the gate scores"),
        "FALSE": ("须超过门槛", "must be above the gate"),
    },
    "KPI_LEVEL_HISTORY.overlap": {
        "HIGHEST": ("边界分数取较高档", "a shared bound counts in the higher level"),
        "LOWEST": ("取较低档", "in the lower level"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "KPI_LEVEL_HISTORY.mixed": {
        "UNCHANGED": ("维持原级", "unchanged"),
        "LOWER_OF_N": ("取较低档", "the lower of the levels"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "KPI_RANK_BONUS.tie_policy": {
        "COMPETITION": ("1-2-2-4, 并列同拿较高名次", "1-2-2-4, ties get the better amount"),
        "AVERAGE": ("平分并列名次的金额", "ties share their amounts"),
        "DENSE": ("1-2-2-3", "1-2-2-3"),
        "ORDINAL": ("按名单顺序", "by list order"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "KPI_ADJUST.mode": {
        "LINEAR": ("每次各扣一次", "each event once"),
        "ESCALATING": ("第 k 次扣 k 倍", "the k-th event costs k times"),
        "FLAT": ("只扣一次", "once, however many"),
    },
    "floor": {
        "0": ("不低于 0", "never below 0"),
        "NONE": ("不设下限, 可为负", "no floor, may be negative"),
    },
    # choices the workbook makes itself (no KPI_ argument behind them)
    "template.grade_below": {
        "无": ("无等级, 无奖金", "no grade, no bonus"),
        "D": ("仍评 D", "still D"),
        "ERROR": ("#N/A", "#N/A"),
    },
    "template.grade_source": {
        "SCORE": ("按分数定等级 (表4.5)", "grade by score (table 4.5)"),
        "FORCED": ("按人员比例强制分布 (表4.6)", "forced distribution by quota (table 4.6)"),
    },
    "template.bonus_mode": {
        "LEVEL": ("按客服等级发奖金 (300…1000)", "bonus by staff level (300…1000)"),
        "LADDER": ("按名次排序发奖金 (1000, 800, 600…)", "bonus by rank ladder (1000, 800, 600…)"),
    },
    "template.level_reading": {
        "LOWER": ("40/60/80/100/120 是各级下限", "40/60/80/100/120 are lower bounds"),
        "UPPER": ("是各级上限", "they are upper bounds"),
    },
    "template.ledger": {
        "BOTH": ("同一事件既扣分又扣钱", "an event costs points and money"),
        "POINTS": ("只扣分", "points only"),
        "MONEY": ("只扣钱", "money only"),
    },
    "template.low_score": {
        "FLOOR_300": ("低于 50 分仍发 300 元, 与底级 300 元一致", "under 50 still paid 300, as 底级"),
        "LEVEL": ("只按等级 (底级) 发", "by level (底级) only"),
    },
    "template.workload_both": {
        "ONCE": ("两项都不足也只扣一次 (−5)", "both short still one deduction (−5)"),
        "EACH": ("每项各扣一次 (−10)", "each short item once (−10)"),
    },
    "template.fine_scope": {
        "PERSON": ("按个人累计", "counted per person"),
        "TEAM": ("按全组累计", "counted over the team"),
    },
    "template.fine_period": {
        "MONTH": ("每月重新累计", "counted anew each month"),
        "ALL": ("历史累计 (History 表)", "counted over all months (History)"),
    },
    "template.streak_window": {
        "CONSECUTIVE": ("任意连续 3 个月", "any 3 months in a row"),
        "QUARTER": ("同一季度的 3 个月", "the 3 months of a calendar quarter"),
    },
    "template.yes_no": {
        "TRUE": ("是", "yes"),
        "FALSE": ("否", "no"),
    },
}


def codes(policy: str) -> tuple[str, ...]:
    """The codes of a policy, in drop-down order."""
    return tuple(POLICIES[policy])


def explain(policy: str, default: Any) -> str:
    """「CODE = 中文 (English); …」 with the default marked, for the cell beside the policy."""
    parts = []
    shown = str(default).upper() if isinstance(default, bool) else str(default)
    for code, (zh, en) in POLICIES[policy].items():
        mark = " (默认 default)" if str(code) == shown else ""
        parts.append(f"{code} = {zh} ({en}){mark}")
    return "; ".join(parts)


def policy(name: str, zh: str, en: str, policy_id: str, value: Any, example: str = "",
           number_ok: bool = False) -> Setting:
    """A policy cell: its codes as a drop-down, their explanation and the scheme's example.

    ``number_ok``: the argument also takes a number (``on_gap`` = a fixed score), so the
    cell is not limited to the list."""
    note = explain(policy_id, value) + (f"; {'或一个数 or a number'}" if number_ok else "")
    if example:
        note = f"{note}. {example}"
    valid = None if number_ok else Pick(codes(policy_id))
    return Setting(name, zh, en, value, note, valid=valid)


def check_registry() -> list[str]:
    """Function policies whose codes differ from what the registry accepts (a test keeps
    this empty): the table must follow the functions."""
    from .. import REGISTRY

    problems = []
    for pid, table in POLICIES.items():
        fn_name, _, arg = pid.partition(".")
        fn = REGISTRY.get(fn_name)
        if fn is None:
            continue
        param = next((p for p in fn.params if p.name == arg), None)
        if param is None:
            problems.append(f"{pid}: {fn_name} has no argument {arg}")
        elif param.choices and set(table) != set(param.choices):
            problems.append(f"{pid}: table {sorted(table)} ≠ registry {sorted(param.choices)}")
    return problems
