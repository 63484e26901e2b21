"""mTSP constructions: a giant TSP tour through the depot, split optimally into ``m`` routes.

Route-first, cluster-second (Beasley 1983; the split of Prins 2004): the suite's
TSP construction (``nn``, ``farthest`` or ``cheapest``, from the depot) gives a
giant tour, improved by the TSP local search (2-opt + Or-opt) when ``ls``; a
dynamic programme cuts it into exactly ``m`` non-empty consecutive pieces, each
a route from the depot, minimising the total length or the longest route. With
``ls`` the routes are then improved by the mTSP local search
(:mod:`routing_gym.baselines.mtsp.local_search`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from routing_gym.baselines.constructions import (
    CheapestInsertionSolver,
    ConstructionSolver,
    FarthestInsertionSolver,
    NearestNeighbourSolver,
)
from routing_gym.baselines.primitives import improvement_eps, is_symmetric, make_rng_state, neighbour_count, neighbour_lists
from routing_gym.baselines.tsp.constructions import TSP_CONSTRUCTIONS
from routing_gym.baselines.tsp.local_search import tsp_local_search
from routing_gym.envs.mtsp.types import MTSPInstance, route_lengths
from routing_gym.envs.tsp.types import TSPInstance


@njit(cache=True)
def split_tour(cities: np.ndarray, dist: np.ndarray, m: int, minmax: bool) -> np.ndarray:
    """Cut the city sequence ``cities`` into exactly ``m`` non-empty consecutive routes, optimally.

    ``O(m n^2)`` dynamic programme over (routes used, cities covered); a piece
    ``cities[i:j]`` costs ``d(0, c_i) + path + d(c_{j-1}, 0)``; pieces combine by
    sum or by max.

    :returns: the ``m + 1`` cut indices ``0 = b_0 < b_1 < ... < b_m = n``.
    """
    n = cities.shape[0]
    path = np.zeros(n)  # path[j]: length of cities[0] -> ... -> cities[j]
    for j in range(1, n):
        path[j] = path[j - 1] + dist[cities[j - 1], cities[j]]
    best = np.full((m + 1, n + 1), np.inf)
    arg = np.zeros((m + 1, n + 1), dtype=np.int64)
    best[0, 0] = 0.0
    for k in range(1, m + 1):
        for j in range(k, n - (m - k) + 1):
            for i in range(k - 1, j):
                if best[k - 1, i] == np.inf:
                    continue
                piece = dist[0, cities[i]] + path[j - 1] - path[i] + dist[cities[j - 1], 0]
                val = max(best[k - 1, i], piece) if minmax else best[k - 1, i] + piece
                if val < best[k, j]:
                    best[k, j] = val
                    arg[k, j] = i
    cuts = np.empty(m + 1, dtype=np.int64)
    cuts[m] = n
    for k in range(m, 0, -1):
        cuts[k - 1] = arg[k, cuts[k]]
    return cuts


def giant_tour(instance: MTSPInstance, construction: str, ls: bool, neighbours: Any = None) -> np.ndarray:
    """The cities in the order of a TSP tour through all nodes from the depot (TSP-improved when ``ls``)."""
    d = instance.distances
    tour = TSP_CONSTRUCTIONS[construction](d, 0) if d.shape[0] > 3 else np.arange(d.shape[0])
    if ls and d.shape[0] > 3:
        tour = np.asarray(tsp_local_search(TSPInstance(d), tour, neighbours or 20), dtype=np.int64)
    k = int(np.flatnonzero(tour == 0)[0])
    return np.concatenate([tour[k + 1:], tour[:k]]).astype(np.int64)


def split_routes(instance: MTSPInstance, cities: np.ndarray) -> list[list[int]]:
    """The optimal split of the city order ``cities`` into the instance's ``m`` routes, for its objective."""
    cuts = split_tour(cities, instance.distances, instance.num_vehicles, instance.objective == "minmax")
    return [cities[a:b].tolist() for a, b in zip(cuts[:-1], cuts[1:])]


def fill_empty_routes(instance: MTSPInstance, routes: list[list[int]]) -> list[list[int]]:
    """Split routes until there are ``m`` non-empty ones, each time at the cut that leaves the best objective.

    Under the triangle inequality a split never lengthens either part, so the
    min-max objective never gets worse (the sum may grow).
    """
    routes = [list(r) for r in routes if r]
    minmax = instance.objective == "minmax"
    while len(routes) < instance.num_vehicles:
        best: tuple[float, float, int, int] | None = None
        for k, route in enumerate(routes):
            for cut in range(1, len(route)):
                trial = routes[:k] + [route[:cut], route[cut:]] + routes[k + 1:]
                lengths, total = route_lengths(instance.distances, [np.asarray(r) for r in trial])
                key = (float(lengths.max()) if minmax else total, total, k, cut)
                best = key if best is None or key < best else best
        if best is None:  # fewer cities than vehicles cannot happen: the instance checks m <= n
            raise ValueError("fill_empty_routes: no route with two cities to split")
        _, _, k, cut = best
        routes[k: k + 1] = [routes[k][:cut], routes[k][cut:]]
    return routes


class RouteState:
    """The arrays of :mod:`~routing_gym.baselines.mtsp.local_search` for ``slots`` solutions of one instance.

    :param instance: the instance.
    :param routes: the first slot's routes (``m`` non-empty lists of cities); copied into every slot.
    :param slots: number of solution slots (1 for a local search, 3 for the ILS).
    """

    def __init__(self, instance: MTSPInstance, routes: list[list[int]], slots: int = 1) -> None:
        from routing_gym.baselines.mtsp.local_search import refresh

        n, m = instance.num_cities, instance.num_vehicles
        self.dist = instance.distances
        self.routes = np.zeros((slots, m, n + 1), dtype=np.int64)
        self.lens = np.zeros((slots, m), dtype=np.int64)
        self.rlen = np.zeros((slots, m))
        self.pref = np.zeros((slots, m, n + 1))
        self.wr = np.zeros((slots, n + 1), dtype=np.int64)
        self.wi = np.zeros((slots, n + 1), dtype=np.int64)
        for r, route in enumerate(routes):
            self.routes[:, r, : len(route)] = route
            self.lens[:, r] = len(route)
        for s in range(slots):
            for r in range(m):
                refresh(r, self.routes[s], self.lens[s], self.rlen[s], self.pref[s], self.wr[s], self.wi[s], self.dist)

    def arrays(self, slot: int = 0) -> tuple[np.ndarray, ...]:
        """``(routes, lens, rlen, pref, wr, wi)`` of one slot (views)."""
        return (self.routes[slot], self.lens[slot], self.rlen[slot], self.pref[slot], self.wr[slot], self.wi[slot])

    def solution(self, slot: int = 0) -> list[list[int]]:
        return [self.routes[slot, r, : self.lens[slot, r]].tolist() for r in range(self.lens.shape[1])]


def mtsp_local_search(instance: MTSPInstance, routes: list[list[int]], neighbours: Any = 20, seed: int = 0) -> list[list[int]]:
    """Improve ``m`` non-empty routes to a local optimum of the mTSP moves, for the instance's objective."""
    from routing_gym.baselines.mtsp.local_search import local_search

    d = instance.distances
    state = RouteState(instance, routes)
    nb = neighbour_lists(d, neighbour_count(neighbours or 20, d.shape[0]), exclude_depot=True)
    local_search(*state.arrays(), d, nb, instance.objective == "minmax", is_symmetric(d), improvement_eps(d),
                 make_rng_state(seed))
    return state.solution()


def construct(solver: ConstructionSolver, instance: MTSPInstance, construction: str) -> list[list[int]]:
    """Giant tour by ``construction``, optimal split, then (``ls``) the mTSP local search."""
    routes = split_routes(instance, giant_tour(instance, construction, solver.ls, solver.neighbours))
    if not solver.ls:
        return routes
    return mtsp_local_search(instance, routes, solver.neighbours or 20, solver.seed)


@NearestNeighbourSolver.for_problem("mtsp")
def nearest_neighbour_mtsp(solver: Any, instance: MTSPInstance) -> list[list[int]]:
    """``nn`` on mTSP: nearest-neighbour giant tour, split optimally."""
    return construct(solver, instance, "nn")


@FarthestInsertionSolver.for_problem("mtsp")
def farthest_insertion_mtsp(solver: Any, instance: MTSPInstance) -> list[list[int]]:
    """``farthest`` on mTSP: farthest-insertion giant tour, split optimally."""
    return construct(solver, instance, "farthest")


@CheapestInsertionSolver.for_problem("mtsp")
def cheapest_insertion_mtsp(solver: Any, instance: MTSPInstance) -> list[list[int]]:
    """``cheapest`` on mTSP: cheapest-insertion giant tour, split optimally."""
    return construct(solver, instance, "cheapest")
