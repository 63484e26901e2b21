"""CVRP baselines: constructions, local search, ILS and the hooks that add ``cvrp`` to the generic solvers.

Imported through the registry (``Problem.baselines``) when the solvers load:

- :mod:`~routing_gym.baselines.cvrp.constructions`: nearest neighbour, Clarke-Wright savings and
  sweep (``nn``, ``savings``, ``sweep``);
- :mod:`~routing_gym.baselines.cvrp.state`, :mod:`~routing_gym.baselines.cvrp.moves`,
  :mod:`~routing_gym.baselines.cvrp.local_search`: the route state, the move search and the
  local search / ruin-and-recreate ILS kernels (numba);
- :mod:`~routing_gym.baselines.cvrp.ils`: ``ils`` on CVRP;
- :mod:`~routing_gym.baselines.cvrp.ortools`: ``ortools`` on CVRP (a capacity dimension);
- :mod:`~routing_gym.baselines.cvrp.hgs`: ``hgs`` (PyVRP), the CVRP reference.
"""

from __future__ import annotations

import time

from routing_gym.baselines.cvrp import constructions, hgs, ils, local_search, ortools  # registers the hooks

__all__ = ["constructions", "hgs", "ils", "local_search", "ortools", "warm_up"]


def warm_up() -> float:
    """Compile (or load from numba's cache) every CVRP kernel on tiny instances; returns seconds spent."""
    import numpy as np

    from routing_gym.baselines.ils import IteratedLocalSearchSolver
    from routing_gym.envs.cvrp.generator import CVRPGenerator

    t0 = time.perf_counter()
    cvrp = CVRPGenerator(10)(np.random.default_rng(0))
    for construct in constructions.CVRP_CONSTRUCTIONS.values():
        local_search.cvrp_local_search(cvrp, construct(cvrp))
    IteratedLocalSearchSolver(iterations=2).solve(cvrp)
    return time.perf_counter() - t0
