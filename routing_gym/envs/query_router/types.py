"""Query-routing instance, its utility table and its evaluation."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Real
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.validation import check_finite, frozen_array
from routing_gym.errors import InstanceError

#: the solution entry (and, as action ``M``, the action) that answers a query with no model
ABSTAIN = None


def _table(value: Any, field: str, ndim: int, rows: int | None, cols: int | None, nonneg: bool,
           ref: tuple[str, str] = ("", "")) -> np.ndarray:
    """A validated read-only array: ``ndim``-d, ``rows`` x ``cols`` where given, finite, optionally ``>= 0``.

    :param ref: what fixes the row and column counts (e.g. ``"one per query of quality"``), for the message.
    """
    arr = frozen_array(value, field, np.float64, ndim=ndim)
    if rows is not None and arr.shape[0] != rows:
        raise InstanceError(f"{field}: expected {rows} rows ({ref[0]}), got shape {arr.shape}")
    if cols is not None and ndim >= 2 and arr.shape[1] != cols:
        raise InstanceError(f"{field}: expected {cols} columns ({ref[1]}), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        check_finite(arr, field)
    if nonneg and (arr < 0).any():
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise InstanceError(f"{field}: negative value {arr[idx]!r} at {idx if len(idx) > 1 else idx[0]}")
    return arr


def _family(value: Any, field: str, rows: int | None, num_families: int) -> np.ndarray:
    arr = frozen_array(value, field, np.float64, ndim=1)
    if rows is not None and arr.size != rows:
        raise InstanceError(f"{field}: expected {rows} entries (one per query of its score table), got {arr.size}")
    check_finite(arr, field)
    bad = (arr < 0) | (arr >= num_families) | (arr != np.round(arr))
    if bad.any():
        i = int(np.argmax(bad))
        raise InstanceError(f"{field}: family index {arr[i]:g} at query {i} is not in 0..{num_families - 1}")
    out = arr.astype(np.int64)
    out.setflags(write=False)
    return out


def _number(value: Any, field: str, low: float, allow_inf: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (Real, np.number)) and not math.isnan(float(value))
    if not ok or (math.isinf(float(value)) and not allow_inf) or float(value) < low:
        raise InstanceError(f"{field}: expected a {'' if allow_inf else 'finite '}number >= {low:g}, got {value!r}")
    return float(value)


def _names(value: Any, field: str, count: int) -> tuple[str, ...]:
    names = tuple(str(v) for v in value)
    if len(names) != count:
        raise InstanceError(f"{field}: expected {count} names, got {len(names)}")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InstanceError(f"{field}: duplicate name {dup!r}")
    return names


@dataclass(frozen=True, eq=False)
class QueryRouterInstance:
    """A stream of ``Q`` queries to route among ``M`` models under a total budget (Tryage-style objective).

    Answering query ``q`` with model ``m`` earns ``quality[q, m] - cost_weight * cost[q, m]
    - sum_k flag_weights[k] * flags[m, k]`` and spends ``cost[q, m]`` of the budget; abstaining
    earns 0 and spends nothing. The objective (maximised) is the sum over the stream.

    :param quality: ``(Q, M)`` the score of each model on each query (e.g. 0/1 correctness), finite.
    :param cost: ``(Q, M)`` the price of each call (USD, or budget units), ``>= 0``.
    :param features: ``(Q, D)`` the query's features (an embedding or hand features), ``D >= 1``.
    :param family: ``(Q,)`` the query's task family, ``0..len(family_names)-1``.
    :param flags: ``(M, K)`` per-model user flags (Tryage: size, recency), ``>= 0``, ``K >= 1``.
    :param flag_weights: ``(K,)`` the user's weight on each flag (reward units per flag unit).
    :param budget: the total budget, ``> 0`` (``inf``: none).
    :param cost_weight: the user's weight on cost (reward units per cost unit), ``>= 0``.
    :param model_names: ``M`` distinct names (the solution format uses them).
    :param family_names: the names of the task families.
    :param flag_names: ``K`` names of the flags.
    :param allow_abstain: whether a query may go unanswered while some model is affordable
        (abstaining is always allowed when none is).
    :param train_quality: ``(T, M)`` scores of training queries (the routers fit on them; ``T`` may be 0).
    :param train_cost: ``(T, M)`` their costs.
    :param train_features: ``(T, D)`` their features.
    :param train_family: ``(T,)`` their families.
    :param query_ids: ``Q`` query ids (e.g. RouterBench sample ids); empty for generated streams.
    :param name: a label.
    """

    quality: np.ndarray
    cost: np.ndarray
    features: np.ndarray
    family: np.ndarray
    flags: np.ndarray
    flag_weights: np.ndarray
    budget: float
    cost_weight: float
    model_names: tuple[str, ...]
    family_names: tuple[str, ...]
    flag_names: tuple[str, ...] = ("size", "age")
    allow_abstain: bool = False
    train_quality: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0)))
    train_cost: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0)))
    train_features: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0)))
    train_family: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    query_ids: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        q = _table(self.quality, "quality", 2, None, None, False)
        if q.shape[0] < 1 or q.shape[1] < 1:
            raise InstanceError(f"quality: need at least 1 query and 1 model, got shape {q.shape}")
        nq, m = q.shape
        per_q, per_m = "one per query of quality", "one per model of quality"
        feats = _table(self.features, "features", 2, nq, None, False, (per_q, ""))
        if feats.shape[1] < 1:
            raise InstanceError(f"features: need at least 1 feature column, got shape {feats.shape}")
        fam_names = tuple(str(f) for f in self.family_names)
        if not fam_names:
            raise InstanceError("family_names: need at least one family")
        flags = _table(self.flags, "flags", 2, m, None, True, (per_m, ""))
        if flags.shape[1] < 1:
            raise InstanceError(f"flags: need at least 1 flag column, got shape {flags.shape}")
        fields = {
            "quality": q, "cost": _table(self.cost, "cost", 2, nq, m, True, (per_q, per_m)), "features": feats,
            "family": _family(self.family, "family", nq, len(fam_names)), "flags": flags,
            "flag_weights": _table(self.flag_weights, "flag_weights", 1, flags.shape[1], None, False,
                                   ("one per column of flags", "")),
            "budget": _number(self.budget, "budget", 0.0, allow_inf=True),
            "cost_weight": _number(self.cost_weight, "cost_weight", 0.0),
            "model_names": _names(self.model_names, "model_names", m), "family_names": fam_names,
            "flag_names": _names(self.flag_names, "flag_names", flags.shape[1]),
        }
        if fields["budget"] <= 0:
            raise InstanceError(f"budget: expected a number > 0, got {self.budget!r}")
        if not isinstance(self.allow_abstain, (bool, np.bool_)):
            raise InstanceError(f"allow_abstain: expected true or false, got {self.allow_abstain!r}")
        fields.update(self._train_fields(m, feats.shape[1], len(fam_names)))
        ids = tuple(str(i) for i in self.query_ids)
        if ids and len(ids) != nq:
            raise InstanceError(f"query_ids: expected {nq} ids (one per query) or none, got {len(ids)}")
        fields["query_ids"] = ids
        for key, val in fields.items():
            object.__setattr__(self, key, val)

    def _train_fields(self, m: int, d: int, num_families: int) -> dict[str, np.ndarray]:
        tq = np.asarray(self.train_quality)
        t = int(tq.shape[0]) if tq.ndim >= 1 else -1
        if t == 0:  # no training queries: every table is (0, ...) whatever its other axes
            empty = {"train_quality": (0, m), "train_cost": (0, m), "train_features": (0, d)}
            out = {k: frozen_array(np.zeros(s), k) for k, s in empty.items()}
            for k in empty:
                if np.asarray(getattr(self, k)).size:
                    raise InstanceError(f"{k}: train_quality has no rows, but {k} has shape {np.shape(getattr(self, k))}")
            out["train_family"] = _family(np.asarray(self.train_family).reshape(-1)[:0], "train_family", 0, num_families)
            if np.asarray(self.train_family).size:
                raise InstanceError(f"train_family: train_quality has no rows, got {np.asarray(self.train_family).size}")
            return out
        tq = _table(self.train_quality, "train_quality", 2, None, m, False, ("", "one per model of quality"))
        t = tq.shape[0]
        per_t = "one per query of train_quality"
        return {"train_quality": tq,
                "train_cost": _table(self.train_cost, "train_cost", 2, t, m, True, (per_t, "one per model of quality")),
                "train_features": _table(self.train_features, "train_features", 2, t, d, False,
                                         (per_t, "one per column of features")),
                "train_family": _family(self.train_family, "train_family", t, num_families)}

    @property
    def num_queries(self) -> int:
        return int(self.quality.shape[0])

    @property
    def num_models(self) -> int:
        return int(self.quality.shape[1])

    @property
    def num_train(self) -> int:
        return int(self.train_quality.shape[0])

    def utility(self) -> np.ndarray:
        """``(Q, M)`` the reward of answering each query with each model (:func:`utility_table`)."""
        return utility_table(self.quality, self.cost, self.flags, self.cost_weight, self.flag_weights)

    def replace(self, **changes: Any) -> "QueryRouterInstance":
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"QueryRouterInstance{label}(queries={self.num_queries}, models={self.num_models}, "
                f"budget={self.budget:g}, cost_weight={self.cost_weight:g})")


def flag_penalty(flags: np.ndarray, flag_weights: np.ndarray) -> np.ndarray:
    """``(..., M)``: ``sum_k flag_weights[..., k] * flags[..., m, k]``, summed in flag order (the same
    arithmetic for one instance and a batch, so the kernel's rewards match :func:`evaluate_query_router`)."""
    pen = np.zeros(flags.shape[:-1])
    for k in range(flags.shape[-1]):
        pen = pen + flags[..., k] * np.asarray(flag_weights)[..., None, k]
    return pen


def utility_table(quality: np.ndarray, cost: np.ndarray, flags: np.ndarray, cost_weight: Any,
                  flag_weights: np.ndarray) -> np.ndarray:
    """``quality - cost_weight * cost - flag penalty``: the reward table (one instance or a batch)."""
    w = np.asarray(cost_weight, dtype=np.float64)[..., None, None]
    return quality - w * cost - flag_penalty(flags, flag_weights)[..., None, :]


def model_index(instance: QueryRouterInstance, entry: Any, q: int) -> int | None:
    """The model index of one solution entry (a name, an index, or ``None`` for abstain).

    :raises InstanceError: naming the query and the entry when it is neither.
    """
    if entry is None:
        return None
    if isinstance(entry, str):
        try:
            return instance.model_names.index(entry)
        except ValueError:
            raise InstanceError(f"solution[{q}]: unknown model {entry!r}; "
                                f"models: {', '.join(instance.model_names)}") from None
    if isinstance(entry, (int, np.integer)) and not isinstance(entry, bool) and 0 <= int(entry) < instance.num_models:
        return int(entry)
    raise InstanceError(f"solution[{q}]: expected a model name, an index 0..{instance.num_models - 1} or null, "
                        f"got {entry!r}")


def evaluate_query_router(instance: QueryRouterInstance, solution: Sequence[Any]) -> Evaluation:
    """Objective and feasibility of a routing, independent of the environment.

    :param solution: one entry per query in stream order: the model's name (or index), or ``None``
        to abstain.
    :returns: the objective in ``cost`` (the problem's sense is ``"max"``: the harness reports minus
        it): the summed utility, in stream order as the environment sums it. Infeasible: a call the
        remaining budget cannot pay for, an abstention while a model was affordable (unless
        ``allow_abstain``), or a wrong length.
    """
    try:
        entries = list(solution)
        idx = [model_index(instance, e, q) for q, e in enumerate(entries)]
    except (TypeError, InstanceError) as exc:
        return Evaluation(float("nan"), False, f"solution is not a list of model names: {exc}")
    if len(idx) != instance.num_queries:
        return Evaluation(float("nan"), False,
                          f"solution has {len(idx)} entries, the stream {instance.num_queries} queries")
    util, cost = instance.utility(), instance.cost
    total, spent = 0.0, 0.0
    for q, m in enumerate(idx):
        left = instance.budget - spent
        if m is None:
            if not instance.allow_abstain and bool((cost[q] <= left).any()):
                return Evaluation(total, False,
                                  f"query {q}: abstained while a model was affordable (allow_abstain is false)")
            continue
        if cost[q, m] > left:
            return Evaluation(total, False, f"query {q}: {instance.model_names[m]} costs {cost[q, m]:.6g}, "
                                            f"only {left:.6g} of the budget is left")
        total += float(util[q, m])
        spent += float(cost[q, m])
    return Evaluation(total, True, None)
