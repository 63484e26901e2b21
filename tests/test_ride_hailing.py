"""RideHailing-v0: kernel dynamics on hand-made days, evaluate, generator, loaders, metrics and solvers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.envs import replay
from routing_gym.envs.ride_hailing.generator import RideHailingGenerator
from routing_gym.envs.ride_hailing.io import load_amod, load_trips
from routing_gym.envs.ride_hailing.kernel import RideHailingKernel
from routing_gym.envs.ride_hailing.types import RideHailingInstance, day_metrics, evaluate_ride_hailing
from routing_gym.errors import InstanceError

ENV_ID = "routing_gym/RideHailing-v0"
TINY = {"num_cells": 6, "num_drivers": 4, "num_ticks": 24, "tick_minutes": 60.0, "orders_per_day": 40.0,
        "minutes_per_cell": 40.0, "window": 1, "max_pickup": 1, "reposition_period": 2}


def line_day(**changes: object) -> RideHailingInstance:
    """Three cells on a line (0 - 1 - 2, one tick apart), one driver on line ticks 0..5 at cell 0.

    Order 0: tick 0, 0 -> 2, 2 ticks, fare 10. Order 1: tick 1, 1 -> 0, fare 4, window to tick 2.
    Order 2: tick 3, 2 -> 2, fare 3, deadline 3.
    """
    fields = dict(
        cell_xy=[[0, 0], [1, 0], [2, 0]], travel_time=[[0, 1, 2], [1, 0, 1], [2, 1, 0]],
        adjacency=[[0, 1, 0], [1, 0, 1], [0, 1, 0]],
        order_arrival=[0, 1, 3], order_deadline=[0, 2, 3], order_pickup=[0, 1, 2], order_dropoff=[2, 0, 2],
        order_duration=[2, 1, 1], order_fare=[10.0, 4.0, 3.0], order_cancel_draw=[0.5, 0.5, 0.5],
        driver_on=[0], driver_off=[6], driver_home=[0], num_ticks=6, max_pickup=1, reposition_period=0)
    fields.update(changes)
    return RideHailingInstance(**fields)


def play(instance: RideHailingInstance, actions: list[int]) -> tuple[float, dict, list[dict]]:
    env = gym.make(ENV_ID, instance=instance)
    obs, _ = env.reset()
    total, info, seen = 0.0, {}, [obs]
    for a in actions:
        obs, r, term, _, info = env.step(a)
        total += r
        seen.append(obs)
    assert term
    return total, info, seen


# --- the kernel on hand-made days ----------------------------------------------------------------------


def test_kernel__serving_an_order_pays_its_fare_and_moves_the_driver() -> None:
    day = line_day()
    # t0: order 0 from cell 0 (fare 10); the driver is busy until tick 2 (pickup 0 + 2), then at cell 2;
    # order 1 (pickup cell 1, window 1..2) becomes reachable at t2 from cell 2; order 2 at t3 has no driver.
    total, info, seen = play(day, [0, 2])
    assert total == 14.0 and info["solution"] == {"matches": [[0, 0, 0], [1, 2, 2]], "moves": []}
    assert info["answer_rate"] == pytest.approx(2 / 3)
    # busy ticks 0, 1 (trip) then 2, 3 (pickup 1 + trip 1): idle on ticks 4, 5 of 6
    assert info["idle_share"] == pytest.approx(2 / 6)
    assert evaluate_ride_hailing(day, info["solution"]).cost == 14.0
    assert seen[0]["action_mask"].tolist() == [1, 0, 0, 1]  # only cell 0 holds a driver within reach


def test_kernel__skipping_keeps_the_order_open_until_its_deadline() -> None:
    day = line_day(order_deadline=[1, 2, 3])
    total, info, _ = play(day, [3, 0, 2])  # skip order 0 at t0, serve it at t1, then order 1 ... not reachable
    assert info["solution"]["matches"][0] == [0, 0, 1]


def test_kernel__long_pickup_cancels_as_drawn() -> None:
    day = line_day(order_arrival=[0, 0, 3], order_deadline=[0, 0, 3], order_pickup=[1, 0, 2],
                   order_cancel_draw=[0.0, 0.5, 0.5], cancel_rate=10.0, cancel_grace=0)
    # order 0 needs a 1-tick pickup: cancel probability 1 - exp(-10) > draw 0.0: no fare, the driver waits at
    # cell 1 one tick; order 2 (t3, cell 2) is then offered to it and skipped
    total, info, _ = play(day, [0, 3])
    assert total == 0.0 and info["cancelled"] == 1.0 and info["answer_rate"] == 0.0
    assert evaluate_ride_hailing(day, info["solution"]) == (0.0, True, None)


def test_kernel__reposition_costs_and_moves_one_idle_driver() -> None:
    day = line_day(order_arrival=[4, 4, 5], order_deadline=[4, 4, 5], order_pickup=[2, 2, 2],
                   reposition_period=2, reposition_cost=0.5)
    env = gym.make(ENV_ID, instance=day).unwrapped
    obs, _ = env.reset()
    assert obs["clock"][2] == 1.0 and obs["action_mask"].tolist() == [0, 1, 0, 1]  # reposition at t0: cell 1 only
    _, r, *_ = env.step(1)
    assert r == -0.5
    sol = None
    while True:
        m = env.action_masks()
        a = int(np.flatnonzero(m[:-1])[0]) if m[:-1].any() else 3
        _, r, term, _, info = env.step(a)
        if term:
            sol = info["solution"]
            break
    assert sol["moves"][0] == [0, 1, 0]
    ev = evaluate_ride_hailing(day, sol)
    assert ev.feasible and math.isclose(ev.cost, -info["cost"])


def test_kernel__day_without_decisions_gets_one_closing_step() -> None:
    day = line_day(driver_on=[6], driver_off=[6])
    total, info, seen = play(day, [3])
    assert total == 0.0 and info["solution"] == {"matches": [], "moves": []}
    assert seen[0]["action_mask"].tolist() == [0, 0, 0, 1]


def test_kernel__rows_keep_playing_when_a_larger_day_grows_the_arrays() -> None:
    small, large = line_day(), RideHailingGenerator(**{**TINY, "num_cells": 3, "orders_per_day": 200.0})(
        np.random.default_rng(0))
    k = RideHailingKernel(2, 3)
    k.load(np.arange(2), RideHailingKernel.stack([small, small]))
    k.step(np.array([0, 0]))
    k.load(np.array([1]), RideHailingKernel.stack([large]))  # grows the order arrays while row 0 plays on
    single = RideHailingKernel(1, 3)
    single.load(np.zeros(1, dtype=np.int64), RideHailingKernel.stack([small]))
    single.step(np.array([0]))
    assert k.t[0] == single.t[0] and k.cur[0] == single.cur[0] and k.mask[0].tolist() == single.mask[0].tolist()
    assert k.step(np.array([2, 3]))[0][0] == single.step(np.array([2]))[0][0] == 4.0


# --- evaluate --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("solution", "why"), [
    ({"matches": [[0, 0, 0], [0, 0, 0]]}, "twice"),
    ({"matches": [[0, 0, 1]]}, "window"),
    ({"matches": [[1, 1, 1]]}, "no idle driver"),
    ({"matches": [[2, 0, 3]]}, "max_pickup"),
    ({"moves": [[0, 1, 0]]}, "repositioning tick"),
    ({"matches": [[0, 0, 0.0]]}, "three integers"),
    ({"routes": []}, "expected a dict"),
    ([[0, 0, 0]], "expected a dict"),
])
def test_evaluate__violations_are_named(solution: object, why: str) -> None:
    ev = evaluate_ride_hailing(line_day(), solution)
    assert not ev.feasible and why in ev.violation
    assert not replay(ENV_ID, line_day(), solution).feasible


def test_evaluate__move_to_a_non_neighbour_is_infeasible() -> None:
    day = line_day(reposition_period=2)
    ev = evaluate_ride_hailing(day, {"moves": [[0, 2, 0]]})
    assert not ev.feasible and "neighbour" in ev.violation


def test_instance__impossible_fields_raise_naming_them() -> None:
    with pytest.raises(InstanceError, match="order_deadline"):
        line_day(order_deadline=[0, 0, 3])
    with pytest.raises(InstanceError, match="order_arrival"):
        line_day(order_arrival=[3, 1, 0], order_deadline=[3, 2, 3])
    with pytest.raises(InstanceError, match="driver_off"):
        line_day(driver_on=[3], driver_off=[2])
    with pytest.raises(InstanceError, match="order_cancel_draw"):
        line_day(order_cancel_draw=[0.5, 1.0, 0.5])
    with pytest.raises(InstanceError, match="adjacency"):
        line_day(adjacency=[[0, 2, 0], [1, 0, 1], [0, 1, 0]])


# --- generator -------------------------------------------------------------------------------------------


def test_generator__days_have_commuter_peaks() -> None:
    gen = RideHailingGenerator()
    hours = np.concatenate([gen.hours()[gen(np.random.default_rng([9, i])).order_arrival] for i in range(3)])
    per_hour = np.bincount(hours.astype(int), minlength=24)
    assert per_hour[8] > 2 * per_hour[3] and per_hour[18] > 2 * per_hour[3]
    assert per_hour[8] > per_hour[12] and per_hour[18] > per_hour[12]


@pytest.mark.parametrize(("kwargs", "field"), [({"grid": "triangle"}, "grid"), ({"num_cells": 0}, "num_cells"),
                                               ({"tick_minutes": 0}, "tick_minutes"), ({"window": -1}, "window")])
def test_generator__bad_arguments_raise_naming_them(kwargs: dict, field: str) -> None:
    with pytest.raises(InstanceError, match=field):
        RideHailingGenerator(**kwargs)


def test_generator__hex_cells_have_six_neighbours_inside() -> None:
    _, _, adjacency, _ = RideHailingGenerator(num_cells=25, grid="hex").city()
    assert adjacency.sum(axis=1).max() == 6 and np.array_equal(adjacency, adjacency.T)


# --- solvers, metrics and the judge ---------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["greedy", "matching", "random", "value-matching:train_days=2:orders_per_day=40"])
def test_solvers__replay_to_evaluates_profit(spec: str) -> None:
    from routing_gym.baselines.base import make_solver

    day = RideHailingGenerator(**TINY)(np.random.default_rng(4))
    result = make_solver(spec)(day)
    assert result.ok, result.message
    verdict = replay(ENV_ID, day, result.solution)
    ev = evaluate_ride_hailing(day, result.solution)
    assert verdict.feasible and math.isclose(-verdict.cost, ev.cost)
    metrics = day_metrics(day, result.solution)
    assert metrics["decisions"] == len(verdict.actions) and 0 <= metrics["answer_rate"] <= 1


def test_matching__beats_nearest_driver_on_generated_days() -> None:
    from routing_gym.baselines.base import make_solver

    gen = RideHailingGenerator(num_ticks=96, tick_minutes=5.0, start_hour=6.0, orders_per_day=300.0)
    days = [gen(np.random.default_rng([5, i])) for i in range(3)]
    profit = {s: sum(evaluate_ride_hailing(d, make_solver(s)(d).solution).cost for d in days)
              for s in ("greedy", "matching")}
    assert profit["matching"] > profit["greedy"]


def test_value_matching__trains_on_other_days_than_the_test_day() -> None:
    from routing_gym.baselines.ride_hailing.solvers import training_days
    from routing_gym.compare import make_instances

    tests, _ = make_instances(ENV_ID, 3, 0, **TINY)
    train = training_days(tests[0], 3, 0, None, {k: v for k, v in TINY.items() if k == "orders_per_day"})
    for t in tests:
        for d in train:
            assert not np.array_equal(t.order_arrival, d.order_arrival) or not np.array_equal(t.order_fare, d.order_fare)


def test_value_table__is_the_fixed_point_of_its_transitions() -> None:
    from routing_gym.baselines.ride_hailing.dispatch import TickMatcher, expected_fare, play as play_day
    from routing_gym.baselines.ride_hailing.value import fit_table, transitions

    day = line_day()
    sol = play_day(day, TickMatcher(expected_fare))
    table = fit_table([(day, sol)], 3, 6, 1, 1.0)
    # one driver; from its last idle tick (5, cell 2) the day ends: value 0; at (0, cell 0) it earns 14 in all
    assert table.at(0, 0) == pytest.approx(14.0) and table.at(5, 2) == 0.0
    t, c, r, *_ = transitions(day, sol)
    assert r.sum() == 14.0 and len(t) == 6 - 4 + 2  # two idle ticks and two trips


# --- loaders -----------------------------------------------------------------------------------------------


def write_scenario(path: Path, **changes: object) -> Path:
    data = {"nlat": 2, "nlon": 1,
            "demand": [{"time_stamp": 480 + m, "origin": m % 2, "destination": (m + 1) % 2, "demand": 2.0,
                        "travel_time": 7, "price": 12.5} for m in range(30)],
            "totalAcc": [{"hour": 8, "acc": 5}],
            "rebTime": [{"time_stamp": 8, "origin": a, "destination": b, "reb_time": 5.0}
                        for a in range(2) for b in range(2) if a != b],
            "topology_graph": [{"i": 0, "j": 1}]}
    data.update(changes)
    path.write_text(json.dumps(data))
    return path


def test_load_amod__synthetic_scenario_plays(tmp_path: Path) -> None:
    from routing_gym.envs import load_instance

    day = load_instance(write_scenario(tmp_path / "scenario_test.json"), seed=3)
    assert day.num_cells == 2 and day.num_drivers == 5 and day.num_ticks == 10
    assert day.travel_time[0, 1] == 2 and day.order_duration.min() == 3 and day.adjacency[1, 0]
    assert abs(day.num_orders - 60) < 30  # Poisson(2) per minute over 30 minutes
    other = load_amod(tmp_path / "scenario_test.json", seed=4)
    assert not np.array_equal(day.order_arrival, other.order_arrival)


@pytest.mark.parametrize(("changes", "match"), [
    ({"demand": "x"}, "demand"),
    ({"topology_graph": [{"i": 0, "j": 7}]}, "topology_graph"),
    ({"totalAcc": [{"hour": 8}]}, r"totalAcc\[0\]"),
])
def test_load_amod__malformed_scenarios_raise_naming_file_and_key(tmp_path: Path, changes: dict, match: str) -> None:
    path = write_scenario(tmp_path / "scenario_bad.json", **changes)
    with pytest.raises(InstanceError, match=match) as exc:
        load_amod(path)
    assert "scenario_bad" in str(exc.value)


def test_load_amod__missing_key_and_broken_json(tmp_path: Path) -> None:
    path = tmp_path / "scenario_cut.json"
    path.write_text(json.dumps({"nlat": 1, "nlon": 1, "demand": []}))
    with pytest.raises(InstanceError, match="scenario_cut.*totalAcc"):
        load_amod(path)
    path.write_text('{"nlat": 1, "nlon": 1, "demand": [')
    with pytest.raises(InstanceError, match="scenario_cut"):
        load_amod(path)


TRIPS = ("pickup,dropoff,passengers,distance,fare,pickup_zone,dropoff_zone\n"
         "2019-03-01 08:00:00,2019-03-01 08:20:00,1,2.0,12.0,A,B\n"
         "2019-03-01 08:05:00,2019-03-01 08:15:00,1,1.0,7.5,B,A\n"
         "2019-03-02 09:00:00,2019-03-02 09:30:00,1,3.0,20.0,A,C\n"
         "2019-03-02 09:10:00,2019-03-02 09:20:00,1,1.0,6.0,,A\n")


def test_load_trips__synthetic_table(tmp_path: Path) -> None:
    from routing_gym.envs import load_instance

    path = tmp_path / "trips.csv"
    path.write_text(TRIPS)
    day = load_instance(path, num_cells=3, num_drivers=2)
    assert day.num_orders == 3 and day.num_cells == 3  # the row without a zone is skipped
    assert day.order_arrival.tolist() == [48, 48, 54] and day.order_fare.tolist() == [12.0, 7.5, 20.0]
    assert load_trips(path, num_cells=3, num_drivers=2, date="2019-03-02").num_orders == 1


@pytest.mark.parametrize(("text", "match"), [
    (TRIPS.replace("fare,", "price,"), "misses column"),
    (TRIPS.replace("2019-03-01 08:05:00", "yesterday"), "row 3"),
    (TRIPS.replace("7.5", "seven"), "row 3: fare"),
])
def test_load_trips__malformed_tables_raise_naming_file_and_row(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad_trips.csv"
    path.write_text(text)
    with pytest.raises(InstanceError, match=match) as exc:
        load_trips(path)
    assert "bad_trips" in str(exc.value)


def test_load_amod__every_city_loads_and_rome_replays(shared_data: Path) -> None:
    from routing_gym.baselines.base import make_solver

    amod = shared_data / "ridehailing" / "amod_macro"
    if not amod.is_dir():
        pytest.skip("the amod_macro scenarios are not redistributed; set ROUTING_GYM_DATA to the shared data")
    cities = sorted(amod.glob("scenario_*.json"))
    assert len(cities) == 8
    for path in cities:
        day = load_amod(path)
        assert 10 <= day.num_cells <= 18 and day.num_orders > 100 and day.num_drivers > 50
    rome = load_amod(amod / "scenario_rome.json")
    result = make_solver("matching")(rome)
    verdict = replay(ENV_ID, rome, result.solution)
    assert verdict.feasible and -verdict.cost > 0


def test_load_trips__nyc_sample(shared_data: Path) -> None:
    path = shared_data / "ridehailing" / "nyc_taxis_2019-03.csv"
    if not path.is_file():
        pytest.skip("the NYC trip sample is not redistributed; set ROUTING_GYM_DATA to the shared data")
    day = load_trips(path, date="2019-03-08")
    assert day.num_cells == 16 and 100 < day.num_orders < 400


# --- agents ----------------------------------------------------------------------------------------------


def test_featurizer__cells_and_skip_are_nodes() -> None:
    import torch

    from routing_gym.agents.featurizers import featurizer_for

    env = gym.make(ENV_ID, **TINY)
    obs, _ = env.reset(seed=0)
    feat = featurizer_for(obs)
    inp = feat({k: torch.as_tensor(v)[None] for k, v in obs.items()})
    c = TINY["num_cells"]
    assert inp.features.shape == (1, c + 1, feat.node_dim)
    assert inp.mask[0].tolist() == obs["action_mask"].astype(bool).tolist() and inp.current.item() == c
    assert inp.features[0, c, -2] == 1.0 and inp.features[0, :c, -2].sum() == 0  # is_skip


def test_ppo__mlp_dispatcher_trains_and_plays_through_the_agent_spec(tmp_path: Path) -> None:
    from routing_gym.agents.ride_hailing import train_dispatcher
    from routing_gym.baselines.base import make_solver

    model = train_dispatcher(256, seed=0, n_envs=2, shaping=1.0, **TINY)
    path = tmp_path / "ride.zip"
    model.save(path)
    day = RideHailingGenerator(**TINY)(np.random.default_rng(7))
    result = make_solver(f"agent:path={path}")(day)
    assert result.ok, result.message
    assert replay(ENV_ID, day, result.solution).feasible
