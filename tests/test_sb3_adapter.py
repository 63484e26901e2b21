"""The SB3 VecEnv adapter over the native vector env."""

from __future__ import annotations

import numpy as np
import pytest

from routing_gym.agents import RoutingSB3VecEnv, make_vec_env


def test_make_vec_env__action_masks_in_one_batched_call() -> None:
    env = make_vec_env("routing_gym/CVRP-v0", n_envs=5, seed=0, num_nodes=6)
    obs = env.reset()
    masks = np.stack(env.env_method("action_masks"))
    assert masks.shape == (5, 7) and masks.dtype == bool
    assert np.array_equal(masks, obs["action_mask"].astype(bool))
    assert np.array_equal(np.stack(env.env_method("action_masks", indices=[1, 3])), masks[[1, 3]])


def test_make_vec_env__terminal_observation_and_cost_in_infos() -> None:
    env = make_vec_env("routing_gym/TSP-v0", n_envs=3, seed=0, monitor=False, num_nodes=5)
    assert isinstance(env, RoutingSB3VecEnv)
    obs = env.reset()
    rng = np.random.default_rng(0)
    returns = np.zeros(3)
    for _ in range(4):  # TSP5 episodes take 4 steps
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in obs["action_mask"]])
        obs, rew, dones, infos = env.step(acts)
        returns += rew
    assert dones.all()
    for i, info in enumerate(infos):
        assert info["terminal_observation"]["action_mask"].sum() == 0
        assert info["cost"] == pytest.approx(-returns[i], rel=1e-5)  # rewards are float32 for SB3
        assert sorted(info["solution"]) == list(range(5))
    assert obs["visited"].sum(axis=1).tolist() == [1, 1, 1]  # already the next episodes


def test_make_vec_env__seed_reproducible() -> None:
    a = make_vec_env("routing_gym/TSP-v0", n_envs=4, seed=11, num_nodes=6).reset()
    b = make_vec_env("routing_gym/TSP-v0", n_envs=4, seed=11, num_nodes=6).reset()
    c = make_vec_env("routing_gym/TSP-v0", n_envs=4, seed=12, num_nodes=6).reset()
    assert np.array_equal(a["coords"], b["coords"]) and not np.array_equal(a["coords"], c["coords"])


# The MaskablePPO smoke run on TSP10 through make_vec_env lives in tests/test_agents.py
# (test_maskable_ppo__trains_tsp10_through_make_vec_env), with the pointer policy.
