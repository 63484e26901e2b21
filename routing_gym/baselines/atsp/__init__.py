"""ATSP solvers: hooks that add ``atsp`` to the suite's solvers (imported through ``Problem.baselines``).

An :class:`~routing_gym.envs.atsp.types.ATSPInstance` is a tour problem over a
directed matrix, so the TSP machinery applies as it is to its matrix view
(:attr:`ATSPInstance.tsp`): no code is copied.

- ``ortools``: OR-Tools routing on the asymmetric integer matrix (one vehicle), see
  :mod:`routing_gym.baselines.atsp.hooks`.
- ``lkh``: LKH-3 through elkai, given the matrix as ``TYPE: ATSP`` (LKH's own
  asymmetric transformation).
- ``ils``, ``nn``, ``farthest``, ``cheapest``: the suite's TSP iterated local search and constructions; on an
  asymmetric matrix the local search uses Or-opt moves only (2-opt reverses a
  segment, which changes its cost).
- ``mcts``: the generic search plays ``routing_gym/ATSP-v0`` like every registered env.
"""

from routing_gym.baselines.atsp import hooks as _hooks  # noqa: F401 - registers the hooks
