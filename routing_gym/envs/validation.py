"""Small validation helpers shared by the instance dataclasses."""

from __future__ import annotations

from typing import Any

import numpy as np

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
