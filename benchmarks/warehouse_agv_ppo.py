"""MaskablePPO on the centralised WarehouseAGV-v0, evaluated on the real sum of costs against CBS.

Two policies: ``shared`` (default), the parameter-shared per-robot network of
:mod:`routing_gym.agents.warehouse_agv` (it plays any robot count and map), and ``mlp``, SB3's
``MultiInputPolicy`` over the whole flattened observation (fixed robots and map). After training
on generated warehouses, the greedy policy (through the ``agv-ppo`` solver, as ``routing-gym
compare`` runs it) plays held-out instances for each evaluated robot count: success rate (every
robot at its goal before the horizon), mean sum of costs and its ratio to CBS's optimum on the
instances both solved, collisions per episode, time per instance.

    .venv/bin/python benchmarks/warehouse_agv_ppo.py --robots 6 --demos 600 --lr 1e-4 --steps 300000 \
        --checkpoint-every 50000 --save agv.zip --eval-robots 2 4 8        # the README's model
    .venv/bin/python benchmarks/warehouse_agv_ppo.py --load agv.zip --eval-robots 2 4 8 # evaluate only
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from routing_gym.baselines.base import make_solver
from routing_gym.envs import replay
from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator

ENV_ID = "routing_gym/WarehouseAGV-v0"


def evaluate_checkpoint(path: str, kwargs: dict[str, Any], n: int, seed: int, ref: str = "cbs:time_limit=10",
                        deterministic: bool = True) -> dict[str, float]:
    """The checkpoint (``agv-ppo:path=...``) on ``n`` held-out instances of the generator, against ``ref``."""
    gen = WarehouseGenerator(**kwargs)
    agent = make_solver(f"agv-ppo:path={path}:deterministic={deterministic}")
    reference = make_solver(ref)
    solved, socs, ratios, times = 0, [], [], []
    for i in tqdm(range(n), desc=f"evaluate R={kwargs['num_robots']}", leave=False):
        inst = gen(np.random.default_rng([seed, i]))
        r = agent(inst)
        times.append(r.time_s)
        if not r.ok:
            continue
        rep = replay(None, inst, r.solution)
        if not rep.feasible:
            raise AssertionError(f"agv-ppo plan does not replay: {rep.message}")
        solved += 1
        socs.append(rep.cost)
        best = reference(inst)
        if best.ok:
            ratios.append(rep.cost / replay(None, inst, best.solution).cost)
    return {"success": solved / n, "soc": float(np.mean(socs)) if socs else float("nan"),
            "soc_vs_ref": float(np.mean(ratios)) if ratios else float("nan"), "time": float(np.mean(times))}


def train(args: argparse.Namespace, kwargs: dict[str, Any]) -> tuple[Any, float]:
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    if args.policy == "shared":
        from routing_gym.agents.warehouse_agv import planner_demonstrations, train_shared_policy

        from stable_baselines3.common.callbacks import CheckpointCallback

        every = CheckpointCallback(max(1, args.checkpoint_every // args.envs), str(Path(args.save).parent),
                                   name_prefix=Path(args.save).stem, verbose=1)
        demos = None
        if args.demos:
            gen = WarehouseGenerator(**kwargs)
            demos = planner_demonstrations([gen(np.random.default_rng([7, args.seed, i])) for i in range(args.demos)])
            print(f"behaviour cloning: {len(demos[1])} steps of prioritized plans on {args.demos} instances")
        model = train_shared_policy(args.steps, seed=args.seed, n_envs=args.envs, callback=every, demonstrations=demos,
                                    learning_rate=args.lr, **kwargs)
    else:
        from sb3_contrib import MaskablePPO

        from routing_gym.agents.vec_env import make_vec_env

        venv = make_vec_env(ENV_ID, n_envs=args.envs, seed=args.seed, **kwargs)
        model = MaskablePPO("MultiInputPolicy", venv, n_steps=128, batch_size=512, gamma=0.99, ent_coef=0.01,
                            seed=args.seed, verbose=0, device="cpu")
        model.learn(args.steps, progress_bar=True)
    return model, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policy", choices=("shared", "mlp"), default="shared")
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--robots", type=int, default=4, help="robots while training")
    ap.add_argument("--height", type=int, default=11)
    ap.add_argument("--width", type=int, default=22)
    ap.add_argument("--envs", type=int, default=16)
    ap.add_argument("--eval", type=int, default=50, help="held-out instances per robot count")
    ap.add_argument("--eval-robots", type=int, nargs="*", default=None, help="robot counts to evaluate (default: --robots)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default="/tmp/warehouse_agv_ppo.zip", help="where the model is saved (.zip)")
    ap.add_argument("--demos", type=int, default=0, help="shared: clone prioritized plans of this many instances first")
    ap.add_argument("--lr", type=float, default=3e-4, help="shared: PPO learning rate")
    ap.add_argument("--checkpoint-every", type=int, default=100_000, help="steps between saved checkpoints (shared)")
    ap.add_argument("--load", default=None, help="evaluate this checkpoint instead of training")
    args = ap.parse_args()
    kwargs = {"num_robots": args.robots, "height": args.height, "width": args.width}
    if args.height < 11:
        kwargs.update(shelf_depth=1, shelf_length=2)
    path = args.load
    if path is None:
        model, train_s = train(args, kwargs)
        model.save(args.save)
        path = args.save
        print(f"\nMaskablePPO ({args.policy}) trained {args.steps} steps on {kwargs} in {train_s:.0f} s "
              f"(2-core CPU, 1 torch thread); saved {path}")
    robots = args.eval_robots or ([args.robots] if args.policy == "mlp" else [args.robots])
    print(f"{'robots':>6s} {'n':>4s} {'success':>8s} {'SoC':>8s} {'SoC/CBS':>8s} {'time s':>7s}")
    for r in robots:
        res = evaluate_checkpoint(path, dict(kwargs, num_robots=r), args.eval, seed=10_000 + args.seed)
        print(f"{r:6d} {args.eval:4d} {100 * res['success']:7.0f}% {res['soc']:8.1f} {res['soc_vs_ref']:8.3f} {res['time']:7.3f}")
    print("SoC/CBS: mean ratio to CBS's optimum (10 s) over the instances both solved; greedy moves.")


if __name__ == "__main__":
    main()
