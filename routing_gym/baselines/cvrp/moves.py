"""The CVRP move search: first improving move around a customer (numba).

Moves, all capacity-checked and evaluated in O(1) from edge differences:
relocation of a segment of 1 to 3 customers (intra and inter route, reversed or
not), inter-route swaps of segments of 1 or 2, 2-opt* (four variants),
intra-route 2-opt, and a segment of 1 to 3 customers alone on a new route.

Each move family has a ``_find_*`` step (pure evaluation on the route arrays:
the first improving move and its cost change, 0 when there is none) and an
``_apply_*`` step (changes the state and queues the ends of the changed edges).
The find steps are inlined into :func:`cv_try_moves` and take the arrays, not
the state tuple, so the hot loop over candidates copies no references.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from routing_gym.baselines.cvrp.state import (
    CVRPState,
    cv_empty_route,
    cv_relocate,
    cv_reverse,
    cv_swap,
    cv_two_opt_star,
)
from routing_gym.baselines.primitives import push_customers, route_node

#: a customer and its place: route, position, neighbours on the route (0: the depot), load before it
Place = namedtuple("Place", ["node", "route", "pos", "pred", "succ", "base"])


@njit(cache=True, inline="always")
def _place(routes: np.ndarray, lens: np.ndarray, cum: np.ndarray, rof: np.ndarray, pos: np.ndarray, x: int) -> Place:
    r = rof[x]
    p = pos[x]
    base = cum[r, p - 1] if p > 0 else 0
    return Place(x, r, p, route_node(routes, lens, r, p - 1), route_node(routes, lens, r, p + 1), base)


@njit(cache=True, inline="always")
def _find_relocate(u: Place, v: Place, routes: np.ndarray, lens: np.ndarray, loads: np.ndarray, cum: np.ndarray,
                   dist: np.ndarray, cap: int, symmetric: bool, eps: float) -> tuple[float, int, int, bool, int, int]:
    """Relocate the segment ``u..`` of ``s`` = 1..3 customers into the edge ``(x, y)`` after or before ``v``
    (``t``: the position in ``v``'s route it goes after), reversed too; returns ``(delta, s, t, rev, x, y)``."""
    ru, pu = u.route, u.pos
    same = ru == v.route
    for s in range(1, 4):
        if pu + s > lens[ru]:
            break
        if same and pu <= v.pos < pu + s:
            break  # v in the segment (and in every longer one)
        last = routes[ru, pu + s - 1]
        nx = route_node(routes, lens, ru, pu + s)
        qs = cum[ru, pu + s - 1] - u.base
        if not same and loads[v.route] + qs > cap:
            break
        gain = dist[u.pred, u.node] + dist[last, nx] - dist[u.pred, nx]
        for where in range(2):
            if where == 0:  # between v and succ(v)
                x, y, t = v.node, v.succ, v.pos
                if same and v.node == u.pred:
                    continue
            else:  # between pred(v) and v
                x, y, t = v.pred, v.node, v.pos - 1
                if same and v.node == nx:
                    continue
            for rev in range(2 if (symmetric and s > 1) else 1):
                if rev == 0:
                    add = dist[x, u.node] + dist[last, y] - dist[x, y]
                else:
                    add = dist[x, last] + dist[u.node, y] - dist[x, y]
                if add - gain < -eps:
                    return add - gain, s, t, rev == 1, x, y
    return 0.0, 0, 0, False, 0, 0


@njit(cache=True)
def _apply_relocate(st: CVRPState, u: Place, rv: int, s: int, t: int, rev: bool, x: int, y: int, buf: np.ndarray,
                    dist: np.ndarray, dem: np.ndarray, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> None:
    last = st.routes[u.route, u.pos + s - 1]
    nx = route_node(st.routes, st.lens, u.route, u.pos + s)
    cv_relocate(st, u.route, u.pos, s, rv, t, rev, buf, dist, dem)
    push_customers(u.pred, u.node, last, nx, x, y, queue, inq, qinfo)


@njit(cache=True, inline="always")
def _find_swap(u: Place, v: Place, routes: np.ndarray, lens: np.ndarray, loads: np.ndarray, cum: np.ndarray,
               rof: np.ndarray, pos: np.ndarray, dist: np.ndarray, cap: int, eps: float) -> tuple[float, Place, int, int]:
    """Swap ``u``'s segment of ``a`` = 1..2 customers with ``w``'s of ``b`` = 1..2, ``w`` = ``v`` or ``succ(v)``
    (on another route); returns ``(delta, place of w, a, b)``."""
    ru, pu, rv = u.route, u.pos, v.route
    for which in range(2):
        w = v.node if which == 0 else v.succ
        if w == 0:
            break
        pw = _place(routes, lens, cum, rof, pos, w)
        for a in range(1, 3):
            if pu + a > lens[ru]:
                break
            lastu = routes[ru, pu + a - 1]
            nu = route_node(routes, lens, ru, pu + a)
            qa = cum[ru, pu + a - 1] - u.base
            for b in range(1, 3):
                if pw.pos + b > lens[rv]:
                    break
                lastw = routes[rv, pw.pos + b - 1]
                nw = route_node(routes, lens, rv, pw.pos + b)
                qb = cum[rv, pw.pos + b - 1] - pw.base
                if loads[ru] - qa + qb > cap or loads[rv] - qb + qa > cap:
                    continue
                delta = (dist[u.pred, w] + dist[lastw, nu] + dist[pw.pred, u.node] + dist[lastu, nw]
                         - dist[u.pred, u.node] - dist[lastu, nu] - dist[pw.pred, w] - dist[lastw, nw])
                if delta < -eps:
                    return delta, pw, a, b
    return 0.0, u, 0, 0


@njit(cache=True)
def _apply_swap(st: CVRPState, u: Place, w: Place, a: int, b: int, buf: np.ndarray, dist: np.ndarray,
                dem: np.ndarray, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> None:
    routes, lens = st.routes, st.lens
    lastu = routes[u.route, u.pos + a - 1]
    nu = route_node(routes, lens, u.route, u.pos + a)
    lastw = routes[w.route, w.pos + b - 1]
    nw = route_node(routes, lens, w.route, w.pos + b)
    cv_swap(st, u.route, u.pos, a, w.route, w.pos, b, buf, dist, dem)
    push_customers(u.pred, u.node, lastu, nu, w.pred, w.node, queue, inq, qinfo)
    push_customers(lastw, nw, 0, 0, 0, 0, queue, inq, qinfo)


@njit(cache=True, inline="always")
def _find_two_opt_star(u: Place, v: Place, loads: np.ndarray, cum: np.ndarray, dist: np.ndarray, dem: np.ndarray,
                       cap: int, symmetric: bool, eps: float) -> tuple[float, int]:
    """2-opt*: exchange the ends of the routes of ``u`` and ``v`` so that they become adjacent;
    returns ``(delta, variant)`` (the variants as in :func:`~routing_gym.baselines.cvrp.state.cv_two_opt_star`)."""
    head_u = cum[u.route, u.pos]  # load of ru[..pu]
    head_v = cum[v.route, v.pos]
    load_u = loads[u.route]
    load_v = loads[v.route]
    du, dv = dem[u.node], dem[v.node]
    for variant in range(4 if symmetric else 2):
        if variant == 0:  # ru[..u] v.. | rv[..pred v] succ(u)..
            ok = head_u + load_v - head_v + dv <= cap and head_v - dv + load_u - head_u <= cap
            delta = dist[u.node, v.node] + dist[v.pred, u.succ] - dist[u.node, u.succ] - dist[v.pred, v.node]
        elif variant == 1:  # rv[..v] u.. | ru[..pred u] succ(v)..
            ok = head_v + load_u - head_u + du <= cap and head_u - du + load_v - head_v <= cap
            delta = dist[v.node, u.node] + dist[u.pred, v.succ] - dist[u.pred, u.node] - dist[v.node, v.succ]
        elif variant == 2:  # ru[..u] v..rv[0] | last(ru)..succ(u) succ(v)..
            ok = head_u + head_v <= cap and load_u - head_u + load_v - head_v <= cap
            delta = dist[u.node, v.node] + dist[u.succ, v.succ] - dist[u.node, u.succ] - dist[v.node, v.succ]
        else:  # last(rv)..v u.. | ru[..pred u] pred(v)..rv[0]
            ok = load_v - head_v + dv + load_u - head_u + du <= cap and head_u - du + head_v - dv <= cap
            delta = dist[v.node, u.node] + dist[u.pred, v.pred] - dist[u.pred, u.node] - dist[v.pred, v.node]
        if ok and delta < -eps:
            return delta, variant
    return 0.0, -1


@njit(cache=True, inline="always")
def _find_two_opt(u: Place, v: Place, dist: np.ndarray, eps: float) -> float:
    """Intra-route 2-opt making ``u`` and ``v`` (same route) adjacent (symmetric costs); returns its delta."""
    if v.pos > u.pos + 1:
        delta = dist[u.node, v.node] + dist[u.succ, v.succ] - dist[u.node, u.succ] - dist[v.node, v.succ]
        if delta < -eps:
            return delta
    elif v.pos < u.pos - 1:
        delta = dist[v.pred, u.pred] + dist[v.node, u.node] - dist[v.pred, v.node] - dist[u.pred, u.node]
        if delta < -eps:
            return delta
    return 0.0


@njit(cache=True)
def _apply_two_opt(st: CVRPState, u: Place, v: Place, dist: np.ndarray, dem: np.ndarray, queue: np.ndarray,
                   inq: np.ndarray, qinfo: np.ndarray) -> None:
    if v.pos > u.pos:
        cv_reverse(st, u.route, u.pos + 1, v.pos, dist, dem)
        push_customers(u.node, u.succ, v.node, v.succ, 0, 0, queue, inq, qinfo)
    else:
        cv_reverse(st, u.route, v.pos, u.pos - 1, dist, dem)
        push_customers(v.pred, v.node, u.pred, u.node, 0, 0, queue, inq, qinfo)


@njit(cache=True)
def _try_new_route(u: Place, st: CVRPState, dist: np.ndarray, dem: np.ndarray, eps: float, buf: np.ndarray,
                   queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> float:
    """The segment ``u..last`` (1..3 customers, not the whole route) alone on a new route; applied if it improves."""
    routes, lens = st.routes, st.lens
    ru, pu = u.route, u.pos
    lu = lens[ru]
    for s in range(1, 4):
        if pu + s > lu or s == lu:
            break
        last = routes[ru, pu + s - 1]
        nx = route_node(routes, lens, ru, pu + s)
        gain = dist[u.pred, u.node] + dist[last, nx] - dist[u.pred, nx]
        if dist[0, u.node] + dist[last, 0] - gain < -eps:
            r = cv_empty_route(st)
            if r >= 0:
                cv_relocate(st, ru, pu, s, r, -1, False, buf, dist, dem)
                push_customers(u.pred, u.node, last, nx, 0, 0, queue, inq, qinfo)
                return dist[0, u.node] + dist[last, 0] - gain
    return 0.0


@njit(cache=True)
def cv_try_moves(u: int, st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                 symmetric: bool, eps: float, buf: np.ndarray, queue: np.ndarray, inq: np.ndarray,
                 qinfo: np.ndarray) -> float:
    """Apply the first improving move found around customer ``u``; returns its cost change (0: none).

    For each candidate ``v`` of ``u`` (a near customer), in this order: relocate the
    segment of 1..3 customers starting at ``u`` next to ``v`` (reversed too, with
    symmetric costs); swap segments of 1..2 starting at ``u`` and at ``v`` or
    ``succ(v)`` (different routes); 2-opt* between the two routes; 2-opt inside one.
    Then: the segment of 1..3 customers starting at ``u`` alone on a new route.
    """
    routes, lens, loads, cum, rof, pos = st.routes, st.lens, st.loads, st.cum, st.rof, st.pos
    pu = _place(routes, lens, cum, rof, pos, u)
    for k in range(neigh.shape[1]):
        pv = _place(routes, lens, cum, rof, pos, neigh[u, k])
        delta, s, t, rev, x, y = _find_relocate(pu, pv, routes, lens, loads, cum, dist, cap, symmetric, eps)
        if delta < 0.0:
            _apply_relocate(st, pu, pv.route, s, t, rev, x, y, buf, dist, dem, queue, inq, qinfo)
            return delta
        if pu.route != pv.route:
            delta, pw, a, b = _find_swap(pu, pv, routes, lens, loads, cum, rof, pos, dist, cap, eps)
            if delta < 0.0:
                _apply_swap(st, pu, pw, a, b, buf, dist, dem, queue, inq, qinfo)
                return delta
            delta, variant = _find_two_opt_star(pu, pv, loads, cum, dist, dem, cap, symmetric, eps)
            if delta < 0.0:
                cv_two_opt_star(st, pu.route, pu.pos, pv.route, pv.pos, variant, buf, dist, dem)
                push_customers(pu.pred, u, pu.succ, pv.pred, pv.node, pv.succ, queue, inq, qinfo)
                return delta
        elif symmetric:
            delta = _find_two_opt(pu, pv, dist, eps)
            if delta < 0.0:
                _apply_two_opt(st, pu, pv, dist, dem, queue, inq, qinfo)
                return delta
    return _try_new_route(pu, st, dist, dem, eps, buf, queue, inq, qinfo)
