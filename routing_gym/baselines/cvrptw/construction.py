"""Solomon's I1 insertion heuristic for CVRPTW (numba).

Routes are built one at a time (Solomon 1987, "Algorithms for the vehicle
routing and scheduling problems with time window constraints", heuristic I1).
A route starts from a seed customer (the unrouted one farthest from the depot,
or the one with the earliest deadline); then, while some unrouted customer fits,
each candidate ``u`` gets its best feasible position by

    c1(i, u, j) = alpha * (d(i,u) + d(u,j) - mu * d(i,j)) + (1 - alpha) * (b_j' - b_j)

(added distance, and the push forward of the service start at ``j``), and the
customer that maximises ``c2 = lam * d(0,u) - c1`` is inserted. Feasibility of an
insertion is O(1) by the earliest / latest service starts of
:mod:`~routing_gym.baselines.cvrptw.timing`.

:func:`insertion_routes` runs I1 with Solomon's parameter settings and both
seed rules and returns the shortest result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from routing_gym.baselines.cvrptw.timing import TWData, depot_leave, joins, schedule, sequence_on_time, tw_data, visit
from routing_gym.baselines.primitives import unflatten_routes
from routing_gym.errors import SolverError

#: (mu, lam, alpha) settings tried by :func:`insertion_routes` (Solomon's, with alpha = alpha1)
I1_SETTINGS = ((1.0, 1.0, 1.0), (1.0, 2.0, 1.0), (1.0, 1.0, 0.5), (1.0, 2.0, 0.5), (1.0, 1.0, 0.0), (1.0, 2.0, 0.0))
#: seed rules: 0 = farthest from the depot, 1 = earliest deadline
SEED_RULES = (0, 1)


@njit(cache=True)
def _i1_seed(P: TWData, routed: np.ndarray, rule: int) -> int:
    """The unrouted customer that opens the next route (-1: none left)."""
    best = -1
    key = 0.0
    for u in range(1, routed.shape[0]):
        if routed[u]:
            continue
        k = -P.dist[0, u] if rule == 0 else P.due[u]
        if best < 0 or k < key:
            best = u
            key = k
    return best


@njit(cache=True)
def _i1_best_position(P: TWData, u: int, route: np.ndarray, m: int, early: np.ndarray, late: np.ndarray,
                      mu: float, alpha: float) -> tuple[int, float]:
    """Cheapest feasible position of ``u`` in ``route[:m]`` by I1's ``c1`` (position -1: none)."""
    best_k = -1
    best_c1 = np.inf
    prev = 0
    t_prev = depot_leave(P)
    for k in range(m + 1):
        nxt = route[k] if k < m else 0
        late_n = late[k] if k < m else P.due[0]
        t_u = visit(P, prev, t_prev, u)
        if joins(P, u, t_u, nxt, late_n):
            if k < m:
                push = max(t_u + P.dist[u, nxt], P.ready[nxt]) - early[k]
            else:
                push = t_u + P.dist[u, 0] - t_prev - P.dist[prev, 0]
            c1 = alpha * (P.dist[prev, u] + P.dist[u, nxt] - mu * P.dist[prev, nxt]) + (1.0 - alpha) * push
            if c1 < best_c1:
                best_c1 = c1
                best_k = k
        if k < m:
            prev = nxt
            t_prev = early[k] + P.service[nxt]
    return best_k, best_c1


@njit(cache=True)
def _i1_fill(P: TWData, routed: np.ndarray, route: np.ndarray, m: int, load: int, mu: float, lam: float,
             alpha: float) -> int:
    """Insert unrouted customers into ``route[:m]`` until none fits; returns the final length."""
    early = np.empty(route.shape[0])
    late = np.empty(route.shape[0])
    schedule(route, m, P, early, late)
    while True:
        best_u = -1
        best_k = -1
        best_c2 = -np.inf
        for u in range(1, routed.shape[0]):
            if routed[u] or load + P.dem[u] > P.cap:
                continue
            k, c1 = _i1_best_position(P, u, route, m, early, late, mu, alpha)
            if k >= 0 and lam * P.dist[0, u] - c1 > best_c2:
                best_c2 = lam * P.dist[0, u] - c1
                best_u = u
                best_k = k
        if best_u < 0:
            return m
        for i in range(m, best_k, -1):
            route[i] = route[i - 1]
        route[best_k] = best_u
        m += 1
        load += P.dem[best_u]
        routed[best_u] = True
        schedule(route, m, P, early, late)


@njit(cache=True)
def i1_flat(P: TWData, mu: float, lam: float, alpha: float, seed_rule: int) -> np.ndarray:
    """Solomon's I1 with the given parameters: routes flattened as ``r1 0 r2 0 ...``.

    A customer that cannot be served on time even alone gets a route of its own
    (the caller's evaluation then reports the instance infeasible).
    """
    n = P.dem.shape[0] - 1
    routed = np.zeros(n + 1, dtype=np.bool_)
    routed[0] = True
    route = np.empty(n, dtype=np.int64)
    out = np.empty(2 * n + 1, dtype=np.int64)
    w = 0
    while True:
        seed = _i1_seed(P, routed, seed_rule)
        if seed < 0:
            break
        routed[seed] = True
        route[0] = seed
        m = _i1_fill(P, routed, route, 1, P.dem[seed], mu, lam, alpha)
        for k in range(m):
            out[w] = route[k]
            w += 1
        out[w] = 0
        w += 1
    return out[:w]


def _routes_cost(dist: np.ndarray, routes: list[list[int]]) -> float:
    return float(sum(dist[0, r[0]] + dist[r[:-1], r[1:]].sum() + dist[r[-1], 0] for r in map(np.asarray, routes)))


def insertion_routes(instance: Any, settings: tuple = I1_SETTINGS, seed_rules: tuple = SEED_RULES) -> list[list[int]]:
    """Solomon I1 routes for a ``CVRPTWInstance``: the shortest over ``settings`` x ``seed_rules``.

    :param settings: ``(mu, lam, alpha)`` triples (see the module docstring).
    :param seed_rules: 0 = seed each route with the customer farthest from the depot, 1 = earliest deadline.
    :raises SolverError: when a customer cannot be served on time even by a route of its own.
    """
    P = tw_data(instance)
    best: list[list[int]] | None = None
    best_cost = np.inf
    for mu, lam, alpha in settings:
        for rule in seed_rules:
            routes = unflatten_routes(i1_flat(P, float(mu), float(lam), float(alpha), int(rule)))
            c = _routes_cost(P.dist, routes)
            if c < best_cost:
                best, best_cost = routes, c
    if best is None:
        raise SolverError("insertion_routes: no I1 setting given")
    _check_alone(P, best)
    return best


def _check_alone(P: TWData, routes: list[list[int]]) -> None:
    """Raise when a route is late: I1 only builds one when a customer is late even alone, so no solution exists."""
    for r in routes:
        if not sequence_on_time(np.asarray(r, dtype=np.int64), len(r), P):
            raise SolverError(f"CVRPTW: customer {r[0]} cannot be served on time even alone; "
                              "the instance is infeasible")
