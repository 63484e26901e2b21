"""CVRP local search and iterated local search kernels (numba), and the :func:`cvrp_local_search` front-end.

Routes live in a :class:`~routing_gym.baselines.cvrp.state.CVRPState`; the moves
are those of :mod:`routing_gym.baselines.cvrp.moves`, searched from a work queue
of "active" customers over nearest-neighbour candidate lists.

Iterated local search: ruin (radial, string or random removal) and recreate
(cheapest insertion in a random or SISR order, with blinks) followed by local
search of the changed routes; accept when not worse than the current solution
plus a threshold that the caller lowers to zero over the run, else restore the
touched routes from the undo log. The kernels run a fixed number of iterations
per call so the Python caller can honour a wall-clock limit (numba cannot read the clock).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from routing_gym.baselines.cvrp.moves import cv_try_moves
from routing_gym.baselines.cvrp.state import (
    CVRPState,
    cv_clear_log,
    cv_compact,
    cv_empty_route,
    cv_insert,
    cv_push_route,
    cv_refresh,
    cv_undo,
    cvrp_flatten,
    cvrp_make_state,
    cvrp_refresh_all,
    cvrp_state_routes,
    cvrp_total_cost,
)
from routing_gym.baselines.primitives import (improvement_eps, is_symmetric, make_queue, neighbour_count,
                                              neighbour_lists, queue_pop, queue_push, rand_float, rand_int,
                                              route_width, shuffle)
from routing_gym.envs.cvrp.types import CVRPInstance, evaluate_cvrp
from routing_gym.errors import SolverError


@njit(cache=True)
def _cv_ls_queue(st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray, symmetric: bool,
                 eps: float, buf: np.ndarray, queue: np.ndarray, inq: np.ndarray, qinfo: np.ndarray,
                 verify: bool) -> int:
    """Process the work queue until empty; returns the number of moves applied.

    ``verify`` (a test hook) checks after every move that the total cost changed by
    the predicted amount and that every route respects the capacity.
    """
    moves = 0
    cost = cvrp_total_cost(st) if verify else 0.0
    while qinfo[1] > 0:
        u = queue_pop(queue, inq, qinfo)
        delta = cv_try_moves(u, st, dist, dem, cap, neigh, symmetric, eps, buf, queue, inq, qinfo)
        if delta < 0.0:
            queue_push(u, queue, inq, qinfo)
            moves += 1
            if verify:
                new = cvrp_total_cost(st)
                if abs(new - (cost + delta)) > 1e-7 * max(1.0, abs(new)):
                    raise AssertionError("CVRP local search: a move changed the cost by other than its predicted delta")
                if st.loads.max() > cap:
                    raise AssertionError("CVRP local search: a move overloaded a route")
                cost = new
    return moves


@njit(cache=True)
def _cvrp_ls_full(st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                  symmetric: bool, eps: float, verify: bool) -> int:
    """The work of :func:`cvrp_local_search_kernel` (called through the engine)."""
    n = dem.shape[0] - 1
    queue, inq, qinfo = make_queue(n + 1)
    buf = np.empty(2 * (n + 2), dtype=np.int64)
    total = 0
    while True:
        for c in range(1, n + 1):
            queue_push(c, queue, inq, qinfo)
        moves = _cv_ls_queue(st, dist, dem, cap, neigh, symmetric, eps, buf, queue, inq, qinfo, verify)
        cv_clear_log(st)
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
def _cv_ruin_strings(st: CVRPState, seed: int, target: int, ruin_avg: float, neigh_big: np.ndarray, rng: np.ndarray,
                     removed: np.ndarray) -> int:
    """Remove a run of consecutive customers from each route met near ``seed`` (SISR-like); returns how many."""
    max_str = max(1, int(ruin_avg))
    ruined = np.zeros(st.lens.shape[0], dtype=np.bool_)
    nrem = 0
    for k in range(-1, neigh_big.shape[1]):
        if nrem >= target:
            break
        c = seed if k < 0 else neigh_big[seed, k]
        r = st.rof[c]
        if removed[c] or ruined[r]:
            continue
        ruined[r] = True
        length = min(st.lens[r], 1 + rand_int(rng, max_str), target - nrem)
        start = st.pos[c] - rand_int(rng, length)
        start = max(0, min(start, st.lens[r] - length))
        for j in range(start, start + length):
            nrem = _cv_remove(st.routes[r, j], removed, nrem)
    return nrem


@njit(cache=True)
def _cv_compact(st: CVRPState, dist: np.ndarray, dem: np.ndarray, removed: np.ndarray, rlist: np.ndarray) -> int:
    """List the removed customers in ``rlist`` and close the gaps they leave in their routes; returns how many."""
    t0 = st.tinfo[0]
    m = cv_compact(st, removed, rlist)
    for i in range(t0, st.tinfo[0]):
        cv_refresh(st, st.tlist[i], dist, dem)
    return m


@njit(cache=True)
def _cv_ruin(st: CVRPState, dist: np.ndarray, dem: np.ndarray, neigh_big: np.ndarray, ruin_avg: float, rng: np.ndarray,
             removed: np.ndarray, rlist: np.ndarray) -> int:
    """Remove customers by one of three rules (radial, strings, random); returns how many, listed in ``rlist``."""
    n = dem.shape[0] - 1
    kb = neigh_big.shape[1]
    target = min(n, kb + 1, 1 + rand_int(rng, max(1, int(2.0 * ruin_avg))))
    seed = 1 + rand_int(rng, n)
    kind = rand_int(rng, 3)
    nrem = 0
    if kind == 0:  # radial: the seed and its nearest customers
        nrem = _cv_remove(seed, removed, nrem)
        for k in range(kb):
            if nrem >= target:
                break
            nrem = _cv_remove(neigh_big[seed, k], removed, nrem)
    elif kind == 1:  # strings: a run of consecutive customers from each route met near the seed
        _cv_ruin_strings(st, seed, target, ruin_avg, neigh_big, rng, removed)
    else:  # random
        while nrem < target:
            nrem = _cv_remove(1 + rand_int(rng, n), removed, nrem)
    return _cv_compact(st, dist, dem, removed, rlist)


@njit(cache=True)
def _cv_recreate_order(order: np.ndarray, m: int, dist: np.ndarray, dem: np.ndarray, rng: np.ndarray) -> None:
    """Order the removed customers: random, by decreasing demand, or by decreasing / increasing distance to the depot."""
    kind = rand_int(rng, 4)
    if kind == 0:
        shuffle(order, m, rng)
        return
    key = np.empty(m, dtype=np.float64)
    for i in range(m):
        c = order[i]
        key[i] = -dem[c] if kind == 1 else (-dist[0, c] if kind == 2 else dist[0, c])
        key[i] += 1e-6 * rand_float(rng)  # random tie-break
    idx = np.argsort(key)
    tmp = order.copy()
    for i in range(m):
        order[i] = tmp[idx[i]]


@njit(cache=True)
def _cv_recreate(st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, rlist: np.ndarray, m: int,
                 removed: np.ndarray, blink: float, rng: np.ndarray) -> None:
    """Insert the removed customers one by one at their cheapest feasible position.

    The order is random, by decreasing demand, or by decreasing / increasing distance
    to the depot (SISR's choices); each position is skipped with probability ``blink``
    so that repeated rounds explore different insertions.
    """
    routes, lens, loads = st.routes, st.lens, st.loads
    order = rlist[:m]
    _cv_recreate_order(order, m, dist, dem, rng)
    for i in range(m):
        c = order[i]
        best = dist[0, c] + dist[c, 0]  # a new route
        best_r = -1
        best_t = -1
        for r in range(routes.shape[0]):
            if lens[r] == 0 or loads[r] + dem[c] > cap:
                continue
            prev = 0
            for k in range(lens[r] + 1):
                nxt = routes[r, k] if k < lens[r] else 0
                delta = dist[prev, c] + dist[c, nxt] - dist[prev, nxt]
                if delta < best and (blink <= 0.0 or rand_float(rng) >= blink):
                    best = delta
                    best_r = r
                    best_t = k
                prev = nxt
        if best_r < 0:
            best_r = cv_empty_route(st)
            best_t = 0
        cv_insert(st, best_r, best_t, c, dist, dem)
        removed[c] = False


@njit(cache=True)
def _cvrp_ils(st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray, neigh_big: np.ndarray,
              symmetric: bool, eps: float, iterations: int, threshold: float, ruin_avg: float, blink: float,
              rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray, best_len: np.ndarray) -> int:
    """The work of :func:`cvrp_ils_kernel` (called through the engine)."""
    n = dem.shape[0] - 1
    queue, inq, qinfo = make_queue(n + 1)
    buf = np.empty(2 * (n + 2), dtype=np.int64)
    removed = np.zeros(n + 1, dtype=np.bool_)
    rlist = np.empty(n, dtype=np.int64)
    accepted = 0
    cv_clear_log(st)
    for _ in range(iterations):
        m = _cv_ruin(st, dist, dem, neigh_big, ruin_avg, rng, removed, rlist)
        _cv_recreate(st, dist, dem, cap, rlist, m, removed, blink, rng)
        for i in range(st.tinfo[0]):
            cv_push_route(st, st.tlist[i], queue, inq, qinfo)
        _cv_ls_queue(st, dist, dem, cap, neigh, symmetric, eps, buf, queue, inq, qinfo, False)
        c = cvrp_total_cost(st)
        if c <= costs[0] + threshold + eps:
            costs[0] = c
            accepted += 1
            cv_clear_log(st)
            if c < costs[1] - eps:
                costs[1] = c
                best_len[0] = cvrp_flatten(st, best_flat)
        else:
            cv_undo(st, dist, dem)
    return accepted


# One compiled entry point: numba re-optimises everything an entry point links in,
# so two entry points sharing the local search would compile it twice.
_NO_COSTS = np.zeros(2)
_NO_RNG = np.ones(1, dtype=np.uint64)
_NO_FLAT = np.zeros(1, dtype=np.int64)


@njit(cache=True)
def _cvrp_engine(mode: int, st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                 neigh_big: np.ndarray, symmetric: bool, eps: float, iterations: int, threshold: float, ruin_avg: float,
                 blink: float, rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray, best_len: np.ndarray,
                 verify: bool) -> int:
    if mode == 0:
        return _cvrp_ls_full(st, dist, dem, cap, neigh, symmetric, eps, verify)
    return _cvrp_ils(st, dist, dem, cap, neigh, neigh_big, symmetric, eps, iterations, threshold, ruin_avg, blink, rng,
                     costs, best_flat, best_len)


def cvrp_local_search_kernel(st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                             symmetric: bool, eps: float, verify: bool = False) -> int:
    """Improve the routes of ``st`` in place to a local optimum of all moves over ``neigh``.

    Repeats full passes of the work queue until one applies no move.

    :param dist: distances with a zero diagonal; ``dem`` int64 demands (depot first).
    :param verify: check every move's predicted cost change and the capacities (a test hook).
    :returns: number of moves applied.
    """
    return _cvrp_engine(0, st, dist, dem, cap, neigh, neigh, symmetric, eps, 0, 0.0, 1.0, 0.0, _NO_RNG, _NO_COSTS,
                        _NO_FLAT, _NO_FLAT, verify)


def cvrp_ils_kernel(st: CVRPState, dist: np.ndarray, dem: np.ndarray, cap: int, neigh: np.ndarray,
                    neigh_big: np.ndarray, symmetric: bool, eps: float, iterations: int, threshold: float,
                    ruin_avg: float, blink: float, rng: np.ndarray, costs: np.ndarray, best_flat: np.ndarray,
                    best_len: np.ndarray) -> int:
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


def cvrp_arrays(instance: CVRPInstance) -> tuple[np.ndarray, np.ndarray, bool]:
    """Distance matrix with a zero diagonal (a route emptied by a move then costs 0), demands, symmetry."""
    d = np.array(instance.distances, dtype=np.float64)
    np.fill_diagonal(d, 0.0)
    return d, np.asarray(instance.demands, dtype=np.int64), is_symmetric(d)


def cvrp_start_state(instance: CVRPInstance, routes: Any, dem: np.ndarray, dist: np.ndarray) -> CVRPState:
    """A refreshed search state holding ``routes``."""
    st = cvrp_make_state(routes, instance.num_customers, route_width(dem, instance.capacity))
    cvrp_refresh_all(st, dist, dem)
    return st


def cvrp_local_search(instance: CVRPInstance, routes: Any, neighbours: Any = 20, verify: bool = False) -> list[list[int]]:
    """Improve feasible ``routes`` to a local optimum of relocate / swap / 2-opt* / 2-opt.

    :param neighbours: candidate customers per customer (``"all"``: every one).
    :param verify: check every move's predicted cost change and the capacities (slow; for tests).
    :returns: the improved routes (no empty ones), never longer in total than ``routes``.
    """
    ev = evaluate_cvrp(instance, routes)
    if not ev.feasible:
        raise SolverError(f"cvrp_local_search: the start solution is infeasible ({ev.violation})")
    d, dem, sym = cvrp_arrays(instance)
    n = instance.num_customers
    st = cvrp_start_state(instance, routes, dem, d)
    nb = neighbour_lists(d, neighbour_count(neighbours, n), exclude_depot=True)
    cvrp_local_search_kernel(st, d, dem, instance.capacity, nb, sym, improvement_eps(d), verify)
    return cvrp_state_routes(st)
