"""``routing-gym train`` and ``routing-gym imitate``: thin command-line layers over
:func:`~routing_gym.agents.train.train` and :func:`~routing_gym.agents.imitation.imitate`.

    routing-gym train --env routing_gym/TSP-v0 --env-kwargs num_nodes=20 --policy attention \\
        --algo maskable-ppo --timesteps 200000 --n-envs 64 --seed 0 --out runs/tsp20
    routing-gym imitate --env routing_gym/TSP-v0 --env-kwargs num_nodes=20 --instances 2000 \\
        --steps 3000 --finetune-timesteps 50000 --out runs/tsp20-bc

:mod:`routing_gym.cli` adds both subcommands with :func:`add_train_parser`
and :func:`add_imitate_parser`; each sets ``func`` to a handler returning an exit code.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Sequence

from routing_gym.agents.policies import POLICIES
from routing_gym.agents.train import ALGOS, VALIDATION_SEED
from routing_gym.baselines.base import parse_value as _value
from routing_gym.errors import ConfigError


def parse_kv(items: Sequence[str] | None, what: str = "argument") -> dict[str, Any]:
    """``["num_nodes=20", "distribution=clustered"]`` -> ``{"num_nodes": 20, "distribution": "clustered"}``.

    A malformed item raises :class:`~routing_gym.errors.ConfigError` (one line on the command line).
    """
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{what}: expected key=value, got {item!r}")
        if key.strip() in out:
            raise ConfigError(f"{what}: {key.strip()} given twice")
        out[key.strip()] = _value(val.strip())
    return out


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", required=True, help="environment id, e.g. routing_gym/TSP-v0")
    p.add_argument("--env-kwargs", nargs="*", metavar="K=V", default=[], help="environment arguments, e.g. num_nodes=20")
    p.add_argument("--policy", choices=sorted(POLICIES), default="attention", help="network (default attention)")
    p.add_argument("--policy-kwargs", nargs="*", metavar="K=V", default=[],
                   help="architecture, e.g. embed_dim=128 num_layers=3 num_heads=8 (gnn: k=8 conv=gatv2)")
    p.add_argument("--algo", choices=ALGOS, default="maskable-ppo", help="RL algorithm (default maskable-ppo)")
    p.add_argument("--algo-kwargs", nargs="*", metavar="K=V", default=[], help="PPO arguments, e.g. learning_rate=1e-4 n_steps=32")
    p.add_argument("--n-envs", type=int, default=64, help="parallel episodes in the batched vector env (default 64)")
    p.add_argument("--seed", type=int, default=0, help="seed of training instances and the algorithm")
    p.add_argument("--out", required=True, help="output folder (checkpoints, TensorBoard logs, summary.json)")
    p.add_argument("--eval-instances", type=int, default=64, help="validation instances (0: no evaluation)")
    p.add_argument("--eval-seed", type=int, default=VALIDATION_SEED,
                   help=f"seed of the validation instances (default {VALIDATION_SEED}; keep test sets on other seeds)")
    p.add_argument("--reference", default="auto", help="reference solver spec for gaps, 'auto' or 'none'")
    p.add_argument("--init", default=None, help="start from this checkpoint folder")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: torch's choice; 1 is fastest on a busy machine)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--resume", action="store_true",
                   help="go on from the last checkpoint an interrupted run left in --out (same arguments)")
    p.add_argument("--device", default="auto", help="torch device: auto (a CUDA GPU if present, else cpu), cpu, cuda, cuda:N")


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``train`` (reinforcement learning with (Maskable)PPO) to ``subparsers``."""
    p = subparsers.add_parser("train", help="train an attention / GNN policy with MaskablePPO or PPO",
                              description="Train a pointer policy with (Maskable)PPO; keeps the best checkpoint "
                                          "by greedy validation gap.")
    _common(p)
    p.add_argument("--timesteps", type=int, default=100_000, help="environment steps (default 100000)")
    p.add_argument("--eval-freq", type=int, default=None, help="env steps between evaluations (default: 10 per run)")
    p.add_argument("--sorted-batches", action=argparse.BooleanOptionalAction, default=True,
                   help="PPO minibatches of states of similar size, a smaller network input (default on)")
    p.set_defaults(func=cmd_train)
    return p


def add_imitate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``imitate`` (behaviour cloning of solver solutions, then optional PPO) to ``subparsers``."""
    p = subparsers.add_parser("imitate", help="clone a strong solver's solutions (BQ-NCO style), then optionally PPO",
                              description="Label random instances with a solver, replay the solutions through the env, "
                                          "behaviour-clone them, optionally fine-tune with PPO; reports the greedy gap "
                                          "after each stage.")
    _common(p)
    p.add_argument("--instances", type=int, default=1000, help="labelled training instances (default 1000)")
    p.add_argument("--solver", default=None, help="labelling solver spec (default: lkh for TSP, hgs for CVRP, else ortools)")
    p.add_argument("--steps", type=int, default=2000, help="behaviour-cloning gradient steps (default 2000)")
    p.add_argument("--batch-size", type=int, default=256, help="states per gradient step (default 256)")
    p.add_argument("--lr", type=float, default=3e-4, help="peak learning rate (default 3e-4)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds of cloning at most")
    p.add_argument("--eval-every", type=int, default=500, help="cloning steps between validations")
    p.add_argument("--finetune-timesteps", type=int, default=0, help="PPO env steps after cloning (default 0)")
    p.add_argument("--cache-dir", default=None, help="folder caching labels.json / reference.json across runs (default --out)")
    p.set_defaults(func=cmd_imitate)
    return p


def _reference(text: str) -> str | None:
    return None if text.lower() in ("none", "null", "") else text


def _threads(args: argparse.Namespace) -> None:
    # A process-wide setting, so it belongs to the command line, not to the library functions.
    if args.threads is not None:
        import torch

        if args.threads < 1:
            raise ConfigError(f"--threads: expected an integer >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)


#: flags checked before any work: (attribute, flag, lowest value); absent ones (the other subcommand's) are skipped
_INT_FLAGS = (("n_envs", "--n-envs", 1), ("timesteps", "--timesteps", 1), ("seed", "--seed", 0),
              ("eval_instances", "--eval-instances", 0), ("eval_seed", "--eval-seed", 0), ("eval_freq", "--eval-freq", 1),
              ("instances", "--instances", 1), ("steps", "--steps", 0), ("batch_size", "--batch-size", 1),
              ("eval_every", "--eval-every", 1), ("finetune_timesteps", "--finetune-timesteps", 0))


def _check_args(args: argparse.Namespace) -> None:
    """Numbers in range and algorithm arguments the algorithm takes, before any work (:class:`ConfigError`)."""
    import inspect
    import math

    for attr, flag, low in _INT_FLAGS:
        value = getattr(args, attr, None)
        if value is not None and value < low:
            raise ConfigError(f"{flag}: expected an integer >= {low}, got {value}")
    for attr, flag in (("lr", "--lr"), ("time_limit", "--time-limit")):
        value = getattr(args, attr, None)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ConfigError(f"{flag}: expected a finite number > 0, got {value}")
    algo_kwargs = parse_kv(args.algo_kwargs, "--algo-kwargs")
    if algo_kwargs:
        if args.algo == "maskable-ppo":
            from sb3_contrib import MaskablePPO as algo_cls
        else:
            from stable_baselines3 import PPO as algo_cls
        known = {k for k in inspect.signature(algo_cls.__init__).parameters
                 if not k.startswith("_") and k not in ("self", "policy", "env")}
        unknown = sorted(set(algo_kwargs) - known)
        if unknown:
            raise ConfigError(f"--algo-kwargs: {algo_cls.__name__} takes no {', '.join(unknown)}; "
                              f"it takes {', '.join(sorted(known))}")


def cmd_train(args: argparse.Namespace) -> int:
    from routing_gym.agents.train import train

    _check_args(args)
    _threads(args)
    res = train(
        args.env, parse_kv(args.env_kwargs, "--env-kwargs"), policy=args.policy, algo=args.algo, timesteps=args.timesteps,
        n_envs=args.n_envs, seed=args.seed, out_dir=args.out, policy_kwargs=parse_kv(args.policy_kwargs, "--policy-kwargs"),
        algo_kwargs=parse_kv(args.algo_kwargs, "--algo-kwargs"), eval_instances=args.eval_instances, eval_seed=args.eval_seed,
        eval_freq=args.eval_freq, reference=_reference(args.reference), init=args.init, progress_bar=not args.no_progress,
        device=args.device, resume=args.resume, sorted_batches=args.sorted_batches,
    )
    last = res.history[-1] if res.history else {}
    print(json.dumps({"final": str(res.final_path), "best": str(res.best_path) if res.best_path else None,
                      "reference": res.reference, "best_gap_pct": res.best_gap, "last_eval": last,
                      "train_time_s": round(res.time_s, 1)}, indent=2))
    return 0


def cmd_imitate(args: argparse.Namespace) -> int:
    from routing_gym.agents.imitation import imitate

    _check_args(args)
    _threads(args)
    res = imitate(
        args.env, parse_kv(args.env_kwargs, "--env-kwargs"), policy=args.policy,
        policy_kwargs=parse_kv(args.policy_kwargs, "--policy-kwargs"), num_instances=args.instances, solver=args.solver,
        steps=args.steps, batch_size=args.batch_size, lr=args.lr, time_limit=args.time_limit,
        finetune_timesteps=args.finetune_timesteps, algo=args.algo, n_envs=args.n_envs,
        algo_kwargs=parse_kv(args.algo_kwargs, "--algo-kwargs"), seed=args.seed, out_dir=args.out,
        eval_instances=args.eval_instances, eval_seed=args.eval_seed, eval_every=args.eval_every,
        reference=_reference(args.reference), init=args.init, cache_dir=args.cache_dir, progress=not args.no_progress,
        resume=args.resume, device=args.device,
    )
    print(json.dumps({"checkpoint": str(res.path), "greedy_gap_pct": res.gaps, "mean_cost": res.costs,
                      "times_s": {k: round(v, 1) for k, v in res.times.items()}}, indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m routing_gym.agents.cli train|imitate ...`` (the same as ``routing-gym train|imitate``).

    Errors go through the ``routing-gym`` command's handler: one ``routing-gym: error: ...`` line, exit code 2.
    """
    from routing_gym.cli import Parser, run_command

    parser = Parser(prog="routing-gym")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of any error")
    sub = parser.add_subparsers(dest="command", required=True)
    for p in (add_train_parser(sub), add_imitate_parser(sub)):
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the full traceback of any error")
    args = parser.parse_args(argv)
    return run_command(args.func, args)


if __name__ == "__main__":
    raise SystemExit(main())
