"""Rank order with tie groups, shared by the ranking and forced-distribution functions.

Scores are sorted best first; scores equal within the boundary tolerance (AMB-G3) form
one tie group. The sort is stable, so inside a group the input order is kept (what the
ORDINAL tie policies use).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numeric import eq


@dataclass(frozen=True)
class Ranking:
    """A sorted column: ``order[p]`` is the input index at sorted position ``p``."""

    order: np.ndarray  # input indices, best first
    group: np.ndarray  # tie group of each sorted position (0 = best)
    first: np.ndarray  # first sorted position of that position's group
    size: np.ndarray  # size of that position's group
    groups: int  # number of groups

    @property
    def last(self) -> np.ndarray:
        """Last sorted position of each position's group."""
        return self.first + self.size - 1


def rank(scores: np.ndarray, descending: bool = True) -> Ranking:
    """Sort finite ``scores`` best first (highest when ``descending``) and group the ties."""
    x = np.asarray(scores, dtype=float).ravel()
    order = np.argsort(-x if descending else x, kind="stable")
    s = x[order]
    starts_group = np.ones(s.size, dtype=bool)
    starts_group[1:] = ~eq(s[1:], s[:-1])
    group = np.cumsum(starts_group) - 1
    starts = np.flatnonzero(starts_group)
    sizes = np.diff(np.append(starts, s.size))
    return Ranking(order, group, starts[group], sizes[group], int(starts.size))
