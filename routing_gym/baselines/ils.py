"""Iterated local search (``ils``): the generic solver; each problem's search is a hook in its folder.

The solver holds the parameters and the budget loop (:meth:`IteratedLocalSearchSolver._run`);
a problem's hook builds the start solution (``init``), runs its numba kernel in
chunks through ``_run`` and returns the best solution found. It runs until
``time_limit`` seconds, or for ``iterations`` rounds when given (then the result
depends only on ``seed``).

A problem adds itself, with the constructions ``init`` may name (the first is its default)::

    @IteratedLocalSearchSolver.for_problem("tsp", inits=("nn", "farthest", "cheapest"))
    def ils_tsp(solver, instance): ...

TSP (:mod:`routing_gym.baselines.tsp.ils`): start from a construction plus local
search, then repeat: double-bridge kick, local search, accept if not worse.
CVRP (:mod:`routing_gym.baselines.cvrp.ils`): ruin and recreate, local search,
accept if not worse than the current cost plus a threshold that falls to 0 over the run.

The numeric work is numba-compiled with ``cache=True``: the first call in a fresh
environment compiles (seconds), later processes load the cache.
"""

from __future__ import annotations

import time
from typing import Any, Callable, ClassVar, Sequence

from routing_gym.baselines.base import Solver, load_problem_hooks, register_solver
from routing_gym.errors import SolverError


@register_solver("ils")
class IteratedLocalSearchSolver(Solver):
    """Iterated local search, until ``time_limit`` and/or for ``iterations`` rounds.

    Without either it runs 1 s; with ``iterations`` only, the result depends only on the seed.
    The keys below are those of the TSP and CVRP searches; other problems' hooks read those that apply.

    :param init: start construction, one of the problem's ``inits`` (TSP: ``nn`` (default), ``farthest``
        or ``cheapest``; CVRP: ``savings`` (default), ``nn`` or ``sweep``).
    :param iterations: stop after this many rounds (``None``: only the time limit stops it).
    :param neighbours: local-search candidates per node (default 20; on TSP100 at 1 s, 10 left one
        instance in ten stuck at 1.6% above LKH, 20 none above it).
    :param kick: TSP: longest segment a double-bridge kick moves (default 50).
    :param ruin: CVRP: mean number of customers a ruin removes (default ``min(10, n / 4)``).
    :param blink: CVRP: probability of skipping an insertion position in the recreate step.
    :param threshold: CVRP: a round is accepted when it is at most ``threshold`` times the
        mean edge cost of the start solution worse than the current one, the threshold
        falling linearly to 0 over the run (0: accept only if not worse). Default 1: on
        CVRP100 at 2-5 s it gave about 0.5% lower costs than 0, which stalls in the
        first deep local optimum (measured on 4 instances).
    """

    #: per problem, the constructions ``init`` may name (the first is the default)
    inits: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def for_problem(cls, problem: str, inits: Sequence[str] = ()) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
        """Decorator: ``fn(solver, instance)`` is the search on ``problem``, starting from one of ``inits``."""
        cls.inits = {**cls.inits, problem: tuple(inits)}
        return super().for_problem(problem)

    def __init__(self, time_limit: float | None = None, seed: int = 0, init: str | None = None,
                 iterations: int | None = None, neighbours: Any = None, kick: int = 50, ruin: float | None = None,
                 blink: float = 0.01, threshold: float = 1.0) -> None:
        if time_limit is None and iterations is None:
            time_limit = 1.0
        super().__init__(time_limit, seed)
        if init is not None:
            load_problem_hooks()
            known = sorted(set().union(*self.inits.values()))
            if init not in known:
                raise SolverError(f"ils: unknown init {init!r}; expected one of {known}")
        if iterations is not None and int(iterations) < 0:
            raise SolverError(f"ils: iterations must be >= 0, got {iterations!r}")
        if int(kick) < 1:
            raise SolverError(f"ils: kick must be >= 1, got {kick!r}")
        if ruin is not None and not ruin >= 1:
            raise SolverError(f"ils: ruin must be >= 1, got {ruin!r}")
        if not 0.0 <= blink < 1.0:
            raise SolverError(f"ils: blink must be in [0, 1), got {blink!r}")
        if not threshold >= 0.0:
            raise SolverError(f"ils: threshold must be >= 0, got {threshold!r}")
        self.init = init
        self.iterations = None if iterations is None else int(iterations)
        self.neighbours = neighbours
        self.kick = int(kick)
        self.ruin = ruin
        self.blink = float(blink)
        self.threshold = float(threshold)

    def init_for(self, problem: str) -> str:
        """The start construction on ``problem``: ``init``, or the problem's default; raises if it does not apply."""
        names = self.inits.get(problem, ())
        init = self.init or (names[0] if names else None)
        if init not in names:
            raise SolverError(f"ils: init {init!r} does not build {problem} solutions; use one of {sorted(names)}")
        return init

    def _run(self, step: Callable[[int, float], None], t0: float) -> None:
        """Call ``step(iterations, progress)`` in chunks of about 20 ms until the time or iteration budget is spent."""
        done = 0
        chunk = 1
        if self.time_limit is None:  # fixed chunks: the run (threshold schedule included) is clock-free
            chunk = max(1, -(-self.iterations // 100))
        while True:
            left_iter = None if self.iterations is None else self.iterations - done
            if left_iter is not None and left_iter <= 0:
                return
            elapsed = time.perf_counter() - t0
            if self.time_limit is not None and elapsed >= self.time_limit:
                return
            # fraction of the budget spent (drives the CVRP acceptance threshold); by iterations
            # when they are given, so that an iteration-limited run does not depend on the clock
            if self.iterations:
                progress = done / self.iterations
            else:
                progress = elapsed / self.time_limit
            k = chunk if left_iter is None else min(chunk, left_iter)
            t1 = time.perf_counter()
            step(k, min(progress, 1.0))
            dt = time.perf_counter() - t1
            done += k
            if self.time_limit is None:
                continue
            # aim at ~20 ms per chunk, never past the deadline by more than a chunk's worth
            per = dt / k if dt > 0 else 1e-6
            target = min(0.02, max(1e-3, (self.time_limit - (time.perf_counter() - t0)) / 2))
            chunk = max(1, min(int(target / per), 4 * k + 1))
