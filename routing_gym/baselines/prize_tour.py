"""Local search and iterated local search for prize-collecting tours (numba): shared by OP and PCTSP.

Both problems choose a subset of the nodes and one tour through it from the
depot. One objective covers both: minimise ``w * length + sum of pen[u]`` over the
nodes ``u`` left out, subject to ``length <= lmax`` and ``collected prize >= pmin``
(or every node visited), all comparisons with a tolerance of ``1e-9`` as the
environments use:

* PCTSP: ``w = 1``, ``pen`` = the penalties, ``prize`` = the prizes, ``pmin`` = the
  minimum prize, ``lmax = inf``;
* OP: ``pen`` = the prizes (leaving a node out loses its prize), ``prize`` = 0,
  ``pmin = 0``, ``lmax`` = the length limit, and a small ``w`` (the prize comes first;
  among tours of equal prize the shorter wins, which frees length for more nodes).

State
    The visited customers in order, ``seq[:m]`` (depot implied at both ends), their
    positions ``pos`` (``-1`` when left out), and ``stats = [length, prize, pen left out]``:
    one :class:`PrizeState` of named arrays. ``O(m)`` shifts on insertion and removal.

Moves (first improvement, repeated until none applies)
    2-opt and Or-opt (segments of 1 to 3, both orientations) shorten the tour;
    *add* inserts a left-out node at its cheapest position (the best one over all
    candidates); *drop* removes a node; *swap* replaces a visited node by one of its
    ``k`` nearest left-out nodes at that node's cheapest position.

Iterated local search
    Perturb (remove a random segment or random nodes; or insert random left-out
    nodes), repair the minimum prize, local search with the removed nodes tabu, then
    without; accept when not worse than the current objective plus a threshold that
    the caller lowers to zero over the run; keep the best.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from routing_gym.baselines.primitives import rand_float, rand_int
from routing_gym.envs.prize_tour import EPS

#: Indices of ``PrizeData.params``.
W, LMAX, PMIN, FEPS, LEPS, SYM = 0, 1, 2, 3, 4, 5
#: Indices of ``PrizeState.stats``.
LENGTH, PRIZE, LEFT = 0, 1, 2


class PrizeData(NamedTuple):
    """The problem as the kernels see it.

    :param dist: ``(n+1, n+1)`` distances, node 0 the depot.
    :param pen: ``(n+1,)`` cost of leaving each node out (``pen[0] = 0``).
    :param prize: ``(n+1,)`` prize counted by the minimum-prize rule.
    :param neigh: ``(n+1, k)`` nearest customers of each node (swap candidates).
    :param params: ``[w, lmax, pmin, objective eps, length eps, symmetric (1.0 / 0.0)]``.
    """

    dist: np.ndarray
    pen: np.ndarray
    prize: np.ndarray
    neigh: np.ndarray
    params: np.ndarray


class PrizeState(NamedTuple):
    """A tour: ``seq[:count[0]]`` visited in order, ``pos`` (``-1``: left out), ``stats`` (see module doc),
    ``tabu`` (nodes add/swap may not insert)."""

    seq: np.ndarray
    pos: np.ndarray
    stats: np.ndarray
    count: np.ndarray
    tabu: np.ndarray


def make_data(dist: np.ndarray, pen: np.ndarray, prize: np.ndarray, neigh: np.ndarray, w: float, lmax: float,
              pmin: float) -> PrizeData:
    """Kernel data; the objective tolerance scales with the penalties, the length one with the distances.

    On an asymmetric matrix the moves that reverse a stretch of the tour (2-opt, reversed
    Or-opt insertions) are off: their cost changes would need the reversed stretch's length.
    """
    d = np.ascontiguousarray(dist, dtype=np.float64)
    p = np.ascontiguousarray(pen, dtype=np.float64)
    feps = 1e-12 * max(1.0, float(p.sum()) + w * float(d.max(initial=0.0)) * d.shape[0])
    leps = 1e-12 * max(1.0, float(d.max(initial=0.0)) * d.shape[0])
    return PrizeData(d, p, np.ascontiguousarray(prize, dtype=np.float64), np.ascontiguousarray(neigh, dtype=np.int64),
                     np.array([w, lmax, pmin, feps, leps, float(np.array_equal(d, d.T))], dtype=np.float64))


def empty_state(n1: int, pen: np.ndarray) -> PrizeState:
    """The empty tour over ``n1`` nodes (everything left out)."""
    return PrizeState(np.zeros(max(1, n1 - 1), dtype=np.int64), np.full(n1, -1, dtype=np.int64),
                      np.array([0.0, 0.0, float(np.sum(pen))]), np.zeros(1, dtype=np.int64), np.zeros(n1, dtype=np.bool_))


def state_tour(st: PrizeState) -> list[int]:
    return st.seq[: st.count[0]].tolist()


@njit(cache=True)
def objective(st: PrizeState, P: PrizeData) -> float:
    return P.params[W] * st.stats[LENGTH] + st.stats[LEFT]


@njit(cache=True)
def _at(st: PrizeState, k: int) -> int:
    """Node at position ``k`` of the closed tour: the depot before the first and after the last."""
    if k < 0 or k >= st.count[0]:
        return 0
    return st.seq[k]


@njit(cache=True)
def _prize_ok(st: PrizeState, P: PrizeData, prize: float, m: int) -> bool:
    return prize >= P.params[PMIN] - EPS or m == P.dist.shape[0] - 1


@njit(cache=True)
def _insert(st: PrizeState, P: PrizeData, u: int, k: int) -> None:
    """Insert ``u`` before position ``k`` (``0..m``)."""
    m = st.count[0]
    a, b = _at(st, k - 1), _at(st, k)
    st.stats[LENGTH] += P.dist[a, u] + P.dist[u, b] - P.dist[a, b]
    st.stats[PRIZE] += P.prize[u]
    st.stats[LEFT] -= P.pen[u]
    for i in range(m, k, -1):
        st.seq[i] = st.seq[i - 1]
        st.pos[st.seq[i]] = i
    st.seq[k] = u
    st.pos[u] = k
    st.count[0] = m + 1


@njit(cache=True)
def _remove(st: PrizeState, P: PrizeData, k: int) -> int:
    """Remove the node at position ``k``; returns it."""
    m = st.count[0]
    u = st.seq[k]
    a, b = _at(st, k - 1), _at(st, k + 1)
    st.stats[LENGTH] -= P.dist[a, u] + P.dist[u, b] - P.dist[a, b]
    st.stats[PRIZE] -= P.prize[u]
    st.stats[LEFT] += P.pen[u]
    for i in range(k, m - 1):
        st.seq[i] = st.seq[i + 1]
        st.pos[st.seq[i]] = i
    st.pos[u] = -1
    st.count[0] = m - 1
    return u


@njit(cache=True)
def _best_position(st: PrizeState, P: PrizeData, u: int, skip: int) -> tuple[int, float]:
    """Cheapest insertion of ``u``: ``(position, added length)``; ``skip >= 0`` prices the tour without the
    node at that position (the position returned then counts after its removal)."""
    m = st.count[0]
    best_k, best = 0, np.inf
    k = 0  # position in the tour after the removal
    prev = 0
    for i in range(m + 1):
        if i == skip:
            continue
        nxt = _at(st, i)
        c = P.dist[prev, u] + P.dist[u, nxt] - P.dist[prev, nxt]
        if c < best:
            best, best_k = c, k
        prev = nxt
        k += 1
    return best_k, best


@njit(cache=True)
def _removal_gain(st: PrizeState, P: PrizeData, k: int) -> float:
    a, u, b = _at(st, k - 1), st.seq[k], _at(st, k + 1)
    return P.dist[a, u] + P.dist[u, b] - P.dist[a, b]


@njit(cache=True)
def _try_two_opt(st: PrizeState, P: PrizeData) -> bool:
    if P.params[SYM] == 0.0:
        return False
    m = st.count[0]
    d = P.dist
    for i in range(m):
        a, b = _at(st, i - 1), st.seq[i]
        for j in range(i + 1, m):
            c, e = st.seq[j], _at(st, j + 1)
            if d[a, c] + d[b, e] - d[a, b] - d[c, e] < -P.params[LEPS]:
                lo, hi = i, j
                while lo < hi:
                    t = st.seq[lo]
                    st.seq[lo] = st.seq[hi]
                    st.seq[hi] = t
                    lo += 1
                    hi -= 1
                for q in range(i, j + 1):
                    st.pos[st.seq[q]] = q
                st.stats[LENGTH] += d[a, c] + d[b, e] - d[a, b] - d[c, e]
                return True
    return False


@njit(cache=True)
def _move_segment(st: PrizeState, i: int, s: int, k: int, rev: bool, buf: np.ndarray) -> None:
    """Move ``seq[i:i+s]`` (reversed if ``rev``) to sit before position ``k`` of the tour without it."""
    m = st.count[0]
    q = 0
    for x in range(m):
        if i <= x < i + s:
            continue
        if q == k:
            for y in range(s):
                buf[q + y] = st.seq[i + s - 1 - y] if rev else st.seq[i + y]
            q += s
        buf[q] = st.seq[x]
        q += 1
    if q == k:
        for y in range(s):
            buf[q + y] = st.seq[i + s - 1 - y] if rev else st.seq[i + y]
    for x in range(m):
        st.seq[x] = buf[x]
        st.pos[buf[x]] = x


@njit(cache=True)
def _try_or_opt(st: PrizeState, P: PrizeData, buf: np.ndarray) -> bool:
    m = st.count[0]
    d = P.dist
    sym = P.params[SYM] != 0.0
    for s in range(1, 4):
        for i in range(0, m - s + 1):
            first, last = st.seq[i], st.seq[i + s - 1]
            a, e = _at(st, i - 1), _at(st, i + s)
            gain = d[a, first] + d[last, e] - d[a, e]
            k = 0  # insertion position in the tour without the segment
            prev = 0
            for x in range(m + 1):
                if i <= x < i + s:
                    continue
                nxt = _at(st, x)
                if not (prev == a and nxt == e):
                    fwd = d[prev, first] + d[last, nxt] - d[prev, nxt]
                    bwd = d[prev, last] + d[first, nxt] - d[prev, nxt] if sym else np.inf
                    best = min(fwd, bwd)
                    if best - gain < -P.params[LEPS]:
                        _move_segment(st, i, s, k, bwd < fwd, buf)
                        st.stats[LENGTH] += best - gain
                        return True
                prev = nxt
                k += 1
    return False


@njit(cache=True)
def _try_add(st: PrizeState, P: PrizeData) -> bool:
    """Insert the left-out node of best objective change (if it improves and fits)."""
    n1 = P.dist.shape[0]
    w, lmax = P.params[W], P.params[LMAX]
    best_u, best_k, best = -1, 0, -P.params[FEPS]
    for u in range(1, n1):
        if st.pos[u] >= 0 or st.tabu[u]:
            continue
        k, c = _best_position(st, P, u, -1)
        if st.stats[LENGTH] + c > lmax + EPS:
            continue
        delta = w * c - P.pen[u]
        if delta < best:
            best_u, best_k, best = u, k, delta
    if best_u < 0:
        return False
    _insert(st, P, best_u, best_k)
    return True


@njit(cache=True)
def _try_drop(st: PrizeState, P: PrizeData) -> bool:
    w = P.params[W]
    for k in range(st.count[0]):
        u = st.seq[k]
        if P.pen[u] - w * _removal_gain(st, P, k) < -P.params[FEPS] and \
                _prize_ok(st, P, st.stats[PRIZE] - P.prize[u], st.count[0] - 1):
            _remove(st, P, k)
            return True
    return False


@njit(cache=True)
def _try_swap(st: PrizeState, P: PrizeData) -> bool:
    """Replace a visited ``v`` by a left-out neighbour ``u`` at ``u``'s cheapest position in the tour without ``v``."""
    w, lmax = P.params[W], P.params[LMAX]
    for k in range(st.count[0]):
        v = st.seq[k]
        gain = _removal_gain(st, P, k)
        for j in range(P.neigh.shape[1]):
            u = P.neigh[v, j]
            if st.pos[u] >= 0 or st.tabu[u]:
                continue
            kk, c = _best_position(st, P, u, k)
            if st.stats[LENGTH] - gain + c > lmax + EPS:
                continue
            if not _prize_ok(st, P, st.stats[PRIZE] - P.prize[v] + P.prize[u], st.count[0]):
                continue
            if w * (c - gain) + P.pen[v] - P.pen[u] < -P.params[FEPS]:
                _remove(st, P, k)
                _insert(st, P, u, kk)
                return True
    return False


@njit(cache=True)
def repair(st: PrizeState, P: PrizeData) -> None:
    """Insert nodes (least added length per prize first) until the minimum prize is met or all are visited."""
    n1 = P.dist.shape[0]
    while not _prize_ok(st, P, st.stats[PRIZE], st.count[0]):
        best_u, best_k, best = -1, 0, np.inf
        for u in range(1, n1):
            if st.pos[u] >= 0:
                continue
            k, c = _best_position(st, P, u, -1)
            r = (P.params[W] * c - P.pen[u]) / max(P.prize[u], 1e-300)
            if best_u < 0 or r < best:
                best_u, best_k, best = u, k, r
        _insert(st, P, best_u, best_k)


@njit(cache=True)
def local_search(st: PrizeState, P: PrizeData, buf: np.ndarray) -> None:
    """Apply improving moves until none is left (length moves first, then add, swap, drop)."""
    while True:
        if _try_two_opt(st, P) or _try_or_opt(st, P, buf):
            continue
        if _try_add(st, P) or _try_swap(st, P) or _try_drop(st, P):
            continue
        return


@njit(cache=True)
def greedy(st: PrizeState, P: PrizeData, buf: np.ndarray) -> None:
    """Greedy insertion from the current tour: meet the minimum prize (:func:`repair`), then repeatedly insert
    the node of largest ``pen[u] / added length`` (prize per distance for OP) among those that fit the
    length limit and improve the objective."""
    repair(st, P)
    n1 = P.dist.shape[0]
    w, lmax = P.params[W], P.params[LMAX]
    while True:
        best_u, best_k, best = -1, 0, 0.0
        for u in range(1, n1):
            if st.pos[u] >= 0:
                continue
            k, c = _best_position(st, P, u, -1)
            if st.stats[LENGTH] + c > lmax + EPS or w * c - P.pen[u] >= -P.params[FEPS]:
                continue
            ratio = P.pen[u] / max(c, 1e-300)
            if best_u < 0 or ratio > best:
                best_u, best_k, best = u, k, ratio
        if best_u < 0:
            return
        _insert(st, P, best_u, best_k)


@njit(cache=True)
def _copy(src: PrizeState, dst: PrizeState) -> None:
    dst.seq[:] = src.seq
    dst.pos[:] = src.pos
    dst.stats[:] = src.stats
    dst.count[0] = src.count[0]


@njit(cache=True)
def _perturb(st: PrizeState, P: PrizeData, ruin: int, rng: np.ndarray) -> None:
    """Remove a random segment or random nodes (made tabu), or insert random left-out nodes that fit."""
    m = st.count[0]
    n1 = P.dist.shape[0]
    r = 1 + rand_int(rng, ruin)
    mode = rand_int(rng, 3)
    if mode == 2 or m == 0:
        for _ in range(r):
            u = 1 + rand_int(rng, n1 - 1)
            if st.pos[u] >= 0:
                continue
            k, c = _best_position(st, P, u, -1)
            if st.stats[LENGTH] + c <= P.params[LMAX] + EPS:
                _insert(st, P, u, k)
        return
    if mode == 0:
        r = min(r, m)
        start = rand_int(rng, m - r + 1)
        for _ in range(r):
            st.tabu[_remove(st, P, start)] = True
        return
    for _ in range(min(r, m)):
        st.tabu[_remove(st, P, rand_int(rng, st.count[0]))] = True


@njit(cache=True)
def ils_kernel(cur: PrizeState, trial: PrizeState, best: PrizeState, P: PrizeData, iterations: int, ruin: int,
               threshold: float, rng: np.ndarray, buf: np.ndarray) -> None:
    """``iterations`` rounds of perturb, repair, local search (tabu, then free) and threshold acceptance."""
    for _ in range(iterations):
        _copy(cur, trial)
        trial.tabu[:] = False
        _perturb(trial, P, ruin, rng)
        repair(trial, P)
        local_search(trial, P, buf)
        trial.tabu[:] = False
        local_search(trial, P, buf)
        f = objective(trial, P)
        if f <= objective(cur, P) + threshold * rand_float(rng):
            _copy(trial, cur)
        if f < objective(best, P) - P.params[FEPS]:
            _copy(trial, best)


# ---------------------------------------------------------------------------
# Python drivers (the OP and PCTSP hooks call these)
# ---------------------------------------------------------------------------


def greedy_tour(P: PrizeData, ls: bool = True) -> list[int]:
    """:func:`greedy` from the empty tour, then :func:`local_search` unless ``ls`` is false."""
    n1 = P.dist.shape[0]
    st = empty_state(n1, P.pen)
    buf = np.zeros(n1, dtype=np.int64)
    greedy(st, P, buf)
    if ls:
        local_search(st, P, buf)
    return state_tour(st)


def ils_tour(solver: Any, P: PrizeData, t0: float) -> list[int]:
    """The best tour of ``solver``'s budget (an ``ils`` solver: ``seed``, ``ruin``, ``threshold`` and the
    budget loop ``_run``), from the greedy tour plus local search.

    ``ruin`` (default ``min(25, max(2, n / 2))``) is the most nodes a perturbation removes
    or inserts (uniform in ``1..ruin``; OP20 seed 1234 instance 2 needed 8 or more to leave a
    local optimum 12% below HGS's tour, and 25 on OP100 / PCTSP100 was no worse than 10-15 on
    8 instances); a round is accepted when it is at most ``threshold * U(0, 1) * scale`` worse
    than the current tour, ``scale`` (the mean left-out cost of a node: prize for OP, penalty
    for PCTSP) falling linearly to 0 over the run.
    """
    from routing_gym.baselines.primitives import make_rng_state

    n1 = P.dist.shape[0]
    buf = np.zeros(n1, dtype=np.int64)
    cur = empty_state(n1, P.pen)
    greedy(cur, P, buf)
    local_search(cur, P, buf)
    trial, best = empty_state(n1, P.pen), empty_state(n1, P.pen)
    _copy(cur, best)
    n = n1 - 1
    ruin = int(solver.ruin) if solver.ruin is not None else int(min(25, max(2, n // 2)))
    scale = float(np.mean(P.pen[1:])) if n else 0.0
    rng = make_rng_state(solver.seed)

    def step(k: int, progress: float) -> None:
        ils_kernel(cur, trial, best, P, k, max(1, ruin), solver.threshold * scale * (1.0 - progress), rng, buf)

    if n:
        solver._run(step, t0)
    return state_tour(best)


# ---------------------------------------------------------------------------
# integer models (OR-Tools and PyVRP hooks of both problems)
# ---------------------------------------------------------------------------


def prize_quantum(values: np.ndarray, finest: float = 1e6) -> float:
    """A multiplier that makes ``values`` integers: the smallest power of ten up to ``finest`` that does
    (1 for OPLib scores, 100 for Kool et al.'s OP prizes), else ``finest / max(values)``."""
    v = np.asarray(values, dtype=np.float64)
    top = float(v.max(initial=0.0))
    if top <= 0:
        return 1.0
    q = 1.0
    while q <= finest:
        x = v * q
        if np.all(np.abs(x - np.rint(x)) <= 1e-9 * np.maximum(1.0, np.abs(x))):
            return q
        q *= 10.0
    return finest / top


def ceil_lengths(distances: np.ndarray, scale: float) -> np.ndarray:
    """``ceil(scale * d)`` as int64 with a zero diagonal: summed along a tour it bounds the real length from above,
    so a limit ``floor(scale * L)`` on it implies the real limit ``L`` (exact for integer distances at scale 1)."""
    x = np.asarray(distances, dtype=np.float64) * scale
    out = np.ceil(x - 1e-9 * np.maximum(1.0, x)).astype(np.int64)  # 3.0000000001 from float noise stays 3
    np.fill_diagonal(out, 0)
    return out
