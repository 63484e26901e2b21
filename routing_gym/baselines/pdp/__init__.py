"""PDP solvers: hooks that add ``pdp`` to the suite's solvers (imported through ``Problem.baselines``).

- ``regret`` (a solver of its own), ``cheapest``: regret-``k`` / cheapest pair insertion with time-window
  and load checks, then the pair-relocate descent (:mod:`.solvers`, :mod:`.insertion`).
- ``ils``: ruin and recreate over pairs (LNS), with the pair-relocate descent (:mod:`.search`).
- ``ortools``: OR-Tools routing with ``AddPickupAndDelivery``, capacity, and a time dimension when the
  instance has windows (:mod:`.ortools`).
- ``mcts``: the generic search plays ``routing_gym/PDP-v0`` like every registered env.
"""

from routing_gym.baselines.pdp import ortools as _ortools  # noqa: F401 - registers the hooks
from routing_gym.baselines.pdp import solvers as _solvers  # noqa: F401


def warm_up() -> None:
    """Compile (or load from numba's cache) the PDP kernels on a tiny instance, with and without windows."""
    import numpy as np

    from routing_gym.baselines.ils import IteratedLocalSearchSolver
    from routing_gym.envs.pdp.generator import PDPGenerator

    inst = PDPGenerator(4)(np.random.default_rng(0))
    IteratedLocalSearchSolver(iterations=2).solve(inst)
