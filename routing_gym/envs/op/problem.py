"""Orienteering's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.op import viewer
from routing_gym.envs.op.generator import OPGenerator
from routing_gym.envs.op.io import load_oplib, looks_like_oplib
from routing_gym.envs.op.kernel import OPKernel
from routing_gym.envs.op.types import OPInstance, evaluate_op
from routing_gym.envs.prize_tour import tour_variant
from routing_gym.registry import EnvEntry, FileFormat, Problem

PROBLEM = Problem(
    name="op",
    title="orienteering (tour-length limit, maximise the prize)",
    instance_type=OPInstance,
    generator_type=OPGenerator,
    kernel_type=OPKernel,
    evaluate=evaluate_op,
    envs=(EnvEntry("routing_gym/OP-v0", "routing_gym.envs.op.env:OPEnv", "routing_gym.envs.op.env:OPVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("oplib", (".oplib",), looks_like_oplib, load_oplib),),
    solution_format="a tour: the visited nodes (1..n, each at most once) in order, the depot 0 implied at both ends",
    solution_variant=tour_variant,
    reference_solvers=("hgs:time_limit=1", "ortools:time_limit=1"),
    label_solvers=("ils:time_limit=none:iterations=100", "hgs:time_limit=1"),
    sense="max",
    baselines="routing_gym.baselines.op",
    agents="routing_gym.agents.prize_tour",
)
