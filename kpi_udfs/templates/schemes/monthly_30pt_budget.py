"""Monthly_30pt_Budget — Tmall CS reward/penalty plan 2 (30-point monthly budget), SEED_RULES S2-B.

Each person starts the month with 30 points. Offences cost points after a first warning
(KPI_ADJUST with free counts and a visible mode for 「以此類推」, AMB-66); rewards add
+3/+5 and month-end rank points 5/3/1 (KPI_RANK_BONUS, tie-policy cell, AMB-72); at most
2 deduction events earns +3 (KPI_PASS, AMB-71); the total is capped at 30 (AMB-70). The
points fall in bands that cut the month's bonus by 0 / 10 / 30 / 100 % (KPI_BAND, AMB-68/69).
The same shop's plan 1 (S2-A) fines unfollowed after-sales problems 100 元 each and the
whole team 200 元 each at the third; who is counted and whether the count restarts each
month are policy cells (AMB-65), the months before read from History.
"""

from __future__ import annotations

from ..blocks import (
    MONEY,
    PERCENT,
    all_months,
    band_formula,
    band_section,
    error_count,
    floor_policy,
    money,
    money_section,
    staff_count,
)
from ..policies import policy
from ..spec import (
    BLANK,
    Between,
    Calc,
    Distribution,
    Field,
    Input,
    Metric,
    Past,
    Ranked,
    Record,
    Section,
    Setting,
    Summary,
    Table,
    Template,
)

_ = BLANK
COUNT = Between(0, 100, whole=True)

RULES = (
    Section(
        "Deductions (warning first)",
        "「(1)客戶投訴服務態度不好的及說話輕浮的,第一次予以警告。2次及2次以上扣1分,以此類推。」"
        "「(2)沒有備注清楚…第一次予以警告。2次及2次以上扣1分,以此類推。」「(3)為了轉化率而私自大幅度降價者,第一次予以警告。"
        "1次以上扣2分,以此類推」「(4)推卸責任者…第一次予以警告。1次以上扣1分。以此類推。」"
        "「如有發現犯下重大錯誤而導致公司重大損失的直接扣 10分且處留司查看。」",
        "AMB-66: 「以此類推」 (and so on) can be read three ways → a mode cell: LINEAR, each time from the 2nd (the "
          "default), ESCALATING, FLAT once only. AMB-67: each item's free events (warnings) are in the table. "
          "AMB-73: a serious error is also marked 「留司查看」 (on probation).",
        (
            Table(
                "Pen",
                "Deduction rules",
                (Field("Item", "Offence"), Field("PerUnit", "Points per event"),
                 Field("Free", "Warnings (free)"), Field("Event", "Counts as a deduction")),
                (("态度投诉", -1, 1, 1), ("备注不清", -1, 1, 1), ("私自降价", -2, 1, 1), ("推卸责任", -1, 1, 1),
                 ("重大错误", -10, 0, 1)),
                ("第一次警告, 2次及以上扣1分", "第一次警告, 2次及以上扣1分", "第一次警告, 1次以上扣2分",
                 "第一次警告, 1次以上扣1分", "直接扣10分且留司查看"),
            ),
            policy("Pen_Mode", "Reading of 以此類推", "KPI_ADJUST.mode", "LINEAR",
                   "AMB-66: 3 complaints about attitude: LINEAR −2, ESCALATING −(1+2) = −3, FLAT −1"),
        ),
    ),
    Section(
        "Rewards",
        "「(1)…第一名至第三名5.3.1分 其第一名且評為金牌客服。」「(2)一個月扣分在2次以內的給予表彰,并獎勵3分.」"
        "「(3)…在好評里著重表揚的。給予表彰及獎勵3分」「(4)發現重大問題及時匯報。直接獎勵5分.」「(5)有好的建議…獎勵3分。」",
        "AMB-72: the ranking's measures (sales, conversion, churn) have no weights → type one combined score to "
          "rank by; ties follow the policy. AMB-71: 「2次以內」 includes 2, and counts real deductions only (not "
          "warnings).",
        (
            Table(
                "Reward",
                "Reward points",
                (Field("Item", "Reward"), Field("PerUnit", "Points each")),
                (("扣分≤2次", 3), ("好评表扬", 3), ("及时汇报重大问题", 5), ("建议被采纳", 3), ("月底排名分", 1)),
                ("獎勵3分", "獎勵3分", "直接獎勵5分", "獎勵3分", ("", "rank points count as they are")),
            ),
            Setting("FewDed_Max", "At most this many deductions", 2, "「2次以內」 includes 2"),
            Table(
                "Rank",
                "Month-end rank points",
                (Field("Place", "Place"), Field("Points", "Points")),
                ((1, 5), (2, 3), (3, 1)),
                ("第一名 5 (金牌客服)", "第二名 3", "第三名 1"),
            ),
            policy("Rank_TiePolicy", "Ties", "KPI_RANK_BONUS.tie_policy", "COMPETITION", "AMB-72"),
        ),
    ),
    Section(
        "The 30-point month",
        "「以上獎勵分值也以一個月每人30分制。」「{除3之外}每個人每個月有30分。底分是25為界限。」",
        "AMB-70: at most 30 points after rewards (the cap cell); the bonus per point above 25 is not given, so it "
          "is not computed here. Deductions have no floor.",
        (
            Setting("Budget_Start", "Points at the start of the month", 30),
            Setting("Budget_Cap", "Cap", 30, "Blank = no cap"),
            floor_policy("Budget_Floor", "Floor", "NONE"),
        ),
    ),
    band_section(
        "Budget",
        "Bonus cut by points",
        seed="「如一個月內低于25分,相應扣除當月獎金的百分之10.低于20分到15分將扣除當月獎金的百分之30,…"
        "如果一個月扣除的分數低于15分,那么親,您這個月的獎金也就報銷了!」",
        note="AMB-68: 20 points falls in the −10 % band, 15 points in the −30 % band (「到15分」 includes 15). "
               "AMB-69: 「扣除的分數低于15分」 means the points left are under 15.",
        rows=[(25, _, "[)", 0), (20, 25, "[)", 0.10), (15, 20, "[)", 0.30), (_, 15, "[)", 1.00)],
        literal=[("25分以上", "no cut"), ("低于25分", "10 % cut"),
                 ("低于20分到15分", "30 % cut"), ("低于15分", "the whole bonus (100 %)")],
    ),
    Section(
        "Fines (plan 1, S2-A)",
        "「(8)…售后問題不跟進…發現1次,罰款100元,累計3次,全組組員各罰款200元。」",
        "AMB-65: the seed says neither whether 「累計3次」 counts per person or over the team, nor whether the count "
          "restarts each month. By default per person and anew each month; ALL adds the months on History. Every "
          "third case fines each member of the team 200 元. Fines are taken apart from the 30-point budget.",
        (
            Setting("Fine_PerCase", "Fine per case (元)", 100, fmt=MONEY),
            Setting("Fine_Threshold", "Cases that fine the team", 3, "「累計3次」: 3 cases",
                    valid=Between(1, 100, True)),
            Setting("Fine_Team", "Team fine each (元)", 200, fmt=MONEY),
            policy("Fine_Scope", "Counted over", "template.fine_scope", "PERSON", "AMB-65"),
            policy("Fine_Period", "Counted during", "template.fine_period", "MONTH", "AMB-65"),
        ),
    ),
    money_section(),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("bonus_base", "当月奖金", "Month's bonus (元)", MONEY, Between(0, 100_000), keep=True),
    Input("composite", "业绩综合分", "Performance composite", "0.0", Between(0, 1000)),
    Input("att", "态度投诉", "Attitude complaints", valid=COUNT),
    Input("notes", "备注不清", "Unclear order notes", valid=COUNT),
    Input("price", "私自降价", "Unauthorised price cuts", valid=COUNT),
    Input("shirk", "推卸责任", "Shirking", valid=COUNT),
    Input("major", "重大错误", "Major errors", valid=COUNT),
    Calc("pen", "扣分", "Points deducted", '=KPI_ADJUST(0,{att..major},Pen_PerUnit,Pen_Free,Pen_Mode,"NONE")'),
    Calc("events", "扣分次数", "Deduction events", '=KPI_ADJUST(0,{att..major},Pen_Event,Pen_Free,"LINEAR","NONE")'),
    Calc("few", "扣分≤2次", "At most 2 deductions",
         '=IF({events}="","",KPI_PASS({events},FewDed_Max,"LOWER")*1)'),
    Input("praise", "好评表扬", "Praised in reviews", valid=COUNT),
    Input("report", "汇报重大问题", "Major problems reported", valid=COUNT),
    Input("suggest", "建议被采纳", "Suggestions adopted", valid=COUNT),
    Ranked("rank_pts", "排名分", "Rank points", "=KPI_RANK_BONUS({composite*},Rank_Points,,Rank_TiePolicy)",
           by="composite"),
    Calc("gross", "底分+奖励", "Start + rewards",
         '=KPI_ADJUST(Budget_Start,{few..rank_pts},Reward_PerUnit,0,"LINEAR","NONE")'),
    Calc("points", "当月分数", "Month's points", "=KPI_TOTAL({gross},,{pen},Budget_Floor,Budget_Cap)"),
    Calc("cut", "奖金扣减", "Bonus cut", band_formula("points", "Budget"), PERCENT),
    Calc("payable", "实发奖金", "Bonus paid (元)",
         '=IF(OR({cut}="",{bonus_base}=""),"",' + money("{bonus_base}*(1-{cut})") + ")", MONEY),
    Calc("probation", "留司查看", "On probation", "=KPI_PASS({major},1)"),
    Input("follow", "售后未跟进", "After-sales problems not followed up", valid=COUNT),
    Calc("follow_before", "以前各月未跟进", "Not followed up in earlier months",
         '=IF(Fine_Period_Code="ALL",' + all_months("follow") + ",0)"),
    Calc("follow_cum", "累计未跟进", "Not followed up, counted", '=IF({follow}="","",{follow}+{follow_before})'),
    Calc("team_fines", "触发全组罚款", "Team fines set off",
         '=IF({follow}="","",INT({follow_cum}/Fine_Threshold)-INT({follow_before}/Fine_Threshold))'),
    Calc("fine", "罚款", "Fines (元)",
         '=IF({name}="","",' + money(
             "{follow}*Fine_PerCase+Fine_Team*IF(Fine_Scope_Code=\"PERSON\",SUM({team_fines*}),"
             "INT(SUM({follow_cum*})/Fine_Threshold)-INT(SUM({follow_before*})/Fine_Threshold))") + ")", MONEY),
)

HISTORY = (
    Record("points", "当月分数", "Month's points"),
    Record("payable", "实发奖金", "Bonus paid (元)", MONEY),
    Record("follow", "售后未跟进", "Not followed up"),
    Record("fine", "罚款", "Fines (元)", MONEY),
)

# name, bonus, composite, attitude, notes, price cuts, shirking, major, praise, reports, suggestions,
# after-sales problems not followed up.
SAMPLE = (
    ("林小雨", 1500, 96.5, 0, 0, 0, 0, 0, 2, 0, 1, 0),  # rank 1: 30 + 3 + 6 + 3 + 5 → capped 30
    ("陈思思", 1500, 92.0, 1, 0, 0, 0, 0, 1, 0, 0, 0),  # warning only
    ("王可欣", 1500, 92.0, 2, 1, 0, 0, 0, 0, 0, 0, 0),  # tied 2nd: 3 rank points each
    ("张一帆", 1200, 88.0, 3, 2, 0, 0, 0, 0, 0, 0, 0),  # 3 deduction events
    ("李晓东", 1200, 85.5, 0, 0, 3, 0, 0, 0, 0, 0, 0),  # price cuts: 2 charged × 2
    ("刘佳", 1200, 83.0, 4, 3, 2, 2, 0, 0, 0, 0, 0),  # 25 → −10 %? see tests
    ("赵雨婷", 1200, 80.0, 5, 4, 2, 1, 0, 0, 0, 0, 0),
    ("孙铭", 1000, 78.5, 3, 3, 3, 3, 0, 0, 0, 0, 0),
    ("周子涵", 1000, 77.0, 0, 0, 0, 0, 1, 0, 0, 0, 0),  # major error: −10, probation
    ("吴昊", 1000, 76.0, 2, 2, 2, 2, 1, 0, 0, 0, 0),
    ("郑可", 1000, 90.0, 0, 0, 0, 0, 0, 0, 1, 2, 0),
    ("王宁", 1000, 74.5, 6, 5, 1, 1, 0, 1, 0, 0, 1),
    ("冯晓", 1000, 73.0, 1, 1, 1, 1, 0, 0, 0, 0, 0),  # four warnings, no deduction
    ("陈雨", 1000, 72.0, 0, 2, 0, 0, 0, 0, 0, 0, 0),
    ("褚佳怡", 1000, 70.0, 8, 6, 3, 3, 1, 0, 0, 0, 0),  # far below 15
    ("卫晨", 1000, 69.0, 2, 0, 0, 1, 0, 1, 1, 0, 0),
    ("蒋雯", 1000, 88.0, 0, 1, 0, 0, 0, 0, 0, 0, 0),  # tied with 张一帆
    ("沈梦", 1000, 66.0, 4, 4, 1, 0, 0, 0, 0, 0, 2),  # 2 problems not followed up (1 last month: the third under ALL, AMB-65)
    ("韩笑", _, _, _, _, _, _, _, _, _, _, _),  # on leave this month: blank
    ("杨柳", 1000, 65.0, 3, 2, 2, 2, 0, 0, 0, 0, 0),
    ("朱琪", 1000, 64.0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("秦雪", 1000, 63.5, 1, 2, 1, 2, 0, 0, 0, 1, 0),
)



# 沈梦 left one after-sales problem unfollowed last month (on History).
PAST = (Past(1, "沈梦", {"follow": 1}),)


def generate(r, i: int, name: str) -> tuple:
    """A plausible CS employee: a few offences, occasional praise, a composite of 60–100."""
    return (
        name, r.choice((1000, 1200, 1500)), round(r.uniform(60, 100), 1), r.choice((0, 0, 1, 2, 3)),
        r.choice((0, 0, 1, 2)), r.choice((0, 0, 0, 1, 2)), r.choice((0, 0, 1)), r.choice((0,) * 9 + (1,)),
        r.choice((0, 0, 1)), r.choice((0,) * 5 + (1,)), r.choice((0, 0, 0, 1)), r.choice((0,) * 8 + (1,)),
    )


TEMPLATE = Template(
    name="Monthly_30pt_Budget",
    scheme="S2-B",
    title="Tmall CS reward/penalty plan 2 (30-point monthly budget)",
    about="30 points per person a month; under 25 / 20 / 15 points the month's bonus is cut by 10 / 30 / 100 %.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    past=PAST,
    summary=Summary(
        Distribution("Bonus cut distribution", "cut", "Budget_Points", 4),
        (
            staff_count("points", "Staff with points"),
            error_count("points"),
            Metric("Bonus before cuts", '=SUMIF({bonus_base*},">=0")', MONEY),
            Metric("Bonus paid", '=SUMIF({payable*},">=0")', MONEY,
                   "Rows with an error are left out"),
            Metric("Cut in total", '=SUMIF({bonus_base*},">=0")-SUMIF({payable*},">=0")', MONEY),
            Metric("Staff on probation", "=COUNTIF({probation*},TRUE)"),
            Metric("Fines (plan 1)", '=SUMIF({fine*},">=0")', MONEY, "AMB-65"),
        ),
    ),
    results=(("points", "Points"), ("cut", "Cut"), ("payable", "Paid")),
)
