"""Satisfaction_KPI — after-sales post KPI table with blank coefficients, SEED_RULES S1-E.

A small utility sheet. Item 1, customer satisfaction, is fully given: 60 and below → 0,
+2.5 per point above 60 (KPI_TARGET_STEP with a zero floor at the target, AMB-48). Items
2–6 leave their coefficients 「( )」 blank (AMB-49): their cells are on the Rules sheet,
empty, and a row that has data for such an item shows #VALUE! naming the blank cell until
HR fills it in; rates are fractions (KPI_RATE, AMB-50). The seed has no weights, so there
is no total.
"""

from __future__ import annotations

from ..blocks import MONEY, PERCENT1, error_count
from ..policies import policy
from ..spec import (
    BLANK,
    Between,
    Calc,
    Distribution,
    Field,
    Input,
    Metric,
    Record,
    Section,
    Setting,
    Summary,
    Table,
    Template,
)

_ = BLANK
COUNT = Between(0, 1_000_000, whole=True)
REQUIRED = "The seed leaves 「( )」: required (AMB-49)"


def step_settings(prefix: str, *, target, base, down, up, step, gap_mode: str, direction: str, below: str = "STEP",
                  rounding: str = "FLOOR", fmt: str = "General") -> tuple:
    """KPI_TARGET_STEP cells ``<prefix>_Target/_Base/_Down/_Up/_Step/_GapMode/_Rounding/_Direction/_Below``;
    ``None`` values are the seed's blanks (required)."""

    def note(v, text=""):
        return REQUIRED if v is None else text

    return (
        Setting(f"{prefix}_Target", "Target", target, note(target), fmt),
        Setting(f"{prefix}_Base", "Points at target", base, note(base)),
        Setting(f"{prefix}_Down", "Points lost per step", down, note(down)),
        Setting(f"{prefix}_Up", "Points gained per step", up, note(up, "0 = nothing added")),
        Setting(f"{prefix}_Step", "Step", step, "", fmt),
        policy(f"{prefix}_GapMode", "Gap measured", "KPI_TARGET_STEP.gap_mode", gap_mode),
        policy(f"{prefix}_Rounding", "Part steps", "KPI_TARGET_STEP.rounding", rounding),
        policy(f"{prefix}_Direction", "Better direction", "KPI_BAND.direction", direction),
        policy(f"{prefix}_Below", "Below the target", "KPI_TARGET_STEP.below_target", below),
    )


def step_formula(prefix: str, actual: str) -> str:
    return (
        f"=KPI_TARGET_STEP({{{actual}}},{prefix}_Target,{prefix}_Base,{prefix}_Down,{prefix}_Up,{prefix}_Step,"
        f"{prefix}_GapMode,{prefix}_Rounding,{prefix}_Direction,0,,{prefix}_Below)"
    )


RULES = (
    Section(
        "1. After-sales customer satisfaction",
        ("「售后服务客户满意度抽查结果」「目标值60分。60分及以下得分为0,60分以上每增加1分,加(2.5 )分」",
         "appraised each quarter"),
        "AMB-48: 「目标值60分」 (target 60) is really the zero point; the survey average has decimals (72.4) → in "
          "proportion, EXACT (the default), or FLOOR for whole points only; no cap. 72.4 → 31 points.",
        step_settings("Sat", target=60, base=0, down=0, up=2.5, step=1, gap_mode="ABS", direction="HIGHER",
                      below="ZERO", rounding="EXACT"),
    ),
    Section(
        "2. Quality complaints handled",
        ("「顾客质量投诉有效处理件数/顾客质量投诉总件数」「目标值100%,减少1个百分点,减( )分」",
         "appraised each month"),
        "AMB-49: the seed leaves blank both the points lost per percentage point and the points at target → "
          "computed once filled in.",
        step_settings("Handle", target=1, base=None, down=None, up=0, step=0.01, gap_mode="ABS", direction="HIGHER",
                      fmt="0%"),
    ),
    Section(
        "5. Compliance with the service model",
        "「1-(抽查中没有执行统一产品和服务行为模式的次数/抽查总次数×100%)」「目标值( )%。增加1个百分点,加( )分;减少1个百分点,减( )分」",
        "AMB-50: the formula is computed as the ratio 1 − cases / checks (not times 100); AMB-49: the target and "
          "the points are blank.",
        step_settings("Comply", target=None, base=None, down=None, up=None, step=0.01, gap_mode="ABS",
                      direction="HIGHER", fmt="0%"),
    ),
    Section(
        "3. After-sales cost ratio",
        ("「售后服务费用/销售收入」「目标值( )%。减少1个百分点,加( )分;增加1个百分点,减( )分」",
         "appraised each month"),
        "Lower is better (LOWER); AMB-49: the target and the points are blank.",
        step_settings("Cost", target=None, base=None, down=None, up=None, step=0.01, gap_mode="ABS",
                      direction="LOWER", fmt="0.0%"),
    ),
    Section(
        "4. Passing on important quality issues in time",
        "「(客户服务中发现的重要问题数-延误重要问题反馈的次数)/重要问题数×100%」「延迟1天,减( )分」",
        "AMB-51: the ratio and 「延迟1天,减( )分」 (points per day late) disagree → counted in days late (target 0 "
          "days); the points per day are blank.",
        step_settings("Pass", target=0, base=None, down=None, up=0, step=1, gap_mode="ABS", direction="LOWER"),
    ),
    Section(
        "6. Customer after-sales records",
        "「整理、分析客户投诉和维修记录信息(60%)」「向相应部门提供相关客户信息的及时性(40%)」「延迟1天,减( )分」",
        "AMB-51: neither the 60 % part nor the 40 % part has a scale → the supervisor scores the records (0–100), "
          "timeliness counts days late (points per day blank), then 60/40 weighted.",
        (
            *step_settings("Records", target=0, base=None, down=None, up=0, step=1, gap_mode="ABS", direction="LOWER"),
            Table("Part", "Weights of the two parts",
                  (Field("Item", "Part"), Field("Weight", "Weight", "0%", Between(0, 1))),
                  (("整理分析", 0.6), ("及时提供", 0.4)), ("(60%)", "(40%)")),
            policy("Part_Check", "Weight check", "KPI_WEIGHTED.weight_check", "ERROR"),
        ),
    ),
    Section(
        "Total",
        ("「KPI定义/公式(权重)」", "the column holds no weight at all"),
        "The seed has no weights → no total here, only each item's points.",
        (),
    ),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("sat", "满意度抽查得分", "Satisfaction survey score", "0.0", Between(0, 100)),
    Calc("p_sat", "1. 满意度得分", "1. Satisfaction points", step_formula("Sat", "sat"), "0.0"),
    Input("handled", "有效处理件数", "Complaints handled", valid=COUNT),
    Input("complaints", "质量投诉总件数", "Quality complaints", valid=COUNT),
    Calc("handle_rate", "有效处理率", "Handled rate", "=KPI_RATE({handled},{complaints})", PERCENT1),
    Calc("p_handle", "2. 处理率得分", "2. Handling points", step_formula("Handle", "handle_rate"), "0.0"),
    Input("missed", "未执行次数", "Checks not followed", valid=COUNT),
    Input("checks", "抽查总次数", "Checks", valid=COUNT),
    Calc("comply_rate", "执行率", "Compliance rate", '=KPI_RATE({missed},{checks},"ERROR",TRUE)', PERCENT1),
    Calc("p_comply", "5. 执行率得分", "5. Compliance points", step_formula("Comply", "comply_rate"), "0.0"),
    Input("cost", "售后服务费用", "After-sales cost (元)", MONEY, Between(0, 10**12)),
    Input("revenue", "销售收入", "Revenue (元)", MONEY, Between(0, 10**12)),
    Calc("cost_rate", "费用率", "Cost ratio", "=KPI_RATE({cost},{revenue})", "0.0%"),
    Calc("p_cost", "3. 费用率得分", "3. Cost points", step_formula("Cost", "cost_rate"), "0.0"),
    Input("delay_pass", "问题反馈延迟天数", "Days late passing on issues", valid=COUNT),
    Calc("p_pass", "4. 及时性得分", "4. Timeliness points", step_formula("Pass", "delay_pass"), "0.0"),
    Input("organise", "档案整理得分", "Records work (0–100)", "0.0", Between(0, 100)),
    Input("delay_info", "信息提供延迟天数", "Days late passing on records", valid=COUNT),
    Calc("p_info", "及时提供得分", "Records timeliness points", step_formula("Records", "delay_info"), "0.0"),
    Calc("p_records", "6. 档案得分", "6. Records points", "=KPI_WEIGHTED({organise..p_info},Part_Weight,Part_Check)",
         "0.0"),
)

HISTORY = (Record("sat", "满意度抽查得分", "Satisfaction score", "0.0"),
           Record("p_sat", "满意度得分", "Satisfaction points", "0.0"))

# name, satisfaction; complaints handled, of; checks missed, of; cost, revenue; days late (issues);
# records work, days late (records). Items 2–6 stay blank for most: their coefficients are blank.
SAMPLE = (
    ("程晓", 72.4, _, _, _, _, _, _, _, _, _),  # (72.4 − 60) × 2.5 = 31
    ("赵敏", 60, _, _, _, _, _, _, _, _, _),  # 「60分及以下得分为0」
    ("钱进", 58.5, _, _, _, _, _, _, _, _, _),  # below: 0
    ("孙丽", 88, _, _, _, _, _, _, _, _, _),  # 70
    ("李强", 100, _, _, _, _, _, _, _, _, _),  # 100 (no cap in the seed)
    ("周雨", 65, 18, 20, _, _, _, _, _, _, _),  # 12.5; item 2 typed in: #VALUE! until its coefficients are
    ("吴迪", 79, _, _, 2, 40, _, _, _, _, _),  # 47.5; item 5: 95 % compliance, coefficients blank
    ("郑凯", _, _, _, _, _, _, _, _, _, _),  # not surveyed this quarter: blank
    ("王芳", 61, _, _, _, _, _, _, _, _, _),  # 2.5
)


def generate(r, i: int, name: str) -> tuple:
    """A plausible employee: a satisfaction score of 50–100, the other items left to HR."""
    return (name, round(r.uniform(50, 100), 1), _, _, _, _, _, _, _, _, _)


TEMPLATE = Template(
    name="Satisfaction_KPI",
    scheme="S1-E",
    title="After-sales post KPI table (satisfaction and five items with blank coefficients)",
    about="Satisfaction at 60 or under scores 0, each point above adds 2.5; the seed leaves the other items' "
            "coefficients blank: fill them in on the Rules sheet.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    summary=Summary(
        Distribution(
            "Distribution of satisfaction points", "p_sat", ("0", "0–25", "25–50", "≥50"),
            count="=CHOOSE({index},COUNTIF({column*},0),COUNTIFS({column*},\">0\",{column*},\"<25\"),"
            "COUNTIFS({column*},\">=25\",{column*},\"<50\"),COUNTIF({column*},\">=50\"))",
        ),
        (
            Metric("Staff surveyed", "=COUNT({p_sat*})"),
            error_count("p_sat"),
            Metric("Average satisfaction points",
                   '=IF(COUNT({p_sat*})=0,"",AVERAGEIF({p_sat*},">=0"))', "0.0"),
            Metric("Items typed in with blank coefficients",
                   "=SUMPRODUCT(ISERROR({p_handle*})*1)+SUMPRODUCT(ISERROR({p_comply*})*1)"
                   "+SUMPRODUCT(ISERROR({p_cost*})*1)+SUMPRODUCT(ISERROR({p_pass*})*1)"
                   "+SUMPRODUCT(ISERROR({p_records*})*1)", note="AMB-49"),
        ),
    ),
    results=(("p_sat", "Satisfaction"), ("p_handle", "Handling"),
             ("p_comply", "Compliance")),
)
