"""Generated ride-hailing days: a grid city with a downtown, commuter peaks, driver shifts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from routing_gym.envs.ride_hailing.types import RideHailingInstance
from routing_gym.envs.validation import check_int_arg, check_real_arg
from routing_gym.errors import InstanceError

GRIDS = ("square", "hex")


def grid_cells(num_cells: int, grid: str) -> tuple[np.ndarray, np.ndarray]:
    """``(C, 2)`` centres (unit spacing) and ``(C, C)`` centre distances of a square or hexagonal grid."""
    cols = int(math.ceil(math.sqrt(num_cells)))
    k = np.arange(num_cells)
    row, col = k // cols, k % cols
    if grid == "hex":  # offset rows: six neighbours at distance 1
        xy = np.stack([col + 0.5 * (row % 2), row * math.sqrt(3) / 2], axis=1).astype(np.float64)
    else:
        xy = np.stack([col, row], axis=1).astype(np.float64)
    dist = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    return xy, dist


def _gauss(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2)


@dataclass(frozen=True)
class RideHailingGenerator:
    """A day on a grid city (square or hexagonal cells), drawn from the ``rng`` passed in.

    Cells near the centre are *downtown* (business weight ``b_c``), the others residential
    (``r_c``). Orders arrive as a Poisson process per tick whose rate follows the hour of day:
    a night low, a morning peak at ``morning_peak`` (trips mostly residential -> downtown) and an
    evening peak at ``evening_peak`` (downtown -> residential), ``peak_ratio`` times the daytime
    level. An order waits ``0..window`` ticks to be matched (uniform), its trip lasts the grid
    distance at ``minutes_per_cell`` (at least one tick), its fare is ``base_fare +
    fare_per_minute * trip minutes`` (times a log-normal tip factor), and its cancellation draw is
    uniform. Drivers work one shift of ``shift_hours`` (+- 1 h), starting mostly before the peaks,
    from a residential cell.

    :param num_cells: cells ``C``.
    :param grid: ``"square"`` (4 neighbours) or ``"hex"`` (6 neighbours).
    :param num_drivers: drivers in the day.
    :param num_ticks: ticks of the day.
    :param tick_minutes: minutes per tick (``num_ticks * tick_minutes`` is the day's length).
    :param orders_per_day: expected orders over the day.
    :param minutes_per_cell: driving minutes per cell of distance.
    :param window: longest wait (ticks) of an order to be matched.
    :param max_pickup: longest pickup (ticks) a match may take.
    :param cancel_rate: cancellation hazard per pickup tick beyond ``cancel_grace``.
    :param cancel_grace: pickup ticks that never cause a cancellation.
    :param reposition_period: ticks between repositioning decisions (0: none).
    :param reposition_cost: cost per tick of empty repositioning.
    :param base_fare: flag fall.
    :param fare_per_minute: fare per trip minute.
    :param morning_peak: hour of the morning peak.
    :param evening_peak: hour of the evening peak.
    :param peak_ratio: peak rate over the daytime rate.
    :param shift_hours: mean shift length.
    :param start_hour: hour of day of tick 0.
    """

    num_cells: int = 16
    grid: str = "square"
    num_drivers: int = 40
    num_ticks: int = 288
    tick_minutes: float = 5.0
    orders_per_day: float = 900.0
    minutes_per_cell: float = 4.0
    window: int = 2
    max_pickup: int = 2
    cancel_rate: float = 0.4
    cancel_grace: int = 1
    reposition_period: int = 3
    reposition_cost: float = 0.3
    base_fare: float = 2.5
    fare_per_minute: float = 0.6
    morning_peak: float = 8.0
    evening_peak: float = 18.0
    peak_ratio: float = 2.5
    shift_hours: float = 8.0
    start_hour: float = 0.0

    def __post_init__(self) -> None:
        check_int_arg(self.num_cells, "num_cells", 1)
        if self.grid not in GRIDS:
            raise InstanceError(f"grid: expected one of {GRIDS}, got {self.grid!r}")
        check_int_arg(self.num_drivers, "num_drivers", 0)
        check_int_arg(self.num_ticks, "num_ticks", 1)
        for name in ("window", "max_pickup", "cancel_grace", "reposition_period"):
            check_int_arg(getattr(self, name), name, 0)
        for name in ("tick_minutes", "minutes_per_cell", "shift_hours"):
            check_real_arg(getattr(self, name), name, 0.0, strict=True)
        for name in ("orders_per_day", "cancel_rate", "reposition_cost", "base_fare", "fare_per_minute"):
            check_real_arg(getattr(self, name), name, 0.0)
        check_real_arg(self.peak_ratio, "peak_ratio", 0.0)
        for name in ("morning_peak", "evening_peak", "start_hour"):
            check_real_arg(getattr(self, name), name)

    # --- the city ----------------------------------------------------------------
    def city(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(cell_xy, travel_time ticks, adjacency, centre distances)`` of the grid."""
        xy, dist = grid_cells(self.num_cells, self.grid)
        travel = np.ceil(dist * self.minutes_per_cell / self.tick_minutes - 1e-9).astype(np.int64)
        adjacency = (dist > 0) & (dist <= 1.0 + 1e-6)
        return xy, travel, adjacency, dist

    def hours(self) -> np.ndarray:
        """Hour of day of each tick."""
        return (self.start_hour + np.arange(self.num_ticks) * self.tick_minutes / 60.0) % 24.0

    def profile(self) -> np.ndarray:
        """``(T, 3)`` arrival rates per tick: commuter-in, commuter-out and background (orders per tick)."""
        h = self.hours()
        day = 0.15 + 0.85 / (1.0 + np.exp(-(h - 6.5) * 2.0)) / (1.0 + np.exp((h - 23.0) * 2.0))
        morning = self.peak_ratio * _gauss(h, self.morning_peak, 1.0)
        evening = self.peak_ratio * _gauss(h, self.evening_peak, 1.3)
        rates = np.stack([morning, evening, day], axis=1)
        total = rates.sum()
        return rates * (self.orders_per_day / total if total > 0 else 0.0)

    # --- a day -------------------------------------------------------------------
    def __call__(self, rng: np.random.Generator) -> RideHailingInstance:
        xy, travel, adjacency, dist = self.city()
        centre = xy.mean(axis=0)
        spread = max(1.0, float(np.linalg.norm(xy - centre, axis=1).max()))
        business = _gauss(np.linalg.norm(xy - centre, axis=1), 0.0, 0.45 * spread) * rng.uniform(0.7, 1.3, len(xy))
        residential = (1.0 - 0.8 * business / business.max()) * rng.uniform(0.7, 1.3, len(xy)) + 1e-3
        orders = self._orders(rng, business / business.sum(), residential / residential.sum(), dist)
        drivers = self._drivers(rng, residential / residential.sum())
        return RideHailingInstance(
            cell_xy=xy, travel_time=travel, adjacency=adjacency, **orders, **drivers,
            num_ticks=self.num_ticks, max_pickup=self.max_pickup, cancel_rate=self.cancel_rate,
            cancel_grace=self.cancel_grace, reposition_period=self.reposition_period,
            reposition_cost=self.reposition_cost, tick_minutes=self.tick_minutes, start_hour=self.start_hour)

    def _orders(self, rng: np.random.Generator, business: np.ndarray, residential: np.ndarray,
                dist: np.ndarray) -> dict[str, np.ndarray]:
        c = self.num_cells
        counts = rng.poisson(self.profile())  # (T, 3)
        kind = np.concatenate([np.full(int(counts[:, k].sum()), k) for k in range(3)]).astype(np.int64)
        arrival = np.concatenate([np.repeat(np.arange(self.num_ticks), counts[:, k]) for k in range(3)])
        order = np.argsort(arrival, kind="stable")
        kind, arrival = kind[order], arrival[order].astype(np.int64)
        mix = 0.5 * (business + residential)
        origin_w = np.stack([residential, business, mix])
        dest_w = np.stack([business, residential, mix])
        n = len(arrival)
        pickup, dropoff = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        for k in range(3):
            of_kind = kind == k
            pickup[of_kind] = rng.choice(c, size=int(of_kind.sum()), p=origin_w[k])
            dropoff[of_kind] = rng.choice(c, size=int(of_kind.sum()), p=dest_w[k])
        minutes = (dist[pickup, dropoff] + 0.5) * self.minutes_per_cell
        duration = np.maximum(1, np.ceil(minutes / self.tick_minutes - 1e-9)).astype(np.int64)
        fare = np.round((self.base_fare + self.fare_per_minute * minutes) * rng.lognormal(0.0, 0.15, n), 2)
        deadline = np.minimum(arrival + rng.integers(0, self.window + 1, n), self.num_ticks - 1)
        return {"order_arrival": arrival, "order_deadline": deadline, "order_pickup": pickup,
                "order_dropoff": dropoff, "order_duration": duration, "order_fare": fare,
                "order_cancel_draw": rng.random(n)}

    def _drivers(self, rng: np.random.Generator, residential: np.ndarray) -> dict[str, np.ndarray]:
        d, per_hour = self.num_drivers, 60.0 / self.tick_minutes
        group = rng.choice(3, size=d, p=[0.5, 0.4, 0.1])
        start_h = np.where(group == 0, rng.normal(self.morning_peak - 1.5, 1.0, d),
                           np.where(group == 1, rng.normal(self.evening_peak - 4.0, 1.5, d),
                                    rng.uniform(0.0, 24.0, d)))
        on = np.clip(np.round((start_h - self.start_hour) % 24.0 * per_hour), 0, self.num_ticks).astype(np.int64)
        length = np.round(rng.uniform(self.shift_hours - 1.0, self.shift_hours + 1.0, d) * per_hour).astype(np.int64)
        off = np.clip(on + np.maximum(length, 1), 0, self.num_ticks)
        home = rng.choice(self.num_cells, size=d, p=residential).astype(np.int64)
        return {"driver_on": on, "driver_off": off, "driver_home": home}

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` days as the kernel's arrays (with the instances themselves)."""
        from routing_gym.envs.ride_hailing.kernel import RideHailingKernel

        return RideHailingKernel.stack([self(rng) for _ in range(size)])
