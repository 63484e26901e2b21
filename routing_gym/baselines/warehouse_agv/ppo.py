"""A trained MaskablePPO policy of the centralised env as a solver: ``agv-ppo:path=policy.zip``.

The checkpoint is an sb3-contrib ``MaskablePPO`` (``MultiInputPolicy``: an MLP over the Dict
observation, ``MultiDiscrete([5] * R)`` actions with per-robot masks), as
``benchmarks/warehouse_agv_ppo.py --save`` writes it. It plays the instance in the env (greedy by
default); the env cancels conflicting moves, so the plan is conflict-free, and a run that leaves a
robot off its goal at the horizon is reported as a failure, not as a plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.envs.warehouse_agv.types import WarehouseInstance
from routing_gym.errors import SolverError


def plan_with(model: Any, instance: WarehouseInstance, deterministic: bool = True) -> list[list[list[int]]]:
    """Play ``instance`` with ``model.predict`` (masked); the plan the env built, if every robot got home."""
    from routing_gym.envs.warehouse_agv.env import WarehouseAGVEnv

    env = WarehouseAGVEnv(instance=instance)
    obs, _ = env.reset()
    while True:
        action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=deterministic)
        obs, _, term, _, info = env.step(action)
        if term:
            if info["invalid_action"]:
                raise SolverError("agv-ppo: the policy played a masked move")
            if not obs["at_goal"].all():
                raise SolverError(f"agv-ppo: {int((obs['at_goal'] == 0).sum())} robot(s) off their goals at the horizon")
            return info["solution"]


@register_solver("agv-ppo")
class AGVPPOSolver(Solver):
    """A MaskablePPO policy of ``routing_gym/WarehouseAGV-v0`` loaded from ``path`` (a ``.zip``).

    :param path: the checkpoint; required. Its observation space fixes the robots and the map shape.
    :param deterministic: greedy (default) or sampled moves.
    """

    problems: ClassVar[tuple[str, ...]] = ("warehouse_agv",)

    def __init__(self, time_limit: float | None = None, seed: int = 0, path: str | None = None,
                 deterministic: bool = True) -> None:
        super().__init__(time_limit, seed)
        self.path = None if path is None else Path(str(path))
        self.deterministic = bool(deterministic)
        self._model: Any = None

    def solve(self, instance: WarehouseInstance) -> list[list[list[int]]]:
        if self.path is None:
            raise SolverError("agv-ppo: give the checkpoint, agv-ppo:path=policy.zip")
        if instance.lifelong:
            raise SolverError("agv-ppo plans one-shot instances; this one is lifelong")
        if self._model is None:
            if not self.path.exists():
                raise SolverError(f"agv-ppo: no checkpoint at {self.path}")
            from sb3_contrib import MaskablePPO

            self._model = MaskablePPO.load(str(self.path), device="cpu")
        space = self._model.observation_space
        robots, shape = space["positions"].shape[0], space["obstacles"].shape
        if robots != instance.num_robots or shape != instance.grid.shape:
            raise SolverError(f"agv-ppo: the checkpoint plays {robots} robots on {shape[0]} x {shape[1]} maps, the "
                              f"instance has {instance.num_robots} on {instance.grid.shape[0]} x {instance.grid.shape[1]}")
        return plan_with(self._model, instance, self.deterministic)
