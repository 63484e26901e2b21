"""The hindsight oracle (``oracle``): a problem's exact optimum with every random draw known.

Generic class, per-problem methods: a problem's ``baselines`` module adds itself with
``@OracleSolver.for_problem("<name>")`` on ``fn(solver, instance) -> solution``. An oracle
sees the whole instance (noise, hidden tables), which no online policy does, so its cost is a
bound on what routers can reach; :attr:`OracleSolver.last_stats` records ``{"exact": bool,
"method": ...}`` of the last solve, so tables can label it exact or a bound.
"""

from __future__ import annotations

from typing import Any

from routing_gym.baselines.base import Solver, register_solver


@register_solver("oracle")
class OracleSolver(Solver):
    """Hindsight optimum of the problems with an oracle hook (``time_limit`` bounds searches that need one)."""

    def __init__(self, time_limit: float | None = 10.0, seed: int = 0) -> None:
        super().__init__(time_limit, seed)
        #: ``{"exact": ..., "method": ...}`` of the last solve
        self.last_stats: dict[str, Any] = {}
