"""Random prize-collecting TSP instances (the deterministic PCTSP of Kool et al. 2019)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from routing_gym.envs.distances import euclidean
from routing_gym.envs.pctsp.types import PCTSPInstance
from routing_gym.envs.prize_tour import kool_max_length
from routing_gym.errors import InstanceError


def _check_positive(value: Any, field: str, allow_zero: bool = False) -> None:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if not ok or value < 0 or (value == 0 and not allow_zero):
        raise InstanceError(f"{field}: expected a finite number {'>=' if allow_zero else '>'} 0, got {value!r}")


@dataclass(frozen=True)
class PCTSPGenerator:
    """Random PCTSP instances in the unit square, as in Kool et al. (2019).

    The depot and the ``n`` nodes are uniform in the unit square. Prizes are
    ``U(0, 1) * 4 / n`` (their expected total is 2, so reaching the minimum prize 1
    takes about half of the nodes); penalties are ``U(0, 1) * penalty_factor * L / n``
    with ``L`` = 2 / 3 / 4 for 20 / 50 / 100 nodes (Kool et al.'s OP length limits,
    :func:`~routing_gym.envs.prize_tour.kool_max_length`; ``penalty_factor`` 3), so that
    the penalties of about half of the nodes weigh about as much as a tour.

    :param num_nodes: number of nodes ``n`` besides the depot.
    :param penalty_factor: scale of the penalties (Kool et al.: 3).
    :param min_prize: the prize a tour must collect (Kool et al.: 1).
    """

    num_nodes: int = 20
    penalty_factor: float = 3.0
    min_prize: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.num_nodes, bool) or not isinstance(self.num_nodes, Integral) or self.num_nodes < 1:
            raise InstanceError(f"num_nodes: expected an integer >= 1, got {self.num_nodes!r}")
        _check_positive(self.penalty_factor, "penalty_factor")
        _check_positive(self.min_prize, "min_prize", allow_zero=True)

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays (depot first), the layout of ``PCTSPKernel.stack``."""
        n = self.num_nodes
        coords = rng.random((size, n + 1, 2))
        penalties = np.zeros((size, n + 1))
        penalties[:, 1:] = rng.random((size, n)) * (kool_max_length(n) * float(self.penalty_factor) / n)
        prizes = np.zeros((size, n + 1))
        prizes[:, 1:] = rng.random((size, n)) * 4.0 / n
        return {
            "coords": coords,
            "distances": euclidean(coords),
            "obs_coords": coords.astype(np.float32),
            "obs_scale": np.ones(size),
            "prizes": prizes,
            "penalties": penalties,
            "total_penalty": np.array([math.fsum(p.tolist()) for p in penalties]),
            "min_prize": np.full(size, float(self.min_prize)),
        }

    def __call__(self, rng: np.random.Generator) -> PCTSPInstance:
        b = self.sample(rng, 1)
        return PCTSPInstance(b["distances"][0], b["prizes"][0], b["penalties"][0], float(b["min_prize"][0]),
                             b["coords"][0], "EUC")
