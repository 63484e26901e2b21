"""LayerRouter instance, the per-step reward terms, and the evaluation of a routing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.validation import check_finite, check_int_arg, check_real_arg, frozen_array
from routing_gym.errors import InstanceError

#: the options of every layer, by action index
OPTIONS: tuple[str, ...] = ("skip", "small", "big")
SKIP, SMALL, BIG = 0, 1, 2
NUM_OPTIONS = len(OPTIONS)
#: the option whose repeated use interferes (the big module)
HEAVY = BIG
#: token features beyond this many are refused (the observation pads to it)
MAX_FEATURES = 8


def step_reward(base: Any, gain: Any, pair: Any, rho: Any, nheavy: Any, heavy: Any, unit: Any, weight: Any,
                first: Any) -> Any:
    """The reward of routing one token through one layer, one expression for the env and :func:`evaluate_layer_router`.

    ``gain - pair - rho * nheavy * heavy - weight * unit - base * first``: the option's loss
    reduction, minus its interaction with the previous layer's option, minus its interference
    with the ``nheavy`` big modules this token already passed (``heavy`` is 1 for big), minus the
    compute weight times its compute units, minus the token's base loss at its first layer
    (``first`` is 1 there). Works elementwise on numpy arrays and on float64 scalars alike, so
    the batched kernel and the scalar evaluation round identically.
    """
    return gain - pair - rho * nheavy * heavy - weight * unit - base * first


def finite_table(value: Any, field: str, ndim: int) -> np.ndarray:
    """``value`` as a read-only finite float array of ``ndim`` axes (errors name ``field``)."""
    arr = frozen_array(value, field, np.float64, ndim=ndim)
    check_finite(arr, field)
    return arr


def _rows(arr: np.ndarray, field: str, expected: int, ref: str) -> None:
    if arr.shape[0] != expected:
        raise InstanceError(f"{field}: expected {expected} rows (as in {ref}), got {arr.shape[0]} (shape {arr.shape})")


def budget_arg(value: Any, field: str) -> int | None:
    """A compute budget: ``None`` or an integer >= 0 (errors name ``field``)."""
    return None if value is None else check_int_arg(value, field, low=0)


class TokenRouting:
    """What the per-token routing instances share (LayerRouter, MoERouter): a ``gain`` table of
    tokens x layers (x ...), the compute weight and the two budgets, and ``replace``."""

    gain: np.ndarray
    compute_weight: float
    token_budget: float | None
    batch_budget: float | None

    def _check_compute_terms(self) -> None:
        object.__setattr__(self, "compute_weight", check_real_arg(self.compute_weight, "compute_weight", 0.0))
        object.__setattr__(self, "token_budget", budget_arg(self.token_budget, "token_budget"))
        object.__setattr__(self, "batch_budget", budget_arg(self.batch_budget, "batch_budget"))

    @property
    def num_tokens(self) -> int:
        return int(self.gain.shape[0])

    @property
    def num_layers(self) -> int:
        return int(self.gain.shape[1])

    def replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, eq=False)
class LayerRouterInstance(TokenRouting):
    """Tokens to route through ``L`` layers, each layer skipped or run by a small or a big module.

    The loss of token ``t`` under the routing ``o = (o_0, ..., o_{L-1})`` (0 skip, 1 small, 2 big) is::

        loss_t(o) = base_loss[t] - sum_l gain[t, l, o_l] + sum_{l>=1} pair[l-1, o_{l-1}, o_l]
                    + interference[t] * C(n_big(o), 2)

    and the objective (minimised) is ``sum_t loss_t + compute_weight * sum_t sum_l unit_cost[o_l]``.

    :param features: ``(T, d)`` token features, ``d <= 8`` (what a router sees).
    :param base_loss: ``(T,)`` each token's loss with every layer skipped (no interactions).
    :param gain: ``(T, L, 3)`` loss reduction of each option at each layer (``gain[..., 0]`` is usually 0).
    :param pair: ``(L - 1, 3, 3)`` extra loss of option ``b`` at layer ``l + 1`` after option ``a`` at layer ``l``.
    :param interference: ``(T,)`` non-negative loss added per pair of big layers of the token.
    :param unit_cost: ``(3,)`` non-negative integer compute units per option; skipping costs 0 (so
        skipping is always affordable and no budget is a dead end).
    :param compute_weight: non-negative price of one compute unit in the objective.
    :param token_budget: compute units each token may use, or ``None``.
    :param batch_budget: compute units all tokens together may use, or ``None``.
    :param name: a label.
    """

    features: np.ndarray
    base_loss: np.ndarray
    gain: np.ndarray
    pair: np.ndarray
    interference: np.ndarray
    unit_cost: np.ndarray
    compute_weight: float = 0.0
    token_budget: int | None = None
    batch_budget: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        gain = finite_table(self.gain, "gain", 3)
        if gain.shape[0] < 1 or gain.shape[1] < 1 or gain.shape[2] != NUM_OPTIONS:
            raise InstanceError(f"gain: expected shape (T >= 1, L >= 1, {NUM_OPTIONS}), got {gain.shape}")
        t, layers = gain.shape[:2]
        feats = finite_table(self.features, "features", 2)
        _rows(feats, "features", t, "gain")
        if feats.shape[1] > MAX_FEATURES:
            raise InstanceError(f"features: at most {MAX_FEATURES} per token, got {feats.shape[1]}")
        base = finite_table(self.base_loss, "base_loss", 1)
        _rows(base, "base_loss", t, "gain")
        pair = finite_table(self.pair, "pair", 3)
        if pair.shape != (layers - 1, NUM_OPTIONS, NUM_OPTIONS):
            raise InstanceError(f"pair: expected shape ({layers - 1}, {NUM_OPTIONS}, {NUM_OPTIONS}) for {layers} layers "
                                f"(as in gain), got {pair.shape}")
        rho = finite_table(self.interference, "interference", 1)
        _rows(rho, "interference", t, "gain")
        if (rho < 0).any():
            i = int(np.argmax(rho < 0))
            raise InstanceError(f"interference: negative value {rho[i]:g} at token {i}")
        units = finite_table(self.unit_cost, "unit_cost", 1)
        if units.shape != (NUM_OPTIONS,):
            raise InstanceError(f"unit_cost: expected {NUM_OPTIONS} values ({', '.join(OPTIONS)}), got shape {units.shape}")
        if (units < 0).any() or (units != np.round(units)).any():
            i = int(np.argmax((units < 0) | (units != np.round(units))))
            raise InstanceError(f"unit_cost: expected non-negative integers, got {units[i]:g} for {OPTIONS[i]}")
        if units[SKIP] != 0:
            raise InstanceError(f"unit_cost: skipping must cost 0 units, got {units[SKIP]:g}")
        for name, arr in (("features", feats), ("base_loss", base), ("gain", gain), ("pair", pair),
                          ("interference", rho), ("unit_cost", units)):
            object.__setattr__(self, name, arr)
        self._check_compute_terms()

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"LayerRouterInstance{label}(T={self.num_tokens}, L={self.num_layers}, "
                f"token_budget={self.token_budget}, batch_budget={self.batch_budget})")


def as_routing(instance: LayerRouterInstance, solution: Any) -> np.ndarray:
    """``solution`` as a ``(T, L)`` int array of options; raises :class:`InstanceError` when it is not one."""
    try:
        arr = np.asarray(solution)
        if arr.dtype.kind == "f" and not np.array_equal(arr, np.round(arr)):
            raise ValueError
        if arr.dtype.kind not in "iuf":
            raise ValueError
        arr = arr.astype(np.int64)
    except (TypeError, ValueError):
        raise InstanceError(f"solution: expected one option (0 skip, 1 small, 2 big) per layer per token, "
                            f"got {solution!r}") from None
    shape = (instance.num_tokens, instance.num_layers)
    if arr.shape != shape:
        raise InstanceError(f"solution: expected shape {shape} (tokens, layers), got {arr.shape}")
    return arr


def routing_rewards(instance: LayerRouterInstance, routing: np.ndarray) -> tuple[list[float], int, str | None]:
    """Per-step rewards of a ``(T, L)`` routing in episode order, total units, and the first budget violation."""
    inst = instance
    w = np.float64(inst.compute_weight)
    rewards: list[float] = []
    total_units, violation = 0, None
    for t in range(inst.num_tokens):
        nheavy, used = 0, 0
        for l in range(inst.num_layers):
            o = int(routing[t, l])
            unit = int(inst.unit_cost[o])
            pair = inst.pair[l - 1, routing[t, l - 1], o] if l else np.float64(0.0)
            r = step_reward(inst.base_loss[t], inst.gain[t, l, o], pair, inst.interference[t], np.float64(nheavy),
                            np.float64(o == HEAVY), np.float64(unit), w, np.float64(l == 0))
            rewards.append(float(r))
            used += unit
            total_units += unit
            nheavy += o == HEAVY
            if violation is None and inst.token_budget is not None and used > inst.token_budget:
                violation = f"token {t} uses {used} compute units at layer {l}, above token_budget={inst.token_budget}"
            if violation is None and inst.batch_budget is not None and total_units > inst.batch_budget:
                violation = (f"the tokens use {total_units} compute units at token {t} layer {l}, "
                             f"above batch_budget={inst.batch_budget}")
    return rewards, total_units, violation


def evaluate_layer_router(instance: LayerRouterInstance, solution: Sequence[Sequence[int]]) -> Evaluation:
    """Objective and feasibility of a routing.

    :param solution: ``T`` lists of ``L`` options (0 skip, 1 small, 2 big), one per layer per token.
    :returns: ``cost`` = total loss + ``compute_weight`` * compute units (minimised), summed step by
        step in the environment's order with its arithmetic, so the environment's rewards add up to
        minus it exactly; infeasible when a budget is exceeded.
    """
    try:
        routing = as_routing(instance, solution)
    except InstanceError as exc:
        return Evaluation(float("nan"), False, str(exc))
    if routing.min() < 0 or routing.max() >= NUM_OPTIONS:
        return Evaluation(float("nan"), False, f"option out of range 0..{NUM_OPTIONS - 1} in {routing.tolist()}")
    rewards, _, violation = routing_rewards(instance, routing)
    cost = 0.0
    for r in rewards:
        cost -= r
    return Evaluation(cost, violation is None, violation)


def routing_loss(instance: LayerRouterInstance, routing: np.ndarray) -> tuple[float, int]:
    """``(total loss, total compute units)`` of a feasible-shaped routing (the two parts of the objective)."""
    rewards, units, _ = routing_rewards(instance.replace(compute_weight=0.0), routing)
    return -float(np.sum(rewards)), units
