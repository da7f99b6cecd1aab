"""Excel's financial and day-count functions, on workbooks written with openpyxl.

Expected values are Microsoft's documented examples (cited "MS") or Excel's own cached
values in the shared conformance corpus (cited by workbook and cell); every workbook is
computed both whole blocks at a time and cell by cell, which must agree.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from kpi_udfs.recalc import evaluate


def _both(tmp_path, cells: dict[str, object], *, date1904: bool = False) -> dict[str, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, v in cells.items():
        ws[ref] = v
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    path = tmp_path / "book.xlsx"
    wb.save(path)
    fast = {ref: v for (_, ref), v in evaluate(path).values.items()}
    slow = {ref: v for (_, ref), v in evaluate(path, whole_blocks=False).values.items()}
    assert fast == slow
    return slow


def _close(got, want, rel=1e-12):
    assert isinstance(got, float), got
    assert got == pytest.approx(want, rel=rel, abs=1e-12)


def test_yearfrac_bases_as_excel_counts_them(tmp_path):
    cells = {
        # MS "YEARFRAC function": 2012-01-01 to 2012-07-30
        "A1": "=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30))",
        "A2": "=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),1)",
        "A3": "=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),3)",
        # pycel yearfrac.xlsx C6/D6/G6: the last day of February under 30/360, and a
        # span of a year holding 29 February 2004 divided by 366
        "B1": "=YEARFRAC(DATE(2004,2,29),DATE(2005,2,28),0)",
        "B2": "=YEARFRAC(DATE(2004,2,29),DATE(2005,2,28),1)",
        "B3": "=YEARFRAC(DATE(2004,2,29),DATE(2005,2,28),4)",
        "B4": "=YEARFRAC(DATE(2001,2,28),DATE(2004,2,29),0)",
        # IronCalc YEARFRAC.xlsx D28/D29: many years by their average length; a year
        # without a 29 February by 365
        "C1": "=YEARFRAC(DATE(1998,8,8),DATE(2024,4,4),1)",
        "C2": "=YEARFRAC(DATE(2023,3,3),DATE(2024,2,28),1)",
        # pycel yearfrac.xlsx: the basis is read before the dates
        "D1": "=YEARFRAC(1/0,200,5)",
        "D2": '=YEARFRAC(1,200,"plugh")',
        "D3": "=YEARFRAC(-1,200,0)",
    }
    got = _both(tmp_path, cells)
    _close(got["A1"], 0.58055556, rel=1e-8)
    _close(got["A2"], 0.57650273, rel=1e-8)
    _close(got["A3"], 0.57808219, rel=1e-8)
    assert got["B1"] == 1.0 and got["B4"] == 3.0
    _close(got["B2"], 0.9972677595628415)
    _close(got["B3"], 0.9972222222222222)
    _close(got["C1"], 25.65574934090448)
    _close(got["C2"], 0.9917808219178083)
    assert [got[k].code for k in ("D1", "D2", "D3")] == ["#NUM!", "#VALUE!", "#NUM!"]


def test_yearfrac_in_a_1904_workbook(tmp_path):
    # the same dates in the 1904 date system give the same fraction
    got = _both(tmp_path, {"A1": "=YEARFRAC(DATE(2004,2,29),DATE(2005,2,28),1)"}, date1904=True)
    _close(got["A1"], 0.9972677595628415)


def test_accrint_microsoft_examples(tmp_path):
    # MS "ACCRINT function": issue 39508 (2008-03-01), first interest 39691, settlement
    # 39569, 10 %, par 1,000, semiannual, 30/360
    cells = {
        "A1": "=ACCRINT(39508,39691,39569,0.1,1000,2,0)",
        "A2": "=ACCRINT(DATE(2008,3,5),39691,39569,0.1,1000,2,0,FALSE)",
        "A3": "=ACCRINT(DATE(2008,4,5),39691,39569,0.1,1000,2,0,TRUE)",
        # MS "ACCRINTM function"
        "B1": "=ACCRINTM(39539,39614,0.1,1000,3)",
    }
    got = _both(tmp_path, cells)
    _close(got["A1"], 16.666666667, rel=1e-9)
    _close(got["A2"], 15.55555556, rel=1e-9)
    _close(got["A3"], 7.2222222222, rel=1e-9)
    _close(got["B1"], 20.54794521, rel=1e-9)


@pytest.mark.parametrize(
    ("issue", "first", "settlement", "rate", "par", "freq", "basis", "method", "excel"),
    [
        # IronCalc accrint_cases.xlsx I13: issue inside the first period, calc_method FALSE
        ((2021, 6, 21), (2021, 12, 1), (2021, 9, 1), 0.1, 1000, 2, 0, False, 19.444444444444446),
        # I33, I35, I37: calc_method FALSE with settlement before first_interest's period
        ((2020, 12, 1), (2021, 12, 1), (2021, 3, 1), 0.075, 100, 2, 0, False, -1.875),
        ((2020, 12, 1), (2021, 12, 1), (2021, 3, 1), 0.075, 100, 2, 1, False, -1.8852459016393444),
        ((2020, 12, 1), (2021, 12, 1), (2021, 3, 1), 0.075, 100, 2, 2, False, -1.9166666666666665),
        # I46, I56: actual/360 over whole periods
        ((2020, 12, 1), (2021, 12, 1), (2021, 9, 1), 0.05, 1000, 2, 2, True, 37.77777777777778),
        ((2020, 12, 1), (2021, 12, 1), (2021, 12, 1), 0.1, 1000, 2, 2, True, 100.83333333333333),
        # I64: actual/actual, issue stub
        ((2020, 12, 26), (2021, 12, 1), (2021, 3, 1), 0.025, 5000, 2, 1, True, 22.494070137512765),
        # I85: two years before first_interest
        ((2019, 12, 1), (2021, 12, 1), (2020, 9, 1), 0.05, 1000, 2, 1, False, -37.295081967213115),
    ],
)
def test_accrint_as_excel_cached_it(tmp_path, issue, first, settlement, rate, par, freq, basis, method, excel):
    cells = {
        "A1": dt.datetime(*issue),
        "B1": dt.datetime(*first),
        "C1": dt.datetime(*settlement),
        "D1": rate,
        "E1": par,
        "F1": freq,
        "G1": basis,
        "H1": method,
        "I1": "=ACCRINT(A1,B1,C1,D1,E1,F1,G1,H1)",
    }
    _close(_both(tmp_path, cells)["I1"], excel)


def test_accrint_errors(tmp_path):
    # MS: rate ≤ 0 or par ≤ 0, frequency not 1, 2 or 4, basis outside 0…4 and
    # issue ≥ settlement are #NUM!
    cells = {
        "A1": "=ACCRINT(39508,39691,39569,0,1000,2,0)",
        "A2": "=ACCRINT(39508,39691,39569,0.1,1000,3,0)",
        "A3": "=ACCRINT(39508,39691,39569,0.1,1000,2,5)",
        "A4": "=ACCRINT(39569,39691,39508,0.1,1000,2,0)",
        "A5": '=ACCRINT("x",39691,39569,0.1,1000,2,0)',
        "A6": "=ACCRINTM(39614,39539,0.1,1000,3)",
    }
    got = _both(tmp_path, cells)
    assert [got[f"A{i}"].code for i in range(1, 7)] == ["#NUM!", "#NUM!", "#NUM!", "#NUM!", "#VALUE!", "#NUM!"]
