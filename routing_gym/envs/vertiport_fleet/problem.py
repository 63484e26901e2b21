"""The vertiport fleet's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.vertiport_fleet import viewer
from routing_gym.envs.vertiport_fleet.generator import SMALL, VertiportGenerator
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel
from routing_gym.envs.vertiport_fleet.types import VertiportInstance, day_figures, evaluate_vertiport_fleet
from routing_gym.registry import EnvEntry, Problem

PROBLEM = Problem(
    name="vertiport_fleet",
    title="eVTOL fleet scheduling between vertiports over a day (event-driven semi-MDP)",
    instance_type=VertiportInstance,
    generator_type=VertiportGenerator,
    kernel_type=VertiportKernel,
    evaluate=evaluate_vertiport_fleet,
    envs=(EnvEntry("routing_gym/VertiportFleet-v0", "routing_gym.envs.vertiport_fleet.env:VertiportFleetEnv",
                   "routing_gym.envs.vertiport_fleet.env:VertiportFleetVectorEnv"),),
    viewer=viewer,
    formats=(),
    solution_format=("the flights flown, a list of [aircraft, time step, destination vertiport] (any order; "
                     "waits are implicit: an aircraft on the ground with no flight at a step waits one step)"),
    tiny_kwargs=dict(SMALL),
    reference_solvers=("greedy",),
    label_solvers=("greedy",),
    sense="max",
    baselines="routing_gym.baselines.vertiport_fleet",
    agents="routing_gym.agents.vertiport_fleet",
    metrics=day_figures,
)
