"""``hgs`` on the prize-collecting TSP: PyVRP's HGS, the minimum prize modelled exactly by a "skip" vehicle.

PyVRP has no minimum-prize constraint, so the model makes every node a required
client and adds a second vehicle (profile 1) that "visits" the nodes the tour leaves
out: its arc cost into node ``j`` is ``j``'s penalty and back to the depot is free, so
its route costs exactly the penalties of the nodes it takes. Each client's delivery
is its prize in integer units, rounded up (``ceil(q * prize)``,
:func:`~routing_gym.baselines.prize_tour.prize_quantum`), and the skip vehicle's
capacity is ``floor(q * (total prize - min_prize))``: the prize left out is at most
the total minus the minimum, so the tour collects at least the minimum. The real
vehicle (profile 0) has the distances and room for every prize. PyVRP's objective,
the two routes' costs, is then the PCTSP cost. When the prizes cannot reach the
minimum there is no skip vehicle. Distances and penalties are scaled by
:func:`~routing_gym.baselines.references.reference_scale` (1 for integer instances)
and rounded. PyVRP's penalty cap is raised with the scale (as for CVRPTW), so that
breaking the skip vehicle's capacity never pays. The tour is checked with ``evaluate_pctsp``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from routing_gym.baselines.pctsp.search import checked
from routing_gym.baselines.prize_tour import prize_quantum
from routing_gym.baselines.references import HGSSolver, reference_scale, require
from routing_gym.envs.pctsp.types import PCTSPInstance

#: PyVRP's penalty cap per unit of excess load, per unit of the longest scaled edge
PENALTY_PER_EDGE = 100.0


def pyvrp_pctsp_data(instance: PCTSPInstance, scale: float | None = None) -> tuple[Any, float]:
    """``pyvrp.ProblemData`` of a PCTSP instance (vehicle type 0 the tour, type 1 the skip vehicle), and the scale."""
    pyvrp = require("hgs")
    s = reference_scale(instance.distances, instance.is_integer, scale)
    dist = np.rint(np.asarray(instance.distances, dtype=np.float64) * s).astype(np.int64)
    np.fill_diagonal(dist, 0)
    n = instance.num_customers
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in np.asarray(instance.positions, dtype=np.float64)]
    depots = [pyvrp.Depot(location=0)]
    if instance.must_visit_all:
        clients = [pyvrp.Client(location=i) for i in range(1, n + 1)]
        vehicles = [pyvrp.VehicleType(num_available=1)]
        return pyvrp.ProblemData(locations, clients, depots, vehicles, [dist], [np.zeros_like(dist)]), s
    q = prize_quantum(np.append(instance.prizes[1:], instance.min_prize))
    loads = np.ceil(np.asarray(instance.prizes) * q - 1e-9).astype(np.int64)
    spare = math.fsum(instance.prizes.tolist()) - instance.min_prize
    room = int(math.floor(spare * q + 1e-9))
    clients = [pyvrp.Client(location=i, delivery=[int(loads[i])]) for i in range(1, n + 1)]
    skip = np.zeros_like(dist)
    skip[:, 1:] = np.rint(np.asarray(instance.penalties[1:], dtype=np.float64) * s).astype(np.int64)[None, :]
    np.fill_diagonal(skip, 0)
    vehicles = [pyvrp.VehicleType(num_available=1, capacity=[int(loads.sum())], profile=0),
                pyvrp.VehicleType(num_available=1, capacity=[max(room, 0)], profile=1)]
    data = pyvrp.ProblemData(locations, clients, depots, vehicles, [dist, skip], [np.zeros_like(dist)] * 2)
    return data, s


@HGSSolver.for_problem("pctsp")
def hgs_pctsp(solver: HGSSolver, instance: PCTSPInstance) -> list[int]:
    """PyVRP's best tour within ``solver``'s time limit; :class:`TimeoutError` if it is not feasible."""
    pyvrp = require("hgs")
    from pyvrp.stop import MaxRuntime

    data, s = pyvrp_pctsp_data(instance, solver.scale)
    longest = float(np.max(instance.distances)) * s
    penalty = pyvrp.PenaltyParams(max_penalty=max(1e5, PENALTY_PER_EDGE * longest))
    result = pyvrp.solve(data, MaxRuntime(solver.time_limit), seed=solver.seed, collect_stats=False, display=False,
                         params=pyvrp.SolveParams(penalty=penalty))
    if not result.best.is_feasible():
        raise TimeoutError(f"HGS found no feasible PCTSP tour in {solver.time_limit} s")
    tours = [[int(data.client(a.idx).location) for a in r if a.is_client()]
             for r in result.best.routes() if r.vehicle_type() == 0]
    return checked(instance, tours[0] if tours else [])
