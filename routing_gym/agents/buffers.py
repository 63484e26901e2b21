"""PPO rollout buffers whose minibatches hold states of similar size (faster updates of the pointer policies).

The pointer policies cut each batch to its largest reduced state
(:func:`~routing_gym.agents.policies.compact_nodes`); uniformly random minibatches
almost always hold an early state, so nothing is cut. These buffers sort the
rollout's states by their number of unvisited nodes (random among equals), cut
that order into minibatches and shuffle the minibatches: every epoch sees the same
states, but each minibatch is a smaller network input (the trick of
:func:`routing_gym.agents.imitation._batches`). Advantages are still normalised
per minibatch, now among states of one stage of the episode.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
from sb3_contrib.common.maskable.buffers import MaskableDictRolloutBuffer
from stable_baselines3.common.buffers import DictRolloutBuffer


def state_sizes(observations: dict[str, np.ndarray], total: int) -> np.ndarray:
    """Unvisited nodes per flattened state (the allowed actions without ``visited``; zeros without either)."""
    if "visited" in observations:
        return (observations["visited"].reshape(total, -1) == 0).sum(1)
    if "action_mask" in observations:
        return observations["action_mask"].reshape(total, -1).sum(1)
    return np.zeros(total, dtype=np.int64)


class _SizeSorted:
    """``get`` of a dict rollout buffer, minibatches by state size (SB3's global numpy RNG, so seeded runs repeat)."""

    buffer_size: int
    n_envs: int
    observations: dict[str, np.ndarray]

    def get(self, batch_size: int | None = None) -> Iterator[Any]:
        prepare = super().get(1)  # type: ignore[misc]  # the parent flattens the buffer on its first batch
        next(prepare)
        prepare.close()
        total = self.buffer_size * self.n_envs
        batch_size = batch_size or total
        order = np.lexsort((np.random.random(total), state_sizes(self.observations, total)))
        for start in np.random.permutation(np.arange(0, total, batch_size)):
            yield self._get_samples(order[start:start + batch_size])  # type: ignore[attr-defined]


class SizeSortedMaskableRolloutBuffer(_SizeSorted, MaskableDictRolloutBuffer):
    """:class:`MaskableDictRolloutBuffer` (MaskablePPO) with size-sorted minibatches."""


class SizeSortedRolloutBuffer(_SizeSorted, DictRolloutBuffer):
    """:class:`DictRolloutBuffer` (plain PPO) with size-sorted minibatches."""
