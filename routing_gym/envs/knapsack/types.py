"""Knapsack instance and its evaluation."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Real
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.evaluation import Evaluation, as_indices
from routing_gym.envs.validation import check_finite, frozen_array
from routing_gym.errors import InstanceError


def _check_items(value: Any, field: str) -> np.ndarray:
    arr = frozen_array(value, field, np.float64, ndim=1)
    if arr.size == 0:
        raise InstanceError(f"{field}: a knapsack instance needs at least 1 item, got none")
    check_finite(arr, field)
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise InstanceError(f"{field}: negative value {arr[i]:g} at item {i}")
    return arr


@dataclass(frozen=True, eq=False)
class KnapsackInstance:
    """A 0-1 knapsack instance: pack items of total weight at most ``capacity``, maximising their value.

    :param weights: ``(n,)`` non-negative item weights.
    :param values: ``(n,)`` non-negative item values.
    :param capacity: the knapsack's capacity, a finite number > 0. An item heavier than it
        is allowed (it never fits).
    :param name: a label.
    :param optimum: the known optimal value, if any.

    Items are indexed ``0..n-1``. Instances are immutable; :meth:`replace` returns a changed copy.
    """

    weights: np.ndarray
    values: np.ndarray
    capacity: float
    name: str = ""
    optimum: float | None = None

    def __post_init__(self) -> None:
        w, v = _check_items(self.weights, "weights"), _check_items(self.values, "values")
        if w.size != v.size:
            raise InstanceError(f"weights/values: one of each per item, got {w.size} weights and {v.size} values")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "values", v)
        c = self.capacity
        if isinstance(c, bool) or not isinstance(c, (Real, np.number)) or not math.isfinite(float(c)) or c <= 0:
            raise InstanceError(f"capacity: expected a finite number > 0, got {c!r}")
        object.__setattr__(self, "capacity", float(c))
        if self.optimum is not None and not (isinstance(self.optimum, (Real, np.number)) and math.isfinite(self.optimum)):
            raise InstanceError(f"optimum: expected a finite number or None, got {self.optimum!r}")

    @property
    def num_items(self) -> int:
        return int(self.weights.size)

    def replace(self, **changes: Any) -> "KnapsackInstance":
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"KnapsackInstance{label}(n={self.num_items}, capacity={self.capacity:g})"


def evaluate_knapsack(instance: KnapsackInstance, solution: Sequence[int]) -> Evaluation:
    """Value and feasibility of a packing.

    :param solution: the packed item indices (``0..n-1``), each at most once, in packing order.
    :returns: the objective in ``cost``: the packed value (the problem's sense is ``"max"``; the
        environment's ``info["cost"]`` and the harness report minus it, so that lower is better
        everywhere). Weights and values are summed in the given order, as the environment sums
        them, so its rewards add up to the value exactly.
    """
    n = instance.num_items
    items, why = as_indices(solution)
    if items is None:
        return Evaluation(float("nan"), False, why)
    if items.size and (items.min() < 0 or items.max() >= n):
        bad = int(items[(items < 0) | (items >= n)][0])
        return Evaluation(float("nan"), False, f"item {bad} out of range 0..{n - 1}")
    value, load = 0.0, 0.0
    for i in items:
        value += float(instance.values[i])
        load += float(instance.weights[i])
    counts = np.bincount(items, minlength=n)
    if (counts > 1).any():
        return Evaluation(value, False, f"item {int(np.argmax(counts > 1))} packed {int(counts.max())} times")
    if load > instance.capacity:
        return Evaluation(value, False, f"total weight {load:.10g} exceeds the capacity {instance.capacity:.10g}")
    return Evaluation(value, True, None)
