"""Pictures and text of CVRP states and routes."""

from __future__ import annotations

from typing import Any, Sequence

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import draw_routes


def split_open_route(kernel: Kernel, row: int) -> tuple[list[list[int]], list[int]]:
    """The closed routes of row ``row`` and the route still on the road (empty at the depot)."""
    routes = kernel.partial_solution(row)
    if kernel.cur[row] != 0 and routes:
        return routes[:-1], routes[-1]
    return routes, []


def draw(ax: Any, kernel: Kernel, row: int) -> None:
    """Closed routes in colour, the open one dashed, customers sized by demand."""
    routes, open_route = split_open_route(kernel, row)
    title = f"{type(kernel).__name__.removesuffix('Kernel')}{kernel.num_nodes}  {len(routes) + bool(open_route)} routes  length {kernel.cost[row]:.4g}"
    draw_routes(ax, kernel.coords[row], routes, kernel.demand[row], open_route, title)


def text(kernel: Kernel, row: int) -> str:
    """Progress, load and one line per route."""
    routes, open_route = split_open_route(kernel, row)
    lines = [f"{type(kernel).__name__.removesuffix('Kernel')}{kernel.num_nodes} served {kernel.served[row]}/{kernel.num_nodes} "
             f"load left {kernel.remaining[row]}/{kernel.capacity[row]} length={kernel.cost[row]:.6g}"]
    lines += [f"  route {i}: 0 -> " + " -> ".join(map(str, r)) + " -> 0" for i, r in enumerate(routes)]
    if open_route:
        lines.append(f"  route {len(routes)}: 0 -> " + " -> ".join(map(str, open_route)))
    return "\n".join(lines)


def draw_solution(ax: Any, instance: Any, solution: Sequence[Sequence[int]], title: str = "") -> None:
    """Complete routes of ``instance`` (comparison plots)."""
    draw_routes(ax, instance.positions, solution, instance.demands, title=title)
