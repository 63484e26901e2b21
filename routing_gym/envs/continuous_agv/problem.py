"""The continuous AGV problem's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.continuous_agv import viewer
from routing_gym.envs.continuous_agv.generator import FloorGenerator
from routing_gym.envs.continuous_agv.kernel import ContinuousAGVKernel
from routing_gym.envs.continuous_agv.types import (ContinuousAGVInstance, evaluate_continuous_agv,
                                                   metrics_continuous_agv)
from routing_gym.registry import EnvEntry, Problem

_ENV = "routing_gym.envs.continuous_agv.env"

#: the small floor of the tests and of solver warm-up
TINY = {"width": 6.0, "height": 5.0, "shelf_rows": 1, "shelf_cols": 1, "shelf_length": 2.0, "shelf_depth": 0.6,
        "num_obstacles": 1, "obstacle_size": 0.6, "max_steps": 300, "num_rays": 8}

PROBLEM = Problem(
    name="continuous_agv",
    title="one robot with unicycle kinematics to a static or moving target on a warehouse floor (sparse reward)",
    instance_type=ContinuousAGVInstance,
    generator_type=FloorGenerator,
    kernel_type=ContinuousAGVKernel,
    evaluate=evaluate_continuous_agv,
    envs=(EnvEntry("routing_gym/ContinuousAGV-v0", f"{_ENV}:ContinuousAGVEnv", f"{_ENV}:ContinuousAGVVectorEnv"),),
    viewer=viewer,
    solution_format="the actions played, [[a_linear, a_angular], ...] in [-1, 1] (times v_max and w_max), one per "
                    "step until the robot reaches the target, collides or hits max_steps",
    tiny_kwargs=TINY,
    reference_solvers=("pure-pursuit",),
    baselines="routing_gym.baselines.continuous_agv",
    metrics=metrics_continuous_agv,
)
