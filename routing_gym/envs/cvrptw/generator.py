"""Random Solomon-like CVRPTW instances in the unit square."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from routing_gym.envs.cvrp.generator import default_capacity
from routing_gym.envs.cvrptw.types import CVRPTWInstance
from routing_gym.envs.distances import euclidean
from routing_gym.errors import InstanceError

#: Customer layouts, as Solomon's R (random), C (clustered) and RC (mixed) sets.
DISTRIBUTIONS = ("random", "clustered", "mixed")
#: The depot is drawn in the central square [DEPOT_LOW, 1 - DEPOT_LOW]^2.
DEPOT_LOW = 0.25
#: The longest possible depot-customer distance with the depot in the central square.
MAX_DEPOT_DISTANCE = math.sqrt(2.0) * (1.0 - DEPOT_LOW)


def _check_int(value: Any, field: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise InstanceError(f"{field}: expected an integer >= {low}, got {value!r}")


def _check_real(value: Any, field: str, low: float, strict: bool = False) -> None:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if not ok or value < low or (strict and value == low):
        raise InstanceError(f"{field}: expected a finite number {'>' if strict else '>='} {low:g}, got {value!r}")


@dataclass(frozen=True)
class CVRPTWGenerator:
    """Random CVRPTW instances in the unit square, after Solomon's R / C / RC sets.

    Travel times equal Euclidean distances. The depot (drawn in the central
    square ``[0.25, 0.75]^2``) opens at 0 and closes at ``horizon``. Each
    customer's window has a width drawn uniformly in ``[0.5, 1.5] * window_width
    * horizon`` around a centre drawn uniformly in the interval of service starts
    that a route serving that customer alone can reach,
    ``[d(0, i), horizon - service_time - d(i, 0)]``; the window is clipped to
    that interval, so every customer is servable on its own route.

    The defaults resemble Solomon's type-1 sets (R1 has a horizon of 230 and
    service times of 10 over a 70-wide square: 3.3 and 0.14 in unit-square scale).

    :param num_nodes: number of customers ``n``; the depot is node 0.
    :param distribution: ``"random"`` (R), ``"clustered"`` (C) or ``"mixed"`` (RC: half of each).
    :param capacity: vehicle capacity; ``None`` takes the CVRP default
        (:func:`~routing_gym.envs.cvrp.generator.default_capacity`).
    :param min_demand: smallest integer demand (inclusive), default 1.
    :param max_demand: largest integer demand (inclusive), default 9.
    :param horizon: the depot's closing time, at least ``2 * 0.75 * sqrt(2) + service_time``
        so that any customer can be served alone.
    :param window_width: mean window width as a fraction of ``horizon``.
    :param service_time: service duration of every customer.
    :param num_clusters: cluster centres of the clustered customers.
    :param cluster_std: standard deviation of the clustered customers around their centre.
    """

    num_nodes: int = 20
    distribution: str = "random"
    capacity: int | None = None
    min_demand: int = 1
    max_demand: int = 9
    horizon: float = 3.0
    window_width: float = 0.15
    service_time: float = 0.1
    num_clusters: int = 5
    cluster_std: float = 0.05

    def __post_init__(self) -> None:
        _check_int(self.num_nodes, "num_nodes", 1)
        if self.distribution not in DISTRIBUTIONS:
            raise InstanceError(f"distribution: expected one of {DISTRIBUTIONS}, got {self.distribution!r}")
        if self.capacity is not None:
            _check_int(self.capacity, "capacity", 1)
        _check_int(self.min_demand, "min_demand", 0)
        _check_int(self.max_demand, "max_demand", 0)
        if self.min_demand > self.max_demand:
            raise InstanceError(f"min_demand/max_demand: expected min <= max, got {self.min_demand}, {self.max_demand}")
        if self.max_demand > self.vehicle_capacity:
            raise InstanceError(f"max_demand: {self.max_demand} exceeds capacity {self.vehicle_capacity}")
        _check_real(self.service_time, "service_time", 0.0)
        _check_real(self.window_width, "window_width", 0.0, strict=True)  # a zero-width window has no integer model
        _check_real(self.horizon, "horizon", 0.0, strict=True)
        least = 2.0 * MAX_DEPOT_DISTANCE + float(self.service_time)
        if self.horizon < least:
            raise InstanceError(f"horizon: {self.horizon!r} is too short for every customer to be servable alone; "
                                f"expected >= 2 * {MAX_DEPOT_DISTANCE:.4f} + service_time = {least:.4f}")
        _check_int(self.num_clusters, "num_clusters", 1)
        _check_real(self.cluster_std, "cluster_std", 0.0)

    @property
    def vehicle_capacity(self) -> int:
        """The capacity used: ``capacity`` or the CVRP default for ``num_nodes`` customers."""
        return int(self.capacity if self.capacity is not None else default_capacity(self.num_nodes))

    def _coords(self, rng: np.random.Generator, size: int) -> np.ndarray:
        n = self.num_nodes
        coords = rng.random((size, n + 1, 2))
        coords[:, 0] = DEPOT_LOW + (1.0 - 2.0 * DEPOT_LOW) * coords[:, 0]
        if self.distribution == "random":
            return coords
        centres = rng.random((size, self.num_clusters, 2))
        which = rng.integers(0, self.num_clusters, size=(size, n))
        pts = np.take_along_axis(centres, which[..., None], axis=1) + rng.normal(0.0, self.cluster_std, (size, n, 2))
        pts = np.clip(pts, 0.0, 1.0)
        if self.distribution == "mixed":
            pts[:, n // 2:] = coords[:, 1 + n // 2:]
        coords[:, 1:] = pts
        return coords

    def _windows(self, rng: np.random.Generator, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(ready, due)`` of shape ``(size, n + 1)``, each customer reachable and servable alone."""
        h, s = float(self.horizon), float(self.service_time)
        earliest = dist[:, 0, :]  # the depot opens at 0
        latest = np.maximum(h - s - dist[:, :, 0], earliest)  # equal only under rounding
        centre = earliest + rng.random(earliest.shape) * (latest - earliest)
        half = 0.5 * self.window_width * h * rng.uniform(0.5, 1.5, size=earliest.shape)
        ready = np.maximum(centre - half, 0.0)
        due = np.maximum(np.minimum(centre + half, latest), earliest)
        ready[:, 0], due[:, 0] = 0.0, h
        return ready, due

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays (depot first), the layout of ``CVRPTWKernel.stack``."""
        n = self.num_nodes
        coords = self._coords(rng, size)
        dist = euclidean(coords)
        demands = np.zeros((size, n + 1), dtype=np.int64)
        demands[:, 1:] = rng.integers(self.min_demand, self.max_demand + 1, size=(size, n))
        ready, due = self._windows(rng, dist)
        service = np.full((size, n + 1), float(self.service_time))
        service[:, 0] = 0.0
        return {
            "coords": coords,
            "distances": dist,
            "obs_coords": coords.astype(np.float32),
            "demands": demands,
            "capacity": np.full(size, self.vehicle_capacity, dtype=np.int64),
            "ready": ready,
            "due": due,
            "service": service,
        }

    def __call__(self, rng: np.random.Generator) -> CVRPTWInstance:
        b = self.sample(rng, 1)
        return CVRPTWInstance(b["distances"][0], b["demands"][0], int(b["capacity"][0]), b["ready"][0], b["due"][0],
                              b["service"][0], b["coords"][0], "EUC")
