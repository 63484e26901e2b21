"""Simple routing rules: ``random``, ``cheapest``, ``best-single`` and ``best-per-family``.

``best-single`` and ``best-per-family`` rank the models by their mean quality on the
instance's training queries (overall, or within the query's family), then route with budget
pacing (:mod:`routing_gym.baselines.query_router.routing`): the best single model the budget
can sustain, falling back to the next where it cannot pay.
"""

from __future__ import annotations

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.constructions import CheapestInsertionSolver
from routing_gym.baselines.query_router.routing import needs_training, route_paced
from routing_gym.envs.query_router.metrics import cheapest_routing
from routing_gym.envs.query_router.types import QueryRouterInstance


@register_solver("random")
class RandomRouter(Solver):
    """A uniformly random feasible decision at each step (seeded by ``seed``); one hook per problem
    (``@RandomRouter.for_problem("<name>")``): the query router's is below."""


@RandomRouter.for_problem("query_router")
def random_query_router(solver: Solver, instance: QueryRouterInstance) -> list[str | None]:
    """Each query to a uniformly random affordable model."""
    rng = np.random.default_rng(solver.seed)
    spent, out = 0.0, []
    for q in range(instance.num_queries):
        fits = np.flatnonzero(instance.cost[q] <= instance.budget - spent)
        if fits.size == 0:
            out.append(None)
            continue
        m = int(rng.choice(fits))
        spent += float(instance.cost[q, m])
        out.append(instance.model_names[m])
    return out


@CheapestInsertionSolver.for_problem("query_router")
def cheapest_query_router(solver: Solver, instance: QueryRouterInstance) -> list[str | None]:
    """``cheapest`` on the query router: each query to its cheapest affordable model."""
    return cheapest_routing(instance)


def family_means(instance: QueryRouterInstance) -> tuple[np.ndarray, np.ndarray]:
    """``(F, M)`` mean training quality per family (the overall mean where a family has no training query),
    and the ``(M,)`` overall mean."""
    overall = instance.train_quality.mean(axis=0)
    f = len(instance.family_names)
    out = np.repeat(overall[None], f, axis=0)
    for k in range(f):
        rows = instance.train_family == k
        if rows.any():
            out[k] = instance.train_quality[rows].mean(axis=0)
    return out, overall


@register_solver("best-single")
class BestSingleRouter(Solver):
    """The model of best mean training quality for every query (budget-paced fallback to the next)."""

    problems = ("query_router",)

    def solve(self, instance: QueryRouterInstance) -> list[str | None]:
        needs_training(instance, self.name)
        _, overall = family_means(instance)
        return route_paced(instance, np.broadcast_to(overall, instance.train_quality.shape),
                           np.broadcast_to(overall, instance.quality.shape))


@register_solver("best-per-family")
class BestPerFamilyRouter(Solver):
    """The model of best mean training quality within the query's family (budget-paced)."""

    problems = ("query_router",)

    def solve(self, instance: QueryRouterInstance) -> list[str | None]:
        needs_training(instance, self.name)
        fam, _ = family_means(instance)
        return route_paced(instance, fam[instance.train_family], fam[instance.family])
