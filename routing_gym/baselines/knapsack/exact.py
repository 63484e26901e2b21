"""The knapsack on CP-SAT, exact on float data through an explicit power-of-two scale.

CP-SAT needs integers. The data are multiplied by a scale ``s = 2**k`` and
rounded so that the integer model implies the real one: weights up, the
capacity down, values to the nearest integer. Any solution of the model is then
feasible for the real weights. When every scaled number is already an integer
(:func:`integer_data` checks; true for integer data at ``s = 1`` and for
``rng.random`` draws, multiples of ``2**-53``, at ``s = 2**53``) the model *is*
the instance, and CP-SAT's proof of optimality holds for the float data too.
The chosen packing is re-evaluated on the float data by the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing_gym.baselines.cpsat import CPSATSolver
from routing_gym.envs.knapsack.types import KnapsackInstance
from routing_gym.errors import SolverError

#: largest scale exponent tried (float64 has a 53-bit significand)
MAX_EXPONENT = 53
#: bound on every scaled sum (total weight, total value), well inside CP-SAT's int64 arithmetic
MAX_SCALED_SUM = 2.0**61


@dataclass(frozen=True)
class IntegerData:
    """The integer knapsack CP-SAT solves.

    :param weights: ``ceil(s * w)``.
    :param values: ``rint(s * v)``.
    :param capacity: ``floor(s * C)``.
    :param scale: ``s``.
    :param exact: whether every scaled number was already an integer (then the model is the instance).
    """

    weights: list[int]
    values: list[int]
    capacity: int
    scale: float
    exact: bool


def _is_exact(arrays: tuple[np.ndarray, ...], s: float) -> bool:
    return all(np.array_equal(a * s, np.rint(a * s)) for a in arrays)


def integer_data(instance: KnapsackInstance, scale: float | None = None) -> IntegerData:
    """The integer model of ``instance`` at ``scale``, or at the smallest exact ``2**k`` (``k <= 53``).

    Without an exact power of two within the sum bound :data:`MAX_SCALED_SUM`, the largest one
    allowed is used (conservative rounding; ``exact`` is then false).
    """
    w, v, c = instance.weights, instance.values, np.array([instance.capacity])
    top = max(float(w.sum()), float(v.sum()), float(c[0]))
    if scale is None:
        k_max = int(min(MAX_EXPONENT, np.floor(np.log2(MAX_SCALED_SUM / max(top, 1e-300)))))
        if k_max < 0:
            raise SolverError(f"cpsat: the knapsack's sums ({top:.3g}) are too large for an integer model")
        scale = next((2.0**k for k in range(k_max + 1) if _is_exact((w, v, c), 2.0**k)), 2.0**k_max)
    elif top * scale > MAX_SCALED_SUM:
        raise SolverError(f"cpsat: scale {scale:g} makes the sums ({top * scale:.3g}) exceed {MAX_SCALED_SUM:.3g}")
    s = float(scale)
    return IntegerData([int(x) for x in np.ceil(w * s)], [int(x) for x in np.rint(v * s)], int(np.floor(c[0] * s)), s,
                       _is_exact((w, v, c), s))


@CPSATSolver.for_problem("knapsack")
def cpsat_knapsack(solver: CPSATSolver, instance: KnapsackInstance) -> list[int]:
    """The optimal packing (proven when ``solver.last_stats["status"] == "OPTIMAL"`` and ``["exact"]``)."""
    from ortools.sat.python import cp_model

    data = integer_data(instance, solver.scale)
    model = cp_model.CpModel()
    x = [model.NewBoolVar(f"x{i}") for i in range(instance.num_items)]
    model.Add(cp_model.LinearExpr.WeightedSum(x, data.weights) <= data.capacity)
    model.Maximize(cp_model.LinearExpr.WeightedSum(x, data.values))
    result = solver.search(model)
    solver.last_stats.update(scale=data.scale, exact=data.exact)
    return [i for i in range(instance.num_items) if result.BooleanValue(x[i])]
