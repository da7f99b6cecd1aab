"""A1-style references: column letters and numbers (A = 1 … XFD = 16,384), cells and
areas, shared by the reader, the evaluator (INDIRECT, ADDRESS) and the writer."""

from __future__ import annotations

import re

MAX_ROW = 1_048_576
MAX_COL = 16_384


def col_number(letters: str) -> int:
    """"AB" → 28 (case-insensitive)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    """28 → "AB"."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def parse_cell(text: str) -> tuple[int, int] | None:
    """"$B$7" → (7, 2) as (row, column); None outside Excel's grid or not a cell."""
    m = _CELL.match(text.strip())
    if not m:
        return None
    row, col = int(m.group(2)), col_number(m.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        return None
    return row, col


def parse_area(text: str) -> tuple[int, int, int, int] | None:
    """"B2:D9" → (2, 2, 9, 4) as (row1, col1, row2, col2), corners in order; a single cell
    is an area of one cell; None for anything else."""
    a, _, b = text.strip().partition(":")
    first = parse_cell(a)
    second = parse_cell(b) if b else first
    if first is None or second is None:
        return None
    (r1, c1), (r2, c2) = first, second
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def cell_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"
