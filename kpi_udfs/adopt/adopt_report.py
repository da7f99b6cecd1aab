"""The one-page report of ``kpi adopt`` (Markdown, saved beside the output) and its console summary."""

from __future__ import annotations

from typing import Any

from ..i18n import _
from .band_tables import show
from .formula_render import sheet_prefix
from .lint import ranges

#: Most lines a list of the report shows before "… and N more" (the report stays one page).
SHOWN = 12


def _value(v: Any) -> str:
    return _("blank") if v is None or v == "" else show(v)


def _clip(text: str, n: int = 110) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _more(items: list, shown: int = SHOWN) -> str:
    return "\n- " + _("… and {count} more", count=len(items) - shown) if len(items) > shown else ""


def difference_lines(result) -> list[str]:
    """Differences grouped by sheet and row: "售后考核 row 13: R13 "待定" → #N/A (reason)" (in the
    language in force)."""
    by_row: dict[tuple[str, int], list] = {}
    for d in result.differences:
        by_row.setdefault((d.sheet, d.row), []).append(d)
    lines = []
    for (sheet, row), ds in by_row.items():
        parts = []
        for d in ds:
            why = f" ({_clip(d.reason, 70)})" if d.reason else ""
            if not why and (d.new is None or d.new == ""):
                why = " " + _("(a blank value: KPI_ functions leave its row blank)")
            parts.append(f"{d.cell} {_value(d.old)} → {_value(d.new)}{why}")
        lines.append(_("{sheet} row {row}: {cells}", sheet=sheet, row=row, cells="; ".join(parts)))
    return lines


def markdown(result) -> str:
    lint = result.lint
    blocks = len(lint.blocks)
    moved = sum(len(t.blocks) for t in result.tables)
    out = [f"# kpi adopt: {result.source.name} → {result.output.name}", ""]
    verdict = (_("every original value is reproduced") if not result.differences
               else _("**{count} cell(s) differ** (listed below)", count=len(result.differences)))
    if result.unsaved:
        verdict = _("{verdict}; {count} formula cell(s) had no saved value and were not compared (run kpi recalc on "
                    "the original first)", verdict=verdict, count=format(result.unsaved, ","))
    out += [
        "- " + _("kpi lint found {blocks} block(s) of hand-written band logic and {defects} defect(s); {moved} block(s) "
                 "now call KPI_ functions ({cells} cells rewritten), {refused} left as they were.", blocks=blocks,
                 defects=len(lint.defects), moved=moved, cells=format(result.cells_rewritten, ","),
                 refused=len(result.refused)),
        "- " + _("Sheet **{sheet}** holds {tables} table(s) with named ranges and one policy cell per setting; each "
                 "policy reproduces today's behaviour (its note says how to change it deliberately).",
                 sheet=result.rules_sheet, tables=len(result.tables)),
        "- " + _("Recalculated with the engine: {count} formula cells compared with the values the original shows: "
                 "{verdict}.", count=format(result.compared, ","), verdict=verdict),
        "",
        "## " + _("Tables on the Rules sheet"),
        "",
        "| " + _("Table") + " | " + _("Function") + " | " + _("Used by") + " | " + _("Policies") + " |",
        "|---|---|---|---|",
    ]
    for t in result.tables:
        used = ", ".join(f"{sheet_prefix(b.sheet)}{ranges(b.col, b.rows)}" for b in t.blocks)
        policies = "; ".join(f"{name} = {value}" for name, value, _skip in t.policies)
        out.append(f"| {t.name} | {t.function} | {_clip(used, 60)} | {policies} |")
    out += [f"- {x}" for x in result.notes[:SHOWN]]
    out += ["", "## " + _("Defects found by kpi lint (kpi check on the output shows them on the Rules sheet)"), ""]
    defects = lint.defects
    for f in defects[:SHOWN]:
        rows = " — " + _("{count} row(s) now", count=f.rows_count) if f.rows_count else ""
        out.append(f"- **{f.kind}** {sheet_prefix(f.sheet)}{f.cells}: {_clip(f.message, 150)}{rows}")
    out.append(_more(defects) if defects else "- " + _("none"))
    out += ["", "## " + _("Before → after (first cell of each block)"), "",
            "| " + _("Cell") + " | " + _("Before") + " | " + _("After") + " |", "|---|---|---|"]
    for sheet, cell, old, new in result.examples[:SHOWN]:
        out.append(f"| {sheet_prefix(sheet)}{cell} | `{_clip(old, 70)}` | `{_clip(new, 70)}` |")
    if len(result.examples) > SHOWN:
        out.append("| … | " + _("{count} more", count=len(result.examples) - SHOWN) + " | |")
    out += ["", "## " + _("Values that differ after the adoption"), ""]
    lines = difference_lines(result)
    out += [f"- {line}" for line in lines[:SHOWN]] or ["- " + _("none: every formula cell gives the value it gave before")]
    if lines:
        out.append(_more(lines))
    if result.engine_differences:
        out.append("- " + _("({count} other cell(s) differ from their saved values already in the original, as the "
                            "engine computes them: not caused by the adoption)", count=len(result.engine_differences)))
    limits = result.limits
    refused = [f"{sheet_prefix(b.sheet)}{ranges(b.col, b.rows)}: {why}" for b, why in result.refused]
    if limits or refused:
        out += ["", "## " + _("What no policy reproduces, and what was left as it was"), ""]
        out += [f"- {x}" for x in limits[:SHOWN]]
        out += ["- " + _("not adopted: {reason}", reason=x) for x in refused[:SHOWN]]
    out += ["", "## " + _("Next"), "",
            "- " + _("`kpi check {file}`: the defects above, now on the Rules sheet.", file=result.output.name),
            "- " + _("`kpi recalc {file}`: recompute after changing a policy or a table.", file=result.output.name), ""]
    return "\n".join(x for x in out if x is not None)


def write_report(result) -> None:
    result.report_path.write_text(markdown(result), encoding="utf-8")


def print_summary(result, console) -> None:
    from rich.markup import escape

    moved = sum(len(t.blocks) for t in result.tables)
    console.print(escape(_("{file}: {moved} block(s) of band logic moved onto KPI_ functions ({cells} cells), "
                           "{tables} table(s) on sheet {sheet}, {refused} block(s) left as they were",
                           file=str(result.output), moved=moved, cells=format(result.cells_rewritten, ","),
                           tables=len(result.tables), sheet=result.rules_sheet, refused=len(result.refused))))
    for t in result.tables:
        used = ", ".join(f"{sheet_prefix(b.sheet)}{ranges(b.col, b.rows)}" for b in t.blocks)
        console.print(f"  {t.name:<10} {t.function:<12} {escape(_clip(used, 80))}")
    for b, why in result.refused:
        label = _("not adopted")
        console.print(f"  [yellow]{escape(label)}[/] {escape(sheet_prefix(b.sheet) + ranges(b.col, b.rows))}: "
                      f"{escape(why)}")
    for x in result.limits:
        label = _("not reproducible")
        console.print(f"  [yellow]{escape(label)}[/] {escape(x)}")
    for x in result.notes:
        console.print(f"  [dim]{escape(x)}[/]")
    lines = difference_lines(result)
    if lines:
        console.print("[bold red]" + escape(_("{count} cell(s) differ from the original ({compared} formula cells "
                                               "compared):", count=len(result.differences),
                                               compared=format(result.compared, ","))) + "[/]")
        for line in lines:
            console.print(f"  {escape(line)}")
    elif result.compared:
        console.print("[green]" + escape(_("✓ every original value reproduced ({count} formula cells compared)",
                                           count=format(result.compared, ","))) + "[/]")
    if result.unsaved:
        console.print("[yellow]" + escape(_("{count} formula cell(s) of the original have no saved value: not compared "
                                            "(run kpi recalc on the original first to compare them)",
                                            count=format(result.unsaved, ","))) + "[/]")
    if result.engine_differences:
        console.print("  [dim]" + escape(_("{count} cell(s) differ from their saved values already in the original "
                                           "(the engine's own computation, not the adoption)",
                                           count=len(result.engine_differences))) + "[/]")
    console.print("[dim]" + escape(_("report: {path}", path=str(result.report_path))) + "[/]")
