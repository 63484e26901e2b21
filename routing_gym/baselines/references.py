"""Reference solvers of record: LKH-3 for TSP (``lkh``, via ``elkai``) and HGS for CVRP (``hgs``, via ``pyvrp``).

Both packages are optional (``pip install routing-gym[refs]``) and imported
only when a solver runs: ``make_solver("lkh")`` always works, and where the
package is missing a run returns an explicit ``"failed"`` result naming it.
:func:`reference_available` tells beforehand.

Both work on integer costs. Integer instances (``is_integer``) are passed as
they are; float instances are multiplied by ``scale`` (default: the power of ten
that brings the longest edge to between 10^5 and 10^6) and rounded. The
solution is judged on the instance's own distances.

``lkh`` spec keys: ``runs`` (default 1), ``max_trials`` (default: LKH's, the
number of nodes), ``max_candidates``, ``move_type``, ``kicks``,
``population_size`` (LKH parameters of the same names), ``time_limit`` (passed as
LKH's ``TIME_LIMIT``), ``seed`` (LKH's ``SEED`` is ``seed + 1``: LKH reads 0 as
"from the clock"), ``scale``.

``hgs`` spec keys: ``time_limit`` (PyVRP's ``MaxRuntime``), ``seed``, ``scale``.
"""

from __future__ import annotations

import importlib.util
import io
import math
from typing import Any

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.envs.cvrp.types import CVRPInstance
from routing_gym.envs.tsp.types import TSPInstance
from routing_gym.errors import SolverError
from routing_gym.registry import problem_of

#: the optional package each reference needs
PACKAGES = {"lkh": "elkai", "hgs": "pyvrp"}


def reference_available(name: str) -> bool:
    """Whether the package behind reference solver ``name`` (``"lkh"`` or ``"hgs"``) is installed."""
    if name not in PACKAGES:
        raise SolverError(f"unknown reference solver {name!r}; expected one of {sorted(PACKAGES)}")
    return importlib.util.find_spec(PACKAGES[name]) is not None


def _require(name: str) -> Any:
    pkg = PACKAGES[name]
    try:
        return importlib.import_module(pkg)
    except ImportError:
        raise SolverError(f"{name} needs the optional package {pkg!r} (pip install 'routing-gym[refs]')") from None


def reference_scale(distances: np.ndarray, is_integer: bool, scale: float | None) -> float:
    """Multiplier that turns ``distances`` into integers: 1 for integer instances, else ``scale`` or automatic."""
    if scale is not None:
        if not scale > 0:
            raise SolverError(f"scale must be > 0, got {scale!r}")
        return float(scale)
    if is_integer:
        return 1.0
    top = float(np.max(distances)) if distances.size else 0.0
    if top <= 0:
        return 1.0
    return float(10 ** math.floor(math.log10(1e6 / top)))


# ---------------------------------------------------------------------------
# LKH-3 through elkai
# ---------------------------------------------------------------------------

#: LKH parameters accepted as spec keys (lower case here, upper case in LKH's parameter file)
LKH_INT_PARAMS = ("runs", "max_trials", "max_candidates", "move_type", "kicks", "population_size")
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


@register_solver("lkh")
class LKHSolver(Solver):
    """LKH-3 (Helsgaun) through ``elkai``: the TSP reference.

    :param runs: LKH ``RUNS``; further LKH integer parameters as keywords (see :data:`LKH_INT_PARAMS`).
    :param scale: multiplier of float distances (default automatic, see :func:`reference_scale`).
    """

    problems = ("tsp",)

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0, scale: float | None = None, runs: int = 1,
                 **lkh_params: Any) -> None:
        super().__init__(time_limit, seed)
        unknown = set(lkh_params) - set(LKH_INT_PARAMS)
        if unknown:
            raise SolverError(f"lkh: unknown parameter(s) {sorted(unknown)}; expected {list(LKH_INT_PARAMS)}")
        params = {"runs": runs, **lkh_params}
        for k, v in params.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise SolverError(f"lkh: {k} must be a positive integer, got {v!r}")
        self.params = params
        self.scale = scale

    def parameter_text(self) -> str:
        lines = ["PROBLEM_FILE = :stdin:", f"SEED = {self.seed + 1}"]
        lines += [f"{k.upper()} = {v}" for k, v in self.params.items()]
        if self.time_limit is not None:
            lines.append(f"TIME_LIMIT = {self.time_limit}")
        return "\n".join(lines) + "\n"

    def solve(self, instance: TSPInstance) -> list[int]:
        hook = self.hooks.get(problem_of(instance).name)
        if hook is not None:  # a problem added by its own baselines module (``@LKHSolver.for_problem``)
            return hook(self, instance)
        elkai = _require("lkh")
        n = instance.num_nodes
        if n <= 3:  # LKH needs at least 3 nodes; for 3 try both orientations
            d = instance.distances
            if n < 3:
                return list(range(n))
            return [0, 1, 2] if d[0, 1] + d[1, 2] + d[2, 0] <= d[0, 2] + d[2, 1] + d[1, 0] else [0, 2, 1]
        problem, _ = lkh_problem(instance, self.scale)
        # elkai's public DistanceMatrix.solve_tsp only takes `runs`; its C entry point takes
        # LKH's parameter file and problem text as they are, so SEED etc. can be passed.
        tour = elkai._elkai.solve_problem(self.parameter_text(), problem)
        tour = [int(i) - 1 for i in tour]
        if len(tour) > n:  # some versions close the cycle
            tour = tour[:n]
        return tour


# ---------------------------------------------------------------------------
# HGS through PyVRP
# ---------------------------------------------------------------------------


def pyvrp_data(instance: CVRPInstance, scale: float | None = None) -> tuple[Any, float]:
    """``pyvrp.ProblemData`` for ``instance``: integer scaled distances, one vehicle type, a fleet of ``n``."""
    pyvrp = _require("hgs")
    d = instance.distances
    s = reference_scale(d, instance.is_integer, scale)
    di = np.rint(np.asarray(d, dtype=np.float64) * s).astype(np.int64)
    np.fill_diagonal(di, 0)
    n = instance.num_customers
    pts = np.asarray(instance.positions, dtype=np.float64)
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in pts]
    clients = [pyvrp.Client(location=i, delivery=[int(instance.demands[i])]) for i in range(1, n + 1)]
    depots = [pyvrp.Depot(location=0)]
    vehicles = [pyvrp.VehicleType(num_available=n, capacity=[int(instance.capacity)])]
    data = pyvrp.ProblemData(locations, clients, depots, vehicles, [di], [np.zeros_like(di)])
    return data, s


@register_solver("hgs")
class HGSSolver(Solver):
    """PyVRP's iterated local search (the HGS line of work) for CVRP, until ``time_limit``: the CVRP reference.

    :param scale: multiplier of float distances (default automatic, see :func:`reference_scale`).
    """

    problems = ("cvrp",)

    def __init__(self, time_limit: float = 1.0, seed: int = 0, scale: float | None = None) -> None:
        super().__init__(time_limit, seed)
        if self.time_limit is None:
            raise SolverError("hgs: needs a time_limit")
        self.scale = scale

    def solve(self, instance: CVRPInstance) -> list[list[int]]:
        pyvrp = _require("hgs")
        from pyvrp.stop import MaxRuntime

        data, _ = pyvrp_data(instance, self.scale)
        result = pyvrp.solve(data, MaxRuntime(self.time_limit), seed=self.seed, collect_stats=False, display=False)
        best = result.best
        if not best.is_feasible():
            raise TimeoutError(f"HGS found no feasible solution in {self.time_limit} s")
        routes = []
        for route in best.routes():
            visits = [data.client(a.idx).location for a in route if a.is_client()]
            if visits:
                routes.append([int(v) for v in visits])
        return routes
