"""Pictures and text of PDP states and routes: pickups as triangles, deliveries as squares."""

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


def _roles(ax: Any, pos: np.ndarray, is_pickup: np.ndarray) -> None:
    pick = np.flatnonzero(is_pickup)
    drop = np.flatnonzero(~is_pickup)[1:]
    ax.scatter(pos[pick, 0], pos[pick, 1], s=30, marker="^", c="#2ca02c", zorder=3)
    ax.scatter(pos[drop, 0], pos[drop, 1], s=24, marker="s", c="#9467bd", zorder=3)


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Closed routes in colour, the open one dashed; pickups green triangles, deliveries purple squares."""
    routes, open_route = split_open_route(kernel, row)
    pos = kernel.coords[row] if positions is None else np.asarray(positions)
    title = (f"PDP{kernel.num_nodes}  {len(routes) + bool(open_route)} routes  length {kernel.cost[row]:.4g}  "
             f"load {kernel.carried[row]}/{kernel.capacity[row]}")
    draw_routes(ax, pos, routes, None, open_route, title)
    _roles(ax, pos, kernel.is_pickup[row])


def _stop(kernel: Kernel, row: int, node: int) -> str:
    role = "+" if kernel.is_pickup[row, node] else "-"
    return f"{role}{node}"


def text(kernel: Kernel, row: int) -> str:
    """Progress, load, time and one line per route (``+i`` pickup, ``-j`` delivery)."""
    routes, open_route = split_open_route(kernel, row)
    aboard = np.flatnonzero(kernel.pending[row]).tolist()
    lines = [f"PDP{kernel.num_nodes} served {kernel.served[row]}/{kernel.num_nodes} load {kernel.carried[row]}/"
             f"{kernel.capacity[row]} aboard (deliveries due) {aboard} time {kernel.clock[row]:.6g} "
             f"length={kernel.cost[row]:.6g}"]
    lines += [f"  route {i}: 0 -> " + " -> ".join(_stop(kernel, row, c) for c in r) + " -> 0" for i, r in enumerate(routes)]
    if open_route:
        lines.append(f"  route {len(routes)}: 0 -> " + " -> ".join(_stop(kernel, row, c) for c in open_route))
    return "\n".join(lines)


def draw_solution(ax: Any, instance: Any, solution: Sequence[Sequence[int]], title: str = "") -> None:
    """Complete routes of ``instance`` (comparison plots)."""
    draw_routes(ax, instance.positions, solution, None, title=title)
    _roles(ax, instance.positions, instance.is_pickup)
