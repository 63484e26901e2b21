"""OP and PCTSP: the suite's ILS against the best of OR-Tools and HGS at equal time, for 20 / 50 / 100 nodes.

For each problem and size, ``--instances`` instances of seed ``--seed``
(``routing-gym compare --env routing_gym/OP-v0 --env-kwargs num_nodes=N --seed S``
builds the same ones; OP prizes are ``--prize-type``, default ``dist``) are solved by
``ils``, ``ortools``, ``hgs`` (each with the same time limit per instance,
``--seconds-per-node * n``, default 0.02 s per node: 0.4 / 1 / 2 s) and, for
context, ``greedy`` (no time limit: one construction plus local search). Every
solution is replayed through its environment (the judge); a failed or infeasible
run is counted and left out of the means.

The gap is ILS's loss against the better of OR-Tools and HGS on each instance,
``(ref - ils) / ref`` for OP's prize and ``(ils - ref) / ref`` for PCTSP's cost, in %
(negative: ILS is better); also the mean objective of each solver and how often ILS
is at least as good as that reference::

    python benchmarks/op_pctsp.py                    # 20 instances per size: about 7 minutes on one core
    python benchmarks/op_pctsp.py --sizes 20 --instances 5 --seconds-per-node 0.01
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

PROBLEMS = {"op": "routing_gym/OP-v0", "pctsp": "routing_gym/PCTSP-v0"}
SOLVERS = ("ils", "ortools", "hgs")


def objectives(env_id: str, spec: str, insts: list[Any], desc: str) -> tuple[np.ndarray, float]:
    """Each instance's objective as the env judges it (prize for OP, cost for PCTSP; NaN on failure), mean seconds."""
    solver = make_solver(spec)
    solver.warmup()
    out, times = np.full(len(insts), np.nan), []
    for i, inst in enumerate(tqdm(insts, desc=desc, leave=False)):
        res = solver(inst)
        times.append(res.time_s)
        if res.ok:
            verdict = replay(env_id, inst, res.solution)
            if verdict.feasible:
                out[i] = -verdict.cost if env_id.endswith("OP-v0") else verdict.cost
    return out, float(np.mean(times))


def run_size(problem: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    env_id = PROBLEMS[problem]
    kwargs: dict[str, Any] = {"num_nodes": n}
    if problem == "op":
        kwargs["prize_type"] = args.prize_type
    insts, _ = make_instances(env_id, args.instances, args.seed, **kwargs)
    seconds = round(args.seconds_per_node * n, 6)
    values: dict[str, np.ndarray] = {}
    times: dict[str, float] = {}
    for name in SOLVERS:
        values[name], times[name] = objectives(env_id, f"{name}:time_limit={seconds}", insts, f"{problem}{n} {name}")
    values["greedy"], times["greedy"] = objectives(env_id, "greedy", insts, f"{problem}{n} greedy")
    maximise = problem == "op"
    refs = np.fmax(values["ortools"], values["hgs"]) if maximise else np.fmin(values["ortools"], values["hgs"])
    sign = 1.0 if maximise else -1.0
    gap = sign * (refs - values["ils"]) / np.abs(refs) * 100.0
    return {
        "problem": problem, "n": n, "instances": len(insts), "seconds": seconds,
        "mean": {k: float(np.nanmean(v)) for k, v in values.items()},
        "failed": {k: int(np.isnan(v).sum()) for k, v in values.items()},
        "time_s": times,
        "ils_gap_pct": float(np.nanmean(gap)),
        "ils_at_least_as_good": int(np.sum(sign * (values["ils"] - refs) >= -1e-9)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--sizes", nargs="+", type=int, default=[20, 50, 100])
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--seconds-per-node", type=float, default=0.02)
    parser.add_argument("--prize-type", default="dist", choices=["const", "unif", "dist"])
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    rows = [run_size(p, n, args) for p in args.problems for n in args.sizes]
    print(f"seed {args.seed}, {args.instances} instances per size, OP prizes {args.prize_type!r}; "
          f"objective: OP prize (max), PCTSP cost (min)")
    head = f"{'problem':<8}{'n':>5}{'s/inst':>8}{'ils':>10}{'ortools':>10}{'hgs':>10}{'greedy':>10}{'ILS gap %':>11}{'ILS>=ref':>10}{'failed':>8}"
    print(head)
    for r in rows:
        m = r["mean"]
        print(f"{r['problem']:<8}{r['n']:>5}{r['seconds']:>8.2f}{m['ils']:>10.4f}{m['ortools']:>10.4f}{m['hgs']:>10.4f}"
              f"{m['greedy']:>10.4f}{r['ils_gap_pct']:>11.2f}{r['ils_at_least_as_good']:>6}/{r['instances']:<3}"
              f"{sum(r['failed'].values()):>8}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
