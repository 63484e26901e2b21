"""LayerRouter: does a learned router find the oracle's structure? (issue 10, the Duo-LLM question)

On ``--instances`` generated episodes of seed ``--seed`` (``routing-gym compare --env
routing_gym/LayerRouter-v0 --seed S`` builds the same ones), each routing is replayed through
``routing_gym/LayerRouter-v0`` and compared with the exact hindsight oracle (dynamic programming):

* ``all-small``, ``all-big``, ``one-big-layer`` (best single big layer, swept), ``oracle``;
* ``mcts`` (generic UCT, ``--mcts-time`` seconds per instance, on the first ``--mcts-instances``);
* a MaskablePPO MLP router trained here for ``--train-steps`` steps (or loaded with ``--checkpoint``).

Printed per router: mean objective (loss + compute weight * units), mean loss, units, the share
of the oracle's gain over all-small recovered, agreement with the oracle's options, big layers per
token, skip share; then the share of tokens routed big at each layer, router against oracle::

    python benchmarks/layer_router.py                                  # ~5 min on a shared 2-core CPU
    python benchmarks/layer_router.py --batch-budget 160 --train-steps 300000
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from tqdm import tqdm

from routing_gym.agents.layer_router import policy_solver, structure_report, train_router
from routing_gym.baselines.base import make_solver
from routing_gym.compare import make_instances
from routing_gym.envs import replay

ENV_ID = "routing_gym/LayerRouter-v0"


def solve_all(name: str, solve: Any, insts: list[Any]) -> list[Any]:
    """Routings of every instance, each replayed through the env (an infeasible one raises)."""
    out = []
    for inst in tqdm(insts, desc=name, leave=False):
        routing = solve(inst)
        verdict = replay(ENV_ID, inst, routing)
        if not verdict.feasible:
            raise RuntimeError(f"{name}: infeasible routing: {verdict.message}")
        out.append(routing)
    return out


def solver_fn(spec: str, **defaults: Any) -> Any:
    solver = make_solver(spec, **defaults)

    def run(inst: Any) -> Any:
        result = solver(inst)
        if not result.ok:
            raise RuntimeError(f"{spec}: {result.status}: {result.message}")
        return result.solution

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--num-layers", type=int, default=12)
    ap.add_argument("--num-tokens", type=int, default=8)
    ap.add_argument("--batch-budget", type=int, default=None)
    ap.add_argument("--train-steps", type=int, default=300_000)
    ap.add_argument("--train-seed", type=int, default=0)
    ap.add_argument("--checkpoint", default=None, help="load this MaskablePPO .zip instead of training")
    ap.add_argument("--save", default=None, help="save the trained router here (.zip)")
    ap.add_argument("--mcts-instances", type=int, default=10)
    ap.add_argument("--mcts-time", type=float, default=2.0)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    kwargs: dict[str, Any] = {"num_layers": args.num_layers, "num_tokens": args.num_tokens}
    if args.batch_budget is not None:
        kwargs["batch_budget"] = args.batch_budget
    insts, _ = make_instances(ENV_ID, args.instances, args.seed, **kwargs)
    routings = {name: solve_all(name, solver_fn(name), insts)
                for name in ("all-small", "all-big", "one-big-layer", "oracle")}
    if args.checkpoint:
        from sb3_contrib import MaskablePPO

        model = MaskablePPO.load(args.checkpoint, device="cpu")
        ppo_name = "ppo (loaded)"
    else:
        t0 = time.perf_counter()
        model = train_router(timesteps=args.train_steps, seed=args.train_seed, progress_bar=True, **kwargs)
        ppo_name = f"ppo ({args.train_steps} steps, {time.perf_counter() - t0:.0f} s)"
        if args.save:
            model.save(args.save)
    routings[ppo_name] = solve_all("ppo", policy_solver(model), insts)
    small, oracle = routings["all-small"], routings["oracle"]
    print(f"LayerRouter L={args.num_layers} T={args.num_tokens} batch_budget={args.batch_budget}: "
          f"{args.instances} instances, seed {args.seed}")
    print(f"{'router':34s} {'objective':>9s} {'loss':>8s} {'units':>7s} {'gain%':>7s} {'agree%':>7s} "
          f"{'big/tok':>7s} {'skip%':>6s}")

    def row(name: str, sub: list[Any], rts: list[Any], o: list[Any], s: list[Any]) -> Any:
        rep = structure_report(sub, rts, o, s)
        print(f"{name:34s} {rep.cost:9.4f} {rep.loss:8.4f} {rep.units:7.1f} {100 * rep.gain_share:7.1f} "
              f"{100 * rep.agreement:7.1f} {rep.bigs_per_token:7.2f} {100 * rep.skip_share:6.1f}")
        return rep

    reports = {name: row(name, insts, rts, oracle, small) for name, rts in routings.items()}
    k = min(args.mcts_instances, len(insts))
    if k:
        mcts = solve_all("mcts", solver_fn("mcts", time_limit=args.mcts_time), insts[:k])
        sub = insts[:k]
        print(f"-- first {k} instances (mcts {args.mcts_time:g} s each):")
        for name in ("oracle", ppo_name):
            row(name, sub, routings[name][:k], oracle[:k], small[:k])
        row(f"mcts {args.mcts_time:g} s", sub, mcts, oracle[:k], small[:k])
    print("share of tokens routed big per layer:")
    for name in ("oracle", ppo_name, "one-big-layer"):
        print(f"  {name:32s} " + " ".join(f"{x:4.2f}" for x in reports[name].big_by_layer))


if __name__ == "__main__":
    main()
