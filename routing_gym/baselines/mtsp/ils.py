"""``ils`` on mTSP: giant tour + optimal split + local search, then ruin and recreate rounds."""

from __future__ import annotations

import math
import time

from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.mtsp.constructions import RouteState, giant_tour, split_routes
from routing_gym.baselines.primitives import improvement_eps, is_symmetric, make_rng_state, neighbour_count, neighbour_lists
from routing_gym.envs.mtsp.types import MTSPInstance


@IteratedLocalSearchSolver.for_problem("mtsp", inits=("nn", "farthest", "cheapest"))
def ils_mtsp(solver: IteratedLocalSearchSolver, instance: MTSPInstance) -> list[list[int]]:
    """The best routes of ``solver``'s budget of ruin-and-recreate rounds, from its ``init`` giant tour (default ``nn``).

    ``ruin`` (mean cities removed) defaults to ``min(10, n / 4)``; ``threshold`` is in
    units of the start solution's mean edge, falling to 0 over the run.
    """
    from routing_gym.baselines.mtsp.local_search import BEST, CUR, copy_slot, ils, local_search

    t0 = time.perf_counter()
    init = solver.init_for("mtsp")
    d = instance.distances
    n, m = instance.num_cities, instance.num_vehicles
    minmax = instance.objective == "minmax"
    sym, eps = is_symmetric(d), improvement_eps(d)
    nb = neighbour_lists(d, neighbour_count(solver.neighbours or 20, n + 1), exclude_depot=True)
    ruin = solver.ruin if solver.ruin is not None else max(1.0, min(10.0, n / 4))
    nb_big = neighbour_lists(d, min(n, max(2 * int(math.ceil(ruin)) + 1, 30)), exclude_depot=True)
    state = RouteState(instance, split_routes(instance, giant_tour(instance, init, True, solver.neighbours)), slots=3)
    rng = make_rng_state(solver.seed)
    local_search(*state.arrays(CUR), d, nb, minmax, sym, eps, rng)
    copy_slot(CUR, BEST, state.routes, state.lens, state.rlen, state.pref, state.wr, state.wi)
    mean_edge = float(state.rlen[CUR].sum()) / (n + m)

    def step(k: int, progress: float) -> None:
        thr = solver.threshold * mean_edge * (1.0 - progress)
        ils(k, thr, float(ruin), solver.blink, state.routes, state.lens, state.rlen, state.pref, state.wr, state.wi,
            d, nb, nb_big, minmax, sym, eps, rng)

    solver._run(step, t0)
    return state.solution(BEST)
