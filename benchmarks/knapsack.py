"""Knapsack (BQ-NCO's KP): CP-SAT's proven optima against the published means, the ratio greedy's gap,
and optionally a trained agent's gap.

For each size (default 50, 100, 200 items; capacity 12.5, 25, 25), ``--instances``
instances of seed ``--seed`` (``routing-gym compare --env routing_gym/Knapsack-v0
--env-kwargs num_items=N --seed 1234`` builds the same ones) are solved by

* ``cpsat``: the exact integer model (scale ``2**53``: exact on these float instances),
  reporting how many runs were proven optimal;
* ``greedy`` (the ratio greedy);
* ``--agent PATH`` (a checkpoint folder): greedy decoding, and best of ``--samples`` sampled rollouts.

Gaps are ``mean(1 - value / optimum)`` in %. Every solution is replayed through
``routing_gym/Knapsack-v0`` (agent solutions are built by it). Published means
(the issue quotes them for the random KP sets): 20.127, 40.460, 57.605::

    python benchmarks/knapsack.py                        # about a minute
    python benchmarks/knapsack.py --agent runs/kp50/cloned --samples 16

The agent of the README was trained on 50 items (CP-SAT labels, 8 minutes of cloning, one thread)::

    routing-gym imitate --env routing_gym/Knapsack-v0 --env-kwargs num_items=50 --instances 2000 \
        --steps 100000 --time-limit 480 --lr 8e-4 --eval-instances 100 --eval-every 500 \
        --policy-kwargs embed_dim=64 num_layers=3 num_heads=4 --threads 1 --seed 0 --out runs/kp50
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from routing_gym.baselines.base import make_solver
from routing_gym.compare import make_instances
from routing_gym.envs import replay

ENV_ID = "routing_gym/Knapsack-v0"
#: published mean optimal values of the random sets (50, 100, 200 items)
PUBLISHED = {50: 20.127, 100: 40.460, 200: 57.605}


def solve_all(spec: str, insts: list[Any], desc: str) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Values (NaN on failure), seconds and solver stats of ``spec`` on every instance."""
    solver = make_solver(spec)
    solver.warmup()
    values, times, stats = np.full(len(insts), np.nan), np.zeros(len(insts)), []
    for i, inst in enumerate(tqdm(insts, desc=desc, leave=False)):
        res = solver(inst)
        times[i] = res.time_s
        stats.append(dict(getattr(solver, "last_stats", {})))
        if res.ok:
            verdict = replay(ENV_ID, inst, res.solution)
            if verdict.feasible:
                values[i] = -verdict.cost
    return values, times, stats


def agent_values(path: str, insts: list[Any], samples: int) -> dict[str, np.ndarray]:
    """Packed values of the agent's greedy decoding and of its best of ``samples`` samples."""
    import torch

    from routing_gym.agents.inference import rollout

    torch.set_num_threads(1)
    out = {"agent greedy": np.array([-d.cost for d in rollout(path, insts, max_rows=512)])}
    if samples > 1:
        res = rollout(path, insts, decode="sample", samples=samples, seed=0, max_rows=512)
        out[f"agent best of {samples} samples"] = np.array([-d.cost for d in res])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="50,100,200")
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--time-limit", type=float, default=60.0, help="CP-SAT seconds per instance (it stops when optimal)")
    ap.add_argument("--agent", help="checkpoint folder of a trained policy")
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--json")
    args = ap.parse_args()
    report = []
    for n in [int(s) for s in args.sizes.split(",")]:
        insts, _ = make_instances(ENV_ID, args.instances, args.seed, num_items=n)
        opt, t_opt, stats = solve_all(f"cpsat:time_limit={args.time_limit}", insts, f"cpsat n={n}")
        proven = sum(s.get("status") == "OPTIMAL" and s.get("exact", False) for s in stats)
        greedy, t_greedy, _ = solve_all("greedy", insts, f"greedy n={n}")
        rows = {"greedy": greedy}
        if args.agent:
            rows.update(agent_values(args.agent, insts, args.samples))
        entry = {"n": n, "capacity": insts[0].capacity, "instances": len(insts), "cpsat_mean": float(np.nanmean(opt)),
                 "published": PUBLISHED.get(n), "proven_optimal": proven, "cpsat_time_s": float(t_opt.mean()),
                 "cpsat_failed": int(np.isnan(opt).sum()),
                 "gaps_pct": {k: float(100 * np.nanmean(1 - v / opt)) for k, v in rows.items()},
                 "means": {k: float(np.nanmean(v)) for k, v in rows.items()}, "greedy_time_s": float(t_greedy.mean())}
        report.append(entry)
    print(f"\nKnapsack, {args.instances} instances of seed {args.seed} per size; gap = mean(1 - value / CP-SAT optimum)")
    print("| items | capacity | CP-SAT mean optimum | published | proven optimal | CP-SAT s/inst | "
          + " | ".join(f"{k} mean (gap)" for k in report[0]["gaps_pct"]) + " |")
    for e in report:
        cells = " | ".join(f"{e['means'][k]:.3f} ({e['gaps_pct'][k]:.2f}%)" for k in e["gaps_pct"])
        pub = f"{e['published']:.3f}" if e["published"] else "-"
        print(f"| {e['n']} | {e['capacity']:g} | {e['cpsat_mean']:.3f} | {pub} | {e['proven_optimal']}/{e['instances']} | "
              f"{e['cpsat_time_s']:.3f} | {cells} |")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
