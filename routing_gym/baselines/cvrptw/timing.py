"""Time-window arithmetic shared by the CVRPTW constructions and local search (numba).

A route is a sequence of customers between two visits of the depot. It leaves
the depot at ``ready[0]`` (plus ``service[0]``, which the instance fixes at 0); service at customer ``j`` starts at
``max(arrival, ready[j])`` and must start by ``due[j]``; the vehicle must be
back at the depot by ``due[0]``. Travel time equals travel cost.

Two numbers per position make every concatenation check O(1) (Savelsbergh's
forward / backward time bookkeeping):

``early[k]``
    the earliest service start at position ``k`` (forward from the depot);
``late[k]``
    the latest service start at position ``k`` that keeps the rest of the
    route (and the return to the depot) on time (backward from the depot).

A prefix ending at position ``i`` followed by a suffix starting at position ``k``
(of the same or another route) is feasible iff the vehicle, leaving ``i`` at
``early[i] + service[i]``, arrives at ``k`` by ``late[k]``: waiting is free and
``late[k] >= ready`` on a feasible suffix. A short segment in between is
propagated node by node.

Checks allow :data:`TIME_TOL`, tighter than the judge's ``1e-9``, so that a
route accepted here is feasible under ``evaluate_cvrptw`` whatever the order of
floating-point additions.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from routing_gym.errors import SolverError

#: slack allowed on a time window here (the judge allows 1e-9)
TIME_TOL = 1e-10
#: scaled values this close (relative) to an integer are taken as that integer before rounding up or down
SNAP_REL = 1e-12
#: largest scaled time accepted by :func:`scaled_times` (solvers add times in int64)
MAX_SCALED_TIME = 2**50


class TWData(NamedTuple):
    """The instance as the kernels read it (node 0 is the depot).

    :param dist: ``(n+1, n+1)`` float64 travel costs = travel times.
    :param dem: ``(n+1,)`` int64 demands.
    :param cap: vehicle capacity.
    :param ready: earliest service starts (``ready[0]``: the depot opens).
    :param due: latest service starts (``due[0]``: latest return to the depot).
    :param service: service durations.
    :param tol: slack allowed on every time window.
    """

    dist: np.ndarray
    dem: np.ndarray
    cap: int
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    tol: float


def tw_data(instance: Any) -> TWData:
    """Contiguous typed copies of a ``CVRPTWInstance``'s arrays."""
    f = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    return TWData(f(instance.distances), np.ascontiguousarray(instance.demands, dtype=np.int64),
                  int(instance.capacity), f(instance.ready), f(instance.due), f(instance.service), TIME_TOL)


@njit(cache=True)
def depot_leave(P: TWData) -> float:
    """When every vehicle can leave the depot."""
    return P.ready[0] + P.service[0]


@njit(cache=True)
def schedule(route: np.ndarray, m: int, P: TWData, early: np.ndarray, late: np.ndarray) -> bool:
    """Fill ``early[:m]`` and ``late[:m]`` for ``route[:m]``; returns whether the route is on time."""
    t = depot_leave(P)
    prev = 0
    ok = True
    for k in range(m):
        x = route[k]
        t = max(t + P.dist[prev, x], P.ready[x])
        early[k] = t
        if t > P.due[x] + P.tol:
            ok = False
        t += P.service[x]
        prev = x
    if m > 0 and t + P.dist[prev, 0] > P.due[0] + P.tol:
        ok = False
    lt = P.due[0]
    nxt = 0
    for k in range(m - 1, -1, -1):
        x = route[k]
        lt = min(P.due[x], lt - P.dist[x, nxt] - P.service[x])
        late[k] = lt
        nxt = x
    return ok


@njit(cache=True)
def sequence_on_time(seq: np.ndarray, m: int, P: TWData) -> bool:
    """Whether the route ``seq[:m]`` keeps every time window (O(m), no bookkeeping)."""
    t = depot_leave(P)
    prev = 0
    for k in range(m):
        x = seq[k]
        t = max(t + P.dist[prev, x], P.ready[x])
        if t > P.due[x] + P.tol:
            return False
        t += P.service[x]
        prev = x
    return t + P.dist[prev, 0] <= P.due[0] + P.tol


@njit(cache=True)
def visit(P: TWData, prev: int, t_leave: float, x: int) -> float:
    """Leave time at ``x`` when arriving from ``prev`` (left at ``t_leave``); ``inf`` if ``x`` is missed."""
    t = max(t_leave + P.dist[prev, x], P.ready[x])
    if t > P.due[x] + P.tol:
        return np.inf
    return t + P.service[x]


@njit(cache=True)
def joins(P: TWData, last: int, t_leave: float, nxt: int, late_next: float) -> bool:
    """Whether leaving ``last`` at ``t_leave`` reaches ``nxt`` by ``late_next`` (the depot: ``due[0]``)."""
    return t_leave + P.dist[last, nxt] <= late_next + P.tol


def _snap(x: np.ndarray) -> np.ndarray:
    r = np.rint(x)
    return np.where(np.abs(x - r) <= SNAP_REL * np.maximum(1.0, np.abs(x)), r, x)


def scaled_times(instance: Any, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Integer times for the integer solvers (OR-Tools, PyVRP): ``(travel, service, ready, due)``, int64.

    Travel and service times and ready times are multiplied by ``scale`` and rounded up,
    due times rounded down. Then the integer model implies the real one: by induction
    along a route, each real service start is at most the integer one divided by
    ``scale``, so an integer solution keeps every real window. (Values within
    :data:`SNAP_REL` of an integer count as that integer, so that floating-point noise
    such as ``0.1 * 3`` does not cost a unit.)
    """
    s = float(scale)
    f = lambda a: np.asarray(a, dtype=np.float64) * s  # noqa: E731
    due = np.floor(_snap(f(instance.due)))
    if due.max() > MAX_SCALED_TIME:
        raise SolverError(f"scaled horizon {due.max():.3g} exceeds {MAX_SCALED_TIME}; lower the scale")
    travel = np.ceil(_snap(f(instance.distances)))
    service = np.ceil(_snap(f(instance.service)))
    ready = np.ceil(_snap(f(instance.ready)))
    return travel.astype(np.int64), service.astype(np.int64), ready.astype(np.int64), due.astype(np.int64)
