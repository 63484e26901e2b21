"""MaskablePPO on the centralised WarehouseAGV-v0 (an MLP over the Dict observation), against CBS.

Trains sb3-contrib's MaskablePPO (``MultiInputPolicy``: the maps, windows, positions and the
mask flattened into an MLP; the ``MultiDiscrete([5] * R)`` action with per-robot masks) on the
native vector env through the suite's SB3 adapter, then plays the greedy policy on held-out
instances of the same generator and prints the success rate (every robot at its goal before the
horizon), the mean sum of costs and its ratio to CBS's optimum on the solved instances, the
collisions per episode, and the time per instance.

    .venv/bin/python benchmarks/warehouse_agv_ppo.py --steps 100000
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from tqdm import tqdm

from routing_gym.baselines.base import make_solver
from routing_gym.envs.warehouse_agv.env import WarehouseAGVEnv
from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator

ENV_ID = "routing_gym/WarehouseAGV-v0"


def evaluate_policy(model: Any, kwargs: dict[str, Any], n: int, seed: int) -> dict[str, float]:
    """Greedy rollouts on ``n`` held-out instances, compared with CBS."""
    gen = WarehouseGenerator(**kwargs)
    cbs = make_solver("cbs:time_limit=10")
    solved, socs, ratios, collisions, times = 0, [], [], [], []
    for i in tqdm(range(n), desc="evaluate"):
        inst = gen(np.random.default_rng([seed, i]))
        env = WarehouseAGVEnv(instance=inst)
        obs, _ = env.reset()
        t0 = time.perf_counter()
        while True:
            action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=True)
            obs, _, term, _, info = env.step(action)
            if term:
                break
        times.append(time.perf_counter() - t0)
        collisions.append(info["collisions"])
        if not info["invalid_action"] and obs["at_goal"].all():
            solved += 1
            socs.append(info["cost"])
            ref = cbs(inst)
            if ref.ok:
                ratios.append(info["cost"] / _soc(inst, ref.solution))
    return {"success": solved / n, "soc": float(np.mean(socs)) if socs else float("nan"),
            "soc_vs_cbs": float(np.mean(ratios)) if ratios else float("nan"),
            "collisions": float(np.mean(collisions)), "time": float(np.mean(times))}


def _soc(inst: Any, solution: Any) -> float:
    from routing_gym.envs.warehouse_agv.types import evaluate_warehouse_agv

    return evaluate_warehouse_agv(inst, solution).cost


def main() -> None:
    import torch
    from sb3_contrib import MaskablePPO

    from routing_gym.agents.vec_env import make_vec_env

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--robots", type=int, default=3)
    ap.add_argument("--envs", type=int, default=16)
    ap.add_argument("--eval", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None, help="where to save the model (.zip)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    kwargs = {"num_robots": args.robots, "height": 6, "width": 7, "shelf_depth": 1, "shelf_length": 2, "horizon": 24}
    venv = make_vec_env(ENV_ID, n_envs=args.envs, seed=args.seed, **kwargs)
    model = MaskablePPO("MultiInputPolicy", venv, n_steps=128, batch_size=512, gamma=0.99, ent_coef=0.01,
                        seed=args.seed, verbose=0, device="cpu")
    t0 = time.perf_counter()
    model.learn(args.steps, progress_bar=True)
    train_s = time.perf_counter() - t0
    if args.save:
        model.save(args.save)
    res = evaluate_policy(model, kwargs, args.eval, seed=10_000 + args.seed)
    print(f"\nMaskablePPO (MultiInputPolicy MLP, centralised) on WarehouseAGV-v0 {kwargs}")
    print(f"trained {args.steps} steps in {train_s:.0f} s (2-core shared CPU, 1 torch thread)")
    print(f"held-out {args.eval} instances: success {100 * res['success']:.0f}%  SoC {res['soc']:.1f}  "
          f"SoC/CBS {res['soc_vs_cbs']:.3f} (solved ones)  collisions/episode {res['collisions']:.1f}  "
          f"time {res['time']:.3f} s/instance")


if __name__ == "__main__":
    main()
