"""PDP solver hooks: regret insertion (``regret``, ``cheapest``) and the large neighbourhood search (``ils``).

* ``regret`` (registered here: no generic regret solver exists): regret-``k`` pair
  insertion from empty routes (default ``k = 2``), then, with ``ls``, the
  pair- and node-relocate descents. ``cheapest`` is the same with ``k = 1``.
* ``ils`` on PDP: that start (``init``: ``regret`` or ``cheapest``), then ruin and
  recreate rounds (:func:`~routing_gym.baselines.pdp.search.lns`); ``ruin`` is the
  mean number of pairs removed (default ``min(10, max(2, P / 5))``), ``threshold``
  in units of the start solution's mean edge, falling to 0 over the run.

The objective is total distance; the number of routes is free.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from routing_gym.baselines.base import register_solver
from routing_gym.baselines.constructions import CheapestInsertionSolver, ConstructionSolver
from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.primitives import make_rng_state
from routing_gym.envs.cvrptw.types import TIME_EPS
from routing_gym.envs.pdp.types import PDPInstance
from routing_gym.errors import SolverError


class PDPState:
    """The arrays of :mod:`~routing_gym.baselines.pdp.search` for ``slots`` solutions of one instance (all empty).

    :param instance: the instance.
    :param slots: solution slots (1 for a construction, 3 for the search).
    """

    def __init__(self, instance: PDPInstance, slots: int = 1) -> None:
        n, npairs = instance.num_nodes, instance.num_pairs
        self.instance = instance
        self.data = (instance.distances, instance.ready, instance.due, instance.service, instance.demands.astype(np.int64))
        self.pairs = np.ascontiguousarray(instance.pairs, dtype=np.int64)
        self.routes = np.zeros((slots, npairs + 1, n + 2), dtype=np.int64)
        self.lens = np.zeros((slots, npairs + 1), dtype=np.int64)
        self.nr = np.zeros(slots, dtype=np.int64)
        self.start = np.zeros((slots, npairs + 1, n + 2))
        self.latest = np.zeros((slots, npairs + 1, n + 2))
        self.load = np.zeros((slots, npairs + 1, n + 2), dtype=np.int64)
        self.rlen = np.zeros((slots, npairs + 1))

    def slot(self, s: int) -> tuple[np.ndarray, ...]:
        """``(routes, lens, nr, start, latest, load, rlen)`` of slot ``s`` (views; ``nr`` a 1-element view)."""
        return (self.routes[s], self.lens[s], self.nr[s:s + 1], self.start[s], self.latest[s], self.load[s], self.rlen[s])

    def all_slots(self) -> tuple[np.ndarray, ...]:
        return (self.routes, self.lens, self.nr, self.start, self.latest, self.load, self.rlen)

    def solution(self, s: int = 0) -> list[list[int]]:
        return [self.routes[s, r, : self.lens[s, r]].tolist() for r in range(int(self.nr[s]))]


def regret_solution(state: PDPState, k: int, rng: np.ndarray, slot: int = 0, blink: float = 0.0) -> None:
    """Fill slot ``slot`` (empty) by regret-``k`` insertion of every pair."""
    from routing_gym.baselines.pdp.insertion import regret_insert

    inst = state.instance
    todo = np.arange(inst.num_pairs, dtype=np.int64)
    ok = regret_insert(todo, len(todo), k, state.pairs, *state.slot(slot), *state.data, inst.capacity, TIME_EPS,
                       blink, rng)
    if not ok:  # cannot happen: every pair is servable alone and an empty route is always offered
        raise SolverError("pdp insertion: a pair fits in no route, not even an empty one")


def relocate_all(state: PDPState, rng: np.ndarray, slot: int = 0) -> None:
    """The pair- and node-relocate descents over every pair of slot ``slot``, until neither moves anything."""
    from routing_gym.baselines.pdp.search import relocate_nodes, relocate_pairs

    which = np.arange(state.instance.num_pairs, dtype=np.int64)
    cap = state.instance.capacity
    while True:
        moved = relocate_pairs(which, len(which), state.pairs, *state.slot(slot), *state.data, cap, TIME_EPS, rng)
        moved += relocate_nodes(which, len(which), state.pairs, *state.slot(slot), *state.data, cap, TIME_EPS)
        if moved == 0:
            return


def insertion_routes(instance: PDPInstance, k: int = 2, ls: bool = True, seed: int = 0) -> list[list[int]]:
    """Regret-``k`` insertion (``k = 1``: cheapest insertion), then the pair-relocate descent when ``ls``."""
    state = PDPState(instance)
    rng = make_rng_state(seed)
    regret_solution(state, k, rng)
    if ls:
        relocate_all(state, rng)
    return state.solution()


@register_solver("regret")
class RegretInsertionSolver(ConstructionSolver):
    """Regret-``k`` insertion (PDP: whole pairs), then local search unless ``ls=false``.

    :param k: regret degree (1: cheapest insertion; default 2).
    """

    def __init__(self, time_limit: float = 1.0, seed: int = 0, ls: bool = True, neighbours: Any = None, k: int = 2) -> None:
        super().__init__(time_limit, seed, ls, neighbours)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise SolverError(f"regret: k must be an integer >= 1, got {k!r}")
        self.k = int(k)


@RegretInsertionSolver.for_problem("pdp")
def regret_pdp(solver: RegretInsertionSolver, instance: PDPInstance) -> list[list[int]]:
    """``regret`` on PDP."""
    return insertion_routes(instance, solver.k, solver.ls, solver.seed)


@CheapestInsertionSolver.for_problem("pdp")
def cheapest_pdp(solver: Any, instance: PDPInstance) -> list[list[int]]:
    """``cheapest`` on PDP: cheapest feasible pair insertion (regret-1)."""
    return insertion_routes(instance, 1, solver.ls, solver.seed)


@IteratedLocalSearchSolver.for_problem("pdp", inits=("regret", "cheapest"))
def ils_pdp(solver: IteratedLocalSearchSolver, instance: PDPInstance) -> list[list[int]]:
    """The best routes of ``solver``'s budget of ruin-and-recreate rounds, from its ``init`` (default ``regret``)."""
    from routing_gym.baselines.pdp.search import BEST, CUR, copy_slot, lns

    t0 = time.perf_counter()
    init = solver.init_for("pdp")
    state = PDPState(instance, slots=3)
    rng = make_rng_state(solver.seed)
    regret_solution(state, 2 if init == "regret" else 1, rng, CUR)
    relocate_all(state, rng, CUR)
    copy_slot(CUR, BEST, *state.all_slots())
    npairs = instance.num_pairs
    ruin = solver.ruin if solver.ruin is not None else min(10.0, max(2.0, npairs / 5))
    mean_edge = float(state.rlen[CUR].sum()) / (instance.num_nodes + state.nr[CUR])

    def step(k: int, progress: float) -> None:
        thr = solver.threshold * mean_edge * (1.0 - progress)
        lns(k, thr, float(ruin), solver.blink, state.pairs, *state.all_slots(), *state.data, instance.capacity,
            TIME_EPS, rng)

    solver._run(step, t0)
    return state.solution(BEST)
