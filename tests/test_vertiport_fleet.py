"""VertiportFleet-v0: instance checks, generator errors, battery, masks, evaluate against the env, rules."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import routing_gym  # noqa: F401 - registers the ids
from routing_gym.baselines.vertiport_fleet.rules import greedy_rule, play_rule, random_rule
from routing_gym.envs.vertiport_fleet.generator import SMALL, VertiportGenerator
from routing_gym.envs.vertiport_fleet.graph import feature_sizes, graph_view
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel
from routing_gym.envs.vertiport_fleet.types import VertiportInstance, day_figures, evaluate_vertiport_fleet
from routing_gym.errors import ConfigError, InstanceError

ENV_ID = "routing_gym/VertiportFleet-v0"


def hand_instance(t: int = 12, num_aircraft: int = 1, **changes: Any) -> VertiportInstance:
    """Three vertiports on a line 0 -- 1 -- 2 (40 km apart), 1 kWh/km, 100 kWh battery, 10 kWh reserve,
    25 kWh per charging step; two passengers 0 -> 1 at step 0; everything open and up."""
    v = 3
    coords = np.array([[0.0, 0.0], [40.0, 0.0], [80.0, 0.0]])
    dist = np.abs(coords[:, None, 0] - coords[None, :, 0])
    demand = np.zeros((t, v, v))
    demand[0, 0, 1] = 2
    fields = dict(coords=coords, distances=dist, flight_steps=np.where(dist > 0, 1 + dist // 41, 0),
                  parking=np.full(v, 3), chargers=np.full(v, 1), fares=np.where(dist > 0, 100.0, 0.0),
                  demand=demand, demand_rate=demand.copy(), takeoff_delay=np.zeros((t, v)),
                  closed=np.zeros((t, v, v)), down=np.zeros((t, num_aircraft)), start=np.zeros(num_aircraft),
                  soc0=np.full(num_aircraft, 60.0), seats=np.full(num_aircraft, 4), horizon=t, battery_kwh=100.0,
                  reserve_kwh=10.0, kwh_per_km=1.0, charge_kwh=25.0, energy_price=0.5, operating_cost_per_km=1.0,
                  max_wait=2)
    fields.update(changes)
    return VertiportInstance(**fields)


def reset(instance: VertiportInstance) -> Any:
    env = gym.make(ENV_ID, instance=instance).unwrapped
    env.reset()
    return env


# --- instance and generator errors -----------------------------------------------------------


def test_instance__more_aircraft_at_a_vertiport_than_parking_raises() -> None:
    with pytest.raises(InstanceError, match=r"start: 4 aircraft start at vertiport 0, which has 3 parking places"):
        hand_instance(num_aircraft=4)


def test_instance__chargers_above_parking_raise() -> None:
    with pytest.raises(InstanceError, match="chargers: vertiport 1 has 4 chargers but only 3 parking places"):
        hand_instance(chargers=np.array([1, 4, 1]))


def test_instance__charge_above_battery_and_reserve_above_battery_raise() -> None:
    with pytest.raises(InstanceError, match="soc0: aircraft 0 holds 120 kWh"):
        hand_instance(soc0=np.array([120.0]))
    with pytest.raises(InstanceError, match="reserve_kwh"):
        hand_instance(reserve_kwh=100.0)


def test_instance__zero_flight_time_raises() -> None:
    with pytest.raises(InstanceError, match=r"flight_steps: route 0 -> 1 takes 0 steps"):
        hand_instance(flight_steps=np.array([[0, 0, 2], [1, 0, 1], [2, 1, 0]]))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"num_aircraft": 65}, r"num_aircraft: 65 aircraft do not fit in 8 vertiports x 8 parking places"),
    ({"range_km": 0}, r"range_km: expected a number > 0, got 0"),
    ({"chargers": 9}, r"chargers: 9 chargers per vertiport exceed its 8 parking places"),
    ({"num_vertiports": 1}, r"num_vertiports: expected an integer >= 2"),
    ({"horizon_hours": 0.01}, r"horizon_hours: 0.01 h is shorter than one step"),
    ({"delay_prob": 1.5}, r"delay_prob"),
    ({"reopen_rate": 0.0}, r"reopen_rate: 0 with closure_rate > 0"),
    ({"seats": 0}, r"seats: expected an integer >= 1"),
])
def test_generator__impossible_parameters_raise_config_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        VertiportGenerator(**kwargs)
    with pytest.raises(ConfigError, match=message):
        gym.make(ENV_ID, **kwargs)


def test_generator__defaults_are_the_seed_setting_and_draws_are_in_the_instance() -> None:
    inst = VertiportGenerator()(np.random.default_rng(0))
    assert (inst.num_vertiports, inst.num_aircraft, inst.horizon, inst.step_minutes) == (8, 40, 144, 5.0)
    again = VertiportGenerator()(np.random.default_rng(0))
    for name in ("demand", "takeoff_delay", "closed", "down"):
        assert np.array_equal(getattr(inst, name), getattr(again, name))
    rate = inst.demand_rate.sum(axis=(1, 2))
    hours = 6.0 + (np.arange(144) + 0.5) / 12
    assert rate[np.argmin(abs(hours - 8.0))] > 2 * rate[np.argmin(abs(hours - 12.5))]  # morning peak
    assert rate[np.argmin(abs(hours - 17.0))] > 2 * rate[np.argmin(abs(hours - 12.5))]  # evening peak
    assert np.array_equal(inst.closed, np.swapaxes(inst.closed, 1, 2))  # weather closes both directions


# --- battery ---------------------------------------------------------------------------------------


def test_battery__drains_by_distance_persists_and_binds_until_charged() -> None:
    env = reset(hand_instance())
    k = env.kernel
    assert env.action_masks().tolist() == [True, True, False]  # 80 km needs 80 + 10 kWh, it holds 60
    _, r, *_ = env.step(1)  # 0 -> 1: 40 kWh, carries the two passengers
    assert math.isclose(r, 2 * 100.0 - (0.5 * 40 + 1.0 * 40))
    assert k.soc[0, 0] == 20.0  # not reset after the decision
    _, r, *_ = env.step(1)  # landed at step 1 (40 km = 1 step): charged 0 so far, wait
    assert k.clock[0] == 2 and r == 0.0
    assert k.soc[0, 0] == 45.0  # one charging step (at step 1)
    assert not env.action_masks()[0]  # 45 - 40 < 10 reserve: still cannot fly back
    env.step(1)
    assert k.soc[0, 0] == 70.0 and env.action_masks()[0]  # charged enough: the route opens


def test_battery__chargers_serve_the_lowest_charge_first() -> None:
    inst = hand_instance(num_aircraft=2, soc0=np.array([80.0, 30.0]))
    env = reset(inst)
    env.step(0)  # aircraft 0 waits
    env.step(0)  # aircraft 1 waits; step 0 charges: one charger, aircraft 1 is lower
    assert env.kernel.soc[0].tolist() == [80.0, 55.0]


# --- masks ------------------------------------------------------------------------------------------


def test_mask__closed_route_and_down_aircraft() -> None:
    closed = np.zeros((12, 3, 3))
    closed[0, 0, 1] = 1
    assert reset(hand_instance(closed=closed)).action_masks().tolist() == [True, False, False]
    down = np.zeros((12, 1))
    down[0, 0] = 1
    assert reset(hand_instance(down=down, soc0=np.array([100.0]))).action_masks().tolist() == [True, False, False]


def test_mask__parking_counts_inbound_aircraft() -> None:
    inst = hand_instance(num_aircraft=2, parking=np.array([3, 1, 1]), chargers=np.array([1, 1, 1]),
                         soc0=np.array([100.0, 100.0]))
    env = reset(inst)
    assert env.action_masks().tolist() == [True, True, True]
    env.step(1)  # aircraft 0 takes off for vertiport 1 (one place)
    assert env.kernel.actor[0] == 1
    assert env.action_masks().tolist() == [True, False, True]  # its place is taken by the inbound aircraft


def test_mask__needed_charger_counts_inbound_aircraft() -> None:
    # aircraft 1 would land at 1 with 20 kWh: below 10 + 40 it must charge; the single charger goes to aircraft 0
    inst = hand_instance(num_aircraft=2, soc0=np.array([100.0, 60.0]))
    env = reset(inst)
    env.step(1)
    assert env.action_masks().tolist() == [True, False, False]
    again = reset(inst.replace(chargers=np.array([1, 2, 1])))
    again.step(1)
    assert again.action_masks().tolist() == [True, True, False]


def test_mask__random_play_always_admits_an_action_and_waiting() -> None:
    env = gym.make(ENV_ID, **SMALL).unwrapped
    rng = np.random.default_rng(0)
    for seed in range(3):
        env.reset(seed=seed)
        k = env.kernel
        while not k.done[0]:
            mask = env.action_masks()
            assert mask[k.loc[0, k.actor[0]]]  # waiting is always admitted
            env.step(int(rng.choice(np.flatnonzero(mask))))


# --- evaluate against the environment ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_evaluate__equals_summed_reward_and_metrics_match_the_env(seed: int) -> None:
    env = gym.make(ENV_ID, **SMALL)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    base = env.unwrapped
    total = 0.0
    while True:
        a = int(rng.choice(np.flatnonzero(base.action_masks())))
        _, r, term, _, info = env.step(a)
        total += r
        if term:
            break
    ev = evaluate_vertiport_fleet(base.instance, info["solution"])
    assert ev.feasible and math.isclose(ev.cost, total, rel_tol=1e-9, abs_tol=1e-6)
    figures = day_figures(base.instance, info["solution"])
    assert figures["passengers"] == info["passengers"] and figures["decisions"] == info["decisions"]


def test_evaluate__names_each_infeasible_flight() -> None:
    inst = hand_instance()
    slow = inst.replace(flight_steps=np.array([[0, 3, 3], [3, 0, 3], [3, 3, 0]]))
    cases = [(inst, [[0, 0, 1], [0, 0, 2]], "aircraft 0 has two flights at time 0"),
             (slow, [[0, 0, 1], [0, 1, 0]], "it is in the air until 3"),
             (inst, [[0, 0, 0]], "it is already there"),
             (inst, [[0, 0, 2]], "60 kWh cannot fly 80 kWh and keep the reserve"),
             (inst, [[0, 12, 1]], r"time 0..11"),
             (inst, [[0, 0, 1.5]], "destination 0..2"),
             (inst, "0 0 1", "expected a list")]
    for day, flights, why in cases:
        ev = evaluate_vertiport_fleet(day, flights)
        assert not ev.feasible and why in ev.violation, (flights, ev)
    ok = evaluate_vertiport_fleet(inst, [[0, 0, 1]])
    assert ok.feasible and math.isclose(ok.cost, 2 * 100.0 - (0.5 * 40 + 1.0 * 40))


def test_solution_to_actions__a_flight_while_in_the_air_raises() -> None:
    inst = hand_instance(flight_steps=np.array([[0, 3, 3], [3, 0, 3], [3, 3, 0]]))
    with pytest.raises(InstanceError, match="aircraft 0 does not decide at time 1"):
        VertiportKernel.solution_to_actions(inst, [[0, 0, 1], [0, 1, 0]])


# --- rules --------------------------------------------------------------------------------------------


def test_rules__greedy_beats_random_on_the_small_preset() -> None:
    gen = VertiportGenerator(**SMALL)
    days = [gen(np.random.default_rng([7, i])) for i in range(8)]
    greedy_sols, greedy = play_rule(days, greedy_rule)
    random_sols, rand = play_rule(days, random_rule(np.random.default_rng(0)))
    for day, sol, profit in zip(days + days, greedy_sols + random_sols, np.concatenate([greedy, rand])):
        ev = evaluate_vertiport_fleet(day, sol)
        assert ev.feasible and math.isclose(ev.cost, profit, rel_tol=1e-9, abs_tol=1e-6)
    assert (greedy > rand).sum() >= 7 and greedy.mean() > 1.2 * rand.mean(), (greedy, rand)


def test_graph_view__nodes_edges_and_mask() -> None:
    pytest.importorskip("torch_geometric")
    env = gym.make(ENV_ID, **SMALL)
    obs, _ = env.reset(seed=0)
    g = graph_view(obs)
    v = SMALL["num_vertiports"]
    assert tuple(g.x.shape) == (v, feature_sizes(3)[0]) and tuple(g.edge_attr.shape) == (v * (v - 1), feature_sizes(3)[1])
    assert g.mask.tolist() == env.unwrapped.action_masks().tolist()
    assert (g.edge_index[0] != g.edge_index[1]).all()


def test_kernel__random_play_keeps_charge_and_parking_within_bounds() -> None:
    """Invariants over 8 random days at once: charge in [min(reserve, start charge), battery], no
    vertiport holds more aircraft (on the ground plus inbound) than its parking places."""
    days = [VertiportGenerator(**{**SMALL, "chargers": 1, "parking": 2})(np.random.default_rng([3, i])) for i in range(8)]
    k = VertiportKernel(len(days), days[0].num_vertiports)
    k.load(np.arange(len(days)), VertiportKernel.stack(days))
    low = np.minimum(k.reserve[:, None], k.soc) - 1e-9
    rule = random_rule(np.random.default_rng(0))
    rows = np.arange(len(days))
    while not k.done.all():
        k.step(np.where(k.done, 0, rule(k, rows)))
        assert (k.soc >= low).all() and (k.soc <= k.battery[:, None] + 1e-9).all()
        assert (k.occupancy(rows) <= k.parking).all()
