"""SelfManager_Rank — e-commerce CS appraisal by self and shop-manager scores, SEED_RULES S3-1.

Final score = 30 % self + 70 % shop manager (KPI_WEIGHTED, AMB-77); the first of the month
gets +100 元 and the last −100 元 from commission (KPI_RANK_BONUS with a bottom ladder,
ties and a team of one by policy, AMB-78); the last two hand in an improvement plan; last
place three months in a row (read from History: KPI_STREAK with the carried run) raises
the transfer flag, over any three months or a calendar quarter (AMB-78).
"""

from __future__ import annotations

from ..blocks import (
    MONEY,
    all_months,
    error_count,
    last_month,
    money,
    money_section,
    staff_count,
    weighted_formula,
    weights_section,
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
SCORE = Between(0, 100)

RULES = (
    weights_section(
        "Self and shop-manager scores",
        seed="「被考核人本人30%工作任务完成情况。店长70%\"工作绩效、工作能力。工作协作性、服务性\"。」",
        note="AMB-77: the self and shop-manager scores rate different things; both must be on 0–100 to add them "
               "30/70. The seed's table of measures (「考核指标见表」) is missing: both scores are typed as they are.",
        rows=[("本人自评", 0.30), ("店长评分", 0.70)],
        literal=["本人30%", "店长70%"],
    ),
    Section(
        "Monthly ranking",
        "「1、每月评比综合排名第一名,奖励100元;综合排名最后一名,提成中扣100元。」"
        "「2、月考核评比综合排名后两名,…在月绩效考核通报下发后的一周内,提交整改方案。」",
        "AMB-78: ties for first or last follow the tie policy (by default all of them get it); a team of one is "
          "both first and last → first, +100. The last two = fewer than 2 staff score lower (ties count).",
        (
            Table("Top", "Reward for the first",
                  (Field("Place", "Place"), Field("Amount", "Amount (元)", MONEY)),
                  ((1, 100),), ("第一名,奖励100元",)),
            Table("Bottom", "Deduction for the last",
                  (Field("Place", "Place from the end"), Field("Amount", "Amount (元)", MONEY)),
                  ((1, -100),), ("最后一名,提成中扣100元",)),
            policy("Rank_TiePolicy", "Ties", "KPI_RANK_BONUS.tie_policy", "COMPETITION", "AMB-78"),
            Setting("Plan_Bottom", "Bottom places that hand in a plan", 2, "「后两名」: the last two",
                    valid=Between(0, 100, True)),
        ),
    ),
    Section(
        "Last place in a row",
        "「3、连续3个月(季度)评比综合排名最后一名,考虑调岗。」",
        "AMB-78: 「连续3个月(季度)」 can mean any 3 months in a row or the 3 months of one quarter; see below. "
          "Whether someone was last in earlier months is read from History.",
        (
            Setting("Last_Length", "Months in a row", 3, valid=Between(1, 12, True)),
            policy("Last_Mode", "Counting mode", "KPI_STREAK.mode", "ROLLING",
                   "ROLLING = flagged every month from the 3rd in a row (the default); NON_OVERLAP = once every "
                     "full 3 months"),
            policy("Last_Window", "What 3 months in a row means", "template.streak_window",
                   "CONSECUTIVE", "AMB-78"),
        ),
    ),
    money_section(),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    Input("self", "本人自评", "Self score", "0.0", SCORE),
    Input("manager", "店长评分", "Shop manager's score", "0.0", SCORE),
    Calc("final", "综合得分", "Final score", weighted_formula("self", "manager"), "0.0"),
    Ranked("reward", "排名奖惩", "First / last (元)",
           "=KPI_RANK_BONUS({final*},Top_Amount,,Rank_TiePolicy,,,,,Bottom_Amount)", MONEY, by="final"),
    Calc("reward_paid", "奖惩金额", "Reward paid (元)", '=IF({reward}="","",' + money("{reward}") + ")", MONEY),
    Calc("below", "低于本人者", "Staff below", '=IF({final}="","",COUNTIF({final*},"<"&{final}))'),
    Calc("plan", "提交整改方案", "Improvement plan due",
         '=IF({below}="","",IF({below}<Plan_Bottom,"需提交","否"))'),
    Calc("last", "本月末位", "Last this month", '=IF({below}="","",IF({below}=0,"是","否"))'),
    Calc("run_before", "上月止连续末位", "Last in a row to last month", "=" + last_month("run")),
    Calc("flag_paid", "已提示调岗", "Transfer flags before", "=" + all_months("flagged")),
    Calc("flagged", "调岗提示次数", "Transfer flags this month",
         '=IF({last}="","",IF(AND(Last_Window_Code="QUARTER",MOD(MONTH(This_Month),3)<>0),0,'
         'KPI_STREAK({last},"是",Last_Length,Last_Mode,{run_before},{flag_paid})))'),
    Calc("transfer", "考虑调岗", "Consider a transfer", '=IF({flagged}="","",IF({flagged}>0,"考虑调岗","否"))'),
    Calc("run", "连续末位月数", "Last in a row", '=IF({last}="","",IF({last}="是",{run_before}+1,0))'),
)

HISTORY = (
    Record("final", "综合得分", "Final score", "0.0"),
    Record("last", "本月末位", "Last this month"),
    Record("run", "连续末位月数", "Last in a row"),
    Record("flagged", "调岗提示次数", "Transfer flags"),
    Record("reward_paid", "奖惩金额", "Reward paid (元)", MONEY),
)

# name, self score, shop manager's score. 30 % / 70 % by hand in tests/test_templates.py.
SAMPLE = (
    ("林小雨", 90, 95),  # 93.5: first → +100
    ("陈思思", 85, 88),  # 87.1
    ("王可欣", 80, 85),  # 83.5
    ("张一帆", 95, 80),  # 84.5
    ("李晓东", 70, 75),  # 73.5
    ("刘佳", 60, 65),  # 63.5: last → −100; last in January and February too: transfer flag
    ("赵雨婷", 75, 70),  # 71.5: second last → plan
    ("孙铭", 88, 90),  # 89.4
    ("周子涵", _, _),  # away this month: blank
    ("吴昊", 92, 84),  # 86.4
)

# 刘佳 was last in January and February (History), 赵雨婷 in December only.
PAST = (
    Past(3, "赵雨婷", {"final": 60, "last": "是", "run": 1, "flagged": 0}),
    Past(3, "刘佳", {"final": 70, "last": "否", "run": 0, "flagged": 0}),
    Past(2, "刘佳", {"final": 61, "last": "是", "run": 1, "flagged": 0}),
    Past(2, "赵雨婷", {"final": 72, "last": "否", "run": 0, "flagged": 0}),
    Past(1, "刘佳", {"final": 62, "last": "是", "run": 2, "flagged": 0}),
    Past(1, "赵雨婷", {"final": 70, "last": "否", "run": 0, "flagged": 0}),
)


def generate(r, i: int, name: str) -> tuple:
    """A plausible employee: self scores a little above the manager's."""
    manager = round(r.uniform(60, 98), 1)
    return (name, round(min(100.0, manager + r.uniform(-5, 10)), 1), manager)


TEMPLATE = Template(
    name="SelfManager_Rank",
    scheme="S3-1",
    title="E-commerce CS appraisal: self 30 % + shop manager 70 %, monthly ranking",
    about="First +100 元, last −100 元, the last two hand in an improvement plan, last three months running: "
            "consider a transfer.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    past=PAST,
    summary=Summary(
        Distribution("First and last", "reward", (100, 0, -100)),
        (
            staff_count("final", "Staff ranked"),
            error_count("final"),
            Metric("Improvement plans due", '=COUNTIF({plan*},"需提交")'),
            Metric("Transfers to consider", '=COUNTIF({transfer*},"考虑调岗")'),
            Metric("Rewards net", '=SUM({reward_paid*})', MONEY),
        ),
    ),
    results=(("final", "Final"), ("reward", "±"), ("plan", "Plan"),
             ("transfer", "Transfer")),
)
