"""Pictures and text of warehouse states and plans: the grid, robots, their goals and paths."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import _finish


def draw_grid(ax: Any, grid: np.ndarray, paths: np.ndarray, goals: np.ndarray, title: str) -> None:
    """Obstacles dark, each robot's path a line in its colour, its current cell a disc, its goal a square.

    :param paths: ``(T + 1, R, 2)`` cells; :param goals: ``(R, 2)``.
    """
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    ax.imshow(grid, cmap="Greys", vmin=0, vmax=1.6, interpolation="nearest")
    for i in range(paths.shape[1]):
        c = cmap(i % 10)
        ax.plot(paths[:, i, 1], paths[:, i, 0], "-", c=c, lw=1.5, alpha=0.8, zorder=2)
        ax.scatter(goals[i, 1], goals[i, 0], s=40, marker="s", facecolors="none", edgecolors=[c], zorder=3)
        ax.scatter(paths[-1, i, 1], paths[-1, i, 0], s=50, c=[c], zorder=4)
    _finish(ax, title)


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: the map, the paths so far, robots and goals; step, cost and collisions in the title.

    :param positions: ignored (cells are drawn where they are).
    """
    k = kernel
    what = f"delivered {k.delivered[row]}" if k.lifelong[row] else f"cost {k.cost[row]:g}"
    title = f"WarehouseAGV R={k.num_robots}  t={k.t[row]}  {what}  collisions {k.collisions[row]}"
    draw_grid(ax, k.grid[row], k.paths(row), k.current_goals(np.array([row]))[0], title)


def text(kernel: Kernel, row: int) -> str:
    """The map as characters: ``#`` obstacle, ``.`` free, robots ``0-9a-z`` (``*`` beyond), goals ``+``."""
    k = kernel
    chars = np.where(k.grid[row], "#", ".").astype("<U1")
    goals = k.current_goals(np.array([row]))[0]
    chars[goals[:, 0], goals[:, 1]] = "+"
    labels = "0123456789abcdefghijklmnopqrstuvwxyz"
    for i, (r, c) in enumerate(k.pos[row]):
        chars[r, c] = labels[i] if i < len(labels) else "*"
    end = " (done)" if k.done[row] else ""
    what = f"delivered={k.delivered[row]}" if k.lifelong[row] else f"cost={k.cost[row]:g}"
    head = f"WarehouseAGV R={k.num_robots} t={k.t[row]}/{k.horizon[row]}{end} {what} collisions={k.collisions[row]}"
    return head + "\n" + "\n".join("".join(line) for line in chars)


def draw_solution(ax: Any, instance: Any, solution: Sequence[Sequence[Sequence[int]]], title: str = "") -> None:
    """A plan of ``instance`` (comparison plots)."""
    from routing_gym.envs.warehouse_agv.types import padded_paths

    draw_grid(ax, instance.grid, padded_paths(instance, solution), instance.goals, title)
