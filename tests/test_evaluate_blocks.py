"""The evaluator of ``kpi recalc``: blocks of copied-down formulas computed a whole block
at a time, hand-derived values, and the same values when every cell is computed on its
own (``whole_blocks=False``).

Values are derived by hand from Excel's rules (cited) or from SEED_RULES §6 (WE-n); the
identity tests compare every value, error reasons included, between the two ways of
evaluating on small benchmark workbooks, randomised workbooks, the templates and a
sample of the Excel-saved conformance corpus.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from kpi_udfs.errors import DIV0, NA, VALUE, KpiError
from kpi_udfs.recalc import evaluate, recalculate
from kpi_udfs.recalc.evaluate import kpi_calls
from kpi_udfs.recalc.graph.formula_blocks import find_blocks
from kpi_udfs.recalc.graph.parse import Binary, Name, Ref, StructRef, parse
from kpi_udfs.recalc.read.archive import open_package
from kpi_udfs.recalc.read.cells import copy_down, r1c1_key
from kpi_udfs.recalc.read.workbook import read_workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from workbooks import appraisal_workbook  # noqa: E402

CONFORMANCE = ROOT.parent / "shared" / "conformance" / "excel"


def book(tmp_path: Path, cells: dict, name: str = "t.xlsx", arrays: dict | None = None) -> Path:
    """A one-sheet workbook ("S") from {"A1": value or "=formula"}."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in cells.items():
        ws[ref] = value
    for ref, (area, text) in (arrays or {}).items():
        ws[ref] = ArrayFormula(area, text)
    path = tmp_path / name
    wb.save(path)
    return path


def fast(path: Path):
    """(values, engine) of one recalculation, whole blocks at a time."""
    done = recalculate(path)
    done.close()
    return done.evaluation.values, done.engine


def read(path: Path):
    with open_package(path) as pkg:
        return read_workbook(pkg)


def column(cells: dict, col: str, values: list, start: int = 2) -> None:
    for i, v in enumerate(values):
        cells[f"{col}{start + i}"] = v


def down(cells: dict, col: str, template: str, rows: range) -> None:
    for r in rows:
        cells[f"{col}{r}"] = template.format(r=r)


# ---------------------------------------------------------------------------
# Parsing


def test_parse_follows_excel_precedence():
    # unary minus binds tighter than ^, and ^ is left-associative (Excel: -2^2 = 4, 2^3^2 = 64)
    assert repr(parse("=-2^2")).startswith("Binary(op='^', left=Unary(op='-'")
    tree = parse("=2^3^2")
    assert tree.op == "^" and tree.left.op == "^"
    assert parse("=1+2*3").right.op == "*"
    assert parse("=A1&B1=C1").op == "="  # comparison binds loosest


def test_parse_reads_tables_intersections_unions_and_other_books():
    assert parse("=Table1[Amount]") == StructRef("Table1", (), "Amount", "Amount")
    assert isinstance(parse("=A1 B1"), Binary) and parse("=A1 B1").op == " "
    assert parse("=SUM((A1,B1))").args[0].op == ","
    assert parse("=[1]Sheet1!A1").book == "1" and parse("=[1]!Rate") == Name("Rate", None, "1")
    three_d = parse("=SUM(Jan:Mar!B2)").args[0]
    assert isinstance(three_d, Ref) and (three_d.sheet, three_d.sheet2) == ("Jan", "Mar")


def test_r1c1_key_is_the_same_for_copies_and_ignores_strings():
    assert r1c1_key("B2*$C$1+SUM(D2:E2)", 2, 6) == r1c1_key("B9*$C$1+SUM(D9:E9)", 9, 6)
    assert r1c1_key("B2*2", 2, 6) != r1c1_key("B3*2", 2, 6)
    assert r1c1_key('"B2"&B2', 2, 3) == '"B2"&R[0]C[-1]'  # text is never a reference
    assert r1c1_key("LOG10(B2)+DEC2BIN(1)", 2, 3) == "LOG10(R[0]C[-1])+DEC2BIN(1)"
    fmt, offsets = copy_down("IF(C2>0,D2/C2,$A$1)", 2)
    assert fmt.format(*[7 + o for o in offsets]) == "IF(C7>0,D7/C7,$A$1)"


def test_whole_columns_and_rows_are_relative_references_too():
    # "=H:H" in A5 and in B6 are different formulas (C[7] and C[6] in R1C1); rows likewise.
    assert r1c1_key("H:H", 5, 1) != r1c1_key("H:H", 6, 2)
    assert r1c1_key("SUM(H:H)", 5, 1) == r1c1_key("SUM(I:I)", 9, 2)
    assert r1c1_key("SUM($H:H)+3:3", 6, 2) == "SUM(C8:C[6])+R[-3]:R[-3]"
    assert r1c1_key("T[[#This Row],[a:b]]", 1, 1) == "T[[#This Row],[a:b]]"  # a table column's name
    fmt, offsets = copy_down("SUM(3:$4)+A5", 3)
    assert fmt.format(*[10 + o for o in offsets]) == "SUM(10:$4)+A12"


def test_intersection_with_a_whole_column_in_several_cells(tmp_path):
    path = book(tmp_path, {**{f"H{r}": r * 10 for r in range(1, 8)}, "A5": "=H:H", "B6": "=H:H", "C7": "=H:H*2"})
    assert {ref: v for (_, ref), v in evaluate(path).values.items()} == {"A5": 50.0, "B6": 60.0, "C7": 140.0}


def test_copied_down_formulas_form_one_block(tmp_path):
    cells = {}
    column(cells, "A", [1, 2, 3, 4, 5, 6])
    down(cells, "B", "=A{r}*2", range(2, 8))
    cells["B5"] = "=A5*3"  # an irregular row splits the column into three blocks
    wb = read(book(tmp_path, cells))
    blocks = sorted((b.row0, b.rows) for b in find_blocks(wb.formulas, wb.plain))
    assert blocks == [(2, 3), (5, 1), (6, 2)]


# ---------------------------------------------------------------------------
# Operators and Excel's own functions, hand-derived


def test_operators_as_excel_computes_them(tmp_path):
    cells = {
        "A1": 2.5,
        "B1": "=-2^2",
        "B2": "=2^3^2",
        "B3": "=2*3%",
        "B4": '=1<"a"',  # numbers sort before text
        "B5": '="a"="A"',  # text compares case-insensitively
        "B6": "=TRUE>1",  # booleans sort after text and numbers
        "B7": '="a"&A1&TRUE',
        "B8": "=C1+1",  # an empty cell is 0 in arithmetic
        "B9": "=C1",  # a reference to an empty cell shows 0
        "B10": "=1/0",
        "B11": "=#N/A+1/0",  # the left operand's error wins
        "B12": "=ROUND((41.9+58.8)/2,1)",  # Excel rounds the shown decimal: 50.4, not 50.3
        "B13": '="x"&C1',  # an empty cell is "" in text
    }
    v, _ = fast(book(tmp_path, cells))
    got = [v[("S", f"B{i}")] for i in range(1, 14)]
    assert got[:9] == [4.0, 64.0, 0.06, True, True, True, "a2.5TRUE", 1.0, 0.0]
    assert got[9] == KpiError(DIV0, "") and got[10] == KpiError(NA, "")
    assert got[11] == 50.4 and got[12] == "x"


def test_functions_per_row(tmp_path):
    cells = {}
    column(cells, "A", [3, -2, 0, 7, 5])
    column(cells, "B", [1, None, 4, 7, "x"])
    column(cells, "H", [1, 2, 3])  # lookup keys
    column(cells, "I", ["one", "two", "three"])
    down(cells, "C", "=IF(A{r}>0,A{r},-1)", range(2, 7))
    down(cells, "D", "=SUM(A{r}:B{r})", range(2, 6))  # the blank is skipped
    down(cells, "E", "=MAX(A{r},0)+MIN(A{r}:B{r})", range(2, 6))
    down(cells, "F", '=IFERROR(VLOOKUP(A{r},$H$2:$I$4,2,FALSE),"none")', range(2, 7))
    down(cells, "G", "=ROUNDUP(A{r}/4,0)+ROUNDDOWN(A{r}/4,0)", range(2, 7))
    down(cells, "J", "=AND(A{r}>0,B{r}>0)", range(2, 6))
    down(cells, "K", "=LEN(A{r})+ABS(A{r})", range(2, 7))
    down(cells, "L", "=INDEX($I$2:$I$4,MATCH(A{r},$H$2:$H$4))", range(2, 7))  # approximate
    v, result = fast(book(tmp_path, cells))
    col = lambda c, n=5: [v[("S", f"{c}{r}")] for r in range(2, 2 + n)]  # noqa: E731
    assert col("C") == [3.0, -1.0, -1.0, 7.0, 5.0]
    assert col("D", 4) == [4.0, -2.0, 4.0, 14.0]
    assert col("E", 4) == [4.0, -2.0, 0.0, 14.0]  # MIN over A:B of each row, MAX(A, 0)
    assert col("F") == ["three", "none", "none", "none", "none"]
    # ROUNDUP away from zero, ROUNDDOWN toward zero: 0.75 → 1 + 0; -0.5 → -1 + 0; 1.75 → 2 + 1
    assert col("G") == [1.0, -1.0, 0.0, 3.0, 3.0]
    assert col("J", 4) == [True, False, False, True]
    assert col("K") == [4.0, 4.0, 1.0, 8.0, 6.0]  # LEN("-2") = 2
    # MATCH approximate: largest key ≤ value; below the first key → #N/A
    assert col("L")[0] == "three" and col("L")[3] == "three" and col("L")[4] == "three"
    assert [e.code for e in col("L")[1:3]] == [NA, NA]
    assert not [b for b in result.blocks if b.fallback]


def test_whole_column_scans_are_vectorised_with_excel_ties(tmp_path):
    cells = {}
    totals = [118, 112, 112, 101, 93, 86]  # WE-20's totals
    column(cells, "A", totals)
    down(cells, "B", "=RANK.EQ(A{r},$A$2:$A$7)", range(2, 8))  # competition ranks 1-2-2-4
    down(cells, "C", "=COUNTIF($A$2:$A$7,A{r})", range(2, 8))
    down(cells, "D", "=RANK(A{r},$A$2:$A$7,1)", range(2, 8))  # ascending
    down(cells, "E", "=SUMPRODUCT($A$2:$A$3,$A$4:$A$5)+A{r}", range(2, 8))  # 118·112 + 112·101 = 24528
    v, _ = fast(book(tmp_path, cells))
    col = lambda c: [v[("S", f"{c}{r}")] for r in range(2, 8)]  # noqa: E731
    assert col("B") == [1.0, 2.0, 2.0, 4.0, 5.0, 6.0]
    assert col("C") == [1.0, 2.0, 2.0, 1.0, 1.0, 1.0]
    assert col("D") == [6.0, 4.0, 4.0, 3.0, 2.0, 1.0]
    assert col("E") == [24528.0 + t for t in totals]


# ---------------------------------------------------------------------------
# KPI_ functions through their array form


def test_kpi_band_block_is_one_registry_call(tmp_path, monkeypatch):
    calls = []
    real = kpi_calls._call
    monkeypatch.setattr(kpi_calls, "_call", lambda fn, raw: calls.append(fn.name) or real(fn, raw))
    cells = {"E2": 0.55, "E3": 0.50, "E4": 0.45, "E5": None, "F2": None, "F3": 0.55, "F4": 0.50, "F5": 0.40,
             "G2": 100, "G3": 80, "G4": 60, "G5": 50}  # S0-F's repaired X table
    column(cells, "A", [0.55, 0.50, 0.45, 0.42, 0.399, None])
    down(cells, "B", "=KPI_BAND(A{r},$E$2:$E$5,$F$2:$F$5,$G$2:$G$5)", range(2, 8))
    v, _ = fast(book(tmp_path, cells))
    got = [v[("S", f"B{r}")] for r in range(2, 8)]
    # WE-2: 0.55 → 100, 0.50 → 80, 0.45 → 60, 0.42 in the gap → #N/A, 0.399 → 50; blank → blank
    assert got[:3] == [100.0, 80.0, 60.0] and got[4] == 50.0 and got[5] is None
    assert got[3] == KpiError(NA, "0.42 falls in no band: gap [0.40, 0.45)")
    assert calls == ["KPI_BAND"]


def test_we6_weighted_total_grade_and_coefficient(tmp_path):
    cells = {"A2": 100, "B2": 80, "C2": 80, "D2": 100, "E2": 80,  # WE-6 item points
             "H1": 0.35, "I1": 0.25, "J1": 0.15, "K1": 0.15, "L1": 0.10}
    column(cells, "N", [91, 86, 76, 65])
    column(cells, "O", ["A", "B", "C", "D"])
    column(cells, "P", [1.4, 1.2, 1.0, 0.8])
    cells["F2"] = "=KPI_WEIGHTED(A2:E2,$H$1:$L$1)"
    cells["G2"] = "=KPI_GRADE(F2,$N$2:$N$5,$O$2:$O$5)"
    cells["M2"] = "=KPI_MAP(G2,$O$2:$O$5,$P$2:$P$5)"
    cells["Q2"] = "=F2*M2"  # literal seed payout: score × coefficient
    v, _ = fast(book(tmp_path, cells))
    assert v[("S", "F2")] == pytest.approx(90.0, abs=1e-9)
    assert v[("S", "G2")] == "B" and v[("S", "M2")] == 1.2
    assert v[("S", "Q2")] == pytest.approx(108.0)


def test_we20_rank_bonus_array_formula_takes_the_whole_column(tmp_path):
    cells = {}
    column(cells, "A", [118, 112, 112, 101, 93, 86])
    arrays = {"B2": ("B2:B7", "=KPI_RANK_BONUS(A2:A7,{1000,800,600,400,200},,,91)")}
    # the same function written per cell ranks each score alone (a population of one)
    down(cells, "C", "=KPI_RANK_BONUS(A{r},{{1000,800,600,400,200}},,,91)", range(2, 8))
    v, _ = fast(book(tmp_path, cells, arrays=arrays))
    assert [v[("S", f"B{r}")] for r in range(2, 8)] == [1000.0, 800.0, 800.0, 400.0, 200.0, 0.0]
    assert [v[("S", f"C{r}")] for r in range(2, 8)] == [1000.0] * 5 + [0.0]


# ---------------------------------------------------------------------------
# What falls back


def test_cycles_show_zero_and_other_blocks_still_compute_whole(tmp_path):
    """Excel without iterative calculation: the cells of a circular reference show 0."""
    cells = {"A1": "=B1+1", "B1": "=A1+1", "C1": "=A1*2"}  # a cycle, and a cell reading it
    column(cells, "D", [4, 9, 16])
    down(cells, "E", "=SQRT(D{r})", range(2, 5))  # borrowed from `formulas`, row by row
    down(cells, "F", "=E{r}+1", range(2, 5))
    down(cells, "G", "=D{r}+1", range(2, 5))
    done = recalculate(book(tmp_path, cells))
    done.close()
    values, notes = done.evaluation.values, done.evaluation.notes
    assert values[("S", "A1")] == 0.0 and values[("S", "B1")] == 0.0
    assert "circular reference" in notes[("S", "A1")]
    assert [values[("S", f"E{r}")] for r in range(2, 5)] == [2.0, 3.0, 4.0]
    assert [values[("S", f"F{r}")] for r in range(2, 5)] == [3.0, 4.0, 5.0]
    assert [values[("S", f"G{r}")] for r in range(2, 5)] == [5.0, 10.0, 17.0]
    by_rows = {(b.sheet, b.col) for b in done.engine.blocks if b.fallback is not None}
    assert (("S", 5) not in by_rows) and (("S", 7) not in by_rows)  # E and G: whole blocks


def test_running_total_reads_the_rows_above_in_order(tmp_path):
    """A block that reads its own cells (B3 = B2 + A3) is computed row by row, in order."""
    cells = {}
    column(cells, "A", [5, 1, 2, 3, 4])
    cells["B2"] = "=A2"
    for r in range(3, 7):
        cells[f"B{r}"] = f"=B{r - 1}+A{r}"
    values, _ = fast(book(tmp_path, cells))
    assert [values[("S", f"B{r}")] for r in range(2, 7)] == [5.0, 6.0, 8.0, 11.0, 15.0]


# ---------------------------------------------------------------------------
# The same values as the cell-by-cell path


def test_double_negation_turns_booleans_and_text_into_numbers(tmp_path):
    """Excel: --TRUE is 1 (the usual way to count with SUMPRODUCT); `formulas` alone folds
    "--" into a unary plus that keeps TRUE. Both paths give Excel's numbers."""
    cells = {"A1": True, "B1": "=1/0", "B2": 1, "B3": "=NA()", "D1": "abc", "D2": "3",
             "C1": "=--TRUE", "C2": "=--A1", "C3": "=SUMPRODUCT(--ISERROR(B1:B3))", "C4": "=-+-TRUE",
             "C5": "=--D2", "C6": "=--D1", "C7": "=--E1", "C8": "=2--A1", "C9": "=--A1^2", "C10": "=++A1"}
    path = book(tmp_path, cells)
    slow = cell_by_cell(path)
    whole = evaluate(path).values
    want = [1.0, 1.0, 2.0, 1.0, 3.0, KpiError(VALUE, ""), 0.0, 3.0, 1.0, True]
    for values in (slow, whole):
        got = [values[("S", f"C{i}")] for i in range(1, 11)]
        assert got == want and [type(g) for g in got] == [type(w) for w in want]


def test_text_longer_than_a_cell_holds_is_value_error(tmp_path):
    """Excel: & and CONCATENATE/CONCAT/TEXTJOIN give #VALUE! past 32,767 characters, and so
    does every formula reading such a result; 22,000 characters are fine."""
    long = 'REPT("a",20000)&REPT("b",20000)'
    cells = {"A1": f"={long}", "A2": "=LEN(A1)", "A3": '=CONCATENATE(REPT("a",20000),REPT("b",20000))',
             "A4": '=LEN(REPT("a",20000)&REPT("b",2000))', "A5": '=_xlfn.TEXTJOIN(",",TRUE,REPT("a",20000),REPT("b",20000))'}
    path = book(tmp_path, cells)
    for values in (cell_by_cell(path), evaluate(path).values):
        got = [values[("S", f"A{i}")] for i in range(1, 6)]
        assert got[:3] == [KpiError(VALUE, "")] * 3 and got[4] == KpiError(VALUE, "")
        assert got[3] == 22000.0


def cell_by_cell(path: Path) -> dict:
    return evaluate(path, whole_blocks=False).values


def assert_identical(path: Path) -> int:
    """Every value computed whole blocks at a time equals the value computed cell by cell:
    same cells, same type, same value, same reason."""
    slow = cell_by_cell(path)
    got, _ = fast(path)
    assert set(got) == set(slow)
    diffs = [(k, v, slow.get(k, "missing")) for k, v in got.items() if not (type(v) is type(slow.get(k)) and v == slow.get(k))]
    assert not diffs, diffs[:10]
    return len(got)


@pytest.mark.parametrize("variant", ["standard", "quadratic", "native"])
def test_benchmark_workbooks_identical(tmp_path, variant):
    path = appraisal_workbook(tmp_path / f"{variant}.xlsx", 12, quadratic=variant == "quadratic",
                              native=variant == "native", seed=3)
    _, engine = fast(path)
    assert not [b for b in engine.blocks if b.fallback]  # every block computed whole
    assert assert_identical(path) == len(cell_by_cell(path))


def fuzz_workbook(path: Path, seed: int, n: int = 14) -> Path:
    """Random inputs of every kind (numbers, blanks, text, booleans, numeric text) under
    copied-down formulas of every supported shape, some of which must fall back."""
    rng = random.Random(seed)
    clean = seed % 2 == 1
    pools = {
        "A": [0, -3, 2.5, 10, 7, 0.1 + 0.2, 1e-3, 100, 3],
        "B": [0, 1, 2, -1.5, 4, 0.3] + ([] if clean else [None, None]),
        "C": ["A", "b", "优秀", "良好", "B"] + ([] if clean else ["", None, "x y"]),
        "D": [3, 0, 1.5, -2, None] + ([] if clean else ["3", True, False, "txt", " 4 "]),
        "E": [1, 2, 3, 4, 5, 0, 2.7],
        "F": [0.55, 0.5, 0.45, 0.42, 0.399, 0.6, None, 0.5000000001],
    }
    cells: dict = {}
    last = n + 1
    for r in range(2, last + 1):
        for c, pool in pools.items():
            cells[f"{c}{r}"] = rng.choice(pool)
    for i, (k, v) in enumerate([(1, "one"), (2, "two"), (3, "three"), (4, 40)], 2):
        cells[f"H{i}"], cells[f"I{i}"] = k, v
    for i, (k, v) in enumerate([(-5, "neg"), (0, "zero"), (2.5, "mid"), (7, "high"), (50, "top")], 2):
        cells[f"K{i}"], cells[f"L{i}"] = k, v
    for i, (k, v) in enumerate([("A", 1.4), ("B", 1.2), ("优秀", 100), ("良好", 80)], 2):
        cells[f"N{i}"], cells[f"O{i}"] = k, v
    for i, (lo, hi, p) in enumerate([(0.55, None, 100), (0.5, 0.55, 80), (0.45, 0.5, 60), (None, 0.4, 50)], 2):
        cells[f"Q{i}"], cells[f"R{i}"], cells[f"S{i}"] = lo, hi, p
    for i, (lo, lab) in enumerate([(9, "A"), (5, "B"), (1, "C"), (-2, "D")], 2):
        cells[f"U{i}"], cells[f"V{i}"] = lo, lab
    templates = [
        "=A{r}+B{r}", "=A{r}/B{r}", "=A{r}^2", "=-A{r}%", "=A{r}&B{r}", '=C{r}&"x"', "=A{r}>B{r}", '=C{r}="a"',
        "=D{r}+1", '=D{r}&""', "=D{r}=3", "=IF(A{r}>0,A{r},B{r})", "=IF(D{r},1,2)", '=IF(B{r},"y")',
        '=IFERROR(A{r}/B{r},"err")', "=IFNA(VLOOKUP(E{r},$H$2:$I$5,2,FALSE),0)", "=AND(A{r}>0,B{r}>0)",
        "=OR(D{r},B{r})", "=NOT(B{r})", "=SUM(A{r}:F{r})", "=MIN(A{r},B{r},5)", "=MAX(A{r}:B{r})",
        "=SUM(A{r}:A{r2})", "=ROUND(A{r}/7,2)", "=ROUNDDOWN(-A{r}/3,1)", "=LEN(C{r})", "=LEN(A{r})",
        "=VLOOKUP(E{r},$H$2:$I$5,2,FALSE)", "=VLOOKUP(A{r},$K$2:$L$6,2)", "=VLOOKUP(C{r},$N$2:$O$5,2,FALSE)",
        "=MATCH(E{r},$H$2:$H$5,0)", "=INDEX($H$2:$I$5,E{r},2)", "=SUMPRODUCT(A{r}:B{r},$H$2:$I$2)",
        "=COUNTIF($A$2:$A${last},A{r})", "=RANK.EQ(A{r},$A$2:$A${last})",
        "=KPI_BAND(F{r},$Q$2:$Q$5,$R$2:$R$5,$S$2:$S$5)", "=KPI_RATE(A{r},B{r})",
        '=KPI_MAP(C{r},$N$2:$N$5,$O$2:$O$5,"无")', "=KPI_GRADE(A{r},$U$2:$U$5,$V$2:$V$5)",
        "=KPI_WEIGHTED(A{r}:B{r},{{0.5,0.5}})", "=AJ{r}*2", '=KPI_BAND(AJ{r},$Q$2:$Q$5,$R$2:$R$5,$S$2:$S$5,,,"WORSE")',
        "=A{r}*1=B{r}",
    ]
    from openpyxl.utils import get_column_letter

    for j, t in enumerate(templates):
        letter = get_column_letter(26 + j)  # Z onwards; AJ is the KPI_BAND column
        for r in range(2, last + 1):
            cells[f"{letter}{r}"] = t.format(r=r, r2=r + 2, last=last)
    end = get_column_letter(26 + len(templates))
    arrays = {f"{end}2": (f"{end}2:{end}{last}", f"=KPI_RANK_BONUS(A2:A{last},{{100,50,25}})")}
    return book(path.parent, cells, path.name, arrays)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_workbooks_identical(tmp_path, seed):
    path = fuzz_workbook(tmp_path / f"fuzz{seed}.xlsx", seed)
    _, engine = fast(path)
    by_rows = [b for b in engine.blocks if b.fallback]
    assert len(by_rows) < len(engine.blocks) // 4, [b.fallback for b in by_rows]  # most blocks whole
    assert_identical(path)


def test_long_sums_are_the_same_whole_or_cell_by_cell(tmp_path):
    """Sums of 8+ cells with blanks and TRUE among them (skipped, as Excel skips them in
    references): the same sums whichever way they are computed."""
    rng = random.Random(5)
    cells = {}
    letters = "ABCDEFGHIJKL"
    for r in range(2, 14):
        for c in letters:
            x = rng.random()
            cells[f"{c}{r}"] = None if x < 0.15 else (x < 0.2) if x < 0.25 else rng.uniform(-1, 1) * 10 ** rng.randint(-3, 8)
        cells[f"M{r}"] = f"=SUM(A{r}:L{r})"
        cells[f"N{r}"] = f"=SUMPRODUCT(A{r}:L{r},A{r}:L{r})"
        cells[f"O{r}"] = f"=SUM(A{r}:L{r},A{r}:F{r})"
    path = book(tmp_path, cells)
    _, engine = fast(path)
    assert not [b for b in engine.blocks if b.fallback]
    assert_identical(path)


def test_error_reasons_identical(tmp_path):
    cells = {"O2": 0.55, "O3": 0.5, "O4": 0.45, "O5": None, "P2": None, "P3": 0.55, "P4": 0.5, "P5": 0.4,
             "Q2": 100, "Q3": 80, "Q4": 60, "Q5": 50, "R2": 0.5, "R3": 0.5}
    column(cells, "A", [0.52, 0.42, None, "abc", 0.6])
    down(cells, "B", "=KPI_BAND(A{r},$O$2:$O$5,$P$2:$P$5,$Q$2:$Q$5)", range(2, 7))
    down(cells, "C", "=B{r}*2", range(2, 7))  # "from S!B3: 0.42 falls in no band…"
    down(cells, "D", "=KPI_WEIGHTED(B{r}:C{r},$R$2:$R$3)", range(2, 7))
    down(cells, "E", "=IFERROR(B{r},-1)", range(2, 7))
    down(cells, "F", "=C{r}+D{r}", range(2, 7))
    arrays = {"G2": ("G2:G6", "=KPI_RANK_BONUS(B2:B6,{1000,800,600})")}
    path = book(tmp_path, cells, arrays=arrays)
    values, _ = fast(path)
    assert values[("S", "C3")] == KpiError(NA, "from S!B3: 0.42 falls in no band: gap [0.40, 0.45)")
    assert_identical(path)


def conformance_sample() -> list[Path]:
    names = [
        "IronCalc__xlsx__tests__calc_tests__LOGICAL__AND_OR_XOR.xlsx",
        "IronCalc__xlsx__tests__calc_tests__simple_functions.xlsx",
        "IronCalc__xlsx__tests__calc_tests__arithmetic.xlsx",
        "IronCalc__xlsx__tests__calc_tests__STATISTICAL__COUNTIF.xlsx",
        "IronCalc__xlsx__tests__calc_tests__LOOKUP_AND_REFERENCE__HVLOOKUP.xlsx",
        "IronCalc__xlsx__tests__calc_tests__LOGICAL__IFERROR.xlsx",
        "calamine__tests__shared_formula_bench.xlsx",
        "pycel__tests__fixtures__lookup.xlsx",
        "formulacompiler__components__system__src__test-reference__data__org__formulacompiler__tests__reference__StringComparisons.xlsx",
        "formulacompiler__components__system__src__test-reference__data__org__formulacompiler__tests__reference__NumericComparisons.xlsx",
        "koala__tests__files__SharedFormula.xlsx",
        "ClosedXML__ClosedXML.Tests__Resource__TryToLoad__LO__xlsx__shared-formula__3d-reference.xlsx",
    ]
    return [CONFORMANCE / n for n in names]


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="conformance corpus not beside the checkout")
@pytest.mark.parametrize("path", conformance_sample(), ids=lambda p: p.name[:60])
def test_conformance_sample_identical(path):
    assert assert_identical(path) > 0


def _snapshot(wb) -> tuple:
    """Everything the reader produced, in comparable form."""
    cells = {}
    for name, sheet in wb.book.sheets.items():
        for col, c in sheet.columns.items():
            for row in range(1, sheet.max_row + 1):
                k = int(c.kind[row])
                if k:
                    cells[(name, row, col)] = (k, None if k not in (1, 3) else float(c.num[row]),
                                               None if c.obj is None else c.obj[row])
    formulas = sorted((f.sheet, f.row, f.col, f.text, f.kind, f.anchor, f.size) for f in wb.formulas)
    plain = sorted((p.sheet, r, c, t) for p in wb.plain for r, c, t in zip(p.rows, p.cols, p.texts, strict=True))
    return cells, formulas, plain


@pytest.mark.parametrize("source", ["benchmark", "conformance"])
def test_regex_reader_equals_lxml_reader(tmp_path, monkeypatch, source):
    """The one-regex sheet scanner reads exactly what lxml reads (it is only a shortcut)."""
    from kpi_udfs.recalc.read import cells as sheet_xml

    if source == "benchmark":
        paths = [fuzz_workbook(tmp_path / "f.xlsx", 2), appraisal_workbook(tmp_path / "b.xlsx", 5)]
    else:
        paths = [p for p in conformance_sample() if p.exists()]
    for path in paths:
        fast_read = _snapshot(read(path))
        with monkeypatch.context() as m:
            m.setattr(sheet_xml, "_scan_cells", lambda data, empty=True: None)
            slow_read = _snapshot(read(path))
        assert fast_read == slow_read, path.name


def history_workbook(path: Path, seed: int, clean: bool) -> Path:
    """A staff list asking a History table per row (COUNTIFS/SUMIFS… with the row's name),
    as the templates do; ``clean=False`` mixes in what the grouped form leaves to the row
    form (wildcards, operators, numeric text, errors, blanks)."""
    rng = random.Random(seed)
    names = ["张三", "李四", "Wang", "wang", "Li Na", "赵六"] + ([] if clean else ["A*", "<5", "7", ""])
    cells: dict = {}
    for r in range(2, 42):
        cells[f"A{r}"] = rng.choice(names[:5] + (["7", None, True] if not clean else []))
        cells[f"B{r}"] = rng.choice([1, 2, 3, 3, 4])
        cells[f"C{r}"] = rng.choice([10, 2.5, -1, 0.1, 7] + ([None, "x", "=1/0"] if not clean else []))
    for r in range(2, 14):
        cells[f"E{r}"] = rng.choice(names)
        cells[f"F{r}"] = rng.choice([1, 2, 3, 4, 2.5])
    rows = range(2, 14)
    forms = {
        "G": "=COUNTIFS($A$2:$A$41,E{r})", "H": "=SUMIFS($C$2:$C$41,$A$2:$A$41,E{r})",
        "I": "=AVERAGEIFS($C$2:$C$41,$A$2:$A$41,E{r},$B$2:$B$41,\">=2\")",
        "J": "=MINIFS($C$2:$C$41,$A$2:$A$41,E{r},$B$2:$B$41,F{r})", "K": "=MAXIFS($C$2:$C$41,$A$2:$A$41,E{r})",
        "L": "=COUNTIF($B$2:$B$41,\"<\"&F{r})", "M": "=COUNTIFS($A$2:$A$41,E{r},$B$2:$B$41,\">=\"&F{r})",
        "N": "=SUMIF($A$2:$A$41,E{r},$C$2:$C$41)", "O": "=COUNTIF($A$2:$A$41,E{r})",
    }
    for col, form in forms.items():
        for r in rows:
            cells[f"{col}{r}"] = form.format(r=r)
    return book(path.parent, cells, path.name)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("clean", [True, False])
def test_criteria_functions_per_row_are_grouped_and_identical(tmp_path, seed, clean):
    path = history_workbook(tmp_path / f"h{seed}{clean}.xlsx", seed, clean)
    values, engine = fast(path)
    if clean:  # computed whole: grouped, not row by row
        assert not [b for b in engine.blocks if b.fallback], [(b.col, b.fallback) for b in engine.blocks if b.fallback]
    assert_identical(path)
    # by hand, for one row: the names equal to E2 (case-insensitively), their C values
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    want = ws["E2"].value
    if clean and isinstance(want, str):
        hits = [ws[f"C{r}"].value for r in range(2, 42) if isinstance(ws[f"A{r}"].value, str)
                and ws[f"A{r}"].value.lower() == want.lower()]
        assert values[("S", "G2")] == len(hits)
        assert values[("S", "H2")] == sum(hits)
        below = sum(1 for r in range(2, 42) if ws[f"B{r}"].value < ws["F2"].value)
        assert values[("S", "L2")] == below
