"""Batched PDP dynamics (pickup and delivery, capacity, optional time windows)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from routing_gym.envs.cvrptw.types import TIME_EPS
from routing_gym.envs.depot_routes import DepotRoutesKernel, route_spaces, window_spaces
from routing_gym.envs.pdp.plans import certify, compact
from routing_gym.envs.pdp.types import PDPInstance


class PDPKernel(DepotRoutesKernel):
    """PDP as a constructive MDP with one vehicle making successive routes from the depot.

    Action ``0`` returns to the depot, allowed away from it with nothing aboard;
    the next route leaves at ``ready[0]``. Action ``i`` visits node ``i`` if it is
    unvisited and: a pickup whose load fits the room left, or a delivery whose
    pickup is aboard; and, with time windows, if the vehicle reaches it by
    ``due[i]`` and one of a few orders of the deliveries then aboard (the stored
    plan updated, by due time, nearest neighbour, cheapest insertion: see
    :mod:`routing_gym.envs.pdp.plans`) delivers them all in time and returns by
    ``due[0]``. The order that allowed the move is stored as the plan, whose first
    delivery stays allowed, so there are no dead ends (every pair is servable alone
    from the depot). All 50 Li & Lim best-known solutions replay.
    """

    size_name = "num_pairs"
    state_fields = ("cur", "carried", "visited", "pending", "served", "t", "hist", "clock", "plan", "plan_len")
    instance_type = PDPInstance
    stack_fields = ("pairs", "ready", "due", "service")

    def __init__(self, batch_size: int, size: int) -> None:
        super().__init__(batch_size, size)  # hist: each pair on a route of its own is the longest episode, 3 n / 2 steps
        b, n1 = self.batch_size, self.num_nodes + 1
        self.partner = np.zeros((b, n1), dtype=np.int64)
        self.is_pickup = np.zeros((b, n1), dtype=bool)
        self.ready = np.zeros((b, n1), dtype=np.float64)
        self.due = np.full((b, n1), np.inf, dtype=np.float64)
        self.service = np.zeros((b, n1), dtype=np.float64)
        self.timed = np.zeros(b, dtype=bool)
        self.span = np.ones(b, dtype=np.float64)
        self.window_obs = np.zeros((b, n1, 2), dtype=np.float32)
        self.service_obs = np.zeros((b, n1), dtype=np.float32)
        self.carried = np.zeros(b, dtype=np.int64)
        self.pending = np.zeros((b, n1), dtype=bool)  # deliveries whose pickup is aboard
        self.clock = np.zeros(b, dtype=np.float64)
        self.plan = np.full((b, n1), -1, dtype=np.int64)  # a feasible order of the deliveries aboard (time windows)
        self.plan_len = np.zeros(b, dtype=np.int64)

    @property
    def num_nodes(self) -> int:
        """Pickup and delivery nodes, ``n = 2 num_pairs``."""
        return 2 * self.num_pairs

    @classmethod
    def observation_space(cls, num_pairs: int) -> spaces.Dict:
        num_nodes = 2 * num_pairs
        n1 = num_nodes + 1
        return spaces.Dict(
            {
                **route_spaces(n1, demand_low=-1.0),
                **window_spaces(n1),
                "is_pickup": spaces.MultiBinary(n1),
                "partner": spaces.Box(0, num_nodes, (n1,), np.int64),
                "pending": spaces.MultiBinary(n1),
            }
        )

    @classmethod
    def instance_size(cls, instance: PDPInstance) -> int:
        return instance.num_pairs

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> PDPInstance:
        coords = data["coords"][i] if "coords" in data else None
        return PDPInstance(data["distances"][i], data["pairs"][i], data["demands"][i], int(data["capacity"][i]),
                           data["ready"][i], data["due"][i], data["service"][i], coords, "EUC")

    def _load_times(self, rows: np.ndarray, data: dict[str, np.ndarray]) -> None:
        """Windows and service times, and their observations as fractions of the depot's opening span."""
        ready, due, service = data["ready"], data["due"], data["service"]
        self.ready[rows], self.due[rows], self.service[rows] = ready, due, service
        self.timed[rows] = np.isfinite(due).any(axis=1) | (ready > 0).any(axis=1) | (service > 0).any(axis=1)
        start = ready[:, :1]
        span = np.where(np.isfinite(due[:, :1]), due[:, :1] - start, 1.0)
        span = np.maximum(span, np.finfo(np.float64).tiny)
        self.span[rows] = span[:, 0]
        windows = np.stack([ready, np.minimum(due, start + span)], axis=-1)
        self.window_obs[rows] = np.clip((windows - start[..., None]) / span[..., None], 0.0, 1.0)
        self.service_obs[rows] = np.clip(service / span, 0.0, 1.0)

    def _size_mismatch(self, dist: np.ndarray) -> str:
        return f"instance has {(dist.shape[1] - 1) // 2} pairs but the environment was built for num_pairs={self.num_pairs}"

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        self._load_routes(rows, data)
        n1 = self.num_nodes + 1
        pairs = np.asarray(data["pairs"], dtype=np.int64)
        partner = np.zeros((len(rows), n1), dtype=np.int64)
        np.put_along_axis(partner, pairs[:, :, 0], pairs[:, :, 1], axis=1)
        np.put_along_axis(partner, pairs[:, :, 1], pairs[:, :, 0], axis=1)
        pick = np.zeros((len(rows), n1), dtype=bool)
        np.put_along_axis(pick, pairs[:, :, 0], True, axis=1)
        self.partner[rows], self.is_pickup[rows] = partner, pick
        self._load_times(rows, data)
        self.carried[rows] = 0
        self.plan_len[rows] = 0
        self.plan[rows] = -1
        self.pending[rows] = False
        self.clock[rows] = self.ready[rows, 0]
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        arrival = self.clock[rows, None] + self.dist[rows, self.cur[rows]]
        fits = self.carried[rows, None] + self.demand[rows] <= self.capacity[rows, None]
        m = ~self.visited[rows] & ((self.is_pickup[rows] & fits) | self.pending[rows])
        m &= arrival <= self.due[rows] + TIME_EPS
        timed = m & self.timed[rows, None]
        if timed.any():  # can everything aboard after the move still be delivered in time?
            i, j = np.nonzero(timed)
            depart = np.maximum(arrival[i, j], self.ready[rows[i], j]) + self.service[rows[i], j]
            m[i, j] = certify(self, rows[i], j, depart)[0]
        m[:, 0] = (self.cur[rows] != 0) & ~self.pending[rows].any(axis=1)
        self.mask[rows] = m

    def _replan(self, rows: np.ndarray, nodes: np.ndarray, depart: np.ndarray) -> None:
        """Store the plan that certified the moves of ``rows`` to ``nodes`` (time-window rows only)."""
        timed = self.timed[rows]
        rows, nodes, depart = rows[timed], nodes[timed], depart[timed]
        if rows.size:
            _, plan = certify(self, rows, nodes, depart)
            plan, length = compact(plan)
            self.plan[rows] = -1
            self.plan[rows, : plan.shape[1]] = plan
            self.plan_len[rows] = length

    def _move(self, vd: np.ndarray, vc: np.ndarray, ac: np.ndarray, travel: np.ndarray) -> None:
        depart = np.maximum(self.clock[vc] + travel, self.ready[vc, ac]) + self.service[vc, ac]
        self._replan(vc, ac, depart)
        self.plan[vd], self.plan_len[vd] = -1, 0
        self.clock[vc] = depart
        self.clock[vd] = self.ready[vd, 0]
        self.carried[vc] += self.demand[vc, ac]
        pick = self.is_pickup[vc, ac]
        self.pending[vc[pick], self.partner[vc[pick], ac[pick]]] = True
        self.pending[vc[~pick], ac[~pick]] = False

    def current_time(self, rows: np.ndarray | slice | None = None) -> np.ndarray:
        """The departure time from the current node as a fraction of the depot's opening span, ``(rows, 1)``."""
        r = slice(None) if rows is None else rows
        return np.clip((self.clock[r] - self.ready[r, 0]) / self.span[r], 0.0, 1.0).astype(np.float32)[..., None]

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {
            "coords": self.coords[r].copy(),
            "demands": self.demand_obs[r].copy(),
            "is_pickup": self.is_pickup[r].view(np.int8).copy(),
            "partner": self.partner[r].copy(),
            "time_windows": self.window_obs[r].copy(),
            "service_times": self.service_obs[r].copy(),
            "remaining_capacity": ((self.capacity[r] - self.carried[r]) / self.capacity[r]).astype(np.float32)[..., None],
            "current_time": self.current_time(r),
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].view(np.int8).copy(),
            "pending": self.pending[r].view(np.int8).copy(),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }
