"""Random mTSP instances: depot and cities uniform in the unit square."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing_gym.envs.distances import euclidean
from routing_gym.envs.mtsp.types import OBJECTIVES, MTSPInstance, check_num_vehicles, check_objective
from routing_gym.errors import InstanceError


@dataclass(frozen=True)
class MTSPGenerator:
    """Random mTSP instances: the depot and ``n`` cities uniform in the unit square, ``m`` vehicles.

    The defaults, 50 cities and 5 vehicles under the min-max objective, are the
    smallest setting of DAN (Cao, Sun and Sartoretti 2021, arXiv:2109.04205: 50 to
    1000 cities, 5 to 20 agents, depot and cities uniform in the unit square).

    :param num_nodes: number of cities ``n``; the depot is node 0.
    :param num_vehicles: ``m``, at most ``n``.
    :param objective: ``"sum"`` (total length) or ``"minmax"`` (longest route).
    """

    num_nodes: int = 50
    num_vehicles: int = 5
    objective: str = "minmax"

    def __post_init__(self) -> None:
        if isinstance(self.num_nodes, bool) or not isinstance(self.num_nodes, (int, np.integer)) or self.num_nodes < 1:
            raise InstanceError(f"num_nodes: expected an integer >= 1, got {self.num_nodes!r}")
        check_num_vehicles(self.num_vehicles, int(self.num_nodes))
        check_objective(self.objective)

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays (depot first), the layout of ``MTSPKernel.stack``."""
        n = self.num_nodes
        coords = rng.random((size, n + 1, 2))
        return {
            "coords": coords,
            "distances": euclidean(coords),
            "obs_coords": coords.astype(np.float32),
            "obs_scale": np.ones(size),
            "num_vehicles": np.full(size, self.num_vehicles, dtype=np.int64),
            "minmax": np.full(size, self.objective == "minmax"),
        }

    def __call__(self, rng: np.random.Generator) -> MTSPInstance:
        b = self.sample(rng, 1)
        return MTSPInstance(b["distances"][0], self.num_vehicles, self.objective, b["coords"][0], "EUC")


__all__ = ["MTSPGenerator", "OBJECTIVES"]
