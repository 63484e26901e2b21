"""Train the GNN pointer policy on VertiportFleet-v0 with MaskablePPO and judge it against greedy on held-out days.

The suite's ``train`` (the function behind ``routing-gym train``): ``GNNPolicy`` (GATv2 on the
vertiport graph, :mod:`routing_gym.agents.vertiport_fleet` features), MaskablePPO on the native
vector env, validation on seed 4321 keeping the best checkpoint. Then the best checkpoint plays
``--test-days`` held-out days (seed 1234, the days of ``benchmarks/vertiport_fleet_policies.py``)
as ``agent:path=...`` beside ``greedy`` and ``random``; every schedule is replayed by the env.

    .venv/bin/python benchmarks/train_vertiport_fleet.py --setting proved --timesteps 20000 --out runs/vtol_proved
    nice -n 5 .venv/bin/python benchmarks/train_vertiport_fleet.py --setting proved --timesteps 30000 --n-envs 4 \
        --n-steps 32 --batch-size 64 --torch-threads 1 --out runs/vtol_cheap     # the cheap run of the README
    .venv/bin/python benchmarks/train_vertiport_fleet.py --setting default --timesteps 200000 --out runs/vtol

The same run from the command line: ``routing-gym train --env routing_gym/VertiportFleet-v0 --policy gnn
--env-kwargs num_vertiports=3 num_aircraft=3 ... --algo-kwargs gamma=0.99 ent_coef=0.01 ...``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from routing_gym.agents.train import train
from routing_gym.baselines.base import make_solver
from routing_gym.compare import make_instances
from routing_gym.envs import replay

ENV_ID = "routing_gym/VertiportFleet-v0"
#: the benchmark's small setting (where the hindsight bound proves optimality)
PROVED = {"num_vertiports": 3, "num_aircraft": 3, "horizon_hours": 1.0, "area_km": 30.0, "parking": 4, "chargers": 2,
          "day_start_hour": 7.0, "demand_per_hour": 30.0}


def judge(spec: str, days: list) -> tuple[np.ndarray, float]:
    """Profits of ``spec`` on ``days`` (each replayed by the env) and its milliseconds per decision."""
    from routing_gym.envs.vertiport_fleet.types import day_figures

    solver = make_solver(spec)
    profits, secs, decisions = [], 0.0, 0.0
    for day in days:
        res = solver(day)
        if not res.ok:
            raise SystemExit(f"{spec} failed: {res.message}")
        r = replay(ENV_ID, day, res.solution)
        if not r.feasible:
            raise SystemExit(f"{spec}: infeasible schedule: {r.message}")
        profits.append(-r.cost)
        secs += res.time_s
        decisions += day_figures(day, res.solution)["decisions"]
    return np.array(profits), 1000.0 * secs / decisions


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--setting", choices=("proved", "default"), default="proved")
    p.add_argument("--timesteps", type=int, default=20_000)
    p.add_argument("--n-envs", type=int, default=16)
    p.add_argument("--n-steps", type=int, default=64, help="PPO rollout steps per env between updates")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--n-epochs", type=int, default=4)
    p.add_argument("--eval-freq", type=int, default=None, help="steps between validations (default: a third of the run)")
    p.add_argument("--torch-threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--test-days", type=int, default=20)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    env_kwargs = PROVED if args.setting == "proved" else {}
    t0 = time.perf_counter()
    result = train(ENV_ID, env_kwargs, policy="gnn", timesteps=args.timesteps, n_envs=args.n_envs, seed=args.seed,
                   out_dir=args.out, policy_kwargs={"embed_dim": 32, "num_layers": 2, "num_heads": 4, "k": 8},
                   algo_kwargs={"gamma": 0.99, "gae_lambda": 0.95, "ent_coef": 0.01, "learning_rate": 3e-4,
                                "n_steps": args.n_steps, "batch_size": args.batch_size,
                                "n_epochs": args.n_epochs},
                   eval_instances=16, eval_freq=args.eval_freq or max(1, args.timesteps // 3), reference="greedy", progress_bar=False)
    train_s = time.perf_counter() - t0
    ckpt = result.best_path or result.final_path
    days, _ = make_instances(ENV_ID, args.test_days, 1234, **env_kwargs)
    out = {"setting": args.setting, "timesteps": args.timesteps, "train_s": round(train_s, 1), "checkpoint": str(ckpt),
           "validation": result.history}
    print(f"trained {args.timesteps} steps in {train_s:.0f} s; validation {result.history}")
    print("| policy | mean profit ± s.e. | ms / decision |\n|---|---|---|")
    for spec in ("random", "greedy", f"agent:path={ckpt}"):
        profit, ms = judge(spec, days)
        se = profit.std(ddof=1) / np.sqrt(len(profit))
        out[spec.split(":")[0]] = {"mean": float(profit.mean()), "se": float(se), "ms_per_decision": ms,
                                   "profits": profit.tolist()}
        print(f"| {spec} | {profit.mean():.1f} ± {se:.1f} | {ms:.3g} |", flush=True)
    diff = np.array(out["agent"]["profits"]) - np.array(out["greedy"]["profits"])
    print(f"agent - greedy per day: mean {diff.mean():.1f}, wins {int((diff > 0).sum())}/{len(diff)}")
    with open(f"{args.out}/test.json", "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
