"""RLlib PPO (new API stack) on the suite's environments, with action masking in an RLModule.

    from routing_gym.rllib import ppo_config
    algo = ppo_config("routing_gym/TSP-v0", {"num_nodes": 10}).build_algo()
    print(algo.train()["env_runners"]["episode_return_mean"])

- Single agent: any environment with a ``Discrete`` action space (TSP, CVRP, OP, Knapsack,
  LayerRouter, ...). :class:`MaskedEnv` turns its ``Dict`` observation into the two keys RLlib's
  masking convention uses: ``observations`` (every other key, flattened to one float vector;
  ``Discrete`` keys one-hot) and ``action_mask`` (floats 0/1).
- Multi-agent: environments with a PettingZoo view (:mod:`routing_gym.pettingzoo`, the
  warehouse robots); :class:`MaskedMultiAgentEnv` gives each agent the same two keys, and one
  policy (``shared``) acts for every robot.
- :class:`MaskedPPOTorchRLModule` is RLlib's default PPO module on ``observations``, with every
  masked action's logit set to the float minimum before sampling, in inference, exploration and
  training alike, so PPO's ratio is computed over the admissible actions only.

The environments are made with ``invalid_action="raise"`` by default (``strict=True``): a masked
action reaching an environment is an :class:`~routing_gym.errors.InvalidActionError`, so a run that
finishes has respected every mask. Needs ``pip install 'routing-gym[rllib]'``.
"""

from __future__ import annotations

from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from routing_gym.errors import ConfigError

try:
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
    from ray.rllib.core.columns import Columns
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec
    from ray.rllib.env.multi_agent_env import MultiAgentEnv
    from ray.rllib.utils.torch_utils import FLOAT_MIN
except ImportError:  # the optional extra routing-gym[rllib] is not installed
    PPOConfig = None
    DefaultPPOTorchRLModule = MultiAgentEnv = object  # placeholders: the classes below are unusable without RLlib

#: The policy that acts for every agent of a multi-agent environment.
SHARED_POLICY = "shared"


def require_rllib() -> None:
    """One-line :class:`~routing_gym.errors.ConfigError` when RLlib is missing."""
    if PPOConfig is None:
        raise ConfigError("RLlib is not installed: pip install 'routing-gym[rllib]'")


class _MaskedView:
    """Maps one ``Dict`` observation (with an ``action_mask`` key) to ``{"observations", "action_mask"}``."""

    def __init__(self, space: spaces.Space) -> None:
        if not isinstance(space, spaces.Dict) or "action_mask" not in space.spaces:
            raise ConfigError(f"action masking needs a Dict observation with an 'action_mask' key, got {space}")
        self.rest = spaces.Dict({k: s for k, s in space.spaces.items() if k != "action_mask"})
        n_mask = int(np.prod(space["action_mask"].shape))
        flat = spaces.flatten_space(self.rest)
        self.space = spaces.Dict({
            "observations": spaces.Box(-np.inf, np.inf, flat.shape, np.float32),
            "action_mask": spaces.Box(0.0, 1.0, (n_mask,), np.float32),
        })

    def __call__(self, obs: dict[str, Any]) -> dict[str, np.ndarray]:
        rest = {k: obs[k] for k in self.rest.spaces}
        return {"observations": spaces.flatten(self.rest, rest).astype(np.float32),
                "action_mask": np.asarray(obs["action_mask"], dtype=np.float32).reshape(-1)}


def _env_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(config.get("env_kwargs") or {})
    if config.get("strict", True):
        kwargs.setdefault("invalid_action", "raise")  # a masked action ends the run with InvalidActionError
    return kwargs


class MaskedEnv(gym.ObservationWrapper):
    """A suite environment with RLlib's masking observation (``env_config``: ``env_id``, ``env_kwargs``, ``strict``).

    Observation: ``Dict(observations=Box(d,), action_mask=Box(0, 1, (n,)))``; actions, rewards and
    episode ends are the environment's own. The environment must have a ``Discrete`` action space.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        import routing_gym  # noqa: F401 - registers the ids (in remote env runners too)

        env = gym.make(config["env_id"], **_env_kwargs(config))
        if not isinstance(env.action_space, spaces.Discrete):
            raise ConfigError(f"{config['env_id']}: RLlib PPO here needs a Discrete action space, got {env.action_space}; "
                              "multi-robot environments train through their PettingZoo view (multi_agent=True)")
        super().__init__(env)
        self._view = _MaskedView(env.observation_space)
        self.observation_space = self._view.space

    def observation(self, observation: dict[str, Any]) -> dict[str, np.ndarray]:
        return self._view(observation)


class MaskedMultiAgentEnv(MultiAgentEnv):
    """The PettingZoo view (:func:`routing_gym.pettingzoo.parallel_env`) as an RLlib ``MultiAgentEnv``;
    each agent observes ``Dict(observations, action_mask)`` of its own entries and mask."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        from routing_gym.pettingzoo import parallel_env

        self.par = parallel_env(config["env_id"], **_env_kwargs(config))
        self.possible_agents = list(self.par.possible_agents)
        self.agents = list(self.possible_agents)
        self._views = {a: _MaskedView(self.par.observation_space(a)) for a in self.possible_agents}
        self.observation_spaces = {a: v.space for a, v in self._views.items()}
        self.action_spaces = {a: self.par.action_space(a) for a in self.possible_agents}

    def _observe(self, obs: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
        return {a: self._views[a](o) for a, o in obs.items()}

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        obs, infos = self.par.reset(seed=seed, options=options)
        self.agents = list(self.par.agents)
        return self._observe(obs), infos

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        obs, rewards, terms, truncs, infos = self.par.step({a: int(v) for a, v in actions.items()})
        self.agents = list(self.par.agents)
        terms["__all__"] = all(terms.values())
        truncs["__all__"] = all(truncs.values())
        return self._observe(obs), rewards, terms, truncs, infos


class MaskedPPOTorchRLModule(DefaultPPOTorchRLModule):
    """RLlib's default PPO module on ``obs["observations"]``; masked actions get the float minimum as logit.

    The networks (RLlib's catalog: an MLP encoder, policy and value heads) are built for the
    ``observations`` space; the ``Dict`` space with the mask stays the module's observation space.
    """

    def __init__(self, *, observation_space: spaces.Space | None = None, **kwargs: Any) -> None:
        if not isinstance(observation_space, spaces.Dict) or set(observation_space.spaces) != {"observations", "action_mask"}:
            raise ConfigError(f"MaskedPPOTorchRLModule needs Dict(observations, action_mask), got {observation_space}")
        self._space_with_mask = observation_space
        super().__init__(observation_space=observation_space["observations"], **kwargs)

    def setup(self) -> None:
        super().setup()  # builds the networks for the observations alone
        self.observation_space = self._space_with_mask

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        mask, batch = _split_mask(batch)
        return _mask_logits(super()._forward(batch, **kwargs), mask)

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        mask, batch = _split_mask(batch)
        return _mask_logits(super()._forward_train(batch, **kwargs), mask)

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> Any:
        if embeddings is None:
            _, batch = _split_mask(batch)
        return super().compute_values(batch, embeddings)


def _split_mask(batch: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The action mask and a shallow copy of ``batch`` whose observation is ``observations`` alone."""
    obs = batch[Columns.OBS]
    out = dict(batch)
    out[Columns.OBS] = obs["observations"]
    return obs["action_mask"], out


def _mask_logits(out: dict[str, Any], mask: Any) -> dict[str, Any]:
    logits = out[Columns.ACTION_DIST_INPUTS]
    out[Columns.ACTION_DIST_INPUTS] = logits.masked_fill(mask < 0.5, FLOAT_MIN)
    return out


def ppo_config(env_id: str, env_kwargs: dict[str, Any] | None = None, *, multi_agent: bool = False,
               strict: bool = True, num_env_runners: int = 0, envs_per_runner: int = 1,
               train_batch_size: int = 512, minibatch_size: int = 128, num_epochs: int = 4, lr: float = 3e-4,
               hidden: Sequence[int] = (64, 64), seed: int | None = 0) -> Any:
    """A ``PPOConfig`` (new API stack) for ``env_id`` with :class:`MaskedPPOTorchRLModule`.

    :param multi_agent: train through the PettingZoo view (one ``shared`` policy for every robot).
    :param strict: a masked action reaching the env raises (``invalid_action="raise"``).
    :param num_env_runners: remote sampling workers (0: sample in this process).
    :param train_batch_size: env steps per training iteration; ``minibatch_size``, ``num_epochs``: PPO's SGD.
    :param hidden: widths of the MLP encoder.
    """
    require_rllib()
    env_config = {"env_id": env_id, "env_kwargs": dict(env_kwargs or {}), "strict": strict}
    module = RLModuleSpec(module_class=MaskedPPOTorchRLModule,
                          model_config={"fcnet_hiddens": list(hidden), "vf_share_layers": False})
    config = (
        PPOConfig()
        # RLlib's env check steps with unmasked random actions, which a strict env refuses
        .environment(MaskedMultiAgentEnv if multi_agent else MaskedEnv, env_config=env_config,
                     disable_env_checking=strict)
        .env_runners(num_env_runners=num_env_runners, num_envs_per_env_runner=envs_per_runner)
        .training(train_batch_size_per_learner=train_batch_size, minibatch_size=minibatch_size,
                  num_epochs=num_epochs, lr=lr)
        .debugging(seed=seed)
    )
    if multi_agent:
        return (config.multi_agent(policies={SHARED_POLICY}, policy_mapping_fn=_shared_policy)
                .rl_module(rl_module_spec=MultiRLModuleSpec(rl_module_specs={SHARED_POLICY: module})))
    return config.rl_module(rl_module_spec=module)


def _shared_policy(agent_id: Any, *args: Any, **kwargs: Any) -> str:
    return SHARED_POLICY
