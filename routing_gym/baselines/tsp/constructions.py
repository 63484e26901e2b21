"""TSP constructions (numba; each returns an int64 tour) and their hooks on the generic solvers.

``nn`` (nearest neighbour), ``farthest`` (farthest insertion) and ``cheapest``
(cheapest insertion) build a tour from the ``start`` node; with ``ls=true`` (the
default) the tour is then improved by :func:`~routing_gym.baselines.tsp.local_search.tsp_local_search`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numba import njit

from routing_gym.baselines.constructions import (
    CheapestInsertionSolver,
    FarthestInsertionSolver,
    NearestNeighbourSolver,
    StartConstructionSolver,
)
from routing_gym.baselines.tsp.local_search import tsp_local_search
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import SolverError


@njit(cache=True)
def tsp_nearest_neighbour(dist: np.ndarray, start: int) -> np.ndarray:
    """Tour that always moves to the nearest unvisited node, from ``start``."""
    n = dist.shape[0]
    tour = np.empty(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.bool_)
    cur = start
    tour[0] = cur
    seen[cur] = True
    for i in range(1, n):
        best = -1
        bd = np.inf
        for j in range(n):
            if not seen[j] and dist[cur, j] < bd:
                bd = dist[cur, j]
                best = j
        tour[i] = best
        seen[best] = True
        cur = best
    return tour


@njit(cache=True)
def _cheapest_position(dist: np.ndarray, succ: np.ndarray, first: int, k: int) -> tuple[int, float]:
    """Edge ``(i, succ[i])`` of the current cycle where inserting ``k`` costs least."""
    i = first
    best_i = first
    best = np.inf
    while True:
        j = succ[i]
        c = dist[i, k] + dist[k, j] - dist[i, j]
        if c < best:
            best = c
            best_i = i
        i = j
        if i == first:
            break
    return best_i, best


@njit(cache=True)
def _cycle_to_tour(succ: np.ndarray, start: int) -> np.ndarray:
    n = succ.shape[0]
    tour = np.empty(n, dtype=np.int64)
    i = start
    for t in range(n):
        tour[t] = i
        i = succ[i]
    return tour


@njit(cache=True)
def tsp_farthest_insertion(dist: np.ndarray, start: int) -> np.ndarray:
    """Farthest insertion: add the node farthest from the tour at its cheapest position."""
    n = dist.shape[0]
    succ = np.full(n, -1, dtype=np.int64)
    mind = np.empty(n, dtype=np.float64)  # distance from each node to the tour
    for k in range(n):
        mind[k] = min(dist[start, k], dist[k, start])
    succ[start] = start
    mind[start] = -1.0
    for _ in range(n - 1):
        k = int(np.argmax(mind))
        i, _c = _cheapest_position(dist, succ, start, k)
        succ[k] = succ[i]
        succ[i] = k
        mind[k] = -1.0
        for j in range(n):
            if mind[j] >= 0.0:
                mind[j] = min(mind[j], dist[k, j], dist[j, k])
    return _cycle_to_tour(succ, start)


@njit(cache=True)
def tsp_cheapest_insertion(dist: np.ndarray, start: int) -> np.ndarray:
    """Cheapest insertion: add the node whose best insertion costs least, O(n^2) amortised.

    Each outside node keeps its best edge; inserting ``k`` into ``(i, j)`` only
    creates ``(i, k)`` and ``(k, j)``, so a node re-scans the whole tour only when
    its best edge was the one destroyed.
    """
    n = dist.shape[0]
    succ = np.full(n, -1, dtype=np.int64)
    inside = np.zeros(n, dtype=np.bool_)
    succ[start] = start
    inside[start] = True
    best_c = np.full(n, np.inf)
    best_i = np.full(n, start, dtype=np.int64)
    for k in range(n):
        if k != start:
            best_c[k] = dist[start, k] + dist[k, start]  # the one-node cycle's self-edge has cost 0
    for _ in range(n - 1):
        k = -1
        bc = np.inf
        for j in range(n):
            if not inside[j] and best_c[j] < bc:
                bc = best_c[j]
                k = j
        i = best_i[k]
        j = succ[i]
        succ[k] = j
        succ[i] = k
        inside[k] = True
        for m in range(n):
            if inside[m]:
                continue
            if best_i[m] == i:
                best_i[m], best_c[m] = _cheapest_position(dist, succ, start, m)
            else:
                c1 = dist[i, m] + dist[m, k] - dist[i, k]
                if c1 < best_c[m]:
                    best_c[m] = c1
                    best_i[m] = i
                c2 = dist[k, m] + dist[m, j] - dist[k, j]
                if c2 < best_c[m]:
                    best_c[m] = c2
                    best_i[m] = k
    return _cycle_to_tour(succ, start)


#: the TSP constructions by solver name (also the ``init`` choices of ``ils`` on TSP; the first is its default)
TSP_CONSTRUCTIONS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "nn": tsp_nearest_neighbour, "farthest": tsp_farthest_insertion, "cheapest": tsp_cheapest_insertion,
}


def tsp_small(instance: TSPInstance) -> list[int] | None:
    """Tours of 1 to 3 nodes: enumerate (a 3-node tour has two orientations); ``None`` for larger instances."""
    n = instance.num_nodes
    if n > 3:
        return None
    if n < 3:
        return list(range(n))
    d = instance.distances
    return [0, 1, 2] if d[0, 1] + d[1, 2] + d[2, 0] <= d[0, 2] + d[2, 1] + d[1, 0] else [0, 2, 1]


def _construct(solver: StartConstructionSolver, instance: TSPInstance, name: str) -> list[int]:
    small = tsp_small(instance)
    if small is not None:
        return small
    if not 0 <= solver.start < instance.num_nodes:
        raise SolverError(f"{solver.name}: start node {solver.start} outside 0..{instance.num_nodes - 1}")
    tour = TSP_CONSTRUCTIONS[name](instance.distances, solver.start)
    if not solver.ls:
        return tour
    return tsp_local_search(instance, tour, solver.neighbours or 20)


@NearestNeighbourSolver.for_problem("tsp")
def nearest_neighbour_tsp(solver: Any, instance: TSPInstance) -> list[int]:
    """``nn`` on TSP: nearest neighbour from ``start``."""
    return _construct(solver, instance, "nn")


@FarthestInsertionSolver.for_problem("tsp")
def farthest_insertion_tsp(solver: Any, instance: TSPInstance) -> list[int]:
    """``farthest`` on TSP."""
    return _construct(solver, instance, "farthest")


@CheapestInsertionSolver.for_problem("tsp")
def cheapest_insertion_tsp(solver: Any, instance: TSPInstance) -> list[int]:
    """``cheapest`` on TSP."""
    return _construct(solver, instance, "cheapest")
