"""The TSP and CVRP environments: API conformance, determinism, vector env, MDP invariants."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.registry import problem_of_env
from gymnasium.utils.env_checker import check_env as gym_check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing_gym.envs import (
    env_ids, CVRPGenerator, CVRPInstance, InvalidActionError, TSPGenerator, TSPInstance, evaluate,
)

IDS = sorted(env_ids())


def random_episode(env: gym.Env, rng: np.random.Generator, **reset_kwargs) -> tuple[float, dict, list[int]]:
    obs, _ = env.reset(**reset_kwargs)
    total, actions, done, info = 0.0, [], False, {}
    while not done:
        a = int(rng.choice(np.flatnonzero(obs["action_mask"])))
        obs, r, done, trunc, info = env.step(a)
        assert not trunc
        total += r
        actions.append(a)
    return total, info, actions


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env__no_warnings(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=7, render_mode="rgb_array")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gym_check_env(env.unwrapped, skip_render_check=False)


@pytest.mark.parametrize("env_id", IDS)
def test_sb3_check_env__no_warnings(env_id: str) -> None:
    from stable_baselines3.common.env_checker import check_env

    env = gym.make(env_id, num_nodes=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # SB3 advises flattening 2-D Box observations "or use a custom policy": the node
        # coordinates are (n, 2) on purpose and our policies are pointer networks over nodes.
        warnings.filterwarnings("ignore", message=r".*(coords|time_windows) has an unconventional shape.*")
        check_env(env.unwrapped, warn=True)


@pytest.mark.parametrize("env_id", IDS)
def test_reset__seeded_determinism(env_id: str) -> None:
    runs = []
    for _ in range(2):
        env = gym.make(env_id, num_nodes=12)
        runs.append(random_episode(env, np.random.default_rng(5), seed=42))
    assert runs[0][0] == runs[1][0]
    assert runs[0][2] == runs[1][2]
    other = random_episode(gym.make(env_id, num_nodes=12), np.random.default_rng(5), seed=43)
    assert other[0] != runs[0][0]


@pytest.mark.parametrize("env_id", IDS)
def test_episode__summed_reward_is_minus_evaluate_cost(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=15)
    rng = np.random.default_rng(0)
    for seed in range(5):
        total, info, _ = random_episode(env, rng, seed=seed)
        ev = evaluate(env.unwrapped.instance, info["solution"])
        assert ev.feasible, ev.violation
        assert info["cost"] == pytest.approx(ev.cost, rel=1e-12)
        assert total == pytest.approx(-ev.cost, rel=1e-12)


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


@pytest.mark.parametrize("env_id", IDS)
def test_step__out_of_space_action_raises(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=5)
    env.reset(seed=0)
    for bad in (-1, 6 if "CVRP" in env_id else 5, 2.5, "x"):
        with pytest.raises(InvalidActionError):
            env.step(bad)


@pytest.mark.parametrize("env_id", IDS)
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


@pytest.mark.parametrize("env_id", IDS)
def test_step__masked_action_raises_in_raise_mode(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=5, invalid_action="raise")
    obs, _ = env.reset(seed=0)
    masked = int(np.flatnonzero(obs["action_mask"] == 0)[0])
    before = env.unwrapped.get_state()
    with pytest.raises(InvalidActionError, match="masked"):
        env.step(masked)
    after = env.unwrapped.get_state()
    assert all(np.array_equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize("env_id", IDS)
def test_action_masks__same_array_as_observation(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=9)
    obs, _ = env.reset(seed=3)
    rng = np.random.default_rng(0)
    done = False
    while not done:
        m = env.unwrapped.action_masks()
        assert m.dtype == bool and np.array_equal(m, obs["action_mask"].astype(bool))
        obs, _, done, _, _ = env.step(int(rng.choice(np.flatnonzero(m))))


@pytest.mark.parametrize("env_id", IDS)
def test_get_set_state__restores_exactly(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=10).unwrapped
    rng = np.random.default_rng(1)
    obs, _ = env.reset(seed=1)
    env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
    snap = env.get_state()
    ref_obs = env.kernel.observe(0)
    total1, _, acts = random_episode_from_here(env, rng)
    env.set_state(snap)
    assert all(np.array_equal(ref_obs[k], v) for k, v in env.kernel.observe(0).items())
    total2 = sum(env.step(a)[1] for a in acts)
    assert total1 == total2


def random_episode_from_here(env, rng):
    total, acts, done, info = 0.0, [], False, {}
    while not done:
        a = int(rng.choice(np.flatnonzero(env.action_masks())))
        _, r, done, _, info = env.step(a)
        total += r
        acts.append(a)
    return total, info, acts


# --- the native vector env -------------------------------------------------


@pytest.mark.parametrize("env_id", IDS)
def test_vector_env__agrees_with_single_envs_step_by_step(env_id: str) -> None:
    n_envs, n = 6, 8
    gen = problem_of_env(env_id).generator_type(num_nodes=n)
    instances = [gen(np.random.default_rng(s)) for s in range(n_envs)]
    venv = gym.make_vec(env_id, n_envs, vectorization_mode="vector_entry_point", num_nodes=n)
    singles = [gym.make(env_id, instance=inst) for inst in instances]
    vobs, _ = venv.reset(seed=0, options={"instances": instances})
    sobs = [e.reset()[0] for e in singles]
    rng = np.random.default_rng(0)
    alive = np.ones(n_envs, dtype=bool)
    while alive.any():
        for i in range(n_envs):
            if alive[i]:
                for key, val in sobs[i].items():
                    assert np.array_equal(vobs[key][i], val), key
        acts = np.array([rng.choice(np.flatnonzero(vobs["action_mask"][i])) for i in range(n_envs)])
        vobs, vr, vterm, vtrunc, vinfo = venv.step(acts)
        for i in range(n_envs):
            if not alive[i]:
                continue
            o, r, term, _, info = singles[i].step(int(acts[i]))
            assert vr[i] == r and vterm[i] == term
            sobs[i] = o
            if term:
                assert vinfo["_final_obs"][i]
                assert vinfo["final_info"]["solution"][i] == info["solution"]
                assert vinfo["final_info"]["cost"][i] == info["cost"]
                for key, val in o.items():
                    assert np.array_equal(vinfo["final_obs"][i][key], val)
                alive[i] = False


@pytest.mark.parametrize("env_id", IDS)
def test_vector_env__same_step_autoreset(env_id: str) -> None:
    """Finished sub-envs restart inside the same step; the last obs/info go to info['final_*']."""
    venv = gym.make_vec(env_id, 3, vectorization_mode="vector_entry_point", num_nodes=4)
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    obs, _ = venv.reset(seed=0)
    rng = np.random.default_rng(0)
    episodes = 0
    for _ in range(40):
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in obs["action_mask"]])
        obs, r, term, trunc, info = venv.step(acts)
        assert not trunc.any()
        if term.any():
            episodes += int(term.sum())
            for i in np.flatnonzero(term):
                # the returned observation starts a fresh episode
                assert obs["visited"][i].sum() == (1 if "TSP" in env_id else 0)
                assert obs["current_node"][i] == 0
                assert info["final_obs"][i]["action_mask"].sum() == 0
                assert info["final_info"]["cost"][i] > 0
        else:
            assert info == {}
    assert episodes >= 3


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


# --- rendering ----------------------------------------------------------------


@pytest.mark.parametrize("env_id", IDS)
def test_render__rgb_and_ansi(env_id: str) -> None:
    env = gym.make(env_id, num_nodes=6, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(int(np.flatnonzero(env.unwrapped.action_masks())[0]))
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8
    assert frame.std() > 0  # something was drawn
    text_env = gym.make(env_id, num_nodes=6, render_mode="ansi")
    text_env.reset(seed=0)
    assert "0" in text_env.render()
    venv = gym.make_vec(env_id, 2, vectorization_mode="vector_entry_point", num_nodes=6, render_mode="rgb_array")
    venv.reset(seed=0)
    frames = venv.render()
    assert len(frames) == 2 and frames[0].shape == frame.shape


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
