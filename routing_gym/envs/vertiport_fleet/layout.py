"""The batched array layout of vertiport days (generator samples, kernel stacks) and back to instances."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.vertiport_fleet.types import VertiportInstance

#: instance fields with a leading time axis (padded with zeros / false to the longest day)
TIME_FIELDS = ("demand", "demand_rate", "takeoff_delay", "closed", "down")
#: per-aircraft fields (padded to the largest fleet; ``down`` is both)
AIRCRAFT_FIELDS = ("start", "soc0", "seats")
#: fields of the vertiports (a batch shares the vertiport count)
VERTIPORT_FIELDS = ("coords", "distances", "flight_steps", "parking", "chargers", "fares")
#: scalar fields, one value per day
SCALAR_FIELDS = ("step_minutes", "battery_kwh", "reserve_kwh", "kwh_per_km", "charge_kwh", "energy_price",
                 "operating_cost_per_km", "max_wait")


def _pad(arrays: Sequence[np.ndarray], dtype: Any) -> np.ndarray:
    shape = tuple(max(a.shape[d] for a in arrays) for d in range(arrays[0].ndim))
    out = np.zeros((len(arrays),) + shape, dtype=dtype)
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, s) for s in a.shape)] = a
    return out


def stack(instances: Sequence[VertiportInstance]) -> dict[str, np.ndarray]:
    """Arrays of ``instances`` with a leading batch axis, days and fleets padded to the largest.

    ``horizon`` and ``num_aircraft`` hold each day's true sizes; ``instance`` the objects themselves.
    """
    out = {k: _pad([getattr(i, k) for i in instances], getattr(instances[0], k).dtype)
           for k in TIME_FIELDS + AIRCRAFT_FIELDS + VERTIPORT_FIELDS}
    for k in SCALAR_FIELDS:
        out[k] = np.array([getattr(i, k) for i in instances])
    out["horizon"] = np.array([i.horizon for i in instances], dtype=np.int64)
    out["num_aircraft"] = np.array([i.num_aircraft for i in instances], dtype=np.int64)
    holder = np.empty(len(instances), dtype=object)
    holder[:] = list(instances)
    out["instance"] = holder
    return out


def make_instance(data: dict[str, np.ndarray], i: int) -> VertiportInstance:
    """Row ``i`` of a batch of arrays (``stack`` or ``VertiportGenerator.sample``) as an instance."""
    if "instance" in data:
        return data["instance"][i]
    t, a = int(data["horizon"][i]), int(data["num_aircraft"][i])
    fields: dict[str, Any] = {k: data[k][i] for k in VERTIPORT_FIELDS}
    fields.update({k: data[k][i, :t] for k in TIME_FIELDS})
    fields["down"] = data["down"][i, :t, :a]
    fields.update({k: data[k][i, :a] for k in AIRCRAFT_FIELDS})
    fields.update({k: data[k][i].item() for k in SCALAR_FIELDS})
    return VertiportInstance(horizon=t, **fields)
