"""WarehouseAGV: instance checks, MovingAI files, the conflict rule, sum-of-costs rewards, lifelong
tasks, solvers (CBS = CP-SAT optimum, plans replay), the PettingZoo view and the compare harness."""

from __future__ import annotations

import os
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.envs import replay
from routing_gym.envs.warehouse_agv.env import WarehouseAGVEnv
from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator, shelf_layout
from routing_gym.envs.warehouse_agv.io import load_scen, write_map, write_scen
from routing_gym.envs.warehouse_agv.kernel import WarehouseKernel
from routing_gym.envs.warehouse_agv.types import WarehouseInstance, evaluate_warehouse_agv, first_conflict, makespan
from routing_gym.errors import InstanceError

DATA = Path(__file__).resolve().parent / "data" / "warehouse_agv"
MAPF = Path(os.environ.get("ROUTING_GYM_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "mapf"
WAIT, N, E, S, W = range(5)
TINY = {"num_robots": 3, "height": 6, "width": 7, "shelf_depth": 1, "shelf_length": 2, "horizon": 24}


def inst(grid: list[str], starts: list, goals: list, horizon: int = 20, **kw) -> WarehouseInstance:
    g = np.array([[ch == "#" for ch in row] for row in grid])
    return WarehouseInstance(g, starts, goals, horizon, **kw)


def play(instance: WarehouseInstance, joint: list[list[int]]) -> tuple[WarehouseAGVEnv, list[float], dict]:
    env = WarehouseAGVEnv(instance=instance)
    env.reset()
    rewards, info = [], {}
    for a in joint:
        _, r, term, _, info = env.step(np.array(a))
        rewards.append(r)
        if term:
            break
    return env, rewards, info


# --- instance ------------------------------------------------------------------------------
@pytest.mark.parametrize(("kw", "match"), [
    (dict(starts=[[0, 0]], goals=[[1, 1]]), r"goals: cell \[1, 1\] is an obstacle"),
    (dict(starts=[[0, 1]], goals=[[0, 0]]), r"starts: cell \[0, 1\] is an obstacle"),
    (dict(starts=[[0, 0], [0, 0]], goals=[[0, 2], [2, 2]]), r"starts: two robots share the cell \[0, 0\]"),
    (dict(starts=[[0, 0]], goals=[[3, 0]]), r"goals: cell \[3, 0\] lies outside the 3 x 3 grid"),
    (dict(starts=[[0, 0]], goals=[[0, 2]], horizon=0), r"horizon: expected an integer >= 1, got 0"),
])
def test_instance__bad_cells_raise_naming_the_field(kw: dict, match: str) -> None:
    grid = np.array([[0, 1, 0], [0, 1, 0], [0, 0, 0]])
    kw.setdefault("horizon", 10)
    with pytest.raises(InstanceError, match=match):
        WarehouseInstance(grid, **kw)


def test_instance__more_robots_than_free_cells_raises() -> None:
    grid = np.array([[0, 1], [1, 0]])
    with pytest.raises(InstanceError, match="3 robots but the grid has only 2 free cells"):
        WarehouseInstance(grid, [[0, 0], [1, 1], [0, 0]], [[0, 0], [1, 1], [0, 0]], 5)
    with pytest.raises(InstanceError, match="num_robots: 9 robots but the 3 x 3 layout has only 8 free cells"):
        WarehouseGenerator(num_robots=9, height=3, width=3, shelf_depth=1, shelf_length=1)


def test_instance__grid_must_be_binary_and_match_its_size() -> None:
    with pytest.raises(InstanceError, match=r"grid: cell \(0, 1\) holds 2"):
        WarehouseInstance([[0, 2]], [[0, 0]], [[0, 0]], 3)
    good = WarehouseInstance([[0, 0]], [[0, 0]], [[0, 1]], 3)
    with pytest.raises(InstanceError, match="grid: shape"):
        good.replace(grid=np.zeros((1, 3)))


# --- generator ---------------------------------------------------------------------------
def test_generator__shelves_aisles_and_determinism() -> None:
    layout = shelf_layout(7, 11, 2, 4)
    assert not layout[0].any() and not layout[:, 0].any()  # a ring corridor
    assert layout[1:3, 1:5].all() and not layout[1:3, 5].any()  # a block, then an aisle
    gen = WarehouseGenerator(num_robots=5, obstacle_density=0.1)
    a, b = gen(np.random.default_rng(3)), gen(np.random.default_rng(3))
    assert np.array_equal(a.grid, b.grid) and np.array_equal(a.starts, b.starts) and np.array_equal(a.goals, b.goals)
    assert a.grid.sum() > gen.layout.sum()  # random obstacles on top of the shelves
    c = gen(np.random.default_rng(4))
    assert not np.array_equal(a.starts, c.starts)


def test_generator__bad_arguments_raise() -> None:
    with pytest.raises(InstanceError, match="obstacle_density"):
        WarehouseGenerator(obstacle_density=1.0)
    with pytest.raises(InstanceError, match="mode: expected one of"):
        WarehouseGenerator(mode="forever")


# --- the conflict rule ----------------------------------------------------------------------
def test_step__vertex_conflict_cancels_both_moves() -> None:
    i = inst(["...", "...", "..."], [[1, 0], [0, 1]], [[1, 2], [2, 1]])
    env, _, info = play(i, [[E, S]])
    assert env.kernel.pos[0].tolist() == [[1, 0], [0, 1]] and info["collisions"] == 2


def test_step__swap_conflict_cancels_both_and_following_is_allowed() -> None:
    i = inst(["...."], [[0, 0], [0, 1]], [[0, 3], [0, 0]])
    env, _, info = play(i, [[E, W]])
    assert env.kernel.pos[0].tolist() == [[0, 0], [0, 1]] and info["collisions"] == 2
    j = inst(["...."], [[0, 0], [0, 1]], [[0, 2], [0, 3]])
    env, _, info = play(j, [[E, E]])
    assert env.kernel.pos[0].tolist() == [[0, 1], [0, 2]] and info["collisions"] == 0


def test_step__cancelled_move_cascades_to_the_follower() -> None:
    i = inst(["...."], [[0, 0], [0, 1], [0, 3]], [[0, 1], [0, 2], [0, 0]])
    env, _, info = play(i, [[E, E, W]])  # 1 and 2 both enter (0, 2); then 0 bumps into 1, who stayed
    assert env.kernel.pos[0].tolist() == [[0, 0], [0, 1], [0, 3]] and info["collisions"] == 3


# --- rewards ---------------------------------------------------------------------------------
def test_episode__leaving_the_goal_is_charged_back_so_the_return_is_the_sum_of_costs() -> None:
    i = inst(["......", "......"], [[0, 0], [1, 0]], [[0, 1], [1, 5]])
    env, rewards, info = play(i, [[E, E], [WAIT, E], [WAIT, E], [E, E], [W, E]])
    assert rewards == [-2.0, -1.0, -1.0, -4.0, -2.0]  # robot 0 rests 2 steps, leaves: pays 1 + 2
    assert sum(rewards) == -10.0 and info["cost"] == 10.0 and info["makespan"] == 5
    ev = evaluate_warehouse_agv(i, info["solution"])
    assert ev.feasible and ev.cost == 10.0 and makespan(i, info["solution"]) == 5
    assert info["solution"][0] == [[0, 0], [0, 1], [0, 1], [0, 1], [0, 2], [0, 1]]


def test_episode__robot_off_goal_at_the_horizon_costs_the_horizon() -> None:
    i = inst(["...."], [[0, 0], [0, 3]], [[0, 1], [0, 2]], horizon=3)
    env, rewards, info = play(i, [[E, WAIT], [WAIT, WAIT], [WAIT, WAIT]])
    assert sum(rewards) == -4.0 and info["cost"] == 4.0  # 1 + 3
    assert evaluate_warehouse_agv(i, info["solution"]).cost == 4.0


def test_lifelong__one_reward_per_delivered_task_and_throughput() -> None:
    i = inst(["...."], [[0, 0]], [[0, 1]], horizon=4, tasks=[[[0, 3], [0, 2]]])
    env, rewards, info = play(i, [[E], [E], [E], [W]])
    assert rewards == [1.0, 0.0, 1.0, 1.0] and info["cost"] == -3.0
    assert info["delivered"] == 3 and info["throughput"] == 0.75
    assert evaluate_warehouse_agv(i, info["solution"]).cost == -3.0
    venv = gym.make_vec("routing_gym/WarehouseAGVLifelong-v0", 2, vectorization_mode="vector_entry_point", **TINY)
    obs, _ = venv.reset(seed=0)
    assert obs["positions"].shape == (2, 3, 2)


def test_evaluate__conflicting_plan_is_infeasible_and_replay_says_so() -> None:
    i = inst(["...", "...", "..."], [[1, 0], [0, 1]], [[1, 2], [2, 1]])
    plan = [[[1, 0], [1, 1], [1, 2]], [[0, 1], [1, 1], [2, 1]]]
    assert "vertex conflict" in evaluate_warehouse_agv(i, plan).violation
    assert not replay(None, i, plan).feasible
    jump = [[[1, 0], [1, 2]], [[0, 1]]]
    assert "jumps" in evaluate_warehouse_agv(i, jump).violation


# --- observation ----------------------------------------------------------------------------
def test_observation__local_window_and_goal_direction() -> None:
    i = inst(["#....", ".....", "....."], [[0, 1], [1, 2]], [[0, 3], [2, 0]])
    env = WarehouseAGVEnv(instance=i)
    obs, _ = env.reset()
    local = obs["local"][0]  # robot 0 at (0, 1): window rows -2..2, cols -1..3
    assert local[0, :2].all() and local[0, 2, 1] == 1 and local[0, 2, 2] == 0  # off-map rows, the obstacle (0, 0)
    assert local[1, 3, 3] == 1 and local[2, 2, 4] == 1  # robot 1 at (+1, +1), the goal at (0, +2)
    assert obs["goal_direction"][0].tolist() == [0.0, 0.5]
    assert obs["action_mask"].reshape(2, 5)[0].tolist() == [True, False, True, True, False]


# --- MovingAI files --------------------------------------------------------------------------
def test_load_scen__bundled_file_and_agents(tmp_path: Path) -> None:
    full = load_scen(DATA / "tiny-warehouse-1.scen")
    two = load_scen(DATA / "tiny-warehouse-1.scen", agents=2)
    assert full.num_robots == 6 and two.num_robots == 2 and np.array_equal(two.starts, full.starts[:2])
    assert full.starts[0].tolist() == [3, 6] and full.grid.shape == (9, 12)
    with pytest.raises(InstanceError, match="agents=7 but the scenario lists 6"):
        load_scen(DATA / "tiny-warehouse-1.scen", agents=7)


@pytest.mark.skipif(not MAPF.is_dir(), reason="shared MAPF benchmark not present")
def test_load_scen__benchmark_map_with_lower_bound() -> None:
    from routing_gym.envs import load_instance

    i = load_instance(MAPF / "random-32-32-10-even-1.scen", agents=5)
    assert i.num_robots == 5 and i.grid.shape == (32, 32) and i.lower_bound == 97.0


def _files(tmp_path: Path, map_text: str, scen_text: str) -> Path:
    (tmp_path / "m.map").write_text(map_text)
    (tmp_path / "s.scen").write_text(scen_text)
    return tmp_path / "s.scen"


@pytest.mark.parametrize(("map_text", "scen_text", "match"), [
    ("type octile\nheight 2\nwidth 3\nmap\n...\n", "version 1\n0\tm.map\t3\t2\t0\t0\t2\t0\t2\n", r"1 map rows but height is 2"),
    ("type octile\nheight 1\nwidth 3\nmap\n.x.\n", "version 1\n0\tm.map\t3\t1\t0\t0\t2\t0\t2\n", r"unknown terrain 'x'"),
    ("type octile\nheight 1\nwidth 3\nmap\n.@.\n", "version 1\n0\tm.map\t3\t1\t0\t0\t1\t0\t2\n", r"goals: cell \[0, 1\] is an obstacle"),
    ("type octile\nheight 1\nwidth 3\nmap\n...\n", "version 1\n0\tm.map\t3\t1\t0\t0\t2\t0\t2", r"not terminated"),
    ("type octile\nheight 1\nwidth 3\nmap\n...\n", "version 1\n0\tm.map\t3\t1\t0\t0\n", r"expected 9 tab-separated fields"),
    ("type octile\nheight 1\nwidth 3\nmap\n...\n", "version 1\n0\tm.map\t4\t1\t0\t0\t2\t0\t2\n", r"map but m.map is 3 x 1"),
    ("type octile\nheight 1\nwidth 3\nmap\n...\n", "version 1\n0\tother.map\t3\t1\t0\t0\t2\t0\t2\n", r"map file not found"),
])
def test_load_scen__malformed_or_truncated_files_raise(tmp_path: Path, map_text: str, scen_text: str, match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        load_scen(_files(tmp_path, map_text, scen_text))


def test_write_scen__round_trips(tmp_path: Path) -> None:
    i = WarehouseGenerator(**TINY)(np.random.default_rng(0))
    write_map(tmp_path / "w.map", i.grid)
    write_scen(tmp_path / "w.scen", "w.map", i)
    j = load_scen(tmp_path / "w.scen", horizon=i.horizon)
    assert np.array_equal(i.grid, j.grid) and np.array_equal(i.starts, j.starts) and np.array_equal(i.goals, j.goals)


# --- solvers ----------------------------------------------------------------------------------
def test_cbs_and_cpsat__agree_on_the_optimal_sum_of_costs() -> None:
    gen = WarehouseGenerator(**{**TINY, "num_robots": 4})
    cbs, cpsat, prio = make_solver("cbs:time_limit=10"), make_solver("cpsat:time_limit=20"), make_solver("prioritized")
    for seed in range(4):
        i = gen(np.random.default_rng(seed))
        a, b, c = cbs(i), cpsat(i), prio(i)
        assert a.ok and b.ok and c.ok and cpsat.last_stats["status"] == "OPTIMAL"
        costs = [replay(None, i, r.solution) for r in (a, b, c)]
        assert all(r.feasible for r in costs), [r.message for r in costs]
        assert costs[0].cost == costs[1].cost == evaluate_warehouse_agv(i, a.solution).cost <= costs[2].cost


def test_astar__exact_for_one_robot_and_fails_honestly_on_a_collision() -> None:
    one = inst(["....", ".##.", "...."], [[0, 0]], [[2, 3]])
    r = make_solver("astar")(one)
    assert r.ok and replay(None, one, r.solution).cost == 5.0
    cross = inst(["...", "...", "..."], [[1, 0], [0, 1]], [[1, 2], [2, 1]])
    r = make_solver("astar")(cross)
    assert r.status == "failed" and "conflict" in r.message
    c = make_solver("cbs")(cross)
    assert c.ok and replay(None, cross, c.solution).cost == 5.0  # one robot waits a step
    assert first_conflict(np.array([[[1, 0], [0, 1]], [[1, 1], [1, 1]]])) is not None


def test_solvers__lifelong_instances_are_refused_explicitly() -> None:
    i = WarehouseGenerator(**{**TINY, "mode": "lifelong"})(np.random.default_rng(0))
    for spec in ("astar", "prioritized", "cbs", "cpsat"):
        r = make_solver(spec)(i)
        assert r.status == "failed" and "lifelong" in r.message


def test_solution_to_actions__round_trip_through_the_env() -> None:
    i = WarehouseGenerator(**TINY)(np.random.default_rng(5))
    sol = make_solver("cbs")(i).solution
    _, actions = WarehouseKernel.solution_to_actions(i, sol)
    env = WarehouseAGVEnv(instance=i)
    env.reset()
    for a in actions:
        *_, term, _, info = env.step(a)
    assert term and info["solution"] == sol and info["collisions"] == 0


# --- PettingZoo view and the harness ------------------------------------------------------------
def test_pettingzoo__api_test_passes_and_rewards_sum_to_the_team_reward() -> None:
    from pettingzoo.test import parallel_api_test

    from routing_gym.pettingzoo import parallel_env

    pz = parallel_env("routing_gym/WarehouseAGV-v0", **TINY)
    parallel_api_test(pz, num_cycles=50)
    obs, _ = pz.reset(seed=1)
    central = gym.make("routing_gym/WarehouseAGV-v0", **TINY).unwrapped
    central.reset(seed=1)
    rng = np.random.default_rng(0)
    while pz.agents:
        acts = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in pz.agents}
        obs, rewards, terms, _, _ = pz.step(acts)
        _, r, term, _, _ = central.step(np.array([acts[a] for a in pz.possible_agents]))
        assert sum(rewards.values()) == r and all(t == term for t in terms.values())


def test_compare_cli__files_with_load_kwargs(tmp_path: Path) -> None:
    from routing_gym.cli import main

    out = tmp_path / "out"
    main(["compare", "--env", "routing_gym/WarehouseAGV-v0", "--files", str(DATA / "tiny-warehouse-1.scen"),
          "--load-kwargs", "agents=4", "--solvers", "prioritized,cbs", "--out", str(out), "--no-progress", "--no-plots"])
    text = (out / "results.csv").read_text()
    assert "cbs" in text and "prioritized" in text and "tiny-warehouse-1:4" in text


def test_agv_ppo__checkpoint_plays_through_the_env_or_fails_explicitly(tmp_path: Path) -> None:
    import torch
    from sb3_contrib import MaskablePPO

    from routing_gym.agents.vec_env import make_vec_env

    torch.set_num_threads(1)
    model = MaskablePPO("MultiInputPolicy", make_vec_env("routing_gym/WarehouseAGV-v0", n_envs=2, seed=0, **TINY),
                        n_steps=64, batch_size=64, seed=0, device="cpu")
    model.learn(128)
    model.save(tmp_path / "p.zip")
    i = WarehouseGenerator(**TINY)(np.random.default_rng(0))
    r = make_solver(f"agv-ppo:path={tmp_path / 'p.zip'}")(i)
    assert (r.ok and replay(None, i, r.solution).feasible) or "off their goals" in r.message
    other = WarehouseGenerator(**{**TINY, "num_robots": 2})(np.random.default_rng(0))
    r = make_solver(f"agv-ppo:path={tmp_path / 'p.zip'}")(other)
    assert r.status == "failed" and "the checkpoint plays 3 robots" in r.message
    assert "give the checkpoint" in make_solver("agv-ppo")(i).message


def test_pettingzoo_step__refuses_fractional_unknown_and_late_actions() -> None:
    import gymnasium as gym

    from routing_gym.errors import ConfigError, InvalidActionError
    from routing_gym.pettingzoo import parallel_env

    env = parallel_env("routing_gym/WarehouseAGV-v0", num_robots=2)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="integer move"):
        env.step({a: 0.7 for a in env.agents})
    with pytest.raises(ConfigError, match="unknown agents robot_99"):
        env.step({**{a: 0 for a in env.agents}, "robot_99": 0})
    env.agents = []
    with pytest.raises(gym.error.ResetNeeded):
        env.step({})


# --- shortest-path channel, shared policy ----------------------------------------------------
def test_observation__goal_moves_follow_the_shortest_paths_and_lifelong_goals() -> None:
    i = inst(["...", ".#.", "..."], [[0, 0]], [[2, 2]], tasks=[[[0, 0]]])
    env = WarehouseAGVEnv(instance=i)
    obs, _ = env.reset()
    assert obs["goal_moves"][0].tolist() == [0, 0, 1, 1, 0]  # east and south both lie on a shortest path
    assert obs["goal_distance"][0] == pytest.approx(4 / 9)
    for a in (E, E, S):
        obs, *_ = env.step(np.array([a]))
    obs, r, *_ = env.step(np.array([S]))  # delivered: the next task (0, 0) is the goal, 4 steps away
    assert r == 1.0 and obs["goals"][0].tolist() == [0, 0]
    assert obs["goal_moves"][0].tolist() == [0, 1, 0, 0, 1] and obs["goal_distance"][0] == pytest.approx(4 / 9)


def test_distance_shaping__training_return_telescopes_to_the_env_return_plus_the_start_distances() -> None:
    from routing_gym.agents.vec_env import make_vec_env
    from routing_gym.agents.warehouse_agv import DistanceShaping

    venv = DistanceShaping(make_vec_env("routing_gym/WarehouseAGV-v0", n_envs=1, seed=0, **TINY), gamma=1.0,
                           reward_scale=1.0)
    obs = venv.reset()
    start = -venv.potential(obs)[0]
    shaped, done, info = 0.0, False, {}
    while not done:
        gm = obs["goal_moves"][0].astype(bool)
        act = np.array([[int(np.flatnonzero(g)[0]) if g.any() else 0 for g in gm]])
        obs, r, d, infos = venv.step(act)
        shaped, done, info = shaped + float(r[0]), bool(d[0]), infos[0]
    end = -venv.potential(info["terminal_observation"])
    assert shaped == pytest.approx(info["episode"]["r"] + start - end)


def test_agv_ppo__shared_policy_checkpoint_plays_any_robot_count_and_map(tmp_path: Path) -> None:
    import torch

    from routing_gym.agents.warehouse_agv import train_shared_policy

    torch.set_num_threads(1)
    model = train_shared_policy(256, n_envs=2, n_steps=64, hidden=16, **TINY)
    model.save(tmp_path / "shared.zip")
    for i in (WarehouseGenerator(**{**TINY, "num_robots": 2})(np.random.default_rng(1)),
              WarehouseGenerator(num_robots=5)(np.random.default_rng(1))):
        for spec in (f"agv-ppo:path={tmp_path / 'shared.zip'}", f"agv-ppo:path={tmp_path / 'shared.zip'}:samples=2"):
            r = make_solver(spec)(i)
            assert (r.ok and replay(None, i, r.solution).feasible) or "off their goals" in r.message, r.message
    with pytest.raises(Exception, match="samples must be an integer >= 0"):
        make_solver(f"agv-ppo:path={tmp_path / 'shared.zip'}:samples=-1")
    with pytest.raises(Exception, match="give path or shipped=true, not both"):
        make_solver(f"agv-ppo:path={tmp_path / 'shared.zip'}:shipped=true")


def test_agv_ppo__shipped_policy_brings_two_robots_home_at_the_cbs_optimum() -> None:
    i = inst(["......", ".##.#.", "......"], [[0, 0], [2, 5]], [[2, 0], [0, 5]], horizon=30)
    r = make_solver("agv-ppo:shipped=true")(i)
    assert r.ok, r.message
    assert replay(None, i, r.solution).cost == replay(None, i, make_solver("cbs")(i).solution).cost == 4.0


# --- POGEMA (optional: installed beside the venv, see benchmarks/warehouse_pogema.py) ----------------
def test_pogema__its_instances_plan_here_and_its_metric_gives_our_sum_of_costs() -> None:
    import importlib.util

    pytest.importorskip("pogema", reason="pogema is not installed (it pins gymnasium 0.28; see benchmarks/warehouse_pogema.py)")
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "warehouse_pogema.py"
    spec = importlib.util.spec_from_file_location("warehouse_pogema", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.same_instances(agents=4, size=8, density=0.2, n=2, steps=48, specs=["prioritized", "cbs:time_limit=10"])
    assert all(r["success"] == 1.0 and r["equal"] for r in rows), rows
    assert rows[1]["ours"] <= rows[0]["ours"]  # CBS is optimal
