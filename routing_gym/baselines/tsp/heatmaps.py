"""Edge heatmaps for heatmap-guided TSP search.

A heatmap ``h`` is an ``(n, n)`` array of non-negative edge scores: ``h[i, j]``
says how promising edge ``(i, j)`` is. Trained models produce them (Att-GCN,
DIMES, UTSP, DIFUSCO); Xia et al. (ICML 2024, "Position: Rethinking post-hoc
search-based neural approaches for solving large-scale TSP") showed that the
parameter-free SoftDist heatmap guides k-opt MCTS as well as those models.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import SolverError

#: heatmap(instance) -> (n, n) array
HeatmapFn = Callable[[TSPInstance], np.ndarray]

_BLOCK = 256


def default_tau(num_nodes: int) -> float:
    """SoftDist temperature for ``num_nodes`` cities in the unit square.

    ``0.16 / sqrt(n)`` is about a third of the mean nearest-neighbour distance
    (``~0.5 / sqrt(n)``) and reproduces the temperatures Xia et al. tuned
    (0.0066 at n = 500, 0.0051 at n = 1000).
    """
    return 0.16 / np.sqrt(max(int(num_nodes), 1))


def softdist_heatmap(instance: TSPInstance, tau: float | None = None) -> np.ndarray:
    """SoftDist: ``h[i, j] = softmax_j(-d[i, j] / tau)`` over ``j != i``, with ``h[i, i] = 0``.

    Distances are Euclidean between the instance's positions scaled into the unit
    square (``instance.obs_coords``; an MDS embedding for matrix-only instances),
    so ``tau`` means the same on every instance whatever its units.

    :param tau: temperature; ``None`` for :func:`default_tau`.
    :raises SolverError: for a non-positive ``tau``.
    """
    n = instance.num_nodes
    tau = default_tau(n) if tau is None else float(tau)
    if not np.isfinite(tau) or tau <= 0:
        raise SolverError(f"softdist_heatmap: tau must be > 0, got {tau!r}")
    c = np.asarray(instance.obs_coords, dtype=np.float64)
    h = np.empty((n, n))
    for lo in range(0, n, _BLOCK):  # row blocks: no n-by-n temporaries beyond the result
        rows = np.arange(lo, min(lo + _BLOCK, n))
        logits = -np.sqrt(((c[rows, None, :] - c[None, :, :]) ** 2).sum(-1)) / tau
        logits[np.arange(len(rows)), rows] = -np.inf
        logits -= logits.max(axis=1, keepdims=True)  # stable softmax
        e = np.exp(logits)
        h[rows] = e / e.sum(axis=1, keepdims=True)
    return h


def zero_heatmap(instance: TSPInstance) -> np.ndarray:
    """The all-zero heatmap: no edge preferred (the ablation of Xia et al.)."""
    n = instance.num_nodes
    return np.zeros((n, n))


def uniform_heatmap(instance: TSPInstance) -> np.ndarray:
    """Every edge ``1 / (n - 1)``, the diagonal 0."""
    n = instance.num_nodes
    h = np.full((n, n), 1.0 / max(n - 1, 1))
    np.fill_diagonal(h, 0.0)
    return h


HEATMAPS: dict[str, HeatmapFn] = {"softdist": softdist_heatmap, "zero": zero_heatmap, "uniform": uniform_heatmap}


def resolve_heatmap(heatmap: Any, instance: TSPInstance, tau: float | None = None) -> np.ndarray:
    """The ``(n, n)`` heatmap array named or given by ``heatmap`` for ``instance`` (a new array).

    :param heatmap: ``"softdist"``, ``"zero"``, ``"uniform"``, an ``(n, n)`` array, or a
        callable ``heatmap(instance) -> array``.
    :param tau: SoftDist temperature (only for ``"softdist"``).
    :raises SolverError: for an unknown name, a wrong shape, or negative / non-finite values.
    """
    n = instance.num_nodes
    if isinstance(heatmap, str):
        if heatmap not in HEATMAPS:
            raise SolverError(f"heatmap: unknown name {heatmap!r}; expected one of {sorted(HEATMAPS)}, an array or a callable")
        h = softdist_heatmap(instance, tau) if heatmap == "softdist" else HEATMAPS[heatmap](instance)
    elif callable(heatmap):
        h = heatmap(instance)
    else:
        h = heatmap
    try:
        # the caller's array is copied: the search may change the result in place
        h = np.asarray(h, dtype=np.float64) if isinstance(heatmap, str) else np.array(h, dtype=np.float64)
    except (TypeError, ValueError):
        raise SolverError(f"heatmap: expected an array of numbers, got {type(h).__name__}") from None
    if h.shape != (n, n):
        raise SolverError(f"heatmap: expected shape ({n}, {n}) for this instance, got {h.shape}")
    if not np.isfinite(h).all() or (h < 0).any():
        raise SolverError("heatmap: values must be finite and >= 0")
    return h
