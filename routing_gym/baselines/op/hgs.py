"""``hgs`` on orienteering: PyVRP's HGS with optional clients (prize-collecting) and a vehicle with a maximum distance.

One vehicle; every node is an optional client (``required=False``) whose prize is
its prize in integer units (:func:`~routing_gym.baselines.prize_tour.prize_quantum`)
times ``D + 1``, ``D`` the vehicle's maximum distance, so that PyVRP's objective
(distance plus the prizes not collected) maximises the prize first and breaks ties
by length. Distances are ``ceil(scale * d)`` and the maximum distance
``floor(scale * L)`` (:func:`~routing_gym.baselines.prize_tour.ceil_lengths`), so the
integer limit implies the real one; ``scale`` is
:func:`~routing_gym.baselines.references.reference_scale` (1 for integer instances).
PyVRP's penalty cap is raised above the total prize, so that collecting a prize never
pays for breaking the limit. The tour is checked with ``evaluate_op``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from routing_gym.baselines.op.search import checked
from routing_gym.baselines.prize_tour import ceil_lengths, prize_quantum
from routing_gym.baselines.references import HGSSolver, reference_scale, require
from routing_gym.envs.op.types import OPInstance
from routing_gym.errors import SolverError


def pyvrp_op_data(instance: OPInstance, scale: float | None = None) -> tuple[Any, int]:
    """``pyvrp.ProblemData`` of an OP instance, and the total of its client prizes (in PyVRP units)."""
    pyvrp = require("hgs")
    s = reference_scale(instance.distances, instance.is_integer, scale)
    dist = ceil_lengths(instance.distances, s)
    limit = int(math.floor(instance.max_length * s + 1e-9 * max(1.0, instance.max_length * s)))
    q = prize_quantum(instance.prizes[1:])
    prizes = np.rint(np.asarray(instance.prizes) * q).astype(np.int64) * (max(limit, 0) + 1)
    if prizes.sum() > 2**62:
        raise SolverError(f"hgs op: total prize {prizes.sum():.3g} overflows int64; lower scale")
    n = instance.num_customers
    pos = np.asarray(instance.positions, dtype=np.float64)
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in pos]
    clients = [pyvrp.Client(location=i, prize=int(prizes[i]), required=False) for i in range(1, n + 1)]
    vehicles = [pyvrp.VehicleType(num_available=1, max_distance=max(limit, 0))]
    data = pyvrp.ProblemData(locations, clients, [pyvrp.Depot(location=0)], vehicles, [dist], [np.zeros_like(dist)])
    return data, int(prizes[1:].sum())


def single_route(data: Any, result: Any) -> list[int]:
    """The nodes of PyVRP's best solution (one route at most), in order."""
    routes = [[int(data.client(a.idx).location) for a in r if a.is_client()] for r in result.best.routes()]
    routes = [r for r in routes if r]
    if len(routes) > 1:
        raise SolverError(f"hgs: expected one route, got {len(routes)}")
    return routes[0] if routes else []


@HGSSolver.for_problem("op")
def hgs_op(solver: HGSSolver, instance: OPInstance) -> list[int]:
    """PyVRP's best tour within ``solver``'s time limit; :class:`TimeoutError` if it is not feasible."""
    pyvrp = require("hgs")
    from pyvrp.stop import MaxRuntime

    data, total = pyvrp_op_data(instance, solver.scale)
    penalty = pyvrp.PenaltyParams(max_penalty=float(max(1e5, 2 * total + 1)))
    result = pyvrp.solve(data, MaxRuntime(solver.time_limit), seed=solver.seed, collect_stats=False, display=False,
                         params=pyvrp.SolveParams(penalty=penalty))
    if not result.best.is_feasible():
        raise TimeoutError(f"HGS found no feasible OP tour in {solver.time_limit} s")
    return checked(instance, single_route(data, result))
