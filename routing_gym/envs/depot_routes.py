"""The batched kernel shared by the one-vehicle, successive-routes problems (CVRP, CVRPTW, PDP).

Node ``0`` is the depot and nodes ``1..n`` the customers (or pickup and delivery
nodes). Action ``0`` returns to the depot and closes the current route; action
``i >= 1`` visits node ``i``. The episode ends back at the depot with every node
visited. Subclasses add their own state and say what a visit and a return do
(:meth:`DepotRoutesKernel._move`) and which actions are allowed (``_update_mask``).
"""

from __future__ import annotations

from abc import abstractmethod

from typing import Any, ClassVar, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.distances import LazyDistances, data_nodes
from routing_gym.envs.kernel import Kernel
from routing_gym.errors import InstanceError


def route_spaces(n1: int, demand_low: float = 0.0) -> dict[str, spaces.Space]:
    """Observation spaces of ``n1`` nodes that every depot-and-routes problem has."""
    return {
        "coords": spaces.Box(0.0, 1.0, (n1, 2), np.float32),
        "demands": spaces.Box(demand_low, 1.0, (n1,), np.float32),
        "remaining_capacity": spaces.Box(0.0, 1.0, (1,), np.float32),
        "current_node": spaces.Discrete(n1),
        "visited": spaces.MultiBinary(n1),
        "action_mask": spaces.MultiBinary(n1),
    }


def window_spaces(n1: int) -> dict[str, spaces.Space]:
    """Observation spaces of the time windows, service times and clock (fractions of the depot's opening span)."""
    return {
        "time_windows": spaces.Box(0.0, 1.0, (n1, 2), np.float32),
        "service_times": spaces.Box(0.0, 1.0, (n1,), np.float32),
        "current_time": spaces.Box(0.0, 1.0, (1,), np.float32),
    }


class DepotRoutesKernel(LazyDistances, Kernel):
    """Distances, coordinates, demands and capacity of ``n + 1`` nodes, and the routes built so far.

    ``dist`` is built lazily for instances loaded as coordinates only (see :class:`LazyDistances`).
    """

    def __init__(self, batch_size: int, size: int) -> None:
        super().__init__(batch_size, size)
        b, n1 = self.batch_size, self.num_nodes + 1
        # A feasible solution uses at most 2n edges, each at most the longest one.
        self.penalty_edges = 2 * self.num_nodes
        self._init_distances(b, n1)
        self.coords = np.zeros((b, n1, 2), dtype=np.float32)
        self.demand = np.zeros((b, n1), dtype=np.int64)
        self.capacity = np.ones(b, dtype=np.int64)
        self.demand_obs = np.zeros((b, n1), dtype=np.float32)
        self.cur = np.zeros(b, dtype=np.int64)
        self.visited = np.zeros((b, n1), dtype=bool)
        self.served = np.zeros(b, dtype=np.int64)
        self.t = np.zeros(b, dtype=np.int64)
        # serving each node and returning after each is the longest episode: 2n steps
        self.hist = np.zeros((b, 2 * self.num_nodes), dtype=np.int64)

    #: instance fields stacked as they are by :meth:`stack`, besides distances, coordinates, demands and capacity
    stack_fields: ClassVar[tuple[str, ...]] = ()

    @property
    def num_actions(self) -> int:
        return self.num_nodes + 1

    @classmethod
    def stack(cls, instances: Sequence[Any]) -> dict[str, np.ndarray]:
        data = {
            "distances": np.stack([i.distances for i in instances]),
            "obs_coords": np.stack([i.obs_coords for i in instances]),
            "demands": np.stack([i.demands for i in instances]),
            "capacity": np.array([i.capacity for i in instances], dtype=np.int64),
        }
        for name in cls.stack_fields:
            data[name] = np.stack([getattr(i, name) for i in instances])
        return data

    @classmethod
    def solution_to_actions(cls, instance: Any, solution: Sequence[Sequence[int]]) -> tuple[dict[str, Any], list[int]]:
        """Each non-empty route's nodes followed by ``0``."""
        actions: list[int] = []
        for route in solution:
            route = [int(x) for x in route]
            if route:
                actions.extend(route)
                actions.append(0)
        return {}, actions

    def _size_mismatch(self, dist: np.ndarray) -> str:
        """The message of a batch (``distances`` or ``coords``, nodes on axis 1) whose size is not this kernel's."""
        return f"instance has {dist.shape[1] - 1} customers but the environment was built for num_nodes={self.num_nodes}"

    def _load_routes(self, rows: np.ndarray, data: dict[str, np.ndarray]) -> None:
        """Load the shared arrays of ``rows`` and start empty routes at the depot (the mask is the caller's)."""
        n1 = self.num_nodes + 1
        shape = data_nodes(data)
        if shape != (n1, n1):
            raise InstanceError(self._size_mismatch(data["distances"] if "distances" in data else data["coords"]))
        cap = np.asarray(data["capacity"], dtype=np.int64)
        self._load_distances(rows, data)
        self.coords[rows] = data["obs_coords"]
        self.demand[rows] = data["demands"]
        self.capacity[rows] = cap
        self.demand_obs[rows] = data["demands"] / cap[:, None]
        self.cur[rows] = 0
        self.visited[rows] = False
        self.served[rows] = 0
        self.t[rows] = 0
        self.cost[rows] = 0.0
        self.done[rows] = False

    @abstractmethod
    def _move(self, vd: np.ndarray, vc: np.ndarray, ac: np.ndarray, travel: np.ndarray) -> None:
        """Problem state of a valid step, before the shared update: rows ``vd`` return to the depot,
        rows ``vc`` visit nodes ``ac`` after travelling ``travel`` (``cur`` is still the node left)."""

    @abstractmethod
    def _update_mask(self, rows: np.ndarray) -> None:
        """Recompute the action mask of ``rows`` from their state."""

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = actions
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.empty(self.batch_size, dtype=np.float64)
        terminated = ~valid
        v = self._rows if valid.all() else np.flatnonzero(valid)
        av = a[v]
        travel = self.dist[v, self.cur[v], av]
        reward[v] = -travel
        depot = av == 0
        vd, vc, ac = v[depot], v[~depot], av[~depot]
        self._move(vd, vc, ac, travel[~depot])
        self.visited[vc, ac] = True
        self.served[vc] += 1
        self.hist[v, self.t[v]] = av
        self.t[v] += 1
        self.cur[v] = av
        terminated[vd[self.served[vd] == self.num_nodes]] = True
        self.cost[v] += travel
        if v.size != self.batch_size:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        self._update_mask(v)
        self.done |= terminated
        return reward, terminated, ~valid

    def partial_solution(self, row: int) -> list[list[int]]:
        return split_routes(self.hist[[row]], self.t[[row]])[0]

    def solution(self, row: int) -> list[list[int]]:
        return self.partial_solution(row)

    def solutions(self, rows: np.ndarray) -> list[list[list[int]]]:
        if type(self).solution is not DepotRoutesKernel.solution:  # a subclass's own solution format
            return super().solutions(rows)
        return split_routes(self.hist[rows], self.t[rows])


def split_routes(hist: np.ndarray, t: np.ndarray) -> list[list[list[int]]]:
    """Per row, the non-empty routes of the first ``t`` actions of ``hist`` (``0`` is a return to the depot).

    One ``list.index`` and one slice per route (C loops), not a Python step per action.
    """
    out = []
    for actions, n in zip(hist.tolist(), t.tolist()):
        routes, start = [], 0
        while start < n:
            try:
                end = actions.index(0, start, n)
            except ValueError:  # the route still on the road
                end = n
            if end > start:
                routes.append(actions[start:end])
            start = end + 1
        out.append(routes)
    return out
