"""``ortools`` on mTSP: ``m`` vehicles, all of them used; min-max through the span cost.

* ``"sum"``: the arc costs are the (integer-scaled) distances.
* ``"minmax"``: a ``"Distance"`` dimension over the true (scaled) distances with
  ``SetGlobalSpanCostCoefficient``: the objective adds the coefficient times the
  longest route (the span, since every route starts at 0), so with a coefficient
  far above 1 the longest route is minimised first and the arc costs break ties
  (the OR-Tools vehicle-routing guide's min-max recipe).

Every vehicle must serve a city. A hard "at least one visit" constraint leaves
OR-Tools' first-solution heuristics without a solution on 100 cities and 10
vehicles in seconds (measured), so the model prefers using every vehicle instead:
every city-to-city arc costs a constant ``M`` more (twice the longest depot arc,
plus one). A solution with ``r`` routes pays ``M (n - r)``, splitting any route
then pays less, and among ``m``-route solutions the offset is one constant. Should a
vehicle still be unused at the time limit, :func:`~routing_gym.baselines.mtsp.constructions.fill_empty_routes`
splits routes until each vehicle has one (never worse for the min-max objective
under the triangle inequality).
"""

from __future__ import annotations

import numpy as np

from routing_gym.baselines.mtsp.constructions import fill_empty_routes
from routing_gym.baselines.ortools_solver import ORToolsSolver, build_routing_model
from routing_gym.envs.mtsp.types import MTSPInstance

#: weight of the longest route against the arc costs in the min-max model
SPAN_COEFFICIENT = 100


def route_forcing_costs(d: np.ndarray) -> np.ndarray:
    """``d`` with ``2 max(depot arc) + 1`` added to every city-to-city arc (see the module docstring)."""
    out = d.copy()
    out[1:, 1:] += 2 * int(max(d[0].max(), d[:, 0].max())) + 1
    np.fill_diagonal(out, 0)
    return out


@ORToolsSolver.for_problem("mtsp")
def ortools_mtsp(solver: ORToolsSolver, instance: MTSPInstance) -> list[list[int]]:
    """The routes OR-Tools finds within ``solver``'s time limit (exactly ``m``, none empty)."""
    d = solver.integer_matrix(instance)
    rm = build_routing_model(route_forcing_costs(d), instance.num_vehicles, 0)
    if instance.objective == "minmax":
        distance = rm.model.RegisterTransitMatrix(d.tolist())
        horizon = int(np.sum(d.max(axis=1)))  # no route is longer than n + 1 longest edges
        rm.model.AddDimension(distance, 0, horizon, True, "Distance")
        dim = rm.model.GetDimensionOrDie("Distance")
        dim.SetGlobalSpanCostCoefficient(SPAN_COEFFICIENT)
        rm.dimensions["Distance"] = dim
    return fill_empty_routes(instance, rm.routes(solver.search(rm)))
