"""A trained MaskablePPO query router as a solver: ``query-ppo:path=router.zip``.

The checkpoint is an sb3-contrib ``MaskablePPO`` with an MLP over the flattened observation,
trained by :func:`routing_gym.agents.query_router.train_router` and saved with ``model.save``.
It routes greedily (the masked argmax at each query) in the environment built for the
instance. sb3-contrib is imported on first use only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.envs.query_router.types import QueryRouterInstance
from routing_gym.errors import SolverError


def ppo_routing(model: Any, instance: QueryRouterInstance) -> list[str | None]:
    """The routing ``model`` plays on ``instance`` (greedy: the masked argmax at each query)."""
    import gymnasium as gym

    env = gym.make("routing_gym/QueryRouter-v0", instance=instance).unwrapped
    obs, _ = env.reset()
    while True:
        action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=True)
        obs, _, terminated, _, info = env.step(int(np.asarray(action).reshape(-1)[0]))
        if terminated:
            if info["invalid_action"]:
                raise SolverError("query-ppo: the policy played a masked action")
            return info["solution"]


@register_solver("query-ppo")
class PPOQueryRouter(Solver):
    """A trained MaskablePPO router (``query-ppo:path=router.zip``), played greedily.

    :param path: the ``.zip`` saved by ``model.save``; required.
    """

    problems: ClassVar[tuple[str, ...]] = ("query_router",)

    def __init__(self, time_limit: float | None = None, seed: int = 0, path: str | None = None) -> None:
        super().__init__(time_limit, seed)
        self.path = None if path is None else Path(str(path))
        self._model: Any = None

    def solve(self, instance: QueryRouterInstance) -> list[str | None]:
        if self.path is None:
            raise SolverError("query-ppo: give the checkpoint, query-ppo:path=router.zip")
        if self._model is None:
            if not self.path.exists():
                raise SolverError(f"query-ppo: no checkpoint at {self.path}")
            from sb3_contrib import MaskablePPO

            self._model = MaskablePPO.load(str(self.path), device="cpu")
        return ppo_routing(self._model, instance)
