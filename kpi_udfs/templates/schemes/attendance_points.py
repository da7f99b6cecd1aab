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
        "Minutes late or early",
        seed="「(1)、迟到、早退5--10分钟扣1分」「(2)、迟到、早退10--15分钟扣3分」「(3)、迟到、早退15--30分钟扣5分」"
        "「(4)、迟到、早退30--60分钟按旷工半天计算」「(5)、迟到、早退60分钟以上按旷工一天计算」",
        note="AMB-82: 10/15/30/60 minutes are in two bands each → by default the lower end is left out, (5,10] → "
               "1 …; 5 minutes or less costs nothing (see the next rule). The ends column can be changed. The last "
               "two bands are not points but absence: the half day or day costs points by rank (see 「Leave and "
               "absence by rank」).",
        rows=[(_, 5, "(]", 0), (5, 10, "(]", 1), (10, 15, "(]", 3), (15, 30, "(]", 5), (30, 60, "(]", HALF),
              (60, _, "()", DAY)],
        direction="LOWER",
        literal=[("", "5 minutes or less: nothing, see the next rule"), "5--10分钟扣1分", "10--15分钟扣3分", "15--30分钟扣5分",
                 "30--60分钟按旷工半天计算", "60分钟以上按旷工一天计算"],
    ),
    Section(
        "Three short lates in a row",
        "「每月连续3次迟到、早退5分钟,按本细则的第(3)条扣发工资。」",
        "Type each late or early leave of the month in minutes, in the order they happened; 3 in a row of 5 "
          "minutes or less (0 points in the table above) cost 5 points, as rule (3). How many times 6 in a row "
          "count: see the counting mode.",
        (
            Setting("LateRun_Match", "Band points that count", 0, "The points of the band of 5 minutes or less"),
            Setting("LateRun_Length", "In a row", 3, valid=Between(1, SLOTS, True)),
            policy("LateRun_Mode", "Counting mode", "KPI_STREAK.mode", "NON_OVERLAP",
                   "6 in a row: NON_OVERLAP twice, ROLLING 4 times, ONCE once"),
            Setting("LateRun_Points", "Points each time", 5, "「按本细则的第(3)条」 (as rule (3)) = 5 points"),
            Setting("Late_HalfDay", "Word for half a day", HALF, "Must match the table above"),
            Setting("Late_FullDay", "Word for a day", DAY, "Must match the table above"),
        ),
    ),
    Section(
        "Leave and absence by rank",
        "「部门经理级别旷工:(1)、旷工半天扣30分。(2)、旷工一天扣60分。部门主管级别旷工:…扣20分…扣40分。部门基层员工(含收银员)"
        "旷工:…扣10分…扣20分。」「…病假半天扣15分。…病假一天扣20分…」「…事假半天扣20分。…事假一天扣40分…」",
        "The headings of sick and personal leave repeat 「旷工」 (a copying slip, AMB-84): read by their content "
          "as sick and personal leave. Several days of leave multiply by the days.",
        (
            Table(
                "Leave",
                "Points per half day / day",
                (Field("Key", "Job rank"), Field("AbsHalf", "Absence ½ day"),
                 Field("AbsDay", "Absence day"), Field("SickHalf", "Sick ½ day"),
                 Field("SickDay", "Sick day"), Field("PersHalf", "Personal ½ day"),
                 Field("PersDay", "Personal day")),
                (("部门经理", 30, 60, 15, 20, 20, 40), ("部门主管", 20, 40, 10, 15, 10, 20),
                 ("基层员工", 10, 20, 5, 10, 5, 10)),
                ("部门经理级别", "部门主管级别", "部门基层员工(含收银员)"),
                block="Points",
            ),
        ),
    ),
    Section(
        "Points into money",
        ("「七、每分对应的金额为:5月。」", "part two (「旷工」) gives no money"),
        "AMB-83: the money per point is garbled in the seed (「5月」, maybe 5 元) → required: while blank the money "
          "is #VALUE! 「per_unit is blank」, never a guess. AMB-80: part two only turns lates into absence and "
          "gives absence no fine → the extra money per absence day is blank by default = none (points only); "
          "fill in the amount per day if there is a rule.",
        (
            Setting("Point_Value", "Money per point (元)", _, "Required (AMB-83)", MONEY,
                    Between(0, 10_000)),
            Setting("Absence_Money", "Extra money per absence day (元)", _,
                    "Blank = no extra money (the default, AMB-80)", MONEY,
                    Between(0, 100_000)),
        ),
    ),
    money_section(),
)

_LATE = tuple(Input(f"late{k}", f"迟到早退{k}", f"Late / early {k} (min)", "0", MINUTES) for k in range(1, SLOTS + 1))
_BAND = tuple(Calc(f"b{k}", f"第{k}次扣分", f"Late {k}: points", band_formula(f"late{k}", "Late"))
              for k in range(1, SLOTS + 1))

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("rank", "职级", "Job rank", valid=Pick("Leave_Key"), keep=True),
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
    title="Attendance point deductions (lates, absence, sick and personal leave)",
    about="Type each late or early leave in minutes, in the order they happened, and the leave taken; points "
            "follow the rank; fill in the money per point first.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    summary=Summary(
        Distribution("Distribution of points deducted", "points", ("0", "1–9", "10–29", "≥30"),
                     count="=CHOOSE({index},COUNTIF({column*},0),COUNTIFS({column*},\">0\",{column*},\"<10\"),"
                     "COUNTIFS({column*},\">=10\",{column*},\"<30\"),COUNTIF({column*},\">=30\"))"),
        (
            Metric("Staff with a record", "=COUNT({points*})"),
            error_count("points"),
            Metric("Points in all", "=SUM({points*})"),
            Metric("Money in all", '=SUMIF({deduct*},">=0")', MONEY,
                   "0 while the money per point is blank (AMB-83)"),
        ),
    ),
    results=(("points", "Points"), ("deduct", "Money")),
)
