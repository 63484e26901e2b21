"""CVRP constructions (numba; each returns a flat array ``r1 0 r2 0 ...``) and their hooks on the generic solvers.

``nn`` (nearest customer that still fits), ``savings`` (Clarke-Wright, parallel)
and ``sweep`` (polar angle around the depot, best start angle); with ``ls=true``
(the default) the routes are then improved by
:func:`~routing_gym.baselines.cvrp.local_search.cvrp_local_search`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numba import njit

from routing_gym.baselines.constructions import ConstructionSolver, NearestNeighbourSolver, SavingsSolver, SweepSolver
from routing_gym.baselines.cvrp.local_search import cvrp_local_search
from routing_gym.baselines.primitives import is_symmetric, unflatten_routes
from routing_gym.baselines.tsp.constructions import tsp_cheapest_insertion
from routing_gym.envs.cvrp.types import CVRPInstance


@njit(cache=True)
def _reverse_chain(first: np.ndarray, last: np.ndarray, nxt: np.ndarray, prv: np.ndarray, r: int) -> None:
    i = first[r]
    while i != 0:
        t = nxt[i]
        nxt[i] = prv[i]
        prv[i] = t
        i = t
    t = first[r]
    first[r] = last[r]
    last[r] = t


@njit(cache=True)
def cvrp_savings_merge(pairs_i: np.ndarray, pairs_j: np.ndarray, dem: np.ndarray, cap: int, symmetric: bool) -> np.ndarray:
    """Clarke-Wright parallel savings: merge routes over the pairs in the given (decreasing savings) order.

    A pair ``(i, j)`` joins the route ending at ``i`` to the route starting at ``j``
    when both are route ends and the loads fit; with symmetric costs a route may
    be reversed to bring ``i`` / ``j`` to the right end.
    """
    n = dem.shape[0] - 1
    rid = np.arange(n + 1)  # route of each customer, named by an initial member
    first = np.arange(n + 1)
    last = np.arange(n + 1)
    nxt = np.zeros(n + 1, dtype=np.int64)
    prv = np.zeros(n + 1, dtype=np.int64)
    load = dem.copy()
    for p in range(pairs_i.shape[0]):
        i = pairs_i[p]
        j = pairs_j[p]
        ri = rid[i]
        rj = rid[j]
        if ri == rj or load[ri] + load[rj] > cap:
            continue
        if last[ri] != i:
            if symmetric and first[ri] == i:
                _reverse_chain(first, last, nxt, prv, ri)
            else:
                continue
        if first[rj] != j:
            if symmetric and last[rj] == j:
                _reverse_chain(first, last, nxt, prv, rj)
            else:
                continue
        nxt[i] = j
        prv[j] = i
        last[ri] = last[rj]
        load[ri] += load[rj]
        x = j
        while x != 0:
            rid[x] = ri
            x = nxt[x]
    out = np.empty(2 * n, dtype=np.int64)
    m = 0
    for c in range(1, n + 1):
        if rid[c] == c and first[c] != 0:
            x = first[c]
            while x != 0:
                out[m] = x
                m += 1
                x = nxt[x]
            out[m] = 0
            m += 1
    return out[:m]


@njit(cache=True)
def cvrp_nearest_neighbour(dist: np.ndarray, dem: np.ndarray, cap: int) -> np.ndarray:
    """Routes that always go to the nearest unserved customer that still fits, else back to the depot."""
    n = dem.shape[0] - 1
    out = np.empty(2 * n, dtype=np.int64)
    seen = np.zeros(n + 1, dtype=np.bool_)
    m = 0
    served = 0
    cur = 0
    left = cap
    while served < n:
        best = -1
        bd = np.inf
        for j in range(1, n + 1):
            if not seen[j] and dem[j] <= left and dist[cur, j] < bd:
                bd = dist[cur, j]
                best = j
        if best < 0:  # nothing fits: close the route
            out[m] = 0
            m += 1
            cur = 0
            left = cap
            continue
        out[m] = best
        m += 1
        seen[best] = True
        served += 1
        left -= dem[best]
        cur = best
    out[m] = 0
    return out[: m + 1]


@njit(cache=True)
def cvrp_sweep(order: np.ndarray, dist: np.ndarray, dem: np.ndarray, cap: int) -> np.ndarray:
    """Sweep: cut the angle-sorted customers into capacity-feasible routes; the best of all start angles.

    :param order: customers sorted by polar angle around the depot.
    """
    n = order.shape[0]
    best = np.inf
    best_s = 0
    for s in range(n):
        cost = 0.0
        left = cap
        prev = 0
        for t in range(n):
            c = order[(s + t) % n]
            if dem[c] > left:
                cost += dist[prev, 0]
                prev = 0
                left = cap
            cost += dist[prev, c]
            left -= dem[c]
            prev = c
        cost += dist[prev, 0]
        if cost < best:
            best = cost
            best_s = s
    out = np.empty(2 * n + 1, dtype=np.int64)
    m = 0
    left = cap
    for t in range(n):
        c = order[(best_s + t) % n]
        if dem[c] > left:
            out[m] = 0
            m += 1
            left = cap
        out[m] = c
        m += 1
        left -= dem[c]
    out[m] = 0
    return out[: m + 1]


def savings_routes(instance: CVRPInstance, lam: float = 1.0) -> list[list[int]]:
    """Clarke-Wright savings routes for ``instance``.

    :param lam: route shape parameter of the savings ``d(i,0) + d(0,j) - lam * d(i,j)``.
    """
    d = instance.distances
    n = instance.num_customers
    sym = is_symmetric(d)
    s = d[1:, 0][:, None] + d[0, 1:][None, :] - lam * d[1:, 1:]
    if sym:
        ii, jj = np.triu_indices(n, 1)
    else:
        ii, jj = np.nonzero(~np.eye(n, dtype=bool))
    vals = s[ii, jj]
    keep = vals > 0
    ii, jj, vals = ii[keep], jj[keep], vals[keep]
    order = np.argsort(-vals, kind="stable")
    flat = cvrp_savings_merge((ii[order] + 1).astype(np.int64), (jj[order] + 1).astype(np.int64),
                              np.asarray(instance.demands, dtype=np.int64), instance.capacity, sym)
    return unflatten_routes(flat)


def sweep_routes(instance: CVRPInstance) -> list[list[int]]:
    """Sweep routes, angles taken around the depot in ``instance.positions`` (an MDS embedding without coords)."""
    p = np.asarray(instance.positions, dtype=np.float64)
    ang = np.arctan2(p[1:, 1] - p[0, 1], p[1:, 0] - p[0, 0])
    order = (np.argsort(ang, kind="stable") + 1).astype(np.int64)
    d = instance.distances
    flat = cvrp_sweep(order, d, np.asarray(instance.demands, dtype=np.int64), instance.capacity)
    routes = []
    for route in unflatten_routes(flat):
        # classic sweep routes each cluster as a small TSP (here: cheapest insertion from the depot)
        nodes = np.array([0] + route, dtype=np.int64)
        sub = np.ascontiguousarray(d[np.ix_(nodes, nodes)])
        tour = tsp_cheapest_insertion(sub, 0) if len(nodes) > 3 else np.arange(len(nodes))
        routes.append(nodes[tour[1:]].tolist())
    return routes


def nearest_neighbour_routes(instance: CVRPInstance) -> list[list[int]]:
    """Routes that always go to the nearest unserved customer that still fits."""
    flat = cvrp_nearest_neighbour(instance.distances, np.asarray(instance.demands, dtype=np.int64), instance.capacity)
    return unflatten_routes(flat)


#: the CVRP constructions by solver name (also the ``init`` choices of ``ils`` on CVRP; the first is its default)
CVRP_CONSTRUCTIONS: dict[str, Callable[[CVRPInstance], list[list[int]]]] = {
    "savings": savings_routes, "nn": nearest_neighbour_routes, "sweep": sweep_routes,
}


def _improve(solver: ConstructionSolver, instance: CVRPInstance, routes: list[list[int]]) -> list[list[int]]:
    return cvrp_local_search(instance, routes, solver.neighbours or 20) if solver.ls else routes


@NearestNeighbourSolver.for_problem("cvrp")
def nearest_neighbour_cvrp(solver: Any, instance: CVRPInstance) -> list[list[int]]:
    """``nn`` on CVRP: nearest customer that still fits, else back to the depot."""
    return _improve(solver, instance, nearest_neighbour_routes(instance))


@SavingsSolver.for_problem("cvrp")
def savings_cvrp(solver: Any, instance: CVRPInstance) -> list[list[int]]:
    """``savings`` on CVRP."""
    return _improve(solver, instance, savings_routes(instance, solver.lam))


@SweepSolver.for_problem("cvrp")
def sweep_cvrp(solver: Any, instance: CVRPInstance) -> list[list[int]]:
    """``sweep`` on CVRP."""
    return _improve(solver, instance, sweep_routes(instance))
