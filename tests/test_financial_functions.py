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


def test_annuity_functions_microsoft_examples(tmp_path):
    cells = {
        "A1": "=PMT(0.08/12,10,10000)",  # MS "PMT function": -1,037.03
        "A2": "=FV(0.06/12,10,-200,-500,1)",  # MS "FV function": 2,581.40
        "A3": "=PV(0.08/12,12*20,500,,0)",  # MS "PV function": -59,777.15
        "A4": "=NPER(0.12/12,-100,-1000,10000,1)",  # MS "NPER function": 59.6738657
        "A5": "=IPMT(0.1/12,1,3*12,8000)",  # MS "IPMT function": -66.67
        "A6": "=PPMT(0.1/12,1,2*12,2000)",  # MS "PPMT function": -75.62
        "A7": "=CUMIPMT(0.09/12,30*12,125000,13,24,0)",  # MS: -11135.23213
        "A8": "=CUMPRINC(0.09/12,30*12,125000,13,24,0)",  # MS: -934.1071234
    }
    got = _both(tmp_path, cells)
    _close(got["A1"], -1037.03, rel=1e-5)
    _close(got["A2"], 2581.40, rel=1e-5)
    _close(got["A3"], -59777.15, rel=1e-7)
    _close(got["A4"], 59.6738657, rel=1e-8)
    _close(got["A5"], -66.67, rel=1e-4)
    _close(got["A6"], -75.62, rel=1e-4)
    _close(got["A7"], -11135.23213, rel=1e-9)
    _close(got["A8"], -934.1071234, rel=1e-9)


def test_annuity_functions_as_excel_cached_them(tmp_path):
    # IronCalc FINANCIAL__PMT.xlsx F32/F33/F35, F8/G24, H9; IPMT_PPMT.xlsx G9/G13/G25;
    # CUMPRINC_CUMIPMT.xlsx H6 (start 1.2 rounds up, end 8.53 is truncated); FV.xlsx
    cells = {
        "A1": "=PMT(0.2,3,-200,10,5)",  # any non-zero type is 1
        "A2": "=PMT(0.2,4,-200,10,-1)",
        "A3": "=PMT(0.2,5,-200,10,1.234)",
        "A4": "=PMT(-3,5,100,300,1)",  # a rate at or below -1 is #NUM!
        "A5": "=PMT(-1,1,-100)",
        "A6": "=NPER(0,-133.33333333333334,100,300,1)",  # rate 0: -(pv+fv)/pmt
        "B1": "=IPMT(0.1,-3,36,8000,0,1)",  # a period below 1 is #NUM!
        "B2": "=IPMT(0.1,3.3,30,8000,10,1)",  # fractional periods are computed
        "B3": "=IPMT(0.01,0.99999,36,8000,0,1)",
        "B4": "=IPMT(0.1,4,3,8000,10,1)",  # a period of nper + 1 or more is #NUM!
        "C1": "=CUMPRINC(0.01,36,8000,1.2,8.53,1)",
        "C2": "=FV(-1,-2,1)",
        "C3": "=PV(-1,20,300)",
    }
    got = _both(tmp_path, cells)
    _close(got["A1"], 76.83150183150182)
    _close(got["A2"], 62.82911077993046)
    _close(got["A3"], 54.6101196875224)
    assert got["A4"].code == got["A5"].code == "#NUM!"
    _close(got["A6"], 3.0)
    assert got["B1"].code == got["B3"].code == got["B4"].code == "#NUM!"
    _close(got["B2"], -716.4227794432131)
    _close(got["C1"], -1339.6579298169904)
    assert got["C2"].code == got["C3"].code == "#DIV/0!"


def test_nper_to_excels_last_digit_and_toolpak_ranges(tmp_path):
    # formulacompiler FinancialFunctions.xlsx B45/B46 (the book compares them with "=");
    # formulas test.xlsx DATE & TIME AH27, FINANCIAL AG13: an Analysis ToolPak function
    # given a range of several cells where one value is expected is #VALUE!
    cells = {
        "A1": "=NPER(0.01,-100,-1000)",
        "A2": "=NPER(0.01,-100,-1000,,1)",
        "B1": 1, "C1": 2, "D1": 3,
        "A3": "=YEARFRAC(B1:D1,200,0)",
        "A4": "=CUMIPMT(B1:D1,5.5,125000,3,5,1)",
        "A5": "=YEARFRAC(B1,200,0)",
    }
    got = _both(tmp_path, cells)
    assert got["A1"] == -9.578594039813161
    assert got["A2"] == -9.488095005505821
    assert got["A3"].code == got["A4"].code == "#VALUE!"
    assert isinstance(got["A5"], float)


def test_mirr_and_treasury_bills(tmp_path):
    flows = {f"A{i}": v for i, v in enumerate([-120000, 39000, 30000, 21000, 37000, 46000], start=1)}
    cells = {
        **flows,
        "B1": "=MIRR(A1:A6,10%,12%)",  # MS "MIRR function": 12.61 %
        "B2": "=MIRR(A1:A4,10%,12%)",  # -4.80 %
        "B3": "=MIRR(A1:A6,10%,14%)",  # 13.48 %
        # IronCalc MIRR.xlsx: no positive flow -1, no negative one #DIV/0!, a finance
        # rate of -1 keeps the first (only negative) flow
        "C1": -6, "D1": -1, "E1": -2, "F1": "=MIRR(C1:E1,0.1,0.2)",
        "C2": 5, "D2": 6, "E2": 6, "F2": "=MIRR(C2:E2,0.1,0.2)",
        "C3": -5, "D3": 2, "E3": 4, "F3": "=MIRR(C3:E3,-1,0.2)",
        # MS "TBILLEQ/TBILLPRICE/TBILLYIELD function"
        "G1": "=TBILLEQ(DATE(2008,3,31),DATE(2008,6,1),9.14%)",
        "G2": "=TBILLPRICE(DATE(2008,3,31),DATE(2008,6,1),9%)",
        "G3": "=TBILLYIELD(DATE(2008,3,31),DATE(2008,6,1),98.45)",
        # IronCalc TBILLs.xlsx D6, D8: a leap year's 366 days is still one year; a day more is #NUM!
        "G4": "=TBILLEQ(14640,14640+366,0.5)",
        "G5": "=TBILLEQ(1000,1366,0.5)",
    }
    got = _both(tmp_path, cells)
    _close(got["B1"], 0.126094, rel=1e-5)
    _close(got["B2"], -0.048044655, rel=1e-7)
    _close(got["B3"], 0.134759111, rel=1e-7)
    assert got["F1"] == -1.0 and got["F2"].code == "#DIV/0!"
    _close(got["F3"], 0.13137084989847603)
    _close(got["G1"], 0.094151494, rel=1e-8)
    _close(got["G2"], 98.45, rel=1e-12)
    _close(got["G3"], 0.091417, rel=1e-5)  # documented as 9.1417 %
    _close(got["G4"], 0.8522961312491701)
    assert got["G5"].code == "#NUM!"


def test_depreciation(tmp_path):
    cells = {
        # MS "VDB function"
        "A1": "=VDB(2400,300,10*365,0,1)",
        "A2": "=VDB(2400,300,10*12,0,1)",
        "A3": "=VDB(2400,300,10,0,1)",
        "A4": "=VDB(2400,300,10*12,6,18)",
        "A5": "=VDB(2400,300,10*12,6,18,1.5)",
        "A6": "=VDB(2400,300,10,0,0.875,1.5)",
        # xlcalculator VDB.xlsx D26, D27, F23: periods counted from a fractional start,
        # straight line over the life left from there
        "A7": "=VDB(1,0,14,2.5,3.5,1.25,FALSE)",
        "A8": "=VDB(1,0,14,11.5,12.5,1.25,FALSE)",
        "A9": "=VDB(1,0,14,13.5,14,1.25,FALSE)",
        "A10": "=VDB(1,0,14,13,14,1.25,FALSE)",
        # MS "DB function", "DDB function"
        "B1": "=DB(1000000,100000,6,1,7)",
        "B2": "=DB(1000000,100000,6,7,7)",
        "B3": "=DDB(2400,300,10,2,1.5)",
        "B4": "=DDB(2400,300,10,10)",
        # IronCalc DB_DDB.xlsx G30, H36, H42: a cost of 0 or a salvage above the cost
        # depreciates nothing; a period beyond the life is #NUM!
        "B5": "=DB(0,10,4,1,2)",
        "B6": "=DDB(23.89,34.78,4,3,2)",
        "B7": "=DDB(23,10,4,5,2)",
    }
    got = _both(tmp_path, cells)
    for ref, want in (("A1", 1.32), ("A2", 40.0), ("A3", 480.0), ("A4", 396.31), ("A5", 311.81), ("A6", 315.0)):
        _close(got[ref], want, rel=5e-3 if ref == "A1" else 2e-5)
    _close(got["A7"], 0.07074765193864536)
    _close(got["A8"], 0.06872629045468406)
    _close(got["A9"], 0.03436314522734203)
    _close(got["A10"], 0.06866789938377948)
    _close(got["B1"], 186083.33, rel=1e-7)
    _close(got["B2"], 15845.10, rel=1e-6)
    _close(got["B3"], 306.00, rel=1e-12)
    _close(got["B4"], 22.12, rel=1e-3)
    assert got["B5"] == 0.0 and got["B6"] == 0.0 and got["B7"].code == "#NUM!"


def test_xnpv(tmp_path):
    # MS "XNPV function": 2,086.65 (values A1:A5, dates B1:B5, 9 %)
    flows = [-10000, 2750, 4250, 3250, 2750]
    dates = [dt.datetime(2008, 1, 1), dt.datetime(2008, 3, 1), dt.datetime(2008, 10, 30),
             dt.datetime(2009, 2, 15), dt.datetime(2009, 4, 1)]
    cells = {f"A{i}": v for i, v in enumerate(flows, start=1)}
    cells.update({f"B{i}": d for i, d in enumerate(dates, start=1)})
    cells.update({
        "C1": "=XNPV(0.09,A1:A5,B1:B5)",
        # IronCalc XNPV.xlsx Q7/Q8, S2: a blank or text value, or fewer values than
        # dates, is #NUM!; formulas test.xlsx Z56: a rate TRUE is #VALUE!
        "C2": "=XNPV(0.09,A1:A6,B1:B6)",
        "A7": "x", "B7": dt.datetime(2009, 5, 1),
        "C3": "=XNPV(0.09,A1:A7,B1:B7)",
        "C4": "=XNPV(0.09,A1:A4,B1:B5)",
        "C5": "=XNPV(TRUE,A1:A5,B1:B5)",
        "C6": "=XNPV(0,A1:A5,B1:B5)",
    })
    got = _both(tmp_path, cells)
    _close(got["C1"], 2086.65, rel=5e-6)
    assert [got[f"C{i}"].code for i in range(2, 7)] == ["#NUM!", "#NUM!", "#NUM!", "#VALUE!", "#NUM!"]
