"""Batched CVRP dynamics."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from routing_gym.envs.cvrp.generator import CVRPGenerator
from routing_gym.envs.cvrp.types import CVRPInstance
from routing_gym.envs.depot_routes import DepotRoutesKernel, route_spaces
from routing_gym.envs.distances import euclidean


class CVRPKernel(DepotRoutesKernel):
    """CVRP as a constructive MDP with one vehicle making successive trips.

    Action ``0`` returns to the depot (allowed while not at the depot) and refills
    the vehicle; action ``i >= 1`` serves customer ``i`` if it is unserved and its
    demand fits the remaining load. The episode ends back at the depot with every
    customer served.

    The step is compiled (:func:`routing_gym.envs.compiled.cvrp_step`); ``_move`` and
    the shared numpy step of :class:`DepotRoutesKernel` are the same dynamics, kept as
    the reference the compiled step is tested against.
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
    def sample_instances(cls, generator: object, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """The CVRP generator's instances without their matrices (the step computes each edge)."""
        if type(generator) is CVRPGenerator:
            return generator.sample(rng, size, distances=False)
        return super().sample_instances(generator, rng, size)

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> CVRPInstance:
        coords = data["coords"][i]
        dist = data["distances"][i] if "distances" in data else euclidean(coords)
        return CVRPInstance(dist, data["demands"][i], int(data["capacity"][i]), coords, "EUC")

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        self._load_routes(rows, data)
        self.remaining[rows] = self.capacity[rows]
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        """Unserved customers whose demand fits the remaining load; the depot unless the vehicle is there."""
        from routing_gym.envs.compiled import cvrp_masks

        cvrp_masks(np.asarray(rows, dtype=np.int64), self.mask, self.visited, self.demand, self.remaining, self.cur)

    def _move(self, vd: np.ndarray, vc: np.ndarray, ac: np.ndarray, travel: np.ndarray) -> None:
        self.remaining[vd] = self.capacity[vd]
        self.remaining[vc] -= self.demand[vc, ac]

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from routing_gym.envs.compiled import cvrp_step  # numba loads with the first step

        b = self.batch_size
        reward, terminated, valid = np.empty(b), np.empty(b, dtype=bool), np.empty(b, dtype=bool)
        all_valid = cvrp_step(actions, self.mask, self.done, self.cur, self.remaining, self.capacity, self.demand,
                              self.visited, self.served, self.t, self.hist, self.cost, self._dist, self._xy,
                              self._from_xy, reward, terminated, valid)
        if not all_valid:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {
            "coords": self.coords[r].copy(),
            "demands": self.demand_obs[r].copy(),
            "remaining_capacity": (self.remaining[r] / self.capacity[r]).astype(np.float32)[..., None],
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].astype(np.int8),
            "action_mask": self.mask[r].astype(np.int8),
        }
