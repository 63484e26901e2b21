"""Random CVRP instances (Kool et al. 2019 convention by default)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from routing_gym.envs.distances import euclidean
from routing_gym.envs.cvrp.types import CVRPInstance
from routing_gym.envs.validation import check_int_arg, check_memory_budget, check_real_arg
from routing_gym.errors import InstanceError

#: Vehicle capacity per number of customers in Kool et al. (2019).
KOOL_CAPACITY = {10: 20, 20: 30, 50: 40, 100: 50}
DISTRIBUTIONS = ("uniform", "clustered")


@functools.lru_cache(maxsize=64)
def default_capacity(num_customers: int) -> int:
    """Kool et al.'s capacity for 10/20/50/100 customers; piecewise-linear between, 50 above 100."""
    sizes = np.array(sorted(KOOL_CAPACITY))
    caps = np.array([KOOL_CAPACITY[s] for s in sizes])
    return int(round(float(np.interp(num_customers, sizes, caps))))


@dataclass(frozen=True)
class CVRPGenerator:
    """Random CVRP instances in the unit square.

    :param num_nodes: number of customers ``n``; the depot is node 0 (``n + 1`` nodes within
        the memory budget of :data:`~routing_gym.envs.validation.MEMORY_BUDGET`).
    :param capacity: vehicle capacity, a positive integer; ``None`` takes :func:`default_capacity`
        (30 / 40 / 50 for 20 / 50 / 100 customers).
    :param min_demand: smallest integer demand (inclusive), default 1.
    :param max_demand: largest integer demand (inclusive), default 9.
    :param distribution: ``"uniform"`` customers, or ``"clustered"`` around random centres.
    :param num_clusters: cluster centres of the clustered customers.
    :param cluster_std: standard deviation of the clustered customers around their centre.

    Every parameter is checked when the generator is built: integers must be
    integers (capacity ``2.5`` is refused, not rounded), numbers finite, and a bad
    value raises :class:`~routing_gym.errors.InstanceError` naming it.
    """

    num_nodes: int = 20
    capacity: int | None = None
    min_demand: int = 1
    max_demand: int = 9
    distribution: str = "uniform"
    num_clusters: int = 3
    cluster_std: float = 0.07

    def __post_init__(self) -> None:
        check_int_arg(self.num_nodes, "num_nodes", 1)
        check_memory_budget(self.num_nodes + 1)
        if self.capacity is not None:
            check_int_arg(self.capacity, "capacity", 1)
        check_int_arg(self.min_demand, "min_demand", 0)
        check_int_arg(self.max_demand, "max_demand", 0)
        if not 0 <= self.min_demand <= self.max_demand:
            raise InstanceError(f"min_demand/max_demand: expected 0 <= min <= max, got {self.min_demand}, {self.max_demand}")
        if self.max_demand > self.vehicle_capacity:
            raise InstanceError(f"max_demand: {self.max_demand} exceeds capacity {self.vehicle_capacity}")
        if not isinstance(self.distribution, str) or self.distribution not in DISTRIBUTIONS:
            raise InstanceError(f"distribution: expected one of {DISTRIBUTIONS}, got {self.distribution!r}")
        check_int_arg(self.num_clusters, "num_clusters", 1)
        check_real_arg(self.cluster_std, "cluster_std", 0.0, strict=True)

    @property
    def vehicle_capacity(self) -> int:
        cap = self.capacity if self.capacity is not None else default_capacity(self.num_nodes)
        if cap <= 0:
            raise InstanceError(f"capacity: expected a positive integer, got {cap!r}")
        return int(cap)

    def sample(self, rng: np.random.Generator, size: int, distances: bool = True) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays (depot first): coords, distances, demands, capacity
        (``distances=False`` leaves the Euclidean matrices out; the instances are the same)."""
        check_int_arg(size, "size", 1)
        check_memory_budget(self.num_nodes + 1, size, "size")
        n = self.num_nodes
        coords = rng.random((size, n + 1, 2))
        if self.distribution == "clustered":
            centres = rng.random((size, self.num_clusters, 2))
            which = rng.integers(0, self.num_clusters, size=(size, n))
            pts = np.take_along_axis(centres, which[..., None], axis=1) + rng.normal(0.0, self.cluster_std, (size, n, 2))
            coords[:, 1:] = np.clip(pts, 0.0, 1.0)
        demands = np.zeros((size, n + 1), dtype=np.int64)
        demands[:, 1:] = rng.integers(self.min_demand, self.max_demand + 1, size=(size, n))
        capacity = np.full(size, self.vehicle_capacity, dtype=np.int64)
        data = {"coords": coords, "obs_coords": coords.astype(np.float32), "demands": demands, "capacity": capacity}
        if distances:
            data["distances"] = euclidean(coords)
        return data

    def __call__(self, rng: np.random.Generator) -> CVRPInstance:
        b = self.sample(rng, 1)
        return CVRPInstance(b["distances"][0], b["demands"][0], int(b["capacity"][0]), b["coords"][0], "EUC")
