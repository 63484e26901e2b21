"""Metrics of a routing beside the return: quality, cost, share of the oracle's gain, premium calls.

``metrics(instance, solution, oracle=..., reference=...)`` is what the benchmark and the
environment's end-of-episode ``info`` report. The share of the oracle's gain recovered is
APGR-style (RouterBench, RouteLLM): ``(J - J_ref) / (J_oracle - J_ref)`` where ``J`` is the
objective (the summed reward), ``J_ref`` the objective of the reference routing (by default
the ``cheapest`` rule: every query to its cheapest affordable model) and ``J_oracle`` the
hindsight optimum (the ``oracle`` solver); 1 means the router recovers all of the gain the
oracle makes over always calling the cheapest model. ``calls_to_reach`` is RouteLLM's
CPT(x): over a sweep of routings (e.g. one per cost weight), the smallest share of calls to
the premium (most expensive) model among those reaching a given share of the oracle's gain.

:func:`compare_metrics` is the problem's :attr:`~routing_gym.registry.Problem.metrics` (the
columns of ``routing-gym compare``). It must be cheap and exact-or-bounded per instance, so its
``gain_share`` takes as ``J_oracle`` an upper bound on the hindsight optimum, :func:`oracle_bound`:
the Lagrangian (= linear-programming) bound of the multiple-choice knapsack. Where the budget
cannot bind (no budget, as on RouterBench by default, or one that pays every query's best model)
the bound *is* the oracle's objective and the column equals the APGR-style share above; under a
binding budget it is at least the oracle's objective, so the column is a conservative (lower)
reading of the share (the benchmark's table uses the exact CP-SAT oracle instead).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.query_router.types import QueryRouterInstance, evaluate_query_router, model_index


def premium_model(instance: QueryRouterInstance) -> int:
    """The model with the largest mean cost per query."""
    return int(np.argmax(instance.cost.mean(axis=0)))


def cheapest_routing(instance: QueryRouterInstance) -> list[str | None]:
    """Each query to its cheapest model the remaining budget can pay for (abstain when none)."""
    spent, out = 0.0, []
    for q in range(instance.num_queries):
        left = instance.budget - spent
        m = int(np.argmin(instance.cost[q]))
        if instance.cost[q, m] > left:
            out.append(None)
            continue
        spent += float(instance.cost[q, m])
        out.append(instance.model_names[m])
    return out


def routing_stats(instance: QueryRouterInstance, solution: Sequence[Any]) -> dict[str, float]:
    """Quality (mean score over the stream, abstentions 0), cost (spent), premium-call share, abstentions."""
    idx = [model_index(instance, e, q) for q, e in enumerate(solution)]
    q = np.arange(len(idx))
    called = np.array([m is not None for m in idx], dtype=bool)
    cols = np.array([0 if m is None else m for m in idx], dtype=np.int64)
    quality = float(np.where(called, instance.quality[q, cols], 0.0).sum()) if len(idx) else 0.0
    spent = float(np.where(called, instance.cost[q, cols], 0.0).sum()) if len(idx) else 0.0
    premium = premium_model(instance)
    n = max(instance.num_queries, 1)
    return {"quality": quality / n, "spent": spent, "premium_calls": float((called & (cols == premium)).sum()) / n,
            "abstained": float((~called).sum()) / n}


def gain_share(objective: float, oracle: float, reference: float) -> float:
    """``(objective - reference) / (oracle - reference)``; ``nan`` when the oracle gains nothing."""
    gap = oracle - reference
    return (objective - reference) / gap if gap > 1e-12 else math.nan


def metrics(instance: QueryRouterInstance, solution: Sequence[Any], oracle: float | None = None,
            reference: float | None = None) -> dict[str, float]:
    """Objective, :func:`routing_stats` and, with the oracle's objective, the share of its gain recovered.

    :param oracle: the hindsight optimum's objective (e.g. from the ``oracle`` solver).
    :param reference: the reference routing's objective (default: :func:`cheapest_routing`'s).
    """
    ev = evaluate_query_router(instance, solution)
    out = {"objective": ev.cost, "feasible": float(ev.feasible), **routing_stats(instance, solution)}
    if oracle is not None:
        ref = reference if reference is not None else evaluate_query_router(instance, cheapest_routing(instance)).cost
        out["gain_share"] = gain_share(ev.cost, oracle, ref)
    return out


def _lagrangian(util: np.ndarray, cost: np.ndarray, budget: float, lam: float) -> tuple[float, float]:
    """``(lam * budget + sum_q max_o (util - lam * cost), spend of the maximisers)`` for one multiplier."""
    score = util - lam * cost
    pick = np.argmax(score, axis=1)
    rows = np.arange(len(pick))
    return lam * budget + float(score[rows, pick].sum()), float(cost[rows, pick].sum())


def oracle_bound(instance: QueryRouterInstance, iterations: int = 60) -> float:
    """An upper bound on the hindsight optimum's objective; equal to it where the budget cannot bind.

    Every routing picks one option per query (a model, or abstaining at utility and cost 0 where
    abstaining is allowed or the budget can run dry) with total cost within the budget: a
    multiple-choice knapsack. For any ``lam >= 0``, ``lam * B + sum_q max_o (u[q, o] - lam c[q, o])``
    bounds it from above; the bound is minimised over ``lam`` by bisection on its subgradient
    (``B`` minus the maximisers' spend). With ``lam = 0`` feasible (the best models fit the budget)
    the bound is the per-query best utility summed, which is then the optimum itself.
    """
    util, cost, budget = instance.utility(), instance.cost, instance.budget
    if instance.allow_abstain or float(cost.max(axis=1).sum()) > budget:
        util = np.concatenate([util, np.zeros((instance.num_queries, 1))], axis=1)
        cost = np.concatenate([cost, np.zeros((instance.num_queries, 1))], axis=1)
    best, spend = _lagrangian(util, cost, budget if math.isfinite(budget) else 0.0, 0.0)
    if spend <= budget:
        return best
    lo, hi = 0.0, 1.0
    while _lagrangian(util, cost, budget, hi)[1] > budget and hi < 1e12:
        lo, hi = hi, hi * 2.0
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        value, spend = _lagrangian(util, cost, budget, mid)
        best = min(best, value)
        lo, hi = (mid, hi) if spend > budget else (lo, mid)
    return min(best, _lagrangian(util, cost, budget, hi)[0])


def compare_metrics(instance: QueryRouterInstance, solution: Sequence[Any]) -> dict[str, float]:
    """The columns of ``routing-gym compare``: ``quality`` (mean score per query, abstentions 0),
    ``cost`` (the spend, in the table's unit: USD on RouterBench) and ``gain_share``:
    ``(J - J_cheapest) / (oracle_bound - J_cheapest)`` (see the module docstring)."""
    stats = routing_stats(instance, solution)
    ev = evaluate_query_router(instance, solution)
    ref = evaluate_query_router(instance, cheapest_routing(instance)).cost
    return {"quality": stats["quality"], "cost": stats["spent"],
            "gain_share": gain_share(ev.cost, oracle_bound(instance), ref)}


def calls_to_reach(points: Sequence[tuple[float, float]], level: float = 0.5) -> float:
    """CPT-style: the smallest premium-call share among ``(premium_share, gain_share)`` points whose gain
    share reaches ``level``; ``nan`` when none does."""
    ok = [p for p, g in points if not math.isnan(g) and g >= level]
    return min(ok) if ok else math.nan
