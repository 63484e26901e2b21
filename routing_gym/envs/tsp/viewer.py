"""Pictures and text of TSP states and tours."""

from __future__ import annotations

from typing import Any, Sequence

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import draw_tour


def draw(ax: Any, kernel: Kernel, row: int) -> None:
    """The partial tour of kernel row ``row`` over its (unit-square) cities."""
    tour = kernel.partial_solution(row)
    closed = bool(kernel.done[row]) and len(tour) == kernel.num_nodes
    draw_tour(ax, kernel.coords[row], tour, closed, title=f"TSP{kernel.num_nodes}  length {kernel.cost[row]:.4g}")


def text(kernel: Kernel, row: int) -> str:
    """Kernel row ``row`` as one line: progress, length, the tour so far."""
    tour = kernel.partial_solution(row)
    closed = bool(kernel.done[row]) and len(tour) == kernel.num_nodes
    path = " -> ".join(map(str, tour + ([tour[0]] if closed else [])))
    return f"TSP{kernel.num_nodes} [{len(tour)}/{kernel.num_nodes}] length={kernel.cost[row]:.6g}: {path}"


def draw_solution(ax: Any, instance: Any, solution: Sequence[int], title: str = "") -> None:
    """A complete tour of ``instance`` (comparison plots)."""
    draw_tour(ax, instance.positions, list(solution), closed=True, title=title)
