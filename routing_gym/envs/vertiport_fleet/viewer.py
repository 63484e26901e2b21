"""Pictures and text of vertiport days: a map of vertiports with the flights in the air."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import _finish


def draw_map(ax: Any, coords: np.ndarray, parked: np.ndarray, parking: np.ndarray, queue: np.ndarray,
             legs: Sequence[tuple[int, int, float]], title: str) -> None:
    """Vertiports sized by parking, coloured by occupancy, labelled ``parked/parking (waiting)``;
    each leg ``(origin, destination, progress)`` an arrow with the aircraft as a dot along it."""
    fill = parked / np.maximum(parking, 1)
    ax.scatter(coords[:, 0], coords[:, 1], s=60 + 25 * parking, c=fill, cmap="viridis", vmin=0, vmax=1,
               edgecolors="k", zorder=3)
    for v, (x, y) in enumerate(coords):
        ax.annotate(f"{v}: {parked[v]}/{parking[v]} ({queue[v]})", (x, y), textcoords="offset points",
                    xytext=(6, 6), fontsize=7, zorder=5)
    for o, d, frac in legs:
        (x0, y0), (x1, y1) = coords[o], coords[d]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "->", "color": "#888888", "lw": 0.8, "alpha": 0.6,
                                "connectionstyle": "arc3,rad=0.08"}, zorder=2)
        ax.scatter(x0 + frac * (x1 - x0), y0 + frac * (y1 - y0), s=18, c="#d62728", zorder=4)
    _finish(ax, title)


def _legs_in_air(kernel: Kernel, row: int) -> list[tuple[int, int, float]]:
    """``(origin, destination, progress)`` of the flights of ``row`` in the air now."""
    k, t = kernel, int(kernel.clock[row])
    flying = np.flatnonzero(k.exists[row] & (k.ready[row] > t))
    return [(int(k.came_from[row, a]), int(k.loc[row, a]),
             (t - k.departed[row, a]) / max(int(k.ready[row, a] - k.departed[row, a]), 1)) for a in flying]


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: the map, the flights in the air; clock, profit and passengers in the title."""
    k = kernel
    obs = k.observe(row)
    parked = obs["ground"][:, 0].astype(int)
    queue = obs["queue"].sum(axis=1).astype(int)
    coords = k.coords[row] if positions is None else positions
    title = (f"VertiportFleet t={k.clock[row]}/{k.horizon[row]}  profit {-k.cost[row]:.0f}  "
             f"passengers {k.boarded[row]}")
    draw_map(ax, coords, parked, k.parking[row], queue, _legs_in_air(k, row), title)


def text(kernel: Kernel, row: int) -> str:
    """One line per vertiport (parked, inbound, queue) and per aircraft (where, charge, state)."""
    k = kernel
    obs = k.observe(row)
    t = int(k.clock[row])
    end = " (done)" if k.done[row] else ""
    lines = [f"VertiportFleet t={t}/{k.horizon[row]}{end} profit={-k.cost[row]:.2f} passengers={k.boarded[row]} "
             f"flights={k.num_flights[row]} deciding=aircraft {k.actor[row]}"]
    for v in range(k.num_vertiports):
        g = obs["ground"][v].astype(int)
        lines.append(f"  vertiport {v}: parked {g[0]}/{g[3]} inbound {g[1]} charging-wanted {g[2]} chargers {g[4]} "
                     f"waiting {int(obs['queue'][v].sum())}")
    for a in np.flatnonzero(k.exists[row]):
        where = (f"-> {k.loc[row, a]} (lands {k.ready[row, a]})" if k.ready[row, a] > t else f"at {k.loc[row, a]}")
        down = " down" if obs["aircraft"][a, 5] == 0 else ""
        lines.append(f"  aircraft {a}: {where} soc {k.soc[row, a]:.1f}/{k.battery[row]:g} kWh{down}")
    return "\n".join(lines)


def draw_solution(ax: Any, instance: Any, solution: Sequence[Sequence[int]], title: str = "") -> None:
    """A day's flights (comparison plots): each direction of a route a curved arrow, as wide as its
    share of the flights; vertiports labelled with the flights leaving them."""
    from routing_gym.envs.vertiport_fleet.types import parse_flights

    flights = parse_flights(instance, solution)
    loc = [int(x) for x in instance.start]
    counts: dict[tuple[int, int], int] = {}
    for _, a, d in flights:
        counts[(loc[a], d)] = counts.get((loc[a], d), 0) + 1
        loc[a] = d
    c = instance.coords
    top = max(counts.values(), default=1)
    for (o, d), n in counts.items():
        ax.annotate("", xy=tuple(c[d]), xytext=tuple(c[o]),
                    arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 0.4 + 3.0 * n / top, "alpha": 0.7,
                                "connectionstyle": "arc3,rad=0.08", "shrinkA": 8, "shrinkB": 8})
    ax.scatter(c[:, 0], c[:, 1], s=60 + 25 * instance.parking, c="#1f77b4", edgecolors="k", zorder=3)
    for v in range(instance.num_vertiports):
        out = sum(n for (o, _), n in counts.items() if o == v)
        ax.annotate(str(out), tuple(c[v]), textcoords="offset points", xytext=(6, 6), fontsize=7, zorder=5)
    _finish(ax, title or f"{len(flights)} flights")
