"""A trained sb3-contrib ``MaskablePPO`` checkpoint (``.zip``) as a solver, for any problem.

The pointer policies of :mod:`routing_gym.agents` have their own solver (``agent``); this one
plays MLP / multi-input MaskablePPO models of problems whose actions are not node choices
(``layer-ppo``, ``query-ppo``, ``agv-ppo``): the checkpoint's ``predict`` with the action
masks, in the environment built for the instance, which builds and costs the solution.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from routing_gym.baselines.base import Solver
from routing_gym.errors import SolverError


def play_policy(model: Any, instance: Any, deterministic: bool = True, name: str = "policy") -> tuple[dict, dict]:
    """Play ``instance`` with ``model.predict`` (masked) to the end; ``(last observation, last info)``.

    :raises SolverError: when the policy plays a masked action.
    """
    import gymnasium as gym

    from routing_gym.registry import env_id_for

    env = gym.make(env_id_for(instance), instance=instance).unwrapped
    obs, _ = env.reset()
    shape = env.action_space.shape
    while True:
        action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=deterministic)
        obs, _, terminated, truncated, info = env.step(np.asarray(action).reshape(shape))
        if terminated or truncated:
            if info.get("invalid_action"):
                raise SolverError(f"{name}: the policy played a masked action")
            return obs, info


class MaskablePPOSolver(Solver):
    """A MaskablePPO checkpoint loaded from ``path`` (a ``.zip``), played greedily by default.

    Subclasses set ``problems`` and may override :meth:`check` (does the checkpoint fit the
    instance?) and :meth:`finish` (the solution from the last observation and info).

    :param path: the checkpoint; required.
    :param deterministic: greedy (default) or sampled actions.
    """

    def __init__(self, time_limit: float | None = None, seed: int = 0, path: str | None = None,
                 deterministic: bool = True) -> None:
        super().__init__(time_limit, seed)
        self.path = None if path is None else Path(str(path))
        self.deterministic = bool(deterministic)
        self._model: Any = None

    def model(self) -> Any:
        """The loaded checkpoint (sb3-contrib is imported on first use only)."""
        if self.path is None:
            raise SolverError(f"{self.name}: give the checkpoint, {self.name}:path=policy.zip")
        if self._model is None:
            if not self.path.exists():
                raise SolverError(f"{self.name}: no checkpoint at {self.path}")
            from sb3_contrib import MaskablePPO

            self._model = MaskablePPO.load(str(self.path), device="cpu")
        return self._model

    def check(self, model: Any, instance: Any) -> None:
        """Raise :class:`SolverError` when the checkpoint cannot play ``instance`` (default: it can)."""

    def finish(self, obs: dict, info: dict) -> Any:
        """The solution of a finished episode (default: the env's ``info["solution"]``)."""
        return info["solution"]

    def solve(self, instance: Any) -> Any:
        model = self.model()
        self.check(model, instance)
        return self.finish(*play_policy(model, instance, self.deterministic, self.name))
