"""TSP instance and its evaluation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.distances import EDGE_WEIGHT_TYPES, INTEGER_TYPES, distance_matrix, mds_embedding, normalize_coords
from routing_gym.envs.evaluation import Evaluation, as_indices
from routing_gym.envs.validation import check_coords, check_distances
from routing_gym.errors import InstanceError


@dataclass(frozen=True, eq=False)
class TSPInstance:
    """A symmetric or asymmetric travelling-salesman instance.

    :param distances: ``(n, n)`` non-negative travel costs; ``distances[i, j]`` is the cost of ``i -> j``.
    :param coords: ``(n, 2)`` node coordinates in the instance's own units, or ``None``
        when the instance only comes as a matrix.
    :param edge_weight_type: the distance convention (see :mod:`routing_gym.envs.distances`).
    :param name: a label, e.g. the TSPLIB name.
    :param optimum: the known optimal (or best-known) tour length, if any.

    Build one from coordinates with :meth:`from_coords`. Instances are immutable;
    :meth:`replace` returns a changed copy.
    """

    distances: np.ndarray
    coords: np.ndarray | None = None
    edge_weight_type: str = "EUC"
    name: str = ""
    optimum: float | None = None

    def __post_init__(self) -> None:
        dist = check_distances(self.distances)
        n = dist.shape[0]
        if n < 2:
            raise InstanceError(f"distances: a TSP instance needs at least 2 nodes, got {n}")
        object.__setattr__(self, "distances", dist)
        if self.coords is not None:
            object.__setattr__(self, "coords", check_coords(self.coords, n))
        if self.edge_weight_type not in EDGE_WEIGHT_TYPES:
            raise InstanceError(f"edge_weight_type: unknown convention {self.edge_weight_type!r}; expected one of {EDGE_WEIGHT_TYPES}")

    @classmethod
    def from_coords(cls, coords: Any, edge_weight_type: str = "EUC", name: str = "", optimum: float | None = None) -> "TSPInstance":
        """Instance whose distances follow ``edge_weight_type`` over ``coords``."""
        c = check_coords(coords, None)
        if c.shape[0] < 2:
            raise InstanceError(f"coords: a TSP instance needs at least 2 nodes, got {c.shape[0]}")
        return cls(distance_matrix(c, edge_weight_type), c, edge_weight_type, name, optimum)

    @property
    def num_nodes(self) -> int:
        return int(self.distances.shape[0])

    @property
    def is_integer(self) -> bool:
        """Whether all distances are integers by convention (TSPLIB files)."""
        return self.edge_weight_type in INTEGER_TYPES

    @cached_property
    def positions(self) -> np.ndarray:
        """Node positions for drawing and for observations: the coordinates, or an MDS embedding of the matrix."""
        if self.coords is not None and self.edge_weight_type != "GEO":
            return self.coords
        if self.coords is not None:  # GEO: (latitude, longitude) -> (x=longitude, y=latitude)
            return self.coords[:, ::-1]
        return mds_embedding(self.distances)

    @cached_property
    def obs_coords(self) -> np.ndarray:
        """Positions scaled into the unit square (float32), as the environment observes them."""
        return normalize_coords(self.positions)

    def replace(self, **changes: Any) -> "TSPInstance":
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"TSPInstance{label}(n={self.num_nodes}, edge_weight_type={self.edge_weight_type!r})"


def evaluate_tsp(instance: TSPInstance, solution: Sequence[int]) -> Evaluation:
    """Length and feasibility of a tour.

    :param solution: the nodes in visiting order, each exactly once (the return
        to the first node is implied).
    """
    n = instance.num_nodes
    tour, why = as_indices(solution, "tour")
    if tour is None:
        return Evaluation(float("nan"), False, why)
    if tour.size and (tour.min() < 0 or tour.max() >= n):
        bad = int(tour[(tour < 0) | (tour >= n)][0])
        return Evaluation(float("nan"), False, f"node {bad} out of range 0..{n - 1}")
    d = instance.distances
    cost = 0.0
    for a, b in zip(tour[:-1], tour[1:]):
        cost += float(d[a, b])
    if tour.size:
        cost += float(d[tour[-1], tour[0]])
    counts = np.bincount(tour, minlength=n)
    if (counts > 1).any():
        return Evaluation(cost, False, f"node {int(np.argmax(counts > 1))} visited {int(counts.max())} times")
    if (counts == 0).any():
        missing = np.flatnonzero(counts == 0)
        return Evaluation(cost, False, f"{missing.size} node(s) not visited, e.g. node {int(missing[0])}")
    return Evaluation(cost, True, None)
