"""The comparison harness: run solvers on the same instances, judge every solution in the env.

Every solution is replayed through the environment (``reset(options=...)``
then one ``step`` per action); the cost that counts is minus the summed reward,
cross-checked against :func:`routing_gym.envs.evaluate`. A solver that fails or
returns an infeasible solution appears as such in the table; it never drops out.

    from routing_gym.compare import compare
    result = compare("routing_gym/TSP-v0", ["nn", "ortools:time_limit=1"], num_instances=10, num_nodes=50)
    print(result.table())
"""

from __future__ import annotations

import csv
import json
import math
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import gymnasium as gym
import numpy as np

from routing_gym.baselines.base import SolveResult, make_solver, parse_spec
from routing_gym.envs import evaluate, load_instance
from routing_gym.errors import SolverError

CSV_COLUMNS = ("instance", "solver", "cost", "gap_pct", "time_s", "feasible", "status", "message", "reference")


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


def _run_task(env_id: str, spec: str, defaults: dict[str, Any], idx: int, instance: Any) -> tuple[int, str, SolveResult, Judgement | None]:
    key = (spec, tuple(sorted(defaults.items())))
    if key not in _SOLVERS:
        solver = make_solver(spec, **defaults)
        solver.warmup()  # JIT compilation and model loading are not part of the timed run
        _SOLVERS[key] = solver
    result = _SOLVERS[key](instance)
    verdict = judge(env_id, instance, result.solution) if result.ok else None
    return idx, spec, result, verdict


def _worker_init() -> None:
    # One BLAS / torch thread per worker process: the workers are the parallelism.
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


@dataclass
class CompareResult:
    """Rows of a comparison, with summaries and writers."""

    env_id: str
    instances: list[Any]
    names: list[str]
    solvers: list[str]
    rows: list[Row]

    def summary(self) -> list[dict[str, Any]]:
        """Per solver: mean cost and gap over its feasible runs, mean time, feasible share, failures."""
        out = []
        for s in self.solvers:
            rows = [r for r in self.rows if r.solver == s]
            ok = [r for r in rows if r.feasible]
            out.append({
                "solver": s,
                "mean_cost": float(np.mean([r.cost for r in ok])) if ok else math.nan,
                "mean_gap_pct": float(np.mean([r.gap_pct for r in ok])) if ok else math.nan,
                "time_s": float(np.mean([r.time_s for r in rows])) if rows else math.nan,
                "feasible_pct": 100.0 * len(ok) / max(1, len(rows)),
                "failures": sum(r.status != "ok" for r in rows),
            })
        return out

    def table(self) -> str:
        """The summary as a plain-text table."""
        ref = {r.reference for r in self.rows}
        head = f"{self.env_id}: {len(self.instances)} instances, gap to {' / '.join(sorted(ref))}"
        lines = [head, f"{'solver':<34}{'mean cost':>12}{'gap %':>9}{'time s':>9}{'feasible':>10}{'failed':>8}"]
        for s in self.summary():
            lines.append(f"{s['solver']:<34}{s['mean_cost']:>12.6g}{s['mean_gap_pct']:>9.2f}{s['time_s']:>9.3f}"
                         f"{s['feasible_pct']:>9.0f}%{s['failures']:>8}")
        bad = [r for r in self.rows if r.status != "ok" or not r.feasible]
        for r in bad[:10]:
            lines.append(f"  ! {r.solver} on {r.instance}: {r.status}: {r.message}")
        return "\n".join(lines)

    def write(self, out: str | os.PathLike, plots: bool = True) -> Path:
        """Write ``results.csv``, ``summary.csv``, ``solutions.jsonl`` and the plots into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "results.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
            w.writeheader()
            for r in self.rows:
                d = {k: v for k, v in asdict(r).items() if k in CSV_COLUMNS}
                w.writerow(d)
        with open(out / "summary.csv", "w", newline="") as fh:
            summ = self.summary()
            w = csv.DictWriter(fh, fieldnames=list(summ[0]))
            w.writeheader()
            w.writerows(summ)
        with open(out / "solutions.jsonl", "w") as fh:
            for r in self.rows:
                fh.write(json.dumps({"instance": r.instance, "solver": r.solver, "solution": _jsonable(r.solution),
                                     "cost": None if math.isnan(r.cost) else r.cost, "feasible": r.feasible}) + "\n")
        (out / "table.txt").write_text(self.table() + "\n")
        if plots:
            from routing_gym.plots import plot_gap_vs_time, plot_solutions

            plot_gap_vs_time(self, out / "gap_vs_time.png")
            plot_solutions(self, 0, out / "routes.png")
        return out


def _jsonable(sol: Any) -> Any:
    if sol is None:
        return None
    if isinstance(sol, np.ndarray):
        return sol.tolist()
    if isinstance(sol, (list, tuple)):
        return [_jsonable(x) for x in sol]
    if isinstance(sol, np.integer):
        return int(sol)
    return sol


def make_instances(env_id: str, num_instances: int, seed: int, **env_kwargs: Any) -> tuple[list[Any], list[str]]:
    """``num_instances`` instances from the environment's generator; instance ``i`` depends only on ``(seed, i)``."""
    import routing_gym  # noqa: F401

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
    **env_kwargs: Any,
) -> CompareResult:
    """Run ``solvers`` (specs) on the same instances and judge every solution in the env.

    :param env_id: environment id, e.g. ``"routing_gym/CVRP-v0"``.
    :param solvers: solver specs, e.g. ``["ortools:time_limit=1", "ils"]``.
    :param num_instances: how many generated instances (ignored with ``files``/``instances``).
    :param seed: seed of the generated instances.
    :param files: TSPLIB / CVRPLIB files to read instead.
    :param instances: instance objects to use instead.
    :param jobs: worker processes.
    :param time_limit: default per-instance time limit for solvers whose spec does not set one.
    :param out: folder for ``results.csv``, ``solutions.jsonl`` and plots (nothing written if ``None``).
    :param env_kwargs: environment arguments for generated instances (``num_nodes=50``).
    """
    if not solvers:
        raise SolverError("compare: no solvers given")
    for spec in solvers:  # fail fast on unknown names / bad specs, before any work
        make_solver(spec, **({"time_limit": time_limit} if time_limit else {}))
    if files:
        insts = [load_instance(f) for f in files]
        names = [i.name or Path(f).stem for i, f in zip(insts, files)]
    elif instances is not None:
        insts = list(instances)
        names = [getattr(i, "name", "") or f"instance-{k}" for k, i in enumerate(insts)]
    else:
        insts, names = make_instances(env_id, num_instances, seed, **env_kwargs)
    defaults = {"time_limit": time_limit} if time_limit else {}
    tasks = [(env_id, spec, defaults, i, inst) for i, inst in enumerate(insts) for spec in solvers]
    results: dict[tuple[int, str], tuple[SolveResult, Judgement | None]] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), desc=f"compare {env_id.split('/')[-1]}", unit="run")
    if jobs <= 1:
        for t in tasks:
            idx, spec, res, ver = _run_task(*t)
            results[(idx, spec)] = (res, ver)
            if bar:
                bar.update()
    else:
        ctx = mp.get_context("spawn")  # torch and numba threads do not survive fork safely
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init) as pool:
            futures = [pool.submit(_run_task, *t) for t in tasks]
            for fut in as_completed(futures):
                idx, spec, res, ver = fut.result()
                results[(idx, spec)] = (res, ver)
                if bar:
                    bar.update()
    if bar:
        bar.close()
    rows = _rows(insts, names, list(solvers), results)
    result = CompareResult(env_id, insts, names, list(solvers), rows)
    if out is not None:
        result.write(out, plots=plots)
    return result


def _rows(insts: list[Any], names: list[str], solvers: list[str],
          results: dict[tuple[int, str], tuple[SolveResult, Judgement | None]]) -> list[Row]:
    rows = []
    for i, (inst, name) in enumerate(zip(insts, names)):
        costs = [v.cost for s in solvers for (r, v) in [results[(i, s)]] if v is not None and v.feasible]
        if getattr(inst, "optimum", None):
            ref, ref_name = float(inst.optimum), "known optimum / BKS"
        elif costs:
            ref, ref_name = min(costs), "best solver"
        else:
            ref, ref_name = math.nan, "none"
        for s in solvers:
            res, ver = results[(i, s)]
            if ver is None:
                rows.append(Row(name, s, math.nan, math.nan, res.time_s, False, res.status, res.message, ref_name))
                continue
            gap = 100.0 * (ver.cost / ref - 1.0) if ver.feasible and ref > 0 else math.nan
            status = res.status if ver.feasible else "infeasible"
            rows.append(Row(name, s, ver.cost, gap, res.time_s, ver.feasible, status, ver.message, ref_name, res.solution))
    return rows


def solver_names(specs: Sequence[str]) -> list[str]:
    return [parse_spec(s)[0] for s in specs]
