"""CP-SAT on the time-expanded graph (``cpsat``): the optimal sum of costs of a one-shot instance.

One Boolean per robot, time and reachable cell (``x``), one per robot, time and move
(``y``, waits included); flow conservation, at most one robot per cell and time (vertex),
at most one robot per edge and time in either direction (swap), every robot at its goal at
the last time ``T``. ``d[i, s]`` is 1 while robot ``i`` has not yet made its final arrival
(``d[i, s] >= 1 - x[i, s - 1, goal]``, non-increasing in ``s``); the objective is their sum,
the sum of costs. Cells a robot cannot reach by ``t`` or from which it cannot reach its goal
by its own deadline are left out. The deadlines are safe for the optimum: with a feasible sum of
costs ``U`` (prioritized planning) and the lower bound ``LB`` (sum of shortest paths), robot ``i``
of any plan no worse than ``U`` makes its final arrival by ``U - LB + dist_i`` (the others need at
least ``LB - dist_i``); ``T`` is the latest deadline. Without ``U``, every deadline is the horizon.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from routing_gym.baselines.cpsat import CPSATSolver
from routing_gym.baselines.warehouse_agv.planners import PrioritizedSolver
from routing_gym.baselines.warehouse_agv.search import Grid
from routing_gym.envs.warehouse_agv.grid import bfs_distances
from routing_gym.envs.warehouse_agv.types import WarehouseInstance, evaluate_warehouse_agv
from routing_gym.errors import SolverError


def arrival_deadlines(instance: WarehouseInstance, grid: Grid, seed: int) -> tuple[list[int], Any]:
    """Per robot, a time by which it makes its final arrival in every optimal plan (module docstring),
    and the prioritized plan that gave the bound (``None`` if it failed), a hint for the search."""
    dist = [int(grid.to_goal[i][s]) for i, s in enumerate(grid.starts)]
    lb = sum(dist)
    found = PrioritizedSolver(time_limit=1.0, seed=seed)(instance)
    if not found.ok:
        return [instance.horizon] * len(dist), None
    upper = int(evaluate_warehouse_agv(instance, found.solution).cost)
    return [min(instance.horizon, upper - lb + d) for d in dist], found.solution


def build_model(grid: Grid, deadlines: list[int], stop: float | None = None) -> tuple[Any, dict, list]:
    """The time-expanded model: ``(model, x[(i, t, cell)], objective terms)``.

    :param stop: a ``time.perf_counter()`` time; building past it raises :class:`TimeoutError`.
    """
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    n, T = len(grid.starts), max(max(deadlines), 1)
    x: dict[tuple[int, int, int], Any] = {}
    y: dict[tuple[int, int, int, int], Any] = {}
    cost_terms = []
    for i in range(n):
        if stop is not None and time.perf_counter() > stop:
            raise TimeoutError(f"building the time-expanded model (makespan {T}) took the whole time limit")
        ds, dg = bfs_distances(grid.adjacency, grid.starts[i]), grid.to_goal[i]
        ti = deadlines[i]
        cells = np.flatnonzero((ds >= 0) & (dg >= 0) & (ds + dg <= ti))
        reach = [cells[(ds[cells] <= t) & (dg[cells] <= max(ti - t, 0))].tolist() for t in range(T + 1)]
        for t in range(T + 1):
            for v in reach[t]:
                x[i, t, v] = m.NewBoolVar("")
            m.AddExactlyOne(x[i, t, v] for v in reach[t])
        for t in range(T):
            nxt = set(reach[t + 1])
            inflow: dict[int, list] = {v: [] for v in reach[t + 1]}
            for u in reach[t]:
                outs = []
                for v in (u, *grid.adjacency[u]):
                    if v in nxt:
                        y[i, t, u, v] = m.NewBoolVar("")
                        outs.append(y[i, t, u, v])
                        inflow[v].append(y[i, t, u, v])
                m.Add(sum(outs) == x[i, t, u])
            for v, ins in inflow.items():
                m.Add(sum(ins) == x[i, t + 1, v])
        g = grid.goals[i]
        for s in range(1, T + 1):
            d = m.NewBoolVar("")
            at = x.get((i, s - 1, g))
            m.Add(d >= 1 - at) if at is not None else m.Add(d == 1)
            if cost_terms and cost_terms[-1][0] == i:
                m.Add(cost_terms[-1][1] >= d)
            cost_terms.append((i, d))
    _conflicts(m, x, y)
    m.Minimize(sum(d for _, d in cost_terms))
    return m, x, cost_terms


def _conflicts(m: Any, x: dict, y: dict) -> None:
    by_vertex: dict[tuple[int, int], list] = {}
    for (i, t, v), var in x.items():
        by_vertex.setdefault((t, v), []).append(var)
    for vars_ in by_vertex.values():
        if len(vars_) > 1:
            m.AddAtMostOne(vars_)
    by_edge: dict[tuple[int, int, int], list] = {}
    for (i, t, u, v), var in y.items():
        if u != v:
            by_edge.setdefault((t, min(u, v), max(u, v)), []).append(var)
    for vars_ in by_edge.values():
        if len(vars_) > 1:
            m.AddAtMostOne(vars_)


@CPSATSolver.for_problem("warehouse_agv")
def solve_warehouse_cpsat(solver: CPSATSolver, instance: WarehouseInstance) -> list[list[list[int]]]:
    """Optimal sum of costs (``solver.last_stats["status"] == "OPTIMAL"`` proves it)."""
    if instance.lifelong:
        raise SolverError("cpsat plans one-shot instances (one goal per robot); this one is lifelong")
    grid = Grid(instance)
    if grid.lower_bound() < 0:
        raise SolverError("some robot cannot reach its goal")
    start = time.perf_counter()
    deadlines, hint = arrival_deadlines(instance, grid, solver.seed)
    T = max(max(deadlines), 1)
    model, x, _ = build_model(grid, deadlines, None if solver.time_limit is None else start + solver.time_limit)
    left = None if solver.time_limit is None else solver.time_limit - (time.perf_counter() - start)
    if left is not None and left <= 0:
        raise TimeoutError(f"building the time-expanded model (makespan {T}) took the whole {solver.time_limit} s")
    if hint is not None:  # warm start: the prioritized plan, which meets every deadline
        w = grid.width
        for (i, t, v), var in x.items():
            r, c = hint[i][min(t, len(hint[i]) - 1)]
            model.AddHint(var, int(r * w + c == v))
    saved, solver.time_limit = solver.time_limit, left  # the search gets what the model left of the limit
    try:
        found = solver.search(model)
    finally:
        solver.time_limit = saved
    cells_of = [[-1] * (T + 1) for _ in grid.starts]
    for (i, t, v), var in x.items():
        if found.Value(var):
            cells_of[i][t] = v
    plans = []
    for i, cells in enumerate(cells_of):
        while len(cells) > 1 and cells[-2] == grid.goals[i]:
            cells.pop()
        plans.append(grid.cells_to_path(cells))
    solver.last_stats["makespan_bound"] = T
    return plans
