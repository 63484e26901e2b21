"""Pictures and text of CVRPTW states and routes."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import draw_routes


def split_open_route(kernel: Kernel, row: int) -> tuple[list[list[int]], list[int]]:
    """The closed routes of row ``row`` and the route still on the road (empty at the depot)."""
    routes = kernel.partial_solution(row)
    if kernel.cur[row] != 0 and routes:
        return routes[:-1], routes[-1]
    return routes, []


def _title(kernel: Kernel, row: int, num_routes: int) -> str:
    return (f"CVRPTW{kernel.num_nodes}  {num_routes} routes  length {kernel.cost[row]:.4g}  "
            f"t={kernel.clock[row]:.4g}/{kernel.due[row, 0]:.4g}")


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Closed routes in colour, the open one dashed, customers sized by demand, time in the title.

    :param positions: node positions to draw at; the kernel's unit-square coordinates when ``None``.
    """
    routes, open_route = split_open_route(kernel, row)
    pos = kernel.coords[row] if positions is None else np.asarray(positions)
    draw_routes(ax, pos, routes, kernel.demand[row], open_route, _title(kernel, row, len(routes) + bool(open_route)))


def _route_line(kernel: Kernel, row: int, i: int, route: Sequence[int], closed: bool) -> str:
    """``0 -> a@start[ready,due] -> ... (-> 0)`` with each service start time."""
    ready, due, service, d = kernel.ready[row], kernel.due[row], kernel.service[row], kernel.dist[row]
    clock, prev, stops = float(ready[0]), 0, []
    for node in route:
        start = max(clock + float(d[prev, node]), float(ready[node]))
        stops.append(f"{node}@{start:.4g}[{ready[node]:.4g},{due[node]:.4g}]")
        clock, prev = start + float(service[node]), node
    return f"  route {i}: 0 -> " + " -> ".join(stops) + (" -> 0" if closed else "")


def text(kernel: Kernel, row: int) -> str:
    """Progress, load, time and one line per route with service start times and windows."""
    routes, open_route = split_open_route(kernel, row)
    lines = [f"CVRPTW{kernel.num_nodes} served {kernel.served[row]}/{kernel.num_nodes} "
             f"load left {kernel.remaining[row]}/{kernel.capacity[row]} "
             f"time {kernel.clock[row]:.6g}/{kernel.due[row, 0]:.6g} length={kernel.cost[row]:.6g}"]
    lines += [_route_line(kernel, row, i, r, True) for i, r in enumerate(routes)]
    if open_route:
        lines.append(_route_line(kernel, row, len(routes), open_route, False))
    return "\n".join(lines)


def draw_solution(ax: Any, instance: Any, solution: Sequence[Sequence[int]], title: str = "") -> None:
    """Complete routes of ``instance`` (comparison plots)."""
    draw_routes(ax, instance.positions, solution, instance.demands, title=title)
