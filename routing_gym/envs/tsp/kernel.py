"""Batched TSP dynamics."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import InstanceError


class TSPKernel(Kernel):
    """TSP as a constructive MDP: the tour starts at ``start_node`` (default 0); each
    action appends an unvisited node; the last action also closes the tour."""

    reset_options = ("start_node",)
    state_fields = ("first", "cur", "visited", "t", "tour")
    instance_type = TSPInstance

    def __init__(self, batch_size: int, num_nodes: int) -> None:
        super().__init__(batch_size, num_nodes)
        b, n = self.batch_size, self.num_nodes
        self.dist = np.zeros((b, n, n), dtype=np.float64)
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
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> TSPInstance:
        return TSPInstance(data["distances"][i], data["coords"][i], "EUC")

    @classmethod
    def solution_to_actions(cls, instance: TSPInstance, solution: Sequence[int]) -> tuple[dict[str, Any], list[int]]:
        tour = [int(x) for x in solution]
        if not tour:
            raise InstanceError("solution: empty tour")
        return {"start_node": tour[0]}, tour[1:]

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        n = self.num_nodes
        dist = data["distances"]
        if dist.shape[1:] != (n, n):
            raise InstanceError(f"instance has {dist.shape[1]} nodes but the environment was built for num_nodes={n}")
        start = (options or {}).get("start_node", 0)
        start = np.broadcast_to(np.asarray(start, dtype=np.int64), rows.shape)
        if ((start < 0) | (start >= n)).any():
            raise InstanceError(f"start_node: expected 0..{n - 1}, got {start}")
        self.dist[rows] = dist
        self.coords[rows] = data["obs_coords"]
        # Any tour costs at most n * max edge, so the penalty is worse than every feasible tour.
        self.penalty[rows] = n * dist.reshape(len(rows), -1).max(axis=1) + 1.0
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
        a = actions
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.empty(self.batch_size, dtype=np.float64)
        terminated = ~valid
        v = self._rows if valid.all() else np.flatnonzero(valid)
        av = a[v]
        reward[v] = -self.dist[v, self.cur[v], av]
        self.visited[v, av] = True
        self.t[v] += 1
        self.tour[v, self.t[v]] = av
        self.cur[v] = av
        fin = v[self.t[v] == self.num_nodes - 1]
        if fin.size:
            reward[fin] -= self.dist[fin, self.cur[fin], self.first[fin]]
            terminated[fin] = True
        self.cost[v] -= reward[v]
        if v.size != self.batch_size:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        self.mask[v] = ~self.visited[v]
        self.done |= terminated
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {
            "coords": self.coords[r].copy(),
            "first_node": self.first[r].copy(),
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].view(np.int8).copy(),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def solution(self, row: int) -> list[int]:
        return self.tour[row].tolist()

    def partial_solution(self, row: int) -> list[int]:
        return self.tour[row, : self.t[row] + 1].tolist()
