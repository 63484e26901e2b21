"""Batched ride-hailing dynamics: each tick, match open orders to cells of idle drivers, then reposition.

Decisions (``Discrete(C + 1)``, ``C`` cells; action ``C`` is *skip* / *pass*):

* **match phase** of tick ``t``: the current order is the open order of lowest index, not yet
  offered at ``t``, that some idle driver can reach within ``max_pickup`` ticks. Action ``c < C``
  serves it with the lowest-index idle driver of cell ``c`` (masked unless cell ``c`` has an idle
  driver within reach); ``C`` leaves it open (it is offered again next tick until its deadline).
* **reposition phase** (ticks with ``t % reposition_period == 0``, after the match phase): each
  cell holding an idle driver and a neighbour, in cell order, in turn; action ``c`` (a neighbour)
  sends one idle driver there empty, ``C`` keeps them.
* a day without any decision at all gets one *closing* decision (only ``C`` open).

Between decisions the kernel advances by itself: orders past their deadline expire, the clock
ticks, drivers come on and go off line. Every row of the batch advances in the same numpy calls.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.ride_hailing.types import (RideHailingInstance, cancel_probability, reposition_ticks,
                                                 solution_rows)
from routing_gym.errors import InstanceError

MATCH, REPOSITION, CLOSING = 0, 1, 2
#: order status
PAD, OPEN, SERVED, CANCELLED, EXPIRED = 0, 1, 2, 3, 4
#: per-cell observation features (see ``RideHailingEnv``)
CELL_FEATURES = 9
#: bound of the observation's ratios
BOUND = 1e4
#: a tick later than any day
NEVER = np.iinfo(np.int64).max // 4


def _pad(arrays: Sequence[np.ndarray], fill: Any, dtype: Any, width: int | None = None) -> np.ndarray:
    width = max([len(a) for a in arrays] + [width or 0, 1])
    out = np.full((len(arrays), width), fill, dtype=dtype)
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return out


class RideHailingKernel(Kernel):
    """Ride-hailing days stepped in a batch (see ``RideHailingEnv`` for the MDP)."""

    state_fields = ("t", "phase", "cur", "status", "offered", "match_cell", "match_tick", "drv_cell", "drv_free",
                    "move_to", "revenue", "repo_cost", "idle_ticks", "online_ticks", "decisions")
    instance_type = RideHailingInstance
    size_name = "num_cells"
    _ORDER = {"arrival": ("order_arrival", NEVER, np.int64), "deadline": ("order_deadline", -1, np.int64),
              "pickup": ("order_pickup", 0, np.int64), "dropoff": ("order_dropoff", 0, np.int64),
              "duration": ("order_duration", 1, np.int64), "fare": ("order_fare", 0.0, np.float64),
              "draw": ("order_cancel_draw", 1.0, np.float64)}
    _DRIVER = {"on": ("driver_on", 0, np.int64), "off": ("driver_off", 0, np.int64),
               "home": ("driver_home", 0, np.int64)}

    def __init__(self, batch_size: int, num_cells: int) -> None:
        super().__init__(batch_size, num_cells)
        b, c = self.batch_size, self.num_cells
        self.travel = np.zeros((b, c, c), dtype=np.int64)
        self.adj = np.zeros((b, c, c), dtype=bool)
        self.xy = np.zeros((b, c, 2))
        self.num_ticks = np.ones(b, dtype=np.int64)
        self.max_pickup = np.zeros(b, dtype=np.int64)
        self.cancel_rate = np.zeros(b)
        self.cancel_grace = np.zeros(b, dtype=np.int64)
        self.period = np.zeros(b, dtype=np.int64)
        self.unit_cost = np.zeros(b)
        self.mean_fare = np.ones(b)
        self.mean_duration = np.ones(b)
        self.fleet = np.ones(b)
        self.t = np.zeros(b, dtype=np.int64)
        self.phase = np.zeros(b, dtype=np.int64)
        self.cur = np.full(b, -1, dtype=np.int64)
        for k in ("revenue", "repo_cost"):
            setattr(self, k, np.zeros(b))
        for k in ("idle_ticks", "online_ticks", "decisions"):
            setattr(self, k, np.zeros(b, dtype=np.int64))
        self._alloc(1, 1, 1)

    def _alloc(self, n: int, d: int, t: int) -> None:
        """(Re)allocate the per-order, per-driver and per-tick arrays for ``n`` orders, ``d`` drivers, ``t`` ticks."""
        b, c = self.batch_size, self.num_cells
        for name, (_, fill, dtype) in self._ORDER.items():
            setattr(self, name, np.full((b, n), fill, dtype=dtype))
        for name, (_, fill, dtype) in self._DRIVER.items():
            setattr(self, name, np.full((b, d), fill, dtype=dtype))
        self.status = np.zeros((b, n), dtype=np.int8)
        self.offered = np.full((b, n), -1, dtype=np.int64)
        self.match_cell = np.full((b, n), -1, dtype=np.int64)
        self.match_tick = np.full((b, n), -1, dtype=np.int64)
        self.drv_cell = np.zeros((b, d), dtype=np.int64)
        self.drv_free = np.zeros((b, d), dtype=np.int64)
        self.move_to = np.full((b, t, c), -1, dtype=np.int64)
        self.done[:] = True  # every row must be loaded again

    @property
    def action_space(self) -> spaces.Space:
        return spaces.Discrete(self.num_cells + 1)

    @classmethod
    def observation_space(cls, num_cells: int) -> spaces.Dict:
        c = num_cells
        return spaces.Dict({
            "cells": spaces.Box(0.0, BOUND, (c, CELL_FEATURES), np.float32),
            "order": spaces.Box(0.0, BOUND, (3,), np.float32),
            "clock": spaces.Box(0.0, 1.0, (3,), np.float32),
            "action_mask": spaces.MultiBinary(c + 1),
        })

    @classmethod
    def instance_size(cls, instance: RideHailingInstance) -> int:
        return instance.num_cells

    # --- instances <-> arrays ---------------------------------------------------
    @classmethod
    def stack(cls, instances: Sequence[RideHailingInstance]) -> dict[str, np.ndarray]:
        holder = np.empty(len(instances), dtype=object)
        holder[:] = list(instances)
        out: dict[str, np.ndarray] = {"instance": holder}
        for _, (field, fill, dtype) in {**cls._ORDER, **cls._DRIVER}.items():
            out[field] = _pad([getattr(i, field) for i in instances], fill, dtype)
        out["num_orders"] = np.array([i.num_orders for i in instances], dtype=np.int64)
        out["num_drivers"] = np.array([i.num_drivers for i in instances], dtype=np.int64)
        for field in ("cell_xy", "travel_time", "adjacency"):
            out[field] = np.stack([getattr(i, field) for i in instances])
        for field in ("num_ticks", "max_pickup", "cancel_rate", "cancel_grace", "reposition_period", "reposition_cost"):
            out[field] = np.array([getattr(i, field) for i in instances])
        return out

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> RideHailingInstance:
        if "instance" in data:
            return data["instance"][i]
        n, d = int(data["num_orders"][i]), int(data["num_drivers"][i])
        kw: dict[str, Any] = {f: data[f][i, :n] for f, _, _ in cls._ORDER.values()}
        kw.update({f: data[f][i, :d] for f, _, _ in cls._DRIVER.values()})
        kw.update({f: data[f][i] for f in ("cell_xy", "travel_time", "adjacency")})
        kw.update(num_ticks=int(data["num_ticks"][i]), max_pickup=int(data["max_pickup"][i]),
                  cancel_rate=float(data["cancel_rate"][i]), cancel_grace=int(data["cancel_grace"][i]),
                  reposition_period=int(data["reposition_period"][i]),
                  reposition_cost=float(data["reposition_cost"][i]))
        for key in ("tick_minutes", "start_hour"):
            if key in data:
                kw[key] = float(data[key][i])
        return RideHailingInstance(**kw)

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        if data["travel_time"].shape[1] != self.num_cells:
            raise InstanceError(f"instance has {data['travel_time'].shape[1]} cells but the environment was built "
                                f"for num_cells={self.num_cells}")
        n, d = data["order_arrival"].shape[1], data["driver_on"].shape[1]
        t_max = int(np.max(data["num_ticks"]))
        if n > self.arrival.shape[1] or d > self.on.shape[1] or t_max > self.move_to.shape[1]:
            keep = np.setdiff1d(self._rows, rows)
            saved = {k: getattr(self, k)[keep].copy() for k in self._per_row_arrays()} if keep.size else {}
            old_done = self.done[keep].copy()
            self._alloc(max(n, self.arrival.shape[1]), max(d, self.on.shape[1]), max(t_max, self.move_to.shape[1]))
            for k, v in saved.items():
                dst = getattr(self, k)
                dst[(keep,) + tuple(slice(0, s) for s in v.shape[1:])] = v
            self.done[keep] = old_done
        self._load_arrays(rows, data)
        self._advance(rows)

    def _per_row_arrays(self) -> tuple[str, ...]:
        return tuple(self._ORDER) + tuple(self._DRIVER) + ("status", "offered", "match_cell", "match_tick",
                                                           "drv_cell", "drv_free", "move_to")

    def _load_arrays(self, rows: np.ndarray, data: dict[str, np.ndarray]) -> None:
        n, d = data["order_arrival"].shape[1], data["driver_on"].shape[1]
        for name, (field, fill, _) in self._ORDER.items():
            arr = getattr(self, name)
            arr[rows] = fill
            arr[rows, :n] = data[field]
        for name, (field, fill, _) in self._DRIVER.items():
            arr = getattr(self, name)
            arr[rows] = fill
            arr[rows, :d] = data[field]
        valid = np.arange(self.arrival.shape[1])[None, :] < data["num_orders"][:, None]
        self.status[rows] = np.where(valid, OPEN, PAD)
        self.offered[rows], self.match_cell[rows], self.match_tick[rows] = -1, -1, -1
        self.drv_cell[rows], self.drv_free[rows] = self.home[rows], self.on[rows]
        self.move_to[rows] = -1
        self.travel[rows], self.adj[rows], self.xy[rows] = data["travel_time"], data["adjacency"], data["cell_xy"]
        self.adj[rows[:, None], np.arange(self.num_cells), np.arange(self.num_cells)] = False
        self.num_ticks[rows], self.max_pickup[rows] = data["num_ticks"], data["max_pickup"]
        self.cancel_rate[rows], self.cancel_grace[rows] = data["cancel_rate"], data["cancel_grace"]
        self.period[rows], self.unit_cost[rows] = data["reposition_period"], data["reposition_cost"]
        fare = self.fare[rows]  # zero beyond each row's orders
        count = np.maximum(1, data["num_orders"])
        self.mean_fare[rows] = np.maximum(fare.sum(axis=1) / count, 1e-9)
        self.mean_duration[rows] = np.maximum(self.duration[rows].sum(axis=1, where=valid) / count, 1.0)
        self.fleet[rows] = np.maximum(1, data["num_drivers"])
        # worse than any day: every fare plus the dearest repositioning possible at every cell and tick
        worst = data["reposition_cost"] * reposition_ticks(data["travel_time"]).max(axis=(1, 2)) * self.num_cells
        self.penalty[rows] = fare.sum(axis=1) + worst * data["num_ticks"] + 1.0
        self.t[rows], self.phase[rows], self.cur[rows] = 0, MATCH, -1
        for k in ("revenue", "repo_cost", "idle_ticks", "online_ticks", "decisions", "cost"):
            getattr(self, k)[rows] = 0
        self.done[rows] = False

    # --- drivers and orders now -------------------------------------------------
    def _idle(self, r: np.ndarray) -> np.ndarray:
        """``(R, D)``: drivers on line and free at the rows' current tick."""
        t = self.t[r, None]
        return (self.on[r] <= t) & (t < self.off[r]) & (self.drv_free[r] <= t)

    def _idle_counts(self, r: np.ndarray, idle: np.ndarray) -> np.ndarray:
        """``(R, C)`` idle drivers per cell."""
        c = self.num_cells
        flat = (np.arange(r.size)[:, None] * c + self.drv_cell[r]).ravel()
        return np.bincount(flat, weights=idle.ravel(), minlength=r.size * c).reshape(r.size, c)

    def _reach(self, r: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """``(R, C, C)``: cell ``c`` has an idle driver within ``max_pickup`` of cell ``p`` (``[r, c, p]``)."""
        return (counts > 0)[:, :, None] & (self.travel[r] <= self.max_pickup[r, None, None])

    # --- the clock ----------------------------------------------------------------
    def _find(self, r: np.ndarray) -> np.ndarray:
        """Set the next decision of rows ``r`` at their current tick and phase; ``(R,)`` whether one exists."""
        counts = self._idle_counts(r, self._idle(r))
        found = np.zeros(r.size, dtype=bool)
        m = self.phase[r] == MATCH
        if m.any():
            rm = r[m]
            near = self._reach(rm, counts[m]).any(axis=1)  # (R, C): pickup cells some idle driver reaches
            t = self.t[rm, None]
            cand = (self.status[rm] == OPEN) & (self.arrival[rm] <= t) & (self.offered[rm] < t)
            cand &= np.take_along_axis(near, self.pickup[rm], axis=1)
            has = cand.any(axis=1)
            self.cur[rm[has]] = np.argmax(cand[has], axis=1)
            found[m] = has
        p = self.phase[r] == REPOSITION
        if p.any():
            rp = r[p]
            cells = np.arange(self.num_cells)
            cand = (counts[p] > 0) & self.adj[rp].any(axis=2) & (cells[None, :] > self.cur[rp, None])
            has = cand.any(axis=1)
            self.cur[rp[has]] = np.argmax(cand[has], axis=1)
            found[p] = has
        found |= self.phase[r] == CLOSING
        return found

    def _next_phase(self, r: np.ndarray) -> None:
        """Rows ``r`` have no decision left in their phase: reposition, or close the tick."""
        to_repo = (self.phase[r] == MATCH) & (self.period[r] > 0) & (self.t[r] % np.maximum(self.period[r], 1) == 0)
        self.phase[r[to_repo]], self.cur[r[to_repo]] = REPOSITION, -1
        self._close_tick(r[~to_repo])

    def _close_tick(self, r: np.ndarray) -> None:
        """End the tick of rows ``r``: count idle and on-line drivers, expire orders, move the clock."""
        if r.size == 0:
            return
        t = self.t[r, None]
        online = (self.on[r] <= t) & (t < self.off[r])
        self.online_ticks[r] += online.sum(axis=1)
        self.idle_ticks[r] += (online & (self.drv_free[r] <= t)).sum(axis=1)
        expired = (self.status[r] == OPEN) & (self.deadline[r] <= t)
        self.status[r] = np.where(expired, EXPIRED, self.status[r])
        self.t[r] += 1
        self.phase[r], self.cur[r] = MATCH, -1
        over = self.t[r] >= self.num_ticks[r]
        closing = over & (self.decisions[r] == 0)
        self.phase[r[closing]] = CLOSING
        self.done[r[over & ~closing]] = True

    def _advance(self, rows: np.ndarray) -> None:
        """Move rows ``rows`` forward to their next decision (or the end of the day), then refresh masks."""
        pending = rows[~self.done[rows]]
        while pending.size:
            found = self._find(pending)
            pending = pending[~found]
            self._next_phase(pending)
            pending = pending[~self.done[pending]]
        self._refresh_mask(rows)

    def _refresh_mask(self, rows: np.ndarray) -> None:
        c = self.num_cells
        r = rows[~self.done[rows]]
        self.mask[rows] = False
        self.mask[rows, c] = True
        if r.size == 0:
            return
        counts = self._idle_counts(r, self._idle(r))
        m = self.phase[r] == MATCH
        if m.any():
            rm = r[m]
            pick = self.pickup[rm, self.cur[rm]]
            self.mask[rm, :c] = (counts[m] > 0) & (self.travel[rm, :, pick] <= self.max_pickup[rm, None])
        p = self.phase[r] == REPOSITION
        if p.any():
            rp = r[p]
            self.mask[rp, :c] = self.adj[rp, self.cur[rp]]

    # --- a decision -----------------------------------------------------------------
    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c = self.num_cells
        valid = self.mask[self._rows, actions] & ~self.done
        reward = np.zeros(self.batch_size)
        act = valid & (actions < c)
        self._match(np.flatnonzero(act & (self.phase == MATCH)), actions, reward)
        self._move(np.flatnonzero(act & (self.phase == REPOSITION)), actions, reward)
        skip = np.flatnonzero(valid & (actions == c) & (self.phase == MATCH))
        self.offered[skip, self.cur[skip]] = self.t[skip]
        closing = np.flatnonzero(valid & (self.phase == CLOSING))
        self.done[closing] = True
        ok = np.flatnonzero(valid)
        self.decisions[ok] += 1
        self.cost[ok] -= reward[ok]
        self._advance(ok)
        inv = np.flatnonzero(~valid)
        reward[inv] = -self.penalty[inv]
        terminated = self.done.copy()
        terminated[inv] = True
        self.done[inv] = True
        return reward, terminated, ~valid

    def _driver_of(self, r: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """The lowest-index idle driver of ``cells`` in rows ``r``."""
        cand = self._idle(r) & (self.drv_cell[r] == cells[:, None])
        return np.argmax(cand, axis=1)

    def _match(self, r: np.ndarray, actions: np.ndarray, reward: np.ndarray) -> None:
        if r.size == 0:
            return
        a, o, t = actions[r], self.cur[r], self.t[r]
        i = self._driver_of(r, a)
        pick = self.pickup[r, o]
        w = self.travel[r, a, pick]
        cancel = self.draw[r, o] < cancel_probability(w, self.cancel_rate[r], self.cancel_grace[r])
        self.drv_free[r, i] = np.where(cancel, t + reposition_ticks(w), t + w + self.duration[r, o])
        self.drv_cell[r, i] = np.where(cancel, pick, self.dropoff[r, o])
        self.status[r, o] = np.where(cancel, CANCELLED, SERVED)
        self.match_cell[r, o], self.match_tick[r, o], self.offered[r, o] = a, t, t
        gain = np.where(cancel, 0.0, self.fare[r, o])
        self.revenue[r] += gain
        reward[r] = gain

    def _move(self, r: np.ndarray, actions: np.ndarray, reward: np.ndarray) -> None:
        if r.size == 0:
            return
        a, src, t = actions[r], self.cur[r], self.t[r]
        i = self._driver_of(r, src)
        ticks = reposition_ticks(self.travel[r, src, a])
        self.drv_free[r, i], self.drv_cell[r, i] = t + ticks, a
        self.move_to[r, t, src] = a
        cost = self.unit_cost[r] * ticks
        self.repo_cost[r] += cost
        reward[r] = -cost

    # --- views ------------------------------------------------------------------------
    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        single = isinstance(rows, (int, np.integer))
        r = np.atleast_1d(np.arange(self.batch_size)[slice(None) if rows is None else rows])
        obs = self._observe_rows(r)
        return {k: v[0] for k, v in obs.items()} if single else obs

    def _observe_rows(self, r: np.ndarray) -> dict[str, np.ndarray]:
        c, n_rows = self.num_cells, r.size
        idle = self._idle(r)
        counts = self._idle_counts(r, idle)
        t = self.t[r, None]
        online = (self.on[r] <= t) & (t < self.off[r])
        soon = online & (self.drv_free[r] > t) & (self.drv_free[r] <= t + self.max_pickup[r, None])
        arriving = self._idle_counts(r, soon)
        is_open = (self.status[r] == OPEN) & (self.arrival[r] <= t)
        waiting = self._count_cells(self.pickup[r], is_open)
        heading = self._count_cells(self.dropoff[r], is_open)
        cells = np.zeros((n_rows, c, CELL_FEATURES))
        fleet = self.fleet[r, None]
        cells[:, :, 0], cells[:, :, 1] = counts / fleet, arriving / fleet
        cells[:, :, 2], cells[:, :, 3] = waiting / fleet, heading / fleet
        order = np.zeros((n_rows, 3))
        o = np.maximum(self.cur[r], 0)
        m = (self.phase[r] == MATCH) & ~self.done[r] & (self.cur[r] >= 0)
        rows = np.arange(n_rows)
        if m.any():
            pick, drop = self.pickup[r, o], self.dropoff[r, o]
            wait = self.travel[r, :, pick] / np.maximum(1, self.max_pickup[r, None])
            cells[m, :, 4] = wait[m]
            cells[rows[m], pick[m], 5] = 1.0
            cells[rows[m], drop[m], 6] = 1.0
            order[m, 0] = self.fare[r, o][m] / self.mean_fare[r][m]
            order[m, 1] = self.duration[r, o][m] / self.mean_duration[r][m]
            order[m, 2] = (self.deadline[r, o] - self.t[r])[m] + 1.0
        p = (self.phase[r] == REPOSITION) & ~self.done[r]
        if p.any():
            cur = self.cur[r]
            cells[rows[p], cur[p], 7] = 1.0
            cells[p, :, 8] = self.adj[r[p], cur[p]]
        clock = np.stack([np.minimum(self.t[r] / self.num_ticks[r], 1.0), self.phase[r] == MATCH,
                          self.phase[r] == REPOSITION], axis=1)
        return {
            "cells": np.clip(cells, 0.0, BOUND).astype(np.float32),
            "order": np.clip(order, 0.0, BOUND).astype(np.float32),
            "clock": clock.astype(np.float32),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def _count_cells(self, cell: np.ndarray, weight: np.ndarray) -> np.ndarray:
        c = self.num_cells
        flat = (np.arange(cell.shape[0])[:, None] * c + cell).ravel()
        return np.bincount(flat, weights=weight.ravel(), minlength=cell.shape[0] * c).reshape(cell.shape[0], c)

    def solution(self, row: int) -> dict[str, list[list[int]]]:
        done = np.flatnonzero(self.match_tick[row] >= 0)
        done = done[np.lexsort((done, self.match_tick[row, done]))]
        matches = [[int(o), int(self.match_cell[row, o]), int(self.match_tick[row, o])] for o in done]
        ticks, src = np.nonzero(self.move_to[row] >= 0)
        moves = [[int(s), int(self.move_to[row, t, s]), int(t)] for t, s in zip(ticks, src)]
        return {"matches": matches, "moves": moves}

    def partial_solution(self, row: int) -> dict[str, list[list[int]]]:
        return self.solution(row)

    def report(self, row: int) -> dict[str, float]:
        """Revenue, answer rate, idle share and decisions of ``row`` so far."""
        n = int((self.status[row] != PAD).sum())
        return {"revenue": float(self.revenue[row]), "reposition_cost": float(self.repo_cost[row]),
                "answer_rate": float((self.status[row] == SERVED).sum()) / max(1, n),
                "idle_share": float(self.idle_ticks[row]) / max(1, int(self.online_ticks[row])),
                "cancelled": float((self.status[row] == CANCELLED).sum()), "decisions": float(self.decisions[row])}

    @classmethod
    def solution_to_actions(cls, instance: RideHailingInstance, solution: Any) -> tuple[dict[str, Any], list[int]]:
        """The decisions that realise ``solution``, found by stepping a batch-1 kernel on ``instance``.

        A match ``[o, c, t]`` answers the offer of order ``o`` at tick ``t`` with ``c``; a move
        ``[s, d, t]`` answers cell ``s``'s repositioning decision at ``t`` with ``d``; every other
        decision is skip / pass. A masked choice is returned as played (the environment then refuses
        it); a row the environment never asks for raises :class:`InstanceError`.
        """
        matches, moves = solution_rows(solution)
        want_match = {(int(o), int(t)): int(c) for o, c, t in matches}
        want_move = {(int(s), int(t)): int(d) for s, d, t in moves}
        k = cls(1, instance.num_cells)
        k.load(np.zeros(1, dtype=np.int64), cls.stack([instance]))
        c, actions = instance.num_cells, []
        while not k.done[0]:
            key = (int(k.cur[0]), int(k.t[0]))
            table = want_match if k.phase[0] == MATCH else want_move if k.phase[0] == REPOSITION else {}
            a = table.pop(key, c)
            actions.append(a)
            _, _, invalid = k.step(np.array([a]))
            if invalid[0]:
                return {}, actions
        left = [("match", o, t, cell) for (o, t), cell in want_match.items()] + \
               [("move", s, t, d) for (s, t), d in want_move.items()]
        if left:
            what, a, t, b = left[0]
            row = [a, b, t]
            raise InstanceError(f"solution: {what} {row} is never asked for by the environment (the order is not "
                                f"open then, or no idle driver can reach it / the cell has no idle driver)")
        return {}, actions
