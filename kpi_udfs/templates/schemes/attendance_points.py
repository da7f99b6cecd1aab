"""Attendance_Points — attendance point deductions, SEED_RULES S3-4 (with S3-2's open money).

Each late arrival or early leave of the month, in minutes, falls in a band: (5, 10] → 1
point, (10, 15] → 3, (15, 30] → 5, (30, 60] → half a day's absence, over 60 → a day's
(KPI_BAND; the shared endpoints 10/15/30/60 are read lower-exclusive, AMB-82); three
free lates (≤ 5 minutes) in a row cost rule (3)'s 5 points (KPI_STREAK). Absence, sick and
personal leave cost points per half day and day by rank (KPI_ADJUST with the rank's row
of the leave table). Points become money at a rate the seed garbled (「每分对应的金额为:5月」,
a required blank, AMB-83); absence has no money of its own unless HR sets a rate (AMB-80).
"""

from __future__ import annotations

from ..blocks import MONEY, band_formula, band_section, error_count, money, money_section
from ..policies import policy
from ..spec import (
    BLANK,
    Between,
    Calc,
    Distribution,
    Field,
    Input,
    Metric,
    Pick,
    Record,
    Section,
    Setting,
    Summary,
    Table,
    Template,
)

_ = BLANK
COUNT = Between(0, 62, whole=True)
MINUTES = Between(0, 1440)
SLOTS = 6
HALF, DAY = "旷工半天", "旷工一天"

RULES = (
    band_section(
        "Late",
        "迟到、早退分钟数",
        "Minutes late or early",
        seed="「(1)、迟到、早退5--10分钟扣1分」「(2)、迟到、早退10--15分钟扣3分」「(3)、迟到、早退15--30分钟扣5分」"
        "「(4)、迟到、早退30--60分钟按旷工半天计算」「(5)、迟到、早退60分钟以上按旷工一天计算」",
        note="AMB-82: 10/15/30/60 分钟同属两档 → 默认左开右闭 (5,10] → 1 …; 5 分钟及以内不扣 (见下条). "
        "区间列可改. 后两档不是分数而是折算旷工, 折算的半天/一天按职级扣分 (见「请假与旷工」). "
        "/ Shared endpoints read lower-exclusive by default (the bounds column is editable).",
        rows=[(_, 5, "(]", 0), (5, 10, "(]", 1), (10, 15, "(]", 3), (15, 30, "(]", 5), (30, 60, "(]", HALF),
              (60, _, "()", DAY)],
        direction="LOWER",
        literal=["(5 分钟及以内: 不扣, 见下条)", "5--10分钟扣1分", "10--15分钟扣3分", "15--30分钟扣5分",
                 "30--60分钟按旷工半天计算", "60分钟以上按旷工一天计算"],
    ),
    Section(
        "连续 5 分钟迟到",
        "Three short lates in a row",
        "「每月连续3次迟到、早退5分钟,按本细则的第(3)条扣发工资。」",
        "每月按发生顺序填写每次迟到/早退的分钟数; 连续 3 次都在 5 分钟以内 (上表得 0 分) 按第(3)条扣 5 分. "
        "一个月里连续 6 次算几回见计数方式. / Lates in the order they happened; three of ≤ 5 minutes in a row cost 5.",
        (
            Setting("LateRun_Match", "计入的档分", "Band points that count", 0, "5 分钟及以内那档的得分"),
            Setting("LateRun_Length", "连续次数", "In a row", 3, valid=Between(1, SLOTS, True)),
            policy("LateRun_Mode", "计数方式", "Counting mode", "KPI_STREAK.mode", "NON_OVERLAP",
                   "连续 6 次: NON_OVERLAP 扣 2 回, ROLLING 4 回, ONCE 1 回"),
            Setting("LateRun_Points", "每回扣分", "Points each time", 5, "「按本细则的第(3)条」= 5 分"),
            Setting("Late_HalfDay", "折算半天的写法", "Word for half a day", HALF, "须与上表一致"),
            Setting("Late_FullDay", "折算一天的写法", "Word for a day", DAY, "须与上表一致"),
        ),
    ),
    Section(
        "请假与旷工 (按职级)",
        "Leave and absence by rank",
        "「部门经理级别旷工:(1)、旷工半天扣30分。(2)、旷工一天扣60分。部门主管级别旷工:…扣20分…扣40分。部门基层员工(含收银员)"
        "旷工:…扣10分…扣20分。」「…病假半天扣15分。…病假一天扣20分…」「…事假半天扣20分。…事假一天扣40分…」",
        "病假、事假两段的标题在原文中也写作「旷工」(抄写错误, AMB-84): 按内容读作病假、事假. 多天请假按天数相乘. "
        "/ The sick- and personal-leave headings repeat 「旷工」 (a copying slip): read by their content.",
        (
            Table(
                "Leave",
                "每半天 / 每天扣分",
                "Points per half day / day",
                (Field("Key", "职级", "Rank"), Field("AbsHalf", "旷工半天", "Absence ½ day"),
                 Field("AbsDay", "旷工一天", "Absence day"), Field("SickHalf", "病假半天", "Sick ½ day"),
                 Field("SickDay", "病假一天", "Sick day"), Field("PersHalf", "事假半天", "Personal ½ day"),
                 Field("PersDay", "事假一天", "Personal day")),
                (("部门经理", 30, 60, 15, 20, 20, 40), ("部门主管", 20, 40, 10, 15, 10, 20),
                 ("基层员工", 10, 20, 5, 10, 5, 10)),
                ("部门经理级别", "部门主管级别", "部门基层员工(含收银员)"),
                block="Points",
            ),
        ),
    ),
    Section(
        "扣分折算金额",
        "Points into money",
        "「七、每分对应的金额为:5月。」 (篇二「旷工」无金额)",
        "AMB-83: 每分金额原文乱码 (「5月」, 可能是 5 元) → 必填, 空白时金额为 #VALUE! 「per_unit is blank」, 绝不猜测. "
        "AMB-80: 篇二只把迟到折算为旷工, 未给旷工罚款 → 旷工另罚金额默认空 = 不另罚 (只按分数折算); 如有规定按天填写. "
        "/ The money per point is garbled in the seed: a required blank. Absence has no money of its own unless set.",
        (
            Setting("Point_Value", "每分金额 (元)", "Money per point (元)", _, "必填 required (AMB-83)", MONEY,
                    Between(0, 10_000)),
            Setting("Absence_Money", "旷工另罚 (元/天)", "Extra money per absence day (元)", _,
                    "空 = 不另罚 (默认, AMB-80)", MONEY, Between(0, 100_000)),
        ),
    ),
    money_section(),
)

_LATE = tuple(Input(f"late{k}", f"迟到早退{k}", f"Late / early {k} (min)", "0", MINUTES) for k in range(1, SLOTS + 1))
_BAND = tuple(Calc(f"b{k}", f"第{k}次扣分", f"Late {k}: points", band_formula(f"late{k}", "Late"))
              for k in range(1, SLOTS + 1))

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("rank", "职级", "Rank", valid=Pick("Leave_Key"), keep=True),
    *_LATE,
    Input("abs_half", "旷工半天次数", "Absence half days", valid=COUNT),
    Input("abs_day", "旷工整天数", "Absence days", valid=COUNT),
    *_BAND,
    Calc("late_pts", "迟到扣分", "Late points",
         f'=IF(COUNTBLANK({{b1..b{SLOTS}}})={SLOTS},"",SUM({{b1..b{SLOTS}}}))'),
    Calc("late_run", "连续短迟到", "Short lates in a row",
         f"=KPI_STREAK({{b1..b{SLOTS}}},LateRun_Match,LateRun_Length,LateRun_Mode)"),
    Calc("late_half", "折算旷工半天", "Lates as half days",
         f'=IF(COUNTBLANK({{b1..b{SLOTS}}})={SLOTS},"",COUNTIF({{b1..b{SLOTS}}},Late_HalfDay))'),
    Calc("late_day", "折算旷工一天", "Lates as days",
         f'=IF(COUNTBLANK({{b1..b{SLOTS}}})={SLOTS},"",COUNTIF({{b1..b{SLOTS}}},Late_FullDay))'),
    Calc("abs_half_n", "旷工半天合计", "Absence half days in all",
         '=IF(AND({abs_half}="",{late_half}=""),"",SUM({abs_half},{late_half}))'),
    Calc("abs_day_n", "旷工天数合计", "Absence days in all",
         '=IF(AND({abs_day}="",{late_day}=""),"",SUM({abs_day},{late_day}))'),
    Input("sick_half", "病假半天次数", "Sick half days", valid=COUNT),
    Input("sick_day", "病假天数", "Sick days", valid=COUNT),
    Input("pers_half", "事假半天次数", "Personal half days", valid=COUNT),
    Input("pers_day", "事假天数", "Personal days", valid=COUNT),
    Calc("leave_pts", "请假旷工扣分", "Leave and absence points",
         '=KPI_ADJUST(0,{abs_half_n..pers_day},INDEX(Leave_Points,MATCH({rank},Leave_Key,0),0),0,"LINEAR","NONE")'),
    Calc("points", "扣分合计", "Points deducted",
         '=IF(AND({late_pts}="",{leave_pts}=""),"",SUM({late_pts},{leave_pts})+N({late_run})*LateRun_Points)'),
    Calc("point_money", "扣分金额", "Points in money (元)", '=KPI_ADJUST(0,{points},Point_Value,0,"LINEAR","NONE")',
         MONEY),
    Calc("absence_money", "旷工另罚", "Absence money (元)",
         '=IF(OR({abs_day_n}="",Absence_Money=""),"",' + money("({abs_half_n}/2+{abs_day_n})*Absence_Money") + ")",
         MONEY),
    Calc("deduct", "扣款合计", "Money deducted (元)",
         '=IF(AND({point_money}="",{absence_money}=""),"",' + money("SUM({point_money},{absence_money})") + ")",
         MONEY),
)

HISTORY = (Record("points", "扣分合计", "Points deducted"), Record("deduct", "扣款合计", "Money deducted (元)", MONEY))

# name, rank, up to six lates/early leaves in minutes (in order), absence half days, absence days,
# sick half days, sick days, personal half days, personal days. By hand in tests/test_templates.py.
SAMPLE = (
    ("程晓", "基层员工", 7, 12, _, _, _, _, 0, 0, 0, 0, 0, 0),  # 1 + 3 = 4
    ("赵敏", "基层员工", 3, 4, 5, _, _, _, 0, 0, 0, 0, 0, 0),  # three ≤ 5 min in a row: rule (3) → 5
    ("钱进", "部门主管", 10, 15, 30, _, _, _, 0, 0, 0, 0, 0, 0),  # on the shared ends: 1 + 3 + 5 = 9 (AMB-82)
    ("孙丽", "基层员工", 45, _, _, _, _, _, 0, 1, 0, 0, 0, 0),  # 45 min → ½ day + 1 day: 10 + 20 = 30
    ("李强", "部门经理", 90, _, _, _, _, _, 0, 0, 1, 0, 0, 2),  # over 60 → 1 day 60; sick ½ 15; personal 2 × 40
    ("周雨", "基层员工", _, _, _, _, _, _, 0, 0, 0, 2, 1, 0),  # sick 2 days 20, personal ½ 5 = 25
    ("吴迪", "部门主管", 2, 3, 4, 1, 2, 5, 0, 0, 0, 0, 0, 0),  # six ≤ 5: two runs of three → 10
    ("郑凯", "基层员工", 0, _, _, _, _, _, 0, 0, 0, 0, 0, 0),  # on time: 0
    ("王芳", _, _, _, _, _, _, _, _, _, _, _, _, _),  # not yet entered: blank
)


def generate(r, i: int, name: str) -> tuple:
    """A plausible employee: a few lates of 1–70 minutes, now and then a day off."""
    lates = [r.choice((2, 4, 6, 8, 12, 20, 40, 70)) for _x in range(r.choice((0, 0, 1, 2, 3)))]
    slots = tuple(lates) + (_,) * (SLOTS - len(lates))
    return (name, r.choice(("基层员工",) * 8 + ("部门主管", "部门经理")), *slots, 0, r.choice((0,) * 9 + (1,)),
            0, r.choice((0,) * 8 + (1,)), 0, r.choice((0,) * 8 + (1,)))


TEMPLATE = Template(
    name="Attendance_Points",
    scheme="S3-4",
    zh="考勤扣分细则 (迟到早退、旷工、病假、事假)",
    en="Attendance point deductions (lates, absence, sick and personal leave)",
    about="按发生顺序填写每次迟到/早退的分钟数及请假天数; 扣分按职级计算, 折算金额需先填写每分金额. "
    "Enter each late in minutes and the leave taken; points follow the rank; set the money per point first.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    summary=Summary(
        Distribution("扣分分布", "Points deducted", "points", ("0", "1–9", "10–29", "≥30"),
                     count="=CHOOSE({index},COUNTIF({column*},0),COUNTIFS({column*},\">0\",{column*},\"<10\"),"
                     "COUNTIFS({column*},\">=10\",{column*},\"<30\"),COUNTIF({column*},\">=30\"))"),
        (
            Metric("有记录人数", "Staff with a record", "=COUNT({points*})"),
            error_count("points"),
            Metric("扣分合计", "Points in all", "=SUM({points*})"),
            Metric("扣款合计", "Money in all", '=SUMIF({deduct*},">=0")', MONEY, "每分金额未填时为 0 (AMB-83)"),
        ),
    ),
    results=(("points", "扣分 Points"), ("deduct", "扣款 Money")),
)
