"""PPO (optionally with RND exploration) on ``routing_gym/ContinuousAGV-v0``: training and success statistics.

The policy is SB3's ``PPO`` with ``MultiInputPolicy`` (an MLP over the ``Dict`` observation: pose,
velocity, goal in the robot's frame, range rays) and a Gaussian over the ``Box`` action. The
environment is the native vector env through :func:`routing_gym.agents.vec_env.make_vec_env`
(``VecMonitor`` included), optionally wrapped in :class:`routing_gym.agents.rnd.RNDVecEnv`. A saved
checkpoint plays as a solver through ``agent:path=policy.zip``::

    model, log = train_ppo({"width": 8.0, "height": 6.0}, total_steps=100_000, seed=0, rnd={"coef": 0.5})
    model.save("policy.zip")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

ENV_ID = "routing_gym/ContinuousAGV-v0"
#: PPO settings of the benchmark (SB3 defaults otherwise)
PPO_DEFAULTS: dict[str, Any] = {"n_steps": 256, "batch_size": 512, "n_epochs": 10, "gamma": 0.995, "gae_lambda": 0.95,
                                "learning_rate": 3e-4, "ent_coef": 0.0}


@dataclass
class EpisodeLog:
    """Every finished training episode: the timestep it ended at, whether it reached the target, its length."""

    timesteps: list[int] = field(default_factory=list)
    success: list[bool] = field(default_factory=list)
    length: list[int] = field(default_factory=list)

    def binned(self, total: int, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(bin ends, success rate, mean steps of the successful episodes)`` over ``bins`` equal spans of
        training (NaN where a span has no episode / no success)."""
        t, s, n = np.asarray(self.timesteps), np.asarray(self.success, bool), np.asarray(self.length, float)
        edges = np.linspace(0, total, bins + 1)
        rate, steps = np.full(bins, np.nan), np.full(bins, np.nan)
        for b in range(bins):
            inside = (t > edges[b]) & (t <= edges[b + 1])
            if inside.any():
                rate[b] = s[inside].mean()
            if (inside & s).any():
                steps[b] = n[inside & s].mean()
        return edges[1:], rate, steps


def episode_callback(log: EpisodeLog) -> Any:
    """An SB3 callback that appends every finished episode (``VecMonitor``'s extrinsic return > 0: reached)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class _Callback(BaseCallback):
        def _on_step(self) -> bool:
            for info in self.locals["infos"]:
                ep = info.get("episode")
                if ep is not None:
                    log.timesteps.append(int(self.num_timesteps))
                    log.success.append(bool(ep["r"] > 0))
                    log.length.append(int(ep["l"]))
            return True

    return _Callback()


def make_training_env(env_kwargs: dict[str, Any], n_envs: int, seed: int, rnd: dict[str, Any] | None = None) -> Any:
    """The SB3 vector env of the benchmark: native vector env, ``VecMonitor``, then RND when ``rnd`` is given."""
    from routing_gym.agents.vec_env import make_vec_env

    venv = make_vec_env(ENV_ID, n_envs, seed=seed, **env_kwargs)
    if rnd is None:
        return venv
    from routing_gym.agents.rnd import RNDVecEnv

    return RNDVecEnv(venv, seed=seed, **rnd)


def train_ppo(env_kwargs: dict[str, Any], total_steps: int, seed: int, rnd: dict[str, Any] | None = None,
              n_envs: int = 16, ppo: dict[str, Any] | None = None) -> tuple[Any, EpisodeLog]:
    """Train PPO (with RND when ``rnd`` holds :class:`~routing_gym.agents.rnd.RNDVecEnv` keywords) for
    ``total_steps``; ``(model, log of the training episodes)``."""
    from stable_baselines3 import PPO

    venv = make_training_env(env_kwargs, n_envs, seed, rnd)
    model = PPO("MultiInputPolicy", venv, seed=seed, device="cpu", verbose=0, **{**PPO_DEFAULTS, **(ppo or {})})
    log = EpisodeLog()
    model.learn(total_steps, callback=episode_callback(log))
    venv.close()
    return model, log


def greedy_success(model: Any, env_kwargs: dict[str, Any], episodes: int, seed: int) -> tuple[float, float]:
    """``(success rate, mean steps of the successes)`` of the deterministic policy on ``episodes`` new
    instances (one episode per sub-environment of a native vector env)."""
    import gymnasium as gym

    import routing_gym  # noqa: F401 - registers the ids

    venv = gym.make_vec(ENV_ID, episodes, vectorization_mode="vector_entry_point", **env_kwargs)
    obs, _ = venv.reset(seed=seed)
    success = np.zeros(episodes, dtype=bool)
    steps = np.zeros(episodes, dtype=np.int64)
    live = np.ones(episodes, dtype=bool)
    while live.any():
        action, _ = model.predict(obs, deterministic=True)
        obs, _, term, trunc, info = venv.step(action)
        steps += live
        ended = (term | trunc) & live
        if ended.any():
            success[ended] = info["final_info"]["cost"][ended] < 0
            live &= ~ended
    venv.close()
    return float(success.mean()), float(steps[success].mean()) if success.any() else float("nan")
