"""HGS for CVRPTW through PyVRP (optional package ``pyvrp``): the CVRPTW reference.

PyVRP works on integers. Distances are scaled and rounded as for CVRP
(:func:`~routing_gym.baselines.references.reference_scale`: 1 for integer
instances, else the power of ten that brings the longest edge to 10^5..10^6);
times are scaled by the same factor and rounded so that the integer model
implies the real windows (:func:`~routing_gym.baselines.cvrptw.timing.scaled_times`:
travel, service and ready times up, due times down). PyVRP's schedule is the
instance's: service starts at ``max(arrival, tw_early)`` and must start by
``tw_late``, waiting is free, vehicles leave the depot no earlier than its
opening and return by its closing. The objective is distance only (no duration
or vehicle cost), the fleet is ``n`` vehicles. PyVRP's cap on its penalties is
raised with the scale (see :func:`solve_hgs`). The solution is checked with
``evaluate_cvrptw``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.baselines.cvrptw.timing import scaled_times
from routing_gym.baselines.references import reference_scale, require
from routing_gym.errors import SolverError

#: PyVRP's default cap on a penalty per unit of constraint violation
DEFAULT_MAX_PENALTY = 1e5
#: cap used here, per unit of the longest scaled edge (a unit of violation always costs more than any edge)
PENALTY_PER_EDGE = 100.0


def pyvrp_tw_data(instance: Any, scale: float | None = None) -> tuple[Any, float]:
    """``pyvrp.ProblemData`` for a ``CVRPTWInstance``, and the scale used."""
    pyvrp = require("hgs")
    d = np.asarray(instance.distances, dtype=np.float64)
    s = reference_scale(d, instance.is_integer, scale)
    dist = np.rint(d * s).astype(np.int64)
    np.fill_diagonal(dist, 0)
    travel, service, ready, due = scaled_times(instance, s)
    np.fill_diagonal(travel, 0)
    if np.any(ready > due):
        i = int(np.argmax(ready > due))
        raise SolverError(f"cvrptw hgs: node {i}'s window is empty after rounding ({ready[i]} > {due[i]}); raise scale")
    n = instance.num_customers
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in np.asarray(instance.positions, dtype=np.float64)]
    clients = [pyvrp.Client(location=i, delivery=[int(instance.demands[i])], service_duration=int(service[i]),
                            tw_early=int(ready[i]), tw_late=int(due[i])) for i in range(1, n + 1)]
    depots = [pyvrp.Depot(location=0, tw_early=int(ready[0]), tw_late=int(due[0]))]
    vehicles = [pyvrp.VehicleType(num_available=n, capacity=[int(instance.capacity)], tw_early=int(ready[0]),
                                  tw_late=int(due[0]))]
    return pyvrp.ProblemData(locations, clients, depots, vehicles, [dist], [travel]), s


def solve_hgs(instance: Any, time_limit: float = 1.0, seed: int = 0, *, scale: float | None = None) -> list[list[int]]:
    """PyVRP's HGS on a ``CVRPTWInstance`` for ``time_limit`` seconds.

    :param scale: multiplier of distances and times before rounding (default automatic).
    :returns: routes, checked feasible with ``evaluate_cvrptw``.
    :raises TimeoutError: no feasible solution within the time limit.
    """
    from routing_gym.envs.cvrptw.types import evaluate_cvrptw

    pyvrp = require("hgs")
    from pyvrp.stop import MaxRuntime

    if time_limit is None or not time_limit > 0:
        raise SolverError(f"cvrptw hgs: needs a time_limit > 0, got {time_limit!r}")
    data, s = pyvrp_tw_data(instance, scale)
    # PyVRP caps its penalty per unit of excess load / time warp (default 1e5); with distances scaled
    # to 1e5..1e6 that cap is below one unit of distance and small instances end infeasible
    longest = float(np.max(instance.distances)) * s
    penalty = pyvrp.PenaltyParams(max_penalty=max(DEFAULT_MAX_PENALTY, PENALTY_PER_EDGE * longest))
    result = pyvrp.solve(data, MaxRuntime(float(time_limit)), seed=int(seed), collect_stats=False, display=False,
                         params=pyvrp.SolveParams(penalty=penalty))
    best = result.best
    if not best.is_feasible():
        raise TimeoutError(f"HGS found no feasible CVRPTW solution in {time_limit} s")
    routes = []
    for route in best.routes():
        visits = [int(data.client(a.idx).location) for a in route if a.is_client()]
        if visits:
            routes.append(visits)
    ev = evaluate_cvrptw(instance, routes)
    if not ev.feasible:
        raise SolverError(f"cvrptw hgs: the solution breaks a constraint of the real-valued instance: {ev.violation}")
    return routes
