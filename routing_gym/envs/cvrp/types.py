"""CVRP instance and its evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.evaluation import Evaluation, as_routes
from routing_gym.envs.instance import PlacedInstance
from routing_gym.envs.validation import check_capacity, check_coords, check_demands


@dataclass(frozen=True, eq=False)
class CVRPInstance(PlacedInstance):
    """A capacitated vehicle-routing instance: one depot (node 0) and ``n`` customers.

    :param distances: ``(n + 1, n + 1)`` travel costs, node 0 the depot.
    :param demands: ``(n + 1,)`` non-negative integer demands, ``demands[0] == 0``.
    :param capacity: the vehicle capacity (a positive integer); every demand must fit.
    :param coords: ``(n + 1, 2)`` coordinates or ``None``.
    :param edge_weight_type: the distance convention.
    :param name: a label, e.g. the CVRPLIB name.
    :param optimum: the known optimal or best-known cost, if any.
    :param num_vehicles: the fleet size of the file's name (``-kK``), informative only:
        the environment and :func:`evaluate_cvrp` allow any number of routes.
    """

    distances: np.ndarray
    demands: np.ndarray
    capacity: int
    coords: np.ndarray | None = None
    edge_weight_type: str = "EUC"
    name: str = ""
    optimum: float | None = None
    num_vehicles: int | None = None

    def __post_init__(self) -> None:
        n1 = self._set_distances(2, "a CVRP instance needs a depot and at least 1 customer")
        dem = check_demands(self.demands, n1)
        object.__setattr__(self, "demands", dem)
        object.__setattr__(self, "capacity", check_capacity(self.capacity, dem))
        self._set_coords(n1)

    @classmethod
    def from_coords(cls, coords: Any, demands: Any, capacity: int, edge_weight_type: str = "EUC", **kwargs: Any) -> "CVRPInstance":
        """Instance whose distances follow ``edge_weight_type`` over ``coords`` (depot first)."""
        c = check_coords(coords, None)
        return cls(distance_matrix(c, edge_weight_type), demands, capacity, c, edge_weight_type, **kwargs)

    @property
    def num_customers(self) -> int:
        return int(self.distances.shape[0] - 1)

    num_nodes = num_customers  # the environment's ``num_nodes`` counts customers

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"CVRPInstance{label}(customers={self.num_customers}, capacity={self.capacity}, edge_weight_type={self.edge_weight_type!r})"


def evaluate_cvrp(instance: CVRPInstance, solution: Sequence[Sequence[int]]) -> Evaluation:
    """Total length and feasibility of a set of routes.

    :param solution: a list of routes, each a list of customer indices (1..n)
        without the depot; every route starts and ends at the depot. Empty routes are ignored.
    """
    n = instance.num_customers
    d = instance.distances
    cost = 0.0
    seen = np.zeros(n + 1, dtype=np.int64)
    violation: str | None = None
    routes, why = as_routes(solution)
    if routes is None:
        return Evaluation(float("nan"), False, why)
    for k, route in enumerate(routes):
        if route.size == 0:
            continue
        if route.min() < 1 or route.max() > n:
            bad = int(route[(route < 1) | (route > n)][0])
            return Evaluation(float("nan"), False, f"route {k}: node {bad} is not a customer (1..{n})")
        prev = 0
        for node in route:
            cost += float(d[prev, node])
            prev = node
        cost += float(d[prev, 0])
        np.add.at(seen, route, 1)
        load = int(instance.demands[route].sum())
        if load > instance.capacity and violation is None:
            violation = f"route {k}: load {load} exceeds capacity {instance.capacity}"
    if violation is None and (seen[1:] > 1).any():
        c = int(np.argmax(seen[1:] > 1)) + 1
        violation = f"customer {c} visited {int(seen[c])} times"
    if violation is None and (seen[1:] == 0).any():
        missing = np.flatnonzero(seen[1:] == 0) + 1
        violation = f"{missing.size} customer(s) not visited, e.g. customer {int(missing[0])}"
    return Evaluation(cost, violation is None, violation)
