"""TSP local search and iterated local search kernels (numba), and the :func:`tsp_local_search` front-end.

A tour is an ``int64`` array of the nodes in visiting order plus its inverse
``pos``. Moves: 2-opt (segment reversal, :func:`~routing_gym.baselines.primitives.two_opt_move`)
and Or-opt (move a segment of 1 to 3 nodes, possibly reversed), searched from a
work queue of "active" nodes over ``k`` nearest-neighbour candidate lists
(don't-look bits). With symmetric costs the 2-opt search is pruned by the
classic gain criterion ``d(a, succ a) > d(a, c)``, which loses no improving move
when the candidate lists are complete; the Or-opt search is complete except
inside ILS (see ``_tsp_try_oropt``). Asymmetric matrices disable every move that
reverses a path (its cost would change), leaving Or-opt without reversal.

Iterated local search: double-bridge (segment swap) kicks of bounded size, local
search from the changed edges, accept when not worse. The kernel runs a fixed
number of iterations per call so the Python caller can honour a wall-clock
limit (numba cannot read the clock).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from routing_gym.baselines.primitives import (improvement_eps, is_symmetric, make_queue, neighbour_count,
                                              neighbour_lists, queue_pop, queue_push, rand_int, reverse_path,
                                              set_positions, shuffle, tour_cost, two_opt_move)
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import SolverError


@njit(cache=True)
def _swap_blocks(tour: np.ndarray, pos: np.ndarray, i: int, len1: int, len2: int, rev1: bool) -> None:
    """Cyclic blocks ``A = [i, i+len1)`` and ``B`` right after it become ``B A`` (``B A^r`` if ``rev1``).

    Done with reversals: ``reverse(A B) = B^r A^r``, then each part is reversed back.
    """
    n = tour.shape[0]
    reverse_path(tour, pos, i, (i + len1 + len2 - 1) % n)
    if len2 > 1:
        reverse_path(tour, pos, i, (i + len2 - 1) % n)
    if not rev1 and len1 > 1:
        reverse_path(tour, pos, (i + len2) % n, (i + len2 + len1 - 1) % n)


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
        reverse_path(tour, pos, i, (i + total - 1) % n)  # S^r Y^r
        if not reverse and seg_len > 1:
            reverse_path(tour, pos, i, (i + seg_len - 1) % n)
        if len_y > 1:
            reverse_path(tour, pos, (i + seg_len) % n, (i + total - 1) % n)


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
                        queue_push(a, queue, inq, qinfo)
                        queue_push(e, queue, inq, qinfo)
                        queue_push(p, queue, inq, qinfo)
                        queue_push(nx, queue, inq, qinfo)
                        queue_push(x, queue, inq, qinfo)
                        queue_push(y, queue, inq, qinfo)
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
        a = queue_pop(queue, inq, qinfo)
        delta = 0.0
        if use_2opt and symmetric:
            delta, b, c, d = two_opt_move(a, tour, pos, dist, neigh, eps)
            if delta < 0.0:
                queue_push(a, queue, inq, qinfo)
                queue_push(b, queue, inq, qinfo)
                queue_push(c, queue, inq, qinfo)
                queue_push(d, queue, inq, qinfo)
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
    set_positions(tour, pos)
    queue, inq, qinfo = make_queue(n)
    total = 0
    while True:
        for i in range(n):
            queue_push(tour[i], queue, inq, qinfo)
        moves = _tsp_ls_queue(tour, pos, dist, neigh, use_2opt, use_oropt, symmetric, eps, queue, inq, qinfo, False,
                              verify)
        total += moves
        if moves == 0:
            return total


@njit(cache=True)
def _tsp_kick(trial: np.ndarray, pos: np.ndarray, max_kick: int, rng: np.ndarray, queue: np.ndarray,
              inq: np.ndarray, qinfo: np.ndarray) -> None:
    """Perturb ``trial``: a double bridge of segments of at most ``max_kick`` nodes; queue the changed ends."""
    n = trial.shape[0]
    if n >= 8:
        # double bridge = swap two adjacent segments B, C: A B C D -> A C B D
        lim = max(1, min(max_kick, (n - 2) // 3))
        len_b = 1 + rand_int(rng, lim)
        len_c = 1 + rand_int(rng, lim)
        i = rand_int(rng, n)
        ends = (
            trial[(i - 1) % n], trial[i], trial[(i + len_b - 1) % n], trial[(i + len_b) % n],
            trial[(i + len_b + len_c - 1) % n], trial[(i + len_b + len_c) % n],
        )
        _swap_blocks(trial, pos, i, len_b, len_c, False)
        for v in ends:
            queue_push(v, queue, inq, qinfo)
    else:
        # too few nodes for a double bridge: restart from a random tour
        shuffle(trial, n, rng)
        for i in range(n):
            pos[trial[i]] = i
            queue_push(trial[i], queue, inq, qinfo)


@njit(cache=True)
def _tsp_ils(cur: np.ndarray, best: np.ndarray, costs: np.ndarray, dist: np.ndarray, neigh: np.ndarray,
             symmetric: bool, eps: float, max_kick: int, iterations: int, rng: np.ndarray) -> int:
    """The work of :func:`tsp_ils_kernel` (called through the engine)."""
    n = cur.shape[0]
    trial = cur.copy()
    pos = np.empty(n, dtype=np.int64)
    set_positions(trial, pos)
    queue, inq, qinfo = make_queue(n)
    accepted = 0
    for _ in range(iterations):
        _tsp_kick(trial, pos, max_kick, rng, queue, inq, qinfo)
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
            set_positions(trial, pos)
    return accepted


# One compiled entry point: numba re-optimises everything an entry point links in,
# so two entry points sharing the local search would compile it twice.
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
    :param rng: xorshift state from :func:`~routing_gym.baselines.primitives.make_rng_state`, advanced in place.
    :returns: number of accepted kicks.
    """
    return _tsp_engine(1, cur, best, costs, dist, neigh, True, True, symmetric, eps, max_kick, iterations, rng, False)


def tsp_local_search(instance: TSPInstance, tour: Any, neighbours: Any = 20, two_opt: bool = True,
                     or_opt: bool = True, verify: bool = False) -> list[int]:
    """Improve ``tour`` to a local optimum of 2-opt and/or Or-opt.

    :param neighbours: candidate list length (``"all"``: every node; then the
        result is a true 2-opt local optimum with symmetric costs).
    :param two_opt: use 2-opt moves (symmetric instances only; ignored otherwise).
    :param or_opt: use Or-opt moves (segments of 1 to 3 nodes).
    :param verify: check every move's predicted cost change against a recomputation (slow; for tests).
    :returns: the improved tour, never longer than ``tour``.
    """
    d = instance.distances
    t = np.array(tour, dtype=np.int64).reshape(-1)
    n = d.shape[0]
    if t.shape[0] != n or np.bincount(t, minlength=n).max(initial=0) != 1:
        raise SolverError(f"tsp_local_search: expected a permutation of 0..{n - 1}")
    if n <= 3:
        return t.tolist()
    nb = neighbour_lists(d, neighbour_count(neighbours, n))
    tsp_local_search_kernel(t, d, nb, two_opt, or_opt, is_symmetric(d), improvement_eps(d), verify)
    return t.tolist()
