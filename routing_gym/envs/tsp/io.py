"""TSPLIB ``.tsp`` files (``TYPE: TSP``) as :class:`TSPInstance`."""

from __future__ import annotations

from pathlib import Path

from routing_gym.envs.io import read_tsplib
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import InstanceError


def load_tsplib(path: Path) -> TSPInstance:
    """A symmetric TSPLIB instance in the file's distance convention, with its known optimum if any."""
    f = read_tsplib(Path(path))
    try:
        return TSPInstance(f.distances, f.coords, f.edge_weight_type, f.name, f.optimum)
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None
