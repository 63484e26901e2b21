"""stable-baselines3 ``VecEnv`` over the native batched vector env.

One numpy kernel steps every sub-environment at once; this adapter only
reshapes Gymnasium's vector API into SB3's (list of info dicts with
``terminal_observation``) and answers ``env_method("action_masks")`` with one
batched call, so sb3-contrib's MaskablePPO works unchanged.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env import VecEnv, VecMonitor

from routing_gym.envs.base import RoutingVectorEnv


class RoutingSB3VecEnv(VecEnv):
    """Adapt a :class:`~routing_gym.envs.base.RoutingVectorEnv` to SB3.

    Episode ends follow SB3's convention: the returned observation is already the
    next episode's first one, and ``infos[i]["terminal_observation"]`` holds the
    last one; ``infos[i]["cost"]`` and ``["solution"]`` describe the finished solution.
    """

    def __init__(self, venv: RoutingVectorEnv) -> None:
        self.venv = venv
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        self.render_mode = venv.render_mode
        self._actions: np.ndarray | None = None

    def reset(self) -> dict[str, np.ndarray]:
        seed = self._seeds[0]
        opts = self._options[0] or None
        obs, _ = self.venv.reset(seed=seed, options=opts)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions).reshape((self.num_envs, *self.action_space.shape))  # Discrete: (n,)

    def step_wait(self) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[dict[str, Any]]]:
        obs, reward, terminated, truncated, info = self.venv.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            fin = info["final_info"]
            for i in np.flatnonzero(dones):
                d = infos[i]
                d["terminal_observation"] = info["final_obs"][i]
                d["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                d["invalid_action"] = bool(fin["invalid_action"][i])
                if fin["_cost"][i]:
                    d["cost"] = float(fin["cost"][i])
                    d["solution"] = fin["solution"][i]
        return obs, reward.astype(np.float32), dones, infos

    def action_masks(self) -> np.ndarray:
        return self.venv.action_masks()

    def close(self) -> None:
        self.venv.close()

    def _indices(self, indices: Any) -> list[int]:
        return list(self._get_indices(indices))

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        value = getattr(self.venv, attr_name)
        return [value for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        setattr(self.venv, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        idx = self._indices(indices)
        if method_name == "action_masks":  # one batched call for every sub-environment
            masks = self.venv.action_masks()
            return [masks[i] for i in idx]
        result = getattr(self.venv, method_name)(*method_args, **method_kwargs)
        return [result for _ in idx]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: Any = None) -> list[bool]:
        return [False for _ in self._indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        frames = self.venv.render()
        return list(frames) if frames is not None else [None] * self.num_envs


def make_vec_env(env_id: str, n_envs: int = 8, seed: int | None = None, monitor: bool = True, **env_kwargs: Any) -> VecEnv:
    """An SB3 ``VecEnv`` of ``n_envs`` episodes of ``env_id`` stepped by one batched kernel.

    :param env_id: a registered id, e.g. ``"routing_gym/TSP-v0"``.
    :param n_envs: number of parallel episodes.
    :param seed: seed of the first reset (instances are drawn from it).
    :param monitor: wrap in SB3's ``VecMonitor`` so episode returns are logged.
    :param env_kwargs: passed to the environment (``num_nodes=...``).
    """
    import routing_gym  # noqa: F401 - registers the ids

    venv = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point", **env_kwargs)
    if not isinstance(venv, RoutingVectorEnv):
        raise TypeError(f"{env_id} did not create a routing-gym vector env (got {type(venv).__name__})")
    env: VecEnv = RoutingSB3VecEnv(venv)
    if seed is not None:
        env.seed(seed)
    if monitor:
        env = VecMonitor(env)
    return env
