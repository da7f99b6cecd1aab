"""AfterSales_130 — after-sales CS 130-point scheme with a ranked bonus ladder, SEED_RULES S0-A.

Ratings 优/良/中/差 → 20/15/10/0 (KPI_MAP), refund rate ≤ 5 % → 30 with the rest of the
table lost (KPI_BAND, AMB-02), attendance 20 − 5/5/10 per event (KPI_ADJUST), discretionary
complaint deductions and outstanding-performance points checked against their ranges
(KPI_CHECK_RANGE), total of 130 (KPI_TOTAL), bonus ladder 1000/800/600… over the staff
above the 70 % gate with a tie-policy cell (KPI_RANK_BONUS), wage = base pay + bonus,
rounded to the money unit. Field after-sales staff (S0-B, the same seed's second document)
may also lose 5 points for a short workload: travel days ≤ 35 or machines ≤ 40 (KPI_PASS,
AMB-09), once or per short item (KPI_ADJUST mode, AMB-10); blank for online CS staff.
"""

from __future__ import annotations

from ..blocks import (
    MONEY,
    PERCENT,
    PERCENT1,
    TOTAL_HISTORY,
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
    Pick,
    Ranked,
    Record,
    Section,
    Setting,
    Summary,
    Table,
    Template,
)

_ = BLANK
COUNT = Between(0, 1000, whole=True)
RATING = Pick("Rating_Key")

RULES = (
    Section(
        "Total and bonus gate",
        "「(总分130分,低于80分无KPI考核奖金)」 「总分130分,低于总分70%无KPI考核奖金」",
        "AMB-01: the two gates disagree (80 and 70 % × 130 = 91); 91 by default (the paragraph of the bonus "
          "ladder), 80 can be chosen. AMB-05: the total has no cap (praise can take it over 130); its floor is 0.",
        (
            Table(
                "GatePreset",
                "Gate presets",
                (Field("Key", "Preset"), Field("Value", "Gate (points)")),
                (("70%×130", 91), ("80分", 80)),
                ("「低于总分70%无KPI考核奖金」 → 0.70×130 = 91", "「低于80分无KPI考核奖金」"),
            ),
            Setting("Gate_Choice", "Gate in force", "70%×130", "AMB-01", valid=Pick("GatePreset_Key")),
            Derived("Gate", "Bonus gate (points)", "=KPI_MAP(Gate_Choice,GatePreset_Key,GatePreset_Value)"),
            Setting("Total_Declared", "Declared total", 130, "The item maxima must add up to it (AMB-74)"),
            floor_policy("Total_Floor", "Total floor", "0", "AMB-05"),
            Setting("Total_Cap", "Total cap", _, "Blank = no cap (AMB-05)"),
        ),
    ),
    Section(
        "Item maxima",
        "「1.售后客服素质(优20良15分中10差0分)20分」「2.退款率(≤5%:30分; 5%3.配合度…」「3.配合度…20分」"
        "「4.执行力…20分」「5.投诉、维权、举报、退款纠纷…20分」「6.出勤率…20分」",
        "The refund rate's 30 points are inferred from 130 − 5 × 20.",
        (
            item_table(
                "Max",
                [("售后客服素质", 20), ("退款率", 30), ("配合度", 20), ("执行力", 20), ("投诉维权纠纷", 20), ("出勤率", 20)],
                ["20分", ("30分", "inferred"), "20分", "20分", "20分", "20分"],
            ),
        ),
    ),
    Section(
        "Ratings → points",
        ("「(优20良15分中10差0分)」", "素质, 配合度, 执行力, 投诉维权纠纷"),
        "AMB-07: only the four ratings 优/良/中/差; 優, 优秀, 良好 and the like are recognised, anything else is #N/A.",
        (map_table("Rating", "Rating", "Points", [("优", 20), ("良", 15), ("中", 10), ("差", 0)],
                   ["优20", "良15分", "中10", "差0分"]),),
    ),
    band_section(
        "Refund",
        "Refund rate",
        seed="「2.退款率(≤5%:30分; 5%3.配合度(优20良15分中10差0分)…」",
        note="AMB-02: the table is lost after 「5%」; only ≤ 5 % → 30 is known. The points of row 2 (> 5 %) are "
               "blank → #N/A 「rule missing」, never 0 by default; fill them in and it computes.",
        rows=[(_, 0.05, "(]", 30), (0.05, _, "()", _)],
        literal=["≤5%:30分", ("5%…", "the rest is lost: fill it in")],
        direction="LOWER",
        fmt=PERCENT,
    ),
    Section(
        "Attendance",
        "「6.出勤率(全勤20分,迟到1次扣5分,请假一次扣5分,旷工1次扣10分)20分」",
        "AMB-04: no floor is given; never below 0 by default (NONE allows negative points). A blank count is "
          "not filled in yet, 0 means none.",
        (
            Setting("Att_Start", "Full attendance", 20),
            Table(
                "Att",
                "Points per event",
                (Field("Event", "Event"), Field("PerUnit", "Per event")),
                (("迟到", -5), ("请假", -5), ("旷工", -10)),
                ("迟到1次扣5分", "请假一次扣5分", "旷工1次扣10分"),
            ),
            floor_policy("Att_Floor", "Attendance floor", "0",
                         "AMB-04: 3 lates + 1 leave + 1 absence = −10 → 0"),
        ),
    ),
    Section(
        "Deductions and additions",
        "「扣分1.低质评价(由于售后原因,数据客服主管提供)一次扣5分。」「2.客户投诉(…)查实无误,视情况一次扣(5-20)分。」"
        "「加分1.客户表扬,一次加2分。」「2.表现突出(工作态度,进步快,学习能力强等….)加2-5分。」",
        "AMB-06: the supervisor decides 5–20 points per complaint and 2–5 for outstanding work; outside the "
          "range is #VALUE!. Type the complaints' total (cases × points per case).",
        (
            Table(
                "Adj",
                "Points added or lost per event",
                (Field("Event", "Event"), Field("PerUnit", "Per event / point")),
                (("低质评价", -5), ("客户表扬", 2), ("投诉扣分 (合计)", -1), ("表现突出加分", 1),
                 ("外勤工作量不足 (S0-B)", -5)),
                ("一次扣5分", "一次加2分", ("一次扣(5-20)分", "the points typed"),
                 ("加2-5分", "the points typed"),
                 ("「考核分扣减5分」", "see the next section")),
            ),
            Setting("Complaint_Min", "Complaint: least per case", 5),
            Setting("Complaint_Max", "Complaint: most per case", 20),
            Setting("Outstanding_Min", "Outstanding: least", 2),
            Setting("Outstanding_Max", "Outstanding: most", 5),
        ),
    ),
    Section(
        "Field after-sales workload (S0-B)",
        ("「1.工作量大小每个考核周期出差在35天以下或是维修焊机数量在40台以下者考核分扣减5分」",
         "part two: appraisal of after-sales service staff"),
        "Field staff only (travel, repairs): left blank for online CS, nothing is deducted. AMB-09: 「以下」 "
          "includes the number (35 days costs points). AMB-10: both items short, 5 points once or each (10)? The "
          "counting mode says: once by default; the points per event are in the table above.",
        (
            Setting("Workload_Days", "Travel days threshold", 35, "「35天以下」: under 35 days"),
            Setting("Workload_Machines", "Machines threshold", 40, "「40台以下」: under 40 machines"),
            policy("Workload_Inclusive", "Threshold inclusive", "template.yes_no", True,
                   "AMB-09: TRUE = exactly 35 days costs points too (「以下」 includes the number)"),
            policy("Workload_Mode", "Both items short", "KPI_ADJUST.mode", "FLAT",
                   "AMB-10: FLAT = −5 once (the default: one rule); LINEAR = each once, −10"),
        ),
    ),
    Section(
        "Rank ladder bonus",
        "「售后客服工资制度排序工资法,KPI奖金1000,按总分高至低依次排下(1000,800,600…………)」",
        "AMB-03: after 600 the amounts go down by 200 to 0, never negative; equal totals follow the tie policy. "
          "AMB-08: only staff at or above the gate are ranked.",
        (
            Table(
                "Ladder",
                "Amount by rank",
                (Field("Rank", "Rank"), Field("Amount", "Amount (元)", MONEY)),
                ((1, 1000), (2, 800), (3, 600)),
                ("1000", "800", "600…………"),
            ),
            Setting("Ladder_Step", "Step after the list", -200, "AMB-03: −200 implied", fmt=MONEY),
            Setting("Ladder_Floor", "Ladder floor", 0, "Never negative", fmt=MONEY),
            policy("Ladder_TiePolicy", "Ties", "KPI_RANK_BONUS.tie_policy", "COMPETITION",
                   "WE-20: 112, 112 → COMPETITION 800/800, AVERAGE 700/700, DENSE 800/800"),
            Setting("Ineligible_Amount", "Below the gate", 0, fmt=MONEY),
        ),
    ),
    Section(
        "Base pay",
        "「售后客服------基本工资---2500」「售后组长------基本工资---3000」 「客服工资=基本工资+KPI考核奖金」",
        "",
        (map_table("Base", "Role", "Base pay (元)", [("售后客服", 2500), ("售后组长", 3000)],
                   ["售后客服 2500", "售后组长 3000"], MONEY),),
    ),
    money_section(),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("role", "岗位", "Role", valid=Pick("Base_Key"), keep=True),
    Input("quality", "售后客服素质", "CS quality", valid=RATING),
    Input("refund", "退款率", "Refund rate", PERCENT1, Between(0, 1)),
    Input("coop", "配合度", "Cooperation", valid=RATING),
    Input("exec", "执行力", "Execution", valid=RATING),
    Input("disputes", "投诉维权纠纷处理", "Complaints & disputes", valid=RATING),
    Input("late", "迟到次数", "Lates", valid=COUNT),
    Input("leave", "请假次数", "Leaves", valid=COUNT),
    Input("absent", "旷工次数", "Absences", valid=COUNT),
    Input("cmp_n", "客户投诉次数", "Verified complaints", valid=COUNT),
    Input("cmp_pts", "投诉扣分合计", "Complaint points (total)", valid=Between(0, 1000)),
    Input("outst", "表现突出加分", "Outstanding points", valid=Between("Outstanding_Min", "Outstanding_Max")),
    Input("travel", "出差天数", "Travel days (field staff)", valid=Between(0, 62, True)),
    Input("machines", "维修台数", "Machines repaired (field staff)", valid=COUNT),
    Calc("short_travel", "出差不足", "Travel short",
         '=IF({travel}="","",KPI_PASS({travel},Workload_Days,"LOWER",Workload_Inclusive)*1)'),
    Calc("short_machines", "维修不足", "Machines short",
         '=IF({machines}="","",KPI_PASS({machines},Workload_Machines,"LOWER",Workload_Inclusive)*1)'),
    Calc("short_n", "工作量不足项", "Workload items short",
         '=IF(AND({short_travel}="",{short_machines}=""),"",SUM({short_travel},{short_machines}))'),
    Input("lowq", "低质评价次数", "Low-quality reviews", valid=COUNT),
    Input("praise", "客户表扬次数", "Customer praise", valid=COUNT),
    Calc("cmp_ok", "投诉扣分(核)", "Complaint points (checked)",
         "=KPI_CHECK_RANGE({cmp_pts},Complaint_Min*{cmp_n},Complaint_Max*{cmp_n})"),
    Calc("out_ok", "突出加分(核)", "Outstanding (checked)", "=KPI_CHECK_RANGE({outst},Outstanding_Min,Outstanding_Max)"),
    Calc("workload", "工作量扣分次数", "Workload deductions",
         '=KPI_ADJUST(0,{short_n},1,0,Workload_Mode,"NONE")'),
    Calc("p_quality", "素质得分", "Quality points", "=KPI_MAP({quality},Rating_Key,Rating_Value)"),
    Calc("p_refund", "退款率得分", "Refund points", band_formula("refund", "Refund")),
    Calc("p_coop", "配合度得分", "Cooperation points", "=KPI_MAP({coop},Rating_Key,Rating_Value)"),
    Calc("p_exec", "执行力得分", "Execution points", "=KPI_MAP({exec},Rating_Key,Rating_Value)"),
    Calc("p_disp", "纠纷处理得分", "Disputes points", "=KPI_MAP({disputes},Rating_Key,Rating_Value)"),
    Calc("p_att", "出勤得分", "Attendance points",
         '=KPI_ADJUST(Att_Start,{late..absent},Att_PerUnit,0,"LINEAR",Att_Floor)'),
    Calc("adj", "加减分", "Adjustments",
         '=KPI_ADJUST(0,{lowq..workload},Adj_PerUnit,0,"LINEAR","NONE")'),
    Calc("total", "总分", "Total (of 130)",
         "=KPI_TOTAL({p_quality..p_att},Item_Max,{adj},Total_Floor,Total_Cap,Total_Declared)"),
    Calc("eligible", "达到门槛", "Above the gate", "=KPI_PASS({total},Gate)"),
    Ranked("bonus", "KPI奖金", "KPI bonus (元)",
           "=KPI_RANK_BONUS({total*},Ladder_Amount,Ladder_Step,Ladder_TiePolicy,Gate,Ineligible_Amount,Ladder_Floor)",
           MONEY),
    Calc("base", "基本工资", "Base pay (元)", "=KPI_MAP({role},Base_Key,Base_Value)", MONEY),
    Calc("wage", "客服工资", "Wage (元)", '=IF(OR({base}="",{bonus}=""),"",' + money("{base}+{bonus}") + ")", MONEY),
)

HISTORY = (*TOTAL_HISTORY, Record("bonus", "KPI奖金", "KPI bonus (元)", MONEY),
           Record("wage", "客服工资", "Wage (元)", MONEY))

# name, role, quality, refund, cooperation, execution, disputes, late, leave, absent,
# complaints, complaint points, outstanding, travel days, machines, low-quality reviews, praise.
# Totals by hand (S0-A, WE-20) are in tests/test_templates.py.
SAMPLE = (
    ("刘婷", "售后组长", "优", 0.03, "优", "优", "优", 0, 0, 0, 0, _, 5, _, _, 0, 3),  # 141: above 130 (AMB-05)
    ("陈晨", "售后客服", "优", 0.02, "优", "良", "优", 0, 0, 0, 0, _, _, _, _, 0, 1),  # 127
    ("王磊", "售后客服", "优", 0.04, "良", "优", "优", 1, 0, 0, 0, _, _, _, _, 0, 1),  # 122
    ("李静", "售后客服", "良", 0.05, "优", "优", "优", 0, 0, 0, 0, _, _, _, _, 0, 1),  # 127, tied; refund exactly 5 %
    ("张雷", "售后客服", "优", 0.03, "优", "优", "良", 0, 1, 0, 0, _, _, _, _, 1, 0),  # 115
    ("赵敏", "售后客服", "良", 0.01, "良", "良", "良", 0, 0, 0, 0, _, _, _, _, 0, 2),  # 114
    ("孙浩", "售后客服", "优", 0.045, "良", "良", "中", 2, 0, 0, 0, _, 3, _, _, 0, 0),  # 103
    ("周丽", "售后客服", "良", 0.025, "优", "中", "良", 0, 0, 1, 1, 10, _, _, _, 0, 0),  # 90: under 91, over 80 (AMB-01)
    ("吴迪", "售后客服", "中", 0.03, "中", "良", "中", 1, 1, 0, 0, _, _, _, _, 0, 0),  # 85
    ("郑凯", "售后客服", "差", 0.04, "中", "中", "差", 3, 1, 1, 0, _, _, _, _, 2, 0),  # attendance floor 0: 40
    ("冯雪", "售后客服", "良", 0.07, "良", "良", "良", 0, 0, 0, 0, _, _, _, _, 0, 0),  # refund 7 %: rule missing (AMB-02)
    ("褚燕", "售后客服", "良", 0.02, "良", "优", "良", 0, 0, 0, 0, _, 5, _, _, 0, 0),  # outstanding: the most, 5 (AMB-06)
    ("卫东", "售后客服", "良", 0.03, "良", "良", "良", 0, 0, 0, 0, _, _, 30, 38, 0, 0),  # field staff: 30 days and 38 machines, both short: −5 once (AMB-10) → 105
    ("蒋琴", "售后客服", "良", 0.03, "良", "良", "良", 0, 0, 0, 0, _, _, 36, 40, 0, 0),  # field staff: 40 machines is 「40台以下」 (AMB-09) → 105
    ("沈阳", "售后客服", "优", 0.035, "良", "良", "良", 1, 0, 0, 0, _, _, _, _, 0, 0),  # 110: three-way tie
    ("韩梅", "售后客服", "中", 0.04, "良", "中", "良", 0, 0, 0, 1, 5, _, _, _, 0, 0),  # 95
    ("杨光", "售后客服", "良", 0.02, "良", "良", "中", 0, 2, 0, 0, _, _, _, _, 0, 0),  # 95, tied
    ("朱红", "售后客服", "良", 0.03, "中", "良", "良", 0, 0, 0, 0, _, _, _, _, 1, 0),  # 100
    ("秦岚", "售后客服", _, _, _, _, _, _, _, _, _, _, _, _, _, _, _),  # joined this month: blank
    ("尤佳", "售后客服", "良", 0.04, "良", "良", "良", 0, 0, 0, 0, _, 2, _, _, 0, 0),  # 112
    ("许诺", "售后客服", "中", 0.05, "中", "中", "中", 0, 0, 0, 0, _, _, _, _, 0, 0),  # 90
    ("何平", "售后组长", "优", 0.02, "优", "优", "良", 0, 0, 0, 0, _, _, _, _, 0, 2),  # 129
    ("吕梁", "售后客服", "良", 0.03, "良", "良", "良", 0, 0, 0, 1, 19, _, _, _, 0, 0),  # 91: exactly at the gate
)




def generate(r, i: int, name: str) -> tuple:
    """A plausible after-sales employee (mostly 良/优, refund 0–5 %, few attendance events)."""
    rating = ("优", "良", "良", "中", "差")
    complaints = r.choice((0, 0, 0, 1))
    return (
        name, "售后组长" if i == 0 else "售后客服", r.choice(rating), round(r.uniform(0, 0.05), 3),
        r.choice(rating), r.choice(rating), r.choice(rating), r.choice((0, 0, 1)), r.choice((0, 0, 1)), 0,
        complaints, r.randint(5, 20) if complaints else _, r.choice((_, _, 2, 3)), _, _, r.choice((0, 0, 1)),
        r.choice((0, 1, 2)),
    )


TEMPLATE = Template(
    name="AfterSales_130",
    scheme="S0-A",
    title="After-sales CS 130-point scheme with rank-ladder bonus",
    about="Wage = base pay + KPI bonus; the bonus goes by total from high to low, 1000/800/600…, and staff under "
            "the gate get none. S2-C (方案三) can use the same workbook (without the refund rate, gate 70).",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    summary=Summary(
        Distribution("Bonus distribution", "bonus", (1000, 800, 600, 400, 200, 0),
                     count="=COUNTIF({column*},{label})"),
        (
            staff_count(),
            Metric("Staff at or above the gate", '=COUNTIF({total*},">="&Gate)'),
            error_count(note="A refund rate over 5 % (no band), an amount out of range…: the reason is in the cell "
                               "on Staff"),
            Metric("KPI bonus total", '=SUMIF({bonus*},">=0")', MONEY,
                   "What the ladder pays out"),
            Metric("Wages total", '=SUMIF({wage*},">=0")', MONEY,
                   "Rows with an error are left out"),
        ),
    ),
    results=(("total", "Total"), ("eligible", "Gate"), ("bonus", "Bonus"),
             ("wage", "Wage")),
)
