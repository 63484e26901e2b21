"""The ATSP's hooks on the generic solvers: each solves the matrix view (``instance.tsp``) with the same
solver's TSP hook, which reads ``distances[i, j]`` as the cost of ``i -> j``."""

from __future__ import annotations

from routing_gym.baselines.ortools_solver import ORToolsSolver
from routing_gym.baselines.references import LKHSolver
from routing_gym.envs.atsp.types import ATSPInstance


@ORToolsSolver.for_problem("atsp")
def ortools_atsp(solver: ORToolsSolver, instance: ATSPInstance) -> list[int]:
    """OR-Tools routing with the directed matrix as arc costs (``d[i, j]`` is ``i -> j``).

    Integer instances (TSPLIB) go as they are; float ones times ``scale`` (default 10 000),
    rounded; the tour is judged on the real costs.
    """
    return solver.solve(instance.tsp)


@LKHSolver.for_problem("atsp")
def lkh_atsp(solver: LKHSolver, instance: ATSPInstance) -> list[int]:
    """LKH-3 on the integer (scaled) matrix, written as ``TYPE: ATSP`` when it is asymmetric."""
    return solver.solve(instance.tsp)
