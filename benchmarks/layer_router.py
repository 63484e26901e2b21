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

``--problem moe`` asks the same of ``routing_gym/MoERouter-v0`` (k of E experts per layer): fixed
``top-k`` (k = 1, 2, 3), dynamic ``top-p`` (p = 0.5, 0.7, 0.9), the exact oracle, ``mcts`` and a
MaskablePPO MLP router; printed per router: objective, loss per token, experts per (token, layer),
the share of the oracle's gain over top-1, how often its expert count and its expert set equal the
oracle's, and the correlation of a token's expert calls with its difficulty (the noise-free
``sigmoid(a . x)`` of the generator); then experts per layer, router against oracle::

    python benchmarks/layer_router.py --problem moe --train-steps 400000 --mcts-instances 5
    python benchmarks/layer_router.py --problem moe --checkpoint moe.zip --attention-steps 150000 --mcts-instances 0
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from tqdm import tqdm

from routing_gym.agents.layer_router import policy_solver, structure_report, train_router
from routing_gym.baselines.base import make_solver
from routing_gym.compare import make_instances
from routing_gym.envs import replay

ENV_ID = "routing_gym/LayerRouter-v0"
MOE_ID = "routing_gym/MoERouter-v0"


def solve_all(name: str, solve: Any, insts: list[Any], env_id: str = ENV_ID) -> list[Any]:
    """Routings of every instance, each replayed through the env (an infeasible one raises)."""
    out = []
    for inst in tqdm(insts, desc=name, leave=False):
        routing = solve(inst)
        verdict = replay(env_id, inst, routing)
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


def moe_report(insts: list[Any], routings: list[Any], oracle: list[Any], top1: list[Any], gen: Any) -> dict[str, Any]:
    """Objective, loss, experts per (token, layer), gain share over top-1, count / set agreement with
    the oracle, correlation of a token's calls with its difficulty, experts per layer."""
    from routing_gym.envs.moe_router.types import evaluate_moe_router, routing_loss
    from routing_gym.envs.moe_router.viewer import counts

    cost = np.array([evaluate_moe_router(i, r).cost for i, r in zip(insts, routings)])
    c_or = np.array([evaluate_moe_router(i, r).cost for i, r in zip(insts, oracle)])
    c_t1 = np.array([evaluate_moe_router(i, r).cost for i, r in zip(insts, top1)])
    n = np.concatenate([counts(r) for r in routings])
    n_or = np.concatenate([counts(r) for r in oracle])
    same_set = np.mean([a == b for r, o in zip(routings, oracle) for ra, oa in zip(r, o) for a, b in zip(ra, oa)])
    z = np.concatenate([1 / (1 + np.exp(-(i.features @ gen.model.difficulty))) for i in insts])
    calls = n.sum(axis=1)
    return {"cost": cost.mean(), "loss": np.mean([routing_loss(i, r)[0] / i.num_tokens for i, r in zip(insts, routings)]),
            "experts": n.mean(), "gain": (c_t1 - cost).sum() / (c_t1 - c_or).sum(), "count_agree": (n == n_or).mean(),
            "set_agree": same_set, "corr": np.corrcoef(z, calls)[0, 1] if calls.std() > 0 else float("nan"),
            "by_layer": n.mean(axis=0)}


def train_attention(args: argparse.Namespace, kwargs: dict[str, Any], insts: list[Any]) -> dict[str, list[Any]]:
    """The pointer (attention over experts) policy trained with MaskablePPO, played by ``agent:path=``."""
    import routing_gym.agents.moe_router  # noqa: F401 - registers the featurizer of the attention policy
    from routing_gym.agents.train import train

    t0 = time.perf_counter()
    out = args.attention_out
    train(MOE_ID, kwargs, timesteps=args.attention_steps, n_envs=32, seed=args.train_seed, out_dir=out,
          policy_kwargs={"embed_dim": 64, "num_layers": 2, "num_heads": 4}, eval_instances=16, progress_bar=False)
    name = f"attention ppo ({args.attention_steps} steps, {time.perf_counter() - t0:.0f} s)"
    return {name: solve_all(name, solver_fn(f"agent:path={out}/final"), insts, MOE_ID)}


def moe(args: argparse.Namespace) -> None:
    """The MoERouter question: top-k, top-p, oracle, mcts and a learned router."""
    from routing_gym.envs.moe_router.generator import MoERouterGenerator

    kwargs: dict[str, Any] = {"num_layers": args.num_layers, "num_tokens": args.num_tokens,
                              "num_experts": args.num_experts, "max_experts": args.max_experts}
    if args.batch_budget is not None:
        kwargs["batch_budget"] = args.batch_budget
    gen = MoERouterGenerator(**kwargs)
    insts, _ = make_instances(MOE_ID, args.instances, args.seed, **kwargs)
    specs = ("top-k:k=1", "top-k:k=2", "top-k:k=3", "top-p:p=0.5", "top-p:p=0.7", "top-p:p=0.9", "oracle")
    routings = {name: solve_all(name, solver_fn(name), insts, MOE_ID) for name in specs}
    if args.checkpoint:
        from sb3_contrib import MaskablePPO

        model, ppo_name = MaskablePPO.load(args.checkpoint, device="cpu"), "ppo (loaded)"
    else:
        t0 = time.perf_counter()
        model = train_router(timesteps=args.train_steps, seed=args.train_seed, progress_bar=True, env_id=MOE_ID, **kwargs)
        ppo_name = f"ppo ({args.train_steps} steps, {time.perf_counter() - t0:.0f} s)"
        if args.save:
            model.save(args.save)
    from routing_gym.baselines.sb3_policy import play_policy

    routings[ppo_name] = solve_all("ppo", lambda inst: play_policy(model, inst, True, "ppo")[1]["solution"], insts, MOE_ID)
    if args.attention_steps:
        routings.update(train_attention(args, kwargs, insts))
    k = min(args.mcts_instances, len(insts))
    print(f"MoERouter E={args.num_experts} max_experts={args.max_experts} L={args.num_layers} T={args.num_tokens} "
          f"batch_budget={args.batch_budget}: {args.instances} instances, seed {args.seed}")
    print(f"{'router':34s} {'objective':>9s} {'loss/tok':>8s} {'experts':>7s} {'gain%':>7s} {'n=or%':>6s} "
          f"{'set=or%':>7s} {'corr(z)':>7s}")

    def row(name: str, sub: list[Any], rts: list[Any], o: list[Any], t1: list[Any]) -> dict[str, Any]:
        rep = moe_report(sub, rts, o, t1, gen)
        print(f"{name:34s} {rep['cost']:9.4f} {rep['loss']:8.4f} {rep['experts']:7.2f} {100 * rep['gain']:7.1f} "
              f"{100 * rep['count_agree']:6.1f} {100 * rep['set_agree']:7.1f} {rep['corr']:7.2f}")
        return rep

    oracle, top1 = routings["oracle"], routings["top-k:k=1"]
    reports = {name: row(name, insts, rts, oracle, top1) for name, rts in routings.items()}
    if k:
        mcts = solve_all("mcts", solver_fn("mcts", time_limit=args.mcts_time), insts[:k], MOE_ID)
        print(f"-- first {k} instances (mcts {args.mcts_time:g} s each):")
        for name in ("oracle", "top-k:k=2", ppo_name):
            row(name, insts[:k], routings[name][:k], oracle[:k], top1[:k])
        row(f"mcts {args.mcts_time:g} s", insts[:k], mcts, oracle[:k], top1[:k])
    print("experts per layer:")
    for name in ("oracle", *[n for n in routings if "ppo" in n], "top-p:p=0.7"):
        print(f"  {name:32s} " + " ".join(f"{x:4.2f}" for x in reports[name]["by_layer"]))


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
    ap.add_argument("--problem", choices=("layer", "moe"), default="layer",
                    help="layer: LayerRouter-v0 (skip/small/big); moe: MoERouter-v0 (k of E experts)")
    ap.add_argument("--num-experts", type=int, default=8, help="moe: experts per layer")
    ap.add_argument("--max-experts", type=int, default=3, help="moe: at most this many experts per layer")
    ap.add_argument("--attention-steps", type=int, default=0,
                    help="moe: also train the attention-over-experts pointer policy for this many steps")
    ap.add_argument("--attention-out", default="runs/moe_attention", help="moe: its checkpoint folder")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    if args.problem == "moe":
        moe(args)
        return
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
