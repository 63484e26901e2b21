"""Ratio greedy for the knapsack: the knapsack's hook on the generic ``greedy`` solver."""

from __future__ import annotations

import numpy as np

from routing_gym.baselines.greedy import GreedySolver
from routing_gym.envs.knapsack.types import KnapsackInstance


def ratio_greedy(instance: KnapsackInstance) -> list[int]:
    """Items by decreasing value per weight (zero weight first), each packed if it still fits.

    The used capacity is summed in packing order, as the environment sums it.
    """
    w, v = instance.weights, instance.values
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(w > 0, v / np.where(w > 0, w, 1.0), np.inf)
    order = np.lexsort((np.arange(w.size), -ratio))  # ties: lower index first
    used, packed = 0.0, []
    for i in order:
        if used + w[i] <= instance.capacity:
            used += float(w[i])
            packed.append(int(i))
    return packed


@GreedySolver.for_problem("knapsack")
def greedy_knapsack(solver: GreedySolver, instance: KnapsackInstance) -> list[int]:
    """``greedy`` on the knapsack: the ratio greedy (there is no local search; ``ls`` is ignored)."""
    return ratio_greedy(instance)
