"""Batched LayerRouter dynamics: tokens pass the layers one at a time; each step picks skip, small or big."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.layer_router.types import (HEAVY, MAX_FEATURES, NUM_OPTIONS, LayerRouterInstance, as_routing,
                                                  step_reward)
from routing_gym.errors import InstanceError

#: observation bound of the (clipped) token features
FEATURE_BOUND = 10.0
#: array keys of an instance batch
DATA_KEYS = ("features", "base_loss", "gain", "pair", "interference", "unit_cost", "compute_weight", "token_budget",
             "batch_budget")


class LayerRouterKernel(Kernel):
    """``T`` tokens, each routed through ``L`` layers, token after token (``T * L`` steps).

    State per row: the current token and layer, the token's big layers so far, the compute
    units used by the token and by the batch, and the options chosen. An option is admitted
    when its units fit both remaining budgets: ``unit_cost <= min(token left, batch left)``
    (skipping costs 0, so some option is always admitted). The reward is
    :func:`~routing_gym.envs.layer_router.types.step_reward`.
    """

    state_fields = ("tok", "lay", "nheavy", "used_tok", "used_batch", "choices")
    instance_type = LayerRouterInstance
    size_name = "num_layers"

    def __init__(self, batch_size: int, num_layers: int) -> None:
        super().__init__(batch_size, num_layers)
        b = self.batch_size
        self.tok = np.zeros(b, dtype=np.int64)
        self.lay = np.zeros(b, dtype=np.int64)
        self.nheavy = np.zeros(b, dtype=np.int64)
        self.used_tok = np.zeros(b, dtype=np.float64)
        self.used_batch = np.zeros(b, dtype=np.float64)
        self.num_tokens = 0
        self._alloc(1)

    def _alloc(self, num_tokens: int) -> None:
        b, T, L, K = self.batch_size, num_tokens, self.num_layers, NUM_OPTIONS
        self.num_tokens = T
        self.features = np.zeros((b, T, MAX_FEATURES), dtype=np.float32)
        self.base = np.zeros((b, T))
        self.gain = np.zeros((b, T, L, K))
        self.pair = np.zeros((b, L, K, K))  # layer 0 has no predecessor: zeros
        self.rho = np.zeros((b, T))
        self.unit = np.zeros((b, K))
        self.weight = np.zeros(b)
        self.tok_budget = np.full(b, np.inf)
        self.batch_budget = np.full(b, np.inf)
        self.choices = np.full((b, T, L), -1, dtype=np.int64)

    @property
    def num_actions(self) -> int:
        return NUM_OPTIONS

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        L = num_nodes
        return spaces.Dict({
            "token": spaces.Box(-FEATURE_BOUND, FEATURE_BOUND, (MAX_FEATURES,), np.float32),
            "layer": spaces.Box(0.0, 1.0, (L,), np.float32),
            "choices": spaces.Box(0.0, 1.0, (L, NUM_OPTIONS), np.float32),
            "budget": spaces.Box(0.0, 1.0, (4,), np.float32),
            "action_mask": spaces.MultiBinary(NUM_OPTIONS),
        })

    @classmethod
    def instance_size(cls, instance: LayerRouterInstance) -> int:
        return instance.num_layers

    @classmethod
    def stack(cls, instances: Sequence[LayerRouterInstance]) -> dict[str, np.ndarray]:
        sizes = {(i.num_tokens, i.num_layers) for i in instances}
        if len(sizes) > 1:
            raise InstanceError(f"instances: one batch needs equal (num_tokens, num_layers), got {sorted(sizes)}")
        d = MAX_FEATURES
        return {
            "features": np.stack([np.pad(i.features, ((0, 0), (0, d - i.features.shape[1]))) for i in instances]),
            "base_loss": np.stack([i.base_loss for i in instances]),
            "gain": np.stack([i.gain for i in instances]),
            "pair": np.stack([i.pair for i in instances]),
            "interference": np.stack([i.interference for i in instances]),
            "unit_cost": np.stack([i.unit_cost for i in instances]),
            "compute_weight": np.array([i.compute_weight for i in instances]),
            "token_budget": np.array([-1 if i.token_budget is None else i.token_budget for i in instances], dtype=np.int64),
            "batch_budget": np.array([-1 if i.batch_budget is None else i.batch_budget for i in instances], dtype=np.int64),
        }

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> LayerRouterInstance:
        tb, bb = int(data["token_budget"][i]), int(data["batch_budget"][i])
        return LayerRouterInstance(data["features"][i], data["base_loss"][i], data["gain"][i], data["pair"][i],
                                   data["interference"][i], data["unit_cost"][i], float(data["compute_weight"][i]),
                                   None if tb < 0 else tb, None if bb < 0 else bb)

    @classmethod
    def solution_to_actions(cls, instance: LayerRouterInstance, solution: Any) -> tuple[dict[str, Any], list[int]]:
        """One action per layer per token, token after token."""
        return {}, [int(a) for a in as_routing(instance, solution).reshape(-1)]

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        T, L = data["gain"].shape[1:3]
        if L != self.num_layers:
            raise InstanceError(f"instance has {L} layers but the environment was built for num_layers={self.num_layers}")
        if T != self.num_tokens:
            if len(rows) != self.batch_size:
                raise InstanceError(f"num_tokens: the batch plays {self.num_tokens} tokens per episode, got {T}")
            self._alloc(T)
        self.features[rows] = np.clip(data["features"], -FEATURE_BOUND, FEATURE_BOUND)
        self.base[rows] = data["base_loss"]
        self.gain[rows] = data["gain"]
        self.pair[rows, 0] = 0.0
        self.pair[rows, 1:] = data["pair"]
        self.rho[rows] = data["interference"]
        self.unit[rows] = data["unit_cost"]
        self.weight[rows] = data["compute_weight"]
        tb, bb = np.asarray(data["token_budget"]), np.asarray(data["batch_budget"])
        self.tok_budget[rows] = np.where(tb < 0, np.inf, tb)
        self.batch_budget[rows] = np.where(bb < 0, np.inf, bb)
        self.penalty[rows] = self._worst(rows) + 1.0
        for name in ("tok", "lay", "nheavy", "used_tok", "used_batch", "cost"):
            getattr(self, name)[rows] = 0
        self.choices[rows] = -1
        self.done[rows] = False
        self._refresh_mask(rows)

    def _worst(self, rows: np.ndarray) -> np.ndarray:
        """A bound on the magnitude of any episode's return (the invalid-action penalty exceeds it)."""
        L = self.num_layers
        per_token = (np.abs(self.base[rows]) + np.abs(self.gain[rows]).max(axis=3).sum(axis=2)
                     + np.abs(self.pair[rows]).max(axis=(2, 3)).sum(axis=1)[:, None] + self.rho[rows] * L * L
                     + (self.weight[rows] * self.unit[rows].max(axis=1) * L)[:, None])
        return per_token.sum(axis=1)

    def _refresh_mask(self, rows: np.ndarray) -> None:
        left = np.minimum(self.tok_budget[rows] - self.used_tok[rows], self.batch_budget[rows] - self.used_batch[rows])
        self.mask[rows] = self.unit[rows] <= left[:, None]

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = actions
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.zeros(self.batch_size, dtype=np.float64)
        terminated = ~valid
        p = np.flatnonzero(valid)
        if p.size:
            ap, t, l = a[p], self.tok[p], self.lay[p]
            prev = self.choices[p, t, np.maximum(l - 1, 0)].clip(0)
            heavy = (ap == HEAVY).astype(np.float64)
            unit = self.unit[p, ap]
            reward[p] = step_reward(self.base[p, t], self.gain[p, t, l, ap], self.pair[p, l, prev, ap], self.rho[p, t],
                                    self.nheavy[p].astype(np.float64), heavy, unit, self.weight[p],
                                    (l == 0).astype(np.float64))
            self.choices[p, t, l] = ap
            self.used_tok[p] += unit
            self.used_batch[p] += unit
            self.nheavy[p] += ap == HEAVY
            self.lay[p] += 1
            new_token = self.lay[p] == self.num_layers
            q = p[new_token]
            self.tok[q] += 1
            self.lay[q] = 0
            self.nheavy[q] = 0
            self.used_tok[q] = 0.0
            terminated[p] = self.tok[p] == self.num_tokens
            self._refresh_mask(p)
        self.cost[valid] -= reward[valid]
        inv = np.flatnonzero(~valid)
        reward[inv] = -self.penalty[inv]
        self.done |= terminated
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | int | None = None) -> dict[str, np.ndarray]:
        if isinstance(rows, (int, np.integer)):
            return {k: v[0] for k, v in self.observe(np.array([rows])).items()}
        r = np.arange(self.batch_size) if rows is None else np.arange(self.batch_size)[rows]
        L, T = self.num_layers, self.num_tokens
        t = np.minimum(self.tok[r], T - 1)
        layer = np.zeros((len(r), L), dtype=np.float32)
        layer[np.arange(len(r)), np.minimum(self.lay[r], L - 1)] = 1.0
        ch = self.choices[r, t]
        choices = (ch[..., None] == np.arange(NUM_OPTIONS)).astype(np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):
            tok_left = np.where(np.isinf(self.tok_budget[r]), 1.0,
                                1.0 - self.used_tok[r] / np.maximum(self.tok_budget[r], 1e-12))
            batch_left = np.where(np.isinf(self.batch_budget[r]), 1.0,
                                  1.0 - self.used_batch[r] / np.maximum(self.batch_budget[r], 1e-12))
        budget = np.stack([tok_left, batch_left, (T - self.tok[r]) / T, self.nheavy[r] / L], axis=1)
        return {
            "token": self.features[r, t].copy(),
            "layer": layer,
            "choices": choices,
            "budget": np.clip(budget, 0.0, 1.0).astype(np.float32),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def solution(self, row: int) -> list[list[int]]:
        return self.choices[row].tolist()

    def partial_solution(self, row: int) -> list[list[int]]:
        return self.solution(row)
