"""Batched CVRP dynamics."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from routing_gym.envs.cvrp.types import CVRPInstance
from routing_gym.envs.depot_routes import DepotRoutesKernel, route_spaces


class CVRPKernel(DepotRoutesKernel):
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
        self.remaining = np.zeros(self.batch_size, dtype=np.int64)

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        return spaces.Dict(route_spaces(num_nodes + 1))

    @classmethod
    def instance_size(cls, instance: CVRPInstance) -> int:
        return instance.num_customers

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> CVRPInstance:
        return CVRPInstance(data["distances"][i], data["demands"][i], int(data["capacity"][i]), data["coords"][i], "EUC")

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        self._load_routes(rows, data)
        self.remaining[rows] = self.capacity[rows]
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        m = ~self.visited[rows] & (self.demand[rows] <= self.remaining[rows, None])
        m[:, 0] = self.cur[rows] != 0
        self.mask[rows] = m

    def _move(self, vd: np.ndarray, vc: np.ndarray, ac: np.ndarray, travel: np.ndarray) -> None:
        self.remaining[vd] = self.capacity[vd]
        self.remaining[vc] -= self.demand[vc, ac]

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
