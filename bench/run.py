"""Recalculation benchmark: ``kpi recalc`` against the floor, LibreOffice and peers.

    python bench/run.py --readme                         # all three parts
    python bench/run.py --parts templates --readme       # one part

Three parts, each timing its contenders one after the other in child processes (wall time
and peak resident memory of the child and everything it waited for; the fastest of
``--repeat`` runs, a run over ``--once-above`` seconds not repeated):

**synthetic** (``--sizes``): the appraisal sheet of :mod:`workbooks` (bench/workbooks.py):

``floor``       openpyxl loads the workbook and saves it again, no calculation;
``kpi recalc``  the command line on the same workbook (fast path, writer included);
``cell by cell`` the same command computing every cell on its own, not whole blocks
                (``--cell-by-cell-max`` staff at most, ``--cap`` seconds at most);
``LibreOffice`` headless ``soffice --convert-to xlsx`` of the same sheet written with
                Excel's own functions only, recalculation on load forced;
``quadratic``   ``kpi recalc`` on the sheet with two more columns in which every row
                scans its column (COUNTIF, RANK.EQ), shown apart;
``batch``       ``--batch`` copies of the ``--batch-staff`` workbook (different seeds): one
                child process that runs ``kpi recalc FILE -o OUT`` on each in a row, against
                one ``kpi recalc FOLDER -o OUTFOLDER -j W`` (W = the cores, at least 2); the
                outputs of the two must be identical, part by part.

**templates** (``--template-sizes``): every template ``kpi new`` lists (templates added
later are measured too): ``kpi new TEMPLATE --staff N -o FILE``, then on that FILE the floor,
``kpi recalc`` and LibreOffice. A run is stopped after ``--template-cap`` seconds or above
``--memory-cap-mb`` resident memory and recorded as such; when ``kpi new`` does not finish,
the same workbook is built without its values so that the rest is still measured.

**peers**: `kpi recalc`, LibreOffice, formualizer and IronCalc (``pip install -e '.[bench]'``),
whole process each, on the IronCalc ARABIC_ROMAN book of the conformance corpus and on the
synthetic sheet of ``--peer-staff`` staff written with Excel's functions only.

Results go to bench/results.json (by part) and, with ``--readme``, into bench/README.md
between the part's markers (``<!-- results -->``, ``<!-- templates -->``, ``<!-- peers -->``).
Not part of the test suite.
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
REPO = HERE.parent
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


def child_cell_by_cell(src: str, out: str) -> None:
    from kpi_udfs.recalc.commands import Job, run_job

    report = run_job(Job(src=src, out=out, evaluator="kpi_udfs.recalc.pipeline:evaluate_package_cell_by_cell"))
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


def child_build(spec: str, out: str) -> None:
    """A template's workbook as ``kpi new TEMPLATE --staff N`` builds it, without recalculating
    (``spec`` is ``TEMPLATE:N``): the input of the other measurements when ``kpi new`` itself
    did not finish."""
    from kpi_udfs import templates

    name, staff = spec.rsplit(":", 1)
    templates.build(name, Path(out), staff=int(staff), recalc=False)


def child_formualizer(src: str, out: str) -> None:
    """formualizer's own call to recompute a workbook file and write the cached values."""
    import formualizer

    formualizer.recalculate_xlsx_file(src, out)


def child_formualizer_api(src: str, out: str) -> None:
    """formualizer's workbook API: load and evaluate every cell, nothing written (its file
    call refuses some workbooks the API computes; the conformance run uses the API)."""
    import formualizer

    formualizer.Workbook.load_path(src).evaluate_all()


def child_ironcalc(src: str, out: str) -> None:
    """IronCalc: load the workbook, evaluate it, save it with its values."""
    import ironcalc

    model = ironcalc.load_from_xlsx(src)
    model.evaluate()
    Path(out).unlink(missing_ok=True)  # it refuses to overwrite a file
    model.save_to_xlsx(out)


CHILDREN = {"floor": child_floor, "cellbycell": child_cell_by_cell,
            "singles": child_singles, "build": child_build, "formualizer": child_formualizer,
            "formualizer_api": child_formualizer_api, "ironcalc": child_ironcalc}


# -- measuring --------------------------------------------------------------------------


def _ours(pid: int | str) -> bool:
    """Process ``pid`` is still a copy of this one (a child before its exec), whose memory
    figures are this process's, not the child's."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read() == _SELF


with open("/proc/self/cmdline", "rb") as _f:
    _SELF = _f.read()


def group_memory_mb(pgid: int) -> tuple[float, float]:
    """Resident memory and the sum of the peaks (VmHWM), in MB, of every process in the
    process group ``pgid`` (our child's: LibreOffice runs as two processes)."""
    rss = hwm = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != pgid or _ours(entry):  # field 5 of stat: the process group
                continue
            with open(f"/proc/{entry}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith(b"VmHWM:"):
                        hwm += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return rss / 1024, hwm / 1024


def _own_peak_mb(pid: int) -> float | None:
    """The peak resident memory (VmHWM) of process ``pid`` once it has left this program
    (before its exec a child is a copy of this process, whose memory is not the child's)."""
    try:
        if _ours(pid):
            return None
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def measure(cmd: list[str], cap: float | None = None, env: dict | None = None, memory_cap_mb: float | None = None) -> dict:
    """Wall seconds and peak resident memory (MB) of a child process and its children.

    The peak is the kernel's high-water mark (VmHWM) of the child, read as it runs, and of
    its process group, sampled twice a second (``ru_maxrss`` of ``wait4`` would count the
    memory of this process, which the child is a copy of until its exec). ``cap`` stops the
    child after that many seconds, ``memory_cap_mb`` once its process group holds more than
    that much resident memory; a stopped run has no time, ``capped`` (seconds) or
    ``memory_capped`` (MB), and the memory it held when stopped.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                            env=env)
    held = peak = 0.0
    next_sample = started + 0.5
    # drain the child's output as it runs (a chatty child must not block on a full pipe)
    chunks: list[bytes] = []
    os.set_blocking(proc.stdout.fileno(), False)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        own = _own_peak_mb(proc.pid)
        if own is not None:
            peak = max(peak, own)
        try:
            chunk = proc.stdout.read()
            if chunk:
                chunks.append(chunk[-20000:])
        except (BlockingIOError, TypeError):
            pass
        now = time.perf_counter()
        stop = None
        if cap is not None and now - started > cap:
            stop = {"capped": cap}
        elif now >= next_sample:
            next_sample = now + 0.5
            rss, hwm = group_memory_mb(proc.pid)
            held, peak = max(held, rss), max(peak, hwm)
            if memory_cap_mb is not None and rss > memory_cap_mb:
                stop = {"memory_capped": memory_cap_mb}
        if stop is not None:
            held = max(held, group_memory_mb(proc.pid)[0])
            os.killpg(proc.pid, 9)  # our own child's process group only
            os.wait4(proc.pid, 0)
            return {"seconds": None, **stop, "stopped_after": round(now - started, 1),
                    "peak_mb": None, "rss_at_stop_mb": round(held, 1)}
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    try:
        chunks.append(proc.stdout.read() or b"")
    except (BlockingIOError, TypeError):
        pass
    output = b"".join(chunks).decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    # a child too quick to be read has no figure (wait4's would be this process's size)
    result = {"seconds": round(seconds, 3), "peak_mb": round(peak, 1) or None}
    if code != 0:
        last = [line for line in output.strip().splitlines() if line.strip()][-1:] or [""]
        result["failed"] = f"exit {code}: {last[0].strip()[:300]}"
    return result


def child(task: str, src: Path | str, out: Path, cap: float | None = None, memory_cap_mb: float | None = None) -> dict:
    return measure([PY, str(Path(__file__)), "--child", task, str(src), str(out)], cap, memory_cap_mb=memory_cap_mb)


#: Runs longer than this are not repeated (``--once-above``): on a run of a minute or more the
#: disturbance by other work is a few per cent, and the bounds in question are ratios of 3 or 10.
ONCE_ABOVE = 60.0


def best(runs: int, fn, *args, once_above: float | None = None) -> dict:
    """The fastest of ``runs`` measurements (the least disturbed by other work on the
    machine), with every time kept. A run that fails, is stopped, or takes longer than
    ``once_above`` seconds (default :data:`ONCE_ABOVE`) is not repeated."""
    once_above = ONCE_ABOVE if once_above is None else once_above
    results = [fn(*args)]
    while len(results) < max(1, runs):
        last = results[-1]
        if last.get("seconds") is None or last.get("failed") or last["seconds"] > once_above:
            break
        results.append(fn(*args))
    timed = [r for r in results if r.get("seconds") is not None and not r.get("failed")]
    if not timed:
        return results[-1]
    out = dict(min(timed, key=lambda r: r["seconds"]))
    if len(results) > 1:
        out["runs"] = [r.get("seconds") for r in results]
        out["peak_mb"] = max((r["peak_mb"] for r in timed if r.get("peak_mb")), default=None)
    return out


def kpi_recalc(src: Path, out: Path, cap: float | None = None, memory_cap_mb: float | None = None) -> dict:
    return measure([PY, "-m", "kpi_udfs.cli", "recalc", str(src), "-o", str(out), "--force"], cap,
                   memory_cap_mb=memory_cap_mb)


def kpi_new(template: str, staff: int, out: Path, cap: float | None = None, memory_cap_mb: float | None = None) -> dict:
    """``kpi new TEMPLATE --staff N -o OUT``, the whole command."""
    return measure([PY, "-m", "kpi_udfs.cli", "new", template, "--staff", str(staff), "-o", str(out), "--force"],
                   cap, memory_cap_mb=memory_cap_mb)


def libreoffice(src: Path, outdir: Path, profile: Path, cap: float | None = None) -> dict:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return {"seconds": None, "skipped": "soffice not installed (apt-get install libreoffice-calc-nogui)"}
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "xlsx", "--outdir", str(outdir), str(src)]
    result = measure(cmd, cap)
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


def run_synthetic(args, work: Path, profile: Path | None) -> dict:
    """The synthetic appraisal sheet at ``--sizes`` staff against the floor, the
    cell-by-cell evaluation and LibreOffice; the quadratic variant; the batch."""
    from workbooks import FORMULA_COLUMNS, appraisal_workbook

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
    return {"results": results, **({"batch": batch} if batch else {})}


# -- the templates ----------------------------------------------------------------------------


def discover_templates(only: list[str] | None = None) -> tuple[list[str], list[str]]:
    """The templates ``kpi new`` builds (its own list, so that templates added later are
    measured too), and the workbooks of templates/ it does not know (reported, not measured)."""
    from kpi_udfs import templates

    known = templates.names()
    folder = sorted(p.stem for p in (REPO / "templates").glob("*.xlsx"))
    unknown = [f for f in folder if f.lower() not in {k.lower() for k in known}]
    if only:
        wanted = {o.lower() for o in only}
        known = [k for k in known if k.lower() in wanted]
    return known, unknown


def formula_cells(book: Path) -> int:
    """Cells holding a formula (an ``<f>`` element) in every worksheet of a package."""
    import re
    import zipfile

    with zipfile.ZipFile(book) as z:
        return sum(len(re.findall(rb"<f[\s>/]", z.read(n))) for n in z.namelist()
                   if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def run_templates(args, work: Path, profile: Path | None) -> dict:
    """Every template at ``--template-sizes`` staff: ``kpi new`` (which writes the workbook
    the other measurements read), the floor, ``kpi recalc`` and LibreOffice on that file."""
    names, unknown = discover_templates(args.templates)
    cap, mem = args.template_cap, args.memory_cap_mb
    rows = []
    for name in names:
        for n in args.template_sizes:
            print(f"— {name}, {n:,} staff", flush=True)
            book = work / f"{name}_{n}.xlsx"
            book.unlink(missing_ok=True)
            row: dict = {"template": name, "staff": n}
            row["kpi_new"] = best(args.repeat, kpi_new, name, n, book, cap, mem)
            print("  kpi new      ", row["kpi_new"], flush=True)
            if row["kpi_new"].get("seconds") is None or row["kpi_new"].get("failed") or not book.exists():
                # the same workbook without its values, so that the rest is still measured
                row["input"] = "built without recalculation (kpi new did not finish)"
                row["build"] = child("build", f"{name}:{n}", book, cap)
                print("  build        ", row["build"], flush=True)
                if not book.exists():
                    row["input"] = "none: the workbook could not be built"
                    rows.append(row)
                    continue
            row["formula_cells"] = formula_cells(book)
            row["floor"] = best(args.repeat, child, "floor", book, work / "floor.xlsx", cap)
            print("  floor        ", row["floor"], flush=True)
            row["kpi_recalc"] = best(args.repeat, kpi_recalc, book, work / "recalc.xlsx", cap, mem)
            print("  kpi recalc   ", row["kpi_recalc"], flush=True)
            if profile is not None:
                outdir = work / "lo_templates"
                outdir.mkdir(exist_ok=True)
                row["libreoffice"] = best(args.repeat, libreoffice, book, outdir, profile, cap)
            else:
                row["libreoffice"] = {"seconds": None, "skipped": "--no-libreoffice"}
            print("  LibreOffice  ", row["libreoffice"], flush=True)
            rows.append(row)
            if not args.keep:
                book.unlink(missing_ok=True)
    return {"results": rows, "not_in_kpi_new": unknown, "cap": cap, "memory_cap_mb": mem,
            "once_above": args.once_above}


# -- the peers, whole process -------------------------------------------------------------------

#: The workbook of issue 15's table that the shared corpus holds.
ARABIC_ROMAN = "IronCalc__xlsx__tests__calc_tests__MATH_AND_TRIGONOMETRY__ARABIC_ROMAN.xlsx"


def run_peers(args, work: Path, profile: Path | None) -> dict:
    """`kpi recalc`, LibreOffice, formualizer and IronCalc, each as a whole process, on
    the IronCalc ARABIC_ROMAN book of the corpus and on the synthetic sheet written with
    Excel's functions only (the peers have no KPI_ functions)."""
    from workbooks import FORMULA_COLUMNS, appraisal_workbook

    from kpi_udfs.recalc.conformance import corpus_dir

    books = []
    arabic = corpus_dir() / ARABIC_ROMAN
    if arabic.exists():
        books.append(("IronCalc ARABIC_ROMAN test book (shared corpus)", arabic, None))
    n = args.peer_staff
    native = appraisal_workbook(work / f"staff{n}_native.xlsx", n, native=True)
    books.append((f"bench sheet, {n:,} staff, Excel functions only", native, n * FORMULA_COLUMNS))
    cap = args.template_cap
    rows = []
    for label, book, cells in books:
        print(f"— {label}", flush=True)
        row: dict = {"workbook": label, "file": book.name, "formula_cells": cells or formula_cells(book)}
        outs = {}
        for key, run, task in (("kpi_recalc", kpi_recalc, None), ("formualizer", child, "formualizer"),
                               ("formualizer_api", child, "formualizer_api"), ("ironcalc", child, "ironcalc")):
            out = work / f"{key}_{book.name}"
            how = (book, out, cap) if task is None else (task, book, out, cap)
            row[key] = best(args.repeat, run, *how, once_above=args.once_above)
            outs[key] = out
            print(f"  {key:12}", row[key], flush=True)
        if profile is not None:
            outdir = work / "lo_peers"
            outdir.mkdir(exist_ok=True)
            row["libreoffice"] = best(args.repeat, libreoffice, book, outdir, profile, cap, once_above=args.once_above)
            outs["libreoffice"] = outdir / book.name
        else:
            row["libreoffice"] = {"seconds": None, "skipped": "--no-libreoffice"}
        print("  libreoffice ", row["libreoffice"], flush=True)
        if cells and outs["kpi_recalc"].exists():  # the bench sheet: do the others compute what we do?
            for key in ("formualizer", "ironcalc", "libreoffice"):
                if row[key].get("seconds") and outs[key].exists():
                    try:
                        row[key]["agreement"] = agreement(outs["kpi_recalc"], outs[key])
                    except Exception as exc:  # an output openpyxl cannot read
                        row[key]["agreement_failed"] = f"{type(exc).__name__}: {exc}"[:200]
        rows.append(row)
    versions = {}
    for name in ("formualizer", "ironcalc"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:
            versions[name] = "not installed"
    return {"results": rows, "versions": versions, "once_above": args.once_above}


# -- the whole corpus ---------------------------------------------------------------------------


def run_corpus(args, work: Path, profile: Path | None) -> dict:
    """``kpi recalc CORPUS -o OUT -j 2`` over the whole shared conformance corpus, one
    command as a user runs it on a folder (issue 10: it must get faster, at the same
    conformance rate). A workbook the command refuses or fails on does not stop it: the
    exit code and the command's last lines are kept."""
    from kpi_udfs.recalc.conformance import corpus_dir

    corpus = corpus_dir()
    books = sorted(corpus.glob("*.xls[xm]"))
    out = work / "corpus_out"
    out.mkdir(exist_ok=True)
    print(f"— kpi recalc on {len(books)} workbooks of {corpus}, -j {args.corpus_jobs}", flush=True)
    cmd = [PY, "-m", "kpi_udfs.cli", "recalc", str(corpus), "-o", str(out), "-j", str(args.corpus_jobs)]
    m = measure(cmd, args.corpus_cap, memory_cap_mb=None)
    code = m.pop("failed", None)  # refused or failed workbooks make the exit code non-zero
    m["exit"] = code.split(":", 1)[0] if code else "exit 0"
    m["last_line"] = code.split(":", 1)[1].strip() if code else ""
    m["written"] = len(list(out.glob("*.xls[xm]")))
    print("  ", m, flush=True)
    return {"result": m, "workbooks": len(books), "jobs": args.corpus_jobs, "cap": args.corpus_cap}


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
        "| LibreOffice (native formulas) | `kpi recalc` faster by | cell by cell (no whole blocks) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        k, lo, fl = r["kpi_recalc"], r["libreoffice"], r["floor"]
        ratio = f"{k['seconds'] / fl['seconds']:.2f}" if k.get("seconds") and fl.get("seconds") else "—"
        lines.append(
            f"| {r['staff']:,} | {r['formula_cells']:,} | {_s(fl)} | {_s(k)} | {ratio} | {_mb(k)} "
            f"| {_s(lo)} | {_x(k, lo)} | {_s(r['cell_by_cell'])} |"
        )
    lines += ["", "Growth with staff count: seconds per 1,000 more staff between one size and the next "
              "(constant when time is linear; the start-up cost falls out):", "",
              "| staff | floor | `kpi recalc` | quadratic sheet (`kpi recalc`) | LibreOffice |",
              "|---:|---:|---:|---:|---:|"]
    for prev, r in zip(rows, rows[1:], strict=False):
        per = []
        for key in ("floor", "kpi_recalc", "quadratic", "libreoffice"):
            a, b = prev[key].get("seconds"), r[key].get("seconds")
            per.append(f"{(b - a) / (r['staff'] - prev['staff']) * 1000:.3f}" if a and b else "—")
        lines.append(f"| {prev['staff']:,} → {r['staff']:,} | " + " | ".join(per) + " |")
    lines += ["", "Quadratic formulas (`=COUNTIF($R$2:$R$n,R2)` and `=RANK.EQ(R2,$R$2:$R$n)` in every row, "
              "16 formula columns):", "", "| staff | `kpi recalc` | peak memory |", "|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['staff']:,} | {_s(r['quadratic'])} | {_mb(r['quadratic'])} |")
    notes = []
    for r in rows:
        for key in ("cell_by_cell", "libreoffice"):
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
    lines.append(f"{verdict} Times: {runs}. Peak memory: the sum of the peaks of the processes alive together "
                 f"(the loop and one command; the command and its pool workers). The batch outputs equal the single-run outputs byte for byte, "
                 f"part by part, in {o['identical']} of {o['workbooks']} workbooks.")
    lines += [f"- outputs differ: {d}" for d in o.get("differ", [])]
    for m, what in ((s, "single runs"), (p, "batch run")):
        if m.get("failed"):
            lines.append(f"- {what}: failed ({m['failed'][:200]}).")
    return lines


def _t(m: dict | None) -> str:
    """A measurement for the tables: its time, or why there is none."""
    if not m:
        return "—"
    if m.get("seconds") is not None and not m.get("failed"):
        return f"{m['seconds']:.2f} s"
    if "capped" in m:
        held = f", {m['rss_at_stop_mb'] / 1024:.1f} GB held" if m.get("rss_at_stop_mb") else ""
        return f"> {m['capped']:.0f} s (stopped{held})"
    if "memory_capped" in m:
        return f"> {m['memory_capped'] / 1024:.1f} GB (stopped after {m['stopped_after']:.0f} s)"
    if m.get("failed"):
        return "failed"
    return "—"


def _ratio(a: dict | None, b: dict | None) -> str:
    """``a`` ÷ ``b`` (a lower bound when ``a`` was stopped)."""
    if not a or not b or not b.get("seconds"):
        return "—"
    if a.get("seconds") is not None and not a.get("failed"):
        return f"{a['seconds'] / b['seconds']:.2f}"
    if "capped" in a:
        return f"> {a['capped'] / b['seconds']:.0f}"
    if "memory_capped" in a:
        return f"> {a['stopped_after'] / b['seconds']:.0f}"
    return "—"


def _peak(m: dict | None) -> str:
    if not m:
        return "—"
    if m.get("peak_mb"):
        return f"{m['peak_mb']:,.0f} MB"
    if m.get("rss_at_stop_mb"):
        return f"≥ {m['rss_at_stop_mb']:,.0f} MB"
    return "—"


def _header(data: dict) -> list[str]:
    return [f"Command: `{data['command']}`  ", f"Run: {data['date']} on {data['machine']}.", ""]


def templates_markdown(data: dict) -> str:
    rows = data["results"]
    lines = _header(data) + [
        "| template | staff | formula cells | floor (openpyxl load + save) | `kpi new` | ÷ floor | peak memory "
        "| `kpi recalc` | ÷ floor | peak memory | LibreOffice |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        new, rec, fl = r.get("kpi_new"), r.get("kpi_recalc"), r.get("floor")
        cells = f"{r['formula_cells']:,}" if r.get("formula_cells") else "—"
        lines.append(f"| {r['template']} | {r['staff']:,} | {cells} | {_t(fl)} | {_t(new)} | {_ratio(new, fl)} "
                     f"| {_peak(new)} | {_t(rec)} | {_ratio(rec, fl)} | {_peak(rec)} | {_t(r.get('libreoffice'))} |")
    # growth: the time for N2 staff against N1's, and what linear growth from N1 would give
    lines += ["", "Growth with staff count, per template: the time at the larger size ÷ the time at the smaller "
              "(the staff ratio if time is linear and start-up negligible; less when start-up counts; "
              "more when time grows faster than the staff count):", "",
              "| template | staff | floor | `kpi new` | `kpi recalc` |", "|---|---|---:|---:|---:|"]
    by_name: dict[str, list[dict]] = {}
    for r in rows:
        by_name.setdefault(r["template"], []).append(r)
    for name, rs in by_name.items():
        for a, b in zip(rs, rs[1:], strict=False):
            cells = [_ratio(b.get(k), a.get(k)) for k in ("floor", "kpi_new", "kpi_recalc")]
            cells = [f"{c} ×" if c != "—" else c for c in cells]
            lines.append(f"| {name} | {a['staff']:,} → {b['staff']:,} (× {b['staff'] / a['staff']:g}) | "
                         + " | ".join(cells) + " |")
    notes = []
    for r in rows:
        if r.get("input"):
            notes.append(f"{r['template']}, {r['staff']:,} staff: the floor, `kpi recalc` and LibreOffice read the "
                         f"workbook {r['input']}.")
        for key in ("kpi_new", "kpi_recalc", "floor", "libreoffice"):
            m = r.get(key) or {}
            if m.get("failed"):
                notes.append(f"{r['template']}, {r['staff']:,} staff, {key}: failed ({m['failed'][:200]}).")
    if data.get("not_in_kpi_new"):
        notes.append("In templates/ but not in `kpi new`'s list (not measured): " + ", ".join(data["not_in_kpi_new"]) + ".")
    notes.append(f"Limits: each run stopped after {data['cap']:.0f} s or above {data['memory_cap_mb'] / 1024:.1f} GB "
                 f"resident; best of {data.get('repeat', 3)}, but a run over {data['once_above']:.0f} s is not repeated. "
                 "LibreOffice has no KPI_ functions: it computes the Excel functions of the same file and leaves "
                 "`#NAME?` in the KPI_ cells.")
    lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def corpus_markdown(data: dict) -> str:
    m = data["result"]
    lines = _header(data) + [
        "| workbooks | workers | `kpi recalc FOLDER -o OUT` | peak memory (the command and its workers) | exit "
        "| outputs written |",
        "|---:|---:|---:|---:|---|---:|",
        f"| {data['workbooks']} | {data['jobs']} | {_t(m)} | {_peak(m)} | {m.get('exit', '—')} | {m.get('written', '—')} |",
    ]
    if m.get("last_line"):
        lines += ["", f"- The command's last line: {m['last_line'][:300]}"]
    return "\n".join(lines) + "\n"


def peers_markdown(data: dict) -> str:
    v = data.get("versions", {})
    cols = [("kpi_recalc", "`kpi recalc`"), ("libreoffice", "LibreOffice"),
            ("formualizer", f"formualizer {v.get('formualizer', '')}"),
            ("formualizer_api", "formualizer, load + evaluate only"), ("ironcalc", f"IronCalc {v.get('ironcalc', '')}")]
    lines = _header(data) + [
        "| workbook | formula cells | " + " | ".join(c for _, c in cols) + " | `kpi recalc` ÷ LibreOffice |",
        "|---|---:|" + "---:|" * (len(cols) + 1),
    ]
    notes = []
    for r in data["results"]:
        cells = [f"{_t(r.get(k))} ({_peak(r.get(k))})" for k, _ in cols]
        lines.append(f"| {r['workbook']} | {r['formula_cells']:,} | " + " | ".join(cells)
                     + f" | {_ratio(r.get('kpi_recalc'), r.get('libreoffice'))} |")
        for k, label in cols:
            m = r.get(k) or {}
            if m.get("failed"):
                notes.append(f"{r['workbook']}, {label}: failed ({m['failed'][:240]}).")
            if m.get("agreement"):
                a = m["agreement"]
                notes.append(f"{r['workbook']}, {label}: its values equal `kpi recalc`'s in {a['same']:,} of "
                             f"{a['cells']:,} formula cells of the Staff sheet.")
    runs = f"best of {data.get('repeat', 3)}" + (f", a run over {data['once_above']:.0f} s not repeated"
                                                 if data.get("once_above", 1e9) < 1e4 else "")
    notes.append(f"Whole process each ({runs}): Python's start-up, loading, computing, writing the workbook with its "
                 "values; peak resident memory in brackets. formualizer: `recalculate_xlsx_file`; \"load + evaluate "
                 "only\": its workbook API (`Workbook.load_path`, `evaluate_all`), nothing written, as the conformance "
                 "run uses it; IronCalc: `load_from_xlsx`, `evaluate`, `save_to_xlsx`; LibreOffice: `soffice "
                 "--headless --convert-to xlsx` with recalculation on load forced.")
    lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


MARKERS = {"synthetic": "results", "templates": "templates", "peers": "peers", "corpus": "corpus"}


def update_readme(part: str, text: str) -> None:
    """Put ``text`` between the part's markers in bench/README.md (``<!-- results -->`` for
    the synthetic sheet, ``<!-- templates -->``, ``<!-- peers -->``)."""
    path = HERE / "README.md"
    readme = path.read_text()
    start, end = f"<!-- {MARKERS[part]} -->", f"<!-- /{MARKERS[part]} -->"
    if start not in readme or end not in readme:
        readme = readme.rstrip("\n") + f"\n\n{start}\n{end}\n"
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


PARTS = {"synthetic": (run_synthetic, markdown), "templates": (run_templates, templates_markdown),
         "peers": (run_peers, peers_markdown), "corpus": (run_corpus, corpus_markdown)}


def load_results() -> dict:
    """bench/results.json by part (an older file, one run of the synthetic sheet, is that part)."""
    path = HERE / "results.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {"synthetic": data} if "results" in data else data


def main() -> None:
    global ONCE_ABOVE
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, task, src, out = sys.argv
        sys.path.insert(0, str(HERE))
        CHILDREN[task](src, out)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="synthetic,templates,peers,corpus",
                    help="What to measure, comma-separated: synthetic (the benchmark sheet), templates "
                    "(every template of kpi new), peers (LibreOffice, formualizer, IronCalc whole process), "
                    "corpus (kpi recalc on the whole conformance corpus).")
    ap.add_argument("--sizes", default="100,1000,10000", help="Staff counts of the synthetic sheet, comma-separated.")
    ap.add_argument("--template-sizes", default="1000,10000", help="Staff counts of the templates, comma-separated.")
    ap.add_argument("--templates", help="Only these templates, comma-separated (default: every one kpi new knows).")
    ap.add_argument("--template-cap", type=float, default=600.0,
                    help="Seconds after which a run of the templates and peers parts is stopped (default 600).")
    ap.add_argument("--memory-cap-mb", type=float, default=4096.0,
                    help="Resident memory above which a kpi new or kpi recalc run of a template is stopped "
                    "(default 4096 MB; the target is below 1 GB).")
    ap.add_argument("--peer-staff", type=int, default=10000, help="Staff of the bench sheet in the peers part.")
    ap.add_argument("--corpus-jobs", type=int, default=2, help="kpi recalc -j on the corpus (default 2).")
    ap.add_argument("--corpus-cap", type=float, default=3600.0, help="Seconds after which the corpus run is stopped.")
    ap.add_argument("--once-above", type=float, default=ONCE_ABOVE,
                    help=f"A run longer than this many seconds is not repeated (default {ONCE_ABOVE:g}).")
    ap.add_argument("--cell-by-cell-max", type=int, default=1000,
                    help="Largest staff count run cell by cell.")
    ap.add_argument("--cap", type=float, default=600.0, help="Seconds after which a cell-by-cell run is stopped.")
    ap.add_argument("--repeat", type=int, default=3,
                    help="Runs of each measurement (floor, kpi recalc, kpi new, LibreOffice, peers, both sides "
                    "of the batch); the fastest counts.")
    ap.add_argument("--no-libreoffice", action="store_true", help="Leave LibreOffice out.")
    ap.add_argument("--batch", type=int, default=20,
                    help="Workbooks in the batch measurement (single runs in a row against one "
                    "kpi recalc FOLDER -j cores); 0 skips it. --repeat applies.")
    ap.add_argument("--batch-staff", type=int, default=1000, help="Staff in each workbook of the batch.")
    ap.add_argument("--keep", action="store_true", help="Keep the workbooks and outputs (path printed).")
    ap.add_argument("--readme", action="store_true", help="Write the tables into bench/README.md.")
    args = ap.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.template_sizes = [int(s) for s in args.template_sizes.split(",") if s.strip()]
    args.templates = [t.strip() for t in args.templates.split(",")] if args.templates else None
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        ap.error(f"unknown parts: {', '.join(unknown)} (known: {', '.join(PARTS)})")
    ONCE_ABOVE = args.once_above
    sys.path.insert(0, str(HERE))
    compile_bytecode()
    work = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    profile = prepare_libreoffice(work) if not args.no_libreoffice else None
    stored = load_results()
    try:
        for part in parts:
            run_part, render = PARTS[part]
            data = run_part(args, work, profile)
            data.update({
                "command": "python bench/run.py " + " ".join(sys.argv[1:]),
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                f"load average {os.getloadavg()[0]:.1f} at the end",
                "repeat": args.repeat,
            })
            stored[part] = data
            (HERE / "results.json").write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
            text = render(data)
            print(text)
            if args.readme:
                update_readme(part, text)
    finally:
        if args.keep:
            print(f"workbooks and outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
