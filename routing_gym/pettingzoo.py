"""A PettingZoo ``ParallelEnv`` view of the multi-robot environments, over the same kernel.

    from routing_gym.pettingzoo import parallel_env
    env = parallel_env("routing_gym/WarehouseAGV-v0", num_robots=4)
    obs, infos = env.reset(seed=0)
    obs, rewards, terms, truncs, infos = env.step({a: 0 for a in env.agents})

Agent ``robot_i`` is dimension ``i`` of the kernel's ``MultiDiscrete`` action: it sends one
``Discrete`` action and observes its own entries of the centralised observation (the kernel's
:attr:`agent_keys`, e.g. its local window and goal direction) and its own action mask. Its
reward is its own share of the team reward (the kernel's ``last_reward``), so the agents'
rewards sum to the centralised env's reward; a masked action ends the episode for every
agent, the penalty split evenly. Every agent terminates together when the episode ends.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from routing_gym.errors import ConfigError, InvalidActionError


class RoutingParallelEnv(ParallelEnv):
    """Per-robot view of a centralised routing-gym env with ``MultiDiscrete`` actions.

    :param env: the centralised environment (its ``unwrapped`` is used; it is stepped directly).
    """

    metadata = {"name": "routing_gym_parallel", "render_modes": ["rgb_array", "ansi"], "is_parallelizable": True}

    def __init__(self, env: gym.Env) -> None:
        base = env.unwrapped
        space = base.action_space
        if not isinstance(space, spaces.MultiDiscrete):
            raise ConfigError(f"the PettingZoo view needs MultiDiscrete actions (one per robot), got {space}")
        keys = getattr(base.kernel_type, "agent_keys", None)
        if not keys:
            raise ConfigError(f"{base.kernel_type.__name__} declares no per-agent observation keys (agent_keys)")
        self.env = base
        self.render_mode = base.render_mode
        self._keys = tuple(keys)
        self._nvec = np.asarray(space.nvec)
        self._offsets = np.concatenate([[0], np.cumsum(self._nvec)])
        self.possible_agents = [f"robot_{i}" for i in range(len(self._nvec))]
        self.agents: list[str] = []
        central = base.observation_space.spaces
        self._obs_spaces = {}
        for i, a in enumerate(self.possible_agents):
            parts = {k: _row_space(central[k]) for k in self._keys}
            parts["action_mask"] = spaces.MultiBinary(int(self._nvec[i]))
            self._obs_spaces[a] = spaces.Dict(parts)
        self._act_spaces = {a: spaces.Discrete(int(n)) for a, n in zip(self.possible_agents, self._nvec)}

    def observation_space(self, agent: str) -> spaces.Space:
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._act_spaces[agent]

    def _split(self, obs: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
        out = {}
        for i, a in enumerate(self.possible_agents):
            d = {k: np.asarray(obs[k][i]) for k in self._keys}
            d["action_mask"] = np.asarray(obs["action_mask"][self._offsets[i]:self._offsets[i + 1]])
            out[a] = d
        return out

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        # PettingZoo's API test passes arbitrary options: keep only those the env takes
        known = ("instance", *self.env.kernel_type.reset_options)
        obs, _ = self.env.reset(seed=seed, options={k: v for k, v in (options or {}).items() if k in known})
        self.agents = list(self.possible_agents)
        return self._split(obs), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        if not self.agents:
            raise gym.error.ResetNeeded("the episode has ended; call reset() before step()")
        missing = [a for a in self.agents if a not in actions]
        unknown = [a for a in actions if a not in self.possible_agents]
        if missing or unknown:
            raise ConfigError(f"actions: missing for {', '.join(missing) or 'none'}; unknown agents {', '.join(map(str, unknown)) or 'none'}")
        bad = [a for a in self.agents if isinstance(actions[a], (bool, np.bool_))
               or not isinstance(actions[a], (int, np.integer))]
        if bad:
            raise InvalidActionError(f"actions: expected an integer move per agent, got {bad[0]}={actions[bad[0]]!r}")
        joint = np.array([int(actions[a]) for a in self.possible_agents], dtype=np.int64)
        obs, reward, term, trunc, info = self.env.step(joint)
        n = len(self.possible_agents)
        if info.get("invalid_action"):
            shares = np.full(n, reward / n)
        else:
            shares = self.env.kernel.last_reward[0]
        rewards = {a: float(shares[i]) for i, a in enumerate(self.possible_agents)}
        terms = {a: bool(term) for a in self.possible_agents}
        truncs = {a: bool(trunc) for a in self.possible_agents}
        infos = {a: dict(info) if term or trunc else {} for a in self.possible_agents}
        out = self._split(obs)
        if term or trunc:
            self.agents = []
        return out, rewards, terms, truncs, infos

    def state(self) -> np.ndarray:
        """The global state: the centralised observation's maps stacked, ``(2, H, W)`` (obstacles, robots)."""
        obs = self.env.kernel.observe(0)
        return np.stack([obs["obstacles"], obs["robots"]])

    def render(self) -> Any:
        return self.env.render()

    def close(self) -> None:
        self.env.close()


def _row_space(space: spaces.Space) -> spaces.Space:
    """The space of one agent's row of a per-agent array space."""
    if isinstance(space, spaces.MultiBinary):
        return spaces.Box(0, 1, (), np.int8)
    return spaces.Box(space.low[0], space.high[0], space.shape[1:], space.dtype)


def parallel_env(env_id: str, **kwargs: Any) -> RoutingParallelEnv:
    """A PettingZoo ``ParallelEnv`` over ``gym.make(env_id, **kwargs)`` (a multi-robot env)."""
    import routing_gym  # noqa: F401 - registers the ids

    return RoutingParallelEnv(gym.make(env_id, **kwargs))
