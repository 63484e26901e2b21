"""The ride-hailing solvers and hooks (see :mod:`routing_gym.baselines.ride_hailing`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.greedy import GreedySolver
from routing_gym.baselines.query_router.rules import RandomRouter
from routing_gym.baselines.ride_hailing.dispatch import TickMatcher, expected_fare, nearest_choice, play, random_choice
from routing_gym.baselines.ride_hailing.value import ValueTable, fit_table, value_reposition, value_weights
from routing_gym.envs.ride_hailing.generator import RideHailingGenerator
from routing_gym.envs.ride_hailing.types import RideHailingInstance
from routing_gym.errors import InstanceError, SolverError

#: first entry of the seed sequence of training days (test days use ``[seed, i]``: never the same stream)
TRAIN_TAG = 7919


@RandomRouter.for_problem("ride_hailing")
def random_ride_hailing(solver: Solver, instance: RideHailingInstance) -> dict:
    """``random``: a uniformly random admitted action at every decision (seeded by ``seed``)."""
    return play(instance, random_choice(np.random.default_rng(solver.seed)))


@GreedySolver.for_problem("ride_hailing")
def greedy_ride_hailing(solver: Solver, instance: RideHailingInstance) -> dict:
    """``greedy``: each order, as offered, to the nearest idle driver; no repositioning."""
    return play(instance, nearest_choice)


@register_solver("matching")
class MatchingSolver(Solver):
    """Per-tick maximum-weight matching of open orders to idle drivers (expected fare; OR-Tools min-cost flow)."""

    problems = ("ride_hailing",)

    def solve(self, instance: RideHailingInstance) -> dict:
        return play(instance, TickMatcher(expected_fare))


def training_days(instance: RideHailingInstance, count: int, seed: int, scenario: Any,
                  generator_kwargs: dict[str, Any]) -> list[RideHailingInstance]:
    """``count`` days like ``instance`` but never it: from the scenario file (other sampling seeds), or
    from the generator with the instance's city, clock and fleet size and ``generator_kwargs``."""
    if scenario is not None:
        from routing_gym.envs.ride_hailing.io import load_amod

        return [load_amod(scenario, seed=TRAIN_TAG + 1000 * seed + k) for k in range(count)]
    structure = {"num_cells": instance.num_cells, "num_ticks": instance.num_ticks,
                 "tick_minutes": instance.tick_minutes, "start_hour": instance.start_hour,
                 "num_drivers": instance.num_drivers, "max_pickup": instance.max_pickup,
                 "cancel_rate": instance.cancel_rate, "cancel_grace": instance.cancel_grace,
                 "reposition_period": instance.reposition_period, "reposition_cost": instance.reposition_cost}
    gen = RideHailingGenerator(**{**structure, **generator_kwargs})
    return [gen(np.random.default_rng([TRAIN_TAG, seed, k])) for k in range(count)]


@register_solver("value-matching")
class ValueMatchingSolver(Solver):
    """Per-tick matching with weights corrected by a tabular value of (time bin, cell) learned by TD.

    The table is fitted on ``train_days`` training days (never the day solved): from ``scenario`` (an
    amod-macro file, days resampled with other seeds) when given, else from
    :class:`RideHailingGenerator` with the instance's city, clock and fleet and the spec's other
    generator keywords (e.g. ``orders_per_day=900``). Tables are cached per training set, so the
    first day solved pays the fitting.

    :param train_days: training days.
    :param rounds: policy-iteration rounds (round 1 plays plain matching, later rounds the current table).
    :param bin_minutes: width of a time bin of the table.
    :param gamma_per_hour: discount per hour of driver time.
    :param reposition: move idle drivers by the table (else never).
    :param skip: leave an order open when its advantage is negative (else serve as many as possible).
    :param value_scale: weight of the value terms against the fares (0: plain ``matching``).
    :param scenario: an amod-macro scenario file to draw training days from.
    """

    problems = ("ride_hailing",)
    _tables: dict[Any, ValueTable] = {}

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, train_days: int = 8, rounds: int = 2,
                 bin_minutes: float = 60.0, gamma_per_hour: float = 0.9, reposition: bool = True,
                 skip: bool = False, value_scale: float = 1.0, scenario: Any = None, **generator_kwargs: Any) -> None:
        super().__init__(time_limit, seed)
        for name, value in (("train_days", train_days), ("rounds", rounds)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SolverError(f"value-matching: {name} must be an integer >= 1, got {value!r}")
        for name, value in (("bin_minutes", bin_minutes), ("gamma_per_hour", gamma_per_hour)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise SolverError(f"value-matching: {name} must be a number > 0, got {value!r}")
        if gamma_per_hour > 1:
            raise SolverError(f"value-matching: gamma_per_hour must be <= 1, got {gamma_per_hour!r}")
        try:
            RideHailingGenerator(**generator_kwargs)
        except (TypeError, InstanceError) as exc:
            raise SolverError(f"value-matching: bad generator keyword: {exc}") from None
        self.train_days, self.rounds, self.reposition, self.skip = train_days, rounds, bool(reposition), bool(skip)
        self.bin_minutes, self.gamma_per_hour = float(bin_minutes), float(gamma_per_hour)
        if isinstance(value_scale, bool) or not isinstance(value_scale, (int, float)) or not 0 <= value_scale < float("inf"):
            raise SolverError(f"value-matching: value_scale must be a number >= 0, got {value_scale!r}")
        self.value_scale = float(value_scale)
        self.scenario, self.generator_kwargs = scenario, generator_kwargs

    def table(self, instance: RideHailingInstance) -> ValueTable:
        """The fitted table for days like ``instance`` (cached)."""
        key = (self.scenario, tuple(sorted(self.generator_kwargs.items())), self.seed, self.train_days,
               self.rounds, self.bin_minutes, self.gamma_per_hour, self.reposition, self.skip, instance.num_cells,
               instance.num_ticks, instance.tick_minutes, instance.num_drivers, instance.max_pickup)
        if key not in self._tables:
            days = training_days(instance, self.train_days, self.seed, self.scenario, self.generator_kwargs)
            bin_ticks = max(1, int(round(self.bin_minutes / instance.tick_minutes)))
            gamma = self.gamma_per_hour ** (instance.tick_minutes / 60.0)
            table = None
            for _ in range(self.rounds):
                played = [(d, play(d, self.policy(table))) for d in days]
                table = fit_table(played, instance.num_cells, instance.num_ticks, bin_ticks, gamma)
            self._tables[key] = table
        return self._tables[key]

    def policy(self, table: ValueTable | None) -> TickMatcher:
        if table is None:
            return TickMatcher(expected_fare)
        return TickMatcher(value_weights(table, self.skip, self.value_scale), value_reposition(table) if self.reposition else None)

    def solve(self, instance: RideHailingInstance) -> dict:
        return play(instance, self.policy(self.table(instance)))
