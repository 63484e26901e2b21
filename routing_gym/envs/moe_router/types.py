"""MoERouter instance, the per-step reward terms, and the evaluation of an expert routing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.layer_router.types import TokenRouting, finite_table
from routing_gym.envs.validation import check_int_arg, check_real_arg
from routing_gym.errors import InstanceError

#: token features beyond this many are refused (the observation pads to it)
MAX_FEATURES = 8


def decay_weights(decay: Any, count: int) -> list[Any]:
    """``[1, decay, decay**2, ...]`` (``count`` terms) by repeated multiplication, so an array of decays
    and a scalar one give bit-identical weights (a vectorised ``power`` may round differently)."""
    weights = [np.ones_like(np.asarray(decay, dtype=np.float64))]
    for _ in range(count - 1):
        weights.append(weights[-1] * decay)
    return weights


def set_value(sorted_gains: Any, decay: Any) -> Any:
    """The loss reduction of an expert set: ``sum_i decay**i * g_(i)`` over its gains sorted in
    decreasing order (diminishing returns: the best expert counts fully, the next ``decay`` times...).

    :param sorted_gains: ``(..., k)`` gains in decreasing order, ``-inf`` where the set has fewer
        than ``k`` experts (those terms add exactly 0).
    """
    g = np.asarray(sorted_gains, dtype=np.float64)
    total = np.zeros(g.shape[:-1])
    for i, w in enumerate(decay_weights(decay, g.shape[-1])):
        gi = g[..., i]
        total = total + np.where(np.isfinite(gi), w * np.where(np.isfinite(gi), gi, 0.0), 0.0)
    return total


def close_reward(value: Any, base: Any, first: Any, thin_flag: Any, overlap: Any, thin: Any, reuse: Any) -> Any:
    """The reward of closing a layer, one expression for the env and :func:`evaluate_moe_router`.

    ``value - (thin * thin_flag - reuse * overlap) - base * first``: the set's loss reduction
    (:func:`set_value`), minus its interaction with the previous layer's set (``thin_flag`` is 1
    when both sets hold at most one expert: thin layers in a row compound; ``overlap`` experts
    reused from the previous layer each save ``reuse``), minus the token's base loss at its first
    layer (``first`` is 1 there). Elementwise on arrays and scalars alike.
    """
    return value - (thin * thin_flag - reuse * overlap) - base * first


def _rows(arr: np.ndarray, field: str, expected: tuple[int, ...], ref: str) -> None:
    if arr.shape[: len(expected)] != expected:
        raise InstanceError(f"{field}: expected leading shape {expected} (as in {ref}), got {arr.shape}")


@dataclass(frozen=True, eq=False)
class MoERouterInstance(TokenRouting):
    """Tokens to route through ``L`` mixture-of-experts layers, each token choosing a set of at most
    ``max_experts`` of the ``E`` experts at every layer (an empty set skips the layer).

    The loss of token ``t`` under the sets ``S_0, ..., S_{L-1}`` is::

        loss_t = base_loss[t] - sum_l V(gain[t, l, S_l]) + sum_{l>=1} (thin * [|S_{l-1}| <= 1 and |S_l| <= 1]
                                                                     - reuse * |S_{l-1} & S_l|)

    with ``V`` the decayed sum of :func:`set_value`; the objective (minimised) is
    ``sum_t loss_t + compute_weight * (number of expert calls)``, each call one compute unit.

    :param features: ``(T, d)`` token features, ``d <= 8``.
    :param gate: ``(T, L, E)`` the router's gate logits (what a deployed MoE gate outputs; observed).
    :param gain: ``(T, L, E)`` each expert's loss reduction (hidden from routers: it holds noise).
    :param base_loss: ``(T,)`` each token's loss with every layer skipped.
    :param decay: weight ratio of successive experts of a set, in ``[0, 1]``.
    :param reuse: loss saved per expert used again at the next layer, ``>= 0``.
    :param thin: extra loss of two consecutive layers with at most one expert each, ``>= 0``.
    :param max_experts: at most this many experts per layer and token (``1..E``).
    :param compute_weight: price of one expert call in the objective, ``>= 0``.
    :param token_budget: expert calls each token may make, or ``None``.
    :param batch_budget: expert calls all tokens together may make, or ``None``.
    :param name: a label.
    """

    features: np.ndarray
    gate: np.ndarray
    gain: np.ndarray
    base_loss: np.ndarray
    decay: float = 0.6
    reuse: float = 0.0
    thin: float = 0.0
    max_experts: int = 2
    compute_weight: float = 0.0
    token_budget: int | None = None
    batch_budget: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        gain = finite_table(self.gain, "gain", 3)
        if min(gain.shape) < 1:
            raise InstanceError(f"gain: expected shape (T >= 1, L >= 1, E >= 1), got {gain.shape}")
        T, L, E = gain.shape
        gate = finite_table(self.gate, "gate", 3)
        if gate.shape != gain.shape:
            raise InstanceError(f"gate: expected shape {gain.shape} (as in gain), got {gate.shape}")
        feats = finite_table(self.features, "features", 2)
        _rows(feats, "features", (T,), "gain")
        if feats.shape[1] > MAX_FEATURES:
            raise InstanceError(f"features: at most {MAX_FEATURES} per token, got {feats.shape[1]}")
        base = finite_table(self.base_loss, "base_loss", 1)
        _rows(base, "base_loss", (T,), "gain")
        for name, arr in (("features", feats), ("gate", gate), ("gain", gain), ("base_loss", base)):
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "decay", check_real_arg(self.decay, "decay", 0.0, high=1.0))
        object.__setattr__(self, "reuse", check_real_arg(self.reuse, "reuse", 0.0))
        object.__setattr__(self, "thin", check_real_arg(self.thin, "thin", 0.0))
        object.__setattr__(self, "max_experts", check_int_arg(self.max_experts, "max_experts", low=1, high=E))
        self._check_compute_terms()

    @property
    def num_experts(self) -> int:
        return int(self.gain.shape[2])

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"MoERouterInstance{label}(T={self.num_tokens}, L={self.num_layers}, E={self.num_experts}, "
                f"max_experts={self.max_experts}, token_budget={self.token_budget}, batch_budget={self.batch_budget})")


def as_expert_sets(instance: MoERouterInstance, solution: Any) -> list[list[list[int]]]:
    """``solution`` as ``T`` lists of ``L`` sorted expert lists; raises :class:`InstanceError` when it is not one."""
    inst = instance
    where = "solution"
    try:
        tokens = list(solution)
        if len(tokens) != inst.num_tokens:
            raise InstanceError(f"{where}: expected {inst.num_tokens} tokens, got {len(tokens)}")
        out = []
        for t, layers in enumerate(tokens):
            layers = list(layers)
            if len(layers) != inst.num_layers:
                raise InstanceError(f"{where}[{t}]: expected {inst.num_layers} layers, got {len(layers)}")
            out.append([_experts(inst, experts, f"{where}[{t}][{l}]") for l, experts in enumerate(layers)])
    except TypeError:
        raise InstanceError(f"{where}: expected T lists of L lists of expert ids, got {solution!r}"[:300]) from None
    return out


def _experts(inst: MoERouterInstance, experts: Any, where: str) -> list[int]:
    ids = list(experts)
    if any(isinstance(e, (bool, np.bool_)) or not isinstance(e, (int, np.integer)) for e in ids):
        raise InstanceError(f"{where}: expert ids must be integers, got {ids!r}")
    ids = [int(e) for e in ids]
    if any(e < 0 or e >= inst.num_experts for e in ids):
        raise InstanceError(f"{where}: expert ids must be in 0..{inst.num_experts - 1}, got {ids}")
    if len(set(ids)) != len(ids):
        raise InstanceError(f"{where}: an expert appears twice in {ids}")
    if len(ids) > inst.max_experts:
        raise InstanceError(f"{where}: {len(ids)} experts, above max_experts={inst.max_experts}")
    return sorted(ids)


def routing_rewards(instance: MoERouterInstance, sets: list[list[list[int]]]) -> tuple[list[float], int, str | None]:
    """Per-step rewards of a routing in episode order (each expert call, then the layer's close),
    the total expert calls, and the first budget violation."""
    inst = instance
    w = np.float64(inst.compute_weight)
    rewards: list[float] = []
    calls, violation = 0, None
    for t in range(inst.num_tokens):
        used, prev = 0, []
        for l in range(inst.num_layers):
            chosen = sets[t][l]
            for _ in chosen:
                rewards.append(float(-w))
                used += 1
                calls += 1
                if violation is None and inst.token_budget is not None and used > inst.token_budget:
                    violation = f"token {t} makes {used} expert calls at layer {l}, above token_budget={inst.token_budget}"
                if violation is None and inst.batch_budget is not None and calls > inst.batch_budget:
                    violation = f"the tokens make {calls} expert calls at token {t} layer {l}, above batch_budget={inst.batch_budget}"
            gains = sorted((inst.gain[t, l, e] for e in chosen), reverse=True)
            value = set_value(np.array(gains + [-np.inf] * (inst.max_experts - len(gains))), np.float64(inst.decay))
            thin_flag = np.float64(l > 0 and len(prev) <= 1 and len(chosen) <= 1)
            overlap = np.float64(len(set(prev) & set(chosen)))
            r = close_reward(value, inst.base_loss[t], np.float64(l == 0), thin_flag, overlap, np.float64(inst.thin),
                             np.float64(inst.reuse))
            rewards.append(float(r))
            prev = chosen
    return rewards, calls, violation


def evaluate_moe_router(instance: MoERouterInstance, solution: Sequence[Sequence[Sequence[int]]]) -> Evaluation:
    """Objective and feasibility of an expert routing.

    :param solution: ``T`` lists of ``L`` lists of expert ids (each at most ``max_experts``, distinct;
        an empty list skips the layer).
    :returns: ``cost`` = total loss + ``compute_weight`` * expert calls (minimised), summed step by step
        in the environment's order with its arithmetic, so the environment's rewards add up to minus
        it exactly; infeasible when a budget is exceeded or the routing is malformed.
    """
    try:
        sets = as_expert_sets(instance, solution)
    except InstanceError as exc:
        return Evaluation(float("nan"), False, str(exc))
    rewards, _, violation = routing_rewards(instance, sets)
    cost = 0.0
    for r in rewards:
        cost -= r
    return Evaluation(cost, violation is None, violation)


def routing_loss(instance: MoERouterInstance, solution: Any) -> tuple[float, int]:
    """``(total loss, expert calls)`` of a well-formed routing (the two parts of the objective)."""
    rewards, calls, _ = routing_rewards(instance.replace(compute_weight=0.0), as_expert_sets(instance, solution))
    return -float(np.sum(rewards)), calls
