"""Vertiport fleet instance (one realised day of an eVTOL network) and its evaluation.

Time is counted in steps of ``step_minutes`` (step ``t`` covers ``[t, t + 1)``); the day has
``horizon`` steps. Every random event of the day (passenger arrivals, take-off delays, route
closures, aircraft downtime) is a field of the instance, so a day replays exactly.

The rules of a day (the environment's kernel and :func:`evaluate_vertiport_fleet` each
implement them, independently):

* An aircraft is at (or flying to) vertiport ``loc[a]``; it is on the ground from its ready
  time on (``ready[a] <= t``). At ``t = 0`` every aircraft is on the ground at ``start[a]``
  with ``soc0[a]`` kWh.
* At each step ``t < horizon`` every aircraft on the ground decides, in aircraft order: wait
  one step, or fly to another vertiport ``d``. A flight from ``o`` at ``t`` needs: the aircraft
  up (``not down[t, a]``), the route open (``not closed[t, o, d]``), enough charge
  (``soc - flight_energy[o, d] >= reserve_kwh``), a parking place at ``d`` counting the aircraft
  already there or flying there (``#{b: loc[b] == d} < parking[d]``), and, when it would land
  unable to leave ``d`` again without charging (``soc - flight_energy[o, d] < leave_energy[d]``),
  a charger at ``d`` counting the same aircraft (``#{b: loc[b] == d} < chargers[d]``).
* The flight boards ``min(seats[a], queued)`` passengers of ``o -> d``, oldest first. A
  passenger who arrived at step ``s`` (``demand[s, o, d]`` of them) can board a flight leaving
  at ``t`` with ``s <= t <= s + max_wait``; later she is lost. The flight lands at
  ``ready = t + takeoff_delay[t, o] + flight_steps[o, d]`` with ``flight_energy[o, d]`` kWh less.
* Its profit is ``boarded * fares[o, d] - flight_cost[o, d]`` (energy at ``energy_price`` per kWh
  plus ``operating_cost_per_km`` per km), booked at take-off. Waiting earns nothing.
* After the decisions of step ``t``, the aircraft on the ground at each vertiport ``v``
  (``ready <= t``) that are not full charge, lowest charge first (ties: lower aircraft index),
  ``chargers[v]`` of them at a time: ``soc = min(soc + charge_kwh, battery_kwh)``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from numbers import Real
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.validation import check_finite, check_int_arg, check_real_arg, frozen_array
from routing_gym.errors import InstanceError


def _array(value: Any, field: str, shape: tuple[int | None, ...], refs: tuple[str, ...], kind: str,
           low: float | None = 0.0) -> np.ndarray:
    """A read-only array of ``shape`` (``None``: any length), finite, ``>= low``; ``kind`` ``"f"``, ``"i"`` or ``"b"``.

    :param refs: for each axis, what fixes its length (named in the message, e.g. ``"vertiports of coords"``).
    """
    raw = frozen_array(value, field, np.float64, ndim=len(shape))
    for axis, (want, ref) in enumerate(zip(shape, refs)):
        if want is not None and raw.shape[axis] != want:
            raise InstanceError(f"{field}: expected {want} entries on axis {axis} (one per {ref}), got shape {raw.shape}")
    check_finite(raw, field)
    if kind == "b":
        bad = (raw != 0) & (raw != 1)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InstanceError(f"{field}: value {raw[idx]:g} at {idx} is not 0/1 (false/true)")
        out = raw.astype(bool)
    else:
        if low is not None and (raw < low).any():
            idx = tuple(int(i) for i in np.argwhere(raw < low)[0])
            raise InstanceError(f"{field}: value {raw[idx]:g} at {idx} is below {low:g}")
        if kind == "i":
            frac = raw != np.round(raw)
            if frac.any():
                idx = tuple(int(i) for i in np.argwhere(frac)[0])
                raise InstanceError(f"{field}: non-integer value {raw[idx]:g} at {idx}")
            out = raw.astype(np.int64)
        else:
            out = raw
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class VertiportInstance:
    """One day of an eVTOL network: ``V`` vertiports, ``A`` aircraft, ``T = horizon`` steps.

    Units: km, kWh, money units, steps of ``step_minutes`` minutes. See the module docstring for
    the rules of the day.

    :param coords: ``(V, 2)`` vertiport positions in km (drawing and observations only).
    :param distances: ``(V, V)`` flight distances in km, ``>= 0``.
    :param flight_steps: ``(V, V)`` integer flight times in steps (``>= 1`` off the diagonal).
    :param parking: ``(V,)`` parking places per vertiport (``>= 1``).
    :param chargers: ``(V,)`` chargers per vertiport, ``0 <= chargers <= parking``.
    :param fares: ``(V, V)`` fare per passenger of each route, ``>= 0``.
    :param demand: ``(T, V, V)`` passengers arriving at origin ``o`` for ``d`` in step ``t`` (integers ``>= 0``).
    :param demand_rate: ``(T, V, V)`` the Poisson means ``demand`` was drawn from (the forecast).
    :param takeoff_delay: ``(T, V)`` integer delay in steps of a take-off from ``v`` at step ``t``.
    :param closed: ``(T, V, V)`` whether route ``o -> d`` is closed (weather) for take-offs at ``t``.
    :param down: ``(T, A)`` whether aircraft ``a`` is down (failure, maintenance) at step ``t``.
    :param start: ``(A,)`` vertiport of each aircraft at ``t = 0``.
    :param soc0: ``(A,)`` charge of each aircraft at ``t = 0`` in kWh, ``<= battery_kwh``.
    :param seats: ``(A,)`` passenger seats of each aircraft (``>= 1``).
    :param horizon: ``T``, steps in the day (``>= 1``).
    :param step_minutes: minutes per step (``> 0``; display only).
    :param battery_kwh: battery capacity (``> 0``).
    :param reserve_kwh: charge that must remain after every flight, ``0 <= reserve < battery``.
    :param kwh_per_km: energy per km flown (``> 0``).
    :param charge_kwh: energy a charger adds in one step (``>= 0``).
    :param energy_price: money per kWh flown (``>= 0``).
    :param operating_cost_per_km: money per km flown (``>= 0``).
    :param max_wait: steps a passenger waits before she is lost (``>= 0``).
    :param name: a label.
    """

    coords: np.ndarray
    distances: np.ndarray
    flight_steps: np.ndarray
    parking: np.ndarray
    chargers: np.ndarray
    fares: np.ndarray
    demand: np.ndarray
    demand_rate: np.ndarray
    takeoff_delay: np.ndarray
    closed: np.ndarray
    down: np.ndarray
    start: np.ndarray
    soc0: np.ndarray
    seats: np.ndarray
    horizon: int
    step_minutes: float = 5.0
    battery_kwh: float = 160.0
    reserve_kwh: float = 16.0
    kwh_per_km: float = 1.0
    charge_kwh: float = 12.5
    energy_price: float = 0.3
    operating_cost_per_km: float = 1.5
    max_wait: int = 6
    name: str = ""

    def __post_init__(self) -> None:
        t = check_int_arg(self.horizon, "horizon", 1)
        coords = _array(self.coords, "coords", (None, 2), ("vertiport", "coordinate (x, y)"), "f", None)
        v = coords.shape[0]
        if v < 2:
            raise InstanceError(f"coords: need at least 2 vertiports, got {v}")
        vv, tvv = ("vertiport of coords",) * 2, ("step of horizon",) + ("vertiport of coords",) * 2
        fields = {"horizon": t, "coords": coords,
                  "distances": _array(self.distances, "distances", (v, v), vv, "f"),
                  "flight_steps": _array(self.flight_steps, "flight_steps", (v, v), vv, "i"),
                  "parking": _array(self.parking, "parking", (v,), vv, "i", 1.0),
                  "chargers": _array(self.chargers, "chargers", (v,), vv, "i"),
                  "fares": _array(self.fares, "fares", (v, v), vv, "f"),
                  "demand": _array(self.demand, "demand", (t, v, v), tvv, "i"),
                  "demand_rate": _array(self.demand_rate, "demand_rate", (t, v, v), tvv, "f"),
                  "takeoff_delay": _array(self.takeoff_delay, "takeoff_delay", (t, v), tvv, "i"),
                  "closed": _array(self.closed, "closed", (t, v, v), tvv, "b")}
        start = _array(self.start, "start", (None,), ("aircraft",), "i")
        a = start.shape[0]
        if a < 1:
            raise InstanceError("start: need at least 1 aircraft")
        per_a = ("aircraft of start",)
        fields.update({"start": start, "soc0": _array(self.soc0, "soc0", (a,), per_a, "f"),
                       "seats": _array(self.seats, "seats", (a,), per_a, "i", 1.0),
                       "down": _array(self.down, "down", (t, a), ("step of horizon", "aircraft of start"), "b")})
        fields.update({"step_minutes": check_real_arg(self.step_minutes, "step_minutes", 0.0, strict=True),
                       "battery_kwh": check_real_arg(self.battery_kwh, "battery_kwh", 0.0, strict=True),
                       "reserve_kwh": check_real_arg(self.reserve_kwh, "reserve_kwh", 0.0),
                       "kwh_per_km": check_real_arg(self.kwh_per_km, "kwh_per_km", 0.0, strict=True),
                       "charge_kwh": check_real_arg(self.charge_kwh, "charge_kwh", 0.0),
                       "energy_price": check_real_arg(self.energy_price, "energy_price", 0.0),
                       "operating_cost_per_km": check_real_arg(self.operating_cost_per_km, "operating_cost_per_km", 0.0),
                       "max_wait": check_int_arg(self.max_wait, "max_wait", 0), "name": str(self.name)})
        self._check_consistency(fields, v)
        for key, val in fields.items():
            object.__setattr__(self, key, val)

    @staticmethod
    def _check_consistency(f: dict[str, Any], v: int) -> None:
        off = ~np.eye(v, dtype=bool)
        if (f["flight_steps"][off] < 1).any():
            o, d = (int(i) for i in np.argwhere(off & (f["flight_steps"] < 1))[0])
            raise InstanceError(f"flight_steps: route {o} -> {d} takes {f['flight_steps'][o, d]} steps; expected >= 1")
        if (f["chargers"] > f["parking"]).any():
            i = int(np.argmax(f["chargers"] > f["parking"]))
            raise InstanceError(f"chargers: vertiport {i} has {f['chargers'][i]} chargers but only "
                                f"{f['parking'][i]} parking places")
        if (f["start"] >= v).any():
            i = int(np.argmax(f["start"] >= v))
            raise InstanceError(f"start: aircraft {i} starts at vertiport {f['start'][i]}, not in 0..{v - 1}")
        count = np.bincount(f["start"], minlength=v)
        if (count > f["parking"]).any():
            i = int(np.argmax(count > f["parking"]))
            raise InstanceError(f"start: {count[i]} aircraft start at vertiport {i}, which has "
                                f"{f['parking'][i]} parking places")
        if f["reserve_kwh"] >= f["battery_kwh"]:
            raise InstanceError(f"reserve_kwh: {f['reserve_kwh']:g} is not below battery_kwh {f['battery_kwh']:g}")
        if (f["soc0"] > f["battery_kwh"]).any():
            i = int(np.argmax(f["soc0"] > f["battery_kwh"]))
            raise InstanceError(f"soc0: aircraft {i} holds {f['soc0'][i]:g} kWh, above battery_kwh {f['battery_kwh']:g}")

    # --- sizes and derived tables -------------------------------------------------------
    @property
    def num_vertiports(self) -> int:
        return int(self.coords.shape[0])

    @property
    def num_aircraft(self) -> int:
        return int(self.start.shape[0])

    @cached_property
    def flight_energy(self) -> np.ndarray:
        """``(V, V)`` kWh a flight uses: ``kwh_per_km * distances``."""
        return flight_energy(self.distances, self.kwh_per_km)

    @cached_property
    def flight_cost(self) -> np.ndarray:
        """``(V, V)`` money a flight costs: energy plus operating cost."""
        return flight_cost(self.distances, self.kwh_per_km, self.energy_price, self.operating_cost_per_km)

    @cached_property
    def leave_energy(self) -> np.ndarray:
        """``(V,)`` the least charge an aircraft needs to leave ``v`` at all: reserve + its shortest flight."""
        return leave_energy(self.flight_energy, self.reserve_kwh)

    def replace(self, **changes: Any) -> "VertiportInstance":
        """A copy with ``changes`` (checked again)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"VertiportInstance{label}(vertiports={self.num_vertiports}, aircraft={self.num_aircraft}, "
                f"horizon={self.horizon} x {self.step_minutes:g} min, passengers={int(self.demand.sum())})")


# --- formulas shared by the instance, the kernel (batched) and evaluate ----------------------


def flight_energy(distances: np.ndarray, kwh_per_km: Any) -> np.ndarray:
    """kWh of each flight (one instance, or a batch with ``kwh_per_km`` of shape ``(B,)``)."""
    return distances * np.asarray(kwh_per_km, dtype=np.float64)[..., None, None]


def flight_cost(distances: np.ndarray, kwh_per_km: Any, energy_price: Any, op_cost: Any) -> np.ndarray:
    """Money of each flight: ``energy_price * energy + operating_cost_per_km * km``."""
    e = np.asarray(energy_price, dtype=np.float64)[..., None, None]
    c = np.asarray(op_cost, dtype=np.float64)[..., None, None]
    return e * flight_energy(distances, kwh_per_km) + c * distances


def leave_energy(energy: np.ndarray, reserve: Any) -> np.ndarray:
    """``reserve + min_{e != v} energy[v, e]``: below it an aircraft at ``v`` cannot take off."""
    v = energy.shape[-1]
    off = np.where(np.eye(v, dtype=bool), np.inf, energy)
    return np.asarray(reserve, dtype=np.float64)[..., None] + off.min(axis=-1)


def boarding(waiting: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Passengers taken from each cohort, oldest first: ``waiting`` ``(..., S)`` counts, ``seats`` ``(...)``."""
    before = np.cumsum(waiting, axis=-1) - waiting
    return np.clip(np.asarray(seats)[..., None] - before, 0, waiting)


# --- the solution and its evaluation ------------------------------------------------------------


def parse_flights(instance: VertiportInstance, solution: Any) -> list[tuple[int, int, int]]:
    """The flights of a solution as sorted ``(time, aircraft, destination)`` triples.

    :param solution: a list of ``(aircraft, time, destination)`` (any order; integers, integral floats).
    :raises InstanceError: naming the entry that is not such a triple, out of range, or repeated.
    """
    if isinstance(solution, (str, bytes)) or not hasattr(solution, "__iter__"):
        raise InstanceError(f"solution: expected a list of [aircraft, time, destination] flights, got {solution!r}")
    out, seen = [], set()
    limits = (instance.num_aircraft, instance.horizon, instance.num_vertiports)
    for k, entry in enumerate(solution):
        vals = list(entry) if isinstance(entry, (list, tuple, np.ndarray)) else None
        ok = vals is not None and len(vals) == 3 and all(
            not isinstance(x, (bool, np.bool_)) and isinstance(x, (Real, np.number)) and math.isfinite(float(x))
            and float(x) == round(float(x)) and 0 <= float(x) < hi for x, hi in zip(vals, limits))
        if not ok:
            raise InstanceError(f"solution[{k}]: expected [aircraft 0..{limits[0] - 1}, time 0..{limits[1] - 1}, "
                                f"destination 0..{limits[2] - 1}], got {entry!r}")
        a, t, d = (int(round(float(x))) for x in vals)
        if (a, t) in seen:
            raise InstanceError(f"solution[{k}]: aircraft {a} has two flights at time {t}")
        seen.add((a, t))
        out.append((t, a, d))
    return sorted(out)


def evaluate_vertiport_fleet(instance: VertiportInstance, solution: Sequence[Any]) -> Evaluation:
    """The day's profit of a flight schedule, simulated step by step independently of the environment.

    :param solution: the flights, a list of ``[aircraft, time, destination]`` (waits are implicit:
        an aircraft on the ground with no flight at ``t`` waits one step).
    :returns: the profit in ``cost`` (sense ``"max"``: the harness reports minus it): fares of the
        passengers boarded minus energy and operating costs. Infeasible: a malformed entry, a
        flight of an aircraft that is in the air, down, out of charge, on a closed route, to its
        own vertiport, or to a vertiport without parking (or without a charger it needs).
    """
    try:
        flights = parse_flights(instance, solution)
    except InstanceError as exc:
        return Evaluation(float("nan"), False, str(exc))
    sim = _Day(instance)
    by_step: dict[int, list[tuple[int, int]]] = {}
    for t, a, d in flights:
        by_step.setdefault(t, []).append((a, d))
    for t in range(instance.horizon):
        for a, d in by_step.get(t, ()):
            why = sim.fly(t, a, d)
            if why:
                return Evaluation(sim.profit, False, f"flight of aircraft {a} at time {t} to {d}: {why}")
        sim.charge(t)
    return Evaluation(sim.profit, True, None)


def day_figures(instance: VertiportInstance, solution: Sequence[Any]) -> dict[str, float]:
    """Figures of a feasible schedule beside its profit (the problem's ``metrics``): ``passengers``
    carried, ``answer_rate`` (their share of the day's demand), ``flights``, ``empty_flights`` and
    ``decisions`` (the environment's decisions: one per aircraft on the ground per step)."""
    flights = parse_flights(instance, solution)
    sim = _Day(instance)
    by_step: dict[int, list[tuple[int, int]]] = {}
    for t, a, d in flights:
        by_step.setdefault(t, []).append((a, d))
    decisions = 0
    for t in range(instance.horizon):
        decisions += sum(1 for r in sim.ready if r <= t)
        for a, d in by_step.get(t, ()):
            why = sim.fly(t, a, d)
            if why:
                raise InstanceError(f"flight of aircraft {a} at time {t} to {d}: {why}")
        sim.charge(t)
    total = int(instance.demand.sum())
    return {"passengers": float(sim.passengers), "answer_rate": sim.passengers / max(total, 1),
            "flights": float(len(flights)), "empty_flights": float(sim.empty), "decisions": float(decisions)}


class _Day:
    """Plain per-aircraft simulation of the rules (the reference ``evaluate`` uses)."""

    def __init__(self, inst: VertiportInstance) -> None:
        self.inst = inst
        self.loc = [int(x) for x in inst.start]
        self.ready = [0] * inst.num_aircraft
        self.soc = [float(x) for x in inst.soc0]
        self.waiting = np.array(inst.demand, dtype=np.int64)  # passengers still waiting, per arrival step
        self.profit = 0.0
        self.passengers, self.empty = 0, 0

    def fly(self, t: int, a: int, d: int) -> str | None:
        inst, o = self.inst, self.loc[a]
        if self.ready[a] > t:
            return f"it is in the air until {self.ready[a]}"
        if d == o:
            return "it is already there (waiting is no flight)"
        if inst.down[t, a]:
            return "the aircraft is down"
        if inst.closed[t, o, d]:
            return f"route {o} -> {d} is closed"
        after = self.soc[a] - inst.flight_energy[o, d]
        if not after >= inst.reserve_kwh:
            return f"{self.soc[a]:.6g} kWh cannot fly {inst.flight_energy[o, d]:.6g} kWh and keep the reserve"
        there = sum(1 for x in self.loc if x == d)
        if there >= inst.parking[d]:
            return f"vertiport {d}'s {inst.parking[d]} parking places are taken"
        if after < inst.leave_energy[d] and there >= inst.chargers[d]:
            return f"it would need one of vertiport {d}'s {inst.chargers[d]} chargers, all taken"
        lo = max(0, t - inst.max_wait)
        took = boarding(self.waiting[lo: t + 1, o, d], inst.seats[a])
        self.waiting[lo: t + 1, o, d] -= took
        self.profit += float(took.sum()) * float(inst.fares[o, d]) - float(inst.flight_cost[o, d])
        self.passengers += int(took.sum())
        self.empty += int(took.sum() == 0)
        self.soc[a] = after
        self.loc[a] = d
        self.ready[a] = t + int(inst.takeoff_delay[t, o]) + int(inst.flight_steps[o, d])
        return None

    def charge(self, t: int) -> None:
        inst = self.inst
        for v in range(inst.num_vertiports):
            ground = [a for a in range(inst.num_aircraft)
                      if self.loc[a] == v and self.ready[a] <= t and self.soc[a] < inst.battery_kwh]
            for a in sorted(ground, key=lambda b: (self.soc[b], b))[: int(inst.chargers[v])]:
                self.soc[a] = min(self.soc[a] + inst.charge_kwh, inst.battery_kwh)
