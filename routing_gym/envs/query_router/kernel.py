"""Batched query-routing dynamics: action ``m < M`` answers the current query with model ``m``, ``M`` abstains."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.query_router.types import QueryRouterInstance, flag_penalty, model_index, utility_table
from routing_gym.errors import InstanceError

#: feature columns of the observation (instances with fewer are zero-padded, more raise)
FEATURE_DIM = 16
#: task families the observation's one-hot can hold
MAX_FAMILIES = 8
#: model flags the observation can hold
MAX_FLAGS = 4
#: bound of the unbounded observation entries (features, prices, deductions, flags), clipped to it
BOUND = 1e6
#: cap of the scale-free budget rate in the observation (an unlimited budget reads as this)
RATE_CAP = 100.0


def _pad(arrays: Sequence[np.ndarray], fill: float = 0.0, dtype: Any = np.float64) -> np.ndarray:
    """Stack arrays of equal rank, zero-padding every axis to the largest."""
    shape = tuple(max(a.shape[d] for a in arrays) for d in range(arrays[0].ndim))
    out = np.full((len(arrays),) + shape, fill, dtype=dtype)
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, s) for s in a.shape)] = a
    return out


class QueryRouterKernel(Kernel):
    """A stream of queries routed one at a time under a total budget (see ``QueryRouterEnv``).

    The mask of the current query ``q`` is one expression: ``cost[q] <= budget - spent`` on
    the models, and abstain open where ``allow_abstain`` or where no model is affordable, so
    it is never empty. Streams of different lengths share a batch (arrays padded to the
    longest; the per-query arrays grow when a longer stream is loaded).
    """

    state_fields = ("t", "spent", "choice")
    instance_type = QueryRouterInstance
    size_name = "num_models"

    def __init__(self, batch_size: int, num_models: int) -> None:
        super().__init__(batch_size, num_models)
        b, m = self.batch_size, self.num_models
        self.nq = np.ones(b, dtype=np.int64)
        self.budget = np.ones(b)
        self.cost_weight = np.zeros(b)
        self.allow = np.zeros(b, dtype=bool)
        self.flags = np.zeros((b, m, MAX_FLAGS))
        self.flag_pen = np.zeros((b, m))
        self.mean_cost = np.ones(b)
        self.names = np.full((b, m), "", dtype=object)
        self.t = np.zeros(b, dtype=np.int64)
        self.spent = np.zeros(b)
        self._alloc(1)

    def _alloc(self, q: int) -> None:
        """(Re)allocate the per-query arrays for streams of up to ``q`` queries, keeping loaded rows."""
        b, m, old = self.batch_size, self.num_models, getattr(self, "capacity", 0)
        new = {"util": np.zeros((b, q, m)), "qual": np.zeros((b, q, m)), "price": np.zeros((b, q, m)),
               "feat": np.zeros((b, q, FEATURE_DIM), np.float32), "fam": np.zeros((b, q), np.int64),
               "choice": np.full((b, q), -1, np.int64)}
        for k, arr in new.items():
            if old:
                arr[:, :old] = getattr(self, k)
            setattr(self, k, arr)
        self.capacity = q

    @property
    def num_actions(self) -> int:
        return self.num_models + 1

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        m = num_nodes
        return spaces.Dict({
            "features": spaces.Box(-BOUND, BOUND, (FEATURE_DIM,), np.float32),
            "family": spaces.MultiBinary(MAX_FAMILIES),
            "budget_left": spaces.Box(0.0, 1.0, (1,), np.float32),
            "budget_rate": spaces.Box(0.0, RATE_CAP, (1,), np.float32),
            "queries_left": spaces.Box(0.0, 1.0, (1,), np.float32),
            "price": spaces.Box(0.0, BOUND, (m,), np.float32),
            "penalty": spaces.Box(-BOUND, BOUND, (m,), np.float32),
            "model_flags": spaces.Box(0.0, BOUND, (m, MAX_FLAGS), np.float32),
            "action_mask": spaces.MultiBinary(m + 1),
        })

    @classmethod
    def instance_size(cls, instance: QueryRouterInstance) -> int:
        return instance.num_models

    @classmethod
    def stack(cls, instances: Sequence[QueryRouterInstance]) -> dict[str, np.ndarray]:
        """Arrays of ``instances`` (padded to the longest stream), with the instances themselves in ``instance``."""
        holder = np.empty(len(instances), dtype=object)
        holder[:] = list(instances)
        return {
            "quality": _pad([i.quality for i in instances]), "cost": _pad([i.cost for i in instances]),
            "features": _pad([i.features for i in instances]),
            "family": _pad([i.family for i in instances], dtype=np.int64),
            "num_queries": np.array([i.num_queries for i in instances], dtype=np.int64),
            "budget": np.array([i.budget for i in instances]), "cost_weight": np.array([i.cost_weight for i in instances]),
            "flags": _pad([i.flags for i in instances]), "flag_weights": _pad([i.flag_weights for i in instances]),
            "allow_abstain": np.array([i.allow_abstain for i in instances], dtype=bool),
            "model_names": np.array([i.model_names for i in instances], dtype=object),
            "instance": holder,
        }

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> QueryRouterInstance:
        if "instance" in data:
            return data["instance"][i]
        q = int(data["num_queries"][i])
        return QueryRouterInstance(
            quality=data["quality"][i, :q], cost=data["cost"][i, :q], features=data["features"][i, :q],
            family=data["family"][i, :q], flags=data["flags"][i], flag_weights=data["flag_weights"][i],
            budget=float(data["budget"][i]), cost_weight=float(data["cost_weight"][i]),
            model_names=tuple(data["model_names"][i]), family_names=tuple(data["family_names"][i]),
            flag_names=tuple(data["flag_names"][i]), allow_abstain=bool(data["allow_abstain"][i]),
            train_quality=data["train_quality"][i], train_cost=data["train_cost"][i],
            train_features=data["train_features"][i], train_family=data["train_family"][i])

    @classmethod
    def solution_to_actions(cls, instance: QueryRouterInstance, solution: Sequence[Any]) -> tuple[dict[str, Any], list[int]]:
        """One action per query: the model's index (from its name or index), ``M`` for ``None`` (abstain)."""
        try:
            entries = list(solution)
        except TypeError:
            raise InstanceError(f"solution: expected a list of model names, got {solution!r}") from None
        idx = [model_index(instance, e, q) for q, e in enumerate(entries)]
        return {}, [instance.num_models if m is None else m for m in idx]

    def _check(self, data: dict[str, np.ndarray]) -> None:
        if data["quality"].shape[2] != self.num_models:
            raise InstanceError(f"instance has {data['quality'].shape[2]} models but the environment was built for "
                                f"num_models={self.num_models}")
        checks = (("features", data["features"].shape[2], FEATURE_DIM), ("flags", data["flags"].shape[2], MAX_FLAGS),
                  ("family_names", int(data["family"].max(initial=0)) + 1, MAX_FAMILIES))
        for name, got, cap in checks:
            if got > cap:
                raise InstanceError(f"{name}: {got} columns/families, the observation holds at most {cap} "
                                    f"(reduce them before loading)")

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        self._check(data)
        q = data["quality"].shape[1]
        if q > self.capacity:
            self._alloc(q)
        qual, cost = data["quality"], data["cost"]
        util = utility_table(qual, cost, data["flags"], data["cost_weight"], data["flag_weights"])
        for k in ("util", "qual", "price", "feat", "fam"):
            getattr(self, k)[rows] = 0
        self.util[rows, :q], self.qual[rows, :q], self.price[rows, :q] = util, qual, cost
        self.feat[rows, :q, : data["features"].shape[2]] = data["features"]
        self.fam[rows, :q] = data["family"]
        self.nq[rows] = data["num_queries"]
        self.budget[rows] = data["budget"]
        self.cost_weight[rows] = data["cost_weight"]
        self.allow[rows] = data["allow_abstain"]
        self.flags[rows] = 0.0
        self.flags[rows, :, : data["flags"].shape[2]] = data["flags"]
        self.flag_pen[rows] = flag_penalty(data["flags"], data["flag_weights"])
        valid = np.arange(q)[None, :, None] < np.asarray(data["num_queries"])[:, None, None]
        total = np.where(valid, cost, 0.0).sum(axis=(1, 2))
        self.mean_cost[rows] = np.where(total > 0, total / (data["num_queries"] * self.num_models), 1.0)
        self.names[rows] = data["model_names"]
        # any routing earns more than minus the sum of each query's largest |utility|
        self.penalty[rows] = np.where(valid, np.abs(util), 0.0).max(axis=2).sum(axis=1) + 1.0
        self.t[rows], self.spent[rows], self.choice[rows] = 0, 0.0, -1
        self.cost[rows], self.done[rows] = 0.0, False
        self._refresh_mask(rows)

    def _refresh_mask(self, rows: np.ndarray) -> None:
        q = np.minimum(self.t[rows], self.nq[rows] - 1)
        left = self.budget[rows] - self.spent[rows]
        fits = self.price[rows, q] <= left[:, None]
        self.mask[rows, : self.num_models] = fits
        self.mask[rows, self.num_models] = self.allow[rows] | ~fits.any(axis=1)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, m = actions, self.num_models
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.zeros(self.batch_size)
        terminated = ~valid
        p = np.flatnonzero(valid)
        if p.size:
            ap, tp = a[p], self.t[p]
            call = ap < m
            col = np.minimum(ap, m - 1)
            reward[p] = np.where(call, self.util[p, tp, col], 0.0)
            self.spent[p] += np.where(call, self.price[p, tp, col], 0.0)
            self.choice[p, tp] = ap
            self.t[p] += 1
            terminated[p] = self.t[p] >= self.nq[p]
            self._refresh_mask(p)
        self.cost[valid] -= reward[valid]
        inv = np.flatnonzero(~valid)
        reward[inv] = -self.penalty[inv]
        self.done |= terminated
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        single = isinstance(rows, (int, np.integer))
        r = np.atleast_1d(np.arange(self.batch_size)[slice(None) if rows is None else rows])
        obs = self._observe_rows(r)
        return {k: v[0] for k, v in obs.items()} if single else obs

    def _observe_rows(self, r: np.ndarray) -> dict[str, np.ndarray]:
        q = np.minimum(self.t[r], self.nq[r] - 1)
        left = self.budget[r] - self.spent[r]
        finite = np.isfinite(self.budget[r])
        frac = np.where(finite, left / np.where(finite, self.budget[r], 1.0), 1.0)
        n_left = self.nq[r] - self.t[r]
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(finite & (n_left > 0), left / (np.maximum(n_left, 1) * self.mean_cost[r]), RATE_CAP)
        family = np.zeros((r.size, MAX_FAMILIES), np.int8)
        family[np.arange(r.size), self.fam[r, q]] = 1
        price = self.price[r, q]
        return {
            "features": np.clip(self.feat[r, q], -BOUND, BOUND),
            "family": family,
            "budget_left": np.clip(frac, 0.0, 1.0).astype(np.float32)[:, None],
            "budget_rate": np.clip(rate, 0.0, RATE_CAP).astype(np.float32)[:, None],
            "queries_left": (n_left / self.nq[r]).astype(np.float32)[:, None],
            "price": np.clip(price / self.mean_cost[r, None], 0.0, BOUND).astype(np.float32),
            "penalty": np.clip(self.cost_weight[r, None] * price + self.flag_pen[r], -BOUND, BOUND).astype(np.float32),
            "model_flags": np.clip(self.flags[r], 0.0, BOUND).astype(np.float32),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def solution(self, row: int) -> list[str | None]:
        picks = self.choice[row, : self.t[row]]
        return [None if c == self.num_models else str(self.names[row, c]) for c in picks]

    def partial_solution(self, row: int) -> list[str | None]:
        return self.solution(row)
