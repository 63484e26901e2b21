"""Environments: routing and planning problems as Gymnasium MDPs over batched numpy kernels.

Everything a user needs to build, load, play and judge instances::

    from routing_gym.envs import TSPInstance, TSPGenerator, evaluate, load_instance
"""

from __future__ import annotations

from typing import Any

from routing_gym.envs.cvrp.env import CVRPEnv, CVRPVectorEnv
from routing_gym.envs.cvrp.generator import CVRPGenerator, default_capacity
from routing_gym.envs.cvrp.kernel import CVRPKernel
from routing_gym.envs.cvrp.types import CVRPInstance, evaluate_cvrp
from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.io import SolutionFile, load_instance, read_solution
from routing_gym.envs.registration import env_ids, register_envs
from routing_gym.envs.replay import Replay, replay
from routing_gym.envs.tsp.env import TSPEnv, TSPVectorEnv
from routing_gym.envs.tsp.generator import TSPGenerator
from routing_gym.envs.tsp.kernel import TSPKernel
from routing_gym.envs.tsp.types import TSPInstance, evaluate_tsp
from routing_gym.errors import InstanceError, InvalidActionError


def evaluate(instance: Any, solution: Any) -> Evaluation:
    """Cost and feasibility of ``solution`` for ``instance``, by the evaluate of the instance's problem.

    :raises UnknownProblemError: when no registered problem takes this instance type.
    """
    from routing_gym.registry import problem_of

    return problem_of(instance).evaluate(instance, solution)


__all__ = [
    "CVRPEnv", "CVRPGenerator", "CVRPInstance", "CVRPKernel", "CVRPVectorEnv", "Evaluation",
    "InstanceError", "InvalidActionError", "SolutionFile", "TSPEnv", "TSPGenerator", "TSPInstance", "TSPKernel",
    "TSPVectorEnv", "default_capacity", "evaluate", "evaluate_cvrp", "evaluate_tsp", "load_instance",
    "env_ids", "read_solution", "register_envs", "Replay", "replay",
]
