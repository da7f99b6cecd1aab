"""A1-style column letters and numbers (A = 1 … XFD = 16,384), shared by the sheet-XML
reader of the fast path and the writer."""

from __future__ import annotations


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
