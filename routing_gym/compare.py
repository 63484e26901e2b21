"""The comparison harness: run solvers on the same instances, judge every solution in the env.

Every solution is replayed through the environment (``reset(options=...)``
then one ``step`` per action); the cost that counts is minus the summed reward,
cross-checked against :func:`routing_gym.envs.evaluate`. A solver that fails or
returns an infeasible solution appears as such in the table; it never drops out.

    from routing_gym.compare import compare
    result = compare("routing_gym/TSP-v0", ["nn", "ortools:time_limit=1"], num_instances=10, num_nodes=50)
    print(result.table())

A comparison loses nothing:

- every argument is checked before any solver runs (env id, solver specs,
  numbers, files and their problem, the output folder), raising
  :class:`~routing_gym.errors.ConfigError` (or the solver's / instance's error);
- a solver that raises is a ``failed`` row; with worker processes
  (``jobs > 1`` or ``isolate=True``, as the command line always runs), one that
  runs past its ``time_limit`` plus ``grace`` seconds is killed and becomes a
  ``timeout`` row (a worker's first solve with a solver gets
  :data:`FIRST_SOLVE_EXTRA_S` more, for JIT compilation the warm-up missed), and
  one whose worker process dies (a crash, ``os._exit``, the OOM killer) becomes a
  ``failed`` row naming the exit code; the run goes on with a fresh worker;
- with ``out``, each row is appended to ``results.csv`` and ``solutions.jsonl``
  as it arrives (gaps are filled in when the run ends), so a run killed at 90 %
  keeps 90 %; ``resume=True`` (``routing-gym compare --resume``) then skips the
  (instance, solver) pairs already in ``results.csv``. ``run.json`` records the
  env id, default time limit and a fingerprint of every instance, so a resumed
  run with other instances or settings is refused instead of mixed in.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import importlib
import json
import math
import multiprocessing as mp
import os
import time
import warnings
from collections import deque
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait
from numbers import Integral, Real
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import gymnasium as gym
import numpy as np

from routing_gym.baselines.base import SolveResult, Solver, make_solver
from routing_gym.envs import load_instance
from routing_gym.errors import ConfigError, SolverError

#: The keys of every summary record; a problem's metrics come after them.
_SUMMARY_KEYS = ("solver", "mean_cost", "mean_gap_pct", "time_s", "feasible_pct", "failures")
CSV_COLUMNS = ("instance", "solver", "cost", "gap_pct", "time_s", "feasible", "status", "message", "reference")
#: Seconds a solver may run past its ``time_limit`` (or, without one, at all) before its worker is killed.
GRACE_S = 60.0
#: Seconds a worker may take to start, build a solver and warm it up (JIT compilation, model loading).
WARMUP_TIMEOUT_S = 600.0
#: Extra seconds for a worker's first solve with each solver: JIT compilation the untimed warm-up
#: did not reach (another type specialisation) happens there, and is not a hang.
FIRST_SOLVE_EXTRA_S = 600.0
#: Seconds a worker may take to replay a returned solution through the environment.
JUDGE_TIMEOUT_S = 300.0
#: The files of an output folder (``run.json`` makes ``resume`` safe).
OUTPUT_FILES = ("results.csv", "solutions.jsonl", "summary.csv", "table.txt", "run.json", "gap_vs_time.png", "routes.png")


@dataclass
class Row:
    """One solver on one instance."""

    instance: str
    solver: str
    cost: float
    gap_pct: float
    time_s: float
    feasible: bool
    status: str
    message: str = ""
    reference: str = ""
    solution: Any = field(default=None, repr=False)


@dataclass
class Judgement:
    cost: float
    feasible: bool
    message: str = ""


def judge(env_id: str, instance: Any, solution: Any) -> Judgement:
    """Replay ``solution`` through the environment (:func:`routing_gym.envs.replay`); the env's summed reward is the cost."""
    from routing_gym.envs.replay import replay

    r = replay(env_id, instance, solution)
    return Judgement(r.cost, r.feasible, r.message)


_SOLVERS: dict[tuple[str, tuple], Any] = {}


@dataclass
class _Task:
    """One solver spec on one instance."""

    index: int  # instance index
    name: str  # instance name
    spec: str
    instance: Any = field(repr=False)


def _defaults_key(defaults: dict[str, Any]) -> tuple:
    return tuple(sorted(defaults.items()))


def _solve_and_judge(env_id: str, spec: str, defaults: dict[str, Any], instance: Any,
                     solver: Solver | None = None, notify: Callable[[str], None] | None = None,
                     ) -> tuple[SolveResult, Judgement | None]:
    """Build (once, cached and warmed up), run and judge one solver on one instance; any error is a failure result."""
    key = (spec, _defaults_key(defaults))
    try:
        if key not in _SOLVERS:
            if notify:
                notify("warmup")
            solver = solver if solver is not None else make_solver(spec, **defaults)
            solver.warmup()  # JIT compilation and model loading are not part of the timed run
            _SOLVERS[key] = solver
        if notify:
            notify("solve")
        result = _SOLVERS[key](instance)
        if notify:
            notify("judge")
        verdict = judge(env_id, instance, result.solution) if result.ok else None
    except Exception as exc:  # noqa: BLE001 - a failure row, never a lost run
        return SolveResult(None, 0.0, "failed", f"{type(exc).__name__}: {exc}"), None
    return result, verdict


# --- worker processes -----------------------------------------------------------


def _worker_main(conn: Any) -> None:
    """A worker process: solve tasks sent over ``conn`` until ``None`` or the pipe closes."""
    import signal

    import routing_gym  # noqa: F401 - registers the env ids

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    try:
        conn.send(("ready", None))
    except (BrokenPipeError, EOFError, OSError):
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if msg is None:
            return
        key, env_id, spec, defaults, modules, instance = msg

        def notify(phase: str, key: Any = key) -> None:
            conn.send((phase, key))

        try:
            for module in modules:  # the modules registering the solver classes (e.g. a test module)
                importlib.import_module(module)
            res, ver = _solve_and_judge(env_id, spec, defaults, instance, notify=notify)
        except (BrokenPipeError, EOFError):
            return
        except Exception as exc:  # noqa: BLE001
            res, ver = SolveResult(None, 0.0, "failed", f"{type(exc).__name__}: {exc}"), None
        try:
            conn.send(("done", key, res, ver))
        except (BrokenPipeError, EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable solution
            conn.send(("done", key, SolveResult(None, res.time_s, "failed", f"result cannot be sent back: {exc}"), None))


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit code {code}"


@contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Spawned workers inherit these at start-up: one BLAS / OpenMP / torch thread each (the workers are the parallelism)."""
    keys = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in keys}
    try:
        for k in keys:
            os.environ[k] = "1"
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _Worker:
    """One worker process and the task it runs, with the deadline of its current phase."""

    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True)
        with _single_threaded_children():
            self.proc.start()
        child.close()
        self.task: _Task | None = None
        self.ready = False  # the process is up (it has imported routing_gym)
        self.solved: set[str] = set()  # specs this worker has started solving with
        self.first = False  # the current solve is this worker's first with its solver
        self.phase = "start-up"
        self.deadline = math.inf
        self.t_solve: float | None = None

    def assign(self, task: _Task, payload: tuple) -> None:
        self.task, self.phase, self.t_solve = task, "start-up", None
        self.deadline = time.monotonic() + WARMUP_TIMEOUT_S
        self.conn.send(payload)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            if self.task is None and self.proc.is_alive():
                self.conn.send(None)
                self.proc.join(2)
        except (BrokenPipeError, OSError):
            pass
        self.kill()


def _run_isolated(tasks: list[_Task], env_id: str, defaults: dict[str, Any], limits: dict[str, float | None],
                  modules: dict[str, tuple[str, ...]], jobs: int, grace: float,
                  on_result: Callable[[_Task, SolveResult, Judgement | None], None]) -> None:
    """Run ``tasks`` in ``jobs`` worker processes; hangs and dead workers become failure results."""
    ctx = mp.get_context("spawn")  # torch and numba threads do not survive fork safely
    pending = deque(tasks)
    workers: list[_Worker] = []
    failed_starts = 0  # workers in a row that died before they were up

    def finish(w: _Worker, res: SolveResult, ver: Judgement | None) -> None:
        task, w.task, w.deadline = w.task, None, math.inf
        on_result(task, res, ver)

    def payload(t: _Task) -> tuple:
        return (t.index, t.spec), env_id, t.spec, defaults, modules[t.spec], t.instance

    try:
        while pending or any(w.task is not None for w in workers):
            idle = sum(w.task is None for w in workers)
            for _ in range(min(jobs - len(workers), len(pending) - idle)):
                workers.append(_Worker(ctx))  # started together, so their start-ups overlap
            for w in list(workers):
                if w.task is not None or not pending:
                    continue
                t = pending.popleft()
                try:
                    w.assign(t, payload(t))
                except (BrokenPipeError, EOFError, OSError):  # it died while idle: retry the task elsewhere
                    w.task = None
                    pending.appendleft(t)
                    w.kill()
                    workers.remove(w)
            if not any(w.task is not None for w in workers):
                continue
            busy = [w for w in workers if w.task is not None]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=min(timeout, 60.0))
            for w in busy:
                while w.task is not None:
                    try:
                        if not w.conn.poll():
                            break
                        msg = w.conn.recv()
                    except (EOFError, OSError):
                        break
                    except Exception as exc:  # noqa: BLE001 - a result the parent cannot unpickle
                        finish(w, SolveResult(None, 0.0, "failed", f"the worker's result cannot be read: {exc}"), None)
                        w.kill()
                        workers.remove(w)
                        break
                    now = time.monotonic()
                    if msg[0] == "ready":
                        w.ready, failed_starts = True, 0
                    elif msg[0] == "warmup":
                        w.phase, w.deadline = "warmup", now + WARMUP_TIMEOUT_S
                    elif msg[0] == "solve":
                        limit = limits.get(w.task.spec) or 0.0
                        w.first = w.task.spec not in w.solved
                        w.solved.add(w.task.spec)
                        extra = FIRST_SOLVE_EXTRA_S if w.first else 0.0
                        w.phase, w.t_solve, w.deadline = "solve", now, now + limit + grace + extra
                    elif msg[0] == "judge":
                        w.phase, w.deadline = "judge", now + JUDGE_TIMEOUT_S
                    elif msg[0] == "done":
                        finish(w, msg[2], msg[3])
                if w.task is None or w not in workers:
                    continue
                elapsed = 0.0 if w.t_solve is None else time.monotonic() - w.t_solve
                if not w.proc.is_alive() and not w.ready:  # not the solver's doing: retry, then give up
                    w.proc.join()
                    pending.appendleft(w.task)
                    w.task = None
                    w.kill()
                    workers.remove(w)
                    failed_starts += 1
                    if failed_starts >= 3:
                        raise SolverError(
                            f"worker processes die while starting ({_exit_reason(w.proc.exitcode)}); if compare() runs "
                            "from a script, put the call under `if __name__ == \"__main__\":` (processes are spawned, "
                            "so they import the script), or run with jobs=1 and isolate=False")
                elif not w.proc.is_alive():
                    w.proc.join()
                    finish(w, SolveResult(None, elapsed, "failed", f"worker process died ({_exit_reason(w.proc.exitcode)}) "
                                                                   f"during {w.phase}"), None)
                    w.kill()
                    workers.remove(w)
                elif time.monotonic() > w.deadline:
                    res = _timeout_result(w.phase, limits.get(w.task.spec), grace, w.first, elapsed)
                    w.kill()
                    workers.remove(w)
                    finish(w, res, None)
    finally:
        for w in workers:
            w.stop()


def _timeout_result(phase: str, limit: float | None, grace: float, first: bool, elapsed: float) -> SolveResult:
    """The failure result of a worker killed for running past the deadline of its ``phase``."""
    if phase == "solve":
        why = (f"no result within its time_limit {limit:g} s + grace {grace:g} s" if limit else
               f"no result within the grace period of {grace:g} s (the solver has no time_limit)")
        if first and FIRST_SOLVE_EXTRA_S:
            why += f" + {FIRST_SOLVE_EXTRA_S:g} s allowed for compilation in a first solve"
        return SolveResult(None, elapsed, "timeout", f"{why}; worker process killed")
    if phase == "judge":
        return SolveResult(None, elapsed, "failed", f"replaying the solution took over {JUDGE_TIMEOUT_S:g} s; "
                                                    "worker process killed")
    return SolveResult(None, 0.0, "timeout", f"building / warming up the solver took over "
                                             f"{WARMUP_TIMEOUT_S:g} s; worker process killed")


# --- results ----------------------------------------------------------------------


@dataclass
class CompareResult:
    """Rows of a comparison, with summaries and writers."""

    env_id: str
    instances: list[Any]
    names: list[str]
    solvers: list[str]
    rows: list[Row]

    def summary(self) -> list[dict[str, Any]]:
        """Per solver: mean cost and gap over its feasible runs, mean time, feasible share, failures,
        and the means of the problem's own :attr:`~routing_gym.registry.Problem.metrics`."""
        metrics = self.solution_metrics()
        out = []
        for s in self.solvers:
            rows = [r for r in self.rows if r.solver == s]
            ok = [r for r in rows if r.feasible]
            record = {
                "solver": s,
                "mean_cost": float(np.mean([r.cost for r in ok])) if ok else math.nan,
                # instances whose reference objective is 0 have no relative gap: left out, not NaN for all
                "mean_gap_pct": _mean_finite([r.gap_pct for r in ok]),
                "time_s": float(np.mean([r.time_s for r in rows])) if rows else math.nan,
                "feasible_pct": 100.0 * len(ok) / max(1, len(rows)),
                "failures": sum(r.status != "ok" for r in rows),
            }
            for key in self.metric_names(metrics):
                record[key] = _mean_finite([metrics[id(r)].get(key, math.nan) for r in ok if id(r) in metrics])
            out.append(record)
        return out

    def solution_metrics(self) -> dict[int, dict[str, float]]:
        """The problem's metrics of every feasible row's solution, keyed by ``id(row)``.

        ``ms_per_decision`` is added where the metrics count ``decisions`` (solve time per decision).
        """
        from routing_gym.registry import problem_of_env

        metrics_of = problem_of_env(self.env_id).metrics
        if metrics_of is None:
            return {}
        by_name = dict(zip(self.names, self.instances))
        out: dict[int, dict[str, float]] = {}
        for r in self.rows:
            if r.feasible and r.solution is not None and r.instance in by_name:
                values = {k: float(v) for k, v in metrics_of(by_name[r.instance], r.solution).items()}
                if values.get("decisions", 0) > 0:
                    values["ms_per_decision"] = 1000.0 * r.time_s / values["decisions"]
                out[id(r)] = values
        return out

    @staticmethod
    def metric_names(metrics: dict[int, dict[str, float]]) -> list[str]:
        """The metric names found, in first-seen order."""
        return list(dict.fromkeys(k for values in metrics.values() for k in values))

    def table(self) -> str:
        """The summary as a plain-text table (the problem's metrics as extra columns)."""
        ref = {r.reference for r in self.rows}
        from routing_gym.registry import problem_of_env

        head = f"{self.env_id}: {len(self.instances)} instances, gap to {' / '.join(sorted(ref))}"
        # a maximising problem prints its objective (the harness's cost is minus it)
        sign, label = (-1.0, "mean profit") if problem_of_env(self.env_id).sense == "max" else (1.0, "mean cost")
        summary = self.summary()
        extra = [k for k in summary[0] if k not in _SUMMARY_KEYS] if summary else []
        widths = [max(12, len(k) + 2) for k in extra]
        lines = [head, f"{'solver':<34}{label:>12}{'gap %':>9}{'time s':>9}{'feasible':>10}{'failed':>8}"
                 + "".join(f"{k:>{w}}" for k, w in zip(extra, widths))]
        for s in summary:
            lines.append(f"{s['solver']:<34}{sign * s['mean_cost']:>12.6g}{s['mean_gap_pct']:>9.2f}{s['time_s']:>9.3f}"
                         f"{s['feasible_pct']:>9.0f}%{s['failures']:>8}"
                         + "".join(f"{s[k]:>{w}.4g}" for k, w in zip(extra, widths)))
        bad = [r for r in self.rows if r.status != "ok" or not r.feasible]
        for r in bad[:10]:
            lines.append(f"  ! {r.solver} on {r.instance}: {r.status}: {r.message}")
        return "\n".join(lines)

    def write(self, out: str | os.PathLike, plots: bool = True) -> Path:
        """Write ``results.csv``, ``summary.csv``, ``solutions.jsonl``, ``table.txt`` and the plots into ``out``.

        Each file is written whole to a temporary name and then renamed, so a
        crash while writing leaves the previous version, never half a file.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        with _atomic(out / "results.csv", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
            w.writeheader()
            for r in self.rows:
                w.writerow(_csv_record(r))
        with _atomic(out / "summary.csv", newline="") as fh:
            summ = self.summary()
            w = csv.DictWriter(fh, fieldnames=list(summ[0]))
            w.writeheader()
            w.writerows(summ)
        with _atomic(out / "solutions.jsonl") as fh:
            for r in self.rows:
                fh.write(_solution_line(r))
        with _atomic(out / "table.txt") as fh:
            fh.write(self.table() + "\n")
        if plots:
            from routing_gym.plots import plot_gap_vs_time, plot_solutions

            plot_gap_vs_time(self, out / "gap_vs_time.png")
            plot_solutions(self, 0, out / "routes.png")
        return out


@contextmanager
def _atomic(path: Path, newline: str | None = None) -> Iterator[Any]:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline=newline) as fh:
        yield fh
    os.replace(tmp, path)


def _csv_record(r: Row) -> dict[str, Any]:
    return {k: v for k, v in asdict(r).items() if k in CSV_COLUMNS}


def _solution_line(r: Row) -> str:
    return json.dumps({"instance": r.instance, "solver": r.solver, "solution": _jsonable(r.solution),
                       "cost": None if math.isnan(r.cost) else r.cost, "feasible": r.feasible}) + "\n"


def _jsonable(sol: Any) -> Any:
    if sol is None:
        return None
    if isinstance(sol, np.ndarray):
        return sol.tolist()
    if isinstance(sol, (list, tuple)):
        return [_jsonable(x) for x in sol]
    if isinstance(sol, np.integer):
        return int(sol)
    if isinstance(sol, np.floating):
        return float(sol)
    return sol


class _Journal:
    """``results.csv`` and ``solutions.jsonl`` appended (and flushed) one row at a time."""

    def __init__(self, out: Path, rows: Sequence[Row]) -> None:
        # Start from exactly the kept rows (drops a line a killed run left half-written).
        with _atomic(out / "solutions.jsonl") as fh:
            for r in rows:
                fh.write(_solution_line(r))
        with _atomic(out / "results.csv", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
            w.writeheader()
            for r in rows:
                w.writerow(_csv_record(r))
        self.sol_fh = open(out / "solutions.jsonl", "a")
        self.csv_fh = open(out / "results.csv", "a", newline="")
        self.csv = csv.DictWriter(self.csv_fh, fieldnames=CSV_COLUMNS)

    def append(self, row: Row) -> None:
        self.sol_fh.write(_solution_line(row))
        self.sol_fh.flush()
        self.csv.writerow(_csv_record(row))  # results.csv last: a pair counts as finished once it is here
        self.csv_fh.flush()

    def close(self) -> None:
        self.sol_fh.close()
        self.csv_fh.close()


def _read_rows(out: Path) -> dict[tuple[str, str], Row]:
    """The complete rows of an earlier run's ``results.csv``, with their solutions from ``solutions.jsonl``."""
    rows: dict[tuple[str, str], Row] = {}
    path = out / "results.csv"
    if not path.is_file():
        return rows
    with open(path, newline="", errors="replace") as fh:
        for rec in csv.DictReader(fh):
            try:
                if any(rec.get(k) is None for k in CSV_COLUMNS) or not rec["instance"] or not rec["solver"]:
                    continue  # a line cut short by a kill
                if rec["feasible"] not in ("True", "False"):
                    continue
                row = Row(rec["instance"], rec["solver"], float(rec["cost"]), math.nan, float(rec["time_s"]),
                          rec["feasible"] == "True", rec["status"], rec["message"], "")
            except (ValueError, TypeError):
                continue
            rows[(row.instance, row.solver)] = row
    sols = out / "solutions.jsonl"
    if sols.is_file():
        with open(sols, errors="replace") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                    key = (rec["instance"], rec["solver"])
                except (ValueError, KeyError, TypeError):
                    continue
                if key in rows:
                    rows[key].solution = rec.get("solution")
    return rows


def fingerprint(instance: Any) -> str:
    """A short hash of an instance's content (every field, arrays by value)."""
    h = hashlib.sha256(type(instance).__name__.encode())
    if dataclasses.is_dataclass(instance):
        items = [(f.name, getattr(instance, f.name)) for f in dataclasses.fields(instance)]
    else:
        items = sorted(vars(instance).items()) if hasattr(instance, "__dict__") else [("repr", instance)]
    for name, value in items:
        h.update(name.encode())
        if isinstance(value, np.ndarray):
            h.update(f"{value.dtype}{value.shape}".encode())
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            h.update(repr(value).encode())
    return h.hexdigest()[:16]


# --- argument checks ------------------------------------------------------------------


def _check_int(value: Any, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ConfigError(f"{what}: expected an integer >= {low}, got {value!r}")
    return int(value)


def _check_seconds(value: Any, what: str, allow_zero: bool) -> float:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if not ok or value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{what}: expected a finite number of seconds {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return float(value)


def check_env_id(env_id: Any) -> Any:
    """The registered problem of a routing-gym env id; :class:`ConfigError` lists the ids otherwise."""
    import routing_gym  # noqa: F401 - registers the ids
    from routing_gym.registry import UnknownProblemError, problem_of_env

    if not isinstance(env_id, str):
        raise ConfigError(f"env: expected an environment id such as 'routing_gym/TSP-v0', got {env_id!r}")
    try:
        return problem_of_env(env_id)
    except UnknownProblemError as exc:
        raise ConfigError(f"env: {exc}") from None


def check_output_folder(out: str | os.PathLike) -> Path:
    """Raise :class:`ConfigError` unless ``out`` is, or can be created as, a writable folder; create it."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"out: {out} exists and is not a folder")
    anc = out
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise ConfigError(f"out: cannot create {out}: {anc} is not a folder")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise ConfigError(f"out: cannot write to {anc}")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        for name in OUTPUT_FILES:
            f = out / name
            if f.exists() and (f.is_dir() or not os.access(f, os.W_OK)):
                raise ConfigError(f"out: {f} is not a writable file")
    except OSError as exc:
        raise ConfigError(f"out: cannot write to {out}: {exc.strerror or exc}") from None
    return out


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


def make_instances(env_id: str, num_instances: int, seed: int, **env_kwargs: Any) -> tuple[list[Any], list[str]]:
    """``num_instances`` instances from the environment's generator; instance ``i`` depends only on ``(seed, i)``."""
    check_env_id(env_id)
    num_instances = _check_int(num_instances, "num_instances", 0)
    seed = _check_int(seed, "seed", 0)
    env = gym.make(env_id, **env_kwargs).unwrapped
    gen = env.generator
    insts = [gen(np.random.default_rng([seed, i])) for i in range(num_instances)]
    short = env_id.split("/")[-1].split("-v")[0].lower()
    return insts, [f"{short}{env.num_nodes}-s{seed}-{i}" for i in range(num_instances)]


def compare(
    env_id: str,
    solvers: Sequence[str],
    *,
    num_instances: int = 10,
    seed: int = 0,
    files: Sequence[str | os.PathLike] | None = None,
    instances: Sequence[Any] | None = None,
    jobs: int = 1,
    time_limit: float | None = None,
    out: str | os.PathLike | None = None,
    progress: bool = True,
    plots: bool = True,
    load_kwargs: dict[str, Any] | None = None,
    resume: bool = False,
    grace: float = GRACE_S,
    isolate: bool | None = None,
    backend: str = "local",
    address: str | None = None,
    **env_kwargs: Any,
) -> CompareResult:
    """Run ``solvers`` (specs) on the same instances and judge every solution in the env.

    :param env_id: environment id, e.g. ``"routing_gym/CVRP-v0"``.
    :param solvers: solver specs, e.g. ``["ortools:time_limit=1", "ils"]``.
    :param num_instances: how many generated instances (ignored with ``files``/``instances``).
    :param seed: seed of the generated instances.
    :param files: instance files (TSPLIB, CVRPLIB, Solomon, ...) to read instead.
    :param instances: instance objects to use instead.
    :param jobs: worker processes.
    :param time_limit: default per-instance time limit for solvers whose spec does not set one.
    :param out: folder for ``results.csv``, ``solutions.jsonl`` and plots (nothing written if ``None``);
        rows are appended as they arrive.
    :param load_kwargs: loader options for every file (``load_instance(f, **load_kwargs)``).
    :param resume: keep the finished (instance, solver) pairs of an earlier run in ``out`` and run the rest.
    :param grace: seconds a solver may overrun its ``time_limit`` in a worker before it is killed
        (a ``timeout`` row); a solver without a time limit gets ``grace`` seconds in all.
    :param isolate: run every solver in worker processes, so hangs and crashes become rows;
        default: when ``jobs > 1``. In-process runs (``jobs=1``) catch exceptions only.
    :param backend: ``"local"`` (this machine's worker processes) or ``"ray"``: every (instance, solver)
        pair is a Ray task (:mod:`routing_gym.ray_backend`), always isolated, with the same rows and files.
    :param address: the Ray cluster of ``backend="ray"``; without it a local Ray instance of ``jobs``
        CPUs starts and stops with the run.
    :param env_kwargs: environment arguments for generated instances (``num_nodes=50``).
    :raises ConfigError: for a bad argument, before any solver runs (also
        :class:`~routing_gym.errors.SolverError` for a bad spec,
        :class:`~routing_gym.errors.InstanceError` for a bad file or env argument,
        :class:`FileNotFoundError` for a missing file).
    """
    # every argument is checked before any work
    problem = check_env_id(env_id)
    solvers = _check_solver_specs(solvers)
    jobs = _check_int(jobs, "jobs", 1)
    grace = _check_seconds(grace, "grace", allow_zero=True)
    _check_backend(backend, address)
    if time_limit is not None:
        time_limit = _check_seconds(time_limit, "time_limit", allow_zero=False)
    files = _check_sources(files, instances, env_kwargs, load_kwargs)
    if resume and out is None:
        raise ConfigError("resume needs an output folder (out)")
    if files is None and instances is None:
        num_instances = _check_int(num_instances, "num_instances", 1)
        seed = _check_int(seed, "seed", 0)
        with warnings.catch_warnings():  # the env's own error says it; gymnasium's warning would repeat it
            warnings.simplefilter("ignore")
            gym.make(env_id, **env_kwargs).close()  # bad env arguments (type, range, size) fail here
    defaults = {"time_limit": time_limit} if time_limit is not None else {}
    built = {spec: make_solver(spec, **defaults) for spec in solvers}  # unknown names, bad values
    if out is not None:
        out = check_output_folder(out)

    insts, names = _compare_instances(env_id, problem, files, instances, num_instances, seed, load_kwargs, env_kwargs)
    done = _start_record(out, env_id, time_limit, names, insts, solvers, resume) if out is not None else {}
    tasks = [_Task(i, n, s, inst) for i, (n, inst) in enumerate(zip(names, insts)) for s in solvers if (n, s) not in done]
    if isolate is None:
        isolate = jobs > 1

    def run(on_result: Callable[[_Task, SolveResult, Judgement | None], None]) -> None:
        limits = {s: built[s].time_limit for s in solvers}
        modules = {s: _solver_modules(built[s]) for s in solvers}
        if backend == "ray" and tasks:
            from routing_gym import ray_backend

            with ray_backend.connected(address, jobs):
                ray_backend.run_tasks(tasks, env_id, defaults, limits, modules, grace, on_result)
        elif isolate and tasks:
            _run_isolated(tasks, env_id, defaults, limits, modules, jobs, grace, on_result)
        else:
            for t in tasks:
                on_result(t, *_solve_and_judge(env_id, t.spec, defaults, t.instance, solver=built[t.spec]))

    rows = _collect(run, done, [(n, s) for n in names for s in solvers], out, env_id if progress else None)
    result = CompareResult(env_id, insts, names, solvers, _with_gaps(insts, names, solvers, rows))
    if out is not None:
        result.write(out, plots=plots)
    return result


def _check_backend(backend: Any, address: Any) -> None:
    """``backend`` is ``"local"`` or ``"ray"`` (with ray installed); ``address`` only goes with ``"ray"``."""
    if backend not in ("local", "ray"):
        raise ConfigError(f"backend: expected 'local' or 'ray', got {backend!r}")
    if address is not None and backend != "ray":
        raise ConfigError(f"address {address!r} needs backend 'ray'")
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise ConfigError(f"address: expected a Ray cluster address such as 'ray://head:10001' or 'auto', got {address!r}")
    if backend == "ray":
        from routing_gym.ray_backend import check_address, require_ray

        require_ray()
        if address is not None:
            check_address(address)


def _check_solver_specs(solvers: Any) -> list[str]:
    """A non-empty list of distinct solver specs."""
    if isinstance(solvers, str) or not isinstance(solvers, Sequence) or not all(isinstance(s, str) for s in solvers):
        raise ConfigError(f"solvers: expected a list of solver specs, got {solvers!r}")
    solvers = [s.strip() for s in solvers]
    if not solvers:
        raise SolverError("compare: no solvers given")
    dup = sorted({s for s in solvers if solvers.count(s) > 1})
    if dup:
        raise ConfigError(f"solvers: {', '.join(dup)} given twice")
    return solvers


def _check_sources(files: Any, instances: Any, env_kwargs: dict[str, Any],
                   load_kwargs: dict[str, Any] | None) -> list[Path] | None:
    """The instance files as paths (``None`` for generated or given instances); bad combinations raise."""
    if files is not None and instances is not None:
        raise ConfigError("give files= or instances=, not both")
    if (files is not None or instances is not None) and env_kwargs:
        raise ConfigError(f"environment arguments ({', '.join(env_kwargs)}) apply to generated instances, "
                          "not to files or given instances (loader options go in load_kwargs)")
    if load_kwargs and files is None:
        raise ConfigError(f"load_kwargs ({', '.join(load_kwargs)}) need files")
    if files is None:
        return None
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    files = [Path(f) for f in files]
    if not files:
        raise ConfigError("files: no files given")
    for f in files:
        if not f.exists():
            raise FileNotFoundError(f"no instance file at {f}")
        if not f.is_file():
            raise ConfigError(f"files: {f} is not a file")
    return files


def _compare_instances(env_id: str, problem: Any, files: list[Path] | None, instances: Sequence[Any] | None,
                       num_instances: int, seed: int, load_kwargs: dict[str, Any] | None,
                       env_kwargs: dict[str, Any]) -> tuple[list[Any], list[str]]:
    """The instances (read, given or generated) and their unique names; each must belong to ``env_id``'s problem."""
    from routing_gym.registry import UnknownProblemError, problem_of

    if files is not None:
        insts = [load_instance(f, **(load_kwargs or {})) for f in files]
        names = [getattr(i, "name", "") or f.stem for i, f in zip(insts, files)]
        sources = [str(f) for f in files]
    elif instances is not None:
        insts = list(instances)
        if not insts:
            raise ConfigError("instances: empty")
        names = [getattr(i, "name", "") or f"instance-{k}" for k, i in enumerate(insts)]
        sources = [f"instances[{k}]" for k in range(len(insts))]
    else:
        insts, names = make_instances(env_id, num_instances, seed, **env_kwargs)
        sources = names
    for inst, src in zip(insts, sources):
        try:
            other = problem_of(inst)
        except UnknownProblemError as exc:
            raise ConfigError(f"{src}: {exc}") from None
        if other is not problem:
            raise ConfigError(f"{src}: a {other.title} instance ({other.env_id}) cannot play in {env_id} "
                              f"({problem.title})")
    return insts, _unique(names)


def _start_record(out: Path, env_id: str, time_limit: float | None, names: list[str], insts: list[Any],
                  solvers: list[str], resume: bool) -> dict[tuple[str, str], Row]:
    """Write ``run.json``; with ``resume``, the rows an earlier run in ``out`` finished."""
    wanted = {(n, s) for n in names for s in solvers}
    done: dict[tuple[str, str], Row] = {}
    prints = {n: fingerprint(i) for n, i in zip(names, insts)}
    meta = {"env_id": env_id, "time_limit": time_limit, "instances": prints, "solvers": solvers}
    if resume:
        done = _resume_state(out, meta)
        extra = sorted(k for k in done if k not in wanted)
        if extra:
            what = sorted({f"solver {s}" for _, s in extra if s not in solvers}
                          | {f"instance {n}" for n, _ in extra if n not in names})
            raise ConfigError(f"resume: the run in {out} also has {len(extra)} row(s) of {', '.join(what[:4])}"
                              f"{' ...' if len(what) > 4 else ''} that this run leaves out; resuming would drop "
                              "them. Give them too, or use another output folder")
        if (out / "run.json").exists():  # keep the record of instances this run does not repeat
            meta["instances"] = {**_old_meta(out)["instances"], **prints}
    with _atomic(out / "run.json") as fh:
        json.dump(meta, fh, indent=1)
    return done


def _collect(run: Callable[[Callable[..., None]], None], done: dict[tuple[str, str], Row],
             order: list[tuple[str, str]], out: Path | None, bar_label: str | None) -> dict[tuple[str, str], Row]:
    """Call ``run(on_result)``; every result becomes a row, journaled to ``out`` as it arrives, with a progress bar."""
    rows = dict(done)
    journal = _Journal(out, [done[k] for k in order if k in done]) if out is not None else None
    bar = None
    if bar_label is not None:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(order), initial=len(done), desc=f"compare {bar_label.split('/')[-1]}", unit="run")

    def on_result(task: _Task, res: SolveResult, ver: Judgement | None) -> None:
        row = _row(task.name, task.spec, res, ver)
        rows[(task.name, task.spec)] = row
        if journal is not None:
            journal.append(row)
        if bar is not None:
            bar.update()

    try:
        run(on_result)
    finally:
        if journal is not None:
            journal.close()
        if bar is not None:
            bar.close()
    return rows


def _solver_modules(solver: Solver) -> tuple[str, ...]:
    """Modules a worker imports so that the solver's class is registered there (built-ins register themselves)."""
    mod = type(solver).__module__
    return () if mod.startswith("routing_gym.") else (mod,)


def _old_meta(out: Path) -> dict[str, Any]:
    try:
        meta = json.loads((out / "run.json").read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"resume: {out}/run.json is unreadable ({exc}); use another output folder") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("instances"), dict):
        raise ConfigError(f"resume: {out}/run.json is not a routing-gym run record; use another output folder")
    return meta


def _resume_state(out: Path, meta: dict[str, Any]) -> dict[tuple[str, str], Row]:
    """The finished rows of the run in ``out``, after checking it ran the same env, settings and instances."""
    if not (out / "run.json").exists():
        if (out / "results.csv").exists():
            raise ConfigError(f"resume: {out}/results.csv has no run.json beside it, so it cannot be checked against "
                              "this run; use another output folder")
        return {}  # nothing to resume: a fresh run
    old = _old_meta(out)
    if old.get("env_id") != meta["env_id"]:
        raise ConfigError(f"resume: the run in {out} was on {old.get('env_id')}, not {meta['env_id']}")
    if old.get("time_limit") != meta["time_limit"]:
        raise ConfigError(f"resume: the run in {out} had time_limit {old.get('time_limit')}, not {meta['time_limit']}")
    for name, fp in meta["instances"].items():
        if old["instances"].get(name, fp) != fp:
            raise ConfigError(f"resume: instance {name} differs from the one of the run in {out} "
                              "(another seed, size or file?); use another output folder")
    return _read_rows(out)


def _row(name: str, spec: str, res: SolveResult, ver: Judgement | None) -> Row:
    """A row as it arrives (gap and reference are filled in by :func:`_with_gaps`)."""
    if ver is None:
        return Row(name, spec, math.nan, math.nan, res.time_s, False, res.status, res.message)
    status = res.status if ver.feasible else "infeasible"
    return Row(name, spec, ver.cost, math.nan, res.time_s, ver.feasible, status, ver.message, "", res.solution)


def _mean_finite(values: list[float]) -> float:
    """Mean of the finite values (NaN when there is none)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _with_gaps(insts: list[Any], names: list[str], solvers: list[str], rows: dict[tuple[str, str], Row]) -> list[Row]:
    """The rows in instance-then-solver order, with the gap to the known optimum, else to the best solver.

    Costs are the harness's (minus the profit of a maximising problem), so the gap is
    ``(cost - ref) / |ref|``: positive means worse than the reference for either sense.
    """
    from routing_gym.registry import problem_of

    out = []
    for inst, name in zip(insts, names):
        mine = [rows[(name, s)] for s in solvers if (name, s) in rows]
        costs = [r.cost for r in mine if r.feasible]
        if getattr(inst, "optimum", None):
            sign = -1.0 if problem_of(inst).sense == "max" else 1.0
            ref, ref_name = sign * float(inst.optimum), "known optimum / BKS"
        elif costs:
            ref, ref_name = min(costs), "best solver"
        else:
            ref, ref_name = math.nan, "none"
        for r in mine:
            if not r.feasible or not math.isfinite(ref):
                gap = math.nan
            elif r.cost == ref:
                gap = 0.0
            else:
                gap = 100.0 * (r.cost - ref) / abs(ref) if ref != 0 else math.nan
            out.append(dataclasses.replace(r, gap_pct=gap, reference=ref_name))
    return out
