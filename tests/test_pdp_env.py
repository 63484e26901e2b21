"""PDP: instance validation, evaluation, generator, kernel/env (with and without time windows), Li & Lim files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from routing_gym.envs.pdp.env import PDPEnv, PDPVectorEnv
from routing_gym.envs.pdp.generator import PDPGenerator
from routing_gym.envs.pdp.io import load_lilim, looks_like_lilim, read_lilim_solution
from routing_gym.envs.pdp.kernel import PDPKernel
from routing_gym.envs.pdp.types import PDPInstance, evaluate_pdp
from routing_gym.errors import InstanceError, InvalidActionError

# Depot at 0; pair 0 picks up at x = 1 and delivers at x = 3; pair 1 picks up at x = 2 and delivers at x = 4.
LINE = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [2.0, 0.0], [4.0, 0.0]])


def line_instance(**changes: Any) -> PDPInstance:
    kw: dict[str, Any] = dict(pairs=[[1, 2], [3, 4]], demands=[0, 2, -2, 3, -3], capacity=5)
    kw.update(changes)
    return PDPInstance.from_coords(LINE, **kw)


def play(env: Any, actions: list[int]) -> tuple[float, bool, dict[str, Any]]:
    total, term, info = 0.0, False, {}
    for a in actions:
        _, r, term, _, info = env.step(a)
        total += r
    return total, term, info


def random_episode(env: Any, rng: np.random.Generator, **reset: Any) -> tuple[float, int, dict[str, Any]]:
    obs, _ = env.reset(**reset)
    total, steps, term, info = 0.0, 0, False, {}
    while not term:
        assert env.observation_space.contains(obs) and obs["action_mask"].any()
        obs, r, term, _, info = env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
        total, steps = total + r, steps + 1
        assert not info["invalid_action"]
    return total, steps, info


def windowed(seed: int, pairs: int = 6, width: float = 0.3) -> PDPInstance:
    """A random instance with time windows around a random feasible schedule (so it is feasible)."""
    rng = np.random.default_rng(seed)
    inst = PDPGenerator(pairs, capacity=12)(rng)
    env = PDPEnv(instance=inst)
    _, _, info = random_episode(env, rng)
    ready, due = np.zeros(2 * pairs + 1), np.zeros(2 * pairs + 1)
    for route in info["solution"]:
        t, prev = 0.0, 0
        for c in route:
            t += inst.distances[prev, c] + 0.05
            ready[c], due[c] = max(0.0, t - width * rng.random()), t + width * rng.random()
            prev = c
        due[0] = max(due[0], t + inst.distances[prev, 0])
    due[0] += 0.1
    service = np.full(2 * pairs + 1, 0.05)
    service[0] = 0.0
    return inst.replace(ready=ready, due=due, service=service)


# --- the instance and evaluate ------------------------------------------------------------
@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(pairs=[[1, 2]]), r"pairs: 1 pairs cover 2 nodes, but there are 4"),
        (dict(pairs=[[1, 2], [3, 3]]), r"pairs: node 3 appears 2 times"),
        (dict(pairs=[[1, 2], [3, 5]]), r"pairs: node 5 is not a non-depot node"),
        (dict(pairs=[1, 2, 3, 4]), r"pairs: expected a 2-d array"),
        (dict(pairs=[[1, 2], [3, 4.5]]), r"pairs: non-integer value 4.5"),
        (dict(demands=[0, 2, -2, 3]), r"demands: expected 5 values"),
        (dict(demands=[0, 2, -2, 3, -2]), r"demands: delivery 4 has demand -2, expected -3"),
        (dict(demands=[0, -2, 2, 3, -3]), r"demands: pickup 1 has negative demand -2"),
        (dict(demands=[1, 2, -2, 3, -3]), r"depot \(node 0\) must have demand 0"),
        (dict(capacity=2), r"demands: pickup 3's load 3 exceeds capacity 2"),
        (dict(capacity=0), r"capacity: expected a positive integer"),
        (dict(ready=[0, 0, 0, 5, 0], due=[10, 10, 10, 4, 10]), r"node 3 has ready time 5 after its due time 4"),
        (dict(due=[10, 10, 10, 10, np.nan]), r"due: non-finite value nan at index 4"),
        (dict(service=[1, 0, 0, 0, 0]), r"service: the depot \(node 0\) must have service time 0"),
        (dict(service=[0, 0, -1, 0, 0]), r"service: negative value -1 at node 2"),
        (dict(due=[10, 10, 2.5, 10, 10]), r"due: pair 0 \(pickup 1, delivery 2\) cannot be served even on a route of "
                                          r"its own: customer 2 reached at time 3"),
        (dict(due=[7, 10, 10, 10, 10]), r"pair 1 .* back at the depot at time 8"),
        (dict(num_vehicles=0), r"num_vehicles: expected a positive integer or None"),
    ],
)
def test_pdp_instance__bad_input_raises_instance_error(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        line_instance(**changes)


def test_pdp_instance__views() -> None:
    inst = line_instance()
    assert (inst.num_nodes, inst.num_pairs) == (4, 2) and not inst.has_time_windows
    assert inst.partner.tolist() == [0, 2, 1, 4, 3] and inst.is_pickup.tolist() == [False, True, False, True, False]
    assert np.isinf(inst.due).all() and not inst.ready.any() and "pairs=2" in repr(inst)
    assert line_instance(ready=[0, 1, 0, 0, 0]).has_time_windows


def test_evaluate_pdp__cost_and_violations() -> None:
    inst = line_instance()
    assert evaluate_pdp(inst, [[1, 3, 2, 4]]) == (8.0, True, None)
    assert evaluate_pdp(inst, [[1, 2], [], [3, 4]]) == (14.0, True, None)
    cases = [
        ([[2, 1, 3, 4]], r"route 0: delivery 2 comes before its pickup 1"),
        ([[1, 3], [2, 4]], r"route 0: pickup 1 without its partner 2 on the same route"),
        ([[1, 2, 3]], r"route 0: pickup 3 without its partner 4"),
        ([[1, 2, 3, 4, 1]], r"node 1 visited 2 times"),
        ([[1, 2, 7]], r"node 7 is not a pickup or delivery node"),
    ]
    for routes, match in cases:
        ev = evaluate_pdp(inst, routes)
        assert not ev.feasible and re.search(match, ev.violation), (routes, ev)
    assert re.search(r"load 5 after node 3 exceeds capacity 4",
                     evaluate_pdp(inst.replace(capacity=4), [[1, 3, 2, 4]]).violation)
    late = inst.replace(due=[20, 20, 20, 20, 4.5])  # alone, delivery 4 is reached at 4; after 1, 2, 3 at 6
    assert re.search(r"customer 4 reached at time 6", evaluate_pdp(late, [[1, 2, 3, 4]]).violation)


# --- the generator --------------------------------------------------------------------------
def test_pdp_generator__layout_and_determinism() -> None:
    gen = PDPGenerator()
    assert (gen.num_pairs, gen.num_nodes, gen.vehicle_capacity) == (10, 20, 20)
    a, b = gen(np.random.default_rng(3)), gen(np.random.default_rng(3))
    assert np.array_equal(a.distances, b.distances) and np.array_equal(a.demands, b.demands)
    assert a.pairs.tolist() == [[i, i + 10] for i in range(1, 11)] and not a.has_time_windows
    assert (a.demands[1:11] >= 1).all() and (a.demands[1:11] <= 9).all()


@pytest.mark.parametrize("kwargs, field", [(dict(num_pairs=0), "num_pairs"), (dict(num_pairs=2.0), "num_pairs"),
                                           (dict(capacity=0), "capacity"), (dict(min_demand=5, max_demand=4), "min_demand"),
                                           (dict(capacity=5, max_demand=6), "max_demand")])
def test_pdp_generator__bad_parameters(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InstanceError, match=field):
        PDPGenerator(**kwargs)


# --- the environment --------------------------------------------------------------------------
def test_pdp_env__passes_gymnasium_check_env() -> None:
    check_env(PDPEnv(num_pairs=4), skip_render_check=True)
    check_env(PDPEnv(instance=windowed(0)), skip_render_check=True)


def test_pdp_env__random_masked_play_matches_evaluate() -> None:
    env = PDPEnv(num_pairs=7, capacity=10)
    rng = np.random.default_rng(3)
    for seed in range(30):
        total, steps, info = random_episode(env, rng, seed=seed)
        ev = evaluate_pdp(env.instance, info["solution"])
        assert ev.feasible, ev.violation
        assert -total == ev.cost == info["cost"] and steps <= 21


def test_pdp_env__time_windows_never_dead_end_and_end_feasible() -> None:
    rng = np.random.default_rng(5)
    for seed in range(12):
        inst = windowed(seed)
        env = PDPEnv(instance=inst)
        for _ in range(3):
            total, _, info = random_episode(env, rng)
            ev = evaluate_pdp(inst, info["solution"])
            assert ev.feasible, ev.violation
            assert -total == ev.cost == info["cost"]


def test_pdp_env__delivery_masked_until_pickup_and_capacity_masks_pickups() -> None:
    env = PDPEnv(instance=line_instance(capacity=4))
    obs, _ = env.reset()
    assert obs["action_mask"].tolist() == [0, 1, 0, 1, 0]
    obs, *_ = env.step(1)  # 2 aboard: pickup 3 (load 3) no longer fits
    assert obs["action_mask"].tolist() == [0, 0, 1, 0, 0] and obs["pending"].tolist() == [0, 0, 1, 0, 0]
    obs, *_ = env.step(2)
    assert obs["action_mask"].tolist() == [1, 0, 0, 1, 0] and obs["remaining_capacity"][0] == 1.0
    total, term, info = play(env, [0, 3, 4, 0])
    assert term and info["solution"] == [[1, 2], [3, 4]] and info["cost"] == 6.0 + 8.0


def test_pdp_env__completion_check_refuses_a_pickup_that_strands_a_delivery() -> None:
    # after picking up 1 at time 1, pickup 3 is reachable (time 2, but it opens at 2.8) and so is delivery 2
    # (time 3, due 3.5); but through 3, delivery 2 would be reached at 3.8: only the look-ahead sees it
    inst = line_instance(due=[20, 20, 3.5, 20, 20], ready=[0, 0, 0, 2.8, 0])
    env = PDPEnv(instance=inst)
    env.reset()
    obs, *_ = env.step(1)
    assert obs["action_mask"].tolist() == [0, 0, 1, 0, 0]


def test_pdp_env__masked_action_penalty_and_raise() -> None:
    env = PDPEnv(instance=line_instance())
    env.reset()
    _, r, term, _, info = env.step(2)
    assert term and info["invalid_action"] and r == -(2 * 4 * 4.0 + 1.0)
    env = PDPEnv(instance=line_instance(), invalid_action="raise")
    env.reset()
    with pytest.raises(InvalidActionError):
        env.step(0)
    with pytest.raises(InvalidActionError):
        env.step(5)


def test_pdp_env__fixed_instance_reset_option_and_size_check() -> None:
    env = PDPEnv(num_pairs=2)
    assert env.num_nodes == 2  # the size parameter counts pairs
    env.reset(options={"instance": line_instance()})
    total, term, info = play(env, [3, 1, 4, 2, 0])
    assert term and total == -(2 + 1 + 3 + 1 + 3) and info["solution"] == [[3, 1, 4, 2]]
    with pytest.raises(InstanceError):
        env.reset(options={"instance": PDPGenerator(3)(np.random.default_rng(0))})


def test_pdp_env__renders() -> None:
    env = PDPEnv(num_pairs=3, render_mode="ansi")
    env.reset(seed=0)
    env.step(1)
    text = env.render()
    assert text.startswith("PDP6 served 1/6") and "aboard (deliveries due) [4]" in text and "route 0: 0 -> +1" in text
    env = PDPEnv(instance=windowed(1), render_mode="rgb_array")
    env.reset()
    frame = env.render()
    assert frame.ndim == 3 and frame.dtype == np.uint8


def test_pdp_kernel__state_snapshot_roundtrip_includes_the_plan() -> None:
    env = PDPEnv(instance=windowed(2))
    obs, _ = env.reset()
    env.step(int(np.flatnonzero(obs["action_mask"])[0]))
    snap = env.get_state()
    before, plan = env.kernel.observe(0), env.kernel.plan.copy()
    env.step(int(np.flatnonzero(env.action_masks())[-1]))
    env.set_state(snap)
    after = env.kernel.observe(0)
    assert all(np.array_equal(before[k], after[k]) for k in before) and np.array_equal(env.kernel.plan, plan)


def test_pdp_vector_env__agrees_with_single_envs() -> None:
    instances = [windowed(s, pairs=5) for s in range(3)] + [PDPGenerator(5)(np.random.default_rng(9))]
    venv = PDPVectorEnv(4, num_pairs=5)
    vobs, _ = venv.reset(seed=0, options={"instances": instances})
    singles = [PDPEnv(instance=inst) for inst in instances]
    sobs = [e.reset()[0] for e in singles]
    rng = np.random.default_rng(1)
    done = np.zeros(4, dtype=bool)
    for _ in range(16):
        actions = np.array([rng.choice(np.flatnonzero(venv.action_masks()[i])) for i in range(4)])
        for i in range(4):
            assert done[i] or all(np.array_equal(vobs[k][i], sobs[i][k]) for k in sobs[i])
        vobs, vr, vterm, _, vinfo = venv.step(actions)
        for i, e in enumerate(singles):
            if done[i]:
                continue
            sobs[i], r, term, _, info = e.step(int(actions[i]))
            assert r == vr[i] and term == vterm[i]
            if term:
                done[i] = True
                assert vinfo["final_info"]["cost"][i] == info["cost"]
    assert done.all()


# --- Li & Lim files ------------------------------------------------------------------------------
LILIM = """2\t10\t1
0\t0\t0\t0\t0\t100\t0\t0\t0
1\t3\t4\t5\t0\t50\t2\t0\t2
2\t6\t8\t-5\t0\t60\t2\t1\t0
"""


def test_load_lilim__minimal_file_and_bks_csv(tmp_path: Path) -> None:
    f = tmp_path / "tiny.txt"
    f.write_text(LILIM)
    (tmp_path / "bks.csv").write_text("name,vehicles,distance\nother,1,1\ntiny,1,20.00\n")
    inst = load_lilim(f)
    assert inst.name == "tiny" and inst.optimum == 20.0 and inst.num_vehicles == 2 and inst.capacity == 10
    assert inst.pairs.tolist() == [[1, 2]] and inst.demands.tolist() == [0, 5, -5] and inst.due.tolist() == [100, 50, 60]
    assert inst.distances[0, 1] == 5.0 and inst.edge_weight_type == "EUC"
    assert evaluate_pdp(inst, [[1, 2]]).cost == 20.0


@pytest.mark.parametrize(
    "old, new, match",
    [
        ("2\t10\t1", "2\t10", r"line 1 .*expected 'vehicles capacity speed'"),
        ("1\t3\t4\t5\t0\t50\t2\t0\t2", "1\t3\t4\t5\t0\t50\t2\t0", r"node line 1 .*expected 9 columns"),
        ("1\t3\t4\t5", "7\t3\t4\t5", r"node line 1 has id 7, expected 1"),
        ("1\t3\t4\t5", "1\t3\tx\t5", r"node line 1 .*non-numeric value"),
        ("2\t6\t8\t-5\t0\t60\t2\t1\t0", "2\t6\t8\t-5\t0\t60\t2\t1\t1", r"node 2: exactly one of pickup"),
        ("2\t6\t8\t-5\t0\t60\t2\t1\t0", "2\t6\t8\t-5\t0\t60\t2\t2\t0",
         r"node 1 links to node 2, which does not link back \(it names 2\)"),
        ("2\t6\t8\t-5", "2\t6\t8\t-4", r"delivery 2 has demand -4, expected -5"),
        ("0\t0\t0\t0\t0\t100", "0\t0\t0\t0\t0\t15", r"pair 0 .* back at the depot"),
    ],
)
def test_load_lilim__malformed_files_raise_instance_error(tmp_path: Path, old: str, new: str, match: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(LILIM.replace(old, new))
    with pytest.raises(InstanceError, match=match) as exc:
        load_lilim(f)
    assert str(f) in str(exc.value)


def test_load_lilim__missing_truncated_and_sniffing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_lilim(tmp_path / "none.txt")
    f = tmp_path / "cut.txt"
    f.write_text(LILIM[:40])
    with pytest.raises(InstanceError, match="cut.txt"):
        load_lilim(f)
    assert looks_like_lilim(Path("x.txt"), LILIM)
    assert not looks_like_lilim(Path("x.txt"), "C101\n\nVEHICLE\nNUMBER CAPACITY\n 25 200\n")
    from routing_gym.envs import load_instance

    good = tmp_path / "tiny.txt"
    good.write_text(LILIM)
    assert isinstance(load_instance(good), PDPInstance)


def test_lilim__best_known_routes_replay_to_their_distance(shared_data: Path) -> None:
    """Every Li & Lim instance loads, and its SINTEF routes, replayed step by step, earn minus its bks.csv distance."""
    folder = shared_data / "pdptw"
    files = sorted(folder.glob("*.txt"))
    if not files:
        pytest.skip(f"no Li & Lim files in {folder} (not redistributable: read from ../shared/data)")
    failures = []
    for f in files:
        inst = load_lilim(f)
        routes = read_lilim_solution(f.with_suffix(".sol"))
        env = PDPEnv(instance=inst, invalid_action="raise")
        env.reset()
        try:
            total, term, info = play(env, PDPKernel.solution_to_actions(inst, routes)[1])
        except InvalidActionError as exc:
            failures.append(f"{inst.name}: {exc}")
            continue
        ok = term and abs(-total - inst.optimum) <= 0.005 + 1e-9 and info["solution"] == routes
        if not ok:
            failures.append(f"{inst.name}: replay {-total!r}, bks {inst.optimum}")
    assert not failures, failures
    assert len(files) == 50


def test_pdp_problem__declaration() -> None:
    from routing_gym.envs.pdp.problem import PROBLEM

    inst = PROBLEM.tiny_instance()
    assert isinstance(inst, PDPInstance) and inst.num_pairs == 4
    assert PROBLEM.formats[0].sniff(Path("lc101.txt"), LILIM) and PROBLEM.kernel_type.size_name == "num_pairs"
    routes = [[1, 5], [2, 6, 3, 7], [4, 8]]
    assert sorted(PROBLEM.solution_variant(routes, np.random.default_rng(0))) == sorted(routes)
    assert PROBLEM.envs[0].id == "routing_gym/PDP-v0"
