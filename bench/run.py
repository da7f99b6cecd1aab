"""Recalculation benchmark: ``kpi recalc`` against plain `formulas`, LibreOffice and the floor.

    python bench/run.py --sizes 100,1000,10000

For each staff count it writes the synthetic appraisal workbooks of
:mod:`workbooks` (bench/workbooks.py) and times, each in its own child process (wall
time and peak resident memory of the child and everything it waited for):

``floor``       openpyxl loads the workbook and saves it again, no calculation;
``kpi recalc``  the command line on the same workbook (fast path, writer included);
``cell by cell`` the same command with the fast path off (``--cell-by-cell-max`` staff at most);
``formulas``    plain `formulas` with the KPI_ functions registered: load, calculate,
                write (``--formulas-max`` staff at most, ``--cap`` seconds at most);
``LibreOffice`` headless ``soffice --convert-to xlsx`` of the same sheet written with
                Excel's own functions only, recalculation on load forced;
``quadratic``   ``kpi recalc`` on the sheet with two more columns in which every row
                scans its column (COUNTIF, RANK.EQ), shown apart;
``batch``       ``--batch`` copies of the ``--batch-staff`` workbook (different seeds): one
                child process that runs ``kpi recalc FILE -o OUT`` on each in a row, against
                one ``kpi recalc FOLDER -o OUTFOLDER -j W`` (W = the cores, at least 2); the
                outputs of the two must be identical, part by part.

Results go to bench/results.json and, with ``--readme``, into bench/README.md between
the ``<!-- results -->`` markers. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable

LO_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


# -- child tasks (run as: python bench/run.py --child TASK IN OUT) -----------------------


def child_floor(src: str, out: str) -> None:
    import openpyxl

    openpyxl.load_workbook(src).save(out)


def child_formulas(src: str, out: str) -> None:
    import formulas
    from kpi_udfs.recalc.engine import install

    install()  # the KPI_ functions in formulas' table, so that it computes the same sheet
    xl = formulas.ExcelModel().loads(src).finish()
    xl.calculate()
    xl.write(dirpath=out)


def child_cell_by_cell(src: str, out: str) -> None:
    from kpi_udfs.recalc.commands import Job, run_job

    report = run_job(Job(src=src, out=out, evaluator="kpi_udfs.recalc.engine:evaluate_cell_by_cell"))
    if report.exit_code not in (0, 1):
        raise SystemExit(report.message)


def child_singles(src_dir: str, out_dir: str) -> None:
    """``kpi recalc FILE -o OUT`` on every workbook of ``src_dir``, one after the other
    (timed as one loop, so the polling of :func:`measure` is paid once, as for the batch)."""
    for book in sorted(Path(src_dir).glob("*.xlsx")):
        done = subprocess.run([PY, "-m", "kpi_udfs.cli", "recalc", str(book), "-o", str(Path(out_dir) / book.name),
                               "--force"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise SystemExit(f"{book.name}: exit {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")


CHILDREN = {"floor": child_floor, "formulas": child_formulas, "cellbycell": child_cell_by_cell,
            "singles": child_singles}


# -- measuring --------------------------------------------------------------------------


def measure(cmd: list[str], cap: float | None = None, env: dict | None = None) -> dict:
    """Wall seconds and peak RSS (MB) of a child process (and the children it waited for)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                            env=env)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if cap is not None and time.perf_counter() - started > cap:
            os.killpg(proc.pid, 9)  # our own child's process group only
            os.wait4(proc.pid, 0)
            return {"seconds": None, "capped": cap, "peak_mb": None}
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    code = os.waitstatus_to_exitcode(status)
    result = {"seconds": round(seconds, 3), "peak_mb": round(usage.ru_maxrss / 1024, 1)}
    if code != 0:
        result["failed"] = f"exit {code}: {output.strip()[-500:]}"
    return result


def child(task: str, src: Path, out: Path, cap: float | None = None) -> dict:
    return measure([PY, str(Path(__file__)), "--child", task, str(src), str(out)], cap)


def best(runs: int, fn, *args) -> dict:
    """The fastest of ``runs`` measurements (the least disturbed by other work on the
    machine), with every time kept."""
    results = [fn(*args) for _ in range(max(1, runs))]
    timed = [r for r in results if r.get("seconds") is not None]
    if not timed:
        return results[0]
    out = dict(min(timed, key=lambda r: r["seconds"]))
    if len(results) > 1:
        out["runs"] = [r.get("seconds") for r in results]
        out["peak_mb"] = max(r["peak_mb"] for r in timed)
    return out


def kpi_recalc(src: Path, out: Path) -> dict:
    return measure([PY, "-m", "kpi_udfs.cli", "recalc", str(src), "-o", str(out), "--force"])


def libreoffice(src: Path, outdir: Path, profile: Path) -> dict:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return {"seconds": None, "skipped": "soffice not installed (apt-get install libreoffice-calc-nogui)"}
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "xlsx", "--outdir", str(outdir), str(src)]
    result = measure(cmd)
    if not (outdir / src.name).exists():
        result["failed"] = "no output written"
    return result


def prepare_libreoffice(work: Path) -> Path:
    """A private LibreOffice profile that recalculates every formula on load."""
    profile = work / "lo_profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(LO_PROFILE)
    soffice = shutil.which("soffice")
    if soffice:  # first start creates the profile: not timed
        warm = work / "warm.xlsx"
        from workbooks import appraisal_workbook

        appraisal_workbook(warm, 5, native=True)
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "xlsx", "--outdir", str(work / "warm"), str(warm)],
                       capture_output=True, timeout=300)
    return profile


def batch_recalc(src_dir: Path, out_dir: Path, workers: int) -> dict:
    return measure([PY, "-m", "kpi_udfs.cli", "recalc", str(src_dir), "-o", str(out_dir), "-j", str(workers),
                    "--force"])


# -- checking that the equivalent sheets agree --------------------------------------------


def same_packages(a_dir: Path, b_dir: Path) -> dict:
    """Workbooks of ``a_dir`` whose every part (sheet XML with the cached values included)
    is byte for byte the same in the workbook of that name in ``b_dir``."""
    import zipfile

    names = sorted(p.name for p in a_dir.glob("*.xlsx"))
    same, differ = 0, []
    for name in names:
        other = b_dir / name
        if not other.exists():
            differ.append(f"{name}: missing")
            continue
        with zipfile.ZipFile(a_dir / name) as za, zipfile.ZipFile(other) as zb:
            parts = za.namelist()
            bad = [n for n in parts if n not in zb.namelist() or za.read(n) != zb.read(n)]
            bad += [n for n in zb.namelist() if n not in parts]
        if bad:
            differ.append(f"{name}: {', '.join(bad[:3])}")
        else:
            same += 1
    return {"workbooks": len(names), "identical": same, **({"differ": differ} if differ else {})}


def agreement(ours: Path, theirs: Path, columns: str = "KLMNOPQRSTUVWXY") -> dict:
    """Cells of the formula columns where two computed workbooks hold the same value."""
    import openpyxl

    def values(path):
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
        ws = wb["Staff"]
        out = {}
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if getattr(c, "column_letter", None) in columns:
                    out[c.coordinate] = c.value
        wb.close()
        return out

    a, b = values(ours), values(theirs)
    same = 0
    for k, v in a.items():
        w = b.get(k)
        if isinstance(v, (int, float)) and isinstance(w, (int, float)) and not isinstance(v, bool):
            same += abs(v - w) <= 1e-9 * max(1.0, abs(w))
        else:
            same += v == w
    return {"cells": len(a), "same": same}


# -- the run ------------------------------------------------------------------------------


def run(args) -> dict:
    sys.path.insert(0, str(HERE))
    from workbooks import FORMULA_COLUMNS, appraisal_workbook

    work = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    profile = prepare_libreoffice(work) if not args.no_libreoffice else None
    results = []
    for n in args.sizes:
        print(f"— {n:,} staff", flush=True)
        std = appraisal_workbook(work / f"staff{n}.xlsx", n)
        quad = appraisal_workbook(work / f"staff{n}_quadratic.xlsx", n, quadratic=True)
        native = appraisal_workbook(work / f"staff{n}_native.xlsx", n, native=True)
        row: dict = {"staff": n, "formula_cells": n * FORMULA_COLUMNS}
        row["floor"] = best(args.repeat, child, "floor", std, work / f"floor{n}.xlsx")
        print("  floor        ", row["floor"], flush=True)
        row["kpi_recalc"] = best(args.repeat, kpi_recalc, std, work / f"kpi{n}.xlsx")
        print("  kpi recalc   ", row["kpi_recalc"], flush=True)
        row["quadratic"] = best(args.repeat, kpi_recalc, quad, work / f"kpi{n}_quadratic.xlsx")
        print("  quadratic    ", row["quadratic"], flush=True)
        if n <= args.cell_by_cell_max:
            row["cell_by_cell"] = child("cellbycell", std, work / f"cbc{n}.xlsx", args.cap)
        else:
            row["cell_by_cell"] = {"seconds": None, "skipped": f"above --cell-by-cell-max {args.cell_by_cell_max}"}
        print("  cell by cell ", row["cell_by_cell"], flush=True)
        if n <= args.formulas_max:
            outdir = work / f"formulas{n}"
            outdir.mkdir(exist_ok=True)
            row["formulas"] = child("formulas", std, outdir, args.cap)
        else:
            row["formulas"] = {"seconds": None, "skipped": f"above --formulas-max {args.formulas_max}"}
        print("  formulas     ", row["formulas"], flush=True)
        if profile is not None:
            outdir = work / f"lo{n}"
            outdir.mkdir(exist_ok=True)
            row["libreoffice"] = best(args.repeat, libreoffice, native, outdir, profile)
            if row["libreoffice"].get("seconds") and (work / f"kpi{n}.xlsx").exists():
                row["libreoffice"]["agreement"] = agreement(work / f"kpi{n}.xlsx", outdir / native.name)
        else:
            row["libreoffice"] = {"seconds": None, "skipped": "--no-libreoffice"}
        print("  LibreOffice  ", row["libreoffice"], flush=True)
        results.append(row)
    batch = run_batch(args, work, appraisal_workbook) if args.batch > 0 else None
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "command": "python bench/run.py " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the end",
        "results": results,
        **({"batch": batch} if batch else {}),
    }


def run_batch(args, work: Path, appraisal_workbook) -> dict:
    """N single runs in a row against one batch run over a process pool, same workbooks."""
    n, staff = args.batch, args.batch_staff
    workers = max(2, os.cpu_count() or 1)  # what -j asks; the command uses at most one per workbook
    print(f"— batch of {n} workbooks, {staff:,} staff each, -j {workers}", flush=True)
    books = work / "batch_in"
    books.mkdir()
    for i in range(n):
        appraisal_workbook(books / f"store{i + 1:03d}.xlsx", staff, seed=1000 + i)
    singles_out, batch_out = work / "batch_singles", work / "batch_pool"
    singles_out.mkdir()
    batch_out.mkdir()
    out = {"workbooks": n, "staff": staff, "workers": min(n, workers),
           "singles_timing": "one child process running the N commands one after the other, timed as a whole"}
    out["singles"] = best(args.repeat, child, "singles", books, singles_out)
    print("  singles      ", out["singles"], flush=True)
    out["batch"] = best(args.repeat, batch_recalc, books, batch_out, workers)
    print("  batch        ", out["batch"], flush=True)
    out["outputs"] = same_packages(singles_out, batch_out)
    print("  outputs      ", out["outputs"], flush=True)
    a, b = out["singles"].get("seconds"), out["batch"].get("seconds")
    if a and b:
        out["speed_up"] = round(a / b, 2)
    return out


def _s(m: dict) -> str:
    if m.get("seconds") is not None:
        return f"{m['seconds']:.2f} s"
    if "capped" in m:
        return f"> {m['capped']:.0f} s (stopped)"
    return "—"


def _mb(m: dict) -> str:
    return f"{m['peak_mb']:.0f} MB" if m.get("peak_mb") else "—"


def _x(a: dict, b: dict) -> str:
    """How many times faster ``a`` (ours) is than ``b``."""
    if a.get("seconds") and b.get("seconds"):
        return f"{b['seconds'] / a['seconds']:.1f}×"
    if a.get("seconds") and "capped" in b:
        return f"> {b['capped'] / a['seconds']:.0f}×"
    return "—"


def markdown(data: dict) -> str:
    rows = data["results"]
    lines = [
        f"Command: `{data['command']}`  ",
        f"Run: {data['date']} on {data['machine']}.",
        "",
        "| staff | formula cells | floor (openpyxl load + save) | `kpi recalc` | ÷ floor | peak memory "
        "| plain `formulas` | `kpi recalc` faster by | LibreOffice (native formulas) | `kpi recalc` faster by "
        "| cell by cell (no fast path) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        k, f, lo, fl = r["kpi_recalc"], r["formulas"], r["libreoffice"], r["floor"]
        ratio = f"{k['seconds'] / fl['seconds']:.2f}" if k.get("seconds") and fl.get("seconds") else "—"
        lines.append(
            f"| {r['staff']:,} | {r['formula_cells']:,} | {_s(fl)} | {_s(k)} | {ratio} | {_mb(k)} | {_s(f)} "
            f"| {_x(k, f)} | {_s(lo)} | {_x(k, lo)} | {_s(r['cell_by_cell'])} |"
        )
    lines += ["", "Growth with staff count: seconds per 1,000 more staff between one size and the next "
              "(constant when time is linear; the start-up cost falls out):", "",
              "| staff | floor | `kpi recalc` | quadratic sheet (`kpi recalc`) | LibreOffice | plain `formulas` |",
              "|---:|---:|---:|---:|---:|---:|"]
    for prev, r in zip(rows, rows[1:], strict=False):
        per = []
        for key in ("floor", "kpi_recalc", "quadratic", "libreoffice", "formulas"):
            a, b = prev[key].get("seconds"), r[key].get("seconds")
            per.append(f"{(b - a) / (r['staff'] - prev['staff']) * 1000:.3f}" if a and b else "—")
        lines.append(f"| {prev['staff']:,} → {r['staff']:,} | " + " | ".join(per) + " |")
    lines += ["", "Quadratic formulas (`=COUNTIF($R$2:$R$n,R2)` and `=RANK.EQ(R2,$R$2:$R$n)` in every row, "
              "16 formula columns):", "", "| staff | `kpi recalc` | peak memory |", "|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['staff']:,} | {_s(r['quadratic'])} | {_mb(r['quadratic'])} |")
    notes = []
    for r in rows:
        for key in ("formulas", "cell_by_cell", "libreoffice"):
            m = r[key]
            if m.get("skipped"):
                notes.append(f"{r['staff']:,} staff, {key}: skipped ({m['skipped']}).")
            if m.get("failed"):
                notes.append(f"{r['staff']:,} staff, {key}: failed ({m['failed'][:200]}).")
        agree = r["libreoffice"].get("agreement")
        if agree:
            notes.append(f"{r['staff']:,} staff: LibreOffice's values equal `kpi recalc`'s in "
                         f"{agree['same']:,} of {agree['cells']:,} formula cells.")
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    if data.get("batch"):
        lines += [""] + batch_markdown(data["batch"])
    return "\n".join(lines) + "\n"


def batch_markdown(b: dict) -> list[str]:
    s, p = b["singles"], b["batch"]
    up = b.get("speed_up")
    lines = [f"Many workbooks at once: {b['workbooks']} copies of the benchmark workbook (different seeds), "
             f"`kpi recalc FILE -o OUT` on each in a row (one child process running the {b['workbooks']} "
             f"commands, timed as a whole) against one `kpi recalc FOLDER -o OUTFOLDER -j {b['workers']}`:", "",
             "| workbooks | staff each | workers | single runs in a row | one batch run | speed-up "
             "| peak memory, in a row | peak memory, batch |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| {b['workbooks']} | {b['staff']:,} | {b['workers']} | {_s(s)} | {_s(p)} "
             f"| {f'{up:.2f}×' if up else '—'} | {_mb(s)} | {_mb(p)} |", ""]
    if up is None:
        verdict = "No speed-up could be computed (a run failed or was skipped)."
    elif up >= 1.5:
        verdict = f"The batch is clearly faster: {up:.2f} × the speed of the single runs in a row."
    elif up > 1.1:
        verdict = f"The batch is faster, but not clearly: {up:.2f} ×."
    else:
        verdict = f"The batch is not faster: {up:.2f} ×."
    o = b["outputs"]
    runs = f"the fastest of {len(s['runs'])} runs each" if s.get("runs") else "one run each"
    lines.append(f"{verdict} Times: {runs}. Peak memory is that of the largest single process (the command or one pool "
                 f"worker), not the sum. The batch outputs equal the single-run outputs byte for byte, "
                 f"part by part, in {o['identical']} of {o['workbooks']} workbooks.")
    lines += [f"- outputs differ: {d}" for d in o.get("differ", [])]
    for m, what in ((s, "single runs"), (p, "batch run")):
        if m.get("failed"):
            lines.append(f"- {what}: failed ({m['failed'][:200]}).")
    return lines


def update_readme(text: str) -> None:
    path = HERE / "README.md"
    readme = path.read_text()
    start, end = "<!-- results -->", "<!-- /results -->"
    i, j = readme.index(start) + len(start), readme.index(end)
    path.write_text(readme[:i] + "\n" + text + readme[j:])


def compile_bytecode() -> None:
    """Measure every contender with its bytecode compiled, as an installed package has it.

    The libraries in site-packages got theirs from pip; a checkout run with
    PYTHONDONTWRITEBYTECODE set (as some CI images do) would compile kpi_udfs from source
    at every start of `kpi recalc`, about 0.1 s that no installed copy pays.
    """
    import compileall

    import kpi_udfs

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the children inherit the environment
    compileall.compile_dir(Path(kpi_udfs.__file__).parent, quiet=1)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, task, src, out = sys.argv
        sys.path.insert(0, str(HERE))
        CHILDREN[task](src, out)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000", help="Staff counts, comma-separated.")
    ap.add_argument("--formulas-max", type=int, default=1000, help="Largest staff count run with plain formulas.")
    ap.add_argument("--cell-by-cell-max", type=int, default=1000,
                    help="Largest staff count run without the fast path.")
    ap.add_argument("--cap", type=float, default=600.0, help="Seconds after which a formulas run is stopped.")
    ap.add_argument("--repeat", type=int, default=3,
                    help="Runs of the floor, kpi recalc, LibreOffice (per size) and of both sides of "
                    "the batch; the fastest counts.")
    ap.add_argument("--no-libreoffice", action="store_true", help="Leave LibreOffice out.")
    ap.add_argument("--batch", type=int, default=20,
                    help="Workbooks in the batch measurement (single runs in a row against one "
                    "kpi recalc FOLDER -j cores); 0 skips it. --repeat applies.")
    ap.add_argument("--batch-staff", type=int, default=1000, help="Staff in each workbook of the batch.")
    ap.add_argument("--keep", action="store_true", help="Keep the workbooks and outputs (path printed).")
    ap.add_argument("--readme", action="store_true", help="Write the tables into bench/README.md.")
    args = ap.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    compile_bytecode()
    data = run(args)
    (HERE / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    text = markdown(data)
    print(text)
    if args.readme:
        update_readme(text)


if __name__ == "__main__":
    main()
