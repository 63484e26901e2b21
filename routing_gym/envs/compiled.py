"""Compiled (numba) steps of the TSP and CVRP kernels.

One loop over the batch does what the numpy version did in a dozen calls:
check the mask, pay the edge, update the state and the row's mask. The kernels
import this module on their first step, so ``import routing_gym`` does not load
numba. Distances come from the kernel's matrix, or, for rows loaded from
coordinates only (:class:`~routing_gym.envs.distances.LazyDistances`), from the
coordinates with the same float64 operations as
:func:`~routing_gym.envs.distances.euclidean` (bitwise the same edge).

A masked action (or any action in a finished row) leaves that row unchanged,
marks it ``done`` and invalid; the caller writes its penalty.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def edge(dist: np.ndarray, xy: np.ndarray, from_xy: np.ndarray, row: int, i: int, j: int) -> float:
    """``dist[row, i, j]``, or the Euclidean distance of the row's coordinates ``i`` and ``j``."""
    if from_xy[row]:
        dx = xy[row, i, 0] - xy[row, j, 0]
        dy = xy[row, i, 1] - xy[row, j, 1]
        return np.sqrt(dx * dx + dy * dy)
    return dist[row, i, j]


@njit(cache=True)
def tsp_step(a, mask, done, first, cur, visited, t, tour, cost, dist, xy, from_xy, reward, terminated, valid) -> bool:  # noqa: ANN001
    """One TSP step for every row; returns whether every action was valid."""
    n = mask.shape[1]
    all_valid = True
    for i in range(a.shape[0]):
        ai = a[i]
        if done[i] or not mask[i, ai]:
            valid[i] = False
            terminated[i] = True
            done[i] = True
            all_valid = False
            continue
        r = -edge(dist, xy, from_xy, i, cur[i], ai)
        visited[i, ai] = True
        mask[i, ai] = False
        t[i] += 1
        tour[i, t[i]] = ai
        cur[i] = ai
        fin = t[i] == n - 1
        if fin:
            r -= edge(dist, xy, from_xy, i, ai, first[i])
            done[i] = True
        cost[i] -= r
        reward[i] = r
        valid[i] = True
        terminated[i] = fin
    return all_valid


@njit(cache=True, inline="always")
def _cvrp_mask_row(mask, visited, demand, remaining, cur, i) -> None:  # noqa: ANN001
    left = remaining[i]
    for j in range(1, mask.shape[1]):  # branch-free, so that it vectorises
        mask[i, j] = (visited[i, j] ^ True) & (demand[i, j] <= left)
    mask[i, 0] = cur[i] != 0


@njit(cache=True)
def cvrp_masks(rows, mask, visited, demand, remaining, cur) -> None:  # noqa: ANN001
    """CVRP masks of ``rows``: unserved customers whose demand fits, and the depot unless there."""
    for i in rows:
        _cvrp_mask_row(mask, visited, demand, remaining, cur, i)


@njit(cache=True)
def cvrp_step(a, mask, done, cur, remaining, capacity, demand, visited, served, t, hist, cost,  # noqa: ANN001
              dist, xy, from_xy, reward, terminated, valid) -> bool:
    """One CVRP step for every row; returns whether every action was valid."""
    customers = mask.shape[1] - 1
    all_valid = True
    for i in range(a.shape[0]):
        ai = a[i]
        if done[i] or not mask[i, ai]:
            valid[i] = False
            terminated[i] = True
            done[i] = True
            all_valid = False
            continue
        travel = edge(dist, xy, from_xy, i, cur[i], ai)
        if ai == 0:
            remaining[i] = capacity[i]
        else:
            remaining[i] -= demand[i, ai]
            visited[i, ai] = True
            served[i] += 1
        hist[i, t[i]] = ai
        t[i] += 1
        cur[i] = ai
        fin = ai == 0 and served[i] == customers
        cost[i] += travel
        reward[i] = -travel
        valid[i] = True
        terminated[i] = fin
        done[i] = fin
        _cvrp_mask_row(mask, visited, demand, remaining, cur, i)
    return all_valid
