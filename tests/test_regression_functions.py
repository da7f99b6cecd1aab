"""LINEST, LOGEST, TREND and GROWTH against Excel's own values.

The expected numbers are the cached values Excel saved in the shared corpus' test books
(IronCalc's STATISTICAL__LINEST_LOGEST.xlsx and pycel's stats.xlsx), for the same data.
"""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from kpi_udfs.errors import KpiError
from tests.test_recalc_excel_values import _evaluate_both


def _book(tmp_path, cells: dict, arrays: dict) -> dict:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, v in cells.items():
        ws[ref] = v
    for ref, formula in arrays.items():
        ws[ref.split(":")[0]] = ArrayFormula(ref, formula)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return _evaluate_both(path)


def _code(v) -> str | None:
    return v.code if isinstance(v, KpiError) else None


_Y = [0.2, 0.41, 0.62, 0.8, 1.1]
_X = [1.1, 1.9, 3.1, 4.05, 5]


def test_linest_and_logest_with_statistics_as_excel(tmp_path):
    # IronCalc's LINEST_LOGEST book: an empty const argument is TRUE (its default).
    cells = {f"A{i + 2}": y for i, y in enumerate(_Y)} | {f"B{i + 2}": x for i, x in enumerate(_X)}
    got = _book(tmp_path, cells, {"D2:E6": "=LINEST(A2:A6,B2:B6,,TRUE)", "G2:H6": "=LOGEST(A2:A6,B2:B6,,TRUE)",
                                  "J2:K2": "=LINEST(A2:A6,B2:B6,FALSE)", "M2:N2": "=LINEST(A2:A6)"})
    linest = [0.21928887993553592, -0.03844530620467368, 0.013841437712295469, 0.04625298202423793,
              0.9881888982191901, 0.04361261091452368, 250.99831918087844, 3, 0.47741382050765524,
              0.00570617949234489]
    logest = [1.502261308701874, 0.15653044951525133, 0.05728193385123587, 0.19141510526621522,
              0.9439010116368718, 0.18048809274099084, 50.47690016406407, 3, 1.6443330577367574,
              0.09772785486384153]
    for cols, want in (("DE", linest), ("GH", logest)):
        for k, w in enumerate(want):
            assert got[f"{cols[k % 2]}{2 + k // 2}"] == pytest.approx(w, rel=1e-12)
    assert (got["J2"], got["K2"]) == (pytest.approx(0.20885684860968076, rel=1e-12), 0)
    assert (got["M2"], got["N2"]) == (pytest.approx(0.219, rel=1e-12), pytest.approx(-0.031, rel=1e-9))


def test_linest_collinear_and_perfect_fits(tmp_path):
    # pycel's stats book: x columns with no spread get 0 (coefficient and error) and the
    # constant is y's mean; a perfect fit has F #NUM!; sizes that differ are #REF!,
    # non-numbers in the data #VALUE!.
    cells = {"A1": 1, "A2": 2, "A3": 3, "B1": 2, "B2": 2, "B3": 2, "C1": 3, "C2": 3, "C3": 3,
             "D1": 2, "D2": 3, "D3": 4}
    got = _book(tmp_path, cells, {
        "F1:H5": "=LINEST(A1:A3,B1:C3,,TRUE)", "J1:K5": "=LINEST(A1:A3,D1:D3,TRUE,TRUE)",
        "M1": "=LINEST(A1:A4,D1:D3)", "N1": "=LINEST(A1:A4,D1:D4)", "O1:O3": "=TREND(A1:A3,B1:C3)",
    })
    assert [got[f"{c}1"] for c in "FGH"] == [0, 0, 2]
    assert [got[f"{c}2"] for c in "FGH"] == [0, 0, 0]
    assert (got["F3"], got["G3"], _code(got["H3"])) == (1, 0, "#N/A")
    assert (_code(got["F4"]), got["G4"]) == ("#NUM!", 0)
    assert (got["F5"], got["G5"]) == (2, 0)
    assert (got["J1"], got["K1"]) == (pytest.approx(1), pytest.approx(-1))
    assert (got["J3"], _code(got["J4"]), got["K4"], got["J5"], got["K5"]) == (1, "#NUM!", 1, 2, 0)
    assert (_code(got["M1"]), _code(got["N1"])) == ("#REF!", "#VALUE!")
    assert [got[f"O{r}"] for r in (1, 2, 3)] == [2, 2, 2]


def test_trend_on_rows_and_polynomial_columns(tmp_path):
    # pycel's stats book: y in a row makes each row of x a variable, new_x in a row gives
    # a row; x^{1,2} fits a parabola (cached: 0.3995754245754246, -0.20217282717282734,
    # 1.1124125874125879 and TREND at x = -6 16.71016483516484).
    cells = {"A1": 2.5, "B1": 3.5} | {f"{c}2": v for c, v in zip("CDEFG", [1, 2.1, 3.1, 4.1, 5.1], strict=True)}
    cells |= {f"{c}3": v for c, v in zip("CDEFG", [-2, -4, -7, -9, -11], strict=True)}
    xs = list(range(-6, 6))
    ys = [0.4 * x * x - 0.2 * x + 1.1 + (0.1 if x == -3 else 0) for x in xs]
    cells |= {f"{c}4": v for c, v in zip("CDEFG", [1, 3, 6, 9, 12], strict=True)}
    cells |= {f"J{i + 1}": x for i, x in enumerate(xs)} | {f"K{i + 1}": y for i, y in enumerate(ys)}
    got = _book(tmp_path, cells, {"A5:B5": "=TREND(C2:G2,C3:G3,A1:B1)", "M1:O1": "=LINEST(K1:K12,J1:J12^{1,2})",
                                  "M3": "=TREND(K1:K12,J1:J12^{1,2})", "P1": "=TREND(C2:G2,C3:G4,2.5)",
                                  "Q1:R1": "=GROWTH(C2:G2,C3:G3,A1:B1)", "Q2:R2": "=EXP(TREND(LN(C2:G2),C3:G3,A1:B1))"})
    assert got["A5"] == pytest.approx(-0.9328947368421063, rel=1e-12)
    assert got["B5"] == pytest.approx(-1.3738721804511291, rel=1e-12)
    assert [got[c] for c in ("M1", "N1", "O1")] == pytest.approx(
        [0.3995754245754246, -0.20217282717282734, 1.1124125874125879], rel=1e-12)
    assert got["M3"] == pytest.approx(16.71016483516484, rel=1e-12)
    assert _code(got["P1"]) == "#REF!"
    assert (got["Q1"], got["R1"]) == (pytest.approx(got["Q2"], rel=1e-14), pytest.approx(got["R2"], rel=1e-14))
    assert got["Q1"] != got["R1"]
