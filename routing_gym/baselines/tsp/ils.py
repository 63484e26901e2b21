"""``ils`` on TSP: a construction plus local search, then double-bridge kicks, local search, accept if not worse."""

from __future__ import annotations

import time

import numpy as np

from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.primitives import (
    improvement_eps,
    is_symmetric,
    make_rng_state,
    neighbour_count,
    neighbour_lists,
    tour_cost,
)
from routing_gym.baselines.tsp.constructions import TSP_CONSTRUCTIONS, tsp_small
from routing_gym.baselines.tsp.local_search import tsp_ils_kernel, tsp_local_search_kernel
from routing_gym.envs.tsp.types import TSPInstance


@IteratedLocalSearchSolver.for_problem("tsp", inits=tuple(TSP_CONSTRUCTIONS))
def ils_tsp(solver: IteratedLocalSearchSolver, instance: TSPInstance) -> list[int]:
    """The best tour of ``solver``'s budget of kicks, from its ``init`` construction (default ``nn``)."""
    t0 = time.perf_counter()
    small = tsp_small(instance)
    if small is not None:
        return small
    init = solver.init_for("tsp")
    d = instance.distances
    n = d.shape[0]
    sym = is_symmetric(d)
    eps = improvement_eps(d)
    nb = neighbour_lists(d, neighbour_count(solver.neighbours or 20, n))
    cur = TSP_CONSTRUCTIONS[init](d, 0)
    tsp_local_search_kernel(cur, d, nb, True, True, sym, eps)
    best = cur.copy()
    c = tour_cost(cur, d)
    costs = np.array([c, c])
    rng = make_rng_state(solver.seed)

    def step(k: int, progress: float) -> None:
        tsp_ils_kernel(cur, best, costs, d, nb, sym, eps, solver.kick, k, rng)

    solver._run(step, t0)
    return best.tolist()
