"""What the prize-collecting tour problems share: orienteering (``op``) and the prize-collecting TSP (``pctsp``).

Both play one tour from the depot (node 0) over a subset of the nodes ``1..n``
that the solver chooses. Their solutions have one format, a list of the visited
nodes in order (the depot implied at both ends, ``[]`` for staying at the
depot), and their kernels one set of dynamics, :class:`PrizeTourKernel`:
action ``i >= 1`` goes to node ``i``, action ``0`` returns to the depot and ends
the episode. The problems differ only in their masks, rewards and observed
extras (a length limit for OP; penalties and a minimum prize for PCTSP), which
their subclasses add. This module also holds the helpers both instance types,
evaluations, generators and viewers use, once.
"""

from __future__ import annotations

import math
from numbers import Real
from functools import cached_property
from typing import Any, ClassVar, Sequence

import numpy as np
from gymnasium import spaces

from routing_gym.envs.distances import euclidean, normalize_coords
from routing_gym.envs.instance import PlacedInstance
from routing_gym.envs.kernel import Kernel
from routing_gym.envs.validation import check_finite, frozen_array
from routing_gym.envs.evaluation import as_indices
from routing_gym.errors import InstanceError

#: Tolerance of every length and prize comparison (the environment's mask and ``evaluate`` alike).
EPS = 1e-9

#: Kool et al. (2019)'s tour-length limit (OP) and penalty scale (PCTSP) per number of nodes.
KOOL_MAX_LENGTH = {20: 2.0, 50: 3.0, 100: 4.0}


def length_obs_bound(num_nodes: int) -> float:
    """Upper bound of observed lengths: a tour of ``n + 1`` legs in the unit square is at most ``(n + 1) sqrt 2``.

    Longer observed lengths (a length budget, a penalty) are clipped to it: beyond
    the longest possible tour they make no difference.
    """
    return float((num_nodes + 1) * math.sqrt(2.0))


def kool_max_length(num_nodes: int) -> float:
    """Kool et al.'s 2 / 3 / 4 for 20 / 50 / 100 nodes; piecewise-linear between, constant outside."""
    sizes = np.array(sorted(KOOL_MAX_LENGTH), dtype=np.float64)
    values = np.array([KOOL_MAX_LENGTH[int(s)] for s in sizes])
    return float(np.interp(num_nodes, sizes, values))


def node_values(value: Any, field: str, n1: int, *, depot_zero: bool = False) -> np.ndarray:
    """A read-only, finite, non-negative ``(n1,)`` float64 array (depot first), naming ``field`` on failure.

    :param depot_zero: also require ``value[0] == 0``.
    """
    arr = frozen_array(value, field, np.float64, ndim=1)
    if arr.shape[0] != n1:
        raise InstanceError(f"{field}: expected {n1} values (depot first), got {arr.shape[0]}")
    check_finite(arr, field)
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise InstanceError(f"{field}: negative value {arr[i]:g} at node {i}")
    if depot_zero and arr[0] != 0:
        raise InstanceError(f"{field}: the depot (node 0) must have 0, got {arr[0]:g}")
    return arr


def nonnegative_number(value: Any, field: str) -> float:
    """``value`` as a finite float ``>= 0``, or :class:`InstanceError` naming ``field`` and the value."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)) or value < 0:
        raise InstanceError(f"{field}: expected a finite number >= 0, got {value!r}")  # no strings, no bools
    return float(value)


def observed_coords(coords: np.ndarray | None, positions: np.ndarray, distances: np.ndarray,
                    edge_weight_type: str) -> tuple[np.ndarray, float]:
    """Positions as the environment observes them, and the length of one observed unit.

    Euclidean instances already in the unit square (the generators') are observed as
    they are (unit 1); others are scaled into it (:func:`normalize_coords`) and their
    lengths divided by ``unit``: the span of the positions times the mean ratio of the
    instance's distances to the positions' Euclidean distances (1 for coordinates in
    the file's own units; it absorbs GEO's kilometres per degree and MDS embeddings).
    """
    if coords is not None and edge_weight_type == "EUC" and coords.min() >= 0.0 and coords.max() <= 1.0:
        return coords.astype(np.float32), 1.0
    pos = np.asarray(positions, dtype=np.float64)
    span = float((pos.max(axis=0) - pos.min(axis=0)).max()) if len(pos) else 0.0
    geometric = float(euclidean(pos).sum())
    ratio = float(np.sum(distances)) / geometric if geometric > 0 else 1.0
    unit = span * ratio
    return normalize_coords(pos), unit if unit > 0 else 1.0


class PrizeTourInstance(PlacedInstance):
    """Mixin of the OP and PCTSP instances: positions observed in the unit square at one common scale."""

    @cached_property
    def _observed(self) -> tuple[np.ndarray, float]:
        return observed_coords(self.coords, self.positions, self.distances, self.edge_weight_type)

    @property
    def obs_coords(self) -> np.ndarray:
        """Positions in the unit square (float32), as the environment observes them."""
        return self._observed[0]

    @property
    def obs_scale(self) -> float:
        """The length of one unit of :attr:`obs_coords` in the instance's distances."""
        return self._observed[1]


def as_tour(solution: Any, num_customers: int) -> tuple[np.ndarray | None, str | None]:
    """``solution`` as an int64 array of distinct customers ``1..n``, or ``(None, why not)``."""
    tour, why = as_indices(solution)
    if tour is None:
        return None, why
    n = num_customers
    if tour.size and (tour.min() < 1 or tour.max() > n):
        bad = int(tour[(tour < 1) | (tour > n)][0])
        return None, f"node {bad} is not a customer (1..{n}); the depot 0 is implied at both ends"
    counts = np.bincount(tour, minlength=n + 1)
    if (counts > 1).any():
        i = int(np.argmax(counts > 1))
        return None, f"node {i} visited {int(counts[i])} times"
    return tour, None


def tour_legs(distances: np.ndarray, tour: np.ndarray) -> list[float]:
    """The leg lengths ``0 -> tour[0] -> ... -> tour[-1] -> 0`` (``[]`` for the empty tour), in order."""
    if tour.size == 0:
        return []
    path = [0, *tour.tolist(), 0]
    return [float(distances[a, b]) for a, b in zip(path[:-1], path[1:])]


def tour_variant(solution: Sequence[int], rng: np.random.Generator) -> list[int]:
    """The same tour, reversed with probability 1/2 (same length and prizes for symmetric distances)."""
    tour = [int(x) for x in solution]
    return tour[::-1] if rng.random() < 0.5 else tour


def draw_prize_tour(ax: Any, pos: np.ndarray, tour: Sequence[int], sizes: np.ndarray, closed: bool, title: str) -> None:
    """Nodes sized by ``sizes`` (visited dark, others grey), the tour from the depot (dashed while open)."""
    from routing_gym.envs.render import _finish

    visited = np.zeros(len(pos), dtype=bool)
    visited[list(tour)] = True
    s = 8 + 40 * np.asarray(sizes, dtype=np.float64) / max(float(np.max(sizes[1:], initial=0.0)), 1e-12)
    ax.scatter(pos[1:, 0][~visited[1:]], pos[1:, 1][~visited[1:]], s=s[1:][~visited[1:]], c="#bbbbbb", zorder=3)
    ax.scatter(pos[1:, 0][visited[1:]], pos[1:, 1][visited[1:]], s=s[1:][visited[1:]], c="#1f77b4", zorder=3)
    path = [0, *tour] + ([0] if closed and len(tour) else [])
    if len(path) > 1:
        ax.plot(pos[path, 0], pos[path, 1], "-" if closed else "--", c="#444444", lw=1.2, zorder=2)
    ax.scatter(pos[0, 0], pos[0, 1], s=90, marker="s", c="#d62728", zorder=4)
    _finish(ax, title)


class PrizeTourKernel(Kernel):
    """One tour from the depot over a chosen subset of the nodes; the shared dynamics of OP and PCTSP.

    Action ``i >= 1`` moves to node ``i``; action ``0`` returns to the depot and ends
    the episode. Subclasses set :meth:`_update_mask`, the rewards (:meth:`step`, on
    top of :meth:`_move`) and their observation extras.
    """

    state_fields: ClassVar[tuple[str, ...]] = ("cur", "visited", "t", "tour", "length", "collected")

    def __init__(self, batch_size: int, size: int) -> None:
        super().__init__(batch_size, size)
        b, n1 = self.batch_size, self.num_nodes + 1
        self.dist = np.zeros((b, n1, n1), dtype=np.float64)
        self.coords = np.zeros((b, n1, 2), dtype=np.float32)
        self.prize = np.zeros((b, n1), dtype=np.float64)
        self.obs_scale = np.ones(b, dtype=np.float64)
        self.cur = np.zeros(b, dtype=np.int64)
        self.visited = np.zeros((b, n1), dtype=bool)
        self.t = np.zeros(b, dtype=np.int64)
        self.tour = np.zeros((b, n1), dtype=np.int64)
        self.length = np.zeros(b, dtype=np.float64)
        self.collected = np.zeros(b, dtype=np.float64)

    @property
    def num_actions(self) -> int:
        return self.num_nodes + 1

    @classmethod
    def base_spaces(cls, num_nodes: int) -> dict[str, spaces.Space]:
        """The observation keys both problems have: positions, prizes, position, visits and mask."""
        n1 = num_nodes + 1
        return {
            "coords": spaces.Box(0.0, 1.0, (n1, 2), np.float32),
            "prizes": spaces.Box(0.0, 1.0, (n1,), np.float32),
            "current_node": spaces.Discrete(n1),
            "visited": spaces.MultiBinary(n1),
            "action_mask": spaces.MultiBinary(n1),
        }

    @classmethod
    def instance_size(cls, instance: Any) -> int:
        return int(instance.num_customers)

    @classmethod
    def base_stack(cls, instances: Sequence[Any]) -> dict[str, np.ndarray]:
        return {
            "distances": np.stack([i.distances for i in instances]),
            "obs_coords": np.stack([i.obs_coords for i in instances]),
            "obs_scale": np.array([i.obs_scale for i in instances], dtype=np.float64),
            "prizes": np.stack([i.prizes for i in instances]),
        }

    @classmethod
    def solution_to_actions(cls, instance: Any, solution: Sequence[int]) -> tuple[dict[str, Any], list[int]]:
        return {}, [int(x) for x in solution] + [0]

    def _load_base(self, rows: np.ndarray, data: dict[str, np.ndarray]) -> None:
        n1 = self.num_nodes + 1
        dist = data["distances"]
        if dist.shape[1:] != (n1, n1):
            raise InstanceError(f"instance has {dist.shape[1] - 1} customers but the environment was built "
                                f"for num_nodes={self.num_nodes}")
        self.dist[rows] = dist
        self.coords[rows] = data["obs_coords"]
        self.obs_scale[rows] = data["obs_scale"]
        self.prize[rows] = data["prizes"]
        self.cur[rows] = 0
        self.visited[rows] = False
        self.t[rows] = 0
        self.length[rows] = 0.0
        self.collected[rows] = 0.0
        self.cost[rows] = 0.0
        self.done[rows] = False

    def _move(self, v: np.ndarray, av: np.ndarray) -> np.ndarray:
        """Rows ``v`` travel to ``av`` (length, position, visits, tour); returns the travelled legs.

        Ending at the depot without leaving it travels nothing (even where a matrix has a
        non-zero diagonal), as ``evaluate`` prices the empty tour.
        """
        travel = np.where(self.cur[v] == av, 0.0, self.dist[v, self.cur[v], av])
        self.length[v] += travel
        c = av != 0
        vc, ac = v[c], av[c]
        self.visited[vc, ac] = True
        self.tour[vc, self.t[vc]] = ac
        self.t[vc] += 1
        self.cur[v] = av
        return travel

    def _split(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(valid, rows that move, their actions)`` of one step."""
        valid = self.mask[self._rows, actions] & ~self.done
        v = self._rows if valid.all() else np.flatnonzero(valid)
        return valid, v, actions[v]

    def base_observation(self, r: np.ndarray | slice) -> dict[str, np.ndarray]:
        return {
            "coords": self.coords[r].copy(),
            "current_node": self.cur[r].copy(),
            "visited": self.visited[r].view(np.int8).copy(),
            "action_mask": self.mask[r].view(np.int8).copy(),
        }

    def solution(self, row: int) -> list[int]:
        return self.tour[row, : self.t[row]].tolist()

    partial_solution = solution
