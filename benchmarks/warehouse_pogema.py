"""WarehouseAGV-v0 beside POGEMA (Skrynnik et al.), on the same maps, agents and goals.

POGEMA is the MAPF environment of the package index. The fair comparisons:

1. **Step throughput** on the same instance: POGEMA's core env (``PogemaCoopFinish``: robots stay
   on their targets, the episode ends when all are there) against our single env and our native
   vector env, random moves (ours: random allowed moves, drawn from the mask; POGEMA has no mask).
2. **The same instances, judged twice**: POGEMA generates random maps (``density``) with agents and
   targets; our prioritized, CBS and CP-SAT plan them in our env, and each plan is then replayed
   move by move in POGEMA (``collision_system="soft"``, which like ours cancels vertex and swap
   conflicts and lets a robot follow another). POGEMA's ``SumOfCostsAndMakespanMetric`` and our
   return must give the same sum of costs (both count each agent's final arrival time).

POGEMA 1.4 pins ``gymnasium==0.28.1``, ``numpy<=1.26.4`` and ``pydantic<=1.9.1``, which conflict with
this suite's ``gymnasium>=1.1``, so it cannot be a pip extra. Its core env runs with our stack (its
gymnasium wrappers do not: 1.x wrappers no longer forward ``grid_config``); install it beside the
venv and put it on the path::

    .venv/bin/pip install --no-deps --target /tmp/pogema_pkg pogema==1.4.0 pydantic==1.9.1
    PYTHONPATH=/tmp/pogema_pkg .venv/bin/python benchmarks/warehouse_pogema.py
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import numpy as np

from routing_gym.baselines.base import make_solver
from routing_gym.envs import replay
from routing_gym.envs.warehouse_agv.types import WarehouseInstance

ENV_ID = "routing_gym/WarehouseAGV-v0"
#: our action (wait, N, E, S, W) -> POGEMA's (idle, up, down, left, right); rows are POGEMA's x
TO_POGEMA = np.array([0, 1, 4, 2, 3])


def pogema_env(agents: int, size: int, density: float, seed: int, steps: int, **extra: Any) -> Any:
    """POGEMA's core one-shot env (no gymnasium wrappers), reset."""
    from pogema import GridConfig
    from pogema.envs import PogemaCoopFinish

    cfg = GridConfig(num_agents=agents, size=size, density=density, seed=seed, max_episode_steps=steps,
                     on_target="nothing", obs_radius=2, **extra)
    env = PogemaCoopFinish(grid_config=cfg)
    env.reset(seed=seed)
    return env


def to_instance(env: Any, horizon: int, name: str) -> WarehouseInstance:
    """The POGEMA env's map, agents and targets as our instance (borders dropped)."""
    grid = np.asarray(env.grid.get_obstacles(ignore_borders=True)) != 0
    starts = np.asarray(env.grid.get_agents_xy(ignore_borders=True))
    goals = np.asarray(env.grid.get_targets_xy(ignore_borders=True))
    return WarehouseInstance(grid, starts, goals, horizon, name=name)


def pogema_soc(env: Any, instance: WarehouseInstance, solution: Any) -> float:
    """Replay our plan in POGEMA (soft collisions); the sum of costs of POGEMA's own metric wrapper."""
    from pogema.wrappers.metrics import SumOfCostsAndMakespanMetric

    class Metric(SumOfCostsAndMakespanMetric):
        # gymnasium 1.x wrappers no longer forward attributes: hand the metric the two it reads
        def get_num_agents(self) -> int:
            return self.env.unwrapped.grid_config.num_agents

        @property
        def was_on_goal(self) -> list[bool]:
            return self.env.unwrapped.was_on_goal

    acts = type(gym.make(ENV_ID, instance=instance).unwrapped.kernel).solution_to_actions(instance, solution)[1]
    metric = Metric(env)
    metric.reset(seed=env.grid_config.seed)
    info: list = []
    for a in acts:
        _, _, term, trunc, info = metric.step(TO_POGEMA[np.asarray(a)].tolist())
        if all(term) or all(trunc):
            break
    found = [i["metrics"]["SoC"] for i in info if "metrics" in i and "SoC" in i["metrics"]]
    return float(found[0]) if found else float("nan")


def throughput(agents: int, size: int, density: float, seconds: float, batch: int) -> dict[str, float]:
    """Agent-steps per second: POGEMA, our single env, our vector env at ``batch`` (same instance;
    episodes of 256 steps, resets included)."""
    rng = np.random.default_rng(0)
    pe = pogema_env(agents, size, density, seed=0, steps=256)
    inst = to_instance(pe, 256, "throughput")
    out = {}
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _, _, term, trunc, _ = pe.step(rng.integers(0, 5, agents).tolist())
        n += 1
        if all(term) or n % 256 == 0:  # the core env has no time limit of its own
            pe.reset(seed=0)
    out["pogema"] = n * agents / (time.perf_counter() - t0)
    env = gym.make(ENV_ID, instance=inst).unwrapped
    env.reset(seed=0)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        mask = env.action_masks().reshape(agents, 5)
        _, _, term, trunc, _ = env.step((rng.random((agents, 5)) * mask).argmax(axis=1))
        n += 1
        if term or trunc:
            env.reset(seed=0)
    out["ours"] = n * agents / (time.perf_counter() - t0)
    venv = gym.make_vec(ENV_ID, batch, vectorization_mode="vector_entry_point", instance=inst)
    venv.reset(seed=0)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        mask = venv.action_masks().reshape(batch, agents, 5)
        venv.step((rng.random((batch, agents, 5)) * mask).argmax(axis=2))
        n += 1
    out[f"ours x{batch}"] = n * batch * agents / (time.perf_counter() - t0)
    return out


def same_instances(agents: int, size: int, density: float, n: int, steps: int, specs: list[str]) -> list[dict]:
    """Our planners on POGEMA's instances; every plan's sum of costs in our env and in POGEMA.

    ``ours`` / ``pogema``: mean over the instances every planner solved (the agent: those of them it
    solved too; NaN if none); ``equal``: POGEMA's metric gave our cost for every plan of the solver."""
    ours = {s: np.full(n, np.nan) for s in specs}
    theirs = {s: np.full(n, np.nan) for s in specs}
    times: dict[str, list[float]] = {s: [] for s in specs}
    for seed in range(n):
        pe = pogema_env(agents, size, density, seed=seed, steps=steps)
        inst = to_instance(pe, steps, f"pogema-{size}-{density}-{agents}-{seed}")
        for spec in specs:
            r = make_solver(spec)(inst)
            times[spec].append(r.time_s)
            if not r.ok:
                continue
            rep = replay(None, inst, r.solution)
            if not rep.feasible:
                raise AssertionError(f"{spec}: {rep.message}")
            ours[spec][seed] = rep.cost
            soft = pogema_env(agents, size, density, seed=seed, steps=steps, collision_system="soft")
            theirs[spec][seed] = pogema_soc(soft, inst, r.solution)
    common = np.logical_and.reduce([~np.isnan(v) for s, v in ours.items() if not s.startswith("agv-ppo")])
    rows = []
    for s in specs:
        on = common & ~np.isnan(ours[s])
        rows.append({"solver": s.split(":")[0].replace("agv-ppo", "ppo"), "success": float(np.mean(~np.isnan(ours[s]))),
                     "ours": float(ours[s][on].mean()) if on.any() else float("nan"),
                     "pogema": float(theirs[s][on].mean()) if on.any() else float("nan"), "common": int(on.sum()),
                     "equal": bool(np.array_equal(ours[s], theirs[s], equal_nan=True)), "time": float(np.mean(times[s]))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--density", type=float, default=0.3)
    ap.add_argument("--agents", type=int, nargs="*", default=[4, 8, 16])
    ap.add_argument("--instances", type=int, default=5)
    ap.add_argument("--steps", type=int, default=128, help="episode length (POGEMA max_episode_steps, our horizon)")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--agent", default=None, help="a trained agv-ppo checkpoint to run beside the planners")
    ap.add_argument("--seconds", type=float, default=3.0, help="per throughput measurement")
    ap.add_argument("--batch", type=int, default=64, help="our vector env's batch in the throughput test")
    args = ap.parse_args()
    try:
        import pogema
    except ImportError:
        raise SystemExit("pogema is not importable; see this script's docstring for installing it beside the venv")
    print(f"POGEMA {pogema.__version__}: maps {args.size}x{args.size}, obstacle density {args.density} "
          f"(2-core shared CPU)\n\nthroughput, agent-steps per second (random moves, same instance):")
    print(f"{'agents':>6s} {'pogema':>10s} {'ours':>10s} {'ours x' + str(args.batch):>12s}")
    for k in args.agents + [64]:
        t = throughput(k, max(args.size, 32) if k == 64 else args.size, args.density, args.seconds, args.batch)
        print(f"{k:6d} {t['pogema']:10.0f} {t['ours']:10.0f} {t[f'ours x{args.batch}']:12.0f}")
    tl = args.time_limit
    print(f"\nour planners on POGEMA's instances ({args.instances} per agent count, {tl:g} s), sum of costs "
          f"in our env and replayed in POGEMA (soft collisions):")
    print(f"{'agents':>6s} {'solver':12s} {'success':>8s} {'SoC ours':>9s} {'SoC POGEMA':>11s} {'on':>3s} {'equal':>6s} {'time s':>7s}")
    for k in args.agents:
        specs = [f"prioritized:time_limit={tl}", f"cbs:time_limit={tl}"] + ([f"cpsat:time_limit={tl}"] if k <= 8 else [])
        specs += [f"agv-ppo:path={args.agent}"] if args.agent else []
        for r in same_instances(k, args.size, args.density, args.instances, args.steps, specs):
            print(f"{k:6d} {r['solver']:12s} {100 * r['success']:7.0f}% {r['ours']:9.1f} {r['pogema']:11.1f} "
                  f"{r['common']:3d} {'yes' if r['equal'] else 'NO':>6s} {r['time']:7.3f}")
    print("SoC: mean over the instances every planner solved (ppo: those it solved too; their number: on); equal: "
          "POGEMA's metric gives our cost on every plan of the solver.")


if __name__ == "__main__":
    main()
