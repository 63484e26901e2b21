"""Space-time A* for one robot among constraints: the low level of prioritized planning and of CBS.

Cells are flat indices ``row * W + col``. A robot's plan is a list of cells, one per time step,
ending when it rests at its goal for good. Constraints forbid a cell at a time (vertex), a move
``u -> v`` arriving at a time (edge), or a cell from a time on (a robot resting there).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field

import numpy as np

from routing_gym.envs.warehouse_agv.grid import bfs_distances, neighbours
from routing_gym.envs.warehouse_agv.types import WarehouseInstance


@dataclass
class Constraints:
    """What one robot may not do.

    :param vertex: ``(cell, t)`` pairs it may not occupy.
    :param edge: ``(u, v, t)``: it may not move from ``u`` to ``v`` arriving at ``t``.
    :param forever: ``cell -> t0``: the cell is taken from ``t0`` on (a robot resting at its goal).
    """

    vertex: set[tuple[int, int]] = field(default_factory=set)
    edge: set[tuple[int, int, int]] = field(default_factory=set)
    forever: dict[int, int] = field(default_factory=dict)

    def last_time(self) -> int:
        """The latest time any constraint names (after it, states differ only by cell)."""
        times = [t for _, t in self.vertex] + [t for *_, t in self.edge] + list(self.forever.values())
        return max(times, default=0)

    def blocked(self, cell: int, t: int) -> bool:
        t0 = self.forever.get(cell)
        return (cell, t) in self.vertex or (t0 is not None and t >= t0)

    def goal_free_from(self, goal: int) -> int:
        """The first time from which the robot may rest at ``goal`` for good (``-1``: never)."""
        if goal in self.forever:
            return -1
        return max((t for c, t in self.vertex if c == goal), default=-1) + 1


class Grid:
    """An instance's map as adjacency lists, with BFS distances to each robot's goal."""

    def __init__(self, instance: WarehouseInstance) -> None:
        self.width = instance.grid.shape[1]
        self.adjacency = neighbours(instance.grid)
        self.starts = [int(r * self.width + c) for r, c in instance.starts]
        self.goals = [int(r * self.width + c) for r, c in instance.goals]
        self.to_goal = [bfs_distances(self.adjacency, g) for g in self.goals]
        self.horizon = instance.horizon

    def cells_to_path(self, cells: list[int]) -> list[list[int]]:
        return [[c // self.width, c % self.width] for c in cells]

    def lower_bound(self) -> int:
        """The sum of the robots' shortest-path lengths (-1 if some goal is unreachable)."""
        d = [int(self.to_goal[i][s]) for i, s in enumerate(self.starts)]
        return -1 if min(d) < 0 else int(sum(d))


def space_time_astar(grid: Grid, robot: int, cons: Constraints, deadline: float | None = None,
                     max_time: int | None = None) -> list[int] | None:
    """A shortest plan (fewest steps to a final rest at the goal) of ``robot`` under ``cons``, or ``None``.

    States are ``(cell, t)``; beyond the last constrained time they are merged by cell, so the
    search is finite. Ties prefer larger ``t`` (deeper nodes), the usual choice for A*.
    """
    start, goal, h = grid.starts[robot], grid.goals[robot], grid.to_goal[robot]
    if h[start] < 0:
        return None
    limit = grid.horizon if max_time is None else max_time
    free_from = cons.goal_free_from(goal)
    if free_from < 0:
        return None
    cap = cons.last_time() + 1
    adj = grid.adjacency
    parent: dict[tuple[int, int], tuple[int, int] | None] = {(start, 0): None}
    heap = [(int(h[start]), 0, start)]
    closed: set[tuple[int, int]] = set()
    pops = 0
    while heap:
        _, negt, cell = heapq.heappop(heap)
        t = -negt
        key = (cell, min(t, cap))
        if key in closed:
            continue
        closed.add(key)
        pops += 1
        if deadline is not None and pops % 256 == 0 and time.perf_counter() > deadline:
            raise TimeoutError("space-time A* ran out of time")
        if cell == goal and t >= free_from:
            return _unwind(parent, (cell, t))
        if t >= limit:
            continue
        nt = t + 1
        for nxt in (cell, *adj[cell]):
            if cons.blocked(nxt, nt) or (cell, nxt, nt) in cons.edge:
                continue
            if (nxt, min(nt, cap)) in closed or h[nxt] < 0:
                continue
            state = (nxt, nt)
            if state not in parent:
                parent[state] = (cell, t)
                heapq.heappush(heap, (nt + int(h[nxt]), -nt, nxt))
    return None


def _unwind(parent: dict, state: tuple[int, int]) -> list[int]:
    cells = []
    s: tuple[int, int] | None = state
    while s is not None:
        cells.append(s[0])
        s = parent[s]
    return cells[::-1]


def path_array(paths: list[list[int]]) -> np.ndarray:
    """``(T + 1, R)`` cells, each robot resting at its last cell until the longest plan ends."""
    length = max(len(p) for p in paths)
    return np.array([p + [p[-1]] * (length - len(p)) for p in paths]).T
