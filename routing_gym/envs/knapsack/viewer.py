"""Pictures and text of knapsack states and packings: items in the (weight, value) plane."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import _finish


def draw_items(ax: Any, weights: np.ndarray, values: np.ndarray, packed: np.ndarray, fits: np.ndarray | None,
               title: str) -> None:
    """Items as dots at (weight, value): packed filled red, still fitting blue, others grey."""
    ax.scatter(weights, values, s=16, c="#bbbbbb", zorder=2)
    if fits is not None:
        ax.scatter(weights[fits], values[fits], s=16, c="#1f77b4", zorder=3)
    ax.scatter(weights[packed], values[packed], s=30, c="#d62728", marker="s", zorder=4)
    _finish(ax, title)
    ax.set_aspect("auto")
    ax.set_xlabel("weight")
    ax.set_ylabel("value")


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: packed, still fitting and excluded items; value and load in the title.

    :param positions: ignored (items are drawn at their weight and value).
    """
    w, v = kernel.weight[row, 1:], kernel.value[row, 1:]
    title = (f"Knapsack{kernel.num_items}  value {-kernel.cost[row]:.4g}  "
             f"weight {kernel.used[row]:.4g}/{kernel.capacity[row]:.4g}")
    draw_items(ax, w, v, kernel.packed[row, 1:], kernel.mask[row, 1:], title)


def text(kernel: Kernel, row: int) -> str:
    """Kernel row ``row`` as one line: items packed, value, load, the packed items in order."""
    items = kernel.solution(row)
    end = " (done)" if kernel.done[row] else ""
    return (f"Knapsack{kernel.num_items} [{len(items)} packed]{end} value={-kernel.cost[row]:.6g} "
            f"weight={kernel.used[row]:.6g}/{kernel.capacity[row]:.6g}: {items}")


def draw_solution(ax: Any, instance: Any, solution: Sequence[int], title: str = "") -> None:
    """A packing of ``instance`` (comparison plots)."""
    packed = np.zeros(instance.num_items, dtype=bool)
    packed[list(solution)] = True
    draw_items(ax, instance.weights, instance.values, packed, None, title)
