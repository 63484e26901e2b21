"""The prize-collecting TSP's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.pctsp import viewer
from routing_gym.envs.pctsp.generator import PCTSPGenerator
from routing_gym.envs.pctsp.kernel import PCTSPKernel
from routing_gym.envs.pctsp.types import PCTSPInstance, evaluate_pctsp
from routing_gym.envs.prize_tour import tour_variant
from routing_gym.registry import EnvEntry, Problem

PROBLEM = Problem(
    name="pctsp",
    title="prize-collecting TSP (minimum prize, penalties for nodes left out)",
    instance_type=PCTSPInstance,
    generator_type=PCTSPGenerator,
    kernel_type=PCTSPKernel,
    evaluate=evaluate_pctsp,
    envs=(EnvEntry("routing_gym/PCTSP-v0", "routing_gym.envs.pctsp.env:PCTSPEnv",
                   "routing_gym.envs.pctsp.env:PCTSPVectorEnv"),),
    viewer=viewer,
    solution_format="a tour: the visited nodes (1..n, each at most once) in order, the depot 0 implied at both ends",
    solution_variant=tour_variant,
    reference_solvers=("hgs:time_limit=1", "ortools:time_limit=1"),
    label_solvers=("ils:time_limit=none:iterations=100", "hgs:time_limit=1"),
    baselines="routing_gym.baselines.pctsp",
    agents="routing_gym.agents.prize_tour",
)
