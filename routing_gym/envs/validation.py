"""Small validation helpers shared by the instance dataclasses."""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.envs.distances import EDGE_WEIGHT_TYPES
from routing_gym.errors import InstanceError


def frozen_array(value: Any, field: str, dtype: Any = np.float64, ndim: int | None = None) -> np.ndarray:
    """Convert ``value`` to a read-only array of ``dtype``, naming ``field`` on failure."""
    try:
        arr = np.array(value, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        raise InstanceError(f"{field}: cannot convert to an array of {np.dtype(dtype).name}: {exc}") from None
    if ndim is not None and arr.ndim != ndim:
        raise InstanceError(f"{field}: expected a {ndim}-d array, got shape {arr.shape}")
    arr.setflags(write=False)
    return arr


def freeze_arrays(instance: Any) -> Any:
    """Make the numpy arrays of ``instance`` read-only again, and return it.

    Instances are frozen, but pickling (a worker process, a Ray task) gives back
    writable arrays; numba compiles a separate specialisation for those, so a solver
    warmed up on read-only arrays would compile again inside a timed run.
    """
    for value in getattr(instance, "__dict__", {}).values():
        if isinstance(value, np.ndarray) and value.flags.writeable:
            value.setflags(write=False)
    return instance


def check_finite(arr: np.ndarray, field: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InstanceError(f"{field}: non-finite value {float(arr[idx])} at index {idx if len(idx) > 1 else idx[0]}")


def check_coords(coords: Any, n: int | None, field: str = "coords") -> np.ndarray:
    arr = frozen_array(coords, field, np.float64, ndim=2)
    if arr.shape[1] != 2:
        raise InstanceError(f"{field}: expected shape (n, 2), got {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise InstanceError(f"{field}: expected {n} rows (one per node), got {arr.shape[0]}")
    check_finite(arr, field)
    return arr


def check_distances(distances: Any, field: str = "distances") -> np.ndarray:
    arr = frozen_array(distances, field, np.float64, ndim=2)
    if arr.shape[0] != arr.shape[1]:
        raise InstanceError(f"{field}: expected a square matrix, got shape {arr.shape}")
    check_finite(arr, field)
    if (arr < 0).any():
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise InstanceError(f"{field}: negative distance {float(arr[idx]):g} at {idx}")
    return arr


def check_integer_values(arr: np.ndarray, field: str) -> np.ndarray:
    """Check that a float array holds integers and return it as int64."""
    frac = arr != np.round(arr)
    if frac.any():
        i = int(np.argwhere(frac)[0][0])
        raise InstanceError(f"{field}: non-integer value {float(arr[i]):g} at index {i}")
    out = arr.astype(np.int64)
    out.setflags(write=False)
    return out


# --- arguments of generators and environments ---------------------------------

#: Default memory budget, in bytes, for the dense float64 distance matrices of one
#: batch of generated instances (a generator's batch, or an environment's kernel):
#: ``batch * nodes**2 * 8`` bytes. 4 GiB allows one instance of up to 23170 nodes,
#: or 1024 parallel episodes of 724 nodes; peak use while generating is about three
#: times the budget. ``ROUTING_GYM_MEMORY_BUDGET`` (bytes, or with a K/M/G/T
#: suffix, binary) overrides it. Files have their own limit, ``routing_gym.envs.io.MAX_NODES``.
MEMORY_BUDGET = 4 * 2**30

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def memory_budget() -> int:
    """The memory budget in bytes: ``$ROUTING_GYM_MEMORY_BUDGET`` if set, else :data:`MEMORY_BUDGET`."""
    import os
    import re

    from routing_gym.errors import ConfigError

    text = os.environ.get("ROUTING_GYM_MEMORY_BUDGET", "").strip()
    if not text:
        return MEMORY_BUDGET
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?", text, flags=re.IGNORECASE)
    if not m or float(m.group(1)) <= 0:
        raise ConfigError(f"ROUTING_GYM_MEMORY_BUDGET: expected a positive number of bytes (e.g. 8G), got {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_memory_budget(num_nodes: int, batch: int = 1, field: str = "num_nodes") -> None:
    """Raise :class:`InstanceError` when ``batch`` distance matrices of ``num_nodes`` nodes exceed :func:`memory_budget`."""
    need = int(batch) * int(num_nodes) ** 2 * 8
    budget = memory_budget()
    if need > budget:
        what = f"{num_nodes} nodes" if batch == 1 else f"{batch} x {num_nodes} nodes"
        raise InstanceError(f"{field}: {what} need {_bytes(need)} of distance matrices, above the memory budget of "
                            f"{_bytes(budget)} (set ROUTING_GYM_MEMORY_BUDGET to change it)")


def check_int_arg(value: Any, field: str, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int``; a bool, a float (even 2.0), a string or a value out of ``[low, high]`` raises."""
    from numbers import Integral

    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InstanceError(f"{field}: expected an integer, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        rng = f">= {low}" if high is None else (f"<= {high}" if low is None else f"in [{low}, {high}]")
        raise InstanceError(f"{field}: expected an integer {rng}, got {value!r}")
    return int(value)


def check_real_arg(value: Any, field: str, low: float | None = None, *, strict: bool = False,
                   high: float | None = None) -> float:
    """``value`` as a finite ``float`` (``> low`` when ``strict``, else ``>= low``; ``<= high``); NaN, inf, bools, strings raise."""
    import math
    from numbers import Real

    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise InstanceError(f"{field}: expected a finite number, got {value!r}")
    if low is not None and (value < low or (strict and value == low)):
        raise InstanceError(f"{field}: expected a number {'>' if strict else '>='} {low:g}, got {value!r}")
    if high is not None and value > high:
        raise InstanceError(f"{field}: expected a number <= {high:g}, got {value!r}")
    return float(value)


# --- fields of the depot-and-customers instances --------------------------------


def node_array(value: Any, field: str, n1: int) -> np.ndarray:
    """A finite ``(n1,)`` float64 read-only array (one value per node, depot first), naming ``field`` on failure."""
    arr = frozen_array(value, field, np.float64, ndim=1)
    if arr.shape[0] != n1:
        raise InstanceError(f"{field}: expected {n1} values (depot first), got {arr.shape[0]}")
    check_finite(arr, field)
    return arr


def check_demands(value: Any, n1: int) -> np.ndarray:
    """Non-negative integer demands of ``n1`` nodes, the depot's 0, as a read-only int64 array."""
    dem = node_array(value, "demands", n1)
    if (dem < 0).any():
        i = int(np.argmax(dem < 0))
        raise InstanceError(f"demands: negative demand {dem[i]:g} at node {i}")
    dem = check_integer_values(dem, "demands")
    check_depot_demand(dem)
    return dem


def check_depot_demand(dem: np.ndarray) -> None:
    if dem[0] != 0:
        raise InstanceError(f"demands: the depot (node 0) must have demand 0, got {dem[0]}")


def check_capacity(value: Any, demands: np.ndarray | None = None) -> int:
    """``value`` as a positive ``int`` (an integral float is accepted); with ``demands``, every demand must fit."""
    try:
        cap = float(value)
    except (TypeError, ValueError):
        raise InstanceError(f"capacity: expected a positive integer, got {value!r}") from None
    if not np.isfinite(cap) or cap <= 0 or cap != round(cap):
        raise InstanceError(f"capacity: expected a positive integer, got {value!r}")
    if demands is not None and demands.max() > cap:
        i = int(np.argmax(demands))
        raise InstanceError(f"demands: demand {demands[i]} at node {i} exceeds capacity {int(cap)}")
    return int(cap)


def check_edge_weight_type(value: Any) -> None:
    if value not in EDGE_WEIGHT_TYPES:
        raise InstanceError(f"edge_weight_type: unknown convention {value!r}; expected one of {EDGE_WEIGHT_TYPES}")


def check_num_vehicles(value: Any) -> None:
    """The informative fleet size of a file: ``None`` or a positive integer."""
    if value is not None and (int(value) != value or value < 1):
        raise InstanceError(f"num_vehicles: expected a positive integer or None, got {value!r}")
