"""A tabular value of a driver's (time bin, cell), learned by TD on training days (Xu et al., KDD 2018;
the value-function approach of the KDD Cup 2020 dispatching track).

Training days are played by per-tick matching (then by value-matching itself, ``rounds`` times);
every driver's history becomes transitions: an idle tick ``(t, c) -> (t + 1, c)`` earning 0, a
trip ``(t, c) -> (t + w + duration, drop-off)`` earning the fare, a cancelled pickup or an empty move
``(t, c) -> (t', c')`` earning 0 or minus its cost; a driver's value ends when it goes off line.
The table solves the empirical Bellman equation ``V(s) = mean over transitions from s of
(r + gamma ** dt * V(s'))`` by repeated sweeps (batch TD(0) to its fixed point).

The value then corrects the matching weights: serving order ``o`` from cell ``c`` at tick ``t``
is worth ``(1 - p) * (fare + gamma ** (w + d) * V(t + w + d, drop-off)) + p * gamma ** w' * V(t + w',
pickup) - V(t, c)`` (``p`` the cancellation chance of the pickup of ``w`` ticks), and an idle
driver moves to the neighbour where ``gamma ** tau * V(t + tau, c') - cost`` beats staying,
``gamma * V(t + 1, c)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing_gym.baselines.ride_hailing.dispatch import expected_fare
from routing_gym.envs.ride_hailing.kernel import RideHailingKernel
from routing_gym.envs.ride_hailing.types import RideHailingInstance, cancel_probability, realise, reposition_ticks

#: margin a repositioning move must beat staying by (fare units)
MOVE_MARGIN = 0.5


@dataclass
class ValueTable:
    """``values[b, c]``: the value of an idle driver in cell ``c`` during time bin ``b`` (bins of ``bin_ticks``).

    :param gamma: discount per tick.
    """

    values: np.ndarray
    bin_ticks: int
    gamma: float

    def at(self, t: np.ndarray | int, cell: np.ndarray | int) -> np.ndarray:
        """``V(t, cell)`` (0 past the last bin: the day is over)."""
        b = np.asarray(t) // self.bin_ticks
        inside = b < self.values.shape[0]
        return np.where(inside, self.values[np.minimum(b, self.values.shape[0] - 1), cell], 0.0)


def transitions(instance: RideHailingInstance, solution: dict) -> tuple[np.ndarray, ...]:
    """``(t, cell, reward, next t, next cell, ends)`` of every driver's dispatches and idle ticks."""
    log: list = []
    report, why = realise(instance, solution, log)
    if report is None:
        raise ValueError(f"training day is infeasible: {why}")
    rows = []
    by_driver: dict[int, list] = {}
    for event in log:
        by_driver.setdefault(event[0], []).append(event)
    for i in range(instance.num_drivers):
        on, off = int(instance.driver_on[i]), int(instance.driver_off[i])
        free, cell = on, int(instance.driver_home[i])
        for _, t, until, src, dst, r in by_driver.get(i, []) + [(i, off, off, -1, -1, None)]:
            for tau in range(free, min(t, off)):  # idle ticks
                rows.append((tau, cell, 0.0, tau + 1, cell, tau + 1 >= off))
            if r is None:
                break
            rows.append((t, src, r, until, dst, until >= off))
            free, cell = until, dst
    if not rows:
        return tuple(np.zeros(0) for _ in range(6))
    arr = np.array(rows, dtype=np.float64)
    return (arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2], arr[:, 3].astype(np.int64),
            arr[:, 4].astype(np.int64), arr[:, 5].astype(bool))


def fit_table(days: list[tuple[RideHailingInstance, dict]], num_cells: int, num_ticks: int, bin_ticks: int,
              gamma: float, sweeps: int = 60) -> ValueTable:
    """The table solving the empirical Bellman equation of the days' transitions."""
    bins = -(-num_ticks // bin_ticks)
    parts = [transitions(inst, sol) for inst, sol in days]
    t, c, r, t2, c2, ends = (np.concatenate([p[k] for p in parts]) for k in range(6))
    table = ValueTable(np.zeros((bins, num_cells)), bin_ticks, gamma)
    if t.size == 0:
        return table
    slot = np.minimum(t // bin_ticks, bins - 1) * num_cells + c
    count = np.bincount(slot, minlength=bins * num_cells)
    discount = gamma ** (t2 - t).astype(np.float64)
    for _ in range(sweeps):
        target = r + np.where(ends, 0.0, discount * table.at(t2, c2))
        total = np.bincount(slot, weights=target, minlength=bins * num_cells)
        table.values = np.where(count > 0, total / np.maximum(count, 1), 0.0).reshape(bins, num_cells)
    return table


def value_weights(table: ValueTable, skip: bool = False, scale: float = 1.0):
    """The matching weights of :mod:`dispatch` corrected by ``table`` (see the module docstring).

    :param skip: use the advantage as it is, so an order whose advantage is negative is left open;
        by default every weight is raised by the table's largest value, so the matching serves as
        many orders as it can and the value decides which driver serves which (a driver's average
        value overstates the marginal value of one more idle driver in a cell).
    :param scale: weight of the value terms against the fares (0: plain ``matching``).
    """
    lift = 0.0 if skip else scale * float(np.abs(table.values).max()) + 1.0

    def weights(k: RideHailingKernel, orders: np.ndarray) -> np.ndarray:
        t = int(k.t[0])
        cells = np.arange(k.num_cells)
        pick, drop = k.pickup[0, orders][:, None], k.dropoff[0, orders][:, None]
        w = k.travel[0][:, k.pickup[0, orders]].T  # (n, C)
        dur = k.duration[0, orders][:, None]
        p = cancel_probability(w, k.cancel_rate[0], k.cancel_grace[0])
        wc = reposition_ticks(w)
        served = table.gamma ** (w + dur) * table.at(t + w + dur, drop)
        cancelled = table.gamma ** wc * table.at(t + wc, pick)
        future = (1.0 - p) * served + p * cancelled - table.at(t, cells)[None, :]
        return expected_fare(k, orders) + scale * future + lift

    return weights


def value_reposition(table: ValueTable):
    """Move one idle driver to the best neighbour when it beats staying by :data:`MOVE_MARGIN`."""

    def choose(k: RideHailingKernel) -> int:
        c, src, t = k.num_cells, int(k.cur[0]), int(k.t[0])
        nbrs = np.flatnonzero(k.mask[0, :c])
        if nbrs.size == 0:
            return c
        tau = reposition_ticks(k.travel[0, src, nbrs])
        gain = table.gamma ** tau * table.at(t + tau, nbrs) - k.unit_cost[0] * tau
        stay = table.gamma * float(table.at(t + 1, src))
        best = int(np.argmax(gain))
        return int(nbrs[best]) if gain[best] > stay + MOVE_MARGIN else c

    return choose
