"""The CP-SAT solver (``cpsat``): OR-Tools' constraint-programming / SAT solver, one model per problem.

Generic class, per-problem models: a problem's ``baselines`` module adds itself with
``@CPSATSolver.for_problem("<name>")`` on ``fn(solver, instance) -> solution``, building a
``cp_model.CpModel`` and calling :meth:`CPSATSolver.search`. CP-SAT proves optimality
when it can; :attr:`CPSATSolver.last_stats` records the status of the last run.

Spec keys: ``time_limit`` (seconds; the search stops at the first proven optimum or
there), ``seed``, ``workers`` (CP-SAT's ``num_workers``, default 1: the suite runs
instances in parallel processes instead), ``scale`` (problem-specific integer scaling).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.errors import SolverError


@register_solver("cpsat")
class CPSATSolver(Solver):
    """OR-Tools CP-SAT on a problem's integer model (the problems are those with a hook).

    :param workers: CP-SAT search workers (default 1).
    :param scale: integer scale of the problem's data; ``None``: the problem's hook chooses it.
    """

    def __init__(self, time_limit: float | None = 10.0, seed: int = 0, workers: int = 1, scale: float | None = None) -> None:
        super().__init__(time_limit, seed)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise SolverError(f"cpsat: workers must be a positive integer, got {workers!r}")
        if scale is not None and not (isinstance(scale, (int, float)) and scale > 0):
            raise SolverError(f"cpsat: scale must be a number > 0, got {scale!r}")
        self.workers = int(workers)
        self.scale = scale
        #: ``{"status": "OPTIMAL" | "FEASIBLE", "objective": ..., "bound": ..., ...}`` of the last solve
        self.last_stats: dict[str, Any] = {}

    def search(self, model: Any, parameters: Mapping[str, Any] | None = None, **more: Any) -> Any:
        """Solve ``model`` within the time limit; the ``CpSolver`` holding the solution.

        :param parameters: CP-SAT ``SatParameters`` fields to set (e.g. ``{"linearization_level": 2}``),
            applied after the solver's own ``num_workers``, ``random_seed`` and ``max_time_in_seconds``
            (from ``time_limit``), which they may override; ``**more``: the same as keywords.
        :raises TimeoutError: when no solution was found within the limit.
        :raises SolverError: when the model is infeasible or invalid, or a parameter is unknown.
        """
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed
        if self.time_limit is not None:
            solver.parameters.max_time_in_seconds = float(self.time_limit)
        for key, value in {**(parameters or {}), **more}.items():
            try:
                setattr(solver.parameters, key, value)
            except (AttributeError, TypeError, ValueError) as err:
                raise SolverError(f"cpsat: CP-SAT parameter {key}={value!r} is not valid ({err})") from None
        status = solver.Solve(model)
        name = solver.StatusName(status)
        self.last_stats = {"status": name, "objective": solver.ObjectiveValue(), "bound": solver.BestObjectiveBound(),
                           "wall_time_s": solver.WallTime()}
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return solver
        if status == cp_model.UNKNOWN:
            raise TimeoutError(f"CP-SAT found no solution within {solver.parameters.max_time_in_seconds:g} s")
        raise SolverError(f"CP-SAT found no solution (status {name})")
