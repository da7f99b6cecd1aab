"""CS_Supervisor — CS supervisor monthly KPI plan (truncated seed), SEED_RULES S0-I.

Sales item of standard value 30 but with the 40 × R formula copied from S0-H (AMB-41): a
preset cell picks the literal reading (40 × R, cap 80) or the one scaled to 30 (30 × R,
cap 60), and a flag can clamp it at its standard value. Conversion −2 per percentage
point short (KPI_TARGET_STEP, absolute points by default, AMB-43). Only 50 of the
declared 100 points are defined (AMB-42): the Rules sheet says so next to the total.
"""

from __future__ import annotations

from ..blocks import (
    MONEY,
    PERCENT1,
    TOTAL_HISTORY,
    item_table,
    report_bands_section,
    sales_formula,
    sales_settings,
    score_band_summary,
    step_formula,
    step_section,
)
from ..policies import policy
from ..spec import (
    BLANK,
    Between,
    Calc,
    Derived,
    Field,
    Input,
    Metric,
    Pick,
    Section,
    Setting,
    Table,
    Template,
)

_ = BLANK
COUNT = Between(0, 10**12, whole=True)

RULES = (
    Section(
        "Standard points",
        ("「考核指标名称标准分值…100 分」「1. 店铺销售任务30…」「2. 转化率20…」",
         "the table ends here"),
        "AMB-42: only 30 + 20 = 50 points are defined, the seed gives nothing for the other 50; the total holds "
          "the two items defined.",
        (
            item_table("Std", [("店铺销售任务", 30), ("转化率", 20)], ["30", "20"]),
            Setting("Total_Declared", "Declared total", 100),
            Derived(
                "Points_Check", "Points check",
                '=IF(SUM(Item_Std)=Total_Declared,"OK",SUBSTITUTE(SUBSTITUTE('
                '_("declared {declared} points, defined {defined} (AMB-42)"),'
                '"{declared}",Total_Declared),"{defined}",SUM(Item_Std)))',
            ),
        ),
    ),
    Section(
        "1. Shop sales target",
        "「R=实际销售额 / 目标销售额…R< 85%,则该项得分为0;…完成率R≥ 85%,则该项得分为40*R 封顶 80 分。(30 分)」",
        "AMB-41: the standard value is 30, yet the seed keeps 40 × R (≥ 34) capped at 80. Presets: LITERAL, the "
          "seed's words (40, capped at 80), the default; SCALED to 30 points (30 × R, capped at 60); and 「Cap at the "
          "standard value」 (never above 30) can be switched on.",
        (
            Table(
                "SalesPreset",
                "Sales item presets",
                (Field("Key", "Preset"), Field("Mult", "Multiplier"), Field("Cap", "Cap")),
                (("LITERAL", 40, 80), ("SCALED", 30, 60)),
                (("40*R 封顶 80 分", "the seed's words"),
                 ("30*R 封顶 60", "scaled to 30 points")),
            ),
            Setting("Sales_Preset", "Preset in force", "LITERAL", "AMB-41", valid=Pick("SalesPreset_Key")),
            policy("Sales_CapAtWeight", "Cap at the standard value", "template.yes_no", False,
                   "AMB-41: TRUE = never above the standard 30"),
            *sales_settings(
                "Sales",
                mult="=KPI_MAP(Sales_Preset,SalesPreset_Key,SalesPreset_Mult)",
                gate=0.85,
                cap="=IF(Sales_CapAtWeight,MIN(KPI_MAP(Sales_Preset,SalesPreset_Key,SalesPreset_Cap),"
                "INDEX(Item_Std,1)),KPI_MAP(Sales_Preset,SalesPreset_Key,SalesPreset_Cap))",
            ),
        ),
    ),
    step_section(
        "Conv", "2. Conversion (team average inquiry conversion)",
        seed="「R≥月计划目标询单转化率,则该项得分为…20 分;转化率每低一个百分点,扣除…2 分,扣完为止。」",
        note="AMB-43: the conversion rate's 「百分点」 are absolute points by default (ABS); REL takes the relative "
               "gap. AMB-38: a part step costs nothing (FLOOR).",
        base=20, down=2, up=0, step=0.01, gap_mode="ABS", cap=_,
        step_note="0.01 = 1 percentage point",
        mode_note="ABS: absolute percentage points (the default); REL: the relative gap",
    ),
    report_bands_section(),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("team", "客服组", "Team", width=12, keep=True),
    Input("sales_target", "目标销售额", "Sales target (元)", MONEY, COUNT),
    Input("sales_actual", "实际销售额", "Actual sales (元)", MONEY, COUNT),
    Input("conv_target", "目标询单转化率", "Planned inquiry conversion", PERCENT1, Between(0, 1)),
    Input("conv_actual", "实际询单转化率", "Actual inquiry conversion", PERCENT1, Between(0, 1)),
    Calc("r", "销售完成率 R", "Sales ratio R", "=KPI_RATE({sales_actual},{sales_target})", PERCENT1),
    Calc("p_sales", "销售得分", "Sales points", sales_formula("Sales"), "0.0"),
    Calc("p_conv", "转化率得分", "Conversion points", step_formula("Conv", "conv_actual", "conv_target")),
    Calc("total", "已定义项合计", "Total of defined items", "=KPI_TOTAL({p_sales..p_conv})", "0.0"),
)

_TEAMS = ("售前一组", "售前二组", "售后组", "夜班组", "大促临时组")

# name, team, sales target, actual sales, conversion target, actual conversion.
SAMPLE = (
    ("高文静", "售前一组", 1_000_000, 920_000, 0.45, 0.43),  # 36.8 literal / 27.6 scaled; 2 pp short
    ("林海", "售前二组", 1_000_000, 850_000, 0.45, 0.45),  # at the gate: 34 / 25.5
    ("罗佳", "售后组", 1_000_000, 840_000, 0.40, 0.35),  # under the gate: 0; 5 pp short → 10
    ("梁晓峰", "夜班组", 1_000_000, 2_100_000, 0.42, 0.48),  # cap 80 literal, 60 scaled
    ("宋雅", "售前一组", 1_000_000, 1_500_000, 0.44, 0.405),  # 60 / 45; 3.5 pp → 3 steps
    ("唐磊", "售前二组", 900_000, 900_000, 0.46, 0.455),  # 0.5 pp: no whole step under ABS
    ("许静", "售后组", 800_000, 1_000_000, 0.38, 0.30),  # 8 pp short → 4
    ("韩冰", "大促临时组", 1_200_000, 1_080_000, 0.50, 0.52),
    ("邓超", "售前一组", 1_000_000, 1_000_000, 0.45, 0.44),
    ("曹敏", "夜班组", 600_000, 570_000, 0.35, 0.31),
    ("彭丽", "售前二组", 1_100_000, 935_000, 0.47, 0.46),  # 85 % exactly
    ("曾强", "售后组", 700_000, 560_000, 0.40, 0.395),  # 80 %: under the gate
    ("萧然", "售前一组", 1_000_000, 1_250_000, 0.45, 0.50),
    ("田甜", "大促临时组", 1_500_000, 1_425_000, 0.48, 0.38),  # 10 pp short → 0
    ("董洁", "售前二组", 950_000, 1_045_000, 0.44, 0.44),
    ("潘越", "夜班组", _, _, _, _),  # new team: no targets yet
    ("袁芳", "售后组", 850_000, 867_000, 0.39, 0.37),
    ("蔡明", "售前一组", 1_000_000, 990_000, 0.45, 0.4499),
    ("蒋欣", "售前二组", 1_000_000, 1_030_000, 0.45, _),  # conversion not reported yet
    ("余洋", "大促临时组", 2_000_000, 1_900_000, 0.52, 0.50),
    ("于涛", "售后组", 750_000, 900_000, 0.36, 0.36),
)


def generate(r, i: int, name: str) -> tuple:
    """A plausible supervisor: sales 78–140 % of target, conversion within ±6 points of plan."""
    target = r.choice((600_000, 800_000, 1_000_000, 1_200_000))
    conv = round(r.uniform(0.35, 0.5), 2)
    return (name, r.choice(_TEAMS), target, round(target * r.uniform(0.78, 1.4), -3), conv,
            round(conv + r.uniform(-0.06, 0.03), 3))


TEMPLATE = Template(
    name="CS_Supervisor",
    scheme="S0-I",
    title="CS supervisor monthly KPI plan",
    about="The seed's table is cut short: 50 of the 100 points are defined (AMB-42). A preset cell picks the "
            "sales item's multiplier and cap (AMB-41).",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=TOTAL_HISTORY,
    summary=score_band_summary(
        (Metric("Points check", "=Points_Check", note="AMB-42"),)
    ),
    results=(("r", "R"), ("p_sales", "Sales"), ("p_conv", "Conv."),
             ("total", "Total")),
)
