"""Batched mTSP dynamics."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.mtsp.types import MTSPInstance
from routing_gym.errors import InstanceError

#: fix-up rounds that make ``cost + increment`` land exactly on the objective value (one suffices in practice)
_EXACT_ROUNDS = 4


def exact_increments(cost: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Increments ``inc`` with ``cost + inc == value`` exactly in float64 (element-wise).

    ``value - cost`` can be off by one unit in the last place; stepping it to the
    neighbouring float makes the running sum of rewards land on the objective
    value itself, so the summed reward equals minus ``evaluate``'s cost exactly.
    """
    inc = value - cost
    for _ in range(_EXACT_ROUNDS):
        off = cost + inc - value
        if not off.any():
            break
        inc = np.where(off == 0, inc, np.nextafter(inc, np.where(off > 0, -np.inf, np.inf)))
    return inc


def length_bound(num_nodes: int) -> float:
    """Upper end of the observed route lengths, ``2 (n + 1)``: a route through ``n + 1`` points of the unit
    square is shorter than ``sqrt(2) (n + 1)``; lengths of matrix instances are clipped to it."""
    return 2.0 * (num_nodes + 1)


class MTSPKernel(Kernel):
    """mTSP as a constructive MDP: the vehicles' routes are built one after the other.

    Vehicle ``k`` leaves the depot; action ``i >= 1`` visits city ``i``; action ``0``
    closes vehicle ``k``'s route (back to the depot) and starts vehicle ``k + 1``.
    Every route is non-empty: ``0`` is allowed only on a non-empty route and not
    for the last vehicle, and a city is allowed only while enough cities stay
    unvisited for the vehicles still to start. Visiting the last city also closes
    the last route. An episode takes exactly ``n + m - 1`` steps.

    The objective value so far is the total length travelled (``"sum"``) or the
    longest route so far, the open route counted as its length up to the current
    city (``"minmax"``). Each step's reward is minus its increase, so rewards sum to
    minus the final objective.
    """

    state_fields = ("cur", "vehicle", "visited", "served", "t", "hist", "route_len", "closed_max", "total")
    instance_type = MTSPInstance

    def __init__(self, batch_size: int, size: int) -> None:
        super().__init__(batch_size, size)
        b, n1 = self.batch_size, self.num_nodes + 1
        self.dist = np.zeros((b, n1, n1), dtype=np.float64)
        self.coords = np.zeros((b, n1, 2), dtype=np.float32)
        self.obs_scale = np.ones(b, dtype=np.float64)
        self.num_vehicles = np.ones(b, dtype=np.int64)
        self.minmax = np.zeros(b, dtype=bool)
        self.cur = np.zeros(b, dtype=np.int64)
        self.vehicle = np.zeros(b, dtype=np.int64)
        self.visited = np.zeros((b, n1), dtype=bool)
        self.served = np.zeros(b, dtype=np.int64)
        self.t = np.zeros(b, dtype=np.int64)
        self.hist = np.zeros((b, 2 * self.num_nodes), dtype=np.int64)  # n + m - 1 <= 2n - 1 actions
        self.route_len = np.zeros(b, dtype=np.float64)
        self.closed_max = np.zeros(b, dtype=np.float64)
        self.total = np.zeros(b, dtype=np.float64)

    @property
    def num_actions(self) -> int:
        return self.num_nodes + 1

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        n1 = num_nodes + 1
        return spaces.Dict(
            {
                "coords": spaces.Box(0.0, 1.0, (n1, 2), np.float32),
                "current_node": spaces.Discrete(n1),
                "visited": spaces.MultiBinary(n1),
                "action_mask": spaces.MultiBinary(n1),
                "vehicles": spaces.Box(0.0, 1.0, (2,), np.float32),
                "route_length": spaces.Box(0.0, length_bound(num_nodes), (1,), np.float32),
                "max_route_length": spaces.Box(0.0, length_bound(num_nodes), (1,), np.float32),
                "minmax": spaces.Box(0.0, 1.0, (1,), np.float32),
            }
        )

    @classmethod
    def instance_size(cls, instance: MTSPInstance) -> int:
        return instance.num_cities

    @classmethod
    def stack(cls, instances: Sequence[MTSPInstance]) -> dict[str, np.ndarray]:
        return {
            "distances": np.stack([i.distances for i in instances]),
            "obs_coords": np.stack([i.obs_coords for i in instances]),
            "obs_scale": np.array([i.obs_scale for i in instances], dtype=np.float64),
            "num_vehicles": np.array([i.num_vehicles for i in instances], dtype=np.int64),
            "minmax": np.array([i.objective == "minmax" for i in instances]),
        }

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> MTSPInstance:
        coords = data["coords"][i] if "coords" in data else None
        objective = "minmax" if data["minmax"][i] else "sum"
        return MTSPInstance(data["distances"][i], int(data["num_vehicles"][i]), objective, coords, "EUC")

    @classmethod
    def solution_to_actions(cls, instance: MTSPInstance, solution: Sequence[Sequence[int]]) -> tuple[dict[str, Any], list[int]]:
        """The routes in order, joined by ``0`` (the last route's return is implicit)."""
        actions: list[int] = []
        for k, route in enumerate(solution):
            if k:
                actions.append(0)
            actions.extend(int(x) for x in route)
        return {}, actions

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        n1 = self.num_nodes + 1
        dist = data["distances"]
        if dist.shape[1:] != (n1, n1):
            raise InstanceError(f"instance has {dist.shape[1] - 1} cities but the environment was built for num_nodes={self.num_nodes}")
        m = np.asarray(data["num_vehicles"], dtype=np.int64)
        if ((m < 1) | (m > self.num_nodes)).any():
            raise InstanceError(f"num_vehicles: expected 1..{self.num_nodes} per instance, got {m.tolist()}")
        self.dist[rows] = dist
        self.coords[rows] = data["obs_coords"]
        self.obs_scale[rows] = data["obs_scale"]
        self.num_vehicles[rows] = m
        self.minmax[rows] = data["minmax"]
        # every feasible solution uses n + m <= 2n edges, each at most the longest one
        self.penalty[rows] = (self.num_nodes + m) * dist.reshape(len(rows), -1).max(axis=1) + 1.0
        for name in ("cur", "vehicle", "served", "t", "route_len", "closed_max", "total", "cost"):
            getattr(self, name)[rows] = 0
        self.visited[rows] = False
        self.done[rows] = False
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        left = self.num_nodes - self.served[rows]  # unvisited cities
        later = self.num_vehicles[rows] - 1 - self.vehicle[rows]  # vehicles still to start, one city each
        m = ~self.visited[rows] & (left - 1 >= later)[:, None]
        m[:, 0] = (self.cur[rows] != 0) & (later > 0)
        self.mask[rows] = m

    def _close_routes(self, rows: np.ndarray, back: np.ndarray) -> None:
        """Drive ``rows`` back to the depot (edge lengths ``back``) and close their routes."""
        self.route_len[rows] += back
        self.total[rows] += back
        self.closed_max[rows] = np.maximum(self.closed_max[rows], self.route_len[rows])

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = actions
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.empty(self.batch_size, dtype=np.float64)
        terminated = ~valid
        v = self._rows if valid.all() else np.flatnonzero(valid)
        av = a[v]
        travel = self.dist[v, self.cur[v], av]
        depot = av == 0
        vd, vc, ac = v[depot], v[~depot], av[~depot]
        self._close_routes(vd, travel[depot])
        self.route_len[vd] = 0.0
        self.vehicle[vd] += 1
        self.route_len[vc] += travel[~depot]
        self.total[vc] += travel[~depot]
        self.visited[vc, ac] = True
        self.served[vc] += 1
        last = vc[self.served[vc] == self.num_nodes]
        self._close_routes(last, self.dist[last, a[last], 0])
        terminated[last] = True
        self.hist[v, self.t[v]] = av
        self.t[v] += 1
        self.cur[v] = av
        value = np.where(self.minmax[v], np.maximum(self.closed_max[v], self.route_len[v]), self.total[v])
        inc = exact_increments(self.cost[v], value)
        reward[v] = -inc
        self.cost[v] += inc
        if v.size != self.batch_size:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        self._update_mask(v)
        self.done |= terminated
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        m = self.num_vehicles[r].astype(np.float64)
        scale = self.obs_scale[r]
        return {
            "coords": self.coords[r].copy(),
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].view(np.int8).copy(),
            "action_mask": self.mask[r].view(np.int8).copy(),
            "vehicles": np.stack([(m - self.vehicle[r]) / m, 1.0 / m], axis=-1).astype(np.float32),
            "route_length": self._scaled(self.route_len[r] / scale),
            "max_route_length": self._scaled(self.closed_max[r] / scale),
            "minmax": self.minmax[r].astype(np.float32)[..., None],
        }

    def _scaled(self, lengths: np.ndarray) -> np.ndarray:
        return np.minimum(lengths, length_bound(self.num_nodes)).astype(np.float32)[..., None]

    def partial_solution(self, row: int) -> list[list[int]]:
        """The routes so far: vehicle 0's first; the last one open (possibly empty) until the episode ends."""
        routes: list[list[int]] = [[]]
        for node in self.hist[row, : self.t[row]].tolist():
            if node == 0:
                routes.append([])
            else:
                routes[-1].append(node)
        return routes

    solution = partial_solution
