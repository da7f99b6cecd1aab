"""The peer-engine comparison (bench/peers.py): how a peer's values are read and how the
cells a peer gets right and we miss are found. The peer runs themselves are not tests."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import peers  # noqa: E402


def test_peer_values_in_the_runners_form():
    assert peers._value({"type": "Error", "kind": "Div"}) == {"error": "#DIV/0!"}
    assert peers._value({"type": "Error", "kind": "Na"}) == {"error": "#N/A"}
    assert peers._value({"type": "Error", "kind": "NImpl"}) == {"error": "#N/IMPL!"}  # not Excel's: never matches
    assert peers._value(3) == 3.0 and isinstance(peers._value(3), float)  # a number compares as a float
    assert peers._value(True) is True
    assert peers._value(float("inf")) == {"error": "#NUM!"}
    assert peers._value([[7.0, 8.0]]) == 7.0  # an array left in one cell shows its first element
    assert peers._value("") == "" and peers._value(None) is None


def test_date_system_read_from_the_package(tmp_path):
    def book(attrs):
        path = tmp_path / f"b{len(attrs)}.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("xl/workbook.xml", f'<workbook xmlns="x"><workbookPr {attrs}/></workbook>')
        return path

    assert peers.date1904(book('date1904="1"'))
    assert peers.date1904(book('defaultThemeVersion="1" date1904="true"'))
    assert not peers.date1904(book('date1904="0"'))
    assert not peers.date1904(book(""))


def test_features_read_from_the_formula_text():
    def tags(formula, **extra):
        return peers.features({"formula": formula, "functions": ["F"], **extra}, False)

    assert tags("=SUM(A:A)") == ["whole-column or whole-row reference"]
    assert tags("=SUM(Sheet1:Sheet3!A1)") == ["3-D reference (Sheet1:Sheet3!)", "other-sheet reference"]
    assert tags("=ISNA(#N/A)") == ["error literal (#N/A …) in the formula"]
    assert tags('=IF(A1="#N/A",1,2)') == ["(none of these)"]  # text, not an error literal
    assert tags("=SUM(T[Sales])") == ["structured reference (Table[…])"]
    assert tags("=SUM(A1#)") == ["spill reference (A1#)"]
    assert tags("=A1:B2", array="A1:B2") == ["array formula (CSE or spilled)"]
    assert peers.features({"formula": "=A1+1", "functions": []}, True) == [
        "1904 date system workbook", "no function (operators and references only)"]


def test_cells_a_peer_gets_right_and_we_miss():
    kpi = {"files": [
        {"file": "a.xlsx", "status": "ok", "matched": 1, "missed": [{"cell": "S!A1", "cause": "number differs"},
                                                                   {"cell": "S!A2", "cause": "text differs"}]},
        {"file": "b.xlsx", "status": "timeout", "matched": 0, "missed": []},
    ]}  # fmt: skip
    stored = peers._compact({"file": "a.xlsx", "status": "ok", "matched": 2, "missed": [
        {"cell": "S!A2", "cause": "text differs"}, {"cell": "S!A3", "cause": "type differs"}]})  # fmt: skip
    assert stored["missed"] == {"text differs": {"S": "A2"}, "type differs": {"S": "A3"}}
    assert peers.missed_cells(stored) == {"S!A2", "S!A3"}
    fz = {"files": [stored, {"file": "b.xlsx", "status": "ok", "matched": 5, "missed": {}}]}
    ic = {"files": [{"file": "a.xlsx", "status": "ok", "matched": 3, "missed": {}},
                    {"file": "b.xlsx", "status": "crash", "matched": 0, "missed": {}}]}  # fmt: skip
    got = peers.compare(kpi, {"formualizer": fz, "ironcalc": ic})
    assert [(f, e["cell"]) for f, e in got["wins"]["formualizer"]] == [("a.xlsx", "S!A1")]
    assert [(f, e["cell"]) for f, e in got["wins"]["ironcalc"]] == [("a.xlsx", "S!A1"), ("a.xlsx", "S!A2")]
    assert [(f, e["cell"]) for f, e in got["both"]] == [("a.xlsx", "S!A1")]
    # where our run did not finish, the peer's matching cells are counted by workbook
    assert got["lost_books"]["formualizer"] == {"b.xlsx": 5}
    assert got["lost_books"]["ironcalc"] == {}
