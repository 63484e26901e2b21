"""Pair insertion for pickup and delivery with capacity and time windows (numba), and regret insertion.

Routes are rows (the suite's layout, :mod:`routing_gym.baselines.primitives`):
route ``r`` is ``routes[r, :lens[r]]`` (nodes 1..n, the depot at both ends), the
first ``nr[0]`` rows in use. Per route the arrays ``start`` (service start
times), ``latest`` (the latest arrival at each node that keeps the rest of the
route on time, the backward pass of Savelsbergh 1992), ``load`` (load after each
node) and ``rlen`` (length) are kept by :func:`refresh`.

:func:`best_insertion` tries every pickup position ``i`` and, walking forward
from it with the pickup inserted, every delivery position after it: ``O(L^2)``
per pair and route, each position checked in ``O(1)`` against ``latest`` and
the load. The time rules are the CVRPTW ones (service starts at ``max(arrival,
ready)``; due times and the depot's closing time with a tolerance ``eps``).

:func:`regret_insert` inserts pairs by regret-``k`` (Ropke and Pisinger 2006):
the pair whose best route beats its next ``k - 1`` best by the most goes first
(``k = 1``: cheapest insertion). An empty route is always an option, so every
pair (servable alone, as the instance checks) can be inserted.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing_gym.baselines.primitives import rand_float


@njit(cache=True)
def _node(routes: np.ndarray, lens: np.ndarray, r: int, k: int) -> int:
    if k < 0 or k >= lens[r]:
        return 0
    return routes[r, k]


@njit(cache=True)
def refresh(r: int, routes: np.ndarray, lens: np.ndarray, start: np.ndarray, latest: np.ndarray, load: np.ndarray,
            rlen: np.ndarray, dist: np.ndarray, ready: np.ndarray, due: np.ndarray, service: np.ndarray,
            demand: np.ndarray) -> None:
    """Recompute route ``r``'s start times, latest arrivals, loads and length."""
    t = ready[0]
    prev = 0
    acc = 0.0
    carried = 0
    for k in range(lens[r]):
        c = routes[r, k]
        acc += dist[prev, c]
        s = max(t + dist[prev, c], ready[c])
        start[r, k] = s
        t = s + service[c]
        carried += demand[c]
        load[r, k] = carried
        prev = c
    rlen[r] = acc + dist[prev, 0]
    nxt_latest = due[0]
    nxt = 0
    for k in range(lens[r] - 1, -1, -1):
        c = routes[r, k]
        latest[r, k] = min(due[c], nxt_latest - dist[c, nxt] - service[c])
        nxt_latest = latest[r, k]
        nxt = c


@njit(cache=True)
def best_insertion(r: int, p: int, dl: int, routes: np.ndarray, lens: np.ndarray, start: np.ndarray,
                   latest: np.ndarray, load: np.ndarray, dist: np.ndarray, ready: np.ndarray, due: np.ndarray,
                   service: np.ndarray, demand: np.ndarray, cap: int, eps: float, blink: float,
                   rng: np.ndarray) -> tuple[float, int, int]:
    """Cheapest feasible insertion of pair ``(p, dl)`` into route ``r``: ``(added length, i, j)``.

    The pickup goes before original index ``i`` and the delivery before original
    index ``j >= i`` (``j == i``: right after the pickup); ``(inf, -1, -1)`` when none
    fits. A position is skipped with probability ``blink``.
    """
    n_r = lens[r]
    q = demand[p]
    best, bi, bj = np.inf, -1, -1
    for i in range(n_r + 1):
        prev = _node(routes, lens, r, i - 1)
        dep_prev = ready[0] if i == 0 else start[r, i - 1] + service[prev]
        load_prev = 0 if i == 0 else load[r, i - 1]
        if load_prev + q > cap:
            continue
        arr_p = dep_prev + dist[prev, p]
        if arr_p > due[p] + eps:
            continue
        dep_p = max(arr_p, ready[p]) + service[p]
        nxt = _node(routes, lens, r, i)
        lim = due[0] if i == n_r else latest[r, i]
        arr_d = dep_p + dist[p, dl]
        if arr_d <= due[dl] + eps and max(arr_d, ready[dl]) + service[dl] + dist[dl, nxt] <= lim + eps:
            delta = dist[prev, p] + dist[p, dl] + dist[dl, nxt] - dist[prev, nxt]
            if delta < best and not (blink > 0.0 and rand_float(rng) < blink):
                best, bi, bj = delta, i, i
        base = dist[prev, p] + dist[p, nxt] - dist[prev, nxt]
        t, cur = dep_p, p
        for k in range(i, n_r):
            c = routes[r, k]
            arr = t + dist[cur, c]
            if arr > latest[r, k] + eps or load[r, k] + q > cap:
                break  # the shifted rest of the route is late, or the pair's load overflows here: no later j works
            t, cur = max(arr, ready[c]) + service[c], c
            nxt = _node(routes, lens, r, k + 1)
            lim = due[0] if k + 1 == n_r else latest[r, k + 1]
            arr_d = t + dist[c, dl]
            if arr_d > due[dl] + eps or max(arr_d, ready[dl]) + service[dl] + dist[dl, nxt] > lim + eps:
                continue
            delta = base + dist[c, dl] + dist[dl, nxt] - dist[c, nxt]
            if delta < best and not (blink > 0.0 and rand_float(rng) < blink):
                best, bi, bj = delta, i, k + 1
    return best, bi, bj


@njit(cache=True)
def insert_pair(r: int, p: int, dl: int, i: int, j: int, routes: np.ndarray, lens: np.ndarray) -> None:
    """Route ``r`` becomes ``orig[:i] + [p] + orig[i:j] + [dl] + orig[j:]``."""
    n_r = lens[r]
    for k in range(n_r - 1, j - 1, -1):
        routes[r, k + 2] = routes[r, k]
    for k in range(j - 1, i - 1, -1):
        routes[r, k + 1] = routes[r, k]
    routes[r, i] = p
    routes[r, j + 1] = dl
    lens[r] = n_r + 2


@njit(cache=True)
def _regret(costs: np.ndarray, u: int, nroutes: int, k: int) -> tuple[float, float]:
    """``(regret, best cost)`` of pair ``u`` over the first ``nroutes`` route columns (routes without a fit: inf)."""
    best = np.inf
    for r in range(nroutes):
        best = min(best, costs[u, r])
    if k <= 1:
        return -best, best
    vals = np.sort(costs[u, :nroutes])
    reg = 0.0
    for h in range(1, k):
        nxt = vals[h] if h < nroutes else np.inf
        reg += (nxt - best) if np.isfinite(nxt) else 1e9  # few options left: insert early
    return reg, best


@njit(cache=True)
def regret_insert(pending: np.ndarray, m: int, k: int, pairs: np.ndarray, routes: np.ndarray, lens: np.ndarray,
                  nr: np.ndarray, start: np.ndarray, latest: np.ndarray, load: np.ndarray, rlen: np.ndarray,
                  dist: np.ndarray, ready: np.ndarray, due: np.ndarray, service: np.ndarray, demand: np.ndarray,
                  cap: int, eps: float, blink: float, rng: np.ndarray) -> bool:
    """Insert the pairs ``pending[:m]`` (pair indices) by regret-``k``; ``False`` if one fits nowhere."""
    rmax = routes.shape[0]
    costs = np.full((pairs.shape[0], rmax), np.inf)
    pos_i = np.zeros((pairs.shape[0], rmax), dtype=np.int64)
    pos_j = np.zeros((pairs.shape[0], rmax), dtype=np.int64)
    lens[nr[0]] = 0  # the empty route on offer
    left = m
    todo = pending[:m].copy()
    for t in range(left):
        u = todo[t]
        for r in range(nr[0] + 1):
            costs[u, r], pos_i[u, r], pos_j[u, r] = best_insertion(
                r, pairs[u, 0], pairs[u, 1], routes, lens, start, latest, load, dist, ready, due, service, demand,
                cap, eps, blink, rng)
    while left > 0:
        best_t, best_reg, best_cost = -1, -np.inf, np.inf
        for t in range(left):
            reg, c = _regret(costs, todo[t], nr[0] + 1, k)
            if np.isfinite(c) and (reg > best_reg or (reg == best_reg and c < best_cost)):
                best_t, best_reg, best_cost = t, reg, c
        if best_t < 0:
            return False
        u = todo[best_t]
        r = int(np.argmin(costs[u, : nr[0] + 1]))
        insert_pair(r, pairs[u, 0], pairs[u, 1], pos_i[u, r], pos_j[u, r], routes, lens)
        refresh(r, routes, lens, start, latest, load, rlen, dist, ready, due, service, demand)
        todo[best_t] = todo[left - 1]
        left -= 1
        opened = r == nr[0]
        if opened and nr[0] + 1 < rmax:
            nr[0] += 1
            lens[nr[0]] = 0
        for t in range(left):
            w = todo[t]
            for rr in range(r, nr[0] + 1 if opened else r + 1):  # the changed route (and the new empty one)
                costs[w, rr], pos_i[w, rr], pos_j[w, rr] = best_insertion(
                    rr, pairs[w, 0], pairs[w, 1], routes, lens, start, latest, load, dist, ready, due, service,
                    demand, cap, eps, blink, rng)
    return True
