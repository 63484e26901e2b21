"""``lkh`` on TSP: LKH-3 through ``elkai`` on the instance written as TSPLIB text (the TSP reference)."""

from __future__ import annotations

import io

import numpy as np

from routing_gym.baselines.references import LKHSolver, reference_scale, require
from routing_gym.baselines.tsp.constructions import tsp_small
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import SolverError

#: LKH's own names of coordinate-based conventions that it computes exactly as TSPLIB does
_LKH_COORD_TYPES = {"EUC_2D": "EUC_2D", "CEIL_2D": "CEIL_2D", "FLOOR_2D": "FLOOR_2D", "ATT": "ATT", "GEO": "GEO"}


def lkh_problem(instance: TSPInstance, scale: float | None = None) -> tuple[str, float]:
    """The TSPLIB text LKH reads for ``instance``, and the scale used.

    Coordinate instances go as coordinates (LKH computes the same integer
    distances, no n^2 text): TSPLIB conventions as they are (unless a scale other
    than 1 is asked for), float Euclidean (``EUC``) as ``EUC_2D`` over coordinates
    times the scale (``nint(scale * d)``). Everything else goes as a full integer
    matrix (``ATSP`` when asymmetric).
    """
    d = instance.distances
    n = instance.num_nodes
    s = reference_scale(d, instance.is_integer, scale)
    ewt = instance.edge_weight_type
    buf = io.StringIO()
    coords_as_is = ewt in _LKH_COORD_TYPES and s == 1.0  # LKH computes the file's own integer distances
    if instance.coords is not None and (coords_as_is or ewt == "EUC"):
        kind = _LKH_COORD_TYPES.get(ewt, "EUC_2D")
        xy = np.asarray(instance.coords, dtype=np.float64) * (s if ewt == "EUC" else 1.0)
        buf.write(f"TYPE : TSP\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : {kind}\nNODE_COORD_SECTION\n")
        np.savetxt(buf, np.column_stack([np.arange(1, n + 1), xy]), fmt=["%d", "%.10f", "%.10f"])
    else:
        di = np.rint(d * s).astype(np.int64)
        if di.max(initial=0) > 2**31 // 200:  # LKH multiplies costs by PRECISION (100) in 32-bit ints
            raise SolverError(f"lkh: scaled distances up to {di.max()} overflow LKH's integers; lower scale")
        kind = "TSP" if np.array_equal(di, di.T) else "ATSP"
        buf.write(f"TYPE : {kind}\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : FULL_MATRIX\n"
                  "EDGE_WEIGHT_SECTION\n")
        np.savetxt(buf, di, fmt="%d")
    buf.write("EOF\n")
    return buf.getvalue(), s


@LKHSolver.for_problem("tsp")
def lkh_tsp(solver: LKHSolver, instance: TSPInstance) -> list[int]:
    """The tour LKH finds with ``solver``'s parameters (LKH needs 3 nodes or more: smaller tours are enumerated)."""
    elkai = require("lkh")
    small = tsp_small(instance)
    if small is not None:
        return small
    n = instance.num_nodes
    problem, _ = lkh_problem(instance, solver.scale)
    # elkai's public DistanceMatrix.solve_tsp only takes `runs`; its C entry point takes
    # LKH's parameter file and problem text as they are, so SEED etc. can be passed.
    tour = elkai._elkai.solve_problem(solver.parameter_text(), problem)
    tour = [int(i) - 1 for i in tour]
    if len(tour) > n:  # some versions close the cycle
        tour = tour[:n]
    return tour
