"""Routers fit on the instance's training queries: ``knn`` and ``logistic``; confidence rules
``cascade`` and ``threshold`` on the logistic router's predicted correctness.

Inputs are the query features (standardised on the training queries) and the family one-hot.
``knn`` predicts each model's quality as its mean over the ``k`` nearest training queries;
``logistic`` fits one L2-regularised logistic regression per model (IRLS; scores are used as
soft targets, clipped to ``[0, 1]``). Both route with budget pacing
(:mod:`routing_gym.baselines.query_router.routing`).

The environment charges one call per query, so ``cascade`` is a predictive cascade: it walks
the models from the cheapest to the most expensive (by mean training cost) and takes the
first whose predicted correctness reaches ``tau`` (the most likely one if none does); the
calls a real cascade would waste on rejected answers are not modelled. ``threshold`` is
RouteLLM's two-model router: the strong model (best mean training quality) when its
predicted utility (predicted correctness minus the cost and flag deductions) exceeds the weak
(cheapest) model's by at least ``delta``, else the weak; the cost in that utility carries the
pacing price at which the rule, on the training queries, keeps within the budget. Where the chosen model is unaffordable
both fall back to the affordable model of best predicted correctness.
"""

from __future__ import annotations

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.query_router.routing import needs_training, pacing_price, route, route_paced
from routing_gym.envs.query_router.types import QueryRouterInstance, flag_penalty
from routing_gym.errors import SolverError


def design(instance: QueryRouterInstance) -> tuple[np.ndarray, np.ndarray]:
    """``(X_train, X_stream)``: standardised features, family one-hot, and a bias column."""
    mu = instance.train_features.mean(axis=0)
    sd = instance.train_features.std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    f = len(instance.family_names)

    def build(feats: np.ndarray, fam: np.ndarray) -> np.ndarray:
        onehot = np.eye(f)[fam]
        return np.concatenate([(feats - mu) / sd, onehot, np.ones((feats.shape[0], 1))], axis=1)

    return build(instance.train_features, instance.train_family), build(instance.features, instance.family)


def knn_predict(x_train: np.ndarray, y_train: np.ndarray, x: np.ndarray, k: int, exclude_self: bool = False) -> np.ndarray:
    """Mean of ``y_train`` over the ``k`` nearest training rows of each row of ``x`` (Euclidean).

    Rows tied with the ``k``-th nearest are all included, so the prediction does not depend on
    the order of the training rows (with the family as the only input, it is the family's mean).
    """
    d = np.maximum((x**2).sum(1)[:, None] - 2.0 * x @ x_train.T + (x_train**2).sum(1)[None], 0.0)
    if exclude_self:
        np.fill_diagonal(d, np.inf)
    k = min(k, x_train.shape[0] - (1 if exclude_self else 0))
    if k < 1:
        raise SolverError("knn: not enough training queries")
    kth = np.partition(d, k - 1, axis=1)[:, k - 1]
    near = (d <= kth[:, None] * (1.0 + 1e-9) + 1e-12).astype(np.float64)
    return (near @ y_train) / near.sum(axis=1, keepdims=True)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 25) -> np.ndarray:
    """``(D, M)`` weights of one L2-regularised logistic regression per column of ``y`` (IRLS)."""
    y = np.clip(y, 0.0, 1.0)
    d, m = x.shape[1], y.shape[1]
    w = np.zeros((d, m))
    reg = l2 * np.eye(d)
    reg[-1, -1] = 1e-6  # the bias is not shrunk
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        for j in range(m):
            s = p[:, j] * (1.0 - p[:, j]) + 1e-9
            hess = (x * s[:, None]).T @ x + reg
            grad = x.T @ (p[:, j] - y[:, j]) + reg @ w[:, j]
            w[:, j] -= np.linalg.solve(hess, grad)
    return w


def logistic_predictions(instance: QueryRouterInstance, l2: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Predicted correctness of every model on the training queries and on the stream."""
    x_train, x = design(instance)
    w = fit_logistic(x_train, instance.train_quality, l2)
    return 1.0 / (1.0 + np.exp(-(x_train @ w))), 1.0 / (1.0 + np.exp(-(x @ w)))


@register_solver("knn")
class KNNRouter(Solver):
    """k-nearest-neighbour router: predicted quality = mean over the ``k`` nearest training queries.

    :param k: neighbours (default 10).
    """

    problems = ("query_router",)

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, k: int = 10) -> None:
        super().__init__(time_limit, seed)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise SolverError(f"knn: k must be an integer >= 1, got {k!r}")
        self.k = k

    def solve(self, instance: QueryRouterInstance) -> list[str | None]:
        needs_training(instance, self.name)
        x_train, x = design(instance)
        y = instance.train_quality
        pred_train = knn_predict(x_train, y, x_train, self.k, exclude_self=True)
        return route_paced(instance, pred_train, knn_predict(x_train, y, x, self.k))


@register_solver("logistic")
class LogisticRouter(Solver):
    """Per-model logistic regression of correctness on the query's features and family.

    :param l2: ridge penalty (default 1).
    """

    problems = ("query_router",)

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, l2: float = 1.0) -> None:
        super().__init__(time_limit, seed)
        if not isinstance(l2, (int, float)) or isinstance(l2, bool) or l2 < 0:
            raise SolverError(f"logistic: l2 must be a number >= 0, got {l2!r}")
        self.l2 = float(l2)

    def solve(self, instance: QueryRouterInstance) -> list[str | None]:
        needs_training(instance, self.name)
        return route_paced(instance, *logistic_predictions(instance, self.l2))


#: a bonus that puts a rule's chosen model first in :func:`route` (predictions are in [0, 1])
BONUS = 1e9


def _one_hot_choice(shape: tuple[int, int], pick: np.ndarray) -> np.ndarray:
    out = np.zeros(shape)
    out[np.arange(shape[0]), pick] = 1.0
    return out


@register_solver("cascade")
class CascadeRouter(Solver):
    """Cheapest model first, escalating while the predicted correctness is below ``tau`` (see the module).

    :param tau: confidence needed to stop escalating (default 0.7).
    """

    problems = ("query_router",)

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, tau: float = 0.7) -> None:
        super().__init__(time_limit, seed)
        if not isinstance(tau, (int, float)) or isinstance(tau, bool) or not 0.0 <= tau <= 1.0:
            raise SolverError(f"cascade: tau must be in [0, 1], got {tau!r}")
        self.tau = float(tau)

    def solve(self, instance: QueryRouterInstance) -> list[str | None]:
        needs_training(instance, self.name)
        _, p = logistic_predictions(instance)
        order = np.argsort(instance.train_cost.mean(axis=0), kind="stable")
        ok = p[:, order] >= self.tau
        util = p - instance.cost_weight * instance.cost - flag_penalty(instance.flags, instance.flag_weights)
        first = np.where(ok.any(axis=1), order[np.argmax(ok, axis=1)], np.argmax(util, axis=1))
        # the chosen model first; where unaffordable, the rest by predicted utility
        return route(instance, p + BONUS * _one_hot_choice(p.shape, first))


@register_solver("threshold")
class ThresholdRouter(Solver):
    """Strong model when its predicted utility beats the cheapest model's by ``delta`` (RouteLLM).

    :param delta: the margin (default 0).
    """

    problems = ("query_router",)

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, delta: float = 0.0) -> None:
        super().__init__(time_limit, seed)
        if not isinstance(delta, (int, float)) or isinstance(delta, bool):
            raise SolverError(f"threshold: delta must be a number, got {delta!r}")
        self.delta = float(delta)

    def solve(self, instance: QueryRouterInstance) -> list[str | None]:
        needs_training(instance, self.name)
        p_train, p = logistic_predictions(instance)
        weak = int(np.argmin(instance.train_cost.mean(axis=0)))
        strong = int(np.argmax(instance.train_quality.mean(axis=0)))
        pen = flag_penalty(instance.flags, instance.flag_weights)

        def picks(pred: np.ndarray, cost: np.ndarray, lam: float) -> np.ndarray:
            util = pred - (instance.cost_weight + lam) * cost - pen
            return np.where(util[:, strong] - util[:, weak] >= self.delta, strong, weak)

        def spend(lam: float) -> float:
            c = instance.train_cost
            return float(c[np.arange(c.shape[0]), picks(p_train, c, lam)].mean())

        lam = pacing_price(instance, spend)
        return route(instance, p + BONUS * _one_hot_choice(p.shape, picks(p, instance.cost, lam)))
