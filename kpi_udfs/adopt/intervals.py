"""Sets of numbers as unions of intervals: what a hand-written condition selects.

``J3>=0.5`` selects [0.5, ∞), ``AND(J3<0.45,J3>=0.5)`` selects nothing (the seed's
「45%>X>=50%」, AMB-17), ``OR(T<=25,T>40)`` two pieces. Conditions combine with
intersection (AND, and "this branch was not taken": complement), union (OR) and
complement (NOT, ELSE). Bounds are compared exactly: a threshold typed as 0.55 is the
same float everywhere it is typed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..numeric import fmt

INF = math.inf


@dataclass(frozen=True)
class Interval:
    """One interval; an infinite end is never closed."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool

    def __post_init__(self) -> None:
        if math.isinf(self.lo) and self.lo_closed:
            object.__setattr__(self, "lo_closed", False)
        if math.isinf(self.hi) and self.hi_closed:
            object.__setattr__(self, "hi_closed", False)

    @property
    def empty(self) -> bool:
        if self.lo > self.hi:
            return True
        return self.lo == self.hi and not (self.lo_closed and self.hi_closed)

    @property
    def bounded(self) -> bool:
        """Both ends finite (a band written with a lower and an upper bound)."""
        return math.isfinite(self.lo) and math.isfinite(self.hi)

    def contains(self, x: float) -> bool:
        above = x >= self.lo if self.lo_closed else x > self.lo
        below = x <= self.hi if self.hi_closed else x < self.hi
        return above and below

    @property
    def code(self) -> str:
        """The inclusivity code KPI_BAND reads: "[)", "(]", "[]" or "()"."""
        lo_inf, hi_inf = math.isinf(self.lo), math.isinf(self.hi)
        if lo_inf and hi_inf:
            return "[)"
        if lo_inf:  # only the upper end counts: written the way such rows usually are
            return "(]" if self.hi_closed else "[)"
        if hi_inf:
            return "[)" if self.lo_closed else "(]"
        return ("[" if self.lo_closed else "(") + ("]" if self.hi_closed else ")")

    def __str__(self) -> str:
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        return f"{left}{fmt(self.lo)}, {fmt(self.hi)}{right}"


EVERYTHING = Interval(-INF, INF, False, False)


def _starts_before(a: Interval, b: Interval) -> bool:
    """Does ``a`` start before ``b`` (sorting key)."""
    return (a.lo, not a.lo_closed) < (b.lo, not b.lo_closed)


class NumberSet:
    """A union of disjoint, non-touching intervals in ascending order."""

    __slots__ = ("pieces",)

    def __init__(self, pieces: tuple[Interval, ...] = ()):
        self.pieces = pieces

    # -- construction --------------------------------------------------------------
    @classmethod
    def of(cls, *intervals: Interval) -> NumberSet:
        return cls(_normalise([i for i in intervals if not i.empty]))

    @classmethod
    def everything(cls) -> NumberSet:
        return cls((EVERYTHING,))

    @classmethod
    def compare(cls, op: str, t: float) -> NumberSet:
        """The numbers x with ``x op t``."""
        if op == ">=":
            return cls.of(Interval(t, INF, True, False))
        if op == ">":
            return cls.of(Interval(t, INF, False, False))
        if op == "<=":
            return cls.of(Interval(-INF, t, False, True))
        if op == "<":
            return cls.of(Interval(-INF, t, False, False))
        if op == "=":
            return cls.of(Interval(t, t, True, True))
        if op == "<>":
            return cls.of(Interval(-INF, t, False, False), Interval(t, INF, False, False))
        raise ValueError(op)

    # -- algebra -------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        return not self.pieces

    def union(self, other: NumberSet) -> NumberSet:
        return NumberSet(_normalise(list(self.pieces) + list(other.pieces)))

    def complement(self) -> NumberSet:
        out: list[Interval] = []
        lo, lo_closed = -INF, False
        for p in self.pieces:
            gap = Interval(lo, p.lo, lo_closed, not p.lo_closed)
            if not gap.empty:
                out.append(gap)
            lo, lo_closed = p.hi, not p.hi_closed
        tail = Interval(lo, INF, lo_closed, False)
        if not tail.empty:
            out.append(tail)
        return NumberSet(tuple(out))

    def intersect(self, other: NumberSet) -> NumberSet:
        out = []
        for a in self.pieces:
            for b in other.pieces:
                # the later start and the earlier end; at a tie the open end wins
                lo, lo_open = max((a.lo, not a.lo_closed), (b.lo, not b.lo_closed))
                hi, hi_closed = min((a.hi, a.hi_closed), (b.hi, b.hi_closed))
                i = Interval(lo, hi, not lo_open, hi_closed)
                if not i.empty:
                    out.append(i)
        return NumberSet(_normalise(out))

    def minus(self, other: NumberSet) -> NumberSet:
        return self.intersect(other.complement())

    def covers(self, other: NumberSet) -> bool:
        return other.minus(self).empty

    def contains(self, x: float) -> bool:
        return any(p.contains(x) for p in self.pieces)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NumberSet) and self.pieces == other.pieces

    def __hash__(self) -> int:
        return hash(self.pieces)

    def __str__(self) -> str:
        return " ∪ ".join(str(p) for p in self.pieces) if self.pieces else "∅"

    def __repr__(self) -> str:
        return f"NumberSet({self})"


def _normalise(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Sort and merge overlapping or touching intervals."""
    items = sorted((i for i in intervals if not i.empty), key=lambda i: (i.lo, not i.lo_closed))
    out: list[Interval] = []
    for i in items:
        if out:
            last = out[-1]
            touching = last.hi > i.lo or (last.hi == i.lo and (last.hi_closed or i.lo_closed))
            if touching:
                hi, hi_closed = max((last.hi, last.hi_closed), (i.hi, i.hi_closed))
                out[-1] = Interval(last.lo, hi, last.lo_closed, hi_closed)
                continue
        out.append(i)
    return tuple(out)
