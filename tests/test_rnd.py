"""RND (routing_gym.agents.rnd): novelty is rewarded, the bonus is normalised and added to the reward,
the wrapper is seeded, and SB3's PPO trains through it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from routing_gym.agents.rnd import RNDModel, RNDVecEnv
from routing_gym.agents.vec_env import make_vec_env
from routing_gym.envs.continuous_agv.problem import TINY
from routing_gym.errors import ConfigError

ENV_ID = "routing_gym/ContinuousAGV-v0"


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny networks: extra intra-op threads only contend with the other test processes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def rnd_env(seed: int = 0, **kw: object) -> RNDVecEnv:
    return RNDVecEnv(make_vec_env(ENV_ID, 4, seed=seed, **TINY), seed=seed, **kw)


def test_rnd_model__target_is_frozen_and_seeded_without_global_state() -> None:
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = RNDModel(5, seed=7), RNDModel(5, seed=7)
    assert torch.rand(1) == before  # fork_rng: the global generator did not move
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not any(p.requires_grad for p in a.target.parameters())


def test_rnd__seen_observations_earn_less_than_novel_ones() -> None:
    env = rnd_env(keys=("pose",), update_every=64, epochs=20, update_proportion=1.0, lr=3e-3)
    env.reset()
    seen = {"pose": np.tile(np.array([[0.2, 0.2, 1.0, 0.0]], np.float32), (4, 1))}
    novel = {"pose": np.tile(np.array([[0.9, 0.8, -1.0, 0.0]], np.float32), (4, 1))}
    env.obs_rms.update(env.features({"pose": np.concatenate([seen["pose"], novel["pose"]])}))
    x = env._normalised(env.features(seen))
    before_seen, before_novel = env.intrinsic(seen).mean(), env.intrinsic(novel).mean()
    for _ in range(100):  # the predictor fits the seen observation only
        loss = env.model.error(x).mean()
        env.optimizer.zero_grad()
        loss.backward()
        env.optimizer.step()
    after_seen, after_novel = env.intrinsic(seen).mean(), env.intrinsic(novel).mean()
    assert after_seen < 0.1 * before_seen
    assert after_novel > 10 * after_seen


def test_rnd__reward_is_extrinsic_plus_coef_times_the_normalised_bonus() -> None:
    plain = make_vec_env(ENV_ID, 4, seed=0, **TINY)
    wrapped = rnd_env(coef=0.5)
    plain.reset()
    wrapped.reset()
    rng = np.random.default_rng(0)
    for _ in range(60):
        a = rng.uniform(-1, 1, (4, 2)).astype(np.float32)
        _, r0, d0, _ = plain.step(a)
        _, r1, d1, infos = wrapped.step(a)
        bonus = np.array([i["intrinsic_reward"] for i in infos])
        assert np.array_equal(d0, d1) and (bonus >= 0).all()
        assert r1 == pytest.approx(r0 + 0.5 * bonus, abs=1e-5)
    assert wrapped.ret_rms.count > 60  # the return's running std was updated each step


def test_rnd__same_seed_same_bonuses_and_predictor_updates() -> None:
    runs = []
    for _ in range(2):
        env = rnd_env(seed=3, update_every=32, epochs=2)
        env.reset()
        rng = np.random.default_rng(1)
        bonuses = [[i["intrinsic_reward"] for i in env.step(rng.uniform(-1, 1, (4, 2)).astype(np.float32))[3]]
                   for _ in range(40)]
        runs.append((np.array(bonuses), env.last_loss))
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1] and np.isfinite(runs[0][1])


def test_rnd__bad_arguments_raise() -> None:
    with pytest.raises(ConfigError, match="unknown observation key"):
        rnd_env(keys=("position",))
    with pytest.raises(ConfigError, match="coef >= 0"):
        rnd_env(coef=-1.0)


def test_rnd__ppo_learns_through_the_wrapper_and_the_checkpoint_plays() -> None:
    from stable_baselines3 import PPO

    from routing_gym.agents.continuous_agv import greedy_success

    model = PPO("MultiInputPolicy", rnd_env(keys=("pose", "goal")), n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(128)
    rate, _ = greedy_success(model, {**TINY, "max_steps": 40}, 2, 0)
    assert 0.0 <= rate <= 1.0
