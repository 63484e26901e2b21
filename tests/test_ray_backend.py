"""The Ray backend of the comparison (``compare(backend="ray")``, ``routing-gym compare --backend ray``).

- deterministic and iteration-limited solvers give the local backend's rows exactly;
- a solver that ends its worker process (``os._exit``), a worker killed by SIGKILL and a
  hung solver each become a failure row, and every other row is there (on disk too);
- ``--resume`` runs only the missing pairs; labelling for imitation gives the local labels;
- without ray installed, one clear error line.

One local Ray instance of 2 CPUs serves the module (``compare`` reuses a connected instance).
The test solvers below are registered by this module; Ray workers import it by name.
"""

from __future__ import annotations

import csv
import math
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from routing_gym import compare as compare_module  # noqa: E402
from routing_gym import ray_backend  # noqa: E402
from routing_gym.baselines.base import Solver, register_solver  # noqa: E402
from routing_gym.cli import main  # noqa: E402
from routing_gym.compare import compare  # noqa: E402
from routing_gym.errors import ConfigError  # noqa: E402

# Ray workers inherit this from the test process: the driver's pid, so test solvers never end the test process.
DRIVER_VAR = "RG_RAY_TEST_DRIVER_PID"
os.environ.setdefault(DRIVER_VAR, str(os.getpid()))


def _in_ray_worker() -> bool:
    return os.getpid() != int(os.environ[DRIVER_VAR])


@register_solver("ray-exit")
class ExitsItsWorker(Solver):
    """Ends its Ray worker with ``os._exit(3)``, as a segfaulting extension would (test helper)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        if not _in_ray_worker():
            raise RuntimeError("ray-exit only exits Ray workers")
        os._exit(3)

    def warmup(self) -> None:  # die in the solve, not in the warm-up
        pass


@register_solver("ray-sigkill")
class KilledFromOutside(Solver):
    """Its worker receives SIGKILL mid-solve, as from the OOM killer or an operator (test helper)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        if not _in_ray_worker():
            raise RuntimeError("ray-sigkill only kills Ray workers")
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)
        return []

    def warmup(self) -> None:  # die in the solve, not in the warm-up
        pass


@register_solver("ray-hang")
class Hangs(Solver):
    """Never returns (test helper)."""

    problems = ("tsp",)

    def solve(self, instance: Any) -> list[int]:
        if not _in_ray_worker():
            raise RuntimeError("ray-hang only hangs Ray workers")
        time.sleep(3600)
        return []

    def warmup(self) -> None:
        pass


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Any:
    if ray.is_initialized():
        ray.shutdown()
    ray_backend.init_local(num_cpus=2)
    yield
    ray.shutdown()


def _keyed(rows: list[Any]) -> dict[tuple[str, str], tuple]:
    return {(r.instance, r.solver): (r.cost, r.gap_pct, r.feasible, r.status, r.reference, r.solution) for r in rows}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("env_id, solvers", [
    ("routing_gym/TSP-v0", ["nn", "cheapest", "ils:iterations=30:time_limit=60"]),
    ("routing_gym/CVRP-v0", ["savings", "ils:iterations=20:time_limit=60"]),
])
def test_ray_backend__deterministic_solvers_give_the_local_rows(env_id: str, solvers: list[str]) -> None:
    kwargs = dict(num_instances=3, num_nodes=12, seed=5, progress=False, plots=False)
    local = compare(env_id, solvers, **kwargs)  # in this process: the same _solve_and_judge as the local pool's workers
    on_ray = compare(env_id, solvers, backend="ray", **kwargs)
    assert len(on_ray.rows) == len(solvers) * 3
    assert all(r.status == "ok" and r.feasible for r in on_ray.rows)
    assert _keyed(on_ray.rows) == _keyed(local.rows)


def test_ray_backend__dead_workers_are_failure_rows_and_no_row_is_lost(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = compare("routing_gym/TSP-v0", ["nn", "ray-exit", "ray-sigkill"], num_instances=2, num_nodes=8,
                  backend="ray", out=out, progress=False, plots=False)
    by_solver = {s: [r for r in res.rows if r.solver == s] for s in ("nn", "ray-exit", "ray-sigkill")}
    assert all(len(rows) == 2 for rows in by_solver.values())
    assert all(r.status == "ok" and math.isfinite(r.cost) for r in by_solver["nn"])
    for s in ("ray-exit", "ray-sigkill"):
        assert all(r.status == "failed" and not r.feasible for r in by_solver[s])
        assert all(r.message.startswith("worker process died during solve") for r in by_solver[s]), by_solver[s][0].message
    on_disk = _csv_rows(out / "results.csv")
    assert sorted((r["instance"], r["solver"], r["status"]) for r in on_disk) == \
        sorted((r.instance, r.solver, r.status) for r in res.rows)


def test_ray_backend__hung_solver_is_a_timeout_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compare_module, "FIRST_SOLVE_EXTRA_S", 0.0)
    res = compare("routing_gym/TSP-v0", ["nn", "ray-hang"], num_instances=2, num_nodes=8, backend="ray",
                  grace=0.5, progress=False, plots=False)
    hang = [r for r in res.rows if r.solver == "ray-hang"]
    assert [r.status for r in hang] == ["timeout", "timeout"], [r.message for r in hang]
    assert all("+ grace 0.5 s; worker process killed" in r.message for r in hang), [r.message for r in hang]
    assert [r.status for r in res.rows if r.solver == "nn"] == ["ok", "ok"]


def test_ray_backend__cli_writes_the_local_files_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["compare", "--env", "routing_gym/TSP-v0", "--env-kwargs", "num_nodes=8", "--instances", "2",
            "--no-progress", "--no-plots"]
    assert main([*args, "--solvers", "nn", "--out", str(tmp_path / "ray"), "--backend", "ray"]) == 0
    assert main([*args, "--solvers", "nn,cheapest", "--out", str(tmp_path / "ray"), "--backend", "ray", "--resume"]) == 0
    capsys.readouterr()
    compare("routing_gym/TSP-v0", ["nn", "cheapest"], num_instances=2, num_nodes=8, out=tmp_path / "local",
            progress=False, plots=False)
    local, on_ray = _csv_rows(tmp_path / "local" / "results.csv"), _csv_rows(tmp_path / "ray" / "results.csv")
    columns = ("instance", "solver", "cost", "gap_pct", "feasible", "status")
    assert len(on_ray) == 4
    assert sorted(tuple(r[c] for c in columns) for r in on_ray) == sorted(tuple(r[c] for c in columns) for r in local)
    assert (tmp_path / "ray" / "run.json").is_file() and (tmp_path / "ray" / "solutions.jsonl").is_file()


def test_ray_backend__labels_are_the_local_labels() -> None:
    from routing_gym.agents.imitation import label_instances, training_instances

    insts = training_instances("routing_gym/TSP-v0", {"num_nodes": 10}, 4, 0)
    local_sols, local_costs = label_instances(insts, "cheapest")
    ray_sols, ray_costs = label_instances(insts, ray_backend.RayLabeller("cheapest"))
    assert ray_sols == local_sols
    assert ray_costs.tolist() == local_costs.tolist()


def test_ray_backend__without_ray_one_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(ray_backend, "ray", None)
    with pytest.raises(ConfigError, match=r"pip install 'routing-gym\[ray\]'"):
        compare("routing_gym/TSP-v0", ["nn"], num_instances=1, num_nodes=5, backend="ray", progress=False)
    assert main(["compare", "--env", "routing_gym/TSP-v0", "--solvers", "nn", "--backend", "ray"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "routing-gym[ray]" in err[0]


def test_ray_backend__bad_backend_arguments_are_refused() -> None:
    with pytest.raises(ConfigError, match="backend"):
        compare("routing_gym/TSP-v0", ["nn"], num_instances=1, num_nodes=5, backend="dask", progress=False)
    with pytest.raises(ConfigError, match="needs backend 'ray'"):
        compare("routing_gym/TSP-v0", ["nn"], num_instances=1, num_nodes=5, address="auto", progress=False)
    with pytest.raises(ConfigError, match="no Ray cluster answers"):  # before any work, not after Ray's minutes of retries
        compare("routing_gym/TSP-v0", ["nn"], num_instances=1, num_nodes=5, backend="ray", address="127.0.0.1:1",
                progress=False)
