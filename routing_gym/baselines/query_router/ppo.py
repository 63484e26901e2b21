"""A trained MaskablePPO query router as a solver: ``query-ppo:path=router.zip``.

The checkpoint is an sb3-contrib ``MaskablePPO`` with an MLP over the flattened observation,
trained by :func:`routing_gym.agents.query_router.train_router` and saved with ``model.save``.
It routes greedily (the masked argmax at each query) in the environment built for the
instance. sb3-contrib is imported on first use only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from routing_gym.baselines.base import register_solver
from routing_gym.baselines.sb3_policy import MaskablePPOSolver, play_policy
from routing_gym.envs.query_router.types import QueryRouterInstance


def ppo_routing(model: Any, instance: QueryRouterInstance) -> list[str | None]:
    """The routing ``model`` plays on ``instance`` (greedy: the masked argmax at each query)."""
    return play_policy(model, instance, True, "query-ppo")[1]["solution"]


@register_solver("query-ppo")
class PPOQueryRouter(MaskablePPOSolver):
    """A trained MaskablePPO router (``query-ppo:path=router.zip``), played greedily.

    :param path: the ``.zip`` saved by ``model.save``; required.
    """

    problems: ClassVar[tuple[str, ...]] = ("query_router",)
