"""Batched vertiport-fleet dynamics: an event-driven semi-MDP, one aircraft's decision per step.

The rules are those of :mod:`routing_gym.envs.vertiport_fleet.types` (``evaluate`` simulates them
separately, aircraft by aircraft). Here every row of the batch advances in numpy: the aircraft
whose next decision time is the earliest (ties: the lowest index) acts; when no aircraft is left
to decide at the current step, that step's charging happens and the clock jumps to the next
decision time.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.vertiport_fleet import layout
from routing_gym.envs.vertiport_fleet.types import (VertiportInstance, boarding, flight_cost, flight_energy,
                                                    leave_energy, parse_flights)
from routing_gym.errors import InstanceError

#: aircraft rows of the observation (fleets are padded to it; larger fleets raise)
MAX_AIRCRAFT = 128
#: forecast bins in the observation, and their length in minutes
FORECAST_BINS = 3
FORECAST_MINUTES = 30.0
#: bound of the unbounded observation entries (counts, money), clipped to it
BOUND = 1e6
#: columns of the observation's ``aircraft`` table
AIRCRAFT_COLUMNS = ("present", "in_flight", "hours_to_ready", "soc", "seats", "up")
#: vertiports a kernel holds (destinations are logged as int8)
MAX_VERTIPORTS = 127
#: "never" as a decision time (absent aircraft)
NEVER = np.iinfo(np.int64).max // 4


class VertiportKernel(Kernel):
    """Aircraft of an eVTOL network flying passengers between vertiports (see ``VertiportFleetEnv``).

    ``Discrete(V)``: the deciding aircraft flies to vertiport ``d``, or waits one step when ``d``
    is its own. The mask is one expression over the destinations: route open, charge enough,
    parking free counting inbound aircraft, a charger free where the aircraft would need one,
    the aircraft up; waiting is always admitted, so the mask is never empty.
    """

    state_fields = ("clock", "actor", "loc", "ready", "nxt", "soc", "waiting", "flown", "num_flights", "boarded",
                    "decisions", "came_from", "departed")
    instance_type = VertiportInstance
    size_name = "num_vertiports"

    def __init__(self, batch_size: int, num_vertiports: int) -> None:
        super().__init__(batch_size, num_vertiports)
        b, v = self.batch_size, self.num_vertiports
        z = lambda *s, dt=np.float64: np.zeros((b,) + s, dtype=dt)  # noqa: E731
        self.coords, self.dist, self.fares, self.energy, self.fcost = z(v, 2), z(v, v), z(v, v), z(v, v), z(v, v)
        self.steps, self.parking, self.chargers = z(v, v, dt=np.int64), z(v, dt=np.int64), z(v, dt=np.int64)
        self.leave = z(v)
        self.horizon, self.max_wait, self.bin_steps = z(dt=np.int64), z(dt=np.int64), z(dt=np.int64)
        self.battery, self.reserve, self.charge, self.step_minutes = z(), z(), z(), z()
        self.total_demand = z()
        self.clock, self.actor = z(dt=np.int64), z(dt=np.int64)
        self.num_flights, self.boarded, self.decisions = z(dt=np.int64), z(dt=np.int64), z(dt=np.int64)
        self.num_aircraft_cap, self.horizon_cap = 0, 0
        self._alloc(1, 1)

    def _alloc(self, a: int, t: int) -> None:
        """(Re)allocate the per-aircraft and per-step arrays for up to ``a`` aircraft and ``t`` steps."""
        b, v = self.batch_size, self.num_vertiports
        a, t = max(a, self.num_aircraft_cap), max(t, self.horizon_cap)
        shapes = {"loc": ((a,), np.int64, -1), "came_from": ((a,), np.int64, 0), "departed": ((a,), np.int64, 0), "ready": ((a,), np.int64, 0), "nxt": ((a,), np.int64, NEVER),
                  "soc": ((a,), np.float64, 0), "seats": ((a,), np.int64, 0), "exists": ((a,), bool, False),
                  "demand": ((t, v, v), np.int32, 0), "waiting": ((t, v, v), np.int32, 0),
                  "rate_cum": ((t + 1, v, v), np.float64, 0), "delay": ((t, v), np.int64, 0),
                  "closed": ((t, v, v), bool, False), "down": ((t, a), bool, False),
                  "flown": ((t, a), np.int8, -1)}
        for name, (shape, dtype, fill) in shapes.items():
            new = np.full((b,) + shape, fill, dtype=dtype)
            old = getattr(self, name, None)
            if old is not None:
                new[(slice(None),) + tuple(slice(0, s) for s in old.shape[1:])] = old
            setattr(self, name, new)
        self.num_aircraft_cap, self.horizon_cap = a, t

    # --- static description ---------------------------------------------------------------
    @property
    def action_space(self) -> spaces.Discrete:
        """``Discrete(V)``: a destination vertiport (the deciding aircraft's own: wait one step)."""
        return spaces.Discrete(self.num_vertiports)

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        v, m, k = num_nodes, MAX_AIRCRAFT, FORECAST_BINS
        box = lambda shape, low=0.0, high=BOUND: spaces.Box(low, high, shape, np.float32)  # noqa: E731
        return spaces.Dict({
            "coords": box((v, 2), 0.0, 1.0),
            "ground": box((v, 5)),
            "queue": box((v, v)),
            "forecast": box((v * v, k)),
            "fares": box((v, v)),
            "flight_cost": box((v, v)),
            "closed": spaces.MultiBinary((v, v)),
            "aircraft": box((m, len(AIRCRAFT_COLUMNS))),
            "aircraft_vertiport": spaces.Box(0, v - 1, (m,), np.int64),
            "clock": box((1,), 0.0, 1.0),
            "deciding": spaces.MultiBinary(m),
            "origin": spaces.MultiBinary(v),
            "action_mask": spaces.MultiBinary(v),
        })

    @classmethod
    def instance_size(cls, instance: VertiportInstance) -> int:
        return instance.num_vertiports

    @classmethod
    def stack(cls, instances: Sequence[VertiportInstance]) -> dict[str, np.ndarray]:
        return layout.stack(instances)

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> VertiportInstance:
        return layout.make_instance(data, i)

    @classmethod
    def solution_to_actions(cls, instance: VertiportInstance, solution: Any) -> tuple[dict[str, Any], list[int]]:
        """The decisions that fly ``solution``'s flights: each deciding aircraft flies its flight at
        that time, or waits (its own vertiport). Played on a kernel of one row (the decision order
        depends on the realised delays).

        :raises InstanceError: for a malformed flight, or one whose aircraft never decides at its time.
        """
        plan = {(a, t): d for t, a, d in parse_flights(instance, solution)}
        k = cls(1, instance.num_vertiports)
        k.load(np.zeros(1, dtype=np.int64), cls.stack([instance]))
        actions: list[int] = []
        while not k.done[0]:
            a, t = int(k.actor[0]), int(k.clock[0])
            act = plan.pop((a, t), int(k.loc[0, a]))
            actions.append(act)
            _, _, invalid = k.step(np.array([act]))
            if invalid[0]:
                return {}, actions  # the replay reports the masked flight
        if plan:
            (a, t), d = min(plan.items(), key=lambda kv: kv[0][::-1])
            raise InstanceError(f"solution: aircraft {a} does not decide at time {t} (it is in the air), "
                                f"so its flight to {d} cannot be flown")
        return {}, actions

    # --- loading ----------------------------------------------------------------------------
    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        if data["coords"].shape[1] != self.num_vertiports:
            raise InstanceError(f"instance has {data['coords'].shape[1]} vertiports but the environment was built "
                                f"for num_vertiports={self.num_vertiports}")
        a, t = data["start"].shape[1], data["demand"].shape[1]
        if a > MAX_AIRCRAFT:
            raise InstanceError(f"start: {a} aircraft; the observation holds at most {MAX_AIRCRAFT}")
        if self.num_vertiports > MAX_VERTIPORTS:
            raise InstanceError(f"coords: {self.num_vertiports} vertiports; the kernel holds at most {MAX_VERTIPORTS}")
        if a > self.num_aircraft_cap or t > self.horizon_cap:
            self._alloc(a, t)
        self._load_static(rows, data, a, t)
        n = np.asarray(data["num_aircraft"])
        self.exists[rows] = np.arange(self.num_aircraft_cap)[None] < n[:, None]
        self.loc[rows] = -1
        self.loc[rows, :a] = np.where(self.exists[rows, :a], data["start"], -1)
        self.soc[rows] = 0.0
        self.soc[rows, :a] = data["soc0"]
        self.seats[rows] = 0
        self.seats[rows, :a] = data["seats"]
        self.ready[rows] = 0
        self.nxt[rows] = np.where(self.exists[rows], 0, NEVER)
        self.waiting[rows] = self.demand[rows]
        self.flown[rows], self.came_from[rows], self.departed[rows] = -1, 0, 0
        self.clock[rows], self.actor[rows] = 0, 0
        self.num_flights[rows], self.boarded[rows], self.decisions[rows] = 0, 0, 0
        self.cost[rows], self.done[rows] = 0.0, False
        flights_max = (n * np.asarray(data["horizon"])).astype(np.float64)
        self.penalty[rows] = flights_max * self.fcost[rows].max(axis=(1, 2)) + 1.0
        self._refresh_mask(rows)

    def _load_static(self, rows: np.ndarray, data: dict[str, np.ndarray], a: int, t: int) -> None:
        for name, key in (("coords", "coords"), ("dist", "distances"), ("fares", "fares"), ("steps", "flight_steps"),
                          ("parking", "parking"), ("chargers", "chargers"), ("horizon", "horizon"),
                          ("max_wait", "max_wait"), ("battery", "battery_kwh"), ("reserve", "reserve_kwh"),
                          ("charge", "charge_kwh"), ("step_minutes", "step_minutes")):
            getattr(self, name)[rows] = data[key]
        self.energy[rows] = flight_energy(data["distances"], data["kwh_per_km"])
        self.fcost[rows] = flight_cost(data["distances"], data["kwh_per_km"], data["energy_price"],
                                       data["operating_cost_per_km"])
        self.leave[rows] = leave_energy(self.energy[rows], data["reserve_kwh"])
        for name, key in (("demand", "demand"), ("delay", "takeoff_delay"), ("closed", "closed"), ("down", "down")):
            arr = getattr(self, name)
            arr[rows] = 0
            arr[(rows,) + tuple(slice(0, s) for s in data[key].shape[1:])] = data[key]
        self.rate_cum[rows] = 0.0
        self.rate_cum[rows, 1: t + 1] = np.cumsum(data["demand_rate"], axis=1)
        self.rate_cum[rows, t + 1:] = self.rate_cum[rows, t: t + 1]
        self.total_demand[rows] = np.asarray(data["demand"]).sum(axis=(1, 2, 3))
        self.bin_steps[rows] = np.maximum(1, np.round(FORECAST_MINUTES / np.asarray(data["step_minutes"]))).astype(np.int64)

    # --- dynamics ---------------------------------------------------------------------------
    def occupancy(self, rows: np.ndarray) -> np.ndarray:
        """``(rows, V)`` aircraft at or flying to each vertiport."""
        v = np.arange(self.num_vertiports)
        return ((self.loc[rows][:, :, None] == v) & self.exists[rows][:, :, None]).sum(axis=1)

    def _refresh_mask(self, rows: np.ndarray) -> None:
        if rows.size == 0:
            return
        a = self.actor[rows]
        t = np.minimum(self.clock[rows], self.horizon_cap - 1)
        o = self.loc[rows, a]
        after = self.soc[rows, a][:, None] - self.energy[rows, o]
        occ = self.occupancy(rows)
        ok = (~self.closed[rows, t, o] & (after >= self.reserve[rows, None]) & (occ < self.parking[rows])
              & ((after >= self.leave[rows]) | (occ < self.chargers[rows]))
              & ~self.down[rows, t, a][:, None])
        ok[np.arange(rows.size), o] = True
        self.mask[rows] = ok

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        valid = self.mask[self._rows, actions] & ~self.done
        reward = np.zeros(self.batch_size)
        p = np.flatnonzero(valid)
        if p.size:
            a, d = self.actor[p], actions[p]
            fly = d != self.loc[p, a]
            self.nxt[p[~fly], a[~fly]] = self.clock[p[~fly]] + 1
            if fly.any():
                reward[p[fly]] = self._fly(p[fly], a[fly], d[fly])
            self.decisions[p] += 1
            self._advance(p)
        self.cost[p] -= reward[p]
        terminated = ~valid | (self.clock >= self.horizon)
        inv = np.flatnonzero(~valid)
        reward[inv] = -self.penalty[inv]
        self.done |= terminated
        return reward, terminated, ~valid

    def _fly(self, f: np.ndarray, a: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Take-off of aircraft ``a`` to ``d`` in rows ``f``; returns each flight's profit."""
        t, o = self.clock[f], self.loc[f, a]
        steps, live = self.window(f)
        fi, oi, di = f[:, None], o[:, None], d[:, None]
        queue = np.where(live, self.waiting[fi, steps, oi, di], 0)
        took = boarding(queue, self.seats[f, a])
        np.subtract.at(self.waiting, (fi, steps, oi, di), took.astype(self.waiting.dtype))
        n = took.sum(axis=1)
        profit = n * self.fares[f, o, d] - self.fcost[f, o, d]
        self.soc[f, a] -= self.energy[f, o, d]
        self.came_from[f, a], self.departed[f, a] = o, t
        self.loc[f, a] = d
        self.ready[f, a] = t + self.delay[f, t, o] + self.steps[f, o, d]
        self.nxt[f, a] = self.ready[f, a]
        self.flown[f, t, a] = d
        self.num_flights[f] += 1
        self.boarded[f] += n
        return profit

    def _advance(self, p: np.ndarray) -> None:
        """Next actor of rows ``p``; where the clock moves on, the current step's charging first."""
        nxt = np.argmin(self.nxt[p], axis=1)
        new_t = self.nxt[p, nxt]
        moves = p[new_t > self.clock[p]]
        if moves.size:
            self._charge(moves)
        self.actor[p], self.clock[p] = nxt, np.minimum(new_t, self.horizon[p])
        self._refresh_mask(p[self.clock[p] < self.horizon[p]])

    def _charge(self, rows: np.ndarray) -> None:
        """Step ``clock`` of ``rows``: at each vertiport the lowest-charged grounded aircraft, up to its chargers."""
        soc, loc = self.soc[rows], self.loc[rows]
        want = self.exists[rows] & (self.ready[rows] <= self.clock[rows, None]) & (soc < self.battery[rows, None])
        idx = np.arange(soc.shape[1])
        before = ((soc[:, None, :] < soc[:, :, None]) | ((soc[:, None, :] == soc[:, :, None]) & (idx[None, None] < idx[None, :, None])))
        rank = (before & want[:, None, :] & (loc[:, None, :] == loc[:, :, None])).sum(axis=2)
        cap = np.take_along_axis(self.chargers[rows], np.maximum(loc, 0), axis=1)
        on = want & (rank < cap)
        self.soc[rows] = np.where(on, np.minimum(soc + self.charge[rows, None], self.battery[rows, None]), soc)

    # --- observations and solutions --------------------------------------------------------------
    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        single = isinstance(rows, (int, np.integer))
        r = np.atleast_1d(np.arange(self.batch_size)[slice(None) if rows is None else rows])
        obs = self._observe_rows(r)
        return {k: v[0] for k, v in obs.items()} if single else obs

    def queued(self, r: np.ndarray) -> np.ndarray:
        """``(rows, V, V)`` passengers waiting now (arrived and not yet lost)."""
        steps, live = self.window(r)
        return (self.waiting[r[:, None], steps] * live[:, :, None, None]).sum(axis=1)

    def window(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, live)``, both ``(rows, W)``: the arrival steps whose passengers may board now,
        oldest first (``clock - max_wait .. clock``; ``live`` false where before step 0 or padding)."""
        t, w = self.clock[rows], self.max_wait[rows]
        width = int(min(w.max(initial=0), self.horizon_cap - 1)) + 1  # no passenger waits longer than the day
        steps = t[:, None] - width + 1 + np.arange(width)[None]
        live = (steps >= (t - w)[:, None]) & (steps >= 0) & (steps < self.horizon[rows, None])
        return np.clip(steps, 0, self.horizon_cap - 1), live

    def forecast(self, r: np.ndarray) -> np.ndarray:
        """``(rows, K, V, V)`` expected arrivals per route in each of the next ``K`` bins (from ``demand_rate``)."""
        edges = self.clock[r, None] + self.bin_steps[r, None] * np.arange(FORECAST_BINS + 1)[None]
        edges = np.minimum(edges, self.horizon[r, None])
        cum = self.rate_cum[r[:, None], edges]
        return cum[:, 1:] - cum[:, :-1]

    def _observe_rows(self, r: np.ndarray) -> dict[str, np.ndarray]:
        n, v, a = r.size, self.num_vertiports, self.num_aircraft_cap
        t = self.clock[r]
        exists, loc = self.exists[r], np.maximum(self.loc[r], 0)
        flying = exists & (self.ready[r] > t[:, None])
        at_v = (loc[:, :, None] == np.arange(v)) & exists[:, :, None]
        on_ground = at_v & ~flying[:, :, None]
        low = (self.soc[r] < self.battery[r, None])[:, :, None]
        ground = np.stack([on_ground.sum(1), (at_v & flying[:, :, None]).sum(1), (on_ground & low).sum(1),
                           self.parking[r], self.chargers[r]], axis=2)
        ac = np.zeros((n, MAX_AIRCRAFT, len(AIRCRAFT_COLUMNS)), np.float32)
        tt = np.minimum(t, self.horizon_cap - 1)
        ac[:, :a] = np.stack([exists, flying, np.maximum(self.ready[r] - t[:, None], 0) * self.step_minutes[r, None] / 60.0,
                              self.soc[r] / self.battery[r, None], self.seats[r],
                              exists & ~self.down[r[:, None], tt[:, None], np.arange(a)[None]]], axis=2)
        vert = np.zeros((n, MAX_AIRCRAFT), np.int64)
        vert[:, :a] = loc
        deciding = np.zeros((n, MAX_AIRCRAFT), np.int8)
        deciding[np.arange(n), self.actor[r]] = 1
        origin = np.zeros((n, v), np.int8)
        origin[np.arange(n), loc[np.arange(n), self.actor[r]]] = 1
        lo, hi = self.coords[r].min(axis=(1, 2))[:, None, None], self.coords[r].max(axis=(1, 2))[:, None, None]
        clip = lambda x: np.clip(x, 0.0, BOUND).astype(np.float32)  # noqa: E731
        return {
            "coords": ((self.coords[r] - lo) / np.where(hi > lo, hi - lo, 1.0)).astype(np.float32),
            "ground": clip(ground), "queue": clip(self.queued(r)), "forecast": clip(self.forecast(r).reshape(n, FORECAST_BINS, v * v).transpose(0, 2, 1)),
            "fares": clip(self.fares[r]), "flight_cost": clip(self.fcost[r]),
            "closed": self.closed[r, tt].astype(np.int8),
            "aircraft": np.clip(ac, 0.0, BOUND), "aircraft_vertiport": vert,
            "clock": np.clip(t / self.horizon[r], 0.0, 1.0).astype(np.float32)[:, None],
            "deciding": deciding, "origin": origin,
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def solution(self, row: int) -> list[list[int]]:
        """The flights flown: ``[aircraft, time, destination]`` in take-off order."""
        t, a = np.nonzero(self.flown[row] >= 0)
        return np.stack([a, t, self.flown[row, t, a].astype(np.int64)], axis=1).tolist()

    def immediate_profit(self, rows: np.ndarray) -> np.ndarray:
        """``(rows, V)`` the reward each action of the deciding aircraft would earn now (0 for waiting)."""
        a = self.actor[rows]
        o = self.loc[rows, a]
        steps, live = self.window(rows)
        queue = (self.waiting[rows[:, None], steps, o[:, None], :] * live[:, :, None]).sum(axis=1)
        n = np.minimum(queue, self.seats[rows, a][:, None])
        out = n * self.fares[rows, o] - self.fcost[rows, o]
        out[np.arange(rows.size), o] = 0.0
        return out

    def partial_solution(self, row: int) -> list[list[int]]:
        return self.solution(row)
