"""``oracle``: the hindsight optimum of a query stream, a multiple-choice knapsack on CP-SAT (a bound).

The oracle sees every query's scores and costs in advance (no router can), so its
objective bounds what any router can reach on the instance. The model: one boolean
``x[q, m]`` per query and model, exactly one model per query (or abstain, where
``allow_abstain``), total cost within the budget, maximising the summed utility. Where
abstaining is not allowed, the environment still abstains on a query where nothing is
affordable; the model then keeps a running spend ``S_q`` and allows abstaining on ``q`` only
where ``S_(q-1) > budget - min_m cost[q, m]``.

CP-SAT needs integers. Costs are scaled by ``s_c`` and rounded *up*, the budget *down*, so
every solution of the model is feasible for the real data; utilities are scaled by ``s_u``
and rounded to the nearest integer. The scales are the largest powers of two that keep every
sum below ``2**40`` (larger coefficients weaken CP-SAT's linear relaxation: at ``2**50`` the
chain model below stalls far from its bound on RouterBench), so the rounding changes the
objective by at most ``Q / (2 * s_u)``, about ``sum |utility| * 5e-13``: the solution is
optimal for the integer model (``last_stats["exact"]``, CP-SAT's ``OPTIMAL``) and the
environment re-judges it on the float data. A solution that the float data rejects raises (an
explicit failure row); it is never passed on.

Three models (``last_stats["method"]``): ``free`` where abstaining is allowed; ``answer``
(every query answered) where the budget cannot run out (none, or enough for the dearest model
on every query), so no abstention is ever forced; ``chain`` otherwise (running the budget dry
and then being forced to abstain can pay), started from the best ``answer`` routing when the
budget pays every query's cheapest model. With a time limit too short to prove optimality,
``last_stats["exact"]`` is false and the objective is a feasible value, not a bound.

The solver is the generic ``oracle`` of :mod:`routing_gym.baselines.oracle`; this module is
its query-router hook, which runs CP-SAT (:class:`~routing_gym.baselines.cpsat.CPSATSolver`,
one worker, the oracle's time limit) and records ``last_stats`` with ``exact`` (true when
CP-SAT proved the integer model optimal) and ``method``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from routing_gym.baselines.base import Solver
from routing_gym.baselines.cpsat import CPSATSolver
from routing_gym.baselines.oracle import OracleSolver
from routing_gym.envs.query_router.types import QueryRouterInstance, evaluate_query_router
from routing_gym.errors import SolverError

#: bound on every scaled sum
MAX_SCALED_SUM = 2.0**40


def power_scale(total: float) -> float:
    """The largest ``2**k`` (``k <= 60``) with ``total * 2**k <= MAX_SCALED_SUM``."""
    if total <= 0:
        return 1.0
    return 2.0 ** min(60, math.floor(math.log2(MAX_SCALED_SUM / total)))


def _add_forced_abstain(model: Any, x: list, abstain: list, cost_int: np.ndarray, budget_int: int,
                        lo_min: np.ndarray, hint: np.ndarray) -> None:
    """``S_q`` chain: abstaining on ``q`` only where the spend before it leaves less than ``min cost[q]``.

    :param hint: the hinted routing's model per query (``-1``: abstain), to hint the running spends too.
    """
    from ortools.sat.python import cp_model

    total = int(cost_int.max(axis=1).sum())
    spent = np.cumsum(np.where(hint >= 0, cost_int[np.arange(len(hint)), np.maximum(hint, 0)], 0))
    prev = 0
    for q in range(cost_int.shape[0]):
        # real spend > budget - min cost; spends are rounded up, so ask the integer spend for a margin of one unit
        model.Add(prev >= budget_int - lo_min[q] + 1).OnlyEnforceIf(abstain[q])
        s = model.NewIntVar(0, total, f"s{q}")
        model.Add(s == prev + cp_model.LinearExpr.WeightedSum(x[q], [int(c) for c in cost_int[q]]))
        model.AddHint(s, int(spent[q]))
        prev = s


def _solve(solver: Solver, u_int: np.ndarray, c_int: np.ndarray, b_int: int | None, lo_min: np.ndarray, mode: str,
           hint: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """One CP-SAT model: ``mode`` ``"free"`` (abstain at will), ``"answer"`` (every query answered) or
    ``"chain"`` (abstain only where forced: ``lo_min`` is each query's cheapest cost, scaled and rounded
    down). Returns the model per query (``-1``: abstain) and the stats."""
    from ortools.sat.python import cp_model

    nq, m = c_int.shape
    model = cp_model.CpModel()
    x = [[model.NewBoolVar(f"x{q}_{j}") for j in range(m)] for q in range(nq)]
    abstain = [model.NewBoolVar(f"a{q}") for q in range(nq)]
    for q in range(nq):
        model.AddExactlyOne(x[q] + [abstain[q]])
        model.AddHint(abstain[q], bool(hint[q] < 0))
        for j in range(m):
            model.AddHint(x[q][j], bool(hint[q] == j))
    if b_int is not None:
        model.Add(cp_model.LinearExpr.WeightedSum([v for row in x for v in row], [int(c) for c in c_int.ravel()]) <= b_int)
    if mode == "answer":
        model.Add(sum(abstain) == 0)
    elif mode == "chain":
        _add_forced_abstain(model, x, abstain, c_int, int(b_int), lo_min, hint)
    model.Maximize(cp_model.LinearExpr.WeightedSum([v for row in x for v in row], [int(u) for u in u_int.ravel()]))
    searcher = CPSATSolver(solver.time_limit, solver.seed)
    result = searcher.search(model)
    picks = np.array([next((j for j in range(m) if result.BooleanValue(x[q][j])), -1) for q in range(nq)])
    return picks, searcher.last_stats


@OracleSolver.for_problem("query_router")
def oracle_query_router(solver: Solver, instance: QueryRouterInstance) -> list[str | None]:
    """The optimal routing of the integer model (see the module's docstring)."""
    util, cost = instance.utility(), instance.cost
    s_u = power_scale(float(np.abs(util).sum()) + 1.0)
    u_int = np.rint(util * s_u).astype(np.int64)
    finite = math.isfinite(instance.budget)
    s_c = power_scale(float(cost.max(axis=1).sum()) + (instance.budget if finite else 0.0) + 1.0)
    c_int = np.ceil(cost * s_c).astype(np.int64)
    b_int = int(math.floor(instance.budget * s_c)) if finite else None
    lo_min = np.floor(cost.min(axis=1) * s_c).astype(np.int64)
    hint = np.argmin(cost, axis=1)  # every query to its cheapest model
    pays_all = b_int is None or int(c_int.min(axis=1).sum()) <= b_int
    if instance.allow_abstain:
        mode = "free"
    elif not finite or float(cost.max(axis=1).sum()) <= instance.budget:
        mode = "answer"  # the budget never runs out, so no abstention is ever forced
    else:
        mode = "chain"
        if pays_all:  # the best routing that answers every query: a fast start for the chain model
            hint, _ = _solve(solver, u_int, c_int, b_int, lo_min, "answer", hint)
    picks, stats = _solve(solver, u_int, c_int, b_int, lo_min, mode, hint)
    solver.last_stats = {**stats, "exact": stats["status"] == "OPTIMAL", "utility_scale": s_u, "cost_scale": s_c,
                         "method": f"CP-SAT multiple-choice knapsack ({mode})"}
    out = [None if j < 0 else instance.model_names[j] for j in picks]
    ev = evaluate_query_router(instance, out)
    if not ev.feasible:
        raise SolverError(f"oracle: the integer model's routing is infeasible on the float data: {ev.violation}")
    return out
