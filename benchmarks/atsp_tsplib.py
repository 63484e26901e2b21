"""ATSP: gap to the proven optima of the TSPLIB ``.atsp`` files, at ``0.1 * n`` seconds per instance.

Reads every ``*.atsp`` in ``atsp/`` of the shared data (``$ROUTING_GYM_DATA`` or
``../shared/data`` beside the checkout; the optima come from its ``optimal.csv``).
Each solver gets ``time_limit = --fraction * n`` seconds per instance (default 0.1 n:
1.7 s for br17, 44.3 s for rbg443). Every solution is replayed through
``routing_gym/ATSP-v0`` (the env is the judge); a failed or infeasible run is a
failure row, never averaged in. Prints one row per instance and the mean gap per solver::

    python benchmarks/atsp_tsplib.py                                  # ortools, ils, lkh: ~7 min
    python benchmarks/atsp_tsplib.py --solvers ortools --fraction 0.01
    python benchmarks/atsp_tsplib.py --json atsp.json
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from routing_gym.baselines.base import make_solver
from routing_gym.envs import load_instance, replay


def data_folder() -> Path:
    """``atsp/`` of ``$ROUTING_GYM_DATA``, else of ``../shared/data`` beside the checkout."""
    env = os.environ.get("ROUTING_GYM_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    folder = root / "atsp"
    if not folder.is_dir():
        raise SystemExit(f"no ATSP data at {folder}; set ROUTING_GYM_DATA")
    return folder


def run(spec: str, inst: Any, seconds: float) -> dict[str, Any]:
    """One solver run: cost as the environment judges it, seconds, failure message."""
    solver = make_solver(spec, time_limit=seconds)
    res = solver(inst)
    if not res.ok:
        return {"cost": None, "time_s": res.time_s, "failure": f"{res.status}: {res.message}"}
    verdict = replay("routing_gym/ATSP-v0", inst, res.solution)
    if not verdict.feasible:
        return {"cost": None, "time_s": res.time_s, "failure": f"infeasible: {verdict.message}"}
    return {"cost": verdict.cost, "time_s": res.time_s, "failure": None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--solvers", default="ortools,ils,lkh", help="comma-separated solver specs")
    ap.add_argument("--fraction", type=float, default=0.1, help="seconds per node per instance")
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args()
    specs = [s.strip() for s in args.solvers.split(",") if s.strip()]
    insts = sorted((load_instance(p) for p in data_folder().glob("*.atsp")), key=lambda i: (i.num_nodes, i.name))
    for spec in specs:  # compile / import outside the timed runs
        make_solver(spec).warmup()
    rows = []
    bar = tqdm(total=len(insts) * len(specs), desc="ATSP TSPLIB")
    for inst in insts:
        row: dict[str, Any] = {"name": inst.name, "n": inst.num_nodes, "optimum": inst.optimum}
        for spec in specs:
            bar.set_postfix(instance=inst.name, solver=spec)
            r = run(spec, inst, args.fraction * inst.num_nodes)
            r["gap_pct"] = None if r["cost"] is None else 100.0 * (r["cost"] / inst.optimum - 1.0)
            row[spec] = r
            bar.update(1)
        rows.append(row)
    bar.close()
    print(f"\nATSP, TSPLIB .atsp files, {args.fraction:g} * n seconds per instance; gap to the proven optimum (%)")
    print(f"| {'instance':<8} | {'n':>4} | {'optimum':>7} | " + " | ".join(f"{s:>18}" for s in specs) + " |")
    for row in rows:
        cells = []
        for s in specs:
            r = row[s]
            cells.append(f"{'failed':>18}" if r["cost"] is None else f"{r['cost']:>8.0f} {r['gap_pct']:>7.2f}%  ")
        print(f"| {row['name']:<8} | {row['n']:>4} | {row['optimum']:>7.0f} | " + " | ".join(cells) + " |")
    print("\nper solver: mean gap %, max gap %, optima hit, mean seconds, failures")
    for s in specs:
        gaps = [r[s]["gap_pct"] for r in rows if r[s]["gap_pct"] is not None]
        hits = sum(g < 1e-9 for g in gaps)
        times = [r[s]["time_s"] for r in rows]
        fails = [f"{r['name']}: {r[s]['failure']}" for r in rows if r[s]["failure"]]
        mean = f"{np.mean(gaps):6.2f}" if gaps else "     -"
        worst = f"{np.max(gaps):6.2f}" if gaps else "     -"
        print(f"  {s:<12} mean {mean}  max {worst}  optima {hits}/{len(rows)}  {np.mean(times):6.1f} s  failures {len(fails)}"
              + (f" ({fails[0]})" if fails else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
