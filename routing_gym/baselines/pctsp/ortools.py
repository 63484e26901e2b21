"""``ortools`` on the prize-collecting TSP: a disjunction per node and a prize dimension holding the minimum.

The model (:func:`~routing_gym.baselines.ortools_solver.build_routing_model`, one
vehicle) has the integer arc costs of the other problems (``integer_matrix``: 1 for
integer instances, else ``scale``, default 10 000, rounded); each node may be dropped
at a penalty of its penalty times the same scale, rounded. A ``"Prize"`` dimension sums
``floor(q * prize)`` of the visited nodes (``q``:
:func:`~routing_gym.baselines.prize_tour.prize_quantum`), and the end cumul must reach
``ceil(q * min_prize)``, which implies the real minimum. When the prizes cannot reach
the minimum, every node is required (no disjunctions). The search uses the extended
swap-active operator, as for OP. The tour is checked with ``evaluate_pctsp``.
"""

from __future__ import annotations

import math

import numpy as np

from routing_gym.baselines.op.ortools import search_with_swaps
from routing_gym.baselines.ortools_solver import ORToolsSolver, build_routing_model, integer_distances
from routing_gym.baselines.pctsp.search import checked
from routing_gym.baselines.prize_tour import prize_quantum
from routing_gym.envs.pctsp.types import PCTSPInstance


@ORToolsSolver.for_problem("pctsp")
def ortools_pctsp(solver: ORToolsSolver, instance: PCTSPInstance) -> list[int]:
    """The best tour OR-Tools finds within ``solver``'s time limit (metaheuristic until the limit)."""
    cost, s = integer_distances(instance.distances, instance.is_integer, solver.scale)
    n1 = cost.shape[0]
    rm = build_routing_model(cost, 1, 0)
    if not instance.must_visit_all:
        q = prize_quantum(np.append(instance.prizes[1:], instance.min_prize))
        units = np.floor(np.asarray(instance.prizes) * q + 1e-9).astype(np.int64)
        need = int(math.ceil(instance.min_prize * q - 1e-9))
        index = rm.model.RegisterUnaryTransitVector([int(u) for u in units])
        rm.model.AddDimension(index, 0, max(int(units.sum()), need), True, "Prize")
        prize = rm.model.GetDimensionOrDie("Prize")
        prize.CumulVar(rm.model.End(0)).SetMin(need)
        rm.dimensions["Prize"] = prize
        penalties = np.rint(np.asarray(instance.penalties) * s).astype(np.int64)
        for node in range(1, n1):
            rm.model.AddDisjunction([rm.manager.NodeToIndex(node)], int(penalties[node]))
    routes = rm.routes(search_with_swaps(solver, rm))
    return checked(instance, routes[0] if routes else [])
