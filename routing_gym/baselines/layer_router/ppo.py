"""A trained MaskablePPO router as a solver: ``layer-ppo:path=router.zip``.

The checkpoint is an sb3-contrib ``MaskablePPO`` with an MLP over the flattened observation,
saved by :func:`routing_gym.agents.layer_router.train_router`. It routes greedily (the most
probable admitted option at each step) in the environment built for the instance.
"""

from __future__ import annotations

from typing import Any, ClassVar

from routing_gym.baselines.base import register_solver
from routing_gym.baselines.sb3_policy import MaskablePPOSolver, play_policy
from routing_gym.envs.layer_router.types import LayerRouterInstance
from routing_gym.errors import SolverError


def route_with(model: Any, instance: LayerRouterInstance, deterministic: bool = True) -> list[list[int]]:
    """Play ``instance`` with ``model.predict`` (masked) and return the routing the env built."""
    return play_policy(model, instance, deterministic, "layer-ppo")[1]["solution"]


@register_solver("layer-ppo")
class PPORouter(MaskablePPOSolver):
    """A MaskablePPO MLP router loaded from ``path`` (a ``.zip`` saved by ``train_router``).

    :param path: the checkpoint; required.
    :param deterministic: greedy (default) or sampled options.
    """

    problems: ClassVar[tuple[str, ...]] = ("layer_router",)

    def check(self, model: Any, instance: LayerRouterInstance) -> None:
        layers = model.observation_space["layer"].shape[0]
        if layers != instance.num_layers:
            raise SolverError(f"layer-ppo: the checkpoint routes {layers} layers, the instance has {instance.num_layers}")
