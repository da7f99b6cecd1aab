"""The function reference (docs/FUNCTIONS.md and ``kpi functions NAME``), from the registry,
in the language in force (docs/FUNCTIONS.zh-CN.md and docs/FUNCTIONS.zh-TW.md likewise)."""

from __future__ import annotations

from . import i18n
from .i18n import N_, _, translate
from .registry import KpiFunction, catalogue

_SHAPES = {
    "each": N_("one per employee (cell, column or row)"),
    "record": N_("one row of items per employee"),
    "list": N_("a whole list (table)"),
    "scalar": N_("one setting"),
    "raw": N_("as in the formula"),
}

#: The reference's file in each language (docs/), and the language's name in itself.
FILES = {"en": "FUNCTIONS.md", "zh-CN": "FUNCTIONS.zh-CN.md", "zh-TW": "FUNCTIONS.zh-TW.md"}
NAMES = {"en": "English", "zh-CN": "简体中文", "zh-TW": "繁體中文"}

_RULES = N_(
    "Input rules shared by every function: a blank input gives a blank result; numbers stored as\n"
    'text are read when unambiguous ("52%", "５２％", "1,200"); labels are compared trimmed, full-width\n'
    "folded, Traditional folded to Simplified and letters upper-cased; anything else is `#VALUE!` naming\n"
    "the argument. An error arriving as input propagates. In an array call each row succeeds or fails\n"
    "on its own. Boundaries are compared with a 1e-9 tolerance."
)


def function_markdown(fn: KpiFunction) -> str:
    head = " | ".join([_("Argument"), _("Takes"), _("Help")])
    lines = [f"### `{fn.signature()}`", "", translate(fn.help), "", f"| {head} |", "|---|---|---|"]
    for p in fn.params:
        takes = translate(_SHAPES[p.shape])
        if p.choices:
            takes = _("{takes}; one of {choices}", takes=takes, choices=", ".join(p.choices))
        lines.append(f"| `{p.name}` | {takes} | {translate(p.help)} |")
    lines += ["", _("**Returns:** {returns}", returns=translate(fn.returns)), ""]
    return "\n".join(lines)


def reference_markdown() -> str:
    fns = catalogue()
    lang = i18n.language()
    command = "kpi functions --markdown" if lang == i18n.DEFAULT else f"kpi --lang {lang} functions --markdown"
    others = " · ".join(
        NAMES[code] if code == lang else f"[{NAMES[code]}]({FILES[code]})" for code in i18n.LANGUAGES
    )
    head = [
        "# " + _("KPI_ function reference"),
        "",
        _(
            "Generated from the registry by `{command} > docs/{file}`; do not edit by hand.",
            command=command,
            file=FILES[lang],
        ),
        "",
        others,
        "",
        translate(_RULES),
        "",
        "| " + _("Function") + " | " + _("What it does") + " |",
        "|---|---|",
    ]
    head += [f"| [`{f.name}`](#{f.name.lower()}) | {translate(f.help)} |" for f in fns]
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
    table.add_column(_("Argument"), style="bold cyan", no_wrap=True)  # names are short: never split
    table.add_column(_("Takes"), overflow="fold", ratio=2)
    table.add_column(_("Help"), overflow="fold", ratio=3)
    for p in fn.params:
        takes = translate(_SHAPES[p.shape])
        if p.choices:
            takes = _("{takes}; one of {choices}", takes=takes, choices=", ".join(p.choices))
        table.add_row(Text(p.name), Text(takes), Text(translate(p.help)))
    # the Markdown sentence of function_markdown, its bold label shown bold: one translation for both
    _blank, label, rest = _("**Returns:** {returns}", returns=translate(fn.returns)).split("**", 2)
    return Group(
        Text(fn.signature(), style="bold", overflow="fold"),
        Text(""),
        Text(translate(fn.help), overflow="fold"),
        table,
        Text.assemble((label, "bold"), rest, overflow="fold"),
    )
