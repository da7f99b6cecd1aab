"""Conformance against Excel's own results: the sample must not get worse (a ratchet).

The sample (tests/conformance_sample.txt) is a fixed set of corpus workbooks that
finishes in well under three minutes on two cores; the full corpus run is its own
command (``python -m kpi_udfs.recalc.conformance``), whose figures live in
bench/conformance.json and are checked here against their own ratchet. Both ratchets
are in tests/conformance_ratchet.json, raised by hand as the engine improves.
"""

from __future__ import annotations

import json

import pytest

from kpi_udfs.recalc import conformance as conf

RATCHET = json.loads(conf.RATCHET.read_text(encoding="utf-8"))
CORPUS = conf.corpus_dir()
FULL_JSON = conf.REPORT.with_name("conformance.json")

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not available")


@needs_corpus
def test_sample_match_rate_does_not_drop():  # 94 workbooks, about 2 s
    files = [CORPUS / name for name in conf.sample_files()]
    results = conf.run(files, timeout=60, jobs=2)
    summary = conf.summarize(results)
    assert summary["files"] == len(files)
    assert all(r["status"] == "ok" for r in results), [(r["file"], r["status"]) for r in results if r["status"] != "ok"]
    assert summary["compared"] >= RATCHET["sample_compared"]
    assert summary["match_rate"] >= RATCHET["sample_match_rate"], summary["mismatch_causes"]


@needs_corpus
def test_full_run_is_recorded_and_above_its_ratchet():
    data = json.loads(FULL_JSON.read_text(encoding="utf-8"))
    summary = data["summary"]
    assert summary["files"] == len(list(CORPUS.glob("*.xls[xm]")))
    # every formula cell of every workbook is counted: compared or out of scope
    assert summary["compared"] + summary["out_of_scope_cells"] == summary["formula_cells"]
    assert summary["match_rate"] >= RATCHET["full_match_rate"]
    assert summary["match_rate"] > conf.PLAIN_FORMULAS_RATE
    report = conf.REPORT.read_text(encoding="utf-8")
    assert f"{summary['match_rate'] * 100:.2f} %" in report


@pytest.mark.parametrize(
    "expected, got, same",
    [
        (1.0, 1.0 + 1e-12, True),
        (1.0, 1.0 + 1e-6, False),
        (0.0, 1e-13, True),
        (0.0, 1e-6, False),
        (1.0, True, False),  # a boolean is not the number 1
        (True, True, True),
        ("B", "B", True),
        ("B", "b", False),
        ({"error": "#N/A"}, {"error": "#N/A"}, True),
        ({"error": "#N/A"}, {"error": "#VALUE!"}, False),
        (None, None, True),
        ("", None, True),  # a formula giving "" is cached as empty text
        (0.0, None, False),
    ],
)
def test_comparison_rules(expected, got, same):
    assert conf.same(expected, got) is same


def test_mismatch_causes_are_classified():
    assert conf.mismatch_cause({"error": "#N/A"}, 1.0, {}) == "value where Excel has an error"
    assert conf.mismatch_cause(1.0, {"error": "#N/A"}, {}) == "error where Excel has a value"
    assert conf.mismatch_cause(1.0, 1.0 + 1e-8, {}) == "number differs slightly (< 1e-6)"
    assert conf.mismatch_cause(1.0, {"error": "#NAME?"}, {"unknown": ["OFFSET"]}) == "unsupported function"


def test_volatile_cells_reached_through_defined_names_are_out_of_scope():
    """A LAMBDA name reading a name that reads a cell holding =YEAR(TODAY()): the cells that
    call it change with the year, so they are not compared (found on yearly_calendar.xlsx,
    whose 504 calendar cells matched Excel only while the year was the one it was saved in)."""
    bodies = {"CAL_MONTH": "_xlfn.LAMBDA(_xlpm.mo,DATE(cal_year,_xlpm.mo,1))", "CAL_YEAR": "Sheet1!$B$2",
              "NOW_YEAR": "YEAR(TODAY())", "LOOP": "LOOP+1"}
    assert conf._direct_scope("=now_year*2", bodies) == "volatile function"  # through a name
    assert conf._direct_scope("=SUM(loop)", bodies) is None  # a name using itself ends
    assert conf._direct_scope("=cal_month(1)+2", {**bodies, "CAL_YEAR": "NOW_YEAR"}) == "volatile function"


def test_cells_reading_a_volatile_cell_through_a_name_are_out_of_scope(tmp_path):
    """The same in a workbook: B2 holds =YEAR(TODAY()), a LAMBDA name reads it through a
    name; every cell that calls it depends on the year."""
    import openpyxl
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B2"] = "=YEAR(TODAY())"
    ws["C1"] = "=cal_month(1)+2"
    ws["C2"] = "=1+1"
    wb.defined_names["CAL_YEAR"] = DefinedName("CAL_YEAR", attr_text="Sheet1!$B$2")
    wb.defined_names["CAL_MONTH"] = DefinedName("CAL_MONTH", attr_text="_xlfn.LAMBDA(_xlpm.mo,DATE(cal_year,_xlpm.mo,1))")
    path = tmp_path / "calendar.xlsx"
    wb.save(path)
    res = conf.check_workbook(path)
    assert res["out_of_scope"] == {"volatile function": 1, "depends on out-of-scope cells": 1}
    assert res["compared"] == 1


def test_workbooks_from_folders_lists_and_names(tmp_path):
    """The runner takes files, folders (searched below) and corpus names alike."""
    (tmp_path / "a.xlsx").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.xlsm").write_bytes(b"")
    (tmp_path / "sub" / "~$b.xlsm").write_bytes(b"")  # Excel's lock file is not a workbook
    (tmp_path / "notes.txt").write_text("x")
    assert conf.workbooks([str(tmp_path)]) == [tmp_path / "a.xlsx", tmp_path / "sub" / "b.xlsm"]
    assert conf.workbooks(["some corpus book.xlsx"], base=tmp_path) == [tmp_path / "some corpus book.xlsx"]
    listing = tmp_path / "list.txt"
    listing.write_text(f"# two books\n{tmp_path / 'a.xlsx'}\n\nother.xlsx\n", encoding="utf-8")
    assert conf.list_file(listing) == [str(tmp_path / "a.xlsx"), "other.xlsx"]


def _result(file, cells, seconds, status="ok"):
    r = {"file": file, "status": status, "cells": cells, "compared": cells, "matched": cells, "seconds": seconds + 1}
    if status == "ok":
        r["engine_seconds"] = seconds
    return r


def test_time_per_formula_cell_over_the_run_and_per_workbook():
    results = [_result("big.xlsx", 10_000, 2.0), _result("small.xlsx", 10, 0.05), _result("stuck.xlsx", 100, 60.0, "timeout")]
    t = conf.timing(results)
    # the run: every engine second over every formula cell; a timeout counts with its time so far
    assert t["engine_seconds"] == pytest.approx(2.0 + 0.05 + 61.0)
    assert t["ms_per_cell"] == pytest.approx(1000 * 63.05 / 10_110, abs=1e-4)
    # per workbook: 0.2, 5 and 610 ms per cell
    assert t["ms_per_cell_median"] == pytest.approx(5.0)
    assert t["workbooks_over_2ms_per_cell"] == 2
    assert t["unfinished_seconds_are_lower_bounds"] == 1
    assert [r["file"] for r in conf.slowest(results, 2)] == ["stuck.xlsx", "small.xlsx"]
    assert [r["file"] for r in conf.slowest(results, 2, key="total")] == ["stuck.xlsx", "big.xlsx"]
    report = conf.render(conf.summarize(results), results, "cmd", 70.0, 60.0)
    assert "| **Per formula cell, over the run** | **6.236 ms** |" in report
    assert "| stuck.xlsx | timeout | 100 | ≥ 61.00 | ≥ 610.00 | 100 / 100 |" in report


def test_a_full_run_keeps_the_peers_section():
    old = f"# old report\n\n{conf.PEERS_START}\npeers table\n{conf.PEERS_END}\n"
    assert conf.keep_peers_section(old, "# new report\n") == f"# new report\n\n{conf.PEERS_START}\npeers table\n{conf.PEERS_END}\n"
    assert conf.keep_peers_section("# old, no peers\n", "# new\n") == "# new\n"


def test_any_engine_goes_through_the_same_comparison(tmp_path):
    """A peer engine plugs into check_workbook: same inventory and scoping, its own time."""
    import openpyxl

    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 2, "=A1*2", "=A2+1", "=NOW()"
    wb.save(path)  # openpyxl writes no cached values: Excel's are empty here

    def engine(p, cells):
        assert p == path and sorted(cells) == [("S", "A2"), ("S", "A3"), ("S", "A4")]
        return {("S", "A2"): (None, ""), ("S", "A3"): (5.0, ""), ("S", "A4"): (1.0, "")}, 0.25

    r = conf.check_workbook(path, engine=engine)
    assert (r["cells"], r["compared"], r["matched"], r["out_of_scope"]) == (3, 2, 1, {"volatile function": 1})
    assert r["engine_seconds"] == 0.25  # the engine's own part, as it reported it
    assert r["missed"] == [{"cell": "S!A3", "formula": "=A2+1", "expected": None, "got": 5.0,
                            "cause": "type differs", "functions": []}]  # fmt: skip


def test_json_keeps_every_mismatching_cell_on_one_line():
    data = {"summary": {"files": 1}, "files": [
        {"file": "a.xlsx", "missed": [{"cell": "S!A1", "cause": "text differs", "got": "x\u0000y"},
                                      {"cell": "S!A2", "cause": "type differs", "got": None}]},
        {"file": "b.xlsx", "status": "timeout"},
    ]}  # fmt: skip
    text = conf.dump_json(data)
    assert json.loads(text) == data
    lines = [line.strip().rstrip(",") for line in text.splitlines()]
    assert '{"cell": "S!A2", "cause": "type differs", "got": null}' in lines
