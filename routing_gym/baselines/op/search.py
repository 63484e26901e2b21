"""``greedy`` and ``ils`` on orienteering: the prize-tour search of :mod:`routing_gym.baselines.prize_tour`."""

from __future__ import annotations

import time

import numpy as np

from routing_gym.baselines.greedy import GreedySolver
from routing_gym.baselines.ils import IteratedLocalSearchSolver
from routing_gym.baselines.primitives import neighbour_count, neighbour_lists
from routing_gym.baselines.prize_tour import PrizeData, greedy_tour, ils_tour, make_data
from routing_gym.envs.op.types import OPInstance, evaluate_op, first_stranded_visit
from routing_gym.errors import SolverError

#: weight of the tour length against the prizes, per unit of (smallest positive prize / length limit)
LENGTH_WEIGHT = 1e-3


def op_data(instance: OPInstance, neighbours: object = None) -> PrizeData:
    """The OP as a prize tour: leaving a node out costs its prize; the length limit is a constraint.

    The length weighs ``1e-3 * (smallest positive prize) / max_length``: a whole tour's length
    is worth less than any single prize, so the prize comes first and, among tours of equal
    prize, the shorter wins.
    """
    pen = np.array(instance.prizes, dtype=np.float64)
    pen[0] = 0.0  # the depot's prize is always collected
    positive = pen[pen > 0]
    w = LENGTH_WEIGHT * (float(positive.min()) if positive.size else 1.0) / max(instance.max_length, 1e-12)
    n1 = pen.size
    nb = neighbour_lists(instance.distances, neighbour_count(neighbours or 20, n1), exclude_depot=True)
    return make_data(instance.distances, pen, np.zeros(n1), nb, w, instance.max_length, 0.0)


def checked(instance: OPInstance, tour: list[int]) -> list[int]:
    """``tour``, made playable by the environment, after :func:`evaluate_op` confirms it.

    On instances that break the triangle inequality a feasible tour may pass a node
    whose direct way home does not fit (:func:`~routing_gym.envs.op.types.first_stranded_visit`),
    which the environment's mask refuses; the first such node is dropped, repeatedly, until
    the environment can build the tour. On metric instances nothing changes.

    :raises SolverError: for an infeasible tour (a solver bug, never hidden).
    """
    tour = [int(x) for x in tour]
    while (k := first_stranded_visit(instance, tour)) is not None:
        del tour[k]
    ev = evaluate_op(instance, tour)
    if not ev.feasible:
        raise SolverError(f"op search: infeasible tour: {ev.violation}")
    return tour


@GreedySolver.for_problem("op")
def greedy_op(solver: GreedySolver, instance: OPInstance) -> list[int]:
    """Insert the node of largest prize per added length that still fits, until none fits; then local search."""
    return checked(instance, greedy_tour(op_data(instance, solver.neighbours), solver.ls))


@IteratedLocalSearchSolver.for_problem("op", inits=("greedy",))
def ils_op(solver: IteratedLocalSearchSolver, instance: OPInstance) -> list[int]:
    """Greedy plus local search, then perturbation rounds until the budget (see :func:`ils_tour`)."""
    t0 = time.perf_counter()
    solver.init_for("op")
    return checked(instance, ils_tour(solver, op_data(instance, solver.neighbours), t0))
