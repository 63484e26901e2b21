"""The one solver interface, and the registry that resolves solver specs.

A solver takes an instance and returns a solution in the problem's format
(TSP: list of node indices in visiting order; CVRP: list of routes of customer
indices, without the depot). Calling a solver returns a :class:`SolveResult`
that records the time and, when the solver failed, an explicit failure status
and message, so a failing solver shows in every table instead of vanishing.

Specs have the form ``name[:key=value[:key=value]]``, e.g. ``ortools:time_limit=1``.
"""

from __future__ import annotations

import math
import time
from abc import ABC
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from routing_gym.envs.validation import freeze_arrays
from routing_gym.errors import SolverError

@dataclass
class SolveResult:
    """What one solver run produced.

    :param solution: the solution, or ``None`` when the run failed.
    :param time_s: wall-clock seconds spent.
    :param status: ``"ok"``, ``"failed"`` (raised or returned nothing), ``"timeout"``
        (no solution within the limit) or ``"unsupported"`` (wrong problem).
    :param message: why it failed.
    """

    solution: Any | None
    time_s: float
    status: str = "ok"
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.solution is not None


class Solver(ABC):
    """Base class of every solver.

    Subclasses set :attr:`name` and :attr:`problems` (the names of the registered
    problems they handle, see :mod:`routing_gym.registry`) and implement
    :meth:`solve`. Constructor keywords are the spec's ``key=value`` pairs;
    ``time_limit`` (seconds per instance) and ``seed`` are common to all.

    A solver with one method per problem subclasses :class:`Solver` and gets its
    per-problem work from hooks: ``@ILS.for_problem("cvrptw")`` on a function
    ``solve(solver, instance)`` in ``baselines/cvrptw/`` adds the problem to
    ``ILS.problems``; the default :meth:`solve` dispatches to it.
    """

    name: ClassVar[str] = ""
    problems: ClassVar[tuple[str, ...]] = ()
    #: per-problem ``solve(solver, instance)`` functions (each subclass gets its own dict)
    hooks: ClassVar[dict[str, Callable[[Any, Any], Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.hooks = dict(cls.hooks)

    @classmethod
    def for_problem(cls, problem: str) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
        """Decorator: ``fn(solver, instance)`` solves ``problem`` for this solver class."""

        def deco(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
            cls.hooks[problem] = fn
            if problem not in cls.problems:
                cls.problems = (*cls.problems, problem)
            return fn

        return deco

    def __init__(self, time_limit: float | None = 1.0, seed: int = 0) -> None:
        self.time_limit = check_time_limit(self.name, time_limit)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise SolverError(f"{self.name}: seed must be an integer, got {seed!r}")
        self.seed = int(seed)

    def solve(self, instance: Any) -> Any:
        """Return a solution for ``instance``; raise on failure. Default: the problem's hook."""
        from routing_gym.registry import problem_of

        name = problem_of(instance).name
        if name not in self.hooks:
            load_problem_hooks()  # a solver class used without make_solver: its hooks may not be imported yet
        if name not in self.hooks:
            raise SolverError(f"{self.name} does not handle {name} instances; it handles {', '.join(self.problems) or 'none'}")
        return self.hooks[name](self, instance)

    def warmup(self) -> None:
        """Solve tiny instances of each supported problem once, untimed.

        JIT compilation (numba), lazy imports and model loading then happen here
        instead of inside the first timed run. Failures are ignored: the timed
        run reports them.
        """
        from routing_gym.registry import get_problem

        saved = self.time_limit
        self.time_limit = 0.1 if saved is None else min(saved, 0.1)
        try:
            for name in self.problems:
                tiny = get_problem(name).tiny_instance()
                # Twice: in the first run, compiling (or loading) the set-up kernels can use up the
                # short budget before a time-limited search calls its inner kernels; the second
                # run reaches them. Without it, the first timed run paid that compilation.
                for _ in range(2):
                    try:
                        self.solve(tiny)
                    except Exception:  # noqa: BLE001 - reported by the timed run
                        break
        finally:
            self.time_limit = saved

    def supports(self, instance: Any) -> bool:
        """Whether ``instance`` belongs to one of :attr:`problems`."""
        from routing_gym.registry import UnknownProblemError, problem_of

        load_problem_hooks()
        try:
            return problem_of(instance).name in self.problems
        except UnknownProblemError:
            return False

    def __call__(self, instance: Any) -> SolveResult:
        """Run :meth:`solve`, timing it and turning any failure into an explicit result."""
        try:
            supported = self.supports(instance)
        except Exception as exc:  # noqa: BLE001 - e.g. a corrupt checkpoint: a failure row, not a crash
            return SolveResult(None, 0.0, "failed", f"{type(exc).__name__}: {exc}")
        if not supported:
            return SolveResult(None, 0.0, "unsupported", f"{self.name} does not handle {type(instance).__name__}")
        freeze_arrays(instance)  # unpickled instances come back writable: keep numba on its warmed-up types
        t0 = time.perf_counter()
        try:
            sol = self.solve(instance)
        except TimeoutError as exc:
            return SolveResult(None, time.perf_counter() - t0, "timeout", str(exc) or "no solution within the time limit")
        except Exception as exc:  # noqa: BLE001 - reported as an explicit failure row, never dropped
            return SolveResult(None, time.perf_counter() - t0, "failed", f"{type(exc).__name__}: {exc}")
        dt = time.perf_counter() - t0
        if sol is None:
            return SolveResult(None, dt, "failed", "solver returned no solution")
        return SolveResult(sol, dt)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(time_limit={self.time_limit}, seed={self.seed})"


def check_time_limit(name: str, time_limit: Any) -> float | None:
    """``time_limit`` as seconds (``None``: no limit); NaN, infinite, zero or negative raise."""
    if time_limit is None:
        return None
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float, np.integer, np.floating)):
        raise SolverError(f"{name}: time_limit must be a number of seconds, got {time_limit!r}")
    if not math.isfinite(time_limit) or time_limit <= 0:
        raise SolverError(f"{name}: time_limit must be a finite number > 0, got {time_limit!r}")
    return float(time_limit)


_REGISTRY: dict[str, Callable[..., Solver]] = {}


def register_solver(name: str) -> Callable[[type[Solver]], type[Solver]]:
    """Class decorator: make a solver available to :func:`make_solver` under ``name``."""

    def deco(cls: type[Solver]) -> type[Solver]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise SolverError(f"solver name {name!r} registered twice")
        _REGISTRY[name] = cls
        cls.name = name
        return cls

    return deco


def parse_value(text: str) -> Any:
    """A spec value: ``true``/``false``, ``none``, an int, a float, or the text itself."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"mcts:time_limit=2:seed=3"`` -> ``("mcts", {"time_limit": 2, "seed": 3})``."""
    parts = [p for p in spec.strip().split(":")]
    name, params = parts[0].strip(), {}
    if not name:
        raise SolverError(f"solver spec {spec!r}: missing solver name")
    for p in parts[1:]:
        if "=" not in p:
            raise SolverError(f"solver spec {spec!r}: expected key=value, got {p!r}")
        k, v = p.split("=", 1)
        params[k.strip()] = parse_value(v.strip())
    return name, params


def available_solvers() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def make_solver(spec: str, **defaults: Any) -> Solver:
    """Build a solver from a spec; ``defaults`` (e.g. ``time_limit``) apply unless the spec sets them."""
    _load_builtin()
    name, params = parse_spec(spec)
    if name not in _REGISTRY:
        raise SolverError(f"unknown solver {name!r}; available: {', '.join(sorted(_REGISTRY))}")
    cls = _REGISTRY[name]
    kwargs = {**defaults, **params}
    try:
        solver = cls(**kwargs)
    except TypeError as exc:
        raise SolverError(f"solver spec {spec!r}: {exc}") from None
    solver.spec = spec  # type: ignore[attr-defined]
    return solver


#: modules of the generic solvers (problem-specific hooks come from each problem's ``baselines`` module);
#: the solvers that play trained policies (``agent``, ``agv-ppo``) live with the agents and are
#: imported by name, so baselines never import agents
BUILTIN_MODULES = (
    "routing_gym.baselines.constructions", "routing_gym.baselines.ils", "routing_gym.baselines.ortools_solver",
    "routing_gym.baselines.mcts", "routing_gym.baselines.references", "routing_gym.agents.agent_solver",
    "routing_gym.agents.warehouse_agv_solver",
)


def load_problem_hooks() -> None:
    """Import every registered problem's ``baselines`` module, so that its solver hooks (and solvers) are registered."""
    import importlib

    from routing_gym.registry import problems

    for p in problems().values():
        if p.baselines:
            importlib.import_module(p.baselines)


def _load_builtin() -> None:
    """Import the modules that register the built-in solvers (lazily, to keep imports light)."""
    import importlib

    for mod in BUILTIN_MODULES:
        importlib.import_module(mod)
    load_problem_hooks()


def warm_up_kernels() -> float:
    """Compile (or load from numba's cache) every problem's kernels: each ``baselines`` module's ``warm_up()``.

    The first run in a fresh environment compiles for tens of seconds; later
    processes load the cache in about a second. Run once after installation (or
    at the start of a CI job) so that timed runs do not include compilation.

    :returns: seconds spent.
    """
    import importlib

    from routing_gym.registry import problems

    t0 = time.perf_counter()
    for p in problems().values():
        warm_up = getattr(importlib.import_module(p.baselines), "warm_up", None) if p.baselines else None
        if warm_up is not None:
            warm_up()
    return time.perf_counter() - t0
