"""Multi-robot warehouse instance (MAPF on a 4-connected grid) and its evaluation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.validation import check_finite, frozen_array
from routing_gym.errors import InstanceError

#: row / column offsets of the actions: wait, north, east, south, west
MOVES = np.array([[0, 0], [-1, 0], [0, 1], [1, 0], [0, -1]], dtype=np.int64)
ACTION_NAMES = ("wait", "north", "east", "south", "west")


def _check_grid(value: Any, height: int | None, width: int | None) -> np.ndarray:
    raw = frozen_array(value, "grid", np.float64, ndim=2)
    check_finite(raw, "grid")
    if raw.size == 0:
        raise InstanceError(f"grid: the map is empty (shape {raw.shape})")
    bad = (raw != 0) & (raw != 1)
    if bad.any():
        r, c = (int(i) for i in np.argwhere(bad)[0])
        raise InstanceError(f"grid: cell ({r}, {c}) holds {raw[r, c]:g}; expected 0 (free) or 1 (obstacle)")
    if (height is not None and raw.shape[0] != height) or (width is not None and raw.shape[1] != width):
        raise InstanceError(f"grid: shape {raw.shape} does not match height x width = {height} x {width}")
    grid = raw.astype(bool)
    grid.setflags(write=False)
    return grid


def _check_cells(value: Any, field: str, grid: np.ndarray, ndim: int) -> np.ndarray:
    raw = frozen_array(value, field, np.float64, ndim=ndim)
    if raw.shape[-1] != 2:
        raise InstanceError(f"{field}: expected [row, col] pairs (last axis 2), got shape {raw.shape}")
    check_finite(raw, field)
    if (raw != np.round(raw)).any():
        raise InstanceError(f"{field}: non-integer cell {raw[np.argwhere(raw != np.round(raw))[0][:-1]].tolist()}")
    cells = raw.astype(np.int64).reshape(-1, 2)
    h, w = grid.shape
    out = (cells[:, 0] < 0) | (cells[:, 0] >= h) | (cells[:, 1] < 0) | (cells[:, 1] >= w)
    if out.any():
        raise InstanceError(f"{field}: cell {cells[np.argmax(out)].tolist()} lies outside the {h} x {w} grid")
    blocked = grid[cells[:, 0], cells[:, 1]]
    if blocked.any():
        raise InstanceError(f"{field}: cell {cells[np.argmax(blocked)].tolist()} is an obstacle of the grid")
    arr = raw.astype(np.int64)
    arr.setflags(write=False)
    return arr


def _check_distinct(cells: np.ndarray, field: str) -> None:
    _, first, counts = np.unique(cells, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = cells[first[np.argmax(counts > 1)]].tolist()
        raise InstanceError(f"{field}: two robots share the cell {dup}")


@dataclass(frozen=True, eq=False)
class WarehouseInstance:
    """A multi-robot path-finding instance on a 4-connected grid.

    :param grid: ``(H, W)`` obstacles: 1 (or ``True``) blocked, 0 free.
    :param starts: ``(R, 2)`` distinct free ``[row, col]`` start cells, one per robot.
    :param goals: ``(R, 2)`` distinct free goal cells (a robot's first task in lifelong mode).
    :param horizon: the episode's step limit (an integer >= 1): a robot still off its goal then
        costs ``horizon`` (one-shot); lifelong episodes last exactly ``horizon`` steps.
    :param tasks: ``None`` (one-shot), or ``(R, K, 2)`` free cells: each robot's next goals in
        order, after ``goals`` (lifelong mode: a new task arrives when one is delivered).
    :param height: the map's declared height (``None``: the grid's); must match the grid.
    :param width: the map's declared width (``None``: the grid's); must match the grid.
    :param name: a label (e.g. the scenario file and k).
    :param lower_bound: a known lower bound on the sum of costs (e.g. ``sic_lb.csv``), if any.

    Instances are immutable; :meth:`replace` returns a changed copy.
    """

    grid: np.ndarray
    starts: np.ndarray
    goals: np.ndarray
    horizon: int
    tasks: np.ndarray | None = None
    height: int | None = None
    width: int | None = None
    name: str = ""
    lower_bound: float | None = None

    def __post_init__(self) -> None:
        for f in ("height", "width"):
            v = getattr(self, f)
            if v is not None and (isinstance(v, bool) or not isinstance(v, Integral) or v < 1):
                raise InstanceError(f"{f}: expected an integer >= 1 or None, got {v!r}")
        grid = _check_grid(self.grid, self.height, self.width)
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "height", int(grid.shape[0]))
        object.__setattr__(self, "width", int(grid.shape[1]))
        starts = _check_cells(self.starts, "starts", grid, 2)
        goals = _check_cells(self.goals, "goals", grid, 2)
        if len(starts) == 0:
            raise InstanceError("starts: an instance needs at least 1 robot, got none")
        if starts.shape != goals.shape:
            raise InstanceError(f"starts/goals: one of each per robot, got shapes {starts.shape} and {goals.shape}")
        free = int((~grid).sum())
        if len(starts) > free:
            raise InstanceError(f"starts: {len(starts)} robots but the grid has only {free} free cells")
        _check_distinct(starts, "starts")
        _check_distinct(goals, "goals")
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "goals", goals)
        h = self.horizon
        if isinstance(h, bool) or not isinstance(h, (Integral, np.integer)) or h < 1:
            raise InstanceError(f"horizon: expected an integer >= 1, got {h!r}")
        object.__setattr__(self, "horizon", int(h))
        if self.tasks is not None:
            tasks = _check_cells(self.tasks, "tasks", grid, 3)
            if tasks.shape[0] != len(starts) or tasks.shape[1] < 1:
                raise InstanceError(f"tasks: expected shape ({len(starts)}, K >= 1, 2), got {tasks.shape}")
            object.__setattr__(self, "tasks", tasks)

    @property
    def num_robots(self) -> int:
        return int(len(self.starts))

    @property
    def lifelong(self) -> bool:
        """Whether tasks keep arriving (``tasks`` given) rather than one goal per robot."""
        return self.tasks is not None

    def goal_sequence(self) -> np.ndarray:
        """``(R, 1 + K, 2)``: each robot's goals in order (``goals`` first, then ``tasks``)."""
        seq = self.goals[:, None, :]
        return seq if self.tasks is None else np.concatenate([seq, self.tasks], axis=1)

    def replace(self, **changes: Any) -> "WarehouseInstance":
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        mode = f", lifelong K={self.tasks.shape[1]}" if self.tasks is not None else ""
        return f"WarehouseInstance{label}({self.height}x{self.width}, robots={self.num_robots}, horizon={self.horizon}{mode})"


def padded_paths(instance: WarehouseInstance, solution: Sequence[Sequence[Sequence[int]]]) -> np.ndarray:
    """``(T + 1, R, 2)``: the paths as an array, each robot resting at its last cell until the longest ends.

    :raises InstanceError: for a malformed solution (one list per robot of ``[row, col]`` cells,
        starting at the robot's start, moving at most one cell per step, off obstacles).
    """
    if not isinstance(solution, (list, tuple)) or len(solution) != instance.num_robots:
        n = len(solution) if isinstance(solution, (list, tuple)) else type(solution).__name__
        raise InstanceError(f"solution: expected one path per robot ({instance.num_robots}), got {n}")
    paths = []
    for i, p in enumerate(solution):
        try:
            arr = np.asarray(p, dtype=np.float64)
        except (TypeError, ValueError):
            raise InstanceError(f"solution: path of robot {i} is not a list of [row, col] cells") from None
        if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0 or (arr != np.round(arr)).any():
            raise InstanceError(f"solution: path of robot {i} is not a non-empty list of integer [row, col] cells")
        paths.append(arr.astype(np.int64))
    length = max(len(p) for p in paths)
    out = np.stack([np.concatenate([p, np.repeat(p[-1:], length - len(p), axis=0)]) for p in paths], axis=1)
    h, w = instance.grid.shape
    inside = (out[..., 0] >= 0) & (out[..., 0] < h) & (out[..., 1] >= 0) & (out[..., 1] < w)
    if not inside.all():
        t, i = (int(v) for v in np.argwhere(~inside)[0])
        raise InstanceError(f"solution: robot {i} at step {t} is at {out[t, i].tolist()}, outside the {h} x {w} grid")
    if not np.array_equal(out[0], instance.starts):
        i = int(np.argmax((out[0] != instance.starts).any(axis=1)))
        raise InstanceError(f"solution: robot {i} starts at {out[0, i].tolist()}, not at its start {instance.starts[i].tolist()}")
    blocked = instance.grid[out[..., 0], out[..., 1]]
    if blocked.any():
        t, i = (int(v) for v in np.argwhere(blocked)[0])
        raise InstanceError(f"solution: robot {i} at step {t} enters the obstacle {out[t, i].tolist()}")
    jump = np.abs(np.diff(out, axis=0)).sum(axis=2) > 1
    if jump.any():
        t, i = (int(v) for v in np.argwhere(jump)[0])
        raise InstanceError(f"solution: robot {i} jumps from {out[t, i].tolist()} to {out[t + 1, i].tolist()} at step {t}")
    return out


def first_conflict(paths: np.ndarray) -> str | None:
    """The first vertex or swap (edge) conflict of ``(T + 1, R, 2)`` paths, described, or ``None``."""
    steps, robots = paths.shape[:2]
    key = paths[..., 0] * (1 << 20) + paths[..., 1]
    for t in range(steps):
        _, inv, counts = np.unique(key[t], return_inverse=True, return_counts=True)
        if (counts > 1).any():
            i, j = np.flatnonzero(counts[inv] > 1)[:2]
            return f"vertex conflict: robots {i} and {j} both at {paths[t, i].tolist()} at step {t}"
        if t + 1 < steps:
            moved = key[t] != key[t + 1]
            pos = {int(k): r for r, k in enumerate(key[t])}
            for i in np.flatnonzero(moved):
                j = pos.get(int(key[t + 1, i]))
                if j is not None and j != i and key[t + 1, j] == key[t, i]:
                    return (f"swap conflict: robots {i} and {j} swap {paths[t, i].tolist()} and "
                            f"{paths[t, j].tolist()} at step {t}")
    return None


def arrival_times(paths: np.ndarray, goals: np.ndarray) -> np.ndarray:
    """``(R,)``: each robot's final arrival time (the first step after which it stays at its goal);
    ``-1`` for a robot whose path does not end at its goal."""
    at = (paths == goals[None]).all(axis=2)  # (T + 1, R)
    off = ~at
    last_off = np.where(off.any(axis=0), off.shape[0] - 1 - np.argmax(off[::-1], axis=0), -1)
    return np.where(at[-1], last_off + 1, -1)


def lifelong_deliveries(paths: np.ndarray, instance: WarehouseInstance) -> int:
    """Tasks delivered along ``(T + 1, R, 2)`` paths: a robot delivers its current goal on the step it
    reaches it, and the next goal of its sequence becomes current (none after the last)."""
    seq = instance.goal_sequence()
    idx = np.zeros(instance.num_robots, dtype=np.int64)
    rows = np.arange(instance.num_robots)
    total = 0
    for t in range(1, paths.shape[0]):
        live = idx < seq.shape[1]
        cur = seq[rows, np.minimum(idx, seq.shape[1] - 1)]
        hit = live & (paths[t] == cur).all(axis=1)
        total += int(hit.sum())
        idx += hit
    return total


def evaluate_warehouse_agv(instance: WarehouseInstance, solution: Sequence[Sequence[Sequence[int]]]) -> Evaluation:
    """Cost and feasibility of a multi-robot plan.

    :param solution: one path per robot: ``[row, col]`` cells, one per time step from its start
        (one-shot: until it rests at its goal; it stays there afterwards).
    :returns: one-shot: the sum of costs, each robot's final arrival time at its goal (``horizon``
        for a robot not at its goal when the plan ends); lifelong: minus the number of tasks
        delivered within ``horizon`` steps. Infeasible for a malformed path, a plan longer
        than ``horizon`` steps, or a vertex or swap conflict.
    """
    try:
        paths = padded_paths(instance, solution)
    except InstanceError as exc:
        return Evaluation(float("nan"), False, str(exc))
    if paths.shape[0] - 1 > instance.horizon:
        return Evaluation(float("nan"), False, f"plan of {paths.shape[0] - 1} steps exceeds the horizon {instance.horizon}")
    conflict = first_conflict(paths)
    if instance.lifelong:  # the episode lasts the horizon: robots rest at their last cells
        paths = np.concatenate([paths, np.repeat(paths[-1:], instance.horizon + 1 - paths.shape[0], axis=0)])
        cost = -float(lifelong_deliveries(paths, instance))
    else:
        arr = arrival_times(paths, instance.goals)
        cost = float(np.where(arr >= 0, arr, instance.horizon).sum())
    if conflict is not None:
        return Evaluation(cost, False, conflict)
    return Evaluation(cost, True, None)


def makespan(instance: WarehouseInstance, solution: Sequence[Sequence[Sequence[int]]]) -> int:
    """The makespan of a one-shot plan: the latest final arrival (``horizon`` if a robot never rests at its goal)."""
    arr = arrival_times(padded_paths(instance, solution), instance.goals)
    return int(instance.horizon if (arr < 0).any() else arr.max(initial=0))
