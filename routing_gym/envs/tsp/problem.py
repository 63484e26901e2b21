"""The TSP's declaration in the problem registry."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from routing_gym.envs.io import tsplib_sniffer
from routing_gym.envs.tsp import viewer
from routing_gym.envs.tsp.generator import TSPGenerator
from routing_gym.envs.tsp.io import load_tsplib
from routing_gym.envs.tsp.kernel import TSPKernel
from routing_gym.envs.tsp.types import TSPInstance, evaluate_tsp
from routing_gym.registry import EnvEntry, FileFormat, Problem


def tour_variant(solution: Sequence[int], rng: np.random.Generator) -> list[int]:
    """The same cycle from a random start, in a random direction."""
    tour = [int(x) for x in solution]
    k = int(rng.integers(len(tour)))
    tour = tour[k:] + tour[:k]
    return tour[::-1] if rng.random() < 0.5 else tour


PROBLEM = Problem(
    name="tsp",
    title="travelling salesman",
    instance_type=TSPInstance,
    generator_type=TSPGenerator,
    kernel_type=TSPKernel,
    evaluate=evaluate_tsp,
    envs=(EnvEntry("routing_gym/TSP-v0", "routing_gym.envs.tsp.env:TSPEnv", "routing_gym.envs.tsp.env:TSPVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("tsplib", (".tsp",), tsplib_sniffer("TSP"), load_tsplib),),
    solution_format="a tour: every node index once, in visiting order",
    solution_variant=tour_variant,
    reference_solvers=("lkh", "ortools:time_limit=1"),
    label_solvers=("lkh", "ortools:time_limit=1"),
    pretrained=((20, "tsp20"), (50, "tsp50")),
    baselines="routing_gym.baselines.tsp",
)
