"""Construction heuristics as solvers: the generic classes; each problem's constructions are hooks.

Registered solvers (spec keys in brackets, all optional); the problems each
handles are those whose ``baselines/<problem>/`` folder registers a hook for it
(``routing-gym solvers`` lists them):

============ ===================================================================
name         what it does
============ ===================================================================
``nn``       nearest neighbour (CVRP: nearest customer that still fits) [ls, neighbours, start]
``farthest`` farthest insertion [ls, neighbours, start]
``cheapest`` cheapest insertion [ls, neighbours, start]
``savings``  Clarke-Wright savings, parallel version [ls, neighbours, lam]
``sweep``    sweep by polar angle around the depot (best start angle), each
             route then ordered by cheapest insertion [ls, neighbours]
============ ===================================================================

``ls=true`` (the default) follows the construction by the problem's local search
to a local optimum (TSP: 2-opt + Or-opt; CVRP: relocate / swap / 2-opt* /
2-opt). ``neighbours=k`` sets the candidate list length of the local search
(default 20; 0 or ``all``: every node). ``start`` is the first node of a tour
(problems without one ignore it).

A problem adds itself with a hook in its folder::

    @SavingsSolver.for_problem("cvrp")
    def savings_cvrp(solver, instance):
        routes = savings_routes(instance, solver.lam)
        return cvrp_local_search(instance, routes, solver.neighbours or 20) if solver.ls else routes
"""

from __future__ import annotations

from typing import Any

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.errors import SolverError


class ConstructionSolver(Solver):
    """A construction heuristic, optionally followed by local search (``ls``, default true).

    :param ls: improve the construction by the problem's local search.
    :param neighbours: candidate list length of that local search (``None``: 20).
    """

    def __init__(self, time_limit: float = 1.0, seed: int = 0, ls: bool = True, neighbours: Any = None) -> None:
        super().__init__(time_limit, seed)
        if not isinstance(ls, bool):
            raise SolverError(f"{self.name}: ls must be true or false, got {ls!r}")
        self.ls = ls
        self.neighbours = neighbours


class StartConstructionSolver(ConstructionSolver):
    """A construction that grows one tour from a ``start`` node (default 0)."""

    def __init__(self, time_limit: float = 1.0, seed: int = 0, ls: bool = True, neighbours: Any = None,
                 start: int = 0) -> None:
        super().__init__(time_limit, seed, ls, neighbours)
        self.start = int(start)


@register_solver("nn")
class NearestNeighbourSolver(StartConstructionSolver):
    """Nearest neighbour: always the nearest node that may come next, then local search unless ``ls=false``."""


@register_solver("farthest")
class FarthestInsertionSolver(StartConstructionSolver):
    """Farthest insertion: the node farthest from the tour, at its cheapest place; then local search unless ``ls=false``."""


@register_solver("cheapest")
class CheapestInsertionSolver(StartConstructionSolver):
    """Cheapest insertion: the node whose best insertion costs least; then local search unless ``ls=false``."""


@register_solver("savings")
class SavingsSolver(ConstructionSolver):
    """Clarke-Wright parallel savings, then local search unless ``ls=false``.

    :param lam: shape parameter of the savings ``d(i,0) + d(0,j) - lam * d(i,j)`` (1: classic).
    """

    def __init__(self, time_limit: float = 1.0, seed: int = 0, ls: bool = True, neighbours: Any = None,
                 lam: float = 1.0) -> None:
        super().__init__(time_limit, seed, ls, neighbours)
        if not lam > 0:
            raise SolverError(f"savings: lam must be > 0, got {lam!r}")
        self.lam = float(lam)


@register_solver("sweep")
class SweepSolver(ConstructionSolver):
    """Sweep by polar angle around the depot from the best start angle, then local search unless ``ls=false``.

    Uses ``instance.positions``: the coordinates, or an MDS embedding of the matrix when there are none.
    """
