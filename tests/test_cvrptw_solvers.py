"""CVRPTW solvers (routing_gym.baselines.cvrptw): feasibility, optimality on tiny instances, rounding."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from routing_gym.baselines.cvrptw.construction import insertion_routes
from routing_gym.baselines.cvrptw.local_search import local_search, solve_ils
from routing_gym.baselines.cvrptw.ortools import solve_ortools
from routing_gym.baselines.cvrptw.timing import scaled_times
from routing_gym.baselines.references import reference_available
from routing_gym.envs.cvrptw.generator import CVRPTWGenerator
from routing_gym.envs.cvrptw.io import load_solomon
from routing_gym.envs.cvrptw.types import CVRPTWInstance, evaluate_cvrptw
from routing_gym.errors import SolverError

needs_pyvrp = pytest.mark.skipif(not reference_available("hgs"), reason="pyvrp not installed")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def line_instance() -> CVRPTWInstance:
    """Six customers on a line (x = 1..6, depot at 0) whose windows cost a second route.

    One vehicle could carry all (capacity 6) along the shortest tour (length 12), but
    customer 6 must be served by time 7 and customer 1 between times 10 and 12, so no
    single route is on time; the optimum is ``[6, 5, 4, 3, 2] + [1]``, length 14.
    """
    xy = np.array([[float(i), 0.0] for i in range(7)])
    ready = np.array([0, 10, 10, 0, 0, 0, 0], dtype=float)
    due = np.array([40, 12, 30, 30, 30, 30, 7], dtype=float)
    service = np.array([0, 1, 1, 1, 1, 1, 1], dtype=float)
    return CVRPTWInstance.from_coords(xy, [0] + [1] * 6, 6, ready, due, service, name="line6")


def route_length(instance: CVRPTWInstance, route: tuple[int, ...]) -> float:
    """Length of one route, ``inf`` when it is late somewhere or over capacity (written out as the oracle)."""
    d = instance.distances
    if instance.demands[list(route)].sum() > instance.capacity:
        return np.inf
    clock, prev, length = instance.ready[0], 0, 0.0
    for j in route + (0,):
        clock += d[prev, j]
        length += d[prev, j]
        if clock > instance.due[j] + 1e-9:
            return np.inf
        clock = max(clock, instance.ready[j]) + instance.service[j]
        prev = j
    return length


def brute_force_optimum(instance: CVRPTWInstance) -> float:
    """Shortest feasible solution by enumeration: best order per subset, then best partition into subsets."""
    n = instance.num_customers
    route_cost = {}
    for mask in range(1, 1 << n):
        members = [i + 1 for i in range(n) if mask >> i & 1]
        route_cost[mask] = min(route_length(instance, perm) for perm in itertools.permutations(members))
    part = {0: 0.0}
    for mask in range(1, 1 << n):
        low = mask & -mask  # the lowest customer's route: every subset of mask that holds it
        best = np.inf
        sub = mask
        while sub:
            if sub & low:
                best = min(best, route_cost[sub] + part[mask ^ sub])
            sub = (sub - 1) & mask
        part[mask] = best
    return part[(1 << n) - 1]


def small_instances(rng: np.random.Generator) -> list[CVRPTWInstance]:
    out = [line_instance()]
    for dist in ("random", "clustered", "mixed"):
        for n in (1, 2, 7, 25):
            out.append(CVRPTWGenerator(num_nodes=n, distribution=dist)(rng))
    return out


def assert_feasible(instance: CVRPTWInstance, routes: list[list[int]]) -> float:
    ev = evaluate_cvrptw(instance, routes)
    assert ev.feasible, ev.violation
    return ev.cost


def test_insertion_routes__feasible_on_small_instances(rng):
    for inst in small_instances(rng):
        assert_feasible(inst, insertion_routes(inst))


def test_local_search__moves_predict_their_cost_and_stay_feasible(rng):
    for inst in small_instances(rng):
        n = inst.num_customers
        start = [[int(c)] for c in rng.permutation(np.arange(1, n + 1))]  # one route per customer
        routes = local_search(inst, start, verify=True)  # verify: every move's delta and feasibility checked
        assert assert_feasible(inst, routes) <= evaluate_cvrptw(inst, start).cost + 1e-9


def test_local_search__rejects_an_infeasible_start():
    with pytest.raises(SolverError, match="time window or the capacity"):
        local_search(line_instance(), [[1, 2, 3, 4, 5, 6]])


def test_brute_force_optimum__line_instance_needs_two_routes():
    assert brute_force_optimum(line_instance()) == pytest.approx(14.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_solve_ils__finds_the_brute_force_optimum(seed, rng):
    instances = [line_instance()] + [CVRPTWGenerator(num_nodes=6, distribution=d)(rng) for d in ("random", "mixed")]
    for inst in instances:
        opt = brute_force_optimum(inst)
        cost = assert_feasible(inst, solve_ils(inst, None, seed, iterations=300))
        assert cost == pytest.approx(opt, abs=1e-9), inst.name


def test_solve_ils__same_seed_same_routes(rng):
    inst = CVRPTWGenerator(num_nodes=25, distribution="mixed")(rng)
    a = solve_ils(inst, None, 3, iterations=200)
    assert a == solve_ils(inst, None, 3, iterations=200)


def test_solve_ils__honours_the_time_limit(rng):
    inst = CVRPTWGenerator(num_nodes=60)(rng)
    solve_ils(inst, None, 0, iterations=2)  # compile or load the kernels first
    t0 = time.perf_counter()
    routes = solve_ils(inst, 0.3, 0)
    assert time.perf_counter() - t0 < 1.0
    assert assert_feasible(inst, routes) <= assert_feasible(inst, insertion_routes(inst)) + 1e-9


def test_solve_ortools__feasible_on_small_instances(rng):
    for inst in small_instances(rng):
        cost = assert_feasible(inst, solve_ortools(inst, 0.2, 0))
        if inst.name == "line6":
            assert cost >= brute_force_optimum(inst) - 1e-9


@needs_pyvrp
def test_solve_hgs__feasible_on_small_instances(rng):
    from routing_gym.baselines.cvrptw.hgs import solve_hgs

    generated = [CVRPTWGenerator(num_nodes=25, distribution=d)(rng) for d in ("random", "clustered")]
    for inst in [line_instance()] + generated:
        cost = assert_feasible(inst, solve_hgs(inst, 0.5, 0))
        if inst.name == "line6":
            assert cost == pytest.approx(brute_force_optimum(inst), abs=1e-9)


def test_scaled_times__integer_model_implies_the_real_windows(rng):
    inst = CVRPTWGenerator(num_nodes=30, distribution="mixed")(rng)
    s = 1000.0
    travel, service, ready, due = scaled_times(inst, s)
    assert (travel >= inst.distances * s - 1e-6).all() and (travel <= inst.distances * s + 1).all()
    assert (service >= inst.service * s - 1e-6).all()
    assert (ready >= inst.ready * s - 1e-6).all() and (due <= inst.due * s + 1e-6).all()
    # values that are integers up to floating-point noise stay those integers
    t = CVRPTWInstance(np.array([[0, 0.3], [0.1 * 3, 0]]), [0, 1], 1, [0, 0], [10, 9.7], [0, 0.7])
    travel, service, ready, due = scaled_times(t, 10.0)
    assert travel[0, 1] == travel[1, 0] == 3 and service[1] == 7 and due[1] == 97


def test_solvers__feasible_on_a_solomon_file(shared_data):
    inst = load_solomon(shared_data / "solomon" / "C101.txt")
    assert assert_feasible(inst, insertion_routes(inst)) >= inst.optimum
    assert inst.optimum - 1e-6 <= assert_feasible(inst, solve_ortools(inst, 1.0, 0))
    assert inst.optimum - 1e-6 <= assert_feasible(inst, solve_ils(inst, 1.0, 0)) <= 1.05 * inst.optimum


@needs_pyvrp
def test_solve_hgs__feasible_on_a_solomon_file(shared_data):
    from routing_gym.baselines.cvrptw.hgs import solve_hgs

    inst = load_solomon(shared_data / "solomon" / "R201.txt")
    assert inst.optimum - 1e-6 <= assert_feasible(inst, solve_hgs(inst, 1.0, 0)) <= 1.05 * inst.optimum
