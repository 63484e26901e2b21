"""Local search and iterated local search for CVRPTW (numba).

The CVRP local search (:mod:`routing_gym.baselines.cvrp.local_search`) extended
to time windows; the shared primitives (random numbers, work queue, segment
copy, candidate lists) come from :mod:`routing_gym.baselines.primitives`.

State
    Routes are rows of an ``int64`` matrix (``routes[r, :lens[r]]``, customers
    1..n, depot implied at both ends), with per-node route and position, per-route
    load, prefix loads and length, and per-position earliest / latest service
    starts (:mod:`~routing_gym.baselines.cvrptw.timing`). All of it is one
    :class:`TWState` of named arrays; a touched route is saved to an undo log so
    that a rejected ILS round restores only what it changed.

Moves
    Around each customer ``u`` and each of its ``k`` nearest customers ``v``, first
    improvement: relocate the segment of 1 to 3 customers starting at ``u`` next to
    ``v`` (intra or inter route, reversed too: Or-opt), swap segments of 1 or 2
    customers of two routes, 2-opt* (exchange route tails) and intra-route 2-opt;
    then the segment alone on a new route. A move's cost change is O(1); an
    inter-route move's time windows are checked in O(1) (plus the length of the
    moved segment) by the earliest / latest starts at the joints; an intra-route
    move, only when it would improve, by a sweep over the new route.

Iterated local search
    Ruin (radial, SISR-style strings, or random removal) and recreate (cheapest
    feasible insertion in one of five orders, each position skipped with
    probability ``blink``), local search of the touched routes, and acceptance
    when the cost is at most the current one plus a threshold that the caller
    lowers to zero over the run. A kernel call runs a fixed number of rounds, so
    that the Python caller keeps the wall-clock limit.
"""

from __future__ import annotations

import math
import time
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from routing_gym.baselines.cvrp.state import cv_clear_log as _clear_log
from routing_gym.baselines.cvrp.state import cv_compact
from routing_gym.baselines.cvrp.state import cv_empty_route as _empty_route
from routing_gym.baselines.cvrp.state import cv_refresh
from routing_gym.baselines.cvrp.state import cv_touch as _touch
from routing_gym.baselines.cvrp.state import cvrp_flatten as flatten
from routing_gym.baselines.cvrp.state import cvrp_state_routes as state_routes
from routing_gym.baselines.cvrp.state import cvrp_total_cost as total_cost
from routing_gym.baselines.cvrp.state import pack_routes
from routing_gym.baselines.cvrptw.construction import insertion_routes
from routing_gym.baselines.cvrptw.timing import TWData, depot_leave, joins, schedule, sequence_on_time, tw_data, visit
from routing_gym.baselines.primitives import (
    copy_run,
    improvement_eps,
    is_symmetric,
    make_rng_state,
    neighbour_count,
    neighbour_lists,
    push_customers,
    queue_pop,
    queue_push,
    rand_float,
    rand_int,
    route_node,
    route_width,
    shuffle,
    unflatten_routes,
)
from routing_gym.errors import SolverError


class TWState(NamedTuple):
    """Routes and their derived data; ``R`` = n route slots, ``W`` = the longest route the capacity allows.

    :param routes: ``(R, W)`` customers of route ``r`` in ``routes[r, :lens[r]]``.
    :param lens: ``(R,)`` route lengths (0: an empty slot).
    :param loads: ``(R,)`` route loads.
    :param cum: ``(R, W)`` prefix loads, ``cum[r, k]`` = load of ``routes[r, :k+1]``.
    :param rcost: ``(R,)`` route lengths in distance.
    :param early: ``(R, W)`` earliest service start at each position.
    :param late: ``(R, W)`` latest service start at each position that keeps the rest on time.
    :param rof: ``(n+1,)`` route of each customer.
    :param pos: ``(n+1,)`` position of each customer in its route.
    :param bk_routes: ``(R, W)`` undo log: route rows as they were before the round.
    :param bk_lens: ``(R,)`` undo log: their lengths.
    :param touched: ``(R,)`` whether route ``r`` is in the undo log.
    :param tlist: ``(R,)`` the logged routes, ``tinfo[0]`` of them.
    :param tinfo: ``(1,)`` number of logged routes.
    """

    routes: np.ndarray
    lens: np.ndarray
    loads: np.ndarray
    cum: np.ndarray
    rcost: np.ndarray
    early: np.ndarray
    late: np.ndarray
    rof: np.ndarray
    pos: np.ndarray
    bk_routes: np.ndarray
    bk_lens: np.ndarray
    touched: np.ndarray
    tlist: np.ndarray
    tinfo: np.ndarray


class Search(NamedTuple):
    """Fixed search settings.

    :param neigh: ``(n+1, k)`` nearest customers of each node (the move candidates).
    :param neigh_big: longer lists, for the radial and string ruins.
    :param symmetric: whether reversing a path keeps its length (enables reversed moves).
    :param eps: smallest cost decrease counted as an improvement.
    """

    neigh: np.ndarray
    neigh_big: np.ndarray
    symmetric: bool
    eps: float


class Work(NamedTuple):
    """Scratch arrays: the work queue of customers to examine, a route buffer, the ruin's lists.

    :param queue: ``(n+1,)`` circular queue; ``inq`` marks queued customers; ``qinfo = [head, count]``.
    :param buf: ``2 (n+2)`` route buffer (two halves for two-route moves).
    :param removed: ``(n+1,)`` customers taken out by the ruin; ``rlist`` lists them.
    """

    queue: np.ndarray
    inq: np.ndarray
    qinfo: np.ndarray
    buf: np.ndarray
    removed: np.ndarray
    rlist: np.ndarray


def make_state(routes: list[list[int]], num_customers: int, width: int) -> TWState:
    """Pack routes into a :class:`TWState`; call :func:`refresh_all` next.

    :param routes: routes of customer indices 1..n (empty ones are dropped).
    :param width: row width, at least the longest route (see ``route_width``).
    """
    n = int(num_customers)
    arr, lens = pack_routes(routes, n, width, SolverError)
    width = arr.shape[1]
    i64 = lambda *shape: np.zeros(shape, dtype=np.int64)  # noqa: E731
    return TWState(arr, lens, i64(n), i64(n, width), np.zeros(n), np.zeros((n, width)), np.zeros((n, width)),
                   i64(n + 1), i64(n + 1), i64(n, width), i64(n), np.zeros(n, dtype=np.bool_), i64(n), i64(1))


def make_work(num_customers: int) -> Work:
    n = int(num_customers)
    return Work(np.empty(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.bool_), np.zeros(2, dtype=np.int64),
                np.empty(2 * (n + 2), dtype=np.int64), np.zeros(n + 1, dtype=np.bool_), np.empty(n, dtype=np.int64))


# ---------------------------------------------------------------------------
# state upkeep
# ---------------------------------------------------------------------------


@njit(cache=True)
def _refresh(st: TWState, r: int, P: TWData) -> bool:
    """Recompute positions, loads, length and schedule of route ``r``; returns whether it is on time."""
    cv_refresh(st, r, P.dist, P.dem)
    return schedule(st.routes[r], st.lens[r], P, st.early[r], st.late[r])


@njit(cache=True)
def refresh_all(st: TWState, P: TWData) -> bool:
    """Recompute everything derived from ``routes`` and ``lens``; returns whether every route is feasible."""
    ok = True
    for r in range(st.routes.shape[0]):
        ok &= _refresh(st, r, P)
        ok &= st.loads[r] <= P.cap
    return ok


@njit(cache=True)
def _undo(st: TWState, P: TWData) -> None:
    """Restore every route touched since the log was cleared."""
    for i in range(st.tinfo[0]):
        r = st.tlist[i]
        st.lens[r] = st.bk_lens[r]
        for k in range(st.bk_lens[r]):
            st.routes[r, k] = st.bk_routes[r, k]
    for i in range(st.tinfo[0]):
        _refresh(st, st.tlist[i], P)
    _clear_log(st)


@njit(cache=True)
def _write(st: TWState, r: int, buf: np.ndarray, m: int, P: TWData) -> None:
    """Replace route ``r`` by ``buf[:m]``."""
    _touch(st, r)
    for k in range(m):
        st.routes[r, k] = buf[k]
    st.lens[r] = m
    _refresh(st, r, P)


# ---------------------------------------------------------------------------
# time windows at the joints
# ---------------------------------------------------------------------------


@njit(cache=True)
def _leave_at(st: TWState, P: TWData, r: int, k: int) -> float:
    """Earliest time the vehicle of route ``r`` leaves position ``k`` (-1: the depot)."""
    if k < 0:
        return depot_leave(P)
    return st.early[r, k] + P.service[st.routes[r, k]]


@njit(cache=True)
def _late_at(st: TWState, P: TWData, r: int, k: int) -> float:
    """Latest arrival at position ``k`` of route ``r`` that keeps the rest on time (past the end: ``due[0]``)."""
    if k >= st.lens[r]:
        return P.due[0]
    return st.late[r, k]


@njit(cache=True)
def _through(P: TWData, routes: np.ndarray, r: int, k0: int, k1: int, rev: bool, prev: int, t: float) -> float:
    """Leave time after serving ``routes[r, k0..k1]`` (reversed if ``rev``), entered from ``prev`` left at ``t``;
    ``inf`` when a window is missed."""
    for i in range(k1 - k0 + 1):
        x = routes[r, k1 - i] if rev else routes[r, k0 + i]
        t = visit(P, prev, t, x)
        if t == np.inf:
            return t
        prev = x
    return t


@njit(cache=True)
def _bridge_ok(st: TWState, P: TWData, r: int, i: int, k: int) -> bool:
    """Whether route ``r`` may go straight from position ``i`` to position ``k`` (dropping what lies between)."""
    a = route_node(st.routes, st.lens, r, i)
    b = route_node(st.routes, st.lens, r, k)
    return joins(P, a, _leave_at(st, P, r, i), b, _late_at(st, P, r, k))


@njit(cache=True)
def _insert_ok(st: TWState, P: TWData, rs: int, k0: int, k1: int, rev: bool, r: int, t: int) -> bool:
    """Whether ``routes[rs, k0..k1]`` (reversed if ``rev``) fits between positions ``t`` and ``t+1`` of route ``r``."""
    x = route_node(st.routes, st.lens, r, t)
    tl = _through(P, st.routes, rs, k0, k1, rev, x, _leave_at(st, P, r, t))
    last = st.routes[rs, k0] if rev else st.routes[rs, k1]
    y = route_node(st.routes, st.lens, r, t + 1)
    return joins(P, last, tl, y, _late_at(st, P, r, t + 1))


# ---------------------------------------------------------------------------
# moves: each tries one kind of move for a pair (u, v), applies the first
# improving feasible one and returns its cost change (0: none)
# ---------------------------------------------------------------------------


@njit(cache=True)
def _relocate(st: TWState, P: TWData, ru: int, pu: int, s: int, rv: int, t: int, rev: bool, buf: np.ndarray) -> bool:
    """Move ``routes[ru, pu:pu+s]`` after position ``t`` of ``rv`` (-1: first) if on time; returns whether done."""
    routes, lens = st.routes, st.lens
    if ru == rv:
        m = copy_run(buf, 0, routes, ru, pu, pu + s - 1, rev) if t == -1 else 0
        for k in range(lens[ru]):
            if pu <= k < pu + s:
                continue
            buf[m] = routes[ru, k]
            m += 1
            if k == t:
                m = copy_run(buf, m, routes, ru, pu, pu + s - 1, rev)
        if not sequence_on_time(buf, m, P):
            return False
        _write(st, ru, buf, m, P)
        return True
    if not (_insert_ok(st, P, ru, pu, pu + s - 1, rev, rv, t) and _bridge_ok(st, P, ru, pu - 1, pu + s)):
        return False
    m = copy_run(buf, 0, routes, rv, 0, t, False)
    m = copy_run(buf, m, routes, ru, pu, pu + s - 1, rev)
    m = copy_run(buf, m, routes, rv, t + 1, lens[rv] - 1, False)
    _write(st, rv, buf, m, P)
    m = copy_run(buf, 0, routes, ru, 0, pu - 1, False)
    m = copy_run(buf, m, routes, ru, pu + s, lens[ru] - 1, False)
    _write(st, ru, buf, m, P)
    return True


@njit(cache=True)
def _try_relocate(u: int, v: int, st: TWState, P: TWData, S: Search, Wk: Work) -> float:
    """Relocate the segment of 1..3 customers starting at ``u`` next to ``v`` (before or after; reversed too)."""
    routes, lens, dist = st.routes, st.lens, P.dist
    ru, pu, rv, pv = st.rof[u], st.pos[u], st.rof[v], st.pos[v]
    same = ru == rv
    pred_u = route_node(routes, lens, ru, pu - 1)
    base_u = st.cum[ru, pu - 1] if pu > 0 else 0
    for s in range(1, 4):
        if pu + s > lens[ru] or (same and pu <= pv < pu + s):
            break
        last = routes[ru, pu + s - 1]
        nx = route_node(routes, lens, ru, pu + s)
        if not same and st.loads[rv] + st.cum[ru, pu + s - 1] - base_u > P.cap:
            break
        gain = dist[pred_u, u] + dist[last, nx] - dist[pred_u, nx]
        for where in range(2):
            if where == 0:  # between v and succ(v)
                x, y, t = v, route_node(routes, lens, rv, pv + 1), pv
                if same and v == pred_u:
                    continue
            else:  # between pred(v) and v
                x, y, t = route_node(routes, lens, rv, pv - 1), v, pv - 1
                if same and v == nx:
                    continue
            for rev in range(2 if (S.symmetric and s > 1) else 1):
                if rev == 0:
                    add = dist[x, u] + dist[last, y] - dist[x, y]
                else:
                    add = dist[x, last] + dist[u, y] - dist[x, y]
                if add - gain < -S.eps and _relocate(st, P, ru, pu, s, rv, t, rev == 1, Wk.buf):
                    push_customers(pred_u, u, last, nx, x, y, Wk.queue, Wk.inq, Wk.qinfo)
                    return add - gain
    return 0.0


@njit(cache=True)
def _write_pair(st: TWState, P: TWData, r1: int, r2: int, buf: np.ndarray, m1: int, m2: int) -> None:
    """Write ``buf[:m1]`` to route ``r1`` and ``buf[half:m2]`` (the second half) to ``r2``."""
    half = buf.shape[0] // 2
    _write(st, r1, buf, m1, P)
    _write(st, r2, buf[half:], m2 - half, P)


@njit(cache=True)
def _swap_ok(st: TWState, P: TWData, ru: int, pu: int, a: int, rv: int, pw: int, b: int) -> bool:
    """Whether exchanging ``routes[ru, pu:pu+a]`` and ``routes[rv, pw:pw+b]`` keeps both routes on time."""
    routes, lens = st.routes, st.lens
    pred_u, pred_w = route_node(routes, lens, ru, pu - 1), route_node(routes, lens, rv, pw - 1)
    tl = _through(P, routes, rv, pw, pw + b - 1, False, pred_u, _leave_at(st, P, ru, pu - 1))
    if not joins(P, routes[rv, pw + b - 1], tl, route_node(routes, lens, ru, pu + a), _late_at(st, P, ru, pu + a)):
        return False
    tl = _through(P, routes, ru, pu, pu + a - 1, False, pred_w, _leave_at(st, P, rv, pw - 1))
    return joins(P, routes[ru, pu + a - 1], tl, route_node(routes, lens, rv, pw + b), _late_at(st, P, rv, pw + b))


@njit(cache=True)
def _swap(st: TWState, P: TWData, ru: int, pu: int, a: int, rv: int, pw: int, b: int, buf: np.ndarray) -> None:
    """Exchange ``routes[ru, pu:pu+a]`` and ``routes[rv, pw:pw+b]`` (different routes)."""
    routes, lens = st.routes, st.lens
    half = buf.shape[0] // 2
    m1 = copy_run(buf, 0, routes, ru, 0, pu - 1, False)
    m1 = copy_run(buf, m1, routes, rv, pw, pw + b - 1, False)
    m1 = copy_run(buf, m1, routes, ru, pu + a, lens[ru] - 1, False)
    m2 = copy_run(buf, half, routes, rv, 0, pw - 1, False)
    m2 = copy_run(buf, m2, routes, ru, pu, pu + a - 1, False)
    m2 = copy_run(buf, m2, routes, rv, pw + b, lens[rv] - 1, False)
    _write_pair(st, P, ru, rv, buf, m1, m2)


@njit(cache=True)
def _try_swap(u: int, v: int, st: TWState, P: TWData, S: Search, Wk: Work) -> float:
    """Swap the segment of 1..2 customers at ``u`` with one at ``w`` = ``v`` or ``succ(v)`` (another route)."""
    routes, lens, cum, dist = st.routes, st.lens, st.cum, P.dist
    ru, pu, rv = st.rof[u], st.pos[u], st.rof[v]
    pred_u = route_node(routes, lens, ru, pu - 1)
    base_u = cum[ru, pu - 1] if pu > 0 else 0
    for which in range(2):
        w = v if which == 0 else route_node(routes, lens, rv, st.pos[v] + 1)
        if w == 0:
            break
        pw = st.pos[w]
        pred_w = route_node(routes, lens, rv, pw - 1)
        base_w = cum[rv, pw - 1] if pw > 0 else 0
        for a in range(1, 3):
            if pu + a > lens[ru]:
                break
            lastu = routes[ru, pu + a - 1]
            nu = route_node(routes, lens, ru, pu + a)
            qa = cum[ru, pu + a - 1] - base_u
            for b in range(1, 3):
                if pw + b > lens[rv]:
                    break
                lastw = routes[rv, pw + b - 1]
                nw = route_node(routes, lens, rv, pw + b)
                qb = cum[rv, pw + b - 1] - base_w
                if st.loads[ru] - qa + qb > P.cap or st.loads[rv] - qb + qa > P.cap:
                    continue
                delta = (dist[pred_u, w] + dist[lastw, nu] + dist[pred_w, u] + dist[lastu, nw]
                         - dist[pred_u, u] - dist[lastu, nu] - dist[pred_w, w] - dist[lastw, nw])
                if delta < -S.eps and _swap_ok(st, P, ru, pu, a, rv, pw, b):
                    _swap(st, P, ru, pu, a, rv, pw, b, Wk.buf)
                    push_customers(pred_u, u, lastu, nu, pred_w, w, Wk.queue, Wk.inq, Wk.qinfo)
                    push_customers(lastw, nw, 0, 0, 0, 0, Wk.queue, Wk.inq, Wk.qinfo)
                    return delta
    return 0.0


@njit(cache=True)
def _two_opt_star(st: TWState, P: TWData, ru: int, pu: int, rv: int, pv: int, buf: np.ndarray) -> None:
    """``ru[..pu] + rv[pv..]`` and ``rv[..pv-1] + ru[pu+1..]``: exchange the route tails."""
    routes, lens = st.routes, st.lens
    half = buf.shape[0] // 2
    m1 = copy_run(buf, 0, routes, ru, 0, pu, False)
    m1 = copy_run(buf, m1, routes, rv, pv, lens[rv] - 1, False)
    m2 = copy_run(buf, half, routes, rv, 0, pv - 1, False)
    m2 = copy_run(buf, m2, routes, ru, pu + 1, lens[ru] - 1, False)
    _write_pair(st, P, ru, rv, buf, m1, m2)


@njit(cache=True)
def _try_two_opt_star(u: int, v: int, st: TWState, P: TWData, S: Search, Wk: Work) -> float:
    """2-opt* making ``u -> v`` (or ``v -> u``) an arc: the two routes exchange their tails."""
    routes, lens, cum, dist = st.routes, st.lens, st.cum, P.dist
    for variant in range(2):
        # variant 0: u's route keeps its head up to u and takes v's tail; variant 1: the same with u and v swapped
        a, b = (u, v) if variant == 0 else (v, u)
        ra, pa, rb, pb = st.rof[a], st.pos[a], st.rof[b], st.pos[b]
        succ_a = route_node(routes, lens, ra, pa + 1)
        pred_b = route_node(routes, lens, rb, pb - 1)
        head_a = cum[ra, pa]
        head_b = cum[rb, pb] - P.dem[b]  # load before b
        if head_a + st.loads[rb] - head_b > P.cap or head_b + st.loads[ra] - head_a > P.cap:
            continue
        delta = dist[a, b] + dist[pred_b, succ_a] - dist[a, succ_a] - dist[pred_b, b]
        if delta < -S.eps and joins(P, a, _leave_at(st, P, ra, pa), b, st.late[rb, pb]) and joins(
                P, pred_b, _leave_at(st, P, rb, pb - 1), succ_a, _late_at(st, P, ra, pa + 1)):
            _two_opt_star(st, P, ra, pa, rb, pb, Wk.buf)
            push_customers(a, succ_a, pred_b, b, 0, 0, Wk.queue, Wk.inq, Wk.qinfo)
            return delta
    return 0.0


@njit(cache=True)
def _try_two_opt(u: int, v: int, st: TWState, P: TWData, S: Search, Wk: Work) -> float:
    """Intra-route 2-opt making ``u`` and ``v`` adjacent (reverse the path between them)."""
    routes, lens, dist = st.routes, st.lens, P.dist
    r, pu, pv = st.rof[u], st.pos[u], st.pos[v]
    if pv > pu + 1:  # ... u [succ(u) .. v] succ(v) ... -> u v .. succ(u) succ(v)
        i, j = pu + 1, pv
        a, b, c, d = u, routes[r, pu + 1], v, route_node(routes, lens, r, pv + 1)
    elif pv < pu - 1:  # ... pred(v) [v .. pred(u)] u ... -> pred(v) pred(u) .. v u
        i, j = pv, pu - 1
        a, b, c, d = route_node(routes, lens, r, pv - 1), v, routes[r, pu - 1], u
    else:
        return 0.0
    delta = dist[a, c] + dist[b, d] - dist[a, b] - dist[c, d]
    if delta >= -S.eps:
        return 0.0
    m = copy_run(Wk.buf, 0, routes, r, 0, i - 1, False)
    m = copy_run(Wk.buf, m, routes, r, i, j, True)
    m = copy_run(Wk.buf, m, routes, r, j + 1, lens[r] - 1, False)
    if not sequence_on_time(Wk.buf, m, P):
        return 0.0
    _write(st, r, Wk.buf, m, P)
    push_customers(a, b, c, d, 0, 0, Wk.queue, Wk.inq, Wk.qinfo)
    return delta


@njit(cache=True)
def _try_new_route(u: int, st: TWState, P: TWData, S: Search, Wk: Work) -> float:
    """Put the segment of 1..3 customers starting at ``u`` (not a whole route) alone on a new route."""
    routes, lens, dist = st.routes, st.lens, P.dist
    ru, pu = st.rof[u], st.pos[u]
    pred_u = route_node(routes, lens, ru, pu - 1)
    for s in range(1, 4):
        if pu + s > lens[ru] or s == lens[ru]:
            break
        last = routes[ru, pu + s - 1]
        nx = route_node(routes, lens, ru, pu + s)
        delta = dist[0, u] + dist[last, 0] - dist[pred_u, u] - dist[last, nx] + dist[pred_u, nx]
        if delta >= -S.eps:
            continue
        r = _empty_route(st)
        if r >= 0 and _insert_ok(st, P, ru, pu, pu + s - 1, False, r, -1) and _bridge_ok(st, P, ru, pu - 1, pu + s):
            _relocate(st, P, ru, pu, s, r, -1, False, Wk.buf)
            push_customers(pred_u, u, last, nx, 0, 0, Wk.queue, Wk.inq, Wk.qinfo)
            return delta
    return 0.0


@njit(cache=True)
def _try_moves(u: int, st: TWState, P: TWData, S: Search, Wk: Work) -> float:
    """Apply the first improving feasible move around customer ``u``; returns its cost change (0: none)."""
    for k in range(S.neigh.shape[1]):
        v = S.neigh[u, k]
        delta = _try_relocate(u, v, st, P, S, Wk)
        if delta == 0.0 and st.rof[u] != st.rof[v]:
            delta = _try_swap(u, v, st, P, S, Wk)
            if delta == 0.0:
                delta = _try_two_opt_star(u, v, st, P, S, Wk)
        elif delta == 0.0 and S.symmetric:
            delta = _try_two_opt(u, v, st, P, S, Wk)
        if delta != 0.0:
            return delta
    return _try_new_route(u, st, P, S, Wk)


# ---------------------------------------------------------------------------
# local search driver
# ---------------------------------------------------------------------------


@njit(cache=True)
def _check_state(st: TWState, P: TWData, cost: float, delta: float) -> float:
    """Test hook: raise unless the cost changed by ``delta`` and every route is on time and within capacity."""
    new = total_cost(st)
    if abs(new - (cost + delta)) > 1e-7 * max(1.0, abs(new)):
        raise AssertionError("CVRPTW local search: a move changed the cost by other than its predicted delta")
    for r in range(st.lens.shape[0]):
        if st.loads[r] > P.cap or not sequence_on_time(st.routes[r], st.lens[r], P):
            raise AssertionError("CVRPTW local search: a move made a route infeasible")
    return new


@njit(cache=True)
def _ls_queue(st: TWState, P: TWData, S: Search, Wk: Work, verify: bool) -> int:
    """Process the work queue until empty; returns the number of moves applied."""
    moves = 0
    cost = total_cost(st) if verify else 0.0
    while Wk.qinfo[1] > 0:
        u = queue_pop(Wk.queue, Wk.inq, Wk.qinfo)
        delta = _try_moves(u, st, P, S, Wk)
        if delta < 0.0:
            queue_push(u, Wk.queue, Wk.inq, Wk.qinfo)
            moves += 1
            if verify:
                cost = _check_state(st, P, cost, delta)
    return moves


@njit(cache=True)
def _ls_full(st: TWState, P: TWData, S: Search, Wk: Work, verify: bool) -> int:
    """Full passes over all customers until one applies no move: a local optimum over the candidate lists."""
    n = P.dem.shape[0] - 1
    total = 0
    while True:
        for c in range(1, n + 1):
            queue_push(c, Wk.queue, Wk.inq, Wk.qinfo)
        moves = _ls_queue(st, P, S, Wk, verify)
        _clear_log(st)
        total += moves
        if moves == 0:
            return total


# ---------------------------------------------------------------------------
# ruin and recreate
# ---------------------------------------------------------------------------


@njit(cache=True)
def _remove(c: int, removed: np.ndarray, nrem: int) -> int:
    """Mark customer ``c`` removed (routes are compacted later); returns the new count."""
    if removed[c]:
        return nrem
    removed[c] = True
    return nrem + 1


@njit(cache=True)
def _ruin_mark(st: TWState, S: Search, n: int, ruin_avg: float, rng: np.ndarray, removed: np.ndarray) -> None:
    """Mark customers for removal by one of three rules: radial, strings (SISR-like), random."""
    kb = S.neigh_big.shape[1]
    target = min(n, kb + 1, 1 + rand_int(rng, max(1, int(2.0 * ruin_avg))))
    seed = 1 + rand_int(rng, n)
    kind = rand_int(rng, 3)
    nrem = 0
    if kind == 0:  # radial: the seed and its nearest customers
        nrem = _remove(seed, removed, nrem)
        for k in range(kb):
            if nrem >= target:
                break
            nrem = _remove(S.neigh_big[seed, k], removed, nrem)
    elif kind == 1:  # strings: a run of consecutive customers from each route met near the seed
        max_str = max(1, int(ruin_avg))
        ruined = np.zeros(st.lens.shape[0], dtype=np.bool_)
        for k in range(-1, kb):
            if nrem >= target:
                break
            c = seed if k < 0 else S.neigh_big[seed, k]
            r = st.rof[c]
            if removed[c] or ruined[r]:
                continue
            ruined[r] = True
            length = min(st.lens[r], 1 + rand_int(rng, max_str), target - nrem)
            start = max(0, min(st.pos[c] - rand_int(rng, length), st.lens[r] - length))
            for j in range(start, start + length):
                nrem = _remove(st.routes[r, j], removed, nrem)
    else:  # random
        while nrem < target:
            nrem = _remove(1 + rand_int(rng, n), removed, nrem)


@njit(cache=True)
def _ruin(st: TWState, P: TWData, S: Search, ruin_avg: float, rng: np.ndarray, removed: np.ndarray,
          rlist: np.ndarray) -> int:
    """Remove customers (see :func:`_ruin_mark`); returns how many, listed in ``rlist``."""
    n = P.dem.shape[0] - 1
    _ruin_mark(st, S, n, ruin_avg, rng, removed)
    t0 = st.tinfo[0]
    m = cv_compact(st, removed, rlist)
    for i in range(t0, st.tinfo[0]):
        _refresh(st, st.tlist[i], P)
    return m


@njit(cache=True)
def _order(P: TWData, order: np.ndarray, m: int, rng: np.ndarray) -> None:
    """Sort the removed customers for reinsertion: random, by demand, far or near first, by deadline."""
    kind = rand_int(rng, 5)
    if kind == 0:
        shuffle(order, m, rng)
        return
    key = np.empty(m)
    for i in range(m):
        c = order[i]
        if kind == 1:
            key[i] = -P.dem[c]
        elif kind == 2:
            key[i] = -P.dist[0, c]
        elif kind == 3:
            key[i] = P.dist[0, c]
        else:
            key[i] = P.due[c]
        key[i] += 1e-6 * rand_float(rng)  # random tie-break
    idx = np.argsort(key)
    tmp = order[:m].copy()
    for i in range(m):
        order[i] = tmp[idx[i]]


@njit(cache=True)
def _cheapest_insertion(st: TWState, P: TWData, c: int, blink: float, rng: np.ndarray) -> tuple[int, int]:
    """Cheapest feasible ``(route, position)`` for ``c``, each position skipped with probability ``blink``;
    ``(-1, 0)``: a new route is cheapest."""
    best = P.dist[0, c] + P.dist[c, 0]
    best_r = -1
    best_t = 0
    for r in range(st.lens.shape[0]):
        if st.lens[r] == 0 or st.loads[r] + P.dem[c] > P.cap:
            continue
        prev = 0
        tl = depot_leave(P)
        for k in range(st.lens[r] + 1):
            nxt = st.routes[r, k] if k < st.lens[r] else 0
            delta = P.dist[prev, c] + P.dist[c, nxt] - P.dist[prev, nxt]
            if delta < best and (blink <= 0.0 or rand_float(rng) >= blink):
                if joins(P, c, visit(P, prev, tl, c), nxt, _late_at(st, P, r, k)):
                    best = delta
                    best_r = r
                    best_t = k
            if k < st.lens[r]:
                prev = nxt
                tl = st.early[r, k] + P.service[nxt]
    return best_r, best_t


@njit(cache=True)
def _recreate(st: TWState, P: TWData, rlist: np.ndarray, m: int, removed: np.ndarray, blink: float,
              rng: np.ndarray) -> None:
    """Insert the removed customers one by one at their cheapest feasible position (a new route if none)."""
    _order(P, rlist, m, rng)
    for i in range(m):
        c = rlist[i]
        r, t = _cheapest_insertion(st, P, c, blink, rng)
        if r < 0:
            r = _empty_route(st)
            t = 0
        _touch(st, r)
        for k in range(st.lens[r], t, -1):
            st.routes[r, k] = st.routes[r, k - 1]
        st.routes[r, t] = c
        st.lens[r] += 1
        _refresh(st, r, P)
        removed[c] = False


# ---------------------------------------------------------------------------
# iterated local search
# ---------------------------------------------------------------------------


@njit(cache=True)
def _ils(st: TWState, P: TWData, S: Search, Wk: Work, iterations: int, threshold: float, ruin_avg: float,
         blink: float, rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray, best_len: np.ndarray) -> int:
    """``iterations`` rounds of ruin, recreate, local search of the touched routes, threshold acceptance."""
    accepted = 0
    _clear_log(st)
    for _ in range(iterations):
        m = _ruin(st, P, S, ruin_avg, rng, Wk.removed, Wk.rlist)
        _recreate(st, P, Wk.rlist, m, Wk.removed, blink, rng)
        for i in range(st.tinfo[0]):
            r = st.tlist[i]
            for k in range(st.lens[r]):
                queue_push(st.routes[r, k], Wk.queue, Wk.inq, Wk.qinfo)
        _ls_queue(st, P, S, Wk, False)
        c = total_cost(st)
        if c <= costs[0] + threshold + S.eps:
            costs[0] = c
            accepted += 1
            _clear_log(st)
            if c < costs[1] - S.eps:
                costs[1] = c
                best_len[0] = flatten(st, best_flat)
        else:
            _undo(st, P)
    return accepted


@njit(cache=True)
def _engine(mode: int, st: TWState, P: TWData, S: Search, Wk: Work, iterations: int, threshold: float,
            ruin_avg: float, blink: float, rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray,
            best_len: np.ndarray, verify: bool) -> int:
    # one compiled entry point, so that the local search is compiled once, not once per caller
    if mode == 0:
        return _ls_full(st, P, S, Wk, verify)
    return _ils(st, P, S, Wk, iterations, threshold, ruin_avg, blink, rng, costs, best_flat, best_len)


_NO_FLOAT = np.zeros(2)
_NO_INT = np.zeros(1, dtype=np.int64)
_NO_RNG = np.ones(1, dtype=np.uint64)


# ---------------------------------------------------------------------------
# Python entry points
# ---------------------------------------------------------------------------


#: candidate customers per customer in the local search, unless the caller sets ``neighbours``
DEFAULT_NEIGHBOURS = 30


def _setup(instance: Any, routes: list[list[int]], neighbours: int, ruin_avg: float) -> tuple:
    """Kernel inputs for ``instance`` starting from ``routes``: ``(P, S, state, work)``."""
    P = tw_data(instance)
    n = instance.num_customers
    nb = neighbour_lists(P.dist, int(neighbours), exclude_depot=True)
    nb_big = neighbour_lists(P.dist, max(2 * int(math.ceil(ruin_avg)) + 1, 30), exclude_depot=True)
    S = Search(nb, nb_big, is_symmetric(P.dist), improvement_eps(P.dist))
    st = make_state(routes, n, route_width(P.dem, P.cap))
    if not refresh_all(st, P):
        raise SolverError("CVRPTW local search: the start solution breaks a time window or the capacity")
    return P, S, st, make_work(n)


def local_search(instance: Any, routes: list[list[int]], neighbours: int = DEFAULT_NEIGHBOURS,
                 verify: bool = False) -> list[list[int]]:
    """Improve feasible ``routes`` of a ``CVRPTWInstance`` to a local optimum of the moves (see the module docstring).

    :param neighbours: candidate customers per customer.
    :param verify: check every move's cost change and feasibility (a test hook).
    """
    P, S, st, Wk = _setup(instance, routes, neighbours, 1.0)
    _engine(0, st, P, S, Wk, 0, 0.0, 1.0, 0.0, _NO_RNG, _NO_FLOAT, _NO_INT, _NO_INT, verify)
    return state_routes(st)


def ils_cvrptw(solver: Any, instance: Any, start: list[list[int]] | None = None) -> list[list[int]]:
    """The best routes of ``solver``'s budget of ruin-and-recreate rounds on a ``CVRPTWInstance``.

    Shaped as a problem hook of :class:`~routing_gym.baselines.ils.IteratedLocalSearchSolver`
    (``fn(solver, instance)``): it reads the solver's ``seed``, ``neighbours`` (default
    :data:`DEFAULT_NEIGHBOURS`), ``ruin``, ``blink`` and ``threshold`` and runs the kernel
    through the solver's budget loop ``_run``.

    :param start: start routes (default: Solomon I1, :func:`insertion_routes`), improved by local search first.
    """
    t0 = time.perf_counter()
    n = instance.num_customers
    ruin_avg = float(solver.ruin) if solver.ruin is not None else max(1.0, min(10.0, n / 4))
    k = neighbour_count(solver.neighbours or DEFAULT_NEIGHBOURS, n)
    P, S, st, Wk = _setup(instance, start if start is not None else insertion_routes(instance), k, ruin_avg)
    _engine(0, st, P, S, Wk, 0, 0.0, 1.0, 0.0, _NO_RNG, _NO_FLOAT, _NO_INT, _NO_INT, False)
    best_flat = np.zeros(2 * n + 1, dtype=np.int64)
    best_len = np.array([flatten(st, best_flat)], dtype=np.int64)
    c = float(total_cost(st))
    costs = np.array([c, c])
    rng = make_rng_state(solver.seed)
    mean_edge = c / (n + len(state_routes(st)))

    def step(rounds: int, progress: float) -> None:
        thr = solver.threshold * mean_edge * (1.0 - progress)
        _engine(1, st, P, S, Wk, rounds, thr, ruin_avg, solver.blink, rng, costs, best_flat, best_len, False)

    solver._run(step, t0)
    return unflatten_routes(best_flat[: best_len[0]])


def solve_ils(instance: Any, time_limit: float | None = 1.0, seed: int = 0, *, iterations: int | None = None,
              init: list[list[int]] | None = None, neighbours: int = DEFAULT_NEIGHBOURS, ruin: float | None = None,
              blink: float = 0.01, threshold: float = 1.0) -> list[list[int]]:
    """Iterated local search for a ``CVRPTWInstance`` until ``time_limit`` seconds and/or ``iterations`` rounds.

    Ruin and recreate plus local search with a falling acceptance threshold (see the
    module docstring), under the budget rules of the ``ils`` solver: with ``iterations``
    and no time limit the result depends only on ``seed``.

    :param init: start routes (default: :func:`~routing_gym.baselines.cvrptw.construction.insertion_routes`).
    :param neighbours: candidate customers per customer in the local search.
    :param ruin: mean number of customers a ruin removes (default ``min(10, n / 4)``).
    :param blink: probability of skipping an insertion position when recreating.
    :param threshold: a round is accepted when at most ``threshold`` times the start solution's mean
        edge length worse than the current one; the threshold falls linearly to 0 over the run.
    :returns: the best routes found (verified feasible).
    """
    from routing_gym.baselines.ils import IteratedLocalSearchSolver
    from routing_gym.envs.cvrptw.types import evaluate_cvrptw

    if time_limit is None and iterations is None:
        raise SolverError("solve_ils: give a time_limit or a number of iterations")
    solver = IteratedLocalSearchSolver(time_limit, seed, iterations=iterations, neighbours=neighbours, ruin=ruin,
                                       blink=blink, threshold=threshold)
    routes = ils_cvrptw(solver, instance, init)
    ev = evaluate_cvrptw(instance, routes)
    if not ev.feasible:
        raise SolverError(f"solve_ils returned an infeasible solution (a bug): {ev.violation}")
    return routes


def warm_up() -> float:
    """Compile (or load from numba's cache) the CVRPTW kernels on a tiny instance; returns seconds spent.

    The first call in a fresh environment compiles for about half a minute; call it
    before timed runs so that they do not include compilation.
    """
    from routing_gym.envs.cvrptw.generator import CVRPTWGenerator

    t0 = time.perf_counter()
    solve_ils(CVRPTWGenerator(num_nodes=10)(np.random.default_rng(0)), None, 0, iterations=5)
    return time.perf_counter() - t0
