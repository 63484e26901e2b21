"""Knapsack: instance, evaluation, generator, kernel/env (stop node, auto-termination), CP-SAT, greedy, featurizer."""

from __future__ import annotations

import itertools
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.envs import evaluate, replay
from routing_gym.envs.knapsack.env import KnapsackEnv
from routing_gym.envs.knapsack.generator import KnapsackGenerator, default_capacity
from routing_gym.envs.knapsack.kernel import KnapsackKernel
from routing_gym.envs.knapsack.types import KnapsackInstance, evaluate_knapsack
from routing_gym.errors import InstanceError
from routing_gym.registry import get_problem, problem_of

# weights 3, 4, 5, 9 (capacity 10), values 4, 5, 6, 10: the best packing is items 1 and 2 (value 11)
SMALL = KnapsackInstance([3.0, 4.0, 5.0, 9.0], [4.0, 5.0, 6.0, 10.0], 10.0)


def brute_force(inst: KnapsackInstance) -> float:
    best = 0.0
    for r in range(inst.num_items + 1):
        for items in itertools.combinations(range(inst.num_items), r):
            if inst.weights[list(items)].sum() <= inst.capacity:
                best = max(best, float(inst.values[list(items)].sum()))
    return best


# --- instance and evaluation ---------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(weights=[1.0, -2.0], values=[1.0, 1.0], capacity=1.0), r"weights: negative value -2 at item 1"),
        (dict(weights=[1.0, 2.0], values=[1.0, np.inf], capacity=1.0), r"values: non-finite value inf at index 1"),
        (dict(weights=[1.0, 2.0], values=[1.0], capacity=1.0), r"weights/values: one of each per item, got 2 weights and 1 values"),
        (dict(weights=[], values=[], capacity=1.0), r"weights: a knapsack instance needs at least 1 item"),
        (dict(weights=[[1.0]], values=[[1.0]], capacity=1.0), r"weights: expected a 1-d array"),
        (dict(weights=[1.0], values=[1.0], capacity=0.0), r"capacity: expected a finite number > 0, got 0.0"),
        (dict(weights=[1.0], values=[1.0], capacity="big"), r"capacity: expected a finite number > 0, got 'big'"),
        (dict(weights=[1.0], values=[1.0], capacity=1.0, optimum=np.nan), r"optimum: expected a finite number"),
    ],
)
def test_knapsack_instance__bad_input_raises_instance_error(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        KnapsackInstance(**kwargs)


def test_evaluate_knapsack__value_is_the_objective() -> None:
    assert evaluate_knapsack(SMALL, [0, 1]) == (9.0, True, None)
    assert evaluate(SMALL, [2, 1]) == (11.0, True, None)
    assert evaluate(SMALL, []) == (0.0, True, None)
    assert problem_of(SMALL).sense == "max"


@pytest.mark.parametrize("items, match", [([0, 0], "item 0 packed 2 times"), ([0, 3], "total weight 12 exceeds the capacity 10"),
                                          ([4], "item 4 out of range 0..3"), ([0.5], "not an index")])
def test_evaluate_knapsack__names_the_violation(items: Any, match: str) -> None:
    ev = evaluate_knapsack(SMALL, items)
    assert not ev.feasible and match in ev.violation


# --- generator -----------------------------------------------------------------
def test_knapsack_generator__literature_capacities_and_uniform_items() -> None:
    assert [default_capacity(n) for n in (50, 100, 200)] == [12.5, 25.0, 25.0]
    b = KnapsackGenerator(100).sample(np.random.default_rng(0), 8)
    assert b["weights"].shape == b["values"].shape == (8, 100) and np.all(b["capacity"] == 25.0)
    for k in ("weights", "values"):
        assert 0 <= b[k].min() and b[k].max() < 1 and abs(b[k].mean() - 0.5) < 0.03
    again = KnapsackGenerator(100).sample(np.random.default_rng(0), 8)
    assert all(np.array_equal(b[k], again[k]) for k in b)
    assert KnapsackGenerator(10, capacity=3).knapsack_capacity == 3.0


@pytest.mark.parametrize("kwargs, field", [(dict(num_items=0), "num_items"), (dict(num_items=2.0), "num_items"),
                                           (dict(capacity=-1), "capacity"), (dict(capacity=float("nan")), "capacity")])
def test_knapsack_generator__bad_parameters(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InstanceError, match=field):
        KnapsackGenerator(**kwargs)


# --- environment ---------------------------------------------------------------
def test_knapsack_env__mask_stop_node_and_auto_termination() -> None:
    env = KnapsackEnv(instance=SMALL)
    obs, _ = env.reset()
    assert obs["action_mask"].tolist() == [1, 1, 1, 1, 1] and env.action_space.n == 5
    obs, r, term, _, _ = env.step(3)  # item 2 (weight 5): 5 left, items 0 and 1 still fit
    assert r == 6.0 and not term and obs["action_mask"].tolist() == [1, 1, 1, 0, 0]
    assert obs["remaining_capacity"][0] == pytest.approx(0.5) and obs["packed"].tolist() == [0, 0, 0, 1, 0]
    obs, r, term, _, info = env.step(2)  # item 1 (weight 4): 1 left, nothing fits -> ends by itself
    assert r == 5.0 and term and info["solution"] == [2, 1] and info["cost"] == -11.0


def test_knapsack_env__stop_ends_and_masked_action_penalised() -> None:
    env = KnapsackEnv(instance=SMALL)
    env.reset()
    _, r, term, _, info = env.step(0)
    assert r == 0.0 and term and info["solution"] == [] and info["cost"] == 0.0
    env.reset()
    env.step(3)  # item 2 (weight 5)
    _, r, term, _, info = env.step(4)  # item 3 (weight 9) does not fit
    assert term and info["invalid_action"] and r == -(25.0 + 1.0) and "solution" not in info


def test_knapsack_env__random_play_reward_is_the_value() -> None:
    env = gym.make("routing_gym/Knapsack-v0", num_items=12)
    rng = np.random.default_rng(0)
    for seed in range(30):
        obs, _ = env.reset(seed=seed)
        total, term = 0.0, False
        while not term:
            acts = np.flatnonzero(obs["action_mask"])
            a = int(rng.choice(acts[1:])) if len(acts) > 1 and rng.random() < 0.9 else 0
            obs, r, term, _, info = env.step(a)
            total += r
        ev = evaluate_knapsack(env.unwrapped.instance, info["solution"])
        assert ev.feasible and total == ev.cost == -info["cost"]


def test_knapsack_kernel__solution_to_actions_adds_stop_only_when_something_fits() -> None:
    assert KnapsackKernel.solution_to_actions(SMALL, [2, 1]) == ({}, [3, 2])
    assert KnapsackKernel.solution_to_actions(SMALL, [2]) == ({}, [3, 0])
    assert KnapsackKernel.solution_to_actions(SMALL, []) == ({}, [0])
    assert replay(None, SMALL, [1, 0]).cost == -9.0


def test_knapsack_vector_env__agrees_with_single_envs() -> None:
    insts = [KnapsackGenerator(6)(np.random.default_rng(i)) for i in range(3)]
    venv = gym.make_vec("routing_gym/Knapsack-v0", num_envs=3, vectorization_mode="vector_entry_point", num_items=6)
    obs, _ = venv.reset(options={"instances": insts})
    singles = [KnapsackEnv(instance=i) for i in insts]
    sobs = [e.reset()[0] for e in singles]
    live = np.ones(3, dtype=bool)
    for _ in range(7):
        for k in obs:
            for i in np.flatnonzero(live):
                assert np.array_equal(obs[k][i], sobs[i][k]), k
        acts = np.array([int(np.flatnonzero(o["action_mask"])[-1]) for o in sobs])
        obs, rew, term, _, _ = venv.step(acts)
        for i in np.flatnonzero(live):
            o, r, t, _, _ = singles[i].step(int(acts[i]))
            assert r == rew[i] and t == term[i]
            sobs[i] = o
            live[i] &= not t
        if not live.any():
            break
    assert not live.any()


def test_knapsack_env__renders_text_and_rgb() -> None:
    env = KnapsackEnv(instance=SMALL, render_mode="ansi")
    env.reset()
    env.step(3)
    assert env.render() == "Knapsack4 [1 packed] value=6 weight=5/10: [2]"
    env = KnapsackEnv(num_items=10, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(1)
    assert env.render().shape[2] == 3


# --- solvers ----------------------------------------------------------------------
def test_cpsat__proven_optimum_equals_brute_force() -> None:
    from routing_gym.baselines.base import make_solver

    solver = make_solver("cpsat")
    for seed in range(5):
        inst = KnapsackGenerator(12)(np.random.default_rng(seed))
        res = solver(inst)
        assert res.ok and solver.last_stats["status"] == "OPTIMAL" and solver.last_stats["exact"]
        assert solver.last_stats["scale"] == 2.0**53
        assert evaluate_knapsack(inst, res.solution).cost == pytest.approx(brute_force(inst), rel=1e-15)
    res = solver(SMALL)
    assert solver.last_stats["scale"] == 1.0 and evaluate(SMALL, res.solution).cost == 11.0


def test_cpsat__inexact_scale_rounds_conservatively() -> None:
    from routing_gym.baselines.knapsack.exact import integer_data

    inst = KnapsackInstance([0.3, 0.35], [1.0, 1.0], 0.65)
    data = integer_data(inst, scale=10.0)
    assert not data.exact and data.weights == [3, 4] and data.capacity == 6  # 0.35 up, 0.65 down
    assert integer_data(SMALL).exact and integer_data(SMALL).scale == 1.0


def test_ratio_greedy__packs_by_density_and_stays_feasible() -> None:
    from routing_gym.baselines.knapsack.greedy import ratio_greedy

    # densities 1.33, 1.25, 1.2, 1.11: 0 and 1 packed (weight 7), then 2 and 3 no longer fit
    assert ratio_greedy(SMALL) == [0, 1]
    for seed in range(5):
        inst = KnapsackGenerator(50)(np.random.default_rng(seed))
        assert replay(None, inst, ratio_greedy(inst)).feasible
    from routing_gym.baselines.base import make_solver

    assert make_solver("greedy")(SMALL).solution == [0, 1]


def test_knapsack_problem__declaration() -> None:
    p = get_problem("knapsack")
    assert p.sense == "max" and p.env_id == "routing_gym/Knapsack-v0" and p.tiny_instance().num_items == 8
    assert p.solution_variant([1, 2, 3], np.random.default_rng(0)) in ([1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1])


# --- agent featurizer ---------------------------------------------------------
def test_knapsack_featurizer__reduced_state_is_the_items_that_fit() -> None:
    torch = pytest.importorskip("torch")
    from routing_gym.agents.inference import rollout
    from routing_gym.agents.policies import make_policy, obs_to_tensors

    env = KnapsackEnv(instance=SMALL)
    policy = make_policy("attention", env.observation_space, env.action_space, embed_dim=16, num_layers=1, num_heads=2)
    assert policy.featurizer.name == "knapsack"
    env.reset()
    env.step(3)
    inp = policy.featurizer(obs_to_tensors(env.kernel.observe()))
    assert inp.keep[0].tolist() == [True, True, True, False, False] and inp.features.shape == (1, 5, 8)
    logits, _ = policy.node_logits(obs_to_tensors(env.kernel.observe()))
    assert torch.all(logits[0, 3:] < -1e7)
    insts = [KnapsackGenerator(20)(np.random.default_rng(i)) for i in range(3)]
    for inst, d in zip(insts, rollout(policy, insts, decode="sample", samples=4)):
        assert evaluate_knapsack(inst, d.solution).feasible and d.cost == -evaluate_knapsack(inst, d.solution).cost
