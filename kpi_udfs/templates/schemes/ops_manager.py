"""Ops_Manager — e-commerce operations manager monthly KPI plan, SEED_RULES S0-H.

Sales R = actual/target with an 85 % gate, 40 × R, capped at 80 (KPI_TARGET_LINEAR,
WE-11); traffic and conversion −2 per percentage point short (KPI_TARGET_STEP, relative
for traffic and absolute points for conversion, AMB-37); average order value ±2 per 10 %
(uncapped above, AMB-39); reports −2 per missing or late one (KPI_ADJUST); total (KPI_TOTAL).
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
from ..spec import BLANK, Between, Calc, Input, Section, Setting, Template

_ = BLANK
COUNT = Between(0, 10**12, whole=True)
REL_NOTE = ("REL: the gap relative to the target (the default; traffic is a head count, AMB-37); ABS: the "
            "absolute difference")
STEP_1PCT = "0.01 = 1 percentage point"

RULES = (
    Section(
        "Standard points",
        ("「标准分值合计100」 关键业绩指标「(90 分)」 = 40 + 20 + 15 + 15; 过程指标「(10 分)」",
         "key results 90 points, process 10"),
        "AMB-35: the sales item is capped at 80 and the order value has no cap, so the total can pass 100; "
          "the standard points are listed here, nothing is cut.",
        (
            item_table("Std", [("店铺销售任务", 40), ("流量", 20), ("转化率", 15), ("客单价", 15), ("运营分析报告", 10)],
                       ["40", "20", "15", "15", "10"]),
        ),
    ),
    Section(
        "1. Shop sales target",
        "「R=店铺实际销售额 / 店铺目标销售额…R< 85%,则该项得分为0;…完成率R≥ 85%,则该项得分为 40*R…封顶 80分」",
        "WE-11: R = 0.92 → 36.8; 0.85 → 34 (the gate included); 0.84 → 0; 2.1 → 84 → capped at 80. AMB-35: "
          "it can pass its standard 40 points.",
        sales_settings("Sales", mult=40, gate=0.85, cap=80),
    ),
    step_section(
        "Traffic", "2. Traffic",
        seed="「R≥计划标准,则该项得分为20 分;实际流量:指标流量每低个百分点,扣除 2 分,扣完为止」",
        note="AMB-36: 「每低个百分点」 lacks 「一」 → a step of 1 %. AMB-37: traffic is a head count, so only the "
               "relative gap REL makes sense. AMB-38: a part step costs nothing (FLOOR).",
        base=20, down=2, up=0, step=0.01, gap_mode="REL", cap=_, step_note=STEP_1PCT, mode_note=REL_NOTE,
    ),
    step_section(
        "Conv", "3. Conversion rate",
        seed="「月度店铺平均转化…R≥计划标准,则该项得分为15 分;…转化率每低个百分点,扣除 2 分,扣完为止」",
        note="AMB-37: the conversion rate's 「百分点」 are absolute points by default, ABS (3.0 % → 2.5 % is 0.5 of a "
               "point short: less than a step, nothing deducted); REL takes the relative gap (16.7 % short → 32 "
               "points lost, down to the floor).",
        base=15, down=2, up=0, step=0.01, gap_mode="ABS", cap=_, step_note=STEP_1PCT,
        mode_note="ABS: absolute percentage points (the default, for rates); REL: the relative gap",
    ),
    step_section(
        "Aov", "4. Average order value",
        seed="「S≥ R每 10%,分值增加2 分,上不封顶…S≤ R每 10%,分值扣 2 分,扣完为止」",
        note="AMB-39: a step is 10 % of the target, points above it have no cap. AMB-G3: 180 against 200 is "
               "exactly 10 % short: one step.",
        base=15, down=2, up=2, step=0.1, gap_mode="REL", cap=_, step_note="0.1 = 10 %", mode_note=REL_NOTE,
    ),
    Section(
        "5. Operations analysis report",
        "「周报一周递交一次(周一上午10 点前),月报一月…一次(次月 1日下班前);少交或延迟交一次扣…2…分,扣完为止。」",
        "AMB-40: type how many reports were missing or late; each costs 2 points, never below 0.",
        (
            Setting("Report_Start", "Full points", 10),
            Setting("Report_PerUnit", "Points per missing/late report", -2),
            Setting("Report_Floor", "Floor", 0, "「扣完为止」: never below it"),
        ),
    ),
    report_bands_section(),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("shop", "店铺", "Shop", width=14, keep=True),
    Input("sales_target", "目标销售额", "Sales target (元)", MONEY, COUNT),
    Input("sales_actual", "实际销售额", "Actual sales (元)", MONEY, COUNT),
    Input("traffic_target", "计划流量", "Planned traffic", valid=COUNT),
    Input("traffic_actual", "实际流量", "Actual traffic", valid=COUNT),
    Input("conv_target", "计划转化率", "Planned conversion", "0.00%", Between(0, 1)),
    Input("conv_actual", "实际转化率", "Actual conversion", "0.00%", Between(0, 1)),
    Input("aov_target", "目标客单价", "AOV target (元)", MONEY, Between(0, 100_000)),
    Input("aov_actual", "实际客单价", "Actual AOV (元)", MONEY, Between(0, 100_000)),
    Input("reports", "少交/迟交报告", "Reports missing or late", valid=Between(0, 31, True)),
    Calc("r", "销售完成率 R", "Sales ratio R", "=KPI_RATE({sales_actual},{sales_target})", PERCENT1),
    Calc("p_sales", "销售得分", "Sales points", sales_formula("Sales"), "0.0"),
    Calc("p_traffic", "流量得分", "Traffic points", step_formula("Traffic", "traffic_actual", "traffic_target")),
    Calc("p_conv", "转化率得分", "Conversion points", step_formula("Conv", "conv_actual", "conv_target")),
    Calc("p_aov", "客单价得分", "AOV points", step_formula("Aov", "aov_actual", "aov_target")),
    Calc("p_report", "报告得分", "Report points",
         '=KPI_ADJUST(Report_Start,{reports},Report_PerUnit,0,"LINEAR",Report_Floor)'),
    Calc("total", "总分", "Total", "=KPI_TOTAL({p_sales..p_report})", "0.0"),
)

_SHOPS = ("天猫旗舰店", "京东自营店", "淘宝企业店", "拼多多店", "抖音小店")

# name, shop, sales target, actual, traffic plan, actual, conversion plan, actual, AOV target, actual, reports.
SAMPLE = (
    ("周建华", "天猫旗舰店", 1_000_000, 920_000, 100_000, 96_500, 0.030, 0.025, 150, 180, 0),  # WE-11 36.8
    ("钱明", "京东自营店", 1_000_000, 850_000, 80_000, 80_000, 0.028, 0.028, 200, 180, 1),  # gate 85 % → 34
    ("孙丽娟", "淘宝企业店", 1_000_000, 840_000, 60_000, 50_000, 0.025, 0.021, 120, 120, 2),  # 84 %: under the gate
    ("李志强", "天猫旗舰店", 1_000_000, 2_100_000, 120_000, 150_000, 0.032, 0.040, 150, 240, 0),  # cap 80
    ("吴海燕", "抖音小店", 1_000_000, 1_500_000, 90_000, 88_000, 0.020, 0.018, 100, 95, 0),  # 60 (AMB-35)
    ("郑春梅", "拼多多店", 800_000, 760_000, 200_000, 190_000, 0.040, 0.036, 60, 66, 1),
    ("王建军", "京东自营店", 1_200_000, 1_260_000, 110_000, 99_000, 0.030, 0.030, 180, 162, 0),
    ("冯丽", "淘宝企业店", 600_000, 540_000, 50_000, 52_000, 0.022, 0.023, 90, 108, 3),
    ("陈明轩", "天猫旗舰店", 1_500_000, 1_380_000, 130_000, 117_000, 0.035, 0.030, 200, 200, 0),
    ("褚晓雯", "抖音小店", 500_000, 520_000, 70_000, 77_000, 0.018, 0.019, 80, 72, 6),  # reports: floor 0
    ("卫志强", "拼多多店", 900_000, 765_000, 180_000, 162_000, 0.038, 0.034, 55, 49.5, 1),  # 85 % exactly
    ("蒋文博", "京东自营店", 1_000_000, 1_000_000, 100_000, 100_000, 0.030, 0.030, 150, 150, 0),  # 100 everywhere
    ("沈佳琪", "天猫旗舰店", 1_100_000, 990_000, 95_000, 85_500, 0.031, 0.0295, 170, 187, 2),
    ("韩子轩", "淘宝企业店", 700_000, 630_000, 40_000, 40_400, 0.026, 0.024, 110, 99, 1),
    ("杨思远", "抖音小店", 1_000_000, 1_150_000, 85_000, 85_000, 0.021, 0.021, 120, 156, 0),
    ("朱梦琪", "拼多多店", 850_000, 680_000, 150_000, 120_000, 0.036, 0.030, 50, 45, 4),  # 80 %: under the gate
    ("秦浩然", "京东自营店", 950_000, 931_000, 100_000, 97_000, 0.029, 0.027, 160, 168, 0),
    ("尤雨桐", "天猫旗舰店", _, _, _, _, _, _, _, _, _),  # took over a new shop: no targets yet
    ("许宇航", "淘宝企业店", 650_000, 702_000, 45_000, 45_000, 0.024, 0.0245, 100, 110, 0),
    ("何心怡", "抖音小店", 0, 120_000, 30_000, 30_000, 0.015, 0.015, 70, 70, 0),  # target 0: #DIV/0!
    ("吕晨曦", "拼多多店", 780_000, 741_000, 160_000, 164_800, 0.037, 0.039, 58, 58, 1),
    ("施紫萱", "天猫旗舰店", 1_300_000, 1_209_000, 125_000, 118_750, 0.033, 0.031, 190, 209, 0),
)


def generate(r, i: int, name: str) -> tuple:
    """A plausible shop manager: sales 75–150 % of target, traffic 80–120 %, small report misses."""
    target = r.choice((500_000, 800_000, 1_000_000, 1_500_000))
    traffic = r.choice((50_000, 100_000, 150_000))
    conv = round(r.uniform(0.02, 0.04), 3)
    aov = r.choice((80, 120, 150, 200))
    return (
        name, r.choice(_SHOPS), target, round(target * r.uniform(0.75, 1.5), -3), traffic,
        round(traffic * r.uniform(0.8, 1.2)), conv, round(conv * r.uniform(0.8, 1.2), 4), aov,
        round(aov * r.uniform(0.8, 1.3), 1), r.choice((0, 0, 1, 2)),
    )


TEMPLATE = Template(
    name="Ops_Manager",
    scheme="S0-H",
    title="E-commerce operations manager monthly KPI plan",
    about="Every gate, cap, step, gap measure and rounding is a cell on the Rules sheet, to change as you need.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=TOTAL_HISTORY,
    summary=score_band_summary(),
    results=(("r", "R"), ("p_sales", "Sales"), ("total", "Total")),
)

