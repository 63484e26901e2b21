"""Prize-collecting TSP: instance validation, evaluation, generator, kernel/env, solvers."""

from __future__ import annotations

from itertools import combinations, permutations
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.envs import replay
from routing_gym.envs.pctsp.generator import PCTSPGenerator
from routing_gym.envs.pctsp.types import PCTSPInstance, evaluate_pctsp
from routing_gym.errors import InstanceError

# A line east of the depot: nodes at x = 1, 2, 3.
LINE = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])


def line(**changes: Any) -> PCTSPInstance:
    kw: dict[str, Any] = dict(prizes=[0, 0.5, 0.25, 1.0], penalties=[0, 0.5, 4.0, 1.0], min_prize=1.0)
    kw.update(changes)
    return PCTSPInstance.from_coords(LINE, **kw)


def play(env: Any, actions: list[int]) -> tuple[float, bool, dict[str, Any]]:
    total, term, info = 0.0, False, {}
    for a in actions:
        _, r, term, _, info = env.step(a)
        total += r
    return total, term, info


def brute_force_cost(inst: PCTSPInstance) -> float:
    """The optimal cost over every feasible subset and visiting order (small n only)."""
    n = inst.num_customers
    best = np.inf
    for k in range(0, n + 1):
        for subset in combinations(range(1, n + 1), k):
            for order in permutations(subset):
                ev = evaluate_pctsp(inst, list(order))
                if ev.feasible:
                    best = min(best, ev.cost)
    return best


# --- the instance and evaluate ------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(prizes=[0, 1, 2]), r"prizes: expected 4 values"),
        (dict(prizes=[0.5, 1, 2, 3]), r"prizes: the depot \(node 0\) must have 0, got 0.5"),
        (dict(penalties=[0, 1, -2, 3]), r"penalties: negative value -2 at node 2"),
        (dict(penalties=[0, 1, np.inf, 3]), r"penalties: non-finite value inf at index 2"),
        (dict(min_prize=-0.1), r"min_prize: expected a finite number >= 0, got -0.1"),
        (dict(min_prize=np.nan), r"min_prize: expected a finite number >= 0, got nan"),
        (dict(min_prize=None), r"min_prize: expected a finite number >= 0, got None"),
    ],
)
def test_pctsp_instance__bad_input_raises_instance_error(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        line(**changes)


def test_evaluate_pctsp__length_plus_penalties_left_out_and_the_minimum_prize() -> None:
    inst = line()
    assert evaluate_pctsp(inst, [3]) == (6.0 + 4.5, True, None)  # prize 1 reached
    assert evaluate_pctsp(inst, [1, 3]) == (6.0 + 4.0, True, None)
    ev = evaluate_pctsp(inst, [1, 2])
    assert not ev.feasible and ev.cost == 4.0 + 1.0 and "collected prize 0.75 is below min_prize 1" in ev.violation
    assert "visited 2 times" in evaluate_pctsp(inst, [3, 3]).violation
    assert "node 0 is not a customer" in evaluate_pctsp(inst, [0]).violation
    # the prizes cannot reach 5: only the tour through every node is feasible
    assert not evaluate_pctsp(line(min_prize=5.0), [1, 3]).feasible
    assert evaluate_pctsp(line(min_prize=5.0), [1, 2, 3]) == (6.0, True, None)
    assert line(min_prize=5.0).must_visit_all and not inst.must_visit_all
    assert evaluate_pctsp(line(min_prize=0.0), []) == (5.5, True, None)


# --- the generator ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n, length", [(20, 2.0), (50, 3.0), (100, 4.0)])
def test_pctsp_generator__kool_prizes_penalties_and_minimum(n: int, length: float) -> None:
    b = PCTSPGenerator(num_nodes=n).sample(np.random.default_rng(n), 200)
    prizes, pens = b["prizes"][:, 1:], b["penalties"][:, 1:]
    assert (b["prizes"][:, 0] == 0).all() and (b["penalties"][:, 0] == 0).all() and (b["min_prize"] == 1).all()
    assert prizes.min() >= 0 and prizes.max() < 4 / n and abs(prizes.mean() - 2 / n) < 0.05 * 2 / n
    assert pens.min() >= 0 and pens.max() < 3 * length / n and abs(pens.mean() - 1.5 * length / n) < 0.05 * 1.5 * length / n
    assert abs(prizes.sum(axis=1).mean() - 2.0) < 0.05  # about half of the nodes reach the minimum 1
    assert b["total_penalty"][0] == pytest.approx(pens[0].sum(), rel=1e-15)


@pytest.mark.parametrize("kwargs, match", [(dict(num_nodes=0), "num_nodes"), (dict(penalty_factor=0), "penalty_factor"),
                                           (dict(min_prize=-1), "min_prize"), (dict(min_prize=float("inf")), "min_prize")])
def test_pctsp_generator__bad_arguments_raise(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        PCTSPGenerator(**kwargs)


# --- the environment ----------------------------------------------------------------------------------
def test_pctsp_env__depot_masked_until_the_minimum_and_penalties_paid_on_return() -> None:
    env = gym.make("routing_gym/PCTSP-v0", instance=line()).unwrapped
    obs, _ = env.reset()
    assert obs["action_mask"].tolist() == [0, 1, 1, 1] and obs["remaining_prize"][0] == 1.0
    obs, r, _, _, _ = env.step(1)
    assert r == -1.0 and obs["action_mask"].tolist() == [0, 0, 1, 1] and obs["remaining_prize"][0] == 0.5
    obs, r, _, _, _ = env.step(3)
    assert r == -2.0 and obs["action_mask"].tolist() == [1, 0, 1, 0] and obs["remaining_prize"][0] == 0.0
    _, r, term, _, info = env.step(0)
    assert term and r == -(3.0 + 4.0) and info["solution"] == [1, 3] and info["cost"] == 10.0
    assert evaluate_pctsp(env.instance, [1, 3]).cost == 10.0


def test_pctsp_env__unreachable_minimum_means_visiting_everything() -> None:
    env = gym.make("routing_gym/PCTSP-v0", instance=line(min_prize=5.0)).unwrapped
    obs, _ = env.reset()
    for a in (3, 2):
        obs, *_ = env.step(a)
        assert not obs["action_mask"][0]
    obs, *_ = env.step(1)
    assert obs["action_mask"].tolist() == [1, 0, 0, 0]  # no dead end: only the way home is left
    total, term, info = play(env, [0])
    assert term and info["cost"] == 6.0


def test_pctsp_env__zero_minimum_allows_the_empty_tour() -> None:
    env = gym.make("routing_gym/PCTSP-v0", instance=line(min_prize=0.0)).unwrapped
    obs, _ = env.reset()
    assert obs["action_mask"][0] and obs["remaining_prize"][0] == 0.0
    total, term, info = play(env, [0])
    assert term and total == -5.5 and info["solution"] == []


# --- solvers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pctsp_ils__equals_the_brute_force_optimum_on_6_nodes(seed: int) -> None:
    inst = PCTSPGenerator(num_nodes=6)(np.random.default_rng(seed))
    best = brute_force_cost(inst)
    result = make_solver(f"ils:iterations=300:seed={seed}")(inst)
    assert result.ok and evaluate_pctsp(inst, result.solution).cost == pytest.approx(best, rel=1e-12)
    greedy = make_solver("greedy")(inst)
    assert greedy.ok and evaluate_pctsp(inst, greedy.solution).cost >= best - 1e-12


@pytest.mark.parametrize("spec", ["greedy:ls=false", "greedy", "ils:time_limit=0.3", "ortools:time_limit=0.3",
                                  "hgs:time_limit=0.3"])
def test_pctsp_solvers__feasible_on_pctsp50_and_no_worse_than_greedy_where_searching(spec: str) -> None:
    inst = PCTSPGenerator(num_nodes=50)(np.random.default_rng(7))
    result = make_solver(spec)(inst)
    assert result.ok, result.message
    verdict = replay(None, inst, result.solution)
    assert verdict.feasible and verdict.cost == pytest.approx(evaluate_pctsp(inst, result.solution).cost)
    if spec.startswith(("ils", "hgs")):
        greedy = evaluate_pctsp(inst, make_solver("greedy:ls=false")(inst).solution).cost
        assert verdict.cost <= greedy + 1e-9


@pytest.mark.parametrize("spec", ["greedy", "ils:iterations=20", "ortools:time_limit=0.3", "hgs:time_limit=0.3"])
def test_pctsp_solvers__visit_everything_when_the_minimum_is_out_of_reach(spec: str) -> None:
    inst = PCTSPGenerator(num_nodes=12, min_prize=10.0)(np.random.default_rng(3))
    assert inst.must_visit_all
    result = make_solver(spec)(inst)
    assert result.ok, result.message
    assert sorted(result.solution) == list(range(1, 13)) and replay(None, inst, result.solution).feasible
