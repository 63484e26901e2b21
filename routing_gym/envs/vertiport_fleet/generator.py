"""Random eVTOL days: vertiports in a square, peaked Poisson demand, delays, weather and failures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing_gym.envs.validation import check_int_arg, check_real_arg
from routing_gym.envs.vertiport_fleet.types import VertiportInstance
from routing_gym.errors import ConfigError, InstanceError

#: the generator keywords of the small preset (tests, warm-up): 4 vertiports, 6 aircraft, 2 hours
SMALL = {"num_vertiports": 4, "num_aircraft": 6, "horizon_hours": 2.0, "area_km": 30.0, "parking": 4, "chargers": 2,
         "day_start_hour": 7.0, "demand_per_hour": 30.0}


def _real(value: Any, field: str, low: float, strict: bool = False, high: float | None = None) -> float:
    """A finite number parameter (:func:`check_real_arg`), its error a :class:`ConfigError`."""
    try:
        return check_real_arg(value, field, low, strict=strict, high=high)
    except InstanceError as exc:
        raise ConfigError(str(exc)) from None


def _int(value: Any, field: str, low: int) -> int:
    """An integer parameter (:func:`check_int_arg`), its error a :class:`ConfigError`."""
    try:
        return check_int_arg(value, field, low)
    except InstanceError as exc:
        raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class VertiportGenerator:
    """Days of an eVTOL network (defaults: 8 vertiports, 40 aircraft, a 12-hour day in 5-minute steps).

    Vertiports lie uniformly in an ``area_km`` square; half of them (rounded down) are
    residential, the rest business. Passengers arrive per origin-destination and step as Poisson
    counts with mean ``demand_per_hour`` (network-wide, off-peak) split by a gravity weight of
    each vertiport (log-normal), times a peak profile: Gaussian bumps of height
    ``peak_factor - 1`` and width ``peak_width_hours`` at ``morning_peak_hour`` (residential ->
    business at full height, other routes at a third) and ``evening_peak_hour`` (business ->
    residential). Fares are ``base_fare + fare_per_km * km``.

    A take-off from a vertiport at a step is delayed with probability ``delay_prob`` by 1 to
    ``max_delay_steps`` steps. Each route (both directions) follows a two-state weather Markov
    chain over bins of ``weather_bin_minutes``: open -> closed with probability ``closure_rate``,
    closed -> open with ``reopen_rate`` (starting from its stationary law). Each aircraft fails
    at ``failure_rate`` per hour and is repaired after ``repair_hours`` on average (a Markov
    chain per step, starting up). Aircraft start at random parking places with a charge uniform
    in ``[initial_soc, 1]`` of the battery. The battery holds ``battery_kwh`` and flies
    ``range_km`` when full (``kwh_per_km = battery_kwh / range_km``); ``reserve`` of it must stay
    after every flight; a charger adds ``charging_power_kw`` for a step.

    :raises ConfigError: for impossible parameters, naming the parameter (e.g. more aircraft than
        parking places, a zero range, more chargers than parking places).
    """

    num_vertiports: int = 8
    num_aircraft: int = 40
    area_km: float = 60.0
    seats: int = 4
    battery_kwh: float = 160.0
    range_km: float = 150.0
    reserve: float = 0.1
    cruise_speed_kmh: float = 180.0
    charging_power_kw: float = 150.0
    parking: int = 8
    chargers: int = 4
    horizon_hours: float = 12.0
    step_minutes: float = 5.0
    day_start_hour: float = 6.0
    morning_peak_hour: float = 8.0
    evening_peak_hour: float = 17.0
    peak_width_hours: float = 1.0
    peak_factor: float = 3.0
    demand_per_hour: float = 120.0
    base_fare: float = 20.0
    fare_per_km: float = 2.5
    energy_price: float = 0.3
    operating_cost_per_km: float = 1.5
    max_wait_minutes: float = 30.0
    delay_prob: float = 0.05
    max_delay_steps: int = 3
    closure_rate: float = 0.03
    reopen_rate: float = 0.5
    weather_bin_minutes: float = 30.0
    failure_rate: float = 0.01
    repair_hours: float = 1.0
    initial_soc: float = 0.6

    def __post_init__(self) -> None:
        v = _int(self.num_vertiports, "num_vertiports", 2)
        a = _int(self.num_aircraft, "num_aircraft", 1)
        for name in ("seats", "parking"):
            _int(getattr(self, name), name, 1)
        for name in ("chargers", "max_delay_steps"):
            _int(getattr(self, name), name, 0)
        for name in ("area_km", "battery_kwh", "range_km", "cruise_speed_kmh", "step_minutes", "horizon_hours",
                     "peak_width_hours", "weather_bin_minutes", "repair_hours"):
            _real(getattr(self, name), name, 0.0, strict=True)
        for name in ("charging_power_kw", "demand_per_hour", "base_fare", "fare_per_km", "energy_price",
                     "operating_cost_per_km", "max_wait_minutes", "failure_rate", "day_start_hour",
                     "morning_peak_hour", "evening_peak_hour"):
            _real(getattr(self, name), name, 0.0)
        _real(self.peak_factor, "peak_factor", 1.0)
        _real(self.reserve, "reserve", 0.0, high=0.99)
        for name in ("delay_prob", "closure_rate", "reopen_rate", "initial_soc"):
            _real(getattr(self, name), name, 0.0, high=1.0)
        if a > v * self.parking:
            raise ConfigError(f"num_aircraft: {a} aircraft do not fit in {v} vertiports x {self.parking} parking places")
        if self.chargers > self.parking:
            raise ConfigError(f"chargers: {self.chargers} chargers per vertiport exceed its {self.parking} parking places")
        if self.horizon_steps < 1:
            raise ConfigError(f"horizon_hours: {self.horizon_hours:g} h is shorter than one step of "
                              f"{self.step_minutes:g} minutes")
        if self.closure_rate > 0 and self.reopen_rate == 0:
            raise ConfigError("reopen_rate: 0 with closure_rate > 0 would close every route for good")

    @property
    def horizon_steps(self) -> int:
        """Steps in the day: ``round(horizon_hours * 60 / step_minutes)``."""
        return int(round(self.horizon_hours * 60.0 / self.step_minutes))

    @property
    def step_hours(self) -> float:
        return self.step_minutes / 60.0

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` days in the kernel's layout (see ``VertiportKernel.stack``)."""
        b, v, a, t = int(size), int(self.num_vertiports), int(self.num_aircraft), self.horizon_steps
        coords = rng.uniform(0.0, self.area_km, (b, v, 2))
        dist = np.sqrt(((coords[:, :, None, :] - coords[:, None, :, :]) ** 2).sum(-1))
        steps = np.maximum(1, np.ceil(dist / (self.cruise_speed_kmh * self.step_hours) - 1e-9)).astype(np.int64)
        steps[:, np.arange(v), np.arange(v)] = 0
        fares = np.where(np.eye(v, dtype=bool), 0.0, self.base_fare + self.fare_per_km * dist)
        rate = self._demand_rate(rng, b, v, t)
        out = {
            "coords": coords, "distances": dist, "flight_steps": steps,
            "parking": np.full((b, v), int(self.parking), np.int64), "chargers": np.full((b, v), int(self.chargers), np.int64),
            "fares": fares, "demand_rate": rate, "demand": rng.poisson(rate).astype(np.int64),
            "takeoff_delay": self._delays(rng, b, t, v), "closed": self._closures(rng, b, t, v),
            "down": self._downtime(rng, b, t, a),
            "start": np.stack([rng.permutation(np.repeat(np.arange(v), self.parking))[:a] for _ in range(b)]),
            "soc0": self.battery_kwh * rng.uniform(self.initial_soc, 1.0, (b, a)),
            "seats": np.full((b, a), int(self.seats), np.int64),
            "num_aircraft": np.full(b, a, np.int64), "horizon": np.full(b, t, np.int64),
        }
        scalars = {"step_minutes": self.step_minutes, "battery_kwh": self.battery_kwh,
                   "reserve_kwh": self.reserve * self.battery_kwh, "kwh_per_km": self.battery_kwh / self.range_km,
                   "charge_kwh": self.charging_power_kw * self.step_hours, "energy_price": self.energy_price,
                   "operating_cost_per_km": self.operating_cost_per_km,
                   "max_wait": float(int(round(self.max_wait_minutes / self.step_minutes)))}
        out.update({k: np.full(b, float(val)) for k, val in scalars.items()})
        out["max_wait"] = out["max_wait"].astype(np.int64)
        return out

    def peak_profile(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Morning and evening bumps (height 1) at the middle of each of ``t`` steps."""
        hours = self.day_start_hour + (np.arange(t) + 0.5) * self.step_hours
        bump = lambda at: np.exp(-0.5 * ((hours - at) / self.peak_width_hours) ** 2)  # noqa: E731
        return bump(self.morning_peak_hour), bump(self.evening_peak_hour)

    def _demand_rate(self, rng: np.random.Generator, b: int, v: int, t: int) -> np.ndarray:
        weight = rng.lognormal(0.0, 0.5, (b, v))
        business = np.zeros((b, v), dtype=bool)
        business[:, v // 2:] = True
        business = np.take_along_axis(business, rng.permuted(np.tile(np.arange(v), (b, 1)), axis=1), axis=1)
        gravity = weight[:, :, None] * weight[:, None, :] * ~np.eye(v, dtype=bool)
        gravity = gravity / gravity.sum(axis=(1, 2), keepdims=True)
        to_work = ~business[:, :, None] & business[:, None, :]
        to_home = business[:, :, None] & ~business[:, None, :]
        morning, evening = self.peak_profile(t)
        lift = self.peak_factor - 1.0
        shape = 1.0 + lift * (morning[None, :, None, None] * np.where(to_work, 1.0, 1 / 3)[:, None]
                              + evening[None, :, None, None] * np.where(to_home, 1.0, 1 / 3)[:, None])
        return self.demand_per_hour * self.step_hours * gravity[:, None] * shape

    def _delays(self, rng: np.random.Generator, b: int, t: int, v: int) -> np.ndarray:
        delayed = rng.random((b, t, v)) < self.delay_prob
        return np.where(delayed, rng.integers(1, max(1, self.max_delay_steps) + 1, (b, t, v)), 0) * (self.max_delay_steps > 0)

    def _closures(self, rng: np.random.Generator, b: int, t: int, v: int) -> np.ndarray:
        """Per undirected route, a two-state chain over weather bins, expanded to steps."""
        per_bin = max(1, int(round(self.weather_bin_minutes / self.step_minutes)))
        bins = -(-t // per_bin)
        p, q = self.closure_rate, self.reopen_rate
        state = rng.random((b, v, v)) < (p / (p + q) if p > 0 else 0.0)
        chain = np.zeros((b, bins, v, v), dtype=bool)
        for k in range(bins):
            chain[:, k] = state
            u = rng.random((b, v, v))
            state = np.where(state, u >= q, u < p)
        upper = np.triu(chain, 1)
        sym = upper | np.swapaxes(upper, 2, 3)
        return np.repeat(sym, per_bin, axis=1)[:, :t]

    def _downtime(self, rng: np.random.Generator, b: int, t: int, a: int) -> np.ndarray:
        fail = 1.0 - math.exp(-self.failure_rate * self.step_hours)
        repair = 1.0 - math.exp(-self.step_hours / self.repair_hours)
        down = np.zeros((b, t, a), dtype=bool)
        state = np.zeros((b, a), dtype=bool)
        for k in range(t):
            u = rng.random((b, a))
            state = np.where(state, u >= repair, u < fail)
            down[:, k] = state
        return down

    def __call__(self, rng: np.random.Generator) -> VertiportInstance:
        from routing_gym.envs.vertiport_fleet.layout import make_instance

        return make_instance(self.sample(rng, 1), 0)
