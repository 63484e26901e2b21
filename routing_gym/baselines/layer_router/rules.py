"""Fixed-pattern LayerRouter baselines and the oracle hook."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.oracle import OracleSolver
from routing_gym.envs.layer_router.metrics import play_plan
from routing_gym.envs.layer_router.oracle import oracle_routing
from routing_gym.envs.layer_router.types import BIG, SMALL, LayerRouterInstance, evaluate_layer_router


class _PatternSolver(Solver):
    problems: ClassVar[tuple[str, ...]] = ("layer_router",)
    option: ClassVar[int] = SMALL

    def solve(self, instance: LayerRouterInstance) -> list[list[int]]:
        return play_plan(instance, np.full((instance.num_tokens, instance.num_layers), self.option))


@register_solver("all-small")
class AllSmall(_PatternSolver):
    """The small module at every layer (skip where a budget runs out)."""

    option = SMALL


@register_solver("all-big")
class AllBig(_PatternSolver):
    """The big module at every layer (downgraded where a budget runs out)."""

    option = BIG


def one_big_plan(instance: LayerRouterInstance, layer: int) -> np.ndarray:
    """Big at ``layer`` for every token, small elsewhere."""
    plan = np.full((instance.num_tokens, instance.num_layers), SMALL)
    plan[:, layer] = BIG
    return plan


@register_solver("one-big-layer")
class OneBigLayer(Solver):
    """Big at one layer for every token and small elsewhere; every layer is tried (a sweep on the
    instance's own tokens) and the best routing kept. :attr:`last_layer` is the layer chosen."""

    problems: ClassVar[tuple[str, ...]] = ("layer_router",)

    def solve(self, instance: LayerRouterInstance) -> list[list[int]]:
        best, best_cost = None, np.inf
        for layer in range(instance.num_layers):
            routing = play_plan(instance, one_big_plan(instance, layer))
            cost = evaluate_layer_router(instance, routing).cost
            if cost < best_cost:
                best, best_cost, self.last_layer = routing, cost, layer
        return best


@OracleSolver.for_problem("layer_router")
def oracle_layer_router(solver: OracleSolver, instance: LayerRouterInstance) -> list[list[int]]:
    """The exact optimum by dynamic programming (budgets included); labelled exact."""
    solver.last_stats = {"exact": True, "method": "dynamic programming"}
    return oracle_routing(instance).tolist()
