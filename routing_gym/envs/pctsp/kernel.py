"""Batched prize-collecting TSP dynamics."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.pctsp.types import PCTSPInstance
from routing_gym.envs.prize_tour import EPS, PrizeTourKernel, length_obs_bound


class PCTSPKernel(PrizeTourKernel):
    """The deterministic PCTSP as a constructive MDP: one tour from the depot, a minimum prize, penalties.

    Action ``i >= 1`` goes to an unvisited node ``i`` (always allowed: there is no
    length limit). Action ``0`` returns to the depot and ends the episode; it is
    allowed once the collected prize reaches ``min_prize - 1e-9`` or every node is
    visited, so some action is always allowed (no dead ends). The return also pays
    the penalties of the nodes left out.
    """

    state_fields = PrizeTourKernel.state_fields + ("left_penalty",)
    instance_type = PCTSPInstance

    def __init__(self, batch_size: int, size: int) -> None:
        super().__init__(batch_size, size)
        b, n1 = self.batch_size, self.num_nodes + 1
        self.penalty_of = np.zeros((b, n1), dtype=np.float64)
        self.min_prize = np.zeros(b, dtype=np.float64)
        self.prize_scale = np.ones(b, dtype=np.float64)
        self.left_penalty = np.zeros(b, dtype=np.float64)
        self.prize_obs = np.zeros((b, n1), dtype=np.float32)
        self.penalty_obs = np.zeros((b, n1), dtype=np.float32)

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        n1 = num_nodes + 1
        return spaces.Dict({**cls.base_spaces(num_nodes),
                            "penalties": spaces.Box(0.0, length_obs_bound(num_nodes), (n1,), np.float32),
                            "remaining_prize": spaces.Box(0.0, 1.0, (1,), np.float32)})

    @classmethod
    def stack(cls, instances: Sequence[PCTSPInstance]) -> dict[str, np.ndarray]:
        return {**cls.base_stack(instances),
                "penalties": np.stack([i.penalties for i in instances]),
                "total_penalty": np.array([i.total_penalty for i in instances], dtype=np.float64),
                "min_prize": np.array([i.min_prize for i in instances], dtype=np.float64)}

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> PCTSPInstance:
        coords = data["coords"][i] if "coords" in data else None
        return PCTSPInstance(data["distances"][i], data["prizes"][i], data["penalties"][i], float(data["min_prize"][i]),
                             coords, "EUC")

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        self._load_base(rows, data)
        prizes, pens = data["prizes"], data["penalties"]
        self.penalty_of[rows] = pens
        self.min_prize[rows] = data["min_prize"]
        self.left_penalty[rows] = data["total_penalty"]
        top = prizes.max(axis=1)
        scale = np.where(data["min_prize"] > 0, data["min_prize"], np.where(top > 0, top, 1.0))
        self.prize_scale[rows] = scale
        self.prize_obs[rows] = np.clip(prizes / scale[:, None], 0.0, 1.0)
        self.penalty_obs[rows] = np.clip(pens / data["obs_scale"][:, None], 0.0, length_obs_bound(self.num_nodes))
        # A tour has at most n + 1 legs, each at most the longest, and pays at most every penalty.
        n1 = self.num_nodes + 1
        self.penalty[rows] = n1 * data["distances"].reshape(len(rows), -1).max(axis=1) + data["total_penalty"] + 1.0
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        m = ~self.visited[rows]
        m[:, 0] = (self.collected[rows] >= self.min_prize[rows] - EPS) | self.visited[rows, 1:].all(axis=1)
        self.mask[rows] = m

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        valid, v, av = self._split(actions)
        reward = np.empty(self.batch_size, dtype=np.float64)
        terminated = ~valid
        travel = self._move(v, av)
        home = av == 0
        vc, ac = v[~home], av[~home]
        self.collected[vc] += self.prize[vc, ac]
        self.left_penalty[vc] -= self.penalty_of[vc, ac]
        paid = travel.copy()
        # the return pays the penalties left (never below 0: subtracting every penalty may leave -1e-16), in one sum
        paid[home] += np.maximum(self.left_penalty[v[home]], 0.0)
        self.cost[v] += paid
        reward[v] = -paid
        terminated[v[home]] = True
        if v.size != self.batch_size:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        self._update_mask(v)
        self.done |= terminated
        return reward, terminated, ~valid

    def remaining_prize(self, r: np.ndarray | slice) -> np.ndarray:
        """Prize still to collect for the minimum, as a fraction of the prize scale, ``(rows, 1)`` float32."""
        left = np.clip((self.min_prize[r] - self.collected[r]) / self.prize_scale[r], 0.0, 1.0)
        return left.astype(np.float32)[..., None]

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {**self.base_observation(r), "prizes": self.prize_obs[r].copy(), "penalties": self.penalty_obs[r].copy(),
                "remaining_prize": self.remaining_prize(r)}
