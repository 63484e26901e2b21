"""Figures of a MoERouter routing beside its objective: loss, compute and the share of the oracle's gain.

:func:`compare_metrics` is the problem's :attr:`~routing_gym.registry.Problem.metrics` (the columns
of ``routing-gym compare``): ``loss`` (mean loss per token), ``compute`` (mean expert calls per
token and layer) and ``gain_share = (J_ref - J) / (J_ref - J_oracle)``, where ``J`` is the objective
(loss + compute weight * calls), ``J_ref`` that of the fixed top-1 router (each layer's highest gate
logit, :func:`top_k_routing` with ``k = 1``) and ``J_oracle`` the exact hindsight optimum
(:mod:`routing_gym.envs.moe_router.oracle`): 1 is the oracle, 0 top-1 routing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from routing_gym.envs.layer_router.metrics import gain_share
from routing_gym.envs.moe_router.types import MoERouterInstance, evaluate_moe_router, routing_loss


def affordable(instance: MoERouterInstance, ranked: list[list[list[int]]]) -> list[list[list[int]]]:
    """Each layer's wished experts (best first) cut to what the budgets pay for, token after token,
    layer after layer, as the environment's mask would; each set sorted."""
    inst = instance
    left_batch = np.inf if inst.batch_budget is None else float(inst.batch_budget)
    out = []
    for layers in ranked:
        left_tok = np.inf if inst.token_budget is None else float(inst.token_budget)
        row = []
        for experts in layers:
            n = int(max(0, min(len(experts), inst.max_experts, left_tok, left_batch)))
            row.append(sorted(int(e) for e in experts[:n]))
            left_tok -= n
            left_batch -= n
        out.append(row)
    return out


def top_k_routing(instance: MoERouterInstance, k: int) -> list[list[list[int]]]:
    """The ``k`` highest gate logits at every layer (fewer where a budget runs out)."""
    order = np.argsort(-instance.gate, axis=2, kind="stable")[:, :, :k]
    return affordable(instance, order.tolist())


def top_p_routing(instance: MoERouterInstance, p: float) -> list[list[list[int]]]:
    """Dynamic top-p: the fewest highest-gate experts whose softmax mass reaches ``p`` (at most
    ``max_experts``; fewer where a budget runs out). Flat gates (hard tokens) get more experts."""
    g = instance.gate - instance.gate.max(axis=2, keepdims=True)
    prob = np.exp(g) / np.exp(g).sum(axis=2, keepdims=True)
    order = np.argsort(-prob, axis=2, kind="stable")
    mass = np.cumsum(np.take_along_axis(prob, order, axis=2), axis=2)
    need = 1 + (mass < p - 1e-12).sum(axis=2)  # experts until the mass reaches p
    ranked = [[order[t, l, : need[t, l]].tolist() for l in range(instance.num_layers)] for t in range(instance.num_tokens)]
    return affordable(instance, ranked)


@lru_cache(maxsize=256)
def reference_costs(instance: MoERouterInstance) -> tuple[float, float]:
    """``(J_oracle, J_top1)`` of ``instance``, cached per instance object (every solver's row shares them)."""
    from routing_gym.envs.moe_router.oracle import oracle_routing

    return (evaluate_moe_router(instance, oracle_routing(instance)).cost,
            evaluate_moe_router(instance, top_k_routing(instance, 1)).cost)


def compare_metrics(instance: MoERouterInstance, solution: Any) -> dict[str, float]:
    """``loss`` per token, ``compute`` (calls per token and layer) and ``gain_share`` (module docstring)."""
    loss, calls = routing_loss(instance, solution)
    cost = evaluate_moe_router(instance, solution).cost
    best, ref = reference_costs(instance)
    T, L = instance.num_tokens, instance.num_layers
    return {"loss": loss / T, "compute": calls / (T * L), "gain_share": gain_share(cost, best, ref)}
