"""Random ATSP cost matrices (MatNet's ``tmat`` class)."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from routing_gym.envs.atsp.types import ATSPInstance
from routing_gym.envs.distances import mds_embedding, normalize_coords
from routing_gym.errors import InstanceError

DISTRIBUTIONS = ("tmat", "uniform")


def shortest_path_closure(d: np.ndarray) -> np.ndarray:
    """All-pairs shortest-path lengths of a batch ``(b, n, n)`` of cost matrices (Floyd-Warshall).

    Vectorised over the batch and the matrix; the loop runs over the ``n`` intermediate nodes.
    The result satisfies the triangle inequality ``d[i, j] <= d[i, k] + d[k, j]``.
    """
    out = np.array(d, dtype=np.float64, copy=True)
    for k in range(out.shape[-1]):
        np.minimum(out, out[:, :, k:k + 1] + out[:, k:k + 1, :], out=out)
    return out


@dataclass(frozen=True)
class ATSPGenerator:
    """Random asymmetric cost matrices, as MatNet (Kwon et al., NeurIPS 2021) and BQ-NCO generate them.

    ``"tmat"`` (the default; Cirasella et al. 2001's class, as in MatNet's
    ``ATSProblemDef.get_random_problems``): every off-diagonal entry an independent
    integer uniform in ``[0, resolution)``, the diagonal 0, then the shortest-path
    closure (so the triangle inequality holds), divided by ``resolution``: costs in
    ``[0, 1)``. MatNet uses ``resolution = 10**6``. ``"uniform"``: the same entries
    without the closure (the triangle inequality may fail).

    :param num_nodes: number of nodes ``n`` (at least 2).
    :param distribution: ``"tmat"`` or ``"uniform"``.
    :param resolution: integer entries are drawn below this, then scaled by ``1 / resolution``.

    ``generator(rng)`` returns one :class:`ATSPInstance`; :meth:`sample` a batch of raw
    arrays for the kernel. Only ``rng`` is used for randomness.
    """

    num_nodes: int = 20
    distribution: str = "tmat"
    resolution: int = 10**6

    def __post_init__(self) -> None:
        if isinstance(self.num_nodes, bool) or not isinstance(self.num_nodes, Integral) or self.num_nodes < 2:
            raise InstanceError(f"num_nodes: expected an integer >= 2, got {self.num_nodes!r}")
        if self.distribution not in DISTRIBUTIONS:
            raise InstanceError(f"distribution: expected one of {DISTRIBUTIONS}, got {self.distribution!r}")
        if isinstance(self.resolution, bool) or not isinstance(self.resolution, Integral) or self.resolution < 2:
            raise InstanceError(f"resolution: expected an integer >= 2, got {self.resolution!r}")

    def sample_distances(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``(size, n, n)`` cost matrices."""
        n = int(self.num_nodes)
        d = rng.integers(0, int(self.resolution), size=(size, n, n)).astype(np.float64)
        d[:, np.arange(n), np.arange(n)] = 0.0
        if self.distribution == "tmat":
            d = shortest_path_closure(d)
        return d / float(self.resolution)

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances as arrays: ``distances (size, n, n)``, ``obs_coords (size, n, 2)``."""
        d = self.sample_distances(rng, size)
        return {"distances": d, "obs_coords": normalize_coords(mds_embedding(d))}

    def __call__(self, rng: np.random.Generator) -> ATSPInstance:
        return ATSPInstance(self.sample_distances(rng, 1)[0])
