"""Heatmap-guided k-opt Monte Carlo tree search for the symmetric TSP.

The search of Fu et al. (AAAI 2021, "Generalize a small pre-trained model to
arbitrarily large TSP instances"), as re-examined by Xia et al. (ICML 2024,
"Position: Rethinking post-hoc search-based neural approaches for solving
large-scale TSP") and Pan et al. (2024):

1. an initial tour (greedy edge matching) made 2-opt optimal over nearest-neighbour lists;
2. edge weights ``W_ij = 100 * h_ij`` from a heatmap ``h`` (SoftDist by default,
   see :mod:`routing_gym.baselines.tsp.heatmaps`) and visit counts ``Q_ij = 0``;
   the candidate set of city ``i`` is its ``candidates`` best edges by heatmap
   (ties broken by distance, so a flat heatmap gives the nearest neighbours);
3. rounds of sampled k-opt moves: a move breaks a random tour edge ``(a1, b1)``
   and then, up to ``max_depth`` times, joins the free end ``b_i`` to a candidate
   ``a_{i+1}`` drawn with probability proportional to the UCB potential
   ``Z_ij = W_ij / mean_{j in cand(i)} W_ij + alpha * sqrt(ln(M + 1) / (Q_ij + 1))``
   (``M`` moves sampled so far; candidates with ``Z < 1`` are skipped) and breaks
   the tour edge ``(a_{i+1}, b_{i+1})`` that keeps a Hamiltonian path; closing
   ``(b_k, a1)`` gives a tour, and the move keeps the depth of best gain;
4. the improving move of the round is applied (``accept="first"``: the first one
   found, as the reference code does; ``"best"``: the best of ``samples``), and
   each edge it added gets ``W_ij += beta * (exp((L_old - L_new) / L_old) - 1)``;
5. when a whole round of ``samples`` moves finds no improvement, the search is
   stuck: it keeps the best tour and restarts from a perturbation of it (a random
   double-bridge kick, then 2-opt around the kick; ``restart="perturb"``) or from
   a fresh random tour made 2-opt optimal (``restart="random"``, as the reference).

The hot loops are numba functions on an array tour with its inverse
permutation; a k-opt move is a chain of 2-opt reversals (each reversing the
shorter side), undone by replaying them, so sampling never copies the tour.
Randomness comes from a xorshift generator seeded from ``seed``. The tour, RNG
and 2-opt primitives are the suite's shared ones (:mod:`routing_gym.baselines.primitives`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from numba import njit

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.primitives import (
    improvement_eps,
    is_symmetric,
    make_queue,
    neighbour_lists,
    queue_pop,
    queue_push,
    rand_float,
    rand_mod,
    rand_u64,
    reverse_run,
    reverse_shorter,
    set_positions,
    tour_cost,
    tour_pred,
    tour_succ,
    two_opt_move,
)
from routing_gym.baselines.tsp.heatmaps import HEATMAPS, resolve_heatmap
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import SolverError

ACCEPTS = ("first", "best")
RESTARTS = ("perturb", "random")
#: nearest neighbours per city for the greedy construction and the 2-opt local search
LOCAL_NEIGHBOURS = 10
#: longest segment moved by a double-bridge kick (kicks stay local, so the repair is cheap)
KICK_SEGMENT = 50
#: relative tolerance of the symmetry check (distances computed in float may differ in the last bits)
SYMMETRY_RTOL = 1e-12


# --- construction and 2-opt ----------------------------------------------------------------------------------
@njit(cache=True)
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True)
def _greedy_tour(d: np.ndarray, nbr: np.ndarray) -> np.ndarray:
    """Greedy edge matching over the neighbour lists, fragments then joined nearest-endpoint first."""
    n, k = nbr.shape
    eu = np.empty(n * k, dtype=np.int64)
    ev = np.empty(n * k, dtype=np.int64)
    ew = np.empty(n * k, dtype=np.float64)
    m = 0
    for i in range(n):
        for t in range(k):
            eu[m] = i
            ev[m] = nbr[i, t]
            ew[m] = d[i, nbr[i, t]]
            m += 1
    order = np.argsort(ew, kind="mergesort")
    parent = np.arange(n)
    deg = np.zeros(n, dtype=np.int64)
    adj = np.full((n, 2), -1, dtype=np.int64)
    for e in order:
        u, v = eu[e], ev[e]
        if deg[u] < 2 and deg[v] < 2:
            ru, rv = _find(parent, u), _find(parent, v)
            if ru != rv:  # never close a cycle early
                parent[ru] = rv
                adj[u, deg[u]] = v
                deg[u] += 1
                adj[v, deg[v]] = u
                deg[v] += 1
    ends = np.flatnonzero(deg < 2)
    visited = np.zeros(n, dtype=np.bool_)
    tour = np.empty(n, dtype=np.int64)
    filled = 0
    x = ends[0]
    while True:
        prev = -1
        while True:  # walk the fragment from endpoint x to its other end
            tour[filled] = x
            filled += 1
            visited[x] = True
            nxt = -1
            for s in range(deg[x]):
                y = adj[x, s]
                if y != prev and not visited[y]:
                    nxt = y
            if nxt < 0:
                break
            prev = x
            x = nxt
        if filled == n:
            break
        best, bd = -1, np.inf
        for e in ends:
            if not visited[e] and d[x, e] < bd:
                best, bd = e, d[x, e]
        x = best
    return tour


@njit(cache=True)
def _two_opt(tour: np.ndarray, pos: np.ndarray, d: np.ndarray, nbr: np.ndarray, queue: np.ndarray, inq: np.ndarray,
             qinfo: np.ndarray, eps: float) -> None:
    """2-opt local search over neighbour lists from the queued cities (a work queue: "don't-look bits").

    Each city taken from the queue is improved until no 2-opt move adds one of its
    candidate edges; the other three ends of every applied move are re-queued.
    """
    while qinfo[1] > 0:
        a = queue_pop(queue, inq, qinfo)
        while True:
            delta, b, c, e = two_opt_move(a, tour, pos, d, nbr, eps)
            if delta == 0.0:
                break
            queue_push(b, queue, inq, qinfo)
            queue_push(c, queue, inq, qinfo)
            queue_push(e, queue, inq, qinfo)


# --- the k-opt MCTS ---------------------------------------------------------------------------------------------
@njit(cache=True)
def _choose(cur: int, a1: int, other: int, cand: np.ndarray, w: np.ndarray, q: np.ndarray, total: float,
            alpha: float, rng: np.ndarray, pbuf: np.ndarray, sbuf: np.ndarray) -> int:
    """Slot in ``cand[cur]`` of the city to join to ``cur``, drawn by UCB potential; -1 if none qualifies."""
    k = cand.shape[1]
    avg = 0.0
    for t in range(k):
        avg += w[cur, t]
    avg /= k
    log_m = math.log(total + 1.0)
    tot = 0.0
    m = 0
    for t in range(k):
        c = cand[cur, t]
        if c == a1 or c == other:
            continue
        ratio = w[cur, t] / avg if avg > 0.0 else 1.0  # a flat (all-zero) row: no edge preferred
        z = ratio + alpha * math.sqrt(log_m / (q[cur, t] + 1.0))
        if z < 1.0:
            continue
        pbuf[m] = z
        sbuf[m] = t
        tot += z
        m += 1
    if m == 0:
        return -1
    r = rand_float(rng) * tot
    for t in range(m):
        r -= pbuf[t]
        if r < 0.0:
            return sbuf[t]
    return sbuf[m - 1]


@njit(cache=True)
def _sample(tour: np.ndarray, pos: np.ndarray, d: np.ndarray, cand: np.ndarray, w: np.ndarray, q: np.ndarray,
            total: float, alpha: float, max_depth: int, rng: np.ndarray, eps: float, seq_b: np.ndarray,
            seq_c: np.ndarray, seq_d: np.ndarray, rev_i: np.ndarray, rev_l: np.ndarray, pbuf: np.ndarray,
            sbuf: np.ndarray) -> tuple[int, int, float, int]:
    """Sample one k-opt move from a random city, applying its steps to the tour.

    Returns ``(a1, steps applied, best real gain, depth of the best gain)``; the
    caller undoes the reversals ``rev_i/rev_l`` it does not keep.
    """
    n = tour.shape[0]
    kc = cand.shape[1]
    a1 = rand_mod(rng, n)
    cur = tour_succ(tour, pos, a1)
    g = d[a1, cur]  # removed minus added so far, before closing back to a1
    best, best_k, k = -np.inf, 0, 0
    while k < max_depth:
        forward = tour_succ(tour, pos, a1) == cur  # orientation flips when a reversal took the other side
        other = tour_succ(tour, pos, cur) if forward else tour_pred(tour, pos, cur)
        slot = _choose(cur, a1, other, cand, w, q, total, alpha, rng, pbuf, sbuf)
        if slot < 0:
            break
        c = cand[cur, slot]
        q[cur, slot] += 1.0
        for t in range(kc):
            if cand[c, t] == cur:
                q[c, t] += 1.0
                break
        # break (dp, c), the tour edge at c on the side of cur, so the rest stays one Hamiltonian path
        if forward:
            dp = tour_pred(tour, pos, c)
            ri, rl = reverse_shorter(tour, pos, pos[cur], pos[dp])
        else:
            dp = tour_succ(tour, pos, c)
            ri, rl = reverse_shorter(tour, pos, pos[dp], pos[cur])
        g += d[c, dp] - d[cur, c]
        real = g - d[dp, a1]
        rev_i[k] = ri
        rev_l[k] = rl
        seq_b[k] = cur
        seq_c[k] = c
        seq_d[k] = dp
        k += 1
        if real > best:
            best, best_k = real, k
        cur = dp
        if real > eps:
            break
    return a1, k, best, best_k


@njit(cache=True)
def _apply(tour: np.ndarray, pos: np.ndarray, a1: int, cs: np.ndarray, k: int) -> None:
    """Apply a recorded move: start city ``a1`` and joined cities ``cs[:k]``."""
    cur = tour_succ(tour, pos, a1)
    for t in range(k):
        c = cs[t]
        if tour_succ(tour, pos, a1) == cur:
            dp = tour_pred(tour, pos, c)
            reverse_shorter(tour, pos, pos[cur], pos[dp])
        else:
            dp = tour_succ(tour, pos, c)
            reverse_shorter(tour, pos, pos[dp], pos[cur])
        cur = dp


@njit(cache=True)
def _bump(w: np.ndarray, cand: np.ndarray, x: int, y: int, inc: float) -> None:
    """``W[x, y] += inc`` and ``W[y, x] += inc`` where the edge is a candidate edge."""
    k = cand.shape[1]
    for t in range(k):
        if cand[x, t] == y:
            w[x, t] += inc
            break
    for t in range(k):
        if cand[y, t] == x:
            w[y, t] += inc
            break


@njit(cache=True)
def _search(tour: np.ndarray, pos: np.ndarray, length: np.ndarray, d: np.ndarray, cand: np.ndarray, w: np.ndarray,
            q: np.ndarray, total: np.ndarray, alpha: float, beta: float, max_depth: int, samples: int, first: bool,
            rng: np.ndarray, eps: float, max_samples: int) -> tuple[bool, int, int]:
    """Rounds of sampled moves until one finds no improvement or ``max_samples`` are used.

    Returns ``(stuck, samples used, moves applied)``; ``length[0]`` tracks the tour length.
    """
    seq_b = np.empty(max_depth, dtype=np.int64)
    seq_c = np.empty(max_depth, dtype=np.int64)
    seq_d = np.empty(max_depth, dtype=np.int64)
    best_b = np.empty(max_depth, dtype=np.int64)
    best_c = np.empty(max_depth, dtype=np.int64)
    best_d = np.empty(max_depth, dtype=np.int64)
    rev_i = np.empty(max_depth, dtype=np.int64)
    rev_l = np.empty(max_depth, dtype=np.int64)
    pbuf = np.empty(cand.shape[1], dtype=np.float64)
    sbuf = np.empty(cand.shape[1], dtype=np.int64)
    used, moves = 0, 0
    while used < max_samples:
        best_gain, best_k, best_a1 = eps, 0, -1
        for _ in range(samples):
            a1, k, gain, bk = _sample(tour, pos, d, cand, w, q, total[0], alpha, max_depth, rng, eps,
                                      seq_b, seq_c, seq_d, rev_i, rev_l, pbuf, sbuf)
            total[0] += 1.0
            used += 1
            keep = 0
            if bk > 0 and gain > best_gain:
                best_gain, best_k, best_a1 = gain, bk, a1
                best_b[:bk] = seq_b[:bk]
                best_c[:bk] = seq_c[:bk]
                best_d[:bk] = seq_d[:bk]
                if first:
                    keep = bk
            for t in range(k - 1, keep - 1, -1):
                reverse_run(tour, pos, rev_i[t], rev_l[t])
            if keep:
                break
        if best_a1 < 0:
            return True, used, moves
        if not first:
            _apply(tour, pos, best_a1, best_c, best_k)
        # reinforce the edges the improving move added: (b_i, a_{i+1}) and the closing (b_k, a1)
        inc = beta * (math.exp(best_gain / length[0]) - 1.0)
        for t in range(best_k):
            _bump(w, cand, best_b[t], best_c[t], inc)
        _bump(w, cand, best_d[best_k - 1], best_a1, inc)
        length[0] -= best_gain
        moves += 1
    return False, used, moves


@njit(cache=True)
def _double_bridge(tour: np.ndarray, pos: np.ndarray, rng: np.ndarray, max_seg: int, out: np.ndarray) -> int:
    """Swap two adjacent random segments (the double-bridge kick, local); ``out`` gets the 6 touched cities."""
    n = tour.shape[0]
    lim = max(1, min(max_seg, (n - 2) // 2))
    l1 = 1 + rand_mod(rng, lim)
    l2 = 1 + rand_mod(rng, lim)
    p = rand_mod(rng, n)
    tmp = np.empty(l1 + l2, dtype=np.int64)
    for t in range(l2):
        tmp[t] = tour[(p + 1 + l1 + t) % n]
    for t in range(l1):
        tmp[l2 + t] = tour[(p + 1 + t) % n]
    out[0] = tour[p]
    out[1] = tour[(p + 1) % n]
    out[2] = tour[(p + l1) % n]
    out[3] = tour[(p + l1 + 1) % n]
    out[4] = tour[(p + l1 + l2) % n]
    out[5] = tour[(p + l1 + l2 + 1) % n]
    for t in range(l1 + l2):
        x = tmp[t]
        i = (p + 1 + t) % n
        tour[i] = x
        pos[x] = i
    return 6


def candidate_set(heatmap: np.ndarray, distances: np.ndarray, k: int) -> np.ndarray:
    """``(n, k)`` best cities of each city by heatmap, ties broken by distance (nearest first).

    With a flat heatmap (all zero, uniform) this is the ``k`` nearest neighbours.
    """
    n = heatmap.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        h = np.array(heatmap[i], dtype=np.float64)
        h[i] = -np.inf
        kth = -np.partition(-h, k - 1)[k - 1]  # the k-th largest score
        above = np.flatnonzero(h > kth)
        tied = np.flatnonzero(h == kth)
        need = k - len(above)
        if need < len(tied):
            tied = tied[np.argpartition(distances[i, tied], need - 1)[:need]]
        row = np.concatenate([above, tied[:need]])
        out[i] = row[np.lexsort((distances[i, row], -h[row]))]
    return out


@register_solver("kopt-mcts")
class KOptMCTS(Solver):
    """Heatmap-guided k-opt MCTS for the symmetric TSP (Fu et al. 2021; Xia et al. 2024).

    See the module docstring for the algorithm.

    :param time_limit: seconds per instance (setup included); ``None`` to stop on ``max_samples`` only.
    :param seed: seed of the search's random generator.
    :param heatmap: ``"softdist"`` (default), ``"zero"``, ``"uniform"``, an ``(n, n)`` array, or a
        callable ``heatmap(instance) -> array`` (e.g. a trained model's). It is symmetrised.
    :param candidates: candidate cities per city (by heatmap).
    :param samples: moves sampled per round; ``None`` for ``10 * n`` (the reference's ``H * n``).
    :param max_depth: most steps (``k - 1`` of a k-opt move) per sampled move.
    :param alpha: exploration weight of the UCB potential.
    :param beta: learning rate of the edge-weight update.
    :param tau: SoftDist temperature; ``None`` for :func:`~routing_gym.baselines.tsp.heatmaps.default_tau`.
    :param accept: ``"first"`` improving move of a round (the reference code) or ``"best"`` of the round.
    :param restart: when stuck, ``"perturb"`` the best tour (double-bridge kick) or start a ``"random"`` tour.
    :param max_samples: total sampled moves per instance, or ``None`` (then ``time_limit`` bounds it).
    """

    problems = ("tsp",)

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, heatmap: Any = "softdist", candidates: int = 5,
                 samples: int | None = None, max_depth: int = 10, alpha: float = 1.0, beta: float = 10.0,
                 tau: float | None = None, accept: str = "first", restart: str = "perturb",
                 max_samples: int | None = None) -> None:
        super().__init__(time_limit=time_limit, seed=seed)

        def positive_int(name: str, v: Any, allow_none: bool = False) -> int | None:
            if v is None and allow_none:
                return None
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise SolverError(f"kopt-mcts: {name} must be a positive integer{' or None' if allow_none else ''}, got {v!r}")
            return int(v)

        self.candidates = positive_int("candidates", candidates)
        self.samples = positive_int("samples", samples, allow_none=True)
        self.max_depth = positive_int("max_depth", max_depth)
        self.max_samples = positive_int("max_samples", max_samples, allow_none=True)
        for name, v in (("alpha", alpha), ("beta", beta)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise SolverError(f"kopt-mcts: {name} must be a finite number >= 0, got {v!r}")
        if tau is not None and (not isinstance(tau, (int, float)) or not tau > 0):
            raise SolverError(f"kopt-mcts: tau must be > 0 or None, got {tau!r}")
        if accept not in ACCEPTS:
            raise SolverError(f"kopt-mcts: accept must be one of {ACCEPTS}, got {accept!r}")
        if restart not in RESTARTS:
            raise SolverError(f"kopt-mcts: restart must be one of {RESTARTS}, got {restart!r}")
        if self.time_limit is None and self.max_samples is None:
            raise SolverError("kopt-mcts: give time_limit or max_samples (both are None)")
        if isinstance(heatmap, str) and heatmap not in HEATMAPS:
            raise SolverError(f"kopt-mcts: heatmap: unknown name {heatmap!r}; expected one of {sorted(HEATMAPS)}, "
                              "an (n, n) array or a callable")
        self.heatmap = heatmap
        self.alpha, self.beta, self.tau = float(alpha), float(beta), tau
        self.accept, self.restart = accept, restart
        #: statistics of the last solve: lengths (initial greedy, after 2-opt, final), samples, moves, restarts
        self.last_stats: dict[str, float] = {}
        _warm_up()  # compile (or load from numba's cache) now, so that it never eats a solve's time limit

    def supports(self, instance: Any) -> bool:
        return super().supports(instance) and is_symmetric(instance.distances, rtol=SYMMETRY_RTOL)

    def solve(self, instance: TSPInstance) -> list[int]:
        t0 = time.perf_counter()
        if not Solver.supports(self, instance):
            raise SolverError(f"kopt-mcts: expected a TSPInstance, got {type(instance).__name__}")
        d = np.ascontiguousarray(instance.distances, dtype=np.float64)
        if not is_symmetric(d, rtol=SYMMETRY_RTOL):
            raise SolverError(f"kopt-mcts: {instance!r} has asymmetric distances; k-opt moves assume a symmetric TSP")
        n = instance.num_nodes
        if n <= 3:  # every tour has the same length
            length = tour_cost(np.arange(n), d)
            self.last_stats = {"initial": length, "final": length}
            return list(range(n))
        run = self._start(instance, d)
        moves, restarts = self._improve(run, t0)
        final = tour_cost(run.tour, d)
        if final < run.best_len - run.eps:
            run.best, run.best_len = run.tour.copy(), final
        if np.bincount(run.best, minlength=n).max() != 1:  # pragma: no cover - an internal invariant
            raise SolverError("kopt-mcts: internal error, the tour is not a permutation")
        self.last_stats = {"initial": float(run.initial), "local_opt": run.local_opt, "final": float(run.best_len),
                           "samples": float(run.total[0]), "moves": float(moves), "restarts": float(restarts),
                           "time_s": time.perf_counter() - t0}
        return run.best.tolist()

    def _start(self, instance: TSPInstance, d: np.ndarray) -> _Run:
        """Heatmap, candidate sets and edge weights, then the greedy tour made 2-opt optimal."""
        n = instance.num_nodes
        h = resolve_heatmap(self.heatmap, instance, self.tau)
        h += h.T  # symmetrise (in place; the factor 1/2 is applied to W below)
        cand = candidate_set(h, d, min(self.candidates, n - 1))
        w = 50.0 * np.take_along_axis(h, cand, axis=1)  # W = 100 * (h + h^T) / 2
        return _Run(d, cand, w, neighbour_lists(d, min(LOCAL_NEIGHBOURS, n - 1)), self.seed)

    def _improve(self, run: _Run, t0: float) -> tuple[int, int]:
        """Rounds of sampled moves in chunks of about 20 ms until the time or sample budget is spent,
        restarting whenever a round finds no improvement; returns ``(moves applied, restarts)``."""
        samples = self.samples or 10 * run.d.shape[0]
        first = self.accept == "first"
        deadline = None if self.time_limit is None else t0 + self.time_limit
        left = self.max_samples
        chunk = 2000  # samples per call into numba, tuned so that a call takes ~20 ms
        moves = restarts = 0
        while left is None or left > 0:
            if deadline is not None and time.perf_counter() >= deadline:
                break
            budget = chunk if left is None else min(chunk, left)
            c0 = time.perf_counter()
            stuck, used, m = _search(run.tour, run.pos, run.length, run.d, run.cand, run.w, run.q, run.total,
                                     self.alpha, self.beta, self.max_depth, samples, first, run.rng, run.eps, budget)
            dt = time.perf_counter() - c0
            if used and dt > 0:
                chunk = int(min(max(used * 0.02 / dt, 100), 10**7))
            moves += m
            if left is not None:
                left -= used
            if stuck:
                run.restart(self.restart == "perturb")
                restarts += 1
        return moves, restarts


class _Run:
    """The state of one k-opt MCTS run, shared with the numba kernels: tour, weights, visit counts, RNG, best tour.

    :param d: symmetric distances; ``cand``, ``w``: candidate cities and their edge weights;
        ``nbr``: nearest-neighbour lists of the 2-opt local search; ``seed``: seed of the xorshift state.
    """

    def __init__(self, d: np.ndarray, cand: np.ndarray, w: np.ndarray, nbr: np.ndarray, seed: int) -> None:
        n = d.shape[0]
        self.d, self.cand, self.w, self.nbr = d, cand, w, nbr
        self.q = np.zeros(cand.shape)
        self.total = np.zeros(1)
        self.rng = np.array([np.random.default_rng(seed).integers(1, 2**63 - 1)], dtype=np.uint64)
        self.eps = improvement_eps(d)  # integer gains are >= 1, float noise is far below this
        self.queue, self.inq, self.qinfo = make_queue(n)
        self.touched = np.empty(6, dtype=np.int64)
        self.tour = _greedy_tour(d, nbr)
        self.pos = np.empty(n, dtype=np.int64)
        set_positions(self.tour, self.pos)
        self.initial = tour_cost(self.tour, d)
        self.local_search(self.tour.copy())
        self.length = np.array([tour_cost(self.tour, d)])
        self.local_opt = float(self.length[0])
        self.best, self.best_len = self.tour.copy(), float(self.length[0])

    def local_search(self, cities: np.ndarray) -> None:
        """2-opt from ``cities`` (queued as given, repeats included)."""
        self.queue[: len(cities)] = cities
        self.inq[cities] = True
        self.qinfo[:] = (0, len(cities))
        _two_opt(self.tour, self.pos, self.d, self.nbr, self.queue, self.inq, self.qinfo, self.eps)

    def restart(self, perturb: bool) -> None:
        """The search is stuck: keep the best tour, then go on from a kick of it (``perturb``) or a random tour."""
        n = self.d.shape[0]
        self.length[0] = tour_cost(self.tour, self.d)  # drop the float drift of the incremental updates
        if self.length[0] < self.best_len - self.eps:
            self.best, self.best_len = self.tour.copy(), float(self.length[0])
        elif self.length[0] > self.best_len + self.eps:  # worse local optimum: back to the best (equal ones are accepted)
            self.tour[:] = self.best
            set_positions(self.tour, self.pos)
            self.length[0] = self.best_len
        if perturb and n >= 8:
            _double_bridge(self.tour, self.pos, self.rng, KICK_SEGMENT, self.touched)
            self.local_search(self.touched)
        else:
            self.tour[:] = np.random.default_rng(int(_rand_state_int(self.rng))).permutation(n)
            set_positions(self.tour, self.pos)
            self.local_search(self.tour.copy())
        self.length[0] = tour_cost(self.tour, self.d)


_WARM = False


def _warm_up() -> None:
    """Run every numba function once on a tiny instance, so compilation never eats a time limit."""
    global _WARM  # a process-wide "compiled" flag, not random state
    if _WARM:
        return
    _WARM = True
    coords = np.random.default_rng(0).random((12, 2))
    for restart in RESTARTS:
        KOptMCTS(time_limit=None, max_samples=2000, samples=20, restart=restart).solve(TSPInstance.from_coords(coords))


def _rand_state_int(rng: np.ndarray) -> int:
    """Draw a seed for numpy from the search's xorshift state (keeps all randomness on one seed)."""
    return int(rand_u64(rng) >> np.uint64(1))
