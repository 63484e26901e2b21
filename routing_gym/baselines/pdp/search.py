"""PDP local search and large neighbourhood search (numba) over pair insertions.

Moves are pair-aware: a pair is always removed and inserted as a whole
(:mod:`routing_gym.baselines.pdp.insertion`), so precedence, capacity and time
windows hold at every step.

* :func:`relocate_pairs`: the pair-relocate descent: each pair in turn is taken
  out and put back at its cheapest position over all routes (its old one
  included), until a pass moves none.
* :func:`relocate_nodes`: the node-relocate descent: a pickup moves to any
  place before its delivery, a delivery to any place after its pickup, on the
  same route (what a single tour, the uncapacitated PDP, needs most);
* :func:`lns`: ruin and recreate rounds (Ropke and Pisinger 2006): remove a few
  pairs (random ones, or those most related to a random pair: close pickups and
  close deliveries, Shaw 1998), re-insert them by regret-2 with blinks, run the
  pair-relocate descent, accept the round when it is at most a threshold longer
  than the current solution (falling to 0 over the run); keep the best.

Solutions live in slots (leading axis) :data:`CUR`, :data:`TRIAL`, :data:`BEST`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing_gym.baselines.pdp.insertion import best_insertion, insert_pair, refresh, regret_insert
from routing_gym.baselines.primitives import rand_float, rand_int, shuffle

CUR, TRIAL, BEST = 0, 1, 2


@njit(cache=True)
def compact_routes(routes: np.ndarray, lens: np.ndarray, nr: np.ndarray, start: np.ndarray, latest: np.ndarray,
                   load: np.ndarray, rlen: np.ndarray) -> None:
    """Drop empty routes (rows move up), so the routes in use are the first ``nr[0]`` rows."""
    j = 0
    for r in range(nr[0]):
        if lens[r] == 0:
            continue
        if j != r:
            routes[j] = routes[r]
            lens[j] = lens[r]
            start[j] = start[r]
            latest[j] = latest[r]
            load[j] = load[r]
            rlen[j] = rlen[r]
        j += 1
    for r in range(j, nr[0]):
        lens[r] = 0
        rlen[r] = 0.0
    nr[0] = j


@njit(cache=True)
def remove_pairs(flags: np.ndarray, routes: np.ndarray, lens: np.ndarray, nr: np.ndarray, start: np.ndarray,
                 latest: np.ndarray, load: np.ndarray, rlen: np.ndarray, dist: np.ndarray, ready: np.ndarray,
                 due: np.ndarray, service: np.ndarray, demand: np.ndarray) -> None:
    """Take the nodes with ``flags[node]`` out of their routes; drop routes left empty."""
    for r in range(nr[0]):
        j = 0
        changed = False
        for k in range(lens[r]):
            if flags[routes[r, k]]:
                changed = True
            else:
                routes[r, j] = routes[r, k]
                j += 1
        if changed:
            lens[r] = j
            refresh(r, routes, lens, start, latest, load, rlen, dist, ready, due, service, demand)
    compact_routes(routes, lens, nr, start, latest, load, rlen)


@njit(cache=True)
def total_length(rlen: np.ndarray, nr: int) -> float:
    return rlen[:nr].sum()


@njit(cache=True)
def relocate_pairs(which: np.ndarray, npairs: int, pairs: np.ndarray, routes: np.ndarray, lens: np.ndarray,
                   nr: np.ndarray, start: np.ndarray, latest: np.ndarray, load: np.ndarray, rlen: np.ndarray,
                   dist: np.ndarray, ready: np.ndarray, due: np.ndarray, service: np.ndarray, demand: np.ndarray,
                   cap: int, eps: float, rng: np.ndarray) -> int:
    """Pair-relocate descent over the pairs ``which[:npairs]`` (see the module docstring); the number of moves."""
    n1 = dist.shape[0]
    order = which[:npairs].copy()
    flags = np.zeros(n1, dtype=np.bool_)
    moved = 0
    improved = True
    while improved:
        improved = False
        shuffle(order, npairs, rng)
        for u in order:
            p, dl = pairs[u, 0], pairs[u, 1]
            before = total_length(rlen, nr[0])
            flags[p] = True
            flags[dl] = True
            remove_pairs(flags, routes, lens, nr, start, latest, load, rlen, dist, ready, due, service, demand)
            flags[p] = False
            flags[dl] = False
            gone = before - total_length(rlen, nr[0])
            lens[nr[0]] = 0
            best, br, bi, bj = np.inf, -1, -1, -1
            for r in range(nr[0] + 1):
                c, i, j = best_insertion(r, p, dl, routes, lens, start, latest, load, dist, ready, due, service,
                                         demand, cap, eps, 0.0, rng)
                if c < best:
                    best, br, bi, bj = c, r, i, j
            insert_pair(br, p, dl, bi, bj, routes, lens)
            refresh(br, routes, lens, start, latest, load, rlen, dist, ready, due, service, demand)
            if br == nr[0]:
                nr[0] += 1
            if best < gone - eps:
                improved = True
                moved += 1
    return moved


@njit(cache=True)
def _route_length_if_ok(buf: np.ndarray, m: int, dist: np.ndarray, ready: np.ndarray, due: np.ndarray,
                        service: np.ndarray, demand: np.ndarray, cap: int, eps: float) -> float:
    """Length of the route ``buf[:m]`` if it keeps every window and the capacity, else ``inf``."""
    t, prev, acc, carried = ready[0], 0, 0.0, 0
    for k in range(m):
        c = buf[k]
        arrival = t + dist[prev, c]
        carried += demand[c]
        if arrival > due[c] + eps or carried > cap:
            return np.inf
        acc += dist[prev, c]
        t = max(arrival, ready[c]) + service[c]
        prev = c
    if t + dist[prev, 0] > due[0] + eps:
        return np.inf
    return acc + dist[prev, 0]


@njit(cache=True)
def _move_node(c: int, mate: int, pickup: bool, r: int, routes: np.ndarray, lens: np.ndarray, rlen: np.ndarray,
               dist: np.ndarray, ready: np.ndarray, due: np.ndarray, service: np.ndarray, demand: np.ndarray,
               cap: int, eps: float, buf: np.ndarray, out: np.ndarray) -> bool:
    """Move node ``c`` of route ``r`` to its best place on the same side of ``mate``; whether that shortened it."""
    m, at, home = 0, -1, -1
    for k in range(lens[r]):
        if routes[r, k] == c:
            home = k
            continue
        if routes[r, k] == mate:
            at = m
        buf[m] = routes[r, k]
        m += 1
    lo, hi = (0, at) if pickup else (at + 1, m)
    best, best_pos = rlen[r] - eps, -1
    for pos in range(lo, hi + 1):
        if pos == home:
            continue
        for k in range(pos):
            out[k] = buf[k]
        out[pos] = c
        for k in range(pos, m):
            out[k + 1] = buf[k]
        length = _route_length_if_ok(out, m + 1, dist, ready, due, service, demand, cap, eps)
        if length < best:
            best, best_pos = length, pos
    if best_pos < 0:
        return False
    for k in range(best_pos):
        routes[r, k] = buf[k]
    routes[r, best_pos] = c
    for k in range(best_pos, m):
        routes[r, k + 1] = buf[k]
    return True


@njit(cache=True)
def relocate_nodes(which: np.ndarray, npairs: int, pairs: np.ndarray, routes: np.ndarray, lens: np.ndarray,
                   nr: np.ndarray, start: np.ndarray, latest: np.ndarray, load: np.ndarray, rlen: np.ndarray,
                   dist: np.ndarray, ready: np.ndarray, due: np.ndarray, service: np.ndarray, demand: np.ndarray,
                   cap: int, eps: float) -> int:
    """Node-relocate descent over the nodes of the pairs ``which[:npairs]``; the number of moves."""
    where = np.zeros(dist.shape[0], dtype=np.int64)
    buf = np.empty(routes.shape[1], dtype=np.int64)
    out = np.empty(routes.shape[1], dtype=np.int64)
    moves = 0
    improved = True
    while improved:
        improved = False
        for r in range(nr[0]):
            for k in range(lens[r]):
                where[routes[r, k]] = r
        for t in range(npairs):
            u = which[t]
            for side in range(2):
                c, mate = pairs[u, side], pairs[u, 1 - side]
                r = where[c]
                if _move_node(c, mate, side == 0, r, routes, lens, rlen, dist, ready, due, service, demand, cap, eps,
                              buf, out):
                    refresh(r, routes, lens, start, latest, load, rlen, dist, ready, due, service, demand)
                    improved = True
                    moves += 1
    return moves


@njit(cache=True)
def _ruin(pairs: np.ndarray, count: int, routes: np.ndarray, lens: np.ndarray, nr: np.ndarray, start: np.ndarray,
          latest: np.ndarray, load: np.ndarray, rlen: np.ndarray, dist: np.ndarray, ready: np.ndarray,
          due: np.ndarray, service: np.ndarray, demand: np.ndarray, rng: np.ndarray, removed: np.ndarray) -> int:
    """Remove ``count`` pairs: random ones, or (half the time) those nearest a random pair; how many."""
    npairs = pairs.shape[0]
    seed = rand_int(rng, npairs)
    score = np.empty(npairs)
    related = rand_float(rng) < 0.5
    for u in range(npairs):
        if related:
            score[u] = dist[pairs[seed, 0], pairs[u, 0]] + dist[pairs[seed, 1], pairs[u, 1]]
        else:
            score[u] = rand_float(rng)
    score[seed] = -1.0
    order = np.argsort(score)
    flags = np.zeros(dist.shape[0], dtype=np.bool_)
    m = min(count, npairs)
    for t in range(m):
        u = order[t]
        removed[t] = u
        flags[pairs[u, 0]] = True
        flags[pairs[u, 1]] = True
    remove_pairs(flags, routes, lens, nr, start, latest, load, rlen, dist, ready, due, service, demand)
    return m


@njit(cache=True)
def copy_slot(src: int, dst: int, routes: np.ndarray, lens: np.ndarray, nr: np.ndarray, start: np.ndarray,
              latest: np.ndarray, load: np.ndarray, rlen: np.ndarray) -> None:
    routes[dst] = routes[src]
    lens[dst] = lens[src]
    nr[dst] = nr[src]
    start[dst] = start[src]
    latest[dst] = latest[src]
    load[dst] = load[src]
    rlen[dst] = rlen[src]


@njit(cache=True)
def lns(iterations: int, threshold: float, ruin_avg: float, blink: float, pairs: np.ndarray, routes: np.ndarray,
        lens: np.ndarray, nr: np.ndarray, start: np.ndarray, latest: np.ndarray, load: np.ndarray, rlen: np.ndarray,
        dist: np.ndarray, ready: np.ndarray, due: np.ndarray, service: np.ndarray, demand: np.ndarray, cap: int,
        eps: float, rng: np.ndarray) -> None:
    """``iterations`` ruin-and-recreate rounds on the slots (see the module docstring)."""
    removed = np.empty(pairs.shape[0], dtype=np.int64)
    hi = max(1, int(2.0 * ruin_avg) - 1)
    for _ in range(iterations):
        copy_slot(CUR, TRIAL, routes, lens, nr, start, latest, load, rlen)
        tr = (routes[TRIAL], lens[TRIAL], nr[TRIAL:TRIAL + 1], start[TRIAL], latest[TRIAL], load[TRIAL], rlen[TRIAL])
        m = _ruin(pairs, 1 + rand_int(rng, hi), tr[0], tr[1], tr[2], tr[3], tr[4], tr[5], tr[6], dist, ready, due,
                  service, demand, rng, removed)
        if not regret_insert(removed, m, 2, pairs, tr[0], tr[1], tr[2], tr[3], tr[4], tr[5], tr[6], dist, ready, due,
                             service, demand, cap, eps, blink, rng):
            continue
        relocate_pairs(removed, m, pairs, tr[0], tr[1], tr[2], tr[3], tr[4], tr[5], tr[6], dist, ready, due, service,
                       demand, cap, eps, rng)
        relocate_nodes(removed, m, pairs, tr[0], tr[1], tr[2], tr[3], tr[4], tr[5], tr[6], dist, ready, due, service,
                       demand, cap, eps)
        trial = total_length(rlen[TRIAL], nr[TRIAL])
        if trial <= total_length(rlen[CUR], nr[CUR]) + threshold:
            copy_slot(TRIAL, CUR, routes, lens, nr, start, latest, load, rlen)
            if trial < total_length(rlen[BEST], nr[BEST]) - eps:
                copy_slot(CUR, BEST, routes, lens, nr, start, latest, load, rlen)
