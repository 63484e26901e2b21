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


def calls_to_reach(points: Sequence[tuple[float, float]], level: float = 0.5) -> float:
    """CPT-style: the smallest premium-call share among ``(premium_share, gain_share)`` points whose gain
    share reaches ``level``; ``nan`` when none does."""
    ok = [p for p, g in points if not math.isnan(g) and g >= level]
    return min(ok) if ok else math.nan
