"""Agents: SB3 integration and pointer-style policies.

    from routing_gym.agents import AttentionPolicy, make_vec_env
    from sb3_contrib import MaskablePPO
    model = MaskablePPO(AttentionPolicy, make_vec_env("routing_gym/TSP-v0", 64, num_nodes=20)).learn(100_000)

* :mod:`~routing_gym.agents.policies`: :class:`AttentionPolicy` (BQ-NCO), :class:`GNNPolicy` (PyG).
* :mod:`~routing_gym.agents.featurizers`: observation -> node features, one per problem.
* :mod:`~routing_gym.agents.train` / :mod:`~routing_gym.agents.imitation`: ``train`` (PPO) and
  ``imitate`` (behaviour cloning of solver solutions).
* :mod:`~routing_gym.agents.inference`: batched greedy / sampling / x8-augmented decoding, heatmaps.
* :mod:`~routing_gym.agents.checkpoint`: safetensors + JSON checkpoints, the shipped ``pretrained/`` ones.
* :mod:`~routing_gym.agents.agent_solver`: a trained policy as the ``agent`` solver (the solver
  registry imports it by name, so that listing solvers does not import torch).

The names below are imported on first use (PEP 562), so importing a submodule such as
``routing_gym.agents.agent_solver`` does not load torch and stable-baselines3.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

#: public name -> the submodule defining it
_EXPORTS: dict[str, str] = {
    "list_pretrained": "checkpoint", "load_policy": "checkpoint", "save_policy": "checkpoint",
    "Featurizer": "featurizers", "NodeInputs": "featurizers", "featurizer_for": "featurizers",
    "register_featurizer": "featurizers",
    "imitate": "imitation",
    "policy_heatmap": "inference", "rollout": "inference",
    "AttentionPolicy": "policies", "GNNPolicy": "policies", "RoutingPolicy": "policies",
    "train": "train",
    "RoutingSB3VecEnv": "vec_env", "make_vec_env": "vec_env",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


class _AgentsModule(types.ModuleType):
    """Keeps ``routing_gym.agents.train`` the function ``train``, as the eager package had it.

    Importing the submodule ``routing_gym.agents.train`` sets the package attribute ``train``
    to the module; the function of the same name is what ``from routing_gym.agents import train``
    has always returned, so the submodule is replaced by its function here.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "train" and isinstance(value, types.ModuleType):
            value = value.train
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _AgentsModule
