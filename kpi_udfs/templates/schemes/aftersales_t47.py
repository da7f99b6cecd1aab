"""AfterSales_T47 — after-sales CS KPI, SEED_RULES S0-G (tables 4.7, 4.8, 4.9).

Z reply rate, T response time (gaps (30,35] and (45,50], AMB-30), Q answer-to-question
ratio (literal last band 「Q>100%」 overlapping every band above it, AMB-33), P shop
rating and teamwork → KPI_WEIGHTED with the weights left blank as the seed leaves them
(AMB-29: every total is #VALUE! until HR fills them in) → grade, pay, quotas, streaks.
"""

from __future__ import annotations

from ..blocks import (
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
from ..spec import BLANK, Between, Calc, Input, Past, Pick, Section, Template

_ = BLANK
COUNT = Between(0, 1_000_000, whole=True)

RULES = (
    band_section(
        "Z",
        "Table 4.7 WangWang reply rate Z",
        seed="「Z>=99% 100…99%>Z>=97% 80…97%>Z>=95% 6095%>Z 50」 Z = 回复过的客户/接待人数",
        note="Complete.",
        rows=[(0.99, _, "[)", 100), (0.97, 0.99, "[)", 80), (0.95, 0.97, "[)", 60), (_, 0.95, "[)", 50)],
        literal=["Z>=99% 100", "99%>Z>=97% 80", "97%>Z>=95% 60", "95%>Z 50"],
        fmt=PERCENT,
    ),
    band_section(
        "T",
        "Table 4.7 WangWang response time T, seconds",
        seed="「T=<30 10035<T=<40 80…40<T=<45 60…T>50 50」",
        note="AMB-30: (30,35] and (45,50] seconds are in no band → #N/A by default; WORSE and BETTER take the "
               "neighbouring band by the direction LOWER.",
        rows=[(_, 30, "(]", 100), (35, 40, "(]", 80), (40, 45, "(]", 60), (50, _, "(]", 50)],
        literal=[("T=<30 100", "(30,35] is in no band"), "35<T=<40 80",
                 ("40<T=<45 60", "(45,50] is in no band"), "T>50 50"],
        direction="LOWER",
    ),
    band_section(
        "Q",
        "Table 4.7 answer-to-question ratio Q",
        seed="「Q≥130% 100…130%>Q≥120% 80…120%>Q≥110% 60Q>100% 50」 Q = 「客户消息数/ …买家消息数」",
        note="AMB-31: the numerator is the CS messages. AMB-33: the last band 「Q>100%」 overlaps the ones above: "
               "the first matching row counts (overlap policy FIRST); Q ≤ 100 % is in no band → #N/A. A fix: make "
               "the last band lower bound blank, upper bound 1.10, ends [) (Q < 110 % → 50).",
        rows=[(1.30, _, "[)", 100), (1.20, 1.30, "[)", 80), (1.10, 1.20, "[)", 60), (1.00, _, "()", 50)],
        literal=["Q≥130% 100", "130%>Q≥120% 80", "120%>Q≥110% 60",
                 ("Q>100% 50", "as written: it overlaps, and Q ≤ 100 % is in no band")],
        on_overlap="FIRST",
        fmt=PERCENT,
    ),
    band_section(
        "P",
        "Table 4.7 shop rating P (0–5)",
        seed="「P>=4.9 100…4.8=<P<4.9 80…4.7=<P<4.8 60P<4.7 50」 P = 「好评数/总评…价数」",
        note="AMB-32: the definition reads like a share of good reviews, but the thresholds are a 5-point shop "
               "rating → type the shop rating, 0–5.",
        rows=[(4.9, _, "[)", 100), (4.8, 4.9, "[)", 80), (4.7, 4.8, "[)", 60), (_, 4.7, "[)", 50)],
        literal=["P>=4.9 100", "4.8=<P<4.9 80", "4.7=<P<4.8 60", "P<4.7 50"],
        fmt="0.00",
    ),
    Section(
        "Table 4.7 teamwork",
        "「优秀100客服主管打良好80团队合作分合格70差50」",
        "AMB-07: an unknown rating is #N/A.",
        (
            map_table("Team", "Rating → points", "Points",
                      [("优秀", 100), ("良好", 80), ("合格", 70), ("差", 50)],
                      ["优秀100", "良好80", "合格70", "差50"]),
        ),
    ),
    weights_section(
        "Table 4.7 weights",
        seed=("「权重KPI 指标详细描述标准分值数据得分加权得分(%)」",
              "the header has a weight column, but the table holds no weight at all"),
        note="AMB-29: the seed gives no weights → they are required blanks; until they are filled in the totals "
               "are #VALUE! (you may assume 20 % each, and say so).",
        rows=[("旺旺回复率 Z", _), ("旺旺响应时间 T", _), ("答问比 Q", _), ("店铺评分 P", _), ("团队合作", _)],
        literal=[("", "none")] * 5,
        required=True,
    ),
    *pay_rules(
        title="Table 4.8 grades and pay base / table 4.9 coefficient and quota",
        seed="「A 91~100 950」「B 86~90 800」「C 76~85 650」「D 65~75 550」 "
        "「等级 A B C D等级说明优秀良好合格待改进人员比例15% 45% 30% 10%绩效工资考核系数 1.4 倍 1.2 倍 1.0 倍0.8 倍」",
        rows=[
            ("A", "优秀", 91, 100, 950, 1.4, 0.15),
            ("B", "良好", 86, 90, 800, 1.2, 0.45),
            ("C", "合格", 76, 85, 650, 1.0, 0.30),
            ("D", "待改进", 65, 75, 550, 0.8, 0.10),
        ],
        literal=["A 91~100 950 · 优秀 15% 1.4倍", "B 86~90 800 · 良好 45% 1.2倍",
                 "C 76~85 650 · 合格 30% 1.0倍", "D 65~75 550 · 待改进 10% 0.8倍"],
        quota_seed=("「人员比例15% 45% 30% 10%」", "table 4.9"),
        payout_seed="「2、售后业绩奖金核算:个人业绩奖金=绩效考核分值*个人绩效工资考核系数,具体细则参照表 4.7 、表4.8 、表 4.9 」",
        streak_rule="A in a row (table 4.8 says A)",
        streak_seed="「1、连续2 个月为A,额外奖励300~500…元/ 次不等;2、连续3 个月为A,底薪调整200~500…元不等;」",
        streak_note="AMB-26/27: table 4.8 says A.",
    ),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("replied", "回复过的客户", "Buyers replied to", valid=COUNT),
    Input("received", "接待人数", "Buyers received", valid=COUNT),
    Input("resp", "平均响应时间(秒)", "Avg response time (s)", "0.0", Between(0, 3600)),
    Input("cs_msgs", "客服消息数", "CS messages", valid=COUNT),
    Input("buyer_msgs", "买家消息数", "Buyer messages", valid=COUNT),
    Input("rating", "店铺评分", "Shop rating (0–5)", "0.00", Between(0, 5)),
    Input("team", "团队合作", "Teamwork", valid=Pick("Team_Key")),
    Calc("z", "旺旺回复率 Z", "Reply rate Z", "=KPI_RATE({replied},{received})", PERCENT1),
    Calc("q", "答问比 Q", "Answer ratio Q", "=KPI_RATE({cs_msgs},{buyer_msgs})", PERCENT1),
    Calc("pz", "Z得分", "Z points", band_formula("z", "Z")),
    Calc("pt", "T得分", "T points", band_formula("resp", "T")),
    Calc("pq", "Q得分", "Q points", band_formula("q", "Q", overlap=True)),
    Calc("pp", "P得分", "P points", band_formula("rating", "P")),
    Calc("pteam", "团队合作得分", "Teamwork points", "=KPI_MAP({team},Team_Key,Team_Value)"),
    Calc("total", "加权总分", "Weighted total", weighted_formula("pz", "pteam"), "0.0"),
    *pay_columns(),
)

# name, replied, received, resp (s), CS messages, buyer messages, shop rating, teamwork, special.
# Points and (with 20 % weights) totals by hand are in tests/test_templates.py.
SAMPLE = (
    ("王芳", 495, 500, 28, 270, 200, 4.92, "优秀", _),  # all 100
    ("李强", 490, 500, 38, 250, 200, 4.85, "良好", _),  # all 80; Q 125 % overlaps the literal last band
    ("张伟", 485, 500, 33, 240, 200, 4.80, "良好", _),  # T = 33 s: gap (30, 35] (AMB-30)
    ("刘敏", 480, 500, 48, 230, 200, 4.75, "合格", _),  # T = 48 s: gap (45, 50]
    ("陈静", 500, 500, 25, 190, 200, 4.90, "优秀", _),  # Q = 95 %: no band (AMB-33)
    ("杨帆", 470, 500, 52, 210, 200, 4.60, "差", _),  # all 50: below 65, no grade
    ("赵丽", 495, 500, 30, 200, 200, 4.95, "优秀", _),  # Q = 100 % exactly: 「Q>100%」 excludes it
    ("黄涛", 490, 500, 40, 260, 200, 4.90, "良好", _),  # boundaries 40 s, 130 %, 4.9
    ("吴梅", 485, 500, 42, 224, 200, 4.80, "合格", _),
    ("周杰", 497, 500, 29, 262, 200, 4.88, "优秀", 200),
    ("徐晨", 476, 500, 44, 236, 200, 4.72, "合格", _),
    ("孙悦", 490, 500, 30, 244, 200, 4.86, "良好", _),
    ("马超", 495, 500, 36, 270, 200, 4.91, "良好", _),
    ("朱琳", 495, 500, 24, 238, 200, 4.90, "优秀", _),
    ("胡斌", 488, 500, 45, 226, 200, 4.70, "良好", _),  # boundaries 45 s (inclusive), 4.7
    ("郭静怡", 450, 500, 51, 215, 200, 4.78, "合格", _),
    ("何俊", 499, 500, 26, 255, 200, 4.83, "优秀", _),
    ("林悦", 493, 500, 39, 246, 200, 4.87, "良好", _),
    ("罗斌", _, _, _, _, _, _, _, _),  # joined this month: no data, blank results
    ("郑洁", 490, 500, 27, 250, 200, 4.90, _, _),  # teamwork not rated yet
    ("梁宇", 496, 500, 27, 280, 200, 4.95, "良好", _),
    ("宋雨", 487, 500, 41, 232, 200, 4.76, "合格", _),
    ("谢婷", 491, 500, 37, 252, 200, 4.90, "良好", _),
)

# Pay grades of the two months before, as their workbooks computed them (History).
GRADES = {
    "王芳": ("A", "A"), "李强": ("B", "B"), "张伟": ("B", "C"), "刘敏": ("C", "C"), "陈静": ("A", "B"),
    "杨帆": ("D", "D"), "赵丽": ("B", "A"), "黄涛": ("B", "B"), "吴梅": ("C", "C"), "周杰": ("A", "A"),
    "徐晨": ("D", "C"), "孙悦": ("B", "B"), "马超": ("A", "B"), "朱琳": ("B", "A"), "胡斌": ("C", "C"),
    "郭静怡": ("D", "D"), "何俊": ("B", "B"), "林悦": ("C", "B"), "郑洁": ("B", "B"), "梁宇": ("A", "A"),
    "宋雨": ("C", "D"), "谢婷": ("B", "C"),
}


def generate(r, i: int, name: str) -> tuple:
    """A plausible after-sales employee: reply 93–100 %, 20–55 s, Q 0.95–1.45, rating 4.6–5."""
    received = r.randint(200, 600)
    buyer = r.randint(150, 400)
    return (
        name, min(received, round(received * r.uniform(0.93, 1.0))), received, r.randint(20, 55),
        round(buyer * r.uniform(0.95, 1.45)), buyer, round(r.uniform(4.6, 5.0), 2),
        r.choice(("优秀", "良好", "良好", "合格", "差")), _,
    )


def generate_past(rows: list[tuple], rng_of) -> list[Past]:
    return list(pay_past({row[0]: tuple(rng_of(i).choices("ABCD", k=2)) for i, row in enumerate(rows)}))


TEMPLATE = Template(
    name="AfterSales_T47",
    scheme="S0-G",
    title="After-sales CS KPI (tables 4.7–4.9)",
    about="The seed gives no weights (AMB-29): fill them in on the Rules sheet to get totals, grades and bonuses.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=PAY_HISTORY,
    past=pay_past(GRADES),
    generate_past=generate_past,
    summary=pay_summary(),
    results=PAY_RESULTS,
)
