"""Eight_Indicator_Levels — CS appraisal with 8 weighted indicators, SEED_RULES S3-12.

Eight item scores with maxima 30/30/10/5/5/5/5/10 (points are inputs: the seed gives no
scale, AMB-88) → total of 100 (KPI_TOTAL) → level from the last two evaluations (the
earlier ones read from History) 高級/中級/初級 with overlapping bounds and < 70 warn /
eliminate (KPI_LEVEL_HISTORY, AMB-90/91) → awards by rank with caps ≤ 5 % best and
≤ 10 % excellent rounded down, the rest 「—」 (KPI_FORCE_GRADES, KPI_QUOTA,
KPI_QUOTA_CHECK in MAX mode, AMB-92).
"""

from __future__ import annotations

from ..blocks import AVERAGE_TOTAL, error_count, item_table, months_back, staff_count
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
ITEMS = (
    ("i1", "指标完成率", "Target completion", 30),
    ("i2", "询单转化率", "Inquiry conversion", 30),
    ("i3", "下单成功率", "Order success", 10),
    ("i4", "客单价", "Average order value", 5),
    ("i5", "旺旺回复率", "Reply rate", 5),
    ("i6", "旺旺响应时间", "Response time", 5),
    ("i7", "协助跟进服务", "Follow-up help", 5),
    ("i8", "执行力", "Execution", 10),
)

RULES = (
    Section(
        "Maximum of the eight items",
        "「整個客服評估滿分100分,其中指標完成率佔30%(30分),詢單轉化率佔30%(30分)、下單成功率佔10%(10分)、"
        "客單價佔5%(5分)、旺旺回復率佔5%(5分)、旺旺響應時間佔5%(5分)、協助跟進服務佔5%(5分)、執行力佔10%(10分)。」",
        "AMB-88: the seed has no scale from an indicator's value to points → the supervisor types each item's "
          "points; more than the maximum is #VALUE!. AMB-89: here inquiry conversion = buyers who ordered / "
          "inquiring buyers (not the paying buyers of table 4.4).",
        (
            item_table(
                "Max",
                [(zh, mx) for _k, zh, _en, mx in ITEMS],
                ["30%(30分)", "30%(30分)", "10%(10分)", "5%(5分)", "5%(5分)", "5%(5分)", "5%(5分)", "10%(10分)"],
            ),
            Setting("Total_Declared", "Declared total", 100, "The item maxima must add up to 100"),
        ),
    ),
    Section(
        "Level from two evaluations",
        "「兩次考評中,分值都在90分以上的…定為高級客服」「兩次考核分值都在80分~90分之間的…中級客服」"
        "「兩次都在70~80分的,則視為初級客服」「其中一次考核總分低於70分者將給予提醒並進行深度訪談,經指導仍低於70分者將予以淘汰」",
        "AMB-90: 90 and 80 are in two levels each → the higher level (the overlap policy); the two evaluations "
          "in different levels → UNCHANGED (or LOWER_OF_N). AMB-91: a first total under 70 warns, the next one "
          "under 70 eliminates. Earlier totals are read from History month by month (the last 3; a month without "
          "one is blank).",
        (
            Table(
                "Level",
                "Level bounds",
                (Field("Lower", "Lowest score"), Field("Label", "Level")),
                ((90, "高级客服"), (80, "中级客服"), (70, "初级客服")),
                ("90分以上", "80分~90分之间", "70~80分"),
            ),
            Setting("Level_N", "Evaluations that must agree", 2,
                    "「兩次」 (twice); at most 3 (this month + 2 months on History)",
                    valid=Between(1, 3, True)),
            policy("Level_Overlap", "Score on a shared bound", "KPI_LEVEL_HISTORY.overlap", "HIGHEST",
                   "AMB-90: 90 is in 「90分以上」 and in 「80分~90分」"),
            policy("Level_Mixed", "Evaluations in different levels", "KPI_LEVEL_HISTORY.mixed",
                   "UNCHANGED", "AMB-90: 92 and 85"),
            Setting("Fail_Below", "Fail line", 70, "Under it: a warning; under it again: eliminated"),
            Table(
                "Flag",
                "Flag words",
                (Field("Word", "Word"),),
                (("提醒",), ("淘汰",)),
                ("給予提醒並進行深度訪談", "予以淘汰"),
            ),
        ),
    ),
    Section(
        "Award caps",
        ("「最佳客服專員佔全體客服人員的比例不得超過5%,優秀客服專員比例不得超過10%」",
         "a suggestion, still to be agreed (補充建議,待商議)"),
        "AMB-92: 「不得超过」 is a cap: places are rounded down (5 % × 22 staff = 1.1 → 1; 19 staff: 0 / 1, the "
          "other 18 「—」). Awarded by total from high to low; the blank share of 「—」 = everyone else (no cap).",
        (
            Table(
                "Award",
                "Awards and shares",
                (Field("Label", "Award"), Field("Quota", "Share", "0%")),
                (("最佳客服专员", 0.05), ("优秀客服专员", 0.10), ("—", BLANK)),
                ("不得超過5%", "不得超過10%", ("", "the rest: left blank")),
            ),
            policy("Award_Rounding", "Rounding", "KPI_QUOTA.rounding", "FLOOR",
                   "AMB-92: FLOOR = never more (the default)"),
            policy("Award_TiePolicy", "Ties at a cap", "KPI_FORCE_GRADES.tie_policy", "KEEP_TOGETHER",
                   "Equal totals sharing an award can pass the cap: see the check on Summary"),
        ),
    ),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10, keep=True),
    *(Input(key, zh, en, "0.0", Between(0, mx)) for key, zh, en, mx in ITEMS),
    Calc("prev3", "三次前总分", "Total 3 months ago", "=" + months_back("total", 3), "0.0"),
    Calc("prev2", "前次考评总分", "Total 2 months ago", "=" + months_back("total", 2), "0.0"),
    Calc("prev1", "上次考评总分", "Last month's total", "=" + months_back("total", 1), "0.0"),
    Calc("total", "本次总分", "This evaluation's total", "=KPI_TOTAL({i1..i8},Item_Max,,0,,Total_Declared)", "0.0"),
    Calc("level", "客服等级", "Level",
         "=KPI_LEVEL_HISTORY({prev3..total},Level_Lower,Level_Label,Level_N,Level_Overlap,Level_Mixed,"
         "Fail_Below,Flag_Word)", width=12),
    Ranked("award", "评优", "Award",
           "=KPI_FORCE_GRADES({total*},Award_Label,Award_Quota,Award_Rounding,Award_TiePolicy)", width=14),
)

HISTORY = (
    Record("total", "总分", "Total", "0.0"),
    Record("level", "客服等级", "Level"),
    Record("award", "评优", "Award"),
)

#      completion conversion success AOV reply response follow-up execution | two ago, last
SAMPLE = (
    ("程晓", 29, 28, 9, 5, 5, 5, 4, 10),  # 95: 高级 (both ≥ 90)
    ("魏宁", 27, 27, 9, 4, 5, 4, 5, 9),  # 90 after 92: 高级 (90 counts as 90以上)
    ("苏芮", 25, 26, 8, 4, 4, 4, 4, 8),  # 83: 中级
    ("吕方", 24, 24, 8, 4, 4, 4, 4, 8),  # 80 and 80: 中级 (80 on the shared bound)
    ("丁一", 22, 22, 7, 4, 4, 4, 4, 7),  # 74: 初级
    ("任杰", 27, 28, 9, 5, 5, 5, 5, 9),  # 93 after 85: mixed → UNCHANGED
    ("沈冰", 20, 19, 6, 3, 4, 3, 3, 6),  # 64: under 70 once → 提醒
    ("姚远", 18, 20, 6, 3, 3, 3, 3, 6),  # 62 after 66: under 70 twice → 淘汰
    ("卢悦", 28, 29, 10, 5, 5, 5, 5, 10),  # 97: top → 最佳
    ("萧雨", 28, 28, 10, 5, 5, 5, 5, 10),  # 96
    ("江涛", 26, 27, 9, 5, 4, 5, 4, 9),  # 89: 中级
    ("白露", 26, 25, 9, 4, 5, 4, 4, 9),  # 86
    ("付强", 23, 23, 8, 4, 4, 4, 4, 8),  # 78
    ("齐悦", 24, 25, 8, 4, 4, 4, 3, 8),  # 80
    ("方圆", 28, 28, 10, 5, 5, 5, 5, 10),  # 96: tied with 萧雨
    ("邹静", 21, 21, 7, 3, 4, 3, 4, 7),  # 70: 初级 at the bound
    ("贾明", 25, 25, 9, 4, 4, 4, 4, 9),  # only one earlier evaluation: 84 and 85 → 中级
    ("龙飞", 26, 26, 8, 4, 4, 4, 4, 8),  # first evaluation: UNCHANGED
    ("段丽", _, _, _, _, _, _, _, _),  # not appraised this month: blank
    ("钟敏", 30, 25, 8, 4, 4, 4, 4, 8),  # 87 after 82 and 84: 中级
    ("熊伟", 25, 24, 8, 4, 4, 4, 4, 8),  # 81: 中级
    ("孟琳", 22, 23, 8, 4, 4, 3, 4, 7),  # 75: 初级
)



# The two evaluations before (2016-01, 2016-02), on History.
PAST = (
    Past(2, "程晓", {"total": 93}), Past(1, "程晓", {"total": 91}), Past(2, "魏宁", {"total": 88}),
    Past(1, "魏宁", {"total": 92}), Past(2, "苏芮", {"total": 85}), Past(1, "苏芮", {"total": 86}),
    Past(2, "吕方", {"total": 82}), Past(1, "吕方", {"total": 80}), Past(2, "丁一", {"total": 75}),
    Past(1, "丁一", {"total": 78}), Past(2, "任杰", {"total": 80}), Past(1, "任杰", {"total": 85}),
    Past(2, "沈冰", {"total": 78}), Past(1, "沈冰", {"total": 72}), Past(2, "姚远", {"total": 75}),
    Past(1, "姚远", {"total": 66}), Past(2, "卢悦", {"total": 95}), Past(1, "卢悦", {"total": 96}),
    Past(2, "萧雨", {"total": 90}), Past(1, "萧雨", {"total": 94}), Past(2, "江涛", {"total": 88}),
    Past(1, "江涛", {"total": 89}), Past(2, "白露", {"total": 87}), Past(1, "白露", {"total": 84}),
    Past(2, "付强", {"total": 79}), Past(1, "付强", {"total": 77}), Past(2, "齐悦", {"total": 83}),
    Past(1, "齐悦", {"total": 81}), Past(2, "方圆", {"total": 91}), Past(1, "方圆", {"total": 93}),
    Past(2, "邹静", {"total": 71}), Past(1, "邹静", {"total": 73}), Past(1, "贾明", {"total": 85}),
    Past(2, "钟敏", {"total": 82}), Past(1, "钟敏", {"total": 84}), Past(2, "熊伟", {"total": 83}),
    Past(1, "熊伟", {"total": 85}), Past(2, "孟琳", {"total": 76}), Past(1, "孟琳", {"total": 74}),
)


def generate(r, i: int, name: str) -> tuple:
    """A plausible employee: each item between 60 % and 100 % of its maximum."""
    share = r.uniform(0.6, 1.0)
    items = tuple(min(mx, round(mx * min(1.0, share + r.uniform(-0.08, 0.08)))) for *_x, mx in ITEMS)
    return (name, *items)


def generate_past(rows: list[tuple], rng_of) -> list[Past]:
    """Two earlier totals each."""
    out = []
    for i, row in enumerate(rows):
        r = rng_of(i)
        out += [Past(2, row[0], {"total": round(r.uniform(62, 97))}), Past(1, row[0], {"total": round(r.uniform(62, 97))})]
    return out


TEMPLATE = Template(
    name="Eight_Indicator_Levels",
    scheme="S3-12",
    title="CS appraisal with 8 weighted indicators and level from two evaluations",
    about="The supervisor types each item's points up to its maximum; the level needs the last two totals in "
            "one band.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    history=HISTORY,
    past=PAST,
    generate_past=generate_past,
    summary=Summary(
        Distribution(
            "Awards against their caps", "award", "Award_Label", 3,
            quota='=KPI_QUOTA(COUNT({total*}),Award_Quota,Award_Rounding,,"MAX")', quota_size=2,
            quota_caption="Cap on places",
        ),
        (
            staff_count(),
            error_count(),
            Metric("Award cap check",
                   '=KPI_QUOTA_CHECK({award*},Award_Label,Award_Quota,"MAX",Award_Rounding)',
                   note="TRUE, the awards over their caps, or the error of an award (AMB-92)"),
            Metric("Senior", '=COUNTIF({level*},INDEX(Level_Label,1))'),
            Metric("Intermediate", '=COUNTIF({level*},INDEX(Level_Label,2))'),
            Metric("Junior", '=COUNTIF({level*},INDEX(Level_Label,3))'),
            Metric("Unchanged", '=COUNTIF({level*},"UNCHANGED")'),
            Metric("Warned", '=COUNTIF({level*},INDEX(Flag_Word,1))'),
            Metric("Eliminated", '=COUNTIF({level*},INDEX(Flag_Word,2))'),
            AVERAGE_TOTAL,
        ),
    ),
    results=(("total", "Total"), ("level", "Level"), ("award", "Award")),
)
