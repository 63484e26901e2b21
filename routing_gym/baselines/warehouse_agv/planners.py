"""Search planners for the warehouse: independent A* (``astar``), prioritized planning (``prioritized``)
and conflict-based search (``cbs``, optimal sum of costs)."""

from __future__ import annotations

import heapq
import itertools
import time
from typing import Any

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.warehouse_agv.search import Constraints, Grid, path_array, space_time_astar
from routing_gym.envs.warehouse_agv.types import WarehouseInstance, first_conflict
from routing_gym.errors import SolverError


def _deadline(solver: Solver) -> float | None:
    return None if solver.time_limit is None else time.perf_counter() + solver.time_limit


def _to_solution(grid: Grid, plans: list[list[int]]) -> list[list[list[int]]]:
    return [grid.cells_to_path(p) for p in plans]


def _check_oneshot(instance: WarehouseInstance, name: str) -> None:
    if instance.lifelong:
        raise SolverError(f"{name} plans one-shot instances (one goal per robot); this one is lifelong")


@register_solver("astar")
class AStarSolver(Solver):
    """A* over a networkx grid graph, each robot on its own (Manhattan heuristic).

    Exact for one robot. For several robots the paths ignore each other; when two of them
    conflict the plan is not returned: the run fails, naming the first conflict (the
    environment would cancel the moves, so the plan would not be what it claims).
    """

    problems = ("warehouse_agv",)

    def solve(self, instance: WarehouseInstance) -> list[list[list[int]]]:
        import networkx as nx

        _check_oneshot(instance, self.name)
        h, w = instance.grid.shape
        graph = nx.grid_2d_graph(h, w)
        graph.remove_nodes_from([tuple(int(v) for v in c) for c in np.argwhere(instance.grid)])
        paths = []
        for i, (s, g) in enumerate(zip(instance.starts.tolist(), instance.goals.tolist())):
            try:
                cells = nx.astar_path(graph, tuple(s), tuple(g), heuristic=lambda a, b: abs(a[0] - b[0]) + abs(a[1] - b[1]))
            except nx.NetworkXNoPath:
                raise SolverError(f"robot {i}: no path from {s} to {g}") from None
            paths.append([list(c) for c in cells])
        cells = path_array([[r * w + c for r, c in p] for p in paths])
        conflict = first_conflict(np.stack(np.divmod(cells, w), axis=2))
        if conflict is not None:
            raise SolverError(f"independent A* paths conflict ({conflict}); use prioritized or cbs")
        return paths


def plan_in_order(grid: Grid, order: list[int], deadline: float | None) -> list[list[int]] | None:
    """Space-time A* for each robot in ``order``, each avoiding the plans before it (or ``None``)."""
    cons = Constraints()
    plans: dict[int, list[int]] = {}
    for i in order:
        plan = space_time_astar(grid, i, cons, deadline)
        if plan is None:
            return None
        plans[i] = plan
        for t in range(1, len(plan)):
            cons.vertex.add((plan[t], t))
            cons.edge.add((plan[t], plan[t - 1], t))
        cons.vertex.add((plan[0], 0))
        cons.forever[plan[-1]] = len(plan) - 1
    return [plans[i] for i in range(len(order))]


@register_solver("prioritized")
class PrioritizedSolver(Solver):
    """Prioritized planning (Silver 2005; Erdmann and Lozano-Perez 1987): robots plan one after
    another with space-time A*, each treating the earlier plans as moving obstacles.

    The first order puts the robots with the longest shortest paths first; when an order fails,
    random orders follow (from ``seed``) until one succeeds or ``time_limit`` ends. Fast, not optimal.
    """

    problems = ("warehouse_agv",)

    def solve(self, instance: WarehouseInstance) -> list[list[list[int]]]:
        _check_oneshot(instance, self.name)
        grid = Grid(instance)
        if grid.lower_bound() < 0:
            raise SolverError("some robot cannot reach its goal")
        deadline = _deadline(self)
        rng = np.random.default_rng(self.seed)
        n = instance.num_robots
        dist = [int(grid.to_goal[i][s]) for i, s in enumerate(grid.starts)]
        order = sorted(range(n), key=lambda i: -dist[i])
        for _ in range(1000):
            plans = plan_in_order(grid, order, deadline)
            if plans is not None:
                return _to_solution(grid, plans)
            if deadline is not None and time.perf_counter() > deadline:
                break
            order = [int(i) for i in rng.permutation(n)]
        raise TimeoutError("prioritized planning found no order without a dead end in time")


def find_conflict(plans: list[list[int]]) -> tuple[str, int, int, Any, int] | None:
    """The first conflict of the plans: ``("vertex", i, j, cell, t)`` or ``("edge", i, j, (u, v), t)``
    (robot ``i`` moves ``u -> v`` arriving at ``t`` while ``j`` moves ``v -> u``)."""
    cells = path_array(plans)
    steps, n = cells.shape
    for t in range(steps):
        seen: dict[int, int] = {}
        for i in range(n):
            c = int(cells[t, i])
            if c in seen:
                return ("vertex", seen[c], i, c, t)
            seen[c] = i
        if t == 0:
            continue
        prev = {int(cells[t - 1, i]): i for i in range(n)}
        for i in range(n):
            u, v = int(cells[t - 1, i]), int(cells[t, i])
            j = prev.get(v)
            if u != v and j is not None and j != i and int(cells[t, j]) == u:
                return ("edge", i, j, (u, v), t)
    return None


@register_solver("cbs")
class CBSSolver(Solver):
    """Conflict-based search (Sharon et al. 2015): optimal sum of costs.

    The high level searches a tree of constraint sets best-first by sum of costs (ties: fewer
    conflicting pairs); each node's plans come from space-time A* under its constraints; a
    node's first vertex or swap conflict splits it in two. Exponential in the number of
    conflicts: ``time_limit`` (seconds) ends it with a timeout.
    """

    problems = ("warehouse_agv",)

    def solve(self, instance: WarehouseInstance) -> list[list[list[int]]]:
        _check_oneshot(instance, self.name)
        grid = Grid(instance)
        if grid.lower_bound() < 0:
            raise SolverError("some robot cannot reach its goal")
        deadline = _deadline(self)
        n = instance.num_robots
        cons = [Constraints() for _ in range(n)]
        plans = [space_time_astar(grid, i, cons[i], deadline) for i in range(n)]
        if any(p is None for p in plans):
            raise SolverError("some robot has no plan within the horizon")
        tick = itertools.count()
        heap = [(_soc(plans), 0, next(tick), cons, plans)]
        while heap:
            if deadline is not None and time.perf_counter() > deadline:
                raise TimeoutError(f"CBS found no conflict-free plan within {self.time_limit} s")
            _, _, _, cons, plans = heapq.heappop(heap)
            conflict = find_conflict(plans)
            if conflict is None:
                return _to_solution(grid, plans)
            for child in _split(grid, cons, plans, conflict, deadline):
                heapq.heappush(heap, (_soc(child[1]), _count_pairs(child[1]), next(tick), *child))
        raise SolverError("CBS: no conflict-free plan within the horizon")


def _soc(plans: list[list[int]]) -> int:
    return sum(len(p) - 1 for p in plans)


def _count_pairs(plans: list[list[int]]) -> int:
    """A cheap count of vertex conflicts (tie-breaking only)."""
    cells = path_array(plans)
    return int(sum(len(row) - len(set(row.tolist())) for row in cells))


def _split(grid: Grid, cons: list[Constraints], plans: list[list[int]], conflict: tuple,
           deadline: float | None) -> list[tuple[list[Constraints], list[list[int]]]]:
    kind, i, j, where, t = conflict
    children = []
    for robot, other in ((i, j), (j, i)):
        c = Constraints(set(cons[robot].vertex), set(cons[robot].edge), dict(cons[robot].forever))
        if kind == "vertex":
            c.vertex.add((where, t))
        else:
            u, v = where if robot == i else where[::-1]
            c.edge.add((u, v, t))
        plan = space_time_astar(grid, robot, c, deadline)
        if plan is None:
            continue
        new_cons = list(cons)
        new_cons[robot] = c
        new_plans = list(plans)
        new_plans[robot] = plan
        children.append((new_cons, new_plans))
    return children
