"""The comparison harness and the routing-gym command."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from routing_gym.baselines.base import Solver, make_solver, parse_spec, register_solver
from routing_gym.compare import compare, judge
from routing_gym.envs import CVRPInstance, TSPInstance
from routing_gym.errors import SolverError


@register_solver("test-identity")
class IdentityTour(Solver):
    """Visits the nodes in index order (test helper)."""

    problems = ("tsp",)

    def solve(self, instance: TSPInstance) -> list[int]:
        return list(range(instance.num_nodes))


@register_solver("test-broken")
class Broken(Solver):
    """Always raises (test helper)."""

    problems = ("tsp", "cvrp")

    def solve(self, instance):
        raise RuntimeError("boom")


@register_solver("test-out-of-range")
class OutOfRange(Solver):
    """Returns node ids the instance does not have (test helper): not even drawable."""

    problems = ("cvrp",)

    def solve(self, instance):
        return [[99]]


@register_solver("test-repeat")
class Repeats(Solver):
    """Returns an infeasible tour (test helper)."""

    problems = ("tsp",)

    def solve(self, instance):
        return [0] + [1] * (instance.num_nodes - 1)


def test_parse_spec__values_are_typed() -> None:
    assert parse_spec("mcts:time_limit=2:seed=3:c=0.5:rollout=greedy:ls=true") == (
        "mcts", {"time_limit": 2, "seed": 3, "c": 0.5, "rollout": "greedy", "ls": True})
    with pytest.raises(SolverError, match="expected key=value"):
        parse_spec("mcts:fast")
    with pytest.raises(SolverError, match="unknown solver 'nope'"):
        make_solver("nope")


def test_compare__failures_and_infeasible_solutions_are_rows(tmp_path: Path) -> None:
    res = compare("routing_gym/TSP-v0", ["test-identity", "test-broken", "test-repeat"], num_instances=3,
                  seed=1, num_nodes=8, out=tmp_path, progress=False)
    assert len(res.rows) == 9
    by = {s["solver"]: s for s in res.summary()}
    assert by["test-identity"]["feasible_pct"] == 100 and by["test-identity"]["mean_gap_pct"] == 0.0
    assert by["test-broken"]["failures"] == 3 and by["test-broken"]["feasible_pct"] == 0
    assert by["test-repeat"]["feasible_pct"] == 0
    assert "RuntimeError: boom" in res.table()
    with open(tmp_path / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"instance", "solver", "cost", "gap_pct", "time_s", "feasible"} <= set(rows[0])
    assert len(rows) == 9
    sols = [json.loads(line) for line in (tmp_path / "solutions.jsonl").read_text().splitlines()]
    assert {"instance", "solver", "solution"} <= set(sols[0])
    ident = [s for s in sols if s["solver"] == "test-identity"]
    assert ident[0]["solution"] == list(range(8))
    for png in ("gap_vs_time.png", "routes.png"):
        assert (tmp_path / png).stat().st_size > 1000


def test_judge__env_cost_equals_evaluate_and_rejects_bad_solutions() -> None:
    inst = TSPInstance.from_coords([[0, 0], [3, 0], [3, 4], [0, 4]], "EUC_2D")
    assert judge("routing_gym/TSP-v0", inst, [0, 1, 2, 3]).cost == 14.0
    assert not judge("routing_gym/TSP-v0", inst, [0, 1, 2]).feasible  # unfinished
    assert not judge("routing_gym/TSP-v0", inst, [0, 1, 2, 9]).feasible  # out of range
    cv = CVRPInstance.from_coords([[0, 0], [1, 0], [0, 1]], [0, 2, 2], capacity=3)
    assert judge("routing_gym/CVRP-v0", cv, [[1], [2]]).feasible
    bad = judge("routing_gym/CVRP-v0", cv, [[1, 2]])
    assert not bad.feasible and "infeasible" in bad.message


def test_compare__gap_to_known_optimum_for_files(shared_data: Path) -> None:
    f = shared_data / "cvrplib_small" / "E" / "E-n13-k4.vrp"
    res = compare("routing_gym/CVRP-v0", ["ortools:time_limit=1"], files=[f], progress=False, plots=False)
    row = res.rows[0]
    assert row.reference == "known optimum / BKS" and row.feasible
    assert row.cost >= 247 and math.isclose(row.gap_pct, 100 * (row.cost / 247 - 1))


def test_cli__compare_writes_documented_files(tmp_path: Path) -> None:
    from routing_gym.cli import main

    rc = main(["compare", "--env", "routing_gym/CVRP-v0", "--env-kwargs", "num_nodes=12", "--instances", "2",
               "--solvers", "savings,ortools:time_limit=0.5", "--jobs", "2", "--out", str(tmp_path), "--no-progress"])
    assert rc == 0
    with open(tmp_path / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and all(r["feasible"] == "True" for r in rows)
    assert min(float(r["gap_pct"]) for r in rows) == 0.0  # gap to the best solver per instance
    sols = [json.loads(line) for line in (tmp_path / "solutions.jsonl").read_text().splitlines()]
    routes = sols[0]["solution"]
    assert sorted(c for r in routes for c in r) == list(range(1, 13))  # customers 1..n, depot omitted


def test_solver_call__refreezes_unpickled_instances() -> None:
    """A worker process receives a pickled instance with writable arrays; numba would compile a
    second specialisation for those inside the timed run, so Solver.__call__ makes them read-only."""
    import pickle

    from routing_gym.envs import TSPGenerator

    inst = pickle.loads(pickle.dumps(TSPGenerator(8)(np.random.default_rng(0))))
    assert inst.distances.flags.writeable
    assert make_solver("nn")(inst).ok
    assert not inst.distances.flags.writeable


def test_compare__undrawable_solution_is_a_row_and_the_plots_still_come(tmp_path: Path) -> None:
    res = compare("routing_gym/CVRP-v0", ["test-out-of-range", "savings"], num_instances=2, seed=0, num_nodes=8,
                  out=tmp_path, progress=False)
    by = {s["solver"]: s for s in res.summary()}
    assert by["test-out-of-range"]["feasible_pct"] == 0 and by["savings"]["feasible_pct"] == 100
    assert (tmp_path / "routes.png").is_file() and (tmp_path / "gap_vs_time.png").is_file()


def test_problem_metrics_become_summary_columns(monkeypatch):
    """A problem's ``metrics`` are averaged per solver over feasible rows and shown in the table."""
    import dataclasses

    from routing_gym.registry import problems

    tsp = problems()["tsp"]
    monkeypatch.setitem(problems(), "tsp", dataclasses.replace(
        tsp, metrics=lambda inst, sol: {"first_node": float(sol[0]), "decisions": float(len(sol))}))
    res = compare("routing_gym/TSP-v0", ["nn"], num_instances=2, seed=0, num_nodes=6,
                  jobs=1, isolate=False, progress=False, plots=False)
    (summary,) = res.summary()
    firsts = [float(r.solution[0]) for r in res.rows]
    assert summary["first_node"] == pytest.approx(np.mean(firsts))
    assert summary["decisions"] == 6
    assert summary["ms_per_decision"] == pytest.approx(np.mean([1000 * r.time_s / 6 for r in res.rows]))
    header = res.table().splitlines()[1]
    assert "first_node" in header and "ms_per_decision" in header


def test_cli_envs_and_solvers__one_aligned_row_per_env_id_and_solver(capsys: pytest.CaptureFixture[str]) -> None:
    from routing_gym.baselines.base import available_solvers
    from routing_gym.cli import main
    from routing_gym.registry import env_ids

    assert main(["envs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(env_ids())
    assert len({line.index(line.split()[1]) for line in lines}) == 1  # the action-space column is aligned
    assert main(["solvers"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[::2]] == available_solvers()
