"""Synthetic appraisal workbooks for the recalculation benchmark (and the fast-path tests).

One sheet of rules (band tables, rating and coefficient maps, weights, grade bounds, pay
bases, a rank ladder: the S0-F pre-sales scheme of SEED_RULES §7.4 template 1) and one
sheet of staff, a row per employee: raw counts typed in, then 13 formula columns,

    K  X rate        =IF(C2>0,D2/C2,0)
    L  Y ratio       =ROUND(F2/E2,4)
    M  X points      =KPI_BAND(K2,…,"[)","HIGHER","WORSE")
    N  Y points      =KPI_BAND(L2,…)
    O  Z points      =KPI_BAND(G2,…)
    P  T points      =KPI_BAND(H2,…,"(]","LOWER")
    Q  rating points =KPI_MAP(I2,…)
    R  total         =KPI_WEIGHTED(M2:Q2,weights)
    S  grade         =KPI_GRADE(R2,lower bounds,labels,,,"D")
    T  coefficient   =KPI_MAP(S2,grades,coefficients)
    U  pay base      =VLOOKUP(S2,bases,2,FALSE)
    V  bonus         =ROUND(U2*T2*R2/100,2)
    W  check total   =ROUND(SUMPRODUCT(M2:Q2,weights row),2)
    X  flag          =IF(AND(R2>=60,LEN(B2)>0),"OK","CHECK")
    Y  rank bonus    {=KPI_RANK_BONUS(R2:Rn,ladder)}  (one array formula for the column)

``quadratic=True`` adds two columns in which every row scans the whole column
(``=COUNTIF($R$2:$R$n,R2)``, ``=RANK.EQ(R2,$R$2:$R$n)``). ``native=True`` writes the
same sheet with Excel's own functions only (nested IF for the bands, VLOOKUP for the
maps, SUMPRODUCT for the weighted total, RANK.EQ + INDEX for the ladder), for
LibreOffice, which cannot run KPI_ functions.
"""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

RATINGS = ["优秀", "良好", "合格", "差"]

# Rules sheet layout (rows 2…): (lower, upper, points) per band table
X_BANDS = [(0.55, None, 100), (0.50, 0.55, 80), (0.45, 0.50, 60), (None, 0.40, 50)]  # gap [0.40, 0.45)
Y_BANDS = [(1.12, None, 100), (1.08, 1.12, 80), (1.06, 1.08, 60), (None, 1.06, 50)]
Z_BANDS = [(0.98, None, 100), (0.95, 0.98, 80), (0.90, 0.95, 60), (None, 0.90, 50)]
T_BANDS = [(None, 30, 100), (30, 45, 80), (45, 60, 60), (60, None, 50)]  # seconds, "(]", lower is better
RATING_POINTS = [("优秀", 100), ("良好", 80), ("合格", 70), ("差", 50)]
WEIGHTS = [0.35, 0.25, 0.15, 0.15, 0.10]
GRADES = [(91, "A", 1.4, 950), (86, "B", 1.2, 800), (76, "C", 1.0, 650), (65, "D", 0.8, 550)]
LADDER = [1000, 800, 600, 400, 200]

FORMULA_COLUMNS = 15  # K…X per row, and Y, the rank-bonus column (one array formula)


def _rules(ws) -> None:
    ws.append(["X lower", "X upper", "X points", "Y lower", "Y upper", "Y points", "Z lower", "Z upper",
               "Z points", "T lower", "T upper", "T points", "rating", "rating points", "weights",
               "grade lower", "grade", "coefficient", "pay base", "ladder"])
    for i in range(4):
        row = []
        for table in (X_BANDS, Y_BANDS, Z_BANDS, T_BANDS):
            row += list(table[i])
        row += list(RATING_POINTS[i])
        row.append(WEIGHTS[i])
        row += list(GRADES[i])
        row.append(LADDER[i])
        ws.append(row)
    ws.append([None] * 14 + [WEIGHTS[4]] + [None] * 4 + [LADDER[4]])
    # the weights once more as a row (V2:Z2), for SUMPRODUCT against a row of points
    for j, w in enumerate(WEIGHTS):
        ws.cell(row=2, column=22 + j, value=w)


def _staff_row(rng: random.Random, i: int) -> list:
    inquiries = rng.randint(80, 400)
    paid = round(inquiries * rng.uniform(0.35, 0.62))
    shop_aov = rng.choice([120, 150, 180, 200])
    staff_aov = round(shop_aov * rng.uniform(1.0, 1.16), 1)
    z = round(rng.uniform(0.86, 1.0), 3)
    t = rng.randint(15, 80)
    rating = rng.choice(RATINGS)
    return [f"S{i:05d}", f"员工{i}", inquiries, paid, shop_aov, staff_aov, z, t, rating, 3000]


def _kpi_formulas(r: int) -> list[str]:
    band = "KPI_BAND({v},Rules!${a}$2:${a}$5,Rules!${b}$2:${b}$5,Rules!${c}$2:${c}$5{extra})"
    return [
        f"=IF(C{r}>0,D{r}/C{r},0)",
        f"=ROUND(F{r}/E{r},4)",
        "=" + band.format(v=f"K{r}", a="A", b="B", c="C", extra=',"[)","HIGHER","WORSE"'),
        "=" + band.format(v=f"L{r}", a="D", b="E", c="F", extra=""),
        "=" + band.format(v=f"G{r}", a="G", b="H", c="I", extra=""),
        "=" + band.format(v=f"H{r}", a="J", b="K", c="L", extra=',"(]","LOWER"'),
        f"=KPI_MAP(I{r},Rules!$M$2:$M$5,Rules!$N$2:$N$5)",
        f"=KPI_WEIGHTED(M{r}:Q{r},Rules!$O$2:$O$6)",
        f'=KPI_GRADE(R{r},Rules!$P$2:$P$5,Rules!$Q$2:$Q$5,,,"D")',
        f"=KPI_MAP(S{r},Rules!$Q$2:$Q$5,Rules!$R$2:$R$5)",
    ]


def _native_formulas(r: int, n: int) -> list[str]:
    def steps(v, lo, pts, op=">="):
        return (
            f"=IF({v}{op}Rules!${lo}$2,Rules!${pts}$2,IF({v}{op}Rules!${lo}$3,Rules!${pts}$3,"
            f"IF({v}{op}Rules!${lo}$4,Rules!${pts}$4,Rules!${pts}$5)))"
        )

    return [
        f"=IF(C{r}>0,D{r}/C{r},0)",
        f"=ROUND(F{r}/E{r},4)",
        steps(f"K{r}", "A", "C"),
        steps(f"L{r}", "D", "F"),
        steps(f"G{r}", "G", "I"),
        # T: (lower, upper] with lower is better: compare with the upper bounds
        f"=IF(H{r}<=Rules!$K$2,Rules!$L$2,IF(H{r}<=Rules!$K$3,Rules!$L$3,IF(H{r}<=Rules!$K$4,Rules!$L$4,Rules!$L$5)))",
        f"=VLOOKUP(I{r},Rules!$M$2:$N$5,2,FALSE)",
        f"=SUMPRODUCT(M{r}:Q{r},Rules!$V$2:$Z$2)",
        f"=IF(R{r}>=Rules!$P$2,Rules!$Q$2,IF(R{r}>=Rules!$P$3,Rules!$Q$3,IF(R{r}>=Rules!$P$4,Rules!$Q$4,Rules!$Q$5)))",
        f"=VLOOKUP(S{r},Rules!$Q$2:$R$5,2,FALSE)",
    ]


def appraisal_workbook(
    path: Path | str, staff: int, *, quadratic: bool = False, native: bool = False, seed: int = 7
) -> Path:
    """Write the benchmark workbook for ``staff`` employees at ``path``."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    rules = wb.create_sheet("Rules")
    _rules(rules)
    header = ["工号", "姓名", "询单人数", "最终付款人数", "店铺客单价", "客服落实客单价", "Z", "T秒", "平时表现",
              "基本工资", "X", "Y", "P_X", "P_Y", "P_Z", "P_T", "P_表现", "总分", "等级", "系数", "绩效基数",
              "奖金", "核对", "标记", "排名奖金"]
    if quadratic:
        header += ["同分人数", "名次"]
    ws.append(header)
    last = staff + 1
    for i in range(staff):
        r = i + 2
        row = _staff_row(rng, i + 1)
        row += _native_formulas(r, staff) if native else _kpi_formulas(r)
        row += [
            f"=VLOOKUP(S{r},Rules!$Q$2:$S$5,3,FALSE)",
            f"=ROUND(U{r}*T{r}*R{r}/100,2)",
            f"=ROUND(SUMPRODUCT(M{r}:Q{r},Rules!$V$2:$Z$2),2)",
            f'=IF(AND(R{r}>=60,LEN(B{r})>0),"OK","CHECK")',
        ]
        if native:
            rank = f"_xlfn.RANK.EQ(R{r},$R$2:$R${last})"
            row.append(f"=IF({rank}<=5,INDEX(Rules!$T$2:$T$6,{rank}),0)")
        else:
            row.append(None)
        if quadratic:
            row += [f"=COUNTIF($R$2:$R${last},R{r})", f"=_xlfn.RANK.EQ(R{r},$R$2:$R${last})"]
        ws.append(row)
    if not native and staff:
        ref = f"Y2:Y{last}"
        ws["Y2"] = ArrayFormula(ref, f"=KPI_RANK_BONUS(R2:R{last},Rules!$T$2:$T$6)")
    path = Path(path)
    wb.save(path)
    return path
