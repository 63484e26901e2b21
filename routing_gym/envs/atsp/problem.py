"""The ATSP's declaration in the problem registry."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from routing_gym.envs.atsp import viewer
from routing_gym.envs.atsp.generator import ATSPGenerator
from routing_gym.envs.atsp.io import load_atsplib
from routing_gym.envs.atsp.kernel import ATSPKernel
from routing_gym.envs.atsp.types import ATSPInstance, evaluate_atsp
from routing_gym.envs.io import tsplib_sniffer
from routing_gym.registry import EnvEntry, FileFormat, Problem


def tour_rotation(solution: Sequence[int], rng: np.random.Generator) -> list[int]:
    """The same directed cycle from a random start (never reversed: costs are asymmetric)."""
    tour = [int(x) for x in solution]
    k = int(rng.integers(len(tour)))
    return tour[k:] + tour[:k]


PROBLEM = Problem(
    name="atsp",
    title="asymmetric travelling salesman",
    instance_type=ATSPInstance,
    generator_type=ATSPGenerator,
    kernel_type=ATSPKernel,
    evaluate=evaluate_atsp,
    envs=(EnvEntry("routing_gym/ATSP-v0", "routing_gym.envs.atsp.env:ATSPEnv", "routing_gym.envs.atsp.env:ATSPVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("tsplib-atsp", (".atsp",), tsplib_sniffer("ATSP"), load_atsplib),),
    solution_format="a directed tour: every node index once, in visiting order (the arc back to the first is implied)",
    solution_variant=tour_rotation,
    reference_solvers=("lkh", "ortools:time_limit=1"),
    label_solvers=("lkh", "ortools:time_limit=1"),
    baselines="routing_gym.baselines.atsp",
    agents="routing_gym.agents.atsp",
)
