"""Batched warehouse dynamics: one move per robot per step, conflicts cancelled, rewards as the sum of costs."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.warehouse_agv.grid import distance_fields, move_table, move_targets
from routing_gym.envs.warehouse_agv.types import MOVES, WarehouseInstance, arrival_times, padded_paths
from routing_gym.errors import InstanceError

#: half-width of each robot's local window (the window is ``2 * RADIUS + 1`` cells square)
RADIUS = 2
WINDOW = 2 * RADIUS + 1
#: ``(dr + 1) * 3 + (dc + 1)`` -> action (``-1``: not a move of one cell)
_DIFF_TO_ACTION = np.full(9, -1, dtype=np.int64)
_DIFF_TO_ACTION[(MOVES[:, 0] + 1) * 3 + MOVES[:, 1] + 1] = np.arange(5)


def resolve_conflicts(cell: np.ndarray, target: np.ndarray, moving: np.ndarray, occ: np.ndarray) -> np.ndarray:
    """Cancel conflicting moves until none is left; returns the cancelled ``(b, R)`` bool.

    The rule: a move is cancelled (the robot waits) when its target cell is also the next cell
    of another robot (vertex conflict: every mover into that cell is cancelled; a robot that
    stays keeps its cell), or when two robots would swap cells (edge conflict: both cancelled).
    A cancelled robot stays, which may create new vertex conflicts: the rule is applied again
    until it changes nothing (at most ``R`` rounds). Following (entering a cell its robot leaves
    in the same step) and rotations of three or more robots are allowed.

    :param cell: ``(b, R)`` flat current cells; :param target: ``(b, R)`` flat target cells;
    :param moving: ``(b, R)`` bool, updated in place; :param occ: ``(b, H * W)`` scratch of ``-1``.
    """
    b, r = cell.shape
    rows = np.repeat(np.arange(b), r).reshape(b, r)
    robots = np.broadcast_to(np.arange(r), (b, r))
    occ[rows, cell] = robots
    j = occ[rows, target]
    cancelled = np.zeros_like(moving)
    hw = occ.shape[1]
    try:
        for _ in range(r + 1):
            nxt = np.where(moving, target, cell)
            _, inv, counts = np.unique((rows * hw + nxt).ravel(), return_inverse=True, return_counts=True)
            vertex = moving & (counts[inv].reshape(b, r) > 1)
            jj = np.maximum(j, 0)
            swap = moving & (j >= 0) & moving[rows, jj] & (target[rows, jj] == cell)
            conflict = vertex | swap
            if not conflict.any():
                break
            moving &= ~conflict
            cancelled |= conflict
    finally:
        occ[rows, cell] = -1
    return cancelled


class WarehouseKernel(Kernel):
    """Robots on a 4-connected grid, ``MultiDiscrete([5] * R)`` (wait, N, E, S, W).

    Each robot's mask admits wait and the moves that stay on a free cell of the map; other
    robots are not masked: conflicts are resolved by :func:`resolve_conflicts` and counted in
    :attr:`collisions`. One-shot rows pay ``-1`` per robot off its goal when a step begins, and
    a robot leaving its goal after resting there ``w`` steps pays that step and the ``w`` back, so
    the return is minus the sum of costs. Lifelong rows earn ``+1`` per task delivered; the robot's next
    task then becomes its goal.
    """

    state_fields = ("pos", "rest", "goal_idx", "t", "history", "collisions", "delivered", "last_reward", "goal_dist")
    instance_type = WarehouseInstance
    size_name = "num_robots"
    #: observation keys holding one row per robot (the PettingZoo view's per-agent observation)
    agent_keys = ("positions", "goals", "goal_direction", "at_goal", "local", "goal_distance", "goal_moves")

    def __init__(self, batch_size: int, num_robots: int) -> None:
        super().__init__(batch_size, num_robots)
        self.shape: tuple[int, int] | None = None
        b, r = self.batch_size, self.num_robots
        self.pos = np.zeros((b, r, 2), dtype=np.int64)
        self.rest = np.zeros((b, r), dtype=np.int64)
        self.goal_idx = np.zeros((b, r), dtype=np.int64)
        self.t = np.zeros(b, dtype=np.int64)
        self.collisions = np.zeros(b, dtype=np.int64)
        self.delivered = np.zeros(b, dtype=np.int64)
        self.last_reward = np.zeros((b, r), dtype=np.float64)
        self.horizon = np.ones(b, dtype=np.int64)
        self.lifelong = np.zeros(b, dtype=bool)
        self.history = np.zeros((b, 2, r, 2), dtype=np.int64)
        self.goal_seq = np.zeros((b, r, 1, 2), dtype=np.int64)
        self.seq_len = np.ones(b, dtype=np.int64)

    @property
    def action_space(self) -> spaces.MultiDiscrete:
        return spaces.MultiDiscrete(np.full(self.num_robots, 5, dtype=np.int64))

    def set_shape(self, height: int, width: int) -> None:
        """Fix the map's shape (the observation's) and allocate the map arrays."""
        b = self.batch_size
        self.shape = (int(height), int(width))
        self.grid = np.zeros((b, height, width), dtype=bool)
        self.padded = np.ones((b, height + 2 * RADIUS, width + 2 * RADIUS), dtype=bool)
        self.moves = np.zeros((b, height * width, 5), dtype=bool)
        self.targets = np.zeros((b, height * width, 5), dtype=np.int64)
        #: ``(b, R, H * W)`` BFS steps from every cell to each robot's current goal (``H * W``: unreachable)
        self.goal_dist = np.zeros((b, self.num_robots, height * width), dtype=np.int32)
        self._occ = np.full((b, height * width), -1, dtype=np.int64)

    @classmethod
    def observation_space(cls, num_nodes: int, shape: tuple[int, int] = (1, 1)) -> spaces.Dict:
        """The observation of ``num_nodes`` robots on an ``shape`` map (the env passes its map's shape)."""
        r, (h, w) = num_nodes, shape
        side = max(h, w)
        return spaces.Dict({
            "obstacles": spaces.Box(0, 1, (h, w), np.int8),
            "robots": spaces.Box(0, 1, (h, w), np.int8),
            "positions": spaces.Box(0, side - 1, (r, 2), np.int64),
            "goals": spaces.Box(0, side - 1, (r, 2), np.int64),
            "goal_direction": spaces.Box(-1.0, 1.0, (r, 2), np.float32),
            "at_goal": spaces.MultiBinary(r),
            "local": spaces.Box(0, 1, (r, 3, WINDOW, WINDOW), np.int8),
            "goal_distance": spaces.Box(0.0, 1.0, (r,), np.float32),
            "goal_moves": spaces.Box(0, 1, (r, 5), np.int8),
            "action_mask": spaces.MultiBinary(5 * r),
        })

    @classmethod
    def instance_size(cls, instance: WarehouseInstance) -> int:
        return instance.num_robots

    @classmethod
    def stack(cls, instances: Sequence[WarehouseInstance]) -> dict[str, np.ndarray]:
        data = {"grid": np.stack([i.grid for i in instances]), "starts": np.stack([i.starts for i in instances]),
                "goals": np.stack([i.goals for i in instances]),
                "horizon": np.array([i.horizon for i in instances], dtype=np.int64)}
        if any(i.lifelong for i in instances):
            if not all(i.lifelong for i in instances) or len({i.tasks.shape for i in instances}) > 1:
                raise InstanceError("tasks: a batch mixes one-shot and lifelong instances or task counts")
            data["tasks"] = np.stack([i.tasks for i in instances])
        return data

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> WarehouseInstance:
        tasks = data["tasks"][i] if "tasks" in data else None
        return WarehouseInstance(data["grid"][i], data["starts"][i], data["goals"][i], int(data["horizon"][i]), tasks=tasks)

    @classmethod
    def solution_to_actions(cls, instance: WarehouseInstance, solution: Any) -> tuple[dict[str, Any], list[np.ndarray]]:
        """One joint move per step; then waits until the episode ends (lifelong: the horizon; one-shot:
        every robot at its goal, else the horizon)."""
        paths = padded_paths(instance, solution)
        steps = paths.shape[0] - 1
        home = (paths[-1] == instance.goals).all()
        if instance.lifelong or not home:
            steps = max(steps, instance.horizon)
        steps = max(steps, 1)
        paths = np.concatenate([paths, np.repeat(paths[-1:], steps + 1 - paths.shape[0], axis=0)])
        d = np.diff(paths, axis=0)
        acts = _DIFF_TO_ACTION[(d[..., 0] + 1) * 3 + d[..., 1] + 1]
        return {}, list(acts)

    def _grow(self, name: str, shape: tuple[int, ...]) -> None:
        old = getattr(self, name)
        if all(n <= o for n, o in zip(shape, old.shape)):
            return
        new = np.zeros(tuple(max(n, o) for n, o in zip(shape, old.shape)), dtype=old.dtype)
        new[tuple(slice(0, o) for o in old.shape)] = old
        setattr(self, name, new)

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        grid = np.asarray(data["grid"], dtype=bool)
        if self.shape is None:
            self.set_shape(*grid.shape[1:])
        if grid.shape[1:] != self.shape:
            raise InstanceError(f"grid: the map is {grid.shape[1]} x {grid.shape[2]} but the environment was built "
                                f"for {self.shape[0]} x {self.shape[1]}")
        starts, horizon = data["starts"], np.asarray(data["horizon"], dtype=np.int64)
        if starts.shape[1] != self.num_robots:
            raise InstanceError(f"starts: {starts.shape[1]} robots but the environment was built for num_robots={self.num_robots}")
        seq = data["goals"][:, :, None, :]
        if "tasks" in data:
            seq = np.concatenate([seq, data["tasks"]], axis=2)
        self._grow("goal_seq", (self.batch_size,) + seq.shape[1:])
        self._grow("history", (self.batch_size, int(horizon.max()) + 1, self.num_robots, 2))
        self.grid[rows] = grid
        self.padded[rows, RADIUS:-RADIUS, RADIUS:-RADIUS] = grid
        self.moves[rows] = np.stack([move_table(g) for g in grid])
        self.targets[rows] = np.stack([move_targets(g) for g in grid])
        self.goal_seq[rows, :, : seq.shape[2]] = seq
        self.seq_len[rows] = seq.shape[2]
        self.lifelong[rows] = "tasks" in data
        self.horizon[rows] = horizon
        self.pos[rows] = starts
        self.history[rows, 0] = starts
        self.rest[rows] = 0
        self.goal_idx[rows] = 0
        self.t[rows] = 0
        self.collisions[rows] = 0
        self.delivered[rows] = 0
        self.last_reward[rows] = 0.0
        self._refresh_distances(rows, np.ones((len(rows), self.num_robots), dtype=bool))
        self.cost[rows] = 0.0
        self.done[rows] = False
        # worse than any episode: at most R * horizon is charged, or delivered
        self.penalty[rows] = self.num_robots * horizon + 1.0
        self._refresh_mask(rows)

    def _cells(self, rows: np.ndarray | slice) -> np.ndarray:
        return self.pos[rows, :, 0] * self.shape[1] + self.pos[rows, :, 1]

    def _refresh_mask(self, rows: np.ndarray) -> None:
        cells = self._cells(rows)
        self.mask[rows] = self.moves[np.asarray(rows)[:, None], cells].reshape(len(rows), -1)

    def _refresh_distances(self, rows: np.ndarray, which: np.ndarray) -> None:
        """Recompute :attr:`goal_dist` of the robots ``which`` (``(len(rows), R)`` bool) of ``rows``."""
        ri, robot = np.nonzero(which)
        if ri.size == 0:
            return
        row = np.asarray(rows)[ri]
        goals = self.current_goals(rows)[ri, robot]
        src = goals[:, 0] * self.shape[1] + goals[:, 1]
        self.goal_dist[row, robot] = distance_fields(self.targets[row], src)

    def current_goals(self, rows: np.ndarray | slice | None = None) -> np.ndarray:
        """``(n, R, 2)``: each robot's current goal (lifelong: its last one once all are delivered)."""
        r = self._rows if rows is None else np.arange(self.batch_size)[rows]
        idx = np.minimum(self.goal_idx[r], self.seq_len[r, None] - 1)
        return self.goal_seq[r[:, None], np.arange(self.num_robots)[None], idx]

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        valid = self.admissible(actions) & ~self.done
        reward = np.zeros(self.batch_size, dtype=np.float64)
        terminated = ~valid
        live = np.flatnonzero(valid)
        if live.size:
            reward[live], terminated[live] = self._advance(live, actions[live])
            self.cost[live] -= reward[live]
            self._refresh_mask(live)
        inv = np.flatnonzero(~valid)
        reward[inv] = -self.penalty[inv]
        self.done |= terminated
        return reward, terminated, ~valid

    def _advance(self, rows: np.ndarray, acts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Move the robots of ``rows``; per-row rewards and terminations."""
        w = self.shape[1]
        was_at = (self.pos[rows] == self.current_goals(rows)).all(axis=2)
        target = self.pos[rows] + MOVES[acts]
        moving = acts != 0
        cancelled = resolve_conflicts(self._cells(rows), target[..., 0] * w + target[..., 1], moving, self._occ[: len(rows)])
        self.collisions[rows] += cancelled.sum(axis=1)
        self.pos[rows] = np.where(moving[..., None], target, self.pos[rows])
        live_goal = self.goal_idx[rows] < self.seq_len[rows, None]
        at = live_goal & (self.pos[rows] == self.current_goals(rows)).all(axis=2)
        rest = self.rest[rows]
        life = self.lifelong[rows, None]
        # one-shot: a step starting off the goal costs 1; staying on it is free for now, and leaving
        # it pays the step and the free ones back, so the return is minus the final arrival time
        oneshot = np.where(~was_at, -1.0, np.where(at, 0.0, -1.0 - rest))
        per_robot = np.where(life, at.astype(np.float64), oneshot)
        self.rest[rows] = np.where(was_at & at, rest + 1, 0)
        self.goal_idx[rows] += at & life
        self._refresh_distances(rows, at & life)
        self.delivered[rows] += (at & life).sum(axis=1)
        self.last_reward[rows] = per_robot
        self.t[rows] += 1
        self.history[rows, self.t[rows]] = self.pos[rows]
        term = (self.t[rows] >= self.horizon[rows]) | (~self.lifelong[rows] & at.all(axis=1))
        return per_robot.sum(axis=1), term

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = self._rows if rows is None else np.arange(self.batch_size)[rows]
        squeeze = np.ndim(r) == 0
        r = np.atleast_1d(r)
        n, h, w = len(r), *self.shape
        pos = self.pos[r]
        goals = self.current_goals(r)
        ri = np.arange(n)[:, None]
        robots = np.zeros((n, h + 2 * RADIUS, w + 2 * RADIUS), dtype=np.int8)
        robots[ri, pos[..., 0] + RADIUS, pos[..., 1] + RADIUS] = 1
        off = np.arange(WINDOW)
        wr = pos[..., 0, None, None] + off[:, None]  # (n, R, k, 1) rows of the padded map
        wc = pos[..., 1, None, None] + off[None, :]
        local = np.zeros((n, self.num_robots, 3, WINDOW, WINDOW), dtype=np.int8)
        local[:, :, 0] = self.padded[r[:, None, None, None], wr, wc]
        local[:, :, 1] = robots[ri[..., None, None], wr, wc]
        rel = goals - pos + RADIUS
        inside = (rel >= 0).all(axis=2) & (rel < WINDOW).all(axis=2)
        gi, gr = np.nonzero(inside)
        local[gi, gr, 2, rel[gi, gr, 0], rel[gi, gr, 1]] = 1
        side = max(h - 1, w - 1, 1)
        cell = pos[..., 0] * w + pos[..., 1]  # (n, R)
        dist = self.goal_dist[r]  # (n, R, H * W)
        ii, jj = np.arange(n)[:, None], np.arange(self.num_robots)[None]
        here = dist[ii, jj, cell]
        ahead = np.take_along_axis(dist, self.targets[r[:, None], cell], axis=2)  # (n, R, 5)
        out = {
            "obstacles": self.grid[r].view(np.int8).copy(),
            "robots": robots[:, RADIUS:h + RADIUS, RADIUS:w + RADIUS].copy(),
            "positions": pos.copy(),
            "goals": goals.copy(),
            "goal_direction": ((goals - pos) / side).astype(np.float32),
            "at_goal": (pos == goals).all(axis=2).astype(np.int8),
            "local": local,
            "goal_distance": (here / (h * w)).astype(np.float32),
            "goal_moves": (ahead < here[..., None]).view(np.int8),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }
        return {k: v[0] for k, v in out.items()} if squeeze else out

    def paths(self, row: int) -> np.ndarray:
        """``(t + 1, R, 2)``: the cells of every robot so far."""
        return self.history[row, : self.t[row] + 1]

    def solution(self, row: int) -> list[list[list[int]]]:
        """One path per robot; one-shot: cut where the robot rests at its goal for good."""
        hist = self.paths(row)
        if self.lifelong[row]:
            return [hist[:, i].tolist() for i in range(self.num_robots)]
        arr = arrival_times(hist, self.goal_seq[row, :, 0])
        return [hist[: (a + 1 if a >= 0 else len(hist)), i].tolist() for i, a in enumerate(arr)]

    def partial_solution(self, row: int) -> list[list[list[int]]]:
        hist = self.paths(row)
        return [hist[:, i].tolist() for i in range(self.num_robots)]

    def makespan(self, row: int) -> int:
        """The latest final arrival so far (one-shot; ``horizon`` while a robot is off its goal at the end)."""
        arr = arrival_times(self.paths(row), self.goal_seq[row, :, 0])
        return int(self.horizon[row] if (arr < 0).any() else arr.max(initial=0))
