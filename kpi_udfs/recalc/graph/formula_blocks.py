"""Formula cells grouped into blocks: one formula copied down a column, or one array formula.

A block is the unit the evaluator computes at once: ``rows`` consecutive cells of one
column whose formulas have the same R1C1 key (the way Excel stores a shared formula),
or the whole range of one array formula. A formula found once is a block of one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..read.cells import ARRAY, NORMAL, OTHER, SHARED, FormulaCell, PlainFormulas, copy_down, r1c1_key
from .compile import Compiled


@dataclass
class Block:
    sheet: str
    col: int
    row0: int
    #: Number of rows (for an array formula: of its range).
    rows: int
    text: str | None
    #: (row, col) of the cell where ``text`` is written.
    anchor: tuple[int, int]
    key: str | None = None
    #: Columns of the range (array formulas; 1 otherwise).
    width: int = 1
    array: bool = False
    #: A dynamic array formula: the range is its spill when the file was saved.
    dynamic: bool = False
    compiled: Compiled | None = None
    #: Why the block could not be computed a whole block at a time (None: it was).
    fallback: str | None = None
    reads: list[tuple[str, int, int, int, int]] = field(default_factory=list)

    @property
    def last_row(self) -> int:
        return self.row0 + self.rows - 1

    @property
    def last_col(self) -> int:
        return self.col + self.width - 1

    def cells(self):
        """(row, col) of every cell the block computes."""
        for r in range(self.row0, self.row0 + self.rows):
            for c in range(self.col, self.col + self.width):
                yield r, c


def find_blocks(formulas: list[FormulaCell], plain: Iterable[PlainFormulas] = ()) -> list[Block]:
    """Blocks of the formula cells of a workbook (every formula cell is in exactly one)."""
    blocks: list[Block] = []
    # per (sheet, column): (row, kind, text, anchor row, anchor column) of each cell
    by_column: dict[tuple[str, int], list[tuple]] = {}
    for fc in formulas:
        if fc.kind in (ARRAY, OTHER) or fc.text is None:
            blocks.append(
                Block(fc.sheet, fc.col, fc.row, fc.size[0], fc.text if fc.kind == ARRAY else None, fc.anchor,
                      width=fc.size[1], array=fc.kind == ARRAY, dynamic=fc.dynamic)
            )
            continue
        by_column.setdefault((fc.sheet, fc.col), []).append((fc.row, fc.kind, fc.text, *fc.anchor))
    for p in plain:
        if not p.rows:
            continue
        cols = np.asarray(p.cols)
        order = np.lexsort((np.asarray(p.rows), cols))
        bounds = np.flatnonzero(np.diff(cols[order])) + 1
        for idx in np.split(order, bounds):
            col = int(cols[idx[0]])
            items = by_column.setdefault((p.sheet, col), [])
            items.extend((p.rows[i], NORMAL, p.texts[i], p.rows[i], col) for i in idx.tolist())

    shared_keys: dict[tuple[str, int, int], str] = {}

    def key_of(item: tuple) -> str:
        row, kind, text, arow, acol = item
        if kind == SHARED:  # followers share their master's text and anchor
            cache = (text, arow, acol)
            key = shared_keys.get(cache)
            if key is None:
                key = shared_keys[cache] = r1c1_key(text, arow, acol)
            return key
        return r1c1_key(text, row, acol)

    for (sheet, col), items in by_column.items():
        items.sort()
        rows = [t[0] for t in items]
        texts = [t[2] for t in items]
        n = len(items)
        i = 0
        while i < n:
            first = items[i]
            key = key_of(first)
            j = i + 1
            if first[1] == NORMAL:
                j = _copied_down(first[2], first[0], rows, texts, j)
            while j < n and rows[j] == rows[j - 1] + 1 and key_of(items[j]) == key:
                j += 1
                if items[j - 1][1] == NORMAL:  # the rest may be plain copies of it again
                    j = _copied_down(items[j - 1][2], items[j - 1][0], rows, texts, j)
            blocks.append(Block(sheet, col, first[0], j - i, first[2], (first[3], first[4]), key=key))
            i = j
    return blocks


def _copied_down(text: str, row: int, rows: list[int], texts: list[str], j: int) -> int:
    """Past the run of rows from ``j`` on that hold ``text`` (written in ``row``) copied
    down: the common case, found by writing the copy's text instead of parsing it."""
    fmt, offsets = copy_down(text, row)
    n = len(rows)
    chunk = 32
    while j < n:
        stop = min(n, j + chunk)
        expected_row = rows[j - 1] + 1
        for k in range(j, stop):
            if rows[k] != expected_row + (k - j):
                stop = k
                break
        if offsets:
            predicted = [fmt.format(*[r + o for o in offsets]) for r in rows[j:stop]]
        else:
            predicted = [fmt.format()] * (stop - j)
        same = [a == b for a, b in zip(predicted, texts[j:stop], strict=True)]
        if False in same:
            return j + same.index(False)
        if stop < min(n, j + chunk):
            return stop
        j = stop
        chunk *= 2
    return j
