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


def move_targets(grid: np.ndarray) -> np.ndarray:
    """``(H * W, 5)`` int: the flat cell each of wait / N / E / S / W leads to (the cell itself when masked)."""
    h, w = grid.shape
    cells = np.arange(h * w)
    table = move_table(grid) & ~grid.reshape(-1, 1)  # an obstacle cell leads nowhere (stays unreachable)
    target = cells[:, None] + MOVES[None, :, 0] * w + MOVES[None, :, 1]
    return np.where(table, target, cells[:, None])


def distance_fields(targets: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """BFS distances to each source cell over the free cells, for many (map, source) pairs at once.

    :param targets: ``(n, H * W, 5)`` :func:`move_targets` of each pair's map.
    :param sources: ``(n,)`` flat source cells.
    :returns: ``(n, H * W)`` int32 steps from every cell to the source; ``H * W`` where unreachable.

    Every round relaxes all cells through their four moves (numpy over the pairs and cells); it
    stops when nothing changes, after at most the largest finite distance + 1 rounds.
    """
    n, hw = targets.shape[:2]
    far = np.int32(hw)
    dist = np.full((n, hw), far, dtype=np.int32)
    dist[np.arange(n), sources] = 0
    nbr = targets[:, :, 1:]
    rows = np.arange(n)[:, None, None]
    while True:
        via = dist[rows, nbr].min(axis=2) + 1
        new = np.minimum(dist, via)
        if np.array_equal(new, dist):
            return dist
        dist = new
