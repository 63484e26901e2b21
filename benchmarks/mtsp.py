"""mTSP solvers at equal time: OR-Tools, the suite's ILS and HGS (PyVRP, sum objective only).

Seeded instances of ``MTSPGenerator`` (depot and cities uniform in the unit
square) for each size ``n x m`` and objective; each solver gets the same
``--time-limit`` per instance, one run at a time; every solution is replayed
through ``routing_gym/MTSP-v0`` (the judge) and its cost taken from there. The
table gives per configuration and solver the mean objective, the mean gap to the
best solution any solver found for that instance, the mean time and how many
runs succeeded (a failed run is counted and left out of the means). ``nn`` (the
nearest-neighbour giant tour, optimal split and local search) is the quick
construction, run without a time limit.

Usage::

    python benchmarks/mtsp.py                                  # 50x5 and 100x10, both objectives, 10 instances, 2 s
    python benchmarks/mtsp.py --sizes 20x3 --instances 5 --time-limit 0.5
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from tqdm import tqdm

SOLVERS = ("nn", "ortools", "ils", "hgs")


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"50x5,100x10"`` -> ``[(50, 5), (100, 10)]``."""
    out = []
    for part in text.split(","):
        n, m = part.lower().split("x")
        out.append((int(n), int(m)))
    return out


def run(spec: str, instance: Any) -> tuple[float | None, float, str]:
    """The env-judged cost (``None`` on failure), the seconds spent, and the failure message."""
    from routing_gym.baselines.base import make_solver
    from routing_gym.envs import replay

    result = make_solver(spec)(instance)
    if not result.ok:
        return None, result.time_s, f"{result.status}: {result.message}"
    verdict = replay("routing_gym/MTSP-v0", instance, result.solution)
    if not verdict.feasible:
        return None, result.time_s, f"infeasible: {verdict.message}"
    return verdict.cost, result.time_s, ""


def specs(objective: str, solvers: list[str], time_limit: float, seed: int) -> dict[str, str]:
    """The solver specs of one configuration (``hgs`` only under the sum objective)."""
    out = {}
    for name in solvers:
        if name == "hgs" and objective != "sum":
            continue
        out[name] = name if name == "nn" else f"{name}:time_limit={time_limit}:seed={seed}"
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="50x5,100x10", help="cities x vehicles, comma-separated")
    ap.add_argument("--objectives", default="sum,minmax")
    ap.add_argument("--instances", type=int, default=10)
    ap.add_argument("--time-limit", type=float, default=2.0, help="seconds per instance for ortools, ils and hgs")
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args(argv)

    from routing_gym.baselines.base import make_solver, warm_up_kernels
    from routing_gym.envs.mtsp.generator import MTSPGenerator

    warm_up_kernels()
    make_solver("ortools").warmup()
    configs = [(n, m, obj) for n, m in parse_sizes(args.sizes) for obj in args.objectives.split(",")]
    results: dict[tuple, dict[str, list[tuple[float | None, float, str]]]] = {}
    total = sum(len(specs(o, args.solvers.split(","), args.time_limit, args.seed)) for *_, o in configs) * args.instances
    bar = tqdm(total=total, desc="mtsp runs")
    for n, m, objective in configs:
        rng = np.random.default_rng([args.seed, n, m])
        instances = [MTSPGenerator(n, m, objective)(rng) for _ in range(args.instances)]
        table = results[(n, m, objective)] = {}
        for name, spec in specs(objective, args.solvers.split(","), args.time_limit, args.seed).items():
            table[name] = []
            for inst in instances:
                table[name].append(run(spec, inst))
                bar.update()
    bar.close()
    report(results, args)


def report(results: dict[tuple, dict[str, list[tuple[float | None, float, str]]]], args: argparse.Namespace) -> None:
    """Print one row per configuration and solver."""
    print(f"\nmTSP, {args.instances} instances per configuration (seed {args.seed}), "
          f"{args.time_limit:g} s per instance for ortools/ils/hgs; gap to the best solver per instance")
    print(f"{'config':<18} {'solver':<8} {'mean obj':>10} {'gap %':>8} {'time s':>8} {'ok':>6}")
    for (n, m, objective), table in results.items():
        costs = np.array([[np.nan if c is None else c for c, _, _ in runs] for runs in table.values()])
        best = np.nanmin(costs, axis=0)
        for (name, runs), row in zip(table.items(), costs):
            ok = ~np.isnan(row)
            gap = 100.0 * (row[ok] / best[ok] - 1.0)
            times = [t for _, t, _ in runs]
            label = f"{n}x{m} {objective}"
            print(f"{label:<18} {name:<8} {np.mean(row[ok]) if ok.any() else float('nan'):>10.4f} "
                  f"{np.mean(gap) if ok.any() else float('nan'):>8.2f} {np.mean(times):>8.2f} {ok.sum():>3}/{len(row)}")
            for c, _, msg in runs:
                if c is None:
                    print(f"    failure: {msg}")
                    break


if __name__ == "__main__":
    main()
