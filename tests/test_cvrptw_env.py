"""CVRPTW: instance validation, evaluation, generator, kernel/env, Solomon files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from routing_gym.envs.cvrptw.env import CVRPTWEnv, CVRPTWVectorEnv
from routing_gym.envs.cvrptw.generator import CVRPTWGenerator
from routing_gym.envs.cvrptw.io import load_solomon, looks_like_solomon
from routing_gym.envs.cvrptw.kernel import CVRPTWKernel
from routing_gym.envs.cvrptw.types import CVRPTWInstance, evaluate_cvrptw
from routing_gym.envs.distances import INTEGER_TYPES, distance_matrix
from routing_gym.envs.io import read_solution
from routing_gym.errors import InstanceError, InvalidActionError

# A line of 3 customers east of the depot at x = 1, 2, 3; times are distances.
LINE = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])


def line_instance(**changes: Any) -> CVRPTWInstance:
    kw: dict[str, Any] = dict(demands=[0, 1, 1, 1], capacity=3, ready=[0, 0, 0, 0], due=[20, 10, 10, 10],
                              service=[0, 1, 1, 1])
    kw.update(changes)
    return CVRPTWInstance.from_coords(LINE, **kw)


def play(env: Any, actions: list[int]) -> tuple[float, bool, dict[str, Any]]:
    total, term, info = 0.0, False, {}
    for a in actions:
        _, r, term, _, info = env.step(a)
        total += r
    return total, term, info


# --- the instance -------------------------------------------------------------
@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(demands=[0, 1, 1]), r"demands: expected 4 values"),
        (dict(demands=[0, -1, 1, 1]), r"demands: negative demand -1 at node 1"),
        (dict(demands=[0, 1.5, 1, 1]), r"demands: non-integer value 1.5 at index 1"),
        (dict(demands=[1, 1, 1, 1]), r"depot \(node 0\) must have demand 0"),
        (dict(demands=[0, 1, 4, 1]), r"demand 4 at node 2 exceeds capacity 3"),
        (dict(capacity=0), r"capacity: expected a positive integer"),
        (dict(capacity=2.5), r"capacity: expected a positive integer"),
        (dict(capacity="x"), r"capacity: expected a positive integer"),
        (dict(ready=[0, 0, 0]), r"ready: expected 4 values"),
        (dict(due=[20, np.nan, 10, 10]), r"due: non-finite value nan at index 1"),
        (dict(service=[0, 1, np.inf, 1]), r"service: non-finite value inf at index 2"),
        (dict(ready=[0, 0, 11, 0]), r"node 2 has ready time 11 after its due time 10"),
        (dict(service=[0, 1, -1, 1]), r"service: negative service time -1 at node 2"),
        (dict(service=[1, 1, 1, 1]), r"depot \(node 0\) must have service time 0"),
        (dict(due=[20, 10, 10, 2.5]), r"customer 3 cannot be reached in time even alone: arrival 3 .* due time 2.5"),
        (dict(due=[6, 10, 10, 10]), r"customer 3 cannot be served alone and back at the depot by its closing time 6"),
        (dict(ready=[0, 0, 0, 5], due=[8.5, 10, 10, 10]), r"customer 3 .* \(earliest return 9\)"),
        (dict(num_vehicles=0), r"num_vehicles: expected a positive integer or None"),
    ],
)
def test_cvrptw_instance__bad_input_raises_instance_error(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        line_instance(**changes)


def test_cvrptw_instance__bad_matrix_and_coords() -> None:
    ok = line_instance()
    args = (ok.demands, 3, ok.ready, ok.due, ok.service)
    with pytest.raises(InstanceError, match="distances: expected a square matrix"):
        CVRPTWInstance(np.zeros((4, 3)), *args)
    with pytest.raises(InstanceError, match="distances: negative distance"):
        CVRPTWInstance(-ok.distances, *args)
    with pytest.raises(InstanceError, match="at least 1 customer"):
        CVRPTWInstance(np.zeros((1, 1)), [0], 1, [0], [1], [0])
    with pytest.raises(InstanceError, match=r"coords: expected 4 rows"):
        CVRPTWInstance(ok.distances, *args, coords=LINE[:3])
    with pytest.raises(InstanceError, match=r"edge_weight_type: unknown convention 'NOPE'"):
        CVRPTWInstance(ok.distances, *args, edge_weight_type="NOPE")


def test_cvrptw_instance__views_and_replace() -> None:
    inst = line_instance(name="line", optimum=6.0, num_vehicles=2)
    assert inst.num_customers == inst.num_nodes == 3
    assert not inst.is_integer and inst.horizon == 20.0 and inst.min_vehicles == 1
    assert inst.obs_coords.dtype == np.float32 and inst.obs_coords.max() == 1.0
    assert "CVRPTWInstance 'line'(customers=3" in repr(inst)
    assert inst.replace(capacity=5).capacity == 5 and inst.capacity == 3
    with pytest.raises(ValueError):
        inst.ready[1] = 3.0  # read-only arrays
    with pytest.raises(InstanceError, match="ready time"):
        inst.replace(ready=[0, 0, 0, 11])


# --- evaluation -----------------------------------------------------------------
def test_evaluate_cvrptw__waiting_and_cost() -> None:
    # customer 1 opens at 5: wait there; 1 -> 2 -> 3 -> back is 3 + 3 = 6 long.
    inst = line_instance(ready=[0, 5, 0, 0])
    ev = evaluate_cvrptw(inst, [[1, 2, 3]])
    assert ev == (6.0, True, None)
    assert evaluate_cvrptw(inst, [[3], [], [2, 1]]).cost == 6.0 + 4.0


@pytest.mark.parametrize(
    "changes, routes, match",
    [
        (dict(due=[20, 10, 10, 4.5]), [[1, 2, 3]], r"route 0: customer 3 reached at time 5, after its window \[0, 4.5\]"),
        (dict(due=[8.5, 8, 8, 8]), [[1, 2, 3]], r"route 0: back at the depot at time 9, after its closing time 8.5"),
        (dict(capacity=2), [[1, 2, 3]], r"route 0: load 3 exceeds capacity 2"),
        ({}, [[1, 2]], r"1 customer\(s\) not visited, e.g. customer 3"),
        ({}, [[1, 2, 3], [2]], r"customer 2 visited 2 times"),
        ({}, [[1, 2, 4]], r"route 0: node 4 is not a customer"),
        ({}, [[0, 1]], r"route 0: node 0 is not a customer"),
        ({}, [["a"]], r"route 0 holds a value that is not an index"),
    ],
)
def test_evaluate_cvrptw__names_the_violation(changes: dict[str, Any], routes: Any, match: str) -> None:
    ev = evaluate_cvrptw(line_instance(**changes), routes)
    assert not ev.feasible
    assert ev.violation is not None and re.search(match, ev.violation), ev.violation


def test_evaluate_cvrptw__time_tolerance() -> None:
    # arrival at customer 3 is exactly 3 (+ service 1 + 1 + 1): on the due time, within 1e-9 of it, feasible
    assert evaluate_cvrptw(line_instance(due=[20, 10, 10, 5.0]), [[1, 2, 3]]).feasible
    assert evaluate_cvrptw(line_instance(due=[20, 10, 10, 5.0 - 1e-12]), [[1, 2, 3]]).feasible
    assert not evaluate_cvrptw(line_instance(due=[20, 10, 10, 5.0 - 1e-6]), [[1, 2, 3]]).feasible


# --- distances ------------------------------------------------------------------
def test_distances__euc_trunc1_truncates_to_one_decimal() -> None:
    c = np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 4.0], [10.0, 10.0]])
    d = distance_matrix(c, "EUC_TRUNC1")
    assert d[0, 1] == 1.4 and d[0, 2] == 5.0 and d[0, 3] == 14.1 and d[1, 2] == 3.6
    assert np.array_equal(d, np.floor(10 * distance_matrix(c, "EUC")) / 10)
    assert "EUC_TRUNC1" not in INTEGER_TYPES
    assert not line_instance(edge_weight_type="EUC_TRUNC1").is_integer


# --- the generator ----------------------------------------------------------------
@pytest.mark.parametrize("distribution", ["random", "clustered", "mixed"])
def test_cvrptw_generator__deterministic_and_windows_feasible(distribution: str) -> None:
    gen = CVRPTWGenerator(30, distribution)
    a, b = gen(np.random.default_rng(5)), gen(np.random.default_rng(5))
    assert np.array_equal(a.distances, b.distances) and np.array_equal(a.ready, b.ready) and np.array_equal(a.due, b.due)
    state = np.random.get_state()
    batch = gen.sample(np.random.default_rng(1), 200)
    assert np.array_equal(np.random.get_state()[1], state[1])  # global numpy state untouched
    assert set(batch) == set(CVRPTWKernel.stack([a])) | {"coords"}
    assert np.all(batch["ready"] <= batch["due"]) and np.all(batch["due"][:, 0] == gen.horizon)
    assert np.all(batch["ready"] >= 0) and np.all(batch["service"][:, 1:] == gen.service_time)
    assert np.all(batch["coords"] >= 0) and np.all(batch["coords"] <= 1)
    for i in range(200):  # every row validates: every customer servable alone
        CVRPTWKernel.make_instance(batch, i)
    widths = (batch["due"] - batch["ready"])[:, 1:]
    assert 0.05 * gen.horizon < widths.mean() < 0.2 * gen.horizon


def test_cvrptw_generator__defaults() -> None:
    assert CVRPTWGenerator(20).vehicle_capacity == 30 and CVRPTWGenerator(100).vehicle_capacity == 50
    inst = CVRPTWGenerator(7, capacity=12, min_demand=2, max_demand=3)(np.random.default_rng(0))
    assert inst.num_customers == 7 and inst.capacity == 12 and set(inst.demands[1:].tolist()) <= {2, 3}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(num_nodes=0), "num_nodes"),
        (dict(num_nodes=2.5), "num_nodes"),
        (dict(num_nodes=True), "num_nodes"),
        (dict(distribution="uniform"), "distribution"),
        (dict(capacity=0), "capacity"),
        (dict(capacity=3.5), "capacity"),
        (dict(min_demand=-1), "min_demand"),
        (dict(min_demand=5, max_demand=2), "min_demand/max_demand"),
        (dict(max_demand=31), "max_demand"),
        (dict(horizon=float("nan")), "horizon"),
        (dict(horizon=-1.0), "horizon"),
        (dict(horizon=2.0), "horizon"),
        (dict(horizon="3"), "horizon"),
        (dict(window_width=-0.1), "window_width"),
        (dict(window_width=float("inf")), "window_width"),
        (dict(service_time=float("nan")), "service_time"),
        (dict(service_time=-1.0), "service_time"),
        (dict(num_clusters=0), "num_clusters"),
        (dict(cluster_std=-0.1), "cluster_std"),
    ],
)
def test_cvrptw_generator__bad_parameters(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InstanceError, match=f"^{field}:"):
        CVRPTWGenerator(**kwargs)


# --- the environment ----------------------------------------------------------------
def test_cvrptw_env__passes_gymnasium_check_env() -> None:
    check_env(CVRPTWEnv(num_nodes=8), skip_render_check=True)


@pytest.mark.parametrize("distribution", ["random", "clustered", "mixed"])
def test_cvrptw_env__random_masked_play_matches_evaluate(distribution: str) -> None:
    env = CVRPTWEnv(num_nodes=15, distribution=distribution, window_width=0.05)
    rng = np.random.default_rng(3)
    for seed in range(25):
        obs, _ = env.reset(seed=seed)
        total, steps, term, info = 0.0, 0, False, {}
        while not term:
            assert env.observation_space.contains(obs)
            a = int(rng.choice(np.flatnonzero(obs["action_mask"])))
            obs, r, term, trunc, info = env.step(a)
            total, steps = total + r, steps + 1
            assert not info["invalid_action"] and not trunc and steps <= 30
        ev = evaluate_cvrptw(env.instance, info["solution"])
        assert ev.feasible, ev.violation
        assert -total == ev.cost == info["cost"]


def _open_route_violation(inst: CVRPTWInstance, routes: list[list[int]], open_route: list[int], j: int) -> bool:
    ev = evaluate_cvrptw(inst, routes + [open_route + [j]])
    return ev.violation is not None and "not visited" not in ev.violation


def test_cvrptw_env__mask_is_exactly_feasibility() -> None:
    """A customer is allowed iff appending it to the open route keeps the routes feasible (evaluate decides)."""
    env = CVRPTWEnv(num_nodes=12, window_width=0.1)
    rng = np.random.default_rng(0)
    checked = 0
    for seed in range(15):
        obs, _ = env.reset(seed=seed)
        inst, term = env.instance, False
        while not term:
            routes = env.kernel.partial_solution(0)
            open_route = routes.pop() if env.kernel.cur[0] != 0 else []
            for j in np.flatnonzero(obs["visited"][1:] == 0) + 1:
                assert bool(obs["action_mask"][j]) == (not _open_route_violation(inst, routes, open_route, int(j)))
                checked += 1
            assert bool(obs["action_mask"][0]) == (env.kernel.cur[0] != 0)
            obs, _, term, _, _ = env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
    assert checked > 500


def test_cvrptw_env__observation_scaling() -> None:
    inst = line_instance(ready=[0, 5, 0, 0])
    env = CVRPTWEnv(instance=inst)
    obs, _ = env.reset()
    assert np.allclose(obs["time_windows"], [[0, 1], [0.25, 0.5], [0, 0.5], [0, 0.5]])
    assert np.allclose(obs["service_times"], [0, 0.05, 0.05, 0.05]) and obs["current_time"][0] == 0
    obs, r, *_ = env.step(1)  # arrive at 1, wait until 5, serve until 6
    assert r == -1.0 and obs["current_time"][0] == pytest.approx(0.3) and obs["remaining_capacity"][0] == pytest.approx(2 / 3)
    obs, *_ = env.step(0)
    assert obs["current_time"][0] == 0 and obs["remaining_capacity"][0] == 1


def test_cvrptw_env__masked_action_penalty_and_raise() -> None:
    inst = line_instance(due=[20, 10, 2.5, 10])  # at 1 after service, time 1 + 1 = 2, customer 2 at 3 is late
    env = CVRPTWEnv(instance=inst)
    env.reset()
    env.step(1)
    assert not env.action_masks()[2]
    _, r, term, _, info = env.step(2)
    assert term and info["invalid_action"] and r == -(2 * 3 * 3.0 + 1.0) and "solution" not in info
    env = CVRPTWEnv(instance=inst, invalid_action="raise")
    env.reset()
    with pytest.raises(InvalidActionError):
        env.step(0)  # at the depot already
    with pytest.raises(InvalidActionError):
        env.step(4)  # outside the space


def test_cvrptw_env__fixed_instance_and_reset_option() -> None:
    inst = line_instance()
    fixed = CVRPTWEnv(instance=inst)
    assert fixed.num_nodes == 3
    fixed.reset(seed=0)
    assert fixed.instance is inst and play(fixed, [1, 0, 2, 3, 0])[0] == -(2.0 + 6.0)
    env = CVRPTWEnv(num_nodes=3)
    env.reset(options={"instance": inst})
    total, term, info = play(env, [3, 2, 1, 0])
    assert term and total == -6.0 and info["solution"] == [[3, 2, 1]]
    with pytest.raises(InstanceError):
        env.reset(options={"instance": CVRPTWGenerator(5)(np.random.default_rng(0))})


def test_cvrptw_env__renders() -> None:
    env = CVRPTWEnv(num_nodes=6, render_mode="ansi")
    env.reset(seed=0)
    first = int(np.flatnonzero(env.action_masks())[0])
    env.step(first)
    text = env.render()
    assert text.startswith("CVRPTW6 served 1/6") and f"route 0: 0 -> {first}@" in text
    env = CVRPTWEnv(num_nodes=6, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8


def test_cvrptw_kernel__state_snapshot_roundtrip() -> None:
    env = CVRPTWEnv(num_nodes=10)
    obs, _ = env.reset(seed=2)
    env.step(int(np.flatnonzero(obs["action_mask"])[0]))
    snap = env.get_state()
    before = env.kernel.observe(0)
    obs, *_ = env.step(int(np.flatnonzero(env.action_masks())[-1]))
    env.set_state(snap)
    after = env.kernel.observe(0)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_cvrptw_vector_env__agrees_with_single_envs() -> None:
    gen = CVRPTWGenerator(10, "mixed")
    instances = [gen(np.random.default_rng(s)) for s in range(4)]
    venv = CVRPTWVectorEnv(4, num_nodes=10)
    vobs, _ = venv.reset(seed=0, options={"instances": instances})
    singles = [CVRPTWEnv(instance=inst) for inst in instances]
    sobs = [e.reset()[0] for e in singles]
    rng = np.random.default_rng(1)
    totals, costs, done = np.zeros(4), np.full(4, np.nan), np.zeros(4, dtype=bool)
    for _ in range(2 * 10):
        for i in range(4):
            assert all(np.array_equal(vobs[k][i], sobs[i][k]) for k in sobs[i]) or done[i]
        actions = np.array([rng.choice(np.flatnonzero(venv.action_masks()[i])) for i in range(4)])
        vobs, vr, vterm, _, vinfo = venv.step(actions)
        for i, e in enumerate(singles):
            if done[i]:
                continue
            sobs[i], r, term, _, info = e.step(int(actions[i]))
            assert r == vr[i] and term == vterm[i]
            totals[i] += r
            if term:
                done[i], costs[i] = True, info["cost"]
                assert vinfo["final_info"]["cost"][i] == info["cost"]
                assert vinfo["final_info"]["solution"][i] == info["solution"]
        if done.all():
            break
    assert done.all() and np.array_equal(-totals, costs)


# --- Solomon files ----------------------------------------------------------------
SOLOMON_HEAD = """TINY

VEHICLE
NUMBER     CAPACITY
  3         50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          4         10          0         50          5
    2      6          8         20         10         60          5
"""


def test_load_solomon__minimal_file_and_bks_csv(tmp_path: Path) -> None:
    f = tmp_path / "TINY.txt"
    f.write_text(SOLOMON_HEAD)
    (tmp_path / "bks.csv").write_text("name,bks\nOTHER,1\nTINY,20.0\n")
    inst = load_solomon(f)
    assert inst.name == "TINY" and inst.num_customers == 2 and inst.capacity == 50 and inst.num_vehicles == 3
    assert inst.edge_weight_type == "EUC_TRUNC1" and inst.optimum == 20.0
    assert np.array_equal(inst.ready, [0, 0, 10]) and np.array_equal(inst.due, [100, 50, 60])
    assert np.array_equal(inst.service, [0, 5, 5]) and inst.distances[1, 2] == 5.0
    assert evaluate_cvrptw(inst, [[1, 2]]) == (20.0, True, None)
    (tmp_path / "TINY.sol").write_text("Route #1: 1 2\nCost 20.5\n")
    assert load_solomon(f).optimum == 20.5  # a .sol beside the file wins


@pytest.mark.parametrize(
    "old, new, match",
    [
        ("    2      6          8         20         10         60          5\n", "    2      6          8         20\n",
         r"customer row 2 .*expected 7 columns .* got 4 \(truncated file\?\)"),
        ("    1      3          4         10          0         50          5\n"
         "    2      6          8         20         10         60          5\n", "", r"truncated Solomon file"),
        ("         10         60", "          x         60", r"customer row 2 .*non-numeric value"),
        ("         10         60", "       10.5         60", r"customer row 2 .*Solomon values are integers"),
        ("    2      6", "    5      6", r"customer row 2 has id 5, expected 2"),
        ("  3         50", "  3", r"expected the number of vehicles and the capacity"),
        ("CUSTOMER\n", "CLIENTS\n", r"not a Solomon header"),
        ("VEHICLE", "FLEET", r"not a Solomon file"),
        ("         10         60", "          0          9", r"due: customer 2 cannot be reached in time even alone"),
    ],
)
def test_load_solomon__malformed_files_raise_instance_error(tmp_path: Path, old: str, new: str, match: str) -> None:
    assert old in SOLOMON_HEAD
    f = tmp_path / "BAD.txt"
    f.write_text(SOLOMON_HEAD.replace(old, new, 1))
    with pytest.raises(InstanceError, match=match) as err:
        load_solomon(f)
    assert str(f) in str(err.value)


def test_load_solomon__missing_empty_and_binary(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_solomon(tmp_path / "none.txt")
    (tmp_path / "empty.txt").write_text("\n \n")
    with pytest.raises(InstanceError, match="empty file"):
        load_solomon(tmp_path / "empty.txt")
    (tmp_path / "bin.txt").write_bytes(b"\0\1\2")
    with pytest.raises(InstanceError, match="not a text file"):
        load_solomon(tmp_path / "bin.txt")


def test_looks_like_solomon__sniffs_the_vehicle_line() -> None:
    assert looks_like_solomon(Path("x.txt"), SOLOMON_HEAD)
    assert not looks_like_solomon(Path("x.vrp"), "NAME : X-n101-k25\nTYPE : CVRP\nDIMENSION : 101\n")
    assert not looks_like_solomon(Path("x.txt"), "")


def test_solomon__solutions_replay_to_best_known_distance(shared_data: Path) -> None:
    """Every Solomon instance's .sol, replayed step by step, earns minus its bks.csv distance (EUC_TRUNC1)."""
    folder = shared_data / "solomon"
    files = sorted(folder.glob("*.txt"))
    if not files:
        pytest.skip(f"no Solomon files in {folder}")
    bks = dict(line.split(",") for line in (folder / "bks.csv").read_text().split()[1:])
    failures = []
    for f in files:
        inst = load_solomon(f)
        sol = read_solution(f.with_suffix(".sol"))
        ev = evaluate_cvrptw(inst, sol.routes)
        env = CVRPTWEnv(instance=inst, invalid_action="raise")
        env.reset(options={"instance": inst})
        total, term, info = play(env, CVRPTWKernel.solution_to_actions(inst, sol.routes)[1])
        target = float(bks[inst.name])
        ok = (term and ev.feasible and abs(-total - target) <= 1e-6 and abs(ev.cost - target) <= 1e-6
              and inst.optimum == target and info["solution"] == [r for r in sol.routes if r])
        if not ok:
            failures.append(f"{inst.name}: replay {-total!r}, evaluate {ev}, bks {target}")
    assert not failures, failures
    assert len(files) == len(bks)


def test_cvrptw_problem__declaration() -> None:
    from routing_gym.envs.cvrptw.problem import PROBLEM

    inst = PROBLEM.tiny_instance()
    assert isinstance(inst, CVRPTWInstance) and inst.num_customers == 8
    assert PROBLEM.formats[0].sniff(Path("C101.txt"), SOLOMON_HEAD)
    routes = [[1, 2], [3], [4, 5, 6, 7, 8]]
    assert sorted(PROBLEM.solution_variant(routes, np.random.default_rng(0))) == sorted(routes)
    assert PROBLEM.envs[0].id == "routing_gym/CVRPTW-v0"
    assert PROBLEM.envs[0].entry_point == f"{CVRPTWEnv.__module__}:{CVRPTWEnv.__name__}"
    assert PROBLEM.envs[0].vector_entry_point == f"{CVRPTWVectorEnv.__module__}:{CVRPTWVectorEnv.__name__}"
