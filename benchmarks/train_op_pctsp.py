"""Train an AttentionPolicy on OP20 and on PCTSP20 briefly (imitation of ILS labels) and measure its test gaps.

For each problem, as for the other imitation-trained agents
(:func:`routing_gym.agents.imitation.imitate`): label ``--instances`` random
instances with ``--solver`` (default: the suite's ILS for a fixed 100 rounds, so
that the labels do not depend on the load of a shared machine), replay the labels
through the vector env, clone them into an AttentionPolicy (64 wide, 3 layers, 4
heads) for at most ``--time-limit`` seconds, keeping the weights of the best greedy
validation cost (100 instances of seed 4321). Then decode the 100 test instances
of seed 1234 greedily and with x8 augmentation (:mod:`agent_test_gaps`), gap
``(cost - ref) / |ref|`` to ``--reference`` (positive: worse; for OP's prize that is
``1 - prize / reference prize``), and write ``OUT/<problem>/test_gaps.json``.

Usage (about 10 minutes per problem on one thread of a shared 2-core CPU)::

    python benchmarks/train_op_pctsp.py --out runs/prize20
    python benchmarks/train_op_pctsp.py --problems op --time-limit 60 --instances 200   # a quick look
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # agent_test_gaps, when run from anywhere

ENV_IDS = {"op": "routing_gym/OP-v0", "pctsp": "routing_gym/PCTSP-v0"}


def train_one(problem: str, args: argparse.Namespace) -> dict:
    """Imitation on one problem, then the test report; returns the report (also written as JSON)."""
    from agent_test_gaps import markdown, test_gaps
    from routing_gym.agents.checkpoint import load_policy
    from routing_gym.agents.imitation import imitate

    env_id = ENV_IDS[problem]
    out = Path(args.out) / problem
    env_kwargs = {"num_nodes": args.num_nodes}
    t0 = time.perf_counter()
    res = imitate(env_id, env_kwargs, policy="attention", policy_kwargs={"embed_dim": 64, "num_layers": 3, "num_heads": 4},
                  num_instances=args.instances, solver=args.solver, steps=100_000, batch_size=256, lr=args.lr,
                  time_limit=args.time_limit, seed=args.seed, out_dir=out, eval_instances=100, eval_every=250,
                  reference=args.reference, progress=True)
    train_s = time.perf_counter() - t0
    print(json.dumps({"problem": problem, "gaps_pct": res.gaps, "mean_costs": res.costs, "times_s": res.times}, indent=2))
    policy = load_policy(res.path)
    report = test_gaps(policy, num_instances=args.test_instances, seed=1234, reference=args.reference,
                       decodings=["greedy", "aug8"], cache=out / "test_reference.json", progress=True)
    report.update(train_wall_s=train_s, checkpoint=str(res.path), label_solver=args.solver, times_s=res.times,
                  validation_gaps_pct=res.gaps)
    (out / "test_gaps.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{env_id} n={args.num_nodes}: {args.test_instances} test instances of seed 1234, reference {report['reference']} "
          f"(mean cost {report['reference_mean_cost']:.4f}; costs are minus the prize for OP)")
    print(markdown(report))
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--problems", nargs="+", default=list(ENV_IDS), choices=list(ENV_IDS))
    p.add_argument("--num-nodes", type=int, default=20)
    p.add_argument("--instances", type=int, default=2000, help="labelled training instances (default 2000)")
    p.add_argument("--solver", default="ils:time_limit=none:iterations=100", help="labelling solver spec")
    p.add_argument("--time-limit", type=float, default=420.0, help="seconds of cloning per problem (default 420)")
    p.add_argument("--lr", type=float, default=8e-4, help="peak learning rate of cloning (default 8e-4)")
    p.add_argument("--reference", default="hgs:time_limit=1", help="reference of the validation and test gaps")
    p.add_argument("--test-instances", type=int, default=100)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/prize20")
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    for problem in args.problems:
        train_one(problem, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
