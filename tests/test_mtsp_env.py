"""mTSP: instance validation, evaluation, generator, kernel/env, TSPLIB loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from routing_gym.envs.mtsp.env import MTSPEnv, MTSPVectorEnv
from routing_gym.envs.mtsp.generator import MTSPGenerator
from routing_gym.envs.mtsp.io import load_mtsplib
from routing_gym.envs.mtsp.kernel import MTSPKernel, exact_increments
from routing_gym.envs.mtsp.types import MTSPInstance, evaluate_mtsp
from routing_gym.errors import InstanceError, InvalidActionError

# Depot at the origin; cities 1, 2 east at x = 1, 2; city 3 north at y = 3.
PTS = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])


def small(objective: str = "minmax", **changes: Any) -> MTSPInstance:
    return MTSPInstance.from_coords(PTS, changes.pop("num_vehicles", 2), objective, **changes)


def play(env: Any, actions: list[int]) -> tuple[list[float], bool, dict[str, Any]]:
    rewards, term, info = [], False, {}
    for a in actions:
        _, r, term, _, info = env.step(a)
        rewards.append(r)
    return rewards, term, info


# --- the instance and evaluate ----------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_vehicles=0), r"num_vehicles: expected an integer >= 1, got 0"),
        (dict(num_vehicles=2.0), r"num_vehicles: expected an integer >= 1, got 2.0"),
        (dict(num_vehicles=True), r"num_vehicles: expected an integer >= 1, got True"),
        (dict(num_vehicles=4), r"num_vehicles: 4 vehicles need at least 4 cities .* got 3"),
        (dict(objective="max"), r"objective: expected one of \('sum', 'minmax'\), got 'max'"),
        (dict(distances=[[0.0]]), r"distances: an mTSP instance needs a depot and at least 1 city"),
        (dict(distances=[[0, -1], [1, 0]]), r"distances: negative distance -1"),
        (dict(coords=[[0, 0]]), r"coords: expected 4 rows"),
        (dict(edge_weight_type="EUC_3D"), r"edge_weight_type: unknown convention 'EUC_3D'"),
    ],
)
def test_mtsp_instance__bad_input_raises_instance_error(kwargs: dict[str, Any], match: str) -> None:
    base: dict[str, Any] = dict(distances=small().distances, num_vehicles=2, objective="sum")
    base.update(kwargs)
    with pytest.raises(InstanceError, match=match):
        MTSPInstance(**base)


def test_mtsp_instance__views() -> None:
    inst = small("sum", name="x")
    assert inst.num_cities == inst.num_nodes == 3 and not inst.is_integer
    assert inst.obs_scale == 3.0 and np.allclose(inst.obs_coords[3], [0, 1])
    assert inst.replace(objective="minmax").objective == "minmax" and "vehicles=2" in repr(inst)


def test_evaluate_mtsp__sum_and_minmax() -> None:
    routes = [[1, 2], [3]]  # lengths 4 and 6
    assert evaluate_mtsp(small("sum"), routes) == (10.0, True, None)
    assert evaluate_mtsp(small("minmax"), routes) == (6.0, True, None)
    assert evaluate_mtsp(small("minmax"), [[2, 1], [3]]).cost == 6.0


@pytest.mark.parametrize(
    "routes, match",
    [
        ([[1, 2, 3]], r"expected 2 routes \(one per vehicle\), got 1"),
        ([[1, 2, 3], []], r"route 1 is empty"),
        ([[1, 2], [3, 1]], r"city 1 visited 2 times"),
        ([[1], [3]], r"1 city\(ies\) not visited, e.g. city 2"),
        ([[1, 4], [3]], r"route 0: node 4 is not a city"),
        ("ab", r"not a list of routes"),
    ],
)
def test_evaluate_mtsp__names_the_violation(routes: Any, match: str) -> None:
    ev = evaluate_mtsp(small(), routes)
    assert not ev.feasible and ev.violation is not None
    assert __import__("re").search(match, ev.violation), ev.violation


# --- the generator -----------------------------------------------------------------
def test_mtsp_generator__deterministic_and_defaults() -> None:
    gen = MTSPGenerator()
    assert (gen.num_nodes, gen.num_vehicles, gen.objective) == (50, 5, "minmax")
    a, b = gen(np.random.default_rng(7)), gen(np.random.default_rng(7))
    assert np.array_equal(a.distances, b.distances) and a.num_vehicles == 5 and a.objective == "minmax"
    assert a.coords.min() >= 0 and a.coords.max() <= 1
    batch = MTSPGenerator(6, 2, "sum").sample(np.random.default_rng(0), 3)
    assert batch["distances"].shape == (3, 7, 7) and not batch["minmax"].any()


@pytest.mark.parametrize(
    "kwargs, field",
    [(dict(num_nodes=0), "num_nodes"), (dict(num_nodes=5.0), "num_nodes"), (dict(num_vehicles=0), "num_vehicles"),
     (dict(num_nodes=3, num_vehicles=4), "num_vehicles"), (dict(objective="avg"), "objective")],
)
def test_mtsp_generator__bad_parameters(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InstanceError, match=field):
        MTSPGenerator(**kwargs)


# --- the environment ----------------------------------------------------------------
@pytest.mark.parametrize("objective", ["sum", "minmax"])
def test_mtsp_env__passes_gymnasium_check_env(objective: str) -> None:
    check_env(MTSPEnv(num_nodes=8, num_vehicles=3, objective=objective), skip_render_check=True)


@pytest.mark.parametrize("objective", ["sum", "minmax"])
def test_mtsp_env__random_masked_play_matches_evaluate_exactly(objective: str) -> None:
    env = MTSPEnv(num_nodes=13, num_vehicles=4, objective=objective)
    rng = np.random.default_rng(3)
    for seed in range(40):
        obs, _ = env.reset(seed=seed)
        total, steps, term, info = 0.0, 0, False, {}
        while not term:
            assert env.observation_space.contains(obs)
            obs, r, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
            total, steps = total + r, steps + 1
            assert not info["invalid_action"] and not trunc and r <= 0
        ev = evaluate_mtsp(env.instance, info["solution"])
        assert ev.feasible, ev.violation
        assert steps == 13 + 4 - 1 and len(info["solution"]) == 4
        assert -total == ev.cost == info["cost"]


def test_mtsp_env__minmax_rewards_pay_only_the_growth_of_the_longest_route() -> None:
    env = MTSPEnv(instance=small("minmax"))
    env.reset()
    rewards, term, info = play(env, [1, 2, 0, 3])  # route lengths 4 and 6
    assert rewards == [-1.0, -1.0, -2.0, -2.0] and term and info["cost"] == 6.0 and info["solution"] == [[1, 2], [3]]
    env.reset()
    rewards, *_ = play(env, [3, 0, 1, 2])  # 6 first: the second route (4) costs nothing
    assert rewards == [-3.0, -3.0, 0.0, 0.0]
    env = MTSPEnv(instance=small("sum"))
    env.reset()
    assert play(env, [1, 2, 0, 3])[0] == [-1.0, -1.0, -2.0, -6.0]


def test_mtsp_env__mask_keeps_one_city_per_vehicle_left() -> None:
    env = MTSPEnv(instance=small())
    obs, _ = env.reset()
    assert obs["action_mask"].tolist() == [0, 1, 1, 1]  # an empty route cannot close
    obs, *_ = env.step(1)
    assert obs["action_mask"].tolist() == [1, 0, 1, 1]
    obs, *_ = env.step(2)
    assert obs["action_mask"].tolist() == [1, 0, 0, 0]  # city 3 is the second vehicle's
    obs, *_ = env.step(0)
    assert obs["action_mask"].tolist() == [0, 0, 0, 1]  # the last vehicle cannot close early
    assert obs["vehicles"].tolist() == [0.5, 0.5] and obs["max_route_length"][0] == pytest.approx(4 / 3)


def test_exact_increments__land_on_the_value() -> None:
    rng = np.random.default_rng(0)
    cost = rng.random(10_000) * rng.choice([1e-3, 1.0, 1e3], 10_000)
    value = cost + rng.random(10_000) * rng.choice([1e-9, 1.0, 1e6], 10_000)
    inc = exact_increments(cost, value)
    assert np.array_equal(cost + inc, value) and (inc >= 0).all()


def test_mtsp_env__masked_action_penalty_and_raise() -> None:
    env = MTSPEnv(instance=small())
    env.reset()
    _, r, term, _, info = env.step(0)
    assert term and info["invalid_action"] and r == -((3 + 2) * np.hypot(2, 3) + 1.0) and "solution" not in info
    env = MTSPEnv(instance=small(), invalid_action="raise")
    env.reset()
    with pytest.raises(InvalidActionError):
        env.step(0)
    with pytest.raises(InvalidActionError):
        env.step(4)


def test_mtsp_env__fixed_instance_reset_option_and_size_check() -> None:
    env = MTSPEnv(num_nodes=3, num_vehicles=2)
    env.reset(options={"instance": small("sum")})
    rewards, term, info = play(env, [3, 0, 2, 1])
    assert term and -sum(rewards) == 10.0 and info["solution"] == [[3], [2, 1]]
    with pytest.raises(InstanceError):
        env.reset(options={"instance": MTSPGenerator(5, 2)(np.random.default_rng(0))})
    with pytest.raises(InstanceError):
        MTSPEnv(num_nodes=3, num_vehicles=2, generator=MTSPGenerator(3, 2))


def test_mtsp_env__renders() -> None:
    env = MTSPEnv(num_nodes=6, num_vehicles=2, render_mode="ansi")
    env.reset(seed=0)
    env.step(int(np.flatnonzero(env.action_masks())[0]))
    text = env.render()
    assert text.startswith("mTSP6 visited 1/6 vehicle 1/2 max=") and "vehicle 0: 0 -> " in text
    env = MTSPEnv(num_nodes=6, num_vehicles=2, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8


def test_mtsp_kernel__state_snapshot_roundtrip() -> None:
    env = MTSPEnv(num_nodes=10, num_vehicles=3)
    obs, _ = env.reset(seed=2)
    env.step(int(np.flatnonzero(obs["action_mask"])[0]))
    snap = env.get_state()
    before = env.kernel.observe(0)
    env.step(int(np.flatnonzero(env.action_masks())[-1]))
    env.set_state(snap)
    after = env.kernel.observe(0)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_mtsp_vector_env__agrees_with_single_envs() -> None:
    instances = [MTSPGenerator(9, m, obj)(np.random.default_rng(s))
                 for s, (m, obj) in enumerate([(2, "sum"), (3, "minmax"), (1, "minmax"), (9, "sum")])]
    venv = MTSPVectorEnv(4, num_nodes=9, num_vehicles=2)
    vobs, _ = venv.reset(seed=0, options={"instances": instances})
    singles = [MTSPEnv(instance=inst) for inst in instances]
    sobs = [e.reset()[0] for e in singles]
    rng = np.random.default_rng(1)
    done = np.zeros(4, dtype=bool)
    for _ in range(2 * 9):
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
                assert vinfo["final_info"]["solution"][i] == info["solution"]
    assert done.all()


# --- files and the registry ------------------------------------------------------------
def test_load_mtsplib__tsplib_file_with_depot_first(shared_data: Path) -> None:
    path = shared_data / "tsplib" / "eil51.tsp"
    if not path.is_file():
        pytest.skip(f"no {path}")
    inst = load_mtsplib(path, 5, "minmax")
    assert inst.num_cities == 50 and inst.num_vehicles == 5 and inst.is_integer and inst.name == "eil51-m5-minmax"
    with pytest.raises(InstanceError, match=r"eil51.tsp: num_vehicles: 60 vehicles need at least 60 cities"):
        load_mtsplib(path, 60)
    with pytest.raises(FileNotFoundError):
        load_mtsplib(path.with_name("nope.tsp"), 2)


def test_mtsp_problem__declaration() -> None:
    from routing_gym.envs.mtsp.problem import PROBLEM

    inst = PROBLEM.tiny_instance()
    assert isinstance(inst, MTSPInstance) and (inst.num_cities, inst.num_vehicles) == (8, 2)
    routes = [[1, 2], [3], [4, 5]]
    variant = PROBLEM.solution_variant(routes, np.random.default_rng(0))
    assert sorted(sorted(r) for r in variant) == sorted(sorted(r) for r in routes)
    assert PROBLEM.envs[0].id == "routing_gym/MTSP-v0" and PROBLEM.kernel_type is MTSPKernel
