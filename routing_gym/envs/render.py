"""Drawing tours and routes with matplotlib (Agg; no display needed)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def new_figure(size: float = 5.0) -> tuple[Any, Any]:
    """A figure and axes on the Agg canvas (safe without a display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size, size), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def figure_to_rgb(fig: Any) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def draw_tour(ax: Any, pos: np.ndarray, tour: Sequence[int], closed: bool, title: str = "") -> None:
    """Cities as dots, the (partial) tour as a line, the start as a red square."""
    ax.scatter(pos[:, 0], pos[:, 1], s=14, c="#1f77b4", zorder=3)
    if len(tour):
        path = list(tour) + ([tour[0]] if closed and len(tour) > 1 else [])
        ax.plot(pos[path, 0], pos[path, 1], "-", c="#444444", lw=1.2, zorder=2)
        ax.scatter(pos[tour[0], 0], pos[tour[0], 1], s=60, marker="s", c="#d62728", zorder=4)
    _finish(ax, title)


def draw_routes(ax: Any, pos: np.ndarray, routes: Sequence[Sequence[int]], demands: np.ndarray | None = None,
                open_route: Sequence[int] = (), title: str = "") -> None:
    """Customers sized by demand, each closed route in its own colour, the depot as a red square."""
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    sizes = 12 if demands is None else 8 + 40 * np.asarray(demands[1:]) / max(1, np.max(demands))
    ax.scatter(pos[1:, 0], pos[1:, 1], s=sizes, c="#7f7f7f", zorder=3)
    for k, route in enumerate(routes):
        path = [0, *route, 0]
        ax.plot(pos[path, 0], pos[path, 1], "-", c=cmap(k % 20), lw=1.3, zorder=2)
    if len(open_route):
        path = [0, *open_route]
        ax.plot(pos[path, 0], pos[path, 1], "--", c="#222222", lw=1.3, zorder=2)
    ax.scatter(pos[0, 0], pos[0, 1], s=90, marker="s", c="#d62728", zorder=4)
    _finish(ax, title)


def _finish(ax: Any, title: str) -> None:
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
