"""VertiportFleet-v0 figures: profit of the rule policies and MCTS on seeded days, decision time per step.

Days are drawn by ``VertiportGenerator`` (defaults: 8 vertiports, 40 aircraft, a 12-hour day in
5-minute steps; ``--small``: the test preset, 4 vertiports, 6 aircraft, 2 hours) from seeds
``[seed, i]``. ``random`` and ``greedy`` play every day in one batched kernel (all days at
once; the time per decision is the batch's wall time over its decisions); ``mcts`` (the
generic search, greedy rollouts) plays the first ``--mcts-days`` days with ``--mcts-seconds``
each. Every schedule is checked by ``evaluate_vertiport_fleet`` and its profit must equal the
kernel's summed reward.

    .venv/bin/python benchmarks/vertiport_fleet.py                       # 20 default days, mcts on 3
    .venv/bin/python benchmarks/vertiport_fleet.py --small --days 20 --mcts-days 20 --mcts-seconds 5
    .venv/bin/python benchmarks/vertiport_fleet.py --throughput     # env steps per second, default days

``--throughput`` prints the steps per second of the single env (``gym.make``) and of the native
vector env at batch 64 (uniformly random admitted actions, autoreset included), instead.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from routing_gym.baselines.mcts import MCTS
from routing_gym.baselines.vertiport_fleet.rules import greedy_rule, play_rule, random_rule
from routing_gym.envs.vertiport_fleet.generator import SMALL, VertiportGenerator
from routing_gym.envs.vertiport_fleet.types import day_figures, evaluate_vertiport_fleet


def checked(days: list, sols: list, profits: np.ndarray) -> list[dict[str, float]]:
    """Each schedule's figures, after checking it with ``evaluate`` against the kernel's profit."""
    out = []
    for day, sol, profit in zip(days, sols, profits):
        ev = evaluate_vertiport_fleet(day, sol)
        if not (ev.feasible and math.isclose(ev.cost, profit, rel_tol=1e-9, abs_tol=1e-6)):
            raise SystemExit(f"schedule disagrees with evaluate: {ev} vs {profit}")
        out.append({"profit": ev.cost, **day_figures(day, sol)})
    return out


def row(name: str, figs: list[dict[str, float]], seconds: float) -> str:
    mean = {k: float(np.mean([f[k] for f in figs])) for k in figs[0]}
    ms = 1000.0 * seconds / sum(f["decisions"] for f in figs)
    return (f"| {name} | {len(figs)} | {mean['profit']:,.0f} | {mean['passengers']:.0f} | {mean['answer_rate']:.3f} | "
            f"{mean['flights']:.0f} | {mean['empty_flights']:.0f} | {ms:.3f} |")


def throughput(kwargs: dict, seconds: float = 5.0) -> None:
    """Steps per second of the single env and of the native vector env at batch 64, random admitted actions."""
    import gymnasium as gym

    import routing_gym  # noqa: F401 - registers the ids

    rng = np.random.default_rng(0)
    env = gym.make("routing_gym/VertiportFleet-v0", **kwargs).unwrapped
    env.reset(seed=0)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _, _, term, _, _ = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
        steps += 1
        if term:
            env.reset()
    print(f"single env: {steps / (time.perf_counter() - t0):,.0f} steps/s")
    for batch in (1, 64):
        venv = gym.make_vec("routing_gym/VertiportFleet-v0", batch, vectorization_mode="vector_entry_point", **kwargs)
        venv.reset(seed=0)
        steps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            mask = venv.unwrapped.action_masks()
            venv.step(np.argmax(np.where(mask, rng.random(mask.shape), -1.0), axis=1))
            steps += batch
        print(f"native vector env, batch {batch}: {steps / (time.perf_counter() - t0):,.0f} steps/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--small", action="store_true", help="the test preset instead of the defaults")
    ap.add_argument("--mcts-days", type=int, default=3)
    ap.add_argument("--mcts-seconds", type=float, default=30.0)
    ap.add_argument("--throughput", action="store_true", help="env steps per second instead of the policies")
    args = ap.parse_args()
    if args.throughput:
        return throughput(SMALL if args.small else {})
    gen = VertiportGenerator(**(SMALL if args.small else {}))
    days = [gen(np.random.default_rng([args.seed, i])) for i in range(args.days)]
    print(f"{len(days)} days: {gen.num_vertiports} vertiports, {gen.num_aircraft} aircraft, {gen.horizon_steps} steps; "
          f"mean demand {np.mean([d.demand.sum() for d in days]):.0f} passengers")
    print("| policy | days | mean profit | passengers | answer rate | flights | empty flights | ms per decision |")
    print("|---|---|---|---|---|---|---|---|")
    rules = {"random": random_rule(np.random.default_rng(args.seed)), "greedy": greedy_rule}
    figs = {}
    for name, rule in rules.items():
        t0 = time.perf_counter()
        sols, profits = play_rule(days, rule)
        seconds = time.perf_counter() - t0
        figs[name] = checked(days, sols, profits)
        print(row(name, figs[name], seconds), flush=True)
    if args.mcts_days:
        sub = days[: args.mcts_days]
        solver = MCTS(time_limit=args.mcts_seconds, seed=0)
        t0 = time.perf_counter()
        sols = [solver.solve(d) for d in sub]
        seconds = time.perf_counter() - t0
        profits = np.array([evaluate_vertiport_fleet(d, s).cost for d, s in zip(sub, sols)])
        mcts = checked(sub, sols, profits)
        print(row(f"mcts ({args.mcts_seconds:g} s/day)", mcts, seconds))
        print(row("greedy on the same days", figs["greedy"][: args.mcts_days], float("nan")).rsplit("|", 2)[0] + "| - |")


if __name__ == "__main__":
    main()
