"""The function reference (docs/FUNCTIONS.md and ``kpi functions NAME``), from the registry."""

from __future__ import annotations

from .registry import KpiFunction, catalogue

_SHAPES = {
    "each": "one per employee (cell, column or row)",
    "record": "one row of items per employee",
    "list": "a whole list (table)",
    "scalar": "one setting",
}


def function_markdown(fn: KpiFunction) -> str:
    lines = [f"### `{fn.signature()}`", "", fn.help, "", "| Argument | Takes | Help |", "|---|---|---|"]
    for p in fn.params:
        takes = _SHAPES[p.shape] + (f"; one of {', '.join(p.choices)}" if p.choices else "")
        lines.append(f"| `{p.name}` | {takes} | {p.help} |")
    lines += ["", f"**Returns:** {fn.returns}", ""]
    return "\n".join(lines)


def reference_markdown() -> str:
    fns = catalogue()
    head = [
        "# KPI_ function reference",
        "",
        "Generated from the registry by `kpi functions --markdown > docs/FUNCTIONS.md`; do not edit by hand.",
        "",
        "Input rules shared by every function: a blank input gives a blank result; numbers stored as",
        'text are read when unambiguous ("52%", "５２％", "1,200"); labels are compared trimmed, full-width',
        "folded, Traditional folded to Simplified and letters upper-cased; anything else is `#VALUE!` naming",
        "the argument. An error arriving as input propagates. In an array call each row succeeds or fails",
        "on its own. Boundaries are compared with a 1e-9 tolerance.",
        "",
        "| Function | What it does |",
        "|---|---|",
    ]
    head += [f"| [`{f.name}`](#{f.name.lower()}) | {f.help} |" for f in fns]
    body = []
    for f in fns:
        body += ["", f'<a id="{f.name.lower()}"></a>', "", function_markdown(f)]
    return "\n".join(head + body) + "\n"


def function_renderable(fn: KpiFunction):
    """One function as a terminal shows it (``kpi functions NAME``): the signature, what it
    does, a table of arguments and what it returns. Text folds rather than being cut, so a
    Chinese phrase (which has no spaces to wrap at) is shown whole on a narrow terminal."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=True, expand=True)
    table.add_column("Argument", style="bold cyan", no_wrap=True)  # names are short: never split
    table.add_column("Takes", overflow="fold", ratio=2)
    table.add_column("Help", overflow="fold", ratio=3)
    for p in fn.params:
        takes = _SHAPES[p.shape] + (f"; one of {', '.join(p.choices)}" if p.choices else "")
        table.add_row(Text(p.name), Text(takes), Text(p.help))
    return Group(
        Text(fn.signature(), style="bold", overflow="fold"),
        Text(""),
        Text(fn.help, overflow="fold"),
        table,
        Text.assemble(("Returns: ", "bold"), fn.returns, overflow="fold"),
    )
