"""The time-expanded fleet model on CP-SAT: ``cpsat-hindsight`` (a bound) and ``rolling-cpsat`` (a policy).

**The model** (:func:`build_fleet_model`) plans the departures of steps ``t0 .. t1 - 1`` of a day.
Per aircraft ``a``, one node per step ``t`` and vertiport ``v`` it can have reached on the ground
(earliest arrival by shortest flight times from where it is), with two kinds of arcs:

* ``wait[a, t, v]`` to ``(t + 1, v)``, and ``charge[a, t, v] <= wait[a, t, v]``: it takes one of
  ``v``'s chargers during ``t`` (``sum_a charge[a, t, v] <= chargers[v]``);
* ``fly[a, t, o, d]`` to ``(t + takeoff_delay[t, o] + flight_steps[o, d], d)`` where the route is
  open and the aircraft up at ``t``; an arc landing after ``t1`` ends the aircraft's path.

Flow conservation at every node (one unit per aircraft, from where and when it is next on the
ground). The battery ``soc[a, t]`` (integer, :data:`ENERGY_SCALE` units per kWh, at most the
capacity) falls by the flight's energy at take-off and rises by at most a charge per charging
step: ``soc[a, t + 1] <= soc[a, t] - energy * fly + charge_kwh * charge``, and a flight needs
``soc[a, t] >= reserve + energy``. Parking: ``occ[v, t]``, the aircraft at or flying to ``v``
(the rules' count), changes by the flights of each step and stays ``<= parking[v]``. Demand:
``board[s, t, o, d]`` passengers of cohort ``s`` (arrived at ``s``) board the flights ``o -> d``
leaving at ``t`` in ``[s, s + max_wait]``: at most the cohort, at most the seats flown. The
objective is fares boarded minus flight costs (:data:`MONEY_SCALE` units per money unit).

**Why it bounds the day's profit.** Every schedule the rules admit is a solution of the model:
the rules' parking test at each take-off implies ``occ <= parking`` after every step; their
charging (lowest charge first, ``chargers[v]`` at a time) is one choice of ``charge``; their
boarding (oldest first) is one assignment of ``board``; and in the bound the data are rounded in
the optimistic direction (energies and costs down, charge, capacity and fares up). The rules'
other test, a charger at the destination when the aircraft would land unable to leave again, is
left out. So the model's optimum, and CP-SAT's proven bound on it, is at least any policy's
profit on the day: ``cpsat-hindsight`` reports it as a **bound (hindsight)**, not a policy.

**Its schedule.** The model's plan may use what the rules do not allow (a charger they give to a
lower-charged aircraft, a landing that needs a charger); the plan is flown through the kernel by
:func:`~routing_gym.baselines.vertiport_fleet.plans.fly_plan`, which delays a refused leg until
admitted, so the schedule returned is feasible and replays to the profit ``evaluate`` gives.
``last_stats`` holds the bound, the model's objective, the flown profit and whether the plan
needed repair.

**rolling-cpsat** re-solves the same model every ``every`` steps over ``lookahead`` steps from
the kernel's state (where each aircraft is, its charge, the passengers already waiting), with the
future it cannot see replaced by the forecast: arrivals are the Poisson means ``demand_rate``
(in tenths of a passenger), take-offs undelayed, today's closures and failures as they are now.
It flies the plan's legs through the kernel as above and sees no realised future. Each solve
starts from a hint that is a complete solution of its model: the greedy rule played on a copy of
the kernel over the look-ahead with the forecast in place of the future (:func:`forecast_greedy`;
boarding filled oldest first in the model's units, charges and parking counts followed through),
so CP-SAT holds a plan from its first moment and only searches for better ones.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.cpsat import CPSATSolver
from routing_gym.baselines.vertiport_fleet.plans import PlannedLegs, fly_plan, plan_rule
from routing_gym.baselines.vertiport_fleet.rules import greedy_rule, play_rule
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel
from routing_gym.envs.vertiport_fleet.types import VertiportInstance
from routing_gym.errors import SolverError

#: battery units per kWh in the model (10 Wh)
ENERGY_SCALE = 100
#: objective units per money unit
MONEY_SCALE = 1000
#: flight arcs per step (aircraft x routes) above which ``rolling-cpsat`` plans 4 steps ahead, not 6
LARGE_FLEET_ARCS = 200


@dataclass(frozen=True)
class FleetWindow:
    """What the model plans: departures at steps ``t0 .. t1 - 1`` of ``instance``'s network.

    :param instance: the network (distances, fares, capacities, battery, seats).
    :param t0: first planned step.
    :param t1: end of the window (exclusive).
    :param loc: ``(A,)`` vertiport each aircraft is at or flying to.
    :param ready: ``(A,)`` step from which it is on the ground there.
    :param soc: ``(A,)`` its charge in kWh.
    :param arrival: ``(S,)`` arrival steps of the passenger cohorts.
    :param cohorts: ``(S, V, V)`` passengers of each cohort, in units of ``1 / unit`` passenger (integers).
    :param closed: ``(t1 - t0, V, V)`` routes closed at each planned step.
    :param down: ``(t1 - t0, A)`` aircraft down at each planned step.
    :param delay: ``(t1 - t0, V)`` take-off delays in steps.
    :param unit: model units per passenger.
    :param optimistic: round the data in the bound's direction (else to the nearest unit).
    :param end_kwh_value: money per kWh left in each battery at ``t1`` (a look-ahead's end value).
    """

    instance: VertiportInstance
    t0: int
    t1: int
    loc: np.ndarray
    ready: np.ndarray
    soc: np.ndarray
    arrival: np.ndarray
    cohorts: np.ndarray
    closed: np.ndarray
    down: np.ndarray
    delay: np.ndarray
    unit: int = 1
    optimistic: bool = True
    end_kwh_value: float = 0.0


def hindsight_window(instance: VertiportInstance) -> FleetWindow:
    """The whole realised day, from its start."""
    t = instance.horizon
    return FleetWindow(instance, 0, t, np.asarray(instance.start), np.zeros(instance.num_aircraft, np.int64),
                       np.asarray(instance.soc0), np.arange(t), np.asarray(instance.demand), np.asarray(instance.closed),
                       np.asarray(instance.down), np.asarray(instance.takeoff_delay))


def shortest_steps(steps: np.ndarray) -> np.ndarray:
    """``(V, V)`` fewest steps between vertiports over any chain of flights (Floyd-Warshall, no delays)."""
    d = steps.astype(np.int64).copy()
    for k in range(d.shape[0]):
        d = np.minimum(d, d[:, k: k + 1] + d[k: k + 1, :])
    return d


class FleetModel:
    """The CP-SAT model of a :class:`FleetWindow` (see the module docstring) and its variables."""

    def __init__(self, w: FleetWindow) -> None:
        from ortools.sat.python import cp_model

        self.w, self.m = w, cp_model.CpModel()
        inst = w.instance
        up = math.ceil if w.optimistic else round
        down = math.floor if w.optimistic else round
        self.energy = np.vectorize(lambda x: down(x * ENERGY_SCALE))(inst.flight_energy).astype(np.int64)
        self.fare = np.vectorize(lambda x: up(x * MONEY_SCALE / w.unit))(inst.fares).astype(np.int64)
        self.cost = np.vectorize(lambda x: down(x * MONEY_SCALE))(inst.flight_cost).astype(np.int64)
        self.reserve = down(inst.reserve_kwh * ENERGY_SCALE)
        self.battery = up(inst.battery_kwh * ENERGY_SCALE)
        self.charge_units = up(inst.charge_kwh * ENERGY_SCALE)
        self.fly: dict[tuple[int, int, int, int], Any] = {}
        self.wait: dict[tuple[int, int, int], Any] = {}
        self.charging: dict[tuple[int, int, int], Any] = {}
        self.soc: dict[tuple[int, int], Any] = {}
        #: parking occupancy variables in step order: ``(occ, previous occ or constant, [(flight, +-1)])``
        self.occupancy: list[tuple[Any, Any, list[tuple[Any, int]]]] = []
        #: per aircraft, its first planned step and its charge then (model units)
        self.soc_start: dict[int, tuple[int, int]] = {}
        self.board: dict[tuple[int, int, int, int], Any] = {}
        self.shortest = shortest_steps(inst.flight_steps)
        for a in range(inst.num_aircraft):
            self._aircraft(a)
        self._chargers()
        self._parking()
        revenue = self._boarding()
        self._objective(revenue)

    # --- per aircraft: arcs, flow conservation, battery ------------------------------------------
    def _aircraft(self, a: int) -> None:
        w, m, inst = self.w, self.m, self.w.instance
        start = max(int(w.ready[a]), w.t0)
        if start >= w.t1:
            return  # in the air for the whole window
        home = int(w.loc[a])
        earliest = start + self.shortest[home]
        inflow: dict[tuple[int, int], list[Any]] = {}
        flights: dict[int, list[tuple[Any, int]]] = {}
        charges: dict[int, list[Any]] = {}
        need = (self.reserve + self.energy) <= self.battery  # flights a full battery can make
        for t in range(start, w.t1):
            k = t - w.t0
            for v in np.flatnonzero(earliest <= t):
                v = int(v)
                outs = []
                wv = m.NewBoolVar("")
                self.wait[a, t, v] = wv
                outs.append(wv)
                if t + 1 < w.t1:
                    inflow.setdefault((t + 1, v), []).append(wv)
                if inst.chargers[v] > 0 and self.charge_units > 0:
                    c = m.NewBoolVar("")
                    m.AddImplication(c, wv)
                    self.charging[a, t, v] = c
                    charges.setdefault(t, []).append(c)
                if not w.down[k, a]:
                    for d in range(inst.num_vertiports):
                        if d == v or w.closed[k, v, d] or not need[v, d]:
                            continue
                        f = m.NewBoolVar("")
                        self.fly[a, t, v, d] = f
                        flights.setdefault(t, []).append((f, int(self.energy[v, d])))
                        outs.append(f)
                        land = t + int(w.delay[k, v]) + int(inst.flight_steps[v, d])
                        if land < w.t1:
                            inflow.setdefault((land, d), []).append(f)
                source = 1 if (t == start and v == home) else 0
                m.Add(sum(outs) == source + sum(inflow.get((t, v), [])))
        self._battery(a, start, flights, charges)

    def _battery(self, a: int, start: int, by_t: dict[int, list[tuple[Any, int]]], charges: dict[int, list[Any]]) -> None:
        """``soc[a, t]`` from ``start`` to ``t1``: take-offs draw their energy, charging steps add at most a charge."""
        w, m = self.w, self.m
        soc0 = min(self.battery, (math.ceil if w.optimistic else round)(float(w.soc[a]) * ENERGY_SCALE))
        self.soc_start[a] = (start, int(soc0))
        prev = m.NewConstant(int(soc0))
        self.soc[a, start] = prev
        for t in range(start, w.t1):
            flights = by_t.get(t, [])
            if flights:
                m.Add(prev >= sum((self.reserve + e) * f for f, e in flights))
            nxt = m.NewIntVar(0, self.battery, "")
            m.Add(nxt <= prev - sum(e * f for f, e in flights) + self.charge_units * sum(charges.get(t, [])))
            self.soc[a, t + 1] = nxt
            prev = nxt

    # --- shared resources -------------------------------------------------------------------------
    def _chargers(self) -> None:
        per: dict[tuple[int, int], list[Any]] = {}
        for (_, t, v), c in self.charging.items():
            per.setdefault((t, v), []).append(c)
        for (t, v), cs in per.items():
            if len(cs) > self.w.instance.chargers[v]:
                self.m.Add(sum(cs) <= int(self.w.instance.chargers[v]))

    def _parking(self) -> None:
        """``occ[v, t + 1] = occ[v, t] + landings booked - take-offs`` at ``t``, within ``0 .. parking[v]``."""
        w, m, inst = self.w, self.m, self.w.instance
        delta: dict[tuple[int, int], list[tuple[Any, int]]] = {}
        for (_, t, o, d), f in self.fly.items():
            delta.setdefault((t, d), []).append((f, 1))
            delta.setdefault((t, o), []).append((f, -1))
        occ0 = np.bincount(np.asarray(w.loc, dtype=np.int64), minlength=inst.num_vertiports)
        for v in range(inst.num_vertiports):
            occ: Any = int(occ0[v])
            for t in range(w.t0, w.t1):
                terms = delta.get((t, v))
                if not terms:
                    continue
                nxt = m.NewIntVar(0, int(inst.parking[v]), "")
                m.Add(nxt == occ + sum(s * f for f, s in terms))
                self.occupancy.append((nxt, occ, terms))
                occ = nxt

    def _boarding(self) -> list[tuple[Any, int]]:
        w, m, inst = self.w, self.m, self.w.instance
        seats_by: dict[tuple[int, int, int], list[tuple[Any, int]]] = {}
        for (a, t, o, d), f in self.fly.items():
            seats_by.setdefault((t, o, d), []).append((f, int(inst.seats[a]) * w.unit))
        boards: dict[tuple[int, int, int], list[Any]] = {}
        revenue = []
        idx = np.argwhere(w.cohorts > 0)
        for i, o, d in idx:
            s, count = int(w.arrival[i]), int(w.cohorts[i, o, d])
            ys = []
            for t in range(max(s, w.t0), min(s + inst.max_wait, w.t1 - 1) + 1):
                if (t, int(o), int(d)) not in seats_by:
                    continue
                y = m.NewIntVar(0, count, "")
                # no boarding without a flight: tightens the linear relaxation, where a fraction of
                # a flight would otherwise carry a whole small cohort
                m.Add(y <= count * sum(f for f, _ in seats_by[t, int(o), int(d)]))
                self.board[int(i), t, int(o), int(d)] = y
                boards.setdefault((t, int(o), int(d)), []).append(y)
                ys.append(y)
                revenue.append((y, int(self.fare[o, d])))
            if len(ys) > 1:
                m.Add(sum(ys) <= count)
        for key, ys in boards.items():
            m.Add(sum(ys) <= sum(cap * f for f, cap in seats_by[key]))
        return revenue

    def _objective(self, revenue: list[tuple[Any, int]]) -> None:
        from ortools.sat.python import cp_model

        variables = [y for y, _ in revenue] + list(self.fly.values())
        coefs = [c for _, c in revenue] + [-int(self.cost[o, d]) for (_, _, o, d) in self.fly]
        per_unit = self.w.end_kwh_value * MONEY_SCALE / ENERGY_SCALE
        if per_unit > 0:
            ends = [self.soc[a, self.w.t1] for a in range(self.w.instance.num_aircraft) if (a, self.w.t1) in self.soc]
            variables += ends
            coefs += [max(1, round(per_unit))] * len(ends)
        self.m.Maximize(cp_model.LinearExpr.WeightedSum(variables, coefs))

    # --- hints and solutions --------------------------------------------------------------------------
    def hint(self, trace: "ScheduleTrace", board: dict[tuple[int, int, int, int], int] | None = None) -> None:
        """Hint a flown schedule (flights, waits, charging, boarding) as CP-SAT's first solution.

        :param board: model units boarded per ``(cohort, t, o, d)``; default the trace's passengers.
        """
        for key, f in self.fly.items():
            self.m.AddHint(f, key in trace.fly)
        for key, wv in self.wait.items():
            self.m.AddHint(wv, key in trace.wait)
        for key, c in self.charging.items():
            self.m.AddHint(c, key in trace.charge)
        if board is None:
            board = {k: n * self.w.unit for k, n in trace.board.items()}
        for key, y in self.board.items():
            self.m.AddHint(y, board.get(key, 0))
        self._hint_battery(trace)
        flown = {id(self.fly[k]) for k in trace.fly if k in self.fly}
        value: dict[int, int] = {}
        for occ, prev, terms in self.occupancy:
            before = prev if isinstance(prev, int) else value[id(prev)]
            value[id(occ)] = before + sum(sign for f, sign in terms if id(f) in flown)
            self.m.AddHint(occ, value[id(occ)])

    def _hint_battery(self, trace: "ScheduleTrace") -> None:
        """Hint each ``soc`` as high as the hinted flights and charging leave it (a complete hint:
        left free, CP-SAT's first descent may pick a low charge and strand a hinted flight)."""
        drawn = {(a, t): int(self.energy[o, d]) for a, t, o, d in trace.fly}
        charged = {(a, t) for a, t, _ in trace.charge}
        for a, (start, level) in self.soc_start.items():
            for t in range(start, self.w.t1):
                level = min(self.battery, level - drawn.get((a, t), 0) + self.charge_units * ((a, t) in charged))
                self.m.AddHint(self.soc[a, t + 1], max(0, level))

    def fill_boarding(self, fly: set[tuple[int, int, int, int]]) -> dict[tuple[int, int, int, int], int]:
        """Boarding of the flights ``fly`` in the model's units: each departure's seats to the
        oldest cohorts first (a solution of the boarding constraints, given those flights)."""
        seats: dict[tuple[int, int, int], int] = {}
        for a, t, o, d in fly:
            if (a, t, o, d) in self.fly:
                seats[t, o, d] = seats.get((t, o, d), 0) + int(self.w.instance.seats[a]) * self.w.unit
        left: dict[tuple[int, int, int], int] = {}
        out: dict[tuple[int, int, int, int], int] = {}
        for (i, t, o, d) in sorted(self.board, key=lambda k: (k[1], int(self.w.arrival[k[0]]))):
            free = seats.get((t, o, d), 0)
            if free <= 0:
                continue
            rest = left.get((i, o, d), int(self.w.cohorts[i, o, d]))
            n = min(free, rest)
            if n > 0:
                out[i, t, o, d] = n
                seats[t, o, d] = free - n
                left[i, o, d] = rest - n
        return out

    def hint_idle(self) -> None:
        """Hint the plan that only waits (always a solution): CP-SAT starts from a solution at once."""
        for f in self.fly.values():
            self.m.AddHint(f, False)
        for y in self.board.values():
            self.m.AddHint(y, 0)

    def flights(self, found: Any) -> list[list[int]]:
        """The planned flights ``[aircraft, time, destination]`` of a CP-SAT solution, in take-off order."""
        out = [[a, t, d] for (a, t, _, d), f in self.fly.items() if found.BooleanValue(f)]
        return sorted(out, key=lambda f: (f[1], f[0]))

    @property
    def size(self) -> dict[str, int]:
        return {"fly": len(self.fly), "wait": len(self.wait), "charge": len(self.charging), "board": len(self.board)}


@dataclass
class ScheduleTrace:
    """What the kernel did flying a schedule: the model's variables that were 1 (or boarded counts)."""

    fly: set[tuple[int, int, int, int]]
    wait: set[tuple[int, int, int]]
    charge: set[tuple[int, int, int]]
    board: dict[tuple[int, int, int, int], int]
    profit: float

    def fly_list(self) -> list[tuple[int, int, int]]:
        """The flights ``(aircraft, time, destination)``."""
        return [(a, t, d) for a, t, _, d in self.fly]


def trace_schedule(instance: VertiportInstance, flights: list[list[int]]) -> ScheduleTrace:
    """Fly ``flights`` on the kernel (batch 1) and record each decision, charge and boarding (a model hint)."""
    plan = {(int(a), int(t)): int(d) for a, t, d in flights}
    k = VertiportKernel(1, instance.num_vertiports)
    k.load(np.zeros(1, dtype=np.int64), VertiportKernel.stack([instance]))

    def rule(kernel: VertiportKernel) -> int:
        a = int(kernel.actor[0])
        return plan.get((a, int(kernel.clock[0])), int(kernel.loc[0, a]))

    return trace_play(k, rule, instance.num_aircraft)


def trace_play(k: VertiportKernel, rule: Callable[[VertiportKernel], int], num_aircraft: int,
               until: int | None = None) -> ScheduleTrace:
    """Play ``rule`` on row 0 of ``k`` from its present state until the day ends (or the clock
    reaches ``until``), recording each decision, charge and boarding (model variables)."""
    n = num_aircraft
    tr = ScheduleTrace(set(), set(), set(), {}, 0.0)
    clock, soc_before, waited = int(k.clock[0]), k.soc[0, :n].copy(), []
    profit0 = float(-k.cost[0])
    while not k.done[0] and (until is None or k.clock[0] < until):
        a, t = int(k.actor[0]), int(k.clock[0])
        if t != clock:  # the charging of step ``clock`` happened: who gained charge while waiting
            tr.charge.update((b, clock, int(k.loc[0, b])) for b in waited if k.soc[0, b] > soc_before[b])
            clock, soc_before, waited = t, k.soc[0, :n].copy(), []
        o = int(k.loc[0, a])
        d = int(rule(k))
        if d == o:
            tr.wait.add((a, t, o))
            waited.append(a)
        else:
            before = k.waiting[0, :t + 1, o, d].copy()
            tr.fly.add((a, t, o, d))
        _, _, invalid = k.step(np.array([d]))
        if invalid[0]:
            raise SolverError(f"the hint schedule flies aircraft {a} at {t} to {d}, which the rules refuse")
        if d != o:
            for s_, took in enumerate(before - k.waiting[0, :t + 1, o, d]):
                if took:
                    tr.board[s_, t, o, d] = tr.board.get((s_, t, o, d), 0) + int(took)
    if k.done[0] or k.clock[0] > clock:
        tr.charge.update((b, clock, int(k.loc[0, b])) for b in waited if k.soc[0, b] > soc_before[b])
    tr.profit = float(-k.cost[0]) - profit0
    return tr


def forecast_greedy(kernel: VertiportKernel, t1: int) -> ScheduleTrace:
    """The greedy rule played from row 0 of ``kernel``'s present state until step ``t1`` on the
    forecast (the rolling model's data): a copy of the kernel whose later arrivals are the
    ``demand_rate`` means (rounded along their running sum), with no take-off delays, and
    today's closures and failures held as they are now. Nothing realised after now is seen."""
    import copy

    k = copy.deepcopy(kernel)
    t0 = int(k.clock[0])
    cum = np.rint(k.rate_cum[0])  # expected arrivals so far, per route, in whole passengers
    k.waiting[0, t0 + 1:] = (cum[t0 + 2:] - cum[t0 + 1: -1]).astype(k.waiting.dtype)[: k.waiting.shape[1] - t0 - 1]
    k.delay[0, t0:] = 0
    k.closed[0, t0 + 1:] = k.closed[0, t0]
    k.down[0, t0 + 1:] = k.down[0, t0]
    return trace_play(k, lambda kk: int(greedy_rule(kk, np.zeros(1, dtype=np.int64))[0]), int(k.exists[0].sum()), t1)


# --- the solvers ---------------------------------------------------------------------------------------


#: CP-SAT parameters of the fleet model: full linearization. The model's linear relaxation lets a
#: fraction of an aircraft fly several routes at once; with CP-SAT's default linearization a single
#: worker did not close the gap of a 2-aircraft, 3-vertiport hour in 20 s, with level 2 it proved
#: the optimum in 4.5 s.
FLEET_PARAMETERS = {"linearization_level": 2}


def solve_window(solver: CPSATSolver, window: FleetWindow, hint: ScheduleTrace | None = None,
                 deadline: float | None = None, count_build: bool = True,
                 fill_board: bool = False, parameters: dict[str, Any] | None = None) -> tuple[list[list[int]], dict[str, Any]]:
    """Build and solve the model of ``window`` within ``solver``'s time limit (or until ``deadline``,
    a ``time.perf_counter()`` time; ``count_build=False``: the limit is the search's alone); the
    planned flights and CP-SAT's statistics (money units). ``fill_board``: hint the boarding of
    ``hint``'s flights by :meth:`FleetModel.fill_boarding` (the model's passengers) instead of the
    trace's own. ``parameters``: CP-SAT parameters on top of :data:`FLEET_PARAMETERS`.

    :raises TimeoutError: when building took the whole limit or no solution was found.
    """
    t0 = time.perf_counter()
    model = FleetModel(window)
    if hint is not None:
        model.hint(hint, model.fill_boarding(hint.fly) if fill_board else None)
    else:
        model.hint_idle()
    build_s = time.perf_counter() - t0
    limit = solver.time_limit
    if deadline is not None:
        limit = deadline - time.perf_counter()
    elif limit is not None and count_build:
        limit -= build_s
    if limit is not None and limit <= 0:
        raise TimeoutError(f"building the fleet model ({model.size['fly']} flight arcs) took the whole time limit")
    params = {**FLEET_PARAMETERS, **(parameters or {})}
    if limit is not None:
        params["max_time_in_seconds"] = float(limit)
    found = solver.search(model.m, params)
    stats = {**solver.last_stats, "build_s": build_s, **model.size}
    stats["objective"] = stats["objective"] / MONEY_SCALE
    stats["bound"] = stats["bound"] / MONEY_SCALE
    return model.flights(found), stats


@register_solver("cpsat-hindsight")
class HindsightCPSAT(CPSATSolver):
    """The time-expanded fleet model on the realised day: an upper bound on profit, not a policy.

    ``last_stats["bound"]`` is CP-SAT's proven bound on the model's optimum, hence on every
    policy's profit of the day (``status == "OPTIMAL"``: the model was solved to optimality);
    the solution returned is the model's plan as the kernel flies it (module docstring).

    :param hint: ``"greedy"`` (default): start CP-SAT from the greedy schedule; ``"none"``.
    """

    problems = ("vertiport_fleet",)

    def __init__(self, time_limit: float | None = 60.0, seed: int = 0, workers: int = 1, hint: str = "greedy") -> None:
        super().__init__(time_limit, seed, workers)
        if hint not in ("greedy", "none"):
            raise SolverError(f"cpsat-hindsight: hint must be 'greedy' or 'none', got {hint!r}")
        self.hint = hint

    def solve(self, instance: VertiportInstance) -> list[list[int]]:
        if not isinstance(instance, VertiportInstance):
            return super().solve(instance)
        start = time.perf_counter()
        hint = trace_schedule(instance, play_rule([instance], greedy_rule)[0][0]) if self.hint == "greedy" else None
        deadline = None if self.time_limit is None else start + self.time_limit
        plan, stats = solve_window(self, hindsight_window(instance), hint, deadline)
        from routing_gym.envs.vertiport_fleet.types import evaluate_vertiport_fleet

        ev = evaluate_vertiport_fleet(instance, plan)
        flights, profit = (plan, ev.cost) if ev.feasible else fly_plan(instance, plan)
        self.last_stats = {**stats, "profit": profit, "repaired": not ev.feasible, "repair_reason": ev.violation,
                           "exact": stats["status"] == "OPTIMAL", "hint_profit": None if hint is None else hint.profit}
        if hint is not None and hint.profit > profit:  # the flown plan lost to the schedule it started from
            flights, self.last_stats["profit"] = sorted([list(f) for f in hint.fly_list()], key=lambda f: (f[1], f[0])), hint.profit
        return flights


@register_solver("rolling-cpsat")
class RollingCPSAT(Solver):
    """The fleet model re-solved every ``every`` steps over ``lookahead`` steps on the forecast: a policy.

    :param lookahead: steps planned at each solve (default: 6, half an hour of 5-minute steps, or
        4 for fleets of more than :data:`LARGE_FLEET_ARCS` flight arcs per step, ``A * V * (V - 1)``:
        at 8 vertiports and 40 aircraft a 6-step model left a single CP-SAT worker no time to
        improve on its hint in 2 s, a 4-step one closed most of the gap).
    :param every: steps between solves (default: half the look-ahead, rounded up).
    :param time_limit: seconds of CP-SAT search per solve (default 2; building the model comes on
        top). CP-SAT runs without presolve here (at the default size presolve alone took the 2 s),
        starting from the hint below. A solve that returns no plan in time leaves the decisions
        until the next solve to the greedy rule (``timeouts`` counts them).
    :param end_kwh_value: money per kWh left at the end of a look-ahead (default: the energy price).
    :param hint: ``"greedy"`` (default): each solve starts from the greedy rule played on the
        forecast look-ahead (:func:`forecast_greedy`), a plan of the model, so CP-SAT has a
        solution at once and only improves on it; ``"none"``: from the plan that only waits.
    """

    problems = ("vertiport_fleet",)

    def __init__(self, time_limit: float | None = 2.0, seed: int = 0, lookahead: int | None = None,
                 every: int | None = None, end_kwh_value: float | None = None, hint: str = "greedy") -> None:
        super().__init__(time_limit, seed)
        if hint not in ("greedy", "none"):
            raise SolverError(f"rolling-cpsat: hint must be 'greedy' or 'none', got {hint!r}")
        self.hint = hint
        for name, value in (("lookahead", lookahead), ("every", every)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise SolverError(f"rolling-cpsat: {name} must be an integer >= 1, got {value!r}")
        if every is not None and lookahead is not None and every > lookahead:
            raise SolverError(f"rolling-cpsat: every ({every}) must not exceed lookahead ({lookahead})")
        self.lookahead, self.every = lookahead, every
        self.end_kwh_value = end_kwh_value
        #: solves of the last day, how many of them found no plan in time (greedy decided until the
        #: next), and how many changed the hint's plan (CP-SAT found a better plan of the model)
        self.solves, self.timeouts, self.changed = 0, 0, 0

    def sizes(self, instance: VertiportInstance) -> tuple[int, int]:
        """``(lookahead, every)`` for ``instance`` (the defaults depend on the fleet's size)."""
        v = instance.num_vertiports
        arcs = instance.num_aircraft * v * (v - 1)
        lookahead = self.lookahead or (4 if arcs > LARGE_FLEET_ARCS else 6)
        every = self.every or (lookahead + 1) // 2
        if every > lookahead:
            raise SolverError(f"rolling-cpsat: every ({every}) must not exceed lookahead ({lookahead})")
        return lookahead, every

    def solve(self, instance: VertiportInstance) -> list[list[int]]:
        lookahead, every = self.sizes(instance)
        legs = PlannedLegs(instance.num_aircraft)
        searcher = CPSATSolver(self.time_limit, self.seed)
        fly = plan_rule([legs], instance.max_wait)
        state = {"next": 0, "planned": False}
        self.solves, self.timeouts, self.changed = 0, 0, 0

        def rule(kernel: VertiportKernel, rows: np.ndarray) -> np.ndarray:
            t = int(kernel.clock[0])
            if t >= state["next"]:
                try:
                    window = self.window(kernel, instance, lookahead)
                    hint = forecast_greedy(kernel, window.t1) if self.hint == "greedy" else None
                    plan, _ = solve_window(searcher, window, hint, count_build=False, fill_board=True,
                                           parameters={"cp_model_presolve": False})
                    legs.replace(plan, from_time=t)
                    if hint is not None and {(a, t_, d) for a, t_, d in plan} != set(hint.fly_list()):
                        self.changed += 1
                    state["planned"] = True
                except TimeoutError:  # no plan in time: decide greedily until the next solve
                    self.timeouts += 1
                    state["planned"] = False
                state["next"] = t + every
                self.solves += 1
            return fly(kernel, rows) if state["planned"] else greedy_rule(kernel, rows)

        return play_rule([instance], rule)[0][0]

    def window(self, kernel: VertiportKernel, instance: VertiportInstance, lookahead: int | None = None) -> FleetWindow:
        """The model of the next ``lookahead`` steps from row 0 of ``kernel``, knowing only the present and the forecast.

        Known: where each aircraft is (or flies to) and when it lands, its charge, the passengers
        waiting now (by arrival step), today's closures and failures at this step. Forecast:
        later arrivals (``demand_rate``, in tenths of a passenger); no delays; closures and
        failures as they are now.
        """
        t0, a = int(kernel.clock[0]), instance.num_aircraft
        t1 = min(t0 + (lookahead or self.sizes(instance)[0]), instance.horizon)
        past = np.arange(max(0, t0 - instance.max_wait), t0 + 1)
        future = np.arange(t0 + 1, t1)
        unit = 10
        waiting = kernel.waiting[0, past, :instance.num_vertiports, :instance.num_vertiports] * unit
        expected = np.rint(np.asarray(instance.demand_rate)[future] * unit)
        n = t1 - t0
        price = instance.energy_price if self.end_kwh_value is None else float(self.end_kwh_value)
        return FleetWindow(
            instance, t0, t1, kernel.loc[0, :a].copy(), kernel.ready[0, :a].copy(), kernel.soc[0, :a].copy(),
            np.concatenate([past, future]), np.concatenate([waiting, expected]).astype(np.int64),
            np.repeat(kernel.closed[0, t0: t0 + 1, :instance.num_vertiports, :instance.num_vertiports], n, axis=0),
            np.repeat(kernel.down[0, t0: t0 + 1, :a], n, axis=0), np.zeros((n, instance.num_vertiports), np.int64),
            unit=unit, optimistic=False, end_kwh_value=price)
