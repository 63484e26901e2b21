"""The PDP's declaration in the problem registry."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from routing_gym.envs.pdp import viewer
from routing_gym.envs.pdp.generator import PDPGenerator
from routing_gym.envs.pdp.io import load_lilim, looks_like_lilim
from routing_gym.envs.pdp.kernel import PDPKernel
from routing_gym.envs.pdp.types import PDPInstance, evaluate_pdp
from routing_gym.registry import EnvEntry, FileFormat, Problem


def routes_variant(solution: Sequence[Sequence[int]], rng: np.random.Generator) -> list[list[int]]:
    """The same routes in a random order (a route keeps its direction: pickups precede deliveries)."""
    routes = [[int(x) for x in r] for r in solution if len(r)]
    return [routes[i] for i in rng.permutation(len(routes))]


PROBLEM = Problem(
    name="pdp",
    title="pickup and delivery (capacity, optional time windows: PDPTW)",
    instance_type=PDPInstance,
    generator_type=PDPGenerator,
    kernel_type=PDPKernel,
    evaluate=evaluate_pdp,
    envs=(EnvEntry("routing_gym/PDP-v0", "routing_gym.envs.pdp.env:PDPEnv", "routing_gym.envs.pdp.env:PDPVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("lilim", (".txt",), looks_like_lilim, load_lilim),),
    solution_format="routes: a list of routes, each a list of node indices (1..n) without the depot, in visiting "
                    "order; each pair's pickup before its delivery on the same route",
    solution_variant=routes_variant,
    tiny_kwargs={"num_pairs": 4},
    reference_solvers=("ils:time_limit=1", "ortools:time_limit=1"),
    label_solvers=("ils:time_limit=0.1", "ortools:time_limit=1"),
    baselines="routing_gym.baselines.pdp",
    agents="routing_gym.agents.pdp",
)
