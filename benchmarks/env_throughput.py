"""Environment throughput: env-steps per second with uniformly random valid actions.

Measures the native vector env (one compiled kernel step for the whole batch)
at batch 1, 64 and 1024 for TSP50 and CVRP50 (and TSP20 / TSP100 at 1024), and
the latency of a single ``gym.make`` env step. Autoreset is included: finished
episodes draw fresh instances inside the timed ``step``. The process is pinned to
one core with single-threaded BLAS, as ``../shared/peers/`` runs the peers with
``--threads 1``, so the figures are per core and comparable with theirs.

Two figures per configuration, each the median of ``--repeats`` runs:

* env only: batch size x steps / time inside ``venv.step``;
* with sampling: batch size x steps / wall time of the loop that also picks one
  uniformly random allowed action per row (compiled, as the peers sample inside
  their jit / torch code) and reads the observation's mask, as a random policy would.

The single-step latency is also given in CPU time (``time.process_time``), which a
busy machine inflates less than wall time.

    python benchmarks/env_throughput.py [--seconds 1] [--repeats 5] [--json out.jsonl]

``--json`` also writes the figures as JSON lines in the format of
``../shared/peers/summarize.py``, so one table can hold this suite and the peers.
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics  # noqa: E402
import time  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

import routing_gym  # noqa: E402

CONFIGS = [("routing_gym/TSP-v0", "tsp", 20, (1024,)), ("routing_gym/TSP-v0", "tsp", 50, (1, 64, 1024)),
           ("routing_gym/TSP-v0", "tsp", 100, (1024,)), ("routing_gym/CVRP-v0", "cvrp", 50, (1, 64, 1024))]


@njit(cache=True)
def random_valid(mask: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per row, the ``floor(u * k)``-th of its ``k`` allowed actions: uniform over the allowed set."""
    out = np.zeros(mask.shape[0], dtype=np.int64)
    allowed = np.empty(mask.shape[1], dtype=np.int64)
    for i in range(mask.shape[0]):
        k = 0
        for j in range(mask.shape[1]):  # branch-free: store every index, keep the allowed ones
            allowed[k] = j
            k += mask[i, j] != 0
        if k:
            out[i] = allowed[int(u[i] * k)]
    return out


def vector_throughput(env_id: str, n: int, batch: int, seconds: float) -> tuple[float, float]:
    """``(env-only, with sampling)`` env-steps per second of one run of about ``seconds``."""
    venv = gym.make_vec(env_id, batch, vectorization_mode="vector_entry_point", num_nodes=n)
    rng = np.random.default_rng(0)
    obs, _ = venv.reset(seed=0)
    for _ in range(3 * n):  # warm-up: compilation, first autoresets
        obs, *_ = venv.step(random_valid(obs["action_mask"], rng.random(batch)))
    steps, env_time = 0, 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            a = random_valid(obs["action_mask"], rng.random(batch))
            t0 = time.perf_counter()
            obs, *_ = venv.step(a)
            env_time += time.perf_counter() - t0
            steps += batch
    return steps / env_time, steps / (time.perf_counter() - start)


def single_latency(env_id: str, n: int, seconds: float) -> tuple[float, float]:
    """Microseconds per ``step`` of a ``gym.make`` env (its reset at episode end included): wall and CPU time."""
    env = gym.make(env_id, num_nodes=n)
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    for _ in range(200):  # warm-up (compiled step loaded)
        obs, r, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
        if term:
            obs, _ = env.reset()
    steps, t_env, cpu_env = 0, 0.0, 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 1000:
        a = int(rng.choice(np.flatnonzero(obs["action_mask"])))
        t0, c0 = time.perf_counter(), time.process_time()
        obs, r, term, trunc, info = env.step(a)
        if term:
            obs, _ = env.reset()
        cpu_env += time.process_time() - c0
        t_env += time.perf_counter() - t0
        steps += 1
    return t_env / steps * 1e6, cpu_env / steps * 1e6


def record(problem: str, n: int, batch: int, metric: str, mode: str, value: float, spread: list[float], repeats: int) -> dict:
    """One line in the peers' JSON format (``steps_per_s`` for rollouts, ``latency_us`` for single steps)."""
    rec = {"lib": "routing-gym", "problem": problem, "n": n, "batch": batch, "metric": metric, "mode": mode,
           "threads": "1", "repeats": repeats, "spread": [round(x, 1) for x in spread],
           "version": f"routing-gym {routing_gym.__version__} / numpy {np.__version__}"}
    if metric == "rollout":
        rec["steps_per_s"] = round(value, 1)
    else:
        rec["latency_us"], rec["steps_per_s"] = round(value, 2), round(1e6 / value, 1)
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="measuring time per run")
    ap.add_argument("--repeats", type=int, default=5, help="runs per configuration (the median is shown)")
    ap.add_argument("--json", default=None, help="also write JSON lines (the peers' format) to this file")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one core")
    args = ap.parse_args()
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    records = []
    print(f"numpy {np.__version__}, routing-gym {routing_gym.__version__}, one thread{'' if args.no_pin else ', one pinned core'}, "
          f"median of {args.repeats} x {args.seconds:g} s")
    print(f"{'env':<8}{'batch':>7}{'env-steps/s (env only)':>26}{'with sampling':>16}")
    for env_id, problem, n, batches in CONFIGS:
        for batch in batches:
            runs = [vector_throughput(env_id, n, batch, args.seconds) for _ in range(args.repeats)]
            env_only, with_sampling = (statistics.median(r[i] for r in runs) for i in (0, 1))
            print(f"{problem.upper() + str(n):<8}{batch:>7}{env_only:>26,.0f}{with_sampling:>16,.0f}")
            for mode, i, value in (("env only", 0, env_only), ("native vector env", 1, with_sampling)):
                spread = [min(r[i] for r in runs), max(r[i] for r in runs)]
                records.append(record(problem, n, batch, "rollout", mode, value, spread, args.repeats))
    for env_id, problem in (("routing_gym/TSP-v0", "tsp"), ("routing_gym/CVRP-v0", "cvrp")):
        runs = [single_latency(env_id, 50, args.seconds) for _ in range(args.repeats)]
        lats = [wall for wall, _ in runs]
        us, cpu = statistics.median(lats), statistics.median(c for _, c in runs)
        print(f"gym.make {problem.upper()}50: {us:.1f} us per step (incl. reset at episode end) = {1e6 / us:,.0f} steps/s; "
              f"CPU time {cpu:.1f} us per step")
        records.append(record(problem, 50, 1, "step_latency", "", us, [min(lats), max(lats)], args.repeats))
    if args.json:
        with open(args.json, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)


if __name__ == "__main__":
    main()
