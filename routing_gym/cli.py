"""The ``routing-gym`` command: a thin layer over library functions.

    routing-gym compare --env routing_gym/TSP-v0 --env-kwargs num_nodes=50 --solvers nn,ortools:time_limit=1
    routing-gym compare --env routing_gym/CVRP-v0 --files ../shared/data/cvrplib_x/X-n101-k25.vrp --solvers ils,hgs
    routing-gym compare ... --out results/run1 --resume      # after a crash: only the missing (instance, solver) pairs
    routing-gym demo
    routing-gym train ... / routing-gym imitate ...   (see ``routing-gym train -h``)

Every error caused by the user (a bad argument, file, spec or checkpoint: any
:class:`~routing_gym.errors.RoutingGymError`, a missing or unreadable file)
prints one line, ``routing-gym: error: ...``, and exits with code 2; ``--debug``
shows the traceback instead. Any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any, Callable, NoReturn, Sequence

from routing_gym.baselines.base import parse_value
from routing_gym.errors import ConfigError, RoutingGymError

#: Exit code of a user error (bad argument, file, spec, checkpoint), as argparse uses for usage errors.
EXIT_USER_ERROR = 2
#: Exit code after Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


def user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that are the user's doing: printed as one line, without a traceback."""
    import gymnasium as gym

    return (RoutingGymError, FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError,
            gym.error.UnregisteredEnv, gym.error.DeprecatedEnv, gym.error.DependencyNotInstalled)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (whitespace runs, newlines included, become one space)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{text}: {exc.filename}"
    return text or type(exc).__name__


def run_command(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run a subcommand; user errors become one ``routing-gym: error: ...`` line and exit code 2.

    With ``args.debug`` every exception propagates with its traceback.
    """
    debug = bool(getattr(args, "debug", False))
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"routing-gym: interrupted{getattr(args, 'interrupt_hint', '')}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except user_errors() as exc:
        if debug:
            raise
        print(f"routing-gym: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line: ``routing-gym: error: ... (see 'routing-gym compare -h')``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"routing-gym: error: {' '.join(message.split())} (see '{self.prog} -h')\n")


def parse_kwargs(items: Sequence[str] | None, what: str = "--env-kwargs") -> dict[str, Any]:
    """``["num_nodes=50", "capacity=40"]`` -> ``{"num_nodes": 50, "capacity": 40}``; a malformed item is a :class:`ConfigError`."""
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"{what}: expected key=value, got {item!r}")
        if not key.isidentifier():
            raise ConfigError(f"{what}: {key!r} is not an argument name")
        if key in out:
            raise ConfigError(f"{what}: {key} given twice")
        out[key] = parse_value(value.strip())
    return out


def _split_specs(text: str) -> list[str]:
    specs = [s.strip() for s in text.split(",") if s.strip()]
    if not specs:
        raise ConfigError(f"--solvers: no solver spec in {text!r}; e.g. --solvers nn,ortools:time_limit=1")
    return specs


def _positive_int(value: Any, flag: str, low: int = 1) -> int:
    if value is not None and value < low:
        raise ConfigError(f"{flag}: expected an integer >= {low}, got {value}")
    return value


def _seconds(value: Any, flag: str, allow_zero: bool = False) -> float | None:
    if value is not None and (not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero)):
        raise ConfigError(f"{flag}: expected a finite number of seconds {'>= 0' if allow_zero else '> 0'}, got {value}")
    return value


def cmd_compare(args: argparse.Namespace) -> int:
    from routing_gym.compare import GRACE_S, compare

    # the command line's own checks, named by flag; compare() checks everything again before any work
    _positive_int(args.instances, "--instances")
    _positive_int(args.jobs, "--jobs")
    _positive_int(args.seed, "--seed", 0)
    _seconds(args.time_limit, "--time-limit")
    _seconds(args.grace, "--grace", allow_zero=True)
    if args.files and args.instances is not None:
        raise ConfigError("--instances counts generated instances; it does not go with --files")
    if args.files and args.env_kwargs:
        raise ConfigError("--env-kwargs apply to generated instances; with --files, loader options go in --load-kwargs")
    if args.load_kwargs and not args.files:
        raise ConfigError("--load-kwargs are options of the file loader; they need --files")
    if args.resume and not args.out:
        raise ConfigError("--resume needs the --out folder of the run to resume")
    _check_backend_args(args)
    if args.out:
        args.interrupt_hint = f"; the finished rows are in {args.out}/results.csv: add --resume to run only the others"
    result = compare(
        args.env, _split_specs(args.solvers), num_instances=10 if args.instances is None else args.instances,
        seed=args.seed, files=args.files, jobs=args.jobs, time_limit=args.time_limit, out=args.out,
        progress=not args.no_progress, plots=not args.no_plots, load_kwargs=parse_kwargs(args.load_kwargs, "--load-kwargs"), resume=args.resume,
        grace=GRACE_S if args.grace is None else args.grace, isolate=True, backend=args.backend, address=args.address,
        **parse_kwargs(args.env_kwargs, "--env-kwargs"),
    )
    print(result.table())
    if args.out:
        print(f"wrote {args.out}/results.csv, solutions.jsonl" + ("" if args.no_plots else ", gap_vs_time.png, routes.png"))
    return 0


def _add_backend_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--backend", choices=("local", "ray"), default="local",
                   help=f"where {what} runs: this machine's worker processes (default) or Ray tasks "
                        "(pip install 'routing-gym[ray]')")
    p.add_argument("--address", default=None,
                   help="Ray cluster address (e.g. ray://head:10001 or auto); default with --backend ray: "
                        "a local Ray instance of --jobs CPUs, started and stopped with the command")


def _check_backend_args(args: argparse.Namespace) -> None:
    if args.address is not None and args.backend != "ray":
        raise ConfigError("--address is a Ray cluster: it needs --backend ray")
    if args.backend == "ray":
        from routing_gym.ray_backend import require_ray

        require_ray()


def cmd_imitate(args: argparse.Namespace) -> int:
    """``imitate`` (:mod:`routing_gym.agents.cli`); with ``--backend ray`` the labelling runs as Ray tasks."""
    from routing_gym.agents import cli as agents_cli

    _positive_int(args.jobs, "--jobs")
    _check_backend_args(args)
    if args.backend == "ray":
        from routing_gym.agents.imitation import resolve_label_solver, training_instances
        from routing_gym.ray_backend import RayLabeller

        first = training_instances(args.env, agents_cli.parse_kv(args.env_kwargs, "--env-kwargs"), 1, args.seed)[0]
        args.solver = RayLabeller(resolve_label_solver(first, args.solver), args.address, args.jobs)
    return agents_cli.cmd_imitate(args)


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
    "routing_gym/CVRPTW-v0": (
        {"num_nodes": 50},
        ["cheapest:ls=false", "cheapest", "ortools:time_limit=2", "ils:time_limit=2",
         "agent:pretrained=cvrptw20:augment=8", "hgs:time_limit=2"],
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

    rows = []
    for problem in problems().values():
        space = type(problem.kernel_type(1, 2).action_space).__name__
        formats = ", ".join(f.name for f in problem.formats) or "-"
        rows += [(e.id, space, formats, problem.title) for e in problem.envs]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    for row in rows:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths)) + "  " + row[3])
    return 0


def cmd_solvers(args: argparse.Namespace) -> int:
    from routing_gym.baselines.base import _REGISTRY, available_solvers

    names = available_solvers()
    width = max(len(n) for n in names) + 2
    for name in names:
        cls = _REGISTRY[name]
        probs = ", ".join(getattr(cls, "problems", ()))
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        print(f"{name:<{width}}{doc}\n{'':<{width}}problems: {probs}")
    return 0


def cmd_warmup(args: argparse.Namespace) -> int:
    """Compile the numba kernels once (they are cached on disk), so no timed run pays for it."""
    from routing_gym.baselines.base import warm_up_kernels

    seconds = warm_up_kernels()  # every registered problem's baselines ``warm_up()``
    print(f"numba kernels compiled or loaded from cache in {seconds:.1f} s")
    return 0


def _add_debug(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's default must not overwrite "routing-gym --debug compare ..."
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the full traceback of any error")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="routing-gym", description="Routing and planning environments, agents and baselines.")
    p.add_argument("--debug", action="store_true", help="show the full traceback of any error")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compare", help="run solvers on the same instances; the env judges every solution")
    c.add_argument("--env", required=True, help="environment id, e.g. routing_gym/TSP-v0")
    c.add_argument("--env-kwargs", nargs="*", metavar="K=V", help="environment arguments, e.g. num_nodes=50")
    c.add_argument("--solvers", required=True, help="comma-separated specs, e.g. nn,ortools:time_limit=1,mcts:seed=3")
    c.add_argument("--instances", type=int, default=None, help="number of generated instances (default 10)")
    c.add_argument("--seed", type=int, default=0, help="seed of the generated instances")
    c.add_argument("--files", nargs="+", help="instance files (TSPLIB, CVRPLIB, Solomon, ...) instead of generated instances")
    c.add_argument("--load-kwargs", nargs="*", metavar="K=V", help="options of the file loader, for every file")
    c.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    c.add_argument("--time-limit", type=float, default=None, help="default seconds per instance for every solver")
    c.add_argument("--grace", type=float, default=None,
                   help="seconds a solver may overrun its time limit before its worker is killed (default 60)")
    c.add_argument("--out", default=None, help="output folder for results.csv, solutions.jsonl and plots")
    c.add_argument("--resume", action="store_true",
                   help="keep the finished (instance, solver) pairs in --out and run only the others")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.add_argument("--no-plots", action="store_true", help="no gap_vs_time.png / routes.png")
    _add_backend_args(c, "the comparison")
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
    subs = [c, d, w, e, s]

    try:
        from routing_gym.agents import cli as agents_cli
    except ImportError:  # pragma: no cover - agents not built
        agents_cli = None
    if agents_cli is not None:
        imitate = agents_cli.add_imitate_parser(sub)
        _add_backend_args(imitate, "the labelling")
        imitate.add_argument("--jobs", type=int, default=1, help="CPUs of the local Ray instance that labels (--backend ray)")
        imitate.set_defaults(func=cmd_imitate)
        subs += [agents_cli.add_train_parser(sub), imitate]
    for parser in subs:
        _add_debug(parser)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
