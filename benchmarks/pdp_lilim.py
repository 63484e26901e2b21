"""PDPTW solvers on the Li & Lim 100-task files: gap to the best-known distance, and routes used.

Runs ``regret`` (regret-2 pair insertion + local search, no time limit), and
``ortools`` and ``ils`` (the suite's pair LNS) at ``--time-limit`` seconds each, on
every file in ``../shared/data/pdptw`` (or ``$ROUTING_GYM_DATA/pdptw``), one run at
a time. Every solution is replayed through ``routing_gym/PDP-v0`` (the judge);
its cost (total Euclidean distance) is compared with the ``distance`` of the
file's row in ``bks.csv``, the SINTEF best-known solution. Those minimise the
number of vehicles first and the distance second, while every solver here
minimises distance with the number of routes free: a negative gap is possible
(a shorter solution with more routes), and the routes column shows how many
routes each solver used against the best-known count. A failed or infeasible run
is counted and left out of the means.

Usage::

    python benchmarks/pdp_lilim.py                           # 50 files x (ortools, ils) x 5 s: about 9 min
    python benchmarks/pdp_lilim.py --time-limit 1 --names lc101,lr201
    python benchmarks/pdp_lilim.py --solvers ortools:first_solution=PARALLEL_CHEAPEST_INSERTION
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    root = os.environ.get("ROUTING_GYM_DATA")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / "shared" / "data"
    return base / "pdptw"


def best_known(folder: Path) -> dict[str, tuple[int, float]]:
    """``name -> (vehicles, distance)`` from ``bks.csv``."""
    with open(folder / "bks.csv", newline="") as fh:
        return {row["name"]: (int(row["vehicles"]), float(row["distance"])) for row in csv.DictReader(fh)}


def run(spec: str, instance: Any) -> tuple[float | None, int, float, str]:
    """Env-judged cost (``None`` on failure), routes used, seconds, failure message."""
    from routing_gym.baselines.base import make_solver
    from routing_gym.envs import replay

    result = make_solver(spec)(instance)
    if not result.ok:
        return None, 0, result.time_s, f"{result.status}: {result.message}"
    verdict = replay("routing_gym/PDP-v0", instance, result.solution)
    if not verdict.feasible:
        return None, 0, result.time_s, f"infeasible: {verdict.message}"
    return verdict.cost, sum(1 for r in result.solution if len(r)), result.time_s, ""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=5.0, help="seconds per instance for ortools and ils")
    ap.add_argument("--solvers", default="regret,ortools,ils")
    ap.add_argument("--names", default=None, help="comma-separated instance names (default: all)")
    ap.add_argument("--data", default=None, help="folder of the Li & Lim files")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from routing_gym.baselines.base import make_solver, warm_up_kernels
    from routing_gym.envs.pdp.io import load_lilim

    folder = data_dir(args.data)
    files = sorted(folder.glob("*.txt"))
    if args.names:
        keep = set(args.names.split(","))
        files = [f for f in files if f.stem in keep]
    if not files:
        raise SystemExit(f"no Li & Lim files in {folder}")
    bks = best_known(folder)
    warm_up_kernels()
    make_solver("ortools").warmup()
    solvers = args.solvers.split(",")
    # a solver is a name or a spec (e.g. ortools:first_solution=PARALLEL_CHEAPEST_INSERTION); all but regret get the time
    specs = {s: s if s.startswith("regret") else f"{s}:time_limit={args.time_limit}:seed={args.seed}" for s in solvers}
    rows: dict[str, dict[str, tuple[float | None, int, float, str]]] = {}
    for f in tqdm(files, desc="Li & Lim files"):
        inst = load_lilim(f)
        rows[inst.name] = {name: run(spec, inst) for name, spec in specs.items()}
    report(rows, bks, solvers, args)


def report(rows: dict[str, dict[str, tuple]], bks: dict[str, tuple[int, float]], solvers: list[str],
           args: argparse.Namespace) -> None:
    """One line per file (gap % and routes per solver), then the means."""
    print(f"\nLi & Lim PDPTW, {len(rows)} files, {args.time_limit:g} s per instance for ortools/ils; "
          f"gap = distance / best-known distance - 1 (best-known: vehicles first)")
    for k, s in enumerate(solvers):
        print(f"  solver {k}: {s}")
    print(f"{'name':<8} {'bks':>8} {'veh':>4} " + " ".join(f"{f'[{k}] gap%':>12} {'rt':>3}" for k in range(len(solvers))))
    gaps: dict[str, list[float]] = {s: [] for s in solvers}
    extra: dict[str, list[int]] = {s: [] for s in solvers}
    for name, runs in rows.items():
        veh, dist = bks[name]
        cells = []
        for s in solvers:
            cost, routes, _, msg = runs[s]
            if cost is None:
                cells.append(f"{'failed':>12} {'-':>3}")
                continue
            gaps[s].append(100.0 * (cost / dist - 1.0))
            extra[s].append(routes - veh)
            cells.append(f"{gaps[s][-1]:>12.2f} {routes:>3}")
        print(f"{name:<8} {dist:>8.2f} {veh:>4} " + " ".join(cells))
    print("\nsolver    mean gap %   median   at/below bks   mean routes - bks routes   mean time s   ok")
    for s in solvers:
        g = np.array(gaps[s])
        times = [runs[s][2] for runs in rows.values()]
        fails = [runs[s][3] for runs in rows.values() if runs[s][0] is None]
        if g.size:
            print(f"{s[:9]:<9} {g.mean():>10.2f} {np.median(g):>8.2f} {int((g <= 0.005).sum()):>14} "
                  f"{np.mean(extra[s]):>26.2f} {np.mean(times):>13.2f} {g.size:>3}/{len(rows)}")
        else:
            print(f"{s[:9]:<9} {'-':>10} {'-':>8} {'-':>14} {'-':>26} {np.mean(times):>13.2f}   0/{len(rows)}")
        if fails:
            print(f"    first failure: {fails[0]}")


if __name__ == "__main__":
    main()
