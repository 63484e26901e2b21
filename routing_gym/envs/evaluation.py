"""The result type of every ``evaluate`` function."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class Evaluation(NamedTuple):
    """Cost and feasibility of a solution.

    :param cost: the objective (total travel cost); ``nan`` when it cannot be computed.
    :param feasible: whether every constraint holds.
    :param violation: the first violated constraint, named, or ``None``.
    """

    cost: float
    feasible: bool
    violation: str | None = None


def as_indices(value: Any, what: str = "solution") -> tuple[np.ndarray | None, str | None]:
    """A flat sequence of node / item indices as int64, or ``(None, why not)``.

    Strict: a fractional or non-finite number, a boolean, a string or a nested list is
    refused (never truncated or flattened into something else); integral floats (e.g. from
    JSON) are accepted.
    """
    if isinstance(value, (str, bytes)):
        return None, f"{what} is not a sequence of indices: {value!r}"
    if isinstance(value, (list, tuple)) and any(isinstance(x, (bool, np.bool_)) for x in value):
        return None, f"{what} holds a boolean, not an index: {value!r}"
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return None, f"{what} is not a sequence of indices: {value!r}"
    if arr.ndim != 1 and arr.size:
        return None, f"{what} is not a flat sequence of indices (shape {arr.shape}): {value!r}"
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64), None
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64).reshape(-1), None
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        return arr.astype(np.int64).reshape(-1), None
    return None, f"{what} holds a value that is not an index: {value!r}"


def as_routes(solution: Any) -> tuple[list[np.ndarray] | None, str | None]:
    """A list of routes (each a flat sequence of indices) as int64 arrays, or ``(None, why not)``.

    A flat list such as ``[1, 2, 3]`` is refused rather than read as three one-node routes.
    """
    if isinstance(solution, (str, bytes)) or not hasattr(solution, "__iter__"):
        return None, f"solution is not a list of routes: {solution!r}"
    routes = []
    for k, route in enumerate(solution):
        if np.ndim(route) != 1:
            return None, f"route {k} is not a list of node indices: {route!r}"
        arr, why = as_indices(route, f"route {k}")
        if arr is None:
            return None, why
        routes.append(arr)
    return routes, None
