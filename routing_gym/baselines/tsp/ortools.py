"""``ortools`` on TSP: one vehicle from node 0 over the integer cost matrix."""

from __future__ import annotations

from routing_gym.baselines.ortools_solver import ORToolsSolver, build_routing_model
from routing_gym.envs.tsp.types import TSPInstance


@ORToolsSolver.for_problem("tsp")
def ortools_tsp(solver: ORToolsSolver, instance: TSPInstance) -> list[int]:
    """The tour OR-Tools finds within ``solver``'s time limit."""
    d = solver.integer_matrix(instance)
    if instance.num_nodes < 2:
        return list(range(instance.num_nodes))
    rm = build_routing_model(d, 1, 0)
    routes = rm.routes(solver.search(rm))
    return [0] + (routes[0] if routes else [])
