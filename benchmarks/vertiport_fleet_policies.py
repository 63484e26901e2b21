"""VertiportFleet-v0: the policies against the hindsight bound, and decision time per step against the GA's.

On seeded days (``make_instances``: day ``i`` from seed ``[seed, i]``, the days ``routing-gym
compare --seed`` draws), every solver plays every day; its schedule is checked by
``evaluate_vertiport_fleet`` and replayed through the environment (both must agree). Per solver:
mean profit (and its standard error), the share of the hindsight bound, passengers carried, and
the decision time per step (solve time over the environment's decisions, one per aircraft on the
ground per step), also as a multiple of the GA's. ``cpsat-hindsight`` is listed as a bound: its
``bound`` column is CP-SAT's proven upper bound on any schedule's profit of the day (``proved``:
days where the model was solved to optimality); its profit column is its own schedule's.

Two settings (the hindsight model does not scale to the default day; see ``--scan``):

    .venv/bin/python benchmarks/vertiport_fleet_policies.py --setting proved     # 3 vertiports, 3 aircraft, 1 h
    .venv/bin/python benchmarks/vertiport_fleet_policies.py --setting default --days 4   # rolling-cpsat: ~3 min a day
    .venv/bin/python benchmarks/vertiport_fleet_policies.py --scan               # where the bound stops proving in 60 s

``--agent PATH`` adds a trained checkpoint as ``agent:path=PATH``; ``--extra SPEC ...`` more solvers
(e.g. ``ga:view=forecast:time_limit=30``, the GA that plans on forecast days instead of the realised one).
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import numpy as np

from routing_gym.baselines.base import make_solver
from routing_gym.compare import make_instances
from routing_gym.envs import replay
from routing_gym.envs.vertiport_fleet.generator import SMALL
from routing_gym.envs.vertiport_fleet.types import day_figures, evaluate_vertiport_fleet

ENV_ID = "routing_gym/VertiportFleet-v0"
#: the largest setting where cpsat-hindsight proved most days optimal within 60 s (``--scan``)
PROVED = {**SMALL, "num_vertiports": 3, "num_aircraft": 3, "horizon_hours": 1.0}
#: sizes of ``--scan``: (vertiports, aircraft, hours) on the small preset's other parameters
SCAN = ((3, 2, 1.0), (3, 3, 1.0), (4, 4, 1.0), (4, 6, 1.0), (4, 6, 2.0), (6, 12, 1.0))


def run(spec: str, days: list[Any]) -> dict[str, Any]:
    """``spec`` on ``days``: per-day profit, figures, time and (hindsight) bound, each schedule judged twice."""
    solver = make_solver(spec)
    rows = []
    for day in days:
        res = solver(day)
        if not res.ok:
            rows.append({"ok": False, "message": res.message, "time_s": res.time_s})
            continue
        ev = evaluate_vertiport_fleet(day, res.solution)
        rp = replay(ENV_ID, day, res.solution)
        if not (ev.feasible and rp.feasible and math.isclose(-rp.cost, ev.cost, rel_tol=1e-9, abs_tol=1e-6)):
            raise SystemExit(f"{spec}: evaluate {ev} and replay {rp.cost} / {rp.message} disagree")
        row = {"ok": True, "profit": ev.cost, "time_s": res.time_s, **day_figures(day, res.solution)}
        stats = getattr(solver, "last_stats", {})
        if "bound" in stats:
            row.update(bound=stats["bound"], proved=stats["status"] == "OPTIMAL")
        if hasattr(solver, "timeouts"):  # rolling-cpsat: solves that found no plan in time (greedy decided)
            row.update(solves=solver.solves, timeouts=solver.timeouts, changed=solver.changed)
        rows.append(row)
    return {"spec": spec, "rows": rows}


def summary(result: dict[str, Any], bound: np.ndarray | None, ga_ms: float | None) -> str:
    ok = [r for r in result["rows"] if r["ok"]]
    n = len(result["rows"])
    if not ok:
        return f"| {result['spec']} | 0/{n} solved: {result['rows'][0].get('message', '')} |"
    profit = np.array([r["profit"] for r in ok])
    ms = 1000.0 * sum(r["time_s"] for r in ok) / sum(r["decisions"] for r in ok)
    se = profit.std(ddof=1) / math.sqrt(len(profit)) if len(profit) > 1 else 0.0
    share = "" if bound is None else f"{100.0 * profit.sum() / bound[[r['ok'] for r in result['rows']]].sum():.1f}%"
    vs_ga = "" if ga_ms is None else f"{ms / ga_ms:.3g}x"
    pax = np.mean([r["passengers"] for r in ok])
    line = (f"| {result['spec']} | {len(ok)}/{n} | {profit.mean():.1f} ± {se:.1f} | {share} | {pax:.1f} | "
            f"{ms:.3g} | {vs_ga} |")
    if "bound" in ok[0]:
        b = np.array([r["bound"] for r in ok])
        line += f" bound {b.mean():.1f}, proved {sum(r['proved'] for r in ok)}/{len(ok)} |"
    if "timeouts" in ok[0]:
        solves = sum(r["solves"] for r in ok)
        line += (f" no plan in time (greedy decided): {sum(r['timeouts'] for r in ok)}/{solves} solves;"
                 f" plan changed from the greedy hint: {sum(r['changed'] for r in ok)}/{solves} |")
    return line


def table(setting: str, days: list[Any], specs: list[str], day_limits: dict[str, int]) -> None:
    results = []
    for spec in specs:
        t0 = time.perf_counter()
        results.append(run(spec, days[: day_limits.get(spec.split(":")[0], len(days))]))
        print(f"# {spec}: {time.perf_counter() - t0:.0f} s", flush=True)
    hind = next((r for r in results if r["spec"].startswith("cpsat-hindsight")), None)
    bound = None
    if hind is not None and all(r["ok"] for r in hind["rows"]) and len(hind["rows"]) == len(days):
        bound = np.array([r["bound"] for r in hind["rows"]])
    ga = next((r for r in results if r["spec"].startswith("ga")), None)
    ga_ms = None
    if ga is not None and any(r["ok"] for r in ga["rows"]):
        ok = [r for r in ga["rows"] if r["ok"]]
        ga_ms = 1000.0 * sum(r["time_s"] for r in ok) / sum(r["decisions"] for r in ok)
    print(f"\n{setting}: {len(days)} days")
    print("| solver | days | mean profit ± s.e. | of the bound | passengers | ms / decision | vs GA | |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(summary(r, bound if len(r["rows"]) == len(days) else None, ga_ms))


def scan(seconds: float) -> None:
    """Where ``cpsat-hindsight`` stops proving optimality within ``seconds`` (two days per size)."""
    print("| vertiports | aircraft | hours | flight arcs | proved | mean s | bound / schedule profit |")
    print("|---|---|---|---|---|---|---|")
    for v, a, h in SCAN:
        days, _ = make_instances(ENV_ID, 2, 1234, **{**SMALL, "num_vertiports": v, "num_aircraft": a, "horizon_hours": h})
        solver = make_solver(f"cpsat-hindsight:time_limit={seconds}")
        stats, times = [], []
        for day in days:
            res = solver(day)
            times.append(res.time_s)
            stats.append(dict(solver.last_stats) if res.ok else {"status": res.status, "bound": math.nan, "profit": math.nan, "fly": 0})
        proved = sum(s["status"] == "OPTIMAL" for s in stats)
        ratio = np.mean([s["bound"] / s["profit"] for s in stats])
        print(f"| {v} | {a} | {h:g} | {stats[0]['fly']} | {proved}/{len(days)} | {np.mean(times):.1f} | {ratio:.3f} |",
              flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--setting", choices=("proved", "default"), default="proved")
    p.add_argument("--days", type=int, default=20)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--hindsight-seconds", type=float, default=60.0)
    p.add_argument("--ga-seconds", type=float, default=30.0)
    p.add_argument("--rolling-days", type=int, default=None, help="play rolling-cpsat on the first N days only")
    p.add_argument("--agent", default=None, help="a trained checkpoint folder (agent:path=...)")
    p.add_argument("--extra", nargs="*", default=[], help="more solver specs, e.g. ga:view=forecast")
    p.add_argument("--only", nargs="*", default=None, help="play only these solver names (e.g. ga); the GA stays the time reference")
    p.add_argument("--scan", action="store_true", help="measure where cpsat-hindsight stops proving in 60 s")
    p.add_argument("--torch-threads", type=int, default=1,
                   help="torch threads of the agent (default 1: one decision at batch 1 is too small to share)")
    args = p.parse_args()
    if args.agent:
        import torch

        torch.set_num_threads(args.torch_threads)
    if args.scan:
        scan(args.hindsight_seconds)
        return
    kwargs = PROVED if args.setting == "proved" else {}
    days, _ = make_instances(ENV_ID, args.days, args.seed, **kwargs)
    specs = ["random", "greedy", "rolling-cpsat", f"ga:time_limit={args.ga_seconds}"]
    if args.agent:
        specs.append(f"agent:path={args.agent}")
    if args.setting == "proved":
        specs.insert(0, f"cpsat-hindsight:time_limit={args.hindsight_seconds}")
    specs += args.extra
    if args.only is not None:
        specs = [s for s in specs if s.split(":")[0] in args.only]
    limits = {} if args.rolling_days is None else {"rolling-cpsat": args.rolling_days}
    table(f"VertiportFleet-v0, {args.setting} setting {kwargs or 'defaults'}", days, specs, limits)


if __name__ == "__main__":
    main()
