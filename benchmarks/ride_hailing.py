"""RideHailing-v0: matching vs value-matching vs PPO (and random / greedy) on generated days and AMoD cities.

Every solution is judged by the environment (``routing_gym.compare``): profit (fares of served trips
minus repositioning cost), revenue, answer rate (served / orders), drivers' idle share and the
decision time per environment step (``ms_per_decision``, the solve time over the decisions the day
takes; value-matching's first day includes fitting its table).

    python benchmarks/ride_hailing.py train --timesteps 500000 --ent-coef 0.001 --shaping 8 --out /tmp/ride_ppo.zip
    python benchmarks/ride_hailing.py generated --days 10 --seed 1 --mcts 20 \
        --ppo routing_gym/agents/pretrained/ride_hailing/dispatcher16.zip
    python benchmarks/ride_hailing.py amod --cities rome,porto,san_francisco,nyc_brooklyn

Generated days are the 16-cell square city over a 8-hour day shift (06:00-14:00, 5-minute ticks,
300 orders expected, 40 drivers); test days use seeds ``[seed, i]`` (``compare``), training days
(value-matching's table, PPO) other seed sequences. AMoD cities are played one day each (seed 0 of
the loader), value-matching fitted on ``--train-days`` other days of the same scenario.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ENV_ID = "routing_gym/RideHailing-v0"
#: the generated day of the benchmark (and of the PPO agent's training)
DAY = {"num_cells": 16, "num_ticks": 96, "start_hour": 6.0, "orders_per_day": 300.0}
AMOD = Path(__file__).resolve().parents[2] / "shared" / "data" / "ridehailing" / "amod_macro"
BASELINES = ("random", "greedy", "matching")


def train(args: argparse.Namespace) -> None:
    from routing_gym.agents.ride_hailing import train_dispatcher

    t0 = time.perf_counter()
    model = train_dispatcher(args.timesteps, seed=args.seed, n_envs=args.n_envs, progress_bar=True,
                             ent_coef=args.ent_coef, shaping=args.shaping, **DAY)
    model.save(args.out)
    print(f"trained {args.timesteps} steps in {time.perf_counter() - t0:.0f} s -> {args.out}")


def generated(args: argparse.Namespace) -> None:
    from routing_gym.compare import compare

    solvers = [*BASELINES, f"value-matching:train_days={args.train_days}:orders_per_day={DAY['orders_per_day']}",
               f"value-matching:train_days={args.train_days}:orders_per_day={DAY['orders_per_day']}:value_scale=0.3"]
    if args.mcts:
        solvers.append(f"mcts:time_limit={args.mcts}")
    for path in args.ppo or ():
        solvers.append(f"agent:path={path}")
    result = compare(ENV_ID, solvers, num_instances=args.days, seed=args.seed, time_limit=600, progress=False,
                     plots=False, out=args.out, **DAY)
    print(f"generated days ({args.days}, seed {args.seed}):")
    print(result.table())


def amod(args: argparse.Namespace) -> None:
    from routing_gym.compare import compare
    from routing_gym.envs.ride_hailing.io import load_amod

    for city in args.cities.split(","):
        path = AMOD / f"scenario_{city}.json"
        if not path.is_file():
            print(f"{city}: {path} not found (the amod_macro scenarios are read from ../shared/data)")
            continue
        day = load_amod(path, seed=0)
        solvers = [*BASELINES, f"value-matching:train_days={args.train_days}:scenario={path}"]
        result = compare(ENV_ID, solvers, instances=[day], time_limit=1200, progress=False, plots=False)
        print(f"{city}: {day}")
        print(result.table())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("train", help="train the MaskablePPO MLP dispatcher on generated days")
    t.add_argument("--timesteps", type=int, default=300_000)
    t.add_argument("--n-envs", type=int, default=32)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--ent-coef", type=float, default=0.01)
    t.add_argument("--shaping", type=float, default=0.0, help="training-only penalty per pickup (x max_pickup)")
    t.add_argument("--out", default="ride_ppo.zip")
    g = sub.add_parser("generated", help="every baseline (and a PPO checkpoint) on generated days")
    g.add_argument("--days", type=int, default=10)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--train-days", type=int, default=8)
    g.add_argument("--ppo", nargs="*", help="trained checkpoints (MLP .zip or attention folder) on the same city")
    g.add_argument("--mcts", type=float, default=0.0, help="also run mcts with this time limit per day (s)")
    g.add_argument("--out", default=None)
    a = sub.add_parser("amod", help="the baselines on AMoD city scenarios (regions as cells)")
    a.add_argument("--cities", default="rome,porto,san_francisco,nyc_brooklyn")
    a.add_argument("--train-days", type=int, default=4)
    args = parser.parse_args()
    {"train": train, "generated": generated, "amod": amod}[args.what](args)


if __name__ == "__main__":
    main()
