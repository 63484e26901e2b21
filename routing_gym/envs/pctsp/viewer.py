"""Pictures and text of prize-collecting TSP states and tours."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.prize_tour import draw_prize_tour


def _closed(kernel: Kernel, row: int) -> bool:
    return bool(kernel.done[row]) and int(kernel.cur[row]) == 0


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Nodes sized by prize (visited ones dark), the tour so far; cost and prize in the title.

    :param positions: node positions to draw at; the kernel's unit-square coordinates when ``None``.
    """
    pos = kernel.coords[row] if positions is None else np.asarray(positions)
    title = (f"PCTSP{kernel.num_nodes}  cost {kernel.cost[row]:.4g}  "
             f"prize {kernel.collected[row]:.3g}/{kernel.min_prize[row]:.3g}")
    draw_prize_tour(ax, pos, kernel.partial_solution(row), kernel.prize[row], _closed(kernel, row), title)


def text(kernel: Kernel, row: int) -> str:
    """One line: visits, prize against the minimum, length, penalties left, cost so far, the tour."""
    tour = kernel.partial_solution(row)
    path = " -> ".join(map(str, [0, *tour] + ([0] if _closed(kernel, row) else [])))
    return (f"PCTSP{kernel.num_nodes} visited {len(tour)}/{kernel.num_nodes} "
            f"prize={kernel.collected[row]:.6g}/{kernel.min_prize[row]:.6g} length={kernel.length[row]:.6g} "
            f"penalties left={kernel.left_penalty[row]:.6g} cost={kernel.cost[row]:.6g}: {path}")


def draw_solution(ax: Any, instance: Any, solution: Sequence[int], title: str = "") -> None:
    """A complete tour of ``instance`` (comparison plots)."""
    draw_prize_tour(ax, instance.positions, [int(x) for x in solution], instance.prizes, True, title)
