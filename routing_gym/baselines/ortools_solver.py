"""OR-Tools routing solver (``ortools``): the generic solver and model helpers; each problem's model is a hook.

Spec keys: ``time_limit`` (seconds, the search always runs until it with a
metaheuristic), ``first_solution`` (an OR-Tools ``FirstSolutionStrategy`` name,
default ``PATH_CHEAPEST_ARC``), ``metaheuristic`` (a ``LocalSearchMetaheuristic``
name, default ``GUIDED_LOCAL_SEARCH``; ``GREEDY_DESCENT`` stops at the first
local optimum) and ``scale``.

OR-Tools needs integer arc costs. The integer matrix is computed once per
instance: integer instances (TSPLIB / CVRPLIB conventions, ``is_integer``) are
used as they are (scale 1); float instances are multiplied by ``scale``
(default 10 000) and rounded. It is registered with ``RegisterTransitMatrix``,
so no Python callback runs per arc. The returned solution is judged on the
instance's own distances, not on the rounded ones.

:func:`build_routing_model` builds the model; problem variants add what they
need to the returned :class:`RoutingModel` (a dimension, disjunctions, ...)
instead of writing a new solver. A problem adds itself with a hook in its folder
that builds its model and reads the routes back (``baselines/tsp/ortools.py``:
one vehicle; ``baselines/cvrp/ortools.py``: a fleet with a capacity dimension,
through :meth:`RoutingModel.add_capacity`)::

    @ORToolsSolver.for_problem("tsp")
    def ortools_tsp(solver, instance):
        rm = build_routing_model(solver.integer_matrix(instance), 1, 0)
        return [0] + rm.routes(solver.search(rm))[0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.errors import SolverError

#: default multiplier of float distances before rounding to integers
DEFAULT_SCALE = 10_000
#: largest integer arc cost accepted (OR-Tools sums costs in int64; leave room for a route's sum)
MAX_ARC_COST = 2**40


def integer_distances(distances: np.ndarray, is_integer: bool, scale: float | None = None) -> tuple[np.ndarray, float]:
    """The integer cost matrix OR-Tools works on, and the scale used.

    :param distances: the instance's ``(n, n)`` distances.
    :param is_integer: whether the distances are integers by convention (then the default scale is 1).
    :param scale: multiplier before rounding; ``None`` picks 1 or :data:`DEFAULT_SCALE`.
    :returns: ``(int64 matrix with a zero diagonal, scale)``.
    """
    if scale is None:
        scale = 1 if is_integer else DEFAULT_SCALE
    if not scale > 0:
        raise SolverError(f"ortools: scale must be > 0, got {scale!r}")
    d = np.asarray(distances, dtype=np.float64) * float(scale)
    if d.size and d.max() > MAX_ARC_COST:
        raise SolverError(f"ortools: the largest scaled distance {d.max():.3g} exceeds {MAX_ARC_COST}; lower scale")
    out = np.rint(d).astype(np.int64)
    np.fill_diagonal(out, 0)  # a vehicle that stays at the depot costs nothing
    return out, float(scale)


@dataclass
class RoutingModel:
    """An OR-Tools routing model over an integer matrix, ready for more dimensions or disjunctions.

    :param manager: the ``RoutingIndexManager`` (solver indices are not node indices).
    :param model: the ``pywrapcp.RoutingModel``.
    :param transit: index of the registered distance matrix (also the arc cost of every vehicle).
    :param dimensions: dimensions added so far, by name.
    """

    manager: Any
    model: Any
    transit: int
    dimensions: dict[str, Any] = field(default_factory=dict)

    def add_capacity(self, demands: np.ndarray, capacity: int | np.ndarray, name: str = "Capacity") -> Any:
        """Add a load dimension: node demands (node-indexed vector) against a per-vehicle capacity."""
        num_vehicles = self.manager.GetNumberOfVehicles()
        caps = np.broadcast_to(np.asarray(capacity, dtype=np.int64), (num_vehicles,))
        demand_index = self.model.RegisterUnaryTransitVector([int(q) for q in demands])
        self.model.AddDimensionWithVehicleCapacity(demand_index, 0, [int(c) for c in caps], True, name)
        dim = self.model.GetDimensionOrDie(name)
        self.dimensions[name] = dim
        return dim

    def routes(self, assignment: Any) -> list[list[int]]:
        """Node sequences of all vehicles in ``assignment``, without the depot; empty routes dropped."""
        out = []
        for v in range(self.manager.GetNumberOfVehicles()):
            i = self.model.NextVar(self.model.Start(v))
            i = assignment.Value(i)
            route = []
            while not self.model.IsEnd(i):
                route.append(int(self.manager.IndexToNode(i)))
                i = assignment.Value(self.model.NextVar(i))
            if route:
                out.append(route)
        return out


def build_routing_model(distances_int: np.ndarray, num_vehicles: int, depot: int = 0, demands: np.ndarray | None = None,
                        capacity: int | None = None) -> RoutingModel:
    """Build the routing model: the integer matrix as the arc cost of every vehicle, plus capacity for CVRP.

    :param distances_int: ``(n, n)`` int64 costs, indexed by node.
    :param num_vehicles: fleet size; unused vehicles cost nothing (zero diagonal).
    :param depot: start and end node of every vehicle.
    :param demands: node demands (CVRP); with ``capacity``, adds a ``"Capacity"`` dimension.
    :param capacity: vehicle capacity.
    """
    from ortools.constraint_solver import pywrapcp

    d = np.asarray(distances_int)
    if d.ndim != 2 or d.shape[0] != d.shape[1] or not np.issubdtype(d.dtype, np.integer):
        raise SolverError(f"build_routing_model: expected a square integer matrix, got {d.dtype} {d.shape}")
    n = d.shape[0]
    if not 0 <= depot < n:
        raise SolverError(f"build_routing_model: depot {depot} outside 0..{n - 1}")
    if num_vehicles < 1:
        raise SolverError(f"build_routing_model: num_vehicles must be >= 1, got {num_vehicles}")
    manager = pywrapcp.RoutingIndexManager(n, int(num_vehicles), int(depot))
    model = pywrapcp.RoutingModel(manager)
    transit = model.RegisterTransitMatrix(d.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(transit)
    rm = RoutingModel(manager, model, transit)
    if (demands is None) != (capacity is None):
        raise SolverError("build_routing_model: demands and capacity go together")
    if demands is not None:
        rm.add_capacity(np.asarray(demands), int(capacity))
    return rm


def search_parameters(time_limit: float | None, first_solution: str, metaheuristic: str) -> Any:
    """OR-Tools search parameters from strategy names (checked against the installed enums)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    fs_enum = routing_enums_pb2.FirstSolutionStrategy.Value
    mh_enum = routing_enums_pb2.LocalSearchMetaheuristic.Value
    if first_solution not in fs_enum.keys():
        raise SolverError(f"ortools: unknown first_solution {first_solution!r}; expected one of {list(fs_enum.keys())}")
    if metaheuristic not in mh_enum.keys():
        raise SolverError(f"ortools: unknown metaheuristic {metaheuristic!r}; expected one of {list(mh_enum.keys())}")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = fs_enum.Value(first_solution)
    params.local_search_metaheuristic = mh_enum.Value(metaheuristic)
    if time_limit is not None:
        params.time_limit.FromMilliseconds(max(1, int(round(time_limit * 1000))))
    return params


@register_solver("ortools")
class ORToolsSolver(Solver):
    """OR-Tools routing (first solution + metaheuristic until ``time_limit``).

    Each problem's hook builds its model with :meth:`integer_matrix` and
    :func:`build_routing_model` and solves it with :meth:`search`.

    :param first_solution: ``FirstSolutionStrategy`` name, default ``PATH_CHEAPEST_ARC``.
    :param metaheuristic: ``LocalSearchMetaheuristic`` name, default ``GUIDED_LOCAL_SEARCH``.
    :param scale: multiplier of float distances before rounding (default 10 000; 1 for integer instances).
    """

    def __init__(self, time_limit: float = 1.0, seed: int = 0, first_solution: str = "PATH_CHEAPEST_ARC",
                 metaheuristic: str = "GUIDED_LOCAL_SEARCH", scale: float | None = None) -> None:
        super().__init__(time_limit, seed)
        self.first_solution = str(first_solution).upper()
        self.metaheuristic = str(metaheuristic).upper()
        self.scale = scale
        search_parameters(None, self.first_solution, self.metaheuristic)  # fail early on a bad name

    def integer_matrix(self, instance: Any) -> np.ndarray:
        """The instance's integer cost matrix at this solver's ``scale`` (see :func:`integer_distances`)."""
        return integer_distances(instance.distances, instance.is_integer, self.scale)[0]

    def search(self, rm: RoutingModel) -> Any:
        """Solve ``rm`` within the time limit; the assignment, or :class:`TimeoutError` / :class:`SolverError`."""
        params = search_parameters(self.time_limit, self.first_solution, self.metaheuristic)
        assignment = rm.model.SolveWithParameters(params)
        if assignment is None:
            status = rm.model.status()
            names = {3: "ROUTING_FAIL", 4: "ROUTING_FAIL_TIMEOUT", 5: "ROUTING_INVALID", 6: "ROUTING_INFEASIBLE"}
            if status in (3, 4):  # no solution within the limits
                raise TimeoutError(f"OR-Tools found no solution within {self.time_limit} s ({names[status]})")
            raise SolverError(f"OR-Tools found no solution (routing status {names.get(status, status)})")
        return assignment
