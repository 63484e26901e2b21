"""Batched ATSP dynamics: the TSP kernel's, with distance features for matrix-only instances."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.atsp.types import ATSPInstance
from routing_gym.envs.tsp.kernel import TSPKernel


class ATSPKernel(TSPKernel):
    """ATSP as a constructive MDP, the tour dynamics of :class:`TSPKernel` on a directed matrix.

    The tour starts at ``start_node`` (default 0); each action appends an unvisited
    node, paying ``d[current, next]``; the last action also pays ``d[last, first]``.
    The observation adds what a policy needs without coordinates: each node's costs
    to and from the current node and the first node, and the reduced costs of the
    remaining path problem (see :meth:`reduced_costs`), divided by the instance's
    largest cost (``scale``).
    """

    instance_type = ATSPInstance

    def __init__(self, batch_size: int, num_nodes: int) -> None:
        super().__init__(batch_size, num_nodes)
        self.scale = np.ones(self.batch_size, dtype=np.float64)

    @classmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict:
        n = num_nodes
        return spaces.Dict({
            **super().observation_space(n).spaces,
            "current_distances": spaces.Box(0.0, 1.0, (n, 2), np.float32),
            "first_distances": spaces.Box(0.0, 1.0, (n, 2), np.float32),
            "reduced_costs": spaces.Box(0.0, 1.0, (n, 2), np.float32),
        })

    @classmethod
    def instance_size(cls, instance: ATSPInstance) -> int:
        return instance.num_nodes

    @classmethod
    def stack(cls, instances: Sequence[ATSPInstance]) -> dict[str, np.ndarray]:
        return {
            "distances": np.stack([i.distances for i in instances]),
            "obs_coords": np.stack([i.obs_coords for i in instances]),
        }

    @classmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> ATSPInstance:
        return ATSPInstance(data["distances"][i])

    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        super().load(rows, data, options)
        rows = np.asarray(rows)
        top = self.dist[rows].reshape(len(rows), -1).max(axis=1)
        self.scale[rows] = np.where(top > 0, top, 1.0)

    def _pair_features(self, r: Any, node: np.ndarray) -> np.ndarray:
        """``d[node, j]`` and ``d[j, node]`` over ``scale`` as float32: ``(n, 2)`` per row of ``r``."""
        rows = np.atleast_1d(self._rows[r])
        node = np.atleast_1d(node)
        d = self.dist[rows]
        k = np.arange(len(rows))
        out = np.stack([d[k, node], d[k, :, node]], axis=-1) / self.scale[rows, None, None]
        out = np.clip(out, 0.0, 1.0).astype(np.float32)
        return out if np.ndim(self._rows[r]) else out[0]

    def reduced_costs(self, r: Any) -> np.ndarray:
        """Row-then-column reduced costs of the remaining path problem: ``(rows, n, 2)``.

        What is left is a path from the current node through the unvisited nodes to the
        first one. Over its arcs (tails: current and unvisited; heads: unvisited and first),
        ``u[i] = min_j d[i, j]``, ``v[j] = min_i (d[i, j] - u[i])`` and ``r = d - u - v >= 0``
        (the first step of the Hungarian method; ``sum u + sum v`` bounds the remaining cost
        from below). Returns ``r[current, j]`` and ``r[j, first]``; arcs outside the problem get 1.
        """
        rows = np.atleast_1d(self._rows[r])
        k = np.arange(len(rows))
        cur, first = self.cur[rows], self.first[rows]
        tails = ~self.visited[rows]
        heads = tails.copy()
        tails[k, cur] = True
        heads[k, first] = True
        n = self.num_nodes
        arcs = tails[:, :, None] & heads[:, None, :] & ~np.eye(n, dtype=bool)
        d = np.where(arcs, self.dist[rows], np.inf)
        u = d.min(axis=2)
        u[~np.isfinite(u)] = 0.0
        d -= u[:, :, None]
        v = d.min(axis=1)
        v[~np.isfinite(v)] = 0.0
        d -= v[:, None, :]
        out = np.stack([d[k, cur, :], d[k, :, first]], axis=-1) / self.scale[rows, None, None]
        out = np.where(np.isfinite(out), np.clip(out, 0.0, 1.0), 1.0).astype(np.float32)
        return out if np.ndim(self._rows[r]) else out[0]

    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        r = slice(None) if rows is None else rows
        obs = super().observe(rows)
        obs["current_distances"] = self._pair_features(r, self.cur[r])
        obs["first_distances"] = self._pair_features(r, self.first[r])
        obs["reduced_costs"] = self.reduced_costs(r)
        return obs
