"""The hindsight optimum of a MoERouter instance by dynamic programming over expert sets (exact).

A token's loss is a chain over its layers: each layer's set interacts only with the previous
layer's set (thin layers, reused experts), and each call costs one integer unit. So a dynamic
programme over ``(layer, set, calls so far)`` finds each token's best routing at every exact
number of calls; the sets are the ``N = sum_{k <= max_experts} C(E, k)`` subsets (93 for
``E = 8, max_experts = 3``). A batch budget is then shared among the tokens by the multiple-choice
knapsack of :func:`routing_gym.envs.layer_router.oracle.batch_split` (the same one LayerRouter
uses). Work: ``O(T L N^2 U)`` for ``U`` the calls a token may make; :data:`MAX_WORK` bounds it,
beyond which :func:`oracle_routing` raises (use ``mcts`` or a smaller ``max_experts`` there).
"""

from __future__ import annotations

import itertools

import numpy as np

from routing_gym.envs.layer_router.oracle import batch_split
from routing_gym.envs.moe_router.types import MoERouterInstance, set_value
from routing_gym.errors import SolverError

#: the largest ``T * L * N^2 * U`` the dynamic programme takes on
MAX_WORK = 2e9
#: tokens are processed in chunks whose ``(tokens, N, N, U)`` tensor stays below this many entries
CHUNK_ENTRIES = 2e7


def expert_sets(num_experts: int, max_experts: int) -> np.ndarray:
    """``(N, E)`` booleans: every set of at most ``max_experts`` experts, the empty set first."""
    sets = [c for k in range(max_experts + 1) for c in itertools.combinations(range(num_experts), k)]
    out = np.zeros((len(sets), num_experts), dtype=bool)
    for i, c in enumerate(sets):
        out[i, list(c)] = True
    return out


def set_values(inst: MoERouterInstance, sets: np.ndarray) -> np.ndarray:
    """``(T, L, N)`` the loss reduction of every set at every token and layer."""
    g = np.where(sets[None, None], inst.gain[:, :, None, :], -np.inf)  # (T, L, N, E)
    return set_value(-np.sort(-g, axis=-1)[..., : inst.max_experts], np.float64(inst.decay))


def pair_matrix(inst: MoERouterInstance, sets: np.ndarray) -> np.ndarray:
    """``(N, N)`` extra loss of set ``b`` after set ``a`` at the previous layer."""
    size = sets.sum(axis=1)
    thin = (size[:, None] <= 1) & (size[None, :] <= 1)
    overlap = sets.astype(np.int64) @ sets.T.astype(np.int64)
    return inst.thin * thin - inst.reuse * overlap


def _token_tables(inst: MoERouterInstance, sets: np.ndarray, cap: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Forward pass for every token at once: final values ``(T, N, U)`` and back-pointers per layer."""
    T, L, N, U = inst.num_tokens, inst.num_layers, len(sets), cap + 1
    size = sets.sum(axis=1)
    vals, pair, w = set_values(inst, sets), pair_matrix(inst, sets), inst.compute_weight
    V = np.full((T, N, U), np.inf)
    for s in np.flatnonzero(size <= cap):
        V[:, s, size[s]] = inst.base_loss - vals[:, 0, s] + w * size[s]
    back: list[np.ndarray] = [np.zeros((T, N, U), dtype=np.int32)]
    for l in range(1, L):
        cand = V[:, :, None, :] + pair[None, :, :, None]  # (T, prev, next, U) before the next set's calls
        bp = np.argmin(cand, axis=1)
        best = np.take_along_axis(cand, bp[:, None], axis=1)[:, 0]  # (T, next, U)
        new = np.full_like(V, np.inf)
        shifted = np.zeros_like(bp)
        for s in np.flatnonzero(size <= cap):
            k = int(size[s])
            new[:, s, k:] = best[:, s, : U - k] - vals[:, l, s][:, None] + w * k
            shifted[:, s, k:] = bp[:, s, : U - k]
        V = new
        back.append(shifted)
    return V, back


def oracle_routing(inst: MoERouterInstance) -> list[list[list[int]]]:
    """An optimal routing of ``inst`` (both budgets respected), as ``T`` lists of ``L`` expert lists."""
    T, L = inst.num_tokens, inst.num_layers
    sets = expert_sets(inst.num_experts, inst.max_experts)
    cap = L * inst.max_experts
    for b in (inst.token_budget, inst.batch_budget):
        if b is not None:
            cap = min(cap, b)
    work = T * L * len(sets) ** 2 * (cap + 1)
    if work > MAX_WORK:
        raise SolverError(f"oracle: {len(sets)} expert sets x {cap + 1} call counts over {T} tokens and {L} layers "
                          f"is beyond the exact dynamic programme's limit ({work:.2g} > {MAX_WORK:.0g})")
    chunk = max(1, int(CHUNK_ENTRIES // (len(sets) ** 2 * (cap + 1))))
    parts = [_token_tables(inst.replace(features=inst.features[i:i + chunk], gate=inst.gate[i:i + chunk],
                                        gain=inst.gain[i:i + chunk], base_loss=inst.base_loss[i:i + chunk]), sets, cap)
             for i in range(0, T, chunk)]
    V = np.concatenate([v for v, _ in parts])
    back = [np.concatenate([b[l] for _, b in parts]) for l in range(L)]
    split = batch_split(V.min(axis=1), inst.batch_budget)
    size = sets.sum(axis=1)
    out = []
    for t in range(T):
        u = int(split[t])
        s = int(np.argmin(V[t, :, u]))
        layers = []
        for l in range(L - 1, -1, -1):
            layers.append(np.flatnonzero(sets[s]).tolist())
            prev = int(back[l][t, s, u])
            u -= int(size[s])
            s = prev
        out.append(layers[::-1])
    return out
