"""Pictures and text of mTSP states and routes."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import draw_routes


def split_open_route(kernel: Kernel, row: int) -> tuple[list[list[int]], list[int]]:
    """The closed routes of row ``row`` and the one being built (empty once the episode ends)."""
    routes = kernel.partial_solution(row)
    if kernel.done[row] and kernel.served[row] == kernel.num_nodes:
        return routes, []
    return routes[:-1], routes[-1]


def _objective(kernel: Kernel, row: int) -> str:
    return "max" if kernel.minmax[row] else "sum"


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Closed routes in colour, the open one dashed, the objective so far in the title.

    :param positions: node positions to draw at; the kernel's unit-square coordinates when ``None``.
    """
    routes, open_route = split_open_route(kernel, row)
    pos = kernel.coords[row] if positions is None else np.asarray(positions)
    title = (f"mTSP{kernel.num_nodes}  vehicle {kernel.vehicle[row] + 1}/{kernel.num_vehicles[row]}  "
             f"{_objective(kernel, row)} {kernel.cost[row]:.4g}")
    draw_routes(ax, pos, routes, None, open_route, title)


def _route_line(kernel: Kernel, row: int, k: int, route: Sequence[int], closed: bool) -> str:
    d = kernel.dist[row]
    path = [0, *route, 0] if closed else [0, *route]
    length = float(sum(d[a, b] for a, b in zip(path[:-1], path[1:])))
    return f"  vehicle {k}: " + " -> ".join(map(str, path)) + f"  ({'length' if closed else 'so far'} {length:.6g})"


def text(kernel: Kernel, row: int) -> str:
    """Progress, the objective so far, and one line per route with its length."""
    routes, open_route = split_open_route(kernel, row)
    lines = [f"mTSP{kernel.num_nodes} visited {kernel.served[row]}/{kernel.num_nodes} "
             f"vehicle {kernel.vehicle[row] + 1}/{kernel.num_vehicles[row]} {_objective(kernel, row)}={kernel.cost[row]:.6g}"]
    lines += [_route_line(kernel, row, k, r, True) for k, r in enumerate(routes)]
    if not (kernel.done[row] and kernel.served[row] == kernel.num_nodes):
        lines.append(_route_line(kernel, row, len(routes), open_route, False))
    return "\n".join(lines)


def draw_solution(ax: Any, instance: Any, solution: Sequence[Sequence[int]], title: str = "") -> None:
    """Complete routes of ``instance`` (comparison plots)."""
    draw_routes(ax, instance.positions, solution, None, title=title)
