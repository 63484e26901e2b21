"""``ortools`` on CVRP: a fleet large enough to be feasible, with a capacity dimension."""

from __future__ import annotations

import math

import numpy as np

from routing_gym.baselines.ortools_solver import ORToolsSolver, build_routing_model
from routing_gym.envs.cvrp.types import CVRPInstance


def cvrp_fleet_bound(demands: np.ndarray, capacity: int) -> int:
    """A fleet size that always suffices: ``2 * ceil(total demand / capacity) + 1``, at most one per customer.

    Next-fit bin packing never needs more bins (two consecutive bins hold more than
    ``capacity``), so the model is feasible; and with the triangle inequality an
    optimal solution exists where no two routes fit together, so it uses no more either.
    """
    n = len(demands) - 1
    total = int(np.sum(demands))
    return max(1, min(n, 2 * math.ceil(total / capacity) + 1))


@ORToolsSolver.for_problem("cvrp")
def ortools_cvrp(solver: ORToolsSolver, instance: CVRPInstance) -> list[list[int]]:
    """The routes OR-Tools finds within ``solver``'s time limit."""
    d = solver.integer_matrix(instance)
    dem = np.asarray(instance.demands, dtype=np.int64)
    rm = build_routing_model(d, cvrp_fleet_bound(dem, instance.capacity), 0, dem, instance.capacity)
    return rm.routes(solver.search(rm))
