"""TSPLIB ``.atsp`` files (``TYPE: ATSP``) as :class:`ATSPInstance`."""

from __future__ import annotations

from pathlib import Path

from routing_gym.envs.atsp.types import ATSPInstance
from routing_gym.envs.io import read_tsplib
from routing_gym.errors import InstanceError


def load_atsplib(path: Path) -> ATSPInstance:
    """An asymmetric TSPLIB instance (``EXPLICIT`` matrix, any TSPLIB layout), with its known optimum if any.

    Row ``i`` of a ``FULL_MATRIX`` is the cost of ``i -> j``; the diagonal (TSPLIB puts a
    large number such as 9999 there) is set to 0. The optimum comes from ``optimal.csv``
    (or another CSV of known values, or a ``.sol``) beside the file.
    """
    path = Path(path)
    try:
        f = read_tsplib(path)
    except InstanceError as exc:  # name the file in every message (some of read_tsplib's only name the field)
        raise InstanceError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from None
    if f.edge_weight_type != "EXPLICIT":
        raise InstanceError(f"{path}: EDGE_WEIGHT_TYPE {f.edge_weight_type or '(missing)'!r}: an ATSP file gives its "
                            f"costs as an EXPLICIT matrix")
    try:
        return ATSPInstance(f.distances, None, f.name, f.optimum)
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None
