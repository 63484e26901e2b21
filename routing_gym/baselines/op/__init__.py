"""Orienteering solvers: hooks that add ``op`` to the suite's solvers (imported through ``Problem.baselines``).

- ``greedy``: insertion by prize per added length, then local search (:mod:`~routing_gym.baselines.op.search`).
- ``ils``: the prize-tour iterated local search of :mod:`routing_gym.baselines.prize_tour`.
- ``ortools``: OR-Tools routing with a disjunction per node (dropping it costs its prize) and a
  distance dimension holding the length limit (:mod:`~routing_gym.baselines.op.ortools`).
- ``hgs``: PyVRP's HGS with optional clients whose prize is the node's and a vehicle with
  a maximum distance (:mod:`~routing_gym.baselines.op.hgs`).
- ``mcts``: the generic search plays ``routing_gym/OP-v0`` like every registered env.
"""

from __future__ import annotations

import time

from routing_gym.baselines.op import hgs as _hgs  # noqa: F401 - registers the hooks
from routing_gym.baselines.op import ortools as _ortools  # noqa: F401
from routing_gym.baselines.op import search as _search  # noqa: F401


def warm_up() -> float:
    """Compile (or load from numba's cache) the prize-tour kernels on a tiny instance; returns seconds spent."""
    import numpy as np

    from routing_gym.baselines.ils import IteratedLocalSearchSolver
    from routing_gym.envs.op.generator import OPGenerator

    t0 = time.perf_counter()
    IteratedLocalSearchSolver(iterations=2).solve(OPGenerator(num_nodes=8)(np.random.default_rng(0)))
    return time.perf_counter() - t0
