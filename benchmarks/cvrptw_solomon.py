"""CVRPTW solvers on the Solomon instances: gap to the best-known total distance.

Runs OR-Tools (``solve_ortools``), the suite's ILS (``solve_ils``) and HGS
(``solve_hgs``, PyVRP) at ``--time-limit`` seconds on every Solomon file in
``../shared/data/solomon`` (or ``$ROUTING_GYM_DATA/solomon``), one run at a
time, and prints one row per instance (gap ``cost / bks - 1`` in %) and the
mean per solver. The best-known values are total distance under the DIMACS
convention (distances truncated to one decimal), the number of vehicles free.
Every solution is checked with ``evaluate_cvrptw``; a failed or infeasible run
is shown as a failure and left out of the mean (and counted).

The solver functions are called directly for now (not through the comparison
harness). Usage::

    python benchmarks/cvrptw_solomon.py                        # 40 files x 3 solvers x 10 s: about 20 min
    python benchmarks/cvrptw_solomon.py --time-limit 2 --solvers ils,hgs --names C101,R101
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm import tqdm

from routing_gym.envs.cvrptw.io import load_solomon
from routing_gym.envs.cvrptw.types import evaluate_cvrptw


def solvers() -> dict[str, Callable[..., list[list[int]]]]:
    """The solver functions by name (imported here so that ``--help`` stays fast)."""
    from routing_gym.baselines.cvrptw.hgs import solve_hgs
    from routing_gym.baselines.cvrptw.local_search import solve_ils
    from routing_gym.baselines.cvrptw.ortools import solve_ortools

    return {"ortools": solve_ortools, "ils": solve_ils, "hgs": solve_hgs}


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    root = os.environ.get("ROUTING_GYM_DATA")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / "shared" / "data"
    return base / "solomon"


def run_one(solve: Callable[..., Any], inst: Any, time_limit: float, seed: int) -> tuple[float | None, float, str]:
    """Gap in % (None on failure), seconds, and the failure message."""
    t0 = time.perf_counter()
    try:
        routes = solve(inst, time_limit, seed)
    except Exception as e:  # noqa: BLE001 - a failed run is a row of the table, with its message
        return None, time.perf_counter() - t0, f"{type(e).__name__}: {e}"
    dt = time.perf_counter() - t0
    ev = evaluate_cvrptw(inst, routes)
    if not ev.feasible:
        return None, dt, f"infeasible: {ev.violation}"
    return round(100.0 * (ev.cost / inst.optimum - 1.0), 9) + 0.0, dt, ""  # no "-0.00%" from round-off


def warm_up(names: list[str]) -> None:
    """Compile (or load from cache) the numba kernels outside the timed runs."""
    if "ils" in names:
        from routing_gym.baselines.cvrptw.local_search import warm_up as ils_warm_up

        ils_warm_up()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance and solver (default 10)")
    ap.add_argument("--solvers", default="ortools,ils,hgs", help="comma-separated subset of ortools,ils,hgs")
    ap.add_argument("--names", default="", help="comma-separated instance names (default: every file)")
    ap.add_argument("--data", default=None, help="folder of the Solomon .txt files")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    folder = data_dir(args.data)
    files = sorted(folder.glob("*.txt"))
    if args.names:
        wanted = set(args.names.split(","))
        files = [f for f in files if f.stem in wanted]
    if not files:
        print(f"no Solomon files found in {folder}", file=sys.stderr)
        return 1
    table = solvers()
    names = [s for s in args.solvers.split(",") if s]
    unknown = set(names) - set(table)
    if unknown:
        print(f"unknown solver(s) {sorted(unknown)}; expected some of {sorted(table)}", file=sys.stderr)
        return 2
    warm_up(names)

    gaps: dict[str, list[float]] = {s: [] for s in names}
    rows = []
    for path in tqdm(files, desc=f"solomon x {len(names)} solvers @ {args.time_limit:g}s", unit="file"):
        inst = load_solomon(path)
        cells = []
        for s in names:
            gap, _, msg = run_one(table[s], inst, args.time_limit, args.seed)
            if gap is None:
                cells.append(f"FAILED ({msg[:40]})")
            else:
                gaps[s].append(gap)
                cells.append(f"{gap:7.2f}%")
        rows.append(f"| {path.stem:<6} | {inst.optimum:8.1f} | " + " | ".join(f"{c:>10}" for c in cells) + " |")

    print(f"\nGap to best-known distance at {args.time_limit:g} s per instance (seed {args.seed}):\n")
    print("| instance | bks | " + " | ".join(f"{s:>10}" for s in names) + " |")
    print("|---|---|" + "---|" * len(names))
    print("\n".join(rows))
    means = [f"{np.mean(gaps[s]):7.2f}%" if gaps[s] else "-" for s in names]
    print(f"| mean   | {'':8} | " + " | ".join(f"{m:>10}" for m in means) + " |")
    failed = {s: len(files) - len(gaps[s]) for s in names if len(gaps[s]) < len(files)}
    if failed:
        print(f"\nfailed runs (left out of the means): {failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
