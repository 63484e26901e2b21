"""Dispatch policies played through the ride-hailing kernel: random, nearest driver, per-tick matching.

Every policy answers the kernel's decisions one at a time (``choose(kernel) -> action``), so the
day it returns is a day the environment built; the harness replays it anyway.

``matching`` solves, at the first decision of each tick, a maximum-weight matching of the open
orders to the cells' idle drivers as a min-cost flow (OR-Tools ``SimpleMinCostFlow``: source ->
order (capacity 1) -> cell (capacity 1, cost minus the weight) -> sink (capacity the cell's idle
drivers), and order -> sink at cost 0 to leave an order open), then answers each offer of the
tick from that plan. Weights are integers (cents: :data:`SCALE` per unit of fare).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from routing_gym.envs.ride_hailing.kernel import MATCH, OPEN, REPOSITION, RideHailingKernel
from routing_gym.envs.ride_hailing.types import RideHailingInstance, cancel_probability

#: integer weight units per unit of fare in the min-cost flow
SCALE = 1000
#: share of the mean fare a pickup tick costs in ``matching``'s weights (a tie-break towards near drivers)
PICKUP_TIE = 0.01

Choose = Callable[[RideHailingKernel], int]


def play(instance: RideHailingInstance, choose: Choose) -> dict[str, list[list[int]]]:
    """The day built by answering every decision of a batch-1 kernel with ``choose``."""
    k = RideHailingKernel(1, instance.num_cells)
    k.load(np.zeros(1, dtype=np.int64), RideHailingKernel.stack([instance]))
    act = np.zeros(1, dtype=np.int64)
    while not k.done[0]:
        act[0] = choose(k)
        k.step(act)
    return k.solution(0)


def random_choice(rng: np.random.Generator) -> Choose:
    """A uniformly random admitted action (skips and moves included)."""
    return lambda k: int(rng.choice(np.flatnonzero(k.mask[0])))


def nearest_choice(k: RideHailingKernel) -> int:
    """Serve the current order with the nearest idle driver (lowest cell on ties); never reposition."""
    c = k.num_cells
    if k.phase[0] != MATCH:
        return c
    cells = np.flatnonzero(k.mask[0, :c])
    if cells.size == 0:
        return c
    pick = k.pickup[0, k.cur[0]]
    return int(cells[np.argmin(k.travel[0, cells, pick])])


def idle_counts(k: RideHailingKernel) -> np.ndarray:
    """``(C,)`` idle drivers per cell of row 0 now."""
    r = np.zeros(1, dtype=np.int64)
    return k._idle_counts(r, k._idle(r))[0].astype(np.int64)


def open_orders(k: RideHailingKernel) -> np.ndarray:
    """Indices of the orders open at row 0's tick."""
    return np.flatnonzero((k.status[0] == OPEN) & (k.arrival[0] <= k.t[0]))


def expected_fare(k: RideHailingKernel, orders: np.ndarray) -> np.ndarray:
    """``(n, C)``: fare times the chance the rider does not cancel, for a driver from each cell, less
    :data:`PICKUP_TIE` of the mean fare per pickup tick (among equal orders, the nearer driver)."""
    w = k.travel[0][:, k.pickup[0, orders]].T  # (n, C) pickup ticks
    keep = 1.0 - cancel_probability(w, k.cancel_rate[0], k.cancel_grace[0])
    return k.fare[0, orders][:, None] * keep - PICKUP_TIE * k.mean_fare[0] * w


def max_weight_plan(weight: np.ndarray, feasible: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """A maximum-weight assignment of rows (orders) to columns (cells) of limited ``capacity``.

    :param weight: ``(n, C)`` gain of each pair (only positive, feasible pairs are arcs).
    :returns: ``(n,)`` the column of each row, ``-1`` where the row is left unassigned.
    """
    from ortools.graph.python import min_cost_flow

    n, c = weight.shape
    rows, cols = np.nonzero(feasible & (weight > 0) & (capacity[None, :] > 0))
    out = np.full(n, -1, dtype=np.int64)
    if rows.size == 0:
        return out
    source, sink = n + c, n + c + 1
    cost = -np.round(weight[rows, cols] * SCALE).astype(np.int64)
    tails = np.concatenate([np.full(n, source), rows, np.arange(n), n + np.arange(c)])
    heads = np.concatenate([np.arange(n), n + cols, np.full(n, sink), np.full(c, sink)])
    caps = np.concatenate([np.ones(n), np.ones(rows.size), np.ones(n), capacity]).astype(np.int64)
    costs = np.concatenate([np.zeros(n), cost, np.zeros(n), np.zeros(c)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n, -n]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    used = flow.flows(arcs[n : n + rows.size]) > 0
    out[rows[used]] = cols[used]
    return out


class TickMatcher:
    """Answers each offer from a maximum-weight plan made at the tick's first decision.

    :param weights: ``weights(kernel, orders) -> (n, C)`` gains of serving each open order from each cell.
    :param reposition: ``reposition(kernel) -> action`` in the reposition phase (default: pass).
    """

    def __init__(self, weights: Callable[[RideHailingKernel, np.ndarray], np.ndarray],
                 reposition: Choose | None = None) -> None:
        self.weights = weights
        self.reposition = reposition
        self.tick = -1
        self.plan: dict[int, int] = {}

    def __call__(self, k: RideHailingKernel) -> int:
        c = k.num_cells
        if k.phase[0] == REPOSITION:
            return self.reposition(k) if self.reposition else c
        if k.phase[0] != MATCH:
            return c
        if int(k.t[0]) != self.tick:
            self.tick = int(k.t[0])
            self.plan = self._plan(k)
        cell = self.plan.get(int(k.cur[0]), c)
        return cell if cell < c and k.mask[0, cell] else c

    def _plan(self, k: RideHailingKernel) -> dict[int, int]:
        orders = open_orders(k)
        if orders.size == 0:
            return {}
        feasible = k.travel[0][:, k.pickup[0, orders]].T <= k.max_pickup[0]
        cells = max_weight_plan(self.weights(k, orders), feasible, idle_counts(k))
        return {int(o): int(c) for o, c in zip(orders, cells) if c >= 0}
