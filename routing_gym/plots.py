"""Plots of comparison results: gap against time, and the routes of one instance per solver."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np


def plot_gap_vs_time(result: Any, path: str | Path) -> Path:
    """Each solver's runs as points (time, gap) plus its mean as a large marker; log-scaled time."""
    from routing_gym.envs.render import new_figure

    fig, ax = new_figure(6.0)
    fig.set_size_inches(7, 4.5)
    markers = "osD^v<>pP*hX"
    for k, s in enumerate(result.solvers):
        rows = [r for r in result.rows if r.solver == s and r.feasible and not math.isnan(r.gap_pct)]
        if not rows:
            continue
        t = np.maximum([r.time_s for r in rows], 1e-4)
        g = [r.gap_pct for r in rows]
        line = ax.scatter(t, g, s=12, alpha=0.35, marker=markers[k % len(markers)])
        ax.scatter([np.mean(t)], [np.mean(g)], s=110, marker=markers[k % len(markers)], color=line.get_facecolor()[0],
                   edgecolor="black", label=f"{s}  ({np.mean(g):.2f}%)", zorder=3, alpha=1.0)
    ax.set_xscale("log")
    ax.set_xlabel("time per instance [s]")
    ref = {r.reference for r in result.rows}
    ax.set_ylabel(f"gap to {' / '.join(sorted(ref))} [%]")
    ax.set_title(f"{result.env_id}: {len(result.instances)} instances", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    return Path(path)


def plot_solutions(result: Any, index: int, path: str | Path) -> Path:
    """The solutions of instance ``index``, one panel per solver."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from routing_gym.registry import problem_of

    inst = result.instances[index]
    name = result.names[index]
    rows = [r for r in result.rows if r.instance == name]
    cols = min(4, max(1, len(rows)))
    nrows = math.ceil(len(rows) / cols)
    fig = Figure(figsize=(3.2 * cols, 3.4 * nrows), dpi=100)
    FigureCanvasAgg(fig)
    viewer = problem_of(inst).viewer
    for k, r in enumerate(rows):
        ax = fig.add_subplot(nrows, cols, k + 1)
        title = f"{r.solver}\n" + (f"{r.cost:.5g} ({r.gap_pct:+.2f}%)" if r.feasible else r.status)
        if r.solution is None or not r.feasible:  # an infeasible solution may not even be drawable
            ax.text(0.5, 0.5, r.status if r.status != "ok" else "infeasible", ha="center", va="center")
            ax.set_title(title, fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            viewer.draw_solution(ax, inst, r.solution, title=title)
        ax.title.set_fontsize(8)
    fig.suptitle(name, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    return Path(path)
