"""Nothing escapes: every bad input gets a clear error, nothing hangs, and a long comparison survives a crash.

- bad command-line arguments: exit code 2, one ``routing-gym: error: ...`` line, no
  traceback, and no solver has run;
- mutated instance and solution files: an :class:`InstanceError` naming the file
  (or a clean load, for what is only unusual: a latin-1 comment);
- bad generator / environment arguments: a routing-gym error naming the field;
- comparisons: a corrupt checkpoint, a solver that kills its worker process and one
  that hangs each become a failure row while the other rows stay; a run whose
  process is killed, resumed with ``--resume``, ends with exactly the rows of an
  uninterrupted run and runs only the missing pairs.

The test solvers below are registered by this module; worker processes import it
by name to find them. They log each solve to ``$RG_TEST_SOLVE_LOG`` when set.

(The random-action fuzz over every registered problem is in ``test_contract.py``.)
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

from routing_gym.baselines.base import Solver, register_solver
from routing_gym.cli import main
from routing_gym.compare import compare
from routing_gym.envs import load_instance, read_solution
from routing_gym.errors import ConfigError, InstanceError, RoutingGymError

LOG_VAR = "RG_TEST_SOLVE_LOG"


def _log(solver: Solver, instance: Any) -> None:
    path = os.environ.get(LOG_VAR)
    if path:
        with open(path, "a") as fh:
            fh.write(f"{solver.name} {instance.num_nodes} {float(instance.distances.sum()):.12g}\n")


def _in_worker() -> bool:
    return multiprocessing.parent_process() is not None


@register_solver("rel-tour")
class TourInOrder(Solver):
    """Visits the nodes in index order (test helper)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        _log(self, instance)
        return list(range(instance.num_nodes))


@register_solver("rel-slow")
class SlowTour(Solver):
    """The index-order tour after 0.15 s (test helper: a run slow enough to be killed half-way)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        time.sleep(0.15)
        _log(self, instance)
        return list(range(instance.num_nodes))


@register_solver("rel-exit")
class ExitsItsProcess(Solver):
    """Ends its worker process with ``os._exit(3)``, as a segfaulting extension would (test helper)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        if not _in_worker():  # never take the test process down
            raise RuntimeError("rel-exit only exits worker processes")
        os._exit(3)


@register_solver("rel-hang")
class Hangs(Solver):
    """Never returns (test helper)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        if not _in_worker():
            raise RuntimeError("rel-hang only hangs worker processes")
        time.sleep(3600)
        return []

    def warmup(self) -> None:
        pass


# --- files ----------------------------------------------------------------------------

TSP = """NAME : t6
TYPE : TSP
COMMENT : six cities
DIMENSION : 6
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 30 0
3 30 40
4 0 40
5 10 10
6 20 30
EOF
"""

CVRP = """NAME : c-n5-k2
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 30 0
3 30 40
4 0 40
5 10 10
DEMAND_SECTION
1 0
2 4
3 5
4 6
5 3
DEPOT_SECTION
1
-1
EOF
"""

# routes of c-n5-k2: 0-1-2-0 is 30 + 40 + 50 = 120, 0-4-3-0 is 14 + 32 + 40 = 86 (EUC_2D rounding)
SOL = "Route #1: 1 2\nRoute #2: 4 3\nCost 206\n"


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    p = folder / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def test_base_files_are_valid(tmp_path: Path) -> None:
    tsp = load_instance(_write(tmp_path, "t.tsp", TSP))
    cvrp = load_instance(_write(tmp_path, "c.vrp", CVRP))
    assert tsp.num_nodes == 6 and cvrp.num_customers == 4
    sol = read_solution(_write(tmp_path, "c.sol", SOL), cvrp)
    assert sol.routes == [[1, 2], [4, 3]] and sol.cost == 206


def _sub(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


#: (name, base file, mutation) -> the loader must raise InstanceError naming the file
BAD_INSTANCE_FILES = [
    ("dimension-smaller-than-section", TSP, lambda t: _sub(t, "DIMENSION : 6", "DIMENSION : 5")),
    ("dimension-larger-than-section", TSP, lambda t: _sub(t, "DIMENSION : 6", "DIMENSION : 7")),
    ("dimension-missing", TSP, lambda t: _sub(t, "DIMENSION : 6\n", "")),
    ("dimension-not-integer", TSP, lambda t: _sub(t, "DIMENSION : 6", "DIMENSION : six")),
    ("dimension-huge", TSP, lambda t: _sub(t, "DIMENSION : 6", "DIMENSION : 1000000")),
    ("coordinate-not-numeric", TSP, lambda t: _sub(t, "3 30 40", "3 30 4O")),
    ("coordinate-nan", TSP, lambda t: _sub(t, "3 30 40", "3 nan 40")),
    ("coordinate-missing", TSP, lambda t: _sub(t, "3 30 40", "3 30")),
    ("node-ids-out-of-order", TSP, lambda t: _sub(t, "5 10 10\n6 20 30", "6 10 10\n5 20 30")),
    ("type-unknown", TSP, lambda t: _sub(t, "TYPE : TSP", "TYPE : QAP")),
    ("edge-weight-type-unknown", TSP, lambda t: _sub(t, "EUC_2D", "MAGIC")),
    ("cut-in-half", TSP, lambda t: t[: len(t) // 2]),
    ("cut-mid-section", TSP, lambda t: t[: t.index("5 10 10")]),
    ("explicit-too-few-weights", TSP, lambda t: t.split("EDGE_WEIGHT_TYPE")[0]
     + "EDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 2 3 4 5\nEOF\n"),
    ("binary", TSP, lambda t: b"\x00\x01\x02PK\x03\x04" * 50),
    ("empty", TSP, lambda t: ""),
    ("depot-not-numeric", CVRP, lambda t: _sub(t, "DEPOT_SECTION\n1\n", "DEPOT_SECTION\none\n")),
    ("depot-not-first-node", CVRP, lambda t: _sub(t, "DEPOT_SECTION\n1\n", "DEPOT_SECTION\n3\n")),
    ("capacity-missing", CVRP, lambda t: _sub(t, "CAPACITY : 10\n", "")),
    ("capacity-fractional", CVRP, lambda t: _sub(t, "CAPACITY : 10", "CAPACITY : 10.5")),
    ("demand-section-short", CVRP, lambda t: _sub(t, "5 3\nDEPOT", "DEPOT")),
    ("demand-over-capacity", CVRP, lambda t: _sub(t, "4 6\n", "4 16\n")),
    ("demand-negative", CVRP, lambda t: _sub(t, "4 6\n", "4 -6\n")),
    ("demand-fractional", CVRP, lambda t: _sub(t, "4 6\n", "4 6.5\n")),
]


@pytest.mark.parametrize("name, base, mutate", BAD_INSTANCE_FILES, ids=[c[0] for c in BAD_INSTANCE_FILES])
def test_mutated_instance_file__instance_error_naming_the_file(tmp_path: Path, name: str, base: str, mutate: Any) -> None:
    path = _write(tmp_path, f"{name}.{'tsp' if base is TSP else 'vrp'}", mutate(base))
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_unusual_but_valid_files_load(tmp_path: Path) -> None:
    # a latin-1 byte in a comment, CRLF line ends, no EOF line, extra blank lines
    latin = TSP.replace("six cities", "six cit\xe9s").encode("latin-1")
    assert load_instance(_write(tmp_path, "latin.tsp", latin)).num_nodes == 6
    assert load_instance(_write(tmp_path, "crlf.tsp", TSP.replace("\n", "\r\n"))).num_nodes == 6
    assert load_instance(_write(tmp_path, "noeof.tsp", TSP.replace("EOF\n", "") + "\n\n")).num_nodes == 6


def test_missing_file_and_bad_loader_options(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_instance(tmp_path / "nope.tsp")
    with pytest.raises(FileNotFoundError):
        load_instance(tmp_path)  # a folder
    with pytest.raises(InstanceError, match="loader option"):
        load_instance(_write(tmp_path, "t.tsp", TSP), bogus=1)


#: (name, .sol text) -> read_solution(path, instance) must raise InstanceError naming the file
BAD_SOLUTION_FILES = [
    ("truncated-no-cost", "Route #1: 1 2\nRoute #2: 4 3\n"),
    ("truncated-mid-route", "Route #1: 1 2\nRoute #2: 4"),
    ("truncated-route-header", "Route #1: 1 2\nRoute #2"),
    ("customer-twice", "Route #1: 1 2\nRoute #2: 4 3 1\nCost 206\n"),
    ("customer-missing", "Route #1: 1 2\nRoute #2: 4\nCost 206\n"),
    ("customer-out-of-range", "Route #1: 1 2\nRoute #2: 4 3 9\nCost 206\n"),
    ("customer-zero", "Route #1: 0 1 2\nRoute #2: 4 3\nCost 206\n"),
    ("customer-not-integer", "Route #1: 1 2.5\nRoute #2: 4 3\nCost 206\n"),
    ("cost-inconsistent", "Route #1: 1 2\nRoute #2: 4 3\nCost 200\n"),
    ("cost-not-numeric", "Route #1: 1 2\nRoute #2: 4 3\nCost lots\n"),
    ("cost-nan", "Route #1: 1 2\nRoute #2: 4 3\nCost nan\n"),
    ("no-routes", "Cost 206\n"),
    ("over-capacity", "Route #1: 1 2 4 3\nCost 170\n"),
]


@pytest.mark.parametrize("name, text", BAD_SOLUTION_FILES, ids=[c[0] for c in BAD_SOLUTION_FILES])
def test_mutated_solution_file__instance_error_naming_the_file(tmp_path: Path, name: str, text: str) -> None:
    inst = load_instance(_write(tmp_path, "c.vrp", CVRP))
    path = _write(tmp_path, f"{name}.sol", text)
    with pytest.raises(InstanceError) as info:
        read_solution(path, inst)
    assert str(path) in str(info.value)


def test_solution_file_without_instance_checks_structure_only(tmp_path: Path) -> None:
    # published .sol files can be wrong (cvrplib B-n50-k8 repeats a customer); without an
    # instance they still read, and evaluate() reports the problem
    sol = read_solution(_write(tmp_path, "dup.sol", "Route #1: 1 2\nRoute #2: 4 3 1\nCost 206\n"))
    assert sol.routes == [[1, 2], [4, 3, 1]]
    latin = "Route #1: 1 2\nRoute #2: 4 3\nComment: Mart\xedn\nCost 206\n".encode("latin-1")
    assert read_solution(_write(tmp_path, "latin.sol", latin)).cost == 206


# --- generator and environment arguments --------------------------------------------------

BAD_ENV_ARGUMENTS = [
    ("routing_gym/TSP-v0", dict(num_nodes=10**6), "num_nodes"),
    ("routing_gym/CVRP-v0", dict(num_nodes=10**6), "num_nodes"),
    ("routing_gym/TSP-v0", dict(num_nodes="abc"), "num_nodes"),
    ("routing_gym/TSP-v0", dict(num_nodes=5.0), "num_nodes"),
    ("routing_gym/TSP-v0", dict(num_nodes=True), "num_nodes"),
    ("routing_gym/TSP-v0", dict(cluster_std=float("nan")), "cluster_std"),
    ("routing_gym/TSP-v0", dict(cluster_std=float("inf")), "cluster_std"),
    ("routing_gym/TSP-v0", dict(num_clusters=2.5), "num_clusters"),
    ("routing_gym/TSP-v0", dict(distribution=3), "distribution"),
    ("routing_gym/CVRP-v0", dict(capacity=2.5), "capacity"),
    ("routing_gym/CVRP-v0", dict(capacity=float("nan")), "capacity"),
    ("routing_gym/CVRP-v0", dict(max_demand=2.5), "max_demand"),
    ("routing_gym/CVRP-v0", dict(min_demand="1"), "min_demand"),
    ("routing_gym/CVRP-v0", dict(distribution="clustered", cluster_std=float("nan")), "cluster_std"),
    ("routing_gym/TSP-v0", dict(bogus=1), "bogus"),
    ("routing_gym/TSP-v0", dict(render_mode="3d"), "render_mode"),
    ("routing_gym/TSP-v0", dict(invalid_action="explode"), "invalid_action"),
]


@pytest.mark.parametrize("env_id, kwargs, field", BAD_ENV_ARGUMENTS, ids=[f"{e.split('/')[1]}-{f}-{k[f] if f in k else ''}"
                                                                         for e, k, f in BAD_ENV_ARGUMENTS])
def test_bad_env_argument__routing_gym_error_naming_it(env_id: str, kwargs: dict, field: str) -> None:
    with pytest.raises(RoutingGymError, match=field):
        gym.make(env_id, **kwargs)


def test_vector_env__memory_budget_and_num_envs() -> None:
    with pytest.raises(InstanceError, match="num_envs.*memory budget"):
        gym.make_vec("routing_gym/TSP-v0", 10**6, vectorization_mode="vector_entry_point", num_nodes=100)
    with pytest.raises(InstanceError, match="num_envs"):
        gym.make_vec("routing_gym/TSP-v0", 2.5, vectorization_mode="vector_entry_point")


def test_memory_budget__env_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTING_GYM_MEMORY_BUDGET", "1M")  # 362 nodes
    gym.make("routing_gym/TSP-v0", num_nodes=300)
    with pytest.raises(InstanceError, match="memory budget of 1.0 MiB"):
        gym.make("routing_gym/TSP-v0", num_nodes=400)
    monkeypatch.setenv("ROUTING_GYM_MEMORY_BUDGET", "lots")
    with pytest.raises(ConfigError, match="ROUTING_GYM_MEMORY_BUDGET"):
        gym.make("routing_gym/TSP-v0", num_nodes=10)


# --- the command line: bad arguments -----------------------------------------------------------

BASE = ["compare", "--env", "routing_gym/TSP-v0", "--solvers", "rel-tour", "--no-progress"]


def _cli(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse
        rc = exc.code
    return rc, capsys.readouterr().err


def _with(*changes: str, base: list[str] = BASE) -> list[str]:
    """``base`` with options replaced or added: ``_with("--env", "x")``."""
    argv = list(base)
    items = list(changes)
    while items:
        flag = items.pop(0)
        values = []
        while items and not items[0].startswith("--"):
            values.append(items.pop(0))
        if flag in argv:
            i = argv.index(flag)
            j = i + 1
            while j < len(argv) and not argv[j].startswith("--"):
                j += 1
            argv[i:j] = [flag, *values]
        else:
            argv += [flag, *values]
    return argv


def _bad_cli_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    tsp = _write(tmp, "ok.tsp", TSP)
    cvrp = _write(tmp, "ok.vrp", CVRP)
    binary = _write(tmp, "bin.tsp", b"\x00\xff" * 100)
    empty = _write(tmp, "empty.tsp", "")
    a_file = _write(tmp, "a_file", "x")
    busy = tmp / "busy"
    (busy / "results.csv").mkdir(parents=True)
    n6 = ["--env-kwargs", "num_nodes=6", "--instances", "2"]
    gen = BASE + n6
    return [
        ("env-unknown", _with("--env", "routing_gym/Nope-v0", base=gen)),
        ("env-not-in-suite", _with("--env", "CartPole-v1", base=gen)),
        ("env-garbage", _with("--env", "!!", base=gen)),
        ("solver-unknown", _with("--solvers", "nope", base=gen)),
        ("solver-value-not-number", _with("--solvers", "ortools:time_limit=abc", base=gen)),
        ("solver-limit-negative", _with("--solvers", "rel-tour:time_limit=-1", base=gen)),
        ("solver-limit-nan", _with("--solvers", "rel-tour:time_limit=nan", base=gen)),
        ("solver-limit-inf", _with("--solvers", "rel-tour:time_limit=inf", base=gen)),
        ("solver-seed-float", _with("--solvers", "rel-tour:seed=1.5", base=gen)),
        ("solver-unknown-option", _with("--solvers", "rel-tour:bogus=1", base=gen)),
        ("solver-option-no-value", _with("--solvers", "rel-tour:fast", base=gen)),
        ("solvers-empty", _with("--solvers", ",", base=gen)),
        ("solver-name-missing", _with("--solvers", ":seed=1", base=gen)),
        ("solver-twice", _with("--solvers", "rel-tour,rel-tour", base=gen)),
        ("num-nodes-text", _with("--env-kwargs", "num_nodes=abc", base=gen)),
        ("num-nodes-negative", _with("--env-kwargs", "num_nodes=-5", base=gen)),
        ("num-nodes-fraction", _with("--env-kwargs", "num_nodes=2.5", base=gen)),
        ("num-nodes-huge", _with("--env-kwargs", "num_nodes=1000000", base=gen)),
        ("env-kwarg-unknown", _with("--env-kwargs", "bogus=1", base=gen)),
        ("env-kwarg-no-value", _with("--env-kwargs", "num_nodes", base=gen)),
        ("env-kwarg-twice", _with("--env-kwargs", "num_nodes=5", "num_nodes=6", base=gen)),
        ("env-kwarg-nan", _with("--env-kwargs", "cluster_std=nan", base=gen)),
        ("env-kwarg-bad-choice", _with("--env-kwargs", "distribution=zigzag", base=gen)),
        ("capacity-fraction", _with("--env", "routing_gym/CVRP-v0", "--env-kwargs", "capacity=2.5", base=gen)),
        ("invalid-action-mode", _with("--env-kwargs", "invalid_action=explode", base=gen)),
        ("render-mode", _with("--env-kwargs", "render_mode=3d", base=gen)),
        ("instances-zero", _with("--instances", "0", base=gen)),
        ("instances-negative", _with("--instances", "-3", base=gen)),
        ("instances-text", _with("--instances", "abc", base=gen)),
        ("jobs-negative", _with("--jobs", "-2", base=gen)),
        ("jobs-zero", _with("--jobs", "0", base=gen)),
        ("time-limit-zero", _with("--time-limit", "0", base=gen)),
        ("time-limit-negative", _with("--time-limit", "-1", base=gen)),
        ("time-limit-nan", _with("--time-limit", "nan", base=gen)),
        ("time-limit-inf", _with("--time-limit", "inf", base=gen)),
        ("seed-negative", _with("--seed", "-1", base=gen)),
        ("grace-negative", _with("--grace", "-1", base=gen)),
        ("file-missing", _with("--files", str(tmp / "missing.tsp"))),
        ("file-of-other-problem", _with("--files", str(cvrp))),
        ("file-is-folder", _with("--files", str(tmp))),
        ("file-binary", _with("--files", str(binary))),
        ("file-empty", _with("--files", str(empty))),
        ("load-kwargs-unknown", _with("--files", str(tsp), "--load-kwargs", "bogus=1")),
        ("load-kwargs-without-files", _with("--load-kwargs", "agents=2", base=gen)),
        ("files-with-instances", _with("--files", str(tsp), "--instances", "3")),
        ("files-with-env-kwargs", _with("--files", str(tsp), "--env-kwargs", "num_nodes=5")),
        ("out-under-a-file", _with("--out", str(a_file / "sub"), base=gen)),
        ("out-is-a-file", _with("--out", str(a_file), base=gen)),
        ("out-results-is-a-folder", _with("--out", str(busy), base=gen)),
        ("resume-without-out", _with("--resume", base=gen)),
        ("unknown-flag", _with("--bogus", base=gen)),
        ("solvers-missing", ["compare", "--env", "routing_gym/TSP-v0"]),
        ("no-command", []),
        ("unknown-command", ["fly"]),
        ("demo-instances-zero", ["demo", "--instances", "0", "--out", str(tmp / "demo")]),
        ("demo-jobs-negative", ["demo", "--jobs", "-1", "--out", str(tmp / "demo")]),
        ("train-env-kwargs-malformed", ["train", "--env", "routing_gym/TSP-v0", "--env-kwargs", "num_nodes",
                                        "--out", str(tmp / "train")]),
        ("train-threads-zero", ["train", "--env", "routing_gym/TSP-v0", "--threads", "0", "--out", str(tmp / "train")]),
        ("train-algo-kwarg-unknown", ["train", "--env", "routing_gym/TSP-v0", "--algo-kwargs", "bogus=1",
                                      "--out", str(tmp / "train")]),
        ("train-n-envs-zero", ["train", "--env", "routing_gym/TSP-v0", "--n-envs", "0", "--out", str(tmp / "train")]),
        ("imitate-instances-zero", ["imitate", "--env", "routing_gym/TSP-v0", "--instances", "0", "--out", str(tmp / "im")]),
        ("imitate-lr-nan", ["imitate", "--env", "routing_gym/TSP-v0", "--lr", "nan", "--out", str(tmp / "im")]),
    ]


def test_cli__bad_arguments_exit_2_with_one_line_and_no_work(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "solves.log"
    monkeypatch.setenv(LOG_VAR, str(log))
    cases = _bad_cli_cases(tmp_path)
    clean, report = 0, []
    for name, argv in cases:
        rc, err = _cli(argv, capsys)
        lines = err.strip().splitlines()
        ok = (rc == 2 and len(lines) == 1 and lines[0].startswith("routing-gym: error: ")
              and "Traceback" not in err and not log.exists())
        clean += ok
        if not ok:
            report.append(f"{name}: rc={rc} err={err[-300:]!r} solved={log.exists()}")
    print(f"bad command lines: {len(cases)} tried, {clean} handled cleanly")
    assert not report, "\n".join(report)
    assert len(cases) >= 60


def test_cli__resume_refuses_a_different_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "run"
    compare("routing_gym/TSP-v0", ["rel-tour"], num_instances=2, num_nodes=6, out=out, progress=False, plots=False)
    before = [(out / f).read_text() for f in ("results.csv", "run.json")]
    gen = BASE + ["--env-kwargs", "num_nodes=6", "--instances", "2", "--out", str(out), "--resume"]
    for argv, match in [
        (_with("--env-kwargs", "num_nodes=6", "distribution=clustered", base=gen), "instance tsp6-s0-0 differs"),
        (_with("--env", "routing_gym/CVRP-v0", "--solvers", "savings", base=gen), "was on routing_gym/TSP-v0"),
        (_with("--time-limit", "2", base=gen), "time_limit"),
        (_with("--instances", "1", base=gen), "instance tsp6-s0-1 that this run leaves out"),
    ]:
        rc, err = _cli(argv, capsys)
        assert rc == 2 and len(err.strip().splitlines()) == 1 and match in err, err
    assert [(out / f).read_text() for f in ("results.csv", "run.json")] == before  # a refused resume changes nothing


def test_cli__debug_shows_the_traceback(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ConfigError, match="instances"):
        main(["--debug", *BASE, "--instances", "0"])
    with pytest.raises(ConfigError, match="instances"):
        main([*BASE, "--instances", "0", "--debug"])


def test_cli__as_a_process__one_line_no_traceback() -> None:
    """The installed entry point end to end (the in-process cases above cover the rest)."""
    proc = subprocess.run([sys.executable, "-m", "routing_gym.cli", "compare", "--env", "routing_gym/TSP-v0",
                           "--solvers", "ortools:time_limit=abc", "--no-progress"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().startswith("routing-gym: error: ") and len(proc.stderr.strip().splitlines()) == 1
    assert "time_limit" in proc.stderr and "Traceback" not in proc.stderr


# --- comparisons that lose nothing ---------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_compare__corrupt_checkpoint_is_a_failure_row(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from routing_gym.agents.checkpoint import PRETRAINED_DIR, WEIGHTS_NAME

    bad = tmp_path / "ckpt"
    shutil.copytree(PRETRAINED_DIR / "tsp20", bad)
    weights = bad / WEIGHTS_NAME
    data = bytearray(weights.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64  # bit rot in the middle of the tensors
    weights.write_bytes(bytes(data))
    out = tmp_path / "out"
    res = compare("routing_gym/TSP-v0", ["rel-tour", f"agent:path={bad}"], num_instances=2, num_nodes=8,
                  out=out, progress=False, plots=False)
    rows = _csv_rows(out / "results.csv")
    assert len(res.rows) == len(rows) == 4
    agent = [r for r in rows if r["solver"].startswith("agent")]
    assert all(r["status"] == "failed" and "CheckpointError" in r["message"] for r in agent), agent
    assert all(r["feasible"] == "True" for r in rows if r["solver"] == "rel-tour")


def test_compare__killed_worker_and_hung_solver_are_failure_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import routing_gym.compare

    monkeypatch.setattr(routing_gym.compare, "FIRST_SOLVE_EXTRA_S", 0.0)  # no JIT here: time_limit + grace only
    out = tmp_path / "out"
    t0 = time.monotonic()
    res = compare("routing_gym/TSP-v0", ["rel-tour", "rel-exit", "rel-hang:time_limit=0.2"], num_instances=2,
                  num_nodes=8, jobs=2, grace=0.5, out=out, progress=False, plots=False)
    elapsed = time.monotonic() - t0
    by = {(r.instance, r.solver): r for r in res.rows}
    assert len(by) == 6
    for name in res.names:
        assert by[(name, "rel-tour")].feasible and by[(name, "rel-tour")].status == "ok"
        died = by[(name, "rel-exit")]
        assert died.status == "failed" and "worker process died (exit code 3)" in died.message, died
        hung = by[(name, "rel-hang:time_limit=0.2")]
        assert hung.status == "timeout" and "time_limit 0.2 s + grace 0.5 s" in hung.message, hung
        assert 0.6 <= hung.time_s < 5
    assert len(_csv_rows(out / "results.csv")) == 6
    assert elapsed < 40


def test_compare__raising_solver_in_process_is_a_failure_row(tmp_path: Path) -> None:
    res = compare("routing_gym/TSP-v0", ["rel-tour", "rel-exit"], num_instances=2, num_nodes=6, progress=False,
                  plots=False)  # in-process, rel-exit raises instead of exiting
    assert [r.status for r in res.rows] == ["ok", "failed", "ok", "failed"]
    assert "only exits worker processes" in res.rows[1].message


def _start_compare_process(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """``routing-gym <argv>`` in a new process (session) that knows this module's test solvers."""
    here = Path(__file__).resolve().parent
    code = (f"import sys; sys.path.insert(0, {str(here)!r}); import test_reliability; "
            f"from routing_gym.cli import main; sys.exit(main({argv!r}))")
    return subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_compare__killed_run_resumes_to_the_rows_of_an_uninterrupted_run(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if __name__ != "test_reliability":
        pytest.skip("worker processes find the test solvers by this module's name")
    n_inst, solvers = 6, "rel-tour,rel-slow"
    args = ["compare", "--env", "routing_gym/TSP-v0", "--env-kwargs", "num_nodes=7", "--instances", str(n_inst),
            "--solvers", solvers, "--jobs", "1", "--no-progress", "--no-plots"]
    killed_out, clean_out = tmp_path / "killed", tmp_path / "clean"
    log = tmp_path / "resumed.log"

    # 1. a run killed (SIGKILL, workers included) after a few rows
    proc = _start_compare_process([*args, "--out", str(killed_out)], dict(os.environ))
    deadline = time.monotonic() + 60
    rows_at_kill = 0
    while time.monotonic() < deadline and proc.poll() is None:
        f = killed_out / "results.csv"
        rows_at_kill = max(0, len(f.read_text().splitlines()) - 1) if f.exists() else 0
        if rows_at_kill >= 4:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, f"the run ended before it was killed: {proc.stderr.read()}"
    kept = _csv_rows(killed_out / "results.csv")
    assert 4 <= len(kept) < 2 * n_inst

    # 2. resumed: only the missing pairs run
    monkeypatch.setenv(LOG_VAR, str(log))
    assert main([*args, "--out", str(killed_out), "--resume"]) == 0
    ran = [line for line in log.read_text().splitlines() if line.split()[1] == "7"]  # not the warm-up solves
    monkeypatch.delenv(LOG_VAR)

    # 3. an uninterrupted run
    assert main([*args, "--out", str(clean_out)]) == 0
    capsys.readouterr()

    resumed, clean = _csv_rows(killed_out / "results.csv"), _csv_rows(clean_out / "results.csv")
    print(f"killed at {len(kept)} rows; resumed run: {len(resumed)} rows ({len(ran)} solved after the resume); "
          f"uninterrupted run: {len(clean)} rows")
    assert len(resumed) == len(clean) == 2 * n_inst
    assert len(ran) == 2 * n_inst - len(kept)
    key = ("instance", "solver", "cost", "gap_pct", "feasible", "status")
    assert [tuple(r[k] for k in key) for r in resumed] == [tuple(r[k] for k in key) for r in clean]
    sols = [json.loads(line) for line in (killed_out / "solutions.jsonl").read_text().splitlines()]
    assert len(sols) == 2 * n_inst and all(s["solution"] == list(range(7)) for s in sols)


_PEEK: dict[str, Any] = {"out": None, "seen": []}


@register_solver("rel-peek")
class Peek(Solver):
    """Records how many rows results.csv holds when it starts (test helper, in-process only)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        if instance.num_nodes != 5:  # the untimed warm-up solve
            return list(range(instance.num_nodes))
        f = _PEEK["out"] / "results.csv"
        _PEEK["seen"].append(len(f.read_text().splitlines()) - 1)
        return list(range(instance.num_nodes))


def test_compare__rows_are_on_disk_as_they_arrive(tmp_path: Path) -> None:
    _PEEK.update(out=tmp_path / "out", seen=[])
    compare("routing_gym/TSP-v0", ["rel-tour", "rel-peek"], num_instances=3, num_nodes=5, out=tmp_path / "out",
            progress=False, plots=False)
    assert _PEEK["seen"] == [1, 3, 5]  # rel-tour's row, then both rows of each earlier instance
