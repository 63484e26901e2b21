"""PDP instance (pickup-and-delivery pairs, capacity, optional time windows) and its evaluation.

Time windows follow the CVRPTW rules and reuse its code
(:mod:`routing_gym.envs.cvrptw.types`): travel time equals distance, service at
node ``j`` starts at ``max(arrival, ready[j])``, must start by ``due[j]`` (with a
tolerance of :data:`~routing_gym.envs.cvrptw.types.TIME_EPS`) and lasts
``service[j]``; routes leave the depot at ``ready[0]`` and return by ``due[0]``.
Without windows every ``ready`` is 0, every ``due`` infinite and every ``service`` 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.cvrptw.types import _route_violation
from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.evaluation import Evaluation, as_routes
from routing_gym.envs.instance import PlacedInstance
from routing_gym.envs.validation import (
    check_capacity,
    check_coords,
    check_depot_demand,
    check_finite,
    check_integer_values,
    check_num_vehicles,
    frozen_array,
    node_array,
)
from routing_gym.errors import InstanceError


def _check_pairs(value: Any, n1: int) -> np.ndarray:
    """``(P, 2)`` int64 ``(pickup, delivery)`` rows covering nodes ``1..n`` exactly once."""
    arr = frozen_array(value, "pairs", np.float64, ndim=2)
    if arr.shape[1] != 2:
        raise InstanceError(f"pairs: expected shape (P, 2) of (pickup, delivery) nodes, got {arr.shape}")
    check_finite(arr, "pairs")
    pairs = check_integer_values(arr.reshape(-1), "pairs").reshape(-1, 2)
    if 2 * pairs.shape[0] != n1 - 1:
        raise InstanceError(f"pairs: {pairs.shape[0]} pairs cover {2 * pairs.shape[0]} nodes, but there are {n1 - 1} "
                            f"non-depot nodes (each is the pickup or the delivery of exactly one pair)")
    flat = pairs.reshape(-1)
    bad = (flat < 1) | (flat >= n1)
    if bad.any():
        raise InstanceError(f"pairs: node {int(flat[bad][0])} is not a non-depot node (1..{n1 - 1})")
    count = np.bincount(flat, minlength=n1)
    if (count[1:] != 1).any():
        i = int(np.argmax(count[1:] != 1)) + 1
        raise InstanceError(f"pairs: node {i} appears {int(count[i])} times, expected once")
    pairs.setflags(write=False)
    return pairs


def _check_demands(value: Any, pairs: np.ndarray, n1: int) -> np.ndarray:
    """Signed integer demands: ``q >= 0`` at a pickup, ``-q`` at its delivery, 0 at the depot."""
    dem = check_integer_values(node_array(value, "demands", n1), "demands")
    check_depot_demand(dem)
    p, d = pairs[:, 0], pairs[:, 1]
    if (dem[p] < 0).any():
        i = int(p[np.argmax(dem[p] < 0)])
        raise InstanceError(f"demands: pickup {i} has negative demand {dem[i]} (a pickup loads q >= 0)")
    if (dem[d] != -dem[p]).any():
        k = int(np.argmax(dem[d] != -dem[p]))
        raise InstanceError(f"demands: delivery {d[k]} has demand {dem[d[k]]}, expected {-dem[p[k]]} "
                            f"(minus its pickup {p[k]}'s)")
    return dem


def _time_array(value: Any, field: str, n1: int, default: float, allow_inf: bool) -> np.ndarray:
    if value is None:
        arr = np.full(n1, default)
        arr.setflags(write=False)
        return arr
    arr = frozen_array(value, field, np.float64, ndim=1)
    if arr.shape[0] != n1:
        raise InstanceError(f"{field}: expected {n1} values (depot first), got {arr.shape[0]}")
    check_finite(np.where(np.isposinf(arr), 0.0, arr) if allow_inf else arr, field)
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise InstanceError(f"{field}: negative value {arr[i]:g} at node {i}")
    return arr



@dataclass(frozen=True, eq=False)
class PDPInstance(PlacedInstance):
    """A pickup-and-delivery instance: a depot (node 0) and ``P`` pairs, ``n = 2P`` other nodes.

    Each pair's load is picked up at its pickup node and must be dropped at its
    delivery node later on the same route; the load aboard never exceeds the
    capacity, and every route ends empty at the depot. The number of routes is
    free and the objective is the total distance. Time windows are optional
    (``ready``, ``due``, ``service``; see the module docstring); every pair must be
    servable on a route of its own (depot, pickup, delivery, depot).

    :param distances: ``(n + 1, n + 1)`` travel costs = travel times, node 0 the depot.
    :param pairs: ``(P, 2)`` ``(pickup, delivery)`` node pairs covering ``1..n`` once.
    :param demands: ``(n + 1,)`` signed integer loads: ``q >= 0`` at a pickup, ``-q`` at its delivery.
    :param capacity: the vehicle capacity (a positive integer); every pair's load must fit.
    :param ready: ``(n + 1,)`` earliest service starts (``ready[0]``: the depot opens), or ``None`` (all 0).
    :param due: ``(n + 1,)`` latest service starts (``due[0]``: latest return; ``inf`` allowed), or ``None`` (all inf).
    :param service: ``(n + 1,)`` service durations, ``service[0] == 0``, or ``None`` (all 0).
    :param coords: ``(n + 1, 2)`` coordinates or ``None``.
    :param edge_weight_type: the distance convention (Li & Lim files: ``"EUC"``, plain Euclidean).
    :param name: a label, e.g. ``"lc101"``.
    :param optimum: the best-known total distance, if any (for Li & Lim: of the vehicles-first best solution).
    :param num_vehicles: the file's fleet size, informative only (the number of routes is free).
    """

    distances: np.ndarray
    pairs: np.ndarray
    demands: np.ndarray
    capacity: int
    ready: np.ndarray | None = None
    due: np.ndarray | None = None
    service: np.ndarray | None = None
    coords: np.ndarray | None = None
    edge_weight_type: str = "EUC"
    name: str = ""
    optimum: float | None = None
    num_vehicles: int | None = None

    def __post_init__(self) -> None:
        n1 = self._set_distances(3, "a PDP instance needs a depot and at least one pair")
        pairs = _check_pairs(self.pairs, n1)
        object.__setattr__(self, "pairs", pairs)
        dem = _check_demands(self.demands, pairs, n1)
        object.__setattr__(self, "demands", dem)
        self._check_capacity(dem)
        object.__setattr__(self, "ready", _time_array(self.ready, "ready", n1, 0.0, False))
        object.__setattr__(self, "due", _time_array(self.due, "due", n1, np.inf, True))
        object.__setattr__(self, "service", _time_array(self.service, "service", n1, 0.0, False))
        if self.service[0] != 0:
            raise InstanceError(f"service: the depot (node 0) must have service time 0, got {self.service[0]:g}")
        if (self.ready > self.due).any():
            i = int(np.argmax(self.ready > self.due))
            raise InstanceError(f"ready/due: node {i} has ready time {self.ready[i]:g} after its due time {self.due[i]:g}")
        self._set_coords(n1)
        check_num_vehicles(self.num_vehicles)
        self._check_pairs_alone()

    def _check_capacity(self, dem: np.ndarray) -> None:
        cap = check_capacity(self.capacity)
        object.__setattr__(self, "capacity", cap)
        if dem.max() > cap:
            i = int(np.argmax(dem))
            raise InstanceError(f"demands: pickup {i}'s load {dem[i]} exceeds capacity {cap}")

    def _check_pairs_alone(self) -> None:
        """Every pair servable on its own route (the CVRPTW route check on depot, pickup, delivery, depot)."""
        if not self.has_time_windows:
            return
        for k, (p, d) in enumerate(self.pairs.tolist()):
            _, violation = _route_violation(self, k, np.array([p, d]), 0.0)
            if violation is not None:
                raise InstanceError(f"due: pair {k} (pickup {p}, delivery {d}) cannot be served even on a route of its "
                                    f"own: {violation.split(': ', 1)[1]}")

    @classmethod
    def from_coords(cls, coords: Any, pairs: Any, demands: Any, capacity: int, edge_weight_type: str = "EUC",
                    **kwargs: Any) -> "PDPInstance":
        """Instance whose distances (and travel times) follow ``edge_weight_type`` over ``coords`` (depot first)."""
        c = check_coords(coords, None)
        return cls(distance_matrix(c, edge_weight_type), pairs, demands, capacity, coords=c,
                   edge_weight_type=edge_weight_type, **kwargs)

    @property
    def num_nodes(self) -> int:
        """Non-depot nodes ``n = 2P`` (the environment's size is ``num_pairs = P``)."""
        return int(self.distances.shape[0] - 1)

    @property
    def num_pairs(self) -> int:
        return int(self.pairs.shape[0])

    @property
    def has_time_windows(self) -> bool:
        """Whether any window or service time constrains the routes."""
        return bool(np.isfinite(self.due).any() or self.ready.any() or self.service.any())

    @cached_property
    def partner(self) -> np.ndarray:
        """``(n + 1,)``: each node's pair partner (0 for the depot)."""
        out = np.zeros(self.distances.shape[0], dtype=np.int64)
        out[self.pairs[:, 0]] = self.pairs[:, 1]
        out[self.pairs[:, 1]] = self.pairs[:, 0]
        return out

    @cached_property
    def is_pickup(self) -> np.ndarray:
        """``(n + 1,)`` bool: pickup nodes."""
        out = np.zeros(self.distances.shape[0], dtype=bool)
        out[self.pairs[:, 0]] = True
        return out

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        tw = ", time windows" if self.has_time_windows else ""
        return f"PDPInstance{label}(pairs={self.num_pairs}, capacity={self.capacity}{tw})"


def _pair_violation(instance: PDPInstance, k: int, route: np.ndarray) -> str | None:
    """Precedence (pickup before delivery, same route) and the load profile of route ``k``."""
    partner, pick = instance.partner, instance.is_pickup
    where = {int(c): i for i, c in enumerate(route.tolist())}
    for i, c in enumerate(route.tolist()):
        mate = int(partner[c])
        j = where.get(mate)
        if j is None:
            role = "pickup" if pick[c] else "delivery"
            return f"route {k}: {role} {c} without its partner {mate} on the same route"
        if pick[c] and j < i:
            return f"route {k}: delivery {mate} comes before its pickup {c}"
    load = np.cumsum(instance.demands[route])
    if load.size and load.max() > instance.capacity:
        i = int(np.argmax(load > instance.capacity))
        return f"route {k}: load {int(load[i])} after node {int(route[i])} exceeds capacity {instance.capacity}"
    return None


def evaluate_pdp(instance: PDPInstance, solution: Sequence[Sequence[int]]) -> Evaluation:
    """Total distance and feasibility of a set of routes.

    Checks every node once, each pair's pickup before its delivery on the same
    route, the load aboard at most the capacity, and the time windows (the CVRPTW
    route check). Empty routes are ignored.

    :param solution: a list of routes, each a list of node indices (1..n) without the depot.
    """
    n = instance.num_nodes
    routes, why = as_routes(solution)
    if routes is None:
        return Evaluation(float("nan"), False, why)
    seen = np.zeros(n + 1, dtype=np.int64)
    for k, route in enumerate(routes):
        if route.size and (route.min() < 1 or route.max() > n):
            bad = int(route[(route < 1) | (route > n)][0])
            return Evaluation(float("nan"), False, f"route {k}: node {bad} is not a pickup or delivery node (1..{n})")
        np.add.at(seen, route, 1)
    violation: str | None = None
    if (seen[1:] > 1).any():
        c = int(np.argmax(seen[1:] > 1)) + 1
        violation = f"node {c} visited {int(seen[c])} times"
    cost = 0.0
    for k, route in enumerate(routes):
        if route.size == 0:
            continue
        cost, time_problem = _route_violation(instance, k, route, cost)
        violation = violation or _pair_violation(instance, k, route) or time_problem
    if violation is None and (seen[1:] == 0).any():
        missing = np.flatnonzero(seen[1:] == 0) + 1
        violation = f"{missing.size} node(s) not visited, e.g. node {int(missing[0])}"
    return Evaluation(cost, violation is None, violation)
