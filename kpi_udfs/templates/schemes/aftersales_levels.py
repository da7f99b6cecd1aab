"""AfterSales_Levels — after-sales KPI with five staff levels and a rank ladder, SEED_RULES S1-F.

Five items of 20 points (four given by the supervisor, attendance 20 − 10 per absence,
KPI_ADJUST) plus deductions and additions → total of 100 (KPI_TOTAL); two events cost
points and money at once, kept in separate ledgers (AMB-58). The level marks
40/60/80/100/120 read as lower or as upper bounds (KPI_BAND twice, AMB-52) give the level
bonus 300…1000 (KPI_MAP); the rank ladder 1000/800/600… pays at least 300 to anyone over
half marks and 300 under it (KPI_RANK_BONUS, AMB-54); a policy cell picks which bonus is
paid (AMB-53) and whether 「低于总分50%」 still pays 300 (AMB-59). Wage = base + 全勤 +
考勤 + bonus + meals − money deductions, rounded.
"""

from __future__ import annotations

from ..blocks import (
    MONEY,
    band_formula,
    band_section,
    error_count,
    floor_policy,
    item_table,
    map_table,
    money,
    money_section,
    staff_count,
)
from ..policies import policy
from ..spec import (
    BLANK,
    Between,
    Calc,
    Derived,
    Distribution,
    Field,
    Input,
    Metric,
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
ITEM = Between(0, 20)
LEVELS = ("底级", "初级", "中级", "高级", "特级")

RULES = (
    Section(
        "Five items of 20 points",
        "「权重(总分100分,低于40分绩效奖金为底级)」「1、售后服务质量与素质(满分20分)…(根据个人表现)」"
        "「2、售后执行力和团体精神(满分20分)」「3、投诉、维权。(客服无投诉)(满分20分)」"
        "「4、考勤全勤(考勤全勤20分,旷工1次扣10分)(全勤200,考勤100)」「5、打字速度60个/分(超过80每)(满分20分)」",
        "Items 1, 2, 3 and 5 have no scale in the seed → the supervisor types their points (over 20 is #VALUE!). "
          "AMB-55: the typing-speed rule is cut off at 「超过80每」: the supervisor scores it too. Complaints: no "
          "complaint is 20 points; the seed says nothing for a complaint → the supervisor scores it.",
        (
            item_table("Max", [("服务质量与素质", 20), ("执行力和团体精神", 20), ("投诉、维权", 20), ("考勤", 20),
                               ("打字速度", 20)],
                       ["满分20分", "满分20分", "满分20分 (客服无投诉)", "考勤全勤20分",
                        ("满分20分", "「超过80每」 is cut off (AMB-55)")]),
            Setting("Total_Declared", "Declared total", 100, "「总分100分」: 100 points"),
            floor_policy("Total_Floor", "Total floor", "0"),
            Setting("Total_Cap", "Total cap", _,
                    "Blank = no cap (additions can pass 100; 特级 at 120 is reached by additions only)"),
            Setting("Att_Start", "Full attendance points", 20),
            Table("Att", "Points per absence",
                  (Field("Event", "Event"), Field("PerUnit", "Per event")),
                  (("旷工", -10),), ("旷工1次扣10分",)),
            floor_policy("Att_Floor", "Attendance floor", "0",
                         "As AMB-04: 3 absences −30 → 0"),
        ),
    ),
    Section(
        "Deductions and additions",
        "「扣分1.客户投诉客服(由于售后原因,售后主管监督)一次扣5分。」「2.由售后产生投诉(…)查实无误,视情况一次扣(5-20)分。」"
        "「加分1.客户来电表扬,一次加5分。」「买家在好评里点出客服名一次加1分!」「2.表现突出(…)主管监督加10分。」"
        "「如增长超出0.13% (+20分)」",
        "As AMB-06: the supervisor decides 5–20 points per after-sales complaint; type the total; outside the "
          "range is #VALUE!. AMB-57: the comparison 「超出0.13%」 and 「超出%0.01」 of the bad-review improvement "
          "cannot be read → not computed: the supervisor types 1 once confirmed.",
        (
            Table(
                "Adj",
                "Points added or lost per event",
                (Field("Event", "Event"), Field("PerUnit", "Per event")),
                (("客户投诉客服", -5), ("来电表扬", 5), ("好评点名", 1), ("表现突出", 10), ("中差评提升", 20),
                 ("售后投诉扣分 (合计)", -1)),
                ("一次扣5分", "一次加5分", "一次加1分", "主管监督加10分", "(+20分)",
                 ("一次扣(5-20)分", "the points typed")),
            ),
            Setting("Complaint_Min", "After-sales complaint: least per case", 5),
            Setting("Complaint_Max", "After-sales complaint: most per case", 20),
        ),
    ),
    Section(
        "Events that cost points and money",
        "「上班时间,浏览与淘宝网无关的网页…每次扣除当月奖金100元!(扣20分)」"
        "「2.查表岗位,每天晚上7:30分,将钻展,直通车充满!如未在规定时间内操作,每次200元,扣五分!」",
        "AMB-58: one event costs points and money: they are two ledgers (the points go into the total, the money "
          "comes off the pay); see the ledgers below.",
        (
            Table(
                "Dual",
                "Points and money per event",
                (Field("Event", "Event"), Field("Points", "Points"),
                 Field("Money", "Money (元)", MONEY)),
                (("浏览无关网页", -20, -100), ("未按时充值", -5, -200)),
                ("每次扣除当月奖金100元!(扣20分)", "每次200元,扣五分!"),
            ),
            policy("Ledger", "Ledgers", "template.ledger", "BOTH", "AMB-58"),
        ),
    ),
    band_section(
        "LevelLow",
        "Levels, marks read as lower bounds",
        seed="「底级40分初级60分中级80分高级100分特级120分超级客服:期待中」「低于40分绩效奖金为底级」",
        note="AMB-52: 40/60/80/100/120 can be each level's lower bound (the default: 初级 from 60, 中级 from 80 …, "
               "85 points = 中级) or its upper bound (the next table: under 40 底级, (60, 80] 中级, (80, 100] 高级, "
               "85 points = 高级); 「Reading of the marks」 says which. 「超级客服」 is 「期待中」 (to come): not set.",
        rows=[(_, 60, "[)", "底级"), (60, 80, "[)", "初级"), (80, 100, "[)", "中级"), (100, 120, "[)", "高级"),
              (120, _, "[)", "特级")],
        literal=[("底级", "40: under 40 is 底级"), "初级60分", "中级80分", "高级100分",
                 ("特级120分", "reached by additions only")],
    ),
    band_section(
        "LevelUp",
        "Levels, marks read as upper bounds",
        seed=("", "the same marks"),
        note="The other reading of AMB-52: a score up to the level's mark. 特级 = over 100.",
        rows=[(_, 40, "(]", "底级"), (40, 60, "(]", "初级"), (60, 80, "(]", "中级"), (80, 100, "(]", "高级"),
              (100, _, "()", "特级")],
        literal=["底级40分", "初级60分", "中级80分", "高级100分", "特级120分"],
    ),
    Section(
        "Bonus",
        "「(底级300元、初级400元、中级500元、高级800元、特级1000元客服?超级1000+转正…)」"
        "「售后客服工资制度排序工资法,比如:奖金1000 ,按总分高至低依次排下(1000,800,600…………)」"
        "「低于总分50% KPI绩效考核奖金为300元」",
        "AMB-53: two bonuses, by level and by rank ladder, and the seed does not say which → both are computed, "
          "「Bonus scheme」 picks one (by level by default). AMB-54: 5th place gets only 200 on the ladder, less than "
          "the 300 of a fail → anyone who passes gets at least 300. AMB-03: after 600, −200 a place, never below 0. "
          "AMB-59: 「低于50%发300」 and 「低于40为底级 (300)」 overlap; they agree while both are 300 (the check below); "
          "read as upper bounds, 40–50 points is 初级 (400): 「Low-score rule」 decides.",
        (
            map_table("LevelBonus", "Bonus by level", "Bonus (元)",
                      [(lv, amt) for lv, amt in zip(LEVELS, (300, 400, 500, 800, 1000), strict=True)],
                      ["底级300元", "初级400元", "中级500元", "高级800元", "特级1000元"], MONEY),
            Table("Ladder", "Amount by rank",
                  (Field("Rank", "Rank"), Field("Amount", "Amount (元)", MONEY)),
                  ((1, 1000), (2, 800), (3, 600)), ("1000", "800", "600…………")),
            Setting("Ladder_Step", "Step after the list", -200, "AMB-03", fmt=MONEY),
            Setting("Ladder_Floor", "Ladder floor", 0, fmt=MONEY),
            Setting("Ladder_Min", "Least for a pass", 300, "AMB-54", fmt=MONEY),
            policy("Ladder_TiePolicy", "Ties", "KPI_RANK_BONUS.tie_policy", "COMPETITION"),
            Setting("Low_Below", "Low-score line", 50,
                    "「低于总分50%」 = under 50 points"),
            Setting("Low_Amount", "Low-score bonus (元)", 300, fmt=MONEY),
            policy("Low_Rule", "Low-score rule", "template.low_score", "FLOOR_300", "AMB-59"),
            Derived("Low_Check", "Low-score rules agree",
                    '=IF(INDEX(LevelBonus_Value,1)=Low_Amount,"OK",SUBSTITUTE(SUBSTITUTE('
                    '_("底级 bonus {level} ≠ low-score bonus {low} (AMB-59)"),'
                    '"{level}",INDEX(LevelBonus_Value,1)),"{low}",Low_Amount))', "AMB-59"),
            policy("Bonus_Mode", "Bonus scheme", "template.bonus_mode", "LEVEL", "AMB-53"),
            policy("Level_Reading", "Reading of the marks", "template.level_reading", "LOWER", "AMB-52"),
        ),
    ),
    Section(
        "Wage",
        "「客服工资=基本工资/22天*13小时=奖金+基本工资+全勤+考勤+300-1000绩效奖金+饭补=?」",
        "The seed's formula is muddled: wage = base pay + full-attendance bonus + attendance + performance "
          "bonus + meal allowance − deductions (「/22天*13小时」 cannot be used). AMB-56: the full-attendance 200 = "
          "no absence in the month; 「考勤100」 is unclear → the amount typed; the seed gives no meal allowance → "
          "the amount typed.",
        (
            Setting("Full_Attendance", "Full-attendance bonus (元)", 200, "「全勤200」: 200", MONEY),
        ),
    ),
    money_section(),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("base", "基本工资", "Base pay (元)", MONEY, Between(0, 100_000), keep=True),
    Input("absent", "旷工次数", "Absences", valid=COUNT),
    Input("i_quality", "服务质量与素质", "Service quality", "0.0", ITEM),
    Input("i_exec", "执行力和团体精神", "Execution and team spirit", "0.0", ITEM),
    Input("i_complaint", "投诉维权", "Complaints item", "0.0", ITEM),
    Calc("p_att", "考勤得分", "Attendance points",
         '=KPI_ADJUST(Att_Start,{absent},Att_PerUnit,0,"LINEAR",Att_Floor)'),
    Input("i_typing", "打字速度", "Typing speed", "0.0", ITEM),
    Input("cmp_n", "客户投诉客服", "Complaints about the CS", valid=COUNT),
    Input("phone", "来电表扬", "Phone praise", valid=COUNT),
    Input("review", "好评点名", "Named in good reviews", valid=COUNT),
    Input("outst", "表现突出", "Outstanding (times)", valid=COUNT),
    Input("badrev", "中差评提升", "Bad-review improvement (0/1)", valid=Between(0, 1, True)),
    Calc("ccmp_ok", "售后投诉扣分(核)", "After-sales complaint points (checked)",
         "=KPI_CHECK_RANGE({ccmp_pts},Complaint_Min*{ccmp_n},Complaint_Max*{ccmp_n})"),
    Input("ccmp_n", "售后投诉次数", "After-sales complaints", valid=COUNT),
    Input("ccmp_pts", "售后投诉扣分合计", "After-sales complaint points (total)", valid=Between(0, 1000)),
    Input("browse", "浏览无关网页", "Browsing unrelated sites", valid=COUNT),
    Input("topup", "未按时充值", "Budgets not topped up", valid=COUNT),
    Calc("dual_pts", "双账扣分", "Points of money events",
         '=KPI_ADJUST(0,{browse..topup},Dual_Points,0,"LINEAR","NONE")'),
    Calc("dual_money", "双账扣款", "Money of money events",
         '=KPI_ADJUST(0,{browse..topup},Dual_Money,0,"LINEAR","NONE")', MONEY),
    Calc("adj", "加减分", "Adjustments", '=KPI_ADJUST(0,{cmp_n..ccmp_ok},Adj_PerUnit,0,"LINEAR","NONE")'),
    Calc("pts_used", "计入总分的扣分", "Money-event points counted",
         '=IF({dual_pts}="","",IF(Ledger_Code="MONEY",0,{dual_pts}))'),
    Calc("total", "总分", "Total", "=KPI_TOTAL({i_quality..i_typing},Item_Max,{adj..pts_used},Total_Floor,Total_Cap,"
         "Total_Declared)", "0.0"),
    Calc("level_low", "等级 (下限读法)", "Level (lower bounds)", band_formula("total", "LevelLow")),
    Calc("level_up", "等级 (上限读法)", "Level (upper bounds)", band_formula("total", "LevelUp")),
    Calc("level", "客服等级", "Level",
         '=IF(Level_Reading_Code="UPPER",{level_up},{level_low})'),
    Calc("level_amount", "等级奖金额", "Level bonus amount", "=KPI_MAP({level},LevelBonus_Key,LevelBonus_Value)", MONEY),
    Calc("bonus_level", "等级奖金", "Bonus by level",
         '=IF({level_amount}="","",IF(AND(Low_Rule_Code="FLOOR_300",{total}<Low_Below),Low_Amount,{level_amount}))', MONEY),
    Ranked("bonus_ladder", "排序奖金", "Bonus by rank",
           "=KPI_RANK_BONUS({total*},Ladder_Amount,Ladder_Step,Ladder_TiePolicy,Low_Below,Low_Amount,Ladder_Floor,"
           "Ladder_Min)", MONEY),
    Calc("bonus", "绩效奖金", "Performance bonus (元)",
         '=IF(Bonus_Mode_Code="LADDER",{bonus_ladder},{bonus_level})', MONEY),
    Calc("full_att", "全勤奖", "Full-attendance bonus (元)",
         '=IF({absent}="","",IF({absent}=0,Full_Attendance,0))', MONEY),
    Input("att_allow", "考勤 (元)", "Attendance allowance (元)", MONEY, Between(0, 10_000)),
    Input("meal", "饭补 (元)", "Meal allowance (元)", MONEY, Between(0, 10_000)),
    Calc("money_used", "扣款", "Money deducted (元)",
         '=IF({dual_money}="","",IF(Ledger_Code="POINTS",0,{dual_money}))', MONEY),
    Calc("wage", "客服工资", "Wage (元)",
         '=IF(OR({base}="",{bonus}=""),"",'
         + money("SUM({base},{full_att},{att_allow},{bonus},{meal},{money_used})") + ")", MONEY),
)

HISTORY = (
    Record("total", "总分", "Total", "0.0"),
    Record("level", "客服等级", "Level"),
    Record("bonus", "绩效奖金", "Performance bonus (元)", MONEY),
    Record("wage", "客服工资", "Wage (元)", MONEY),
)

# name, base, absences, quality, execution, complaints item, typing, complaints about the CS,
# phone praise, named in reviews, outstanding, bad-review improvement, after-sales complaints
# and their points, browsing, budgets not topped up, attendance allowance, meals.
# Totals, levels and bonuses by hand are in tests/test_templates.py.
SAMPLE = (
    ("程晓", 3000, 0, 20, 20, 20, 20, 0, 2, 3, 1, 0, 0, _, 0, 0, _, _),  # 100 + 10 + 3 + 10 = 123: 特级
    ("赵敏", 2800, 0, 18, 18, 20, 16, 0, 0, 2, 0, 0, 0, _, 0, 0, _, _),  # 94: 中级 / 高级 (AMB-52)
    ("钱进", 2800, 1, 16, 16, 20, 14, 1, 0, 0, 0, 0, 0, _, 0, 0, _, _),  # attendance 10; 76 − 5 = 71
    ("孙丽", 2600, 0, 15, 15, 15, 15, 0, 0, 0, 0, 0, 0, _, 0, 0, _, _),  # 80: 中级 under both readings
    ("李强", 2600, 2, 12, 12, 10, 10, 0, 0, 0, 0, 0, 0, _, 1, 0, _, _),  # 44 − 20 = 24; −100 元 (AMB-58)
    ("周雨", 2600, 0, 10, 12, 10, 10, 1, 0, 0, 0, 0, 1, 8, 0, 0, _, _),  # 62 − 5 − 8 = 49: under 50 (AMB-59)
    ("吴迪", 2600, 0, 20, 18, 20, 18, 0, 0, 0, 0, 0, 0, _, 0, 1, _, _),  # 96 − 5 = 91; −200 元
    ("郑凯", 2600, 0, 14, 14, 15, 12, 0, 1, 0, 0, 0, 0, _, 0, 0, _, _),  # 75 + 5 = 80
    ("王芳", 2600, 0, 18, 18, 20, 17, 0, 0, 5, 0, 0, 0, _, 0, 0, _, _),  # 93 + 5 = 98
    ("冯雪", 2600, 0, 19, 19, 20, 20, 0, 0, 0, 0, 0, 0, _, 0, 0, 100, 150),  # 98, tied with 王芳
    ("陈静", 2600, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _),  # joined this month: blank
    ("褚燕", 2600, 0, 16, 16, 20, 16, 0, 0, 0, 0, 0, 1, 25, 0, 0, _, _),  # 25 points for 1 case > 20
    ("卫东", 2600, 0, 20, 20, 20, 20, 0, 0, 0, 0, 1, 0, _, 0, 0, _, _),  # 100 + 20 = 120: 特级 at its mark
    ("蒋琴", 2600, 0, 16, 17, 20, 15, 0, 0, 0, 0, 0, 0, _, 0, 0, _, _),  # 88
)


def generate(r, i: int, name: str) -> tuple:
    """A plausible after-sales employee: items 12–20, few events."""
    items = tuple(r.randint(12, 20) for _x in range(4))
    return (
        name, r.choice((2600, 2800, 3000)), r.choice((0, 0, 0, 1)), *items[:3], items[3],
        r.choice((0, 0, 1)), r.choice((0, 0, 1)), r.randint(0, 5), r.choice((0, 0, 0, 1)), 0,
        0, _, r.choice((0,) * 9 + (1,)), r.choice((0,) * 9 + (1,)), _, _,
    )


TEMPLATE = Template(
    name="AfterSales_Levels",
    scheme="S1-F",
    title="After-sales KPI with five staff levels and a rank ladder",
    about="Total of 100 ± additions → staff level → bonus by level or by rank ladder (a policy cell); money "
            "deductions in their own ledger.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    summary=Summary(
        Distribution("Levels", "level", LEVELS),
        (
            staff_count(),
            error_count(note="The reason is in the cell on Staff"),
            Metric("Performance bonus total", '=SUMIF({bonus*},">=0")', MONEY),
            Metric("Money deducted", '=SUMIF({money_used*},"<0")', MONEY, "AMB-58"),
            Metric("Wages total", '=SUMIF({wage*},">=0")', MONEY,
                   "Rows with an error are left out"),
            Metric("Low-score rules", "=Low_Check", note="AMB-59"),
        ),
    ),
    results=(("total", "Total"), ("level", "Level"), ("bonus", "Bonus"),
             ("wage", "Wage")),
)
