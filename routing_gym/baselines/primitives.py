"""Shared numba primitives of the local searches: one copy of each, used by every problem's baselines.

Random numbers
    A xorshift64* generator whose state is an explicit ``uint64[1]`` array,
    seeded by the caller (:func:`make_rng_state`): no global random state.

Tours
    A tour is an ``int64`` array of the nodes in visiting order plus its inverse
    ``pos`` (``pos[tour[i]] == i``). :func:`reverse_path` / :func:`reverse_shorter`
    are the 2-opt reversal; :func:`two_opt_move` finds and applies one improving
    2-opt move (the TSP local search and kopt-MCTS both use it).

Routes as rows
    Vehicle-routing problems keep route ``r`` in ``routes[r, :lens[r]]`` (customers
    1..n, depot 0 implied at both ends); :func:`route_node`, :func:`copy_run`,
    :func:`route_width`, :func:`unflatten_routes` and :func:`push_customers` work on that layout.

Work queue
    A circular queue of "active" nodes (don't-look bits): ``queue`` (capacity = the
    number of nodes), ``inq`` (queued flags) and ``qinfo = [head, count]``.

Matrices
    :func:`neighbour_lists` (candidate lists), :func:`is_symmetric`, :func:`improvement_eps`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from routing_gym.errors import SolverError

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
def rand_u64(state: np.ndarray) -> np.uint64:
    """The next 64-bit output of the xorshift64* generator ``state``."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True)
def rand_float(state: np.ndarray) -> float:
    """Uniform in [0, 1)."""
    return float(rand_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def rand_int(state: np.ndarray, k: int) -> int:
    """Uniform in 0..k-1 (``k >= 1``), by scaling a uniform float."""
    return min(int(rand_float(state) * k), k - 1)


@njit(cache=True)
def rand_mod(state: np.ndarray, k: int) -> int:
    """In 0..k-1 (``k >= 1``) as the top 53 bits modulo ``k``: kopt-MCTS's draw, kept so its runs reproduce."""
    return np.int64(rand_u64(state) >> np.uint64(11)) % k


@njit(cache=True)
def shuffle(arr: np.ndarray, m: int, state: np.ndarray) -> None:
    """Fisher-Yates shuffle of ``arr[:m]`` in place."""
    for i in range(m - 1, 0, -1):
        j = rand_int(state, i + 1)
        t = arr[i]
        arr[i] = arr[j]
        arr[j] = t


# ---------------------------------------------------------------------------
# work queue
# ---------------------------------------------------------------------------


@njit(cache=True)
def make_queue(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An empty work queue for nodes ``0..n-1``: ``(queue, inq, qinfo)``."""
    return np.empty(n, dtype=np.int64), np.zeros(n, dtype=np.bool_), np.zeros(2, dtype=np.int64)


@njit(cache=True)
def queue_push(node: int, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> None:
    """Append ``node`` to the circular work queue unless it is queued already.

    ``qinfo = [head, count]``; the queue's capacity is the number of nodes.
    Branch-free (a queued node rewrites the free slot with its own value), so that
    numba drops the reference counting of the array arguments once inlined.
    """
    fresh = not inq[node]
    slot = (qinfo[0] + qinfo[1]) % queue.shape[0]
    queue[slot] = node if fresh else queue[slot]
    qinfo[1] += fresh
    inq[node] = True


@njit(cache=True)
def queue_pop(queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray) -> int:
    """Remove and return the node at the head of the work queue."""
    node = queue[qinfo[0]]
    qinfo[0] = (qinfo[0] + 1) % queue.shape[0]
    qinfo[1] -= 1
    inq[node] = False
    return node


# ---------------------------------------------------------------------------
# tours (array + inverse permutation)
# ---------------------------------------------------------------------------


@njit(cache=True)
def set_positions(tour: np.ndarray, pos: np.ndarray) -> None:
    """``pos[tour[i]] = i`` for every position ``i``."""
    for i in range(tour.shape[0]):
        pos[tour[i]] = i


@njit(cache=True)
def tour_cost(tour: np.ndarray, dist: np.ndarray) -> float:
    """Length of the closed tour ``tour``."""
    n = tour.shape[0]
    c = 0.0
    for i in range(n - 1):
        c += dist[tour[i], tour[i + 1]]
    return c + dist[tour[n - 1], tour[0]]


@njit(cache=True)
def tour_succ(tour: np.ndarray, pos: np.ndarray, x: int) -> int:
    """The node after ``x`` on the tour."""
    p = pos[x] + 1
    return tour[0] if p == tour.shape[0] else tour[p]


@njit(cache=True)
def tour_pred(tour: np.ndarray, pos: np.ndarray, x: int) -> int:
    """The node before ``x`` on the tour."""
    p = pos[x] - 1
    return tour[tour.shape[0] - 1] if p < 0 else tour[p]


@njit(cache=True)
def reverse_run(tour: np.ndarray, pos: np.ndarray, i: int, length: int) -> None:
    """Reverse the ``length`` cyclic positions starting at ``i`` in place (its own inverse)."""
    n = tour.shape[0]
    j = i + length - 1
    if j >= n:
        j -= n
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
def reverse_path(tour: np.ndarray, pos: np.ndarray, i: int, j: int) -> None:
    """Reverse the forward (cyclic) path of positions ``i..j`` in place."""
    reverse_run(tour, pos, i, (j - i) % tour.shape[0] + 1)


@njit(cache=True)
def reverse_shorter(tour: np.ndarray, pos: np.ndarray, i: int, j: int) -> tuple[int, int]:
    """2-opt reversal of the cyclic path of positions ``i..j``, or of its complement when that is shorter.

    Both give the same cycle (walked the other way). Returns ``(start, length)`` of
    what was reversed, so that :func:`reverse_run` can undo it.
    """
    n = tour.shape[0]
    length = j - i  # (j - i) mod n, without a division: this runs in kopt-MCTS's innermost loop
    if length < 0:
        length += n
    length += 1
    if 2 * length > n:
        i = j + 1
        if i >= n:
            i -= n
        length = n - length
    reverse_run(tour, pos, i, length)
    return i, length


@njit(cache=True, inline="always")
def two_opt_move(a: int, tour: np.ndarray, pos: np.ndarray, dist: np.ndarray, neigh: np.ndarray,
                 eps: float) -> tuple[float, int, int, int]:
    """Apply the first improving 2-opt move that adds the edge ``(a, c)``, ``c`` a candidate of ``a``.

    Symmetric costs only. Candidates are scanned nearest first and the scan stops
    at the classic gain criterion ``d(a, c) >= d(a, succ a)``, which loses no
    improving move when the lists are complete. Removed edges ``(a, b)`` and
    ``(c, d)`` with ``b, d`` both successors (direction 0) or both predecessors.

    Inlined (numba), with a single exit, so that the callers' loops pay no
    reference counting for the array arguments.

    :returns: ``(cost change, b, c, d)``; ``(0.0, -1, -1, -1)`` when no move improves.
    """
    n = tour.shape[0]
    found = False
    delta, b, c, d = 0.0, -1, -1, -1
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
                found = True
                break
        if found:
            # direction 0: ... a b ... c d ... -> reverse b..c ; direction 1: ... b a ... d c ... -> reverse a..d
            if direction == 0:
                reverse_shorter(tour, pos, pos[b], pos[c])
            else:
                reverse_shorter(tour, pos, pos[a], pos[d])
            break
    if not found:
        delta, b, c, d = 0.0, -1, -1, -1
    return delta, b, c, d


# ---------------------------------------------------------------------------
# routes as rows of a matrix (vehicle routing)
# ---------------------------------------------------------------------------


@njit(cache=True)
def route_node(routes: np.ndarray, lens: np.ndarray, r: int, k: int) -> int:
    """Customer at position ``k`` of route ``r``; the depot (0) beyond either end.

    Branch-free on purpose: numba can then drop the reference counting of the
    two array arguments once the call is inlined, which matters in the move
    searches' inner loops (a branching version made them about twice as slow).
    """
    inside = (k >= 0) & (k < lens[r])
    return routes[r, k if inside else 0] * inside


@njit(cache=True)
def copy_run(buf: np.ndarray, m: int, routes: np.ndarray, r: int, k0: int, k1: int, rev: bool) -> int:
    """Append ``routes[r, k0..k1]`` (inclusive; empty when ``k1 < k0``) to ``buf[m:]``, reversed if ``rev``.

    :returns: the new fill of ``buf``.
    """
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
def push_customers(a: int, b: int, c: int, d: int, e: int, f: int, queue: np.ndarray, inq: np.ndarray,
                   qinfo: np.ndarray) -> None:
    """Queue the customers among six nodes (the ends of the edges a move changed); the depot is skipped."""
    for x in (a, b, c, d, e, f):
        if x != 0:
            queue_push(x, queue, inq, qinfo)


def route_width(demands: np.ndarray, capacity: int) -> int:
    """Most customers one route can hold: the smallest demands, summed, within ``capacity``."""
    d = np.sort(np.asarray(demands[1:], dtype=np.int64))
    return max(1, int(np.searchsorted(np.cumsum(d), capacity, side="right")))


def unflatten_routes(flat: np.ndarray) -> list[list[int]]:
    """``r1 0 r2 0 ...`` -> list of non-empty routes."""
    routes: list[list[int]] = []
    cur: list[int] = []
    for x in flat.tolist():
        if x == 0:
            if cur:
                routes.append(cur)
            cur = []
        else:
            cur.append(int(x))
    if cur:
        routes.append(cur)
    return routes


# ---------------------------------------------------------------------------
# matrices
# ---------------------------------------------------------------------------


def neighbour_lists(dist: np.ndarray, k: int, exclude_depot: bool = False, block: int = 1024) -> np.ndarray:
    """The ``k`` nearest other nodes of every node, nearest first.

    :param dist: ``(n, n)`` distance matrix; rows are sorted by ``dist[i, :]``.
    :param k: candidates per node, clipped to the number of other nodes.
    :param exclude_depot: leave node 0 out of every list (routing: candidates are customers).
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


def neighbour_count(neighbours: Any, n: int) -> int:
    """Candidate-list length from a solver's ``neighbours`` parameter (``None``, 0 or ``"all"``: ``n``)."""
    if neighbours in (None, 0, "all"):
        return n
    k = int(neighbours)
    if k < 1:
        raise SolverError(f"neighbours: expected a positive integer or 'all', got {neighbours!r}")
    return k


def is_symmetric(dist: np.ndarray, rtol: float = 0.0) -> bool:
    """Whether ``dist`` equals its transpose: exactly, or within relative tolerance ``rtol``."""
    if rtol == 0.0:
        return bool(np.array_equal(dist, dist.T))
    return bool(np.allclose(dist, dist.T, rtol=rtol, atol=0.0))


def improvement_eps(dist: np.ndarray) -> float:
    """Smallest cost decrease counted as an improvement: guards float round-off."""
    return 1e-9 * max(1.0, float(np.max(dist)))
