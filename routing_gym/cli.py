"""The ``routing-gym`` command: a thin layer over library functions.

    routing-gym compare --env routing_gym/TSP-v0 --env-kwargs num_nodes=50 --solvers nn,ortools:time_limit=1
    routing-gym compare --env routing_gym/CVRP-v0 --files ../shared/data/cvrplib_x/X-n101-k25.vrp --solvers ils,hgs
    routing-gym demo
    routing-gym train ... / routing-gym imitate ...   (see ``routing-gym train -h``)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence

from routing_gym.baselines.base import parse_value


def parse_kwargs(items: Sequence[str] | None) -> dict[str, Any]:
    """``["num_nodes=50", "capacity=40"]`` -> ``{"num_nodes": 50, "capacity": 40}``."""
    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            raise SystemExit(f"routing-gym: expected key=value, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = parse_value(v.strip())
    return out


def _split_specs(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def cmd_compare(args: argparse.Namespace) -> int:
    from routing_gym.compare import compare

    result = compare(
        args.env, _split_specs(args.solvers), num_instances=args.instances, seed=args.seed, files=args.files,
        jobs=args.jobs, time_limit=args.time_limit, out=args.out, progress=not args.no_progress,
        **parse_kwargs(args.env_kwargs),
    )
    print(result.table())
    if args.out:
        print(f"wrote {args.out}/results.csv, solutions.jsonl, gap_vs_time.png, routes.png")
    return 0


#: The demo's candidate solvers per environment; those whose optional package or checkpoint is missing are left out.
DEMO = {
    "routing_gym/TSP-v0": (
        {"num_nodes": 50},
        ["nn:ls=false", "cheapest", "ortools:time_limit=1", "ils:time_limit=1", "kopt-mcts:time_limit=1",
         "agent:pretrained=tsp50:augment=8", "lkh"],
    ),
    "routing_gym/CVRP-v0": (
        {"num_nodes": 50},
        ["savings:ls=false", "savings", "ortools:time_limit=2", "ils:time_limit=2", "agent:pretrained=cvrp20:augment=8",
         "hgs:time_limit=2"],
    ),
}


def demo_solvers(candidates: Sequence[str]) -> list[str]:
    """The candidates that can run here (registered, optional package or checkpoint present)."""
    from routing_gym.baselines.base import available_solvers, make_solver
    from routing_gym.errors import RoutingGymError

    names = set(available_solvers())
    keep = []
    for spec in candidates:
        if spec.split(":")[0] not in names:
            continue
        try:
            solver = make_solver(spec)
        except (RoutingGymError, ImportError, FileNotFoundError, OSError):
            continue
        if getattr(solver, "available", True):
            keep.append(spec)
    return keep


def cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from routing_gym.compare import compare

    for env_id, (kwargs, candidates) in DEMO.items():
        specs = demo_solvers(candidates)
        out = Path(args.out) / env_id.split("/")[-1].split("-v")[0].lower()
        result = compare(env_id, specs, num_instances=args.instances, seed=args.seed, jobs=args.jobs, out=out, **kwargs)
        print(result.table())
        print(f"-> {out}/results.csv, {out}/gap_vs_time.png, {out}/routes.png\n")
    return 0


def cmd_envs(args: argparse.Namespace) -> int:
    from routing_gym.registry import problems

    for problem in problems().values():
        for e in problem.envs:
            space = type(problem.kernel_type(1, 2).action_space).__name__
            formats = ", ".join(f.name for f in problem.formats) or "-"
            print(f"{e.id:<28}{problem.title:<34}{space:<15}files: {formats}")
    return 0


def cmd_solvers(args: argparse.Namespace) -> int:
    from routing_gym.baselines.base import _REGISTRY, available_solvers

    for name in available_solvers():
        cls = _REGISTRY[name]
        probs = ", ".join(getattr(cls, "problems", ()))
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        print(f"{name:<14}{probs:<14}{doc}")
    return 0


def cmd_warmup(args: argparse.Namespace) -> int:
    """Compile the numba kernels once (they are cached on disk), so no timed run pays for it."""
    import time

    from routing_gym.baselines.heuristics import warm_up
    from routing_gym.baselines.kopt_mcts import KOptMCTS

    t0 = time.perf_counter()
    warm_up()
    KOptMCTS()  # its constructor compiles the k-opt kernels
    print(f"numba kernels compiled or loaded from cache in {time.perf_counter() - t0:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="routing-gym", description="Routing and planning environments, agents and baselines.")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compare", help="run solvers on the same instances; the env judges every solution")
    c.add_argument("--env", required=True, help="environment id, e.g. routing_gym/TSP-v0")
    c.add_argument("--env-kwargs", nargs="*", metavar="K=V", help="environment arguments, e.g. num_nodes=50")
    c.add_argument("--solvers", required=True, help="comma-separated specs, e.g. nn,ortools:time_limit=1,mcts:seed=3")
    c.add_argument("--instances", type=int, default=10, help="number of generated instances (default 10)")
    c.add_argument("--seed", type=int, default=0, help="seed of the generated instances")
    c.add_argument("--files", nargs="+", help="TSPLIB/CVRPLIB files instead of generated instances")
    c.add_argument("--jobs", type=int, default=1, help="worker processes")
    c.add_argument("--time-limit", type=float, default=None, help="default seconds per instance for every solver")
    c.add_argument("--out", default=None, help="output folder for results.csv, solutions.jsonl and plots")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.set_defaults(func=cmd_compare)

    d = sub.add_parser("demo", help="the main job: compare the suite's solvers on TSP50 and CVRP50")
    d.add_argument("--out", default="results/demo")
    d.add_argument("--instances", type=int, default=6)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--jobs", type=int, default=2)
    d.set_defaults(func=cmd_demo)

    w = sub.add_parser("warmup", help="compile the numba kernels once (cached on disk)")
    w.set_defaults(func=cmd_warmup)

    e = sub.add_parser("envs", help="list the environment ids")
    e.set_defaults(func=cmd_envs)
    s = sub.add_parser("solvers", help="list the registered solvers")
    s.set_defaults(func=cmd_solvers)

    try:
        from routing_gym.agents import cli as agents_cli
    except ImportError:  # pragma: no cover - agents not built
        agents_cli = None
    if agents_cli is not None:
        agents_cli.add_train_parser(sub)
        agents_cli.add_imitate_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
