"""``ils`` on CVRP: a construction plus local search, then ruin and recreate with a falling acceptance threshold."""

from __future__ import annotations

import math
import time

import numpy as np

from routing_gym.baselines.cvrp.constructions import CVRP_CONSTRUCTIONS
from routing_gym.baselines.cvrp.local_search import (
    cvrp_arrays,
    cvrp_ils_kernel,
    cvrp_local_search_kernel,
    cvrp_start_state,
)
from routing_gym.baselines.cvrp.state import cvrp_flatten, cvrp_state_routes, cvrp_total_cost
from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.primitives import (
    improvement_eps,
    make_rng_state,
    neighbour_count,
    neighbour_lists,
    unflatten_routes,
)
from routing_gym.envs.cvrp.types import CVRPInstance


@IteratedLocalSearchSolver.for_problem("cvrp", inits=tuple(CVRP_CONSTRUCTIONS))
def ils_cvrp(solver: IteratedLocalSearchSolver, instance: CVRPInstance) -> list[list[int]]:
    """The best routes of ``solver``'s budget of ruin-and-recreate rounds, from its ``init`` (default ``savings``)."""
    t0 = time.perf_counter()
    init = solver.init_for("cvrp")
    d, dem, sym = cvrp_arrays(instance)
    n = instance.num_customers
    cap = instance.capacity
    eps = improvement_eps(d)
    nb = neighbour_lists(d, neighbour_count(solver.neighbours or 20, n), exclude_depot=True)
    ruin = solver.ruin if solver.ruin is not None else max(1.0, min(10.0, n / 4))
    nb_big = neighbour_lists(d, max(2 * int(math.ceil(ruin)) + 1, 30), exclude_depot=True)
    st = cvrp_start_state(instance, CVRP_CONSTRUCTIONS[init](instance), dem, d)
    cvrp_local_search_kernel(st, d, dem, cap, nb, sym, eps)
    best_flat = np.zeros(2 * n + 1, dtype=np.int64)
    best_len = np.array([cvrp_flatten(st, best_flat)], dtype=np.int64)
    c = float(cvrp_total_cost(st))
    costs = np.array([c, c])
    rng = make_rng_state(solver.seed)
    mean_edge = c / (n + len(cvrp_state_routes(st)))

    def step(k: int, progress: float) -> None:
        thr = solver.threshold * mean_edge * (1.0 - progress)
        cvrp_ils_kernel(st, d, dem, cap, nb, nb_big, sym, eps, k, thr, float(ruin), solver.blink, rng,
                        costs, best_flat, best_len)

    solver._run(step, t0)
    return unflatten_routes(best_flat[: best_len[0]])
