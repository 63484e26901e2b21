"""Pictures and text of the continuous robot: the floor, shelves, obstacles, the trajectory and the target."""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.envs.continuous_agv import physics
from routing_gym.envs.continuous_agv.types import OBSTACLE, ContinuousAGVInstance, as_actions, simulate
from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import _finish

_COLOURS = {0: "#9e9e9e", OBSTACLE: "#8d5524"}


def draw_floor(ax: Any, instance_arrays: dict[str, np.ndarray], poses: np.ndarray, target: np.ndarray,
               radius: float, title: str) -> None:
    """The floor (outline), shelves grey, obstacles brown, the target's segment dashed and the target a
    green circle of the goal radius, the trajectory a blue line and the robot a disc with its heading.

    :param instance_arrays: ``width``, ``height``, ``rects``, ``rect_kinds``, ``goal``, ``goal_end``,
        ``goal_radius`` of one instance; :param poses: ``(T + 1, 3)``; :param target: ``(2,)`` now.
    """
    from matplotlib.patches import Circle, Rectangle

    a = instance_arrays
    w, h = float(a["width"]), float(a["height"])
    ax.add_patch(Rectangle((0, 0), w, h, fill=False, lw=1.5, ec="black"))
    for (x0, y0, x1, y1), kind in zip(a["rects"], a["rect_kinds"]):
        if kind >= 0:
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc=_COLOURS[int(kind)], ec="none"))
    g0, g1 = a["goal"], a["goal_end"]
    if np.any(g0 != g1):
        ax.plot([g0[0], g1[0]], [g0[1], g1[1]], "--", c="#2ca02c", lw=1)
    ax.add_patch(Circle(tuple(target), float(a["goal_radius"]), fc="#2ca02c", alpha=0.5, ec="#2ca02c"))
    ax.plot(poses[:, 0], poses[:, 1], "-", c="#1f77b4", lw=1.2)
    x, y, th = poses[-1]
    ax.add_patch(Circle((x, y), radius, fc="#1f77b4", alpha=0.8))
    ax.plot([x, x + 1.5 * radius * np.cos(th)], [y, y + 1.5 * radius * np.sin(th)], "-", c="black", lw=1.5)
    ax.scatter(poses[0, 0], poses[0, 1], s=25, marker="s", c="#d62728", zorder=4)
    ax.set_xlim(-0.2, w + 0.2)
    ax.set_ylim(-0.2, h + 0.2)
    _finish(ax, title)


def _row_arrays(kernel: Kernel, row: int) -> dict[str, np.ndarray]:
    p = kernel.p
    kinds = np.where(p["rect_valid"][row], 0, -1)
    return {"width": p["width"][row], "height": p["height"][row], "rects": p["rects"][row], "rect_kinds": kinds,
            "goal": p["goal"][row], "goal_end": p["goal_end"][row], "goal_radius": p["goal_radius"][row]}


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: the floor, the trajectory so far, the target; step and outcome in the title."""
    k = kernel
    target = physics.target_position(k.t[row:row + 1], {key: v[row:row + 1] for key, v in k.p.items()})[0]
    title = f"ContinuousAGV  t={k.t[row]}  {physics.OUTCOMES[int(k.outcome[row])]}  cost {k.cost[row]:g}"
    draw_floor(ax, _row_arrays(k, row), k.trajectory(row), target, float(k.p["robot_radius"][row]), title)


def text(kernel: Kernel, row: int) -> str:
    """One line: step, pose, velocity, distance to the target, outcome."""
    k = kernel
    x, y, th = k.pose[row]
    v, w = k.vel[row]
    return (f"ContinuousAGV t={k.t[row]}/{k.p['max_steps'][row]} pose=({x:.2f}, {y:.2f}, {th:+.2f}) "
            f"v={v:+.2f} m/s w={w:+.2f} rad/s target {k.dist[row]:.2f} m {physics.OUTCOMES[int(k.outcome[row])]} "
            f"cost={k.cost[row]:g}")


def draw_solution(ax: Any, instance: ContinuousAGVInstance, solution: Any, title: str = "") -> None:
    """The trajectory an action sequence drives on ``instance`` (comparison plots)."""
    actions, _ = as_actions(solution)
    poses = simulate(instance, actions).poses if actions is not None else instance.start[None]
    p = {k: np.asarray(getattr(instance, k)) for k in ("width", "height", "rects", "rect_kinds", "goal", "goal_end", "goal_radius")}
    t = np.array([len(poses) - 1])
    target = physics.target_position(t, {"goal": instance.goal[None], "goal_end": instance.goal_end[None],
                                         "target_speed": np.array([instance.target_speed]), "dt": np.array([instance.dt])})[0]
    draw_floor(ax, p, poses, target, instance.robot_radius, title)
