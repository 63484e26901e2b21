"""Test gaps of a trained agent: the table of the shipped checkpoints' model cards.

Decodes ``--instances`` instances of seed ``--seed`` (``routing-gym compare --seed 1234
--instances 100`` builds the same ones; the checkpoints were selected on seed 4321) with
each decoding, and reports the mean cost and the gap ``mean(cost / reference - 1)`` to a
reference solver (default: the problem's first registered ``reference_solvers``). Every
solution is built and costed by the environment.

Usage::

    python benchmarks/agent_test_gaps.py --pretrained cvrp20
    python benchmarks/agent_test_gaps.py --pretrained tsp20 --decodings greedy,aug8,sample16-aug8,aug8-allstarts
    python benchmarks/agent_test_gaps.py --path runs/cvrptw20/cloned --decodings greedy,aug8 --json gaps.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

#: decodings of the model cards (name -> ``rollout`` options)
DECODINGS: dict[str, dict[str, Any]] = {
    "greedy": {},
    "aug8": {"augment": 8},
    "sample16-aug8": {"decode": "sample", "samples": 16, "augment": 8},
    # every node as a start (``starts`` is capped at the node count); problems with a start option (TSP) only
    "aug8-allstarts": {"augment": 8, "starts": 1 << 30},
}
#: the decodings run by default (every problem has them)
DEFAULT_DECODINGS = ("greedy", "aug8", "sample16-aug8")
#: how the model cards name them
TITLES = {"greedy": "greedy", "aug8": "greedy x8 aug", "sample16-aug8": "sample 16 x8 aug",
          "aug8-allstarts": "greedy x8 aug x all starts"}


def test_gaps(policy: Any, *, num_instances: int = 100, seed: int = 1234, reference: Any = "auto",
              decodings: list[str] | None = None, cache: Path | None = None, env_kwargs: dict[str, Any] | None = None,
              progress: bool = False) -> dict[str, Any]:
    """Gaps of ``policy`` (a loaded checkpoint) on the seeded test set of its training environment.

    :param reference: a solver spec or object, ``"auto"`` (the problem's first reference solver) or ``None``.
    :param env_kwargs: the test instances' environment arguments (default: the checkpoint's).
    :returns: ``{"reference", "reference_mean_cost", "rows": {decoding: {"mean_cost", "gap", "time_s"}}, ...}``.
    """
    from routing_gym.agents.train import evaluate_policy, reference_costs, resolve_reference, solver_name, validation_set

    env_id = policy.checkpoint.env_id
    kwargs = dict(policy.checkpoint.env_kwargs if env_kwargs is None else env_kwargs)
    insts = validation_set(env_id, kwargs, num_instances, seed)
    spec = resolve_reference(insts[0], reference)
    ref = reference_costs(insts, spec, cache, progress=progress) if spec else None
    rows = {}
    for name in decodings or DEFAULT_DECODINGS:
        ev = evaluate_policy(policy, insts, ref, **DECODINGS[name])
        rows[name] = {"mean_cost": ev.mean_cost, "gap": ev.gap, "time_s": ev.time_s}
    name = None if spec is None else solver_name(spec)
    return {"env_id": env_id, "env_kwargs": kwargs, "num_instances": num_instances, "seed": seed, "reference": name,
            "reference_mean_cost": None if ref is None else float(np.nanmean(ref)),
            "reference_failed": None if ref is None else int(np.isnan(ref).sum()), "rows": rows}


def markdown(report: dict[str, Any]) -> str:
    """The model card's table."""
    lines = ["| decoding | mean cost | gap | time |", "|---|---|---|---|"]
    for name, r in report["rows"].items():
        gap = "n/a" if r["gap"] is None else f"{r['gap']:.2f}%"
        lines.append(f"| {TITLES.get(name, name)} | {r['mean_cost']:.4f} | {gap} | {r['time_s']:.1f} s |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--pretrained", help="a shipped checkpoint's name (routing_gym/agents/pretrained/NAME)")
    src.add_argument("--path", help="a checkpoint folder")
    p.add_argument("--instances", type=int, default=100, help="test instances (default 100)")
    p.add_argument("--seed", type=int, default=1234, help="seed of the test instances (default 1234)")
    p.add_argument("--reference", default="auto", help="reference solver spec, 'auto' or 'none'")
    p.add_argument("--decodings", default=",".join(DEFAULT_DECODINGS), help=f"comma-separated, of {', '.join(DECODINGS)}")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--json", default=None, help="also write the report to this JSON file")
    args = p.parse_args(argv)

    import torch

    from routing_gym.agents.checkpoint import load_policy

    torch.set_num_threads(args.threads)
    policy = load_policy(args.path) if args.path else load_policy(pretrained=args.pretrained)
    t0 = time.perf_counter()
    report = test_gaps(policy, num_instances=args.instances, seed=args.seed,
                       reference=None if args.reference == "none" else args.reference,
                       decodings=args.decodings.split(","), progress=True)
    report["wall_s"] = time.perf_counter() - t0
    print(f"{report['env_id']} {report['env_kwargs']}: {args.instances} instances of seed {args.seed}, "
          f"reference {report['reference']} (mean cost {report['reference_mean_cost']})")
    print(markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
