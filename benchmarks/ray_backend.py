"""The Ray backend against the local process pool, and a simulated cluster run with a killed worker.

Part 1, labelling throughput (same run, same instances, same solver, same CPUs): the training
instances of ``routing-gym imitate`` labelled through ``compare`` with the local pool
(``jobs`` worker processes) and with ``backend="ray"`` (a local Ray instance of ``jobs`` CPUs,
started and stopped inside the timed call, as the command does), on ``n`` and ``2 n``
instances. Prints labels per second end to end and marginal (``n / (T(2n) - T(n))``, without
the fixed start-up), the ratios, and whether the costs are equal (a deterministic solver).

Part 2, a simulated cluster (``ray.cluster_utils.Cluster``: a head and ``--nodes`` worker
nodes of one CPU each, separate raylets and object stores on this machine): ``--tasks``
(instance, solver) pairs, many more than the cores, run with ``compare(address=...)``; once a
quarter of the rows are in, one worker process in the middle of a solve is killed with
SIGKILL (its pid from the phase board). Prints the rows, the failure rows and their messages,
and checks that every other row is there and equals a local run's.

    python benchmarks/ray_backend.py [--instances 100] [--solver ils:iterations=10000:time_limit=600]
                                     [--num-nodes 50] [--jobs 2] [--tasks 400] [--nodes 2]
"""

from __future__ import annotations

import argparse
import os
import pickle
import signal
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

import routing_gym  # noqa: F401
from routing_gym.agents.imitation import training_instances
from routing_gym.compare import compare


def throughput(env_id: str, kwargs: dict, n: int, solver: str, jobs: int) -> dict:
    """Labels per second with the local pool and with Ray on ``n`` and ``2 n`` instances.

    Each run starts its workers (and Ray its instance) and stops them, as the command does; the
    marginal rate ``n / (T(2n) - T(n))`` leaves those fixed start-up costs out.
    """
    import ray

    from routing_gym.ray_backend import init_local

    insts = training_instances(env_id, kwargs, 2 * n, 0)
    out: dict = {"instances": n, "solver": solver, "jobs": jobs, "instance_bytes": len(pickle.dumps(insts[0]))}
    for backend in ("local", "ray"):
        for size in (n, 2 * n):
            t0 = time.perf_counter()
            res = compare(env_id, [solver], instances=insts[:size], jobs=jobs, isolate=True, backend=backend,
                          progress=False, plots=False)
            out[backend, size] = (time.perf_counter() - t0, [r.cost for r in res.rows],
                                  sum(r.status == "ok" for r in res.rows))
    t0 = time.perf_counter()
    init_local(jobs)
    ray.get([ray.remote(lambda: 0).remote() for _ in range(jobs)])
    out["ray_start_s"] = time.perf_counter() - t0
    # the backend's own cost per task: a solver that takes no time, on a running pool / Ray instance
    many = training_instances(env_id, kwargs, 4 * n, 2)
    for backend in ("local", "ray"):
        t0 = time.perf_counter()
        compare(env_id, ["nn:ls=false"], instances=many, jobs=jobs, isolate=True, backend=backend, progress=False, plots=False)
        out[f"overhead {backend}"] = len(many) / (time.perf_counter() - t0)
    ray.shutdown()
    return out


def _rows_on_disk(out: Path) -> int:
    try:
        return max(0, len((out / "results.csv").read_text().splitlines()) - 1)
    except OSError:
        return 0


def _kill_one_solving_worker(out: Path, after: int, report: dict) -> None:
    """Once ``after`` rows are journaled in ``out``, SIGKILL one worker in the middle of a solve."""
    import ray

    from routing_gym.ray_backend import _BOARD

    while _rows_on_disk(out) < after:
        time.sleep(0.05)
    while "killed" not in report:
        _, phases = ray.get(_BOARD["handle"].read.remote())
        solving = [(k, ev[-1][2]) for k, ev in phases.items() if ev[-1][0] == "solve"]
        if solving:
            key, pid = solving[0]
            os.kill(pid, signal.SIGKILL)
            report.update(killed=pid, key=key[1:], at_rows=_rows_on_disk(out))
        time.sleep(0.02)


def simulated_cluster(env_id: str, kwargs: dict, tasks: int, nodes: int, solvers: list[str]) -> dict:
    """``tasks`` pairs on a simulated cluster of ``nodes`` one-CPU nodes; one worker killed mid-run."""
    import ray
    from ray.cluster_utils import Cluster

    n = tasks // len(solvers)
    insts = training_instances(env_id, kwargs, n, 1)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})  # the head schedules, workers solve
    for _ in range(nodes):
        cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    report: dict = {}
    out = Path(tempfile.mkdtemp(prefix="ray-cluster-run-"))
    killer = threading.Thread(target=_kill_one_solving_worker, args=(out, tasks // 4, report), daemon=True)
    t0 = time.perf_counter()
    try:
        ray.init(address=cluster.address, logging_level="error", log_to_driver=False)
        killer.start()
        res = compare(env_id, solvers, instances=insts, backend="ray", out=out, progress=True, plots=False)
        wall = time.perf_counter() - t0
        nodes_used = len([n for n in ray.nodes() if n["Alive"]])
    finally:
        ray.shutdown()
        cluster.shutdown()
    local = compare(env_id, solvers, instances=insts, progress=False, plots=False)
    want = {(r.instance, r.solver): r.cost for r in local.rows}
    failed = [r for r in res.rows if r.status != "ok"]
    same = sum(r.status == "ok" and r.cost == want[(r.instance, r.solver)] for r in res.rows)
    return {"tasks": len(res.rows), "cores": nodes, "nodes_alive": nodes_used, "wall_s": wall, "killed": report,
            "failed": [(r.instance, r.solver, r.message) for r in failed], "ok_equal_to_local": same}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--env", default="routing_gym/TSP-v0")
    p.add_argument("--num-nodes", type=int, default=50)
    p.add_argument("--instances", type=int, default=100)
    p.add_argument("--solver", default="ils:iterations=10000:time_limit=600")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--tasks", type=int, default=400)
    p.add_argument("--nodes", type=int, default=2)
    p.add_argument("--skip-throughput", action="store_true")
    args = p.parse_args()
    kwargs = {"num_nodes": args.num_nodes}
    if not args.skip_throughput:
        t = throughput(args.env, kwargs, args.instances, args.solver, args.jobs)
        n = t["instances"]
        print(f"labelling {args.env.split('/')[-1]} n={args.num_nodes} training instances with {t['solver']}, "
              f"{t['jobs']} CPUs (one instance: {t['instance_bytes']} bytes pickled)")
        rates = {}
        for b in ("local", "ray"):
            (t1, c1, ok1), (t2, c2, ok2) = t[b, n], t[b, 2 * n]
            rates[b] = (2 * n / t2, n / (t2 - t1))
            same = c2 == t["local", 2 * n][1] and c1 == t["local", n][1]
            print(f"  {b:5s}: {n} labels {t1:6.1f} s, {2 * n} labels {t2:6.1f} s: {rates[b][0]:6.2f} labels/s end to end, "
                  f"{rates[b][1]:6.2f} labels/s marginal; ok {ok1} + {ok2}; same costs as local: {same}")
        print(f"  ratio ray / local: {rates['ray'][0] / rates['local'][0]:.2f} end to end ({2 * n} labels, "
              f"start-up included), {rates['ray'][1] / rates['local'][1]:.2f} marginal")
        print(f"  starting a local Ray instance of {args.jobs} CPUs (until its workers answer): {t['ray_start_s']:.1f} s")
        print(f"  per-task cost of the backend (nn:ls=false, {4 * n} tasks; local includes starting its workers): "
              f"local {t['overhead local']:.1f} tasks/s, ray (instance running) {t['overhead ray']:.1f} tasks/s")
    s = simulated_cluster(args.env, kwargs, args.tasks, args.nodes, ["nn", args.solver])
    print(f"simulated cluster: {s['tasks']} tasks on {s['cores']} one-CPU worker nodes (+ a head without CPUs), "
          f"{s['wall_s']:.1f} s; SIGKILLed worker pid {s['killed'].get('killed')} solving {s['killed'].get('key')} "
          f"after {s['killed'].get('at_rows')} rows; {s['tasks'] / s['wall_s']:.1f} tasks/s")
    print(f"  rows: {s['tasks']}, failure rows: {len(s['failed'])}, ok rows equal to a local run: {s['ok_equal_to_local']}")
    for name, solver, msg in s["failed"]:
        print(f"  failed: {name} {solver}: {msg}")
    assert s["tasks"] == args.tasks // 2 * 2 and s["ok_equal_to_local"] + len(s["failed"]) == s["tasks"]


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
