"""Figures of a LayerRouter routing beside its objective: loss, compute and the share of the oracle's gain.

:func:`compare_metrics` is the problem's :attr:`~routing_gym.registry.Problem.metrics` (the columns
of ``routing-gym compare``): ``loss`` (mean loss per token), ``compute`` (mean compute units per
token) and ``gain_share = (J_small - J) / (J_small - J_oracle)``, where ``J`` is the objective
(loss + compute weight * units, minimised), ``J_small`` that of routing every layer small
(:func:`play_plan` of the all-small plan, the ``all-small`` baseline) and ``J_oracle`` the exact
hindsight optimum (the dynamic programme of :mod:`routing_gym.envs.layer_router.oracle`): 1 is the
oracle, 0 the all-small rule, negative worse than it; ``nan`` where the oracle gains nothing.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from routing_gym.envs.layer_router.types import SKIP, SMALL, LayerRouterInstance, evaluate_layer_router, routing_loss


def play_plan(instance: LayerRouterInstance, plan: np.ndarray) -> list[list[int]]:
    """``plan`` (``(T, L)`` options) made affordable: each option that a budget cannot pay is
    downgraded (big -> small -> skip), token after token, layer after layer, as the env's mask would."""
    inst = instance
    units = inst.unit_cost
    tok_cap = np.inf if inst.token_budget is None else inst.token_budget
    left_batch = np.inf if inst.batch_budget is None else float(inst.batch_budget)
    out = np.asarray(plan, dtype=np.int64).copy()
    for t in range(inst.num_tokens):
        left_tok = float(tok_cap)
        for l in range(inst.num_layers):
            o = int(out[t, l])
            while o != SKIP and units[o] > min(left_tok, left_batch):
                o -= 1
            out[t, l] = o
            left_tok -= units[o]
            left_batch -= units[o]
    return out.tolist()


def gain_share(objective: float, oracle: float, reference: float) -> float:
    """``(reference - objective) / (reference - oracle)`` for a minimised objective; ``nan`` when the
    oracle gains nothing over the reference."""
    gap = reference - oracle
    return (reference - objective) / gap if gap > 1e-12 else math.nan


@lru_cache(maxsize=256)
def reference_costs(instance: LayerRouterInstance) -> tuple[float, float]:
    """``(J_oracle, J_small)`` of ``instance``, cached per instance object (every solver's row shares them)."""
    from routing_gym.envs.layer_router.oracle import oracle_routing

    small = play_plan(instance, np.full((instance.num_tokens, instance.num_layers), SMALL))
    return evaluate_layer_router(instance, oracle_routing(instance)).cost, evaluate_layer_router(instance, small).cost


def compare_metrics(instance: LayerRouterInstance, solution: Any) -> dict[str, float]:
    """``loss`` and ``compute`` per token, and ``gain_share`` against the exact oracle (module docstring)."""
    routing = np.asarray(solution, dtype=np.int64)
    loss, units = routing_loss(instance, routing)
    cost = evaluate_layer_router(instance, routing).cost
    best, ref = reference_costs(instance)
    T = instance.num_tokens
    return {"loss": loss / T, "compute": units / T, "gain_share": gain_share(cost, best, ref)}
