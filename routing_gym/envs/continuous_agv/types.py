"""The continuous AGV instance (a warehouse floor, a robot, a target) and its evaluation by replay."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from routing_gym.envs.continuous_agv import physics
from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.validation import check_finite, check_int_arg, check_real_arg, frozen_array
from routing_gym.errors import InstanceError

#: rectangle kinds (``rect_kinds``)
SHELF, OBSTACLE = 0, 1
KIND_NAMES = ("shelf", "obstacle")
#: scalar fields: (name, lower bound, strictly above it)
REAL_FIELDS = (("width", 0.0, True), ("height", 0.0, True), ("target_speed", 0.0, False), ("ray_range", 0.0, True),
               ("robot_radius", 0.0, True), ("goal_radius", 0.0, True), ("dt", 0.0, True), ("v_max", 0.0, True),
               ("w_max", 0.0, True), ("max_accel", 0.0, True), ("max_ang_accel", 0.0, True),
               ("reach_reward", 0.0, False), ("collision_penalty", 0.0, False), ("shaping", 0.0, False))
INT_FIELDS = (("max_steps", 1), ("num_rays", 1))


@dataclass(frozen=True, eq=False)
class ContinuousAGVInstance:
    """One episode of the continuous robot: a floor with rectangles, a start pose and a target.

    :param rects: ``(m, 4)`` axis-aligned rectangles ``[x0, y0, x1, y1]`` (metres, ``x0 < x1``,
        ``y0 < y1``) inside the floor: shelves and obstacles.
    :param rect_kinds: ``(m,)`` 0 shelf, 1 obstacle (drawing only).
    :param start: ``(3,)`` the robot's start pose ``[x, y, theta]``; its disc must be free.
    :param goal: ``(2,)`` the target's position at step 0 (free, on the floor, in no rectangle).
    :param goal_end: ``(2,)`` the other end of the target's segment (default ``goal``: static).
        A moving target goes back and forth on ``goal -> goal_end`` at ``target_speed`` m/s; the
        segment may cross no rectangle.
    :param width: floor width (m, x); :param height: floor height (m, y).
    :param target_speed: m/s, below ``v_max``; 0 for a static target.
    :param max_steps: the step cap (the episode is truncated there).
    :param num_rays: range rays of the observation; :param ray_range: their range (m).
    :param robot_radius: the robot's disc (m); :param goal_radius: reaching distance (m).
    :param dt: seconds per step; ``v_max * dt`` must be below ``robot_radius`` (no tunnelling).
    :param v_max: m/s; :param w_max: rad/s; :param max_accel: m/s^2; :param max_ang_accel: rad/s^2.
    :param reach_reward: reward on reaching; :param collision_penalty: minus the reward of a collision.
    :param shaping: coefficient of the optional progress reward ``shaping * (d_before - d_after)``
        (potential-based; 0, off, by default).
    :param name: a label.

    Instances are immutable; :meth:`replace` returns a changed copy.
    """

    rects: np.ndarray
    rect_kinds: np.ndarray
    start: np.ndarray
    goal: np.ndarray
    goal_end: np.ndarray | None = None
    width: float = 16.0
    height: float = 12.0
    target_speed: float = 0.0
    max_steps: int = 2000
    num_rays: int = 16
    ray_range: float = 5.0
    robot_radius: float = 0.3
    goal_radius: float = 0.4
    dt: float = 0.1
    v_max: float = 1.0
    w_max: float = 2.0
    max_accel: float = 2.0
    max_ang_accel: float = 6.0
    reach_reward: float = 1.0
    collision_penalty: float = 1.0
    shaping: float = 0.0
    name: str = ""

    def __post_init__(self) -> None:
        for name, low, strict in REAL_FIELDS:
            object.__setattr__(self, name, check_real_arg(getattr(self, name), name, low, strict=strict))
        for name, low in INT_FIELDS:
            object.__setattr__(self, name, check_int_arg(getattr(self, name), name, low))
        if self.v_max * self.dt >= self.robot_radius:
            raise InstanceError(f"v_max * dt: {self.v_max:g} * {self.dt:g} must be below robot_radius "
                                f"{self.robot_radius:g} (a step may not jump over an obstacle's edge)")
        if self.target_speed >= self.v_max:
            raise InstanceError(f"target_speed: {self.target_speed:g} must be below v_max {self.v_max:g}")
        object.__setattr__(self, "rects", self._check_rects())
        object.__setattr__(self, "rect_kinds", self._check_kinds())
        object.__setattr__(self, "start", self._check_point(self.start, "start", 3))
        object.__setattr__(self, "goal", self._check_point(self.goal, "goal", 2))
        end = self.goal if self.goal_end is None else self.goal_end
        object.__setattr__(self, "goal_end", self._check_point(end, "goal_end", 2))
        self._check_start()
        for field in ("goal", "goal_end"):
            self._check_free(getattr(self, field)[None], field)
        segment = self.goal + np.linspace(0.0, 1.0, 65)[:, None] * (self.goal_end - self.goal)
        self._check_free(segment, "goal_end", "the target's segment from goal to goal_end")

    # --- validation ---------------------------------------------------------------------------
    def _check_rects(self) -> np.ndarray:
        arr = frozen_array(self.rects, "rects", np.float64, ndim=2)
        if arr.shape[1] != 4:
            raise InstanceError(f"rects: expected shape (m, 4) of [x0, y0, x1, y1], got {arr.shape}")
        check_finite(arr, "rects")
        bad = (arr[:, 0] >= arr[:, 2]) | (arr[:, 1] >= arr[:, 3])
        outside = (arr[:, 0] < 0) | (arr[:, 1] < 0) | (arr[:, 2] > self.width) | (arr[:, 3] > self.height)
        for what, mask in (("is empty (needs x0 < x1 and y0 < y1)", bad), (f"leaves the {self.width:g} x {self.height:g} floor", outside)):
            if mask.any():
                i = int(np.argmax(mask))
                raise InstanceError(f"rects: rectangle {i} {arr[i].tolist()} {what}")
        return arr

    def _check_kinds(self) -> np.ndarray:
        raw = frozen_array(self.rect_kinds, "rect_kinds", np.float64, ndim=1)
        check_finite(raw, "rect_kinds")
        if raw.size != self.rects.shape[0]:
            raise InstanceError(f"rects/rect_kinds: one kind per rectangle, got {raw.size} kinds for {self.rects.shape[0]} rectangles")
        bad = (raw != SHELF) & (raw != OBSTACLE)
        if bad.any():
            i = int(np.argmax(bad))
            raise InstanceError(f"rect_kinds: expected 0 (shelf) or 1 (obstacle), got {raw[i]:g} at rectangle {i}")
        return frozen_array(raw, "rect_kinds", np.int8)

    def _check_point(self, value: Any, field: str, size: int) -> np.ndarray:
        arr = frozen_array(value, field, np.float64, ndim=1)
        if arr.size != size:
            raise InstanceError(f"{field}: expected {size} numbers, got shape {arr.shape}")
        check_finite(arr, field)
        return arr

    def _check_start(self) -> None:
        x, y, _ = self.start
        r = self.robot_radius
        if not (r <= x <= self.width - r and r <= y <= self.height - r):
            raise InstanceError(f"start: the robot (radius {r:g}) at ({x:g}, {y:g}) does not fit on the "
                                f"{self.width:g} x {self.height:g} floor")
        clear = physics.rect_clearance(self.start[None, :2], self.rects[None], np.ones((1, len(self.rects)), bool))[0]
        if clear < r:
            i = self._nearest_rect(self.start[:2])
            raise InstanceError(f"start: the robot (radius {r:g}) at ({x:g}, {y:g}) overlaps {KIND_NAMES[self.rect_kinds[i]]} "
                                f"{i} {self.rects[i].tolist()}")

    def _check_free(self, points: np.ndarray, field: str, what: str | None = None) -> None:
        """Every point on the floor and in no rectangle; else an error naming the point and the rectangle."""
        on_floor = (points[:, 0] >= 0) & (points[:, 0] <= self.width) & (points[:, 1] >= 0) & (points[:, 1] <= self.height)
        if not on_floor.all():
            x, y = points[int(np.argmin(on_floor))]
            raise InstanceError(f"{field}: {what or 'the point'} ({x:g}, {y:g}) is off the {self.width:g} x {self.height:g} floor")
        r = self.rects
        inside = (points[:, None, 0] > r[:, 0]) & (points[:, None, 0] < r[:, 2]) & (points[:, None, 1] > r[:, 1]) & (points[:, None, 1] < r[:, 3])
        if inside.any():
            j, i = np.argwhere(inside)[0]
            x, y = points[j]
            raise InstanceError(f"{field}: {what or 'the point'} ({x:g}, {y:g}) lies inside {KIND_NAMES[self.rect_kinds[i]]} "
                                f"{int(i)} {r[i].tolist()}")

    def _nearest_rect(self, xy: np.ndarray) -> int:
        cx = np.clip(xy[0], self.rects[:, 0], self.rects[:, 2])
        cy = np.clip(xy[1], self.rects[:, 1], self.rects[:, 3])
        return int(np.argmin((xy[0] - cx) ** 2 + (xy[1] - cy) ** 2))

    # --- access -----------------------------------------------------------------------------------
    @property
    def moving(self) -> bool:
        """Whether the target moves."""
        return self.target_speed > 0 and bool(np.any(self.goal_end != self.goal))

    def replace(self, **changes: Any) -> "ContinuousAGVInstance":
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        target = f"moving {self.target_speed:g} m/s" if self.moving else "static"
        return (f"ContinuousAGVInstance{label}({self.width:g} x {self.height:g} m, {len(self.rects)} rectangles, "
                f"{target} target, max_steps={self.max_steps})")


# --- arrays: the kernel's layout, also used by evaluate at batch 1 ---------------------------------

SCALARS = tuple(name for name, _, _ in REAL_FIELDS) + tuple(name for name, _ in INT_FIELDS)


def stack_instances(instances: Sequence[ContinuousAGVInstance]) -> dict[str, np.ndarray]:
    """Arrays of ``instances`` with a leading batch axis; rectangles padded (``rect_valid`` False)."""
    b = len(instances)
    m = max([len(i.rects) for i in instances] + [1])
    rects = np.zeros((b, m, 4))
    kinds = np.full((b, m), -1, dtype=np.int8)
    for row, inst in enumerate(instances):
        rects[row, :len(inst.rects)] = inst.rects
        kinds[row, :len(inst.rects)] = inst.rect_kinds
    data = {"rects": rects, "rect_kinds": kinds, "rect_valid": kinds >= 0,
            "start": np.stack([i.start for i in instances]), "goal": np.stack([i.goal for i in instances]),
            "goal_end": np.stack([i.goal_end for i in instances])}
    for name in SCALARS:
        data[name] = np.array([getattr(i, name) for i in instances], dtype=np.int64 if name in dict(INT_FIELDS) else np.float64)
    return data


def instance_from_arrays(data: dict[str, np.ndarray], i: int) -> ContinuousAGVInstance:
    """Row ``i`` of :func:`stack_instances`' layout as an instance."""
    valid = data["rect_kinds"][i] >= 0
    scalars = {name: data[name][i].item() for name in SCALARS}
    return ContinuousAGVInstance(rects=data["rects"][i][valid], rect_kinds=data["rect_kinds"][i][valid],
                                 start=data["start"][i], goal=data["goal"][i], goal_end=data["goal_end"][i], **scalars)


# --- evaluation ------------------------------------------------------------------------------------


class Rollout(NamedTuple):
    """What an action sequence does: ``poses`` ``(T + 1, 3)``, ``rewards`` ``(T,)``, the ``outcome``
    (``physics.OUTCOMES`` index) and the step ``ended`` at which the episode ended (``None``: it did not)."""

    poses: np.ndarray
    rewards: np.ndarray
    outcome: int
    ended: int | None


def as_actions(solution: Any) -> tuple[np.ndarray | None, str | None]:
    """A solution as a ``(T, 2)`` float64 array of actions in ``[-1, 1]``, or ``(None, why not)``."""
    if isinstance(solution, (str, bytes)):
        return None, f"solution: expected a list of [linear, angular] actions, got {type(solution).__name__}"
    try:
        arr = np.array(solution, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        return None, f"solution: not a list of [linear, angular] actions ({exc})"
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        return None, f"solution: expected shape (T >= 1, 2) of [linear, angular] actions, got {arr.shape}"
    bad = ~np.isfinite(arr) | (np.abs(arr) > 1.0)
    if bad.any():
        t = int(np.argmax(bad.any(axis=1)))
        return None, f"solution: action {t} {arr[t].tolist()} is outside [-1, 1]^2"
    return arr, None


def simulate(instance: ContinuousAGVInstance, actions: np.ndarray) -> Rollout:
    """Play ``actions`` from the start pose (the same physics the environment runs, at batch 1); it stops
    at the end of the episode (reaching, a collision or the step cap)."""
    p = stack_instances([instance])
    pose, vel = p["start"].copy(), np.zeros((1, 2))
    d = physics.distance(pose[:, :2], physics.target_position(np.zeros(1, dtype=np.int64), p))
    poses, rewards = [pose[0]], []
    for t in range(len(actions)):
        pose, vel, _, d, reward, outcome = physics.advance(pose, vel, np.array([t]), actions[t:t + 1], d, p)
        poses.append(pose[0])
        rewards.append(float(reward[0]))
        if outcome[0] != physics.RUNNING:
            return Rollout(np.array(poses), np.array(rewards), int(outcome[0]), t + 1)
    return Rollout(np.array(poses), np.array(rewards), physics.RUNNING, None)


def evaluate_continuous_agv(instance: ContinuousAGVInstance, solution: Any) -> Evaluation:
    """Cost and feasibility of an action sequence, by replaying the robot's physics.

    :param solution: the actions ``[[a_linear, a_angular], ...]`` in ``[-1, 1]`` (the env's), one per
        step until the episode ends (reaching, a collision, or ``max_steps``).
    :returns: ``cost`` = minus the summed reward (``-reach_reward`` for reaching, ``+collision_penalty``
        for a collision, 0 for running out of steps, plus minus the shaping when it is on); infeasible
        when an action is malformed, the episode ends before the last action, or not at all.
    """
    actions, why = as_actions(solution)
    if actions is None:
        return Evaluation(float("nan"), False, why)
    roll = simulate(instance, actions)
    if roll.ended is None:
        return Evaluation(float("nan"), False, f"the episode has not ended after the solution's {len(actions)} actions "
                                               f"(no goal, no collision, below max_steps={instance.max_steps})")
    if roll.ended < len(actions):
        return Evaluation(float("nan"), False, f"the episode ended ({physics.OUTCOMES[roll.outcome]}) at step "
                                               f"{roll.ended}, before the solution's {len(actions)} actions")
    cost = 0.0
    for r in roll.rewards.tolist():  # in step order, as the environment sums them
        cost -= r
    return Evaluation(cost, True, None)


def metrics_continuous_agv(instance: ContinuousAGVInstance, solution: Any) -> dict[str, float]:
    """``success`` (1 reached, else 0), ``collided``, ``steps`` and ``path_length`` (m) of a feasible solution."""
    actions, _ = as_actions(solution)
    roll = simulate(instance, actions)
    seg = np.diff(roll.poses[:, :2], axis=0)
    return {"success": float(roll.outcome == physics.REACHED), "collided": float(roll.outcome == physics.COLLIDED),
            "steps": float(len(roll.rewards)), "path_length": float(np.sqrt((seg ** 2).sum(axis=1)).sum())}
