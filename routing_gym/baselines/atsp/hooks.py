"""The ATSP's hooks on the generic solvers: each solves the matrix view (``instance.tsp``) with the same
solver's TSP hook, whose code reads ``distances[i, j]`` as the cost of ``i -> j`` throughout.

The TSP constructions are directed already (nearest neighbour follows ``d[current, j]``;
the insertions price ``d[i, k] + d[k, j] - d[i, j]``), and the TSP local search switches
2-opt off on an asymmetric matrix (a reversed segment changes its cost) and keeps Or-opt
(segments of 1 to 3 nodes moved without reversal), while the ILS kick is a double
bridge, which keeps every segment's direction.
"""

from __future__ import annotations

from routing_gym.baselines.constructions import CheapestInsertionSolver, FarthestInsertionSolver, NearestNeighbourSolver
from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.ortools_solver import ORToolsSolver
from routing_gym.baselines.references import LKHSolver
from routing_gym.baselines.tsp.constructions import TSP_CONSTRUCTIONS
from routing_gym.envs.atsp.types import ATSPInstance


def _as_tsp(solver: object, instance: ATSPInstance) -> list[int]:
    return solver.solve(instance.tsp)  # type: ignore[attr-defined]


@ORToolsSolver.for_problem("atsp")
def ortools_atsp(solver: ORToolsSolver, instance: ATSPInstance) -> list[int]:
    """OR-Tools routing with the directed matrix as arc costs (``d[i, j]`` is ``i -> j``).

    Integer instances (TSPLIB) go as they are; float ones times ``scale`` (default 10 000),
    rounded; the tour is judged on the real costs.
    """
    return _as_tsp(solver, instance)


@LKHSolver.for_problem("atsp")
def lkh_atsp(solver: LKHSolver, instance: ATSPInstance) -> list[int]:
    """LKH-3 on the integer (scaled) matrix, written as ``TYPE: ATSP`` when it is asymmetric."""
    return _as_tsp(solver, instance)


@IteratedLocalSearchSolver.for_problem("atsp", inits=tuple(TSP_CONSTRUCTIONS))
def ils_atsp(solver: IteratedLocalSearchSolver, instance: ATSPInstance) -> list[int]:
    """The TSP iterated local search (Or-opt moves, double-bridge kicks) on the directed matrix."""
    return _as_tsp(solver, instance)


@NearestNeighbourSolver.for_problem("atsp")
def nearest_neighbour_atsp(solver: NearestNeighbourSolver, instance: ATSPInstance) -> list[int]:
    """Nearest neighbour along outgoing costs from ``start``, then Or-opt local search unless ``ls=false``."""
    return _as_tsp(solver, instance)


@FarthestInsertionSolver.for_problem("atsp")
def farthest_insertion_atsp(solver: FarthestInsertionSolver, instance: ATSPInstance) -> list[int]:
    """Farthest insertion (distance to the tour in either direction), directed insertion costs."""
    return _as_tsp(solver, instance)


@CheapestInsertionSolver.for_problem("atsp")
def cheapest_insertion_atsp(solver: CheapestInsertionSolver, instance: ATSPInstance) -> list[int]:
    """Cheapest directed insertion."""
    return _as_tsp(solver, instance)
