"""Random orienteering instances (Kool et al. 2019, after Fischetti et al. 1998)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from routing_gym.envs.distances import euclidean
from routing_gym.envs.op.types import OPInstance
from routing_gym.envs.prize_tour import kool_max_length
from routing_gym.errors import InstanceError

#: Prize distributions: ``"const"`` (1), ``"unif"`` ((1 + U{0..99}) / 100), ``"dist"`` (by distance from the depot).
PRIZE_TYPES = ("const", "unif", "dist")


def op_prizes(prize_type: str, dist_from_depot: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Prizes of a batch of instances, ``(size, n)``, for the nodes ``1..n``.

    :param dist_from_depot: ``(size, n)`` distances of the nodes from their depot (for ``"dist"``).
    """
    size, n = dist_from_depot.shape
    if prize_type == "const":
        return np.ones((size, n))
    if prize_type == "unif":
        return (1 + rng.integers(0, 100, size=(size, n))) / 100.0
    far = dist_from_depot.max(axis=1, keepdims=True)
    # d / max * 99 in this order (Kool et al.'s): the farthest node gets exactly 99, hence prize 1
    return (1 + np.floor(dist_from_depot / np.maximum(far, np.finfo(np.float64).tiny) * 99.0)) / 100.0


@dataclass(frozen=True)
class OPGenerator:
    """Random orienteering instances in the unit square, as in Kool et al. (2019).

    The depot and the ``n`` nodes are uniform in the unit square. Prizes are
    ``"const"`` (every node 1), ``"unif"`` (``(1 + U{0, ..., 99}) / 100``) or ``"dist"``
    (``(1 + floor(99 d(0, i) / max_j d(0, j))) / 100``: far nodes pay more); the depot's
    prize is 0. The tour-length limit is 2 / 3 / 4 for 20 / 50 / 100 nodes
    (:func:`~routing_gym.envs.prize_tour.kool_max_length`, interpolated between).

    :param num_nodes: number of nodes ``n`` besides the depot.
    :param prize_type: ``"const"``, ``"unif"`` or ``"dist"`` (Kool et al. report all three;
        the default here is ``"dist"``).
    :param max_length: the tour-length limit; ``None`` takes Kool et al.'s for ``num_nodes``.
    """

    num_nodes: int = 20
    prize_type: str = "dist"
    max_length: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.num_nodes, bool) or not isinstance(self.num_nodes, Integral) or self.num_nodes < 1:
            raise InstanceError(f"num_nodes: expected an integer >= 1, got {self.num_nodes!r}")
        if self.prize_type not in PRIZE_TYPES:
            raise InstanceError(f"prize_type: expected one of {PRIZE_TYPES}, got {self.prize_type!r}")
        if self.max_length is not None:
            ok = isinstance(self.max_length, Real) and not isinstance(self.max_length, bool)
            if not ok or not math.isfinite(float(self.max_length)) or self.max_length <= 0:
                raise InstanceError(f"max_length: expected a finite number > 0 or None, got {self.max_length!r}")

    @property
    def length_limit(self) -> float:
        """The limit used: ``max_length`` or Kool et al.'s for ``num_nodes``."""
        return float(self.max_length) if self.max_length is not None else kool_max_length(self.num_nodes)

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays (depot first), the layout of ``OPKernel.stack``."""
        n = self.num_nodes
        coords = rng.random((size, n + 1, 2))
        dist = euclidean(coords)
        prizes = np.zeros((size, n + 1))
        prizes[:, 1:] = op_prizes(self.prize_type, dist[:, 0, 1:], rng)
        return {
            "coords": coords,
            "distances": dist,
            "obs_coords": coords.astype(np.float32),
            "obs_scale": np.ones(size),
            "prizes": prizes,
            "max_length": np.full(size, self.length_limit),
        }

    def __call__(self, rng: np.random.Generator) -> OPInstance:
        b = self.sample(rng, 1)
        return OPInstance(b["distances"][0], b["prizes"][0], float(b["max_length"][0]), b["coords"][0], "EUC")
