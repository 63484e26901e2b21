"""mTSP instances from TSPLIB files (the mTSPLib convention).

There is no mTSP file format: mTSPLib (Necula et al. 2015) and the min-max
learning papers that test on it (e.g. DAN) take a TSPLIB ``.tsp`` file, its
first node as the depot, and a number of salesmen given separately. Since such
a file is a TSP file, :func:`~routing_gym.envs.load_instance` reads it as a TSP;
:func:`load_mtsplib` reads it as an mTSP.
"""

from __future__ import annotations

import os
from pathlib import Path

from routing_gym.envs.io import read_tsplib
from routing_gym.envs.mtsp.types import MTSPInstance
from routing_gym.errors import InstanceError


def load_mtsplib(path: str | os.PathLike, num_vehicles: int, objective: str = "minmax") -> MTSPInstance:
    """A TSPLIB file as an mTSP instance: node 0 (the file's first node) is the depot.

    Distances follow the file's convention (``EUC_2D``: rounded to integers, as in
    mTSPLib). The file's TSP optimum is not an mTSP value and is not attached.

    :raises FileNotFoundError: if ``path`` does not exist.
    :raises InstanceError: naming the file, for a malformed file or a bad ``num_vehicles`` / ``objective``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no instance file at {path}")
    f = read_tsplib(path)
    try:
        return MTSPInstance(f.distances, num_vehicles, objective, f.coords, f.edge_weight_type,
                            f"{f.name}-m{num_vehicles}-{objective}")
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None
