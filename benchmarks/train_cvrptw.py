"""Train the shipped CVRPTW agent (``cvrptw20``) and measure its test gaps.

Imitation as for the other shipped agents (:func:`routing_gym.agents.imitation.imitate`):
label ``--instances`` random CVRPTW instances with ``--solver``, replay the labels
through the vector env, clone them into an AttentionPolicy for at most
``--time-limit`` seconds (validation: 100 instances of seed 4321, best weights kept),
optionally fine-tune with MaskablePPO; then decode the 100 test instances of seed 1234
greedily and with x8 augmentation (:mod:`agent_test_gaps`) and write
``OUT/test_gaps.json``. ``--ship NAME`` copies the checkpoint, with the test report
in its config, to ``routing_gym/agents/pretrained/NAME`` (the model card is written by hand
from ``OUT/summary.json`` and ``OUT/test_gaps.json``).

Solvers are specs. While the registered ``ils`` / ``ortools`` / ``hgs`` solvers do not
handle CVRPTW yet, such a spec runs the matching function of
:mod:`routing_gym.baselines.cvrptw` (``solve_ils``, ``solve_ortools``, ``solve_hgs``) with
the spec's options, and says so.

Usage (the shipped ``cvrptw20``; about 13 minutes on one thread of a shared 2-core CPU)::

    python benchmarks/train_cvrptw.py --out runs/cvrptw20 --ship cvrptw20
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # agent_test_gaps, when run from anywhere

ENV_ID = "routing_gym/CVRPTW-v0"


def cvrptw_solver(spec: str) -> object:
    """``spec`` if a registered solver handles CVRPTW, else its ``routing_gym.baselines.cvrptw`` function as a solver."""
    import importlib

    from routing_gym.baselines.base import Solver, make_solver, parse_spec
    from routing_gym.registry import get_problem

    if make_solver(spec).supports(get_problem("cvrptw").tiny_instance()):
        return spec
    name, params = parse_spec(spec)
    modules = {"ils": ("local_search", "solve_ils"), "ortools": ("ortools", "solve_ortools"), "hgs": ("hgs", "solve_hgs")}
    if name not in modules:
        raise SystemExit(f"{spec}: no registered solver handles CVRPTW and there is no cvrptw function for {name!r}")
    module, fn_name = modules[name]
    fn = getattr(importlib.import_module(f"routing_gym.baselines.cvrptw.{module}"), fn_name)

    class FunctionSolver(Solver):
        problems = ("cvrptw",)

        def __init__(self, time_limit: float | None = 1.0, seed: int = 0, **options: object) -> None:
            super().__init__(time_limit, seed)
            self.options = options

        def solve(self, instance: object) -> object:
            return fn(instance, time_limit=self.time_limit, seed=self.seed, **self.options)

    solver = FunctionSolver(**params)
    solver.spec = f"{spec} (routing_gym.baselines.cvrptw.{module}.{fn_name}, not yet a registered hook)"
    print(f"note: {solver.spec}")
    return solver


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num-nodes", type=int, default=20, help="customers (default 20)")
    p.add_argument("--instances", type=int, default=2000, help="labelled training instances (default 2000)")
    # a fixed number of ILS rounds, not a time limit: labels that do not depend on the load of a shared machine
    p.add_argument("--solver", default="ils:time_limit=none:iterations=100",
                   help="labelling solver spec (default ils:time_limit=none:iterations=100)")
    p.add_argument("--time-limit", type=float, default=420.0, help="seconds of cloning (default 420)")
    p.add_argument("--lr", type=float, default=8e-4, help="peak learning rate of cloning (default 8e-4)")
    p.add_argument("--finetune-timesteps", type=int, default=0, help="MaskablePPO steps after cloning (default 0)")
    p.add_argument("--reference", default="ortools:time_limit=1", help="reference of validation and test gaps")
    p.add_argument("--test-instances", type=int, default=100, help="test instances of seed 1234 (default 100)")
    p.add_argument("--decodings", default="greedy,aug8", help="test decodings (see agent_test_gaps.py)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the training instances and batching")
    p.add_argument("--out", default="runs/cvrptw20", help="output folder")
    p.add_argument("--ship", default=None, help="copy the checkpoint to routing_gym/agents/pretrained/NAME")
    args = p.parse_args(argv)

    import torch

    from agent_test_gaps import markdown, test_gaps
    from routing_gym.agents.checkpoint import PRETRAINED_DIR, load_policy, save_policy
    from routing_gym.agents.imitation import imitate

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    env_kwargs = {"num_nodes": args.num_nodes}
    reference = cvrptw_solver(args.reference)
    t0 = time.perf_counter()
    res = imitate(ENV_ID, env_kwargs, policy="attention", policy_kwargs={"embed_dim": 64, "num_layers": 3, "num_heads": 4},
                  num_instances=args.instances, solver=cvrptw_solver(args.solver), steps=100_000, batch_size=256, lr=args.lr,
                  time_limit=args.time_limit, finetune_timesteps=args.finetune_timesteps, seed=args.seed, out_dir=out,
                  eval_instances=100, eval_every=500, reference=reference, progress=True)
    train_s = time.perf_counter() - t0
    print(json.dumps({"gaps_pct": res.gaps, "mean_costs": res.costs, "times_s": res.times}, indent=2))

    policy = load_policy(res.path)
    report = test_gaps(policy, num_instances=args.test_instances, seed=1234, reference=reference,
                       decodings=args.decodings.split(","), cache=out / "test_reference.json", progress=True)
    report.update(train_wall_s=train_s, checkpoint=str(res.path))
    (out / "test_gaps.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"test: {args.test_instances} instances of seed 1234, reference {report['reference']} "
          f"(mean cost {report['reference_mean_cost']:.4f}, failed on {report['reference_failed']})")
    print(markdown(report))
    if args.ship:
        command = "python benchmarks/train_cvrptw.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
        training = {**policy.checkpoint.training, "test_report": report, "train_command": command}
        folder = save_policy(policy, PRETRAINED_DIR / args.ship, env_id=ENV_ID, env_kwargs=env_kwargs, training=training)
        print(f"shipped to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
