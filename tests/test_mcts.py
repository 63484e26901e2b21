"""Tests of the generic MCTS (``mcts``), the heatmap-guided k-opt MCTS (``kopt-mcts``) and the heatmaps."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.baselines import make_solver
from routing_gym.baselines.mcts import MCTS, MCTSPlanner
from routing_gym.envs import replay
from routing_gym.baselines.tsp.heatmaps import default_tau, resolve_heatmap, softdist_heatmap, uniform_heatmap, zero_heatmap
from routing_gym.baselines.tsp.kopt_mcts import KOptMCTS, candidate_set
from routing_gym.registry import UnknownProblemError, env_id_for
from routing_gym.envs import CVRPGenerator, CVRPInstance, TSPGenerator, TSPInstance, evaluate, load_instance
from routing_gym.errors import SolverError

TSP = "routing_gym/TSP-v0"
CVRP = "routing_gym/CVRP-v0"


def tsp(n: int, seed: int) -> TSPInstance:
    return TSPGenerator(n)(np.random.default_rng(seed))


def cvrp(n: int, seed: int) -> CVRPInstance:
    return CVRPGenerator(n)(np.random.default_rng(seed))


def assert_judged(instance, solution) -> float:
    """Feasible by ``evaluate``, and the environment's summed reward is minus that cost."""
    ev = evaluate(instance, solution)
    assert ev.feasible, ev.violation
    r = replay(None, instance, solution)
    assert r.feasible, r.message
    assert r.reward == pytest.approx(-ev.cost, rel=1e-12, abs=1e-9)
    return ev.cost


def greedy_cost(instance) -> float:
    """The greedy rollout policy alone, written independently: nearest feasible by immediate reward."""
    env = gym.make(env_id_for(instance), instance=instance).unwrapped
    env.reset()
    k = env.kernel
    total, done = 0.0, False
    while not done:
        valid = np.flatnonzero(env.action_masks())
        a = int(valid[np.argmin(k.dist[0, k.cur[0], valid])])
        _, r, done, _, _ = env.step(a)
        total += r
    return -total


def brute_force_tsp(inst: TSPInstance) -> float:
    n = inst.num_nodes
    return min(evaluate(inst, [0, *p]).cost for p in itertools.permutations(range(1, n)))


def brute_force_cvrp(inst: CVRPInstance) -> float:
    """Every order of the customers, cut into routes at every subset of the gaps."""
    n = inst.num_customers
    best = np.inf
    for perm in itertools.permutations(range(1, n + 1)):
        for cuts in itertools.product((False, True), repeat=n - 1):
            routes, cur = [], [perm[0]]
            for c, cut in zip(perm[1:], cuts):
                if cut:
                    routes.append(cur)
                    cur = []
                cur.append(c)
            routes.append(cur)
            ev = evaluate(inst, routes)
            if ev.feasible:
                best = min(best, ev.cost)
    return best


# --- generic MCTS ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: tsp(20, 0), lambda: cvrp(15, 0)], ids=["tsp20", "cvrp15"])
@pytest.mark.parametrize("rollout", ["greedy", "random"])
def test_mcts__feasible_and_replays_to_its_cost(make, rollout):
    inst = make()
    res = make_solver(f"mcts:simulations=200:time_limit=none:rollout={rollout}:seed=1")(inst)
    assert res.ok, res.message
    assert_judged(inst, res.solution)


@pytest.mark.parametrize("make", [lambda: tsp(25, 3), lambda: cvrp(20, 3)], ids=["tsp25", "cvrp20"])
def test_mcts__no_worse_than_its_greedy_rollout_policy(make):
    inst = make()
    solver = MCTS(time_limit=None, simulations=300, rollout="greedy")
    cost = assert_judged(inst, solver.solve(inst))
    g = greedy_cost(inst)
    assert cost <= g + 1e-9
    assert solver.last_stats["return"] == pytest.approx(-cost)


def test_mcts__random_rollouts_beat_random_play():
    inst = tsp(20, 4)
    rng = np.random.default_rng(0)
    random_costs = [evaluate(inst, [0, *rng.permutation(np.arange(1, 20))]).cost for _ in range(50)]
    cost = assert_judged(inst, MCTS(time_limit=None, simulations=400, rollout="random", seed=2).solve(inst))
    assert cost < min(random_costs)


@pytest.mark.parametrize("n,seed", [(6, 0), (7, 1), (7, 2)])
def test_mcts__finds_the_optimum_of_tiny_tsp(n, seed):
    inst = tsp(n, seed)
    sol = MCTS(time_limit=None, simulations=12000, rollout="random", seed=seed).solve(inst)
    assert assert_judged(inst, sol) == pytest.approx(brute_force_tsp(inst))


@pytest.mark.parametrize("seed", [0, 1])
def test_mcts__finds_the_optimum_of_tiny_cvrp(seed):
    inst = cvrp(5, seed)
    sol = MCTS(time_limit=None, simulations=8000, rollout="random", seed=seed).solve(inst)
    assert assert_judged(inst, sol) == pytest.approx(brute_force_cvrp(inst))


@pytest.mark.parametrize("env_id,inst", [(TSP, tsp(15, 5)), (CVRP, cvrp(12, 5))], ids=["tsp", "cvrp"])
def test_mcts_planner__search_restores_the_state_exactly(env_id, inst):
    env = gym.make(env_id, instance=inst).unwrapped
    env.reset()
    for _ in range(3):  # search from the middle of an episode
        env.step(int(np.flatnonzero(env.action_masks())[-1]))
    snapshot = env.get_state()
    obs_before = env.kernel.observe(0)
    planner = MCTSPlanner(env, rollout="greedy", rng=np.random.default_rng(0))
    a = planner.search(simulations=60)
    after = env.get_state()
    assert after.keys() == snapshot.keys()
    for k in snapshot:
        np.testing.assert_array_equal(after[k], snapshot[k], err_msg=k)
    for k, v in env.kernel.observe(0).items():
        np.testing.assert_array_equal(v, obs_before[k], err_msg=k)
    assert env.action_masks()[a]
    assert planner.simulations == 60


def test_mcts_planner__callable_rollout_and_prior_give_puct():
    inst = cvrp(12, 6)
    calls = {"policy": 0, "prior": 0}

    def policy(obs, mask):  # last valid action: deliberately not the greedy one
        calls["policy"] += 1
        assert obs["action_mask"].shape == mask.shape
        return int(np.flatnonzero(mask)[-1])

    def prior(obs, mask):
        calls["prior"] += 1
        return mask / mask.sum()

    solver = MCTS(time_limit=None, simulations=80, rollout=policy, prior=prior)
    assert_judged(inst, solver.solve(inst))
    assert calls["policy"] > 0 and calls["prior"] > 0


def test_mcts_planner__rejects_a_policy_that_picks_a_masked_action():
    inst = tsp(8, 0)
    res = MCTS(time_limit=None, simulations=10, rollout=lambda obs, mask: int(np.flatnonzero(~mask)[0]))(inst)
    assert res.status == "failed" and "masked" in res.message


def test_mcts__time_limit_alone_returns_a_solution():
    inst = cvrp(10, 7)
    res = make_solver("mcts:time_limit=0.2")(inst)
    assert res.ok
    assert_judged(inst, res.solution)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"rollout": "best"}, "rollout"),
        ({"c": -1.0}, "c must"),
        ({"simulations": 0}, "simulations"),
        ({"simulations": None, "time_limit": None}, "time_limit or simulations"),
        ({"prior": "uniform"}, "prior"),
    ],
)
def test_mcts__rejects_bad_parameters(kwargs, match):
    with pytest.raises(SolverError, match=match):
        MCTS(**kwargs)


def test_mcts_planner__rejects_a_finished_episode_and_batched_envs():
    inst = tsp(5, 0)
    env = gym.make(TSP, instance=inst).unwrapped
    env.reset()
    for a in (1, 2, 3, 4):
        env.step(a)
    with pytest.raises(SolverError, match="ended"):
        MCTSPlanner(env)
    venv = gym.make_vec(TSP, 2, vectorization_mode="vector_entry_point", num_nodes=5)
    venv.reset(seed=0)
    with pytest.raises(SolverError, match="batch size 1"):
        MCTSPlanner(venv)


def test_env_id_for__finds_the_registered_environment():
    assert env_id_for(tsp(5, 0)) == TSP
    assert env_id_for(cvrp(5, 0)) == CVRP
    with pytest.raises(UnknownProblemError, match="no routing-gym problem takes a str"):
        env_id_for("not an instance")


# --- heatmaps -----------------------------------------------------------------------------------------------------
def test_softdist_heatmap__rows_are_softmax_of_scaled_distances():
    inst = TSPInstance.from_coords(np.random.default_rng(0).random((30, 2)) * 1000.0, "EUC_2D")
    h = softdist_heatmap(inst, tau=0.05)
    np.testing.assert_allclose(h.sum(axis=1), 1.0)
    assert np.all(np.diag(h) == 0)
    c = inst.obs_coords.astype(np.float64)
    d = np.linalg.norm(c[:, None] - c[None], axis=-1)
    i = 3
    others = np.delete(np.arange(30), i)
    expect = np.exp(-d[i, others] / 0.05)
    np.testing.assert_allclose(h[i, others], expect / expect.sum(), rtol=1e-9)
    assert default_tau(500) == pytest.approx(0.0072, abs=5e-4)
    assert default_tau(1000) == pytest.approx(0.0051, abs=5e-4)


def test_resolve_heatmap__names_arrays_callables_and_errors():
    inst = tsp(6, 0)
    assert resolve_heatmap("zero", inst).sum() == 0
    np.testing.assert_allclose(resolve_heatmap("uniform", inst), uniform_heatmap(inst))
    np.testing.assert_array_equal(resolve_heatmap(zero_heatmap, inst), np.zeros((6, 6)))
    with pytest.raises(SolverError, match="unknown name"):
        resolve_heatmap("gcn", inst)
    with pytest.raises(SolverError, match=r"shape \(6, 6\)"):
        resolve_heatmap(np.zeros((5, 5)), inst)
    with pytest.raises(SolverError, match=">= 0"):
        resolve_heatmap(-np.ones((6, 6)), inst)
    with pytest.raises(SolverError, match="tau"):
        softdist_heatmap(inst, tau=0.0)


def test_candidate_set__flat_heatmap_gives_nearest_neighbours():
    inst = tsp(40, 1)
    d = inst.distances
    cand = candidate_set(np.zeros((40, 40)), d, 5)
    dd = d + np.diag(np.full(40, np.inf))
    np.testing.assert_array_equal(cand, np.argsort(dd, axis=1, kind="stable")[:, :5])
    # a heatmap ranks first; distance only breaks ties
    h = np.zeros((40, 40))
    h[:, 39] = 1.0
    h[39, 0] = 1.0
    cand = candidate_set(h, d, 5)
    assert np.all(cand[:39, 0] == 39) and cand[39, 0] == 0


# --- k-opt MCTS ------------------------------------------------------------------------------------------------------
def assert_tour(inst: TSPInstance, tour) -> float:
    assert sorted(tour) == list(range(inst.num_nodes))
    return assert_judged(inst, tour)


def test_kopt_mcts__improves_on_its_start_tour_on_tsp100():
    inst = TSPInstance.from_coords(np.random.default_rng(0).random((100, 2)))
    solver = KOptMCTS(time_limit=None, max_samples=300_000, seed=0)
    tour = solver.solve(inst)
    cost = assert_tour(inst, tour)
    s = solver.last_stats
    assert s["local_opt"] <= s["initial"]
    assert cost == pytest.approx(s["final"])
    assert cost < s["local_opt"] * 0.985  # 2-opt leaves several % on the table; the k-opt search finds it
    assert s["moves"] > 0 and s["restarts"] > 0


def test_kopt_mcts__is_deterministic_for_a_seed_and_sample_budget():
    inst = tsp(60, 2)
    a = KOptMCTS(time_limit=None, max_samples=50_000, seed=3).solve(inst)
    b = KOptMCTS(time_limit=None, max_samples=50_000, seed=3).solve(inst)
    assert a == b


def test_kopt_mcts__stops_near_a_short_time_limit():
    inst = TSPInstance.from_coords(np.random.default_rng(1).random((200, 2)))
    solver = make_solver("kopt-mcts:time_limit=0.3")
    t0 = time.perf_counter()
    res = solver(inst)
    assert res.ok
    assert_tour(inst, res.solution)
    # loose on purpose: the search checks the clock between chunks of ~20 ms; this only catches a runaway loop
    assert time.perf_counter() - t0 < 30.0
    assert solver.last_stats["samples"] > 0


@pytest.mark.parametrize("heatmap", ["zero", "uniform", "array", "callable"])
def test_kopt_mcts__custom_heatmaps(heatmap):
    inst = tsp(50, 4)
    n = inst.num_nodes
    seen = []
    if heatmap == "array":
        h = np.random.default_rng(0).random((n, n))
    elif heatmap == "callable":
        def h(instance):
            seen.append(instance)
            return softdist_heatmap(instance, 0.02)
    else:
        h = heatmap
    solver = KOptMCTS(time_limit=None, max_samples=30_000, heatmap=h, candidates=6)
    assert_tour(inst, solver.solve(inst))
    assert solver.last_stats["final"] <= solver.last_stats["local_opt"]
    if heatmap == "callable":
        assert seen == [inst]


def test_kopt_mcts__tiny_and_degenerate_instances():
    for n in (2, 3, 4, 5, 7):
        inst = tsp(n, n)
        tour = KOptMCTS(time_limit=None, max_samples=2000).solve(inst)
        assert assert_tour(inst, tour) == pytest.approx(brute_force_tsp(inst))
    same = TSPInstance.from_coords(np.zeros((6, 2)))  # all cities at one point: every tour has length 0
    assert assert_tour(same, KOptMCTS(time_limit=None, max_samples=500).solve(same)) == 0.0


def test_kopt_mcts__asymmetric_instances_are_unsupported():
    d = np.random.default_rng(0).random((6, 6))
    np.fill_diagonal(d, 0.0)
    inst = TSPInstance(d)
    res = make_solver("kopt-mcts:time_limit=0.1")(inst)
    assert res.status == "unsupported"
    with pytest.raises(SolverError, match="asymmetric"):
        KOptMCTS(time_limit=0.1).solve(inst)
    assert make_solver("kopt-mcts")(cvrp(5, 0)).status == "unsupported"


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"candidates": 0}, "candidates"),
        ({"samples": -5}, "samples"),
        ({"max_depth": 1.5}, "max_depth"),
        ({"alpha": -1.0}, "alpha"),
        ({"tau": 0}, "tau"),
        ({"accept": "all"}, "accept"),
        ({"restart": "never"}, "restart"),
        ({"heatmap": "dimes"}, "unknown name"),
        ({"time_limit": None}, "time_limit or max_samples"),
    ],
)
def test_kopt_mcts__rejects_bad_parameters(kwargs, match):
    with pytest.raises(SolverError, match=match):
        KOptMCTS(**kwargs)


def test_kopt_mcts__tsplib_file_instance(shared_data: Path):
    path = shared_data / "tsplib" / "kroA100.tsp"
    if not path.is_file():
        pytest.skip("kroA100.tsp not in the shared data")
    inst = load_instance(path)
    assert inst.is_integer
    solver = KOptMCTS(time_limit=None, max_samples=400_000, seed=0)
    cost = assert_tour(inst, solver.solve(inst))
    assert cost == int(cost)
    assert 21282 <= cost <= 21282 * 1.02  # optimum 21282 (TSPLIB)


def test_kopt_mcts__leaves_the_callers_heatmap_unchanged():
    inst = tsp(30, 5)
    h = np.random.default_rng(1).random((30, 30))
    before = h.copy()
    KOptMCTS(time_limit=None, max_samples=5000, heatmap=h).solve(inst)
    np.testing.assert_array_equal(h, before)


# --- MultiDiscrete (WarehouseAGV): robot by robot -----------------------------------------------
def _warehouse(robots: int = 2, seed: int = 3):
    from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator

    kw = {"num_robots": robots, "height": 6, "width": 7, "shelf_depth": 1, "shelf_length": 2, "horizon": 24}
    return WarehouseGenerator(**kw)(np.random.default_rng(seed))


def test_robot_by_robot__decisions_make_the_joint_step_and_snapshots_keep_the_pending_moves() -> None:
    from routing_gym.baselines.mcts import RobotByRobot

    inst = _warehouse(3)
    direct = gym.make("routing_gym/WarehouseAGV-v0", instance=inst).unwrapped
    direct.reset(seed=0)
    env = gym.make("routing_gym/WarehouseAGV-v0", instance=inst).unwrapped
    env.reset(seed=0)
    seq = RobotByRobot(env.kernel)
    joint = np.array([int(np.flatnonzero(direct.kernel.mask[0, 5 * i:5 * i + 5])[-1]) for i in range(3)])
    assert np.array_equal(seq.mask[0], env.kernel.mask[0, :5])
    r0, _, _ = seq.step(joint[:1])
    snap = seq.get_state()
    assert r0[0] == 0 and seq.turn[0] == 1 and np.array_equal(seq.mask[0], env.kernel.mask[0, 5:10])
    seq.step(joint[1:2])
    seq.set_state(snap)  # back to robot 1's decision, robot 0's move still pending
    assert seq.turn[0] == 1 and seq.observe()["pending"].tolist() == [joint[0]]
    seq.step(joint[1:2])
    r, term, _ = seq.step(joint[2:3])
    rd, termd, _ = direct.kernel.step(joint[None])
    assert r[0] == rd[0] and term[0] == termd[0] and seq.turn[0] == 0
    assert np.array_equal(env.kernel.pos, direct.kernel.pos)


@pytest.mark.parametrize("seed", [3, 4])
def test_mcts_warehouse__plans_replay_conflict_free_and_reach_the_cbs_optimum_on_tiny_instances(seed: int) -> None:
    from routing_gym.envs import replay
    from routing_gym.envs.warehouse_agv.types import first_conflict, padded_paths

    inst = _warehouse(3, seed)
    result = make_solver("mcts:time_limit=None:simulations=300:seed=1:c=2")(inst)
    assert result.ok, result.message
    rep = replay(None, inst, result.solution)
    assert rep.feasible and first_conflict(padded_paths(inst, result.solution)) is None
    optimum = replay(None, inst, make_solver("cbs:time_limit=10")(inst).solution).cost
    assert rep.cost == optimum


def test_mcts_multidiscrete__greedy_rollout_is_refused_clearly() -> None:
    env = gym.make("routing_gym/WarehouseAGV-v0", instance=_warehouse()).unwrapped
    env.reset(seed=0)
    with pytest.raises(SolverError, match="greedy rollouts probe whole Discrete actions"):
        MCTSPlanner(env, rollout="greedy")
    planner = MCTSPlanner(env, rollout="random", rng=np.random.default_rng(0))
    solution, ret = planner.solve(simulations=20)
    assert solution is not None and ret <= 0
