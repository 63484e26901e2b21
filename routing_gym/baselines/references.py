"""Reference solvers of record: LKH-3 (``lkh``, via ``elkai``) and HGS (``hgs``, via ``pyvrp``).

The generic solver classes (parameters, package checks, integer scaling) live
here; each problem's use of them is a hook in its folder: ``lkh`` on TSP in
:mod:`routing_gym.baselines.tsp.lkh`, ``hgs`` on CVRP in :mod:`routing_gym.baselines.cvrp.hgs`.

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

import importlib
import importlib.util
import math
from typing import Any

import numpy as np

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.errors import SolverError

#: the optional package each reference needs
PACKAGES = {"lkh": "elkai", "hgs": "pyvrp"}


def reference_available(name: str) -> bool:
    """Whether the package behind reference solver ``name`` (``"lkh"`` or ``"hgs"``) is installed."""
    if name not in PACKAGES:
        raise SolverError(f"unknown reference solver {name!r}; expected one of {sorted(PACKAGES)}")
    return importlib.util.find_spec(PACKAGES[name]) is not None


def require(name: str) -> Any:
    """The optional package behind reference solver ``name``, imported; a :class:`SolverError` naming it if missing."""
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


@register_solver("lkh")
class LKHSolver(Solver):
    """LKH-3 (Helsgaun) through ``elkai``: the TSP reference; each problem's hook writes LKH's problem text.

    :param runs: LKH ``RUNS``; further LKH integer parameters as keywords (see :data:`LKH_INT_PARAMS`).
    :param scale: multiplier of float distances (default automatic, see :func:`reference_scale`).
    """

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


# ---------------------------------------------------------------------------
# HGS through PyVRP
# ---------------------------------------------------------------------------


@register_solver("hgs")
class HGSSolver(Solver):
    """PyVRP's iterated local search (the HGS line of work), until ``time_limit``: the VRP reference.

    :param scale: multiplier of float distances (default automatic, see :func:`reference_scale`).
    """

    def __init__(self, time_limit: float = 1.0, seed: int = 0, scale: float | None = None) -> None:
        super().__init__(time_limit, seed)
        if self.time_limit is None:
            raise SolverError("hgs: needs a time_limit")
        self.scale = scale
