"""A PPO router for ``routing_gym/QueryRouter-v0``: sb3-contrib's MaskablePPO with an MLP over the
flat observation (SB3's ``MultiInputPolicy``: each key flattened and concatenated).

The models are a fixed library here, so a fixed-width MLP head over ``M + 1`` actions is the
simple choice that works (the pointer policies of :mod:`routing_gym.agents.policies` serve
problems whose node count varies). One policy serves every cost weight: training streams
draw their cost weight from a list (:class:`CostWeightSweep`), and the observation's
``penalty`` carries it.

Training streams never include the stream a router is judged on: on generated instances they
come from the generator with another seed; on a loaded score table they are resampled from the
instance's training queries (:class:`TrainingStreams`), the half of a split by query.

``ppo_routing(model, instance)`` plays a trained model greedily (masked argmax) through the env;
the ``query-ppo:path=model.zip`` solver wraps it (:mod:`routing_gym.baselines.query_router.ppo`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from routing_gym.baselines.query_router.ppo import PPOQueryRouter, ppo_routing
from routing_gym.envs.query_router.generator import QueryRouterGenerator
from routing_gym.envs.query_router.kernel import QueryRouterKernel
from routing_gym.envs.query_router.types import QueryRouterInstance
from routing_gym.errors import ConfigError

ENV_ID = "routing_gym/QueryRouter-v0"


@dataclass(frozen=True)
class CostWeightSweep:
    """Streams of ``base`` with the cost weight of each drawn uniformly from ``cost_weights``.

    :param base: anything with ``num_models`` and ``sample(rng, size)`` in the kernel's layout.
    :param cost_weights: the weights drawn from.
    """

    base: Any
    cost_weights: tuple[float, ...]

    @property
    def num_models(self) -> int:
        return int(self.base.num_models)

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        data = dict(self.base.sample(rng, size))
        data["cost_weight"] = np.asarray(self.cost_weights, dtype=np.float64)[rng.integers(0, len(self.cost_weights), size)]
        data.pop("instance", None)  # the arrays, not the original instances, define these streams
        return data


@dataclass(frozen=True)
class TrainingStreams:
    """Streams of ``num_queries`` queries drawn with replacement from ``instance``'s training queries.

    The budget of a stream is ``budget_per_query * num_queries`` (default: the instance's budget
    per stream query, so training streams are as tight as the judged one).
    """

    instance: QueryRouterInstance
    num_queries: int = 100
    budget_per_query: float | None = None

    def __post_init__(self) -> None:
        if self.instance.num_train == 0:
            raise ConfigError("TrainingStreams: the instance has no training queries")

    @property
    def num_models(self) -> int:
        return self.instance.num_models

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        inst, q = self.instance, int(self.num_queries)
        rows = rng.integers(0, inst.num_train, (size, q))
        per_query = self.budget_per_query if self.budget_per_query is not None else inst.budget / inst.num_queries
        m = inst.num_models
        return {
            "quality": inst.train_quality[rows], "cost": inst.train_cost[rows], "features": inst.train_features[rows],
            "family": inst.train_family[rows], "num_queries": np.full(size, q, dtype=np.int64),
            "budget": np.full(size, per_query * q if math.isfinite(per_query) else math.inf),
            "cost_weight": np.full(size, inst.cost_weight), "flags": np.repeat(inst.flags[None], size, axis=0),
            "flag_weights": np.repeat(inst.flag_weights[None], size, axis=0),
            "allow_abstain": np.full(size, inst.allow_abstain),
            "model_names": np.array([inst.model_names] * size, dtype=object),
            "family_names": np.array([inst.family_names] * size, dtype=object),
            "flag_names": np.array([inst.flag_names] * size, dtype=object),
            "train_quality": np.zeros((size, 0, m)), "train_cost": np.zeros((size, 0, m)),
            "train_features": np.zeros((size, 0, inst.features.shape[1])), "train_family": np.zeros((size, 0)),
        }


def train_router(generator: Any, total_timesteps: int, seed: int = 0, n_envs: int = 16, gamma: float = 0.95,
                 progress_bar: bool = False) -> Any:
    """A MaskablePPO (MLP over the flat observation) trained on streams of ``generator``.

    :param generator: a :class:`QueryRouterGenerator`, :class:`TrainingStreams` or :class:`CostWeightSweep`.
    :param total_timesteps: environment steps (one per query).
    :param seed: seed of the streams and of the policy.
    :param n_envs: parallel streams (one batched kernel).
    :param gamma: discount (the budget couples queries; the rest of the reward is immediate).
    """
    import torch
    from sb3_contrib import MaskablePPO

    from routing_gym.agents.vec_env import make_vec_env

    venv = make_vec_env(ENV_ID, n_envs=n_envs, seed=seed, generator=generator)
    model = MaskablePPO("MultiInputPolicy", venv, n_steps=128, batch_size=512, n_epochs=5, gamma=gamma,
                        learning_rate=3e-4, ent_coef=0.01, seed=seed, verbose=0, device="cpu",
                        policy_kwargs={"net_arch": [128, 128], "activation_fn": torch.nn.Tanh})
    model.learn(total_timesteps=int(total_timesteps), progress_bar=progress_bar)
    return model


def routings(model: Any, instances: Sequence[QueryRouterInstance]) -> list[list[str | None]]:
    """:func:`ppo_routing` of each instance."""
    return [ppo_routing(model, inst) for inst in instances]


__all__ = ["CostWeightSweep", "PPOQueryRouter", "QueryRouterGenerator", "QueryRouterKernel", "TrainingStreams",
           "ppo_routing", "routings", "train_router"]
