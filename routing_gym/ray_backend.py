"""Ray as the comparison's worker pool: instances × solvers as Ray tasks, on one machine or a cluster.

    routing-gym compare --env routing_gym/TSP-v0 --solvers nn,ortools:time_limit=1 --backend ray
    routing-gym compare ... --backend ray --address ray://head:10001      # an existing cluster

:func:`run_tasks` is :func:`routing_gym.compare.compare`'s ``backend="ray"``: it receives the
same tasks and reports each result to the same ``on_result`` as the local process pool, so the
results files, the progress bar, the journal (``--resume``) and the failure rows are the
comparison's own. Each task runs :func:`routing_gym.compare._solve_and_judge` in a Ray worker
(the same judging code: the solution is replayed through the env there), and:

- a solver that raises is a ``failed`` row (caught in the worker, as locally);
- a worker process that dies (``os._exit``, a segfault, a SIGKILL, the OOM killer) is a
  ``failed`` row naming Ray's error; tasks never retry (``max_retries=0``), and the run goes on;
- a solve past its ``time_limit`` + ``grace`` (+ :data:`~routing_gym.compare.FIRST_SOLVE_EXTRA_S`
  in a worker's first solve with a solver) is cancelled with its worker and is a ``timeout``
  row with the local pool's message. Workers report their phase (warm-up, solve, judge) to a
  small :class:`_PhaseBoard` actor, so the deadlines are those of the local pool and a task
  waiting in Ray's queue is never timed out.

Each instance goes into the object store once (``ray.put``), shared by its solver tasks; at most
:data:`TASKS_PER_CPU` tasks per cluster CPU are in flight, so memory stays bounded on long runs.
Without ``address`` a local Ray instance with ``jobs`` CPUs starts, and stops with the run.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import time
from collections import deque
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from routing_gym.baselines.base import SolveResult
from routing_gym.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from routing_gym.compare import Judgement, _Task

try:
    import ray
except ImportError:  # the optional extra routing-gym[ray] is not installed
    ray = None

#: Tasks in flight per cluster CPU: enough to keep every worker busy, few enough to bound memory.
TASKS_PER_CPU = 4
#: Seconds between looks at the phase board (and at the deadlines) while no result arrives.
POLL_S = 0.5


def require_ray() -> Any:
    """The ``ray`` module, or a one-line :class:`~routing_gym.errors.ConfigError` naming the extra to install."""
    if ray is None:
        raise ConfigError("the Ray backend needs ray: pip install 'routing-gym[ray]' (or pip install 'ray[default]')")
    return ray


def init_local(num_cpus: int | None = None) -> None:
    """Start a local Ray instance whose workers import what this process imports (its ``sys.path``)."""
    require_ray()
    path = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
    ray.init(num_cpus=num_cpus, include_dashboard=False, logging_level="error", log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})


def check_address(address: str, timeout: float = 5.0) -> None:
    """A ``host:port`` (or ``ray://host:port``) address must accept a connection within ``timeout`` seconds:
    Ray itself retries an unreachable address for minutes. ``auto`` and other forms are left to Ray."""
    import socket

    host, sep, port = address.split("://", 1)[-1].rpartition(":")
    if not sep or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConfigError(f"address {address}: no Ray cluster answers there ({exc})") from None


@contextmanager
def connected(address: str | None, num_cpus: int | None) -> Iterator[None]:
    """Connected to Ray for the block: the cluster at ``address``, the instance already started in
    this process, or a local instance of ``num_cpus`` CPUs started here and stopped afterwards."""
    require_ray()
    if ray.is_initialized():
        yield
        return
    try:
        if address is None:
            init_local(num_cpus)
        else:
            ray.init(address=address, logging_level="error", log_to_driver=False)
    except ConnectionError as exc:
        raise ConfigError(f"address {address}: cannot connect to a Ray cluster ({exc})") from None
    try:
        yield
    finally:
        _BOARD.clear()
        ray.shutdown()


# --- the worker side ---------------------------------------------------------------------------------


class _PhaseBoard:
    """Where each task stands: its phases (``warmup``, ``solve``, ``judge``) with the board's own clock.

    One clock for every deadline, whatever the nodes' clocks say; a task that has not reported
    yet is waiting in Ray's queue (or starting a worker) and has no deadline.
    """

    def __init__(self) -> None:
        self.phases: dict[Any, list[tuple[str, float, int]]] = {}

    def mark(self, key: Any, phase: str, pid: int) -> None:
        self.phases.setdefault(key, []).append((phase, time.monotonic(), pid))

    def read(self) -> tuple[float, dict[Any, list[tuple[str, float, int]]]]:
        return time.monotonic(), self.phases

    def forget(self, key: Any) -> None:
        self.phases.pop(key, None)


def _solve_task(key: Any, env_id: str, spec: str, defaults: dict[str, Any], modules: tuple[str, ...],
                instance: Any, board: Any) -> tuple[SolveResult, "Judgement | None"]:
    """One (instance, solver) pair in a Ray worker: :func:`routing_gym.compare._solve_and_judge`."""
    import routing_gym  # noqa: F401 - registers the env ids
    from routing_gym.compare import _solve_and_judge

    for module in modules:  # the modules registering the solver classes (e.g. a test module)
        importlib.import_module(module)

    def notify(phase: str) -> None:  # waits for the board: a worker that dies next is known to have died in this phase
        ray.get(board.mark.remote(key, phase, os.getpid()))

    return _solve_and_judge(env_id, spec, defaults, instance, notify=notify)


# --- the driver side ---------------------------------------------------------------------------------

_BOARD: dict[str, Any] = {}  # the phase board of this driver's Ray session, reused by its runs


def _phase_board() -> Any:
    """This driver's :class:`_PhaseBoard` actor (an actor is a process of its own, slow to start: one per session)."""
    board = _BOARD.get("handle")
    if board is not None:
        try:
            ray.get(board.read.remote(), timeout=30)
            return board
        except Exception:  # noqa: BLE001 - a board of an earlier Ray session: make a new one
            pass
    _BOARD["handle"] = ray.remote(num_cpus=0)(_PhaseBoard).remote()
    return _BOARD["handle"]


class _InFlight:
    """A submitted task: its Ray reference and what the board last said of it."""

    def __init__(self, task: "_Task", ref: Any) -> None:
        self.task, self.ref = task, ref
        self.phase, self.since, self.pid, self.first = "queued", math.nan, 0, False
        self.t_solve: float | None = None

    def update(self, events: list[tuple[str, float, int]]) -> None:
        self.phase, self.since, self.pid = events[-1]
        self.first = any(p == "warmup" for p, _, _ in events)  # this worker built the solver: its first solve
        self.t_solve = next((t for p, t, _ in events if p == "solve"), None)


def run_tasks(tasks: Sequence["_Task"], env_id: str, defaults: dict[str, Any], limits: dict[str, float | None],
              modules: dict[str, tuple[str, ...]], grace: float,
              on_result: Callable[["_Task", SolveResult, "Judgement | None"], None]) -> None:
    """Run ``tasks`` as Ray tasks on the connected cluster (see :func:`connected`); report each to ``on_result``."""
    require_ray()
    _RayRun(tasks, env_id, defaults, limits, modules, grace, on_result).run()


class _RayRun:
    """One comparison's tasks on Ray: a bounded window in flight, results as they come, the deadlines."""

    def __init__(self, tasks: Sequence["_Task"], env_id: str, defaults: dict[str, Any],
                 limits: dict[str, float | None], modules: dict[str, tuple[str, ...]], grace: float,
                 on_result: Callable[["_Task", SolveResult, "Judgement | None"], None]) -> None:
        self.env_id, self.defaults, self.limits, self.modules, self.grace = env_id, defaults, limits, modules, grace
        self.on_result = on_result
        self.solve = ray.remote(num_cpus=1, max_retries=0)(_solve_task)
        self.board = _phase_board()
        self.run_id = os.urandom(4).hex()  # this run's keys on the board
        self.window = max(1, TASKS_PER_CPU * int(ray.cluster_resources().get("CPU", 1)))
        self.pending = deque(tasks)
        self.stored: dict[int, Any] = {}  # instance index -> its object-store reference, while tasks need it
        self.left = {t.index: 0 for t in tasks}  # tasks still to finish per instance
        for t in tasks:
            self.left[t.index] += 1
        self.running: dict[Any, _InFlight] = {}
        self.next_look = 0.0  # when to read the phase board next

    def run(self) -> None:
        try:
            while self.pending or self.running:
                self._submit()
                self._collect()
                if self.running and time.monotonic() >= self.next_look:
                    self.next_look = time.monotonic() + POLL_S
                    self._enforce_deadlines()
        finally:
            for ref in list(self.running):
                ray.cancel(ref, force=True)

    def _key(self, t: "_Task") -> tuple:
        return self.run_id, t.index, t.spec

    def _submit(self) -> None:
        while self.pending and len(self.running) < self.window:
            t = self.pending.popleft()
            if t.index not in self.stored:
                self.stored[t.index] = ray.put(t.instance)  # once per instance, shared by its solvers' tasks
            ref = self.solve.remote(self._key(t), self.env_id, t.spec, self.defaults, self.modules[t.spec],
                                    self.stored[t.index], self.board)
            self.running[ref] = _InFlight(t, ref)

    def _collect(self) -> None:
        """Wait up to :data:`POLL_S` for a result; take it and every other one already in."""
        ready, rest = ray.wait(list(self.running), num_returns=1, timeout=POLL_S)
        if ready and rest:
            ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        for ref in ready:
            f = self.running[ref]
            try:
                res, ver = ray.get(ref)
            except ray.exceptions.RayError as exc:  # the worker died (or Ray lost the task): a failure row
                now, phases = ray.get(self.board.read.remote())
                f.update(phases.get(self._key(f.task), [("start-up", now, 0)]))
                elapsed = 0.0 if f.t_solve is None else now - f.t_solve
                res, ver = SolveResult(None, elapsed, "failed", f"worker process died during {f.phase} "
                                                                 f"({_ray_reason(exc)})"), None
            self._finish(f, res, ver)

    def _enforce_deadlines(self) -> None:
        """Cancel, with its worker, every task past the deadline of its phase (a hung solver cannot be stopped otherwise)."""
        from routing_gym.compare import _timeout_result

        now, phases = ray.get(self.board.read.remote())
        for f in list(self.running.values()):
            f.update(phases.get(self._key(f.task), [("queued", math.nan, 0)]))
            if now > self._deadline(f):
                ray.cancel(f.ref, force=True)
                elapsed = 0.0 if f.t_solve is None else now - f.t_solve
                self._finish(f, _timeout_result(f.phase, self.limits.get(f.task.spec), self.grace, f.first, elapsed), None)

    def _deadline(self, f: _InFlight) -> float:
        """The local pool's deadline of the task's phase, on the board's clock."""
        from routing_gym.compare import FIRST_SOLVE_EXTRA_S, JUDGE_TIMEOUT_S, WARMUP_TIMEOUT_S

        if f.phase == "warmup":
            return f.since + WARMUP_TIMEOUT_S
        if f.phase == "solve":
            extra = FIRST_SOLVE_EXTRA_S if f.first else 0.0
            return f.since + (self.limits.get(f.task.spec) or 0.0) + self.grace + extra
        if f.phase == "judge":
            return f.since + JUDGE_TIMEOUT_S
        return math.inf  # queued: Ray's to schedule

    def _finish(self, f: _InFlight, res: SolveResult, ver: "Judgement | None") -> None:
        del self.running[f.ref]
        self.board.forget.remote(self._key(f.task))
        self.left[f.task.index] -= 1
        if not self.left[f.task.index]:
            self.stored.pop(f.task.index, None)  # the object store may drop the instance now
        self.on_result(f.task, res, ver)


def _ray_reason(exc: BaseException) -> str:
    """Ray's error on one line: its type and the first line of its message."""
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}"[:300]


# --- labelling for imitation -------------------------------------------------------------------------


class RayLabeller:
    """A labelling solver spec run on Ray: :func:`routing_gym.agents.imitation.label_instances` gives it every
    instance at once (:meth:`label_all`) instead of solving them one by one in its own process.

    :param spec: the labelling solver spec (its cache key is the spec's, so labels are shared with local runs).
    :param address: a Ray cluster (``None``: a local instance of ``jobs`` CPUs for the labelling).
    :param jobs: CPUs of the local instance.
    """

    def __init__(self, spec: str, address: str | None = None, jobs: int | None = None) -> None:
        require_ray()
        self.spec, self.address, self.jobs = spec, address, jobs

    @property
    def name(self) -> str:
        return self.spec

    def __repr__(self) -> str:
        return f"RayLabeller({self.spec!r}, address={self.address!r})"

    def label_all(self, instances: Sequence[Any], progress: bool = False) -> tuple[list[Any], np.ndarray]:
        """Solutions (JSON-ready; ``None`` where the solver failed or was infeasible) and their harness costs (NaN there).

        Every (instance, label) pair runs through :func:`routing_gym.compare.compare` with the Ray backend:
        the labels are judged by replaying them in the env, exactly as compared solutions are. The
        costs are then those of local labelling (the problem's ``evaluate``; the replayed sum of
        rewards can differ from it in the last bit), so a label cache is the same from either.
        """
        import json

        from routing_gym.agents.train import harness_cost
        from routing_gym.compare import compare
        from routing_gym.envs import evaluate
        from routing_gym.registry import problem_of

        env_id = problem_of(instances[0]).env_id
        result = compare(env_id, [self.spec], instances=list(instances), backend="ray",
                         address=self.address, jobs=self.jobs or 1, progress=progress, plots=False)
        sols: list[Any] = []
        costs = np.full(len(instances), np.nan)
        for i, row in enumerate(result.rows):  # one solver: rows are in instance order
            ok = row.feasible and row.solution is not None
            sols.append(json.loads(json.dumps(row.solution, default=int)) if ok else None)
            if ok:
                costs[i] = harness_cost(instances[i], evaluate(instances[i], row.solution).cost)
        return sols, costs

