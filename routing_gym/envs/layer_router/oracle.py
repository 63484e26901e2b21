"""The hindsight optimum of a LayerRouter instance by dynamic programming (exact).

The loss of a token is a chain over its layers (each option interacts with the previous
layer's option) plus a term in the number of big layers so far, and compute units are
integers. So a dynamic programme over ``(layer, option, big layers so far, units used)``
finds each token's best routing at every exact number of units, and a second one over the
tokens (a multiple-choice knapsack in the units) shares a batch budget. Both are exact; the
work is ``O(T L K^2 (L + 1) U)`` for ``U`` the units a token may use, plus ``O(T U B)`` for
a batch budget ``B``. The viewer uses it to draw the oracle's choices beside a routing.
"""

from __future__ import annotations

import numpy as np

from routing_gym.envs.layer_router.types import HEAVY, NUM_OPTIONS, LayerRouterInstance


def _token_tables(inst: LayerRouterInstance, cap: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Forward pass for every token at once: final values ``(T, K, N, U)`` and back-pointers per layer."""
    T, L, K, N, U = inst.num_tokens, inst.num_layers, NUM_OPTIONS, inst.num_layers + 1, cap + 1
    units = inst.unit_cost.astype(np.int64)
    heavy = (np.arange(K) == HEAVY).astype(np.int64)
    nvec = np.arange(N, dtype=np.float64)
    w = inst.compute_weight
    V = np.full((T, K, N, U), np.inf)
    for o in range(K):
        if units[o] <= cap:
            V[:, o, heavy[o], units[o]] = inst.base_loss - inst.gain[:, 0, o] + w * units[o]
    back: list[np.ndarray] = [np.zeros((K, T, N, U), dtype=np.int8)]
    for l in range(1, L):
        new = np.full_like(V, np.inf)
        bp = np.zeros((K, T, N, U), dtype=np.int8)
        for o in range(K):
            cand = V + inst.pair[l - 1, :, o][None, :, None, None]
            bp[o] = np.argmin(cand, axis=1)
            best = np.min(cand, axis=1)  # (T, N, U) before taking o
            best = best - inst.gain[:, l, o][:, None, None] + w * units[o]
            if heavy[o]:
                best = best + inst.interference[:, None, None] * nvec[None, :, None]
            h, u = heavy[o], units[o]
            if u <= cap:
                new[:, o, h:, u:] = np.minimum(new[:, o, h:, u:], best[:, : N - h, : U - u])
        V = new
        back.append(bp)
    return V, back


def batch_split(best: np.ndarray, budget: int | None) -> np.ndarray:
    """Units per token minimising the summed best values ``best[t, u]`` with ``sum u <= budget``."""
    T, U = best.shape
    if budget is None:
        return np.argmin(best, axis=1)
    B = int(budget)
    G = np.full(B + 1, np.inf)
    G[0] = 0.0
    choice = np.zeros((T, B + 1), dtype=np.int64)
    for t in range(T):
        new = np.full(B + 1, np.inf)
        for u in range(min(U, B + 1)):
            if not np.isfinite(best[t, u]):
                continue
            cand = np.full(B + 1, np.inf)
            cand[u:] = G[: B + 1 - u] + best[t, u]
            better = cand < new
            new[better] = cand[better]
            choice[t, better] = u
        G = new
    total = int(np.argmin(G))
    split = np.zeros(T, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        split[t] = choice[t, total]
        total -= split[t]
    return split


def oracle_routing(inst: LayerRouterInstance) -> np.ndarray:
    """An optimal ``(T, L)`` routing of ``inst`` (both budgets respected)."""
    T, L = inst.num_tokens, inst.num_layers
    units = inst.unit_cost.astype(np.int64)
    cap = int(L * units.max())
    if inst.token_budget is not None:
        cap = min(cap, inst.token_budget)
    if inst.batch_budget is not None:
        cap = min(cap, inst.batch_budget)
    V, back = _token_tables(inst, cap)
    best = V.min(axis=(1, 2))  # (T, U): best value at exactly u units
    split = batch_split(best, inst.batch_budget)
    routing = np.zeros((T, L), dtype=np.int64)
    for t in range(T):
        u = int(split[t])
        o, n = np.unravel_index(int(np.argmin(V[t, :, :, u])), V.shape[1:3])
        o, n = int(o), int(n)
        for l in range(L - 1, -1, -1):
            routing[t, l] = o
            prev = int(back[l][o, t, n - (o == HEAVY), u - units[o]]) if l else 0
            n -= int(o == HEAVY)
            u -= int(units[o])
            o = prev
    return routing
