"""Statistical functions at their edges, against Excel's own values (the cached values
of the shared corpus' test books named in each test)."""

from __future__ import annotations

import pytest

from kpi_udfs.errors import KpiError
from tests.test_recalc_excel_values import _both


def test_aggregate_mode_prefers_the_value_seen_first(tmp_path):
    # ClosedXML's functions-excel-2010 book: AGGREGATE(13,4,F1:F11) is 77 where 77 and
    # 28 both occur twice and 77 occurs first.
    data = [15, 77, 0, 28, "=2.8/0.1", 28, 77, 53, 34, 13, 91]
    cells = {f"F{i + 1}": v for i, v in enumerate(data)} | {"A1": "=AGGREGATE(13,4,F1:F11)"}
    got = _both(tmp_path, cells)
    assert got["A1"] == 77


def test_poisson_dist_truncates_x(tmp_path):
    # ClosedXML's functions-excel-2010 book: POISSON.DIST(20/15,2,0) is 0.27067056647322535;
    # IronCalc's STATISTICAL__POISSON book: x = -1E-6 is #NUM!, 0.999999 counts as 0.
    got = _both(tmp_path, {"A1": "=POISSON.DIST(20/15,2,0)", "A2": "=POISSON.DIST(-1E-6,5,TRUE)",
                           "A3": "=POISSON.DIST(0.999999,5,TRUE)"})
    assert got["A1"] == pytest.approx(0.27067056647322535, rel=1e-12)
    assert isinstance(got["A2"], KpiError) and got["A2"].code == "#NUM!"
    assert got["A3"] == pytest.approx(0.006737946999085467, rel=1e-12)


def test_hypgeom_dist_as_microsofts_example_exactly(tmp_path):
    # HYPGEOM.DIST's help page: 1 success in a sample of 4 from 20 with 8 successes is
    # 0.363261094 (C(8,1)·C(12,3)/C(20,4) = 1760/4845), cumulative 0.465428793 (2255/4845);
    # HYPGEOMDIST is the same probability; a sample above the population is #NUM!.
    got = _both(tmp_path, {"A1": "=HYPGEOM.DIST(1,4,8,20,FALSE)", "A2": "=HYPGEOM.DIST(1,4,8,20,TRUE)",
                           "A3": "=HYPGEOMDIST(1,4,8,20)", "A4": "=HYPGEOM.DIST(1,21,8,20,TRUE)"})
    assert got["A1"] == 1760 / 4845 and got["A3"] == 1760 / 4845
    assert got["A2"] == 2255 / 4845
    assert got["A4"].code == "#NUM!"
