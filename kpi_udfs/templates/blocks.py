"""Rule blocks several schemes share in shape (a band table with its policies, a rating map,
the item and weight tables, the grade/pay rules, streaks over the History sheet, money
rounding, target steps) and the summary figures they share, filled with each scheme's own
numbers and seed quotes: the rules stay in the schemes, the words of every policy code in
:mod:`.policies`."""

from __future__ import annotations

from typing import Any

from .policies import policy
from .spec import (
    BLANK,
    Between,
    Calc,
    Derived,
    Distribution,
    Field,
    Input,
    Metric,
    Past,
    Pick,
    Ranked,
    Record,
    Section,
    Setting,
    Summary,
    Table,
    rows_of,
)

PERCENT = "0%"
PERCENT1 = "0.0%"
#: Money: yuan with the currency sign, two decimals.
MONEY = '"¥"#,##0.00'


# ---------------------------------------------------------------------------
# Money


def money_section(*, note: str = "") -> Section:
    """The rounding every money cell of the workbook follows (AMB-G7): ``Money_RoundTo``."""
    return Section(
        "金额取整",
        "Money rounding",
        "",
        "AMB-G7: 种子未规定金额如何取整 (90.5×1.2 = 108.6 元). 所有金额按此单位四舍五入; 空 = 不取整. "
        "/ The seeds never say how money is rounded: every amount is rounded to this unit; blank = not rounded."
        + (f" {note}" if note else ""),
        (
            Setting("Money_RoundTo", "取整单位 (元)", "Round to (元)", 0.01, "0.01 = 分 (默认); 1 = 整元; 空 = 不取整",
                    valid=Between(0.01, 1000)),
        ),
    )


def money(expr: str) -> str:
    """``expr`` (an amount) rounded to ``Money_RoundTo`` half away from zero, as Excel's ROUND."""
    return f'IF(Money_RoundTo="",{expr},ROUND(({expr})/Money_RoundTo,0)*Money_RoundTo)'


# ---------------------------------------------------------------------------
# History lookups (the month's own row of an employee on the History table)

#: A criterion that only numbers meet (text such as a recorded "#N/A" does not).
_NUMBER = '">-1E+307"'


def last_month(field: str, default: str = "0") -> str:
    """This employee's ``field`` on History for last month, ``default`` when there is none."""
    return (
        f"IF(COUNTIFS({{H:name}},{{name}},{{H:month}},Last_Month,{{H:{field}}},{_NUMBER})=0,{default},"
        f"SUMIFS({{H:{field}}},{{H:name}},{{name}},{{H:month}},Last_Month))"
    )


def months_back(field: str, k: int) -> str:
    """This employee's ``field`` on History ``k`` months ago, blank when there is none."""
    month = f"EDATE(This_Month,-{k})"
    return (
        f'IF(COUNTIFS({{H:name}},{{name}},{{H:month}},{month},{{H:{field}}},{_NUMBER})=0,"",'
        f"SUMIFS({{H:{field}}},{{H:name}},{{name}},{{H:month}},{month}))"
    )


def all_months(field: str) -> str:
    """The sum of this employee's ``field`` over every month on History."""
    return f"SUMIFS({{H:{field}}},{{H:name}},{{name}})"


# ---------------------------------------------------------------------------
# Bands, maps, items, weights


def band_section(
    name: str,
    zh: str,
    en: str,
    *,
    seed: str,
    note: str,
    rows: list[tuple[Any, Any, str, Any]],
    literal: list[str],
    direction: str = "HIGHER",
    on_gap: str = "ERROR",
    on_overlap: str | None = None,
    fmt: str = "General",
) -> Section:
    """A KPI_BAND table (lower, upper, inclusivity, points) with its audit and policy cells.

    Defines ``<name>_Lower/_Upper/_Bounds/_Points``, ``<name>_Check``, ``<name>_Direction``,
    ``<name>_OnGap`` (and ``<name>_OnOverlap`` when given).
    """
    bounds_pick = Pick(("[)", "(]", "[]", "()"))
    table = Table(
        name,
        "分档表",
        "Band table",
        (
            Field("Lower", "下限", "Lower bound", fmt),
            Field("Upper", "上限", "Upper bound", fmt),
            Field("Bounds", "区间", "Inclusive ends", valid=bounds_pick),
            Field("Points", "得分", "Points"),
        ),
        rows_of(rows),
        tuple(literal),
        check="=KPI_CHECK_BANDS({Lower},{Upper},{Bounds})",
    )
    items: list = [
        table,
        policy(f"{name}_Direction", "方向", "Better direction", "KPI_BAND.direction", direction),
        policy(f"{name}_OnGap", "落空策略", "Value in no band", "KPI_BAND.on_gap", on_gap, number_ok=True),
    ]
    if on_overlap is not None:
        items.append(policy(f"{name}_OnOverlap", "重叠策略", "Value in several bands", "KPI_BAND.on_overlap",
                            on_overlap))
    return Section(zh, en, seed, note, tuple(items))


def band_formula(value_key: str, name: str, overlap: bool = False) -> str:
    tail = f",{name}_OnOverlap" if overlap else ""
    return (
        f"=KPI_BAND({{{value_key}}},{name}_Lower,{name}_Upper,{name}_Points,{name}_Bounds,"
        f"{name}_Direction,{name}_OnGap{tail})"
    )


def map_table(name: str, zh: str, en: str, value_zh: str, value_en: str, rows, literal=(), fmt="General") -> Table:
    """A KPI_MAP table: ``<name>_Key`` → ``<name>_Value``."""
    return Table(
        name,
        zh,
        en,
        (Field("Key", "评价", "Rating"), Field("Value", value_zh, value_en, fmt)),
        rows_of(rows),
        tuple(literal),
    )


def item_table(points: str, rows, literal) -> Table:
    """The ``Item`` table: each item's name and its points, either the maximum (``"Max"``:
    ``Item_Max``, what KPI_TOTAL checks item points against) or the standard value (``"Std"``)."""
    zh, en, field = {
        "Max": ("各项满分", "Maximum per item", Field("Max", "满分", "Maximum")),
        "Std": ("各项标准分值", "Standard points per item", Field("Std", "标准分值", "Standard points")),
    }[points]
    return Table("Item", zh, en, (Field("Name", "指标", "Item"), field), rows_of(rows), tuple(literal))


def weights_section(
    zh: str,
    en: str,
    *,
    seed: str,
    note: str,
    rows,
    literal,
    required: bool = False,
    example: str = "",
) -> Section:
    """The item weights KPI_WEIGHTED reads (``W_Item``, ``W_Weight``) and its ``W_Check`` policy;
    ``required`` when the seed leaves the weights blank for HR to fill in."""
    title_zh, title_en = ("各项权重 (必填)", "Item weights (required)") if required else ("各项权重", "Item weights")
    table = Table(
        "W",
        title_zh,
        title_en,
        (Field("Item", "指标", "Item"), Field("Weight", "权重", "Weight", PERCENT, Between(0, 1))),
        rows_of(rows),
        tuple(literal),
    )
    check = policy("W_Check", "权重检查", "Weight check", "KPI_WEIGHTED.weight_check", "ERROR", example)
    return Section(zh, en, seed, note, (table, check))


def weighted_formula(first: str, last: str) -> str:
    """The weighted total of the item points in staff columns ``first`` to ``last``."""
    return f"=KPI_WEIGHTED({{{first}..{last}}},W_Weight,W_Check)"


# ---------------------------------------------------------------------------
# Grades, pay, quotas, streaks (tables 4.5–4.9)


def grade_pay_section(
    *,
    zh: str,
    en: str,
    seed: str,
    rows: list[tuple[Any, ...]],
    literal: list[str],
    below: str = "无",
) -> Section:
    """Grades by score (表4.5/4.8), pay base, coefficient and quota (表4.6/4.9), one table.

    ``Grade_*`` names cover the graded rows A–D (KPI_GRADE, quotas); ``Pay_*`` names add
    the row of staff below the lowest grade (AMB-21: no grade, coefficient 0, base 0).
    """
    fields = (
        Field("Key", "等级", "Grade"),
        Field("Label", "等级说明", "Meaning"),
        Field("Lower", "分数下限", "Lowest score"),
        Field("Upper", "分数上限", "Highest score"),
        Field("Base", "绩效工资基数", "Pay base (元)", MONEY),
        Field("Coef", "绩效工资系数", "Coefficient", "0.0"),
        Field("Quota", "人员比例", "Quota", PERCENT),
    )
    table = Table(
        "Grade",
        "等级、基数、系数与人员比例",
        "Grades, pay base, coefficient and quota",
        fields,
        rows_of(rows),
        tuple(literal),
        tail=((below, "无等级 no grade", BLANK, BLANK, 0, 0, 0),),
        tail_literal=(
            "「D 65~75」以下种子未规定 (AMB-21): 默认无等级、无奖金; 表4.6 无此档 → 比例 0 % "
            "/ below 65 the seed gives no grade: none, no bonus, no quota",
        ),
        tail_name="Pay",
    )
    return Section(
        zh,
        en,
        seed,
        "AMB-20: 950/800/650/550 是基数 (表头误写系数) pay bases, not coefficients; AMB-21/22/23: 分数缺口与越界见下列策略 "
        "gaps and out-of-range scores follow the policies below; AMB-25: 等级来源 score grade or forced distribution.",
        (
            table,
            policy("Grade_GapPolicy", "分数缺口策略", "Scores between ranges (90.5)", "KPI_GRADE.gap_policy",
                   "CONTINUOUS", "AMB-22: 90.5 → B (CONTINUOUS), → 91 → A (ROUND_HALF_UP)"),
            policy("Grade_Below", "低于最低等级", "Score below the lowest grade", "template.grade_below", below,
                   "AMB-21: 奖金系数见上表「无」行 (默认 0)"),
            policy("Grade_Above", "高于最高分", "Score above the top", "KPI_GRADE.above_policy", "TOP", "AMB-23"),
            policy("Grade_Source", "计薪等级来源", "Grade used for pay", "template.grade_source", "SCORE", "AMB-25"),
            policy("Quota_Rounding", "配额取整", "Quota rounding", "KPI_QUOTA.rounding", "LARGEST_REMAINDER",
                   "WE-28: 7 人 → 1/3/2/1"),
            policy("Quota_TieBreak", "余数相同", "Equal remainders", "KPI_QUOTA.tie_break", "LOWER_GRADE",
                   "WE-28: 10 人 → 1/5/3/1"),
            policy("Force_TiePolicy", "强制分布同分", "Ties at a quota boundary", "KPI_FORCE_GRADES.tie_policy",
                   "KEEP_TOGETHER"),
        ),
    )


def payout_section(*, seed: str) -> Section:
    return Section(
        "个人业绩奖金",
        "Individual performance bonus",
        seed,
        "AMB-24: 原文公式 分值×系数 不用基数; 模式单元格可改为 基数×系数 或 基数×分值%×系数. 金额取整见「金额取整」.",
        (
            policy("Payout_Mode", "奖金公式", "Bonus formula", "KPI_PAYOUT.mode", "SCORE_X_COEF",
                   "WE-6: 90 分 B → 108 / 960 / 864 元"),
        ),
    )


def streak_section(*, zh_rule: str, seed: str, match_note: str) -> Section:
    """Streak rewards of 表4.5/4.8 over the true history: 2 months of A → 300–500 元 each
    time; 3 months → base +200–500 元. Each month reads the run carried on History and the
    streaks already paid (KPI_STREAK's ``carried`` and ``paid``)."""
    return Section(
        "连续奖励",
        "Streak rewards",
        seed,
        f"AMB-26/27: {match_note}; 按 History 表的真实月份计数: 上月为止的连续月数和已发次数来自 History, "
        "本月只发计数方式下本月新增的次数 / counted over the true months on History: each month pays only what it adds. "
        "金额在种子区间内由 HR 选定 (AMB-G6).",
        (
            Setting("Streak_Match", "计入连续的等级", "Grade that counts", "A", zh_rule),
            Setting("Streak2_Length", "连续月数 (奖励)", "Months in a row (reward)", 2, valid=Between(1, 12, True)),
            policy("Streak2_Mode", "计数方式", "Counting mode", "KPI_STREAK.mode", "NON_OVERLAP",
                   "连续 4 个月 A: NON_OVERLAP 第 2、4 月各发一次; ROLLING 第 2、3、4 月; ONCE 只第 2 月"),
            Setting("Streak2_Min", "奖励下限 (元)", "Reward minimum (元)", 300, fmt=MONEY),
            Setting("Streak2_Max", "奖励上限 (元)", "Reward maximum (元)", 500, fmt=MONEY),
            Setting("Streak2_Amount", "每次奖励 (元)", "Reward per streak (元)", 300, fmt=MONEY,
                    valid=Between("Streak2_Min", "Streak2_Max")),
            Derived("Streak2_Checked", "奖励 (已核对)", "Reward (checked)",
                    "=KPI_CHECK_RANGE(Streak2_Amount,Streak2_Min,Streak2_Max)", "超出区间为 #VALUE!", MONEY),
            Setting("Streak3_Length", "连续月数 (底薪调整)", "Months in a row (base raise)", 3,
                    valid=Between(1, 12, True)),
            policy("Streak3_Mode", "计数方式", "Counting mode", "KPI_STREAK.mode", "ONCE", "底薪调整只做一次"),
            Setting("Streak3_Min", "底薪调整下限 (元)", "Base raise minimum (元)", 200, fmt=MONEY),
            Setting("Streak3_Max", "底薪调整上限 (元)", "Base raise maximum (元)", 500, fmt=MONEY),
            Setting("Streak3_Amount", "底薪调整额 (元)", "Base raise (元)", 200, fmt=MONEY,
                    valid=Between("Streak3_Min", "Streak3_Max")),
            Derived("Streak3_Checked", "底薪调整 (已核对)", "Base raise (checked)",
                    "=KPI_CHECK_RANGE(Streak3_Amount,Streak3_Min,Streak3_Max)", "超出区间为 #VALUE!", MONEY),
        ),
    )


def special_section() -> Section:
    return Section(
        "特殊业绩贡献奖金",
        "Special contribution bonus",
        "「3、特殊业绩贡献奖金,额度:0~500 元。」",
        "AMB-16: 金额由主管决定, 须在区间内 amount chosen by the supervisor, checked against the range.",
        (
            Setting("Special_Min", "下限 (元)", "Minimum (元)", 0, fmt=MONEY),
            Setting("Special_Max", "上限 (元)", "Maximum (元)", 500, fmt=MONEY),
        ),
    )


def quota_audit_section(seed: str) -> Section:
    return Section(
        "人员比例检查",
        "Quota audit",
        seed,
        "AMB-25: 分数等级与强制比例可能冲突; 汇总表列出偏差. 计薪等级中有错误时检查也显示该错误 (不会误报 TRUE) "
        "/ score grades and quotas may disagree: the summary lists it; a grade that is an error shows in the check.",
        (policy("Quota_Mode", "比例含义", "Quota meaning", "KPI_QUOTA_CHECK.mode", "EXACT"),),
    )


def pay_rules(
    *,
    zh: str,
    en: str,
    seed: str,
    rows: list[tuple[Any, ...]],
    literal: list[str],
    quota_seed: str,
    payout_seed: str,
    streak_rule: str,
    streak_seed: str,
    streak_note: str,
) -> tuple[Section, ...]:
    """Every rule section :func:`pay_columns` and :func:`pay_summary` read: grades and pay,
    quota audit, bonus formula, streak rewards, special bonus, money rounding; each with
    the scheme's own grade rows and seed quotes."""
    return (
        grade_pay_section(zh=zh, en=en, seed=seed, rows=rows, literal=literal),
        quota_audit_section(quota_seed),
        payout_section(seed=payout_seed),
        streak_section(zh_rule=streak_rule, seed=streak_seed, match_note=streak_note),
        special_section(),
        money_section(),
    )


def pay_columns() -> tuple:
    """Grade by score and by quota, the grade used for pay, base, coefficient, bonus, streaks
    over History, special bonus and the bonus total; needs a staff column ``total``."""
    return (
        Calc(
            "grade", "分数等级", "Grade by score",
            "=KPI_GRADE({total},Grade_Lower,Grade_Key,Grade_Upper,Grade_GapPolicy,Grade_Below,Grade_Above)",
        ),
        Ranked(
            "forced", "强制分布等级", "Grade by quota",
            "=KPI_FORCE_GRADES({total*},Grade_Key,Grade_Quota,Quota_Rounding,Force_TiePolicy)",
        ),
        Calc(
            "pay_grade", "计薪等级", "Grade for pay",
            '=IF(Grade_Source="FORCED",IF({forced}="","",{forced}),IF({grade}="","",{grade}))',
        ),
        Calc("base", "绩效工资基数", "Pay base (元)", "=KPI_MAP({pay_grade},Pay_Key,Pay_Base)", MONEY),
        Calc("coef", "绩效工资系数", "Coefficient", "=KPI_MAP({pay_grade},Pay_Key,Pay_Coef)", "0.0"),
        Calc(
            "bonus", "个人业绩奖金", "Performance bonus (元)",
            "=KPI_PAYOUT({total},{pay_grade},Pay_Key,Pay_Coef,Pay_Base,Payout_Mode,Money_RoundTo)", MONEY,
        ),
        Calc("run_before", "上月止连续A", "A months in a row to last month", "=" + last_month("run")),
        Calc("streak2_paid", "已发连续奖励", "Streak rewards paid before", "=" + all_months("streak2")),
        Calc("streak3_paid", "已做底薪调整", "Base raises made before", "=" + all_months("streak3")),
        Calc("streak2", "本月连续奖励次数", "Streak rewards this month",
             "=KPI_STREAK({pay_grade},Streak_Match,Streak2_Length,Streak2_Mode,{run_before},{streak2_paid})"),
        Calc("streak_bonus", "连续奖励", "Streak reward (元)",
             '=IF({streak2}="","",' + money("{streak2}*Streak2_Checked") + ")", MONEY),
        Calc("streak3", "本月底薪调整次数", "Base raises this month",
             "=KPI_STREAK({pay_grade},Streak_Match,Streak3_Length,Streak3_Mode,{run_before},{streak3_paid})"),
        Calc("raise", "底薪调整", "Base raise (元)", '=IF({streak3}="","",' + money("{streak3}*Streak3_Checked") + ")",
             MONEY),
        Calc("run", "连续A月数", "A months in a row",
             '=IF({pay_grade}="","",IF({pay_grade}=Streak_Match,{run_before}+1,0))'),
        Input("special", "特殊贡献奖金", "Special bonus (元)", MONEY, Between("Special_Min", "Special_Max")),
        Calc("special_ok", "特殊奖金(核)", "Special bonus (checked)",
             "=KPI_CHECK_RANGE({special},Special_Min,Special_Max)", MONEY),
        Calc(
            "pay_total", "奖金合计", "Total bonus (元)",
            '=IF(AND({bonus}="",{streak_bonus}="",{special_ok}=""),"",'
            + money("SUM({bonus},{streak_bonus},{special_ok})") + ")",
            MONEY,
        ),
    )


#: What a pay scheme keeps on History each month.
PAY_HISTORY = (
    Record("total", "总分", "Total", "0.0"),
    Record("pay_grade", "计薪等级", "Grade for pay"),
    Record("run", "连续A月数", "A months in a row"),
    Record("streak2", "连续奖励次数", "Streak rewards paid"),
    Record("streak3", "底薪调整次数", "Base raises made"),
    Record("pay_total", "奖金合计", "Total bonus (元)", MONEY),
)


def pay_past(grades: dict[str, tuple[Any, ...]], match: str = "A") -> tuple[Past, ...]:
    """Earlier months of staff whose pay grades were ``grades[name]`` (oldest first, the same
    number of months for everyone), with the runs and streaks those months recorded under
    the template's default counting modes: KPI_STREAK's own implementation, over everyone
    at once, month by month as their workbooks computed them."""
    import numpy as np

    from ..functions.history import streak

    names = list(grades)
    months = max((len(g) for g in grades.values()), default=0)
    table = np.array([list(grades[n]) + [None] * (months - len(grades[n])) for n in names], dtype=object)
    n = len(names)
    run, paid2, paid3 = np.zeros(n), np.zeros(n), np.zeros(n)
    out = []
    for k in range(months):
        grade = table[:, k] if n else np.array([], dtype=object)
        valid = np.array([g is not None for g in grade], dtype=bool)
        history = grade.reshape(n, 1)
        got2 = np.where(valid, streak.impl(history, match, 2.0, "NON_OVERLAP", run, paid2, valid), 0).astype(float)
        got3 = np.where(valid, streak.impl(history, match, 3.0, "ONCE", run, paid3, valid), 0).astype(float)
        paid2, paid3 = paid2 + got2, paid3 + got3
        run = np.where(grade == match, run + 1, 0.0)
        for i, name in enumerate(names):
            values: dict[str, Any] = {"pay_grade": grade[i]}
            if valid[i]:
                values.update(run=int(run[i]), streak2=int(got2[i]), streak3=int(got3[i]))
            out.append(Past(months - k, name, values))
    return tuple(out)


def pay_summary() -> Summary:
    """Grade distribution against 15/45/30/10 %, the quota audit and the bonus totals."""
    return Summary(
        Distribution(
            "计薪等级分布与人员比例", "Grade distribution against the quotas", "pay_grade", "Pay_Key", 5,
            quota="=KPI_QUOTA(COUNT({total*}),Pay_Quota,Quota_Rounding,Quota_TieBreak)",
        ),
        (
            staff_count(),
            error_count(note="缺档、缺评价等, 原因见员工表单元格 / the reason is in the cell on Staff"),
            Metric("人员比例检查", "Quota check",
                   "=KPI_QUOTA_CHECK({pay_grade*},Pay_Key,Pay_Quota,Quota_Mode,Quota_Rounding)",
                   note="TRUE = 符合; 否则列出偏差; 有等级为错误时显示该错误 (AMB-25) / TRUE, the deviations, or "
                   "the error of a grade"),
            Metric("个人业绩奖金合计", "Performance bonus total", '=SUMIF({bonus*},">=0")', MONEY,
                   "不含错误行 / rows with an error are left out"),
            Metric("连续奖励合计", "Streak rewards total", '=SUMIF({streak_bonus*},">=0")', MONEY),
            Metric("奖金合计", "All bonuses", '=SUMIF({pay_total*},">=0")', MONEY),
        ),
    )


#: The demo table of a pay scheme.
PAY_RESULTS = (("total", "总分 Total"), ("pay_grade", "等级 Grade"), ("coef", "系数 Coef."), ("bonus", "奖金 Bonus"))


# ---------------------------------------------------------------------------
# Summary figures most schemes show


def staff_count(column: str = "total", zh: str = "参评人数 (有总分)", en: str = "Staff with a total") -> Metric:
    """How many staff have a number in ``column``."""
    return Metric(zh, en, f"=COUNT({{{column}*}})")


def error_count(column: str = "total", note: str = "") -> Metric:
    """How many rows of ``column`` hold an error (each cell on Staff says why)."""
    return Metric("有错误的行", "Rows with an error", f"=SUMPRODUCT(ISERROR({{{column}*}})*1)", note=note)


#: The average of the totals, leaving out rows with an error.
AVERAGE_TOTAL = Metric("平均总分", "Average total", '=IF(COUNT({total*})=0,"",AVERAGEIF({total*},">=0"))', "0.0")


# ---------------------------------------------------------------------------
# Target items (S0-H, S0-I)


def sales_settings(prefix: str, *, mult: float | str, gate: float, cap: float | str | None) -> tuple:
    """KPI_TARGET_LINEAR parameters ``<prefix>_Mult/_Gate/_Cap/_GateInclusive/_BelowGate``.

    ``mult``/``cap`` given as text are formulas of Derived cells (a preset choice)."""
    items: list = []
    for key, zh, en, value, note in (
        ("Mult", "乘数", "Multiplier", mult, "得分 = 乘数 × R"),
        ("Cap", "封顶", "Cap", cap, "空 = 不封顶"),
    ):
        if isinstance(value, str):
            items.append(Derived(f"{prefix}_{key}", zh, en, value, note))
        else:
            items.append(Setting(f"{prefix}_{key}", zh, en, value, note))
    items[1:1] = [
        Setting(f"{prefix}_Gate", "门槛完成率", "Gate ratio", gate, "R 低于门槛得 0", PERCENT, Between(0, 10)),
    ]
    gate_inclusive = policy(f"{prefix}_GateInclusive", "门槛含本数", "Gate inclusive",
                            "KPI_TARGET_LINEAR.gate_inclusive", True, "「R≥ 85%」: R = 85% 得分")
    items += [gate_inclusive, Setting(f"{prefix}_BelowGate", "门槛以下得分", "Points under the gate", 0)]
    return tuple(items)


def sales_formula(prefix: str) -> str:
    return (
        f"=KPI_TARGET_LINEAR({{sales_actual}},{{sales_target}},{prefix}_Mult,{prefix}_Gate,{prefix}_Cap,"
        f"{prefix}_GateInclusive,{prefix}_BelowGate)"
    )


def step_section(
    prefix: str, zh: str, en: str, *, seed: str, note: str, base: float, down: float, up: float, step: float,
    gap_mode: str, cap: float | None, step_note: str, mode_note: str,
) -> Section:
    """A KPI_TARGET_STEP item: ``<prefix>_Base/_Down/_Up/_Step/_GapMode/_Rounding/_Floor/_Cap``."""
    settings = (
        Setting(f"{prefix}_Base", "达标得分", "Points at target", base),
        Setting(f"{prefix}_Down", "每步扣分", "Points lost per step", down),
        Setting(f"{prefix}_Up", "每步加分", "Points gained per step", up, "0 = 超额不加分"),
        Setting(f"{prefix}_Step", "步长", "Step", step, step_note, "0.00"),
        policy(f"{prefix}_GapMode", "差距口径", "Gap measured", "KPI_TARGET_STEP.gap_mode", gap_mode, mode_note),
        policy(f"{prefix}_Rounding", "不足一步", "Part steps", "KPI_TARGET_STEP.rounding", "FLOOR", "AMB-38"),
        Setting(f"{prefix}_Floor", "下限", "Floor", 0, "「扣完为止」"),
        Setting(f"{prefix}_Cap", "封顶", "Cap", cap, "空 = 不封顶"),
    )
    return Section(zh, en, seed, note, settings)


def step_formula(prefix: str, actual: str, target: str) -> str:
    return (
        f"=KPI_TARGET_STEP({{{actual}}},{{{target}}},{prefix}_Base,{prefix}_Down,{prefix}_Up,{prefix}_Step,"
        f'{prefix}_GapMode,{prefix}_Rounding,"HIGHER",{prefix}_Floor,{prefix}_Cap)'
    )


def score_band_summary(extra: tuple = ()) -> Summary:
    """Distribution of totals over reporting bands (not a rule of the seed) and key figures."""
    return Summary(
        Distribution(
            "总分分布", "Distribution of totals", "total", "Report_Label", 5,
            count='=COUNTIFS({column*},">="&INDEX(Report_Lower,{index}),{column*},"<"&INDEX(Report_Upper,{index}))',
        ),
        (
            staff_count(),
            error_count(note="原因见员工表单元格 / the reason is in the cell on Staff"),
            AVERAGE_TOTAL,
            *extra,
        ),
    )


def report_bands_section() -> Section:
    """Bands the summary counts totals in: reporting only, not a rule of the seed."""
    return Section(
        "汇总分档 (仅用于汇总)",
        "Summary bands (reporting only)",
        "",
        "种子没有等级表; 这些分档只用于汇总图, 不影响任何得分 / the seed has no grades: these bands only feed the chart.",
        (
            Table(
                "Report",
                "汇总分档",
                "Reporting bands",
                (Field("Label", "档", "Band"), Field("Lower", "下限 (含)", "From (incl.)"),
                 Field("Upper", "上限 (不含)", "To (excl.)")),
                (("≥100", 100, 1e9), ("90–100", 90, 100), ("80–90", 80, 90), ("60–80", 60, 80), ("<60", -1e9, 60)),
            ),
        ),
    )


#: History columns of a scheme that only totals (targets, items).
TOTAL_HISTORY = (Record("total", "总分", "Total", "0.0"),)


def total_past(totals: dict[str, tuple[Any, ...]]) -> tuple[Past, ...]:
    """Earlier months' totals of the sample staff (oldest first)."""
    return tuple(Past(len(ts) - k, name, {"total": v}) for name, ts in totals.items() for k, v in enumerate(ts))


def floor_policy(name: str, zh: str, en: str, value: str = "0", example: str = "") -> Setting:
    """A floor cell (0 or NONE) for KPI_ADJUST / KPI_TOTAL; 0 is written as the number."""
    return policy(name, zh, en, "floor", 0 if value == "0" else value, example)


__all__ = [
    "AVERAGE_TOTAL", "BLANK", "Input", "MONEY", "PAY_HISTORY", "PAY_RESULTS", "PERCENT", "PERCENT1",
    "TOTAL_HISTORY", "all_months", "band_formula", "band_section", "error_count", "floor_policy", "item_table",
    "last_month", "map_table", "money", "money_section", "months_back", "pay_columns", "pay_past", "pay_rules",
    "pay_summary", "report_bands_section", "sales_formula", "sales_settings", "score_band_summary",
    "staff_count", "step_formula", "step_section", "total_past", "weighted_formula", "weights_section",
]
