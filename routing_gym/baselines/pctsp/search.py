"""``greedy`` and ``ils`` on the prize-collecting TSP: the prize-tour search of :mod:`routing_gym.baselines.prize_tour`."""

from __future__ import annotations

import time

import numpy as np

from routing_gym.baselines.greedy import GreedySolver
from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.primitives import neighbour_count, neighbour_lists
from routing_gym.baselines.prize_tour import PrizeData, greedy_tour, ils_tour, make_data
from routing_gym.envs.pctsp.types import PCTSPInstance, evaluate_pctsp
from routing_gym.errors import SolverError


def pctsp_data(instance: PCTSPInstance, neighbours: object = None) -> PrizeData:
    """The PCTSP as a prize tour: weight 1 on the length, the penalties, the minimum prize, no length limit."""
    n1 = instance.num_customers + 1
    nb = neighbour_lists(instance.distances, neighbour_count(neighbours or 20, n1), exclude_depot=True)
    return make_data(instance.distances, instance.penalties, instance.prizes, nb, 1.0, np.inf, instance.min_prize)


def checked(instance: PCTSPInstance, tour: list[int]) -> list[int]:
    """``tour`` after :func:`evaluate_pctsp` confirms it; a :class:`SolverError` otherwise (a bug, never hidden)."""
    tour = [int(x) for x in tour]
    ev = evaluate_pctsp(instance, tour)
    if not ev.feasible:
        raise SolverError(f"pctsp: infeasible tour: {ev.violation}")
    return tour


@GreedySolver.for_problem("pctsp")
def greedy_pctsp(solver: GreedySolver, instance: PCTSPInstance) -> list[int]:
    """Reach the minimum prize by the cheapest insertions per prize, add every insertion that pays; local search."""
    return checked(instance, greedy_tour(pctsp_data(instance, solver.neighbours), solver.ls))


@IteratedLocalSearchSolver.for_problem("pctsp", inits=("greedy",))
def ils_pctsp(solver: IteratedLocalSearchSolver, instance: PCTSPInstance) -> list[int]:
    """Greedy plus local search, then perturbation rounds until the budget (see :func:`ils_tour`)."""
    t0 = time.perf_counter()
    solver.init_for("pctsp")
    return checked(instance, ils_tour(solver, pctsp_data(instance, solver.neighbours), t0))
