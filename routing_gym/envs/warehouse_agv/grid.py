"""Grid helpers shared by the generator, the kernel and the solvers: neighbours, BFS distances, components."""

from __future__ import annotations

from collections import deque

import numpy as np

from routing_gym.envs.warehouse_agv.types import MOVES


def move_table(grid: np.ndarray) -> np.ndarray:
    """``(H * W, 5)`` bool: which of wait / N / E / S / W stays on a free cell, from each cell (wait always)."""
    h, w = grid.shape
    rr, cc = np.divmod(np.arange(h * w), w)
    tr = rr[:, None] + MOVES[None, :, 0]
    tc = cc[:, None] + MOVES[None, :, 1]
    inside = (tr >= 0) & (tr < h) & (tc >= 0) & (tc < w)
    free = np.zeros_like(inside)
    free[inside] = ~grid[tr[inside], tc[inside]]
    free[:, 0] = True
    return free


def neighbours(grid: np.ndarray) -> list[list[int]]:
    """Flat cell index -> the flat indices of its free 4-neighbours (an adjacency list; obstacles get none)."""
    h, w = grid.shape
    table = move_table(grid)
    out: list[list[int]] = []
    for v in range(h * w):
        if grid.flat[v]:
            out.append([])
            continue
        r, c = divmod(v, w)
        out.append([(r + int(MOVES[d, 0])) * w + c + int(MOVES[d, 1]) for d in range(1, 5) if table[v, d]])
    return out


def bfs_distances(adjacency: list[list[int]], source: int) -> np.ndarray:
    """Shortest-path steps from ``source`` to every cell (``-1`` where unreachable)."""
    dist = np.full(len(adjacency), -1, dtype=np.int64)
    dist[source] = 0
    queue = deque([source])
    while queue:
        v = queue.popleft()
        d = dist[v] + 1
        for u in adjacency[v]:
            if dist[u] < 0:
                dist[u] = d
                queue.append(u)
    return dist


def largest_component(grid: np.ndarray) -> np.ndarray:
    """Flat indices of the largest 4-connected component of free cells (ascending)."""
    adjacency = neighbours(grid)
    seen = np.zeros(grid.size, dtype=bool)
    best = np.zeros(0, dtype=np.int64)
    for v in np.flatnonzero(~grid.ravel()):
        if seen[v]:
            continue
        comp = np.flatnonzero(bfs_distances(adjacency, int(v)) >= 0)
        seen[comp] = True
        if comp.size > best.size:
            best = comp
    return best
