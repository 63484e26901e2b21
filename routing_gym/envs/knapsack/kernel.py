"""Batched knapsack dynamics: action 0 stops, action ``i`` packs item ``i - 1``."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.knapsack.types import KnapsackInstance
from routing_gym.errors import InstanceError

#: the action (and node) that ends the episode
STOP = 0


class KnapsackKernel(Kernel):
    """The 0-1 knapsack as a constructive MDP over ``n + 1`` nodes: node 0 is a virtual
    "stop" item (no weight, no value), node ``i`` is item ``i - 1``.

    Packing adds the item's weight to the used capacity and pays its value. The mask is one
    expression, ``~packed & (used + w <= capacity)`` on the items, the stop node always
    open. The episode ends on stop, or after a packing that leaves no item that fits.
    """

    state_fields = ("packed", "used", "t", "order")
    instance_type = KnapsackInstance
    size_name = "num_items"

    def __init__(self, batch_size: int, num_items: int) -> None:
        super().__init__(batch_size, num_items)
        b, n1 = self.batch_size, self.num_items + 1
        self.weight = np.zeros((b, n1), dtype=np.float64)  # column 0: the stop node
        self.value = np.zeros((b, n1), dtype=np.float64)
        self.capacity = np.ones(b, dtype=np.float64)
        self.packed = np.zeros((b, n1), dtype=bool)
        self.used = np.zeros(b, dtype=np.float64)
        self.t = np.zeros(b, dtype=np.int64)
        self.order = np.zeros((b, self.num_items), dtype=np.int64)
        self._obs_static = {"coords": np.zeros((b, n1, 2), np.float32), "weights": np.zeros((b, n1), np.float32),
                            "values": np.zeros((b, n1), np.float32)}

    @property
    def num_actions(self) -> int:
        return self.num_items + 1

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        n1 = num_nodes + 1
        return spaces.Dict({
            "coords": spaces.Box(0.0, 1.0, (n1, 2), np.float32),
            "weights": spaces.Box(0.0, 1.0, (n1,), np.float32),
            "values": spaces.Box(0.0, 1.0, (n1,), np.float32),
            "remaining_capacity": spaces.Box(0.0, 1.0, (1,), np.float32),
            "packed": spaces.MultiBinary(n1),
            "action_mask": spaces.MultiBinary(n1),
        })

    @classmethod
    def instance_size(cls, instance: KnapsackInstance) -> int:
        return instance.num_items

    @classmethod
    def stack(cls, instances: Sequence[KnapsackInstance]) -> dict[str, np.ndarray]:
        return {
            "weights": np.stack([i.weights for i in instances]),
            "values": np.stack([i.values for i in instances]),
            "capacity": np.array([i.capacity for i in instances], dtype=np.float64),
        }

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> KnapsackInstance:
        return KnapsackInstance(data["weights"][i], data["values"][i], float(data["capacity"][i]))

    @classmethod
    def solution_to_actions(cls, instance: KnapsackInstance, solution: Sequence[int]) -> tuple[dict[str, Any], list[int]]:
        """Pack the items in the given order; then stop, unless the last packing left nothing that fits."""
        try:
            items = [int(i) for i in solution]
        except (TypeError, ValueError):
            raise InstanceError(f"solution: expected item indices, got {solution!r}") from None
        load = 0.0
        for i in items:  # the kernel's arithmetic, in the same order
            load += float(instance.weights[i]) if 0 <= i < instance.num_items else 0.0
        rest = np.ones(instance.num_items, dtype=bool)
        rest[[i for i in items if 0 <= i < instance.num_items]] = False
        fits = bool(np.any(rest & (load + instance.weights <= instance.capacity)))
        return {}, [i + 1 for i in items] + ([STOP] if fits or not items else [])

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        rows = np.asarray(rows)
        w, v, cap = data["weights"], data["values"], np.asarray(data["capacity"], dtype=np.float64)
        if w.shape[1:] != (self.num_items,):
            raise InstanceError(f"instance has {w.shape[1]} items but the environment was built for num_items={self.num_items}")
        self.weight[rows, 1:] = w
        self.value[rows, 1:] = v
        self.capacity[rows] = cap
        # any packing is worth at most the sum of the values, so the penalty is worse than every solution
        self.penalty[rows] = v.sum(axis=1) + 1.0
        self.packed[rows] = False
        self.used[rows] = 0.0
        self.t[rows] = 0
        self.cost[rows] = 0.0
        self.done[rows] = False
        self._refresh_mask(rows)
        vmax = v.max(axis=1, keepdims=True)
        wmax = w.max(axis=1, keepdims=True)
        wn = np.minimum(w / cap[:, None], 1.0)
        vn = v / np.where(vmax > 0, vmax, 1.0)
        self._obs_static["weights"][rows, 1:] = wn
        self._obs_static["values"][rows, 1:] = vn
        self._obs_static["coords"][rows, 1:, 0] = w / np.where(wmax > 0, wmax, 1.0)
        self._obs_static["coords"][rows, 1:, 1] = vn

    def _refresh_mask(self, rows: np.ndarray) -> None:
        fits = ~self.packed[rows] & (self.used[rows, None] + self.weight[rows] <= self.capacity[rows, None])
        fits[:, STOP] = True
        self.mask[rows] = fits

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = actions
        valid = self.mask[self._rows, a] & ~self.done
        reward = np.zeros(self.batch_size, dtype=np.float64)
        terminated = ~valid | (a == STOP)
        p = np.flatnonzero(valid & (a != STOP))  # rows that pack an item
        if p.size:
            ap = a[p]
            reward[p] = self.value[p, ap]
            self.packed[p, ap] = True
            self.used[p] += self.weight[p, ap]
            self.order[p, self.t[p]] = ap - 1
            self.t[p] += 1
            self._refresh_mask(p)
            terminated[p] = ~self.mask[p, 1:].any(axis=1)
        self.cost[valid] -= reward[valid]
        inv = np.flatnonzero(~valid)
        reward[inv] = -self.penalty[inv]
        self.done |= terminated
        return reward, terminated, ~valid

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        rem = np.clip(1.0 - self.used[r] / self.capacity[r], 0.0, 1.0)
        return {
            "coords": self._obs_static["coords"][r].copy(),
            "weights": self._obs_static["weights"][r].copy(),
            "values": self._obs_static["values"][r].copy(),
            "remaining_capacity": rem.astype(np.float32)[..., None],
            "packed": self.packed[r].view(np.int8).copy(),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def solution(self, row: int) -> list[int]:
        return self.order[row, : self.t[row]].tolist()

    def partial_solution(self, row: int) -> list[int]:
        return self.solution(row)
