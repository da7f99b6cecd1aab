"""The one-page report of ``kpi adopt`` (Markdown, saved beside the output) and its console summary."""

from __future__ import annotations

from typing import Any

from .band_tables import show
from .formula_render import sheet_prefix
from .lint import ranges

#: Most lines a list of the report shows before "… and N more" (the report stays one page).
SHOWN = 12


def _value(v: Any) -> str:
    return "blank" if v is None or v == "" else show(v)


def _clip(text: str, n: int = 110) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _more(items: list, shown: int = SHOWN) -> str:
    return f"\n- … and {len(items) - shown} more" if len(items) > shown else ""


def difference_lines(result) -> list[str]:
    """Differences grouped by sheet and row: "售后考核 row 13: R13 "待定" → #N/A (reason)"."""
    by_row: dict[tuple[str, int], list] = {}
    for d in result.differences:
        by_row.setdefault((d.sheet, d.row), []).append(d)
    lines = []
    for (sheet, row), ds in by_row.items():
        parts = []
        for d in ds:
            why = f" ({_clip(d.reason, 70)})" if d.reason else ""
            if not why and (d.new is None or d.new == ""):
                why = " (a blank value: KPI_ functions leave its row blank)"
            parts.append(f"{d.cell} {_value(d.old)} → {_value(d.new)}{why}")
        lines.append(f"{sheet} row {row}: " + "; ".join(parts))
    return lines


def markdown(result) -> str:
    lint = result.lint
    blocks = len(lint.blocks)
    moved = sum(len(t.blocks) for t in result.tables)
    out = [f"# kpi adopt: {result.source.name} → {result.output.name}", ""]
    verdict = ("every original value is reproduced" if not result.differences
               else f"**{len(result.differences)} cell(s) differ** (listed below)")
    if result.unsaved:
        verdict += (f"; {result.unsaved:,} formula cell(s) had no saved value and were not compared (run kpi recalc "
                    "on the original first)")
    out += [
        f"- kpi lint found {blocks} block(s) of hand-written band logic and {len(lint.defects)} defect(s); "
        f"{moved} block(s) now call KPI_ functions ({result.cells_rewritten:,} cells rewritten), "
        f"{len(result.refused)} left as they were.",
        f"- Sheet **{result.rules_sheet}** holds {len(result.tables)} table(s) with named ranges and one policy cell "
        "per setting; each policy reproduces today's behaviour (its note says how to change it deliberately).",
        f"- Recalculated with the engine: {result.compared:,} formula cells compared with the values the original "
        f"shows: {verdict}.",
        "",
        "## Tables on the Rules sheet",
        "",
        "| Table | Function | Used by | Policies |",
        "|---|---|---|---|",
    ]
    for t in result.tables:
        used = ", ".join(f"{sheet_prefix(b.sheet)}{ranges(b.col, b.rows)}" for b in t.blocks)
        policies = "; ".join(f"{name} = {value}" for name, value, _ in t.policies)
        out.append(f"| {t.name} | {t.function} | {_clip(used, 60)} | {policies} |")
    out += [f"- {x}" for x in result.notes[:SHOWN]]
    out += ["", "## Defects found by kpi lint (kpi check on the output shows them on the Rules sheet)", ""]
    defects = lint.defects
    for f in defects[:SHOWN]:
        rows = f" — {f.rows_count} row(s) now" if f.rows_count else ""
        out.append(f"- **{f.kind}** {sheet_prefix(f.sheet)}{f.cells}: {_clip(f.message, 150)}{rows}")
    out.append(_more(defects) if defects else "- none")
    out += ["", "## Before → after (first cell of each block)", "", "| Cell | Before | After |", "|---|---|---|"]
    for sheet, cell, old, new in result.examples[:SHOWN]:
        out.append(f"| {sheet_prefix(sheet)}{cell} | `{_clip(old, 70)}` | `{_clip(new, 70)}` |")
    if len(result.examples) > SHOWN:
        out.append(f"| … | {len(result.examples) - SHOWN} more | |")
    out += ["", "## Values that differ after the adoption", ""]
    lines = difference_lines(result)
    out += [f"- {line}" for line in lines[:SHOWN]] or ["- none: every formula cell gives the value it gave before"]
    if lines:
        out.append(_more(lines))
    if result.engine_differences:
        out.append(f"- ({len(result.engine_differences)} other cell(s) differ from their saved values already in "
                   "the original, as the engine computes them: not caused by the adoption)")
    limits = result.limits
    refused = [f"{sheet_prefix(b.sheet)}{ranges(b.col, b.rows)}: {why}" for b, why in result.refused]
    if limits or refused:
        out += ["", "## What no policy reproduces, and what was left as it was", ""]
        out += [f"- {x}" for x in limits[:SHOWN]]
        out += [f"- not adopted: {x}" for x in refused[:SHOWN]]
    out += ["", "## Next", "",
            f"- `kpi check {result.output.name}`: the defects above, now on the Rules sheet.",
            f"- `kpi recalc {result.output.name}`: recompute after changing a policy or a table.", ""]
    return "\n".join(x for x in out if x is not None)


def write_report(result) -> None:
    result.report_path.write_text(markdown(result), encoding="utf-8")


def print_summary(result, console) -> None:
    from rich.markup import escape

    moved = sum(len(t.blocks) for t in result.tables)
    console.print(f"[bold]{escape(str(result.output))}[/]: {moved} block(s) of band logic moved onto KPI_ functions "
                  f"({result.cells_rewritten:,} cells), {len(result.tables)} table(s) on sheet "
                  f"{escape(result.rules_sheet)}, {len(result.refused)} block(s) left as they were")
    for t in result.tables:
        used = ", ".join(f"{sheet_prefix(b.sheet)}{ranges(b.col, b.rows)}" for b in t.blocks)
        console.print(f"  {t.name:<10} {t.function:<12} {escape(_clip(used, 80))}")
    for b, why in result.refused:
        console.print(f"  [yellow]not adopted[/] {escape(sheet_prefix(b.sheet) + ranges(b.col, b.rows))}: {escape(why)}")
    for x in result.limits:
        console.print(f"  [yellow]not reproducible[/] {escape(x)}")
    for x in result.notes:
        console.print(f"  [dim]{escape(x)}[/]")
    lines = difference_lines(result)
    if lines:
        console.print(f"[bold red]{len(result.differences)} cell(s) differ from the original[/] "
                      f"({result.compared:,} formula cells compared):")
        for line in lines:
            console.print(f"  {escape(line)}")
    elif result.compared:
        console.print(f"[green]✓ every original value reproduced[/] ({result.compared:,} formula cells compared)")
    if result.unsaved:
        console.print(f"[yellow]{result.unsaved:,} formula cell(s) of the original have no saved value: not compared[/] "
                      "(run kpi recalc on the original first to compare them)")
    if result.engine_differences:
        console.print(f"  [dim]{len(result.engine_differences)} cell(s) differ from their saved values already in the "
                      "original (the engine's own computation, not the adoption)[/]")
    console.print(f"[dim]report: {escape(str(result.report_path))}[/]")
