"""Eight_Indicator_Levels — CS appraisal with 8 weighted indicators, SEED_RULES S3-12.

Eight item scores with maxima 30/30/10/5/5/5/5/10 (points are inputs: the seed gives no
scale, AMB-88) → total of 100 (KPI_TOTAL) → level from the last two evaluations
高級/中級/初級 with overlapping bounds and < 70 warn / eliminate (KPI_LEVEL_HISTORY,
AMB-90/91) → awards by rank with caps ≤ 5 % best and ≤ 10 % excellent (KPI_FORCE_GRADES,
KPI_QUOTA, KPI_QUOTA_CHECK in MAX mode, AMB-92).
"""

from __future__ import annotations

from ..blocks import AVERAGE_TOTAL, error_count, item_table, staff_count
from ..people import names
from ..spec import (
    BLANK,
    Between,
    Calc,
    Distribution,
    Field,
    Input,
    Metric,
    Section,
    Setting,
    Spill,
    Summary,
    Table,
    Template,
    choices,
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
        "八项指标满分",
        "Maximum of the eight items",
        "「整個客服評估滿分100分,其中指標完成率佔30%(30分),詢單轉化率佔30%(30分)、下單成功率佔10%(10分)、"
        "客單價佔5%(5分)、旺旺回復率佔5%(5分)、旺旺響應時間佔5%(5分)、協助跟進服務佔5%(5分)、執行力佔10%(10分)。」",
        "AMB-88: 种子没有把指标值换算成分数的标尺 → 各项得分由主管填写, 超过满分为 #VALUE!. "
        "AMB-89: 此处询单转化率 = 最终下单人数/询单人数 (不同于表4.4 的付款口径).",
        (
            item_table(
                "Max",
                [(zh, mx) for _k, zh, _en, mx in ITEMS],
                ["30%(30分)", "30%(30分)", "10%(10分)", "5%(5分)", "5%(5分)", "5%(5分)", "5%(5分)", "10%(10分)"],
            ),
            Setting("Total_Declared", "满分", "Declared total", 100, "各项满分之和须等于 100"),
        ),
    ),
    Section(
        "客服等级 (两次考评)",
        "Level from two evaluations",
        "「兩次考評中,分值都在90分以上的…定為高級客服」「兩次考核分值都在80分~90分之間的…中級客服」"
        "「兩次都在70~80分的,則視為初級客服」「其中一次考核總分低於70分者將給予提醒並進行深度訪談,經指導仍低於70分者將予以淘汰」",
        "AMB-90: 90 与 80 同时属于两档 → 取较高档 (重叠策略); 两次不在同一档 → UNCHANGED (可改 LOWER_OF_N). "
        "AMB-91: 第一次 <70 提醒, 接着再 <70 淘汰.",
        (
            Table(
                "Level",
                "等级下限",
                "Level bounds",
                (Field("Lower", "下限", "Lowest score"), Field("Label", "等级", "Level")),
                ((90, "高级客服"), (80, "中级客服"), (70, "初级客服")),
                ("90分以上", "80分~90分之间", "70~80分"),
            ),
            Setting("Level_N", "考评次数", "Evaluations that must agree", 2, "「兩次」", valid=Between(1, 12, True)),
            Setting("Level_Overlap", "边界分数", "Score on a shared bound", "HIGHEST", "HIGHEST (默认); LOWEST; ERROR",
                    valid=choices("KPI_LEVEL_HISTORY", "overlap")),
            Setting("Level_Mixed", "两次不同档", "Evaluations in different levels", "UNCHANGED",
                    "UNCHANGED: 维持原级 (默认); LOWER_OF_N: 取较低档; ERROR", valid=choices("KPI_LEVEL_HISTORY", "mixed")),
            Setting("Fail_Below", "淘汰线", "Fail line", 70, "低于此分: 提醒; 再次低于: 淘汰"),
            Table(
                "Flag",
                "提示用语",
                "Flag words",
                (Field("Word", "用语", "Word"),),
                (("提醒",), ("淘汰",)),
                ("給予提醒並進行深度訪談", "予以淘汰"),
            ),
        ),
    ),
    Section(
        "评优名额上限",
        "Award caps",
        "「最佳客服專員佔全體客服人員的比例不得超過5%,優秀客服專員比例不得超過10%」 (補充建議,待商議)",
        "AMB-92: 「不得超过」是上限, 名额向下取整 (5% × 22 人 = 1.1 → 1). 按总分由高到低评定; 其余为「—」.",
        (
            Table(
                "Award",
                "奖项与比例",
                "Awards and shares",
                (Field("Label", "奖项", "Award"), Field("Quota", "比例", "Share", "0%")),
                (("最佳客服专员", 0.05), ("优秀客服专员", 0.10), ("—", 0.85)),
                ("不得超過5%", "不得超過10%", "(其余 the rest)"),
            ),
            Setting("Award_Rounding", "名额取整", "Rounding", "FLOOR",
                    "FLOOR: 向下取整 (默认, 不得超过); LARGEST_REMAINDER; ROUND; CEIL",
                    valid=choices("KPI_FORCE_GRADES", "rounding")),
            Setting("Award_TiePolicy", "同分", "Ties at a cap", "KEEP_TOGETHER",
                    "KEEP_TOGETHER: 同分同奖 (可能超出上限, 见汇总检查); ORDINAL; ERROR",
                    valid=choices("KPI_FORCE_GRADES", "tie_policy")),
        ),
    ),
)

COLUMNS = (
    Input("name", "姓名", "Name", width=10),
    *(Input(key, zh, en, "0.0", Between(0, mx)) for key, zh, en, mx in ITEMS),
    Input("prev2", "前次考评总分", "Total two evaluations ago", "0.0", Between(0, 100)),
    Input("prev1", "上次考评总分", "Last evaluation's total", "0.0", Between(0, 100)),
    Calc("total", "本次总分", "This evaluation's total", "=KPI_TOTAL({i1..i8},Item_Max,,0,,Total_Declared)", "0.0"),
    Calc("level", "客服等级", "Level",
         "=KPI_LEVEL_HISTORY({prev2..total},Level_Lower,Level_Label,Level_N,Level_Overlap,Level_Mixed,"
         "Fail_Below,Flag_Word)", width=12),
    Spill("award", "评优", "Award", "=KPI_FORCE_GRADES({total*},Award_Label,Award_Quota,Award_Rounding,Award_TiePolicy)",
          width=14),
)

#      completion conversion success AOV reply response follow-up execution | two ago, last
SAMPLE = (
    ("程晓", 29, 28, 9, 5, 5, 5, 4, 10, 93, 91),  # 95: 高级 (both ≥ 90)
    ("魏宁", 27, 27, 9, 4, 5, 4, 5, 9, 88, 92),  # 90 after 92: 高级 (90 counts as 90以上)
    ("苏芮", 25, 26, 8, 4, 4, 4, 4, 8, 85, 86),  # 83: 中级
    ("吕方", 24, 24, 8, 4, 4, 4, 4, 8, 82, 80),  # 80 and 80: 中级 (80 on the shared bound)
    ("丁一", 22, 22, 7, 4, 4, 4, 4, 7, 75, 78),  # 74: 初级
    ("任杰", 27, 28, 9, 5, 5, 5, 5, 9, 80, 85),  # 93 after 85: mixed → UNCHANGED
    ("沈冰", 20, 19, 6, 3, 4, 3, 3, 6, 78, 72),  # 64: under 70 once → 提醒
    ("姚远", 18, 20, 6, 3, 3, 3, 3, 6, 75, 66),  # 62 after 66: under 70 twice → 淘汰
    ("卢悦", 28, 29, 10, 5, 5, 5, 5, 10, 95, 96),  # 97: top → 最佳
    ("萧雨", 28, 28, 10, 5, 5, 5, 5, 10, 90, 94),  # 96
    ("江涛", 26, 27, 9, 5, 4, 5, 4, 9, 88, 89),  # 89: 中级
    ("白露", 26, 25, 9, 4, 5, 4, 4, 9, 87, 84),  # 86
    ("付强", 23, 23, 8, 4, 4, 4, 4, 8, 79, 77),  # 78
    ("齐悦", 24, 25, 8, 4, 4, 4, 3, 8, 83, 81),  # 80
    ("方圆", 28, 28, 10, 5, 5, 5, 5, 10, 91, 93),  # 96: tied with 萧雨
    ("邹静", 21, 21, 7, 3, 4, 3, 4, 7, 71, 73),  # 70: 初级 at the bound
    ("贾明", 25, 25, 9, 4, 4, 4, 4, 9, _, 85),  # only one earlier evaluation: 84 and 85 → 中级
    ("龙飞", 26, 26, 8, 4, 4, 4, 4, 8, _, _),  # first evaluation: UNCHANGED
    ("段丽", _, _, _, _, _, _, _, _, _, _),  # not appraised this month: blank
    ("钟敏", 31, 25, 8, 4, 4, 4, 4, 8, 82, 84),  # completion 31 > 30: #VALUE!
    ("熊伟", 25, 24, 8, 4, 4, 4, 4, 8, 83, 85),  # 81: 中级
    ("孟琳", 22, 23, 8, 4, 4, 3, 4, 7, 76, 74),  # 75: 初级
)


def generate(r, n: int) -> list[tuple]:
    """n plausible staff: each item between 60 % and 100 % of its maximum, two earlier totals."""
    rows = []
    for name in names(r, n):
        share = r.uniform(0.6, 1.0)
        items = tuple(min(mx, round(mx * min(1.0, share + r.uniform(-0.08, 0.08)))) for *_x, mx in ITEMS)
        rows.append((name, *items, round(r.uniform(62, 97)), round(r.uniform(62, 97))))
    return rows


TEMPLATE = Template(
    name="Eight_Indicator_Levels",
    scheme="S3-12",
    zh="电商客服绩效考核 (八项指标, 两次考评定级)",
    en="CS appraisal with 8 weighted indicators and level from two evaluations",
    about="各项得分由主管按满分填写; 等级看最近两次总分是否同在一档. "
    "Supervisors enter each item's points; the level needs the last two totals in one band.",
    rules=RULES,
    columns=COLUMNS,
    sample=SAMPLE,
    generate=generate,
    summary=Summary(
        Distribution(
            "评优分布与上限", "Awards against their caps", "award", "Award_Label", 3,
            quota='=KPI_QUOTA(COUNT({total*}),Award_Quota,Award_Rounding,,"MAX")',
            quota_zh="名额上限", quota_en="Cap",
        ),
        (
            staff_count(),
            error_count(),
            Metric("评优上限检查", "Award cap check",
                   '=KPI_QUOTA_CHECK(IFERROR({award*}&"",""),Award_Label,Award_Quota,"MAX",Award_Rounding)',
                   note="TRUE = 未超上限; 否则列出超出 (AMB-92)"),
            Metric("高级客服", "Senior", '=COUNTIF({level*},INDEX(Level_Label,1))'),
            Metric("中级客服", "Intermediate", '=COUNTIF({level*},INDEX(Level_Label,2))'),
            Metric("初级客服", "Junior", '=COUNTIF({level*},INDEX(Level_Label,3))'),
            Metric("维持原级", "Unchanged", '=COUNTIF({level*},"UNCHANGED")'),
            Metric("提醒", "Warned", '=COUNTIF({level*},INDEX(Flag_Word,1))'),
            Metric("淘汰", "Eliminated", '=COUNTIF({level*},INDEX(Flag_Word,2))'),
            AVERAGE_TOTAL,
        ),
    ),
    results=(("total", "总分 Total"), ("level", "等级 Level"), ("award", "评优 Award")),
)
