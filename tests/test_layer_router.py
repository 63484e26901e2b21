"""LayerRouter-v0: the loss model, the exact oracle, budgets, baselines and the PPO router."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.envs import replay
from routing_gym.envs.layer_router.generator import LayerRouterGenerator, layer_model
from routing_gym.envs.layer_router.oracle import oracle_routing
from routing_gym.envs.layer_router.types import BIG, SKIP, SMALL, LayerRouterInstance, evaluate_layer_router
from routing_gym.errors import InstanceError

ENV_ID = "routing_gym/LayerRouter-v0"


def _instance(seed: int = 0, **kwargs: object) -> LayerRouterInstance:
    return LayerRouterGenerator(**{"num_layers": 4, "num_tokens": 2, **kwargs})(np.random.default_rng(seed))


def _brute_force(inst: LayerRouterInstance) -> float:
    """Enumerate every token's 3**L routings, then every combination of them under the budgets."""
    per_token = []
    for t in range(inst.num_tokens):
        one = inst.replace(features=inst.features[t:t + 1], base_loss=inst.base_loss[t:t + 1], gain=inst.gain[t:t + 1],
                           interference=inst.interference[t:t + 1], batch_budget=None)
        rows = []
        for r in itertools.product(range(3), repeat=inst.num_layers):
            ev = evaluate_layer_router(one, [list(r)])
            if ev.feasible:
                rows.append((ev.cost, int(inst.unit_cost[list(r)].sum())))
        per_token.append(rows)
    best = np.inf
    for combo in itertools.product(*per_token):
        units = sum(u for _, u in combo)
        if inst.batch_budget is None or units <= inst.batch_budget:
            best = min(best, sum(c for c, _ in combo))
    return best


@pytest.mark.parametrize("kwargs", [{}, {"token_budget": 6}, {"batch_budget": 9, "big_cost": 3}],
                         ids=["free", "token-budget", "batch-budget"])
def test_oracle__matches_brute_force_enumeration(kwargs: dict) -> None:
    for seed in range(3):
        inst = _instance(seed, **kwargs)
        ev = evaluate_layer_router(inst, oracle_routing(inst))
        assert ev.feasible, ev.violation
        assert ev.cost == pytest.approx(_brute_force(inst), abs=1e-9)


def test_oracle__no_worse_than_any_baseline_or_mcts() -> None:
    inst = LayerRouterGenerator(num_layers=6, num_tokens=3, batch_budget=30)(np.random.default_rng(7))
    best = replay(ENV_ID, inst, make_solver("oracle")(inst).solution).cost
    for spec in ("all-small", "all-big", "one-big-layer", "mcts:simulations=200"):
        result = make_solver(spec)(inst)
        verdict = replay(ENV_ID, inst, result.solution)
        assert result.ok and verdict.feasible, (spec, result.message, verdict.message)
        assert best <= verdict.cost + 1e-9, spec


def test_generator__one_big_layer_beats_all_big_and_oracle_is_sparse_and_layer_dependent() -> None:
    """The seed's structure: one big layer beats big everywhere, and the oracle's few big layers
    sit around the model's critical layer rather than everywhere."""
    gen = LayerRouterGenerator(num_layers=12, num_tokens=8)
    insts = [gen(np.random.default_rng([1, i])) for i in range(10)]

    def mean_cost(spec: str) -> float:
        solver = make_solver(spec)
        return float(np.mean([evaluate_layer_router(i, solver(i).solution).cost for i in insts]))

    assert mean_cost("one-big-layer") < mean_cost("all-small") < mean_cost("all-big")
    routings = np.concatenate([oracle_routing(i) for i in insts])
    bigs = (routings == BIG).sum(axis=1)
    assert 1.0 <= bigs.mean() <= 4.0
    by_layer = (routings == BIG).mean(axis=0)
    assert abs(int(np.argmax(by_layer)) - gen.model.critical_layer) <= 2.0
    assert by_layer.min() < 0.05 < by_layer.max()


def test_generator__model_fixed_by_model_seed_tokens_by_rng() -> None:
    a = _instance(3)
    b = _instance(3)
    assert np.array_equal(a.gain, b.gain) and np.array_equal(a.features, b.features)
    assert not np.array_equal(_instance(4).features, a.features)
    assert layer_model(0, 12).critical_layer == LayerRouterGenerator(model_seed=0).model.critical_layer
    assert layer_model(0, 12).critical_layer != layer_model(1, 12).critical_layer


def test_generator__bad_arguments_raise_naming_them() -> None:
    for kwargs, field in [({"num_layers": 0}, "num_layers"), ({"token_budget": -1}, "token_budget"),
                          ({"compute_weight": float("nan")}, "compute_weight"), ({"model_seed": -2}, "model_seed")]:
        with pytest.raises(InstanceError, match=field):
            LayerRouterGenerator(**kwargs)


@pytest.mark.parametrize(("field", "value", "match"), [
    ("unit_cost", [1.0, 1.0, 4.0], "skipping must cost 0"),
    ("unit_cost", [0.0, 1.5, 4.0], "non-negative integers"),
    ("features", np.zeros((2, 9)), "at most 8"),
    ("pair", np.zeros((4, 3, 3)), "pair"),
    ("interference", [0.1, -0.1], "interference"),
    ("compute_weight", -1.0, "compute_weight"),
    ("batch_budget", 2.5, "batch_budget"),
])
def test_instance__bad_field_raises_naming_it(field: str, value: object, match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        _instance().replace(**{field: value})


def test_kernel__budget_masks_what_it_cannot_pay_and_skip_stays_open() -> None:
    inst = _instance(0, token_budget=5, big_cost=4)
    env = gym.make(ENV_ID, instance=inst).unwrapped
    env.reset()
    assert env.action_masks().tolist() == [True, True, True]
    env.step(BIG)  # 4 of 5 units used
    assert env.action_masks().tolist() == [True, True, False]
    env.step(SMALL)  # 5 of 5
    assert env.action_masks().tolist() == [True, False, False]
    env.step(SKIP)
    env.step(SKIP)  # the next token starts with a fresh token budget
    assert env.action_masks().tolist() == [True, True, True]
    obs = env.kernel.observe(0)
    assert obs["budget"][0] == 1.0 and obs["budget"][2] == 0.5


def test_env__summed_reward_is_minus_the_objective_under_a_batch_budget() -> None:
    env = gym.make(ENV_ID, num_layers=5, num_tokens=4, batch_budget=14)
    rng = np.random.default_rng(0)
    for seed in range(5):
        env.reset(seed=seed)
        total, term = 0.0, False
        while not term:
            _, r, term, _, info = env.step(int(rng.choice(np.flatnonzero(env.unwrapped.action_masks()))))
            total += r
        ev = evaluate_layer_router(env.unwrapped.instance, info["solution"])
        assert ev.feasible and ev.cost == -total == info["cost"]
        assert sum(env.unwrapped.instance.unit_cost[o] for row in info["solution"] for o in row) <= 14


def test_evaluate__over_budget_and_malformed_routings_are_infeasible() -> None:
    inst = _instance(0, batch_budget=10)
    ev = evaluate_layer_router(inst, [[BIG] * 4, [SMALL] * 4])
    assert not ev.feasible and "batch_budget" in ev.violation
    assert not evaluate_layer_router(inst, [[0, 1, 2]]).feasible
    assert not evaluate_layer_router(inst, [[0, 1, 2, 3], [0, 0, 0, 0]]).feasible
    assert not replay(ENV_ID, inst, [[BIG] * 4, [SMALL] * 4]).feasible


def test_all_big__downgrades_to_what_the_budget_pays() -> None:
    inst = _instance(0, batch_budget=10)
    routing = make_solver("all-big")(inst).solution
    assert routing == [[BIG, BIG, SMALL, SMALL], [SKIP] * 4]
    assert replay(ENV_ID, inst, routing).feasible


def test_one_big_layer__picks_the_best_swept_layer() -> None:
    inst = _instance(2, num_layers=6)
    solver = make_solver("one-big-layer")
    routing = np.asarray(solver(inst).solution)
    assert ((routing == BIG).sum(axis=1) == 1).all() and (routing[:, solver.last_layer] == BIG).all()
    for layer in range(6):
        plan = np.full((2, 6), SMALL)
        plan[:, layer] = BIG
        assert evaluate_layer_router(inst, routing).cost <= evaluate_layer_router(inst, plan).cost + 1e-12


def test_ppo_router__trains_saves_and_routes_feasibly(tmp_path) -> None:
    import torch

    from routing_gym.agents.layer_router import policy_solver, structure_report, train_router

    torch.set_num_threads(1)
    model = train_router(timesteps=512, seed=0, n_envs=4, num_layers=4, num_tokens=2, batch_budget=12)
    path = tmp_path / "router.zip"
    model.save(path)
    inst = _instance(5, batch_budget=12)
    result = make_solver(f"layer-ppo:path={path}")(inst)
    assert result.ok and replay(ENV_ID, inst, result.solution).feasible
    assert result.solution == policy_solver(model)(inst)
    missing = make_solver("layer-ppo")(inst)
    assert missing.status == "failed" and "path" in missing.message
    wrong = make_solver(f"layer-ppo:path={path}")(_instance(5, num_layers=5))
    assert wrong.status == "failed" and "layers" in wrong.message
    oracle = [oracle_routing(inst).tolist()]
    small = [make_solver("all-small")(inst).solution]
    rep = structure_report([inst], oracle, oracle, small)
    assert rep.agreement == 1.0 and rep.gain_share == pytest.approx(1.0)


def test_viewer__chart_of_a_routing_against_the_oracle() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from routing_gym.envs.layer_router import viewer
    from routing_gym.envs.render import figure_to_rgb, new_figure

    inst = _instance(1)
    fig, ax = new_figure()
    viewer.draw_solution(ax, inst, [[SMALL] * 4, [BIG] * 4], "all")
    assert "oracle" in ax.get_title() and figure_to_rgb(fig).std() > 0
    env = gym.make(ENV_ID, instance=inst, render_mode="ansi")
    env.reset()
    env.step(BIG)
    assert "|B   |" in env.render()


def test_compare__shows_loss_compute_and_gain_share_columns() -> None:
    from routing_gym.compare import compare

    res = compare(ENV_ID, ["all-small", "one-big-layer", "oracle"], num_instances=2, seed=0, jobs=1, isolate=False,
                  progress=False, plots=False, num_layers=5, num_tokens=3, batch_budget=20)
    by = {s["solver"]: s for s in res.summary()}
    assert by["all-small"]["gain_share"] == 0.0 and by["oracle"]["gain_share"] == pytest.approx(1.0)
    assert by["all-small"]["compute"] == 5.0 and 0.0 < by["one-big-layer"]["gain_share"] < 1.0 + 1e-12
    insts = {r.instance: r for r in res.rows if r.solver == "oracle"}
    from routing_gym.envs.layer_router.types import routing_loss

    loss = np.mean([routing_loss(i, np.asarray(insts[n].solution))[0] / 3 for n, i in zip(res.names, res.instances)])
    assert by["oracle"]["loss"] == pytest.approx(loss)
    assert all(k in res.table().splitlines()[1] for k in ("loss", "compute", "gain_share"))
