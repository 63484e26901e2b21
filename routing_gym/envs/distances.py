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
