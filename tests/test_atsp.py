"""ATSP: instance, evaluation, MatNet generator, kernel/env, TSPLIB .atsp files, solvers, featurizer."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from routing_gym.envs import evaluate, load_instance
from routing_gym.envs.atsp.env import ATSPEnv
from routing_gym.envs.atsp.generator import ATSPGenerator, shortest_path_closure
from routing_gym.envs.atsp.types import ATSPInstance, evaluate_atsp
from routing_gym.errors import InstanceError
from routing_gym.registry import get_problem, problem_of

# 3 nodes, one cheap direction: 0 -> 1 -> 2 -> 0 costs 3, 0 -> 2 -> 1 -> 0 costs 30.
RING = np.array([[0.0, 1.0, 10.0], [10.0, 0.0, 1.0], [1.0, 10.0, 0.0]])


def brute_force(d: np.ndarray) -> float:
    n = d.shape[0]
    best = np.inf
    for perm in itertools.permutations(range(1, n)):
        tour = (0, *perm)
        best = min(best, sum(d[tour[i], tour[(i + 1) % n]] for i in range(n)))
    return float(best)


def play_random(env: Any, rng: np.random.Generator) -> tuple[float, dict[str, Any]]:
    obs, _ = env.reset(seed=int(rng.integers(1 << 30)))
    total, info = 0.0, {}
    while True:
        a = int(rng.choice(np.flatnonzero(obs["action_mask"])))
        obs, r, term, _, info = env.step(a)
        total += r
        if term:
            return total, info


# --- instance and evaluation ---------------------------------------------------
def test_atsp_instance__diagonal_is_zeroed_and_views() -> None:
    d = RING + 9999 * np.eye(3)
    inst = ATSPInstance(d, name="ring")
    assert np.array_equal(np.diagonal(inst.distances), np.zeros(3))
    assert not inst.distances.flags.writeable
    assert inst.is_integer and not inst.is_symmetric
    assert inst.obs_coords.shape == (3, 2) and inst.obs_coords.min() >= 0 and inst.obs_coords.max() <= 1
    assert inst.tsp.coords is None and inst.tsp.is_integer
    assert problem_of(inst).name == "atsp"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(distances=[[0.0, -1.0], [1.0, 0.0]]), r"distances: negative distance -1 at \(0, 1\)"),
        (dict(distances=[[0.0, 1.0, 2.0]]), r"distances: expected a square matrix"),
        (dict(distances=[[0.0]]), r"distances: an ATSP instance needs at least 2 nodes, got 1"),
        (dict(distances=[[0.0, np.nan], [1.0, 0.0]]), r"distances: non-finite value nan"),
        (dict(distances=RING, coords=[[0, 0], [1, 1]]), r"coords: expected 3 rows"),
        (dict(distances=RING, optimum=float("inf")), r"optimum: expected a finite number"),
    ],
)
def test_atsp_instance__bad_input_raises_instance_error(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        ATSPInstance(**kwargs)


def test_evaluate_atsp__direction_matters() -> None:
    inst = ATSPInstance(RING)
    assert evaluate_atsp(inst, [0, 1, 2]) == (3.0, True, None)
    assert evaluate_atsp(inst, [0, 2, 1]).cost == 30.0
    assert evaluate(inst, [1, 2, 0]).cost == 3.0


@pytest.mark.parametrize("tour, match", [([0, 1, 1], "node 1 visited 2 times"), ([0, 1], "not visited"),
                                         ([0, 1, 5], "out of range"), ("abc", "not a sequence of indices")])
def test_evaluate_atsp__names_the_violation(tour: Any, match: str) -> None:
    ev = evaluate_atsp(ATSPInstance(RING), tour)
    assert not ev.feasible and match in ev.violation


# --- generator -----------------------------------------------------------------
def test_atsp_generator__tmat_is_closed_under_shortest_paths() -> None:
    d = ATSPGenerator(12).sample_distances(np.random.default_rng(0), 4)
    assert d.shape == (4, 12, 12) and d.min() >= 0 and d.max() < 1
    assert np.all(np.diagonal(d, axis1=1, axis2=2) == 0)
    # triangle inequality d[i, j] <= d[i, k] + d[k, j], and asymmetric
    assert np.all(d[:, :, None, :] <= d[:, :, :, None] + d[:, None, :, :] + 1e-12)
    assert not np.allclose(d, np.swapaxes(d, 1, 2))
    # multiples of 1 / resolution, as MatNet's integers divided by its scaler
    assert np.allclose(d * 10**6, np.rint(d * 10**6))


def test_atsp_generator__uniform_keeps_raw_entries_and_closure_is_floyd_warshall() -> None:
    raw = ATSPGenerator(6, distribution="uniform").sample_distances(np.random.default_rng(1), 1)
    closed = shortest_path_closure(raw)[0]
    for i, j in itertools.product(range(6), repeat=2):
        # any path i -> k -> ... -> j is no cheaper than the closure
        assert closed[i, j] <= raw[0, i, j]
        assert closed[i, j] == pytest.approx(min(raw[0, i, j], min(closed[i, k] + raw[0, k, j] for k in range(6))))


def test_atsp_generator__seeded_and_batch_matches_instances() -> None:
    gen = ATSPGenerator(8)
    a, b = gen.sample(np.random.default_rng(3), 2), gen.sample(np.random.default_rng(3), 2)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    inst = ATSPInstance(a["distances"][1])
    assert np.array_equal(inst.obs_coords, a["obs_coords"][1])


@pytest.mark.parametrize("kwargs, field", [(dict(num_nodes=1), "num_nodes"), (dict(num_nodes=5.0), "num_nodes"),
                                           (dict(distribution="euclid"), "distribution"), (dict(resolution=1), "resolution")])
def test_atsp_generator__bad_parameters(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InstanceError, match=field):
        ATSPGenerator(**kwargs)


# --- environment ---------------------------------------------------------------
def test_atsp_env__passes_gymnasium_check_env() -> None:
    check_env(gym.make("routing_gym/ATSP-v0", num_nodes=7).unwrapped, skip_render_check=True)


def test_atsp_env__random_play_reward_is_minus_evaluate_cost() -> None:
    env = ATSPEnv(num_nodes=9)
    rng = np.random.default_rng(0)
    for _ in range(20):
        total, info = play_random(env, rng)
        ev = evaluate_atsp(env.instance, info["solution"])
        assert ev.feasible and total == pytest.approx(-ev.cost, rel=1e-12) and info["cost"] == pytest.approx(ev.cost, rel=1e-12)


def test_atsp_env__distance_features_are_scaled_matrix_rows_and_columns() -> None:
    inst = ATSPInstance(RING * 4)
    env = ATSPEnv(instance=inst)
    obs, _ = env.reset(options={"start_node": 1})
    s = 40.0
    assert np.allclose(obs["current_distances"][:, 0], inst.distances[1] / s)
    assert np.allclose(obs["current_distances"][:, 1], inst.distances[:, 1] / s)
    obs, r, *_ = env.step(2)
    assert r == -4.0
    assert np.allclose(obs["current_distances"][:, 0], inst.distances[2] / s)
    assert np.allclose(obs["first_distances"][:, 1], inst.distances[:, 1] / s)
    obs, r, term, _, info = env.step(0)
    assert term and r == -(4.0 + 4.0) and info["solution"] == [1, 2, 0]


def test_atsp_env__reduced_costs_of_the_remaining_path_problem() -> None:
    d = np.array([[0, 1, 10, 5], [10, 0, 1, 7], [2, 10, 0, 1], [1, 3, 9, 0.0]])
    env = ATSPEnv(instance=ATSPInstance(d))
    obs, _ = env.reset()
    # every row minimum is 1 and no column needs reducing further: r = d - 1 off the diagonal
    assert np.allclose(obs["reduced_costs"][:, 0] * 10, [10, 0, 9, 4])  # r[0, j]; the diagonal is outside: 1
    assert np.allclose(obs["reduced_costs"][:, 1] * 10, [10, 9, 1, 0])  # r[j, 0]
    env.step(1)
    obs, *_ = env.step(2)
    # left: 2 -> 3 -> 0 (tails 2, 3; heads 3, 0): u = (1, 1), v = 0; r[2, 0] = 1, r[2, 3] = r[3, 0] = 0
    assert np.allclose(obs["reduced_costs"] * 10, [[1, 10], [10, 10], [10, 1], [0, 0]])


def test_atsp_vector_env__agrees_with_single_envs() -> None:
    insts = [ATSPGenerator(6)(np.random.default_rng(i)) for i in range(3)]
    venv = gym.make_vec("routing_gym/ATSP-v0", num_envs=3, vectorization_mode="vector_entry_point", num_nodes=6)
    obs, _ = venv.reset(options={"instances": insts})
    singles = [ATSPEnv(instance=i) for i in insts]
    sobs = [e.reset()[0] for e in singles]
    rng = np.random.default_rng(0)
    for _ in range(5):
        for k in obs:
            assert np.array_equal(obs[k], np.stack([o[k] for o in sobs])), k
        acts = np.array([rng.choice(np.flatnonzero(o["action_mask"])) for o in sobs])
        obs, rew, term, _, info = venv.step(acts)
        steps = [e.step(int(a)) for e, a in zip(singles, acts)]
        sobs = [s[0] for s in steps]
        assert np.array_equal(rew, [s[1] for s in steps])
    assert term.all() and list(info["final_info"]["cost"]) == [s[4]["cost"] for s in steps]


def test_atsp_env__renders_text_and_rgb() -> None:
    env = ATSPEnv(instance=ATSPInstance(RING), render_mode="ansi")
    env.reset()
    env.step(1)
    assert env.render() == "ATSP3 [2/3] length=1: 0 -> 1"
    env = ATSPEnv(num_nodes=5, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(3)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.std() > 0


# --- TSPLIB files ---------------------------------------------------------------
def test_load_instance__bundled_atsp_files_with_optima() -> None:
    root = Path(__file__).resolve().parent / "data" / "atsp"
    br17 = load_instance(root / "br17.atsp")
    assert isinstance(br17, ATSPInstance) and br17.num_nodes == 17 and br17.optimum == 39
    assert br17.distances[0, 1] == 3 and br17.distances[3, 2] == 74 and br17.distances[0, 0] == 0
    ftv33 = load_instance(root / "ftv33.atsp")
    assert ftv33.num_nodes == 34 and ftv33.optimum == 1286 and not ftv33.is_symmetric


def test_load_instance__every_shared_atsp_file(shared_data: Path) -> None:
    folder = shared_data / "atsp"
    rows = [line.split(",") for line in (folder / "optimal.csv").read_text().split()[1:]]
    assert rows
    for name, dim, opt in rows:
        inst = load_instance(folder / f"{name}.atsp")
        assert (inst.name, inst.num_nodes, inst.optimum) == (name, int(dim), float(opt))
        assert inst.is_integer and np.all(np.diagonal(inst.distances) == 0)


@pytest.mark.parametrize(
    "old, new, match",
    [
        ("EDGE_WEIGHT_TYPE: EXPLICIT", "EDGE_WEIGHT_TYPE: EUC_2D", "NODE_COORD_SECTION"),
        ("DIMENSION:  17", "DIMENSION:  18", "FULL_MATRIX of DIMENSION 18 needs 324 values"),
        (" 9999    3    5", " 9999    x    5", "non-numeric"),
        (" 9999    3    5", " 9999   -3    5", "negative distance -3"),
    ],
)
def test_load_atsplib__malformed_files_raise_instance_error(tmp_path: Path, old: str, new: str, match: str) -> None:
    text = (Path(__file__).resolve().parent / "data" / "atsp" / "br17.atsp").read_text()
    assert old in text
    bad = tmp_path / "bad.atsp"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(InstanceError, match=match):
        load_instance(bad)


# --- solvers ----------------------------------------------------------------------
def solve(spec: str, inst: ATSPInstance) -> list[int]:
    from routing_gym.baselines.base import make_solver

    res = make_solver(spec)(inst)
    assert res.ok, res.message
    return res.solution


@pytest.mark.parametrize("spec", ["ortools:time_limit=0.5", "lkh", "mcts:simulations=300", "ils:iterations=200"])
def test_atsp_solvers__brute_force_optimum_on_small_instances(spec: str) -> None:
    if spec == "lkh":
        pytest.importorskip("elkai")
    for seed in range(3):
        inst = ATSPGenerator(7)(np.random.default_rng(seed))
        cost = evaluate_atsp(inst, solve(spec, inst)).cost
        assert cost == pytest.approx(brute_force(inst.distances), rel=1e-12)


@pytest.mark.parametrize("spec", ["nn", "nn:ls=false", "farthest", "cheapest"])
def test_atsp_constructions__directed_tours_replay_feasibly(spec: str) -> None:
    from routing_gym.envs.replay import replay

    inst = load_instance(Path(__file__).resolve().parent / "data" / "atsp" / "ftv33.atsp")
    r = replay("routing_gym/ATSP-v0", inst, solve(spec, inst))
    assert r.feasible and r.cost >= inst.optimum
    if spec == "nn:ls=false":  # nearest neighbour follows outgoing costs: d[0, .] first
        assert solve(spec, inst)[1] == int(np.argmin(np.where(np.arange(34) == 0, np.inf, inst.distances[0])))


def test_atsp_solvers__tsplib_optimum_and_replay() -> None:
    from routing_gym.envs.replay import replay

    inst = load_instance(Path(__file__).resolve().parent / "data" / "atsp" / "br17.atsp")
    for spec in ("ortools:time_limit=1", "lkh"):
        if spec == "lkh" and not get_problem("atsp").reference_solvers:
            continue
        tour = solve(spec, inst)
        r = replay("routing_gym/ATSP-v0", inst, tour)
        assert r.feasible and r.cost == 39.0


# --- agent featurizer ---------------------------------------------------------
def test_atsp_featurizer__policy_scores_feasible_nodes_and_rolls_out() -> None:
    torch = pytest.importorskip("torch")
    from routing_gym.agents.inference import rollout
    from routing_gym.agents.policies import make_policy, obs_to_tensors

    env = ATSPEnv(num_nodes=6)
    policy = make_policy("attention", env.observation_space, env.action_space, embed_dim=16, num_layers=1, num_heads=2)
    assert policy.featurizer.name == "atsp" and policy.featurizer.node_dim == 11
    obs, _ = env.reset(seed=0)
    env.step(3)
    obs = env.kernel.observe()
    logits, _ = policy.node_logits(obs_to_tensors(obs))
    assert torch.all(logits[0, [0, 3]] < -1e7) and torch.all(logits[0, [1, 2, 4, 5]] > -1e7)
    insts = [ATSPGenerator(6)(np.random.default_rng(i)) for i in range(2)]
    for d in rollout(policy, insts, starts=6):
        assert evaluate_atsp(insts[0] if d is None else insts[0], d.solution).feasible
