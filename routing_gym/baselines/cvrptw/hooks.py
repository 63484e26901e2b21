"""The hooks that add ``cvrptw`` to the generic solvers.

============ =================================================================
solver       on CVRPTW
============ =================================================================
``cheapest`` Solomon's I1 insertion (the best of 6 settings x 2 seed rules),
             then the time-window local search unless ``ls=false``
``ils``      ruin and recreate + time-window local search, from I1 (``init=cheapest``)
``ortools``  OR-Tools routing with a capacity and a time dimension
``hgs``      PyVRP's HGS with time windows (the reference)
============ =================================================================
"""

from __future__ import annotations

from routing_gym.baselines.constructions import CheapestInsertionSolver
from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.ortools_solver import ORToolsSolver
from routing_gym.baselines.references import HGSSolver
from routing_gym.envs.cvrptw.types import CVRPTWInstance

Routes = list[list[int]]


@CheapestInsertionSolver.for_problem("cvrptw")
def cheapest_cvrptw(solver: CheapestInsertionSolver, instance: CVRPTWInstance) -> Routes:
    """Solomon I1 routes, improved by the local search when ``solver.ls``."""
    from routing_gym.baselines.cvrptw.construction import insertion_routes
    from routing_gym.baselines.cvrptw.local_search import DEFAULT_NEIGHBOURS, local_search

    routes = insertion_routes(instance)
    return local_search(instance, routes, solver.neighbours or DEFAULT_NEIGHBOURS) if solver.ls else routes


@IteratedLocalSearchSolver.for_problem("cvrptw", inits=("cheapest",))
def ils_cvrptw(solver: IteratedLocalSearchSolver, instance: CVRPTWInstance) -> Routes:
    """The suite's time-window ILS from Solomon I1 routes."""
    from routing_gym.baselines.cvrptw.local_search import ils_cvrptw as run

    solver.init_for("cvrptw")
    return run(solver, instance)


@ORToolsSolver.for_problem("cvrptw")
def ortools_cvrptw(solver: ORToolsSolver, instance: CVRPTWInstance) -> Routes:
    """OR-Tools with a time dimension within ``solver``'s time limit."""
    from routing_gym.baselines.cvrptw.ortools import solve_ortools

    return solve_ortools(instance, solver.time_limit, solver.seed, first_solution=solver.first_solution,
                         metaheuristic=solver.metaheuristic, scale=solver.scale)


@HGSSolver.for_problem("cvrptw")
def hgs_cvrptw(solver: HGSSolver, instance: CVRPTWInstance) -> Routes:
    """PyVRP's HGS with time windows within ``solver``'s time limit."""
    from routing_gym.baselines.cvrptw.hgs import solve_hgs

    return solve_hgs(instance, solver.time_limit, solver.seed, scale=solver.scale)
