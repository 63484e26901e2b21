"""Random TSP instances."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing_gym.envs.distances import euclidean
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.envs.validation import check_int_arg, check_memory_budget, check_real_arg
from routing_gym.errors import InstanceError

DISTRIBUTIONS = ("uniform", "clustered")


@dataclass(frozen=True)
class TSPGenerator:
    """Random Euclidean TSP instances in the unit square.

    :param num_nodes: number of cities ``n`` (at least 2; within the memory budget of
        :data:`~routing_gym.envs.validation.MEMORY_BUDGET`, 23170 cities by default).
    :param distribution: ``"uniform"`` (Kool et al.) or ``"clustered"`` (Gaussian
        clusters with uniformly drawn centres, clipped to the unit square).
    :param num_clusters: clusters of the ``"clustered"`` distribution.
    :param cluster_std: standard deviation of each cluster.

    ``generator(rng)`` returns one :class:`TSPInstance`; :meth:`sample` returns a
    batch of raw arrays for the vectorised kernel. Only ``rng`` is used for randomness.

    Every parameter is checked when the generator is built: integers must be
    integers (``2.0`` is refused, not rounded), numbers finite, and a bad value
    raises :class:`~routing_gym.errors.InstanceError` naming it.
    """

    num_nodes: int = 20
    distribution: str = "uniform"
    num_clusters: int = 3
    cluster_std: float = 0.07

    def __post_init__(self) -> None:
        check_int_arg(self.num_nodes, "num_nodes", 2)
        check_memory_budget(self.num_nodes)
        if not isinstance(self.distribution, str) or self.distribution not in DISTRIBUTIONS:
            raise InstanceError(f"distribution: expected one of {DISTRIBUTIONS}, got {self.distribution!r}")
        check_int_arg(self.num_clusters, "num_clusters", 1)
        check_real_arg(self.cluster_std, "cluster_std", 0.0, strict=True)

    def sample_coords(self, rng: np.random.Generator, size: int) -> np.ndarray:
        n = self.num_nodes
        if self.distribution == "uniform":
            return rng.random((size, n, 2))
        centres = rng.random((size, self.num_clusters, 2))
        which = rng.integers(0, self.num_clusters, size=(size, n))
        pts = np.take_along_axis(centres, which[..., None], axis=1) + rng.normal(0.0, self.cluster_std, (size, n, 2))
        return np.clip(pts, 0.0, 1.0)

    def sample(self, rng: np.random.Generator, size: int, distances: bool = True) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays: ``coords (size, n, 2)``, ``distances (size, n, n)``
        (left out with ``distances=False``: the same instances, their Euclidean matrices not built)."""
        check_int_arg(size, "size", 1)
        check_memory_budget(self.num_nodes, size, "size")
        coords = self.sample_coords(rng, size)
        data = {"coords": coords, "obs_coords": coords.astype(np.float32)}
        if distances:
            data["distances"] = euclidean(coords)
        return data

    def __call__(self, rng: np.random.Generator) -> TSPInstance:
        coords = self.sample_coords(rng, 1)[0]
        return TSPInstance(euclidean(coords), coords, "EUC")
