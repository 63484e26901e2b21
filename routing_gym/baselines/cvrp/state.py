"""The CVRP search state (a numba-compatible named tuple of arrays) and the route edits on it.

Fields of :class:`CVRPState` (numba passes the arrays by reference):

=============== ======== ===============================================================
field           shape    meaning
=============== ======== ===============================================================
``routes``      (R, W)   customers of route r in ``routes[r, :lens[r]]`` (depot implied at both ends)
``lens``        (R,)     length of each route
``loads``       (R,)     load of each route
``cum``         (R, W)   prefix loads: ``cum[r, k]`` = load of ``routes[r, 0..k]``
``rcost``       (R,)     route lengths (float64)
``rof``         (n+1,)   route of each customer
``pos``         (n+1,)   position of each customer in its route
``bk_routes``   (R, W)   undo log: the first time an ILS round changes route r, its row is saved
``bk_lens``     (R,)     ... and its length,
``touched``     (R,)     ... and it is marked touched,
``tlist``       (R,)     ... and listed, so a rejected round restores only the routes it touched;
``tinfo``       (1,)     ``[number of touched routes]``
=============== ======== ===============================================================

R = n (a route per customer at worst); W = the longest route the capacity allows
(:func:`~routing_gym.baselines.primitives.route_width`).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from routing_gym.baselines.primitives import copy_run, queue_push

CVRPState = namedtuple("CVRPState", ["routes", "lens", "loads", "cum", "rcost", "rof", "pos",
                                     "bk_routes", "bk_lens", "touched", "tlist", "tinfo"])


def pack_routes(routes: list[list[int]], num_customers: int, width: int,
                error: type[Exception] = ValueError) -> tuple[np.ndarray, np.ndarray]:
    """``(routes, lens)``: the non-empty routes as the rows of an ``(n, W)`` int64 matrix and their lengths,
    ``W`` at least ``width`` and the longest route; more routes than customers raise ``error``."""
    n = int(num_customers)
    routes = [list(r) for r in routes if len(r)]
    if len(routes) > n:
        raise error(f"{len(routes)} non-empty routes for {n} customers")
    width = max(int(width), max((len(r) for r in routes), default=1))
    arr = np.zeros((n, width), dtype=np.int64)
    lens = np.zeros(n, dtype=np.int64)
    for r, route in enumerate(routes):
        arr[r, : len(route)] = route
        lens[r] = len(route)
    return arr, lens


def cvrp_make_state(routes: list[list[int]], num_customers: int, width: int) -> CVRPState:
    """Pack a list of routes into a :class:`CVRPState`; call :func:`cvrp_refresh_all` next.

    :param routes: routes of customer indices 1..n (empty ones are dropped).
    :param num_customers: ``n``.
    :param width: row width, at least the longest route (see :func:`~routing_gym.baselines.primitives.route_width`).
    """
    n = int(num_customers)
    arr, lens = pack_routes(routes, n, width)
    width = arr.shape[1]
    return CVRPState(
        routes=arr, lens=lens, loads=np.zeros(n, dtype=np.int64), cum=np.zeros((n, width), dtype=np.int64),
        rcost=np.zeros(n, dtype=np.float64), rof=np.zeros(n + 1, dtype=np.int64), pos=np.zeros(n + 1, dtype=np.int64),
        bk_routes=np.zeros((n, width), dtype=np.int64), bk_lens=np.zeros(n, dtype=np.int64),
        touched=np.zeros(n, dtype=np.bool_), tlist=np.zeros(n, dtype=np.int64), tinfo=np.zeros(1, dtype=np.int64),
    )


def cvrp_state_routes(st: CVRPState) -> list[list[int]]:
    """The non-empty routes of a state, as lists."""
    return [st.routes[r, : st.lens[r]].tolist() for r in range(st.routes.shape[0]) if st.lens[r] > 0]


@njit(cache=True)
def cv_refresh(st: CVRPState, r: int, dist: np.ndarray, dem: np.ndarray) -> None:
    """Recompute positions, loads, prefix loads and cost of route ``r``."""
    routes, lens = st.routes, st.lens
    load = 0
    c = 0.0
    prev = 0
    for k in range(lens[r]):
        x = routes[r, k]
        st.rof[x] = r
        st.pos[x] = k
        load += dem[x]
        st.cum[r, k] = load
        c += dist[prev, x]
        prev = x
    if lens[r] > 0:
        c += dist[prev, 0]
    st.loads[r] = load
    st.rcost[r] = c


@njit(cache=True)
def cvrp_refresh_all(st: CVRPState, dist: np.ndarray, dem: np.ndarray) -> None:
    """Recompute all derived arrays of the state from ``routes`` and ``lens``."""
    for r in range(st.routes.shape[0]):
        cv_refresh(st, r, dist, dem)


@njit(cache=True)
def cv_touch(st: CVRPState, r: int) -> None:
    """Save route ``r`` to the undo log the first time it changes in this round."""
    if st.touched[r]:
        return
    st.touched[r] = True
    st.tlist[st.tinfo[0]] = r
    st.tinfo[0] += 1
    st.bk_lens[r] = st.lens[r]
    for k in range(st.lens[r]):
        st.bk_routes[r, k] = st.routes[r, k]


@njit(cache=True)
def cv_clear_log(st: CVRPState) -> None:
    """Forget the undo log (the current routes are accepted)."""
    for i in range(st.tinfo[0]):
        st.touched[st.tlist[i]] = False
    st.tinfo[0] = 0


@njit(cache=True)
def cv_undo(st: CVRPState, dist: np.ndarray, dem: np.ndarray) -> None:
    """Restore every route touched since the log was cleared."""
    for i in range(st.tinfo[0]):
        r = st.tlist[i]
        st.lens[r] = st.bk_lens[r]
        for k in range(st.bk_lens[r]):
            st.routes[r, k] = st.bk_routes[r, k]
    for i in range(st.tinfo[0]):
        cv_refresh(st, st.tlist[i], dist, dem)
    cv_clear_log(st)


@njit(cache=True)
def cv_compact(st: CVRPState, removed: np.ndarray, rlist: np.ndarray) -> int:
    """List the removed customers in ``rlist`` and drop them from their routes; returns how many.

    The compacted routes are the ones this call adds to the undo log (``tlist[t0:tinfo[0]]``, ``t0`` the
    log's length before): the caller refreshes them."""
    m = 0
    for c in range(1, removed.shape[0]):
        if removed[c]:
            rlist[m] = c
            m += 1
    for i in range(m):
        r = st.rof[rlist[i]]
        if st.touched[r]:
            continue  # already compacted this round
        cv_touch(st, r)
        w = 0
        for k in range(st.lens[r]):
            x = st.routes[r, k]
            if not removed[x]:
                st.routes[r, w] = x
                w += 1
        st.lens[r] = w
    return m


@njit(cache=True)
def cv_write(st: CVRPState, r: int, buf: np.ndarray, m: int, dist: np.ndarray, dem: np.ndarray) -> None:
    """Replace route ``r`` by ``buf[:m]``."""
    cv_touch(st, r)
    for k in range(m):
        st.routes[r, k] = buf[k]
    st.lens[r] = m
    cv_refresh(st, r, dist, dem)


@njit(cache=True)
def cv_insert(st: CVRPState, r: int, k: int, c: int, dist: np.ndarray, dem: np.ndarray) -> None:
    """Insert customer ``c`` at position ``k`` of route ``r``."""
    cv_touch(st, r)
    for t in range(st.lens[r], k, -1):
        st.routes[r, t] = st.routes[r, t - 1]
    st.routes[r, k] = c
    st.lens[r] += 1
    cv_refresh(st, r, dist, dem)


@njit(cache=True)
def cv_push_route(st: CVRPState, r: int, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> None:
    """Queue every customer of route ``r``."""
    for k in range(st.lens[r]):
        queue_push(st.routes[r, k], queue, inq, qinfo)


@njit(cache=True)
def cv_empty_route(st: CVRPState) -> int:
    """Index of an empty route slot, or -1."""
    for r in range(st.lens.shape[0]):
        if st.lens[r] == 0:
            return r
    return -1


@njit(cache=True)
def cv_relocate(st: CVRPState, ru: int, pu: int, s: int, rv: int, t: int, rev: bool, buf: np.ndarray,
                dist: np.ndarray, dem: np.ndarray) -> None:
    """Move ``routes[ru, pu:pu+s]`` into route ``rv`` right after position ``t`` (-1: at the start).

    Positions refer to the routes before the move; when ``ru == rv``, ``t`` lies outside the segment.
    """
    routes, lens = st.routes, st.lens
    if ru == rv:
        m = 0
        if t == -1:
            m = copy_run(buf, m, routes, ru, pu, pu + s - 1, rev)
        for k in range(lens[ru]):
            if pu <= k < pu + s:
                continue
            buf[m] = routes[ru, k]
            m += 1
            if k == t:
                m = copy_run(buf, m, routes, ru, pu, pu + s - 1, rev)
        cv_write(st, ru, buf, m, dist, dem)
        return
    m = copy_run(buf, 0, routes, rv, 0, t, False)
    m = copy_run(buf, m, routes, ru, pu, pu + s - 1, rev)
    m = copy_run(buf, m, routes, rv, t + 1, lens[rv] - 1, False)
    cv_write(st, rv, buf, m, dist, dem)
    m = copy_run(buf, 0, routes, ru, 0, pu - 1, False)
    m = copy_run(buf, m, routes, ru, pu + s, lens[ru] - 1, False)
    cv_write(st, ru, buf, m, dist, dem)


@njit(cache=True)
def _write_pair(st: CVRPState, ru: int, rv: int, buf: np.ndarray, m1: int, m2: int, dist: np.ndarray,
                dem: np.ndarray) -> None:
    """Write ``buf[:m1]`` to route ``ru`` and ``buf[half:m2]`` (``half`` = half of ``buf``) to route ``rv``."""
    half = buf.shape[0] // 2
    for k in range(m2 - half):
        buf[m1 + k] = buf[half + k]  # second route after the first, then write both
    cv_write(st, ru, buf, m1, dist, dem)
    cv_write(st, rv, buf[m1:], m2 - half, dist, dem)


@njit(cache=True)
def cv_swap(st: CVRPState, ru: int, pu: int, a: int, rv: int, pv: int, b: int, buf: np.ndarray,
            dist: np.ndarray, dem: np.ndarray) -> None:
    """Exchange ``routes[ru, pu:pu+a]`` and ``routes[rv, pv:pv+b]`` (different routes)."""
    routes, lens = st.routes, st.lens
    half = buf.shape[0] // 2
    m1 = copy_run(buf, 0, routes, ru, 0, pu - 1, False)
    m1 = copy_run(buf, m1, routes, rv, pv, pv + b - 1, False)
    m1 = copy_run(buf, m1, routes, ru, pu + a, lens[ru] - 1, False)
    m2 = copy_run(buf, half, routes, rv, 0, pv - 1, False)
    m2 = copy_run(buf, m2, routes, ru, pu, pu + a - 1, False)
    m2 = copy_run(buf, m2, routes, rv, pv + b, lens[rv] - 1, False)
    _write_pair(st, ru, rv, buf, m1, m2, dist, dem)


@njit(cache=True)
def cv_two_opt_star(st: CVRPState, ru: int, pu: int, rv: int, pv: int, variant: int, buf: np.ndarray,
                    dist: np.ndarray, dem: np.ndarray) -> None:
    """Exchange route ends between ``ru`` (cut at ``pu``) and ``rv`` (cut at ``pv``); variants as in the move search."""
    routes, lens = st.routes, st.lens
    lu = lens[ru] - 1
    lv = lens[rv] - 1
    half = buf.shape[0] // 2
    if variant == 0:  # ru[..pu] + rv[pv..] | rv[..pv-1] + ru[pu+1..]
        m1 = copy_run(buf, 0, routes, ru, 0, pu, False)
        m1 = copy_run(buf, m1, routes, rv, pv, lv, False)
        m2 = copy_run(buf, half, routes, rv, 0, pv - 1, False)
        m2 = copy_run(buf, m2, routes, ru, pu + 1, lu, False)
    elif variant == 1:  # rv[..pv] + ru[pu..] | ru[..pu-1] + rv[pv+1..]
        m1 = copy_run(buf, 0, routes, rv, 0, pv, False)
        m1 = copy_run(buf, m1, routes, ru, pu, lu, False)
        m2 = copy_run(buf, half, routes, ru, 0, pu - 1, False)
        m2 = copy_run(buf, m2, routes, rv, pv + 1, lv, False)
    elif variant == 2:  # ru[..pu] + rev(rv[..pv]) | rev(ru[pu+1..]) + rv[pv+1..]
        m1 = copy_run(buf, 0, routes, ru, 0, pu, False)
        m1 = copy_run(buf, m1, routes, rv, 0, pv, True)
        m2 = copy_run(buf, half, routes, ru, pu + 1, lu, True)
        m2 = copy_run(buf, m2, routes, rv, pv + 1, lv, False)
    else:  # rev(rv[pv..]) + ru[pu..] | ru[..pu-1] + rev(rv[..pv-1])
        m1 = copy_run(buf, 0, routes, rv, pv, lv, True)
        m1 = copy_run(buf, m1, routes, ru, pu, lu, False)
        m2 = copy_run(buf, half, routes, ru, 0, pu - 1, False)
        m2 = copy_run(buf, m2, routes, rv, 0, pv - 1, True)
    _write_pair(st, ru, rv, buf, m1, m2, dist, dem)


@njit(cache=True)
def cv_reverse(st: CVRPState, r: int, i: int, j: int, dist: np.ndarray, dem: np.ndarray) -> None:
    """Reverse ``routes[r, i..j]`` (intra-route 2-opt)."""
    cv_touch(st, r)
    routes = st.routes
    while i < j:
        t = routes[r, i]
        routes[r, i] = routes[r, j]
        routes[r, j] = t
        i += 1
        j -= 1
    cv_refresh(st, r, dist, dem)


@njit(cache=True)
def cvrp_total_cost(st: CVRPState) -> float:
    """Total length of the routes of ``st``."""
    c = 0.0
    for r in range(st.lens.shape[0]):
        if st.lens[r] > 0:
            c += st.rcost[r]
    return c


@njit(cache=True)
def cvrp_flatten(st: CVRPState, out: np.ndarray) -> int:
    """Write the routes to ``out`` as ``r1 0 r2 0 ...``; returns the length used."""
    m = 0
    for r in range(st.lens.shape[0]):
        if st.lens[r] == 0:
            continue
        for k in range(st.lens[r]):
            out[m] = st.routes[r, k]
            m += 1
        out[m] = 0
        m += 1
    return m
