"""Ride-hailing days from data: AMoD region scenarios (JSON) and taxi trip tables (CSV).

``load_amod(path)`` plays one region-level scenario of RL4AMOD (``scenario_<city>.json``: minute
demand rates between regions with trip times and prices, hourly empty-vehicle times, hourly fleet
size, region adjacency) as a day with regions as cells. Trip requests are Poisson draws of the
minute rates times the city's ``demand_ratio`` (from ``calibrated_parameters.json`` beside the
file when it names the city), seeded by ``seed``: the scenario is a distribution of days, and each
seed one day of it.

``load_trips(path)`` reads a trip table (one row per trip: ``pickup`` and ``dropoff`` date-times,
``pickup_zone``, ``dropoff_zone``, ``fare``; e.g. the NYC TLC sample ``nyc_taxis_2019-03.csv``) as a
day: the most frequent zones become cells (the rest one ``other`` cell), trips are folded onto one
day by their time of day (or only those of ``date``), empty travel times between cells are the
median observed trip times (shortest paths where a pair was never observed).

Every malformed file raises :class:`~routing_gym.errors.InstanceError` naming the file (and the
row or key).
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from routing_gym.envs.distances import mds_embedding
from routing_gym.envs.ride_hailing.types import RideHailingInstance
from routing_gym.errors import InstanceError

AMOD_KEYS = ("nlat", "nlon", "demand", "totalAcc", "rebTime", "topology_graph")
TRIP_COLUMNS = ("pickup", "dropoff", "pickup_zone", "dropoff_zone", "fare")


# --- shared -------------------------------------------------------------------------------------


def embed(minutes: np.ndarray) -> np.ndarray:
    """``(C, 2)`` positions whose distances follow a travel-time matrix (classical MDS; drawing only)."""
    xy = mds_embedding(minutes)
    return np.pad(xy, ((0, 0), (0, 2 - xy.shape[1])))


def _ticks(minutes: np.ndarray | float, tick_minutes: float) -> np.ndarray:
    return np.ceil(np.asarray(minutes, dtype=np.float64) / tick_minutes - 1e-9).astype(np.int64)


def _drivers(num_cells: int, num_drivers: int, num_ticks: int, tick_minutes: float, start_hour: float,
             weights: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Driver shifts and homes as the generator draws them (homes weighted by ``weights``)."""
    from routing_gym.envs.ride_hailing.generator import RideHailingGenerator

    gen = RideHailingGenerator(num_cells=num_cells, num_drivers=num_drivers, num_ticks=num_ticks,
                               tick_minutes=tick_minutes, start_hour=start_hour)
    return gen._drivers(rng, weights / weights.sum())


def _positive(value: Any, name: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < float(value) < math.inf:
        raise InstanceError(f"{path}: option {name} must be a number > 0, got {value!r}")
    return float(value)


def _build(path: Path, fields: dict[str, Any]) -> RideHailingInstance:
    """The instance, with the file named in any error (a bad option or a day the data make impossible)."""
    try:
        return RideHailingInstance(**fields)
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None


# --- AMoD region scenarios ---------------------------------------------------------------------------


def sniff_amod(path: Path, head: str) -> bool:
    """A JSON object whose first keys include ``nlat`` and ``nlon`` (RL4AMOD macro scenarios)."""
    text = head.lstrip()
    return text.startswith("{") and '"nlat"' in text and '"nlon"' in text


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: not a readable amod-macro JSON scenario ({exc})") from None
    if not isinstance(data, dict):
        raise InstanceError(f"{path}: expected a JSON object with keys {', '.join(AMOD_KEYS)}")
    missing = [k for k in AMOD_KEYS if k not in data]
    if missing:
        raise InstanceError(f"{path}: amod-macro scenario misses key(s) {', '.join(missing)}")
    return data


def _records(data: dict[str, Any], key: str, fields: tuple[str, ...], path: Path) -> np.ndarray:
    """``data[key]`` (a list of dicts) as an ``(n, len(fields))`` float array; naming the key and entry."""
    rows = data[key]
    if not isinstance(rows, list) or not rows:
        raise InstanceError(f"{path}: {key} must be a non-empty list of records")
    out = np.zeros((len(rows), len(fields)))
    for i, rec in enumerate(rows):
        try:
            out[i] = [float(rec[f]) for f in fields]
        except (KeyError, TypeError, ValueError):
            raise InstanceError(f"{path}: {key}[{i}] must hold numbers {', '.join(fields)}, got {rec!r:.120}") from None
    if not np.isfinite(out).all():
        i = int(np.argwhere(~np.isfinite(out))[0][0])
        raise InstanceError(f"{path}: {key}[{i}] holds a non-finite number")
    return out


def _calibration(path: Path) -> dict[str, Any]:
    """The city's entry of ``calibrated_parameters.json`` beside the scenario, or ``{}``."""
    city = path.stem.removeprefix("scenario_")
    calib = path.with_name("calibrated_parameters.json")
    if not calib.is_file():
        return {}
    try:
        return dict(json.loads(calib.read_text(encoding="utf-8")).get(city, {}))
    except (json.JSONDecodeError, AttributeError, TypeError):
        return {}


def load_amod(path: str | Path, *, seed: int = 0, tick_minutes: float = 3.0, window_minutes: float = 3.0,
              max_pickup_minutes: float = 9.0, demand_ratio: float | None = None, fleet_scale: float = 1.0,
              cancel_rate: float = 0.0, cancel_grace: int = 0, reposition_period: int = 1,
              reposition_cost: float | None = None) -> RideHailingInstance:
    """One day of an RL4AMOD macro scenario (see the module docstring).

    :param seed: the day (Poisson draws of the demand, cancellation draws).
    :param tick_minutes: minutes per tick (RL4AMOD steps 3 minutes).
    :param window_minutes: how long a request waits to be matched.
    :param max_pickup_minutes: the longest empty drive to a pickup.
    :param demand_ratio: demand scaling (default: the city's calibrated ratio, else 1).
    :param fleet_scale: multiplies the hourly fleet sizes.
    :param reposition_period: ticks between repositioning decisions (0: none).
    :param reposition_cost: cost per tick of empty repositioning (default: the city's ``beta`` per
        vehicle-minute times ``tick_minutes``).
    """
    path = Path(path)
    data = _read_json(path)
    tick_minutes = _positive(tick_minutes, "tick_minutes", path)
    calib = _calibration(path)
    ratio = float(calib.get("demand_ratio", 1.0)) if demand_ratio is None else _positive(demand_ratio, "demand_ratio", path)
    try:
        cells = int(data["nlat"]) * int(data["nlon"])
    except (TypeError, ValueError):
        raise InstanceError(f"{path}: nlat and nlon must be integers") from None
    demand = _records(data, "demand", ("time_stamp", "origin", "destination", "demand", "travel_time", "price"), path)
    reb = _records(data, "rebTime", ("time_stamp", "origin", "destination", "reb_time"), path)
    acc = _records(data, "totalAcc", ("hour", "acc"), path)
    topo = _records(data, "topology_graph", ("i", "j"), path)
    for name, arr, cols in (("demand", demand, (1, 2)), ("rebTime", reb, (1, 2)), ("topology_graph", topo, (0, 1))):
        bad = (arr[:, cols] < 0) | (arr[:, cols] >= cells) | (arr[:, cols] != np.round(arr[:, cols]))
        if bad.any():
            i = int(np.argwhere(bad)[0][0])
            raise InstanceError(f"{path}: {name}[{i}] names a region outside 0..{cells - 1}")
    if (demand[:, 3:] < 0).any():
        raise InstanceError(f"{path}: demand[{int(np.argwhere(demand[:, 3:] < 0)[0][0])}] has a negative rate, time or price")
    start_min = float(demand[:, 0].min())
    start_hour = float(calib.get("json_hr", start_min // 60))
    start_min = min(start_min, start_hour * 60.0)
    num_ticks = int(_ticks(demand[:, 0].max() - start_min + 1, tick_minutes))
    rng = np.random.default_rng([int(seed), 20240])
    orders = _amod_orders(demand, ratio, start_min, tick_minutes, num_ticks, window_minutes, rng)
    minutes = _amod_travel(reb, cells, start_hour)
    adjacency = np.zeros((cells, cells), dtype=bool)
    adjacency[topo[:, 0].astype(int), topo[:, 1].astype(int)] = True
    adjacency |= adjacency.T
    drivers = _amod_fleet(acc, start_hour, fleet_scale, cells, num_ticks, tick_minutes, demand, rng)
    beta = float(calib.get("beta", 0.0))
    return _build(path, dict(
        cell_xy=embed(minutes), travel_time=_ticks(minutes, tick_minutes), adjacency=adjacency, **orders, **drivers,
        num_ticks=num_ticks, max_pickup=int(max_pickup_minutes // tick_minutes), cancel_rate=cancel_rate,
        cancel_grace=cancel_grace, reposition_period=reposition_period,
        reposition_cost=beta * tick_minutes if reposition_cost is None else reposition_cost,
        tick_minutes=tick_minutes, start_hour=start_hour, name=f"{path.stem}-day{seed}"))


def _amod_orders(demand: np.ndarray, ratio: float, start_min: float, tick_minutes: float, num_ticks: int,
                 window_minutes: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    counts = rng.poisson(demand[:, 3] * ratio)
    rows = np.repeat(np.arange(len(demand)), counts)
    arrival = np.minimum(((demand[rows, 0] - start_min) // tick_minutes).astype(np.int64), num_ticks - 1)
    order = np.argsort(arrival, kind="stable")
    rows, arrival = rows[order], arrival[order]
    n = len(rows)
    window = int(window_minutes // tick_minutes)
    return {"order_arrival": arrival, "order_deadline": np.minimum(arrival + window, num_ticks - 1),
            "order_pickup": demand[rows, 1].astype(np.int64), "order_dropoff": demand[rows, 2].astype(np.int64),
            "order_duration": np.maximum(1, _ticks(demand[rows, 4], tick_minutes)), "order_fare": demand[rows, 5],
            "order_cancel_draw": rng.random(n)}


def _amod_travel(reb: np.ndarray, cells: int, start_hour: float) -> np.ndarray:
    """``(C, C)`` empty-vehicle minutes of the first hour (the latest earlier hour, else the first listed)."""
    hours = np.unique(reb[:, 0])
    hour = hours[hours <= start_hour].max() if (hours <= start_hour).any() else hours.min()
    rows = reb[reb[:, 0] == hour]
    minutes = np.full((cells, cells), np.nan)
    minutes[rows[:, 1].astype(int), rows[:, 2].astype(int)] = rows[:, 3]
    np.fill_diagonal(minutes, 0.0)
    known = minutes[np.isfinite(minutes)]
    return np.where(np.isfinite(minutes), np.maximum(minutes, 0.0), known.max() if known.size else 0.0)


def _amod_fleet(acc: np.ndarray, start_hour: float, fleet_scale: float, cells: int, num_ticks: int,
                tick_minutes: float, demand: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Driver ``i`` is on line in the first run of hours whose fleet exceeds ``i``; homes by origin demand."""
    order = np.argsort(acc[:, 0])
    hours, sizes = acc[order, 0], np.round(acc[order, 1] * fleet_scale).astype(np.int64)
    d = int(sizes.max()) if sizes.size else 0
    per_hour = 60.0 / tick_minutes
    start = np.clip(np.round((hours - start_hour) * per_hour), 0, num_ticks).astype(np.int64)
    on, off = np.full(d, num_ticks, dtype=np.int64), np.full(d, num_ticks, dtype=np.int64)
    for h in range(len(hours)):
        active = np.arange(d) < sizes[h]
        first = active & (on == num_ticks)
        on[first] = start[h]
        ended = ~active & (on < num_ticks) & (off == num_ticks)
        off[ended] = start[h]
    weights = np.bincount(demand[:, 1].astype(np.int64), weights=demand[:, 3], minlength=cells) + 1e-6
    home = _largest_remainder(weights, d, rng)
    return {"driver_on": on, "driver_off": np.maximum(off, on), "driver_home": home}


def _largest_remainder(weights: np.ndarray, d: int, rng: np.random.Generator) -> np.ndarray:
    """``d`` homes spread over cells in proportion to ``weights`` (largest remainder), in random order."""
    share = weights / weights.sum() * d
    count = np.floor(share).astype(np.int64)
    extra = np.argsort(-(share - count), kind="stable")[: d - int(count.sum())]
    count[extra] += 1
    return rng.permutation(np.repeat(np.arange(len(weights)), count)).astype(np.int64)


# --- trip tables ---------------------------------------------------------------------------------------


def sniff_trips(path: Path, head: str) -> bool:
    """A CSV header holding :data:`TRIP_COLUMNS`."""
    first = head.splitlines()[0] if head.strip() else ""
    return set(TRIP_COLUMNS) <= {c.strip().lower() for c in first.split(",")}


def _read_trips(path: Path, date: str | None) -> tuple[list[tuple[float, float, str, str, float]], int]:
    """``(pickup minute of day, trip minutes, pickup zone, drop-off zone, fare)`` per usable row, and rows skipped."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in TRIP_COLUMNS if c not in header]
            if missing:
                raise InstanceError(f"{path}: trip table misses column(s) {', '.join(missing)}")
            trips, skipped = [], 0
            for line, row in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                trip = _trip(row, path, line, date)
                if trip is None:
                    skipped += 1
                else:
                    trips.append(trip)
    except UnicodeDecodeError as exc:
        raise InstanceError(f"{path}: not a UTF-8 trip table ({exc})") from None
    return trips, skipped


def _trip(row: dict[str, str], path: Path, line: int, date: str | None) -> tuple | None:
    try:
        t0, t1 = datetime.fromisoformat(row["pickup"]), datetime.fromisoformat(row["dropoff"])
    except ValueError:
        raise InstanceError(f"{path}: row {line}: pickup/dropoff {row['pickup']!r}, {row['dropoff']!r} "
                            f"are not date-times") from None
    try:
        fare = float(row["fare"])
    except ValueError:
        raise InstanceError(f"{path}: row {line}: fare {row['fare']!r} is not a number") from None
    if not math.isfinite(fare):
        raise InstanceError(f"{path}: row {line}: fare {row['fare']!r} is not finite")
    if not row["pickup_zone"] or not row["dropoff_zone"] or fare < 0 or t1 < t0:
        return None  # no zone, a refund, or a clock error: not a trip to dispatch
    if date is not None and t0.date().isoformat() != date:
        return None
    minutes = (t1 - t0).total_seconds() / 60.0
    return (t0.hour * 60 + t0.minute + t0.second / 60.0, minutes, row["pickup_zone"], row["dropoff_zone"], fare)


def _zone_minutes(src: np.ndarray, dst: np.ndarray, minutes: np.ndarray, cells: int) -> np.ndarray:
    """Median observed trip minutes per cell pair (symmetrised), shortest paths for unobserved pairs."""
    out = np.full((cells, cells), np.inf)
    for a in range(cells):
        for b in range(a + 1, cells):
            both = ((src == a) & (dst == b)) | ((src == b) & (dst == a))
            if both.any():
                out[a, b] = out[b, a] = float(np.median(minutes[both]))
    np.fill_diagonal(out, 0.0)
    for k in range(cells):  # Floyd-Warshall over the observed pairs
        out = np.minimum(out, out[:, k, None] + out[None, k, :])
    finite = out[np.isfinite(out)]
    return np.where(np.isfinite(out), out, finite.max() if finite.size else 0.0)


def load_trips(path: str | Path, *, num_cells: int = 16, num_drivers: int | None = None, date: str | None = None,
               tick_minutes: float = 10.0, window_minutes: float = 10.0, max_pickup_minutes: float = 20.0,
               neighbours: int = 3, seed: int = 0, cancel_rate: float = 0.0, cancel_grace: int = 0,
               reposition_period: int = 3, reposition_cost: float = 0.0) -> RideHailingInstance:
    """A day of a trip table (see the module docstring).

    :param num_cells: cells: the ``num_cells - 1`` most frequent zones and one ``other`` cell.
    :param num_drivers: drivers (shifts and homes drawn as the generator does, seeded by ``seed``); by
        default as many 8-hour shifts as the trips' total driving time fills.
    :param date: ``YYYY-MM-DD`` to keep one day's trips; by default every trip, folded onto one day.
    :param neighbours: each cell's nearest cells (by travel time) are its repositioning neighbours.
    """
    path = Path(path)
    tick_minutes = _positive(tick_minutes, "tick_minutes", path)
    if isinstance(num_cells, bool) or not isinstance(num_cells, int) or num_cells < 2:
        raise InstanceError(f"{path}: option num_cells must be an integer >= 2, got {num_cells!r}")
    trips, _ = _read_trips(path, date)
    if not trips:
        raise InstanceError(f"{path}: no usable trip (rows need both zones, a fare >= 0 and dropoff >= pickup)")
    trips.sort(key=lambda r: r[0])
    start, minutes, pz, dz, fare = (list(col) for col in zip(*trips))
    zones, counts = np.unique(np.array(pz + dz), return_counts=True)
    top = list(zones[np.argsort(-counts, kind="stable")][: num_cells - 1])
    cell_of = {z: i for i, z in enumerate(top)}
    cells = len(top) + 1
    src = np.array([cell_of.get(z, cells - 1) for z in pz])
    dst = np.array([cell_of.get(z, cells - 1) for z in dz])
    trip_minutes = np.array(minutes)
    travel_minutes = _zone_minutes(src, dst, trip_minutes, cells)
    num_ticks = int(math.ceil(24 * 60 / tick_minutes))
    arrival = np.minimum((np.array(start) // tick_minutes).astype(np.int64), num_ticks - 1)
    rng = np.random.default_rng([int(seed), 20190])
    nearest = np.argsort(travel_minutes + np.eye(cells) * 1e9, axis=1)[:, :neighbours]
    adjacency = np.zeros((cells, cells), dtype=bool)
    adjacency[np.arange(cells)[:, None], nearest] = True
    adjacency |= adjacency.T
    np.fill_diagonal(adjacency, False)
    weights = np.bincount(src, minlength=cells).astype(np.float64) + 1e-6
    duration = np.maximum(1, _ticks(trip_minutes, tick_minutes))
    if num_drivers is None:  # enough 8-hour shifts for the day's driving time
        num_drivers = max(1, int(math.ceil(duration.sum() / (8 * 60 / tick_minutes))))
    drivers = _drivers(cells, num_drivers, num_ticks, tick_minutes, 0.0, weights, rng)
    return _build(path, dict(
        cell_xy=embed(travel_minutes), travel_time=_ticks(travel_minutes, tick_minutes), adjacency=adjacency,
        order_arrival=arrival, order_deadline=np.minimum(arrival + int(window_minutes // tick_minutes), num_ticks - 1),
        order_pickup=src, order_dropoff=dst, order_duration=duration,
        order_fare=np.array(fare), order_cancel_draw=rng.random(len(src)), **drivers, num_ticks=num_ticks,
        max_pickup=int(max_pickup_minutes // tick_minutes), cancel_rate=cancel_rate, cancel_grace=cancel_grace,
        reposition_period=reposition_period, reposition_cost=reposition_cost, tick_minutes=tick_minutes,
        name=path.stem if date is None else f"{path.stem}-{date}"))
