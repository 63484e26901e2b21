"""Batched orienteering dynamics."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.op.types import OPInstance
from routing_gym.envs.prize_tour import EPS, PrizeTourKernel, length_obs_bound


class OPKernel(PrizeTourKernel):
    """Orienteering as a constructive MDP: one tour from the depot under a length limit.

    Action ``i >= 1`` goes to node ``i`` and collects its prize; it is allowed if ``i``
    is unvisited and going there and then straight back to the depot stays within the
    limit (``length + d(cur, i) + d(i, 0) <= max_length + 1e-9``, summed in that order,
    as :func:`~routing_gym.envs.op.types.evaluate_op` sums the tour). Action ``0``
    returns to the depot, collects the depot's prize and ends the episode; it is
    always allowed (the way back always fits, by the mask of the step before).
    """

    instance_type = OPInstance

    def __init__(self, batch_size: int, size: int) -> None:
        super().__init__(batch_size, size)
        self.max_length = np.zeros(self.batch_size, dtype=np.float64)
        self.prize_obs = np.zeros((self.batch_size, self.num_nodes + 1), dtype=np.float32)

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        return spaces.Dict({**cls.base_spaces(num_nodes),
                            "remaining_length": spaces.Box(0.0, length_obs_bound(num_nodes), (1,), np.float32)})

    @classmethod
    def stack(cls, instances: Sequence[OPInstance]) -> dict[str, np.ndarray]:
        return {**cls.base_stack(instances), "max_length": np.array([i.max_length for i in instances], dtype=np.float64)}

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> OPInstance:
        coords = data["coords"][i] if "coords" in data else None
        return OPInstance(data["distances"][i], data["prizes"][i], float(data["max_length"][i]), coords, "EUC")

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        self._load_base(rows, data)
        prizes = data["prizes"]
        self.max_length[rows] = data["max_length"]
        top = prizes.max(axis=1, keepdims=True)
        self.prize_obs[rows] = np.where(top > 0, prizes / np.where(top > 0, top, 1.0), 0.0)
        # Every tour collects at most all prizes, so this return is below every feasible one.
        self.penalty[rows] = prizes.sum(axis=1) + 1.0
        self._update_mask(rows)

    def _update_mask(self, rows: np.ndarray) -> None:
        reach = self.length[rows, None] + self.dist[rows, self.cur[rows]] + self.dist[rows, :, 0]
        m = ~self.visited[rows] & (reach <= self.max_length[rows, None] + EPS)
        m[:, 0] = True
        self.mask[rows] = m

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        valid, v, av = self._split(actions)
        reward = np.empty(self.batch_size, dtype=np.float64)
        terminated = ~valid
        self._move(v, av)
        gain = self.prize[v, av]  # the depot's own prize on the way back
        self.collected[v] += gain
        reward[v] = gain
        self.cost[v] = -self.collected[v]
        terminated[v[av == 0]] = True
        if v.size != self.batch_size:
            inv = np.flatnonzero(~valid)
            reward[inv] = -self.penalty[inv]
        self._update_mask(v)
        self.done |= terminated
        return reward, terminated, ~valid

    def remaining_length(self, r: np.ndarray | slice) -> np.ndarray:
        """Length left in units of the observed coordinates, clipped to ``(n + 1) sqrt 2``, ``(rows, 1)`` float32."""
        left = np.maximum(self.max_length[r] - self.length[r], 0.0) / self.obs_scale[r]
        return np.minimum(left, length_obs_bound(self.num_nodes)).astype(np.float32)[..., None]

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        return {**self.base_observation(r), "prizes": self.prize_obs[r].copy(),
                "remaining_length": self.remaining_length(r)}
