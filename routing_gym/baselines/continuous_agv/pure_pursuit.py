"""``pure-pursuit``: grid A* over an inflated occupancy grid, then a pure-pursuit controller in closed loop.

The planner is networkx's A* on an 8-connected grid (no corner cutting) of cells free for the robot's
disc plus a margin; the controller steers toward a look-ahead point on the path with the curvature
``2 sin(alpha) / L`` (Coulter's pure pursuit), turns in place when the point is behind, and brakes
toward the target. It drives the environment itself (a perfect model of the robot), and a moving
target is re-planned to every ``replan_every`` steps. The actions it played are the solution,
which the harness replays; a run that collides or times out is returned as it is (its cost says so).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.envs.continuous_agv import physics
from routing_gym.envs.continuous_agv.grid import cell_centres, cell_of, occupancy
from routing_gym.envs.continuous_agv.types import ContinuousAGVInstance
from routing_gym.errors import SolverError

_SQRT2 = float(np.sqrt(2.0))


def grid_graph(blocked: np.ndarray) -> Any:
    """A networkx graph of the free cells (flat indices), 8-connected, diagonals only between two free
    orthogonal neighbours (no corner cutting); edge weights 1 and sqrt(2)."""
    import networkx as nx

    rows, cols = blocked.shape
    free = ~blocked
    rr, cc = np.divmod(np.arange(rows * cols), cols)
    graph = nx.Graph()
    graph.add_nodes_from(np.flatnonzero(free).tolist())
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        nr, nc = rr + dr, cc + dc
        inside = (nr < rows) & (nc >= 0) & (nc < cols)
        r2, c2 = np.minimum(nr, rows - 1), np.clip(nc, 0, cols - 1)
        ok = inside & free[rr, cc] & free[r2, c2]
        if dr and dc:
            ok &= free[r2, cc] & free[rr, c2]
        weight = _SQRT2 if dr and dc else 1.0
        graph.add_weighted_edges_from(zip((rr[ok] * cols + cc[ok]).tolist(), (r2[ok] * cols + c2[ok]).tolist(),
                                          [weight] * int(ok.sum())))
    return graph


class Planner:
    """A* paths on one instance's inflated grid (the graph is built once)."""

    def __init__(self, instance: ContinuousAGVInstance, resolution: float, margin: float) -> None:
        self.res = resolution
        self.blocked = occupancy(instance.width, instance.height, instance.rects, resolution, instance.robot_radius + margin)
        self.cols = self.blocked.shape[1]
        self.graph = grid_graph(self.blocked)

    def _nearest_free(self, xy: np.ndarray) -> int:
        cell = int(cell_of(xy, self.blocked.shape, self.res)[0])
        if not self.blocked.flat[cell]:
            return cell
        free = np.flatnonzero(~self.blocked.ravel())
        if free.size == 0:
            raise SolverError("pure-pursuit: no free cell on the inflated grid")
        d = ((cell_centres(free, self.cols, self.res) - xy) ** 2).sum(axis=1)
        return int(free[np.argmin(d)])

    def path(self, start: np.ndarray, goal: np.ndarray) -> np.ndarray:
        """``(n, 2)`` waypoints from ``start`` to ``goal`` (cell centres between them)."""
        import networkx as nx

        s, g = self._nearest_free(start), self._nearest_free(goal)
        cols, res = self.cols, self.res

        def h(a: int, b: int) -> float:
            (ra, ca), (rb, cb) = divmod(a, cols), divmod(b, cols)
            return float(np.hypot(ra - rb, ca - cb))

        try:
            cells = nx.astar_path(self.graph, s, g, heuristic=h, weight="weight")
        except nx.NetworkXNoPath:
            raise SolverError(f"pure-pursuit: no path on the {res:g} m grid from {start.round(2).tolist()} "
                              f"to {goal.round(2).tolist()}") from None
        return np.concatenate([start[None], cell_centres(np.array(cells[1:-1], dtype=np.int64), cols, res), goal[None]])


def pursue(pose: np.ndarray, vel: np.ndarray, path: np.ndarray, start_index: int, lookahead: float,
           inst: ContinuousAGVInstance, speed: float) -> tuple[np.ndarray, int]:
    """The action toward the look-ahead point of ``path``; ``(action in [-1, 1]^2, nearest waypoint)``."""
    xy, theta = pose[:2], pose[2]
    d = np.sqrt(((path[start_index:] - xy) ** 2).sum(axis=1))
    near = start_index + int(np.argmin(d[:20]))  # progress along the path, never back
    ahead = np.flatnonzero(d[near - start_index:] >= lookahead)
    point = path[near + int(ahead[0])] if ahead.size else path[-1]
    rel = physics.to_robot_frame((point - xy)[None], np.array([theta]))[0]
    dist, alpha = float(np.hypot(*rel)), float(np.arctan2(rel[1], rel[0]))
    to_goal = float(np.sqrt(((path[-1] - xy) ** 2).sum()))
    if abs(alpha) > np.pi / 4:  # turn in place toward the point
        return np.array([0.0, np.sign(alpha) * 0.8]), near
    brake = np.sqrt(2.0 * inst.max_accel * 0.5 * max(to_goal - 0.5 * inst.goal_radius, 0.0))
    v = min(speed * inst.v_max * max(np.cos(alpha), 0.0), brake + 0.1)
    w = v * 2.0 * np.sin(alpha) / max(dist, 1e-6) + 0.5 * alpha * (v < 0.05)
    return np.clip(np.array([v / inst.v_max, w / inst.w_max]), -1.0, 1.0), near


@register_solver("pure-pursuit")
class PurePursuitSolver(Solver):
    """Grid A* (networkx, 8-connected, inflated by the robot's radius plus ``margin``) and a
    pure-pursuit controller driving the environment.

    :param resolution: grid cell size (m).
    :param margin: extra clearance (m) added to the robot's radius when inflating obstacles.
    :param lookahead: look-ahead distance (m).
    :param speed: cruise speed as a fraction of ``v_max``.
    :param replan_every: steps between re-plans to a moving target.
    """

    problems: ClassVar[tuple[str, ...]] = ("continuous_agv",)

    def __init__(self, time_limit: float | None = None, seed: int = 0, resolution: float = 0.2, margin: float = 0.15,
                 lookahead: float = 0.6, speed: float = 0.8, replan_every: int = 40) -> None:
        super().__init__(time_limit, seed)
        for name, value in (("resolution", resolution), ("lookahead", lookahead), ("speed", speed)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value:
                raise SolverError(f"pure-pursuit: {name} must be a number > 0, got {value!r}")
        if not 0 < speed <= 1 or margin < 0 or int(replan_every) < 1:
            raise SolverError("pure-pursuit: need 0 < speed <= 1, margin >= 0, replan_every >= 1")
        self.resolution, self.margin, self.lookahead = float(resolution), float(margin), float(lookahead)
        self.speed, self.replan_every = float(speed), int(replan_every)

    def solve(self, instance: ContinuousAGVInstance) -> list[list[float]]:
        import gymnasium as gym

        deadline = None if self.time_limit is None else time.perf_counter() + self.time_limit
        env = gym.make("routing_gym/ContinuousAGV-v0", instance=instance).unwrapped
        env.reset()
        k = env.kernel
        planner = Planner(instance, self.resolution, self.margin)
        target = lambda: physics.target_position(k.t[:1], k.p)[0]  # noqa: E731
        path, near = planner.path(k.pose[0, :2].copy(), target()), 0
        while True:
            if instance.moving and k.t[0] % self.replan_every == 0 and k.t[0]:
                path, near = planner.path(k.pose[0, :2].copy(), target()), 0
            action, near = pursue(k.pose[0], k.vel[0], path, near, self.lookahead, instance, self.speed)
            _, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                return info["solution"]
            if deadline is not None and time.perf_counter() > deadline:
                raise TimeoutError(f"pure-pursuit: over the {self.time_limit:g} s limit at step {int(k.t[0])}")
