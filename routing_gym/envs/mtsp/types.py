"""mTSP instance and its evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from numbers import Integral
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.evaluation import Evaluation, as_routes
from routing_gym.envs.instance import PlacedInstance
from routing_gym.envs.validation import check_coords
from routing_gym.errors import InstanceError

#: The objectives: total length of all routes, or length of the longest route (min-max).
OBJECTIVES = ("sum", "minmax")


def check_objective(value: Any) -> str:
    """``value`` if it names an objective; :class:`InstanceError` otherwise."""
    if value not in OBJECTIVES:
        raise InstanceError(f"objective: expected one of {OBJECTIVES}, got {value!r}")
    return str(value)


def check_num_vehicles(value: Any, num_cities: int | None = None) -> int:
    """``value`` as an int in ``1..num_cities`` (every vehicle serves at least one city)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise InstanceError(f"num_vehicles: expected an integer >= 1, got {value!r}")
    if num_cities is not None and value > num_cities:
        raise InstanceError(f"num_vehicles: {value} vehicles need at least {value} cities (each serves one or more), "
                            f"got {num_cities}")
    return int(value)


@dataclass(frozen=True, eq=False)
class MTSPInstance(PlacedInstance):
    """A multiple-travelling-salesman instance: one depot (node 0), ``n`` cities, ``m`` vehicles.

    Every vehicle leaves the depot, visits at least one city and returns; every
    city is visited by exactly one vehicle. The objective is the total length of
    the ``m`` routes (``"sum"``) or the length of the longest (``"minmax"``, the
    makespan of the learning literature: DAN, Cao et al. 2021; Equity-Transformer,
    Son et al. 2024). Non-empty routes keep the sum objective from degenerating
    into a TSP; under the triangle inequality they cost the min-max objective nothing.

    :param distances: ``(n + 1, n + 1)`` travel costs, node 0 the depot (any matrix, asymmetric allowed).
    :param num_vehicles: ``m``, with ``1 <= m <= n``.
    :param objective: ``"sum"`` or ``"minmax"``.
    :param coords: ``(n + 1, 2)`` coordinates or ``None``.
    :param edge_weight_type: the distance convention.
    :param name: a label.
    :param optimum: the known optimal or best-known objective value, if any.
    """

    distances: np.ndarray
    num_vehicles: int
    objective: str = "sum"
    coords: np.ndarray | None = None
    edge_weight_type: str = "EUC"
    name: str = ""
    optimum: float | None = None

    def __post_init__(self) -> None:
        n1 = self._set_distances(2, "an mTSP instance needs a depot and at least 1 city")
        object.__setattr__(self, "num_vehicles", check_num_vehicles(self.num_vehicles, n1 - 1))
        object.__setattr__(self, "objective", check_objective(self.objective))
        self._set_coords(n1)

    @classmethod
    def from_coords(cls, coords: Any, num_vehicles: int, objective: str = "sum", edge_weight_type: str = "EUC",
                    **kwargs: Any) -> "MTSPInstance":
        """Instance whose distances follow ``edge_weight_type`` over ``coords`` (depot first)."""
        c = check_coords(coords, None)
        return cls(distance_matrix(c, edge_weight_type), num_vehicles, objective, c, edge_weight_type, **kwargs)

    @property
    def num_cities(self) -> int:
        return int(self.distances.shape[0] - 1)

    num_nodes = num_cities  # the environment's ``num_nodes`` counts cities

    @cached_property
    def obs_scale(self) -> float:
        """The length that :attr:`obs_coords` maps to 1 (the positions' larger side), for observed route lengths."""
        pos = np.asarray(self.positions, dtype=np.float64)
        span = float((pos.max(axis=0) - pos.min(axis=0)).max())
        return span if span > 0 else 1.0

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"MTSPInstance{label}(cities={self.num_cities}, vehicles={self.num_vehicles}, "
                f"objective={self.objective!r}, edge_weight_type={self.edge_weight_type!r})")


def route_lengths(distances: np.ndarray, routes: Sequence[np.ndarray]) -> tuple[np.ndarray, float]:
    """Each route's length (depot to depot) and the total, both summed edge by edge in visiting order.

    The environment adds the same edges in the same order, so its rewards reproduce these floats exactly.
    """
    lengths = np.zeros(len(routes))
    total = 0.0
    for k, route in enumerate(routes):
        length, prev = 0.0, 0
        for node in route.tolist() + [0]:
            edge = float(distances[prev, node])
            length += edge
            total += edge
            prev = node
        lengths[k] = length
    return lengths, total


def evaluate_mtsp(instance: MTSPInstance, solution: Sequence[Sequence[int]]) -> Evaluation:
    """Objective value and feasibility of ``m`` routes.

    :param solution: exactly ``num_vehicles`` routes, each a non-empty list of city
        indices (1..n) without the depot, in visiting order.
    :returns: the total length (``"sum"``) or the longest route's length (``"minmax"``).
    """
    n, m = instance.num_cities, instance.num_vehicles
    routes, why = as_routes(solution)
    if routes is None:
        return Evaluation(float("nan"), False, why)
    for k, route in enumerate(routes):
        if route.size and (route.min() < 1 or route.max() > n):
            bad = int(route[(route < 1) | (route > n)][0])
            return Evaluation(float("nan"), False, f"route {k}: node {bad} is not a city (1..{n})")
    lengths, total = route_lengths(instance.distances, routes)
    cost = total if instance.objective == "sum" else (float(lengths.max()) if len(routes) else 0.0)
    seen = np.zeros(n + 1, dtype=np.int64)
    for route in routes:
        np.add.at(seen, route, 1)
    violation: str | None = None
    if len(routes) != m:
        violation = f"expected {m} routes (one per vehicle), got {len(routes)}"
    elif any(r.size == 0 for r in routes):
        violation = f"route {next(k for k, r in enumerate(routes) if r.size == 0)} is empty; every vehicle visits a city"
    elif (seen[1:] > 1).any():
        c = int(np.argmax(seen[1:] > 1)) + 1
        violation = f"city {c} visited {int(seen[c])} times"
    elif (seen[1:] == 0).any():
        missing = np.flatnonzero(seen[1:] == 0) + 1
        violation = f"{missing.size} city(ies) not visited, e.g. city {int(missing[0])}"
    return Evaluation(cost, violation is None, violation)
