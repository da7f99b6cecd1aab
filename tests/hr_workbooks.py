"""Hand-written appraisal workbooks in the seeds' style, generated (issue 14, "realistic test material").

Each workbook is what an HR team types by hand for one or more schemes of SEED_RULES.md:
Chinese headers (simplified for seeds 000/001/003, traditional for seed 002 and 篇十二),
a title row, staff rows, nested IF chains, IFS, LOOKUP/VLOOKUP over a threshold table,
SUMPRODUCT and sums of products for weights, data validation on the rating column,
number formats, a second sheet of rules. The seeds' own defects are planted the way the
seed text would be typed: 「45%>X>=50%」 as ``AND(E3<45%,E3>=50%)`` (an empty band),
「30<T=<35 60T>40 50」 (a gap), 「Q>100%」 (an overlap), 90 in both 「90分以上」 and
「80分~90分」, weights of 90 %, a level table typed out of order, a threshold typed
differently in one row, a rating key typed twice.

Cached values are what the formulas give, worked out here in plain Python from the rules
as typed (one small function per rule, below each sheet) and written into the file with
the project's own writer, as Excel would have saved them. Nothing is copied from
elsewhere; run ``python tests/hr_workbooks.py OUT_DIR`` to write them all.

:func:`build_all` returns, per workbook, its path and the rows as generated (inputs and
computed values), so tests can derive the expected findings by hand from the same data.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kpi_udfs.errors import KpiError
from kpi_udfs.recalc.model import Evaluation
from kpi_udfs.recalc.write.writer import write_values

NA = KpiError("#N/A", "")

NAMES_SC = ("王静 李娜 张伟 刘洋 陈晨 杨帆 赵敏 黄磊 周婷 吴刚 徐丽 孙浩 胡佳 朱琳 高峰 林雪 何欢 郭强 马超 罗敏 "
            "梁晓 宋佳 郑凯 谢娜 韩梅 唐亮 冯雪 于洋 董明 萧红 程诚 曹阳 袁媛 邓超 许晴 傅强 沈月 曾琪 彭飞 吕青").split()
NAMES_TC = ("王靜 李娜 張偉 劉洋 陳晨 楊帆 趙敏 黃磊 周婷 吳剛 徐麗 孫浩 胡佳 朱琳 高峰 林雪 何歡 郭強 馬超 羅敏 "
            "梁曉 宋佳 鄭凱 謝娜 韓梅 唐亮 馮雪 於洋 董明 蕭紅 程誠 曹陽 袁媛 鄧超 許晴 傅強 沈月 曾琪 彭飛 呂青").split()

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass
class Col:
    """One column of a staff sheet: an input, or a formula with the value it gives."""

    letter: str
    header: str
    formula: str | None = None  # with {r} for the row, e.g. "=D{r}/C{r}"
    compute: Callable[[dict], Any] | None = None  # the row (by column letter) → the value
    fmt: str | None = None
    width: float = 9.0


@dataclass
class SheetSpec:
    name: str
    title: str
    cols: list[Col]
    rows: list[dict]  # inputs by column letter
    header_row: int = 2
    first_row: int = 3
    #: row index (0-based) → {letter: (formula, compute)} typed differently in that row
    overrides: dict[int, dict[str, tuple[str, Callable]]] = field(default_factory=dict)
    #: extra cells written before the staff rows: {"C3": value}
    extra: dict[str, Any] = field(default_factory=dict)
    validation: tuple[str, str] | None = None  # (column letter, "优秀,良好,合格,差")
    freeze: str | None = None


@dataclass
class Material:
    """A generated workbook: where it is and what every row holds."""

    path: Path
    #: sheet name → rows (dict letter → value, inputs and computed), in sheet order
    rows: dict[str, list[dict]] = field(default_factory=dict)
    #: sheet name → first staff row
    first_row: dict[str, int] = field(default_factory=dict)


def _write_sheet(ws, spec: SheetSpec, values: dict) -> list[dict]:
    last = get_column_letter(max(openpyxl.utils.column_index_from_string(c.letter) for c in spec.cols))
    ws["A1"] = spec.title
    ws["A1"].font = TITLE_FONT
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].alignment = Alignment(horizontal="center")
    for ref, v in spec.extra.items():
        ws[ref] = v
    for c in spec.cols:
        cell = ws[f"{c.letter}{spec.header_row}"]
        cell.value = c.header
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[c.letter].width = c.width
    out = []
    for i, inputs in enumerate(spec.rows):
        r = spec.first_row + i
        row = dict(inputs)
        for c in spec.cols:
            formula, compute = c.formula, c.compute
            if c.letter in spec.overrides.get(i, {}):
                formula, compute = spec.overrides[i][c.letter]
            cell = ws[f"{c.letter}{r}"]
            if formula is not None:
                cell.value = formula.replace("{r}", str(r))
                row[c.letter] = compute(row)
                values[(spec.name, f"{c.letter}{r}")] = row[c.letter]
            else:
                cell.value = row.get(c.letter)
            cell.border = BORDER
            if c.fmt:
                cell.number_format = c.fmt
        out.append(row)
    if spec.validation:
        letter, choices = spec.validation
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        dv.add(f"{letter}{spec.first_row}:{letter}{spec.first_row + len(spec.rows) - 1}")
        ws.add_data_validation(dv)
    ws.freeze_panes = spec.freeze or f"C{spec.first_row}"
    return out


def _save(path: Path, wb, values: dict) -> None:
    """Save with openpyxl, then write the cached values the formulas give (as Excel saves them)."""
    raw = path.with_suffix(".raw.xlsx")
    wb.save(raw)
    write_values(raw, Evaluation(values=dict(values)), path)
    raw.unlink()


def _build(path: Path, specs: list[SheetSpec], notes: list[str] | None = None,
           rule_sheets: dict[str, list[list[Any]]] | None = None) -> Material:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    values: dict = {}
    material = Material(path)
    for spec in specs:
        ws = wb.create_sheet(spec.name)
        material.rows[spec.name] = _write_sheet(ws, spec, values)
        material.first_row[spec.name] = spec.first_row
    for name, grid in (rule_sheets or {}).items():
        ws = wb.create_sheet(name)
        for row in grid:
            ws.append(row)
        ws.column_dimensions["A"].width = 14
        ws.column_dimensions["B"].width = 14
    if notes:
        ws = wb.create_sheet("说明")
        for line in notes:
            ws.append([line])
        ws.column_dimensions["A"].width = 90
    _save(path, wb, values)
    return material


def _name(names: tuple | list, i: int) -> str:
    return names[i] if i < len(names) else f"{names[i % len(names)]}{i // len(names)}"


# =====================================================================================
# S0-F 表4.4–4.6 售前客服团队绩效考核 (simplified)
# =====================================================================================

def x_literal(x: float, top: float = 0.55) -> float:
    """「X>=55% 100 / 45%>X>=50% 80 / 40%>X>=45% 60 / X<40% 50」 as typed, ELSE 0 (``top``: the one row
    retyped with 50 % for 55 %)."""
    if x >= top:
        return 100.0
    if x < 0.45 and x >= 0.5:
        return 80.0
    if x < 0.4 and x >= 0.45:
        return 60.0
    if x < 0.4:
        return 50.0
    return 0.0


def y_ladder(y: float) -> float:
    if y >= 1.12:
        return 100.0
    if y >= 1.08:
        return 80.0
    if y >= 1.06:
        return 60.0
    return 50.0


def z_bands(z: float) -> float:
    if z >= 0.99:
        return 100.0
    if z < 0.99 and z >= 0.97:
        return 80.0
    if z < 0.97 and z >= 0.95:
        return 60.0
    if z < 0.95:
        return 50.0
    return 0.0


def t_presales(t: float) -> float:
    """「T=<25 100 / 25<T=<30 80 / 30<T=<35 60 / T>40 50」, ELSE 0: (35, 40] in no band."""
    if t <= 25:
        return 100.0
    if t > 25 and t <= 30:
        return 80.0
    if t > 30 and t <= 35:
        return 60.0
    if t > 40:
        return 50.0
    return 0.0


RATING_POINTS = {"优秀": 100.0, "良好": 80.0, "合格": 70.0, "差": 50.0}


def rating(r: str) -> float:
    return RATING_POINTS.get(r, 0.0)


def grade_ladder(s: float) -> str:
    if s >= 91:
        return "A"
    if s >= 86:
        return "B"
    if s >= 76:
        return "C"
    if s >= 65:
        return "D"
    return "无"


PAY_BASE = {"A": 950.0, "B": 800.0, "C": 650.0, "D": 550.0}
COEF = {"A": 1.4, "B": 1.2, "C": 1.0, "D": 0.8}

#: Planted S0-F rows: (询单人数, 最终付款人数, 客服落实客单价, 回复人数, 响应秒, 平时表现)
PRESALES_PLANTED = [
    (200, 114, 168.0, 500, 24, "优秀"),  # X 0.57, Y 1.12, Z 1.00, T 24
    (200, 110, 162.0, 495, 25, "良好"),  # X 0.55 boundary, Y 1.08, Z 0.99
    (200, 104, 160.0, 490, 28, "良好"),  # X 0.52: in the gap of the literal table (WE-1)
    (200, 100, 158.0, 485, 30, "合格"),  # X 0.50
    (200, 94, 172.5, 480, 33, "优秀"),  # X 0.47
    (200, 90, 163.5, 470, 35, "差"),  # X 0.45
    (200, 104, 168.0, 500, 36, "良好"),  # the retyped row (X 0.52 → 100 under its own table); T 36 in (35, 40]
    (200, 84, 165.0, 496, 38, "良好"),  # X 0.42, T 38 in the gap
    (200, 80, 160.0, 488, 40, "合格"),  # X 0.40 boundary: still the gap (「X<40%」 excludes it), T 40 in the gap
    (200, 76, 150.0, 470, 41, "差"),  # X 0.38 → 50; T 41 → 50
    (250, 150, 170.0, 500, 45, "优秀"),  # X 0.60
]
PRESALES_TYPO_ROW = 6  # index in the staff rows of the retyped X formula


def presales_rows(n: int, seed: int = 44) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        if i < len(PRESALES_PLANTED):
            c, d, f, j, t, m = PRESALES_PLANTED[i]
        else:
            c = rnd.randint(150, 260)
            d = round(c * rnd.uniform(0.36, 0.62))
            f = round(150 * rnd.uniform(1.0, 1.16), 1)
            j = rnd.randint(465, 500)
            t = rnd.randint(20, 46)
            m = rnd.choice(list(RATING_POINTS))
        rows.append({"A": i + 1, "B": _name(NAMES_SC, i), "C": c, "D": d, "F": f, "G": 150, "I": 500, "J": j,
                     "L": t, "M": m})
    return rows


def presales_spec(n: int) -> SheetSpec:
    cols = [
        Col("A", "序号", width=5), Col("B", "姓名", width=8), Col("C", "询单人数"), Col("D", "最终付款人数"),
        Col("E", "订单转化率(X)", "=D{r}/C{r}", lambda v: v["D"] / v["C"], "0.00%"),
        Col("F", "客服落实客单价", fmt="0.0"), Col("G", "店铺客单价"),
        Col("H", "落实客单价(Y)", "=F{r}/G{r}", lambda v: v["F"] / v["G"], "0.000"),
        Col("I", "接待人数"), Col("J", "回复人数"),
        Col("K", "旺旺回复率(Z)", "=J{r}/I{r}", lambda v: v["J"] / v["I"], "0.0%"),
        Col("L", "平均响应时间(秒)(T)"), Col("M", "平时表现"),
        Col("N", "X得分", "=IF(E{r}>=55%,100,IF(AND(E{r}<45%,E{r}>=50%),80,IF(AND(E{r}<40%,E{r}>=45%),60,"
                         "IF(E{r}<40%,50,0))))", lambda v: x_literal(v["E"])),
        Col("O", "Y得分", "=IF(H{r}>=1.12,100,IF(H{r}>=1.08,80,IF(H{r}>=1.06,60,50)))", lambda v: y_ladder(v["H"])),
        Col("P", "Z得分", "=IF(K{r}>=99%,100,IF(AND(K{r}<99%,K{r}>=97%),80,IF(AND(K{r}<97%,K{r}>=95%),60,"
                         "IF(K{r}<95%,50,0))))", lambda v: z_bands(v["K"])),
        Col("Q", "T得分", "=IF(L{r}<=25,100,IF(AND(L{r}>25,L{r}<=30),80,IF(AND(L{r}>30,L{r}<=35),60,"
                         "IF(L{r}>40,50,0))))", lambda v: t_presales(v["L"])),
        Col("R", "表现得分", '=IF(M{r}="优秀",100,IF(M{r}="良好",80,IF(M{r}="合格",70,IF(M{r}="差",50,0))))',
            lambda v: rating(v["M"])),
        Col("S", "加权总分", "=N{r}*35%+O{r}*25%+P{r}*15%+Q{r}*15%+R{r}*10%",
            lambda v: v["N"] * 0.35 + v["O"] * 0.25 + v["P"] * 0.15 + v["Q"] * 0.15 + v["R"] * 0.1, "0.0"),
        Col("T", "等级", '=IF(S{r}>=91,"A",IF(S{r}>=86,"B",IF(S{r}>=76,"C",IF(S{r}>=65,"D","无"))))',
            lambda v: grade_ladder(v["S"])),
        Col("U", "绩效工资基数", '=IF(T{r}="A",950,IF(T{r}="B",800,IF(T{r}="C",650,IF(T{r}="D",550,0))))',
            lambda v: PAY_BASE.get(v["T"], 0.0)),
        Col("V", "绩效工资系数", "=IFERROR(VLOOKUP(T{r},考核标准!$A$3:$C$6,3,FALSE),0)",
            lambda v: COEF.get(v["T"], 0.0)),
        Col("W", "个人业绩奖金", "=S{r}*V{r}", lambda v: v["S"] * v["V"], "0.00", width=10),
    ]
    typo = ("=IF(E{r}>=50%,100,IF(AND(E{r}<45%,E{r}>=50%),80,IF(AND(E{r}<40%,E{r}>=45%),60,IF(E{r}<40%,50,0))))",
            lambda v: x_literal(v["E"], top=0.5))
    return SheetSpec("6月考核", "售前客服团队绩效考核表 2016年6月", cols, presales_rows(n),
                     overrides={PRESALES_TYPO_ROW: {"N": typo}}, validation=("M", "优秀,良好,合格,差"))


def build_presales(path: Path, n: int = 40) -> Material:
    """S0-F: X typed literally (two empty bands, the [40 %, 55 %) hole), T with the (35, 40] gap,
    one row whose X threshold was typed 50 %; Y, Z, rating, weights and grade clean."""
    rules = [["表4.5/4.6 绩效工资基数及系数"], ["等级", "绩效工资基数", "绩效工资考核系数", "人员比例"],
             ["A", 950, 1.4, 0.15], ["B", 800, 1.2, 0.45], ["C", 650, 1.0, 0.30], ["D", 550, 0.8, 0.10]]
    notes = ["个人业绩奖金 = 绩效考核分值 × 个人绩效工资考核系数 (表4.4、表4.5、表4.6)",
             "订单转化率 X = 最终付款人数/询单人数; 落实客单价 Y = 客服落实客单价/店铺客单价",
             "旺旺回复率 Z = 回复过的客户/接待人数; T = 平均响应时间(秒)"]
    return _build(path, [presales_spec(n)], notes, {"考核标准": rules})


# =====================================================================================
# S0-G 表4.7–4.9 售后客服部绩效考核 (simplified)
# =====================================================================================

def z_ifs(z: float) -> float:
    if z >= 0.99:
        return 100.0
    if z >= 0.97:
        return 80.0
    if z >= 0.95:
        return 60.0
    if z < 0.95:
        return 50.0
    return NA  # pragma: no cover (IFS with no condition true)


def t_aftersales(t: float) -> float:
    """「T=<30 100 / 35<T=<40 80 / 40<T=<45 60 / T>50 50」, ELSE 0: (30, 35] and (45, 50] in no band."""
    if t <= 30:
        return 100.0
    if t > 35 and t <= 40:
        return 80.0
    if t > 40 and t <= 45:
        return 60.0
    if t > 50:
        return 50.0
    return 0.0


def q_literal(q: float) -> float:
    """「Q≥130% 100 / 130%>Q≥120% 80 / 120%>Q≥110% 60 / Q>100% 50」, ELSE 0 for Q ≤ 100 %."""
    if q >= 1.3:
        return 100.0
    if q < 1.3 and q >= 1.2:
        return 80.0
    if q < 1.2 and q >= 1.1:
        return 60.0
    if q > 1:
        return 50.0
    return 0.0


def p_bands(p: float) -> float:
    if p >= 4.9:
        return 100.0
    if p >= 4.8 and p < 4.9:
        return 80.0
    if p >= 4.7 and p < 4.8:
        return 60.0
    if p < 4.7:
        return 50.0
    return 0.0


def teamwork_typo(r: str) -> float:
    """「优秀100 良好80 合格70 差50」 with 合格 typed as 良好 a second time: 合格 gets the ELSE."""
    return {"优秀": 100.0, "良好": 80.0, "差": 50.0}.get(r, 0.0)


AFTERSALES_WEIGHTS = (0.25, 0.25, 0.20, 0.15, 0.15)


def grade_ranges(s: float) -> str:
    """「A 91~100 / B 86~90 / C 76~85 / D 65~75」 typed as AND(…) ranges, ELSE 待定."""
    if s >= 91 and s <= 100:
        return "A"
    if s >= 86 and s <= 90:
        return "B"
    if s >= 76 and s <= 85:
        return "C"
    if s >= 65 and s <= 75:
        return "D"
    return "待定"


#: Planted S0-G rows: (接待人数, 回复人数, 响应秒, 客服消息数, 买家消息数, 店铺评分, 团队合作)
AFTERSALES_PLANTED = [
    (400, 400, 28, 650, 500, 4.9, "优秀"),  # Z 1, T 28, Q 1.30, P 4.9
    (400, 396, 30, 600, 500, 4.85, "良好"),  # T 30 boundary, Q 1.20
    (400, 392, 33, 560, 500, 4.8, "合格"),  # T 33 in (30, 35]; Q 1.12; 合格 → 0 (typo)
    (400, 388, 35, 550, 500, 4.75, "良好"),  # T 35 in the gap; Q 1.10
    (400, 380, 38, 530, 500, 4.7, "差"),  # Q 1.06 → 50
    (400, 376, 44, 500, 500, 4.65, "合格"),  # Q 1.00: in no band → 0
    (400, 390, 47, 480, 500, 4.9, "优秀"),  # T 47 in (45, 50]; Q 0.96 → 0
    (400, 398, 50, 700, 500, 4.95, "良好"),  # T 50 in the gap (50 included); Q 1.40
    (400, 399, 52, 610, 500, 4.8, "优秀"),  # T 52 → 50
    (400, 400, 28, 620, 500, 4.85, "差"),  # total 25 + 25 + 16 + 12 + 7.5 = 85.5: in the grade gap (85, 86)
]


def aftersales_rows(n: int, seed: int = 47) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        if i < len(AFTERSALES_PLANTED):
            c, d, f, g, h, j, k = AFTERSALES_PLANTED[i]
        else:
            c = rnd.randint(300, 480)
            d = c - rnd.randint(0, 24)
            f = rnd.randint(24, 54)
            h = rnd.randint(400, 600)
            g = round(h * rnd.uniform(0.95, 1.4))
            j = round(rnd.uniform(4.6, 5.0), 2)
            k = rnd.choice(["优秀", "良好", "合格", "差"])
        rows.append({"A": i + 1, "B": _name(NAMES_SC, i + 7), "C": c, "D": d, "F": f, "G": g, "H": h, "J": j,
                     "K": k})
    return rows


def build_aftersales(path: Path, n: int = 36) -> Material:
    """S0-G: Z as IFS (clean), T with gaps (30, 35] and (45, 50], Q with 「Q>100%」 (overlap) and
    Q ≤ 100 % in no band (ELSE 0), P clean, teamwork with 合格 typed as 良好 twice, weights 25/25/20/15/15
    in a weights row, grade by the integer ranges 91~100… (gaps (90, 91), (85, 86), (75, 76))."""
    cols = [
        Col("A", "序号", width=5), Col("B", "姓名", width=8), Col("C", "接待人数"), Col("D", "回复人数"),
        Col("E", "旺旺回复率(Z)", "=D{r}/C{r}", lambda v: v["D"] / v["C"], "0.0%"),
        Col("F", "平均响应时间(秒)"), Col("G", "客服消息数"), Col("H", "买家消息数"),
        Col("I", "答问比(Q)", "=G{r}/H{r}", lambda v: v["G"] / v["H"], "0%"),
        Col("J", "店铺评分(P)"), Col("K", "团队合作"),
        Col("L", "Z得分", "=IFS(E{r}>=99%,100,E{r}>=97%,80,E{r}>=95%,60,E{r}<95%,50)", lambda v: z_ifs(v["E"])),
        Col("M", "T得分", "=IF(F{r}<=30,100,IF(AND(F{r}>35,F{r}<=40),80,IF(AND(F{r}>40,F{r}<=45),60,"
                         "IF(F{r}>50,50,0))))", lambda v: t_aftersales(v["F"])),
        Col("N", "Q得分", "=IF(I{r}>=130%,100,IF(AND(I{r}<130%,I{r}>=120%),80,IF(AND(I{r}<120%,I{r}>=110%),60,"
                         "IF(I{r}>100%,50,0))))", lambda v: q_literal(v["I"])),
        Col("O", "P得分", "=IF(J{r}>=4.9,100,IF(AND(J{r}>=4.8,J{r}<4.9),80,IF(AND(J{r}>=4.7,J{r}<4.8),60,"
                         "IF(J{r}<4.7,50,0))))", lambda v: p_bands(v["J"])),
        Col("P", "团队合作得分", '=IF(K{r}="优秀",100,IF(K{r}="良好",80,IF(K{r}="良好",70,IF(K{r}="差",50,0))))',
            lambda v: teamwork_typo(v["K"])),
        Col("Q", "加权总分", "=SUMPRODUCT(L{r}:P{r},$L$3:$P$3)",
            lambda v: sum(_num(v[c]) * w for c, w in zip("LMNOP", AFTERSALES_WEIGHTS, strict=True)), "0.0"),
        Col("R", "等级", '=IF(AND(Q{r}>=91,Q{r}<=100),"A",IF(AND(Q{r}>=86,Q{r}<=90),"B",IF(AND(Q{r}>=76,Q{r}<=85),'
                        '"C",IF(AND(Q{r}>=65,Q{r}<=75),"D","待定"))))', lambda v: grade_ranges(v["Q"])),
    ]
    extra = {"K3": "权重", **{f"{c}3": w for c, w in zip("LMNOP", AFTERSALES_WEIGHTS, strict=True)}}
    spec = SheetSpec("售后考核", "表4.7 售后客服部绩效考核表", cols, aftersales_rows(n), header_row=2,
                     first_row=4, extra=extra, validation=("K", "优秀,良好,合格,差"))
    notes = ["表4.7 的权重栏原文为空 (AMB-29), 本表按部门会议暂定 25%/25%/20%/15%/15%。",
             "答问比 Q = 客服消息数/买家消息数 (AMB-31); 店铺评分 P 为 5 分制 (AMB-32)。"]
    return _build(path, [spec], notes)


def _num(v: Any) -> float:
    """SUMPRODUCT reads TRUE/FALSE and text in a range as 0."""
    return v if isinstance(v, float) and not isinstance(v, bool) else 0.0


# =====================================================================================
# S0-A 售后客服考核标准 130分 (simplified)
# =====================================================================================

QUALITY = {"优": 20.0, "良": 15.0, "中": 10.0}


def quality(r: str) -> float:
    return QUALITY.get(r, 0.0)


def cooperation_typo(r: str) -> float:
    """The retyped row: 中 → 5 instead of 10."""
    return {"优": 20.0, "良": 15.0, "中": 5.0}.get(r, 0.0)


AFTERSALES130_TYPO_ROW = 5


def aftersales130_rows(n: int, seed: int = 130) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    scale = ["优", "良", "中", "差"]
    for i in range(n):
        rows.append({
            "A": _name(NAMES_SC, i + 3), "B": "售后组长" if i == 0 else "售后客服",
            "C": scale[i % 4] if i < 8 else rnd.choice(scale),
            "D": rnd.choice(scale), "E": "中" if i == AFTERSALES130_TYPO_ROW else rnd.choice(scale),
            "F": rnd.choice(scale), "G": rnd.choice([0, 0, 0, 1, 2]), "H": rnd.choice([0, 0, 1]),
            "I": rnd.choice([0, 0, 0, 0, 1]), "J": rnd.choice([0, 0, 1]), "K": rnd.choice([0, 0, 3, 2, 1]),
        })
    return rows


def build_aftersales130(path: Path, n: int = 30) -> Material:
    """S0-A: four 优/良/中/差 ratings typed as IF chains (one row of 配合度 with 中 → 5), attendance
    20 − 5/5/10, total, the 70 % gate (91) and pay; only the rating chains are band logic."""
    q = '=IF({c}{r}="优",20,IF({c}{r}="良",15,IF({c}{r}="中",10,0)))'
    cols = [
        Col("A", "姓名", width=8), Col("B", "岗位", width=9), Col("C", "售后客服素质"), Col("D", "投诉维权处理"),
        Col("E", "配合度"), Col("F", "执行力"), Col("G", "迟到次数"), Col("H", "请假次数"), Col("I", "旷工次数"),
        Col("J", "低质评价次数"), Col("K", "客户表扬次数"),
        Col("L", "素质得分", q.replace("{c}", "C"), lambda v: quality(v["C"])),
        Col("M", "投诉维权得分", q.replace("{c}", "D"), lambda v: quality(v["D"])),
        Col("N", "配合度得分", q.replace("{c}", "E"), lambda v: quality(v["E"])),
        Col("O", "执行力得分", q.replace("{c}", "F"), lambda v: quality(v["F"])),
        Col("P", "出勤得分", "=MAX(0,20-5*G{r}-5*H{r}-10*I{r})",
            lambda v: max(0.0, 20.0 - 5 * v["G"] - 5 * v["H"] - 10 * v["I"])),
        Col("Q", "总分", "=SUM(L{r}:P{r})+30-5*J{r}+2*K{r}",
            lambda v: v["L"] + v["M"] + v["N"] + v["O"] + v["P"] + 30 - 5 * v["J"] + 2 * v["K"]),
        Col("R", "是否有KPI奖金", '=IF(Q{r}<91,"无","有")', lambda v: "无" if v["Q"] < 91 else "有"),
        Col("S", "基本工资", '=IF(B{r}="售后组长",3000,2500)', lambda v: 3000.0 if v["B"] == "售后组长" else 2500.0),
    ]
    typo = ('=IF(E{r}="优",20,IF(E{r}="良",15,IF(E{r}="中",5,0)))', lambda v: cooperation_typo(v["E"]))
    spec = SheetSpec("售后客服考核", "网店售后工资及考核标准 (总分130分, 低于总分70%无KPI考核奖金)", cols,
                     aftersales130_rows(n), overrides={AFTERSALES130_TYPO_ROW: {"N": typo}},
                     validation=("C", "优,良,中,差"))
    notes = ["退款率 (≤5%: 30分) 一项原文缺失其余档位 (AMB-02), 本月按满分 30 分计入总分。"]
    return _build(path, [spec], notes)


# =====================================================================================
# S2-B / S2-C 客服獎懲制度方案二、方案三 (traditional)
# =====================================================================================

def budget_factor(p: float) -> float:
    """「低于25分 10% / 低于20分到15分 30% / 低于15分 100%」 typed as separate bands: complete."""
    if p >= 25:
        return 0.0
    if p < 25 and p >= 20:
        return 0.1
    if p < 20 and p >= 15:
        return 0.3
    if p < 15:
        return 1.0
    return 0.0


BUDGET_KEYS = (0, 15, 20, 25)
BUDGET_FACTORS = (1.0, 0.3, 0.1, 0.0)


def budget_lookup(p: float) -> Any:
    """INDEX(factors, MATCH(p, 0/15/20/25, 1)): the last floor ≤ p; below 0 nothing (#N/A)."""
    i = excel_binary_search(list(BUDGET_KEYS), p)
    return NA if i < 0 else BUDGET_FACTORS[i]


QUALITY_TC = {"優": 20.0, "良": 15.0, "中": 10.0, "差": 0.0}


def _rating_tc(letter: str) -> Callable[[dict], float]:
    return lambda v: QUALITY_TC.get(v[letter], 0.0)


def build_rewards(path: Path, n: int = 24) -> Material:
    """S2-B (30-point budget → bonus deduction bands over floors typed in cells, clean; the same by
    INDEX/MATCH over a side table) and S2-C (優/良/中/差 chains, clean): band logic without a defect."""
    rnd = random.Random(2)
    rows_b = []
    for i in range(n):
        rows_b.append({"A": _name(NAMES_TC, i), "B": rnd.choice([0, 1, 2, 3]), "C": rnd.choice([0, 1, 2, 4]),
                       "D": rnd.choice([0, 0, 1, 2]), "E": rnd.choice([0, 1, 3]),
                       "F": 1 if i == 3 else 0, "G": rnd.choice([0, 3, 5, 0])})
    rows_b[0].update({"B": 0, "C": 0, "D": 0, "E": 0, "F": 0, "G": 0})  # 30 → 0 %
    rows_b[1].update({"B": 6, "C": 0, "D": 0, "E": 0, "F": 0, "G": 0})  # 25 → 0 %
    rows_b[2].update({"B": 6, "C": 6, "D": 0, "E": 0, "F": 0, "G": 0})  # 20 → 10 %
    rows_b[3].update({"B": 1, "C": 1, "D": 0, "E": 0, "F": 1, "G": 0})  # 20 → 10 %
    rows_b[4].update({"B": 6, "C": 6, "D": 3, "E": 2, "F": 0, "G": 0})  # 15 → 30 %
    rows_b[5].update({"B": 6, "C": 6, "D": 3, "E": 3, "F": 0, "G": 0})  # 14 → 100 %
    remaining = ("=MIN(30,30-MAX(0,B{r}-1)-MAX(0,C{r}-1)-2*MAX(0,D{r}-1)-MAX(0,E{r}-1)-10*F{r}+G{r})",
                 lambda v: min(30.0, 30.0 - max(0, v["B"] - 1) - max(0, v["C"] - 1) - 2 * max(0, v["D"] - 1)
                               - max(0, v["E"] - 1) - 10 * v["F"] + v["G"]))
    cols_b = [
        Col("A", "姓名", width=8), Col("B", "態度投訴次數"), Col("C", "備注不清次數"), Col("D", "私自降價次數"),
        Col("E", "推卸責任次數"), Col("F", "重大錯誤"), Col("G", "獎勵分"),
        Col("H", "本月剩餘分數", *remaining),
        # the band floors typed once beside the table (L3:L5) and referenced, as HR does to change them monthly
        Col("I", "當月獎金扣除比例", "=IF(H{r}>=$L$3,0,IF(AND(H{r}<$L$3,H{r}>=$L$4),10%,IF(AND(H{r}<$L$4,"
                                  "H{r}>=$L$5),30%,IF(H{r}<$L$5,100%,0))))", lambda v: budget_factor(v["H"]), "0%"),
        # a check column by lookup over the side table N3:O6
        Col("J", "扣除比例(查表)", "=INDEX($O$3:$O$6,MATCH(H{r},$N$3:$N$6,1))", lambda v: budget_lookup(v["H"]), "0%"),
    ]
    extra_b = {"L2": "扣分界限", "L3": 25, "L4": 20, "L5": 15, "N2": "分數下限", "O2": "扣除比例",
               **{f"N{3 + i}": k for i, k in enumerate(BUDGET_KEYS)},
               **{f"O{3 + i}": f for i, f in enumerate(BUDGET_FACTORS)}}
    q = '=IF({c}{r}="優",20,IF({c}{r}="良",15,IF({c}{r}="中",10,IF({c}{r}="差",0,0))))'
    scale = list(QUALITY_TC)
    rows_c = [{"A": _name(NAMES_TC, i + 5), "B": scale[i % 4], "C": rnd.choice(scale), "D": rnd.choice(scale),
               "E": rnd.choice(scale), "F": rnd.choice([0, 0, 1]), "G": rnd.choice([0, 0, 1]),
               "H": rnd.choice([0, 0, 0, 1])} for i in range(n)]
    cols_c = [
        Col("A", "姓名", width=8), Col("B", "售後客服素質"), Col("C", "投訴維權處理"), Col("D", "配合度"),
        Col("E", "執行力"), Col("F", "遲到次數"), Col("G", "請假次數"), Col("H", "曠工次數"),
        *[Col(t, h, q.replace("{c}", src), _rating_tc(src))
          for t, h, src in (("I", "素質得分", "B"), ("J", "投訴維權得分", "C"), ("K", "配合度得分", "D"),
                            ("L", "執行力得分", "E"))],
        Col("M", "出勤率得分", "=MAX(0,20-5*F{r}-5*G{r}-10*H{r})",
            lambda v: max(0.0, 20.0 - 5 * v["F"] - 5 * v["G"] - 10 * v["H"])),
        Col("N", "總分", "=SUM(I{r}:M{r})", lambda v: v["I"] + v["J"] + v["K"] + v["L"] + v["M"]),
        Col("O", "考核結果", '=IF(N{r}<91,"不合格","合格")', lambda v: "不合格" if v["N"] < 91 else "合格"),
    ]
    return _build(path, [
        SheetSpec("方案二", "客服獎懲制度方案二 (每人每月30分)", cols_b, rows_b, extra=extra_b),
        SheetSpec("方案三", "客服獎懲制度方案三 (總分130分, 低于總分70%考核不合格)", cols_c, rows_c,
                  validation=("B", "優,良,中,差")),
    ])


# =====================================================================================
# S1-A / S1-F / S1-G 售后服务人员绩效考核 (simplified)
# =====================================================================================

S1A_WEIGHTS = (0.30, 0.30, 0.20, 0.10)  # 工作质量, 客户满意度, 工作效率, 个人发展: 90 %

#: S1-F level table as typed on 等级表: 特级 typed before 高级 (keys 0, 60, 80, 120, 100)
LEVELS_TYPED = [(0, "底级"), (60, "初级"), (80, "中级"), (120, "特级"), (100, "高级")]
LEVEL_BONUS = {"底级": 300.0, "初级": 400.0, "中级": 500.0, "高级": 800.0, "特级": 1000.0}


def excel_binary_search(keys: list[float], x: float) -> int:
    """Approximate match as Excel searches: halve [lo, hi], keep the last probe ≤ x."""
    lo, hi, found = 0, len(keys) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if keys[mid] <= x:
            found, lo = mid, mid + 1
        else:
            hi = mid - 1
    return found


def level_typed(total: float) -> Any:
    i = excel_binary_search([k for k, _ in LEVELS_TYPED], total)
    return NA if i < 0 else LEVELS_TYPED[i][1]


S1G_ABILITY = (0.30, 0.20, 0.20, 0.15, 0.15)
S1G_ATTITUDE = (0.30, 0.20, 0.25, 0.15, 0.10)
S1G_ATTITUDE_TYPO = (0.30, 0.20, 0.20, 0.15, 0.10)  # one row: 学习意识 typed 20 %: 95 %
S1G_TYPO_ROW = 4


def build_service(path: Path, n: int = 30) -> Material:
    """S1-A (category weights 30/30/20/10 = 90 % in SUMPRODUCT), S1-F (levels by VLOOKUP over a
    level table typed out of order, level bonus chain), S1-G (ability/attitude weights, one row
    typed with 95 %)."""
    rnd = random.Random(1)
    rows_a = [{"A": _name(NAMES_SC, i), "B": rnd.randint(60, 100), "C": rnd.randint(60, 100),
               "D": rnd.randint(60, 100), "E": rnd.randint(60, 100)} for i in range(n)]
    cols_a = [
        Col("A", "姓名", width=8), Col("B", "工作质量"), Col("C", "客户满意度"), Col("D", "工作效率"),
        Col("E", "个人发展"),
        Col("F", "综合得分", "=SUMPRODUCT(B{r}:E{r},$B$3:$E$3)",
            lambda v: sum(v[c] * w for c, w in zip("BCDE", S1A_WEIGHTS, strict=True)), "0.0"),
    ]
    extra_a = {"A3": "权重", **{f"{c}3": w for c, w in zip("BCDE", S1A_WEIGHTS, strict=True)}}

    items = [(20, 20, 20, 20, 20), (18, 20, 20, 20, 20), (15, 15, 15, 15, 15), (20, 20, 20, 20, 20)]
    rows_f = []
    for i in range(n):
        pts = items[i] if i < len(items) else tuple(rnd.choice([10, 12, 15, 18, 20]) for _ in range(5))
        bonus = [10, 5, 0, 25][i] if i < 4 else rnd.choice([0, 0, 5, 10, 20])
        rows_f.append({"A": _name(NAMES_SC, i + 11), **dict(zip("BCDEF", pts, strict=True)), "G": bonus})
    cols_f = [
        Col("A", "姓名", width=8), Col("B", "服务质量与素质"), Col("C", "执行力和团体精神"), Col("D", "投诉维权"),
        Col("E", "考勤"), Col("F", "打字速度"), Col("G", "加减分"),
        Col("H", "总分", "=SUM(B{r}:F{r})+G{r}", lambda v: float(sum(v[c] for c in "BCDEF") + v["G"])),
        Col("I", "等级", "=VLOOKUP(H{r},等级表!$A$3:$B$7,2,TRUE)", lambda v: level_typed(v["H"])),
        Col("J", "等级奖金", '=IF(I{r}="底级",300,IF(I{r}="初级",400,IF(I{r}="中级",500,IF(I{r}="高级",800,'
                            'IF(I{r}="特级",1000,0)))))', lambda v: LEVEL_BONUS.get(v["I"], 0.0)),
    ]
    level_sheet = [["S1-F 客服等级 (底级40分 初级60分 中级80分 高级100分 特级120分)"], ["最低分", "等级", "等级奖金"]]
    level_sheet += [[k, lab, LEVEL_BONUS[lab]] for k, lab in LEVELS_TYPED]

    rows_g = [{"A": _name(NAMES_SC, i + 17), **{c: rnd.randint(60, 100) for c in "BCDEFGHIJK"}} for i in range(n)]

    def weighted(cols: str, weights: tuple) -> Callable:
        return lambda v: sum(v[c] * w for c, w in zip(cols, weights, strict=True))

    def formula(cols: str, weights: tuple) -> str:
        return "=" + "+".join(f"{c}{{r}}*{round(w * 100)}%" for c, w in zip(cols, weights, strict=True))

    cols_g = [
        Col("A", "姓名", width=8), Col("B", "工作能力"), Col("C", "人际交往能力"), Col("D", "沟通能力"),
        Col("E", "表达能力"), Col("F", "协调能力"), Col("G", "工作责任心"), Col("H", "工作积极性"),
        Col("I", "学习意识"), Col("J", "团队意识"), Col("K", "工作勤勉度"),
        Col("L", "能力得分", formula("BCDEF", S1G_ABILITY), weighted("BCDEF", S1G_ABILITY), "0.0"),
        Col("M", "态度得分", formula("GHIJK", S1G_ATTITUDE), weighted("GHIJK", S1G_ATTITUDE), "0.0"),
    ]
    typo = (formula("GHIJK", S1G_ATTITUDE_TYPO), weighted("GHIJK", S1G_ATTITUDE_TYPO))
    return _build(path, [
        SheetSpec("绩效考核", "售后服务人员绩效考核标准", cols_a, rows_a, first_row=4, extra=extra_a),
        SheetSpec("KPI考核", "售后KPI绩效考核 (底级、初级、中级、高级、特级客服)", cols_f, rows_f),
        SheetSpec("岗位考核", "服务中心售后服务员岗位考核指标表", cols_g, rows_g,
                  overrides={S1G_TYPO_ROW: {"M": typo}}),
    ], rule_sheets={"等级表": level_sheet})


# =====================================================================================
# S3 篇一 / 篇四 / 篇十一 / 篇十二 电商客服绩效考核方案
# =====================================================================================

def level_s312(s: float) -> str:
    """「90分以上 高級 / 80分~90分 中級 / 70~80分 初級」, ELSE 提醒訪談 (below 70)."""
    if s >= 90:
        return "高級客服"
    if s >= 80 and s <= 90:
        return "中級客服"
    if s >= 70 and s <= 80:
        return "初級客服"
    return "提醒訪談"


def lateness_points(m: float) -> float | bool:
    """「5--10分钟扣1分 / 10--15分钟扣3分 / 15--30分钟扣5分」 with the seed's shared endpoints, typed
    without an ELSE: FALSE under 5 minutes and over 30 (AMB-82)."""
    if m >= 5 and m <= 10:
        return 1.0
    if m >= 10 and m <= 15:
        return 3.0
    if m >= 15 and m <= 30:
        return 5.0
    return False


def lateness_hours(h: float) -> str:
    """CHOOSE(MATCH(h,{0,0.5,2}),…): MATCH finds the last floor ≤ h, so 0.5 h exactly is 旷工半天
    and 2 h exactly 旷工一天 (the seed's shared endpoints, AMB-79, read one way)."""
    if h >= 2:
        return "旷工一天"
    if h >= 0.5:
        return "旷工半天"
    return "罚款20元"


def warehouse_bonus(s: float) -> float:
    if s < 80:
        return 0.0
    if s > 100:
        return 300 * s / 100
    return 300.0


S312_MAX = (30, 30, 10, 5, 5, 5, 5, 10)


def build_essays(path: Path, n: int = 24) -> Material:
    """篇十二 (traditional: level bands sharing 80 and 90), 篇一 (self 30 % / manager 70 %), 篇二
    (lateness hours by CHOOSE(MATCH)), 篇四 (lateness bands sharing 10 and 15 minutes, no ELSE),
    篇十一 (warehouse bonus: no band logic)."""
    rnd = random.Random(12)
    rows_12 = []
    fixed = {0: 95, 1: 90, 2: 85, 3: 80, 4: 75, 5: 70, 6: 65}
    for i in range(n):
        target = fixed.get(i, rnd.randint(60, 100))
        pts = _split_points(target, rnd)
        rows_12.append({"A": _name(NAMES_TC, i + 9), **dict(zip("BCDEFGHI", pts, strict=True))})
    cols_12 = [Col("A", "姓名", width=8), *[Col(c, h) for c, h in zip("BCDEFGHI", (
        "指標完成率(30)", "詢單轉化率(30)", "下單成功率(10)", "客單價(5)", "旺旺回復率(5)", "旺旺響應時間(5)",
        "協助跟進服務(5)", "執行力(10)"), strict=True)],
        Col("J", "總分", "=SUM(B{r}:I{r})", lambda v: float(sum(v[c] for c in "BCDEFGHI"))),
        Col("K", "本次等級", '=IF(J{r}>=90,"高級客服",IF(AND(J{r}>=80,J{r}<=90),"中級客服",IF(AND(J{r}>=70,'
                            'J{r}<=80),"初級客服","提醒訪談")))', lambda v: level_s312(v["J"]), width=10)]

    rows_1 = [{"A": _name(NAMES_SC, i + 2), "B": rnd.randint(60, 100), "C": rnd.randint(60, 100)} for i in range(n)]
    cols_1 = [Col("A", "姓名", width=8), Col("B", "本人自评(30%)"), Col("C", "店长评分(70%)"),
              Col("D", "综合得分", "=B{r}*0.3+C{r}*0.7", lambda v: v["B"] * 0.3 + v["C"] * 0.7, "0.0")]

    minutes = [3, 5, 8, 10, 12, 15, 20, 30, 45]
    rows_4 = [{"A": _name(NAMES_SC, i + 20), "B": minutes[i] if i < len(minutes) else rnd.randint(0, 40)}
              for i in range(n)]
    cols_4 = [Col("A", "姓名", width=8), Col("B", "迟到早退(分钟)"),
              Col("C", "扣分", "=IF(AND(B{r}>=5,B{r}<=10),1,IF(AND(B{r}>=10,B{r}<=15),3,IF(AND(B{r}>=15,"
                               "B{r}<=30),5)))", lambda v: lateness_points(v["B"]))]

    hours = [0.25, 0.5, 1, 2, 3]
    rows_2 = [{"A": _name(NAMES_SC, i + 14), "B": hours[i] if i < len(hours) else rnd.choice([0.1, 0.4, 0.8, 1.5, 2.5])}
              for i in range(min(n, 12))]
    cols_2 = [Col("A", "姓名", width=8), Col("B", "迟到早退(小时)"),
              Col("C", "处理", '=CHOOSE(MATCH(B{r},{0,0.5,2}),"罚款20元","旷工半天","旷工一天")',
                  lambda v: lateness_hours(v["B"]), width=10)]

    scores = [75, 80, 95, 100, 110, 120]
    rows_11 = [{"A": _name(NAMES_SC, i + 30), "B": scores[i] if i < len(scores) else rnd.randint(70, 120)}
               for i in range(min(n, 12))]
    cols_11 = [Col("A", "姓名", width=8), Col("B", "考核分数"),
               Col("C", "绩效奖金", "=IF(B{r}<80,0,IF(B{r}>100,300*B{r}/100,300))",
                   lambda v: warehouse_bonus(v["B"]))]
    return _build(path, [
        SheetSpec("篇十二", "電商客服績效考核方案篇十二 (滿分100分)", cols_12, rows_12),
        SheetSpec("篇一", "电商客服绩效考核方案篇一 (本人30% 店长70%)", cols_1, rows_1),
        SheetSpec("篇二考勤", "迟到早退处理 (0.5小时内20元, 0.5至2小时旷工半天, 2小时以上旷工1天)", cols_2, rows_2),
        SheetSpec("篇四考勤", "考勤扣分 (迟到、早退)", cols_4, rows_4),
        SheetSpec("篇十一仓库", "仓库管理员绩效奖金 (300元)", cols_11, rows_11),
    ])


def _split_points(total: int, rnd: random.Random) -> tuple[int, ...]:
    """Item points (each ≤ its maximum) adding up to ``total``."""
    pts = list(S312_MAX)
    over = sum(pts) - total
    while over > 0:
        i = rnd.randrange(len(pts))
        if pts[i] > 0:
            pts[i] -= 1
            over -= 1
    return tuple(pts)


# =====================================================================================
# S0-H / S0-I / S1-E 运营、客服主管月度考核计划 (no band logic)
# =====================================================================================

def build_operations(path: Path, n: int = 12) -> Material:
    """S0-H/S0-I/S1-E: gate-and-cap, shortfall steps, per-report deductions, satisfaction steps: formulas
    with thresholds that are not band tables (a negative control: lint must find nothing)."""
    rnd = random.Random(8)
    rows = []
    for i in range(n):
        rows.append({"A": _name(NAMES_SC, i + 25), "B": 1_000_000, "C": rnd.choice([840_000, 850_000, 920_000,
                                                                                     1_500_000, 2_100_000]),
                     "E": 50_000, "F": rnd.randint(40_000, 52_000), "H": rnd.choice([0, 1, 2, 6]),
                     "I": rnd.choice([55, 60, 66.4, 72, 90])})
    cols = [
        Col("A", "姓名", width=8), Col("B", "目标销售额"), Col("C", "实际销售额"),
        Col("D", "完成率R", "=C{r}/B{r}", lambda v: v["C"] / v["B"], "0%"),
        Col("E", "计划流量"), Col("F", "实际流量"),
        Col("G", "销售任务得分", "=IF(D{r}<85%,0,MIN(80,40*D{r}))",
            lambda v: 0.0 if v["D"] < 0.85 else min(80.0, 40 * v["D"])),
        Col("H", "少交报告次数"), Col("I", "客户满意度抽查"),
        Col("J", "流量得分", "=MAX(0,20-2*ROUNDDOWN(MAX(0,(E{r}-F{r})/E{r})*100,0))",
            lambda v: max(0.0, 20.0 - 2 * _rounddown(max(0.0, (v["E"] - v["F"]) / v["E"]) * 100))),
        Col("K", "报告得分", "=MAX(0,10-2*H{r})", lambda v: max(0.0, 10.0 - 2 * v["H"])),
        Col("L", "满意度得分", "=IF(I{r}<=60,0,(I{r}-60)*2.5)",
            lambda v: 0.0 if v["I"] <= 60 else (v["I"] - 60) * 2.5),
    ]
    return _build(path, [SheetSpec("运营考核", "运营 2016年()月考核计划表", cols, rows)])


def _rounddown(x: float) -> float:
    import math

    return float(math.floor(x + 1e-9))


# =====================================================================================

BUILDERS = {
    "售前客服绩效考核.xlsx": build_presales,
    "售后客服部绩效考核.xlsx": build_aftersales,
    "售后客服考核130分.xlsx": build_aftersales130,
    "客服獎懲制度.xlsx": build_rewards,
    "售后服务人员考核.xlsx": build_service,
    "电商客服考核方案.xlsx": build_essays,
    "运营考核计划表.xlsx": build_operations,
}


def build_all(folder: Path) -> dict[str, Material]:
    folder.mkdir(parents=True, exist_ok=True)
    return {name: build(folder / name) for name, build in BUILDERS.items()}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hr_workbooks")
    for m in build_all(out).values():
        print(f"{m.path}: " + ", ".join(f"{s} ({len(r)} rows)" for s, r in m.rows.items()))
    if len(sys.argv) > 2:  # python tests/hr_workbooks.py OUT ROWS: the S0-F sheet at that size
        n = int(sys.argv[2])
        m = build_presales(out / f"售前客服绩效考核_{n}行.xlsx", n)
        print(f"{m.path}: {n} rows")
