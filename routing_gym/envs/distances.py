"""Distance conventions.

Generated instances use plain Euclidean distances in float64 (``"EUC"``).
Instances read from TSPLIB / CVRPLIB files follow the file's ``EDGE_WEIGHT_TYPE``
with TSPLIB's integer rounding rules (Reinelt 1991, "TSPLIB 95", section 2):

========== =====================================================================
``EUC_2D`` Euclidean, rounded to the nearest integer (``nint``)
``CEIL_2D`` Euclidean, rounded up
``FLOOR_2D`` Euclidean, rounded down
``ATT``    pseudo-Euclidean of the att instances
``GEO``    geographical distance on the idealised sphere, truncated to an integer
``EXPLICIT`` matrix given in the file
========== =====================================================================

Solomon VRPTW files are judged under the DIMACS convention ``"EUC_TRUNC1"``:
Euclidean distance truncated to one decimal, ``floor(10 d) / 10`` (not integer);
travel times equal these distances.
"""

from __future__ import annotations

import numpy as np

from routing_gym.errors import InstanceError

#: Distance conventions computed from coordinates.
COORD_TYPES = ("EUC", "EUC_2D", "CEIL_2D", "FLOOR_2D", "ATT", "GEO", "EUC_TRUNC1")
#: All supported conventions.
EDGE_WEIGHT_TYPES = COORD_TYPES + ("EXPLICIT",)
#: Conventions whose distances are integers.
INTEGER_TYPES = ("EUC_2D", "CEIL_2D", "FLOOR_2D", "ATT", "GEO", "EXPLICIT")


def euclidean(coords: np.ndarray) -> np.ndarray:
    """Pairwise Euclidean distances of ``(..., n, 2)`` coordinates, shape ``(..., n, n)``."""
    # Per-axis differences with in-place ops: ~6x faster than one (..., n, n, 2) difference
    # tensor for a batch of 1024 x 50 nodes, and bitwise the same result.
    x, y = coords[..., 0], coords[..., 1]
    dx = x[..., :, None] - x[..., None, :]
    dx *= dx
    dy = y[..., :, None] - y[..., None, :]
    dy *= dy
    dx += dy
    return np.sqrt(dx, out=dx)


def _nint(x: np.ndarray) -> np.ndarray:
    # TSPLIB's nint is (int)(x + 0.5), i.e. round half up for the non-negative values here.
    return np.floor(x + 0.5)


def _geo(coords: np.ndarray) -> np.ndarray:
    pi = 3.141592  # TSPLIB's value, not math.pi: results differ otherwise
    deg = np.trunc(coords)
    minutes = coords - deg
    rad = pi * (deg + 5.0 * minutes / 3.0) / 180.0
    lat, lon = rad[:, 0], rad[:, 1]
    q1 = np.cos(lon[:, None] - lon[None, :])
    q2 = np.cos(lat[:, None] - lat[None, :])
    q3 = np.cos(lat[:, None] + lat[None, :])
    arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
    d = np.trunc(6378.388 * np.arccos(arg) + 1.0)
    np.fill_diagonal(d, 0.0)
    return d


def _att(coords: np.ndarray) -> np.ndarray:
    diff = coords[:, None, :] - coords[None, :, :]
    r = np.sqrt((diff**2).sum(-1) / 10.0)
    t = _nint(r)
    return np.where(t < r, t + 1.0, t)


def distance_matrix(coords: np.ndarray, edge_weight_type: str = "EUC") -> np.ndarray:
    """Distance matrix of ``(n, 2)`` coordinates under a named convention (float64).

    :raises InstanceError: for an unknown convention or ``EXPLICIT`` (which has no formula).
    """
    if edge_weight_type not in COORD_TYPES:
        raise InstanceError(
            f"edge_weight_type={edge_weight_type!r} cannot be computed from coordinates; "
            f"expected one of {COORD_TYPES}"
        )
    coords = np.asarray(coords, dtype=np.float64)
    if edge_weight_type == "GEO":
        return _geo(coords)
    if edge_weight_type == "ATT":
        return _att(coords)
    d = euclidean(coords)
    if edge_weight_type == "EUC_2D":
        return _nint(d)
    if edge_weight_type == "CEIL_2D":
        return np.ceil(d)
    if edge_weight_type == "FLOOR_2D":
        return np.floor(d)
    if edge_weight_type == "EUC_TRUNC1":
        return truncate_one_decimal(d)
    return d


def truncate_one_decimal(d: np.ndarray) -> np.ndarray:
    """DIMACS VRPTW convention: distances truncated to one decimal, ``floor(10 d) / 10``."""
    return np.floor(10.0 * d) / 10.0


def mds_embedding(distances: np.ndarray) -> np.ndarray:
    """2-D classical multidimensional scaling of a distance matrix, or of a batch ``(..., n, n)`` of them.

    Used to give instances that only come as an explicit matrix a position per
    node for rendering and for the policies' observations. An asymmetric matrix
    is embedded through the mean of its squared distances in both directions.
    """
    d2 = np.asarray(distances, dtype=np.float64) ** 2
    d2 = 0.5 * (d2 + np.swapaxes(d2, -1, -2))
    n = d2.shape[-1]
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ d2 @ j
    w, v = np.linalg.eigh(b)
    top = np.argsort(w, axis=-1)[..., ::-1][..., :2]
    scale = np.sqrt(np.maximum(np.take_along_axis(w, top, axis=-1), 0.0))
    return np.take_along_axis(v, top[..., None, :], axis=-1) * scale[..., None, :]


def normalize_coords(coords: np.ndarray) -> np.ndarray:
    """Scale coordinates into the unit square, keeping the aspect ratio (float32)."""
    coords = np.asarray(coords, dtype=np.float64)
    lo = coords.min(axis=-2, keepdims=True)
    span = (coords.max(axis=-2, keepdims=True) - lo).max(axis=-1, keepdims=True)
    span = np.where(span > 0, span, 1.0)
    return ((coords - lo) / span).astype(np.float32)


class LazyDistances:
    """Mixin of batched kernels whose ``(batch, n, n)`` distance matrix is built only when read.

    A row loaded from data with ``distances`` stores that matrix. A row loaded from
    ``coords`` only (generated Euclidean instances) keeps its float64 coordinates, and
    its step computes the edge it takes, bitwise equal to :func:`euclidean`'s entry;
    reading :attr:`dist` (viewers, tests, subclasses) fills the matrix rows first. The
    invalid-action :attr:`penalty`, ``penalty_edges * longest edge + 1``, is computed
    the same way when first read, so a fresh instance costs no ``n x n`` work.
    """

    #: the penalty is this many longest edges plus one (more than any feasible solution costs)
    penalty_edges: int

    def _init_distances(self, batch_size: int, n1: int) -> None:
        self._dist = np.zeros((batch_size, n1, n1), dtype=np.float64)
        self._xy = np.zeros((batch_size, n1, 2), dtype=np.float64)
        self._from_xy = np.zeros(batch_size, dtype=bool)  # the matrix row is not built yet
        self._penalty_due = np.zeros(batch_size, dtype=bool)  # the penalty is not computed yet

    @property
    def dist(self) -> np.ndarray:
        """``(batch, n, n)`` float64 distances (rows of coordinate-only instances are filled on first read)."""
        lazy = np.flatnonzero(self._from_xy)
        if lazy.size:
            self._dist[lazy] = euclidean(self._xy[lazy])
            self._from_xy[lazy] = False
        return self._dist

    @property
    def penalty(self) -> np.ndarray:
        """``(batch,)`` reward of a masked action, negated: ``penalty_edges * longest edge + 1``."""
        due = np.flatnonzero(self._penalty_due)
        if due.size:
            longest = euclidean(self._xy[due]).reshape(due.size, -1).max(axis=1)
            self._penalty[due] = self.penalty_edges * longest + 1.0
            self._penalty_due[due] = False
        return self._penalty

    @penalty.setter
    def penalty(self, value: np.ndarray) -> None:
        self._penalty = value

    def _load_distances(self, rows: np.ndarray, data: dict[str, np.ndarray]) -> None:
        """Store ``rows``' distances, or their coordinates only when ``data`` has no ``distances``."""
        dist = data.get("distances")
        if dist is None:
            self._xy[rows] = data["coords"]
            self._from_xy[rows] = True
            self._penalty_due[rows] = True
            return
        self._dist[rows] = dist
        self._from_xy[rows] = False
        self._penalty_due[rows] = False
        self._penalty[rows] = self.penalty_edges * dist.reshape(len(rows), -1).max(axis=1) + 1.0


def data_nodes(data: dict[str, np.ndarray]) -> tuple[int, ...]:
    """The ``(n, n)`` matrix shape of a batch of instance arrays (from ``coords`` when it has no ``distances``)."""
    dist = data.get("distances")
    if dist is not None:
        return tuple(np.shape(dist)[1:])
    n = np.shape(data["coords"])[1]
    return (n, n)
