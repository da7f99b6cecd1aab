"""PreSales_T44 — pre-sales CS team KPI, SEED_RULES S0-F (tables 4.4, 4.5, 4.6).

Raw counts → rates X, Y, Z (KPI_RATE) → band points (KPI_BAND, KPI_MAP) → weighted total
35/25/15/15/10 (KPI_WEIGHTED) → grade A–D (KPI_GRADE) and forced grades (KPI_FORCE_GRADES)
→ pay base and coefficient (KPI_MAP) → bonus with a visible mode (KPI_PAYOUT) → streak
rewards (KPI_STREAK); the summary audits the 15/45/30/10 % quotas (KPI_QUOTA_CHECK).
"""

from __future__ import annotations

from ..blocks import (
    MONEY,
    PAY_RESULTS,
    PERCENT,
    PERCENT1,
    band_formula,
    band_section,
    map_table,
    pay_columns,
    pay_rules,
    pay_summary,
    weighted_formula,
    weights_section,
)
from ..people import names
from ..spec import BLANK, Between, Calc, Input, Pick, Section, Template

_ = BLANK
COUNT = Between(0, 1_000_000, whole=True)

RULES = (
    band_section(
        "X",
        "表4.4 订单转化率 X",
        "Table 4.4 order conversion rate X (35 %)",
        seed="「X>=55% 100…45%>X>=50% 80…40%>X>=45% 60X<40% 50」 X = 最终付款人数/询单人数",
        note="AMB-17: 第2、3档字面上是空集, 按明显本意修复为 [50%,55%)→80, [45%,50%)→60. "
        "AMB-18: [40%,45%) 仍无档 → 默认 #N/A (落空策略可改 WORSE→50 / BETTER→60).",
        rows=[(0.55, _, "[)", 100), (0.50, 0.55, "[)", 80), (0.45, 0.50, "[)", 60), (_, 0.40, "[)", 50)],
        literal=["X>=55% 100", "45%>X>=50% 80 (字面为空集 literally empty, AMB-17)",
                 "40%>X>=45% 60 (字面为空集 literally empty, AMB-17)", "X<40% 50  — [40%,45%) 无档 gap (AMB-18)"],
        fmt=PERCENT,
    ),
    band_section(
        "Y",
        "表4.4 落实客单价 Y",
        "Table 4.4 realised AOV ratio Y (25 %)",
        seed="「Y>=1.12 100…1.12>Y>=1.08 80…1.08>Y>=1.06 601.06>Y 50」 Y = 客服落实客单价/店铺客单价",
        note="完整, 下限含 complete, lower bound inclusive. AMB-28: Y 是比值 (≈1.0), 不是百分数.",
        rows=[(1.12, _, "[)", 100), (1.08, 1.12, "[)", 80), (1.06, 1.08, "[)", 60), (_, 1.06, "[)", 50)],
        literal=["Y>=1.12 100", "1.12>Y>=1.08 80", "1.08>Y>=1.06 60", "1.06>Y 50"],
        fmt="0.00",
    ),
    band_section(
        "Z",
        "表4.4 旺旺回复率 Z",
        "Table 4.4 WangWang reply rate Z (15 %)",
        seed="「Z>=99% 100…99%>Z>=97% 80…97%>Z>=95% 6095%>Z 50」 Z = 回复过的客户/接待人数",
        note="完整 complete.",
        rows=[(0.99, _, "[)", 100), (0.97, 0.99, "[)", 80), (0.95, 0.97, "[)", 60), (_, 0.95, "[)", 50)],
        literal=["Z>=99% 100", "99%>Z>=97% 80", "97%>Z>=95% 60", "95%>Z 50"],
        fmt=PERCENT,
    ),
    band_section(
        "T",
        "表4.4 旺旺响应时间 T (秒)",
        "Table 4.4 WangWang response time T, seconds (15 %)",
        seed="「T=<25 10025<T=<30 80…30<T=<35 60T>40 50」",
        note="=< 含上限 upper bound inclusive. AMB-19: (35,40] 秒无档 → 默认 #N/A; WORSE = 较慢档 (40,∞)→50, "
        "BETTER = (30,35]→60 (方向 LOWER).",
        rows=[(_, 25, "(]", 100), (25, 30, "(]", 80), (30, 35, "(]", 60), (40, _, "(]", 50)],
        literal=["T=<25 100", "25<T=<30 80", "30<T=<35 60", "T>40 50  — (35,40] 无档 gap (AMB-19)"],
        direction="LOWER",
    ),
    Section(
        "表4.4 平时表现",
        "Table 4.4 everyday performance (10 %)",
        "「优秀100良好80…合格70差50」 客服主管打分",
        "AMB-07: 只认表中评价 (优/优秀 等写法自动识别), 未知评价为 #N/A.",
        (
            map_table("Perf", "评价对应分数", "Rating → points", "得分", "Points",
                      [("优秀", 100), ("良好", 80), ("合格", 70), ("差", 50)],
                      ["优秀100", "良好80", "合格70", "差50"]),
        ),
    ),
    weights_section(
        "表4.4 权重",
        "Table 4.4 weights",
        seed="「订单转化率(X)35%」「落实客单价(Y)25%」「旺旺回复率(Z)15%」「旺旺响应时间(T)…15%」「平时表现客服主管打分10%」",
        note="合计 100 %; 不等于 100 % 时默认 #VALUE! (权重检查可改 NORMALIZE / AS_IS).",
        rows=[("订单转化率 X", 0.35), ("落实客单价 Y", 0.25), ("旺旺回复率 Z", 0.15), ("旺旺响应时间 T", 0.15),
              ("平时表现", 0.10)],
        literal=["35%", "25%", "15%", "15%", "10%"],
    ),
    *pay_rules(
        zh="表4.5 等级与绩效工资基数 / 表4.6 系数与人员比例",
        en="Table 4.5 grades and pay base / table 4.6 coefficient and quota",
        seed="「A 91~100 950」「B 86~90 800」「C 76~85 650」「D 65~75 550」 "
        "「等级 A B C D等级说明优秀良好合格待改进15% 45% 30% 10%人员比例绩效工资考核系数 1.4 倍 1.2 倍 1.0 倍0.8…」",
        rows=[
            ("A", "优秀", 91, 100, 950, 1.4, 0.15),
            ("B", "良好", 86, 90, 800, 1.2, 0.45),
            ("C", "合格", 76, 85, 650, 1.0, 0.30),
            ("D", "待改进", 65, 75, 550, 0.8, 0.10),
        ],
        literal=["A 91~100 950 · 优秀 15% 1.4倍", "B 86~90 800 · 良好 45% 1.2倍",
                 "C 76~85 650 · 合格 30% 1.0倍", "D 65~75 550 · 待改进 10% 0.8倍 (「0.82、」读作 0.8)"],
        quota_seed="「15% 45% 30% 10%人员比例」",
        payout_seed="「1、售前客服、售后业绩奖金核算:个人业绩奖金=绩效考核分值* 个人绩效工资考核系数,具体细则参照表4.4 、表 4.5 、表 4.6 」",
        streak_rule="金牌客服 = 等级 A (AMB-26)",
        streak_seed="「1、连续 2 个月为获得金牌客服,额外…奖励300~500 元/ 次;」「2、连续 3 个月为金牌客服底薪调整…200~500 元;」",
        streak_note="「金牌客服」本种子未定义, 取等级 A",
    ),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10),
    Input("inquiries", "询单人数", "Inquiring buyers", valid=COUNT),
    Input("payers", "最终付款人数", "Paying buyers", valid=COUNT),
    Input("cs_aov", "客服落实客单价", "CS-realised AOV (元)", MONEY, Between(0, 100_000)),
    Input("shop_aov", "店铺客单价", "Shop AOV (元)", MONEY, Between(0, 100_000)),
    Input("replied", "回复过的客户", "Buyers replied to", valid=COUNT),
    Input("received", "接待人数", "Buyers received", valid=COUNT),
    Input("resp", "平均响应时间(秒)", "Avg response time (s)", "0.0", Between(0, 3600)),
    Input("perf", "平时表现", "Everyday performance", valid=Pick("Perf_Key")),
    Calc("x", "订单转化率 X", "Conversion X", "=KPI_RATE({payers},{inquiries})", PERCENT1),
    Calc("y", "落实客单价 Y", "AOV ratio Y", "=KPI_RATE({cs_aov},{shop_aov})", "0.000"),
    Calc("z", "旺旺回复率 Z", "Reply rate Z", "=KPI_RATE({replied},{received})", PERCENT1),
    Calc("px", "X得分", "X points", band_formula("x", "X")),
    Calc("py", "Y得分", "Y points", band_formula("y", "Y")),
    Calc("pz", "Z得分", "Z points", band_formula("z", "Z")),
    Calc("pt", "T得分", "T points", band_formula("resp", "T")),
    Calc("pp", "表现得分", "Performance points", "=KPI_MAP({perf},Perf_Key,Perf_Value)"),
    Calc("total", "加权总分", "Weighted total", weighted_formula("px", "pp"), "0.0"),
    *pay_columns(),
)

# name, inquiries, payers, cs_aov, shop_aov, replied, received, resp (s), perf, m2, m1, special.
# Totals by hand (SEED_RULES §6) are in tests/test_templates.py.
SAMPLE = (
    ("王静", 200, 114, 163.5, 150, 490, 500, 24, "良好", "B", "A", _),  # WE-6: 90 → B → 108 元
    ("李娜", 180, 104, 170, 150, 396, 400, 22, "优秀", "A", "A", 300),  # 100 → A, three A in a row
    ("张敏", 220, 110, 168, 150, 485, 500, 25, "良好", "B", "B", _),  # boundaries 50 %, 1.12, 97 %, 25 s: 88
    ("刘洋", 200, 84, 162, 150, 480, 500, 28, "合格", "C", "C", _),  # X = 42 %: gap (AMB-18)
    ("陈杰", 150, 90, 160, 150, 500, 500, 38, "优秀", "B", "C", _),  # T = 38 s: gap (AMB-19)
    ("杨雪", 250, 130, 158, 150, 475, 500, 30, "合格", "D", "C", _),  # WE-1 X = 52 %: 68.5 → D
    ("黄磊", 200, 70, 150, 150, 460, 500, 45, "差", "D", "D", _),  # 50: below 65, no grade, no bonus
    ("赵婷", 300, 160, 180, 150, 490, 500, 20, "良好", "B", "A", _),  # 88, tied with 张敏
    ("吴芳", 1000, 399, 162, 150, 485, 500, 28, "优秀", "C", "D", _),  # X = 39.9 % → 50 (WE-2): 71.5
    ("周勇", 200, 116, 170, 150, 500, 500, 42, "良好", "A", "B", _),  # 90.5: B (CONTINUOUS), A if rounded
    ("徐丽", 160, 92, 165, 150, 396, 400, 41, "良好", "B", "B", _),  # 85.5: C (CONTINUOUS)
    ("孙强", 240, 140, 175, 150, 500, 500, 19, "良好", "A", "B", _),  # 98
    ("马军", 200, 106, 171, 150, 500, 500, 21, "优秀", "B", "A", 500),  # 93
    ("朱燕", 210, 120, 172, 150, 400, 400, 23, "良好", "B", "A", _),  # 98, three-way tie at the top
    ("胡慧", 200, 102, 163, 150, 490, 500, 27, "良好", "C", "B", _),  # 80
    ("郭颖", 200, 100, 162, 150, 480, 500, 30, "合格", "C", "C", _),  # 76: C at its lower bound
    ("何欣怡", 200, 92, 163, 150, 490, 500, 25, "合格", "D", "C", _),  # 75: D at its upper bound
    ("林子轩", 200, 90, 160, 150, 475, 500, 26, "良好", "D", "D", _),  # 65: D at its lower bound
    ("罗浩然", 200, 95, 155, 150, 480, 500, 29, "优秀", "D", "D", _),  # 64.5: no grade; 65 → D if rounded
    ("高雨桐", _, _, _, _, _, _, _, _, _, _, _),  # new this month: no data yet, blank results
    ("郑思远", 200, 112, 170, 150, 500, 500, 20, _, "B", "B", _),  # rating not given yet: #VALUE! total
    ("谢晓雯", 190, 110, 172, 150, 495, 500, 18, "良好", "A", "A", _),  # 98
    ("宋俊杰", 120, 70, 164, 150, 392, 400, 18, "良好", "B", "B", _),  # 90, tied with 王静
    ("唐一鸣", 200, 104, 161, 150, 478, 500, 29, "良好", "C", "D", _),  # 72
    ("许诗涵", 200, 118, 165, 150, 490, 500, 27, "差", "C", "C", _),  # 84
)


def generate(r, n: int) -> list[tuple]:
    """n plausible pre-sales staff: conversion 35–65 %, AOV ratio 0.98–1.2, reply 93–100 %, 15–45 s."""
    rows = []
    for name in names(r, n):
        inquiries = r.randint(80, 400)
        payers = round(inquiries * r.uniform(0.35, 0.65))
        received = r.randint(200, 600)
        replied = min(received, round(received * r.uniform(0.93, 1.0)))
        grades = ("A", "B", "C", "D")
        rows.append((
            name, inquiries, payers, round(150 * r.uniform(0.98, 1.2), 1), 150, replied, received,
            r.randint(15, 45), r.choice(("优秀", "良好", "良好", "合格", "差")),
            r.choice(grades), r.choice(grades), _,
        ))
    return rows


TEMPLATE = Template(
    name="PreSales_T44",
    scheme="S0-F",
    zh="售前客服团队绩效考核 (表4.4–4.6)",
    en="Pre-sales CS team KPI (tables 4.4–4.6)",
    about="个人业绩奖金 = 绩效考核分值 × 个人绩效工资考核系数 (模式可改). 黄色格填写, 蓝色格自动计算. "
    "Yellow cells are inputs, blue cells are computed by the KPI_ functions.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    summary=pay_summary(),
    results=PAY_RESULTS,
)
