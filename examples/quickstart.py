"""Quickstart: play an environment, solve the same instance with several solvers, let the env judge.

    python examples/quickstart.py
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from routing_gym.baselines import make_solver
from routing_gym.compare import compare, judge
from routing_gym.envs import CVRPGenerator, evaluate

# 1. An environment: nearest feasible customer, step by step.
env = gym.make("routing_gym/CVRP-v0", num_nodes=20, render_mode="ansi")
obs, _ = env.reset(seed=0)
total, done = 0.0, False
while not done:
    dist = env.unwrapped.kernel.dist[0, int(obs["current_node"])]
    action = int(np.argmin(np.where(obs["action_mask"] == 1, dist, np.inf)))
    obs, reward, done, _, info = env.step(action)
    total += reward
print(env.render())
print(f"summed reward {total:.4f} == -cost {-info['cost']:.4f} == -evaluate {-evaluate(env.unwrapped.instance, info['solution']).cost:.4f}\n")

# 2. Solvers on one instance; the environment replays each solution and is the judge.
instance = CVRPGenerator(50)(np.random.default_rng(1))
for spec in ("savings:ls=false", "savings", "ortools:time_limit=1", "ils:time_limit=1"):
    result = make_solver(spec)(instance)
    verdict = judge("routing_gym/CVRP-v0", instance, result.solution)
    print(f"{spec:<22} cost {verdict.cost:8.4f}  feasible {verdict.feasible}  {result.time_s:.2f} s")

# 3. The harness: same seeded instances for every solver, table + CSV + plots.
res = compare("routing_gym/TSP-v0", ["nn", "ortools:time_limit=0.5", "kopt-mcts:time_limit=0.5"],
              num_instances=4, num_nodes=50, out="results/quickstart", progress=False)
print()
print(res.table())
