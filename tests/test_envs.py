"""The TSP and CVRP environments: problem-specific behaviour and MDP invariants.

The checks every registered problem inherits (check_env, determinism, vector = single, reward
sums, masks, rendering, bad input, solvers) are in test_contract.py.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing_gym.envs import (
    CVRPGenerator, CVRPInstance, InvalidActionError, TSPGenerator, TSPInstance, evaluate,
)

def test_tsp__start_node_option_and_closing_edge() -> None:
    inst = TSPInstance.from_coords([[0, 0], [3, 0], [3, 4], [0, 4]])
    env = gym.make("routing_gym/TSP-v0", instance=inst)
    obs, _ = env.reset(options={"start_node": 2})
    assert obs["first_node"] == 2 and obs["current_node"] == 2
    rewards = [env.step(a)[1] for a in (1, 0)]
    obs, r, term, _, info = env.step(3)
    assert term and info["solution"] == [2, 1, 0, 3]
    assert rewards == [-4.0, -3.0] and r == -(4.0 + 3.0)
    assert info["cost"] == 14.0 == evaluate(inst, info["solution"]).cost


def test_cvrp__depot_return_is_an_action_and_capacity_refills() -> None:
    coords = [[0, 0], [1, 0], [2, 0], [0, 1]]
    inst = CVRPInstance.from_coords(coords, [0, 3, 3, 2], capacity=5)
    env = gym.make("routing_gym/CVRP-v0", instance=inst)
    obs, _ = env.reset()
    assert obs["action_mask"].tolist() == [0, 1, 1, 1]
    obs, *_ = env.step(1)
    assert obs["remaining_capacity"][0] == pytest.approx(2 / 5)
    assert obs["action_mask"].tolist() == [1, 0, 0, 1]  # customer 2 (3 units) no longer fits
    obs, *_ = env.step(3)
    assert obs["action_mask"].tolist() == [1, 0, 0, 0]
    obs, _, term, _, _ = env.step(0)
    assert not term and obs["remaining_capacity"][0] == 1.0 and obs["action_mask"].tolist() == [0, 0, 1, 0]
    env.step(2)
    obs, _, term, _, info = env.step(0)
    assert term and info["solution"] == [[1, 3], [2]]
    assert info["cost"] == evaluate(inst, info["solution"]).cost


@pytest.mark.parametrize("env_id", ["routing_gym/TSP-v0", "routing_gym/CVRP-v0"])
def test_step__masked_action_penalty_ends_episode(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=5)
    obs, _ = env.reset(seed=0)
    masked = int(np.flatnonzero(obs["action_mask"] == 0)[0])
    obs2, r, term, trunc, info = env.step(masked)
    k = env.unwrapped.kernel
    assert term and not trunc and info["invalid_action"] is True
    assert r == -k.penalty[0] and "solution" not in info
    # the penalty is worse than any feasible solution
    n_edges = 5 if "TSP" in env_id else 10
    assert k.penalty[0] > n_edges * k.dist[0].max()
    with pytest.raises(gym.error.ResetNeeded):
        env.step(0)


# --- the native vector env -------------------------------------------------


def test_vector_env__seeded_reset_is_deterministic_and_differs_across_rows() -> None:
    a = gym.make_vec("routing_gym/TSP-v0", 4, vectorization_mode="vector_entry_point", num_nodes=6)
    b = gym.make_vec("routing_gym/TSP-v0", 4, vectorization_mode="vector_entry_point", num_nodes=6)
    oa, _ = a.reset(seed=7)
    ob, _ = b.reset(seed=7)
    assert np.array_equal(oa["coords"], ob["coords"])
    assert not np.array_equal(oa["coords"][0], oa["coords"][1])


def test_vector_env__out_of_range_action_raises() -> None:
    venv = gym.make_vec("routing_gym/CVRP-v0", 2, vectorization_mode="vector_entry_point", num_nodes=4)
    venv.reset(seed=0)
    with pytest.raises(InvalidActionError, match="sub-environment 1"):
        venv.step(np.array([1, 9]))


# --- property tests -----------------------------------------------------------


@st.composite
def cvrp_instances(draw):
    n = draw(st.integers(1, 12))
    cap = draw(st.integers(1, 20))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    demands = np.concatenate([[0], rng.integers(0, cap + 1, n)])
    coords = rng.random((n + 1, 2)) * draw(st.sampled_from([1.0, 100.0]))
    integer = draw(st.booleans())
    return CVRPInstance.from_coords(coords, demands, cap, "EUC_2D" if integer else "EUC")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=cvrp_instances(), seed=st.integers(0, 10_000))
def test_cvrp_property__masks_feasible_rewards_sum_to_cost(inst: CVRPInstance, seed: int) -> None:
    env = gym.make("routing_gym/CVRP-v0", instance=inst).unwrapped
    rng = np.random.default_rng(seed)
    obs, _ = env.reset()
    total, done, load, served = 0.0, False, 0, set()
    while not done:
        mask = env.action_masks()
        cur = int(obs["current_node"])
        for a in np.flatnonzero(mask):
            if a == 0:
                assert cur != 0
            else:
                assert a not in served and load + inst.demands[a] <= inst.capacity
        a = int(rng.choice(np.flatnonzero(mask)))
        obs, r, done, _, info = env.step(a)
        total += r
        load = 0 if a == 0 else load + int(inst.demands[a])
        if a:
            served.add(a)
    ev = evaluate(inst, info["solution"])
    assert ev.feasible, ev.violation
    if inst.is_integer:
        assert total == -ev.cost
    else:
        assert total == pytest.approx(-ev.cost, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 15), seed=st.integers(0, 10_000), start=st.integers(0, 14), clustered=st.booleans())
def test_tsp_property__masks_feasible_rewards_sum_to_cost(n: int, seed: int, start: int, clustered: bool) -> None:
    rng = np.random.default_rng(seed)
    inst = TSPGenerator(n, "clustered" if clustered else "uniform")(rng)
    env = gym.make("routing_gym/TSP-v0", instance=inst).unwrapped
    obs, _ = env.reset(options={"start_node": start % n})
    total, done, seen = 0.0, False, {start % n}
    while not done:
        mask = env.action_masks()
        assert set(np.flatnonzero(mask)) == set(range(n)) - seen
        a = int(rng.choice(np.flatnonzero(mask)))
        obs, r, done, _, info = env.step(a)
        seen.add(a)
        total += r
    ev = evaluate(inst, info["solution"])
    assert ev.feasible and total == pytest.approx(-ev.cost, rel=1e-12)


# --- instances of a given size, registration --------------------------------


def test_loaded_instance__plays_in_env_of_its_size() -> None:
    inst = TSPGenerator(13)(np.random.default_rng(0))
    env = gym.make("routing_gym/TSP-v0", instance=inst)
    assert env.action_space.n == 13
    env20 = gym.make("routing_gym/TSP-v0", num_nodes=20)
    from routing_gym.errors import InstanceError

    with pytest.raises(InstanceError, match="num_nodes=20"):
        env20.reset(options={"instance": inst})


def test_registration__gym_make_without_importing_routing_gym() -> None:
    """A fresh interpreter finds the ids with only `import gymnasium` (routing_gym_autoregister.pth)."""
    import subprocess
    import sys

    code = (
        "import sys, gymnasium as gym\n"
        "env = gym.make('routing_gym/CVRP-v0', num_nodes=5)\n"
        "obs, _ = env.reset(seed=0)\n"
        "assert obs['action_mask'].shape == (6,)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"



def test_vector_reset__instances_must_be_a_list() -> None:
    from routing_gym.errors import ConfigError, InstanceError

    inst = TSPGenerator(6)(np.random.default_rng(0))
    venv = gym.make_vec("routing_gym/TSP-v0", 2, vectorization_mode="vector_entry_point", num_nodes=6)
    with pytest.raises(InstanceError, match="instances: expected a list of 2"):
        venv.reset(options={"instances": inst})
    with pytest.raises(ConfigError, match="not both"):
        venv.reset(options={"instances": [inst, inst], "instance": inst})
