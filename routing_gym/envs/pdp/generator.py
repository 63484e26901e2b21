"""Random PDP instances: a depot and pickup/delivery pairs uniform in the unit square."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np

from routing_gym.envs.cvrp.generator import default_capacity
from routing_gym.envs.distances import euclidean
from routing_gym.envs.pdp.types import PDPInstance
from routing_gym.errors import InstanceError


def _check_int(value: Any, field: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise InstanceError(f"{field}: expected an integer >= {low}, got {value!r}")


@dataclass(frozen=True)
class PDPGenerator:
    """Random PDP instances in the unit square, without time windows.

    The depot and the ``n = 2 P`` nodes are uniform in the unit square; nodes
    ``1..P`` are the pickups and node ``i + P`` is the delivery of pickup ``i``,
    the layout of the learning literature's PDP (Li et al. 2021, "Heterogeneous
    Attentions for Solving Pickup and Delivery Problem via Deep Reinforcement
    Learning"; Ma et al. 2022, N2S), here with integer loads and a capacity (their
    PDP is uncapacitated: take ``capacity`` >= the total load for it).

    :param num_pairs: ``P``, the number of pairs (default 10: the 21-node PDP of Li et al.).
    :param capacity: vehicle capacity; ``None`` takes the CVRP default for ``P`` customers
        (Kool et al.: 20 / 30 / 40 for 10 / 20 / 50 pairs).
    :param min_demand: smallest integer load of a pair (inclusive), default 1.
    :param max_demand: largest integer load of a pair (inclusive), default 9.
    """

    num_pairs: int = 10
    capacity: int | None = None
    min_demand: int = 1
    max_demand: int = 9

    def __post_init__(self) -> None:
        _check_int(self.num_pairs, "num_pairs", 1)
        if self.capacity is not None:
            _check_int(self.capacity, "capacity", 1)
        _check_int(self.min_demand, "min_demand", 0)
        _check_int(self.max_demand, "max_demand", 0)
        if self.min_demand > self.max_demand:
            raise InstanceError(f"min_demand/max_demand: expected min <= max, got {self.min_demand}, {self.max_demand}")
        if self.max_demand > self.vehicle_capacity:
            raise InstanceError(f"max_demand: {self.max_demand} exceeds capacity {self.vehicle_capacity}")

    @property
    def num_nodes(self) -> int:
        """Pickup and delivery nodes, ``2 P``."""
        return 2 * self.num_pairs

    @property
    def vehicle_capacity(self) -> int:
        """The capacity used: ``capacity`` or the CVRP default for ``n/2`` customers."""
        return int(self.capacity if self.capacity is not None else default_capacity(self.num_pairs))

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays (depot first), the layout of ``PDPKernel.stack``."""
        n, p = self.num_nodes, self.num_pairs
        coords = rng.random((size, n + 1, 2))
        q = rng.integers(self.min_demand, self.max_demand + 1, size=(size, p))
        demands = np.zeros((size, n + 1), dtype=np.int64)
        demands[:, 1:p + 1], demands[:, p + 1:] = q, -q
        pairs = np.stack([np.arange(1, p + 1), np.arange(p + 1, n + 1)], axis=1)
        return {
            "coords": coords,
            "distances": euclidean(coords),
            "obs_coords": coords.astype(np.float32),
            "pairs": np.broadcast_to(pairs, (size, p, 2)).copy(),
            "demands": demands,
            "capacity": np.full(size, self.vehicle_capacity, dtype=np.int64),
            "ready": np.zeros((size, n + 1)),
            "due": np.full((size, n + 1), np.inf),
            "service": np.zeros((size, n + 1)),
        }

    def __call__(self, rng: np.random.Generator) -> PDPInstance:
        b = self.sample(rng, 1)
        return PDPInstance(b["distances"][0], b["pairs"][0], b["demands"][0], int(b["capacity"][0]), coords=b["coords"][0])
