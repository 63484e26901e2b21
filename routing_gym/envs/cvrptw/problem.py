"""The CVRPTW's declaration in the problem registry."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from routing_gym.envs.cvrptw import viewer
from routing_gym.envs.cvrptw.generator import CVRPTWGenerator
from routing_gym.envs.cvrptw.io import load_solomon, looks_like_solomon
from routing_gym.envs.cvrptw.kernel import CVRPTWKernel
from routing_gym.envs.cvrptw.types import CVRPTWInstance, evaluate_cvrptw
from routing_gym.registry import EnvEntry, FileFormat, Problem


def routes_variant(solution: Sequence[Sequence[int]], rng: np.random.Generator) -> list[list[int]]:
    """The same routes in a random order (each route keeps its direction: time windows are not symmetric)."""
    routes = [[int(x) for x in r] for r in solution if len(r)]
    return [routes[i] for i in rng.permutation(len(routes))]


PROBLEM = Problem(
    name="cvrptw",
    title="capacitated vehicle routing with time windows",
    instance_type=CVRPTWInstance,
    generator_type=CVRPTWGenerator,
    kernel_type=CVRPTWKernel,
    evaluate=evaluate_cvrptw,
    envs=(EnvEntry("routing_gym/CVRPTW-v0", "routing_gym.envs.cvrptw.env:CVRPTWEnv",
                   "routing_gym.envs.cvrptw.env:CVRPTWVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("solomon", (".txt",), looks_like_solomon, load_solomon),),
    solution_format="routes: a list of routes, each a list of customer indices (1..n) without the depot, "
                    "in visiting order; each route leaves the depot at its opening time",
    solution_variant=routes_variant,
    baselines="routing_gym.baselines.cvrptw",
    reference_solvers=("hgs:time_limit=1", "ortools:time_limit=1"),
    label_solvers=("hgs:time_limit=1", "ortools:time_limit=1"),
    pretrained=((20, "cvrptw20"),),
)
