"""Rank ladders and bonus pools: KPI_RANK_BONUS (F12) and KPI_POOL.

「排序工资法 … 按总分高至低依次排下(1000,800,600…………)」 (S0-A, S1-F) pays by rank; the
seeds leave open what follows 600, how ties share, who is ranked, and what a team of one
gets (AMB-03/08/54/78). Each is an argument here. KPI_POOL splits a fixed pool in
proportion to weights so that the rounded amounts add up to the pool exactly.
"""

from __future__ import annotations

import numpy as np

from ..errors import DIV0, NA, NUM, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import fmt, ge, gt, lt, tol
from ..registry import Choice, Each, List, Scalar, kpi
from ..ties import rank

#: Equal scores on a ladder: code → label (the words of a Rules sheet, translated).
TIE_POLICIES = {
    "COMPETITION": N_("ties get the better amount (1-2-2-4)"),
    "AVERAGE": N_("ties share their amounts"),
    "DENSE": N_("dense ranks (1-2-2-3)"),
    "ORDINAL": N_("by list order"),
    "ERROR": N_("error (#N/A)"),
}


def _amounts(cells, name: str) -> np.ndarray:
    """A ladder's amounts, trailing blank cells dropped; a blank inside is an error."""
    v = cells.values.ravel().astype(float)
    blank = cells.blank.ravel()
    filled = np.flatnonzero(~blank)
    if filled.size == 0:
        raise KpiError(VALUE, _("{name} is empty", name=name))
    v, blank = v[: filled[-1] + 1], blank[: filled[-1] + 1]
    if blank.any():
        raise KpiError(VALUE, _("{name}: entry {entry} is blank", name=name, entry=int(np.flatnonzero(blank)[0]) + 1))
    return v


def _step(top: np.ndarray, step: float | None) -> float | None:
    """The change per rank after the listed amounts; None = pay 0 beyond a one-entry ladder."""
    if step is None:
        return float(top[-1] - top[-2]) if top.size >= 2 else None
    trend = top[-1] - top[-2] if top.size >= 2 else 0.0
    if trend * step < 0:
        listed = " → ".join(fmt(a) for a in top[-3:])
        raise KpiError(
            VALUE,
            _("step {step} goes the other way from the ladder ({ladder}); write {opposite}", step=fmt(step), ladder=listed, opposite=fmt(-step)),
        )
    return float(step)


class _Ladder:
    """Amount for a top rank and a bottom rank (1 = first, 1 = last)."""

    def __init__(self, top, bottom, step, floor, minimum):
        self.top, self.bottom, self.step = top, bottom, step
        self.floor, self.minimum = floor, minimum

    def pay(self, top_rank: np.ndarray, bottom_rank: np.ndarray) -> np.ndarray:
        t = np.asarray(top_rank)
        n = self.top.size
        listed = t <= n
        beyond = t - n
        if self.step is None:
            extra = np.full(t.shape, max(0.0, self.floor))
        else:
            extra = np.maximum(self.floor, self.top[-1] + self.step * beyond)
        amount = np.where(listed, self.top[np.clip(t, 1, n) - 1], extra)
        if self.bottom is not None:
            b = np.asarray(bottom_rank)
            m = self.bottom.size
            from_bottom = ~listed & (b <= m)
            amount = np.where(from_bottom, self.bottom[np.clip(b, 1, m) - 1], amount)
        if self.minimum is not None:
            amount = np.maximum(amount, self.minimum)
        return amount.astype(float)


@kpi(
    "KPI_RANK_BONUS",
    "Bonus by rank on a ladder (1000, 800, 600 …) for the staff who pass the gate, with an explicit tie policy.",
    Each("scores", "Each employee's total score (the whole column); blank rows are not ranked."),
    List("ladder", "Amounts for rank 1, 2, 3 …, e.g. 1000, 800, 600; later ranks continue by step."),
    Scalar(
        "step",
        "Change per rank after the listed amounts, e.g. -200. Blank: the difference of the last two amounts "
        "(1000, 800, 600 → −200); a one-amount ladder pays 0 after it.",
        default=None,
    ),
    Choice(
        "tie_policy",
        'Equal scores: "COMPETITION" (1-2-2-4, ties get the better amount, default), "AVERAGE" (share their '
        'amounts), "DENSE" (1-2-2-3), "ORDINAL" (input order), "ERROR".',
        TIE_POLICIES,
        "COMPETITION",
    ),
    Scalar(
        "eligible_min",
        "Gate: only scores at or above it are ranked and paid from the ladder, e.g. 91 (70 % of 130). Blank: no gate.",
        default=None,
    ),
    Scalar("ineligible_amount", "What staff below the gate get, e.g. 0 or 300.", default=0),
    Scalar("ladder_floor", "The continued ladder never goes below this amount (default 0).", default=0),
    Scalar(
        "min_amount_eligible",
        "Least amount for anyone who passes the gate, e.g. 300 so a passing rank never gets less than a failing one.",
        default=None,
    ),
    List(
        "bottom_ladder",
        "Amounts for the last, second-last … place, e.g. -100 for 「最后一名扣100元」.",
        default=None,
    ),
    Choice(
        "order",
        'Which scores rank first: "DESC" (highest, default) or "ASC" (lowest, e.g. response time).',
        {"DESC": N_("highest first"), "ASC": N_("lowest first")},
        "DESC",
    ),
    returns=(
        "One amount per row (spills): ladder amount by rank, ineligible_amount below the gate, blank for a blank "
        "score; #N/A naming the tied rows (tie_policy ERROR); #VALUE! for a blank ladder entry or a step "
        "running against the ladder."
    ),
    population=True,
)
def rank_bonus(
    scores,
    ladder,
    step,
    tie_policy,
    eligible_min,
    ineligible_amount,
    ladder_floor,
    min_amount_eligible,
    bottom_ladder,
    order,
    valid,
):
    """Rank the eligible scores and pay each rank position.

    Positions are paid from the ladder (listed amounts, then continued by ``step``, never
    below ``ladder_floor``); ``bottom_ladder`` pays the last positions the listed ladder
    does not reach, so a team of one (first = last, AMB-78) gets ladder[1]. Ties share by
    ``tie_policy``; ranks count from each end, so with COMPETITION everyone tied for last
    gets the last amount.
    """
    top = _amounts(ladder, "ladder")
    bottom = _amounts(bottom_ladder, "bottom_ladder") if bottom_ladder is not None else None
    pay = _Ladder(top, bottom, _step(top, step), ladder_floor, min_amount_eligible).pay

    x = scores.astype(float).ravel()
    eligible = valid.ravel().copy()
    if eligible_min is not None:
        eligible &= ge(x, eligible_min)
    out = np.full(x.size, ineligible_amount, dtype=object)
    idx = np.flatnonzero(eligible)
    m = idx.size
    if m == 0:
        return out.reshape(scores.shape)

    r = rank(x[idx], descending=order == "DESC")
    pos = np.arange(m)
    slot = pay(pos + 1, m - pos)  # what each sorted position pays without ties
    if tie_policy == "ORDINAL":
        amount = slot
    elif tie_policy == "AVERAGE":
        share = np.bincount(r.group, weights=slot) / np.bincount(r.group)
        amount = share[r.group]
    elif tie_policy == "DENSE":
        amount = pay(r.group + 1, r.groups - r.group)
    else:  # COMPETITION, and ERROR for the ties that do not change any amount
        amount = pay(r.first + 1, m - r.last)
    out[idx[r.order]] = amount

    if tie_policy == "ERROR":
        differs = np.bincount(r.group, weights=np.abs(slot - slot[r.first])) > tol(slot.max())
        for g in np.flatnonzero(differs):
            at = np.flatnonzero(r.group == g)
            rows = idx[r.order[at]]
            err = KpiError(
                NA,
                _(
                    "rows {rows} tie at {score} for ranks {first}–{last}, which pay {amounts}; choose a tie_policy",
                    rows=", ".join(str(i + 1) for i in sorted(rows)),
                    score=fmt(x[rows[0]]),
                    first=at[0] + 1,
                    last=at[-1] + 1,
                    amounts=" / ".join(fmt(a) for a in slot[at]),
                ),
            )
            for i in rows:
                out[i] = err
    return out.reshape(scores.shape)


# ---------------------------------------------------------------------------


@kpi(
    "KPI_POOL",
    "Splits a fixed bonus pool in proportion to weights (e.g. score × coefficient); rounded amounts add up to the pool exactly.",
    Each("weights", "Each employee's share weight, e.g. score × coefficient; blank rows get nothing."),
    Scalar("pool", "The whole amount to split, e.g. 10000."),
    Scalar("round_to", "Amounts are multiples of this, e.g. 1 (yuan, default), 10 or 0.01.", default=1),
    Scalar("floor", "Least amount per person, e.g. 200; blank: none.", default=None),
    Scalar(
        "cap", "Most per person, e.g. 3000; what it cuts off goes to the others. Blank: none.", default=None
    ),
    returns=(
        "One amount per row (spills), adding up to pool; #VALUE! for a negative weight (that row) or a pool "
        "that is not a multiple of round_to; #DIV/0! when all weights are 0; #NUM! when floor/cap cannot fit the pool."
    ),
    population=True,
)
def pool(weights, pool, round_to, floor, cap, valid):
    """Largest-remainder split of ``pool`` in ``round_to`` units, bounded by floor/cap.

    The exact shares are clamp(λ·weight, floor, cap) with λ chosen so they add up to the
    pool (found by pinning the people over the cap or under the floor and splitting the
    rest again); then each share is rounded down to a unit and the units left over go to
    the largest remainders, ties to the earlier row.
    """
    if not round_to > 0:
        raise KpiError(VALUE, _("round_to must be above 0, got {value}", value=fmt(round_to)))
    if pool < 0:
        raise KpiError(VALUE, _("pool {pool} is negative", pool=fmt(pool)))
    units = pool / round_to
    if not units <= 2.0**53:  # beyond this (or infinite) steps are no longer whole numbers
        raise KpiError(
            NUM, _("pool {pool} is too many steps of round_to {round_to} to split exactly", pool=fmt(pool), round_to=fmt(round_to))
        )
    if abs(units - round(units)) > tol(units):
        raise KpiError(VALUE, _("pool {pool} is not a multiple of round_to {round_to}", pool=fmt(pool), round_to=fmt(round_to)))
    total = int(round(units))
    if floor is not None and floor < 0:
        raise KpiError(VALUE, _("floor {floor} is negative", floor=fmt(floor)))
    # in whole units of round_to: the floor rounds up, the cap down, so both still hold
    # (a floor above the pool cannot be met, a cap at or above it never binds)
    lo = 0 if floor is None else _steps_of(floor / round_to, np.ceil, -1, total)
    hi = np.inf if cap is None or cap / round_to >= total else _steps_of(cap / round_to, np.floor, 1, total)
    if hi < lo:
        raise KpiError(
            VALUE,
            _("cap {cap} is below floor {floor} (in steps of {step})", cap=fmt(cap), floor=fmt(floor), step=fmt(round_to)),
        )

    w = weights.astype(float).ravel()
    ok = valid.ravel()
    negative = ok & lt(w, 0.0)
    take = ok & ~negative
    out = np.full(w.size, None, dtype=object)
    for i in np.flatnonzero(negative):
        out[i] = KpiError(VALUE, _("weight {weight} is negative", weight=fmt(w[i])))
    idx = np.flatnonzero(take)
    if idx.size == 0:
        return out.reshape(weights.shape)
    share_w = np.maximum(w[idx], 0.0)
    if not (share_w > 0).any():
        out[idx] = KpiError(DIV0, _("all weights are 0: nothing to split the pool by"))
        return out.reshape(weights.shape)

    n, positive = idx.size, int((share_w > 0).sum())
    if n * lo > total:
        shown = floor if lo > total else lo * round_to  # (lo is capped just above the pool)
        raise KpiError(
            NUM,
            _(
                "floor {floor} × {staff} staff = {total} is more than the pool {pool}",
                floor=fmt(shown), staff=n, total=fmt(n * shown), pool=fmt(pool),
            ),
        )
    most = positive * hi + (n - positive) * lo
    if most < total:
        values = {"cap": fmt(hi * round_to), "total": fmt(most * round_to), "pool": fmt(pool)}
        if positive < n:
            message = _(
                "cap {cap} × {staff} staff with a weight = {total} is less than the pool {pool}", staff=positive, **values
            )
        else:
            message = _("cap {cap} × {staff} staff = {total} is less than the pool {pool}", staff=n, **values)
        raise KpiError(NUM, message)
    exact = _bounded_shares(share_w, total, lo, hi)
    out[idx] = np.round(_largest_remainder(exact, total) * round_to, 10)
    return out.reshape(weights.shape)


def _steps_of(x: float, rounding, side: int, total: int) -> int:
    """Whole steps in ``x`` after ε-snapping, never more than ``total`` + 1 (no overflow)."""
    if not x <= total:
        return total + 1
    return int(rounding(x + side * tol(x)))


def _bounded_shares(w: np.ndarray, total: int, lo: float, hi: float) -> np.ndarray:
    """Shares clamp(λ·w, lo, hi) adding up to ``total`` (feasibility checked by the caller)."""
    w = w / w.max()  # same proportions, and sums of huge weights cannot overflow
    x = np.zeros(w.size)
    pinned = np.zeros(w.size, dtype=bool)
    while True:
        free = ~pinned
        rest = total - x[pinned].sum()
        wf = w[free]
        if wf.sum() <= 0:  # only zero weights left: they stay at the floor
            x[free] = lo
            return x
        share = rest * wf / wf.sum()
        over = gt(share, hi) if np.isfinite(hi) else np.zeros(share.size, dtype=bool)
        under = lt(share, lo)
        if not over.any() and not under.any():
            x[free] = share
            return x
        excess = (share - hi)[over].sum()
        deficit = (lo - share)[under].sum()
        where = np.flatnonzero(free)
        if excess >= deficit:
            x[where[over]], pinned[where[over]] = hi, True
        else:
            x[where[under]], pinned[where[under]] = lo, True


def _largest_remainder(exact: np.ndarray, total: int) -> np.ndarray:
    """Whole units adding up to ``total``: floors, then +1 by largest remainder (earlier row first)."""
    near = np.round(exact)
    base = np.where(np.abs(exact - near) <= tol(exact), near, np.floor(exact))
    remainder = np.round(exact - base, 9)
    left = int(round(total - base.sum()))
    order = np.lexsort((np.arange(exact.size), -remainder))
    units = base.copy()
    units[order[:left]] += 1
    return units
