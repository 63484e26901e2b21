"""``hgs`` on mTSP (sum objective): PyVRP with ``m`` vehicles, each made to serve a city.

PyVRP minimises total distance over at most ``num_available = m`` routes but
cannot require a route to be used. Adding a constant ``M`` to every city-to-city
arc makes each city-to-city edge cost ``M`` more, and a solution with ``r`` routes
has ``n - r`` of them: with ``M`` above twice the longest depot edge, splitting
any route in two lowers the cost, so the best solutions use all ``m`` vehicles,
and among those the offset is the same constant ``M (n - m)``: the order of
``m``-route solutions is the true one. The returned routes are judged on the real
distances. The min-max objective has no PyVRP model: an explicit failure.
"""

from __future__ import annotations

import numpy as np

from routing_gym.baselines.references import HGSSolver, reference_scale, require
from routing_gym.envs.mtsp.types import MTSPInstance
from routing_gym.errors import SolverError


def pyvrp_mtsp_data(instance: MTSPInstance, scale: float | None = None) -> tuple[object, float]:
    """``pyvrp.ProblemData``: integer scaled distances plus the route-forcing offset, ``m`` vehicles, no capacity."""
    pyvrp = require("hgs")
    d = instance.distances
    s = reference_scale(d, instance.is_integer, scale)
    di = np.rint(np.asarray(d, dtype=np.float64) * s).astype(np.int64)
    offset = 2 * int(max(di[0].max(), di[:, 0].max())) + 1
    di[1:, 1:] += offset
    np.fill_diagonal(di, 0)
    pts = np.asarray(instance.positions, dtype=np.float64)
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in pts]
    clients = [pyvrp.Client(location=i) for i in range(1, instance.num_cities + 1)]
    vehicles = [pyvrp.VehicleType(num_available=instance.num_vehicles)]
    data = pyvrp.ProblemData(locations, clients, [pyvrp.Depot(location=0)], vehicles, [di], [np.zeros_like(di)])
    return data, s


@HGSSolver.for_problem("mtsp")
def hgs_mtsp(solver: HGSSolver, instance: MTSPInstance) -> list[list[int]]:
    """PyVRP's best ``m`` routes within the time limit (sum objective only)."""
    if instance.objective != "sum":
        raise SolverError("hgs: PyVRP has no min-max objective; it solves mtsp under objective='sum' only")
    pyvrp = require("hgs")
    from pyvrp.stop import MaxRuntime

    data, _ = pyvrp_mtsp_data(instance, solver.scale)
    result = pyvrp.solve(data, MaxRuntime(solver.time_limit), seed=solver.seed, collect_stats=False, display=False)
    if not result.best.is_feasible():
        raise TimeoutError(f"HGS found no feasible solution in {solver.time_limit} s")
    routes = [[int(data.client(a.idx).location) for a in r if a.is_client()] for r in result.best.routes()]
    routes = [r for r in routes if r]
    if len(routes) != instance.num_vehicles:
        raise TimeoutError(f"HGS used {len(routes)} of the {instance.num_vehicles} vehicles within {solver.time_limit} s")
    return routes
