"""A short training of the AttentionPolicy on mTSP (min-max, 20 cities, 3 vehicles) and its test gaps.

Imitation as for the shipped agents (:func:`routing_gym.agents.imitation.imitate`):
label ``--instances`` random instances of ``routing_gym/MTSP-v0`` with ``--solver``
(the suite's ILS), replay the labels through the vector env, clone them into an
AttentionPolicy for at most ``--time-limit`` seconds (validation: 100 instances of
seed 4321, best weights kept), optionally fine-tune with MaskablePPO; then decode
the 100 test instances of seed 1234 greedily and with x8 augmentation
(:mod:`agent_test_gaps`; gap to ``--reference``) and write ``OUT/test_gaps.json``.
Nothing is shipped: the checkpoint stays in ``OUT``.

Usage (about 15 minutes on one thread of a shared 2-core CPU)::

    python benchmarks/train_mtsp.py --out runs/mtsp20m3
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # agent_test_gaps, when run from anywhere

ENV_ID = "routing_gym/MTSP-v0"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num-nodes", type=int, default=20, help="cities (default 20)")
    p.add_argument("--num-vehicles", type=int, default=3, help="vehicles (default 3)")
    p.add_argument("--objective", default="minmax", help="minmax or sum (default minmax)")
    p.add_argument("--instances", type=int, default=2000, help="labelled training instances (default 2000)")
    p.add_argument("--solver", default="ils:time_limit=0.05", help="labelling solver spec")
    p.add_argument("--time-limit", type=float, default=360.0, help="seconds of cloning (default 360)")
    p.add_argument("--lr", type=float, default=8e-4, help="peak learning rate of cloning (default 8e-4)")
    p.add_argument("--finetune-timesteps", type=int, default=0, help="MaskablePPO steps after cloning (default 0)")
    p.add_argument("--reference", default="ils:time_limit=1", help="reference of validation and test gaps")
    p.add_argument("--test-instances", type=int, default=100, help="test instances of seed 1234 (default 100)")
    p.add_argument("--decodings", default="greedy,aug8", help="test decodings (see agent_test_gaps.py)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the training instances and batching")
    p.add_argument("--out", default="runs/mtsp20m3", help="output folder")
    args = p.parse_args(argv)

    import torch

    from agent_test_gaps import markdown, test_gaps
    from routing_gym.agents.checkpoint import load_policy
    from routing_gym.agents.imitation import imitate

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    env_kwargs = {"num_nodes": args.num_nodes, "num_vehicles": args.num_vehicles, "objective": args.objective}
    t0 = time.perf_counter()
    res = imitate(ENV_ID, env_kwargs, policy="attention", policy_kwargs={"embed_dim": 64, "num_layers": 3, "num_heads": 4},
                  num_instances=args.instances, solver=args.solver, steps=100_000, batch_size=256, lr=args.lr,
                  time_limit=args.time_limit, finetune_timesteps=args.finetune_timesteps, seed=args.seed, out_dir=out,
                  eval_instances=100, eval_every=500, reference=args.reference, progress=True)
    train_s = time.perf_counter() - t0
    print(json.dumps({"gaps_pct": res.gaps, "mean_costs": res.costs, "times_s": res.times}, indent=2))

    policy = load_policy(res.path)
    report = test_gaps(policy, num_instances=args.test_instances, seed=1234, reference=args.reference,
                       decodings=args.decodings.split(","), cache=out / "test_reference.json", progress=True)
    report.update(train_wall_s=train_s, checkpoint=str(res.path))
    (out / "test_gaps.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"test: {args.test_instances} instances of seed 1234, reference {report['reference']} "
          f"(mean cost {report['reference_mean_cost']:.4f}, failed on {report['reference_failed']})")
    print(markdown(report))
    print(f"wall time {train_s:.0f} s of training (labels, validation reference, cloning)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
