"""Batched MoERouter dynamics: each step adds one expert to the current token's layer, or closes the layer."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.moe_router.types import MAX_FEATURES, MoERouterInstance, as_expert_sets, close_reward, set_value
from routing_gym.errors import InstanceError

#: observation bound of the (clipped) token features and gate logits
FEATURE_BOUND = 10.0
#: array keys of an instance batch
DATA_KEYS = ("features", "gate", "gain", "base_loss", "decay", "reuse", "thin", "max_experts", "compute_weight",
             "token_budget", "batch_budget")


class MoERouterKernel(Kernel):
    """``T`` tokens routed through ``L`` layers of ``E`` experts, token after token, layer after layer.

    At a (token, layer) each step either calls one more expert (action ``e < E``: it joins the
    layer's set and costs one compute unit) or closes the layer (action ``E``: the set's loss
    reduction is paid out and the next layer, or token, starts). An expert is admitted when it is
    not in the set yet, the set holds fewer than ``max_experts``, and one unit fits both remaining
    budgets; closing is always admitted, so the mask is never empty. The rewards are ``-compute_weight``
    per call and :func:`~routing_gym.envs.moe_router.types.close_reward` at each close.
    """

    state_fields = ("tok", "lay", "used_tok", "used_batch", "picked", "prev", "choices")
    instance_type = MoERouterInstance
    size_name = "num_experts"

    def __init__(self, batch_size: int, num_experts: int) -> None:
        super().__init__(batch_size, num_experts)
        b, E = self.batch_size, self.num_experts
        self.tok = np.zeros(b, dtype=np.int64)
        self.lay = np.zeros(b, dtype=np.int64)
        self.used_tok = np.zeros(b)
        self.used_batch = np.zeros(b)
        self.picked = np.zeros((b, E), dtype=bool)
        self.prev = np.zeros((b, E), dtype=bool)
        for name in ("decay", "reuse", "thin", "weight"):
            setattr(self, name, np.zeros(b))
        self.kmax = np.ones(b, dtype=np.int64)
        self.tok_budget = np.full(b, np.inf)
        self.batch_budget = np.full(b, np.inf)
        self.num_tokens, self.num_layers = 0, 0
        self._alloc(1, 1)

    def _alloc(self, num_tokens: int, num_layers: int) -> None:
        b, T, L, E = self.batch_size, num_tokens, num_layers, self.num_experts
        self.num_tokens, self.num_layers = T, L
        self.features = np.zeros((b, T, MAX_FEATURES), dtype=np.float32)
        self.gate = np.zeros((b, T, L, E))
        self.gain = np.zeros((b, T, L, E))
        self.base = np.zeros((b, T))
        self.choices = np.zeros((b, T, L, E), dtype=bool)

    @property
    def num_actions(self) -> int:
        return self.num_experts + 1

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        E = num_nodes
        return spaces.Dict({
            "token": spaces.Box(-FEATURE_BOUND, FEATURE_BOUND, (MAX_FEATURES,), np.float32),
            "gate": spaces.Box(-FEATURE_BOUND, FEATURE_BOUND, (E,), np.float32),
            "picked": spaces.Box(0.0, 1.0, (E,), np.float32),
            "previous": spaces.Box(0.0, 1.0, (E,), np.float32),
            "position": spaces.Box(0.0, 1.0, (4,), np.float32),
            "action_mask": spaces.MultiBinary(E + 1),
        })

    @classmethod
    def instance_size(cls, instance: MoERouterInstance) -> int:
        return instance.num_experts

    @classmethod
    def stack(cls, instances: Sequence[MoERouterInstance]) -> dict[str, np.ndarray]:
        shapes = {i.gain.shape for i in instances}
        if len(shapes) > 1:
            raise InstanceError(f"instances: one batch needs equal (num_tokens, num_layers, num_experts), got {sorted(shapes)}")
        d = MAX_FEATURES
        return {
            "features": np.stack([np.pad(i.features, ((0, 0), (0, d - i.features.shape[1]))) for i in instances]),
            "gate": np.stack([i.gate for i in instances]), "gain": np.stack([i.gain for i in instances]),
            "base_loss": np.stack([i.base_loss for i in instances]),
            **{k: np.array([getattr(i, k) for i in instances], dtype=np.float64)
               for k in ("decay", "reuse", "thin", "compute_weight")},
            "max_experts": np.array([i.max_experts for i in instances], dtype=np.int64),
            "token_budget": np.array([-1 if i.token_budget is None else i.token_budget for i in instances], dtype=np.int64),
            "batch_budget": np.array([-1 if i.batch_budget is None else i.batch_budget for i in instances], dtype=np.int64),
        }

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> MoERouterInstance:
        tb, bb = int(data["token_budget"][i]), int(data["batch_budget"][i])
        return MoERouterInstance(data["features"][i], data["gate"][i], data["gain"][i], data["base_loss"][i],
                                 float(data["decay"][i]), float(data["reuse"][i]), float(data["thin"][i]),
                                 int(data["max_experts"][i]), float(data["compute_weight"][i]),
                                 None if tb < 0 else tb, None if bb < 0 else bb)

    @classmethod
    def solution_to_actions(cls, instance: MoERouterInstance, solution: Any) -> tuple[dict[str, Any], list[int]]:
        """Each layer's experts in increasing order, then the close action ``E``; token after token."""
        close = instance.num_experts
        return {}, [a for layers in as_expert_sets(instance, solution) for experts in layers for a in (*experts, close)]

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        T, L, E = data["gain"].shape[1:4]
        if E != self.num_experts:
            raise InstanceError(f"instance has {E} experts but the environment was built for num_experts={self.num_experts}")
        if (T, L) != (self.num_tokens, self.num_layers):
            if len(rows) != self.batch_size:
                raise InstanceError(f"instances: the batch plays {self.num_tokens} tokens x {self.num_layers} layers, "
                                    f"got {T} x {L}")
            self._alloc(T, L)
        self.features[rows] = np.clip(data["features"], -FEATURE_BOUND, FEATURE_BOUND)
        self.gate[rows] = data["gate"]
        self.gain[rows] = data["gain"]
        self.base[rows] = data["base_loss"]
        for key, name in (("decay", "decay"), ("reuse", "reuse"), ("thin", "thin"), ("compute_weight", "weight")):
            getattr(self, name)[rows] = data[key]
        self.kmax[rows] = data["max_experts"]
        tb, bb = np.asarray(data["token_budget"]), np.asarray(data["batch_budget"])
        self.tok_budget[rows] = np.where(tb < 0, np.inf, tb)
        self.batch_budget[rows] = np.where(bb < 0, np.inf, bb)
        self.penalty[rows] = self._worst(rows) + 1.0
        for name in ("tok", "lay", "used_tok", "used_batch", "cost"):
            getattr(self, name)[rows] = 0
        for name in ("picked", "prev", "choices"):
            getattr(self, name)[rows] = False
        self.done[rows] = False
        self._refresh_mask(rows)

    def _worst(self, rows: np.ndarray) -> np.ndarray:
        """A bound on the magnitude of any episode's return (the invalid-action penalty exceeds it)."""
        L, E = self.num_layers, self.num_experts
        per_token = (np.abs(self.base[rows]) + np.abs(self.gain[rows]).sum(axis=(2, 3))
                     + (L * (self.thin[rows] + self.reuse[rows] * E + self.weight[rows] * E))[:, None])
        return per_token.sum(axis=1)

    def _refresh_mask(self, rows: np.ndarray) -> None:
        left = np.minimum(self.tok_budget[rows] - self.used_tok[rows], self.batch_budget[rows] - self.used_batch[rows])
        room = (self.picked[rows].sum(axis=1) < self.kmax[rows]) & (left >= 1.0)
        self.mask[rows, :-1] = ~self.picked[rows] & room[:, None]
        self.mask[rows, -1] = True

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = actions
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.zeros(self.batch_size, dtype=np.float64)
        terminated = ~valid
        E = self.num_experts
        call = np.flatnonzero(valid & (a < E))
        if call.size:
            self.picked[call, a[call]] = True
            self.used_tok[call] += 1.0
            self.used_batch[call] += 1.0
            reward[call] = -self.weight[call]
        close = np.flatnonzero(valid & (a == E))
        if close.size:
            reward[close] = self._close(close)
            terminated[close] = self.tok[close] == self.num_tokens
        p = np.flatnonzero(valid)
        self._refresh_mask(p)
        self.cost[valid] -= reward[valid]
        inv = np.flatnonzero(~valid)
        reward[inv] = -self.penalty[inv]
        self.done |= terminated
        return reward, terminated, ~valid

    def _close(self, p: np.ndarray) -> np.ndarray:
        """Pay out the sets of rows ``p`` and move them to the next layer (or token); their rewards."""
        t, l = self.tok[p], self.lay[p]
        s = self.picked[p]
        gains = -np.sort(-np.where(s, self.gain[p, t, l], -np.inf), axis=1)
        value = set_value(gains, self.decay[p])
        n, n_prev = s.sum(axis=1), self.prev[p].sum(axis=1)
        first = (l == 0).astype(np.float64)
        thin_flag = ((l > 0) & (n <= 1) & (n_prev <= 1)).astype(np.float64)
        overlap = (s & self.prev[p]).sum(axis=1).astype(np.float64)
        reward = close_reward(value, self.base[p, t], first, thin_flag, overlap, self.thin[p], self.reuse[p])
        self.choices[p, t, l] = s
        self.prev[p] = s
        self.picked[p] = False
        self.lay[p] += 1
        q = p[self.lay[p] == self.num_layers]
        self.tok[q] += 1
        self.lay[q] = 0
        self.prev[q] = False
        self.used_tok[q] = 0.0
        return reward

    def observe(self, rows: np.ndarray | slice | int | None = None) -> dict[str, np.ndarray]:
        if isinstance(rows, (int, np.integer)):
            return {k: v[0] for k, v in self.observe(np.array([rows])).items()}
        r = np.arange(self.batch_size) if rows is None else np.arange(self.batch_size)[rows]
        T, L = self.num_tokens, self.num_layers
        t, l = np.minimum(self.tok[r], T - 1), np.minimum(self.lay[r], L - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            tok_left = np.where(np.isinf(self.tok_budget[r]), 1.0,
                                1.0 - self.used_tok[r] / np.maximum(self.tok_budget[r], 1e-12))
            batch_left = np.where(np.isinf(self.batch_budget[r]), 1.0,
                                  1.0 - self.used_batch[r] / np.maximum(self.batch_budget[r], 1e-12))
        position = np.stack([l / max(L - 1, 1), (T - self.tok[r]) / T, tok_left, batch_left], axis=1)
        return {
            "token": self.features[r, t].copy(),
            "gate": np.clip(self.gate[r, t, l], -FEATURE_BOUND, FEATURE_BOUND).astype(np.float32),
            "picked": self.picked[r].astype(np.float32),
            "previous": self.prev[r].astype(np.float32),
            "position": np.clip(position, 0.0, 1.0).astype(np.float32),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def solution(self, row: int) -> list[list[list[int]]]:
        return [[np.flatnonzero(s).tolist() for s in layers] for layers in self.choices[row]]

    def partial_solution(self, row: int) -> list[list[list[int]]]:
        return self.solution(row)
