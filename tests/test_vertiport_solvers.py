"""VertiportFleet solvers: cpsat-hindsight (a bound), rolling-cpsat, ga; every schedule judged by evaluate and replay."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.baselines.cpsat import CPSATSolver
from routing_gym.baselines.vertiport_fleet.cpsat import FleetModel, HindsightCPSAT, RollingCPSAT, forecast_greedy
from routing_gym.baselines.vertiport_fleet.ga import GeneticAlgorithm, forecast_day
from routing_gym.baselines.vertiport_fleet.plans import fly_plan
from routing_gym.baselines.vertiport_fleet.rules import greedy_rule, play_rule
from routing_gym.envs import replay
from routing_gym.envs.vertiport_fleet.generator import SMALL, VertiportGenerator
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel
from routing_gym.envs.vertiport_fleet.types import VertiportInstance, evaluate_vertiport_fleet
from routing_gym.errors import SolverError

ENV_ID = "routing_gym/VertiportFleet-v0"


def _day(seed: int = 0, **kw: object) -> VertiportInstance:
    return VertiportGenerator(**{**SMALL, **kw})(np.random.default_rng(seed))


def _micro_day(seed: int) -> VertiportInstance:
    """2 vertiports, 2 aircraft, 6 steps: small enough to enumerate every decision sequence."""
    return _day(seed, num_vertiports=2, num_aircraft=2, horizon_hours=0.5, parking=2, chargers=2, demand_per_hour=60.0)


def _judged(instance: VertiportInstance, flights: list) -> float:
    """The profit of ``flights``: evaluate and the environment's replay must accept it and agree."""
    ev = evaluate_vertiport_fleet(instance, flights)
    assert ev.feasible, ev.violation
    r = replay(ENV_ID, instance, flights)
    assert r.feasible, r.message
    assert -r.cost == pytest.approx(ev.cost, abs=1e-6)
    return float(ev.cost)


def _best_by_enumeration(instance: VertiportInstance) -> float:
    """The best profit of any decision sequence (depth-first over kernel snapshots)."""
    k = VertiportKernel(1, instance.num_vertiports)
    k.load(np.zeros(1, dtype=np.int64), VertiportKernel.stack([instance]))

    def best() -> float:
        if k.done[0]:
            return float(-k.cost[0])
        snap, out = k.get_state(), -math.inf
        for a in np.flatnonzero(k.mask[0]):
            k.set_state(snap)
            _, _, invalid = k.step(np.array([a]))
            assert not invalid[0]
            out = max(out, best())
        k.set_state(snap)
        return out

    return best()


@pytest.mark.parametrize("seed", [0, 2])
def test_cpsat_hindsight__bounds_the_enumerated_optimum_and_its_schedule_replays(seed: int) -> None:
    inst = _micro_day(seed)
    solver = HindsightCPSAT(time_limit=60.0)
    flights = solver.solve(inst)
    stats = solver.last_stats
    assert stats["status"] == "OPTIMAL"
    best = _best_by_enumeration(inst)
    profit = _judged(inst, flights)
    assert stats["bound"] >= best - 1e-6  # a bound on every schedule the rules admit
    assert profit <= best + 1e-6
    assert stats["profit"] == pytest.approx(profit)
    # on these days the model's optimum is a schedule the rules admit: bound, plan and optimum agree
    assert not stats["repaired"]
    assert profit == pytest.approx(best, abs=0.01)
    assert stats["bound"] == pytest.approx(best, abs=0.05)


def test_cpsat_hindsight__not_worse_than_its_greedy_start() -> None:
    inst = _day(3)
    solver = HindsightCPSAT(time_limit=20.0)
    flights = solver.solve(inst)
    greedy = play_rule([inst], greedy_rule)[1][0]
    assert _judged(inst, flights) >= greedy - 1e-6
    assert solver.last_stats["bound"] >= _judged(inst, flights) - 1e-6


def test_fly_plan__refused_legs_are_delayed_or_dropped_and_the_schedule_replays() -> None:
    inst = _day(4)
    closed = np.argwhere(inst.closed[:, :, :])
    bad = [[0, 0, int(inst.start[0])]]  # "fly" to its own vertiport
    if len(closed):
        t, o, d = (int(x) for x in closed[0])
        bad.append([1, t, d])
    bad += [[a, 1, (int(inst.start[a]) + 1) % inst.num_vertiports] for a in range(inst.num_aircraft)]  # parking rush
    flown, profit = fly_plan(inst, bad)
    assert _judged(inst, flown) == pytest.approx(profit)


def test_rolling_cpsat__schedule_replays() -> None:
    inst = _day(5)
    solver = RollingCPSAT(time_limit=0.5, lookahead=6, every=6)
    flights = solver.solve(inst)
    _judged(inst, flights)
    assert solver.solves == math.ceil(inst.horizon / 6)


def test_rolling_cpsat__window_sees_no_realised_future() -> None:
    """Two days equal up to step ``t`` and different after it give the same model at ``t``."""
    inst = _day(6)
    t = 10
    other = forecast_day(inst, np.random.default_rng(7))
    late = slice(t + 1, None)
    fields = {}
    for name in ("demand", "takeoff_delay", "closed", "down"):
        arr = np.array(getattr(inst, name))
        arr[late] = np.asarray(getattr(other, name))[late]
        if name != "demand":  # the present step stays realised
            arr[t] = np.asarray(getattr(inst, name))[t]
        fields[name] = arr
    twin = inst.replace(**fields)
    solver = RollingCPSAT()
    windows = []
    for day in (inst, twin):
        k = VertiportKernel(1, day.num_vertiports)
        k.load(np.zeros(1, dtype=np.int64), VertiportKernel.stack([day]))
        while int(k.clock[0]) < t:
            k.step(np.array([int(k.loc[0, k.actor[0]])]))  # everyone waits
        windows.append(solver.window(k, day))
    a, b = windows
    for name in ("loc", "ready", "soc", "arrival", "cohorts", "closed", "down", "delay"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(inst.demand[late], twin.demand[late])  # the days do differ later


def _kernel_at(day: VertiportInstance, t: int) -> VertiportKernel:
    """``day``'s kernel played by the greedy rule up to step ``t``."""
    k = VertiportKernel(1, day.num_vertiports)
    k.load(np.zeros(1, dtype=np.int64), VertiportKernel.stack([day]))
    while int(k.clock[0]) < t:
        k.step(greedy_rule(k, np.zeros(1, dtype=np.int64)))
    return k


def test_rolling_cpsat__greedy_hint_is_a_solution_of_the_model() -> None:
    """The hint (greedy on the forecast look-ahead), fixed in the model, is feasible with the objective CP-SAT reports."""
    from ortools.sat.python import cp_model

    inst = _day(9)
    solver = RollingCPSAT()
    for t in (0, 7, 15):
        k = _kernel_at(inst, t)
        window = solver.window(k, inst)
        hint = forecast_greedy(k, window.t1)
        assert hint.fly, "a hint without flights tests nothing"
        model = FleetModel(window)
        board = model.fill_boarding(hint.fly)
        model.hint(hint, board)
        for key, f in model.fly.items():
            model.m.Add(f == int(key in hint.fly))
        for key, w in model.wait.items():
            model.m.Add(w == int(key in hint.wait))
        for key, c in model.charging.items():
            model.m.Add(c == int(key in hint.charge))
        for key, y in model.board.items():
            model.m.Add(y == board.get(key, 0))
        cp = cp_model.CpSolver()
        cp.parameters.max_time_in_seconds = 30.0
        cp.parameters.num_workers = 1
        assert cp.Solve(model.m) in (cp_model.OPTIMAL, cp_model.FEASIBLE), t
        assert int(k.clock[0]) == t  # the hint played a copy: the kernel is untouched


def test_rolling_cpsat__hint_sees_no_realised_future() -> None:
    """The greedy hint at ``t`` is the same on two days that differ only after ``t``."""
    inst = _day(6)
    t = 10
    other = forecast_day(inst, np.random.default_rng(7))
    late = slice(t + 1, None)
    fields = {}
    for name in ("demand", "takeoff_delay", "closed", "down"):
        arr = np.array(getattr(inst, name))
        arr[late] = np.asarray(getattr(other, name))[late]
        fields[name] = arr
    twin = inst.replace(**fields)
    hints = [forecast_greedy(_kernel_at(day, t), t + 6) for day in (inst, twin)]
    assert hints[0].fly == hints[1].fly and hints[0].charge == hints[1].charge
    assert hints[0].profit == pytest.approx(hints[1].profit)


def test_cpsat_search__takes_cp_sat_parameters() -> None:
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    x = m.NewIntVar(0, 7, "x")
    m.Maximize(x)
    searcher = CPSATSolver(time_limit=5.0)
    assert searcher.search(m, {"linearization_level": 2}, cp_model_presolve=False).Value(x) == 7
    with pytest.raises(SolverError, match="no_such_parameter"):
        searcher.search(m, no_such_parameter=1)


def test_rolling_cpsat__look_ahead_shrinks_for_large_fleets() -> None:
    small, large = _day(1), _day(1, num_vertiports=8, num_aircraft=40, parking=8)
    assert RollingCPSAT().sizes(small) == (6, 3)
    assert RollingCPSAT().sizes(large) == (4, 2)
    assert RollingCPSAT(lookahead=5, every=1).sizes(large) == (5, 1)


@pytest.mark.parametrize("view", ["realised", "forecast"])
def test_ga__schedule_replays(view: str) -> None:
    inst = _day(8)
    ga = GeneticAlgorithm(time_limit=30.0, population=8, generations=3, view=view, scenarios=2)
    profit = _judged(inst, ga.solve(inst))
    assert len(ga.history) == 3
    assert all(b >= a - 1e-9 for a, b in zip(ga.history, ga.history[1:]))  # elitism: the best never gets worse
    if view == "realised":  # the greedy schedule is in the first population and scored on the day itself
        assert profit == pytest.approx(ga.history[-1])
        assert profit >= play_rule([inst], greedy_rule)[1][0] - 1e-6


@pytest.mark.parametrize("spec", ["rolling-cpsat:every=5:lookahead=3", "rolling-cpsat:lookahead=0", "rolling-cpsat:hint=best",
                                  "ga:population=2",
                                  "ga:elite=30", "ga:view=future", "cpsat-hindsight:hint=best"])
def test_vertiport_solvers__bad_parameters_raise(spec: str) -> None:
    with pytest.raises(SolverError):
        make_solver(spec)


def test_vertiport_featurizer__gnn_policy_plays_a_day_as_agent_path(tmp_path) -> None:
    """An (untrained) GNNPolicy on the vertiport graph, saved and played as ``agent:path=``: masked, feasible."""
    import torch

    import routing_gym.agents.vertiport_fleet as vf
    from routing_gym.agents.checkpoint import save_policy, spaces_for
    from routing_gym.agents.featurizers import featurizer_for
    from routing_gym.agents.policies import make_policy, obs_to_tensors

    obs_space, act_space = spaces_for(ENV_ID, dict(SMALL))
    assert isinstance(featurizer_for(obs_space), vf.VertiportFeaturizer)
    policy = make_policy("gnn", obs_space, act_space, embed_dim=16, num_layers=1, num_heads=2)
    inst = _day(9)
    k = VertiportKernel(1, inst.num_vertiports)
    k.load(np.zeros(1, dtype=np.int64), VertiportKernel.stack([inst]))
    inp = policy.featurizer(obs_to_tensors(k.observe()))
    assert inp.features.shape == (1, inst.num_vertiports, vf.VertiportFeaturizer.node_dim)
    assert torch.isfinite(inp.features).all()
    logits, _ = policy.node_logits(obs_to_tensors(k.observe()))
    assert (logits[~inp.mask] <= -1e7).all()
    save_policy(policy, tmp_path / "ckpt", env_id=ENV_ID, env_kwargs=dict(SMALL))
    agent = make_solver(f"agent:path={tmp_path / 'ckpt'}")
    result = agent(inst)
    assert result.ok, result.message
    _judged(inst, result.solution)
