"""Formula text as `formulas` can parse it, with the workbook's meaning kept.

Before parsing, each formula is rewritten once:

* structured references to Tables become A1 ranges (:mod:`.tables`);
* sheet-level defined names (``localSheetId``; `formulas` reads workbook-level names
  only) are replaced by what they stand for, in the formulas of their sheet;
* namespaced custom-function names (``XLWINGS.KPI_RATE``, ``_xldudf_KPI_RATE``) become
  the registry name.
"""

from __future__ import annotations

from .formula_text import IDENT, OTHER, Piece, join, scan
from .kpi_bridge import kpi_name
from .tables import StructuredRefs


def _is_plain_reference(value: str) -> bool:
    """A name's value that may be inlined without parentheses (a range, a number)."""
    pieces = list(scan(value))
    return all(p.kind != OTHER or all(ch in "!$:0123456789." for ch in p.text) for p in pieces)


class FormulaRewriter:
    """Rewrites the formulas of one workbook (see module doc)."""

    def __init__(self, tables: StructuredRefs, local_names: dict[str, dict[str, str]] | None = None):
        self.tables = tables
        #: sheet title → NAME (upper) → the name's value (no leading "=")
        self.local_names = {s: {k.upper(): v for k, v in names.items()} for s, names in (local_names or {}).items()}

    def rewrite(self, formula: str, sheet: str | None = None, row: int | None = None, col: int | None = None) -> str:
        text = self.tables.rewrite(formula, sheet, row, col) if self.tables else formula
        names = self.local_names.get(sheet or "", {})
        if not names and "KPI_" not in text.upper():
            return text
        pieces = list(scan(text))
        out: list[Piece] = []
        changed = False
        for k, p in enumerate(pieces):
            if p.kind != IDENT:
                out.append(p)
                continue
            nxt = pieces[k + 1] if k + 1 < len(pieces) else None
            prev = pieces[k - 1] if k > 0 else None
            calls = nxt is not None and nxt.kind == OTHER and nxt.text.lstrip().startswith("(")
            if calls:
                name = kpi_name(p.text)
                if name is not None and name != p.text.upper():
                    out.append(Piece(IDENT, name))
                    changed = True
                    continue
            qualified = prev is not None and prev.kind == OTHER and prev.text.endswith(("!", "$", ":"))
            bound = nxt is not None and nxt.kind == OTHER and nxt.text.lstrip().startswith(("!", ":"))
            key = p.text.upper()
            if not calls and not qualified and not bound and key in names:
                value = names[key].lstrip("=")
                value = self.tables.rewrite(value) if self.tables else value
                out.append(Piece(OTHER, value if _is_plain_reference(value) else f"({value})"))
                changed = True
                continue
            out.append(p)
        return join(out) if changed else text
