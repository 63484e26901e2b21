"""Quality of the in-suite baselines against the references of record.

Three tables of mean gap ``(cost / reference - 1)`` in %, with mean seconds per instance:

* TSP (uniform, default n=100): constructions + local search, ``ils`` and OR-Tools at
  ``--tsp-time`` seconds, against LKH-3 (``lkh``, elkai, one run);
* CVRP (uniform, Kool et al., default n=100): constructions + local search, ``ils`` and
  OR-Tools at ``--cvrp-time`` seconds, against HGS (``hgs``, PyVRP) at the same time;
* CVRPLIB X (from ``../shared/data/cvrplib_x`` or ``$ROUTING_GYM_DATA``): ``ils``,
  OR-Tools and HGS at ``--x-fraction * 2.4 * n`` seconds (the DIMACS challenge budget is
  ``2.4 * n``), against the best-known solutions of the files.

Every solver result is checked with ``evaluate``; an infeasible or failed run is a
failure row (counted, never averaged in). Usage::

    python benchmarks/baselines_quality.py                      # a few minutes
    python benchmarks/baselines_quality.py --instances 20 --x-instances 10 --x-fraction 0.05
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from tqdm import tqdm

from routing_gym.baselines import make_solver
from routing_gym.envs import CVRPGenerator, TSPGenerator, evaluate, load_instance


@dataclass
class Row:
    """Aggregate of one solver on one benchmark."""

    benchmark: str
    solver: str
    gaps: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        gap = f"{np.mean(self.gaps):7.2f}%" if self.gaps else "      -"
        worst = f"{np.max(self.gaps):7.2f}%" if self.gaps else "      -"
        t = f"{np.mean(self.times):7.3f}" if self.times else "      -"
        fail = f"  failed {len(self.failures)}: {self.failures[0]}" if self.failures else ""
        return f"| {self.benchmark:<22} | {self.solver:<32} | {gap} | {worst} | {t} | {len(self.gaps):3d} |{fail}"


def _solve(spec: str, inst: Any) -> tuple[float | None, float, str]:
    """Cost (None on failure), seconds and failure message of one run."""
    res = make_solver(spec)(inst)
    if not res.ok:
        return None, res.time_s, f"{res.status}: {res.message}"
    ev = evaluate(inst, res.solution)
    if not ev.feasible:
        return None, res.time_s, f"infeasible: {ev.violation}"
    return ev.cost, res.time_s, ""


def run_benchmark(name: str, instances: Sequence[Any], solvers: Sequence[str], reference: str | None,
                  progress: bool = True) -> list[Row]:
    """Gaps of ``solvers`` on ``instances`` against ``reference`` (a spec) or the instances' ``optimum``."""
    rows = {s: Row(name, s) for s in solvers}
    ref_row = Row(name, f"{reference} (reference)") if reference else None
    jobs = len(instances) * (len(solvers) + (1 if reference else 0))
    bar = tqdm(total=jobs, desc=name, disable=not progress, leave=False)
    for inst in instances:
        if reference:
            ref, t, msg = _solve(reference, inst)
            bar.update()
            if ref is None:
                ref_row.failures.append(msg)
                bar.update(len(solvers))
                continue
            ref_row.gaps.append(0.0)
            ref_row.times.append(t)
        else:
            ref = inst.optimum
        for s in solvers:
            cost, t, msg = _solve(s, inst)
            bar.update()
            if cost is None:
                rows[s].failures.append(msg)
            else:
                rows[s].gaps.append(100.0 * (cost / ref - 1.0))
                rows[s].times.append(t)
    bar.close()
    return ([ref_row] if ref_row else []) + list(rows.values())


def data_root() -> Path | None:
    env = os.environ.get("ROUTING_GYM_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root if root.is_dir() else None


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instances", type=int, default=5, help="random instances per problem (default 5)")
    p.add_argument("--tsp-size", type=int, default=100)
    p.add_argument("--cvrp-size", type=int, default=100)
    p.add_argument("--tsp-time", "--time-limit", type=float, default=1.0, help="seconds per TSP instance (default 1)")
    p.add_argument("--cvrp-time", type=float, default=5.0, help="seconds per CVRP instance (default 5)")
    p.add_argument("--x-instances", type=int, default=3, help="CVRPLIB X instances, smallest first (0: skip)")
    p.add_argument("--x-stride", type=int, default=1, help="take every k-th X instance by size (spread the sizes)")
    p.add_argument("--x-fraction", type=float, default=0.01, help="fraction of the 2.4*n s budget on X (default 0.01)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--skip", default="", help="comma list of benchmarks to skip: tsp,cvrp,x")
    p.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = p.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    rng = np.random.default_rng(args.seed)
    rows: list[Row] = []
    if "tsp" not in skip:
        gen = TSPGenerator(args.tsp_size)
        insts = [gen(rng) for _ in range(args.instances)]
        t = args.tsp_time
        solvers = ["nn", "farthest", "cheapest", "nn:ls=false", "farthest:ls=false", f"ils:time_limit={t}",
                   f"ortools:time_limit={t}"]
        rows += run_benchmark(f"TSP{args.tsp_size} uniform", insts, solvers, "lkh")
    if "cvrp" not in skip:
        gen = CVRPGenerator(args.cvrp_size)
        insts = [gen(rng) for _ in range(args.instances)]
        t = args.cvrp_time
        solvers = ["savings", "sweep", "nn", "savings:ls=false", f"ils:time_limit={t}", f"ortools:time_limit={t}"]
        rows += run_benchmark(f"CVRP{args.cvrp_size} uniform", insts, solvers, f"hgs:time_limit={t}")
    root = data_root()
    if "x" not in skip and args.x_instances > 0:
        if root is None or not (root / "cvrplib_x").is_dir():
            print("CVRPLIB X: data folder not found (../shared/data or $ROUTING_GYM_DATA); skipped", file=sys.stderr)
        else:
            files = sorted((root / "cvrplib_x").glob("X-n*.vrp"), key=lambda f: int(f.name.split("-")[1][1:]))
            for f in files[:: max(1, args.x_stride)][: args.x_instances]:
                inst = load_instance(f)
                t = round(args.x_fraction * 2.4 * inst.num_customers, 3)
                solvers = ["savings", f"ils:time_limit={t}", f"ortools:time_limit={t}", f"hgs:time_limit={t}"]
                rows += run_benchmark(f"{inst.name} ({t:g} s)", [inst], solvers, None)

    print(f"| {'benchmark':<22} | {'solver':<32} | mean gap | max gap | time s  | ok  |")
    print(f"|{'-' * 24}|{'-' * 34}|----------|----------|---------|-----|")
    for r in rows:
        print(r.line())
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
