"""Gate-based MoERouter baselines (fixed top-k, dynamic top-p) and the oracle hook."""

from __future__ import annotations

import math
from typing import ClassVar

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.baselines.oracle import OracleSolver
from routing_gym.envs.moe_router.metrics import top_k_routing, top_p_routing
from routing_gym.envs.moe_router.oracle import oracle_routing
from routing_gym.envs.moe_router.types import MoERouterInstance
from routing_gym.errors import SolverError


@register_solver("top-k")
class TopK(Solver):
    """The ``k`` highest gate logits at every layer (capped by ``max_experts``; fewer where a budget runs out).

    :param k: experts per layer (default 2, as in most MoE models).
    """

    problems: ClassVar[tuple[str, ...]] = ("moe_router",)

    def __init__(self, time_limit: float | None = None, seed: int = 0, k: int = 2) -> None:
        super().__init__(time_limit, seed)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise SolverError(f"top-k: k must be an integer >= 1, got {k!r}")
        self.k = k

    def solve(self, instance: MoERouterInstance) -> list[list[list[int]]]:
        return top_k_routing(instance, self.k)


@register_solver("top-p")
class TopP(Solver):
    """Dynamic top-p routing (Huang et al. 2024): per token and layer, the fewest highest-gate experts
    whose softmax mass reaches ``p`` (at most ``max_experts``).

    :param p: the mass threshold in ``(0, 1]`` (default 0.6).
    """

    problems: ClassVar[tuple[str, ...]] = ("moe_router",)

    def __init__(self, time_limit: float | None = None, seed: int = 0, p: float = 0.6) -> None:
        super().__init__(time_limit, seed)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not math.isfinite(p) or not 0 < p <= 1:
            raise SolverError(f"top-p: p must be a number in (0, 1], got {p!r}")
        self.p = float(p)

    def solve(self, instance: MoERouterInstance) -> list[list[list[int]]]:
        return top_p_routing(instance, self.p)


@OracleSolver.for_problem("moe_router")
def oracle_moe_router(solver: OracleSolver, instance: MoERouterInstance) -> list[list[list[int]]]:
    """The exact optimum by dynamic programming over expert sets (budgets included); labelled exact."""
    solver.last_stats = {"exact": True, "method": "dynamic programming over expert sets"}
    return oracle_routing(instance)
