"""Copied-down formula blocks, and the seam where a vectorised evaluator takes them over.

A staff list is one formula copied down thousands of rows. :func:`find_blocks` groups
the formulas of a sheet into :class:`Block` objects: runs of vertically adjacent
single-cell formulas of one column that are the same formula in R1C1 terms (relative
references as offsets), the way Excel itself stores a shared formula.

A :class:`BlockEvaluator` (the fast path of issue 4) is offered every block while the
workbook is loaded. It returns a :class:`CompiledBlock` (the ranges it reads and a
function computing the whole block from their values at once) or None to decline. A
compiled block enters `formulas`' graph as one node covering the block's range, exactly
like an array formula, so cells that read it, and cells it reads, are ordered by the
same dependency graph; declined blocks and every other formula are evaluated cell by
cell by `formulas`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils.cell import column_index_from_string

_CELL = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w(])")
_COLS = re.compile(r"^(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})$")
_ROWS = re.compile(r"^(\$?)(\d+):(\$?)(\d+)$")


def _rel(absolute: str, value: int, origin: int, axis: str) -> str:
    return f"{axis}{value}" if absolute else f"{axis}[{value - origin}]"


def _cell_r1c1(m: re.Match, row: int, col: int) -> str:
    c = column_index_from_string(m.group(2).upper())
    return _rel(m.group(3), int(m.group(4)), row, "R") + _rel(m.group(1), c, col, "C")


def _range_r1c1(text: str, row: int, col: int) -> str:
    sheet, bang, ref = text.rpartition("!")
    prefix = sheet + bang
    m = _COLS.match(ref)
    if m:
        a, b = column_index_from_string(m.group(2).upper()), column_index_from_string(m.group(4).upper())
        return f"{prefix}{_rel(m.group(1), a, col, 'C')}:{_rel(m.group(3), b, col, 'C')}"
    m = _ROWS.match(ref)
    if m:
        return f"{prefix}{_rel(m.group(1), int(m.group(2)), row, 'R')}:{_rel(m.group(3), int(m.group(4)), row, 'R')}"
    return prefix + _CELL.sub(lambda m: _cell_r1c1(m, row, col), ref)


def to_r1c1(formula: str, row: int, col: int) -> str | None:
    """The formula with its cell references as offsets from (row, col); None if unreadable."""
    try:
        tokens = Tokenizer(formula).items
    except Exception:
        return None
    out = []
    for t in tokens:
        if t.type == Token.OPERAND and t.subtype == Token.RANGE:
            out.append(_range_r1c1(t.value, row, col))
        else:
            out.append(t.value)
    return "=" + "".join(out)


@dataclass
class Block:
    """A run of copies of one formula down one column of one sheet."""

    sheet: str
    col: int
    first_row: int
    last_row: int
    r1c1: str
    #: The formula of each row as handed to `formulas` (after rewriting), top to bottom.
    formulas: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def area(self) -> str:
        from openpyxl.utils.cell import get_column_letter

        c = get_column_letter(self.col)
        return f"{c}{self.first_row}:{c}{self.last_row}"


def find_blocks(cells: Iterable[tuple[str, int, int, str]], min_rows: int = 2) -> list[Block]:
    """Blocks among (sheet, row, col, formula) single-cell formulas, at least ``min_rows`` tall."""
    by_column: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for sheet, row, col, text in cells:
        by_column.setdefault((sheet, col), []).append((row, text))
    blocks: list[Block] = []
    for (sheet, col), items in by_column.items():
        items.sort()
        current: Block | None = None
        for row, text in items:
            key = to_r1c1(text, row, col)
            if current is not None and key is not None and key == current.r1c1 and row == current.last_row + 1:
                current.last_row = row
                current.formulas.append(text)
                continue
            if current is not None and current.rows >= min_rows:
                blocks.append(current)
            current = None if key is None else Block(sheet, col, row, row, key, [text])
        if current is not None and current.rows >= min_rows:
            blocks.append(current)
    return blocks


@dataclass
class CompiledBlock:
    """A block a block evaluator has taken over.

    ``inputs`` are the ranges it reads, as A1 references with their sheet
    (``'Staff'!$B$2:$B$5001``); ``function`` receives their values (2-D object arrays
    in `formulas`' conventions: ``schedula.EMPTY`` for empty cells, `formulas` error
    tokens), in that order, and returns the block's values as a (rows × 1) array in
    the same conventions. ``keep_blank``: a blank result stays blank (a KPI_ result)
    instead of becoming 0.
    """

    inputs: list[str]
    function: Callable[..., np.ndarray]
    keep_blank: bool = False


class BlockEvaluator(Protocol):
    """What the fast path provides: ``compile(block)`` → a compiled block, or None."""

    def compile(self, block: Block) -> CompiledBlock | None: ...


def call_block(compiled: CompiledBlock, *values: Any) -> Any:
    """Run a compiled block on `formulas`' input values (Ranges become their arrays)."""
    from formulas.ranges import Ranges

    args = [v.value if isinstance(v, Ranges) else v for v in values]
    return compiled.function(*args)
