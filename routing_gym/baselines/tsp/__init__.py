"""TSP baselines: constructions, local search, ILS, kopt-MCTS and the hooks that add ``tsp`` to the generic solvers.

Imported through the registry (``Problem.baselines``) when the solvers load:

- :mod:`~routing_gym.baselines.tsp.constructions`: nearest neighbour, farthest and cheapest
  insertion (``nn``, ``farthest``, ``cheapest``);
- :mod:`~routing_gym.baselines.tsp.local_search`: 2-opt / Or-opt local search and the ILS kernel (numba);
- :mod:`~routing_gym.baselines.tsp.ils`: ``ils`` on TSP;
- :mod:`~routing_gym.baselines.tsp.ortools`: ``ortools`` on TSP (one vehicle);
- :mod:`~routing_gym.baselines.tsp.lkh`: ``lkh`` (LKH-3 through elkai), the TSP reference;
- :mod:`~routing_gym.baselines.tsp.kopt_mcts`: the heatmap-guided k-opt MCTS (``kopt-mcts``),
  with the heatmaps of :mod:`~routing_gym.baselines.tsp.heatmaps`.
"""

from __future__ import annotations

import time

from routing_gym.baselines.tsp import constructions, ils, kopt_mcts, lkh, local_search, ortools  # registers the hooks

__all__ = ["constructions", "ils", "kopt_mcts", "lkh", "local_search", "ortools", "warm_up"]


def warm_up() -> float:
    """Compile (or load from numba's cache) every TSP kernel on tiny instances; returns seconds spent."""
    import numpy as np

    from routing_gym.baselines.ils import IteratedLocalSearchSolver
    from routing_gym.envs.tsp.generator import TSPGenerator

    t0 = time.perf_counter()
    tsp = TSPGenerator(10)(np.random.default_rng(0))
    for construct in constructions.TSP_CONSTRUCTIONS.values():
        construct(tsp.distances, 0)
    local_search.tsp_local_search(tsp, np.arange(10))
    IteratedLocalSearchSolver(iterations=2).solve(tsp)
    kopt_mcts.KOptMCTS()  # its constructor compiles the k-opt kernels
    return time.perf_counter() - t0
