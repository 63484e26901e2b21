"""ATSP agent: test gaps of a trained policy on ATSP20 (MatNet tmat matrices), with a few solvers for context.

``--instances`` instances of seed ``--seed`` (``routing-gym compare --env routing_gym/ATSP-v0
--env-kwargs num_nodes=20 --seed 1234`` builds the same ones; training validated on seed
4321). Gap = ``mean(cost / reference - 1)`` against ``lkh`` (LKH-3 through elkai, one run).

Decodings: greedy; greedy from every start node (``starts=n``: a tour is a cycle, so
each start is another rollout of the same problem, POMO-style); best of 16 samples; best
of 16 samples from every start. The unit-square x8 augmentation of the coordinate
problems does not apply: the costs are a matrix, and its 2-D embedding is only a hint.
Every solution is built and costed by the environment. Usage::

    python benchmarks/atsp_agent.py --path runs/atsp20b/cloned
    python benchmarks/atsp_agent.py --path runs/atsp20b/cloned --solvers none

The policy of the README (LKH-3 labels, 10 minutes of cloning, one thread)::

    routing-gym imitate --env routing_gym/ATSP-v0 --env-kwargs num_nodes=20 --instances 4000 \
        --steps 100000 --time-limit 600 --lr 8e-4 --eval-instances 100 --eval-every 500 \
        --policy-kwargs embed_dim=64 num_layers=3 num_heads=4 --threads 1 --seed 0 --out runs/atsp20b
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

ENV_ID = "routing_gym/ATSP-v0"
#: decodings (name -> ``rollout`` options); ``starts`` is capped at the node count
DECODINGS: dict[str, dict[str, Any]] = {
    "greedy": {},
    "greedy x all starts": {"starts": 1 << 30},
    "sample 16": {"decode": "sample", "samples": 16},
    "sample 16 x all starts": {"decode": "sample", "samples": 16, "starts": 1 << 30},
}


def solver_costs(spec: str, insts: list[Any]) -> tuple[np.ndarray, float]:
    """Costs (as the env judges them; NaN on failure) and mean seconds of ``spec``."""
    from routing_gym.baselines.base import make_solver
    from routing_gym.envs import replay

    solver = make_solver(spec)
    solver.warmup()
    costs, times = np.full(len(insts), np.nan), []
    for i, inst in enumerate(tqdm(insts, desc=spec, leave=False)):
        res = solver(inst)
        times.append(res.time_s)
        if res.ok:
            v = replay(ENV_ID, inst, res.solution)
            costs[i] = v.cost if v.feasible else np.nan
    return costs, float(np.mean(times))


def main() -> None:
    import torch

    from routing_gym.agents.train import evaluate_policy, reference_costs, validation_set

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--path", required=True, help="checkpoint folder")
    ap.add_argument("--num-nodes", type=int, default=20)
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--reference", default="lkh")
    ap.add_argument("--solvers", default="nn:ls=false,nn,ils:time_limit=0.2", help="context solvers, or 'none'")
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    insts = validation_set(ENV_ID, {"num_nodes": args.num_nodes}, args.instances, args.seed)
    ref = reference_costs(insts, args.reference, progress=True)
    rows: dict[str, dict[str, Any]] = {}
    for name, opts in tqdm(DECODINGS.items(), desc="decodings"):
        ev = evaluate_policy(args.path, insts, ref, **opts)
        rows[f"agent {name}"] = {"mean_cost": ev.mean_cost, "gap": ev.gap, "time_s": ev.time_s}
    for spec in ([] if args.solvers == "none" else args.solvers.split(",")):
        costs, t = solver_costs(spec, insts)
        ok = np.isfinite(costs)
        rows[spec] = {"mean_cost": float(np.mean(costs[ok])), "gap": float(100 * np.mean(costs[ok] / ref[ok] - 1)),
                      "time_s": t * len(insts), "failed": int((~ok).sum())}
    print(f"\nATSP{args.num_nodes}, {args.instances} instances of seed {args.seed}; reference {args.reference} "
          f"(mean cost {np.nanmean(ref):.4f}); times for all instances together")
    print("| method | mean cost | gap | time |\n|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['mean_cost']:.4f} | {r['gap']:.2f}% | {r['time_s']:.1f} s |")
    if args.json:
        Path(args.json).write_text(json.dumps({"reference_mean_cost": float(np.nanmean(ref)), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
