"""A trained MaskablePPO router as a solver: ``layer-ppo:path=router.zip``.

The checkpoint is an sb3-contrib ``MaskablePPO`` with an MLP over the flattened observation,
saved by :func:`routing_gym.agents.layer_router.train_router`. It routes greedily (the most
probable admitted option at each step) in the environment built for the instance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.envs.layer_router.types import LayerRouterInstance
from routing_gym.errors import SolverError


def route_with(model: Any, instance: LayerRouterInstance, deterministic: bool = True) -> list[list[int]]:
    """Play ``instance`` with ``model.predict`` (masked) and return the routing the env built."""
    import gymnasium as gym

    env = gym.make("routing_gym/LayerRouter-v0", instance=instance).unwrapped
    obs, _ = env.reset()
    while True:
        action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=deterministic)
        obs, _, term, _, info = env.step(int(np.asarray(action).reshape(-1)[0]))
        if term:
            if info["invalid_action"]:
                raise SolverError("layer-ppo: the policy played a masked option")
            return info["solution"]


@register_solver("layer-ppo")
class PPORouter(Solver):
    """A MaskablePPO MLP router loaded from ``path`` (a ``.zip`` saved by ``train_router``).

    :param path: the checkpoint; required.
    :param deterministic: greedy (default) or sampled options.
    """

    problems: ClassVar[tuple[str, ...]] = ("layer_router",)

    def __init__(self, time_limit: float | None = None, seed: int = 0, path: str | None = None,
                 deterministic: bool = True) -> None:
        super().__init__(time_limit, seed)
        self.path = None if path is None else Path(str(path))
        self.deterministic = bool(deterministic)
        self._model: Any = None

    def solve(self, instance: LayerRouterInstance) -> list[list[int]]:
        if self.path is None:
            raise SolverError("layer-ppo: give the checkpoint, layer-ppo:path=router.zip")
        if self._model is None:
            if not self.path.exists():
                raise SolverError(f"layer-ppo: no checkpoint at {self.path}")
            from sb3_contrib import MaskablePPO

            self._model = MaskablePPO.load(str(self.path), device="cpu")
        space = self._model.observation_space["layer"]
        if space.shape[0] != instance.num_layers:
            raise SolverError(f"layer-ppo: the checkpoint routes {space.shape[0]} layers, the instance has "
                              f"{instance.num_layers}")
        return route_with(self._model, instance, self.deterministic)
