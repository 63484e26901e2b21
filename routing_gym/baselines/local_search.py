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
    lists are complete. Asymmetric matrices disable every move that reverses a
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


def neighbour_lists(dist: np.ndarray, k: int, exclude_depot: bool = False) -> np.ndarray:
    """The ``k`` nearest other nodes of every node, nearest first.

    :param dist: ``(n, n)`` distance matrix; rows are sorted by ``dist[i, :]``.
    :param k: candidates per node, clipped to the number of other nodes.
    :param exclude_depot: leave node 0 out of every list (CVRP: candidates are customers).
    :returns: ``(n, k')`` int64 array.
    """
    d = np.array(dist, dtype=np.float64, copy=True)
    n = d.shape[0]
    np.fill_diagonal(d, np.inf)
    others = n - 1
    if exclude_depot:
        d[:, 0] = np.inf
        others = n - 2
    k = int(max(0, min(k, others)))
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64)
    if k < n - 1:
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
    else:
        part = np.tile(np.arange(n), (n, 1))
    order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
    out = np.take_along_axis(part, order, axis=1)[:, :k]
    return np.ascontiguousarray(out, dtype=np.int64)


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
                  eps: float, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> bool:
    """First improving 2-opt move with new edge ``(a, c)``, ``c`` a candidate of ``a`` (symmetric costs)."""
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
                return True
    return False


@njit(cache=True)
def _tsp_try_oropt(a: int, tour: np.ndarray, pos: np.ndarray, dist: np.ndarray, neigh: np.ndarray, symmetric: bool,
                   eps: float, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> bool:
    """First improving move of a segment of 1..3 nodes starting at ``a`` next to one of its candidates."""
    n = tour.shape[0]
    for seg_len in range(1, 4):
        if n < seg_len + 3:
            break
        pa = pos[a]
        e = tour[(pa + seg_len - 1) % n]
        p = tour[(pa - 1) % n]
        nx = tour[(pa + seg_len) % n]
        gain = dist[p, a] + dist[e, nx] - dist[p, nx]
        if gain <= eps:
            continue
        for end in range(2 if symmetric else 1):
            # end 0: a is placed next to candidate c; end 1: e is.
            z = a if end == 0 else e
            for k in range(neigh.shape[1]):
                c = neigh[z, k]
                if dist[c, z] >= gain and dist[z, c] >= gain:
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
                        return True
    return False


@njit(cache=True)
def _tsp_ls_queue(tour: np.ndarray, pos: np.ndarray, dist: np.ndarray, neigh: np.ndarray, use_2opt: bool,
                  use_oropt: bool, symmetric: bool, eps: float, queue: np.ndarray, inq: np.ndarray,
                  qinfo: np.ndarray) -> int:
    """Process the work queue until empty; returns the number of moves applied."""
    moves = 0
    while qinfo[1] > 0:
        a = _pop(queue, inq, qinfo)
        if use_2opt and symmetric and _tsp_try_2opt(a, tour, pos, dist, neigh, eps, queue, inq, qinfo):
            moves += 1
            continue
        if use_oropt and _tsp_try_oropt(a, tour, pos, dist, neigh, symmetric, eps, queue, inq, qinfo):
            moves += 1
    return moves


@njit(cache=True)
def tsp_local_search_kernel(tour: np.ndarray, dist: np.ndarray, neigh: np.ndarray, use_2opt: bool, use_oropt: bool,
                            symmetric: bool, eps: float) -> int:
    """Improve ``tour`` in place to a local optimum of the enabled moves over ``neigh``.

    Runs the work queue from all nodes, then repeats full passes until one
    applies no move, so the result is a true local optimum with respect to the
    candidate lists (don't-look bits alone do not guarantee that).

    :returns: number of moves applied.
    """
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
        moves = _tsp_ls_queue(tour, pos, dist, neigh, use_2opt, use_oropt, symmetric, eps, queue, inq, qinfo)
        total += moves
        if moves == 0:
            return total


@njit(cache=True)
def tsp_ils_kernel(cur: np.ndarray, best: np.ndarray, costs: np.ndarray, dist: np.ndarray, neigh: np.ndarray,
                   symmetric: bool, eps: float, max_kick: int, iterations: int, rng: np.ndarray) -> int:
    """Run ``iterations`` rounds of iterated local search (kick, local search, accept if not worse).

    :param cur: current tour (a local optimum), updated in place.
    :param best: best tour so far, updated in place.
    :param costs: ``[cost(cur), cost(best)]``, updated in place.
    :param max_kick: longest segment a double-bridge kick moves.
    :returns: number of accepted kicks.
    """
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
        _tsp_ls_queue(trial, pos, dist, neigh, True, True, symmetric, eps, queue, inq, qinfo)
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
