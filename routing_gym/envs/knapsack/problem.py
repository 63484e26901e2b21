"""The knapsack's declaration in the problem registry."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from routing_gym.envs.knapsack import viewer
from routing_gym.envs.knapsack.generator import KnapsackGenerator
from routing_gym.envs.knapsack.kernel import KnapsackKernel
from routing_gym.envs.knapsack.types import KnapsackInstance, evaluate_knapsack
from routing_gym.registry import EnvEntry, Problem


def packing_order_variant(solution: Sequence[int], rng: np.random.Generator) -> list[int]:
    """The same items packed in a random order (same value; the same set, so the same feasibility)."""
    items = [int(i) for i in solution]
    return [items[k] for k in rng.permutation(len(items))]


PROBLEM = Problem(
    name="knapsack",
    title="0-1 knapsack",
    instance_type=KnapsackInstance,
    generator_type=KnapsackGenerator,
    kernel_type=KnapsackKernel,
    evaluate=evaluate_knapsack,
    envs=(EnvEntry("routing_gym/Knapsack-v0", "routing_gym.envs.knapsack.env:KnapsackEnv",
                   "routing_gym.envs.knapsack.env:KnapsackVectorEnv"),),
    viewer=viewer,
    solution_format="the packed items: indices 0..n-1, each at most once, in packing order",
    solution_variant=packing_order_variant,
    tiny_kwargs={"num_items": 8},
    reference_solvers=("cpsat",),
    label_solvers=("cpsat",),
    sense="max",
    baselines="routing_gym.baselines.knapsack",
    agents="routing_gym.agents.knapsack",
)
