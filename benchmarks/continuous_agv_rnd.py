"""PPO against PPO + RND on the sparse-reward ``routing_gym/ContinuousAGV-v0`` (small floor preset).

For each seed, trains PPO (``MultiInputPolicy``) and PPO with the RND bonus of
:class:`routing_gym.agents.rnd.RNDVecEnv` for the same number of steps, logging every training
episode; then plays each final policy greedily on 50 new instances. Prints a table (success rate of
the training episodes in the last tenth of training, greedy success rate and steps to goal, wall
time) and writes the curves (success rate and steps to goal over training, mean over seeds with the
seeds' range) to ``benchmarks/results/continuous_agv_rnd.png`` and ``.json``::

    nice -n 5 python benchmarks/continuous_agv_rnd.py --steps 250000 --seeds 0 1 2 --jobs 3 --save runs/cagv250
    routing-gym compare --env routing_gym/ContinuousAGV-v0 --env-kwargs width=8.0 height=6.0 shelf_rows=1 \
        shelf_cols=2 shelf_length=2.0 shelf_depth=0.8 num_obstacles=2 obstacle_size=0.8 min_goal_distance=3.0 \
        --solvers pure-pursuit,agent:path=runs/cagv250/ppo_seed0.zip,agent:path=runs/cagv250/ppo_rnd_seed0.zip --instances 20

The small preset (:data:`SMALL`): an 8 x 6 m floor, two shelf blocks of 2 x 0.8 m, two random boxes,
a static target at least 3 m from the start, the seed's 2000-step cap, 16 rays; uniformly random
actions reached the target in none of 400 episodes (all collided, after 231 steps on average), so the
reward is sparse. On a 2-core CPU (shared) the six 250k-step runs take about 25 minutes with ``--jobs 3``;
there, neither method learned to reach the target (README: ContinuousAGV-v0).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from routing_gym.agents.continuous_agv import greedy_success, train_ppo

SMALL = {"width": 8.0, "height": 6.0, "shelf_rows": 1, "shelf_cols": 2, "shelf_length": 2.0, "shelf_depth": 0.8,
         "num_obstacles": 2, "obstacle_size": 0.8, "max_steps": 2000, "min_goal_distance": 3.0}
RND = {"keys": ("pose",), "coef": 0.5}
METHODS = {"PPO": None, "PPO+RND": RND}
RESULTS = Path(__file__).resolve().parent / "results"


def one_run(steps: int, seed: int, method: str, bins: int, save: str | None) -> dict:
    """Train one method on one seed; its curves and greedy figures."""
    import torch

    torch.set_num_threads(1)  # small MLPs: threads only contend on a shared CPU
    t0 = time.perf_counter()
    model, log = train_ppo(SMALL, steps, seed, rnd=METHODS[method])
    wall = time.perf_counter() - t0
    ends, rate, to_goal = log.binned(steps, bins)
    greedy, greedy_steps = greedy_success(model, SMALL, 50, 10_000 + seed)
    if save:
        model.save(save)
    print(f"{method:8s} seed {seed}: {len(log.success)} episodes, last-tenth success {rate[-1]:.3f}, "
          f"greedy {greedy:.2f} ({greedy_steps:.0f} steps), {wall:.0f} s", flush=True)
    return {"method": method, "seed": seed, "wall_s": wall, "episodes": len(log.success),
            "successes": int(np.sum(log.success)), "bin_ends": ends.tolist(),
            "success": rate.tolist(), "steps_to_goal": to_goal.tolist(), "greedy_success": greedy,
            "greedy_steps": greedy_steps}


def run(steps: int, seeds: list[int], bins: int, save: str | None, jobs: int) -> dict:
    """Every (seed, method) run, in ``jobs`` processes; ``save``: a folder for every run's model (``ppo_rnd_seed0.zip``...)."""
    from concurrent.futures import ProcessPoolExecutor

    tasks = [(steps, seed, method, bins, None if save is None else str(Path(save) / f"{method.lower().replace('+', '_')}_seed{seed}.zip"))
             for seed in seeds for method in METHODS]
    with ProcessPoolExecutor(jobs) as pool:
        runs = list(pool.map(one_run, *zip(*tasks)))
    return {"steps": steps, "seeds": seeds, "preset": SMALL, "rnd": {**RND, "keys": list(RND["keys"])}, "runs": runs}


def table(out: dict) -> str:
    lines = ["| method | reached / training episodes | training success, last tenth | greedy success (50 instances) | "
             "greedy steps to goal | wall per run |", "|---|---|---|---|---|---|"]
    for method in METHODS:
        runs = [r for r in out["runs"] if r["method"] == method]
        last = np.array([r["success"][-1] for r in runs], float)
        greedy = np.array([r["greedy_success"] for r in runs])
        gsteps = np.array([r["greedy_steps"] for r in runs], float)
        reached = sum(r["successes"] for r in runs)
        episodes = sum(r["episodes"] for r in runs)
        per_seed = ", ".join(f"{r['successes']}/{r['episodes']}" for r in runs)
        lines.append(f"| {method} | {reached} / {episodes} ({per_seed}) | "
                     f"{np.nanmean(last):.3f} ({', '.join(f'{v:.2f}' for v in last)}) | "
                     f"{greedy.mean():.2f} ({', '.join(f'{v:.2f}' for v in greedy)}) | "
                     f"{np.nanmean(gsteps) if np.isfinite(gsteps).any() else float('nan'):.0f} | "
                     f"{np.mean([r['wall_s'] for r in runs]):.0f} s |")
    return "\n".join(lines)


def plot(out: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for method, colour in zip(METHODS, ("#1f77b4", "#d62728")):
        runs = [r for r in out["runs"] if r["method"] == method]
        x = np.array(runs[0]["bin_ends"]) / 1000
        for ax, key in zip(axes, ("success", "steps_to_goal")):
            y = np.array([r[key] for r in runs], float)
            with warnings.catch_warnings(), np.errstate(all="ignore"):  # a span without successes is a gap
                warnings.simplefilter("ignore", RuntimeWarning)
                ax.plot(x, np.nanmean(y, axis=0), "-o", ms=3, c=colour, label=f"{method} ({len(runs)} seeds)")
                ax.fill_between(x, np.nanmin(y, axis=0), np.nanmax(y, axis=0), color=colour, alpha=0.15)
    axes[0].set(xlabel="training steps (k)", ylabel="success rate of training episodes", ylim=(-0.02, 1.02))
    axes[1].set(xlabel="training steps (k)", ylabel="steps to goal (successful episodes)")
    axes[0].legend()
    fig.suptitle("ContinuousAGV-v0, 8 x 6 m floor, sparse reward: PPO vs PPO + RND (mean, range over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=250_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel processes")
    ap.add_argument("--save", default=None, help="folder for every run's final model (ppo_seed0.zip, ppo_rnd_seed0.zip, ...)")
    ap.add_argument("--out", default=str(RESULTS / "continuous_agv_rnd"), help="prefix of the .json and .png")
    args = ap.parse_args()
    out = run(args.steps, args.seeds, args.bins, args.save, args.jobs)
    prefix = Path(args.out)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    prefix.with_suffix(".json").write_text(json.dumps(out, indent=1))
    plot(out, prefix.with_suffix(".png"))
    print(table(out))
    print(f"curves: {prefix.with_suffix('.png')}")


if __name__ == "__main__":
    main()
