"""Local search and iterated local search kernels for TSP and CVRP (numba).

Everything here works on a float64 distance matrix (integer-valued for TSPLIB /
CVRPLIB files, where float64 sums stay exact) and plain integer arrays, so the
kernels compile once per signature and are cached on disk (``cache=True``).

TSP
    A tour is an ``int64`` array of the nodes in visiting order plus its inverse
    ``pos``. Moves: 2-opt (segment reversal) and Or-opt (move a segment of 1 to 3
    nodes, possibly reversed), searched from a work queue of "active" nodes over
    ``k`` nearest-neighbour candidate lists (don't-look bits). With symmetric
    costs the 2-opt search is pruned by the classic gain criterion
    ``d(a, succ a) > d(a, c)``, which loses no improving move when the candidate
    lists are complete; the Or-opt search is complete except inside ILS (see
    ``_tsp_try_oropt``). Asymmetric matrices disable every move that reverses a
    path (its cost would change), leaving Or-opt without reversal.

CVRP
    Routes are rows of an ``int64`` matrix (``routes[r, :lens[r]]``, customers
    1..n, depot implied at both ends) with per-node route and position indices
    and per-route loads, prefix loads and costs. Moves, all capacity-checked and
    evaluated in O(1) from edge differences: relocation of a segment of 1 to 3
    customers (intra and inter route, reversed or not), inter-route swaps of
    segments of 1 or 2, 2-opt* (four variants) and intra-route 2-opt.

Iterated local search (ILS)
    TSP: double-bridge (segment swap) kicks of bounded size, local search from
    the changed edges, accept when not worse. CVRP: ruin (radial, string or
    random removal) and recreate (cheapest insertion, random order) followed by
    local search of the changed routes; accept when not worse than the current
    solution plus a threshold that the caller lowers to zero over the run. The
    kernels run a fixed number of iterations per call so the Python caller can
    honour a wall-clock limit (numba cannot read the clock).

Random numbers come from a xorshift64* generator whose state is an explicit
``uint64[1]`` array, seeded by the caller: no global random state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# ---------------------------------------------------------------------------
# random numbers (explicit state)
# ---------------------------------------------------------------------------


def make_rng_state(seed: int) -> np.ndarray:
    """A non-zero xorshift64* state derived from ``seed`` by splitmix64.

    :param seed: any integer.
    :returns: ``uint64[1]`` array, advanced in place by the kernels.
    """
    mask = (1 << 64) - 1
    z = (int(seed) * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    z ^= z >> 31
    return np.array([z or 0x2545F4914F6CDD1D], dtype=np.uint64)


@njit(cache=True)
def _rand_u64(state: np.ndarray) -> np.uint64:
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True)
def _rand_float(state: np.ndarray) -> float:
    """Uniform in [0, 1)."""
    return float(_rand_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _rand_int(state: np.ndarray, k: int) -> int:
    """Uniform in 0..k-1 (``k >= 1``)."""
    return min(int(_rand_float(state) * k), k - 1)


@njit(cache=True)
def _shuffle(arr: np.ndarray, m: int, state: np.ndarray) -> None:
    """Fisher-Yates shuffle of ``arr[:m]`` in place."""
    for i in range(m - 1, 0, -1):
        j = _rand_int(state, i + 1)
        t = arr[i]
        arr[i] = arr[j]
        arr[j] = t


# ---------------------------------------------------------------------------
# helpers shared by both problems
# ---------------------------------------------------------------------------


def neighbour_lists(dist: np.ndarray, k: int, exclude_depot: bool = False, block: int = 1024) -> np.ndarray:
    """The ``k`` nearest other nodes of every node, nearest first.

    :param dist: ``(n, n)`` distance matrix; rows are sorted by ``dist[i, :]``.
    :param k: candidates per node, clipped to the number of other nodes.
    :param exclude_depot: leave node 0 out of every list (CVRP: candidates are customers).
    :param block: rows processed at a time (memory is ``O(block * n)``, not ``O(n^2)``).
    :returns: ``(n, k')`` int64 array.
    """
    n = dist.shape[0]
    others = n - 2 if exclude_depot else n - 1
    k = int(max(0, min(k, others)))
    out = np.zeros((n, k), dtype=np.int64)
    if k == 0:
        return out
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        d = np.array(dist[lo:hi], dtype=np.float64)
        d[np.arange(hi - lo), np.arange(lo, hi)] = np.inf  # not its own neighbour
        if exclude_depot:
            d[:, 0] = np.inf
        part = np.argpartition(d, k - 1, axis=1)[:, :k] if k < n - 1 else np.tile(np.arange(n), (hi - lo, 1))
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        out[lo:hi] = np.take_along_axis(part, order, axis=1)[:, :k]
    return out


def is_symmetric(dist: np.ndarray) -> bool:
    """Whether ``dist`` equals its transpose (exactly)."""
    return bool(np.array_equal(dist, dist.T))


def improvement_eps(dist: np.ndarray) -> float:
    """Smallest cost decrease counted as an improvement: guards float round-off."""
    return 1e-9 * max(1.0, float(np.max(dist)))


# ---------------------------------------------------------------------------
# TSP
# ---------------------------------------------------------------------------


@njit(cache=True)
def tour_cost(tour: np.ndarray, dist: np.ndarray) -> float:
    """Length of the closed tour ``tour``."""
    n = tour.shape[0]
    c = 0.0
    for i in range(n - 1):
        c += dist[tour[i], tour[i + 1]]
    return c + dist[tour[n - 1], tour[0]]


@njit(cache=True)
def _reverse_path(tour: np.ndarray, pos: np.ndarray, i: int, j: int) -> None:
    """Reverse the forward (cyclic) path of positions ``i..j`` in place."""
    n = tour.shape[0]
    length = (j - i) % n + 1
    for _ in range(length // 2):
        a = tour[i]
        b = tour[j]
        tour[i] = b
        pos[b] = i
        tour[j] = a
        pos[a] = j
        i += 1
        if i == n:
            i = 0
        j -= 1
        if j < 0:
            j = n - 1


@njit(cache=True)
def _swap_blocks(tour: np.ndarray, pos: np.ndarray, i: int, len1: int, len2: int, rev1: bool) -> None:
    """Cyclic blocks ``A = [i, i+len1)`` and ``B`` right after it become ``B A`` (``B A^r`` if ``rev1``).

    Done with reversals: ``reverse(A B) = B^r A^r``, then each part is reversed back.
    """
    n = tour.shape[0]
    _reverse_path(tour, pos, i, (i + len1 + len2 - 1) % n)
    if len2 > 1:
        _reverse_path(tour, pos, i, (i + len2 - 1) % n)
    if not rev1 and len1 > 1:
        _reverse_path(tour, pos, (i + len2) % n, (i + len2 + len1 - 1) % n)


@njit(cache=True)
def _move_segment(tour: np.ndarray, pos: np.ndarray, a: int, seg_len: int, x: int, reverse: bool) -> None:
    """Move the segment of ``seg_len`` nodes starting at ``a`` between ``x`` and ``succ(x)``.

    ``x`` and ``succ(x)`` must lie outside the segment; ``reverse`` inserts it reversed.
    Swaps the segment with the shorter of the two paths around it.
    """
    n = tour.shape[0]
    pa = pos[a]
    pe = (pa + seg_len - 1) % n
    len_x = (pos[x] - pe) % n  # path X: succ(e) .. x
    len_y = n - seg_len - len_x  # path Y: succ(x) .. pred(a)
    if len_x <= len_y:
        # S X -> X S
        _swap_blocks(tour, pos, pa, seg_len, len_x, reverse)
    else:
        # Y S -> S Y  (cyclically X Y S -> X S Y)
        i = (pa - len_y) % n
        total = len_y + seg_len
        _reverse_path(tour, pos, i, (i + total - 1) % n)  # S^r Y^r
        if not reverse and seg_len > 1:
            _reverse_path(tour, pos, i, (i + seg_len - 1) % n)
        if len_y > 1:
            _reverse_path(tour, pos, (i + seg_len) % n, (i + total - 1) % n)


@njit(cache=True)
def _push(node: int, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> None:
    """Append ``node`` to the circular work queue unless it is queued already.

    ``qinfo = [head, count]``; the queue's capacity is the number of nodes.
    """
    if inq[node]:
        return
    cap = queue.shape[0]
    queue[(qinfo[0] + qinfo[1]) % cap] = node
    qinfo[1] += 1
    inq[node] = True


@njit(cache=True)
def _pop(queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> int:
    node = queue[qinfo[0]]
    qinfo[0] = (qinfo[0] + 1) % queue.shape[0]
    qinfo[1] -= 1
    inq[node] = False
    return node


@njit(cache=True)
def _tsp_try_2opt(a: int, tour: np.ndarray, pos: np.ndarray, dist: np.ndarray, neigh: np.ndarray,
                  eps: float, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> float:
    """Apply the first improving 2-opt move with new edge ``(a, c)``, ``c`` a candidate of ``a`` (symmetric costs); returns its cost change (0: none)."""
    n = tour.shape[0]
    for direction in range(2):
        b = tour[(pos[a] + 1) % n] if direction == 0 else tour[(pos[a] - 1) % n]
        dab = dist[a, b]
        for k in range(neigh.shape[1]):
            c = neigh[a, k]
            dac = dist[a, c]
            if dac >= dab - eps:
                break  # gain criterion: later candidates are farther still
            d = tour[(pos[c] + 1) % n] if direction == 0 else tour[(pos[c] - 1) % n]
            if c == b or d == a:
                continue
            delta = dac + dist[b, d] - dab - dist[c, d]
            if delta < -eps:
                # direction 0: ... a b ... c d ... -> reverse b..c ; direction 1: ... b a ... d c ... -> reverse a..d
                i, j = (pos[b], pos[c]) if direction == 0 else (pos[a], pos[d])
                if 2 * ((j - i) % n + 1) > n:  # reverse the complement instead: same cycle, less work
                    i, j = (j + 1) % n, (i - 1) % n
                _reverse_path(tour, pos, i, j)
                _push(a, queue, inq, qinfo)
                _push(b, queue, inq, qinfo)
                _push(c, queue, inq, qinfo)
                _push(d, queue, inq, qinfo)
                return delta
    return 0.0


@njit(cache=True)
def _tsp_try_oropt(a: int, tour: np.ndarray, pos: np.ndarray, dist: np.ndarray, neigh: np.ndarray, symmetric: bool,
                   eps: float, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray, prune: bool) -> float:
    """Apply the first improving move of the segment of 1..3 nodes starting at ``a`` next to one of its
    candidates; returns its cost change (0: none).

    ``prune`` skips segments whose removal saves nothing and stops scanning a
    candidate list once the new edge alone costs more than the removal saves. Both
    are heuristic (a segment of 2-3 nodes can gain from a long-range insertion), so
    the complete search (``prune=False``) is used for the local optima the module
    promises, and the pruned one inside ILS, where it makes rounds about twice as fast.
    """
    n = tour.shape[0]
    for seg_len in range(1, 4):
        if n < seg_len + 3:
            break
        pa = pos[a]
        e = tour[(pa + seg_len - 1) % n]
        p = tour[(pa - 1) % n]
        nx = tour[(pa + seg_len) % n]
        gain = dist[p, a] + dist[e, nx] - dist[p, nx]
        if prune and gain <= eps:
            continue
        for end in range(2 if symmetric else 1):
            # end 0: a is placed next to candidate c; end 1: e is.
            z = a if end == 0 else e
            for k in range(neigh.shape[1]):
                c = neigh[z, k]
                if prune and dist[c, z] >= gain and dist[z, c] >= gain:
                    break
                if (pos[c] - pa) % n < seg_len:
                    continue  # c inside the segment
                pc = tour[(pos[c] - 1) % n]
                sc = tour[(pos[c] + 1) % n]
                for opt in range(2 if symmetric else 1):
                    # (x, y) the edge the segment goes into; rev: inserted reversed
                    if end == 0 and opt == 0:  # c a..e sc
                        x, y, rev = c, sc, False
                    elif end == 0:  # pc e..a c
                        x, y, rev = pc, c, True
                    elif opt == 0:  # pc a..e c
                        x, y, rev = pc, c, False
                    else:  # c e..a sc
                        x, y, rev = c, sc, True
                    if x == p or y == nx:
                        continue  # the segment's own gap (or a neighbour of it): not a move
                    if rev:
                        add = dist[x, e] + dist[a, y] - dist[x, y]
                    else:
                        add = dist[x, a] + dist[e, y] - dist[x, y]
                    if add - gain < -eps:
                        _move_segment(tour, pos, a, seg_len, x, rev)
                        _push(a, queue, inq, qinfo)
                        _push(e, queue, inq, qinfo)
                        _push(p, queue, inq, qinfo)
                        _push(nx, queue, inq, qinfo)
                        _push(x, queue, inq, qinfo)
                        _push(y, queue, inq, qinfo)
                        return add - gain
    return 0.0


@njit(cache=True)
def _tsp_ls_queue(tour: np.ndarray, pos: np.ndarray, dist: np.ndarray, neigh: np.ndarray, use_2opt: bool,
                  use_oropt: bool, symmetric: bool, eps: float, queue: np.ndarray, inq: np.ndarray,
                  qinfo: np.ndarray, prune: bool, verify: bool) -> int:
    """Process the work queue until empty; returns the number of moves applied.

    ``verify`` recomputes the tour cost after every move and raises if it did not
    change by the move's predicted amount (a test hook; O(n) per move).
    """
    moves = 0
    cost = tour_cost(tour, dist) if verify else 0.0
    while qinfo[1] > 0:
        a = _pop(queue, inq, qinfo)
        delta = 0.0
        if use_2opt and symmetric:
            delta = _tsp_try_2opt(a, tour, pos, dist, neigh, eps, queue, inq, qinfo)
        if delta == 0.0 and use_oropt:
            delta = _tsp_try_oropt(a, tour, pos, dist, neigh, symmetric, eps, queue, inq, qinfo, prune)
        if delta < 0.0:
            moves += 1
            if verify:
                new = tour_cost(tour, dist)
                if abs(new - (cost + delta)) > 1e-7 * max(1.0, abs(new)):
                    raise AssertionError("TSP local search: a move changed the cost by other than its predicted delta")
                cost = new
    return moves


@njit(cache=True)
def _tsp_ls_full(tour: np.ndarray, dist: np.ndarray, neigh: np.ndarray, use_2opt: bool, use_oropt: bool,
                 symmetric: bool, eps: float, verify: bool) -> int:
    """The work of :func:`tsp_local_search_kernel` (called through the engine)."""
    n = tour.shape[0]
    pos = np.empty(n, dtype=np.int64)
    for i in range(n):
        pos[tour[i]] = i
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.bool_)
    qinfo = np.zeros(2, dtype=np.int64)
    total = 0
    while True:
        for i in range(n):
            _push(tour[i], queue, inq, qinfo)
        moves = _tsp_ls_queue(tour, pos, dist, neigh, use_2opt, use_oropt, symmetric, eps, queue, inq, qinfo, False,
                              verify)
        total += moves
        if moves == 0:
            return total


@njit(cache=True)
def _tsp_ils(cur: np.ndarray, best: np.ndarray, costs: np.ndarray, dist: np.ndarray, neigh: np.ndarray,
             symmetric: bool, eps: float, max_kick: int, iterations: int, rng: np.ndarray) -> int:
    """The work of :func:`tsp_ils_kernel` (called through the engine)."""
    n = cur.shape[0]
    trial = cur.copy()
    pos = np.empty(n, dtype=np.int64)
    for i in range(n):
        pos[trial[i]] = i
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.bool_)
    qinfo = np.zeros(2, dtype=np.int64)
    accepted = 0
    for _ in range(iterations):
        if n >= 8:
            # double bridge = swap two adjacent segments B, C: A B C D -> A C B D
            lim = max(1, min(max_kick, (n - 2) // 3))
            len_b = 1 + _rand_int(rng, lim)
            len_c = 1 + _rand_int(rng, lim)
            i = _rand_int(rng, n)
            ends = (
                trial[(i - 1) % n], trial[i], trial[(i + len_b - 1) % n], trial[(i + len_b) % n],
                trial[(i + len_b + len_c - 1) % n], trial[(i + len_b + len_c) % n],
            )
            _swap_blocks(trial, pos, i, len_b, len_c, False)
            for v in ends:
                _push(v, queue, inq, qinfo)
        else:
            # too few nodes for a double bridge: restart from a random tour
            _shuffle(trial, n, rng)
            for i in range(n):
                pos[trial[i]] = i
                _push(trial[i], queue, inq, qinfo)
        _tsp_ls_queue(trial, pos, dist, neigh, True, True, symmetric, eps, queue, inq, qinfo, True, False)
        c = tour_cost(trial, dist)
        if c <= costs[0] + eps:
            cur[:] = trial
            costs[0] = c
            accepted += 1
            if c < costs[1] - eps:
                best[:] = trial
                costs[1] = c
        else:
            trial[:] = cur
            for i in range(n):
                pos[trial[i]] = i
    return accepted


# One compiled entry point per problem: numba re-optimises everything an entry point
# links in, so two entry points sharing the local search would compile it twice.
_NO_COSTS = np.zeros(2)
_NO_RNG = np.ones(1, dtype=np.uint64)


@njit(cache=True)
def _tsp_engine(mode: int, tour: np.ndarray, best: np.ndarray, costs: np.ndarray, dist: np.ndarray,
                neigh: np.ndarray, use_2opt: bool, use_oropt: bool, symmetric: bool, eps: float, max_kick: int,
                iterations: int, rng: np.ndarray, verify: bool) -> int:
    if mode == 0:
        return _tsp_ls_full(tour, dist, neigh, use_2opt, use_oropt, symmetric, eps, verify)
    return _tsp_ils(tour, best, costs, dist, neigh, symmetric, eps, max_kick, iterations, rng)


def tsp_local_search_kernel(tour: np.ndarray, dist: np.ndarray, neigh: np.ndarray, use_2opt: bool, use_oropt: bool,
                            symmetric: bool, eps: float, verify: bool = False) -> int:
    """Improve ``tour`` (int64, in place) to a local optimum of the enabled moves over ``neigh``.

    Runs the work queue from all nodes, then repeats full passes until one
    applies no move, so the result is a true local optimum with respect to the
    candidate lists (don't-look bits alone do not guarantee that).

    :param verify: check every move's predicted cost change (a test hook, O(n) per move).
    :returns: number of moves applied.
    """
    return _tsp_engine(0, tour, tour, _NO_COSTS, dist, neigh, use_2opt, use_oropt, symmetric, eps, 1, 0, _NO_RNG,
                       verify)


def tsp_ils_kernel(cur: np.ndarray, best: np.ndarray, costs: np.ndarray, dist: np.ndarray, neigh: np.ndarray,
                   symmetric: bool, eps: float, max_kick: int, iterations: int, rng: np.ndarray) -> int:
    """Run ``iterations`` rounds of iterated local search (kick, local search, accept if not worse).

    :param cur: current tour (a local optimum), updated in place.
    :param best: best tour so far, updated in place.
    :param costs: ``[cost(cur), cost(best)]``, updated in place.
    :param max_kick: longest segment a double-bridge kick moves.
    :param rng: xorshift state from :func:`make_rng_state`, advanced in place.
    :returns: number of accepted kicks.
    """
    return _tsp_engine(1, cur, best, costs, dist, neigh, True, True, symmetric, eps, max_kick, iterations, rng, False)


# ---------------------------------------------------------------------------
# CVRP
# ---------------------------------------------------------------------------
#
# The state is a tuple of arrays (numba passes it by reference):
#   routes (R, W)  customers of route r in routes[r, :lens[r]] (depot implied at both ends)
#   lens, loads    (R,) length and load of each route
#   cum (R, W)     prefix loads: cum[r, k] = load of routes[r, 0..k]
#   rcost (R,)     route lengths (float64)
#   rof, pos       (n+1,) route and position of each customer
#   bk_routes, bk_lens, touched, tlist, tinfo
#                  undo log: the first time an ILS round changes route r, its row is
#                  saved, so a rejected round restores only the routes it touched;
#                  tinfo = [number of touched routes].
# R = n (a route per customer at worst); W = the longest route the capacity allows.


def cvrp_route_width(demands: np.ndarray, capacity: int) -> int:
    """Most customers one route can hold: the smallest demands, summed, within ``capacity``."""
    d = np.sort(np.asarray(demands[1:], dtype=np.int64))
    return max(1, int(np.searchsorted(np.cumsum(d), capacity, side="right")))


def cvrp_make_state(routes: list[list[int]], num_customers: int, width: int) -> tuple:
    """Pack a list of routes into the kernel state (see the comment above); call :func:`cvrp_refresh_all` next.

    :param routes: routes of customer indices 1..n (empty ones are dropped).
    :param num_customers: ``n``.
    :param width: row width, at least the longest route (see :func:`cvrp_route_width`).
    """
    n = int(num_customers)
    routes = [list(r) for r in routes if len(r)]
    if len(routes) > n:
        raise ValueError(f"{len(routes)} non-empty routes for {n} customers")
    width = max(int(width), max((len(r) for r in routes), default=1))
    arr = np.zeros((n, width), dtype=np.int64)
    lens = np.zeros(n, dtype=np.int64)
    for r, route in enumerate(routes):
        arr[r, : len(route)] = route
        lens[r] = len(route)
    return (
        arr, lens, np.zeros(n, dtype=np.int64), np.zeros((n, width), dtype=np.int64), np.zeros(n, dtype=np.float64),
        np.zeros(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64),
        np.zeros((n, width), dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.int64), np.zeros(1, dtype=np.int64),
    )


def cvrp_state_routes(st: tuple) -> list[list[int]]:
    """The non-empty routes of a kernel state, as lists."""
    routes, lens = st[0], st[1]
    return [routes[r, : lens[r]].tolist() for r in range(routes.shape[0]) if lens[r] > 0]


@njit(cache=True)
def _cv_node(routes: np.ndarray, lens: np.ndarray, r: int, k: int) -> int:
    """Customer at position ``k`` of route ``r``; the depot (0) beyond either end."""
    if k < 0 or k >= lens[r]:
        return 0
    return routes[r, k]


@njit(cache=True)
def _cv_refresh(st: tuple, r: int, dist: np.ndarray, dem: np.ndarray) -> None:
    """Recompute positions, loads, prefix loads and cost of route ``r``."""
    routes, lens, loads, cum, rcost, rof, pos = st[0], st[1], st[2], st[3], st[4], st[5], st[6]
    load = 0
    c = 0.0
    prev = 0
    for k in range(lens[r]):
        x = routes[r, k]
        rof[x] = r
        pos[x] = k
        load += dem[x]
        cum[r, k] = load
        c += dist[prev, x]
        prev = x
    if lens[r] > 0:
        c += dist[prev, 0]
    loads[r] = load
    rcost[r] = c


@njit(cache=True)
def cvrp_refresh_all(st: tuple, dist: np.ndarray, dem: np.ndarray) -> None:
    """Recompute all derived arrays of the state from ``routes`` and ``lens``."""
    for r in range(st[0].shape[0]):
        _cv_refresh(st, r, dist, dem)


@njit(cache=True)
def _cv_touch(st: tuple, r: int) -> None:
    """Save route ``r`` to the undo log the first time it changes in this round."""
    routes, lens, bk_routes, bk_lens, touched, tlist, tinfo = st[0], st[1], st[7], st[8], st[9], st[10], st[11]
    if touched[r]:
        return
    touched[r] = True
    tlist[tinfo[0]] = r
    tinfo[0] += 1
    bk_lens[r] = lens[r]
    for k in range(lens[r]):
        bk_routes[r, k] = routes[r, k]


@njit(cache=True)
def _cv_clear_log(st: tuple) -> None:
    touched, tlist, tinfo = st[9], st[10], st[11]
    for i in range(tinfo[0]):
        touched[tlist[i]] = False
    tinfo[0] = 0


@njit(cache=True)
def _cv_undo(st: tuple, dist: np.ndarray, dem: np.ndarray) -> None:
    """Restore every route touched since the log was cleared."""
    routes, lens, bk_routes, bk_lens, tlist, tinfo = st[0], st[1], st[7], st[8], st[10], st[11]
    for i in range(tinfo[0]):
        r = tlist[i]
        lens[r] = bk_lens[r]
        for k in range(bk_lens[r]):
            routes[r, k] = bk_routes[r, k]
    for i in range(tinfo[0]):
        _cv_refresh(st, tlist[i], dist, dem)
    _cv_clear_log(st)


@njit(cache=True)
def _cv_write(st: tuple, r: int, buf: np.ndarray, m: int, dist: np.ndarray, dem: np.ndarray) -> None:
    """Replace route ``r`` by ``buf[:m]``."""
    _cv_touch(st, r)
    routes, lens = st[0], st[1]
    for k in range(m):
        routes[r, k] = buf[k]
    lens[r] = m
    _cv_refresh(st, r, dist, dem)


@njit(cache=True)
def _cv_put(buf: np.ndarray, m: int, routes: np.ndarray, r: int, k0: int, k1: int, rev: bool) -> int:
    """Append ``routes[r, k0..k1]`` (inclusive; empty when ``k1 < k0``) to ``buf[m:]``, reversed if ``rev``."""
    if k1 < k0:
        return m
    if rev:
        for k in range(k1, k0 - 1, -1):
            buf[m] = routes[r, k]
            m += 1
    else:
        for k in range(k0, k1 + 1):
            buf[m] = routes[r, k]
            m += 1
    return m


@njit(cache=True)
def _cv_push_route(st: tuple, r: int, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> None:
    routes, lens = st[0], st[1]
    for k in range(lens[r]):
        _push(routes[r, k], queue, inq, qinfo)


@njit(cache=True)
def _push6(a: int, b: int, c: int, d: int, e: int, f: int, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> None:
    """Queue the customers among six nodes (the ends of the edges a move changed); the depot is skipped."""
    for x in (a, b, c, d, e, f):
        if x != 0:
            _push(x, queue, inq, qinfo)


@njit(cache=True)
def _cv_empty_route(st: tuple) -> int:
    """Index of an empty route slot, or -1."""
    lens = st[1]
    for r in range(lens.shape[0]):
        if lens[r] == 0:
            return r
    return -1


@njit(cache=True)
def _cv_relocate(st: tuple, ru: int, pu: int, s: int, rv: int, t: int, rev: bool, buf: np.ndarray,
                 dist: np.ndarray, dem: np.ndarray) -> None:
    """Move ``routes[ru, pu:pu+s]`` into route ``rv`` right after position ``t`` (-1: at the start).

    Positions refer to the routes before the move; when ``ru == rv``, ``t`` lies outside the segment.
    """
    routes, lens = st[0], st[1]
    if ru == rv:
        m = 0
        if t == -1:
            m = _cv_put(buf, m, routes, ru, pu, pu + s - 1, rev)
        for k in range(lens[ru]):
            if pu <= k < pu + s:
                continue
            buf[m] = routes[ru, k]
            m += 1
            if k == t:
                m = _cv_put(buf, m, routes, ru, pu, pu + s - 1, rev)
        _cv_write(st, ru, buf, m, dist, dem)
        return
    m = _cv_put(buf, 0, routes, rv, 0, t, False)
    m = _cv_put(buf, m, routes, ru, pu, pu + s - 1, rev)
    m = _cv_put(buf, m, routes, rv, t + 1, lens[rv] - 1, False)
    _cv_write(st, rv, buf, m, dist, dem)
    m = _cv_put(buf, 0, routes, ru, 0, pu - 1, False)
    m = _cv_put(buf, m, routes, ru, pu + s, lens[ru] - 1, False)
    _cv_write(st, ru, buf, m, dist, dem)


@njit(cache=True)
def _cv_swap(st: tuple, ru: int, pu: int, a: int, rv: int, pv: int, b: int, buf: np.ndarray,
             dist: np.ndarray, dem: np.ndarray) -> None:
    """Exchange ``routes[ru, pu:pu+a]`` and ``routes[rv, pv:pv+b]`` (different routes)."""
    routes, lens = st[0], st[1]
    half = buf.shape[0] // 2
    m1 = _cv_put(buf, 0, routes, ru, 0, pu - 1, False)
    m1 = _cv_put(buf, m1, routes, rv, pv, pv + b - 1, False)
    m1 = _cv_put(buf, m1, routes, ru, pu + a, lens[ru] - 1, False)
    m2 = _cv_put(buf, half, routes, rv, 0, pv - 1, False)
    m2 = _cv_put(buf, m2, routes, ru, pu, pu + a - 1, False)
    m2 = _cv_put(buf, m2, routes, rv, pv + b, lens[rv] - 1, False)
    for k in range(m2 - half):
        buf[m1 + k] = buf[half + k]  # second route after the first, then write both
    _cv_write(st, ru, buf, m1, dist, dem)
    _cv_write(st, rv, buf[m1:], m2 - half, dist, dem)


@njit(cache=True)
def _cv_two_opt_star(st: tuple, ru: int, pu: int, rv: int, pv: int, variant: int, buf: np.ndarray,
                     dist: np.ndarray, dem: np.ndarray) -> None:
    """Exchange route ends between ``ru`` (cut at ``pu``) and ``rv`` (cut at ``pv``); see ``_cv_try_moves``."""
    routes, lens = st[0], st[1]
    lu = lens[ru] - 1
    lv = lens[rv] - 1
    half = buf.shape[0] // 2
    if variant == 0:  # ru[..pu] + rv[pv..] | rv[..pv-1] + ru[pu+1..]
        m1 = _cv_put(buf, 0, routes, ru, 0, pu, False)
        m1 = _cv_put(buf, m1, routes, rv, pv, lv, False)
        m2 = _cv_put(buf, half, routes, rv, 0, pv - 1, False)
        m2 = _cv_put(buf, m2, routes, ru, pu + 1, lu, False)
    elif variant == 1:  # rv[..pv] + ru[pu..] | ru[..pu-1] + rv[pv+1..]
        m1 = _cv_put(buf, 0, routes, rv, 0, pv, False)
        m1 = _cv_put(buf, m1, routes, ru, pu, lu, False)
        m2 = _cv_put(buf, half, routes, ru, 0, pu - 1, False)
        m2 = _cv_put(buf, m2, routes, rv, pv + 1, lv, False)
    elif variant == 2:  # ru[..pu] + rev(rv[..pv]) | rev(ru[pu+1..]) + rv[pv+1..]
        m1 = _cv_put(buf, 0, routes, ru, 0, pu, False)
        m1 = _cv_put(buf, m1, routes, rv, 0, pv, True)
        m2 = _cv_put(buf, half, routes, ru, pu + 1, lu, True)
        m2 = _cv_put(buf, m2, routes, rv, pv + 1, lv, False)
    else:  # rev(rv[pv..]) + ru[pu..] | ru[..pu-1] + rev(rv[..pv-1])
        m1 = _cv_put(buf, 0, routes, rv, pv, lv, True)
        m1 = _cv_put(buf, m1, routes, ru, pu, lu, False)
        m2 = _cv_put(buf, half, routes, ru, 0, pu - 1, False)
        m2 = _cv_put(buf, m2, routes, rv, 0, pv - 1, True)
    for k in range(m2 - half):
        buf[m1 + k] = buf[half + k]
    _cv_write(st, ru, buf, m1, dist, dem)
    _cv_write(st, rv, buf[m1:], m2 - half, dist, dem)


@njit(cache=True)
def _cv_reverse(st: tuple, r: int, i: int, j: int, dist: np.ndarray, dem: np.ndarray) -> None:
    """Reverse ``routes[r, i..j]`` (intra-route 2-opt)."""
    _cv_touch(st, r)
    routes = st[0]
    while i < j:
        t = routes[r, i]
        routes[r, i] = routes[r, j]
        routes[r, j] = t
        i += 1
        j -= 1
    _cv_refresh(st, r, dist, dem)


@njit(cache=True)
def _cv_try_moves(u: int, st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray, symmetric: bool,
                  eps: float, buf: np.ndarray, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> float:
    """Apply the first improving move found around customer ``u``; returns its cost change (0: none).

    For each candidate ``v`` of ``u`` (a near customer), in this order: relocate the
    segment of 1..3 customers starting at ``u`` next to ``v`` (reversed too, with
    symmetric costs); swap segments of 1..2 starting at ``u`` and at ``v`` or
    ``succ(v)`` (different routes); 2-opt* between the two routes; 2-opt inside one.
    Then: the segment of 1..3 customers starting at ``u`` alone on a new route.
    """
    routes, lens, loads, cum, rof, pos = st[0], st[1], st[2], st[3], st[5], st[6]
    ru = rof[u]
    pu = pos[u]
    lu = lens[ru]
    pred_u = _cv_node(routes, lens, ru, pu - 1)
    succ_u = _cv_node(routes, lens, ru, pu + 1)
    base_u = cum[ru, pu - 1] if pu > 0 else 0  # load before u
    for k in range(neigh.shape[1]):
        v = neigh[u, k]
        rv = rof[v]
        pv = pos[v]
        pred_v = _cv_node(routes, lens, rv, pv - 1)
        succ_v = _cv_node(routes, lens, rv, pv + 1)
        same = ru == rv

        # -- relocate a segment u..last (s customers) next to v
        for s in range(1, 4):
            if pu + s > lu:
                break
            if same and pu <= pv < pu + s:
                break  # v in the segment (and in every longer one)
            last = routes[ru, pu + s - 1]
            nx = _cv_node(routes, lens, ru, pu + s)
            qs = cum[ru, pu + s - 1] - base_u
            if not same and loads[rv] + qs > cap:
                break
            gain = dist[pred_u, u] + dist[last, nx] - dist[pred_u, nx]
            for where in range(2):
                if where == 0:  # between v and succ(v)
                    x, y, t = v, succ_v, pv
                    if same and v == pred_u:
                        continue
                else:  # between pred(v) and v
                    x, y, t = pred_v, v, pv - 1
                    if same and v == nx:
                        continue
                for rev in range(2 if (symmetric and s > 1) else 1):
                    if rev == 0:
                        add = dist[x, u] + dist[last, y] - dist[x, y]
                    else:
                        add = dist[x, last] + dist[u, y] - dist[x, y]
                    if add - gain < -eps:
                        _cv_relocate(st, ru, pu, s, rv, t, rev == 1, buf, dist, dem)
                        _push6(pred_u, u, last, nx, x, y, queue, inq, qinfo)
                        return add - gain

        if not same:
            # -- swap u[..a] with w[..b], w = v or succ(v)
            for which in range(2):
                w = v if which == 0 else succ_v
                if w == 0:
                    break
                pw = pos[w]
                pred_w = _cv_node(routes, lens, rv, pw - 1)
                base_w = cum[rv, pw - 1] if pw > 0 else 0
                for a in range(1, 3):
                    if pu + a > lu:
                        break
                    lastu = routes[ru, pu + a - 1]
                    nu = _cv_node(routes, lens, ru, pu + a)
                    qa = cum[ru, pu + a - 1] - base_u
                    for b in range(1, 3):
                        if pw + b > lens[rv]:
                            break
                        lastw = routes[rv, pw + b - 1]
                        nw = _cv_node(routes, lens, rv, pw + b)
                        qb = cum[rv, pw + b - 1] - base_w
                        if loads[ru] - qa + qb > cap or loads[rv] - qb + qa > cap:
                            continue
                        delta = (dist[pred_u, w] + dist[lastw, nu] + dist[pred_w, u] + dist[lastu, nw]
                                 - dist[pred_u, u] - dist[lastu, nu] - dist[pred_w, w] - dist[lastw, nw])
                        if delta < -eps:
                            _cv_swap(st, ru, pu, a, rv, pw, b, buf, dist, dem)
                            _push6(pred_u, u, lastu, nu, pred_w, w, queue, inq, qinfo)
                            _push6(lastw, nw, 0, 0, 0, 0, queue, inq, qinfo)
                            return delta

            # -- 2-opt*: exchange route ends so that u and v become adjacent
            head_u = cum[ru, pu]  # load of ru[..pu]
            head_v = cum[rv, pv]
            load_u = loads[ru]
            load_v = loads[rv]
            for variant in range(4 if symmetric else 2):
                if variant == 0:  # ru[..u] v.. | rv[..pred v] succ(u)..
                    ok = head_u + load_v - head_v + dem[v] <= cap and head_v - dem[v] + load_u - head_u <= cap
                    delta = dist[u, v] + dist[pred_v, succ_u] - dist[u, succ_u] - dist[pred_v, v]
                elif variant == 1:  # rv[..v] u.. | ru[..pred u] succ(v)..
                    ok = head_v + load_u - head_u + dem[u] <= cap and head_u - dem[u] + load_v - head_v <= cap
                    delta = dist[v, u] + dist[pred_u, succ_v] - dist[pred_u, u] - dist[v, succ_v]
                elif variant == 2:  # ru[..u] v..rv[0] | last(ru)..succ(u) succ(v)..
                    ok = head_u + head_v <= cap and load_u - head_u + load_v - head_v <= cap
                    delta = dist[u, v] + dist[succ_u, succ_v] - dist[u, succ_u] - dist[v, succ_v]
                else:  # last(rv)..v u.. | ru[..pred u] pred(v)..rv[0]
                    ok = (load_v - head_v + dem[v] + load_u - head_u + dem[u] <= cap
                          and head_u - dem[u] + head_v - dem[v] <= cap)
                    delta = dist[v, u] + dist[pred_u, pred_v] - dist[pred_u, u] - dist[pred_v, v]
                if ok and delta < -eps:
                    _cv_two_opt_star(st, ru, pu, rv, pv, variant, buf, dist, dem)
                    _push6(pred_u, u, succ_u, pred_v, v, succ_v, queue, inq, qinfo)
                    return delta
        elif symmetric:
            # -- intra-route 2-opt making u and v adjacent
            if pv > pu + 1:
                delta = dist[u, v] + dist[succ_u, succ_v] - dist[u, succ_u] - dist[v, succ_v]
                if delta < -eps:
                    _cv_reverse(st, ru, pu + 1, pv, dist, dem)
                    _push6(u, succ_u, v, succ_v, 0, 0, queue, inq, qinfo)
                    return delta
            elif pv < pu - 1:
                delta = dist[pred_v, pred_u] + dist[v, u] - dist[pred_v, v] - dist[pred_u, u]
                if delta < -eps:
                    _cv_reverse(st, ru, pv, pu - 1, dist, dem)
                    _push6(pred_v, v, pred_u, u, 0, 0, queue, inq, qinfo)
                    return delta

    # -- the segment u..last (1..3 customers, not the whole route) alone on a new route
    for s in range(1, 4):
        if pu + s > lu or s == lu:
            break
        last = routes[ru, pu + s - 1]
        nx = _cv_node(routes, lens, ru, pu + s)
        gain = dist[pred_u, u] + dist[last, nx] - dist[pred_u, nx]
        if dist[0, u] + dist[last, 0] - gain < -eps:
            r = _cv_empty_route(st)
            if r >= 0:
                _cv_relocate(st, ru, pu, s, r, -1, False, buf, dist, dem)
                _push6(pred_u, u, last, nx, 0, 0, queue, inq, qinfo)
                return dist[0, u] + dist[last, 0] - gain
    return 0.0


@njit(cache=True)
def _cv_ls_queue(st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray, symmetric: bool,
                 eps: float, buf: np.ndarray, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray,
                 verify: bool) -> int:
    """Process the work queue until empty; returns the number of moves applied.

    ``verify`` (a test hook) checks after every move that the total cost changed by
    the predicted amount and that every route respects the capacity.
    """
    moves = 0
    cost = cvrp_total_cost(st) if verify else 0.0
    while qinfo[1] > 0:
        u = _pop(queue, inq, qinfo)
        delta = _cv_try_moves(u, st, dist, dem, cap, neigh, symmetric, eps, buf, queue, inq, qinfo)
        if delta < 0.0:
            _push(u, queue, inq, qinfo)
            moves += 1
            if verify:
                new = cvrp_total_cost(st)
                if abs(new - (cost + delta)) > 1e-7 * max(1.0, abs(new)):
                    raise AssertionError("CVRP local search: a move changed the cost by other than its predicted delta")
                if st[2].max() > cap:
                    raise AssertionError("CVRP local search: a move overloaded a route")
                cost = new
    return moves


@njit(cache=True)
def _cvrp_ls_full(st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                  symmetric: bool, eps: float, verify: bool) -> int:
    """The work of :func:`cvrp_local_search_kernel` (called through the engine)."""
    n = dem.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    inq = np.zeros(n + 1, dtype=np.bool_)
    qinfo = np.zeros(2, dtype=np.int64)
    buf = np.empty(2 * (n + 2), dtype=np.int64)
    total = 0
    while True:
        for c in range(1, n + 1):
            _push(c, queue, inq, qinfo)
        moves = _cv_ls_queue(st, dist, dem, cap, neigh, symmetric, eps, buf, queue, inq, qinfo, verify)
        _cv_clear_log(st)
        total += moves
        if moves == 0:
            return total


@njit(cache=True)
def _cv_remove(c: int, removed: np.ndarray, nrem: int) -> int:
    """Mark customer ``c`` removed (routes are compacted later); returns the new count."""
    if removed[c]:
        return nrem
    removed[c] = True
    return nrem + 1


@njit(cache=True)
def _cv_ruin(st: tuple, dist: np.ndarray, dem: np.ndarray, neigh_big: np.ndarray, ruin_avg: float, rng: np.ndarray,
             removed: np.ndarray, rlist: np.ndarray) -> int:
    """Remove customers by one of three rules (radial, strings, random); returns how many, listed in ``rlist``."""
    routes, lens = st[0], st[1]
    rof, pos = st[5], st[6]
    n = dem.shape[0] - 1
    kb = neigh_big.shape[1]
    target = min(n, kb + 1, 1 + _rand_int(rng, max(1, int(2.0 * ruin_avg))))
    seed = 1 + _rand_int(rng, n)
    kind = _rand_int(rng, 3)
    nrem = 0
    if kind == 0:  # radial: the seed and its nearest customers
        nrem = _cv_remove(seed, removed, nrem)
        for k in range(kb):
            if nrem >= target:
                break
            nrem = _cv_remove(neigh_big[seed, k], removed, nrem)
    elif kind == 1:  # strings: a run of consecutive customers from each route met near the seed (SISR-like)
        max_str = max(1, int(ruin_avg))
        ruined = np.zeros(lens.shape[0], dtype=np.bool_)
        for k in range(-1, kb):
            if nrem >= target:
                break
            c = seed if k < 0 else neigh_big[seed, k]
            r = rof[c]
            if removed[c] or ruined[r]:
                continue
            ruined[r] = True
            length = min(lens[r], 1 + _rand_int(rng, max_str), target - nrem)
            start = pos[c] - _rand_int(rng, length)
            start = max(0, min(start, lens[r] - length))
            for j in range(start, start + length):
                nrem = _cv_remove(routes[r, j], removed, nrem)
    else:  # random
        while nrem < target:
            nrem = _cv_remove(1 + _rand_int(rng, n), removed, nrem)
    # list and compact the affected routes
    m = 0
    for c in range(1, n + 1):
        if removed[c]:
            rlist[m] = c
            m += 1
    for i in range(m):
        r = rof[rlist[i]]
        if st[9][r]:
            continue  # already compacted this round
        _cv_touch(st, r)
        w = 0
        for k in range(lens[r]):
            x = routes[r, k]
            if not removed[x]:
                routes[r, w] = x
                w += 1
        lens[r] = w
        _cv_refresh(st, r, dist, dem)
    return m


@njit(cache=True)
def _cv_recreate(st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, rlist: np.ndarray, m: int,
                 removed: np.ndarray, blink: float, rng: np.ndarray) -> None:
    """Insert the removed customers one by one at their cheapest feasible position.

    The order is random, by decreasing demand, or by decreasing / increasing distance
    to the depot (SISR's choices); each position is skipped with probability ``blink``
    so that repeated rounds explore different insertions.
    """
    routes, lens, loads = st[0], st[1], st[2]
    nroutes = routes.shape[0]
    order = rlist[:m]
    kind = _rand_int(rng, 4)
    if kind == 0:
        _shuffle(order, m, rng)
    else:
        key = np.empty(m, dtype=np.float64)
        for i in range(m):
            c = order[i]
            key[i] = -dem[c] if kind == 1 else (-dist[0, c] if kind == 2 else dist[0, c])
            key[i] += 1e-6 * _rand_float(rng)  # random tie-break
        idx = np.argsort(key)
        tmp = order.copy()
        for i in range(m):
            order[i] = tmp[idx[i]]
    for i in range(m):
        c = order[i]
        best = dist[0, c] + dist[c, 0]  # a new route
        best_r = -1
        best_t = -1
        for r in range(nroutes):
            if lens[r] == 0 or loads[r] + dem[c] > cap:
                continue
            prev = 0
            for k in range(lens[r] + 1):
                nxt = routes[r, k] if k < lens[r] else 0
                delta = dist[prev, c] + dist[c, nxt] - dist[prev, nxt]
                if delta < best and (blink <= 0.0 or _rand_float(rng) >= blink):
                    best = delta
                    best_r = r
                    best_t = k
                prev = nxt
        if best_r < 0:
            best_r = _cv_empty_route(st)
            best_t = 0
        _cv_touch(st, best_r)
        for k in range(lens[best_r], best_t, -1):
            routes[best_r, k] = routes[best_r, k - 1]
        routes[best_r, best_t] = c
        lens[best_r] += 1
        _cv_refresh(st, best_r, dist, dem)
        removed[c] = False


@njit(cache=True)
def cvrp_total_cost(st: tuple) -> float:
    """Total length of the routes of ``st``."""
    lens, rcost = st[1], st[4]
    c = 0.0
    for r in range(lens.shape[0]):
        if lens[r] > 0:
            c += rcost[r]
    return c


@njit(cache=True)
def cvrp_flatten(st: tuple, out: np.ndarray) -> int:
    """Write the routes to ``out`` as ``r1 0 r2 0 ...``; returns the length used."""
    routes, lens = st[0], st[1]
    m = 0
    for r in range(lens.shape[0]):
        if lens[r] == 0:
            continue
        for k in range(lens[r]):
            out[m] = routes[r, k]
            m += 1
        out[m] = 0
        m += 1
    return m


@njit(cache=True)
def _cvrp_ils(st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray, neigh_big: np.ndarray,
              symmetric: bool, eps: float, iterations: int, threshold: float, ruin_avg: float, blink: float,
              rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray, best_len: np.ndarray) -> int:
    """The work of :func:`cvrp_ils_kernel` (called through the engine)."""
    n = dem.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    inq = np.zeros(n + 1, dtype=np.bool_)
    qinfo = np.zeros(2, dtype=np.int64)
    buf = np.empty(2 * (n + 2), dtype=np.int64)
    removed = np.zeros(n + 1, dtype=np.bool_)
    rlist = np.empty(n, dtype=np.int64)
    tlist = st[10]
    tinfo = st[11]
    accepted = 0
    _cv_clear_log(st)
    for _ in range(iterations):
        m = _cv_ruin(st, dist, dem, neigh_big, ruin_avg, rng, removed, rlist)
        _cv_recreate(st, dist, dem, cap, rlist, m, removed, blink, rng)
        for i in range(tinfo[0]):
            _cv_push_route(st, tlist[i], queue, inq, qinfo)
        _cv_ls_queue(st, dist, dem, cap, neigh, symmetric, eps, buf, queue, inq, qinfo, False)
        c = cvrp_total_cost(st)
        if c <= costs[0] + threshold + eps:
            costs[0] = c
            accepted += 1
            _cv_clear_log(st)
            if c < costs[1] - eps:
                costs[1] = c
                best_len[0] = cvrp_flatten(st, best_flat)
        else:
            _cv_undo(st, dist, dem)
    return accepted


_NO_FLAT = np.zeros(1, dtype=np.int64)


@njit(cache=True)
def _cvrp_engine(mode: int, st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                 neigh_big: np.ndarray, symmetric: bool, eps: float, iterations: int, threshold: float, ruin_avg: float,
                 blink: float, rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray, best_len: np.ndarray,
                 verify: bool) -> int:
    if mode == 0:
        return _cvrp_ls_full(st, dist, dem, cap, neigh, symmetric, eps, verify)
    return _cvrp_ils(st, dist, dem, cap, neigh, neigh_big, symmetric, eps, iterations, threshold, ruin_avg, blink, rng,
                     costs, best_flat, best_len)


def cvrp_local_search_kernel(st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                             symmetric: bool, eps: float, verify: bool = False) -> int:
    """Improve the routes of ``st`` in place to a local optimum of all moves over ``neigh``.

    Like the TSP kernel, repeats full passes until one applies no move.

    :param dist: distances with a zero diagonal; ``dem`` int64 demands (depot first).
    :param verify: check every move's predicted cost change and the capacities (a test hook).
    :returns: number of moves applied.
    """
    return _cvrp_engine(0, st, dist, dem, cap, neigh, neigh, symmetric, eps, 0, 0.0, 1.0, 0.0, _NO_RNG, _NO_COSTS,
                        _NO_FLAT, _NO_FLAT, verify)


def cvrp_ils_kernel(st: tuple, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray, neigh_big: np.ndarray,
                    symmetric: bool, eps: float, iterations: int, threshold: float, ruin_avg: float, blink: float,
                    rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray, best_len: np.ndarray) -> int:
    """Run ``iterations`` rounds of ruin-and-recreate + local search on the current solution ``st``.

    A round is accepted when its cost is at most ``costs[0] + threshold``; otherwise
    the touched routes are restored from the undo log.

    :param neigh_big: longer candidate lists for the radial and string ruins.
    :param ruin_avg: mean number of customers removed per round.
    :param blink: probability of skipping an insertion position when recreating.
    :param costs: ``[current cost, best cost]``, updated in place.
    :param best_flat: the best solution so far, flattened by :func:`cvrp_flatten`; ``best_len[0]`` its length.
    :returns: number of accepted rounds.
    """
    return _cvrp_engine(1, st, dist, dem, cap, neigh, neigh_big, symmetric, eps, iterations, threshold, ruin_avg, blink,
                        rng, costs, best_flat, best_len, False)
