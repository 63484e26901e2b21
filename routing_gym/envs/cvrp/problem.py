"""The CVRP's declaration in the problem registry."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from routing_gym.envs.cvrp import viewer
from routing_gym.envs.cvrp.generator import CVRPGenerator
from routing_gym.envs.cvrp.io import load_cvrplib
from routing_gym.envs.cvrp.kernel import CVRPKernel
from routing_gym.envs.cvrp.types import CVRPInstance, evaluate_cvrp
from routing_gym.envs.io import tsplib_sniffer
from routing_gym.registry import EnvEntry, FileFormat, Problem


def routes_variant(solution: Sequence[Sequence[int]], rng: np.random.Generator) -> list[list[int]]:
    """The same routes in a random order, each in a random direction (same cost for symmetric distances)."""
    routes = [[int(x) for x in r] for r in solution if len(r)]
    routes = [routes[i] for i in rng.permutation(len(routes))]
    return [r[::-1] if rng.random() < 0.5 else r for r in routes]


PROBLEM = Problem(
    name="cvrp",
    title="capacitated vehicle routing",
    instance_type=CVRPInstance,
    generator_type=CVRPGenerator,
    kernel_type=CVRPKernel,
    evaluate=evaluate_cvrp,
    envs=(EnvEntry("routing_gym/CVRP-v0", "routing_gym.envs.cvrp.env:CVRPEnv", "routing_gym.envs.cvrp.env:CVRPVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("cvrplib", (".vrp",), tsplib_sniffer("CVRP"), load_cvrplib),),
    solution_format="routes: a list of routes, each a list of customer indices (1..n) without the depot",
    solution_variant=routes_variant,
    reference_solvers=("hgs:time_limit=1", "ortools:time_limit=1"),
    label_solvers=("hgs:time_limit=1", "ortools:time_limit=1"),
    pretrained=((20, "cvrp20"),),
    baselines="routing_gym.baselines.cvrp",
)
