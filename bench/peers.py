"""Peer engines on the conformance corpus: formualizer and IronCalc against Excel, beside `kpi recalc`.

    python bench/peers.py [--timeout 600] [--jobs 2] [--engines formualizer,ironcalc] [BOOK_OR_FOLDER...]
    python bench/peers.py --report-only     # the section again, from bench/peers.json and bench/conformance.json

Each peer recomputes every workbook of the corpus (``../shared/conformance/excel``) in
a worker process of the conformance runner (:mod:`kpi_udfs.recalc.conformance`), with
its per-workbook time limit, and its values go through the runner's own inventory,
scoping and comparison, the code that measures `kpi recalc`: same formula cells, same
out-of-scope cells, same tolerances. A workbook a peer refuses, fails on or does not
finish in time counts as not matching, under that status.

* **formualizer** (Rust, Python bindings): ``Workbook.load_path`` (with the workbook's
  date system), ``evaluate_all``, then ``inspect_cell`` of every formula cell; loading
  and evaluating are timed. (Its ``recalculate_xlsx_*`` calls refuse a whole workbook
  when one value cannot be written back as a cached value.)
* **IronCalc** (Rust, Python bindings): ``ironcalc.load_from_xlsx``, ``Model.evaluate``,
  then ``get_cell_value``/``get_cell_type`` of every formula cell; loading and evaluating
  are timed.

Results go to bench/peers.json; the side-by-side section of bench/CONFORMANCE.md (between
``<!-- peers -->`` markers, kept by the full conformance run) is rendered from it and
from bench/conformance.json, `kpi recalc`'s full run. After a new full run of ours,
``--report-only`` brings the section up to date without running the peers again.
Not part of the test suite; needs ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from kpi_udfs.recalc import conformance as conf

HERE = Path(__file__).resolve().parent
PEERS_JSON = HERE / "peers.json"
KPI_JSON = HERE / "conformance.json"


# -- the engines (run inside the runner's worker processes) ------------------------------


#: formualizer's error kinds → Excel's codes (its own kinds, #N/IMPL! and the like, kept as they are).
FZ_ERRORS = {"Div": "#DIV/0!", "Na": "#N/A", "Name": "#NAME?", "Num": "#NUM!", "Value": "#VALUE!", "Ref": "#REF!",
             "Null": "#NULL!", "Spill": "#SPILL!", "Calc": "#CALC!", "Circ": "#CIRC!", "NImpl": "#N/IMPL!",
             "Error": "#ERROR!", "Cancelled": "#CANCELLED!"}  # fmt: skip
_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(?:1|true)\"")


def _value(v: Any) -> Any:
    """A peer's value in the runner's JSON form (what the runner reads as Excel's cached value)."""
    if isinstance(v, list):  # an array left in one cell: Excel shows its first element
        while isinstance(v, list):
            v = v[0] if v else None
    if isinstance(v, dict) and v.get("type") == "Error":
        kind = str(v.get("kind"))
        return {"error": FZ_ERRORS.get(kind, f"#{kind.upper()}!")}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else {"error": "#NUM!"}
    return str(v)


def date1904(path: Path) -> bool:
    """The workbook counts dates from 1904 (``<workbookPr date1904="1"/>`` in xl/workbook.xml)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        name = next((n for n in z.namelist() if n.lower() == "xl/workbook.xml"), None)
        return bool(name and _DATE1904.search(z.read(name)[:20000]))


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def formualizer_engine(path: Path, cells: list[tuple[str, str]]):
    """formualizer: load the workbook, evaluate every cell, read each formula cell's value.

    The date system is the workbook's own (formualizer's loader leaves it at 1900 unless
    told; its ``recalculate_xlsx_*`` calls read it from the file but refuse whole workbooks
    over a value they cannot write back, such as their own ``#N/IMPL!``). Values are read
    with ``inspect_cell``, which gives dates as serial numbers at full precision
    (``get_value`` gives a ``datetime`` rounded to the second).
    """
    import formualizer as fz

    t0 = time.perf_counter()
    config = fz.EvaluationConfig()
    if date1904(path):
        config.date_system = "1904"
    book = fz.Workbook.load_path(str(path), config=fz.WorkbookConfig(eval_config=config))
    book.evaluate_all()
    seconds = time.perf_counter() - t0
    values = {}
    for sheet, ref in cells:
        try:
            v = book.inspect_cell(f"{_quoted(sheet)}!{ref}").cell.value
        except Exception:  # a sheet it did not load: the cell counts as not computed
            continue
        values[(sheet, ref)] = (_value(v), "")
    return values, seconds


def ironcalc_engine(path: Path, cells: list[tuple[str, str]]):
    """IronCalc: load, evaluate, read every formula cell's value."""
    import ironcalc
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    t0 = time.perf_counter()
    model = ironcalc.load_from_xlsx(str(path))
    model.evaluate()
    seconds = time.perf_counter() - t0
    index = {p["name"]: i for i, p in enumerate(model.get_worksheets_properties())}
    values = {}
    for sheet, ref in cells:
        i = index.get(sheet)
        if i is None:
            continue
        col, row = coordinate_from_string(ref)
        c = column_index_from_string(col)
        v = model.get_cell_value(i, row, c)
        if model.get_cell_type(i, row, c) == ironcalc.CellType.ErrorValue:
            values[(sheet, ref)] = ({"error": str(v)}, "")
        else:
            values[(sheet, ref)] = (_value(v), "")
    return values, seconds


ENGINES = {"formualizer": formualizer_engine, "ironcalc": ironcalc_engine}
LABELS = {"kpi": "`kpi recalc`", "formualizer": "formualizer", "ironcalc": "IronCalc"}


def engine_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# -- running ------------------------------------------------------------------------------


def _compact(r: dict) -> dict:
    """One workbook's result as stored: figures and the mismatching cells with their cause."""
    keep = ("file", "status", "detail", "cells", "compared", "matched", "out_of_scope", "causes", "functions",
            "engine_seconds", "seconds", "date1904")
    out = {k: r[k] for k in keep if k in r}
    if "detail" in out:
        out["detail"] = out["detail"].strip().splitlines()[0][:300] if out["detail"].strip() else ""
    missed: dict[str, dict[str, list[str]]] = {}
    for m in r.get("missed", []):
        sheet, _, ref = m["cell"].rpartition("!")
        missed.setdefault(m["cause"], {}).setdefault(sheet, []).append(ref)
    out["missed"] = {cause: {sheet: " ".join(refs) for sheet, refs in sheets.items()} for cause, sheets in missed.items()}
    out["examples"] = r.get("examples", [])[:5]
    return out


def missed_cells(r: dict) -> set[str]:
    """The mismatching cells of a stored peer result, as "Sheet!A1"."""
    return {f"{sheet}!{ref}" for sheets in r.get("missed", {}).values() for sheet, refs in sheets.items()
            for ref in refs.split()}  # fmt: skip


def run_peers(files: list[Path], engines: list[str], timeout: float, jobs: int, memory_mb: int, quiet: bool) -> dict:
    out = {}
    for name in engines:
        print(f"— {name} {engine_version(name)}: {len(files)} workbooks", flush=True)
        t0 = time.monotonic()
        log = None if quiet else (lambda m: print("  " + m, flush=True))
        results = conf.run(files, timeout=timeout, jobs=jobs, memory_mb=memory_mb, log=log, engine=ENGINES[name])
        seconds = time.monotonic() - t0
        summary = conf.summarize(results)
        summary["seconds"] = round(seconds, 1)
        summary["timeout"] = timeout
        print(f"  {summary['matched']:,} of {summary['compared']:,} ({summary['match_rate'] * 100:.2f} %), "
              f"{summary['ms_per_cell']:.3f} ms per formula cell, {summary['status']}", flush=True)
        out[name] = {"version": engine_version(name), "summary": summary, "files": [_compact(r) for r in results]}
    return out


# -- the side-by-side report ---------------------------------------------------------------

_STRINGS = re.compile(r'"(?:[^"]|"")*"')
FEATURES = [
    ("whole-column or whole-row reference", re.compile(r"(?<![\w.])\$?[A-Z]{1,3}:\$?[A-Z]{1,3}(?![\w(])|(?<![\w.:$])\$?\d+:\$?\d+(?![\w.])")),
    ("3-D reference (Sheet1:Sheet3!)", re.compile(r"(?:'[^']+:[^']+'|[\w.]+:[\w.]+)!")),
    ("other-sheet reference", re.compile(r"!")),
    ("structured reference (Table[…])", re.compile(r"[\w.]\[")),
    ("error literal (#N/A …) in the formula", re.compile(r"#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!)")),
    ("spill reference (A1#)", re.compile(r"\$?[A-Z]{1,3}\$?\d+#")),
    ("array constant ({1,2})", re.compile(r"\{")),
]


def features(entry: dict, date1904: bool) -> list[str]:
    """What a formula uses beyond its functions (read from its text, string literals left out)."""
    text = _STRINGS.sub('""', entry.get("formula") or "")
    tags = [name for name, rx in FEATURES if rx.search(text)]
    if entry.get("array"):
        tags.append("array formula (CSE or spilled)")
    if date1904:
        tags.append("1904 date system workbook")
    if not entry.get("functions"):
        tags.append("no function (operators and references only)")
    return tags or ["(none of these)"]


def _rate(s: dict) -> str:
    return f"{s['match_rate'] * 100:.2f} %"


def compare(kpi: dict, peers: dict) -> dict:
    """Per workbook and per cell: where each peer matches Excel and `kpi recalc` does not."""
    ours = {r["file"]: r for r in kpi["files"]}
    wins: dict[str, list] = {}  # engine -> [(file, entry)] cells it gets right and we miss
    lost_books: dict[str, Counter] = {}  # engine -> file -> cells it gets right where our run failed
    both = []
    for name, data in peers.items():
        wins[name], lost_books[name] = [], Counter()
        for r in data["files"]:
            k = ours.get(r["file"])
            if k is None or r["status"] != "ok":
                continue
            if k["status"] != "ok":
                lost_books[name][r["file"]] = r["matched"]
                continue
            theirs = missed_cells(r)
            for e in k.get("missed", []):
                if e["cell"] not in theirs:
                    wins[name].append((r["file"], e))
    if len(peers) > 1:
        sets = [{(f, e["cell"]) for f, e in wins[n]} for n in peers]
        common = set.intersection(*sets)
        first = next(iter(peers))
        both = [(f, e) for f, e in wins[first] if (f, e["cell"]) in common]
    return {"wins": wins, "lost_books": lost_books, "both": both}


def by_source(files: dict[str, dict]) -> dict[str, list[str]]:
    """Workbooks by the repository they were collected from (``Repo__path__in__it.xlsx``),
    most compared cells first."""
    out = defaultdict(list)
    for f in files:
        out[f.split("__", 1)[0] if "__" in f else "(other)"].append(f)
    return dict(sorted(out.items(), key=lambda kv: -sum(files[f]["compared"] for f in kv[1])))


def render(kpi: dict, peers: dict, meta: dict) -> str:
    names = list(peers)
    cols = ["kpi", *names]
    slash = " / ".join(LABELS[n] for n in cols)
    ironcalc_own = sum(1 for r in kpi["files"] if r["file"].startswith("IronCalc__"))
    head = " | ".join(f"{LABELS[n]}" + (f" {peers[n]['version']}" if n in peers else "") for n in cols)
    sums = {"kpi": kpi["summary"], **{n: peers[n]["summary"] for n in names}}
    files = {"kpi": {r["file"]: r for r in kpi["files"]}, **{n: {r["file"]: r for r in peers[n]["files"]} for n in names}}
    L = [
        conf.PEERS_START,
        "",
        "## Peer engines side by side",
        "",
        f"Generated by `{meta['command']}` ({meta['date']}, {meta['machine']}); the `kpi recalc` column is the",
        "full run above (bench/conformance.json). The peers' cells go through the same inventory, scoping",
        "and comparison as ours (`kpi_udfs/recalc/conformance.py`): same formula cells, same out-of-scope",
        "cells, same tolerances. formualizer: `Workbook.load_path` with the workbook's date system and",
        "`evaluate_all` (timed), then `inspect_cell` of each formula cell; IronCalc: `load_from_xlsx` and",
        "`evaluate` (timed), then `get_cell_value` of each formula cell. Engine seconds are the in-process",
        "time on each workbook in a warm worker, two workbooks at a time on 2 cores; a workbook that did",
        "not finish counts with the time until it was stopped (a lower bound).",
        "",
        "Read the match rates with the corpus in mind: `kpi recalc` has been developed against this very",
        f"corpus (it is our ratchet), the peers have not, except that {ironcalc_own} of the {len(files['kpi'])} "
        "workbooks come from IronCalc's own test suite (the table by source below).",
        "",
        f"| Figure | {head} |",
        "|---|" + "---:|" * len(cols),
    ]

    def row(label, fn):
        L.append(f"| {label} | " + " | ".join(fn(n) for n in cols) + " |")

    row("Workbooks finished", lambda n: f"{sums[n]['status'].get('ok', 0)} of {sums[n]['files']}")
    row("Did not finish (timeout / crash / out of memory)", lambda n: " / ".join(
        str(sums[n]["status"].get(k, 0)) for k in conf.FAILED))
    row("Compared cells", lambda n: f"{sums[n]['compared']:,}")
    row("Matching Excel", lambda n: f"{sums[n]['matched']:,}")
    row("**Match rate**", lambda n: f"**{_rate(sums[n])}**")
    row("Engine seconds, all workbooks", lambda n: f"{sums[n].get('engine_seconds', 0):,.1f}")
    row("Per formula cell, over the run", lambda n: f"{sums[n].get('ms_per_cell', 0):.3f} ms")
    row("Per formula cell, median workbook", lambda n: f"{sums[n].get('ms_per_cell_median', 0):.3f} ms")
    row("Workbooks above 2 ms per formula cell", lambda n: str(sums[n].get("workbooks_over_2ms_per_cell", "—")))
    row("Wall time of the run", lambda n: f"{sums[n].get('seconds', 0) / 60:.1f} min")

    causes = sorted({c for n in cols for c in sums[n]["mismatch_causes"]},
                    key=lambda c: -max(sums[n]["mismatch_causes"].get(c, 0) for n in cols))
    L += ["", "### Mismatching cells by cause", "", f"| Cause | {head} |", "|---|" + "---:|" * len(cols)]
    for c in causes:
        row(c, lambda n, c=c: f"{sums[n]['mismatch_causes'].get(c, 0):,}")

    L += ["", "### Match rate by source of the workbooks", "",
          "The repository each workbook was collected from (the first part of its name).", "",
          f"| Source | Workbooks | Compared | {head} |", "|---|---:|---:|" + "---:|" * len(cols)]
    for source, books in by_source(files["kpi"]).items():
        compared = sum(files["kpi"][f]["compared"] for f in books)
        rates = []
        for n in cols:
            matched = sum(files[n].get(f, {}).get("matched", 0) for f in books)
            rates.append(f"{100 * matched / compared:.1f} %" if compared else "—")
        L.append(f"| {source} | {len(books)} | {compared:,} | " + " | ".join(rates) + " |")

    cmp = compare(kpi, peers)
    wins, both = cmp["wins"], cmp["both"]
    L += ["", "### Where a peer matches Excel and `kpi recalc` does not", ""]
    for n in names:
        books = {f for f, _ in wins[n]}
        lost = cmp["lost_books"][n]
        L.append(f"- {LABELS[n]}: {len(wins[n]):,} cells in {len(books)} workbooks"
                 + (f", and {sum(lost.values()):,} cells of {len(lost)} workbooks our run did not finish" if lost else "")
                 + ".")
    if len(names) > 1:
        L.append(f"- both peers: {len(both):,} cells in {len({f for f, _ in both})} workbooks.")
    L += ["", "Each table counts those cells: by the cause of our mismatch, by the functions their formula calls "
          "(a cell counts once for each), and by the features of the formula (read from its text).", ""]
    labels = [LABELS[n] for n in names] + (["both peers"] if len(names) > 1 else [])
    sets = [wins[n] for n in names] + ([both] if len(names) > 1 else [])

    def table(title, key, top=None):
        counts = [Counter() for _ in sets]
        for i, cells in enumerate(sets):
            for f, e in cells:
                for k in key(f, e):
                    counts[i][k] += 1
        allk = sorted(set().union(*counts), key=lambda k: (-max(c[k] for c in counts), k))
        if top:
            allk = allk[:top]
        L.extend([f"#### {title}", "", "| | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)])
        L.extend(f"| {k} | " + " | ".join(f"{c[k]:,}" for c in counts) + " |" for k in allk)
        L.append("")

    date1904 = {r["file"] for r in kpi["files"] if r.get("date1904")}
    table("By the cause of our mismatch", lambda f, e: [e["cause"]])
    table("By function (top 40)", lambda f, e: e.get("functions") or ["(no function)"], top=40)
    table("By feature of the formula", lambda f, e: features(e, f in date1904))

    per_book = defaultdict(Counter)
    for i, cells in enumerate(sets):
        for f, _ in cells:
            per_book[f][i] += 1
    L += ["#### Workbooks with the most such cells (top 30)", "",
          "| Workbook | Compared | " + " | ".join(labels) + " |", "|---|---:|" + "---:|" * len(labels)]
    for f, c in sorted(per_book.items(), key=lambda kv: -max(kv[1].values()))[:30]:
        L.append(f"| {f} | {files['kpi'][f]['compared']:,} | " + " | ".join(f"{c[i]:,}" for i in range(len(sets))) + " |")
    L += ["", "#### Examples (cells both peers match; at most 2 per workbook, 30 in all)", ""]
    shown, per = 0, Counter()
    for f, e in (both if len(names) > 1 else wins[names[0]]):
        if shown >= 30 or per[f] >= 2:
            continue
        per[f] += 1
        shown += 1
        formula = e["formula"].replace("|", "\\|")
        L.append(f"- `{f}` {e['cell']} `{formula}`: Excel {e['expected']!r}, ours {e['got']!r} ({e['cause']})")

    # per workbook where the engines differ
    differ = []
    for f, k in files["kpi"].items():
        matched = [files[n].get(f, {}).get("matched", 0) for n in cols]
        if len(set(matched)) > 1:
            differ.append((f, k, matched))
    differ.sort(key=lambda t: -(max(t[2][1:]) - t[2][0]))
    ahead = sum(1 for _, _, m in differ if max(m[1:]) > m[0])
    L += ["", "### Workbooks where the engines differ", "",
          f"{len(differ)} of {len(files['kpi'])} workbooks have different matching counts; a peer matches more cells "
          f"than `kpi recalc` in {ahead}. Listed: those {ahead}, most cells first, then the 20 where we lead most. "
          "Seconds: each engine's own time on the workbook (≥: did not finish).", "",
          f"| Workbook | Compared | Matching: {slash} | Seconds: {slash} |", "|---|---:|---|---|"]

    def secs(n, f):
        r = files[n].get(f)
        if r is None:
            return "—"
        s, lower = conf.engine_time(r)
        return f"{'≥' if lower else ''}{s:.2f}" + ("" if r["status"] == "ok" else f" ({r['status']})")

    listed = [t for t in differ if max(t[2][1:]) > t[2][0]] + sorted(
        (t for t in differ if max(t[2][1:]) <= t[2][0]), key=lambda t: -(t[2][0] - max(t[2][1:])))[:20]
    for f, k, matched in listed:
        L.append(f"| {f} | {k['compared']:,} | " + " / ".join(f"{m:,}" for m in matched) + " | "
                 + " / ".join(secs(n, f) for n in cols) + " |")

    failed = [(n, r) for n in names for r in peers[n]["files"] if r["status"] != "ok"]
    L += ["", "### Workbooks a peer did not finish", "", "| Engine | Workbook | Status | Formula cells | Detail |",
          "|---|---|---|---:|---|"]
    for n, r in failed:
        detail = (r.get("detail") or "").replace("|", "\\|")[:160]
        L.append(f"| {LABELS[n]} | {r['file']} | {r['status']} | {r.get('cells', 0):,} | {detail} |")
    L += ["", conf.PEERS_END]
    return "\n".join(L) + "\n"


def write_report(kpi: dict, peers_data: dict) -> None:
    section = render(kpi, peers_data["engines"], peers_data)
    text = conf.REPORT.read_text(encoding="utf-8") if conf.REPORT.exists() else ""
    if conf.PEERS_START in text and conf.PEERS_END in text:
        i, j = text.index(conf.PEERS_START), text.index(conf.PEERS_END) + len(conf.PEERS_END)
        text = text[:i] + section.rstrip("\n") + text[j:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    conf.REPORT.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="Workbooks or folders (default: the whole conformance corpus).")
    ap.add_argument("--engines", default=",".join(ENGINES), help="Comma-separated: formualizer, ironcalc.")
    ap.add_argument("--timeout", type=float, default=600.0, help="Seconds per workbook (default 600, as the full run).")
    ap.add_argument("--jobs", type=int, default=2, help="Workbooks at once (default 2).")
    ap.add_argument("--memory-mb", type=int, default=6000, help="Memory limit per worker (default 6000 MB).")
    ap.add_argument("--report-only", action="store_true", help="Render the section from bench/peers.json only.")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    kpi = json.loads(KPI_JSON.read_text(encoding="utf-8"))
    if args.report_only:
        data = json.loads(PEERS_JSON.read_text(encoding="utf-8"))
    else:
        engines = [e.strip() for e in args.engines.split(",") if e.strip()]
        unknown = [e for e in engines if e not in ENGINES]
        if unknown:
            print(f"unknown engines: {', '.join(unknown)} (known: {', '.join(ENGINES)})", file=sys.stderr)
            return 2
        files = conf.workbooks(args.files) if args.files else sorted(conf.corpus_dir().glob("*.xls[xm]"))
        data = {
            "command": "python bench/peers.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "engines": run_peers(files, engines, args.timeout, args.jobs, args.memory_mb, args.quiet),
        }
        data["command"] = data["command"].strip()
        if args.files:  # a partial run is printed, not recorded
            for name, d in data["engines"].items():
                print(name, json.dumps({k: v for k, v in d["summary"].items() if k != "mismatch_functions"}, indent=1))
            return 0
        PEERS_JSON.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    write_report(kpi, data)
    print(f"wrote the peers section of {conf.REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
