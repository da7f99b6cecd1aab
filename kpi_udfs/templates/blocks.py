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
    Quote,
    Ranked,
    Record,
    Section,
    Setting,
    Summary,
    Table,
    Text,
    Words,
    rows_of,
)

PERCENT = "0%"
PERCENT1 = "0.0%"
#: Money: yuan with the currency sign, two decimals.
MONEY = '"¥"#,##0.00'


# ---------------------------------------------------------------------------
# Money


def money_section(*, note: Text = ()) -> Section:
    """The rounding every money cell of the workbook follows (AMB-G7): ``Money_RoundTo``;
    ``note``: what the scheme adds."""
    return Section(
        "Money rounding",
        "",
        ("AMB-G7: the seeds never say how money is rounded (90.5 × 1.2 = 108.6 元). Every amount is rounded "
           "half up to this unit; blank = not rounded.",
         *((note,) if isinstance(note, str) else note)),
        (
            Setting("Money_RoundTo", "Round to (元)", 0.01,
                    "0.01 = to the fen (default); 1 = whole yuan; blank = not rounded",
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
    title: str,
    *,
    seed: Quote,
    note: Text,
    rows: list[tuple[Any, Any, str, Any]],
    literal: list[Quote],
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
        "Band table",
        (
            Field("Lower", "Lower bound", fmt),
            Field("Upper", "Upper bound", fmt),
            Field("Bounds", "Inclusive ends", valid=bounds_pick),
            Field("Points", "Points"),
        ),
        rows_of(rows),
        tuple(literal),
        check="=KPI_CHECK_BANDS({Lower},{Upper},{Bounds})",
    )
    items: list = [
        table,
        policy(f"{name}_Direction", "Better direction", "KPI_BAND.direction", direction),
        policy(f"{name}_OnGap", "Value in no band", "KPI_BAND.on_gap", on_gap),
    ]
    if on_overlap is not None:
        items.append(policy(f"{name}_OnOverlap", "Value in several bands", "KPI_BAND.on_overlap",
                            on_overlap))
    return Section(title, seed, note, tuple(items))


def band_formula(value_key: str, name: str, overlap: bool = False) -> str:
    tail = f",{name}_OnOverlap" if overlap else ""
    return (
        f"=KPI_BAND({{{value_key}}},{name}_Lower,{name}_Upper,{name}_Points,{name}_Bounds,"
        f"{name}_Direction,{name}_OnGap{tail})"
    )


def map_table(name: str, title: str, value: str, rows, literal=(), fmt="General") -> Table:
    """A KPI_MAP table: ``<name>_Key`` → ``<name>_Value`` (captioned ``value``)."""
    return Table(
        name,
        title,
        (Field("Key", "Rating"), Field("Value", value, fmt)),
        rows_of(rows),
        tuple(literal),
    )


def item_table(points: str, rows, literal) -> Table:
    """The ``Item`` table: each item's name and its points, either the maximum (``"Max"``:
    ``Item_Max``, what KPI_TOTAL checks item points against) or the standard value (``"Std"``)."""
    title, field = {
        "Max": ("Maximum per item", Field("Max", "Maximum")),
        "Std": ("Standard points per item", Field("Std", "Standard points")),
    }[points]
    return Table("Item", title, (Field("Name", "Item"), field), rows_of(rows), tuple(literal))


def weights_section(
    title: str,
    *,
    seed: Quote,
    note: Text,
    rows,
    literal,
    required: bool = False,
    example: Text = "",
) -> Section:
    """The item weights KPI_WEIGHTED reads (``W_Item``, ``W_Weight``) and its ``W_Check`` policy;
    ``required`` when the seed leaves the weights blank for HR to fill in."""
    table_title = "Item weights (required)" if required else "Item weights"
    table = Table(
        "W",
        table_title,
        (Field("Item", "Item"), Field("Weight", "Weight", PERCENT, Between(0, 1))),
        rows_of(rows),
        tuple(literal),
    )
    check = policy("W_Check", "Weight check", "KPI_WEIGHTED.weight_check", "ERROR", example)
    return Section(title, seed, note, (table, check))


def weighted_formula(first: str, last: str) -> str:
    """The weighted total of the item points in staff columns ``first`` to ``last``."""
    return f"=KPI_WEIGHTED({{{first}..{last}}},W_Weight,W_Check)"


# ---------------------------------------------------------------------------
# Grades, pay, quotas, streaks (tables 4.5–4.9)


def grade_pay_section(
    *,
    title: str,
    seed: Quote,
    rows: list[tuple[Any, ...]],
    literal: list[Quote],
    below: str = "无",
) -> Section:
    """Grades by score (表4.5/4.8), pay base, coefficient and quota (表4.6/4.9), one table.

    ``Grade_*`` names cover the graded rows A–D (KPI_GRADE, quotas); ``Pay_*`` names add
    the row of staff below the lowest grade (AMB-21: no grade, coefficient 0, base 0).
    """
    fields = (
        Field("Key", "Grade"),
        Field("Label", "Meaning"),
        Field("Lower", "Lowest score"),
        Field("Upper", "Highest score"),
        Field("Base", "Pay base (元)", MONEY),
        Field("Coef", "Coefficient", "0.0"),
        Field("Quota", "Quota", PERCENT),
    )
    table = Table(
        "Grade",
        "Grades, pay base, coefficient and quota",
        fields,
        rows_of(rows),
        tuple(literal),
        tail=((below, Words("no grade"), BLANK, BLANK, 0, 0, 0),),
        tail_literal=(
            ("", "Below 「D 65~75」 the seed says nothing (AMB-21): by default no grade and no bonus; table 4.6 "
                   "has no such row, so its quota is 0 %."),
        ),
        tail_name="Pay",
    )
    return Section(
        title,
        seed,
        "AMB-20: 950/800/650/550 are pay bases, not coefficients (the table header says coefficient). AMB-21/22/23: "
          "scores between the ranges and outside the table follow the policies below. AMB-25: pay follows the grade "
          "by score or the forced distribution.",
        (
            table,
            policy("Grade_GapPolicy", "Scores between ranges (90.5)", "KPI_GRADE.gap_policy",
                   "CONTINUOUS", "AMB-22: 90.5 → B (CONTINUOUS), → 91 → A (ROUND_HALF_UP)"),
            policy("Grade_Below", "Score below the lowest grade", "template.grade_below", below,
                   "AMB-21: the coefficient is on the 「无」 row of the table above (0 by default)"),
            policy("Grade_Above", "Score above the top", "KPI_GRADE.above_policy", "TOP", "AMB-23"),
            policy("Grade_Source", "Grade used for pay", "template.grade_source", "SCORE", "AMB-25"),
            policy("Quota_Rounding", "Quota rounding", "KPI_QUOTA.rounding", "LARGEST_REMAINDER",
                   "WE-28: 7 staff → 1/3/2/1"),
            policy("Quota_TieBreak", "Equal remainders", "KPI_QUOTA.tie_break", "LOWER_GRADE",
                   "WE-28: 10 staff → 1/5/3/1"),
            policy("Force_TiePolicy", "Ties at a quota boundary", "KPI_FORCE_GRADES.tie_policy",
                   "KEEP_TOGETHER"),
        ),
    )


def payout_section(*, seed: Quote) -> Section:
    return Section(
        "Individual performance bonus",
        seed,
        "AMB-24: the seed's formula is score × coefficient, without the pay base; the mode cell can make it "
          "base × coefficient or base × score % × coefficient. Money is rounded as 「Money rounding」 says.",
        (
            policy("Payout_Mode", "Bonus formula", "KPI_PAYOUT.mode", "SCORE_X_COEF",
                   "WE-6: 90 points, grade B → 108 / 960 / 864 元"),
        ),
    )


def streak_section(*, rule: str, seed: Quote, match_note: str) -> Section:
    """Streak rewards of 表4.5/4.8 over the true history: 2 months of A → 300–500 元 each
    time; 3 months → base +200–500 元. Each month reads the run carried on History and the
    streaks already paid (KPI_STREAK's ``carried`` and ``paid``)."""
    return Section(
        "Streak rewards",
        seed,
        (match_note,
         "Streaks are counted over the true months on History: the run up to last month and the rewards already "
           "paid come from History, and each month pays only what it adds under the counting mode. HR picks the "
           "amounts within the seed's ranges (AMB-G6)."),
        (
            Setting("Streak_Match", "Grade that counts", "A", rule),
            Setting("Streak2_Length", "Months in a row (reward)", 2, valid=Between(1, 12, True)),
            policy("Streak2_Mode", "Counting mode", "KPI_STREAK.mode", "NON_OVERLAP",
                   "4 months of A in a row: NON_OVERLAP pays in months 2 and 4; ROLLING in months 2, 3 and 4; ONCE "
                     "in month 2 only"),
            Setting("Streak2_Min", "Reward minimum (元)", 300, fmt=MONEY),
            Setting("Streak2_Max", "Reward maximum (元)", 500, fmt=MONEY),
            Setting("Streak2_Amount", "Reward per streak (元)", 300, fmt=MONEY,
                    valid=Between("Streak2_Min", "Streak2_Max")),
            Derived("Streak2_Checked", "Reward (checked)",
                    "=KPI_CHECK_RANGE(Streak2_Amount,Streak2_Min,Streak2_Max)",
                    "#VALUE! outside the range", MONEY),
            Setting("Streak3_Length", "Months in a row (base raise)", 3,
                    valid=Between(1, 12, True)),
            policy("Streak3_Mode", "Counting mode", "KPI_STREAK.mode", "ONCE",
                   "The base is raised once only"),
            Setting("Streak3_Min", "Base raise minimum (元)", 200, fmt=MONEY),
            Setting("Streak3_Max", "Base raise maximum (元)", 500, fmt=MONEY),
            Setting("Streak3_Amount", "Base raise amount (元)", 200, fmt=MONEY,
                    valid=Between("Streak3_Min", "Streak3_Max")),
            Derived("Streak3_Checked", "Base raise (checked)",
                    "=KPI_CHECK_RANGE(Streak3_Amount,Streak3_Min,Streak3_Max)",
                    "#VALUE! outside the range", MONEY),
        ),
    )


def special_section() -> Section:
    return Section(
        "Special contribution bonus",
        "「3、特殊业绩贡献奖金,额度:0~500 元。」",
        "AMB-16: the supervisor chooses the amount; it is checked against the range.",
        (
            Setting("Special_Min", "Minimum (元)", 0, fmt=MONEY),
            Setting("Special_Max", "Maximum (元)", 500, fmt=MONEY),
        ),
    )


def quota_audit_section(seed: Quote) -> Section:
    return Section(
        "Quota audit",
        seed,
        "AMB-25: grades by score and the quotas may disagree: the summary lists the deviations. A grade for pay "
          "that is an error shows in the check (never a wrong TRUE).",
        (policy("Quota_Mode", "Quota meaning", "KPI_QUOTA_CHECK.mode", "EXACT"),),
    )


def pay_rules(
    *,
    title: str,
    seed: Quote,
    rows: list[tuple[Any, ...]],
    literal: list[Quote],
    quota_seed: Quote,
    payout_seed: Quote,
    streak_rule: str,
    streak_seed: Quote,
    streak_note: str,
) -> tuple[Section, ...]:
    """Every rule section :func:`pay_columns` and :func:`pay_summary` read: grades and pay,
    quota audit, bonus formula, streak rewards, special bonus, money rounding; each with
    the scheme's own grade rows and seed quotes."""
    return (
        grade_pay_section(title=title, seed=seed, rows=rows, literal=literal),
        quota_audit_section(quota_seed),
        payout_section(seed=payout_seed),
        streak_section(rule=streak_rule, seed=streak_seed, match_note=streak_note),
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
            '=IF(Grade_Source_Code="FORCED",IF({forced}="","",{forced}),IF({grade}="","",{grade}))',
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
            "Grade distribution against the quotas", "pay_grade", "Pay_Key", 5,
            quota="=KPI_QUOTA(COUNT({total*}),Pay_Quota,Quota_Rounding,Quota_TieBreak)",
        ),
        (
            staff_count(),
            error_count(note="A value in no band, a rating missing…: the reason is in the cell on Staff"),
            Metric("Quota check",
                   "=KPI_QUOTA_CHECK({pay_grade*},Pay_Key,Pay_Quota,Quota_Mode,Quota_Rounding)",
                   note="TRUE, the deviations, or the error of a grade (AMB-25)"),
            Metric("Performance bonus total", '=SUMIF({bonus*},">=0")', MONEY,
                   "Rows with an error are left out"),
            Metric("Streak rewards total", '=SUMIF({streak_bonus*},">=0")', MONEY),
            Metric("All bonuses", '=SUMIF({pay_total*},">=0")', MONEY),
        ),
    )


#: The demo table of a pay scheme.
PAY_RESULTS = (("total", "Total"), ("pay_grade", "Grade"), ("coef", "Coef."),
               ("bonus", "Bonus"))


# ---------------------------------------------------------------------------
# Summary figures most schemes show


def staff_count(column: str = "total", label: str = "Staff with a total") -> Metric:
    """How many staff have a number in ``column``."""
    return Metric(label, f"=COUNT({{{column}*}})")


def error_count(column: str = "total", note: Text = "") -> Metric:
    """How many rows of ``column`` hold an error (each cell on Staff says why)."""
    return Metric("Rows with an error", f"=SUMPRODUCT(ISERROR({{{column}*}})*1)", note=note)


#: The average of the totals, leaving out rows with an error.
AVERAGE_TOTAL = Metric("Average total", '=IF(COUNT({total*})=0,"",AVERAGEIF({total*},">=0"))', "0.0")


# ---------------------------------------------------------------------------
# Target items (S0-H, S0-I)


def sales_settings(prefix: str, *, mult: float | str, gate: float, cap: float | str | None) -> tuple:
    """KPI_TARGET_LINEAR parameters ``<prefix>_Mult/_Gate/_Cap/_GateInclusive/_BelowGate``.

    ``mult``/``cap`` given as text are formulas of Derived cells (a preset choice)."""
    items: list = []
    for key, label, value, note in (
        ("Mult", "Multiplier", mult, "Points = multiplier × R"),
        ("Cap", "Cap", cap, "Blank = no cap"),
    ):
        if isinstance(value, str):
            items.append(Derived(f"{prefix}_{key}", label, value, note))
        else:
            items.append(Setting(f"{prefix}_{key}", label, value, note))
    items[1:1] = [
        Setting(f"{prefix}_Gate", "Gate ratio", gate, "R under the gate scores 0",
                PERCENT, Between(0, 10)),
    ]
    gate_inclusive = policy(f"{prefix}_GateInclusive", "Gate inclusive",
                            "KPI_TARGET_LINEAR.gate_inclusive", True,
                            "「R≥ 85%」: R = 85% scores")
    items += [gate_inclusive, Setting(f"{prefix}_BelowGate", "Points under the gate", 0)]
    return tuple(items)


def sales_formula(prefix: str) -> str:
    return (
        f"=KPI_TARGET_LINEAR({{sales_actual}},{{sales_target}},{prefix}_Mult,{prefix}_Gate,{prefix}_Cap,"
        f"{prefix}_GateInclusive,{prefix}_BelowGate)"
    )


def step_section(
    prefix: str, title: str, *, seed: Quote, note: Text, base: float, down: float, up: float, step: float,
    gap_mode: str, cap: float | None, step_note: str, mode_note: str,
) -> Section:
    """A KPI_TARGET_STEP item: ``<prefix>_Base/_Down/_Up/_Step/_GapMode/_Rounding/_Floor/_Cap``."""
    settings = (
        Setting(f"{prefix}_Base", "Points at target", base),
        Setting(f"{prefix}_Down", "Points lost per step", down),
        Setting(f"{prefix}_Up", "Points gained per step", up,
                "0 = nothing for beating the target"),
        Setting(f"{prefix}_Step", "Step", step, step_note, "0.00"),
        policy(f"{prefix}_GapMode", "Gap measured", "KPI_TARGET_STEP.gap_mode", gap_mode, mode_note),
        policy(f"{prefix}_Rounding", "Part steps", "KPI_TARGET_STEP.rounding", "FLOOR", "AMB-38"),
        Setting(f"{prefix}_Floor", "Floor", 0, "「扣完为止」: never below it"),
        Setting(f"{prefix}_Cap", "Cap", cap, "Blank = no cap"),
    )
    return Section(title, seed, note, settings)


def step_formula(prefix: str, actual: str, target: str) -> str:
    return (
        f"=KPI_TARGET_STEP({{{actual}}},{{{target}}},{prefix}_Base,{prefix}_Down,{prefix}_Up,{prefix}_Step,"
        f'{prefix}_GapMode,{prefix}_Rounding,"HIGHER",{prefix}_Floor,{prefix}_Cap)'
    )


def score_band_summary(extra: tuple = ()) -> Summary:
    """Distribution of totals over reporting bands (not a rule of the seed) and key figures."""
    return Summary(
        Distribution(
            "Distribution of totals", "total", "Report_Label", 5,
            count='=COUNTIFS({column*},">="&INDEX(Report_Lower,{index}),{column*},"<"&INDEX(Report_Upper,{index}))',
        ),
        (
            staff_count(),
            error_count(note="The reason is in the cell on Staff"),
            AVERAGE_TOTAL,
            *extra,
        ),
    )


def report_bands_section() -> Section:
    """Bands the summary counts totals in: reporting only, not a rule of the seed."""
    return Section(
        "Summary bands (reporting only)",
        "",
        "The seed has no grades: these bands only feed the summary's chart and change no score.",
        (
            Table(
                "Report",
                "Reporting bands",
                (Field("Label", "Band"), Field("Lower", "From (incl.)"),
                 Field("Upper", "To (excl.)")),
                (("≥100", 100, 1e9), ("90–100", 90, 100), ("80–90", 80, 90), ("60–80", 60, 80), ("<60", -1e9, 60)),
            ),
        ),
    )


#: History columns of a scheme that only totals (targets, items).
TOTAL_HISTORY = (Record("total", "总分", "Total", "0.0"),)


def total_past(totals: dict[str, tuple[Any, ...]]) -> tuple[Past, ...]:
    """Earlier months' totals of the sample staff (oldest first)."""
    return tuple(Past(len(ts) - k, name, {"total": v}) for name, ts in totals.items() for k, v in enumerate(ts))


def floor_policy(name: str, label: str, value: str = "0", example: Text = "") -> Setting:
    """A floor cell (0 or NONE) for KPI_ADJUST / KPI_TOTAL; 0 is written as the number."""
    return policy(name, label, "KPI_TOTAL.floor", 0 if value == "0" else value, example)


__all__ = [
    "AVERAGE_TOTAL", "BLANK", "Input", "MONEY", "PAY_HISTORY", "PAY_RESULTS", "PERCENT", "PERCENT1",
    "TOTAL_HISTORY", "all_months", "band_formula", "band_section", "error_count", "floor_policy", "item_table",
    "last_month", "map_table", "money", "money_section", "months_back", "pay_columns", "pay_past", "pay_rules",
    "pay_summary", "report_bands_section", "sales_formula", "sales_settings", "score_band_summary",
    "staff_count", "step_formula", "step_section", "total_past", "weighted_formula", "weights_section",
]
