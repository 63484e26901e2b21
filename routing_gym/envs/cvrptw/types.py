"""CVRPTW instance and its evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.evaluation import Evaluation, as_routes
from routing_gym.envs.instance import PlacedInstance
from routing_gym.envs.validation import check_capacity, check_coords, check_demands, check_num_vehicles, node_array
from routing_gym.errors import InstanceError

#: Tolerance of every time comparison (evaluation and the environment's mask alike).
TIME_EPS = 1e-9


def _check_windows(dist: np.ndarray, ready: np.ndarray, due: np.ndarray, service: np.ndarray) -> None:
    """Windows ordered, service non-negative, and every customer servable on a route of its own."""
    if (ready > due).any():
        i = int(np.argmax(ready > due))
        raise InstanceError(f"ready/due: node {i} has ready time {ready[i]:g} after its due time {due[i]:g}")
    if (service < 0).any():
        i = int(np.argmax(service < 0))
        raise InstanceError(f"service: negative service time {service[i]:g} at node {i}")
    if service[0] != 0:
        raise InstanceError(f"service: the depot (node 0) must have service time 0, got {service[0]:g}")
    arrival = ready[0] + dist[0]
    late = arrival[1:] > due[1:] + TIME_EPS
    if late.any():
        i = int(np.argmax(late)) + 1
        raise InstanceError(
            f"due: customer {i} cannot be reached in time even alone: arrival {arrival[i]:g} from the depot "
            f"opening at {ready[0]:g} is after its due time {due[i]:g}"
        )
    back = np.maximum(arrival, ready) + service + dist[:, 0]
    stranded = back[1:] > due[0] + TIME_EPS
    if stranded.any():
        i = int(np.argmax(stranded)) + 1
        raise InstanceError(
            f"due: customer {i} cannot be served alone and back at the depot by its closing time {due[0]:g} "
            f"(earliest return {back[i]:g})"
        )


@dataclass(frozen=True, eq=False)
class CVRPTWInstance(PlacedInstance):
    """A capacitated vehicle-routing instance with time windows: one depot (node 0) and ``n`` customers.

    Travel times equal travel costs. A route leaves the depot at ``ready[0]``;
    service at customer ``j`` starts at ``max(arrival, ready[j])`` (waiting is
    allowed) and must start no later than ``due[j]``; the vehicle must be back by
    ``due[0]``. Every customer is checked to be servable on a route of its own.

    :param distances: ``(n + 1, n + 1)`` travel costs = travel times, node 0 the depot.
    :param demands: ``(n + 1,)`` non-negative integer demands, ``demands[0] == 0``.
    :param capacity: the vehicle capacity (a positive integer); every demand must fit.
    :param ready: ``(n + 1,)`` earliest service starts; ``ready[0]`` is the depot opening time.
    :param due: ``(n + 1,)`` latest service starts; ``due[0]`` is the depot closing (latest return) time.
    :param service: ``(n + 1,)`` non-negative service durations, ``service[0] == 0``.
    :param coords: ``(n + 1, 2)`` coordinates or ``None``.
    :param edge_weight_type: the distance convention (``"EUC_TRUNC1"`` for Solomon files).
    :param name: a label, e.g. the Solomon name.
    :param optimum: the known optimal or best-known cost (total distance), if any.
    :param num_vehicles: the file's fleet size, informative only: the environment and
        :func:`evaluate_cvrptw` allow any number of routes.
    """

    distances: np.ndarray
    demands: np.ndarray
    capacity: int
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    coords: np.ndarray | None = None
    edge_weight_type: str = "EUC"
    name: str = ""
    optimum: float | None = None
    num_vehicles: int | None = None

    def __post_init__(self) -> None:
        n1 = self._set_distances(2, "a CVRPTW instance needs a depot and at least 1 customer")
        dem = check_demands(self.demands, n1)
        object.__setattr__(self, "demands", dem)
        object.__setattr__(self, "capacity", check_capacity(self.capacity, dem))
        for field in ("ready", "due", "service"):
            object.__setattr__(self, field, node_array(getattr(self, field), field, n1))
        _check_windows(self.distances, self.ready, self.due, self.service)
        self._set_coords(n1)
        check_num_vehicles(self.num_vehicles)

    @classmethod
    def from_coords(cls, coords: Any, demands: Any, capacity: int, ready: Any, due: Any, service: Any,
                    edge_weight_type: str = "EUC", **kwargs: Any) -> "CVRPTWInstance":
        """Instance whose distances (and travel times) follow ``edge_weight_type`` over ``coords`` (depot first)."""
        c = check_coords(coords, None)
        return cls(distance_matrix(c, edge_weight_type), demands, capacity, ready, due, service, c, edge_weight_type, **kwargs)

    @property
    def num_customers(self) -> int:
        return int(self.distances.shape[0] - 1)

    num_nodes = num_customers  # the environment's ``num_nodes`` counts customers

    @property
    def horizon(self) -> float:
        """The depot's closing time ``due[0]``, the latest return."""
        return float(self.due[0])

    @property
    def min_vehicles(self) -> int:
        """Lower bound on the number of routes from capacity alone: ``ceil(total demand / capacity)``."""
        return int(-(-int(self.demands.sum()) // self.capacity))

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"CVRPTWInstance{label}(customers={self.num_customers}, capacity={self.capacity}, "
                f"horizon={self.horizon:g}, edge_weight_type={self.edge_weight_type!r})")


def _route_violation(instance: CVRPTWInstance, k: int, route: np.ndarray, length: float) -> tuple[float, str | None]:
    """``length`` plus the length of route ``k`` (added edge by edge, in the environment's order),
    and the route's first time-window or capacity violation (or ``None``)."""
    d, ready, due, service = instance.distances, instance.ready, instance.due, instance.service
    violation: str | None = None
    clock = float(ready[0])
    prev = 0
    for node in route.tolist():
        length += float(d[prev, node])
        arrival = clock + float(d[prev, node])
        if violation is None and arrival > due[node] + TIME_EPS:
            violation = (f"route {k}: customer {node} reached at time {arrival:.6g}, after its window "
                         f"[{ready[node]:g}, {due[node]:g}]")
        clock = max(arrival, float(ready[node])) + float(service[node])
        prev = node
    length += float(d[prev, 0])
    back = clock + float(d[prev, 0])
    if violation is None and back > due[0] + TIME_EPS:
        violation = f"route {k}: back at the depot at time {back:.6g}, after its closing time {due[0]:g}"
    load = int(instance.demands[route].sum())
    if violation is None and load > instance.capacity:
        violation = f"route {k}: load {load} exceeds capacity {instance.capacity}"
    return length, violation


def evaluate_cvrptw(instance: CVRPTWInstance, solution: Sequence[Sequence[int]]) -> Evaluation:
    """Total length and feasibility of a set of routes under capacity and time windows.

    Each route leaves the depot at ``ready[0]``; arrival is departure plus travel
    time; service starts at ``max(arrival, ready[j])`` and must not start after
    ``due[j]``; the route must be back by ``due[0]``. Comparisons allow ``1e-9``.

    :param solution: a list of routes, each a list of customer indices (1..n)
        without the depot. Empty routes are ignored.
    :returns: the total distance (the objective; vehicles are not counted) and feasibility.
    """
    n = instance.num_customers
    routes, why = as_routes(solution)
    if routes is None:
        return Evaluation(float("nan"), False, why)
    cost = 0.0
    seen = np.zeros(n + 1, dtype=np.int64)
    violation: str | None = None
    for k, route in enumerate(routes):
        if route.size == 0:
            continue
        if route.min() < 1 or route.max() > n:
            bad = int(route[(route < 1) | (route > n)][0])
            return Evaluation(float("nan"), False, f"route {k}: node {bad} is not a customer (1..{n})")
        cost, problem = _route_violation(instance, k, route, cost)
        np.add.at(seen, route, 1)
        violation = violation or problem
    if violation is None and (seen[1:] > 1).any():
        c = int(np.argmax(seen[1:] > 1)) + 1
        violation = f"customer {c} visited {int(seen[c])} times"
    if violation is None and (seen[1:] == 0).any():
        missing = np.flatnonzero(seen[1:] == 0) + 1
        violation = f"{missing.size} customer(s) not visited, e.g. customer {int(missing[0])}"
    return Evaluation(cost, violation is None, violation)
