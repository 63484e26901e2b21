"""Environment throughput: env-steps per second with uniformly random valid actions.

Measures the native vector env (one numpy kernel for the whole batch) at batch
1, 64 and 1024 for TSP50 and CVRP50, and the latency of a single ``gym.make``
env step. Autoreset is included (finished episodes draw fresh instances).
Single-threaded BLAS is forced so the figure is per core.

    python benchmarks/env_throughput.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import routing_gym  # noqa: E402,F401


def random_valid(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly random feasible action per row, vectorised."""
    return np.argmax(rng.random(mask.shape) * mask, axis=1)


def vector_throughput(env_id: str, n: int, batch: int, seconds: float) -> tuple[float, float]:
    venv = gym.make_vec(env_id, batch, vectorization_mode="vector_entry_point", num_nodes=n)
    rng = np.random.default_rng(0)
    obs, _ = venv.reset(seed=0)
    steps, env_time = 0, 0.0
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        for _ in range(20):
            a = random_valid(obs["action_mask"], rng)
            t0 = time.perf_counter()
            obs, *_ = venv.step(a)
            env_time += time.perf_counter() - t0
            steps += batch
    total = seconds if seconds > 0 else 1
    return steps / env_time, steps / total


def single_latency(env_id: str, n: int, seconds: float) -> float:
    env = gym.make(env_id, num_nodes=n)
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    steps, t_env = 0, 0.0
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        a = int(rng.choice(np.flatnonzero(obs["action_mask"])))
        t0 = time.perf_counter()
        obs, r, term, trunc, info = env.step(a)
        if term:
            obs, _ = env.reset()
        t_env += time.perf_counter() - t0
        steps += 1
    return t_env / steps * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="measuring time per configuration")
    args = ap.parse_args()
    print(f"numpy {np.__version__}, routing-gym {routing_gym.__version__}, one thread")
    print(f"{'env':<8}{'batch':>7}{'env-steps/s (env only)':>26}{'incl. action sampling':>24}")
    configs = [("routing_gym/TSP-v0", "TSP20", 20, (1024,)), ("routing_gym/TSP-v0", "TSP50", 50, (1, 64, 1024)),
               ("routing_gym/TSP-v0", "TSP100", 100, (1024,)), ("routing_gym/CVRP-v0", "CVRP50", 50, (1, 64, 1024))]
    for env_id, name, n, batches in configs:
        for batch in batches:
            env_only, overall = vector_throughput(env_id, n, batch, args.seconds)
            print(f"{name:<8}{batch:>7}{env_only:>26,.0f}{overall:>24,.0f}")
    for env_id, name in (("routing_gym/TSP-v0", "TSP50"), ("routing_gym/CVRP-v0", "CVRP50")):
        us = single_latency(env_id, 50, args.seconds)
        print(f"gym.make {name}: {us:.1f} us per step (incl. reset at episode end) = {1e6 / us:,.0f} steps/s")


if __name__ == "__main__":
    main()
