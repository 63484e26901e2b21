"""mTSP solvers: the optimal split, the local search and ILS against brute force, and every hook's routes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.baselines.mtsp.constructions import mtsp_local_search, split_routes, split_tour
from routing_gym.envs.mtsp.generator import MTSPGenerator
from routing_gym.envs.mtsp.types import MTSPInstance, evaluate_mtsp


def brute_force(inst: MTSPInstance) -> float:
    """The optimum: every city order, each split optimally (the split itself is checked below)."""
    best = np.inf
    for perm in itertools.permutations(range(1, inst.num_cities + 1)):
        best = min(best, evaluate_mtsp(inst, split_routes(inst, np.array(perm))).cost)
    return best


@pytest.mark.parametrize("objective", ["sum", "minmax"])
def test_split_tour__optimal_over_every_cut(objective: str) -> None:
    rng = np.random.default_rng(0)
    for _ in range(5):
        inst = MTSPGenerator(8, 3, objective)(rng)
        cities = rng.permutation(np.arange(1, 9))
        got = evaluate_mtsp(inst, split_routes(inst, cities))
        best = min(evaluate_mtsp(inst, [cities[:a].tolist(), cities[a:b].tolist(), cities[b:].tolist()]).cost
                   for a, b in itertools.combinations(range(1, 8), 2))
        assert got.feasible and got.cost == pytest.approx(best, abs=1e-12)
    cuts = split_tour(np.arange(1, 4), MTSPGenerator(3, 3)(rng).distances, 3, True)
    assert cuts.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("objective", ["sum", "minmax"])
def test_ils_mtsp__finds_the_brute_force_optimum_on_small_instances(objective: str) -> None:
    for seed in range(3):
        inst = MTSPGenerator(7, 3, objective)(np.random.default_rng(seed))
        ev = evaluate_mtsp(inst, make_solver("ils:iterations=200")(inst).solution)
        assert ev.feasible and ev.cost == pytest.approx(brute_force(inst), rel=1e-9)


@pytest.mark.parametrize("objective", ["sum", "minmax"])
def test_mtsp_local_search__never_worse_and_keeps_routes_non_empty(objective: str) -> None:
    rng = np.random.default_rng(1)
    for _ in range(10):
        inst = MTSPGenerator(30, 4, objective)(rng)
        cities = rng.permutation(np.arange(1, 31))
        routes = [c.tolist() for c in np.array_split(cities, 4)]
        before = evaluate_mtsp(inst, routes).cost
        after = evaluate_mtsp(inst, mtsp_local_search(inst, routes, seed=3))
        assert after.feasible and after.cost <= before + 1e-12


def test_mtsp_local_search__asymmetric_matrix_stays_feasible() -> None:
    rng = np.random.default_rng(2)
    d = rng.random((13, 13)) * 10
    np.fill_diagonal(d, 0)
    for objective in ("sum", "minmax"):
        inst = MTSPInstance(d, 3, objective)
        routes = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
        ev = evaluate_mtsp(inst, mtsp_local_search(inst, routes))
        assert ev.feasible and ev.cost <= evaluate_mtsp(inst, routes).cost + 1e-12


def test_ils_mtsp__seeded_runs_repeat() -> None:
    inst = MTSPGenerator(25, 3, "minmax")(np.random.default_rng(4))
    a = make_solver("ils:iterations=50:seed=7")(inst).solution
    b = make_solver("ils:iterations=50:seed=7")(inst).solution
    assert a == b


@pytest.mark.parametrize("objective", ["sum", "minmax"])
@pytest.mark.parametrize("spec", ["nn", "nn:ls=false", "farthest", "cheapest", "ils:time_limit=0.3",
                                  "ortools:time_limit=0.5", "mcts:simulations=30"])
def test_mtsp_solvers__return_m_non_empty_routes(objective: str, spec: str) -> None:
    inst = MTSPGenerator(12, 3, objective)(np.random.default_rng(5))
    result = make_solver(spec)(inst)
    assert result.ok, result.message
    ev = evaluate_mtsp(inst, result.solution)
    assert ev.feasible, ev.violation


def test_ortools_mtsp__minmax_span_cost_reaches_the_optimum() -> None:
    inst = MTSPGenerator(7, 3, "minmax")(np.random.default_rng(6))
    ev = evaluate_mtsp(inst, make_solver("ortools:time_limit=1")(inst).solution)
    assert ev.feasible and ev.cost == pytest.approx(brute_force(inst), rel=1e-3)  # integer-scaled costs


def test_hgs_mtsp__sum_uses_every_vehicle_minmax_fails_explicitly() -> None:
    pytest.importorskip("pyvrp")
    inst = MTSPGenerator(20, 4, "sum")(np.random.default_rng(7))
    result = make_solver("hgs:time_limit=0.5")(inst)
    assert result.ok, result.message
    ev = evaluate_mtsp(inst, result.solution)
    assert ev.feasible and len(result.solution) == 4
    assert ev.cost <= evaluate_mtsp(inst, make_solver("nn")(inst).solution).cost + 1e-9
    failed = make_solver("hgs:time_limit=0.5")(inst.replace(objective="minmax"))
    assert failed.status == "failed" and "min-max" in failed.message


def test_fill_empty_routes__splits_until_every_vehicle_serves() -> None:
    from routing_gym.baselines.mtsp.constructions import fill_empty_routes

    for objective in ("sum", "minmax"):
        inst = MTSPGenerator(9, 4, objective)(np.random.default_rng(8))
        routes = [list(range(1, 10))]
        filled = fill_empty_routes(inst, routes)
        ev = evaluate_mtsp(inst, filled)
        assert ev.feasible and len(filled) == 4
        if objective == "minmax":  # a split never lengthens a part (triangle inequality)
            longest = evaluate_mtsp(inst.replace(num_vehicles=1), routes).cost
            assert ev.cost <= longest + 1e-12
