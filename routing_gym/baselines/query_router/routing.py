"""Turning predicted qualities into a budget-feasible routing, with budget pacing.

Every fitted router predicts a quality matrix for the training queries and for the stream.
The routing then sends each query to the affordable model of largest predicted utility
``p - (cost_weight + lam) * cost - flag penalty``. The pacing price ``lam >= 0`` is the
smallest (by bisection) at which the same rule, on the training queries, spends at most the
budget's share per query: a Lagrangian relaxation of the budget, fit where the router fits.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from routing_gym.envs.query_router.types import QueryRouterInstance, flag_penalty
from routing_gym.errors import SolverError


def needs_training(instance: QueryRouterInstance, name: str) -> None:
    """Raise an explicit :class:`SolverError` when ``instance`` carries no training queries."""
    if instance.num_train == 0:
        raise SolverError(f"{name}: the instance has no training queries to fit on "
                          f"(generate with num_train > 0, or load a table with train_fraction > 0)")


def pacing_price(instance: QueryRouterInstance, spend: Callable[[float], float], iters: int = 40) -> float:
    """The smallest ``lam >= 0`` (to ``2**-iters`` of the bracket) at which ``spend(lam)``, a rule's mean
    spend per training query at pacing price ``lam`` (non-increasing in ``lam``), is at most ``budget / Q``;
    0 without a budget or training queries."""
    if not np.isfinite(instance.budget) or instance.num_train == 0:
        return 0.0
    per_query = instance.budget / instance.num_queries
    if spend(0.0) <= per_query:
        return 0.0
    cost = instance.train_cost
    lo, hi = 0.0, 1.0 / max(float(cost[cost > 0].min(initial=1.0)), 1e-12)
    for _ in range(60):
        if spend(hi) <= per_query:
            break
        hi *= 4.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if spend(mid) <= per_query else (mid, hi)
    return hi


def argmax_spend(instance: QueryRouterInstance, pred_train: np.ndarray) -> Callable[[float], float]:
    """``spend(lam)`` of the argmax rule of :func:`route` on the training queries."""
    pen = flag_penalty(instance.flags, instance.flag_weights)
    cost = instance.train_cost

    def spend(lam: float) -> float:
        pick = np.argmax(pred_train - (instance.cost_weight + lam) * cost - pen, axis=1)
        return float(cost[np.arange(cost.shape[0]), pick].mean())

    return spend


def route(instance: QueryRouterInstance, pred: np.ndarray, lam: float = 0.0) -> list[str | None]:
    """Each query, in order, to its affordable model of largest ``pred - (w + lam) * cost - flags``.

    Abstains where no model is affordable, and (with ``allow_abstain``) where every affordable
    model's predicted utility ``pred - w * cost - flags`` is negative.
    """
    if pred.shape != instance.quality.shape:
        raise SolverError(f"predictions of shape {pred.shape} for {instance.quality.shape} queries x models")
    pen = flag_penalty(instance.flags, instance.flag_weights)
    score = pred - (instance.cost_weight + lam) * instance.cost - pen
    util = pred - instance.cost_weight * instance.cost - pen
    spent, out = 0.0, []
    for q in range(instance.num_queries):
        fits = instance.cost[q] <= instance.budget - spent
        if not fits.any():
            out.append(None)
            continue
        m = int(np.argmax(np.where(fits, score[q], -np.inf)))
        if instance.allow_abstain and util[q, m] < 0:
            out.append(None)
            continue
        spent += float(instance.cost[q, m])
        out.append(instance.model_names[m])
    return out


def route_paced(instance: QueryRouterInstance, pred_train: np.ndarray, pred: np.ndarray) -> list[str | None]:
    """:func:`route` at the pacing price fit on the training predictions."""
    return route(instance, pred, pacing_price(instance, argmax_spend(instance, pred_train)))
