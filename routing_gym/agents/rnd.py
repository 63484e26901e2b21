"""Random network distillation (RND, Burda et al. 2018) as an SB3 ``VecEnv`` wrapper for exploration.

A fixed, randomly initialised *target* network embeds each observation; a *predictor* network learns
to reproduce the embedding on the observations the agent sees. Its error is large on observations
unlike those seen before, and is added to the environment's reward as an intrinsic bonus::

    from stable_baselines3 import PPO
    from routing_gym.agents.rnd import RNDVecEnv
    from routing_gym.agents.vec_env import make_vec_env

    venv = RNDVecEnv(make_vec_env("routing_gym/ContinuousAGV-v0", 16, seed=0), keys=("pose",), coef=0.5)
    PPO("MultiInputPolicy", venv).learn(100_000)

As in the paper: observations are normalised by running mean and standard deviation and clipped to
``[-5, 5]`` before both networks; the intrinsic reward is divided by a running standard deviation of
its discounted (non-episodic) return, so ``coef`` has the same meaning on every problem; the
predictor trains on a random ``update_proportion`` of each block of ``update_every`` transitions.
Unlike the paper, SB3's PPO has one value head, so the intrinsic reward is added to the extrinsic one
(``reward = extrinsic + coef * intrinsic``) and ends with the episode. Wrap the env in ``VecMonitor``
*before* this wrapper so logged episode returns stay extrinsic; ``infos[i]["intrinsic_reward"]`` holds
the bonus. The networks are seeded from ``seed`` without touching torch's global random state.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
from torch import nn

from routing_gym.errors import ConfigError


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.LeakyReLU()]
    return nn.Sequential(*layers[:-1])


class RNDModel(nn.Module):
    """The frozen random target and the trained predictor (one hidden layer more), both MLPs."""

    def __init__(self, in_dim: int, hidden: int = 64, out_dim: int = 32, seed: int = 0) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.target = _mlp([in_dim, hidden, hidden, out_dim])
            self.predictor = _mlp([in_dim, hidden, hidden, hidden, out_dim])
        for p in self.target.parameters():
            p.requires_grad_(False)

    def error(self, x: torch.Tensor) -> torch.Tensor:
        """``(n,)`` mean squared prediction error per observation (the raw intrinsic reward)."""
        return ((self.predictor(x) - self.target(x)) ** 2).mean(dim=1)


class RNDVecEnv(VecEnvWrapper):
    """Adds a normalised RND bonus to the rewards of an SB3 ``VecEnv``.

    :param venv: the environment (``Dict`` or ``Box`` observations).
    :param keys: the ``Dict`` observation keys the networks see (default: all, flattened in order);
        novelty in e.g. the robot's pose only is ``keys=("pose",)``.
    :param coef: weight of the normalised intrinsic reward.
    :param gamma: discount of the intrinsic return whose running std normalises the bonus.
    :param hidden: hidden units of both networks; :param out_dim: embedding size.
    :param lr: the predictor's Adam learning rate.
    :param update_every: transitions (over all sub-environments) between predictor updates.
    :param epochs: passes over each block; :param batch_size: minibatch size.
    :param update_proportion: fraction of each block the predictor trains on (the paper's 0.25).
    :param seed: seeds the networks and the minibatch draws.
    """

    def __init__(self, venv: VecEnv, keys: Sequence[str] | None = None, coef: float = 1.0, gamma: float = 0.99,
                 hidden: int = 64, out_dim: int = 32, lr: float = 1e-3, update_every: int = 2048, epochs: int = 4,
                 batch_size: int = 256, update_proportion: float = 0.25, seed: int = 0) -> None:
        super().__init__(venv)
        if not (coef >= 0 and 0 <= gamma < 1 and 0 < update_proportion <= 1 and update_every > 0 and epochs > 0):
            raise ConfigError(f"RNDVecEnv: need coef >= 0, 0 <= gamma < 1, 0 < update_proportion <= 1, update_every > 0, "
                              f"epochs > 0; got {coef}, {gamma}, {update_proportion}, {update_every}, {epochs}")
        self.keys = self._check_keys(keys)
        dim = int(sum(np.prod(self._space(k).shape) for k in self.keys)) if self.keys else int(np.prod(venv.observation_space.shape))
        self.coef, self.gamma = float(coef), float(gamma)
        self.model = RNDModel(dim, hidden, out_dim, seed)
        self.optimizer = torch.optim.Adam(self.model.predictor.parameters(), lr=lr)
        self.obs_rms = RunningMeanStd(shape=(dim,))
        self.ret_rms = RunningMeanStd(shape=())
        self.returns = np.zeros(self.num_envs)
        self.update_every, self.epochs, self.batch_size = int(update_every), int(epochs), int(batch_size)
        self.update_proportion = float(update_proportion)
        self.rng = np.random.default_rng(seed)
        self._buffer: list[np.ndarray] = []
        self.last_loss = float("nan")

    def _space(self, key: str) -> Any:
        return self.observation_space.spaces[key]

    def _check_keys(self, keys: Sequence[str] | None) -> tuple[str, ...]:
        spaces = getattr(self.observation_space, "spaces", None)
        if spaces is None:
            if keys:
                raise ConfigError("RNDVecEnv: keys= needs a Dict observation space")
            return ()
        chosen = tuple(spaces) if keys is None else tuple(keys)
        unknown = [k for k in chosen if k not in spaces]
        if unknown:
            raise ConfigError(f"RNDVecEnv: unknown observation key(s) {unknown}; the space has {list(spaces)}")
        return chosen

    def features(self, obs: Any) -> np.ndarray:
        """``(n, dim)`` float64: the chosen keys of a batch of observations, flattened and concatenated."""
        if not self.keys:
            return np.asarray(obs, dtype=np.float64).reshape(len(obs), -1)
        return np.concatenate([np.asarray(obs[k], dtype=np.float64).reshape(len(obs[self.keys[0]]), -1)
                               for k in self.keys], axis=1)

    def _normalised(self, feats: np.ndarray) -> torch.Tensor:
        x = (feats - self.obs_rms.mean) / np.sqrt(self.obs_rms.var + 1e-8)
        return torch.as_tensor(np.clip(x, -5.0, 5.0), dtype=torch.float32)

    def intrinsic(self, obs: Any) -> np.ndarray:
        """``(n,)`` raw prediction errors of a batch of observations (no update of any statistic)."""
        with torch.no_grad():
            return self.model.error(self._normalised(self.features(obs))).numpy().astype(np.float64)

    def reset(self) -> Any:
        obs = self.venv.reset()
        self.obs_rms.update(self.features(obs))
        return obs

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        obs, reward, dones, infos = self.venv.step_wait()
        nxt = self._next_observations(obs, dones, infos)
        feats = self.features(nxt)
        self.obs_rms.update(feats)
        x = self._normalised(feats)
        with torch.no_grad():
            raw = self.model.error(x).numpy().astype(np.float64)
        self.returns = self.returns * self.gamma + raw
        self.ret_rms.update(self.returns)
        bonus = raw / np.sqrt(self.ret_rms.var + 1e-8)
        for i, info in enumerate(infos):
            info["intrinsic_reward"] = float(bonus[i])
        self._buffer.append(x.numpy())
        if sum(len(b) for b in self._buffer) >= self.update_every:
            self._train()
        return obs, (reward + self.coef * bonus).astype(np.float32), dones, infos

    def _next_observations(self, obs: Any, dones: np.ndarray, infos: list[dict[str, Any]]) -> Any:
        """The observation each transition led to: the terminal one where an episode ended (SB3 has
        already reset those sub-environments)."""
        if not dones.any():
            return obs
        if isinstance(obs, dict):
            out = {k: np.array(v, copy=True) for k, v in obs.items()}
            for i in np.flatnonzero(dones):
                for k in out:
                    out[k][i] = infos[i]["terminal_observation"][k]
            return out
        out = np.array(obs, copy=True)
        for i in np.flatnonzero(dones):
            out[i] = infos[i]["terminal_observation"]
        return out

    def _train(self) -> None:
        """Fit the predictor to the target on a random ``update_proportion`` of the buffered observations."""
        data = torch.as_tensor(np.concatenate(self._buffer))
        self._buffer = []
        losses = []
        for _ in range(self.epochs):
            order = self.rng.permutation(len(data))
            for start in range(0, len(data), self.batch_size):
                batch = data[order[start:start + self.batch_size]]
                keep = torch.as_tensor(self.rng.random(len(batch)) < self.update_proportion)
                if not keep.any():
                    continue
                loss = self.model.error(batch[keep]).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                losses.append(float(loss.detach()))
        self.last_loss = float(np.mean(losses)) if losses else float("nan")
