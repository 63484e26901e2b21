"""Batched continuous-robot dynamics: unicycle steps, collisions, a static or moving target, range rays."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.continuous_agv import physics
from routing_gym.envs.continuous_agv.types import (ContinuousAGVInstance, as_actions, instance_from_arrays,
                                                   stack_instances)
from routing_gym.envs.kernel import Kernel
from routing_gym.errors import InstanceError

#: per-row arrays of the physics, copied from the instance arrays at load
PARAM_KEYS = ("rects", "rect_valid", "goal", "goal_end", "width", "height", "target_speed", "max_steps", "ray_range",
              "robot_radius", "goal_radius", "dt", "v_max", "w_max", "max_accel", "max_ang_accel", "reach_reward",
              "collision_penalty", "shaping")


class ContinuousAGVKernel(Kernel):
    """One robot per row, ``Box(-1, 1, (2,))`` actions (linear, angular velocity command), no mask.

    A step integrates the unicycle (:func:`physics.advance`, shared with ``evaluate``), then ends the
    episode on a collision (reward ``-collision_penalty``) or on reaching the target (``+reach_reward``),
    or truncates it at ``max_steps`` (:attr:`truncated`). ``history`` keeps the poses and ``played``
    the actions (the solution).
    """

    state_fields = ("pose", "vel", "t", "target", "dist", "outcome", "history", "played")
    instance_type = ContinuousAGVInstance
    size_name = "num_rays"

    def __init__(self, batch_size: int, num_rays: int) -> None:
        super().__init__(batch_size, num_rays)
        b = self.batch_size
        self.pose = np.zeros((b, 3))
        self.vel = np.zeros((b, 2))
        self.t = np.zeros(b, dtype=np.int64)
        self.target = np.zeros((b, 2))
        self.dist = np.zeros(b)
        self.outcome = np.zeros(b, dtype=np.int8)
        self.history = np.zeros((b, 2, 3))
        self.played = np.zeros((b, 1, 2))
        self.p: dict[str, np.ndarray] = stack_instances([_placeholder(num_rays)] * b)
        self.p = {k: self.p[k] for k in PARAM_KEYS}

    @property
    def action_space(self) -> spaces.Box:
        return spaces.Box(-1.0, 1.0, (2,), np.float32)

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        """The observation with ``num_nodes`` range rays."""
        return spaces.Dict({
            "pose": spaces.Box(np.array([0, 0, -1, -1], np.float32), np.ones(4, np.float32), (4,), np.float32),
            "velocity": spaces.Box(-1.0, 1.0, (2,), np.float32),
            "goal": spaces.Box(np.array([-1, -1, 0], np.float32), np.ones(3, np.float32), (3,), np.float32),
            "goal_velocity": spaces.Box(-1.0, 1.0, (2,), np.float32),
            "rays": spaces.Box(0.0, 1.0, (num_nodes,), np.float32),
        })

    @classmethod
    def instance_size(cls, instance: ContinuousAGVInstance) -> int:
        return int(instance.num_rays)

    @classmethod
    def stack(cls, instances: Sequence[ContinuousAGVInstance]) -> dict[str, np.ndarray]:
        return stack_instances(instances)

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> ContinuousAGVInstance:
        return instance_from_arrays(data, i)

    @classmethod
    def solution_to_actions(cls, instance: ContinuousAGVInstance, solution: Any) -> tuple[dict[str, Any], list[np.ndarray]]:
        actions, why = as_actions(solution)
        if actions is None:
            raise InstanceError(why)
        return {}, list(actions)

    # --- dynamics -----------------------------------------------------------------------------------
    def _fit(self, data: dict[str, np.ndarray]) -> None:
        """Grow the rectangle and history arrays for ``data`` (more rectangles or a larger step cap)."""
        m, have = data["rects"].shape[1], self.p["rects"].shape[1]
        if m > have:
            b = self.batch_size
            self.p["rects"] = np.concatenate([self.p["rects"], np.zeros((b, m - have, 4))], axis=1)
            self.p["rect_valid"] = np.concatenate([self.p["rect_valid"], np.zeros((b, m - have), bool)], axis=1)
        steps = int(data["max_steps"].max())
        if steps > self.played.shape[1]:
            self.played = np.concatenate([self.played, np.zeros((self.batch_size, steps - self.played.shape[1], 2))], axis=1)
            self.history = np.concatenate([self.history, np.zeros((self.batch_size, steps + 1 - self.history.shape[1], 3))], axis=1)

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        self._fit(data)
        m = data["rects"].shape[1]
        for k in PARAM_KEYS:
            if k in ("rects", "rect_valid"):
                self.p[k][rows] = False if k == "rect_valid" else 0.0
                self.p[k][rows, :m] = data[k]
            else:
                self.p[k][rows] = data[k]
        self.pose[rows] = data["start"]
        self.vel[rows] = 0.0
        self.t[rows] = 0
        self.outcome[rows] = physics.RUNNING
        self.history[rows, 0] = data["start"]
        self.done[rows] = False
        self.cost[rows] = 0.0
        self.truncated[rows] = False
        self.target[rows] = physics.target_position(self.t[rows], self._params(rows))
        self.dist[rows] = physics.distance(self.pose[rows, :2], self.target[rows])

    def _params(self, rows: np.ndarray | slice) -> dict[str, np.ndarray]:
        """The physics parameters of ``rows`` (the arrays themselves when ``rows`` is every row)."""
        if isinstance(rows, slice) and rows == slice(None):
            return self.p
        return {k: v[rows] for k, v in self.p.items()}

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        live = np.flatnonzero(~self.done)
        rows = slice(None) if live.size == self.batch_size else live  # views, not copies, in the usual case
        t = self.t[rows].copy()
        self.played[live, t] = actions[rows]
        pose, vel, target, dist, reward, outcome = physics.advance(self.pose[rows], self.vel[rows], t, actions[rows],
                                                                   self.dist[rows], self._params(rows))
        self.pose[rows], self.vel[rows], self.target[rows], self.dist[rows], self.outcome[rows] = pose, vel, target, dist, outcome
        self.t[rows] += 1
        self.history[live, t + 1] = pose
        rewards = np.zeros(self.batch_size)
        rewards[rows] = reward
        self.cost[rows] -= reward
        ended = np.zeros(self.batch_size, dtype=bool)
        ended[live] = outcome != physics.RUNNING
        self.truncated[:] = ended & (self.outcome == physics.TIMEOUT)
        self.done |= ended
        return rewards, ended, np.zeros(self.batch_size, dtype=bool)

    def observe(self, rows: np.ndarray | slice | int | None = None) -> dict[str, np.ndarray]:
        if isinstance(rows, (int, np.integer)):  # one row, without the batch axis
            return {k: v[0] for k, v in self.observe(np.array([rows])).items()}
        rows = slice(None) if rows is None else rows
        p, pose, t = self._params(rows), self.pose[rows], self.t[rows]
        diag = np.hypot(p["width"], p["height"])
        target = self.target[rows]
        rel = physics.to_robot_frame(target - pose[:, :2], pose[:, 2])
        goal = np.concatenate([rel / diag[:, None], (np.sqrt((rel ** 2).sum(axis=1)) / diag)[:, None]], axis=1)
        target_vel = (physics.target_position(t + 1, p) - target) / p["dt"][:, None]  # during the next step
        gvel = physics.to_robot_frame(target_vel, pose[:, 2]) / p["v_max"][:, None]
        xy = pose[:, :2] / np.stack([p["width"], p["height"]], axis=1)
        return {
            "pose": np.concatenate([np.clip(xy, 0, 1), np.cos(pose[:, 2:3]), np.sin(pose[:, 2:3])], axis=1).astype(np.float32),
            "velocity": (self.vel[rows] / np.stack([p["v_max"], p["w_max"]], axis=1)).astype(np.float32),
            "goal": np.clip(goal, -1, 1).astype(np.float32),
            "goal_velocity": np.clip(gvel, -1, 1).astype(np.float32),
            "rays": (physics.cast_rays(pose, self.num_rays, p) / p["ray_range"][:, None]).astype(np.float32),
        }

    def solution(self, row: int) -> list[list[float]]:
        """The actions played, ``[[a_linear, a_angular], ...]``, one per step until the end."""
        return self.played[row, :self.t[row]].tolist()

    def partial_solution(self, row: int) -> list[list[float]]:
        return self.solution(row)

    def trajectory(self, row: int) -> np.ndarray:
        """``(t + 1, 3)`` the poses so far, from the start."""
        return self.history[row, :self.t[row] + 1].copy()


def _placeholder(num_rays: int) -> ContinuousAGVInstance:
    """An empty floor (the kernel's arrays before the first load)."""
    return ContinuousAGVInstance(np.zeros((0, 4)), np.zeros(0), [1.0, 1.0, 0.0], [1.0, 1.0], num_rays=num_rays, max_steps=1)
