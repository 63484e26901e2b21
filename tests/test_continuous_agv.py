"""ContinuousAGV-v0: instance errors, the physics against hand-computed values, episode ends (reach,
collision, step cap as truncation), evaluate by replay, a moving target, shaping, pure-pursuit and compare."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.envs import replay
from routing_gym.envs.continuous_agv import physics
from routing_gym.envs.continuous_agv.generator import FloorGenerator
from routing_gym.envs.continuous_agv.problem import TINY
from routing_gym.envs.continuous_agv.types import (ContinuousAGVInstance, evaluate_continuous_agv,
                                                   metrics_continuous_agv, stack_instances)
from routing_gym.errors import InstanceError

ENV_ID = "routing_gym/ContinuousAGV-v0"


def corridor(**kw: object) -> ContinuousAGVInstance:
    """A 10 x 4 m floor, one shelf at x in [6, 7] (y in [0, 1.5]), the robot at (1, 2) facing +x, goal at (5, 2)."""
    base = dict(rects=[[6.0, 0.0, 7.0, 1.5]], rect_kinds=[0], start=[1.0, 2.0, 0.0], goal=[5.0, 2.0],
                width=10.0, height=4.0, max_steps=500, num_rays=4, ray_range=20.0)
    return ContinuousAGVInstance(**{**base, **kw})


def drive(env: gym.Env, action: list[float], limit: int = 10_000) -> tuple[float, bool, bool, dict]:
    total = 0.0
    for _ in range(limit):
        _, r, term, trunc, info = env.step(np.array(action, dtype=np.float32))
        total += r
        if term or trunc:
            return total, term, trunc, info
    raise AssertionError("no end")


# --- instances ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kw", "match"), [
    ({"goal": [6.5, 1.0]}, r"goal: the point \(6.5, 1\) lies inside shelf 0"),
    ({"goal": [11.0, 1.0]}, r"goal: .* off the 10 x 4 floor"),
    ({"start": [6.2, 1.7, 0.0]}, r"start: the robot .* overlaps shelf 0"),
    ({"start": [0.1, 2.0, 0.0]}, r"start: the robot .* does not fit"),
    ({"goal_end": [8.0, 1.0], "target_speed": 0.5}, r"goal_end: the target's segment .* lies inside shelf 0"),
    ({"target_speed": 1.0}, r"target_speed: 1 must be below v_max 1"),
    ({"dt": 0.5}, r"v_max \* dt"),
    ({"rects": [[2.0, 1.0, 1.0, 3.0]]}, r"rects: rectangle 0 .* is empty"),
    ({"rects": [[9.0, 1.0, 11.0, 3.0]]}, r"rects: rectangle 0 .* leaves the 10 x 4 floor"),
    ({"rect_kinds": [2]}, r"rect_kinds: expected 0 \(shelf\) or 1 \(obstacle\), got 2"),
    ({"max_steps": 0}, r"max_steps"),
    ({"num_rays": 2.0}, r"num_rays: expected an integer"),
    ({"width": float("nan")}, r"width: expected a finite number"),
])
def test_instance__bad_fields_raise_naming_them(kw: dict, match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        corridor(**kw)


@pytest.mark.parametrize(("kw", "match"), [
    ({"shelf_cols": 3, "shelf_length": 2.5, "width": 8.0}, r"shelf_cols: 3 shelf block\(s\) of 2.5 m .* the robot needs 0.8 m"),
    ({"num_obstacles": -1}, r"num_obstacles: expected an integer >= 0"),
    ({"obstacle_size": 0.1}, r"obstacle_size"),
    ({"width": "8"}, r"width: expected a finite number"),
    ({"target_speed": 2.0}, r"target_speed: 2 must be below v_max"),
])
def test_generator__malformed_parameters_raise(kw: dict, match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        FloorGenerator(**kw)


def test_generator__instances_are_seeded_and_placeable() -> None:
    gen = FloorGenerator(target_speed=0.5)
    a, b = gen(np.random.default_rng(3)), gen(np.random.default_rng(3))
    assert np.array_equal(a.start, b.start) and np.array_equal(a.goal_end, b.goal_end)
    assert np.hypot(*(a.start[:2] - a.goal)) >= np.hypot(16, 12) / 3
    assert len(a.rects) == 6 + 4 and (a.rect_kinds == [0] * 6 + [1] * 4).all()
    moving = [gen(np.random.default_rng(i)).moving for i in range(10)]
    assert sum(moving) >= 8  # a free segment is found almost always on the default floor


# --- physics -------------------------------------------------------------------------------------------


def test_physics__straight_line_with_acceleration_limit() -> None:
    inst = corridor(goal=[9.0, 3.5])
    env = gym.make(ENV_ID, instance=inst).unwrapped
    env.reset()
    for _ in range(10):
        env.step(np.array([1.0, 0.0], np.float32))
    # v rises by max_accel * dt = 0.2 per step to 1.0 at step 5: x = 1 + 0.1 * (0.2 + 0.4 + 0.6 + 0.8 + 1.0 + 5 * 1.0)
    assert env.kernel.pose[0] == pytest.approx([1.0 + 0.1 * 8.0, 2.0, 0.0], abs=1e-12)
    assert env.kernel.vel[0] == pytest.approx([1.0, 0.0])


def test_physics__turning_in_place_keeps_the_position() -> None:
    env = gym.make(ENV_ID, instance=corridor()).unwrapped
    env.reset()
    for _ in range(5):
        env.step(np.array([0.0, 1.0], np.float32))
    # omega rises by 0.6 per step to 2.0 (w_max): theta = 0.1 * (0.6 + 1.2 + 1.8 + 2.0 + 2.0)
    assert env.kernel.pose[0] == pytest.approx([1.0, 2.0, 0.76], abs=1e-12)


def test_rays__distances_to_walls_and_a_shelf() -> None:
    env = gym.make(ENV_ID, instance=corridor(start=[6.5, 2.5, 0.0], goal=[1.0, 1.0])).unwrapped
    obs, _ = env.reset()
    # rays ahead (+x), left (+y), behind (-x), right (-y): walls at 3.5, 1.5, 6.5; the shelf's top at 1.0
    assert obs["rays"] * 20.0 == pytest.approx([3.5, 1.5, 6.5, 1.0], abs=1e-6)


def test_observation__goal_in_the_robot_frame() -> None:
    env = gym.make(ENV_ID, instance=corridor(start=[1.0, 2.0, math.pi / 2])).unwrapped
    obs, _ = env.reset()
    diag = math.hypot(10, 4)
    # the goal 4 m along +x is 4 m to the robot's right when it faces +y
    assert obs["goal"] == pytest.approx([0.0, -4.0 / diag, 4.0 / diag], abs=1e-6)


def test_moving_target__goes_back_and_forth() -> None:
    inst = corridor(goal=[2.0, 3.0], goal_end=[4.0, 3.0], target_speed=0.5)
    p = stack_instances([inst])
    at = lambda t: physics.target_position(np.array([t]), p)[0]  # noqa: E731
    assert at(0) == pytest.approx([2.0, 3.0]) and at(20) == pytest.approx([3.0, 3.0])
    assert at(40) == pytest.approx([4.0, 3.0]) and at(60) == pytest.approx([3.0, 3.0]) and at(80) == pytest.approx([2.0, 3.0])


# --- episodes and evaluate ------------------------------------------------------------------------------


def test_episode__reaching_the_goal_terminates_with_the_reward() -> None:
    inst = corridor()
    env = gym.make(ENV_ID, instance=inst)
    env.reset()
    total, term, trunc, info = drive(env, [1.0, 0.0])
    assert term and not trunc and total == 1.0 and info["outcome"] == "reached" and info["cost"] == -1.0
    assert evaluate_continuous_agv(inst, info["solution"]).cost == -1.0
    m = metrics_continuous_agv(inst, info["solution"])
    assert m["success"] == 1.0 and m["steps"] == info["steps"] and 3.5 < m["path_length"] < 3.7


def test_episode__collision_terminates_with_the_penalty() -> None:
    inst = corridor(start=[1.0, 1.0, 0.0], goal=[1.0, 3.5])
    env = gym.make(ENV_ID, instance=inst)
    env.reset()
    total, term, trunc, info = drive(env, [1.0, 0.0])  # into the shelf at x = 6
    assert term and not trunc and total == -1.0 and info["outcome"] == "collided"
    assert 5.69 <= env.unwrapped.kernel.pose[0, 0] < 5.7 + 0.1  # the disc (radius 0.3) touched x = 6
    assert evaluate_continuous_agv(inst, info["solution"]).cost == 1.0


def test_episode__step_cap_truncates_with_a_solution() -> None:
    inst = corridor(max_steps=30)
    env = gym.make(ENV_ID, instance=inst)
    env.reset()
    total, term, trunc, info = drive(env, [0.0, 0.0])
    assert trunc and not term and total == 0.0 and info["outcome"] == "timeout" and info["steps"] == 30
    assert evaluate_continuous_agv(inst, info["solution"]) == (0.0, True, None)
    assert replay(ENV_ID, inst, info["solution"]).feasible
    venv = gym.make_vec(ENV_ID, 2, vectorization_mode="vector_entry_point", instance=inst)
    venv.reset(seed=0)
    for _ in range(30):
        _, _, term_v, trunc_v, vinfo = venv.step(np.zeros((2, 2), np.float32))
    assert trunc_v.all() and not term_v.any() and vinfo["final_info"]["_solution"].all()


def test_sb3_adapter__step_cap_is_a_time_limit_truncation() -> None:
    from routing_gym.agents.vec_env import RoutingSB3VecEnv

    inst = corridor(max_steps=5)
    sb3 = RoutingSB3VecEnv(gym.make_vec(ENV_ID, 2, vectorization_mode="vector_entry_point", instance=inst))
    sb3.reset()
    for _ in range(5):
        _, _, dones, infos = sb3.step(np.zeros((2, 2), np.float32))
    assert dones.all() and all(i["TimeLimit.truncated"] for i in infos)


@pytest.mark.parametrize(("solution", "match"), [
    ([[1.0, 0.0]] * 3, "has not ended"),
    ([[0.0, 0.0]] * 31, "ended \\(timeout\\) at step 30"),
    ([[1.5, 0.0]], "outside"),
    ([[float("nan"), 0.0]], "outside"),
    ([1.0, 0.0], "shape"),
    ("fast", "list of"),
    ([], "shape"),
])
def test_evaluate__bad_action_sequences_are_infeasible(solution: object, match: str) -> None:
    ev = evaluate_continuous_agv(corridor(max_steps=30), solution)
    assert not ev.feasible and math.isnan(ev.cost) and ev.violation is not None
    assert pytest.importorskip("re").search(match, ev.violation), ev.violation


def test_shaping__the_return_telescopes_to_the_progress() -> None:
    inst = corridor(shaping=0.5)
    env = gym.make(ENV_ID, instance=inst)
    env.reset()
    total, term, _, info = drive(env, [1.0, 0.0])
    d_end = env.unwrapped.kernel.dist[0]
    assert term and info["outcome"] == "reached" and total == pytest.approx(1.0 + 0.5 * (4.0 - d_end), abs=1e-9)
    assert evaluate_continuous_agv(inst, info["solution"]).cost == -total


def test_vector_env__random_play_is_judged_by_evaluate() -> None:
    gen = FloorGenerator(**{**TINY, "target_speed": 0.4})
    insts = [gen(np.random.default_rng(i)) for i in range(6)]
    venv = gym.make_vec(ENV_ID, 6, vectorization_mode="vector_entry_point", generator=gen)
    venv.reset(seed=0, options={"instances": insts})
    rng = np.random.default_rng(0)
    totals, live, checked = np.zeros(6), np.ones(6, bool), 0
    while live.any():
        _, r, term, trunc, info = venv.step(rng.uniform(-1, 1, (6, 2)).astype(np.float32))
        totals += np.where(live, r, 0.0)
        for i in np.flatnonzero((term | trunc) & live):
            ev = evaluate_continuous_agv(insts[i], info["final_info"]["solution"][i])
            assert ev.feasible and ev.cost == -totals[i] == info["final_info"]["cost"][i]
            live[i], checked = False, checked + 1
    assert checked == 6


# --- solvers and the harness ---------------------------------------------------------------------------


@pytest.mark.parametrize("target_speed", [0.0, 0.5])
def test_pure_pursuit__reaches_the_target_and_replays(target_speed: float) -> None:
    from routing_gym.baselines.base import make_solver

    solver = make_solver("pure-pursuit")
    gen = FloorGenerator(target_speed=target_speed)
    reached = 0
    for seed in range(3):
        inst = gen(np.random.default_rng(seed))
        result = solver(inst)
        assert result.ok, result.message
        verdict = replay(ENV_ID, inst, result.solution)
        assert verdict.feasible and verdict.cost == evaluate_continuous_agv(inst, result.solution).cost
        reached += verdict.cost == -1.0
    assert reached >= 2


def test_compare__pure_pursuit_on_continuous_agv(tmp_path: object) -> None:
    from routing_gym.compare import compare

    res = compare(ENV_ID, ["pure-pursuit"], num_instances=2, seed=0, progress=False, plots=False, isolate=False, **TINY)
    rows = [r for r in res.rows if r.solver == "pure-pursuit"]
    assert len(rows) == 2 and all(r.feasible for r in rows)
    assert all(r.cost in (-1.0, 0.0, 1.0) for r in rows)


def test_agent_path__a_ppo_checkpoint_plays_and_replays(tmp_path: object) -> None:
    """A plain SB3 PPO checkpoint (Box actions, no mask) is a solver through ``agent:path=...``."""
    sb3_policy = pytest.importorskip("routing_gym.baselines.sb3_policy")
    if not hasattr(sb3_policy, "is_sb3_checkpoint"):
        pytest.skip("agent:path= does not dispatch SB3 checkpoints in this tree")
    import torch
    from stable_baselines3 import PPO

    from routing_gym.agents.vec_env import make_vec_env
    from routing_gym.baselines.base import make_solver

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        kw = {**TINY, "max_steps": 60}
        model = PPO("MultiInputPolicy", make_vec_env(ENV_ID, 2, seed=0, **kw), n_steps=32, batch_size=64, n_epochs=1,
                    seed=0, device="cpu")
        model.learn(64)
        path = tmp_path / "ppo.zip"
        model.save(str(path))
        inst = FloorGenerator(**kw)(np.random.default_rng(0))
        result = make_solver(f"agent:path={path}")(inst)
    finally:
        torch.set_num_threads(threads)
    assert result.ok, result.message
    verdict = replay(ENV_ID, inst, result.solution)
    assert verdict.feasible and verdict.cost == evaluate_continuous_agv(inst, result.solution).cost
    other = FloorGenerator()(np.random.default_rng(0))  # 16 rays: another observation space
    failed = make_solver(f"agent:path={path}")(other)
    assert not failed.ok and "observation_space" in failed.message
