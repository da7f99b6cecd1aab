"""Speed of ``kpi lint`` (and ``kpi adopt``) on a big hand-written appraisal sheet (issue 14).

    python bench/lint_speed.py [--rows 10000] [--repeat 3]

Writes the S0-F sheet of ``tests/hr_workbooks.py`` at the given size (the seed's table 4.4
typed by hand: nested IFs, a rating chain, weights, grades; 13 formula columns per row), then
times the real commands, each in its own process (start-up included), the fastest of
``--repeat`` runs: wall time, CPU time and peak memory. The figures go to bench/LINT.md by hand.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def run(cmd: list[str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def main() -> None:
    import hr_workbooks

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    kpi = [sys.executable, "-m", "kpi_udfs.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        book = hr_workbooks.build_presales(Path(tmp) / "presales.xlsx", args.rows).path
        size = book.stat().st_size
        print(f"S0-F sheet, {args.rows:,} rows, {size / 1e6:.1f} MB; load average {os.getloadavg()[0]:.2f}")
        lint = [run([*kpi, "lint", str(book)]) for _ in range(args.repeat)]
        wall, cpu, code = min(lint)
        print(f"kpi lint:  best {wall:.2f} s wall ({cpu:.2f} s CPU), exit {code}; all runs "
              + ", ".join(f"{w:.2f}" for w, _, _ in lint))
        out = Path(tmp) / "adopted.xlsx"
        wall, cpu, code = run([*kpi, "adopt", str(book), "-o", str(out), "--force"])
        print(f"kpi adopt: {wall:.2f} s wall ({cpu:.2f} s CPU), exit {code} (lint, rewrite, recalculate, compare)")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak memory of a child: {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
