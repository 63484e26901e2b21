"""``hgs`` on CVRP: PyVRP's iterated local search (the HGS line of work), the CVRP reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.baselines.references import HGSSolver, reference_scale, require
from routing_gym.envs.cvrp.types import CVRPInstance


def pyvrp_data(instance: CVRPInstance, scale: float | None = None) -> tuple[Any, float]:
    """``pyvrp.ProblemData`` for ``instance``: integer scaled distances, one vehicle type, a fleet of ``n``."""
    pyvrp = require("hgs")
    d = instance.distances
    s = reference_scale(d, instance.is_integer, scale)
    di = np.rint(np.asarray(d, dtype=np.float64) * s).astype(np.int64)
    np.fill_diagonal(di, 0)
    n = instance.num_customers
    pts = np.asarray(instance.positions, dtype=np.float64)
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in pts]
    clients = [pyvrp.Client(location=i, delivery=[int(instance.demands[i])]) for i in range(1, n + 1)]
    depots = [pyvrp.Depot(location=0)]
    vehicles = [pyvrp.VehicleType(num_available=n, capacity=[int(instance.capacity)])]
    data = pyvrp.ProblemData(locations, clients, depots, vehicles, [di], [np.zeros_like(di)])
    return data, s


@HGSSolver.for_problem("cvrp")
def hgs_cvrp(solver: HGSSolver, instance: CVRPInstance) -> list[list[int]]:
    """The best routes PyVRP finds within ``solver``'s time limit; :class:`TimeoutError` if none is feasible."""
    pyvrp = require("hgs")
    from pyvrp.stop import MaxRuntime

    data, _ = pyvrp_data(instance, solver.scale)
    result = pyvrp.solve(data, MaxRuntime(solver.time_limit), seed=solver.seed, collect_stats=False, display=False)
    best = result.best
    if not best.is_feasible():
        raise TimeoutError(f"HGS found no feasible solution in {solver.time_limit} s")
    routes = []
    for route in best.routes():
        visits = [data.client(a.idx).location for a in route if a.is_client()]
        if visits:
            routes.append([int(v) for v in visits])
    return routes
