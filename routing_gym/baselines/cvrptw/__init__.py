"""Solvers for CVRPTW (capacitated VRP with time windows), as plain functions.

Each takes a :class:`~routing_gym.envs.cvrptw.types.CVRPTWInstance` and returns
routes (lists of customer indices 1..n, depot implied at both ends) that
:func:`~routing_gym.envs.cvrptw.types.evaluate_cvrptw` judges feasible; the
objective is total distance, the number of routes is free.

- :func:`~routing_gym.baselines.cvrptw.construction.insertion_routes`: Solomon's I1 insertion.
- :func:`~routing_gym.baselines.cvrptw.local_search.solve_ils`: the suite's iterated local search
  (ruin and recreate + relocate / swap / 2-opt* / 2-opt / Or-opt with O(1) time-window checks).
- :func:`~routing_gym.baselines.cvrptw.ortools.solve_ortools`: OR-Tools routing with a time dimension.
- :func:`~routing_gym.baselines.cvrptw.hgs.solve_hgs`: PyVRP's HGS (optional package ``pyvrp``).

:mod:`~routing_gym.baselines.cvrptw.hooks` adds them to the generic solvers (``cheapest``, ``ils``,
``ortools``, ``hgs``); the solver modules themselves are imported on use, so that importing this
package loads neither OR-Tools nor numba.
"""

from routing_gym.baselines.cvrptw import hooks  # noqa: F401 - registers the hooks


def warm_up() -> float:
    """Compile (or load from numba's cache) the CVRPTW kernels; returns seconds spent."""
    from routing_gym.baselines.cvrptw.local_search import warm_up as compile_kernels

    return compile_kernels()
