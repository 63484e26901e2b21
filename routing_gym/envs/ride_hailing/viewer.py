"""Pictures and text of a ride-hailing day: a grid of cells with drivers and open orders."""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import _finish


def _side(xy: np.ndarray) -> float:
    """The smallest distance between two cell centres (1 for a single cell)."""
    if len(xy) < 2:
        return 1.0
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2) + np.eye(len(xy)) * 1e18
    return max(float(d.min()), 1e-9)


def _cells(ax: Any, xy: np.ndarray, adjacency: np.ndarray) -> float:
    """Cells as squares of 0.9 the centre spacing, neighbours joined by thin lines; returns the spacing."""
    from matplotlib.patches import Rectangle

    side = _side(xy)
    for a, b in zip(*np.nonzero(np.triu(adjacency, 1))):
        ax.plot(xy[[a, b], 0], xy[[a, b], 1], "-", c="#e4e4e4", lw=0.8, zorder=1)
    for x, y in xy:
        ax.add_patch(Rectangle((x - 0.45 * side, y - 0.45 * side), 0.9 * side, 0.9 * side, facecolor="#f7f7f7",
                               edgecolor="#bbbbbb", zorder=0))
    ax.set_xlim(xy[:, 0].min() - side, xy[:, 0].max() + side)
    ax.set_ylim(xy[:, 1].min() - side, xy[:, 1].max() + side)
    return side


def _jitter(xy: np.ndarray, cells: np.ndarray, side: float) -> np.ndarray:
    """Positions of things in ``cells``, spread around each cell centre (deterministic)."""
    k = np.arange(len(cells))
    angle = k * 2.399963  # golden angle
    radius = side * (0.05 + 0.33 * ((k * 0.618034) % 1.0))
    return xy[cells] + np.stack([np.cos(angle), np.sin(angle)], axis=1) * radius[:, None]


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: idle drivers (green), busy drivers at their destination (grey), open orders
    (red triangles, a line to their drop-off), the current order or cell ringed.

    :param positions: ignored (cells carry their own centres).
    """
    from routing_gym.envs.ride_hailing.kernel import MATCH, OPEN, REPOSITION

    k = kernel
    xy, adj = k.xy[row], k.adj[row]
    side = _cells(ax, xy, adj)
    t = int(min(k.t[row], k.num_ticks[row] - 1))
    online = (k.on[row] <= t) & (t < k.off[row])
    idle = online & (k.drv_free[row] <= t)
    busy = online & ~idle
    for mask, colour, label in ((idle, "#2ca02c", "idle driver"), (busy, "#999999", "busy driver")):
        if mask.any():
            pos = _jitter(xy, k.drv_cell[row, mask], side)
            ax.scatter(pos[:, 0], pos[:, 1], s=14, c=colour, zorder=4, label=label)
    is_open = (k.status[row] == OPEN) & (k.arrival[row] <= t)
    if is_open.any():
        pos = _jitter(xy, k.pickup[row, is_open], side * 0.8)
        for (x, y), d in zip(pos, k.dropoff[row, is_open]):
            ax.plot([x, xy[d, 0]], [y, xy[d, 1]], "-", c="#d62728", lw=0.4, alpha=0.4, zorder=3)
        ax.scatter(pos[:, 0], pos[:, 1], s=18, marker="^", c="#d62728", zorder=5, label="open order")
    cur = int(k.cur[row])
    if not k.done[row] and cur >= 0 and k.phase[row] in (MATCH, REPOSITION):
        cell = int(k.pickup[row, cur]) if k.phase[row] == MATCH else cur
        from matplotlib.patches import Rectangle

        x, y = xy[cell]
        ax.add_patch(Rectangle((x - 0.47 * side, y - 0.47 * side), 0.94 * side, 0.94 * side, facecolor="none",
                               edgecolor="#1f77b4", lw=2, zorder=6))
    _finish(ax, title_of(k, row))
    if idle.any() or busy.any() or is_open.any():
        ax.legend(loc="upper right", fontsize=6)


def title_of(kernel: Kernel, row: int) -> str:
    rep = kernel.report(row)
    end = " (done)" if kernel.done[row] else ""
    return (f"RideHailing tick {int(kernel.t[row])}/{int(kernel.num_ticks[row])}{end}  profit "
            f"{-kernel.cost[row]:.6g}  answered {100 * rep['answer_rate']:.1f}%  idle {100 * rep['idle_share']:.1f}%")


def text(kernel: Kernel, row: int) -> str:
    """Kernel row ``row`` as text: the title line, then idle drivers and open orders per cell."""
    from routing_gym.envs.ride_hailing.kernel import OPEN

    k = kernel
    t = int(min(k.t[row], k.num_ticks[row] - 1))
    idle = (k.on[row] <= t) & (t < k.off[row]) & (k.drv_free[row] <= t)
    idle_per = np.bincount(k.drv_cell[row, idle], minlength=k.num_cells)
    is_open = (k.status[row] == OPEN) & (k.arrival[row] <= t)
    open_per = np.bincount(k.pickup[row, is_open], minlength=k.num_cells)
    cells = " ".join(f"{c}:{int(i)}d/{int(o)}o" for c, (i, o) in enumerate(zip(idle_per, open_per)))
    return f"{title_of(k, row)}\n{cells}"


def draw_solution(ax: Any, instance: Any, solution: Any, title: str = "") -> None:
    """A day's matches as pickup -> drop-off lines (served in blue), on the grid of cells."""
    _cells(ax, instance.cell_xy, instance.adjacency)
    xy = instance.cell_xy
    matches = solution.get("matches", []) if isinstance(solution, dict) else []
    for o, _, _ in matches[:2000]:
        p, d = instance.order_pickup[o], instance.order_dropoff[o]
        ax.annotate("", xy[d], xy[p], arrowprops={"arrowstyle": "->", "color": "#1f77b4", "alpha": 0.15, "lw": 0.6})
    _finish(ax, title or f"{len(matches)} of {instance.num_orders} orders matched")
