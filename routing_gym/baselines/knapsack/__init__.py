"""Knapsack solvers (imported through ``Problem.baselines`` of ``knapsack``).

- ``cpsat``: the exact integer model on CP-SAT, proving optimality
  (:mod:`routing_gym.baselines.knapsack.exact`).
- ``greedy``: the ratio greedy, items by decreasing value / weight, each packed if it still fits
  (:mod:`routing_gym.baselines.knapsack.greedy`).
- ``mcts``: the generic search plays ``routing_gym/Knapsack-v0`` like every registered env.
"""

from routing_gym.baselines.knapsack import exact as _exact  # noqa: F401 - registers the cpsat hook
from routing_gym.baselines.knapsack import greedy as _greedy  # noqa: F401 - registers the greedy hook
