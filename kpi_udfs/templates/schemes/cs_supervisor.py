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
        "标准分值",
        "Standard points",
        "「考核指标名称标准分值…100 分」「1. 店铺销售任务30…」「2. 转化率20…」 (表在此截断 the table ends here)",
        "AMB-42: 只定义了 30 + 20 = 50 分, 其余 50 分种子未给出; 总分只含已定义的两项.",
        (
            item_table("Std", [("店铺销售任务", 30), ("转化率", 20)], ["30", "20"]),
            Setting("Total_Declared", "声明总分", "Declared total", 100),
            Derived(
                "Points_Check", "分值检查", "Points check",
                '=IF(SUM(Item_Std)=Total_Declared,"OK","声明 "&Total_Declared&" 分, 已定义 "&SUM(Item_Std)'
                '&" 分 / declared "&Total_Declared&", defined "&SUM(Item_Std)&" (AMB-42)")',
            ),
        ),
    ),
    Section(
        "1. 店铺销售任务",
        "1. Shop sales target",
        "「R=实际销售额 / 目标销售额…R< 85%,则该项得分为0;…完成率R≥ 85%,则该项得分为40*R 封顶 80 分。(30 分)」",
        "AMB-41: 标准分 30 却沿用 40×R (≥34) 封顶 80. 方案: LITERAL 原文 (40, 封顶 80) 默认; SCALED 按 30 分折算 "
        "(30×R, 封顶 60); 另可勾选「封顶于标准分」(不超过 30).",
        (
            Table(
                "SalesPreset",
                "销售项方案",
                "Sales item presets",
                (Field("Key", "方案", "Preset"), Field("Mult", "乘数", "Multiplier"), Field("Cap", "封顶", "Cap")),
                (("LITERAL", 40, 80), ("SCALED", 30, 60)),
                ("40*R 封顶 80 分 (原文 literal)", "30*R 封顶 60 (按 30 分折算 scaled to 30)"),
            ),
            Setting("Sales_Preset", "采用方案", "Preset in force", "LITERAL", "AMB-41", valid=Pick("SalesPreset_Key")),
            policy("Sales_CapAtWeight", "封顶于标准分", "Cap at the standard value", "template.yes_no", False,
                   "AMB-41: TRUE = 不超过标准分 30"),
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
        "Conv", "2. 转化率 (团队平均询单转化率)", "2. Conversion (team average inquiry conversion)",
        seed="「R≥月计划目标询单转化率,则该项得分为…20 分;转化率每低一个百分点,扣除…2 分,扣完为止。」",
        note="AMB-43: 转化率的「百分点」默认按绝对差 ABS; REL 按相对差. AMB-38: 不足一步不扣 (FLOOR).",
        base=20, down=2, up=0, step=0.01, gap_mode="ABS", cap=_, step_note="0.01 = 1 个百分点",
        mode_note="ABS: 绝对百分点 (默认); REL: 相对差",
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
    zh="客服主管月度考核计划表",
    en="CS supervisor monthly KPI plan",
    about="种子表格截断: 只定义了 100 分中的 50 分 (AMB-42). 销售项的乘数与封顶由方案单元格决定 (AMB-41). "
    "The seed is truncated: 50 of 100 points are defined; a preset cell picks the sales-item reading.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=TOTAL_HISTORY,
    summary=score_band_summary(
        (Metric("分值检查", "Points check", "=Points_Check", note="AMB-42"),)
    ),
    results=(("r", "完成率 R"), ("p_sales", "销售 Sales"), ("p_conv", "转化 Conv."), ("total", "合计 Total")),
)
