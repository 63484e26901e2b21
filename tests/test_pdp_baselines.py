"""PDP solvers: pair insertion and the LNS against an exhaustive search of the env, every hook's routes replayed."""

from __future__ import annotations


import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.envs import replay
from routing_gym.envs.pdp.env import PDPEnv
from routing_gym.envs.pdp.generator import PDPGenerator
from routing_gym.envs.pdp.types import PDPInstance, evaluate_pdp
from routing_gym.errors import SolverError


def windowed(seed: int, pairs: int = 6, width: float = 0.3) -> PDPInstance:
    """Random windows around a random feasible schedule (so the instance is feasible)."""
    rng = np.random.default_rng(seed)
    inst = PDPGenerator(pairs, capacity=12)(rng)
    env = PDPEnv(instance=inst)
    obs, _ = env.reset()
    term, info = False, {}
    while not term:
        obs, _, term, _, info = env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
    ready, due = np.zeros(2 * pairs + 1), np.zeros(2 * pairs + 1)
    for route in info["solution"]:
        t, prev = 0.0, 0
        for c in route:
            t += inst.distances[prev, c] + 0.05
            ready[c], due[c] = max(0.0, t - width * rng.random()), t + width * rng.random()
            prev = c
        due[0] = max(due[0], t + inst.distances[prev, 0])
    service = np.full(2 * pairs + 1, 0.05)
    service[0] = 0.0
    return inst.replace(ready=ready, due=due + np.r_[0.1, np.zeros(2 * pairs)], service=service)


def exhaustive(inst: PDPInstance) -> float:
    """The optimum by depth-first search over the env's masked actions (its masks are the judge)."""
    env = PDPEnv(instance=inst)
    env.reset()
    best = [np.inf]

    def dfs(cost: float) -> None:
        if cost >= best[0]:
            return
        snap = env.get_state()
        for a in np.flatnonzero(env.action_masks()):
            _, r, term, _, _ = env.step(int(a))
            if term:
                best[0] = min(best[0], cost - r)
            else:
                dfs(cost - r)
            env.set_state(snap)

    dfs(0.0)
    return best[0]


@pytest.mark.parametrize("timed", [False, True])
def test_ils_pdp__matches_the_exhaustive_optimum_on_small_instances(timed: bool) -> None:
    for seed in range(3):
        inst = windowed(seed, pairs=3, width=0.5) if timed else PDPGenerator(3, capacity=10)(np.random.default_rng(seed))
        ev = evaluate_pdp(inst, make_solver("ils:iterations=300")(inst).solution)
        assert ev.feasible and ev.cost == pytest.approx(exhaustive(inst), rel=1e-9)


@pytest.mark.parametrize("spec", ["regret", "regret:k=3", "regret:ls=false", "cheapest", "ils:time_limit=0.3",
                                  "ortools:time_limit=0.5", "mcts:simulations=20"])
@pytest.mark.parametrize("timed", [False, True])
def test_pdp_solvers__feasible_and_replay_through_the_env(spec: str, timed: bool) -> None:
    inst = windowed(4, pairs=8) if timed else PDPGenerator(8)(np.random.default_rng(4))
    result = make_solver(spec)(inst)
    assert result.ok, result.message
    ev = evaluate_pdp(inst, result.solution)
    verdict = replay("routing_gym/PDP-v0", inst, result.solution)
    assert ev.feasible and verdict.feasible, (ev.violation, verdict.message)
    assert verdict.cost == pytest.approx(ev.cost, rel=1e-12)


def test_pdp_local_search__never_worse_than_the_insertion() -> None:
    from routing_gym.baselines.pdp.solvers import insertion_routes

    for seed in range(5):
        inst = windowed(10 + seed, pairs=10)
        plain = evaluate_pdp(inst, insertion_routes(inst, 2, ls=False))
        improved = evaluate_pdp(inst, insertion_routes(inst, 2, ls=True))
        assert plain.feasible and improved.feasible and improved.cost <= plain.cost + 1e-9


def test_ils_pdp__seeded_runs_repeat_and_bad_k_raises() -> None:
    inst = windowed(7, pairs=8)
    assert make_solver("ils:iterations=40:seed=3")(inst).solution == make_solver("ils:iterations=40:seed=3")(inst).solution
    with pytest.raises(SolverError, match="k must be an integer >= 1"):
        make_solver("regret:k=0")


def test_ortools_pdp__keeps_to_the_fleet() -> None:
    inst = windowed(8, pairs=5).replace(num_vehicles=2)
    result = make_solver("ortools:time_limit=0.5")(inst)
    assert result.ok and len(result.solution) <= 2 and evaluate_pdp(inst, result.solution).feasible
