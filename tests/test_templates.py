"""The appraisal templates (issue 5): rebuilt byte for byte, recalculated headless to the
numbers derived by hand from SEED_RULES.md, steered by the cells of their Rules sheet, and
showing the same values in LibreOffice.

Every template is built once per session into a temporary folder (``built``): the build
recalculates it, and the first test checks the result is exactly the committed file, so
the values checked below are the committed files' values.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from kpi_udfs import templates
from kpi_udfs.errors import KpiError
from kpi_udfs.recalc import evaluate
from kpi_udfs.recalc.model import Evaluation
from kpi_udfs.templates.layout import FIRST_ROW, RULES, STAFF, SUMMARY, Layout
from kpi_udfs.templates.package import parts

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "templates"
NAMES = templates.names()


@dataclass
class Book:
    """A recalculated template: read computed cells by employee name and column key."""

    name: str
    path: Path
    ev: Evaluation

    @property
    def t(self):
        return templates.get(self.name)

    def row(self, person: str) -> int:
        names = [r[0] for r in self.t.sample]
        return FIRST_ROW + names.index(person)

    def __call__(self, person: str, key: str):
        layout = Layout(self.t, len(self.t.sample) + self.t.spare_rows)
        return self.ev.values[(STAFF, f"{layout.col[key]}{self.row(person)}")]

    def summary(self, cell: str):
        return self.ev.values[(SUMMARY, cell)]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Book]:
    out = tmp_path_factory.mktemp("templates")
    return {name: Book(name, out / f"{name}.xlsx", templates.build(name, out / f"{name}.xlsx")) for name in NAMES}


def with_rules(book: Book, tmp_path: Path, **cells) -> Book:
    """``book`` with Rules-sheet cells (defined names) set, recalculated. A list sets a range."""
    wb = openpyxl.load_workbook(book.path)
    for name, value in cells.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        ws = wb[sheet]
        targets = [c for row in ws[ref] for c in row] if ":" in ref else [ws[ref]]
        values = value if isinstance(value, list) else [value]
        assert len(values) == len(targets), name
        for c, v in zip(targets, values, strict=True):
            assert c.data_type != "f", f"{name} is a formula cell, not an input"
            c.value = v
    path = tmp_path / f"{book.name}-{len(list(tmp_path.iterdir()))}.xlsx"
    wb.save(path)
    return Book(book.name, path, evaluate(path))


def err(v) -> str:
    assert isinstance(v, KpiError), v
    return f"{v.code} {v.reason}"


# ---------------------------------------------------------------------------
# The committed files are what the build makes


@pytest.mark.parametrize("name", NAMES)
def test_committed_template_is_exactly_what_the_build_writes(built, name):
    """Byte for byte (fixed timestamps, zip entry order and dates), and part by part for a
    readable failure."""
    committed = (COMMITTED / f"{name}.xlsx").read_bytes()
    rebuilt = built[name].path.read_bytes()
    a, b = parts(committed), parts(rebuilt)
    hint = "rebuild the committed templates: python templates/build.py"
    assert sorted(a) == sorted(b), hint
    assert [p for p in a if a[p] != b[p]] == [], hint
    assert committed == rebuilt, hint


def test_build_script_lists_every_template():
    assert NAMES == ["PreSales_T44", "AfterSales_T47", "AfterSales_130", "Ops_Manager", "CS_Supervisor",
                     "Monthly_30pt_Budget", "Eight_Indicator_Levels"]
    assert sorted(p.stem for p in COMMITTED.glob("*.xlsx")) == sorted(NAMES)


# ---------------------------------------------------------------------------
# Structure: rules as named ranges, validation, protection, chart, cached values

@pytest.mark.parametrize("name", NAMES)
def test_workbook_structure(name):
    path = COMMITTED / f"{name}.xlsx"
    wb = openpyxl.load_workbook(path)
    t = templates.get(name)
    assert wb.sheetnames == [STAFF, SUMMARY, RULES]
    staff = wb[STAFF]
    # Chinese header, English beneath
    for i, c in enumerate(t.columns, start=1):
        assert staff.cell(1, i).value == c.zh and staff.cell(2, i).value == c.en
    # every defined name points at the Rules sheet; every rule table/setting is named
    for dn in wb.defined_names.values():
        assert all(sheet == RULES for sheet, _ in dn.destinations), dn.name
    # inputs unlocked and yellow, computed cells locked; every sheet protected without a password
    inputs = [i for i, c in enumerate(t.columns, start=1) if c in t.inputs]
    for i, c in enumerate(t.columns, start=1):
        cell = staff.cell(FIRST_ROW, i)
        assert cell.protection.locked is (i not in inputs), c.key
    for ws in wb.worksheets:
        assert ws.protection.sheet and not ws.protection.password
    assert staff.data_validations.dataValidation, "inputs are validated"
    assert wb[SUMMARY]._charts, "the summary has a native chart"
    # formulas use the KPI_ functions; ranking columns are array formulas over the staff column
    text = " ".join(str(staff.cell(FIRST_ROW, i).value) for i in range(1, len(t.columns) + 1))
    assert "KPI_" in text
    # cached values: pandas/openpyxl read numbers where the add-in is missing
    values = openpyxl.load_workbook(path, data_only=True)[STAFF]
    computed = [i for i in range(1, len(t.columns) + 1) if i not in inputs]
    cached = [values.cell(FIRST_ROW, i).value for i in computed]
    assert any(v not in (None, "") for v in cached)


def test_ranking_functions_are_array_formulas_over_the_staff_column():
    wb = openpyxl.load_workbook(COMMITTED / "PreSales_T44.xlsx")
    ws = wb[STAFF]
    t = templates.get("PreSales_T44")
    layout = Layout(t, len(t.sample) + t.spare_rows)
    anchor = ws[f"{layout.col['forced']}{FIRST_ROW}"].value
    assert isinstance(anchor, openpyxl.worksheet.formula.ArrayFormula)
    assert anchor.ref == f"{layout.col['forced']}{FIRST_ROW}:{layout.col['forced']}{layout.last_row}"
    assert anchor.text.startswith("=KPI_FORCE_GRADES(")


# ---------------------------------------------------------------------------
# No unexpected error cell: only the deliberate rows, each with its documented reason

EXPECTED_ERRORS = {
    "PreSales_T44": {"刘洋": "gap [0.40, 0.45)", "陈杰": "gap (35, 40]", "郑思远": "scores item 5 is blank"},
    "AfterSales_130": {"冯雪": "rule missing", "褚燕": "6 is outside [2, 5]"},
    "Ops_Manager": {"何心怡": "denominator is 0"},
    "CS_Supervisor": {"蒋欣": "item_points item 2 is blank"},
    "Monthly_30pt_Budget": {},
    "Eight_Indicator_Levels": {"钟敏": "31 is above its max 30"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_only_the_deliberate_rows_end_in_an_error(built, name):
    from kpi_udfs.templates_cli import staff_results

    book = built[name]
    results = staff_results(book.t, book.ev, list(book.t.sample))
    got = {r.name: r.error[1].reason for r in results if r.error}
    assert set(got) == set(EXPECTED_ERRORS[name])
    for person, reason in EXPECTED_ERRORS[name].items():
        assert reason in got[person], (person, got[person])
    # the Rules and Summary sheets compute without error
    assert [e for e in book.ev.errors() if e[0] != STAFF] == []


def test_aftersales_t47_totals_wait_for_the_weights(built):
    """AMB-29: table 4.7 has no weights, so every total is #VALUE! naming the blank weights,
    while the band points are computed (the gap rows show their own #N/A)."""
    b = built["AfterSales_T47"]
    for person, _ in zip([r[0] for r in b.t.sample], range(23), strict=False):
        assert "weights is blank" in err(b(person, "total")) or person == "罗斌"
    assert b("王芳", "pz") == 100 and b("李强", "pq") == 80
    assert "gap (30, 35]" in err(b("张伟", "pt"))
    assert "gap (45, 50]" in err(b("刘敏", "pt"))
    assert "0.95 falls in no band" in err(b("陈静", "pq"))  # Q ≤ 100 %: AMB-33
    assert "1 falls in no band" in err(b("赵丽", "pq"))  # 「Q>100%」 excludes 100 % itself
    assert b("杨帆", "pq") == 50
    assert [e for e in b.ev.errors() if e[0] == RULES] == []


# ---------------------------------------------------------------------------
# PreSales_T44 (S0-F): hand-derived from tables 4.4–4.6


def t44_total(px, py, pz, pt, pp):
    return 0.35 * px + 0.25 * py + 0.15 * pz + 0.15 * pt + 0.10 * pp


def test_presales_worked_examples(built):
    b = built["PreSales_T44"]
    # WE-6: X 57 % → 100, Y 1.09 → 80, Z 98 % → 80, T 24 s → 100, 良好 → 80 = 90 → B, 800, 1.2, 108
    assert b("王静", "total") == pytest.approx(t44_total(100, 80, 80, 100, 80)) == pytest.approx(90)
    assert (b("王静", "grade"), b("王静", "base"), b("王静", "coef")) == ("B", 800, 1.2)
    assert b("王静", "bonus") == pytest.approx(90 * 1.2)
    # WE-1: 130/250 = 52 % → 80 (repaired table); Y 158/150 → 50; Z 95 % → 60; T 30 → 80; 合格 70
    assert b("杨雪", "x") == pytest.approx(0.52) and b("杨雪", "px") == 80
    assert b("杨雪", "total") == pytest.approx(t44_total(80, 50, 60, 80, 70)) == pytest.approx(68.5)
    assert b("杨雪", "grade") == "D" and b("杨雪", "bonus") == pytest.approx(68.5 * 0.8)
    # WE-2 / WE-3 boundaries: 50 % → 80, 1.12 → 100, 97 % → 80, 25 s → 100; 39.9 % → 50
    assert [b("张敏", k) for k in ("px", "py", "pz", "pt")] == [80, 100, 80, 100]
    assert b("吴芳", "px") == 50
    # AMB-22: 90.5 falls between B (86–90) and A (91–100): CONTINUOUS → B
    assert b("周勇", "total") == pytest.approx(90.5) and b("周勇", "grade") == "B"
    # AMB-21: under 65 no grade and no bonus (the 无 row of the pay table)
    assert (b("黄磊", "total"), b("黄磊", "grade"), b("黄磊", "bonus")) == (50, "无", 0)
    assert b("罗浩然", "total") == pytest.approx(64.5) and b("罗浩然", "pay_grade") == "无"
    # a new employee with no data: blank results, no error
    assert all(b("高雨桐", k) in (None, "") for k in ("x", "total", "grade", "bonus"))


def test_presales_ties_forced_distribution_and_quotas(built):
    b = built["PreSales_T44"]
    tied = ["孙强", "朱燕", "谢晓雯"]
    assert [b(p, "total") for p in tied] == [98, 98, 98]
    assert [b(p, "grade") for p in tied] == ["A", "A", "A"]
    assert b("王静", "total") == b("宋俊杰", "total") == 90
    # 21 scored staff, quotas 15/45/30/10 % (+ 0 % for 无): 3.15/9.45/6.3/2.1 → floors 3/9/6/2,
    # the seat left goes to the largest remainder (.45, B): 3/10/6/2/0 (WE-28's method)
    assert b.summary("C12") == 21
    assert [b.summary(f"C{r}") for r in range(4, 9)] == [3, 10, 6, 2, 0]
    assert [b.summary(f"B{r}") for r in range(4, 9)] == [5, 5, 4, 5, 2]
    assert b.summary("C14") == "A: 5 > 3; B: 5 < 10; C: 4 < 6; D: 5 > 2; 无: 2 > 0"
    # forced grades: 100 and the three 98s fill A's 3 seats, the tie kept together (KEEP_TOGETHER)
    assert [b(p, "forced") for p in ["李娜", *tied]] == ["A"] * 4
    assert b("马军", "forced") == "B"


def test_presales_streaks_and_totals(built):
    b = built["PreSales_T44"]
    # 李娜: A, A and A this month: one 2-month streak (NON_OVERLAP) → 300, 3 months → base +200
    assert b("李娜", "streak2") == 1 and b("李娜", "streak_bonus") == 300
    assert b("李娜", "streak3") == 1 and b("李娜", "raise") == 200
    assert b("李娜", "pay_total") == pytest.approx(100 * 1.4 + 300 + 300)
    # 孙强: A, B, A: no streak
    assert b("孙强", "streak2") == 0
    bonuses = [b(p, "bonus") for p in [r[0] for r in b.t.sample]]
    assert b.summary("C15") == pytest.approx(sum(x for x in bonuses if isinstance(x, float)))


def test_presales_gap_value_under_two_policies_and_the_payout_modes(built, tmp_path):
    """X = 42 % (AMB-18) and T = 38 s (AMB-19): #N/A by default, then WORSE and BETTER; the
    payout mode (AMB-24, WE-6): 90 × 1.2 = 108 (literal), 800 × 1.2 = 960, 800 × 0.90 × 1.2 = 864."""
    b = built["PreSales_T44"]
    assert "0.42 falls in no band: gap [0.40, 0.45)" in err(b("刘洋", "px"))
    assert b("王静", "bonus") == pytest.approx(108)
    worse = with_rules(b, tmp_path, X_OnGap="WORSE", T_OnGap="WORSE", Payout_Mode="BASE_X_COEF")
    assert worse("刘洋", "px") == 50
    assert worse("刘洋", "total") == pytest.approx(t44_total(50, 80, 60, 80, 70)) == pytest.approx(65.5)
    assert worse("刘洋", "grade") == "D" and worse("刘洋", "bonus") == pytest.approx(550 * 0.8)
    assert worse("陈杰", "pt") == 50  # LOWER is better: the worse band is the slower (40, ∞)
    assert worse("陈杰", "total") == pytest.approx(t44_total(100, 60, 100, 50, 100))
    assert worse("王静", "bonus") == pytest.approx(960)
    assert worse("黄磊", "bonus") == 0  # no grade: base 0, coefficient 0
    better = with_rules(b, tmp_path, X_OnGap="BETTER", T_OnGap="BETTER", Payout_Mode="BASE_X_SCOREPCT_X_COEF")
    assert better("刘洋", "px") == 60 and better("刘洋", "total") == pytest.approx(69)
    assert better("陈杰", "pt") == 60 and better("陈杰", "total") == pytest.approx(84)
    assert better("王静", "total") == 90  # rows outside the gaps do not move
    assert better("王静", "bonus") == pytest.approx(864)
    assert better("李娜", "bonus") == pytest.approx(950 * 1.00 * 1.4)
    assert better("刘洋", "bonus") == pytest.approx(550 * 0.69 * 0.8)


def test_presales_threshold_weight_and_grade_policy_cells(built, tmp_path):
    b = built["PreSales_T44"]
    # a threshold: X ≥ 58 % for 100 → 王静's 57 % drops to 80: 28 + 20 + 12 + 15 + 8 = 83 → C;
    # AMB-22 ROUND_HALF_UP: 90.5 → 91 → A; 64.5 → 65 → D; AMB-25: pay by the forced grades
    edited = with_rules(b, tmp_path, X_Lower=[0.58, 0.50, 0.45, None], X_Upper=[None, 0.58, 0.50, 0.40],
                        Grade_GapPolicy="ROUND_HALF_UP", Grade_Source="FORCED")
    assert edited("王静", "px") == 80 and edited("王静", "total") == pytest.approx(83)
    assert edited("王静", "grade") == "C"
    assert edited("周勇", "grade") == "A" and edited("罗浩然", "grade") == "D"
    # X ≥ 58 % also drops 李娜 (57.8 %), 朱燕 (57.1 %) and 谢晓雯 (57.9 %) to 80: 93, 91, 91. The 3 A
    # seats go to 孙强 98, 李娜 93, 马军 93; 周勇 (90.5, A by score) is paid as B: 90.5 × 1.2
    assert [edited(p, "total") for p in ("孙强", "李娜", "马军", "朱燕", "谢晓雯")] == [98, 93, 93, 91, 91]
    assert [edited(p, "pay_grade") for p in ("孙强", "李娜", "马军", "朱燕")] == ["A", "A", "A", "B"]
    assert edited("周勇", "pay_grade") == "B" and edited("周勇", "bonus") == pytest.approx(90.5 * 1.2)
    # weights: X 30 %, Y 30 % → 王静 100×.3 + 80×.3 + 12 + 15 + 8 = 89
    w = with_rules(b, tmp_path, W_Weight=[0.30, 0.30, 0.15, 0.15, 0.10])
    assert w("王静", "total") == pytest.approx(89)
    # weights that do not add up: #VALUE! naming the sum
    bad = with_rules(b, tmp_path, W_Weight=[0.30, 0.25, 0.15, 0.15, 0.10])
    assert "weights sum to 95%" in err(bad("王静", "total"))


# ---------------------------------------------------------------------------
# AfterSales_T47 (S0-G)


def test_aftersales_t47_with_weights_filled_in(built, tmp_path):
    b = with_rules(built["AfterSales_T47"], tmp_path, W_Weight=[0.2] * 5)
    assert b("王芳", "total") == pytest.approx(100) and b("王芳", "bonus") == pytest.approx(140)
    assert b("李强", "total") == pytest.approx(80) and b("李强", "grade") == "C"
    # 黄涛: Z 98 % → 80, T 40 s → 80 (upper bound inclusive), Q 130 % → 100, P 4.9 → 100, 良好 80
    assert b("黄涛", "total") == pytest.approx((80 + 80 + 100 + 100 + 80) / 5) == pytest.approx(88)
    assert b("黄涛", "grade") == "B" and b("黄涛", "bonus") == pytest.approx(88 * 1.2)
    # 胡斌: T 45 s → 60, P 4.7 → 60 (lower bound inclusive)
    assert b("胡斌", "total") == pytest.approx((80 + 60 + 60 + 60 + 80) / 5)
    # ties at 92: 马超, 朱琳, 何俊 → A each; 杨帆 all 50 → no grade
    assert [b(p, "total") for p in ("马超", "朱琳", "何俊")] == [92, 92, 92]
    assert {b(p, "grade") for p in ("马超", "朱琳", "何俊")} == {"A"}
    assert b("杨帆", "grade") == "无" and b("杨帆", "bonus") == 0


def test_aftersales_t47_overlap_and_gap_policies(built, tmp_path):
    b = with_rules(built["AfterSales_T47"], tmp_path, Q_OnOverlap="MIN", T_OnGap="WORSE")
    assert b("李强", "pq") == 50  # 125 % is in [120, 130) and in the literal 「Q>100%」: MIN → 50
    assert b("张伟", "pt") == 80  # 33 s: the slower neighbour (35, 40]
    assert b("刘敏", "pt") == 50  # 48 s: (50, ∞)
    c = with_rules(built["AfterSales_T47"], tmp_path, T_OnGap="BETTER")
    assert c("张伟", "pt") == 100 and c("刘敏", "pt") == 60


# ---------------------------------------------------------------------------
# AfterSales_130 (S0-A, WE-20)


def test_aftersales_130_totals_and_ladder(built):
    b = built["AfterSales_130"]
    # 刘婷: 20+30+20+20+20+20 = 130, +5 outstanding, +3×2 praise = 141 (no cap, AMB-05)
    assert b("刘婷", "total") == 141 and b("刘婷", "bonus") == 1000 and b("刘婷", "wage") == 3000 + 1000
    assert b("何平", "total") == 129 and b("何平", "bonus") == 800
    # tie at 127 for ranks 3–4: COMPETITION gives both rank 3's 600; 王磊 is rank 5 → 200
    assert b("陈晨", "total") == b("李静", "total") == 127
    assert b("陈晨", "bonus") == b("李静", "bonus") == 600
    assert b("王磊", "total") == 122 and b("王磊", "bonus") == 200
    assert b("陈晨", "wage") == 2500 + 600
    assert b("张雷", "bonus") == 0  # rank 6: the ladder has reached 0 (AMB-03)
    # gate 70 % × 130 = 91: 91 is in, 90 is out (AMB-01)
    assert b("吕梁", "total") == 91 and b("吕梁", "eligible") is True
    assert b("周丽", "total") == 90 and b("周丽", "eligible") is False and b("周丽", "bonus") == 0
    # attendance 20 − 3×5 − 5 − 10 = −10 → 0 (AMB-04); 0+30+10+10+0+0 − 2×5 = 40
    assert b("郑凯", "p_att") == 0 and b("郑凯", "total") == 40
    # complaint 1 × 10 points within [5, 20]
    assert b("周丽", "cmp_ok") == 10
    assert b.summary("C16") == 1000 + 800 + 600 + 600 + 200  # the ladder's payout


def test_aftersales_130_tie_gate_and_floor_policies(built, tmp_path):
    b = built["AfterSales_130"]
    avg = with_rules(b, tmp_path, Ladder_TiePolicy="AVERAGE", Gate_Choice="80分", Att_Floor="NONE",
                     Refund_Points=[30, 0])
    assert avg("陈晨", "bonus") == avg("李静", "bonus") == (600 + 400) / 2
    assert avg("王磊", "bonus") == 200
    assert avg("周丽", "eligible") is True and avg("郑凯", "eligible") is False
    assert avg("郑凯", "p_att") == -10 and avg("郑凯", "total") == 30
    # AMB-02: fill in the lost refund band and 冯雪 (7 %) is computed: 15+0+15+15+15+20 = 80
    assert avg("冯雪", "total") == 80 and avg("冯雪", "eligible") is True
    dense = with_rules(b, tmp_path, Ladder_TiePolicy="DENSE")
    assert dense("陈晨", "bonus") == 600 and dense("王磊", "bonus") == 400


# ---------------------------------------------------------------------------
# Ops_Manager (S0-H, WE-11) and CS_Supervisor (S0-I)


def test_ops_manager_items(built, tmp_path):
    b = built["Ops_Manager"]
    # WE-11: R 0.92 → 36.8; 0.85 → 34 (gate inclusive); 0.84 → 0; 2.1 → 84 capped 80; 1.5 → 60
    assert [b(p, "p_sales") for p in ("周建华", "钱明", "孙丽娟", "李志强", "吴海燕")] == pytest.approx(
        [36.8, 34, 0, 80, 60])
    assert b("卫志强", "p_sales") == pytest.approx(34)  # 765 000 / 900 000 = 85 %
    # traffic 96.5 % of plan: 3 whole points short → 20 − 6 = 14; conversion 3.0 % → 2.5 %:
    # 0.5 of a point (ABS) → no whole step → 15; AOV +20 % → 2 steps up → 19; reports 0 → 10
    assert [b("周建华", k) for k in ("p_traffic", "p_conv", "p_aov", "p_report")] == [14, 15, 19, 10]
    assert b("周建华", "total") == pytest.approx(36.8 + 14 + 15 + 19 + 10)
    # AOV 180 vs 200: exactly one 10 % step down (AMB-G3) → 13; traffic 50 000 of 60 000 → 0
    assert b("钱明", "p_aov") == 13 and b("孙丽娟", "p_traffic") == 0
    assert b("褚晓雯", "p_report") == 0  # 6 late reports: 10 − 12, floored at 0
    # the conversion gap under the other reading (AMB-37): relative 16.7 % → 16 steps → 0
    rel = with_rules(b, tmp_path, Conv_GapMode="REL", Sales_Gate=0.80)
    assert rel("周建华", "p_conv") == 0
    assert rel("孙丽娟", "p_sales") == pytest.approx(33.6)  # 84 % now passes an 80 % gate


def test_cs_supervisor_presets(built, tmp_path):
    b = built["CS_Supervisor"]
    assert [b(p, "p_sales") for p in ("高文静", "林海", "罗佳", "梁晓峰", "宋雅")] == pytest.approx(
        [36.8, 34, 0, 80, 60])
    # conversion 45 % → 43 %: 2 points short → 20 − 4; 40 → 35: 10; 44 → 40.5: 3 whole steps → 14
    assert [b(p, "p_conv") for p in ("高文静", "罗佳", "宋雅", "唐磊")] == [16, 10, 14, 20]
    assert b("高文静", "total") == pytest.approx(36.8 + 16)
    assert b.summary("C15") == "声明 100 分, 已定义 50 分 / declared 100, defined 50 (AMB-42)"
    scaled = with_rules(b, tmp_path, Sales_Preset="SCALED")
    assert [scaled(p, "p_sales") for p in ("高文静", "林海", "梁晓峰")] == pytest.approx([27.6, 25.5, 60])
    capped = with_rules(b, tmp_path, Sales_CapAtWeight=True)
    assert capped("梁晓峰", "p_sales") == 30 and capped("高文静", "p_sales") == 30


# ---------------------------------------------------------------------------
# Monthly_30pt_Budget (S2-B) and Eight_Indicator_Levels (S3-12)


def test_monthly_budget(built, tmp_path):
    b = built["Monthly_30pt_Budget"]
    # 林小雨: no deduction → +3 (≤ 2 events), 2 praises +6, 1 suggestion +3, rank 1 +5 → 47 → cap 30
    assert b("林小雨", "rank_pts") == 5 and b("林小雨", "points") == 30 and b("林小雨", "payable") == 1500
    # 陈思思 and 王可欣 tie at 92 for 2nd: 3 rank points each (COMPETITION); 郑可 (90) is 4th → 0
    assert b("陈思思", "rank_pts") == b("王可欣", "rank_pts") == 3 and b("郑可", "rank_pts") == 0
    # 刘佳: warnings first, then 3×1 + 2×1 + 1×2 + 1×1 = 8 → 22 → −10 %
    assert b("刘佳", "pen") == -8 and b("刘佳", "points") == 22 and b("刘佳", "payable") == pytest.approx(1080)
    # 孙铭: 2 + 2 + 2×2 + 2 = 10 → 20, still the −10 % band (AMB-68)
    assert b("孙铭", "points") == 20 and b("孙铭", "cut") == pytest.approx(0.10)
    # 吴昊: 1 + 1 + 2 + 1 + 10 = 15 → 15 is in the −30 % band (「到15分」)
    assert b("吴昊", "points") == 15 and b("吴昊", "payable") == pytest.approx(700)
    # 褚佳怡: 7 + 5 + 2×2 + 2 + 10 = 28 → 2 → bonus forfeited; major error → probation
    assert b("褚佳怡", "points") == 2 and b("褚佳怡", "payable") == 0 and b("褚佳怡", "probation") is True
    # 周子涵: major error −10, one deduction event → +3: 23 → −10 %
    assert b("周子涵", "points") == 23 and b("周子涵", "payable") == pytest.approx(900)
    # AMB-66 ESCALATING: 刘佳 3 → 1+2+3, 2 → 1+2, price 1 → 2, 1 → 1: 6 + 3 + 2 + 1 = 12 → 18 → −30 %
    esc = with_rules(b, tmp_path, Pen_Mode="ESCALATING")
    assert esc("刘佳", "points") == 18 and esc("刘佳", "payable") == pytest.approx(1200 * 0.7)


def test_eight_indicator_levels(built, tmp_path):
    b = built["Eight_Indicator_Levels"]
    assert b("程晓", "total") == 95 and b("程晓", "level") == "高级客服"
    assert b("魏宁", "total") == 90 and b("魏宁", "level") == "高级客服"  # 90 on the shared bound: higher
    assert b("吕方", "level") == "中级客服" and b("邹静", "level") == "初级客服"
    assert b("任杰", "total") == 93 and b("任杰", "level") == "UNCHANGED"  # 85 then 93: mixed
    assert b("沈冰", "total") == 64 and b("沈冰", "level") == "提醒"
    assert b("姚远", "total") == 62 and b("姚远", "level") == "淘汰"  # under 70 twice (AMB-91)
    assert b("贾明", "level") == "中级客服" and b("龙飞", "level") == "UNCHANGED"
    # awards, caps 5 % / 10 % of 20 scored staff rounded down: 1 and 2 (AMB-92)
    assert b.summary("C10") == 20
    assert (b.summary("C4"), b.summary("C5")) == (1, 2)
    assert b("卢悦", "award") == "最佳客服专员"
    assert b("萧雨", "award") == b("方圆", "award") == "优秀客服专员"
    assert b.summary("C12") is True
    low = with_rules(b, tmp_path, Level_Mixed="LOWER_OF_N", Level_Overlap="LOWEST")
    assert low("任杰", "level") == "中级客服"
    assert low("魏宁", "level") == "中级客服"  # 92 高级 and 90 now 中级: the lower of the two


# ---------------------------------------------------------------------------
# LibreOffice shows the values kpi recalc wrote

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _number(text: str) -> float:
    text = text.replace(",", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed: apt-get install -y libreoffice-calc-nogui")
def test_libreoffice_shows_the_cached_values(tmp_path):
    """Every sheet of every template through ``soffice --convert-to csv`` (no recalculation
    asked). LibreOffice cannot run KPI_ functions, so what it shows for them is the value
    kpi recalc cached. LibreOffice 7.4 keeps only numeric and non-empty text caches of plain
    formulas: it recomputes array formulas and cells whose cache is an error, a boolean or
    empty (showing #NAME? for KPI_ calls there), so those cells are not compared."""
    outdir = tmp_path / "csv"
    files = [str(COMMITTED / f"{n}.xlsx") for n in NAMES]
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(outdir), *files],
        check=True, capture_output=True, timeout=300,
    )
    for name in NAMES:
        path = COMMITTED / f"{name}.xlsx"
        formulas = openpyxl.load_workbook(path)
        cached = openpyxl.load_workbook(path, data_only=True)
        compared = kpi_cells = 0
        for ws in formulas.worksheets:
            with open(outdir / f"{name}-{ws.title}.csv", encoding="utf-8", newline="") as fh:
                shown = list(csv.reader(fh))
            arrays = set()
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, openpyxl.worksheet.formula.ArrayFormula):
                        for line in ws[c.value.ref]:
                            arrays.update(x.coordinate for x in line)
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type != "f" or c.coordinate in arrays:
                        continue
                    value = cached[ws.title][c.coordinate].value
                    if value is None or value == "" or isinstance(value, bool):
                        continue
                    if isinstance(value, str) and value.startswith("#"):
                        continue  # an error cache: LibreOffice recomputes it
                    text = shown[c.row - 1][c.column - 1]
                    if isinstance(value, str):
                        assert text == value, (name, ws.title, c.coordinate)
                    else:
                        assert _number(text) == pytest.approx(value, rel=1e-12, abs=1e-12), (
                            name, ws.title, c.coordinate, text, value)
                    compared += 1
                    kpi_cells += "KPI_" in str(c.value)
        assert compared > 40 and kpi_cells > 20, (name, compared, kpi_cells)
