"""``ortools`` on PDP: pickup-and-delivery pairs (same vehicle, pickup first), capacity, and time windows when present.

The model is :func:`~routing_gym.baselines.ortools_solver.build_routing_model`
with a capacity dimension over the signed loads (cumuls stay in ``[0, capacity]``)
and ``AddPickupAndDelivery`` per pair, the pair on one vehicle and the pickup's
cumul of an ordering dimension at most the delivery's. With time windows the
ordering dimension is the CVRPTW time dimension
(:func:`routing_gym.baselines.cvrptw.ortools.add_time_dimension`, times rounded
so that the integer model implies the real windows); without, a distance
dimension. The fleet is the file's ``num_vehicles`` (Li & Lim: 25) or one vehicle
per pair; the objective is the total distance (the number of routes is free).
"""

from __future__ import annotations

import numpy as np

from routing_gym.baselines.cvrptw.ortools import add_time_dimension, integer_times
from routing_gym.baselines.ortools_solver import ORToolsSolver, build_routing_model, integer_distances
from routing_gym.envs.pdp.types import PDPInstance, evaluate_pdp
from routing_gym.errors import SolverError


@ORToolsSolver.for_problem("pdp")
def ortools_pdp(solver: ORToolsSolver, instance: PDPInstance) -> list[list[int]]:
    """The routes OR-Tools finds within ``solver``'s time limit, checked feasible on the real-valued instance."""
    d, scale = integer_distances(instance.distances, instance.is_integer, solver.scale)
    fleet = instance.num_vehicles or instance.num_pairs
    rm = build_routing_model(d, fleet, 0, np.asarray(instance.demands, dtype=np.int64), instance.capacity)
    model, manager = rm.model, rm.manager
    if instance.has_time_windows:
        order = add_time_dimension(rm, *integer_times(instance, scale))
    else:
        model.AddDimension(rm.transit, 0, int(d.sum(axis=1).max()) * 2 + 1, True, "Distance")
        order = rm.dimensions["Distance"] = model.GetDimensionOrDie("Distance")
    cp = model.solver()
    for p, dl in instance.pairs.tolist():
        pi, di = manager.NodeToIndex(p), manager.NodeToIndex(dl)
        model.AddPickupAndDelivery(pi, di)
        cp.Add(model.VehicleVar(pi) == model.VehicleVar(di))
        cp.Add(order.CumulVar(pi) <= order.CumulVar(di))
    routes = rm.routes(solver.search(rm))
    ev = evaluate_pdp(instance, routes)
    if not ev.feasible:
        raise SolverError(f"pdp ortools: the solution breaks a constraint of the real-valued instance: {ev.violation}")
    return routes
