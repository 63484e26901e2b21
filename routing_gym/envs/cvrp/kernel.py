"""Batched CVRP dynamics."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.cvrp.types import CVRPInstance
from routing_gym.envs.kernel import Kernel
from routing_gym.errors import InstanceError


class CVRPKernel(Kernel):
    """CVRP as a constructive MDP with one vehicle making successive trips.

    Action ``0`` returns to the depot (allowed while not at the depot) and refills
    the vehicle; action ``i >= 1`` serves customer ``i`` if it is unserved and its
    demand fits the remaining load. The episode ends back at the depot with every
    customer served.
    """

    state_fields = ("cur", "remaining", "visited", "served", "t", "hist")
    instance_type = CVRPInstance

    def __init__(self, batch_size: int, num_nodes: int) -> None:
        super().__init__(batch_size, num_nodes)
        b, n1 = self.batch_size, self.num_nodes + 1
        self.dist = np.zeros((b, n1, n1), dtype=np.float64)
        self.coords = np.zeros((b, n1, 2), dtype=np.float32)
        self.demand = np.zeros((b, n1), dtype=np.int64)
        self.capacity = np.ones(b, dtype=np.int64)
        self.demand_obs = np.zeros((b, n1), dtype=np.float32)
        self.cur = np.zeros(b, dtype=np.int64)
        self.remaining = np.zeros(b, dtype=np.int64)
        self.visited = np.zeros((b, n1), dtype=bool)
        self.served = np.zeros(b, dtype=np.int64)
        self.t = np.zeros(b, dtype=np.int64)
        # serving each customer and returning after each is the longest episode: 2n steps
        self.hist = np.zeros((b, 2 * self.num_nodes), dtype=np.int64)

    @property
    def num_actions(self) -> int:
        return self.num_nodes + 1

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        n1 = num_nodes + 1
        return spaces.Dict(
            {
                "coords": spaces.Box(0.0, 1.0, (n1, 2), np.float32),
                "demands": spaces.Box(0.0, 1.0, (n1,), np.float32),
                "remaining_capacity": spaces.Box(0.0, 1.0, (1,), np.float32),
                "current_node": spaces.Discrete(n1),
                "visited": spaces.MultiBinary(n1),
                "action_mask": spaces.MultiBinary(n1),
            }
        )

    @classmethod
    def instance_size(cls, instance: CVRPInstance) -> int:
        return instance.num_customers

    @classmethod
    def stack(cls, instances: Sequence[CVRPInstance]) -> dict[str, np.ndarray]:
        return {
            "distances": np.stack([i.distances for i in instances]),
            "obs_coords": np.stack([i.obs_coords for i in instances]),
            "demands": np.stack([i.demands for i in instances]),
            "capacity": np.array([i.capacity for i in instances], dtype=np.int64),
        }

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> CVRPInstance:
        return CVRPInstance(data["distances"][i], data["demands"][i], int(data["capacity"][i]), data["coords"][i], "EUC")

    @classmethod
    def solution_to_actions(cls, instance: CVRPInstance, solution: Sequence[Sequence[int]]) -> tuple[dict[str, Any], list[int]]:
        actions: list[int] = []
        for route in solution:
            route = [int(x) for x in route]
            if route:
                actions.extend(route)
                actions.append(0)
        return {}, actions

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        n1 = self.num_nodes + 1
        dist = data["distances"]
        if dist.shape[1:] != (n1, n1):
            raise InstanceError(
                f"instance has {dist.shape[1] - 1} customers but the environment was built for num_nodes={self.num_nodes}"
            )
        cap = np.asarray(data["capacity"], dtype=np.int64)
        self.dist[rows] = dist
        self.coords[rows] = data["obs_coords"]
        self.demand[rows] = data["demands"]
        self.capacity[rows] = cap
        self.demand_obs[rows] = data["demands"] / cap[:, None]
        # A feasible solution uses at most 2n edges, each at most the longest one.
        self.penalty[rows] = 2 * self.num_nodes * dist.reshape(len(rows), -1).max(axis=1) + 1.0
        self.cur[rows] = 0
        self.remaining[rows] = cap
        self.visited[rows] = False
        self.served[rows] = 0
        self.t[rows] = 0
        self.cost[rows] = 0.0
        self.done[rows] = False
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        m = ~self.visited[rows] & (self.demand[rows] <= self.remaining[rows, None])
        m[:, 0] = self.cur[rows] != 0
        self.mask[rows] = m

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = actions
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.empty(self.batch_size, dtype=np.float64)
        terminated = ~valid
        v = self._rows if valid.all() else np.flatnonzero(valid)
        av = a[v]
        reward[v] = -self.dist[v, self.cur[v], av]
        depot = av == 0
        vd, vc, ac = v[depot], v[~depot], av[~depot]
        self.remaining[vd] = self.capacity[vd]
        self.remaining[vc] -= self.demand[vc, ac]
        self.visited[vc, ac] = True
        self.served[vc] += 1
        self.hist[v, self.t[v]] = av
        self.t[v] += 1
        self.cur[v] = av
        terminated[vd[self.served[vd] == self.num_nodes]] = True
        self.cost[v] -= reward[v]
        if v.size != self.batch_size:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        self._update_mask(v)
        self.done |= terminated
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {
            "coords": self.coords[r].copy(),
            "demands": self.demand_obs[r].copy(),
            "remaining_capacity": (self.remaining[r] / self.capacity[r]).astype(np.float32)[..., None],
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].view(np.int8).copy(),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def partial_solution(self, row: int) -> list[list[int]]:
        routes: list[list[int]] = [[]]
        for node in self.hist[row, : self.t[row]].tolist():
            if node == 0:
                routes.append([])
            else:
                routes[-1].append(node)
        return [r for r in routes if r]

    solution = partial_solution
