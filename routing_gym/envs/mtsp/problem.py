"""The mTSP's declaration in the problem registry."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from routing_gym.envs.mtsp import viewer
from routing_gym.envs.mtsp.generator import MTSPGenerator
from routing_gym.envs.mtsp.kernel import MTSPKernel
from routing_gym.envs.mtsp.types import MTSPInstance, evaluate_mtsp
from routing_gym.registry import EnvEntry, Problem


def routes_variant(solution: Sequence[Sequence[int]], rng: np.random.Generator) -> list[list[int]]:
    """The same routes in a random vehicle order, each in a random direction (same cost for symmetric distances)."""
    routes = [[int(x) for x in r] for r in solution]
    routes = [routes[i] for i in rng.permutation(len(routes))]
    return [r[::-1] if rng.random() < 0.5 else r for r in routes]


PROBLEM = Problem(
    name="mtsp",
    title="multiple travelling salesmen (total or min-max length)",
    instance_type=MTSPInstance,
    generator_type=MTSPGenerator,
    kernel_type=MTSPKernel,
    evaluate=evaluate_mtsp,
    envs=(EnvEntry("routing_gym/MTSP-v0", "routing_gym.envs.mtsp.env:MTSPEnv", "routing_gym.envs.mtsp.env:MTSPVectorEnv"),),
    viewer=viewer,
    solution_format="routes: exactly m routes (one per vehicle), each a non-empty list of city indices (1..n) "
                    "without the depot, in visiting order",
    solution_variant=routes_variant,
    tiny_kwargs={"num_nodes": 8, "num_vehicles": 2},
    # the suite's ILS is the strongest mTSP solver here (benchmarks/mtsp.py): on par with HGS on the sum
    # objective, far ahead of OR-Tools on min-max at equal time
    reference_solvers=("ils:time_limit=1", "ortools:time_limit=1"),
    label_solvers=("ils:time_limit=0.1", "ortools:time_limit=1"),
    baselines="routing_gym.baselines.mtsp",
    agents="routing_gym.agents.mtsp",
)
