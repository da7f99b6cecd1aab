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
        "五项满分",
        "Five items of 20 points",
        "「权重(总分100分,低于40分绩效奖金为底级)」「1、售后服务质量与素质(满分20分)…(根据个人表现)」"
        "「2、售后执行力和团体精神(满分20分)」「3、投诉、维权。(客服无投诉)(满分20分)」"
        "「4、考勤全勤(考勤全勤20分,旷工1次扣10分)(全勤200,考勤100)」「5、打字速度60个/分(超过80每)(满分20分)」",
        "第 1、2、3、5 项种子没有给出评分标尺 → 由主管填写得分 (超过 20 为 #VALUE!). AMB-55: 打字速度规则在「超过80每」"
        "处截断, 同样由主管打分. 投诉项: 无投诉 20 分, 有投诉时种子未说 → 主管打分. "
        "/ Items 1, 2, 3 and 5 have no scale in the seed: the supervisor enters their points.",
        (
            item_table("Max", [("服务质量与素质", 20), ("执行力和团体精神", 20), ("投诉、维权", 20), ("考勤", 20),
                               ("打字速度", 20)],
                       ["满分20分", "满分20分", "满分20分 (客服无投诉)", "考勤全勤20分", "满分20分 (「超过80每」截断 AMB-55)"]),
            Setting("Total_Declared", "满分", "Declared total", 100, "「总分100分」"),
            floor_policy("Total_Floor", "总分下限", "Total floor", "0"),
            Setting("Total_Cap", "总分上限", "Total cap", _, "空 = 不封顶 (加分可超过 100, 特级 120 只能靠加分)"),
            Setting("Att_Start", "全勤分", "Full attendance points", 20),
            Table("Att", "旷工扣分", "Points per absence",
                  (Field("Event", "事项", "Event"), Field("PerUnit", "每次", "Per event")),
                  (("旷工", -10),), ("旷工1次扣10分",)),
            floor_policy("Att_Floor", "考勤分下限", "Attendance floor", "0", "AMB-04 同理: 3 次旷工 −30 → 0"),
        ),
    ),
    Section(
        "扣分与加分",
        "Deductions and additions",
        "「扣分1.客户投诉客服(由于售后原因,售后主管监督)一次扣5分。」「2.由售后产生投诉(…)查实无误,视情况一次扣(5-20)分。」"
        "「加分1.客户来电表扬,一次加5分。」「买家在好评里点出客服名一次加1分!」「2.表现突出(…)主管监督加10分。」"
        "「如增长超出0.13% (+20分)」",
        "AMB-06 同理: 售后投诉每次 5–20 分由主管定, 填合计; 超出区间为 #VALUE!. AMB-57: 中差评提升「超出0.13%」的比较和"
        "「超出%0.01」看不懂 → 不自动计算, 主管确认后填 1. / The bad-review bonus is entered by the supervisor (AMB-57).",
        (
            Table(
                "Adj",
                "每次加减分",
                "Points per event",
                (Field("Event", "事项", "Event"), Field("PerUnit", "每次", "Per event")),
                (("客户投诉客服", -5), ("来电表扬", 5), ("好评点名", 1), ("表现突出", 10), ("中差评提升", 20),
                 ("售后投诉扣分 (合计)", -1)),
                ("一次扣5分", "一次加5分", "一次加1分", "主管监督加10分", "(+20分)", "一次扣(5-20)分 → 按填写的分数扣"),
            ),
            Setting("Complaint_Min", "售后投诉每次最少扣", "After-sales complaint: least per case", 5),
            Setting("Complaint_Max", "售后投诉每次最多扣", "After-sales complaint: most per case", 20),
        ),
    ),
    Section(
        "既扣分又扣钱的事件",
        "Events that cost points and money",
        "「上班时间,浏览与淘宝网无关的网页…每次扣除当月奖金100元!(扣20分)」"
        "「2.查表岗位,每天晚上7:30分,将钻展,直通车充满!如未在规定时间内操作,每次200元,扣五分!」",
        "AMB-58: 同一事件既扣分又扣钱: 分数与金额分两本账记 (分数进总分, 金额从工资扣), 见下方记账方式. "
        "/ Points and money are two ledgers: points go into the total, money comes off the pay.",
        (
            Table(
                "Dual",
                "扣分与扣款",
                "Points and money per event",
                (Field("Event", "事项", "Event"), Field("Points", "扣分", "Points"),
                 Field("Money", "扣款 (元)", "Money (元)", MONEY)),
                (("浏览无关网页", -20, -100), ("未按时充值", -5, -200)),
                ("每次扣除当月奖金100元!(扣20分)", "每次200元,扣五分!"),
            ),
            policy("Ledger", "记账方式", "Ledgers", "template.ledger", "BOTH", "AMB-58"),
        ),
    ),
    band_section(
        "LevelLow",
        "客服等级 (按下限读)",
        "Levels, marks read as lower bounds",
        seed="「底级40分初级60分中级80分高级100分特级120分超级客服:期待中」「低于40分绩效奖金为底级」",
        note="AMB-52: 40/60/80/100/120 可读作各级的下限 (默认: 60 起初级, 80 起中级 …, 85 分 = 中级) "
        "或上限 (下一表: 40 以下底级, (60, 80] 中级, (80, 100] 高级, 85 分 = 高级); 采用哪种见「等级读法」. "
        "「超级客服」期待中, 不设. / The marks are lower bounds here, upper bounds in the next table.",
        rows=[(_, 60, "[)", "底级"), (60, 80, "[)", "初级"), (80, 100, "[)", "中级"), (100, 120, "[)", "高级"),
              (120, _, "[)", "特级")],
        literal=["底级 (40: 低于40分为底级)", "初级60分", "中级80分", "高级100分", "特级120分 (只能靠加分达到)"],
    ),
    band_section(
        "LevelUp",
        "客服等级 (按上限读)",
        "Levels, marks read as upper bounds",
        seed="(同上 the same marks)",
        note="AMB-52 的另一读法: 分数不超过该级的分数线. 特级 = 超过 100.",
        rows=[(_, 40, "(]", "底级"), (40, 60, "(]", "初级"), (60, 80, "(]", "中级"), (80, 100, "(]", "高级"),
              (100, _, "()", "特级")],
        literal=["底级40分", "初级60分", "中级80分", "高级100分", "特级120分"],
    ),
    Section(
        "奖金",
        "Bonus",
        "「(底级300元、初级400元、中级500元、高级800元、特级1000元客服?超级1000+转正…)」"
        "「售后客服工资制度排序工资法,比如:奖金1000 ,按总分高至低依次排下(1000,800,600…………)」"
        "「低于总分50% KPI绩效考核奖金为300元」",
        "AMB-53: 等级奖金与排序奖金两套, 种子没说用哪套 → 两套都算出, 由「奖金方案」选定 (默认按等级). "
        "AMB-54: 排序第 5 名只拿 200, 反而少于不及格的 300 → 及格者最少 300. AMB-03: 600 之后每名 −200, 不低于 0. "
        "AMB-59: 「低于50%发300」与「低于40为底级 (300)」重叠; 两者都是 300 时一致 (下方检查), "
        "按上限读时 40–50 分是初级 (400), 由「低分规则」决定.",
        (
            map_table("LevelBonus", "等级奖金", "Bonus by level", "奖金 (元)", "Bonus (元)",
                      [(lv, amt) for lv, amt in zip(LEVELS, (300, 400, 500, 800, 1000), strict=True)],
                      ["底级300元", "初级400元", "中级500元", "高级800元", "特级1000元"], MONEY),
            Table("Ladder", "名次奖金", "Amount by rank",
                  (Field("Rank", "名次", "Rank"), Field("Amount", "奖金", "Amount (元)", MONEY)),
                  ((1, 1000), (2, 800), (3, 600)), ("1000", "800", "600…………")),
            Setting("Ladder_Step", "之后每名递减", "Step after the list", -200, "AMB-03", fmt=MONEY),
            Setting("Ladder_Floor", "阶梯最低", "Ladder floor", 0, fmt=MONEY),
            Setting("Ladder_Min", "及格者最少", "Least for a pass", 300, "AMB-54", fmt=MONEY),
            policy("Ladder_TiePolicy", "同分并列", "Ties", "KPI_RANK_BONUS.tie_policy", "COMPETITION"),
            Setting("Low_Below", "低分线", "Low-score line", 50, "「低于总分50%」= 低于 50 分"),
            Setting("Low_Amount", "低分奖金 (元)", "Low-score bonus (元)", 300, fmt=MONEY),
            policy("Low_Rule", "低分规则", "Low-score rule", "template.low_score", "FLOOR_300", "AMB-59"),
            Derived("Low_Check", "两条低分规则一致", "Low-score rules agree",
                    '=IF(INDEX(LevelBonus_Value,1)=Low_Amount,"OK","底级奖金 "&INDEX(LevelBonus_Value,1)&" ≠ 低分奖金 "'
                    '&Low_Amount&" (AMB-59)")', "AMB-59"),
            policy("Bonus_Mode", "奖金方案", "Bonus paid", "template.bonus_mode", "LEVEL", "AMB-53"),
            policy("Level_Reading", "等级读法", "Reading of the marks", "template.level_reading", "LOWER", "AMB-52"),
        ),
    ),
    Section(
        "工资",
        "Wage",
        "「客服工资=基本工资/22天*13小时=奖金+基本工资+全勤+考勤+300-1000绩效奖金+饭补=?」",
        "公式原文混乱: 按 工资 = 基本工资 + 全勤奖 + 考勤 + 绩效奖金 + 饭补 − 扣款 计算 (「/22天*13小时」无法使用). "
        "AMB-56: 全勤 200 = 当月无旷工; 「考勤100」含义不明 → 按填写的金额; 饭补金额种子未给出 → 按填写.",
        (
            Setting("Full_Attendance", "全勤奖 (元)", "Full-attendance bonus (元)", 200, "「全勤200」", MONEY),
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
         '=IF({dual_pts}="","",IF(Ledger="MONEY",0,{dual_pts}))'),
    Calc("total", "总分", "Total", "=KPI_TOTAL({i_quality..i_typing},Item_Max,{adj..pts_used},Total_Floor,Total_Cap,"
         "Total_Declared)", "0.0"),
    Calc("level_low", "等级 (下限读法)", "Level (lower bounds)", band_formula("total", "LevelLow")),
    Calc("level_up", "等级 (上限读法)", "Level (upper bounds)", band_formula("total", "LevelUp")),
    Calc("level", "客服等级", "Level",
         '=IF(Level_Reading="UPPER",{level_up},{level_low})'),
    Calc("level_amount", "等级奖金额", "Level bonus amount", "=KPI_MAP({level},LevelBonus_Key,LevelBonus_Value)", MONEY),
    Calc("bonus_level", "等级奖金", "Bonus by level",
         '=IF({level_amount}="","",IF(AND(Low_Rule="FLOOR_300",{total}<Low_Below),Low_Amount,{level_amount}))', MONEY),
    Ranked("bonus_ladder", "排序奖金", "Bonus by rank",
           "=KPI_RANK_BONUS({total*},Ladder_Amount,Ladder_Step,Ladder_TiePolicy,Low_Below,Low_Amount,Ladder_Floor,"
           "Ladder_Min)", MONEY),
    Calc("bonus", "绩效奖金", "Performance bonus (元)",
         '=IF(Bonus_Mode="LADDER",{bonus_ladder},{bonus_level})', MONEY),
    Calc("full_att", "全勤奖", "Full-attendance bonus (元)",
         '=IF({absent}="","",IF({absent}=0,Full_Attendance,0))', MONEY),
    Input("att_allow", "考勤 (元)", "Attendance allowance (元)", MONEY, Between(0, 10_000)),
    Input("meal", "饭补 (元)", "Meal allowance (元)", MONEY, Between(0, 10_000)),
    Calc("money_used", "扣款", "Money deducted (元)",
         '=IF({dual_money}="","",IF(Ledger="POINTS",0,{dual_money}))', MONEY),
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
    zh="售后KPI绩效考核 (底级、初级、中级、高级、特级客服)",
    en="After-sales KPI with five staff levels and a rank ladder",
    about="总分 100 + 加减分 → 客服等级 → 等级奖金或排序奖金 (方案单元格); 扣款另记. "
    "Total → level → level bonus or rank-ladder bonus (a policy cell); money deductions in their own ledger.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    summary=Summary(
        Distribution("客服等级分布", "Levels", "level", LEVELS),
        (
            staff_count(),
            error_count(note="原因见员工表单元格 / the reason is in the cell on Staff"),
            Metric("绩效奖金合计", "Performance bonus total", '=SUMIF({bonus*},">=0")', MONEY),
            Metric("扣款合计", "Money deducted", '=SUMIF({money_used*},"<0")', MONEY, "AMB-58"),
            Metric("工资合计", "Wages total", '=SUMIF({wage*},">=0")', MONEY, "不含错误行 / rows with an error left out"),
            Metric("低分规则检查", "Low-score rules", "=Low_Check", note="AMB-59"),
        ),
    ),
    results=(("total", "总分 Total"), ("level", "等级 Level"), ("bonus", "奖金 Bonus"), ("wage", "工资 Wage")),
)
