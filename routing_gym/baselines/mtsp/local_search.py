"""mTSP local search and iterated local search (numba), for the sum and the min-max objective.

A solution is ``m`` non-empty routes kept as rows, in the suite's route layout
(:mod:`routing_gym.baselines.primitives`): route ``r`` is ``routes[r, :lens[r]]``
(cities 1..n, the depot implied at both ends), with ``rlen[r]`` its length,
``pref[r, k]`` the length from the depot to its ``k``-th city, and ``wr[c]``,
``wi[c]`` the route and index of city ``c``. Route lengths are recomputed edge by
edge after every move, in the order the environment adds them.

Moves, all over the candidate lists ``neigh`` (plus the depot ends of every route):

* segment relocation (relocate and Or-opt, 1 to 3 cities, reversed on symmetric instances)
  to another place in the same or another route;
* swap of two cities;
* 2-opt inside a route (symmetric instances);
* 2-opt* between two routes (tail exchange; on symmetric instances also the
  variant that joins the two heads and the two tails).

No move empties a route (every vehicle serves a city). A move is improving when
it lowers the total length (``"sum"``) or, for ``"minmax"``, when it lowers the
longest route, or keeps it and lowers the total length (the tie-break that
makes room on the other routes).

The iterated local search repeats: ruin (remove a city and up to ``2 ruin - 1``
of its neighbours; routes may empty), recreate (best insertion, each removed city
in random order; empty routes are filled by the last ones), local search; accept when the objective is at
most a threshold worse than the current one (falling to 0 over the run).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing_gym.baselines.primitives import queue_pop, queue_push, rand_float, rand_int, shuffle

#: slots of the ILS's solution arrays (leading axis)
CUR, TRIAL, BEST = 0, 1, 2


@njit(cache=True)
def _node(routes: np.ndarray, lens: np.ndarray, r: int, k: int) -> int:
    """City at index ``k`` of route ``r``; the depot (0) before the first and after the last."""
    if k < 0 or k >= lens[r]:
        return 0
    return routes[r, k]


@njit(cache=True)
def _head(pref: np.ndarray, r: int, k: int) -> float:
    """Length from the depot to index ``k`` of route ``r`` (0 at ``k = -1``)."""
    return 0.0 if k < 0 else pref[r, k]


@njit(cache=True)
def _tail(rlen: np.ndarray, pref: np.ndarray, lens: np.ndarray, r: int, k: int) -> float:
    """Length from index ``k`` of route ``r`` back to the depot (0 at ``k = lens[r]``)."""
    return 0.0 if k >= lens[r] else rlen[r] - pref[r, k]


@njit(cache=True)
def refresh(r: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray, wr: np.ndarray,
            wi: np.ndarray, dist: np.ndarray) -> None:
    """Recompute route ``r``'s prefix lengths, length and the positions of its cities."""
    acc = 0.0
    prev = 0
    for k in range(lens[r]):
        c = routes[r, k]
        acc += dist[prev, c]
        pref[r, k] = acc
        wr[c] = r
        wi[c] = k
        prev = c
    acc += dist[prev, 0]
    rlen[r] = acc


@njit(cache=True)
def objective(rlen: np.ndarray, minmax: bool) -> float:
    """The longest route (min-max) or the total length (sum)."""
    return rlen.max() if minmax else rlen.sum()


@njit(cache=True)
def _improves(rlen: np.ndarray, a: int, b: int, new_a: float, new_b: float, minmax: bool, eps: float) -> bool:
    """Whether routes ``a`` and ``b`` (``a == b``: one route, ``new_b`` ignored) at their new lengths improve."""
    if a == b:
        dsum = new_a - rlen[a]
    else:
        dsum = new_a + new_b - rlen[a] - rlen[b]
    if not minmax:
        return dsum < -eps
    cur_max = 0.0
    other = 0.0
    for r in range(rlen.shape[0]):
        cur_max = max(cur_max, rlen[r])
        if r != a and r != b:
            other = max(other, rlen[r])
    new_max = max(other, new_a) if a == b else max(other, max(new_a, new_b))
    if new_max < cur_max - eps:
        return True
    return new_max <= cur_max and dsum < -eps


@njit(cache=True)
def _write(r: int, buf: np.ndarray, m: int, routes: np.ndarray, lens: np.ndarray) -> None:
    routes[r, :m] = buf[:m]
    lens[r] = m


@njit(cache=True)
def _move_segment(ru: int, iu: int, k: int, rv: int, iv: int, rev: bool, routes: np.ndarray, lens: np.ndarray,
                  buf: np.ndarray, seg: np.ndarray) -> None:
    """Move ``routes[ru, iu:iu+k]`` (reversed if ``rev``) to after index ``iv`` of route ``rv`` (-1: its start)."""
    for j in range(k):
        seg[j] = routes[ru, iu + k - 1 - j] if rev else routes[ru, iu + j]
    m = 0
    for j in range(lens[ru]):
        if j < iu or j >= iu + k:
            buf[m] = routes[ru, j]
            m += 1
    if ru != rv:
        _write(ru, buf, m, routes, lens)
        m = 0
        for j in range(lens[rv]):
            buf[m] = routes[rv, j]
            m += 1
        at = iv + 1
    else:
        at = (iv if iv < iu else iv - k) + 1
    for j in range(m - 1, at - 1, -1):
        buf[j + k] = buf[j]
    for j in range(k):
        buf[at + j] = seg[j]
    _write(rv, buf, m + k, routes, lens)


@njit(cache=True)
def _try_segment(u: int, v_route: int, iv: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray,
                 pref: np.ndarray, wr: np.ndarray, wi: np.ndarray, dist: np.ndarray, minmax: bool, symmetric: bool,
                 eps: float, buf: np.ndarray, seg: np.ndarray) -> bool:
    """Relocate / Or-opt: move 1 to 3 cities starting at ``u`` after index ``iv`` of route ``v_route``."""
    ru, iu = wr[u], wi[u]
    rv = v_route
    for k in range(1, 4):
        if iu + k > lens[ru] or (ru != rv and lens[ru] - k < 1):
            return False
        if ru == rv and iu - 1 <= iv <= iu + k - 1:
            continue  # the target is inside the segment or just before it: no move
        p, s = _node(routes, lens, ru, iu - 1), _node(routes, lens, ru, iu + k)
        f, last = u, routes[ru, iu + k - 1]
        inner = pref[ru, iu + k - 1] - pref[ru, iu]
        v, w = _node(routes, lens, rv, iv), _node(routes, lens, rv, iv + 1)
        d_out = dist[p, s] - dist[p, f] - dist[last, s] - inner
        for rev in (False, True):
            if rev and (k == 1 or not symmetric):
                continue
            a, z = (last, f) if rev else (f, last)
            d_in = dist[v, a] + inner + dist[z, w] - dist[v, w]
            if ru == rv:
                ok = _improves(rlen, ru, ru, rlen[ru] + d_out + d_in, 0.0, minmax, eps)
            else:
                ok = _improves(rlen, ru, rv, rlen[ru] + d_out, rlen[rv] + d_in, minmax, eps)
            if ok:
                _move_segment(ru, iu, k, rv, iv, rev, routes, lens, buf, seg)
                refresh(ru, routes, lens, rlen, pref, wr, wi, dist)
                if rv != ru:
                    refresh(rv, routes, lens, rlen, pref, wr, wi, dist)
                return True
    return False


@njit(cache=True)
def _try_swap(u: int, v: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray,
              wr: np.ndarray, wi: np.ndarray, dist: np.ndarray, minmax: bool, eps: float) -> bool:
    """Exchange cities ``u`` and ``v`` (not adjacent)."""
    ru, iu, rv, iv = wr[u], wi[u], wr[v], wi[v]
    if ru == rv and abs(iu - iv) <= 1:
        return False
    pu, su = _node(routes, lens, ru, iu - 1), _node(routes, lens, ru, iu + 1)
    pv, sv = _node(routes, lens, rv, iv - 1), _node(routes, lens, rv, iv + 1)
    du = dist[pu, v] + dist[v, su] - dist[pu, u] - dist[u, su]
    dv = dist[pv, u] + dist[u, sv] - dist[pv, v] - dist[v, sv]
    if ru == rv:
        ok = _improves(rlen, ru, ru, rlen[ru] + du + dv, 0.0, minmax, eps)
    else:
        ok = _improves(rlen, ru, rv, rlen[ru] + du, rlen[rv] + dv, minmax, eps)
    if ok:
        routes[ru, iu] = v
        routes[rv, iv] = u
        refresh(ru, routes, lens, rlen, pref, wr, wi, dist)
        if rv != ru:
            refresh(rv, routes, lens, rlen, pref, wr, wi, dist)
    return ok


@njit(cache=True)
def _reverse(r: int, i: int, j: int, routes: np.ndarray) -> None:
    while i < j:
        routes[r, i], routes[r, j] = routes[r, j], routes[r, i]
        i += 1
        j -= 1


@njit(cache=True)
def _try_two_opt(r: int, i: int, j: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray,
                 wr: np.ndarray, wi: np.ndarray, dist: np.ndarray, minmax: bool, eps: float) -> bool:
    """Reverse indices ``i..j`` of route ``r`` (symmetric distances) if that improves."""
    if j <= i or i < 0 or j >= lens[r]:
        return False
    a, b = _node(routes, lens, r, i - 1), routes[r, i]
    c, e = routes[r, j], _node(routes, lens, r, j + 1)
    delta = dist[a, c] + dist[b, e] - dist[a, b] - dist[c, e]
    if _improves(rlen, r, r, rlen[r] + delta, 0.0, minmax, eps):
        _reverse(r, i, j, routes)
        refresh(r, routes, lens, rlen, pref, wr, wi, dist)
        return True
    return False


@njit(cache=True)
def _cross(ru: int, iu: int, rv: int, iv: int, rev: bool, routes: np.ndarray, lens: np.ndarray, buf: np.ndarray,
           buf2: np.ndarray) -> None:
    """2-opt*: cut route ``ru`` after index ``iu`` and ``rv`` after ``iv``.

    ``rev`` false: ``ru = head_u + tail_v``, ``rv = head_v + tail_u``; true:
    ``ru = head_u + reversed(head_v)``, ``rv = reversed(tail_u) + tail_v``.
    """
    m1 = 0
    for j in range(iu + 1):
        buf[m1] = routes[ru, j]
        m1 += 1
    m2 = 0
    if not rev:
        for j in range(iv + 1, lens[rv]):
            buf[m1] = routes[rv, j]
            m1 += 1
        for j in range(iv + 1):
            buf2[m2] = routes[rv, j]
            m2 += 1
        for j in range(iu + 1, lens[ru]):
            buf2[m2] = routes[ru, j]
            m2 += 1
    else:
        for j in range(iv, -1, -1):
            buf[m1] = routes[rv, j]
            m1 += 1
        for j in range(lens[ru] - 1, iu, -1):
            buf2[m2] = routes[ru, j]
            m2 += 1
        for j in range(iv + 1, lens[rv]):
            buf2[m2] = routes[rv, j]
            m2 += 1
    _write(ru, buf, m1, routes, lens)
    _write(rv, buf2, m2, routes, lens)


@njit(cache=True)
def _try_cross(ru: int, iu: int, rv: int, iv: int, rev: bool, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray,
               pref: np.ndarray, wr: np.ndarray, wi: np.ndarray, dist: np.ndarray, minmax: bool, eps: float,
               buf: np.ndarray, buf2: np.ndarray) -> bool:
    """2-opt* between different routes (see :func:`_cross`), if both stay non-empty and it improves."""
    nu, nv = lens[ru], lens[rv]
    if rev:
        if iu + iv + 2 < 1 or (nu - iu - 1) + (nv - iv - 1) < 1:
            return False
    elif (iu + 1) + (nv - iv - 1) < 1 or (iv + 1) + (nu - iu - 1) < 1:
        return False
    u, su = _node(routes, lens, ru, iu), _node(routes, lens, ru, iu + 1)
    v, sv = _node(routes, lens, rv, iv), _node(routes, lens, rv, iv + 1)
    hu, hv = _head(pref, ru, iu), _head(pref, rv, iv)
    tu, tv = _tail(rlen, pref, lens, ru, iu + 1), _tail(rlen, pref, lens, rv, iv + 1)
    if rev:  # symmetric distances: a reversed part has its own length
        new_u = hu + dist[u, v] + hv
        new_v = tu + dist[su, sv] + tv
    else:
        new_u = hu + dist[u, sv] + tv
        new_v = hv + dist[v, su] + tu
    if not _improves(rlen, ru, rv, new_u, new_v, minmax, eps):
        return False
    _cross(ru, iu, rv, iv, rev, routes, lens, buf, buf2)
    refresh(ru, routes, lens, rlen, pref, wr, wi, dist)
    refresh(rv, routes, lens, rlen, pref, wr, wi, dist)
    return True


@njit(cache=True)
def _improve_city(u: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray, wr: np.ndarray,
                  wi: np.ndarray, dist: np.ndarray, neigh: np.ndarray, minmax: bool, symmetric: bool, eps: float,
                  buf: np.ndarray, buf2: np.ndarray) -> int:
    """Apply the first improving move around city ``u``: the other city it involved (0: a route end), or -1 for none."""
    nr = lens.shape[0]
    for t in range(neigh.shape[1] + nr):
        if t < neigh.shape[1]:
            v = neigh[u, t]
            if v == u or v == 0:
                continue
            rv, iv = wr[v], wi[v]
        else:  # the start of route t - len(neigh): insert at a route's head, cut before its first city
            v, rv, iv = 0, t - neigh.shape[1], -1
        ru, iu = wr[u], wi[u]
        if _try_segment(u, rv, iv, routes, lens, rlen, pref, wr, wi, dist, minmax, symmetric, eps, buf, buf2):
            return v
        if v == 0:
            if rv != ru and lens[rv] > 0 and _try_cross(ru, iu, rv, lens[rv] - 1, False, routes, lens, rlen, pref,
                                                         wr, wi, dist, minmax, eps, buf, buf2):
                return v
            if rv != ru and _try_cross(ru, iu, rv, -1, False, routes, lens, rlen, pref, wr, wi, dist, minmax, eps,
                                       buf, buf2):
                return v
            continue
        if _try_swap(u, v, routes, lens, rlen, pref, wr, wi, dist, minmax, eps):
            return v
        if ru == rv and symmetric:
            i, j = min(iu, iv), max(iu, iv)
            if _try_two_opt(ru, i + 1, j, routes, lens, rlen, pref, wr, wi, dist, minmax, eps):
                return v
            if _try_two_opt(ru, i, j - 1, routes, lens, rlen, pref, wr, wi, dist, minmax, eps):
                return v
        elif ru != rv:
            if _try_cross(ru, iu, rv, iv - 1, False, routes, lens, rlen, pref, wr, wi, dist, minmax, eps, buf, buf2):
                return v
            if symmetric and _try_cross(ru, iu, rv, iv, True, routes, lens, rlen, pref, wr, wi, dist, minmax, eps,
                                        buf, buf2):
                return v
    if symmetric:  # 2-opt against the depot: reverse the head up to u, or the tail from u
        ru, iu = wr[u], wi[u]
        if _try_two_opt(ru, 0, iu, routes, lens, rlen, pref, wr, wi, dist, minmax, eps):
            return 0
        if _try_two_opt(ru, iu, lens[ru] - 1, routes, lens, rlen, pref, wr, wi, dist, minmax, eps):
            return 0
    return -1


@njit(cache=True)
def _push_around(c: int, routes: np.ndarray, lens: np.ndarray, wr: np.ndarray, wi: np.ndarray, queue: np.ndarray,
                 inq: np.ndarray, qinfo: np.ndarray) -> None:
    """Queue city ``c`` and its current route neighbours."""
    if c <= 0:
        return
    r, i = wr[c], wi[c]
    for k in range(i - 1, i + 2):
        x = _node(routes, lens, r, k)
        if x > 0:
            queue_push(x, queue, inq, qinfo)


@njit(cache=True)
def _drain(routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray, wr: np.ndarray, wi: np.ndarray,
           dist: np.ndarray, neigh: np.ndarray, minmax: bool, symmetric: bool, eps: float, queue: np.ndarray,
           inq: np.ndarray, qinfo: np.ndarray) -> int:
    """Work off the queue: try each queued city; after a move, queue both cities involved and their neighbours."""
    n = dist.shape[0] - 1
    buf = np.empty(n + 4, dtype=np.int64)
    buf2 = np.empty(n + 4, dtype=np.int64)
    moves = 0
    while qinfo[1] > 0:
        u = queue_pop(queue, inq, qinfo)
        v = _improve_city(u, routes, lens, rlen, pref, wr, wi, dist, neigh, minmax, symmetric, eps, buf, buf2)
        if v >= 0:
            moves += 1
            _push_around(u, routes, lens, wr, wi, queue, inq, qinfo)
            _push_around(v, routes, lens, wr, wi, queue, inq, qinfo)
    return moves


@njit(cache=True)
def local_search(routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray, wr: np.ndarray,
                 wi: np.ndarray, dist: np.ndarray, neigh: np.ndarray, minmax: bool, symmetric: bool, eps: float,
                 rng: np.ndarray) -> int:
    """Improve the routes in place to a local optimum of the candidate lists; the number of moves applied.

    Passes queue every city in random order and work the queue off (don't-look
    bits); they repeat until one applies no move.
    """
    n = dist.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    inq = np.zeros(n + 1, dtype=np.bool_)
    qinfo = np.zeros(2, dtype=np.int64)
    order = np.arange(1, n + 1)
    moves = 0
    while True:
        shuffle(order, n, rng)
        for u in order:
            queue_push(u, queue, inq, qinfo)
        more = _drain(routes, lens, rlen, pref, wr, wi, dist, neigh, minmax, symmetric, eps, queue, inq, qinfo)
        moves += more
        if more == 0:
            return moves


@njit(cache=True)
def _ruin(routes: np.ndarray, lens: np.ndarray, neigh_big: np.ndarray, ruin_avg: float, rng: np.ndarray,
          removed: np.ndarray) -> int:
    """Remove a random city and up to ``2 ruin_avg - 1`` cities near it (routes may empty); how many."""
    n = neigh_big.shape[0] - 1
    nr = lens.shape[0]
    count = 1 + rand_int(rng, max(1, int(2.0 * ruin_avg - 1.0)))
    seed = 1 + rand_int(rng, n)
    flag = np.zeros(n + 1, dtype=np.bool_)
    m = 0
    for t in range(-1, neigh_big.shape[1]):
        if m >= count:
            break
        c = seed if t < 0 else neigh_big[seed, t]
        if c == 0 or flag[c]:
            continue
        flag[c] = True
        removed[m] = c
        m += 1
    for r in range(nr):
        j = 0
        for k in range(lens[r]):
            if not flag[routes[r, k]]:
                routes[r, j] = routes[r, k]
                j += 1
        lens[r] = j
    return m


@njit(cache=True)
def _insert(c: int, r: int, k: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray,
            wr: np.ndarray, wi: np.ndarray, dist: np.ndarray) -> None:
    """Put city ``c`` after index ``k`` of route ``r`` (-1: at its start)."""
    for j in range(lens[r] - 1, k, -1):
        routes[r, j + 1] = routes[r, j]
    routes[r, k + 1] = c
    lens[r] += 1
    refresh(r, routes, lens, rlen, pref, wr, wi, dist)


@njit(cache=True)
def _recreate(removed: np.ndarray, m: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray,
              wr: np.ndarray, wi: np.ndarray, dist: np.ndarray, minmax: bool, blink: float, rng: np.ndarray) -> None:
    """Insert the removed cities one by one (random order) where they cost least (min-max: keep the longest route
    shortest, then least added length); a position is skipped with probability ``blink``. Once as many cities
    are left as routes are empty, each remaining city opens an empty route."""
    shuffle(removed, m, rng)
    nr = lens.shape[0]
    empty = 0
    for r in range(nr):
        empty += lens[r] == 0
    for t in range(m):
        c = removed[t]
        forced = m - t <= empty
        cur_max = rlen.max()
        best_key, best_delta, best_r, best_k = np.inf, np.inf, -1, -1
        for r in range(nr):
            if forced and lens[r] > 0:
                continue
            for k in range(-1, lens[r]):
                if blink > 0.0 and not forced and rand_float(rng) < blink:
                    continue
                v, w = _node(routes, lens, r, k), _node(routes, lens, r, k + 1)
                delta = dist[v, c] + dist[c, w] - dist[v, w]
                key = max(cur_max, rlen[r] + delta) if minmax else delta
                if key < best_key or (key == best_key and delta < best_delta):
                    best_key, best_delta, best_r, best_k = key, delta, r, k
        if best_r < 0:  # every position blinked: a route's start
            best_r, best_k = 0, -1
        empty -= lens[best_r] == 0
        _insert(c, best_r, best_k, routes, lens, rlen, pref, wr, wi, dist)


@njit(cache=True)
def copy_slot(src: int, dst: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray,
              wr: np.ndarray, wi: np.ndarray) -> None:
    """Copy solution slot ``src`` into ``dst`` (the arrays' leading axis)."""
    routes[dst] = routes[src]
    lens[dst] = lens[src]
    rlen[dst] = rlen[src]
    pref[dst] = pref[src]
    wr[dst] = wr[src]
    wi[dst] = wi[src]


@njit(cache=True)
def _better(a: np.ndarray, b: np.ndarray, minmax: bool, eps: float) -> bool:
    """Whether route lengths ``a`` beat ``b``: objective first, then (min-max) the total."""
    oa, ob = objective(a, minmax), objective(b, minmax)
    if oa < ob - eps:
        return True
    return minmax and oa <= ob and a.sum() < b.sum() - eps


@njit(cache=True)
def _ls_from(removed: np.ndarray, m: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray, pref: np.ndarray,
             wr: np.ndarray, wi: np.ndarray, dist: np.ndarray, neigh: np.ndarray, minmax: bool, symmetric: bool,
             eps: float) -> int:
    """Local search from the reinserted cities and their route neighbours (the rest was a local optimum)."""
    n = dist.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    inq = np.zeros(n + 1, dtype=np.bool_)
    qinfo = np.zeros(2, dtype=np.int64)
    for t in range(m):
        _push_around(removed[t], routes, lens, wr, wi, queue, inq, qinfo)
    return _drain(routes, lens, rlen, pref, wr, wi, dist, neigh, minmax, symmetric, eps, queue, inq, qinfo)


@njit(cache=True)
def ils(iterations: int, threshold: float, ruin_avg: float, blink: float, routes: np.ndarray, lens: np.ndarray,
        rlen: np.ndarray, pref: np.ndarray, wr: np.ndarray, wi: np.ndarray, dist: np.ndarray, neigh: np.ndarray,
        neigh_big: np.ndarray, minmax: bool, symmetric: bool, eps: float, rng: np.ndarray) -> None:
    """``iterations`` rounds of ruin, recreate and local search on the slots :data:`CUR` / :data:`TRIAL` / :data:`BEST`.

    A round is accepted as the current solution when its objective is at most
    ``threshold`` worse; :data:`BEST` keeps the best solution seen.
    """
    n = dist.shape[0] - 1
    removed = np.empty(n, dtype=np.int64)
    for _ in range(iterations):
        copy_slot(CUR, TRIAL, routes, lens, rlen, pref, wr, wi)
        m = _ruin(routes[TRIAL], lens[TRIAL], neigh_big, ruin_avg, rng, removed)
        for r in range(lens.shape[1]):
            refresh(r, routes[TRIAL], lens[TRIAL], rlen[TRIAL], pref[TRIAL], wr[TRIAL], wi[TRIAL], dist)
        _recreate(removed, m, routes[TRIAL], lens[TRIAL], rlen[TRIAL], pref[TRIAL], wr[TRIAL], wi[TRIAL], dist,
                  minmax, blink, rng)
        _ls_from(removed, m, routes[TRIAL], lens[TRIAL], rlen[TRIAL], pref[TRIAL], wr[TRIAL], wi[TRIAL], dist, neigh,
                 minmax, symmetric, eps)
        if objective(rlen[TRIAL], minmax) <= objective(rlen[CUR], minmax) + threshold:
            copy_slot(TRIAL, CUR, routes, lens, rlen, pref, wr, wi)
            if _better(rlen[CUR], rlen[BEST], minmax, eps):
                copy_slot(CUR, BEST, routes, lens, rlen, pref, wr, wi)
