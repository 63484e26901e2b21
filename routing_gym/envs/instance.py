"""What the instance dataclasses of the node problems share: positions, observed coordinates, ``replace``."""

from __future__ import annotations

import dataclasses
from functools import cached_property
from typing import Any

import numpy as np

from routing_gym.envs.distances import INTEGER_TYPES, mds_embedding, normalize_coords
from routing_gym.envs.validation import check_coords, check_distances, check_edge_weight_type
from routing_gym.errors import InstanceError


class PlacedInstance:
    """Mixin of a frozen instance dataclass with ``distances``, ``coords`` (or ``None``) and ``edge_weight_type``."""

    distances: np.ndarray
    coords: np.ndarray | None
    edge_weight_type: str

    def _set_distances(self, minimum: int, needs: str) -> int:
        """Check and freeze ``distances``; returns its number of nodes.

        :param minimum: the fewest nodes an instance has; fewer raise ``distances: {needs}, got {n} node(s)``.
        """
        dist = check_distances(self.distances)
        n1 = dist.shape[0]
        if n1 < minimum:
            raise InstanceError(f"distances: {needs}, got {n1} node(s)")
        object.__setattr__(self, "distances", dist)
        return n1

    def _set_coords(self, n1: int) -> None:
        """Check and freeze ``coords`` (one row per node, if given) and check ``edge_weight_type``."""
        if self.coords is not None:
            object.__setattr__(self, "coords", check_coords(self.coords, n1))
        check_edge_weight_type(self.edge_weight_type)

    @property
    def is_integer(self) -> bool:
        """Whether all distances are integers by convention (TSPLIB files)."""
        return self.edge_weight_type in INTEGER_TYPES

    @cached_property
    def positions(self) -> np.ndarray:
        """Node positions for drawing and for observations: the coordinates, or an MDS embedding of the matrix."""
        if self.coords is not None:  # GEO: (latitude, longitude) -> (x=longitude, y=latitude)
            return self.coords if self.edge_weight_type != "GEO" else self.coords[:, ::-1]
        return mds_embedding(self.distances)

    @cached_property
    def obs_coords(self) -> np.ndarray:
        """Positions scaled into the unit square (float32), as the environment observes them."""
        return normalize_coords(self.positions)

    def replace(self, **changes: Any) -> Any:
        """A copy with ``changes`` (checked again)."""
        return dataclasses.replace(self, **changes)
