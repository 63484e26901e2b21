"""Batched CVRPTW dynamics."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from routing_gym.envs.cvrptw.types import TIME_EPS, CVRPTWInstance
from routing_gym.envs.depot_routes import DepotRoutesKernel, route_spaces, window_spaces


class CVRPTWKernel(DepotRoutesKernel):
    """CVRPTW as a constructive MDP with one vehicle making successive routes.

    Action ``0`` returns to the depot (allowed while not at the depot); the next
    route then leaves at the depot's opening time ``ready[0]`` with a full load.
    Action ``i >= 1`` serves customer ``i`` if it is unserved, its demand fits the
    remaining load, the vehicle arrives by ``due[i]``, and after serving it (starting
    at ``max(arrival, ready[i])``: waiting is implicit) it can still be back at the
    depot by ``due[0]``. Every customer is servable alone (the instance checks it),
    so the depot always offers a way on: there are no dead ends.

    ``clock`` is the departure time from the current node (service start plus
    service duration; ``ready[0]`` at the depot).
    """

    state_fields = ("cur", "remaining", "visited", "served", "t", "hist", "clock")
    instance_type = CVRPTWInstance
    stack_fields = ("ready", "due", "service")

    def __init__(self, batch_size: int, size: int) -> None:
        super().__init__(batch_size, size)
        b, n1 = self.batch_size, self.num_nodes + 1
        self.ready = np.zeros((b, n1), dtype=np.float64)
        self.due = np.zeros((b, n1), dtype=np.float64)
        self.service = np.zeros((b, n1), dtype=np.float64)
        self.window_obs = np.zeros((b, n1, 2), dtype=np.float32)
        self.service_obs = np.zeros((b, n1), dtype=np.float32)
        self.remaining = np.zeros(b, dtype=np.int64)
        self.clock = np.zeros(b, dtype=np.float64)

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        n1 = num_nodes + 1
        return spaces.Dict({**route_spaces(n1), **window_spaces(n1)})

    @classmethod
    def instance_size(cls, instance: CVRPTWInstance) -> int:
        return instance.num_customers

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> CVRPTWInstance:
        coords = data["coords"][i] if "coords" in data else None
        return CVRPTWInstance(data["distances"][i], data["demands"][i], int(data["capacity"][i]), data["ready"][i],
                              data["due"][i], data["service"][i], coords, "EUC")

    def _load_times(self, rows: np.ndarray, data: dict[str, np.ndarray]) -> None:
        """Windows and service times, and their observations as fractions of the depot's opening span."""
        ready, due, service = data["ready"], data["due"], data["service"]
        self.ready[rows], self.due[rows], self.service[rows] = ready, due, service
        start = ready[:, :1]
        span = np.maximum(due[:, :1] - start, np.finfo(np.float64).tiny)
        self.window_obs[rows] = np.clip((np.stack([ready, due], axis=-1) - start[..., None]) / span[..., None], 0.0, 1.0)
        self.service_obs[rows] = np.clip(service / span, 0.0, 1.0)

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        self._load_routes(rows, data)
        self._load_times(rows, data)
        self.remaining[rows] = self.capacity[rows]
        self.clock[rows] = self.ready[rows, 0]
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        arrival = self.clock[rows, None] + self.dist[rows, self.cur[rows]]
        back = np.maximum(arrival, self.ready[rows]) + self.service[rows] + self.dist[rows, :, 0]
        m = (~self.visited[rows] & (self.demand[rows] <= self.remaining[rows, None])
             & (arrival <= self.due[rows] + TIME_EPS) & (back <= self.due[rows, :1] + TIME_EPS))
        m[:, 0] = self.cur[rows] != 0
        self.mask[rows] = m

    def _move(self, vd: np.ndarray, vc: np.ndarray, ac: np.ndarray, travel: np.ndarray) -> None:
        self.clock[vc] = np.maximum(self.clock[vc] + travel, self.ready[vc, ac]) + self.service[vc, ac]
        self.clock[vd] = self.ready[vd, 0]
        self.remaining[vd] = self.capacity[vd]
        self.remaining[vc] -= self.demand[vc, ac]

    def current_time(self, rows: np.ndarray | slice | None = None) -> np.ndarray:
        """The departure time from the current node as a fraction of the depot's opening span, ``(rows, 1)``."""
        r = slice(None) if rows is None else rows
        start, end = self.ready[r, 0], self.due[r, 0]
        span = np.maximum(end - start, np.finfo(np.float64).tiny)
        return np.clip((self.clock[r] - start) / span, 0.0, 1.0).astype(np.float32)[..., None]

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {
            "coords": self.coords[r].copy(),
            "demands": self.demand_obs[r].copy(),
            "time_windows": self.window_obs[r].copy(),
            "service_times": self.service_obs[r].copy(),
            "remaining_capacity": (self.remaining[r] / self.capacity[r]).astype(np.float32)[..., None],
            "current_time": self.current_time(r),
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].view(np.int8).copy(),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }
