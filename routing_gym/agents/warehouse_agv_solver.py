"""A trained MaskablePPO policy of the centralised env as a solver: ``agv-ppo:path=policy.zip``.

The checkpoint is an sb3-contrib ``MaskablePPO`` (``MultiInputPolicy``: an MLP over the Dict
observation, ``MultiDiscrete([5] * R)`` actions with per-robot masks), as
``benchmarks/warehouse_agv_ppo.py --save`` writes it. It plays the instance in the env (greedy by
default); the env cancels conflicting moves, so the plan is conflict-free, and a run that leaves a
robot off its goal at the horizon is reported as a failure, not as a plan.

A checkpoint of the parameter-shared per-robot policy
(:class:`~routing_gym.agents.warehouse_agv.SharedRobotPolicy`) has no weight tied to the robot count
or the map, so it plays any instance (:func:`~routing_gym.agents.warehouse_agv.joint_action`);
other checkpoints play only instances of the robot count and map shape they were trained on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from routing_gym.baselines.base import register_solver
from routing_gym.baselines.sb3_policy import MaskablePPOSolver, play_policy
from routing_gym.envs.warehouse_agv.types import WarehouseInstance
from routing_gym.errors import SolverError

#: the shipped shared per-robot policy (``agv-ppo:shipped=true``), see its MODEL_CARD.md
SHIPPED = Path(__file__).resolve().parent / "pretrained" / "warehouse_agv" / "shared_robot_policy.zip"


def _plan(obs: dict, info: dict) -> list[list[list[int]]]:
    if not obs["at_goal"].all():
        raise SolverError(f"agv-ppo: {int((obs['at_goal'] == 0).sum())} robot(s) off their goals at the horizon")
    return info["solution"]


def play_shared(policy: Any, instance: WarehouseInstance, deterministic: bool = True, seed: int = 0) -> tuple[dict, dict]:
    """Play ``instance`` with a :class:`~routing_gym.agents.warehouse_agv.SharedRobotPolicy` (any robot count
    and map); ``(last observation, last info)``."""
    import torch

    from routing_gym.agents.warehouse_agv import ENV_ID, joint_action

    env = gym.make(ENV_ID, instance=instance).unwrapped
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one small forward per step: extra threads only contend (10x slower on 2 busy cores)
    try:
        while True:
            obs, _, terminated, truncated, info = env.step(joint_action(policy, obs, deterministic, rng))
            if terminated or truncated:
                return obs, info
    finally:
        torch.set_num_threads(threads)


def plan_with(model: Any, instance: WarehouseInstance, deterministic: bool = True) -> list[list[list[int]]]:
    """Play ``instance`` with ``model.predict`` (masked); the plan the env built, if every robot got home."""
    return _plan(*play_policy(model, instance, deterministic, "agv-ppo"))


@register_solver("agv-ppo")
class AGVPPOSolver(MaskablePPOSolver):
    """A MaskablePPO policy of ``routing_gym/WarehouseAGV-v0`` loaded from ``path`` (a ``.zip``).

    :param path: the checkpoint; required. Its observation space fixes the robots and the map shape
        (except for the shared per-robot policy, which plays any).
    :param deterministic: greedy (default) or sampled moves.
    :param samples: shared per-robot policy only: besides the first episode, play this many sampled
        episodes (seeds ``seed + 1 ...``) and return the plan of least sum of costs that brings every
        robot home.
    :param shipped: play the shipped shared per-robot policy (:data:`SHIPPED`) instead of ``path``.
    """

    problems: ClassVar[tuple[str, ...]] = ("warehouse_agv",)

    def __init__(self, time_limit: float | None = None, seed: int = 0, path: str | None = None,
                 deterministic: bool = True, samples: int = 0, shipped: bool = False) -> None:
        if shipped and path is not None:
            raise SolverError("agv-ppo: give path or shipped=true, not both")
        super().__init__(time_limit, seed, str(SHIPPED) if shipped else path, deterministic)
        if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 0:
            raise SolverError(f"agv-ppo: samples must be an integer >= 0, got {samples!r}")
        self.samples = int(samples)

    def model(self) -> Any:
        """The checkpoint, loaded as MaskablePPO (the MLP and the shared per-robot policy both are)."""
        if self._model is None and self.path is not None and self.path.exists():
            from sb3_contrib import MaskablePPO

            try:
                self._model = MaskablePPO.load(str(self.path), device="cpu")
            except Exception as exc:  # noqa: BLE001 - SB3 raises many types for a corrupt or foreign zip
                raise SolverError(f"agv-ppo: cannot load {self.path} as MaskablePPO: {type(exc).__name__}: {exc}") from None
        return super().model()

    def solve(self, instance: WarehouseInstance) -> list[list[list[int]]]:
        from routing_gym.agents.warehouse_agv import SharedRobotPolicy

        model = self.model()
        if not isinstance(model.policy, SharedRobotPolicy):
            return super().solve(instance)
        self._check_oneshot(instance)
        episodes = [play_shared(model.policy, instance, self.deterministic, self.seed)]
        episodes += [play_shared(model.policy, instance, False, self.seed + 1 + k) for k in range(self.samples)]
        home = [(info["cost"], k) for k, (obs, info) in enumerate(episodes) if obs["at_goal"].all()]
        return _plan(*episodes[min(home)[1] if home else 0])

    @staticmethod
    def _check_oneshot(instance: WarehouseInstance) -> None:
        if instance.lifelong:
            raise SolverError("agv-ppo plans one-shot instances; this one is lifelong")

    def check(self, model: Any, instance: WarehouseInstance) -> None:
        self._check_oneshot(instance)
        space = model.observation_space
        robots, shape = space["positions"].shape[0], space["obstacles"].shape
        if robots != instance.num_robots or shape != instance.grid.shape:
            raise SolverError(f"agv-ppo: the checkpoint plays {robots} robots on {shape[0]} x {shape[1]} maps, the "
                              f"instance has {instance.num_robots} on {instance.grid.shape[0]} x {instance.grid.shape[1]}")

    def finish(self, obs: dict, info: dict) -> list[list[list[int]]]:
        return _plan(obs, info)
