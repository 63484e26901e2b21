"""CVRPLIB ``.vrp`` files (``TYPE: CVRP``) as :class:`CVRPInstance`."""

from __future__ import annotations

import re
from pathlib import Path

from routing_gym.envs.cvrp.types import CVRPInstance
from routing_gym.envs.io import TsplibFile, numeric_rows, read_tsplib
from routing_gym.errors import InstanceError


def load_cvrplib(path: Path) -> CVRPInstance:
    """A CVRPLIB instance (single depot at node 1) with its best-known cost if any."""
    f = read_tsplib(Path(path))
    try:
        return _cvrp(f)
    except InstanceError as exc:
        raise InstanceError(f"{path}: {exc}") from None


def _cvrp(f: TsplibFile) -> CVRPInstance:
    if "capacity" not in f.specs:
        raise InstanceError("CAPACITY missing")
    if "demand" not in f.sections:
        raise InstanceError("DEMAND_SECTION missing")
    demands = numeric_rows(f.path, "demand", f.sections["demand"], f.dimension, 1)[:, 0]
    if "depot" in f.sections:
        try:
            depots = [int(float(x)) for line in f.sections["depot"] for x in line.split()]
        except ValueError:
            raise InstanceError(f"DEPOT_SECTION holds a non-numeric value: {' '.join(f.sections['depot'])!r}") from None
        depots = [d for d in depots if d != -1]
        if depots != [1]:
            raise InstanceError(f"DEPOT_SECTION lists {depots}; only a single depot at node 1 is supported")
    m = re.search(r"-k(\d+)", f.name)
    return CVRPInstance(f.distances, demands, f.specs["capacity"], f.coords, f.edge_weight_type, f.name, f.optimum,
                        int(m.group(1)) if m else None)
