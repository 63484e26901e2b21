"""ATSP instance and its evaluation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.distances import mds_embedding, normalize_coords
from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.tsp.types import TSPInstance, evaluate_tsp
from routing_gym.envs.validation import check_coords, check_distances
from routing_gym.errors import InstanceError


@dataclass(frozen=True, eq=False)
class ATSPInstance:
    """An asymmetric travelling-salesman instance: a cost matrix, nothing else needed.

    :param distances: ``(n, n)`` non-negative travel costs, ``distances[i, j]`` the cost of
        ``i -> j`` (road networks, TSPLIB ``.atsp`` files, generated matrices). The diagonal
        is never travelled and is set to 0 (TSPLIB files put a large number there).
    :param coords: optional ``(n, 2)`` node positions, for drawing and observations only
        (costs always come from ``distances``); ``None`` takes an MDS embedding of the matrix.
    :param name: a label, e.g. the TSPLIB name.
    :param optimum: the known optimal (or best-known) tour length, if any.

    Instances are immutable; :meth:`replace` returns a changed copy.
    """

    distances: np.ndarray
    coords: np.ndarray | None = None
    name: str = ""
    optimum: float | None = None

    def __post_init__(self) -> None:
        dist = check_distances(self.distances)
        n = dist.shape[0]
        if n < 2:
            raise InstanceError(f"distances: an ATSP instance needs at least 2 nodes, got {n}")
        if np.diagonal(dist).any():
            dist = dist.copy()
            np.fill_diagonal(dist, 0.0)
            dist.setflags(write=False)
        object.__setattr__(self, "distances", dist)
        if self.coords is not None:
            object.__setattr__(self, "coords", check_coords(self.coords, n))
        if self.optimum is not None and not (isinstance(self.optimum, (int, float, np.number)) and np.isfinite(self.optimum)):
            raise InstanceError(f"optimum: expected a finite number or None, got {self.optimum!r}")

    @property
    def num_nodes(self) -> int:
        return int(self.distances.shape[0])

    @cached_property
    def is_integer(self) -> bool:
        """Whether every cost is an integer (TSPLIB files); solvers then need no scaling."""
        d = self.distances
        return bool(np.all(d == np.rint(d)))

    @cached_property
    def is_symmetric(self) -> bool:
        return bool(np.array_equal(self.distances, self.distances.T))

    @cached_property
    def positions(self) -> np.ndarray:
        """Node positions for drawing and observations: ``coords``, or an MDS embedding of the matrix."""
        return self.coords if self.coords is not None else mds_embedding(self.distances)

    @cached_property
    def obs_coords(self) -> np.ndarray:
        """Positions scaled into the unit square (float32), as the environment observes them."""
        return normalize_coords(self.positions)

    @cached_property
    def tsp(self) -> TSPInstance:
        """The same tour problem as a (matrix-only) :class:`TSPInstance`, for the TSP solvers' kernels.

        TSP code reads the matrix as given (``distances[i, j]`` is ``i -> j``); no coordinates
        are passed on, so no solver mistakes them for the cost convention.
        """
        return TSPInstance(self.distances, None, "EXPLICIT" if self.is_integer else "EUC", self.name, self.optimum)

    def replace(self, **changes: Any) -> "ATSPInstance":
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"ATSPInstance{label}(n={self.num_nodes})"


def evaluate_atsp(instance: ATSPInstance, solution: Sequence[int]) -> Evaluation:
    """Length and feasibility of a directed tour.

    :param solution: the nodes in visiting order, each exactly once; the arc from the
        last node back to the first is implied. Direction matters: ``[0, 1, 2]`` costs
        ``d[0,1] + d[1,2] + d[2,0]``.
    """
    return evaluate_tsp(instance.tsp, solution)
