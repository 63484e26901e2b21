"""Prize-collecting TSP solvers: hooks that add ``pctsp`` to the suite's solvers (imported through ``Problem.baselines``).

- ``greedy``: cheapest added length per prize up to the minimum prize, then every insertion that
  saves more penalty than it adds length; then local search (:mod:`~routing_gym.baselines.pctsp.search`).
- ``ils``: the prize-tour iterated local search of :mod:`routing_gym.baselines.prize_tour`.
- ``ortools``: OR-Tools routing with a disjunction per node (dropping it costs its penalty) and a
  prize dimension whose end cumul holds the minimum (:mod:`~routing_gym.baselines.pctsp.ortools`).
- ``hgs``: PyVRP's HGS, the minimum prize modelled exactly by a second, "skip" vehicle
  (:mod:`~routing_gym.baselines.pctsp.hgs`).
- ``mcts``: the generic search plays ``routing_gym/PCTSP-v0`` like every registered env.
"""

from __future__ import annotations

import time

from routing_gym.baselines.pctsp import hgs as _hgs  # noqa: F401 - registers the hooks
from routing_gym.baselines.pctsp import ortools as _ortools  # noqa: F401
from routing_gym.baselines.pctsp import search as _search  # noqa: F401


def warm_up() -> float:
    """Compile (or load from numba's cache) the prize-tour kernels on a tiny instance; returns seconds spent."""
    import numpy as np

    from routing_gym.baselines.ils import IteratedLocalSearchSolver
    from routing_gym.envs.pctsp.generator import PCTSPGenerator

    t0 = time.perf_counter()
    IteratedLocalSearchSolver(iterations=2).solve(PCTSPGenerator(num_nodes=8)(np.random.default_rng(0)))
    return time.perf_counter() - t0
