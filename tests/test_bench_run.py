"""The benchmark's own machinery (bench/run.py): what it measures and how it reports a run
that was stopped. The benchmark runs themselves are not tests."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
_spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_every_template_kpi_new_knows_is_measured():
    from kpi_udfs import templates

    names, unknown = bench.discover_templates()
    assert names == templates.names()  # templates added later come in with kpi new's list
    assert unknown == []  # every committed template is one kpi new builds
    assert bench.discover_templates(["presales_t44"])[0] == ["PreSales_T44"]


def test_formula_cells_counted_in_the_package(tmp_path):
    book = tmp_path / "b.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", '<c r="A1"><f>1+1</f><v>2</v></c><c r="A2"><f t="shared" si="0"/></c>'
                                               '<c r="A3"><v>3</v></c><c r="A4" t="str"><f>"f"</f></c>')
        z.writestr("xl/sharedStrings.xml", "<si><t><f></t></si>")  # not a worksheet
    assert bench.formula_cells(book) == 3


def test_slow_or_failed_runs_are_not_repeated():
    calls = []

    def run(seconds, failed=False):
        calls.append(seconds)
        return {"seconds": seconds, "peak_mb": 10.0, **({"failed": "exit 1"} if failed else {})}

    assert bench.best(3, run, 1.0, once_above=60)["runs"] == [1.0, 1.0, 1.0]
    calls.clear()
    assert bench.best(3, run, 90.0, once_above=60) == {"seconds": 90.0, "peak_mb": 10.0}
    assert calls == [90.0]  # over the limit: once
    assert bench.best(3, run, 1.0, True, once_above=60)["failed"] == "exit 1"
    assert bench.best(3, lambda: {"seconds": None, "capped": 5}) == {"seconds": None, "capped": 5}


def test_a_run_over_its_memory_limit_is_stopped_and_recorded():
    grab = "x = bytearray(400 * 2**20); import time; time.sleep(30)"
    m = bench.measure([sys.executable, "-c", grab], cap=20, memory_cap_mb=200)
    assert m["seconds"] is None and m["memory_capped"] == 200
    assert m["rss_at_stop_mb"] > 200 and m["stopped_after"] < 15
    assert bench._t(m).startswith("> 0.2 GB (stopped after")
    fl = {"seconds": 0.5}
    assert bench._ratio({"seconds": None, "capped": 600}, fl) == "> 1200"
    assert bench._ratio({"seconds": 1.5}, fl) == "3.00"


@pytest.mark.parametrize("code, failed", [("import sys; sys.exit(0)", False), ("raise SystemExit('no: it refused')", True)])
def test_exit_code_and_the_last_line_of_a_failure(code, failed):
    m = bench.measure([sys.executable, "-c", code])
    assert ("failed" in m) is failed
    if failed:
        assert m["failed"] == "exit 1: no: it refused"
