"""PreSales_T44 — pre-sales CS team KPI, SEED_RULES S0-F (tables 4.4, 4.5, 4.6), with the
team's levels and promotion tenure of S0-C.

Raw counts → rates X, Y, Z (KPI_RATE) → band points (KPI_BAND, KPI_MAP) → weighted total
35/25/15/15/10 (KPI_WEIGHTED) → grade A–D (KPI_GRADE) and forced grades (KPI_FORCE_GRADES)
→ pay base and coefficient (KPI_MAP) → bonus with a visible mode (KPI_PAYOUT) → streak
rewards over the months on History (KPI_STREAK); months at the current level, from
History, against the promotion tenure (KPI_TENURE_OK, AMB-13/14/15); the summary audits
the 15/45/30/10 % quotas (KPI_QUOTA_CHECK).
"""

from __future__ import annotations

from ..blocks import (
    MONEY,
    PAY_HISTORY,
    PAY_RESULTS,
    PERCENT,
    PERCENT1,
    band_formula,
    band_section,
    map_table,
    pay_columns,
    pay_past,
    pay_rules,
    pay_summary,
    weighted_formula,
    weights_section,
)
from ..layout import MONTH_FORMAT
from ..spec import BLANK, Between, Calc, Field, Input, Past, Pick, Record, Section, Table, Template

_ = BLANK
COUNT = Between(0, 1_000_000, whole=True)

RULES = (
    band_section(
        "X",
        "Table 4.4 order conversion rate X (35 %)",
        seed="「X>=55% 100…45%>X>=50% 80…40%>X>=45% 60X<40% 50」 X = 最终付款人数/询单人数",
        note="AMB-17: the 2nd and 3rd bands are literally empty ranges; read as plainly meant: [50%,55%) → 80, "
               "[45%,50%) → 60. AMB-18: [40%,45%) is still in no band → #N/A by default (the gap policy can say "
               "WORSE → 50 or BETTER → 60).",
        rows=[(0.55, _, "[)", 100), (0.50, 0.55, "[)", 80), (0.45, 0.50, "[)", 60), (_, 0.40, "[)", 50)],
        literal=["X>=55% 100", ("45%>X>=50% 80", "literally an empty range (AMB-17)"),
                 ("40%>X>=45% 60", "literally an empty range (AMB-17)"),
                 ("X<40% 50", "[40%,45%) is in no band (AMB-18)")],
        fmt=PERCENT,
    ),
    band_section(
        "Y",
        "Table 4.4 realised AOV ratio Y (25 %)",
        seed="「Y>=1.12 100…1.12>Y>=1.08 80…1.08>Y>=1.06 601.06>Y 50」 Y = 客服落实客单价/店铺客单价",
        note="Complete, lower bounds included. AMB-28: Y is a ratio (≈ 1.0), not a percentage.",
        rows=[(1.12, _, "[)", 100), (1.08, 1.12, "[)", 80), (1.06, 1.08, "[)", 60), (_, 1.06, "[)", 50)],
        literal=["Y>=1.12 100", "1.12>Y>=1.08 80", "1.08>Y>=1.06 60", "1.06>Y 50"],
        fmt="0.00",
    ),
    band_section(
        "Z",
        "Table 4.4 WangWang reply rate Z (15 %)",
        seed="「Z>=99% 100…99%>Z>=97% 80…97%>Z>=95% 6095%>Z 50」 Z = 回复过的客户/接待人数",
        note="Complete.",
        rows=[(0.99, _, "[)", 100), (0.97, 0.99, "[)", 80), (0.95, 0.97, "[)", 60), (_, 0.95, "[)", 50)],
        literal=["Z>=99% 100", "99%>Z>=97% 80", "97%>Z>=95% 60", "95%>Z 50"],
        fmt=PERCENT,
    ),
    band_section(
        "T",
        "Table 4.4 WangWang response time T, seconds (15 %)",
        seed="「T=<25 10025<T=<30 80…30<T=<35 60T>40 50」",
        note="=< includes the upper bound. AMB-19: (35,40] seconds is in no band → #N/A by default; WORSE is the "
               "slower band (40,∞) → 50, BETTER is (30,35] → 60 (direction LOWER).",
        rows=[(_, 25, "(]", 100), (25, 30, "(]", 80), (30, 35, "(]", 60), (40, _, "(]", 50)],
        literal=["T=<25 100", "25<T=<30 80", "30<T=<35 60",
                 ("T>40 50", "(35,40] is in no band (AMB-19)")],
        direction="LOWER",
    ),
    Section(
        "Table 4.4 everyday performance (10 %)",
        ("「优秀100良好80…合格70差50」", "rated by the CS supervisor"),
        "AMB-07: only the ratings of the table count (优 and 优秀 and the like are recognised); an unknown rating "
          "is #N/A.",
        (
            map_table("Perf", "Rating → points", "Points",
                      [("优秀", 100), ("良好", 80), ("合格", 70), ("差", 50)],
                      ["优秀100", "良好80", "合格70", "差50"]),
        ),
    ),
    weights_section(
        "Table 4.4 weights",
        seed="「订单转化率(X)35%」「落实客单价(Y)25%」「旺旺回复率(Z)15%」「旺旺响应时间(T)…15%」「平时表现客服主管打分10%」",
        note="They add up to 100 %; otherwise #VALUE! by default (the weight check can say NORMALIZE or AS_IS).",
        rows=[("订单转化率 X", 0.35), ("落实客单价 Y", 0.25), ("旺旺回复率 Z", 0.15), ("旺旺响应时间 T", 0.15),
              ("平时表现", 0.10)],
        literal=["35%", "25%", "15%", "15%", "10%"],
    ),
    *pay_rules(
        title="Table 4.5 grades and pay base / table 4.6 coefficient and quota",
        seed="「A 91~100 950」「B 86~90 800」「C 76~85 650」「D 65~75 550」 "
        "「等级 A B C D等级说明优秀良好合格待改进15% 45% 30% 10%人员比例绩效工资考核系数 1.4 倍 1.2 倍 1.0 倍0.8…」",
        rows=[
            ("A", "优秀", 91, 100, 950, 1.4, 0.15),
            ("B", "良好", 86, 90, 800, 1.2, 0.45),
            ("C", "合格", 76, 85, 650, 1.0, 0.30),
            ("D", "待改进", 65, 75, 550, 0.8, 0.10),
        ],
        literal=["A 91~100 950 · 优秀 15% 1.4倍", "B 86~90 800 · 良好 45% 1.2倍",
                 "C 76~85 650 · 合格 30% 1.0倍",
                 ("D 65~75 550 · 待改进 10% 0.8倍", "「0.82、」 read as 0.8")],
        quota_seed="「15% 45% 30% 10%人员比例」",
        payout_seed="「1、售前客服、售后业绩奖金核算:个人业绩奖金=绩效考核分值* 个人绩效工资考核系数,具体细则参照表4.4 、表 4.5 、表 4.6 」",
        streak_rule="金牌客服 = grade A (AMB-26)",
        streak_seed="「1、连续 2 个月为获得金牌客服,额外…奖励300~500 元/ 次;」「2、连续 3 个月为金牌客服底薪调整…200~500 元;」",
        streak_note="AMB-26/27: this seed does not define 「金牌客服」: grade A counts.",
    ),
    Section(
        "Levels and promotion tenure (S0-C)",
        "「一、客服分级:分为初级客服、中级客服、高级客服、资深客服四个类别。」「基本工资以客服职称划分」"
        "「(8)必须在初级客服上工作满3个月以上才可提出晋升申请,并通过考核。」"
        "「(12)必须在初级客服上工作满半年以上才可提出晋升申请,并通过考核。」",
        "Months at the level = whole months between this month and the first month History records at the "
          "current level (DATEDIF 「m」, AMB-15); 3 months means 3 or more (「满3个月以上」). AMB-13: for 高级 the seed "
          "says half a year 「在初级客服上」; read as plainly meant: 6 months at 中级. AMB-14: the seed gives neither "
          "the criteria for 资深 nor any level's base pay → left blank; a blank cell in use is #N/A 「rule missing」 "
          "(the promotion check of 高级 staff), computed once filled in, never a default. 「并通过考核」 (passing the "
          "appraisal) is confirmed by the supervisor.",
        (
            Table(
                "Level",
                "Levels and promotion",
                (Field("Key", "Job level"), Field("Next", "Next level"),
                 Field("Months", "Months at this level"),
                 Field("Pay", "Level base pay (元)", MONEY)),
                (("初级", "中级", 3, BLANK), ("中级", "高级", 6, BLANK), ("高级", "资深", BLANK, BLANK),
                 ("资深", BLANK, BLANK, BLANK)),
                ("「在初级客服上工作满3个月以上」",
                 ("「在初级客服上工作满半年以上」", "read as 6 months at 中级 (AMB-13)"),
                 ("", "the criteria for 资深 are not given (AMB-14)"),
                 ("", "the top level; no level's base pay is given (AMB-14)")),
            ),
        ),
    ),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("level", "职级", "Job level", valid=Pick("Level_Key"), keep=True),
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
    Calc("level_since", "任现职级起", "At this level since",
         '=IF({level}="","",IF(COUNTIFS({H:name},{name},{H:level},{level})=0,This_Month,'
         "MINIFS({H:month},{H:name},{name},{H:level},{level})))", MONTH_FORMAT),
    Calc("level_months", "晋升所需月数", "Months needed to move up", "=KPI_MAP({level},Level_Key,Level_Months)"),
    Calc("promotable", "可申请晋升", "May apply for promotion",
         "=KPI_TENURE_OK({level_since},This_Month,{level_months})"),
)

HISTORY = (*PAY_HISTORY, Record("level", "职级", "Job level"))

# name, level, inquiries, payers, cs_aov, shop_aov, replied, received, resp (s), perf, special.
# Totals by hand (SEED_RULES §6) are in tests/test_templates.py.
SAMPLE = (
    ("王静", "初级", 200, 114, 163.5, 150, 490, 500, 24, "良好", _),  # WE-6: 90 → B → 108 元
    ("李娜", "中级", 180, 104, 170, 150, 396, 400, 22, "优秀", 300),  # 100 → A, three A in a row
    ("张敏", "初级", 220, 110, 168, 150, 485, 500, 25, "良好", _),  # boundaries 50 %, 1.12, 97 %, 25 s: 88
    ("刘洋", "初级", 200, 84, 162, 150, 480, 500, 28, "合格", _),  # X = 42 %: gap (AMB-18)
    ("陈杰", "中级", 150, 90, 160, 150, 500, 500, 38, "优秀", _),  # T = 38 s: gap (AMB-19)
    ("杨雪", "初级", 250, 130, 158, 150, 475, 500, 30, "合格", _),  # WE-1 X = 52 %: 68.5 → D
    ("黄磊", "初级", 200, 70, 150, 150, 460, 500, 45, "差", _),  # 50: below 65, no grade, no bonus
    ("赵婷", "中级", 300, 160, 180, 150, 490, 500, 20, "良好", _),  # 88, tied with 张敏
    ("吴芳", "初级", 1000, 399, 162, 150, 485, 500, 28, "优秀", _),  # X = 39.9 % → 50 (WE-2): 71.5
    ("周勇", "中级", 200, 116, 170, 150, 500, 500, 42, "良好", _),  # 90.5: B (CONTINUOUS), A if rounded
    ("徐丽", "初级", 160, 92, 165, 150, 396, 400, 41, "良好", _),  # 85.5: C (CONTINUOUS)
    ("孙强", "高级", 240, 140, 175, 150, 500, 500, 19, "良好", _),  # 98; 资深 criteria missing (AMB-14)
    ("马军", "中级", 200, 106, 171, 150, 500, 500, 21, "优秀", 500),  # 93
    ("朱燕", "中级", 210, 120, 172, 150, 400, 400, 23, "良好", _),  # 98, three-way tie at the top
    ("胡慧", "初级", 200, 102, 163, 150, 490, 500, 27, "良好", _),  # 80
    ("郭颖", "初级", 200, 100, 162, 150, 480, 500, 30, "合格", _),  # 76: C at its lower bound
    ("何欣怡", "初级", 200, 92, 163, 150, 490, 500, 25, "合格", _),  # 75: D at its upper bound
    ("林子轩", "初级", 200, 90, 160, 150, 475, 500, 26, "良好", _),  # 65: D at its lower bound
    ("罗浩然", "初级", 200, 95, 155, 150, 480, 500, 29, "优秀", _),  # 64.5: no grade; 65 → D if rounded
    ("高雨桐", "初级", _, _, _, _, _, _, _, _, _),  # new this month: no data yet, blank results
    ("郑思远", "初级", 200, 112, 170, 150, 500, 500, 20, _, _),  # rating not given yet: #VALUE! total
    ("谢晓雯", "中级", 190, 110, 172, 150, 495, 500, 18, "良好", _),  # 98
    ("宋俊杰", "初级", 120, 70, 164, 150, 392, 400, 18, "良好", _),  # 90, tied with 王静
    ("唐一鸣", "初级", 200, 104, 161, 150, 478, 500, 29, "良好", _),  # 72
    ("许诗涵", "初级", 200, 118, 165, 150, 490, 500, 27, "差", _),  # 84
)

# Pay grades of the two months before (2016-01, 2016-02), as their workbooks computed them.
GRADES = {
    "王静": ("B", "A"), "李娜": ("A", "A"), "张敏": ("B", "B"), "刘洋": ("C", "C"), "陈杰": ("B", "C"),
    "杨雪": ("D", "C"), "黄磊": ("D", "D"), "赵婷": ("B", "A"), "吴芳": ("C", "D"), "周勇": ("A", "B"),
    "徐丽": ("B", "B"), "孙强": ("A", "B"), "马军": ("B", "A"), "朱燕": ("B", "A"), "胡慧": ("C", "B"),
    "郭颖": ("C", "C"), "何欣怡": ("D", "C"), "林子轩": ("D", "D"), "罗浩然": ("D", "D"),
    "郑思远": ("B", "B"), "谢晓雯": ("A", "A"), "宋俊杰": ("B", "B"), "唐一鸣": ("C", "D"), "许诗涵": ("C", "C"),
}
# Months on History at each one's level before this month (longer for some): 王静 初级 since
# 2015-12 (3 months by March: may apply), 李娜 中级 since 2015-09 (6 months), 张敏 since
# 2016-01 (2: not yet), 马军 moved up to 中级 this month (no month at 中级 yet).
SINCE = {"王静": 3, "李娜": 6, "张敏": 2, "孙强": 4, "朱燕": 5, "马军": 0}
EARLIER = {"马军": "初级"}


def _past() -> tuple[Past, ...]:
    pay = {(p.name, p.months_back): p.values for p in pay_past(GRADES)}
    out = []
    for name, level, *_ in SAMPLE:
        if name not in GRADES and name not in SINCE:
            continue  # new this month: nothing on History
        since = SINCE.get(name, 2)
        for back in range(max(since, 2), 0, -1):
            values = dict(pay.get((name, back), {}))
            values["level"] = level if back <= since else EARLIER[name]
            out.append(Past(back, name, values))
    return tuple(out)


def generate(r, i: int, name: str) -> tuple:
    """A plausible pre-sales employee: conversion 35–65 %, AOV ratio 0.98–1.2, reply 93–100 %, 15–45 s."""
    inquiries = r.randint(80, 400)
    received = r.randint(200, 600)
    return (
        name, r.choice(("初级", "初级", "中级", "中级", "高级")), inquiries, round(inquiries * r.uniform(0.35, 0.65)),
        round(150 * r.uniform(0.98, 1.2), 1), 150, min(received, round(received * r.uniform(0.93, 1.0))), received,
        r.randint(15, 45), r.choice(("优秀", "良好", "良好", "合格", "差")), _,
    )


def generate_past(rows: list[tuple], rng_of) -> list[Past]:
    """Two earlier months each: pay grades as their workbooks computed them, the level unchanged."""
    grades = {row[0]: tuple(rng_of(i).choices(("A", "B", "B", "C", "D"), k=2)) for i, row in enumerate(rows)}
    level = {row[0]: row[1] for row in rows}
    return [Past(p.months_back, p.name, {**p.values, "level": level[p.name]}) for p in pay_past(grades)]


TEMPLATE = Template(
    name="PreSales_T44",
    scheme="S0-F",
    title="Pre-sales CS team KPI (tables 4.4–4.6)",
    about="Performance bonus = appraisal score × pay coefficient (the mode can be changed). Yellow cells are "
            "inputs, blue cells are computed by the KPI_ functions.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    past=_past(),
    generate_past=generate_past,
    summary=pay_summary(),
    results=PAY_RESULTS,
)
