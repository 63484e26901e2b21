"""OR-Tools routing for CVRPTW: the CVRP model plus a time dimension.

The model is :func:`routing_gym.baselines.ortools_solver.build_routing_model`
(integer arc costs with an explicit scale, a capacity dimension) with a
``"Time"`` dimension added: the transit of arc ``i -> j`` is the service time at
``i`` plus the travel time, waiting is slack, and every node's cumul (its service
start) is restricted to its window; the vehicles' start and end cumuls to the
depot's window.

Rounding. OR-Tools works on integers. Costs are rounded (``integer_distances``),
which only affects the search. Times are scaled by the same factor and rounded
so that the integer model implies the real one: transits up, ready times up, due
times down (:func:`~routing_gym.baselines.cvrptw.timing.scaled_times`). The
solution is still checked with ``evaluate_cvrptw``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.baselines.cvrptw.timing import scaled_times
from routing_gym.baselines.ortools_solver import build_routing_model, integer_distances, search_parameters
from routing_gym.errors import SolverError

def integer_times(instance: Any, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The time data of the integer model: ``(transit (n+1, n+1), ready (n+1,), due (n+1,))``, all int64.

    ``transit[i, j]`` is the rounded-up travel time plus the rounded-up service time at ``i``
    (see :func:`~routing_gym.baselines.cvrptw.timing.scaled_times`).
    """
    travel, service, ready, due = scaled_times(instance, scale)
    return travel + service[:, None], ready, due


def add_time_dimension(rm: Any, transit: np.ndarray, ready: np.ndarray, due: np.ndarray, name: str = "Time") -> Any:
    """Add a time dimension to a :class:`~routing_gym.baselines.ortools_solver.RoutingModel`.

    :param transit: ``(n+1, n+1)`` int64 service-plus-travel time of each arc.
    :param ready: int64 earliest cumul (service start) per node; ``ready[0]`` opens the depot.
    :param due: int64 latest cumul per node; ``due[0]`` is the latest return.
    """
    manager, model = rm.manager, rm.model
    horizon = int(due[0])
    if np.any(ready > due):
        i = int(np.argmax(ready > due))
        raise SolverError(f"cvrptw ortools: node {i}'s window is empty after rounding ({ready[i]} > {due[i]}); "
                          f"raise scale")
    index = model.RegisterTransitMatrix(transit.tolist())
    # slack = waiting, up to the whole horizon; cumuls start at the depot's opening, not at 0
    model.AddDimension(index, horizon, horizon, False, name)
    dim = model.GetDimensionOrDie(name)
    for node in range(1, len(ready)):
        dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(ready[node]), int(due[node]))
    for v in range(manager.GetNumberOfVehicles()):
        dim.CumulVar(model.Start(v)).SetRange(int(ready[0]), horizon)
        dim.CumulVar(model.End(v)).SetRange(int(ready[0]), horizon)
    rm.dimensions[name] = dim
    return dim


def solve_ortools(instance: Any, time_limit: float = 1.0, seed: int = 0, *, first_solution: str = "PATH_CHEAPEST_ARC",
                  metaheuristic: str = "GUIDED_LOCAL_SEARCH", scale: float | None = None,
                  num_vehicles: int | None = None) -> list[list[int]]:
    """OR-Tools routing (first solution, then the metaheuristic until ``time_limit``) for a ``CVRPTWInstance``.

    :param seed: unused: OR-Tools' routing search has no seed and is deterministic for a time limit's work.
    :param first_solution: ``FirstSolutionStrategy`` name (``PARALLEL_CHEAPEST_INSERTION`` also suits time windows).
    :param metaheuristic: ``LocalSearchMetaheuristic`` name.
    :param scale: multiplier of distances and times before rounding (default as ``integer_distances``:
        1 for integer instances, else 10 000).
    :param num_vehicles: fleet of the model (default ``n``: the number of routes is free).
    :returns: routes, checked feasible with ``evaluate_cvrptw``.
    :raises TimeoutError: no solution within the time limit.
    """
    from routing_gym.envs.cvrptw.types import evaluate_cvrptw

    del seed
    cost, s = integer_distances(instance.distances, instance.is_integer, scale)
    n = instance.num_customers
    fleet = n if num_vehicles is None else int(num_vehicles)
    if fleet < 1:
        raise SolverError(f"cvrptw ortools: num_vehicles must be >= 1, got {num_vehicles!r}")
    dem = np.asarray(instance.demands, dtype=np.int64)
    rm = build_routing_model(cost, fleet, 0, dem, instance.capacity)
    add_time_dimension(rm, *integer_times(instance, s))
    params = search_parameters(time_limit, str(first_solution).upper(), str(metaheuristic).upper())
    assignment = rm.model.SolveWithParameters(params)
    if assignment is None:
        status = rm.model.status()
        if status in (3, 4):  # ROUTING_FAIL, ROUTING_FAIL_TIMEOUT
            raise TimeoutError(f"OR-Tools found no CVRPTW solution within {time_limit} s (routing status {status})")
        raise SolverError(f"OR-Tools found no CVRPTW solution (routing status {status})")
    routes = rm.routes(assignment)
    ev = evaluate_cvrptw(instance, routes)
    if not ev.feasible:
        raise SolverError(f"cvrptw ortools: the solution breaks a constraint of the real instance: {ev.violation}")
    return routes
