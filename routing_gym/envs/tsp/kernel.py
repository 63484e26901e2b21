"""Batched TSP dynamics."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.distances import LazyDistances, data_nodes, euclidean
from routing_gym.envs.kernel import Kernel
from routing_gym.envs.tsp.generator import TSPGenerator
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import InstanceError


class TSPKernel(LazyDistances, Kernel):
    """TSP as a constructive MDP: the tour starts at ``start_node`` (default 0); each
    action appends an unvisited node; the last action also closes the tour.

    Generated Euclidean instances are loaded as coordinates only: the step computes
    the edge it takes, and ``dist`` is filled when read (see :class:`LazyDistances`).
    """

    reset_options = ("start_node",)
    state_fields = ("first", "cur", "visited", "t", "tour")
    instance_type = TSPInstance

    def __init__(self, batch_size: int, num_nodes: int) -> None:
        super().__init__(batch_size, num_nodes)
        b, n = self.batch_size, self.num_nodes
        self.penalty_edges = n  # a tour has n edges
        self._init_distances(b, n)
        self.coords = np.zeros((b, n, 2), dtype=np.float32)
        self.first = np.zeros(b, dtype=np.int64)
        self.cur = np.zeros(b, dtype=np.int64)
        self.visited = np.zeros((b, n), dtype=bool)
        self.t = np.zeros(b, dtype=np.int64)
        self.tour = np.zeros((b, n), dtype=np.int64)

    @property
    def num_actions(self) -> int:
        return self.num_nodes

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        n = num_nodes
        return spaces.Dict(
            {
                "coords": spaces.Box(0.0, 1.0, (n, 2), np.float32),
                "first_node": spaces.Discrete(n),
                "current_node": spaces.Discrete(n),
                "visited": spaces.MultiBinary(n),
                "action_mask": spaces.MultiBinary(n),
            }
        )

    @classmethod
    def instance_size(cls, instance: TSPInstance) -> int:
        return instance.num_nodes

    @classmethod
    def stack(cls, instances: Sequence[TSPInstance]) -> dict[str, np.ndarray]:
        return {
            "distances": np.stack([i.distances for i in instances]),
            "obs_coords": np.stack([i.obs_coords for i in instances]),
        }

    @classmethod
    def sample_instances(cls, generator: object, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """The TSP generator's instances without their matrices (the step computes each edge)."""
        if type(generator) is TSPGenerator:
            return generator.sample(rng, size, distances=False)
        return super().sample_instances(generator, rng, size)

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> TSPInstance:
        coords = data["coords"][i]
        dist = data["distances"][i] if "distances" in data else euclidean(coords)
        return TSPInstance(dist, coords, "EUC")

    @classmethod
    def solution_to_actions(cls, instance: TSPInstance, solution: Sequence[int]) -> tuple[dict[str, Any], list[int]]:
        tour = [int(x) for x in solution]
        if not tour:
            raise InstanceError("solution: empty tour")
        return {"start_node": tour[0]}, tour[1:]

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        n = self.num_nodes
        shape = data_nodes(data)
        if shape != (n, n):
            raise InstanceError(f"instance has {shape[0]} nodes but the environment was built for num_nodes={n}")
        start = (options or {}).get("start_node", 0)
        start = np.broadcast_to(np.asarray(start, dtype=np.int64), rows.shape)
        if ((start < 0) | (start >= n)).any():
            raise InstanceError(f"start_node: expected 0..{n - 1}, got {start}")
        # Any tour costs at most n * max edge, so the penalty (n * max edge + 1) is worse than every feasible tour.
        self._load_distances(rows, data)
        self.coords[rows] = data["obs_coords"]
        self.first[rows] = start
        self.cur[rows] = start
        self.visited[rows] = False
        self.visited[rows, start] = True
        self.t[rows] = 0
        self.tour[rows, 0] = start
        self.cost[rows] = 0.0
        self.done[rows] = False
        self.mask[rows] = ~self.visited[rows]

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from routing_gym.envs.compiled import tsp_step  # numba loads with the first step

        b = self.batch_size
        reward, terminated, valid = np.empty(b), np.empty(b, dtype=bool), np.empty(b, dtype=bool)
        all_valid = tsp_step(actions, self.mask, self.done, self.first, self.cur, self.visited, self.t, self.tour,
                             self.cost, self._dist, self._xy, self._from_xy, reward, terminated, valid)
        if not all_valid:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {
            "coords": self.coords[r].copy(),
            "first_node": self.first[r].copy(),
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].astype(np.int8),
            "action_mask": self.mask[r].astype(np.int8),
        }

    def solution(self, row: int) -> list[int]:
        return self.tour[row].tolist()

    def solutions(self, rows: np.ndarray) -> list[list[int]]:
        if type(self).solution is not TSPKernel.solution:  # a subclass's own solution format
            return super().solutions(rows)
        return self.tour[rows].tolist()

    def partial_solution(self, row: int) -> list[int]:
        return self.tour[row, : self.t[row] + 1].tolist()
