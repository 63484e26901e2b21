"""Ride-hailing day: the frozen instance, the solution format and ``evaluate``, independent of the env.

A day is ``T`` ticks on a city of ``C`` cells (grid squares, hexagons or data regions). Orders
arrive with a pickup and a drop-off cell, a window of ticks in which they can be matched, a trip
duration, a fare and a cancellation draw; drivers are on line over one interval of ticks.

Solution format (one dict, plain lists of ints):

* ``"matches"``: ``[order, from_cell, tick]`` rows: order ``order`` was served at tick ``tick`` by
  an idle driver of cell ``from_cell`` (the idle driver of that cell with the lowest index).
* ``"moves"``: ``[from_cell, to_cell, tick]`` rows: at tick ``tick`` (a repositioning tick) one
  idle driver of ``from_cell`` (again the lowest index) drove empty to the neighbouring ``to_cell``.

Within a tick, matches are applied in order-index order, then moves in cell order: the order in
which the environment asks for them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.validation import check_finite, check_int_arg, check_real_arg, frozen_array
from routing_gym.errors import InstanceError

#: order fields (one entry per order), in the order they are validated
ORDER_FIELDS = ("order_arrival", "order_deadline", "order_pickup", "order_dropoff", "order_duration",
                "order_fare", "order_cancel_draw")
#: driver fields (one entry per driver)
DRIVER_FIELDS = ("driver_on", "driver_off", "driver_home")


def _float_array(value: Any, field: str, ndim: int) -> np.ndarray:
    arr = frozen_array(value, field, np.float64, ndim=ndim)
    check_finite(arr, field)
    return arr


def _int_array(value: Any, field: str, ndim: int, low: int, high: int | None = None, what: str = "") -> np.ndarray:
    """A read-only int64 array of integers in ``[low, high]`` (``what`` says what bounds it)."""
    arr = _float_array(value, field, ndim)
    bad = (arr != np.round(arr)) | (arr < low) | ((arr > high) if high is not None else False)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = idx if len(idx) > 1 else idx[0]
        rng = f">= {low}" if high is None else f"in {low}..{high}"
        raise InstanceError(f"{field}: value {arr[idx]:g} at {where} is not an integer {rng}{what}")
    out = arr.astype(np.int64)
    out.setflags(write=False)
    return out


def _same_length(arrays: dict[str, np.ndarray], what: str) -> int:
    """The common length of ``arrays``; the odd one out (against the most common length) is named."""
    lengths = {k: int(v.shape[0]) for k, v in arrays.items()}
    values = list(lengths.values())
    common = max(set(values), key=values.count)
    for k, n in lengths.items():
        if n != common:
            others = ", ".join(o for o in lengths if lengths[o] == common)
            raise InstanceError(f"{k}: {n} entries, but {others} have {common} (one per {what})")
    return common


@dataclass(frozen=True, eq=False)
class RideHailingInstance:
    """One ride-hailing day (see the module docstring and ``RideHailingEnv``).

    :param cell_xy: ``(C, 2)`` cell centres (drawing only; any finite numbers).
    :param travel_time: ``(C, C)`` empty-car ticks from cell to cell (pickups and repositioning), integers ``>= 0``.
    :param adjacency: ``(C, C)`` 0/1: the neighbours a driver may be repositioned to (the diagonal is ignored).
    :param order_arrival: ``(N,)`` tick the order appears, ``0..T-1``, non-decreasing.
    :param order_deadline: ``(N,)`` last tick it can be matched, ``arrival..T-1``.
    :param order_pickup: ``(N,)`` pickup cell.
    :param order_dropoff: ``(N,)`` drop-off cell.
    :param order_duration: ``(N,)`` trip ticks from pickup to drop-off, ``>= 1``.
    :param order_fare: ``(N,)`` fare paid when the trip is completed, ``>= 0``.
    :param order_cancel_draw: ``(N,)`` uniform draw in ``[0, 1)``: the rider cancels a match whose pickup
        takes ``w`` ticks when ``draw < 1 - exp(-cancel_rate * max(0, w - cancel_grace))``.
    :param driver_on: ``(D,)`` first tick on line, ``0..T``.
    :param driver_off: ``(D,)`` first tick off line, ``on..T`` (a trip under way is finished).
    :param driver_home: ``(D,)`` cell where the driver comes on line.
    :param num_ticks: ``T``, ticks of the day.
    :param max_pickup: the longest pickup (ticks) a match may take.
    :param cancel_rate: cancellation hazard per tick of pickup beyond ``cancel_grace``, ``>= 0``.
    :param cancel_grace: pickup ticks that never cause a cancellation.
    :param reposition_period: repositioning decisions are asked at ticks ``t % period == 0`` (0: never).
    :param reposition_cost: cost per tick of empty repositioning travel, ``>= 0``.
    :param tick_minutes: minutes per tick (informative).
    :param start_hour: hour of day of tick 0 (informative).
    :param name: a label.
    """

    cell_xy: np.ndarray
    travel_time: np.ndarray
    adjacency: np.ndarray
    order_arrival: np.ndarray
    order_deadline: np.ndarray
    order_pickup: np.ndarray
    order_dropoff: np.ndarray
    order_duration: np.ndarray
    order_fare: np.ndarray
    order_cancel_draw: np.ndarray
    driver_on: np.ndarray
    driver_off: np.ndarray
    driver_home: np.ndarray
    num_ticks: int
    max_pickup: int = 2
    cancel_rate: float = 0.0
    cancel_grace: int = 0
    reposition_period: int = 0
    reposition_cost: float = 0.0
    tick_minutes: float = 5.0
    start_hour: float = 0.0
    name: str = ""

    def __post_init__(self) -> None:
        fields = self._cell_fields()
        c = fields["cell_xy"].shape[0]
        t = check_int_arg(self.num_ticks, "num_ticks", 1)
        fields.update(self._order_fields(c, t))
        fields.update(self._driver_fields(c, t))
        fields["num_ticks"] = t
        fields["max_pickup"] = check_int_arg(self.max_pickup, "max_pickup", 0)
        fields["cancel_rate"] = check_real_arg(self.cancel_rate, "cancel_rate", 0.0)
        fields["cancel_grace"] = check_int_arg(self.cancel_grace, "cancel_grace", 0)
        fields["reposition_period"] = check_int_arg(self.reposition_period, "reposition_period", 0)
        fields["reposition_cost"] = check_real_arg(self.reposition_cost, "reposition_cost", 0.0)
        fields["tick_minutes"] = check_real_arg(self.tick_minutes, "tick_minutes", 0.0, strict=True)
        fields["start_hour"] = check_real_arg(self.start_hour, "start_hour")
        for key, val in fields.items():
            object.__setattr__(self, key, val)

    def _cell_fields(self) -> dict[str, Any]:
        xy = _float_array(self.cell_xy, "cell_xy", 2)
        if xy.shape[1] != 2 or xy.shape[0] < 1:
            raise InstanceError(f"cell_xy: expected shape (C, 2) with C >= 1, got {xy.shape}")
        c = xy.shape[0]
        out: dict[str, Any] = {"cell_xy": xy}
        for name in ("travel_time", "adjacency"):
            arr = _float_array(getattr(self, name), name, 2)
            if arr.shape != (c, c):
                raise InstanceError(f"{name}: expected shape ({c}, {c}) (the {c} cells of cell_xy), got {arr.shape}")
            out[name] = arr
        out["travel_time"] = _int_array(out["travel_time"], "travel_time", 2, 0)
        adj = _int_array(out["adjacency"], "adjacency", 2, 0, 1, " (0/1)").astype(bool)
        adj.setflags(write=False)
        out["adjacency"] = adj
        return out

    def _order_fields(self, c: int, t: int) -> dict[str, np.ndarray]:
        raw = {k: _float_array(getattr(self, k), k, 1) for k in ORDER_FIELDS}
        _same_length(raw, "order")
        out = {
            "order_arrival": _int_array(raw["order_arrival"], "order_arrival", 1, 0, t - 1, f" (num_ticks={t})"),
            "order_pickup": _int_array(raw["order_pickup"], "order_pickup", 1, 0, c - 1, f" ({c} cells)"),
            "order_dropoff": _int_array(raw["order_dropoff"], "order_dropoff", 1, 0, c - 1, f" ({c} cells)"),
            "order_duration": _int_array(raw["order_duration"], "order_duration", 1, 1),
            "order_deadline": _int_array(raw["order_deadline"], "order_deadline", 1, 0, t - 1, f" (num_ticks={t})"),
        }
        arrival, deadline = out["order_arrival"], out["order_deadline"]
        if (np.diff(arrival) < 0).any():
            i = int(np.argmax(np.diff(arrival) < 0)) + 1
            raise InstanceError(f"order_arrival: orders must be sorted by arrival; order {i} arrives at "
                                f"{arrival[i]} after order {i - 1} at {arrival[i - 1]}")
        if (deadline < arrival).any():
            i = int(np.argmax(deadline < arrival))
            raise InstanceError(f"order_deadline: order {i} has deadline {deadline[i]} before its arrival {arrival[i]}")
        fare = raw["order_fare"]
        if (fare < 0).any():
            i = int(np.argmax(fare < 0))
            raise InstanceError(f"order_fare: negative fare {fare[i]:g} at order {i}")
        draw = raw["order_cancel_draw"]
        if ((draw < 0) | (draw >= 1)).any():
            i = int(np.argmax((draw < 0) | (draw >= 1)))
            raise InstanceError(f"order_cancel_draw: value {draw[i]:g} at order {i} is not in [0, 1)")
        out["order_fare"], out["order_cancel_draw"] = fare, draw
        return out

    def _driver_fields(self, c: int, t: int) -> dict[str, np.ndarray]:
        raw = {k: _float_array(getattr(self, k), k, 1) for k in DRIVER_FIELDS}
        _same_length(raw, "driver")
        on = _int_array(raw["driver_on"], "driver_on", 1, 0, t, f" (num_ticks={t})")
        off = _int_array(raw["driver_off"], "driver_off", 1, 0, t, f" (num_ticks={t})")
        if (off < on).any():
            i = int(np.argmax(off < on))
            raise InstanceError(f"driver_off: driver {i} goes off line at {off[i]} before coming on line at {on[i]}")
        home = _int_array(raw["driver_home"], "driver_home", 1, 0, c - 1, f" ({c} cells)")
        return {"driver_on": on, "driver_off": off, "driver_home": home}

    # --- sizes -------------------------------------------------------------------
    @property
    def num_cells(self) -> int:
        return int(self.cell_xy.shape[0])

    @property
    def num_orders(self) -> int:
        return int(self.order_arrival.shape[0])

    @property
    def num_drivers(self) -> int:
        return int(self.driver_on.shape[0])

    def replace(self, **changes: Any) -> "RideHailingInstance":
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"RideHailingInstance{label}(cells={self.num_cells}, orders={self.num_orders}, "
                f"drivers={self.num_drivers}, ticks={self.num_ticks})")


def cancel_probability(pickup_ticks: np.ndarray | int, rate: Any, grace: Any) -> np.ndarray:
    """``1 - exp(-rate * max(0, w - grace))``: the chance a rider cancels a pickup of ``w`` ticks (batched)."""
    late = np.maximum(0, np.asarray(pickup_ticks) - np.asarray(grace))
    return 1.0 - np.exp(-np.asarray(rate, dtype=np.float64) * late)


def reposition_ticks(travel: np.ndarray | int) -> np.ndarray:
    """Ticks an empty move (or a cancelled pickup) keeps a driver busy: at least one."""
    return np.maximum(1, travel)


# --- the solution ----------------------------------------------------------------------------


def _rows(solution: Any, key: str) -> np.ndarray:
    """``solution[key]`` as an ``(k, 3)`` int64 array; raises :class:`InstanceError` naming the key."""
    if not isinstance(solution, dict) or set(solution) - {"matches", "moves"}:
        raise InstanceError(f"solution: expected a dict with keys 'matches' and 'moves', got {solution!r:.80}")
    value = solution.get(key, [])
    rows = list(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    if rows is None:
        raise InstanceError(f"solution[{key!r}]: expected a list of [a, b, tick] rows, got {value!r:.80}")
    if not rows:
        return np.zeros((0, 3), dtype=np.int64)
    for i, row in enumerate(rows):
        ok = isinstance(row, (list, tuple, np.ndarray)) and len(row) == 3 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in row)
        if not ok:
            raise InstanceError(f"solution[{key!r}][{i}]: expected three integers, got {row!r}")
    return np.array([[int(v) for v in row] for row in rows], dtype=np.int64)


def solution_rows(solution: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(matches, moves)`` as ``(k, 3)`` int arrays, each sorted in the environment's decision order."""
    matches, moves = _rows(solution, "matches"), _rows(solution, "moves")
    matches = matches[np.lexsort((matches[:, 0], matches[:, 2]))] if len(matches) else matches
    moves = moves[np.lexsort((moves[:, 0], moves[:, 2]))] if len(moves) else moves
    return matches, moves


@dataclass
class DayReport:
    """What a solution realised: objective parts and the per-driver busy time."""

    revenue: float = 0.0
    reposition_cost: float = 0.0
    served: int = 0
    cancelled: int = 0
    idle_ticks: int = 0
    online_ticks: int = 0

    @property
    def profit(self) -> float:
        return self.revenue - self.reposition_cost


class _Day:
    """An event-by-event replay of matches and moves, one driver at a time (no batching)."""

    def __init__(self, inst: RideHailingInstance) -> None:
        self.inst = inst
        self.cell = inst.driver_home.copy()
        self.free = inst.driver_on.copy()  # a driver is idle at tick t when on <= t < off and free <= t
        self.busy = np.zeros(inst.num_drivers, dtype=np.int64)  # busy ticks inside the on-line interval
        self.report = DayReport()
        #: every dispatch as (driver, tick, free again at, from cell, to cell, reward)
        self.log: list[tuple[int, int, int, int, int, float]] = []

    def idle_driver(self, cell: int, t: int) -> int | None:
        inst = self.inst
        ok = (self.cell == cell) & (inst.driver_on <= t) & (t < inst.driver_off) & (self.free <= t)
        return int(np.argmax(ok)) if ok.any() else None

    def dispatch(self, i: int, t: int, until: int, cell: int, reward: float) -> None:
        self.busy[i] += max(0, min(until, int(self.inst.driver_off[i])) - t)
        self.log.append((i, t, until, int(self.cell[i]), cell, reward))
        self.free[i], self.cell[i] = until, cell

    def match(self, order: int, cell: int, t: int) -> str | None:
        inst = self.inst
        if not 0 <= order < inst.num_orders or not 0 <= cell < inst.num_cells:
            return f"match {[order, cell, t]}: no such order or cell"
        if not inst.order_arrival[order] <= t <= inst.order_deadline[order]:
            return (f"match {[order, cell, t]}: tick outside the order's window "
                    f"{int(inst.order_arrival[order])}..{int(inst.order_deadline[order])}")
        i = self.idle_driver(cell, t)
        if i is None:
            return f"match {[order, cell, t]}: no idle driver in cell {cell} at tick {t}"
        p = int(inst.order_pickup[order])
        w = int(inst.travel_time[cell, p])
        if w > inst.max_pickup:
            return f"match {[order, cell, t]}: pickup takes {w} ticks > max_pickup {inst.max_pickup}"
        if inst.order_cancel_draw[order] < float(cancel_probability(w, inst.cancel_rate, inst.cancel_grace)):
            self.dispatch(i, t, t + int(reposition_ticks(w)), p, 0.0)
            self.report.cancelled += 1
        else:
            fare = float(inst.order_fare[order])
            self.dispatch(i, t, t + w + int(inst.order_duration[order]), int(inst.order_dropoff[order]), fare)
            self.report.served += 1
            self.report.revenue += float(inst.order_fare[order])
        return None

    def move(self, src: int, dst: int, t: int) -> str | None:
        inst = self.inst
        period = inst.reposition_period
        if period == 0 or t % period or not 0 <= t < inst.num_ticks:
            return f"move {[src, dst, t]}: tick {t} is not a repositioning tick (period {period})"
        if not (0 <= src < inst.num_cells and 0 <= dst < inst.num_cells) or src == dst or not inst.adjacency[src, dst]:
            return f"move {[src, dst, t]}: {dst} is not a neighbour of cell {src}"
        i = self.idle_driver(src, t)
        if i is None:
            return f"move {[src, dst, t]}: no idle driver in cell {src} at tick {t}"
        ticks = int(reposition_ticks(inst.travel_time[src, dst]))
        self.dispatch(i, t, t + ticks, dst, -inst.reposition_cost * ticks)
        self.report.reposition_cost += inst.reposition_cost * ticks
        return None

    def finish(self) -> DayReport:
        inst = self.inst
        online = int((inst.driver_off - inst.driver_on).sum())
        self.report.online_ticks = online
        self.report.idle_ticks = online - int(self.busy.sum())
        return self.report


def realise(instance: RideHailingInstance, solution: Any, log: list | None = None) -> tuple[DayReport | None, str | None]:
    """Replay ``solution`` event by event: ``(report, None)``, or ``(None, the first violation)``.

    :param log: when given, receives every dispatch as ``(driver, tick, free again at, from cell, to cell, reward)``.
    """
    try:
        matches, moves = solution_rows(solution)
    except InstanceError as exc:
        return None, str(exc)
    orders, counts = np.unique(matches[:, 0], return_counts=True)
    if (counts > 1).any():
        return None, f"order {int(orders[counts > 1][0])} is matched twice"
    if len(moves) and len(np.unique(moves[:, [0, 2]], axis=0)) != len(moves):
        return None, "two moves from the same cell at the same tick (one per cell and tick)"
    day = _Day(instance)
    if log is not None:
        day.log = log
    ticks = sorted(set(matches[:, 2].tolist()) | set(moves[:, 2].tolist()))
    for t in ticks:
        if not 0 <= t < instance.num_ticks:
            return None, f"tick {t} is outside the day (0..{instance.num_ticks - 1})"
        for o, c, _ in matches[matches[:, 2] == t]:
            why = day.match(int(o), int(c), t)
            if why:
                return None, why
        for src, dst, _ in moves[moves[:, 2] == t]:
            why = day.move(int(src), int(dst), t)
            if why:
                return None, why
    return day.finish(), None


def evaluate_ride_hailing(instance: RideHailingInstance, solution: Any) -> Evaluation:
    """Profit and feasibility of a day's matches and moves, independent of the environment.

    :returns: ``cost`` = the profit (the problem's sense is ``"max"``): fares of the served
        (matched and not cancelled) orders minus ``reposition_cost`` per tick of empty
        repositioning. Infeasible, with the first violation named: a malformed row, an order
        matched twice or outside its window, a cell without an idle driver at that tick, a pickup
        longer than ``max_pickup``, a move off a repositioning tick, to a non-neighbour, or two
        moves from one cell in one tick.
    """
    report, why = realise(instance, solution)
    if report is None:
        return Evaluation(math.nan, False, why)
    return Evaluation(report.profit, True, None)


def day_metrics(instance: RideHailingInstance, solution: Any) -> dict[str, float]:
    """Revenue, answer rate (served / orders), drivers' idle share (idle / on-line driver-ticks),
    cancellations and the number of environment decisions the solution takes."""
    from routing_gym.envs.ride_hailing.kernel import RideHailingKernel

    report, why = realise(instance, solution)
    if report is None:
        raise InstanceError(f"solution is infeasible: {why}")
    _, actions = RideHailingKernel.solution_to_actions(instance, solution)
    return {
        "revenue": report.revenue,
        "answer_rate": report.served / max(1, instance.num_orders),
        "idle_share": report.idle_ticks / max(1, report.online_ticks),
        "cancelled": float(report.cancelled),
        "decisions": float(len(actions)),
    }
