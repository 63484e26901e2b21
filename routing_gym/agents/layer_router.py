"""A learned LayerRouter: sb3-contrib's MaskablePPO with an MLP over the flattened observation.

The router sees what a deployed router sees (the token's features, the layer, the token's
choices so far, the budgets), never the loss tables, and is trained on generated episodes::

    from routing_gym.agents.layer_router import train_router
    model = train_router(timesteps=200_000, seed=0, num_layers=12)
    model.save("router.zip")           # then: routing-gym compare ... --solvers layer-ppo:path=router.zip

:func:`structure_report` measures whether a router finds the oracle's structure: its objective,
the share of the oracle's gain over ``all-small`` it recovers, how often its option equals the
oracle's, and how its big layers spread over the layers compared with the oracle's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from routing_gym.envs.layer_router.types import BIG, SKIP, LayerRouterInstance, evaluate_layer_router

ENV_ID = "routing_gym/LayerRouter-v0"


def train_router(timesteps: int = 200_000, seed: int = 0, n_envs: int = 16, net_arch: Sequence[int] = (128, 128),
                 learning_rate: float = 3e-4, verbose: int = 0, progress_bar: bool = False, env_id: str = ENV_ID,
                 **env_kwargs: Any) -> Any:
    """Train a MaskablePPO MLP router on generated episodes (``env_kwargs`` go to the generator).

    The same recipe trains the expert router of ``routing_gym/MoERouter-v0`` (``env_id=...``).

    :param timesteps: environment steps (one step routes one token through one layer).
    :param seed: seeds the episodes and the policy's initialisation (explicitly, through SB3's ``seed``).
    :param n_envs: episodes stepped together by the native vector env.
    :param net_arch: hidden layer sizes of the policy and value MLPs.
    :param progress_bar: show SB3's progress bar (tqdm / rich).
    :param env_id: the environment (LayerRouter-v0 by default, or MoERouter-v0).
    :returns: the trained ``MaskablePPO`` model.
    """
    from sb3_contrib import MaskablePPO

    from routing_gym.agents.vec_env import make_vec_env

    venv = make_vec_env(env_id, n_envs=n_envs, seed=seed, **env_kwargs)
    model = MaskablePPO("MultiInputPolicy", venv, learning_rate=learning_rate, n_steps=256, batch_size=512,
                        n_epochs=5, gamma=1.0, gae_lambda=0.95, ent_coef=0.003, seed=seed, verbose=verbose,
                        device="cpu", policy_kwargs={"net_arch": list(net_arch)})
    model.learn(total_timesteps=int(timesteps), progress_bar=progress_bar)
    return model


@dataclass(frozen=True)
class StructureReport:
    """How a router's routings compare with the oracle's on the same instances.

    :param cost: mean objective (loss + compute weight * units).
    :param loss: mean total loss.
    :param units: mean compute units.
    :param gain_share: ``(cost(all-small) - cost) / (cost(all-small) - cost(oracle))``, summed over instances.
    :param agreement: share of (token, layer) options equal to the oracle's.
    :param big_by_layer: share of tokens routed big, per layer.
    :param bigs_per_token: mean number of big layers per token.
    :param skip_share: share of (token, layer) skipped.
    """

    cost: float
    loss: float
    units: float
    gain_share: float
    agreement: float
    big_by_layer: np.ndarray
    bigs_per_token: float
    skip_share: float


def structure_report(instances: Sequence[LayerRouterInstance], routings: Sequence[Any], oracle: Sequence[Any],
                     small: Sequence[Any]) -> StructureReport:
    """Compare ``routings`` with the ``oracle`` routings (and the ``small`` ones, for the gain share)."""
    from routing_gym.envs.layer_router.types import routing_loss

    r = [np.asarray(x, dtype=np.int64) for x in routings]
    o = [np.asarray(x, dtype=np.int64) for x in oracle]
    cost = np.array([evaluate_layer_router(i, x).cost for i, x in zip(instances, r)])
    c_oracle = np.array([evaluate_layer_router(i, x).cost for i, x in zip(instances, o)])
    c_small = np.array([evaluate_layer_router(i, x).cost for i, x in zip(instances, small)])
    parts = np.array([routing_loss(i, x) for i, x in zip(instances, r)])
    stacked = np.concatenate(r)
    return StructureReport(
        cost=float(cost.mean()), loss=float(parts[:, 0].mean()), units=float(parts[:, 1].mean()),
        gain_share=float((c_small - cost).sum() / max((c_small - c_oracle).sum(), 1e-12)),
        agreement=float(np.mean(np.concatenate([(a == b).ravel() for a, b in zip(r, o)]))),
        big_by_layer=(stacked == BIG).mean(axis=0), bigs_per_token=float((stacked == BIG).sum(axis=1).mean()),
        skip_share=float((stacked == SKIP).mean()))


def policy_solver(model: Any, deterministic: bool = True) -> Callable[[LayerRouterInstance], list[list[int]]]:
    """``instance -> routing`` with a trained model (greedy by default)."""
    from routing_gym.baselines.layer_router.ppo import route_with

    return lambda inst: route_with(model, inst, deterministic)
