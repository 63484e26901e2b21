"""The ride-hailing problem's declaration in the problem registry."""

from __future__ import annotations

from routing_gym.envs.ride_hailing import io, viewer
from routing_gym.envs.ride_hailing.generator import RideHailingGenerator
from routing_gym.envs.ride_hailing.kernel import RideHailingKernel
from routing_gym.envs.ride_hailing.types import RideHailingInstance, day_metrics, evaluate_ride_hailing
from routing_gym.registry import EnvEntry, FileFormat, Problem

_ENV = "routing_gym.envs.ride_hailing.env"

PROBLEM = Problem(
    name="ride_hailing",
    title="ride-hailing order dispatch and driver repositioning over a day (KDD Cup 2020 style)",
    instance_type=RideHailingInstance,
    generator_type=RideHailingGenerator,
    kernel_type=RideHailingKernel,
    evaluate=evaluate_ride_hailing,
    envs=(EnvEntry("routing_gym/RideHailing-v0", f"{_ENV}:RideHailingEnv", f"{_ENV}:RideHailingVectorEnv"),),
    viewer=viewer,
    formats=(FileFormat("amod-macro", (".json",), io.sniff_amod, io.load_amod),
             FileFormat("trip-table", (".csv",), io.sniff_trips, io.load_trips)),
    solution_format='{"matches": [[order, from_cell, tick], ...], "moves": [[from_cell, to_cell, tick], ...]}: '
                    "each served by / moving the lowest-index idle driver of from_cell",
    tiny_kwargs={"num_cells": 4, "num_drivers": 3, "num_ticks": 12, "tick_minutes": 120.0, "orders_per_day": 14.0,
                 "minutes_per_cell": 60.0, "window": 1, "max_pickup": 1, "reposition_period": 3},
    reference_solvers=("matching",),
    sense="max",
    baselines="routing_gym.baselines.ride_hailing",
    agents="routing_gym.agents.ride_hailing",
    metrics=day_metrics,
)
