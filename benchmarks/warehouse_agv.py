"""WarehouseAGV-v0: prioritized planning, CBS, CP-SAT, a trained PPO policy and MCTS on the default
warehouse and on MovingAI maps.

For growing numbers of robots: success rate (a plan within the time limit with every robot at its
goal; for cpsat also the share proved optimal), the sum of costs (as the env replays it; mean over
the instances every solver solved), its ratio to the lower bound (sum of shortest paths;
``sic_lb.csv`` for the benchmark maps, checked against our BFS), and the time per instance. Every
plan is replayed through the env and checked for conflicts.

    .venv/bin/python benchmarks/warehouse_agv.py --agent agv.zip        # the README table
    .venv/bin/python benchmarks/warehouse_agv.py --quick                # a smoke run

Benchmark files are read from ``$ROUTING_GYM_DATA/mapf`` (default ``../shared/data/mapf``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from routing_gym.baselines.base import make_solver
from routing_gym.baselines.warehouse_agv.search import Grid
from routing_gym.envs import load_instance, replay
from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator
from routing_gym.envs.warehouse_agv.types import arrival_times, first_conflict, padded_paths

DATA = Path(os.environ.get("ROUTING_GYM_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "mapf"
MAPS = ("empty-32-32", "random-32-32-10", "room-32-32-4", "maze-32-32-2", "warehouse-10-20-10-2-1")


_SOLVERS: dict[str, Any] = {}


def _solver(spec: str) -> Any:
    """One solver per spec for the whole run, warmed up once (a checkpoint loads outside the timed runs)."""
    if spec not in _SOLVERS:
        _SOLVERS[spec] = make_solver(spec)
        _SOLVERS[spec].warmup()
    return _SOLVERS[spec]


def run_setting(label: str, instances: list[Any], specs: list[str], pbar: tqdm) -> list[dict[str, Any]]:
    """Every solver on every instance; one row per solver."""
    results: dict[str, list[tuple[bool, float, float, bool]]] = {s: [] for s in specs}
    bounds = []
    for inst in instances:
        lb = Grid(inst).lower_bound()
        if inst.lower_bound is not None and inst.lower_bound != lb:
            raise AssertionError(f"{inst.name}: sic_lb.csv says {inst.lower_bound}, BFS {lb}")
        bounds.append(lb)
        for spec in specs:
            solver = _solver(spec)
            r = solver(inst)
            cost, ok = float("nan"), False
            if r.ok:
                rep = replay(None, inst, r.solution)
                paths = padded_paths(inst, r.solution)
                if not rep.feasible or first_conflict(paths) is not None:
                    raise AssertionError(f"{spec} on {inst.name}: {rep.message or first_conflict(paths)}")
                ok, cost = bool((arrival_times(paths, inst.goals) >= 0).all()), rep.cost  # mcts may end off goal
            optimal = ok and getattr(solver, "last_stats", {}).get("status") == "OPTIMAL"
            results[spec].append((ok, cost, r.time_s, optimal))
            pbar.update(1)
    all_ok = np.array([all(results[s][i][0] for s in specs) for i in range(len(instances))])
    rows = []
    for spec in specs:
        ok = np.array([x[0] for x in results[spec]])
        cost = np.array([x[1] for x in results[spec]])
        lbs = np.array(bounds, dtype=float)
        rows.append({
            "setting": label, "solver": _label(spec), "n": len(instances),
            "success": ok.mean(), "optimal": np.mean([x[3] for x in results[spec]]),
            "soc": cost[all_ok].mean() if all_ok.any() else float("nan"),
            "soc_lb": (cost[ok] / lbs[ok]).mean() if ok.any() else float("nan"),
            "time": np.mean([x[2] for x in results[spec]]),
        })
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per solver and instance")
    ap.add_argument("--instances", type=int, default=5, help="generated warehouses per robot count")
    ap.add_argument("--scens", type=int, default=3, help="scenarios per map and agent count")
    ap.add_argument("--robots", type=int, nargs="*", default=[4, 8, 12, 16])
    ap.add_argument("--agents", type=int, nargs="*", default=[5, 10, 20])
    ap.add_argument("--cpsat-max", type=int, default=12, help="run cpsat up to this many robots")
    ap.add_argument("--agent", default=None, help="a trained agv-ppo checkpoint (.zip) to run beside the planners")
    ap.add_argument("--agent-samples", type=int, default=0,
                    help="also run the agent with this many sampled episodes (best plan kept), on the generated warehouses")
    ap.add_argument("--mcts-max", type=int, default=0, help="run mcts (the time limit) on the generated warehouses up to this many robots")
    ap.add_argument("--maps", nargs="*", default=list(MAPS), help="MovingAI maps (under $ROUTING_GYM_DATA/mapf)")
    ap.add_argument("--only", nargs="*", default=None, help="run only these solvers (names as the table prints them)")
    ap.add_argument("--quick", action="store_true", help="2 instances, robots 4 8, agents 5")
    args = ap.parse_args()
    if args.quick:
        args.instances, args.scens, args.robots, args.agents = 2, 1, [4, 8], [5]
    tl = args.time_limit
    settings: list[tuple[str, list[Any], list[str]]] = []
    for r in args.robots:
        gen = WarehouseGenerator(num_robots=r)
        insts = [gen(np.random.default_rng([2026, r, i])) for i in range(args.instances)]
        settings.append((f"warehouse 11x22 R={r}", insts, _specs(r, tl, args, generated=True)))
    if DATA.is_dir():
        for m in args.maps:
            for k in args.agents:
                insts = [load_instance(DATA / f"{m}-even-{s}.scen", agents=k) for s in range(1, args.scens + 1)]
                settings.append((f"{m} k={k}", insts, _specs(k, tl, args)))
    if args.only:
        settings = [(lb, i, [s for s in sp if _label(s) in args.only]) for lb, i, sp in settings]
    total = sum(len(i) * len(s) for _, i, s in settings)
    rows = []
    with tqdm(total=total, desc="warehouse_agv") as pbar:
        for label, insts, specs in settings:
            rows += run_setting(label, insts, specs, pbar)
    print(f"\nWarehouseAGV-v0, time limit {tl:g} s per solver and instance (2-core shared CPU)")
    print(f"{'setting':32s} {'solver':12s} {'n':>3s} {'success':>8s} {'optimal':>8s} {'SoC':>9s} {'SoC/LB':>7s} {'time s':>8s}")
    for r in rows:
        print(f"{r['setting']:32s} {r['solver']:12s} {r['n']:3d} {100 * r['success']:7.0f}% {100 * r['optimal']:7.0f}% "
              f"{r['soc']:9.1f} {r['soc_lb']:7.3f} {r['time']:8.3f}")
    print("SoC: mean over the instances every solver of the setting solved; SoC/LB: over each solver's own "
          "solved instances; optimal: CP-SAT proved it.")


def _label(spec: str) -> str:
    name = spec.split(":")[0].replace("agv-ppo", "ppo")
    samples = [p for p in spec.split(":") if p.startswith("samples=")]
    return name + (f" x{1 + int(samples[0][8:])}" if samples else "")


def _specs(robots: int, tl: float, args: argparse.Namespace, generated: bool = False) -> list[str]:
    specs = [f"prioritized:time_limit={tl}", f"cbs:time_limit={tl}"]
    specs += [f"cpsat:time_limit={tl}"] if robots <= args.cpsat_max else []
    specs += [f"agv-ppo:path={args.agent}"] if args.agent else []
    specs += [f"agv-ppo:path={args.agent}:samples={args.agent_samples}"] if args.agent and args.agent_samples and generated else []
    return specs + ([f"mcts:time_limit={tl}:c=2"] if generated and robots <= args.mcts_max else [])


if __name__ == "__main__":
    main()
