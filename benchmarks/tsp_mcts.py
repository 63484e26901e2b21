"""Benchmark of the heatmap-guided k-opt MCTS (``kopt-mcts``) on TSPLIB and on uniform TSP100.

TSPLIB: the EUC_2D instances of ``--min-n``..``--max-n`` cities listed in
``tsplib/instances.csv`` (name, dimension, edge_weight_type, optimal), each
searched for ``--seconds-per-node * n`` seconds (0.1 * n by default, the budget
of Xia et al. 2024); prints the gap to the optimum per instance and the mean.
Uniform: ``--uniform K`` random TSP100 instances at ``--uniform-time`` seconds
each, against LKH-3 (``elkai``) on the same instances.

Examples::

    python benchmarks/tsp_mcts.py --instances kroA100,pr439 --seconds-per-node 0.05
    python benchmarks/tsp_mcts.py --max-n 300 --heatmap zero        # ablation
    python benchmarks/tsp_mcts.py --no-tsplib --uniform 10
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from routing_gym.baselines import make_solver
from routing_gym.envs import TSPInstance, evaluate, load_instance


def data_root(arg: str | None) -> Path:
    """The shared data folder: ``--data``, ``$ROUTING_GYM_DATA``, or ``../shared/data`` beside the checkout."""
    if arg:
        return Path(arg)
    env = os.environ.get("ROUTING_GYM_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def tsplib_instances(root: Path, names: list[str] | None, min_n: int, max_n: int) -> list[dict[str, Any]]:
    """Rows of ``instances.csv`` for EUC_2D instances in the size range (or the named ones)."""
    with open(root / "tsplib" / "instances.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    if names:
        by_name = {r["name"]: r for r in rows}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise SystemExit(f"unknown TSPLIB instance(s): {', '.join(missing)}")
        return [by_name[n] for n in names]
    return [r for r in rows if r["edge_weight_type"] == "EUC_2D" and min_n <= int(r["dimension"]) <= max_n]


def run_tsplib(args: argparse.Namespace) -> None:
    root = data_root(args.data)
    if not (root / "tsplib" / "instances.csv").is_file():
        raise SystemExit(f"no TSPLIB data under {root} (set --data or ROUTING_GYM_DATA)")
    rows = tsplib_instances(root, args.instances.split(",") if args.instances else None, args.min_n, args.max_n)
    if args.limit:
        rows = rows[: args.limit]
    gaps: list[float] = []
    print(f"kopt-mcts, heatmap={args.heatmap}, {args.seconds_per_node} s/node, seed={args.seed} {args.params}")
    print(f"{'instance':<10} {'n':>5} {'optimum':>9} {'cost':>9} {'gap %':>7} {'start %':>8} {'time s':>7}")
    for r in rows:
        inst = load_instance(root / "tsplib" / f"{r['name']}.tsp")
        assert isinstance(inst, TSPInstance)
        n, opt = inst.num_nodes, float(r["optimal"])
        spec = f"kopt-mcts:heatmap={args.heatmap}:seed={args.seed}" + (f":{args.params}" if args.params else "")
        solver = make_solver(spec, time_limit=args.seconds_per_node * n)
        res = solver(inst)
        if not res.ok:
            print(f"{r['name']:<10} {n:>5} {opt:>9.0f} {'FAILED':>9} ({res.status}: {res.message})")
            continue
        ev = evaluate(inst, res.solution)
        if not ev.feasible:
            raise SystemExit(f"{r['name']}: infeasible tour ({ev.violation})")
        gap = 100.0 * (ev.cost / opt - 1.0)
        start = 100.0 * (solver.last_stats["local_opt"] / opt - 1.0)
        gaps.append(gap)
        print(f"{r['name']:<10} {n:>5} {opt:>9.0f} {ev.cost:>9.0f} {gap:>7.2f} {start:>8.2f} {res.time_s:>7.1f}", flush=True)
    if gaps:
        print(f"mean gap over {len(gaps)} instances: {np.mean(gaps):.2f}%  (max {np.max(gaps):.2f}%)")


def run_uniform(args: argparse.Namespace) -> None:
    try:
        import elkai
    except ImportError:
        raise SystemExit("the uniform comparison needs elkai (pip install 'routing-gym[refs]')") from None
    rng = np.random.default_rng(args.seed)
    costs, refs, lk_times = [], [], []
    for _ in range(args.uniform):
        inst = TSPInstance.from_coords(rng.random((args.uniform_n, 2)))
        solver = make_solver(f"kopt-mcts:heatmap={args.heatmap}:seed={args.seed}" + (f":{args.params}" if args.params else ""),
                             time_limit=args.uniform_time)
        res = solver(inst)
        if not res.ok:
            raise SystemExit(f"kopt-mcts failed: {res.status}: {res.message}")
        costs.append(evaluate(inst, res.solution).cost)
        t0 = time.perf_counter()
        # LKH-3 reads integer weights: scale by 1e6 (the tour is judged on the float distances)
        tour = elkai.DistanceMatrix(np.rint(inst.distances * 1e6).astype(np.int64).tolist()).solve_tsp()
        lk_times.append(time.perf_counter() - t0)
        refs.append(evaluate(inst, tour[:-1]).cost)  # elkai repeats the first city at the end
    gap = 100.0 * (np.array(costs) / np.array(refs) - 1.0)
    print(f"TSP{args.uniform_n} uniform, {args.uniform} instances: kopt-mcts {args.uniform_time} s mean length "
          f"{np.mean(costs):.4f}, LKH-3 {np.mean(refs):.4f} ({np.mean(lk_times):.2f} s), gap {gap.mean():.2f}% "
          f"(max {gap.max():.2f}%)")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="shared data folder (default: $ROUTING_GYM_DATA or ../shared/data)")
    p.add_argument("--instances", help="comma-separated TSPLIB names (default: all EUC_2D in the size range)")
    p.add_argument("--min-n", type=int, default=100)
    p.add_argument("--max-n", type=int, default=1000)
    p.add_argument("--limit", type=int, default=0, help="run only the first N instances")
    p.add_argument("--seconds-per-node", type=float, default=0.1, help="time budget per city (default 0.1)")
    p.add_argument("--heatmap", default="softdist", choices=["softdist", "zero", "uniform"], help="zero: the ablation")
    p.add_argument("--params", default="", help="extra solver spec, e.g. 'candidates=8:accept=best'")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-tsplib", action="store_true", help="skip the TSPLIB part")
    p.add_argument("--uniform", type=int, default=0, help="also run K uniform instances against LKH-3")
    p.add_argument("--uniform-n", type=int, default=100)
    p.add_argument("--uniform-time", type=float, default=1.0)
    args = p.parse_args(argv)
    if not args.no_tsplib:
        run_tsplib(args)
    if args.uniform:
        run_uniform(args)


if __name__ == "__main__":
    main(sys.argv[1:])
