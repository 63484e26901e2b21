"""``ortools`` on orienteering: a disjunction per node and a distance dimension holding the length limit.

The model (:func:`~routing_gym.baselines.ortools_solver.build_routing_model`, one
vehicle) has the integer arc costs of the other problems (``integer_matrix``: 1 for
integer instances, else ``scale``, default 10 000, rounded). Each node may be dropped
at a penalty of its prize in integer units (:func:`~routing_gym.baselines.prize_tour.prize_quantum`:
100 for Kool et al.'s prizes, 1 for OPLib scores) times ``D + 1``, ``D`` the largest
possible route cost, so that one unit of prize outweighs any length: the search
maximises the prize and breaks ties by length. A ``"Distance"`` dimension sums
``ceil(scale * d)`` against a capacity of ``floor(scale * L)``, which implies the real
limit (:func:`~routing_gym.baselines.prize_tour.ceil_lengths`). The search also uses
OR-Tools' extended swap-active operator (off by default), which exchanges a visited
node for a dropped one: on 8 OP50 instances at 1 s it raised the mean prize from 11.55
to 14.16 (OP20: 4.72 to 5.04; OP100: 21.67 to 22.97). The tour is checked with ``evaluate_op``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from routing_gym.baselines.op.search import checked
from routing_gym.baselines.ortools_solver import (ORToolsSolver, RoutingModel, build_routing_model, integer_distances,
                                                  search_parameters)
from routing_gym.baselines.prize_tour import ceil_lengths, prize_quantum
from routing_gym.envs.op.types import OPInstance
from routing_gym.errors import SolverError


def search_with_swaps(solver: ORToolsSolver, rm: RoutingModel) -> Any:
    """``solver.search(rm)`` with the extended swap-active operator on (for the prize problems' disjunctions)."""
    from ortools.util.optional_boolean_pb2 import BOOL_TRUE

    params = search_parameters(solver.time_limit, solver.first_solution, solver.metaheuristic)
    params.local_search_operators.use_extended_swap_active = BOOL_TRUE
    assignment = rm.model.SolveWithParameters(params)
    if assignment is None:
        status = rm.model.status()
        if status in (3, 4):  # ROUTING_FAIL, ROUTING_FAIL_TIMEOUT
            raise TimeoutError(f"OR-Tools found no solution within {solver.time_limit} s (routing status {status})")
        raise SolverError(f"OR-Tools found no solution (routing status {status})")
    return assignment


@ORToolsSolver.for_problem("op")
def ortools_op(solver: ORToolsSolver, instance: OPInstance) -> list[int]:
    """The best tour OR-Tools finds within ``solver``'s time limit (metaheuristic until the limit)."""
    cost, s = integer_distances(instance.distances, instance.is_integer, solver.scale)
    length = ceil_lengths(instance.distances, s)
    limit = int(math.floor(instance.max_length * s + 1e-9 * max(1.0, instance.max_length * s)))
    n1 = cost.shape[0]
    worst = int(cost.max(initial=0)) * n1 + 1  # more than any route's arc cost
    q = prize_quantum(instance.prizes[1:])
    units = np.rint(np.asarray(instance.prizes) * q).astype(np.int64)
    if units.max(initial=0) * worst * n1 > 2**62:
        raise SolverError(f"ortools op: prize units {units.max()} x route cost {worst} overflow int64; lower scale")
    rm = build_routing_model(cost, 1, 0)
    index = rm.model.RegisterTransitMatrix(length.tolist())
    rm.model.AddDimension(index, 0, max(limit, 0), True, "Distance")
    rm.dimensions["Distance"] = rm.model.GetDimensionOrDie("Distance")
    for node in range(1, n1):
        rm.model.AddDisjunction([rm.manager.NodeToIndex(node)], int(units[node]) * worst)
    routes = rm.routes(search_with_swaps(solver, rm))
    return checked(instance, routes[0] if routes else [])
