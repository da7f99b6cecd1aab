"""COUNTIF(S), SUMIF(S), AVERAGEIF(S), MINIFS and MAXIFS over a whole block at once.

A copied-down ``SUMIFS(History[amount], History[name], Staff[@name])`` asks the same
question of the same ranges in every row; row by row that costs rows × range cells
(10,000 staff over a 60,000-row History: 600 million cell tests). Here the ranges are
read once; the criteria that are the same in every row become one mask; the cells are
grouped by the values of the criteria that change from row to row (equal to a number or
to a plain text), and each row looks its group up. A count may also have one per-row
comparison with a number (``COUNTIF(Staff[score], "<"&[@score])``): a sorted search in
the group.

The matching rules are :mod:`.criteria`'s (the row form), and sums and averages add the
same numbers in the same order as the row form, so the two give identical results.
Anything else (wildcards, an operator on text, an error as a criterion, text in the data
that reads as a number, ranges of different shapes, an error among the values) raises
:class:`~..evaluate.vec.Unsupported` and the block is computed row by row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import schedula as sh
from formulas.tokens.operand import XlError

from ..evaluate.vec import ERROR, NUMBER, Unsupported, Vec, native_error
from .bridge import _to_formulas_cells, to_formulas
from .conversions import text_number
from .criteria import matches, operand_text, parse

#: name → (index of the values' range or None, index of the first (range, criterion) pair,
#: whether the pairs repeat, what is made of the matching values)
_SHAPES = {
    "COUNTIF": (None, 0, False, "count"),
    "COUNTIFS": (None, 0, True, "count"),
    "SUMIF": (2, 0, False, "sum"),
    "AVERAGEIF": (2, 0, False, "average"),
    "SUMIFS": (0, 1, True, "sum"),
    "AVERAGEIFS": (0, 1, True, "average"),
    "MINIFS": (0, 1, True, "min"),
    "MAXIFS": (0, 1, True, "max"),
}
_EMPTY_RESULT = {"count": 0.0, "sum": 0.0, "min": 0.0, "max": 0.0}
_COMPARE = ("<", "<=", ">", ">=")


def _cells(v: Vec) -> np.ndarray:
    """A constant range's cells in reading order, as `formulas` values (what the row
    form's criteria test reads)."""
    return np.asarray(_to_formulas_cells(v.values()[0]), dtype=object).ravel()


def _folds_cleanly(s: str) -> bool:
    """Whether comparing lowered text equals the row form's case-insensitive match: not for
    letters whose cases do not map back (ς, ſ, µ, İ…), which that match treats otherwise."""
    low = s.lower()
    return len(low) == len(s) and low == s.upper().lower()


def _simple(op: str, kind: str, operand: Any, raw: Any) -> bool:
    """A criterion a group can answer: equal to a number, or to a text without wildcards
    whose case folds char by char."""
    if op != "=":
        return False
    if kind == "number":  # not a date or time written as text, which matches that text too
        return not isinstance(raw, str) or text_number(operand_text(raw)) is not None
    return (kind == "text" and isinstance(raw, str) and raw == operand
            and not any(ch in operand for ch in "*?~") and _folds_cleanly(operand))


def _keys(cells: np.ndarray, numbers: bool) -> list:
    """Each cell's equality key: ("n", x) for a number, ("t", lowered) for text, None
    for what no simple criterion matches (blank, TRUE/FALSE, an error). ``numbers``: some
    row asks for a number, which text reading as that number would match too."""
    out: list = []
    for v in cells:
        if isinstance(v, XlError) or v is sh.EMPTY or v is None or isinstance(v, (bool, np.bool_)):
            out.append(None)
        elif isinstance(v, str):
            if (numbers and text_number(v) is not None) or not _folds_cleanly(v):
                raise Unsupported("criteria over text that reads as a number or folds case unevenly")
            out.append(("t", v.lower()))
        else:
            out.append(("n", float(v)))
    return out


def _row_key(op: str, kind: str, operand: Any) -> tuple:
    return ("n", float(operand)) if kind == "number" else ("t", operand.lower())


def criteria_block(name: str):
    values_at, first, repeat, make = _SHAPES[name]

    def fn(ctx, args) -> Vec:
        args = list(args)
        if repeat and (len(args) - first) % 2 or not repeat and len(args) not in (2, 3):
            raise Unsupported(f"{name} with {len(args)} arguments")
        pairs = [(args[i], args[i + 1]) for i in range(first, len(args) - 1, 2)] if repeat else [(args[0], args[1])]
        value_node = None
        if values_at is not None and values_at < len(args) and not args[values_at].is_missing:
            value_node = args[values_at]
        ranges = [node.ev(ctx) for node, _c in pairs]
        crits = [c.ev(ctx) for _n, c in pairs]
        if any(r.shape[0] != 1 for r in ranges) or any(c.shape[1:] != (1, 1) for c in crits):
            raise Unsupported(f"{name} with ranges that change from row to row or a range as a criterion")
        shape = ranges[0].shape
        if any(r.shape != shape for r in ranges):
            raise Unsupported(f"{name} over ranges of different shapes")
        values = value_node.ev(ctx) if value_node is not None else ranges[0]
        if values.shape != shape:
            raise Unsupported(f"{name} whose values' range differs in shape from its criteria ranges")
        m = max(c.shape[0] for c in crits)
        n = shape[1] * shape[2]

        mask = np.ones(n, dtype=bool)
        varying = []  # (range cells, per-row parsed criteria)
        for rng, crit in zip(ranges, crits, strict=True):
            if crit.shape[0] == 1:
                cond = to_formulas(crit.value((0, 0, 0)))
                mask &= matches({"raw": _cells(rng).reshape(shape[1], shape[2])}, cond).ravel()
                continue
            kinds = crit.kind.reshape(-1)
            if (kinds == ERROR).any():
                raise Unsupported(f"{name} with an error as a criterion")
            raw = [to_formulas(crit.value((r, 0, 0))) for r in range(m)]
            varying.append((rng, [parse(x) for x in raw], raw))
        equal, compare = [], None
        for rng, parsed, raw in varying:
            if all(_simple(op, kind, operand, x) for (op, kind, operand), x in zip(parsed, raw, strict=True)):
                numbers = any(kind == "number" for _op, kind, _x in parsed)
                equal.append((_keys(_cells(rng), numbers), [_row_key(*p) for p in parsed]))
            elif make == "count" and compare is None and all(op in _COMPARE and kind == "number" for op, kind, _x in parsed):
                compare = (rng, parsed)
            else:
                raise Unsupported(f"{name} with criteria that are not plain values or comparisons with numbers")

        # the values' numbers in reading order (the row form's accumulators read them so)
        vk, vn = values.kind.reshape(-1), values.num.reshape(-1)
        if make != "count" and (vk == ERROR).any():
            raise Unsupported(f"{name} over values holding an error")
        is_number = vk == NUMBER

        groups: dict[tuple, list[int]] = {}
        data_keys = list(zip(*[k for k, _r in equal], strict=True)) if equal else [()] * n
        for j in np.flatnonzero(mask):
            key = data_keys[j]
            if None not in key:
                groups.setdefault(key, []).append(int(j))
        row_keys = list(zip(*[r for _k, r in equal], strict=True)) if equal else [()] * m

        if compare is not None:
            ck, cn = compare[0].kind.reshape(-1), compare[0].num.reshape(-1)
            sorted_of = {key: np.sort(cn[[j for j in members if ck[j] == NUMBER]]) for key, members in groups.items()}
            out = np.zeros(m)
            for r, key in enumerate(row_keys):
                xs = sorted_of.get(key)
                if xs is None or xs.size == 0:
                    continue
                op, _kind, t = compare[1][r]
                if op == "<":
                    out[r] = np.searchsorted(xs, t, "left")
                elif op == "<=":
                    out[r] = np.searchsorted(xs, t, "right")
                elif op == ">":
                    out[r] = xs.size - np.searchsorted(xs, t, "right")
                else:
                    out[r] = xs.size - np.searchsorted(xs, t, "left")
            return Vec.numbers(out.reshape(-1, 1, 1))

        results: dict[tuple, Any] = {}
        for key, members in groups.items():
            if make == "count":
                results[key] = float(len(members))
                continue
            idx = np.asarray(members)
            nums = vn[idx[is_number[idx]]]
            if nums.size == 0:
                results[key] = _EMPTY_RESULT.get(make, native_error("#DIV/0!"))
            elif make == "sum":
                results[key] = float(np.sum(nums))
            elif make == "average":
                results[key] = float(np.mean(nums))
            else:
                results[key] = float(np.min(nums) if make == "min" else np.max(nums))
        empty = _EMPTY_RESULT.get(make, native_error("#DIV/0!"))
        out = np.empty((m, 1, 1), dtype=object)
        out[:, 0, 0] = [results.get(key, empty) for key in row_keys]
        return Vec.from_values(out)

    return fn


WHOLE_BLOCK_FORMS = {name: criteria_block(name) for name in _SHAPES}
