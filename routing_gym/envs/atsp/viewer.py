"""Pictures and text of ATSP states and tours (directed: arrows show the direction of travel)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import draw_tour


def _arrows(ax: Any, pos: np.ndarray, tour: Sequence[int], closed: bool) -> None:
    """An arrow head at the middle of every arc of the (partial) tour."""
    path = list(tour) + ([tour[0]] if closed and len(tour) > 1 else [])
    if len(path) < 2:
        return
    a, b = pos[path[:-1]], pos[path[1:]]
    mid, delta = (a + b) / 2.0, b - a
    ax.quiver(mid[:, 0] - 0.05 * delta[:, 0], mid[:, 1] - 0.05 * delta[:, 1], 0.1 * delta[:, 0], 0.1 * delta[:, 1],
              angles="xy", scale_units="xy", scale=1.0, color="#444444", width=0.004, headwidth=6, zorder=3)


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """The partial directed tour of kernel row ``row`` over the nodes' (embedded) positions.

    :param positions: node positions to draw at; the kernel's unit-square ones when ``None``.
    """
    tour = kernel.partial_solution(row)
    closed = bool(kernel.done[row]) and len(tour) == kernel.num_nodes
    pos = kernel.coords[row] if positions is None else np.asarray(positions)
    draw_tour(ax, pos, tour, closed, title=f"ATSP{kernel.num_nodes}  length {kernel.cost[row]:.4g}")
    _arrows(ax, pos, tour, closed)


def text(kernel: Kernel, row: int) -> str:
    """Kernel row ``row`` as one line: progress, length, the directed tour so far."""
    tour = kernel.partial_solution(row)
    closed = bool(kernel.done[row]) and len(tour) == kernel.num_nodes
    path = " -> ".join(map(str, tour + ([tour[0]] if closed else [])))
    return f"ATSP{kernel.num_nodes} [{len(tour)}/{kernel.num_nodes}] length={kernel.cost[row]:.6g}: {path}"


def draw_solution(ax: Any, instance: Any, solution: Sequence[int], title: str = "") -> None:
    """A complete directed tour of ``instance`` (comparison plots)."""
    pos = np.asarray(instance.positions)
    draw_tour(ax, pos, list(solution), closed=True, title=title)
    _arrows(ax, pos, list(solution), closed=True)
