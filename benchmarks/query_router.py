"""QueryRouter-v0 figures: quality-cost points per cost weight and the share of the oracle's gain recovered.

Two settings:

* ``generated``: :class:`QueryRouterGenerator` (6 models, 4 families, complementarity 0.6,
  budget 30 % of always calling the dearest model), test streams of 200 queries from seeds
  1000.. ; the fitted routers learn on each instance's 400 training queries (``train_seed``),
  PPO (gamma 0.95: the budget couples the queries) on streams from training seed 0 of the
  same generator.
* ``routerbench``: ``$ROUTING_GYM_DATA/llm_routing/routerbench_long.csv`` (RouterBench zero-shot
  results, Hu et al. 2024, via the RouterDC train split; see that folder's SOURCES.md), no
  budget, split by query in halves (``train_fraction=0.5``, ``split_seed=0``): routers and PPO
  learn on the training half and are judged on the other 1,103 queries, in file order; PPO
  on streams of 100 queries resampled from the training half, with gamma 0 (without a budget
  the queries are independent).

``mcts`` (generated setting, 2 s per stream) plays the environment, whose instance holds the
realised outcomes: like ``oracle`` it is a hindsight search, not an online router.

For each cost weight ``w`` (reward per query: score - w * cost) every solver routes every
stream; the table prints mean quality (score per query), mean spend per stream, the objective,
the share of calls to the dearest model and the share of the oracle's gain over ``cheapest``
recovered (``(J - J_cheapest) / (J_oracle - J_cheapest)``, averaged over streams; APGR-style),
and per solver CPT(50 %): the smallest share of premium calls at which it recovers half the gain.
``--figure`` writes the chart of PPO's and logistic's choices against the oracle's; ``--curve``
the quality-cost curves (one panel per setting: mean quality per query against mean spend per
query, one point per cost weight, one line per solver) as a PNG, and ``--markdown`` the
table as Markdown (for the README).
``--prompt-features`` adds eight hand features of each prompt (sizes, character shares, code
and multiple-choice markers; from ``routerbench_subset.csv``) as feature columns of the real
table, in a temporary file, so that knn / logistic / PPO see more than the family.

    .venv/bin/python benchmarks/query_router.py [--streams 10] [--ppo-steps 150000] [--figure out.png]
    .venv/bin/python benchmarks/query_router.py --only routerbench --prompt-features
    .venv/bin/python benchmarks/query_router.py --curve docs/img/query_router_quality_cost.png --markdown
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm import tqdm

import routing_gym  # noqa: F401 - registers the ids
from routing_gym.baselines.base import make_solver
from routing_gym.envs.query_router.generator import QueryRouterGenerator
from routing_gym.envs.query_router.io import load_table
from routing_gym.envs.query_router.metrics import calls_to_reach, metrics
from routing_gym.envs.query_router.types import QueryRouterInstance, evaluate_query_router

SOLVERS = ("random", "cheapest", "best-single", "best-per-family", "knn", "logistic", "cascade", "threshold")
GEN_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
REAL_WEIGHTS = (0.0, 10.0, 30.0, 100.0, 300.0)


def data_root() -> Path:
    env = os.environ.get("ROUTING_GYM_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def train_ppo(generator: Any, weights: tuple[float, ...], steps: int, gamma: float, seed: int = 0) -> Any:
    """One MaskablePPO for every cost weight (each training stream draws its weight)."""
    import torch

    from routing_gym.agents.query_router import CostWeightSweep, train_router

    torch.set_num_threads(1)
    return train_router(CostWeightSweep(generator, weights), steps, seed=seed, gamma=gamma, progress_bar=False)


def evaluate_setting(name: str, streams: dict[float, list[QueryRouterInstance]], ppo: Any, mcts: bool) -> list[dict]:
    """One row per (cost weight, solver): means over the streams."""
    from routing_gym.agents.query_router import ppo_routing

    solvers: dict[str, Callable[[QueryRouterInstance], Any]] = {s: make_solver(s).solve for s in SOLVERS}
    if mcts:
        solvers["mcts"] = make_solver("mcts", time_limit=2.0).solve
    solvers["ppo"] = lambda inst: ppo_routing(ppo, inst)
    oracle = make_solver("oracle", time_limit=60.0)
    rows = []
    total = sum(len(v) for v in streams.values())
    with tqdm(total=total, desc=name) as bar:
        for w, insts in streams.items():
            acc: dict[str, list[dict]] = {s: [] for s in ["oracle", *solvers]}
            for inst in insts:
                orc = oracle.solve(inst)
                assert oracle.last_stats["exact"], oracle.last_stats
                best = evaluate_query_router(inst, orc).cost
                acc["oracle"].append(metrics(inst, orc, oracle=best))
                for s, solve in solvers.items():
                    acc[s].append(metrics(inst, solve(inst), oracle=best))
                bar.update()
            for s, ms in acc.items():
                row = {k: float(np.nanmean([m[k] for m in ms])) for k in ms[0]}
                rows.append({"setting": name, "w": w, "solver": s, "num_queries": insts[0].num_queries, **row})
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'setting':12s} {'w':>6s} {'solver':16s} {'quality':>8s} {'spend':>9s} {'objective':>10s} {'premium':>8s} "
          f"{'gain share':>10s} {'feasible':>8s}")
    for r in rows:
        print(f"{r['setting']:12s} {r['w']:6g} {r['solver']:16s} {r['quality']:8.4f} {r['spent']:9.4f} "
              f"{r['objective']:10.3f} {r['premium_calls']:8.3f} {r['gain_share']:10.3f} {r['feasible']:8.2f}")
    print("\nCPT(50%): smallest premium-call share with gain share >= 0.5 over the cost weights (nan: never)")
    for setting in dict.fromkeys(r["setting"] for r in rows):
        sub = [r for r in rows if r["setting"] == setting]
        cells = []
        for s in dict.fromkeys(r["solver"] for r in sub):
            pts = [(r["premium_calls"], r["gain_share"]) for r in sub if r["solver"] == s]
            cells.append(f"{s}={calls_to_reach(pts, 0.5):.3f}")
        print(f"  {setting}: " + ", ".join(cells))


def curve(path: str, rows: list[dict]) -> None:
    """Quality against spend per query for every solver over the cost weights, one panel per setting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    settings = list(dict.fromkeys(r["setting"] for r in rows))
    fig, axes = plt.subplots(1, len(settings), figsize=(6.5 * len(settings), 4.8), squeeze=False)
    for ax, setting in zip(axes[0], settings):
        sub = [r for r in rows if r["setting"] == setting]
        for s in dict.fromkeys(r["solver"] for r in sub):
            pts = sorted((r["spent"] / r["num_queries"], r["quality"]) for r in sub if r["solver"] == s)
            style = {"oracle": "k-o", "ppo": "r-o", "mcts": ":x"}.get(s, "-o")
            ax.plot(*zip(*pts), style, label=s, markersize=4, linewidth=2 if s in ("oracle", "ppo") else 1,
                    zorder=3 if s in ("oracle", "ppo") else 2)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("mean spend per query (the table's cost unit: USD on RouterBench)")
        ax.set_ylabel("mean quality per query")
        ax.set_title(f"{setting}: one point per cost weight", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower right", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"quality-cost curves: {path}")


def markdown(rows: list[dict]) -> None:
    """The table as Markdown: quality / spend per query / gain share per (setting, weight) and solver."""
    for setting in dict.fromkeys(r["setting"] for r in rows):
        sub = [r for r in rows if r["setting"] == setting]
        solvers = list(dict.fromkeys(r["solver"] for r in sub))
        print(f"\n{setting}: quality / spend per query / gain share\n")
        print("| w | " + " | ".join(solvers) + " |")
        print("|---" * (len(solvers) + 1) + "|")
        for w in dict.fromkeys(r["w"] for r in sub):
            by = {r["solver"]: r for r in sub if r["w"] == w}
            print(f"| {w:g} | " + " | ".join(f"{by[s]['quality']:.3f} / {by[s]['spent'] / by[s]['num_queries']:.3g} / "
                                              f"{by[s]['gain_share']:.2f}" for s in solvers) + " |")


def generated(args: argparse.Namespace) -> list[dict]:
    gen = QueryRouterGenerator(num_models=6, num_queries=200, budget_ratio=0.3)
    ppo = train_ppo(dataclasses.replace(gen, num_train=0), GEN_WEIGHTS, args.ppo_steps, gamma=0.95)
    streams = {w: [dataclasses.replace(gen, cost_weight=w)(np.random.default_rng(1000 + i)) for i in range(args.streams)]
               for w in GEN_WEIGHTS}
    return evaluate_setting("generated", streams, ppo, mcts=True)


def routerbench(args: argparse.Namespace) -> tuple[list[dict], Any, QueryRouterInstance]:
    import tempfile

    from routing_gym.agents.query_router import TrainingStreams

    path = data_root() / "llm_routing" / "routerbench_long.csv"
    name = "routerbench"
    if args.prompt_features:
        path = table_with_prompt_features(Path(tempfile.mkdtemp()) / "routerbench_prompt_features.csv")
        name = "rb+prompt"
    streams = {w: [load_table(path, budget=None, cost_weight=w)] for w in REAL_WEIGHTS}
    # no budget: the queries are independent, so PPO is trained myopically (gamma = 0)
    ppo = train_ppo(TrainingStreams(streams[0.0][0], num_queries=100), REAL_WEIGHTS, args.ppo_steps, gamma=0.0)
    return evaluate_setting(name, streams, ppo, mcts=False), ppo, streams[30.0][0]


#: the hand features computed from each prompt (``--prompt-features``)
PROMPT_FEATURES = ("log_chars", "log_words", "log_lines", "digit_share", "upper_share", "punct_share", "code_marks",
                   "choice_marks")


def prompt_features(prompt: str) -> list[float]:
    """Hand features of a prompt: sizes, character shares and markers of code and multiple choice.

    The prompts are Python-list literals, so line breaks appear as the two characters ``\\n``.
    """
    n = max(len(prompt), 1)
    code = sum(prompt.count(t) for t in ("def ", "return", "==", "assert", "```", "(", "[")) / n * 100.0
    choice = sum(prompt.count(t) for t in ("A)", "B)", "C)", "D)", "Option", "_"))
    return [math.log1p(len(prompt)), math.log1p(len(prompt.split())), math.log1p(prompt.count("\n") + prompt.count(r"\n")),
            sum(c.isdigit() for c in prompt) / n, sum(c.isupper() for c in prompt) / n,
            sum(not c.isalnum() and not c.isspace() for c in prompt) / n, code, math.log1p(choice)]


def table_with_prompt_features(out: Path) -> Path:
    """``routerbench_long.csv`` with :data:`PROMPT_FEATURES` columns from the prompts of
    ``routerbench_subset.csv``, written to ``out`` (a temporary file: the data are not redistributed)."""
    import csv

    csv.field_size_limit(2**31 - 1)
    folder = data_root() / "llm_routing"
    with open(folder / "routerbench_subset.csv", newline="") as fh:
        feats = {r["sample_id"]: prompt_features(r["prompt"]) for r in csv.DictReader(fh)}
    with open(folder / "routerbench_long.csv", newline="") as src, open(out, "w", newline="") as dst:
        reader, writer = csv.DictReader(src), csv.writer(dst)
        writer.writerow([*reader.fieldnames, *PROMPT_FEATURES])
        for r in reader:
            writer.writerow([*r.values(), *(f"{v:.6g}" for v in feats[r["query_id"]])])
    return out


def figure(path: str, ppo: Any, inst: QueryRouterInstance) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from routing_gym.agents.query_router import ppo_routing
    from routing_gym.envs.query_router.viewer import draw_against

    oracle = make_solver("oracle", time_limit=60.0).solve(inst)
    fig, axes = plt.subplots(2, 1, figsize=(10, 7))
    for ax, (label, sol) in zip(axes, [("ppo", ppo_routing(ppo, inst)), ("logistic", make_solver("logistic").solve(inst))]):
        draw_against(ax, inst, sol[:150], oracle[:150], f"RouterBench, w = {inst.cost_weight:g}: {label} vs oracle "
                     f"(first 150 queries)", label)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"figure: {path}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--streams", type=int, default=10, help="generated test streams per cost weight")
    p.add_argument("--ppo-steps", type=int, default=150_000, help="PPO training steps per setting")
    p.add_argument("--figure", default=None, help="write the chart of choices against the oracle's here (PNG)")
    p.add_argument("--curve", default=None, help="write the quality-cost curves here (PNG)")
    p.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    p.add_argument("--only", choices=("generated", "routerbench"), default=None)
    p.add_argument("--prompt-features", action="store_true",
                   help="routerbench: add hand features of each prompt (from routerbench_subset.csv) as feature columns")
    args = p.parse_args()
    rows: list[dict] = []
    if args.only in (None, "generated"):
        rows += generated(args)
    if args.only in (None, "routerbench"):
        real, ppo, inst = routerbench(args)
        rows += real
        if args.figure:
            figure(args.figure, ppo, inst)
    print_table(rows)
    if args.curve:
        curve(args.curve, rows)
    if args.markdown:
        markdown(rows)
    assert all(math.isclose(r["feasible"], 1.0) for r in rows)


if __name__ == "__main__":
    main()
