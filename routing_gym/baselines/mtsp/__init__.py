"""mTSP solvers: hooks that add ``mtsp`` to the suite's solvers (imported through ``Problem.baselines``).

- ``nn``, ``farthest``, ``cheapest``: the TSP construction's giant tour through the depot,
  split optimally into ``m`` routes, then the mTSP local search (:mod:`.constructions`).
- ``ils``: that start, then ruin-and-recreate rounds with the mTSP local search
  (relocate / Or-opt, swap, 2-opt, 2-opt*), for both objectives (:mod:`.ils`, :mod:`.local_search`).
- ``ortools``: OR-Tools routing with ``m`` vehicles; min-max through a span cost (:mod:`.ortools`).
- ``hgs``: PyVRP with ``m`` vehicles, sum objective only (:mod:`.hgs`).
- ``mcts``: the generic search plays ``routing_gym/MTSP-v0`` like every registered env.
"""

from routing_gym.baselines.mtsp import constructions as _constructions  # noqa: F401 - registers the hooks
from routing_gym.baselines.mtsp import hgs as _hgs  # noqa: F401
from routing_gym.baselines.mtsp import ils as _ils  # noqa: F401
from routing_gym.baselines.mtsp import ortools as _ortools  # noqa: F401


def warm_up() -> None:
    """Compile (or load from numba's cache) the mTSP kernels on a tiny instance of each objective."""
    import numpy as np

    from routing_gym.baselines.ils import IteratedLocalSearchSolver
    from routing_gym.envs.mtsp.generator import MTSPGenerator

    for objective in ("sum", "minmax"):
        inst = MTSPGenerator(8, 2, objective)(np.random.default_rng(0))
        ils_mtsp = IteratedLocalSearchSolver(iterations=2)
        ils_mtsp.solve(inst)
