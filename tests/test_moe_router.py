"""MoERouter-v0: the expert-set loss model, the exact oracle, budgets, top-k / top-p and a trained router."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

from routing_gym.baselines.base import make_solver
from routing_gym.envs import replay
from routing_gym.envs.moe_router.generator import MoERouterGenerator
from routing_gym.envs.moe_router.metrics import top_k_routing, top_p_routing
from routing_gym.envs.moe_router.oracle import expert_sets, oracle_routing
from routing_gym.envs.moe_router.types import MoERouterInstance, evaluate_moe_router, routing_loss
from routing_gym.envs.moe_router.viewer import counts
from routing_gym.errors import InstanceError, SolverError

ENV_ID = "routing_gym/MoERouter-v0"
TINY = {"num_experts": 3, "num_layers": 3, "num_tokens": 2, "max_experts": 2}


def _instance(seed: int = 0, **kwargs: object) -> MoERouterInstance:
    return MoERouterGenerator(**{**TINY, **kwargs})(np.random.default_rng(seed))


def _brute_force(inst: MoERouterInstance) -> float:
    """Enumerate every token's routings (each set at each layer), then every combination of them
    under the batch budget."""
    sets = [np.flatnonzero(s).tolist() for s in expert_sets(inst.num_experts, inst.max_experts)]
    per_token = []
    for t in range(inst.num_tokens):
        one = inst.replace(features=inst.features[t:t + 1], gate=inst.gate[t:t + 1], gain=inst.gain[t:t + 1],
                           base_loss=inst.base_loss[t:t + 1], batch_budget=None)
        rows = []
        for r in itertools.product(sets, repeat=inst.num_layers):
            ev = evaluate_moe_router(one, [list(r)])
            if ev.feasible:
                rows.append((ev.cost, sum(len(s) for s in r)))
        per_token.append(rows)
    best = np.inf
    for combo in itertools.product(*per_token):
        if inst.batch_budget is None or sum(u for _, u in combo) <= inst.batch_budget:
            best = min(best, sum(c for c, _ in combo))
    return best


@pytest.mark.parametrize("kwargs", [{}, {"token_budget": 3}, {"batch_budget": 5, "reuse": 0.05}],
                         ids=["free", "token-budget", "batch-budget"])
def test_oracle__matches_brute_force_enumeration(kwargs: dict) -> None:
    inst = _instance(1, **kwargs)
    routing = oracle_routing(inst)
    ev = evaluate_moe_router(inst, routing)
    assert ev.feasible and ev.cost == pytest.approx(_brute_force(inst), abs=1e-9)


def test_oracle__no_worse_than_top_k_top_p_or_mcts() -> None:
    inst = _instance(2, num_experts=4, num_layers=4, batch_budget=9)
    best = evaluate_moe_router(inst, oracle_routing(inst)).cost
    for spec in ("top-k:k=1", "top-k:k=2", "top-p:p=0.5", "top-p:p=0.9", "mcts"):
        res = make_solver(spec, time_limit=0.5)(inst)
        assert res.ok and replay(ENV_ID, inst, res.solution).feasible
        assert best <= evaluate_moe_router(inst, res.solution).cost + 1e-12, spec


def test_generator__oracle_gives_hard_tokens_more_experts_and_depends_on_the_layer() -> None:
    """The structure of the default model: the oracle's expert counts grow with token difficulty, vary by
    layer, and beat every fixed top-k; top-p gives flatter-gated (harder) tokens more experts."""
    gen = MoERouterGenerator()
    n, z, oracle_cost, topk_cost, topp_n = [], [], [], [], []
    for s in range(4):
        inst = gen(np.random.default_rng(s))
        routing = oracle_routing(inst)
        n.append(counts(routing))
        z.append(1 / (1 + np.exp(-(inst.features @ gen.model.difficulty))))
        oracle_cost.append(evaluate_moe_router(inst, routing).cost)
        topk_cost.append(min(evaluate_moe_router(inst, top_k_routing(inst, k)).cost for k in (1, 2, 3)))
        topp_n.append(counts(top_p_routing(inst, 0.6)))
    n, z = np.concatenate(n), np.concatenate(z)
    assert np.corrcoef(z, n.sum(axis=1))[0, 1] > 0.5
    by_layer = n.mean(axis=0)
    assert by_layer.max() - by_layer.min() > 0.8
    assert np.mean(oracle_cost) < np.mean(topk_cost) - 1.0
    assert np.corrcoef(z, np.concatenate(topp_n).sum(axis=1))[0, 1] > 0.3


def test_kernel__mask_caps_the_set_forbids_repeats_and_budgets() -> None:
    inst = _instance(0, num_experts=4, max_experts=2, token_budget=3)
    env = gym.make(ENV_ID, instance=inst)
    env.reset()
    base = env.unwrapped
    assert base.action_masks().tolist() == [True] * 5
    env.step(1)
    assert base.action_masks().tolist() == [True, False, True, True, True]
    env.step(2)
    assert base.action_masks().tolist() == [False] * 4 + [True]  # max_experts reached: only close
    env.step(4)
    env.step(0)
    assert base.action_masks().tolist() == [False] * 4 + [True]  # token budget of 3 spent
    obs, *_ = env.step(4)
    assert obs["position"][0] == 1.0 and obs["previous"].tolist() == [1, 0, 0, 0]


def test_env__rewards_are_call_costs_and_set_values_summing_to_the_objective() -> None:
    inst = _instance(3, reuse=0.05, thin=0.07, batch_budget=7)
    routing = [[[0, 2], [2], [1]], [[1], [], [0, 1]]]
    env = gym.make(ENV_ID, instance=inst)
    env.reset()
    _, actions = env.unwrapped.kernel_type.solution_to_actions(inst, routing)
    rewards, info = [], {}
    for a in actions:
        _, r, term, _, info = env.step(a)
        rewards.append(r)
    assert term and info["solution"] == routing
    assert rewards[0] == -inst.compute_weight
    ev = evaluate_moe_router(inst, routing)
    assert ev.feasible and -sum(rewards) == pytest.approx(ev.cost, abs=1e-12) and info["cost"] == pytest.approx(ev.cost)
    loss, calls = routing_loss(inst, routing)
    assert calls == 7 and loss + inst.compute_weight * calls == pytest.approx(ev.cost)


@pytest.mark.parametrize(("routing", "match"), [
    ([[[0, 0], [1], [2]], [[0], [1], [2]]], "appears twice"),
    ([[[0, 1, 2], [1], [2]], [[0], [1], [2]]], "above max_experts=2"),
    ([[[0], [1]], [[0], [1], [2]]], "expected 3 layers"),
    ([[[0], [1], [5]], [[0], [1], [2]]], r"in 0..2"),
    ([[[0], [1], [2]]], "expected 2 tokens"),
    ([[[0, 1], [0, 1], [0, 1]], [[0], [1], [2]]], "token_budget=4"),
])
def test_evaluate__malformed_or_over_budget_routings_are_infeasible(routing: list, match: str) -> None:
    ev = evaluate_moe_router(_instance(0, token_budget=4), routing)
    assert not ev.feasible and match in ev.violation


def test_instance__bad_fields_raise_naming_them() -> None:
    inst = _instance(0)
    with pytest.raises(InstanceError, match="max_experts"):
        inst.replace(max_experts=4)
    with pytest.raises(InstanceError, match="decay"):
        inst.replace(decay=1.5)
    with pytest.raises(InstanceError, match="gate: expected shape"):
        inst.replace(gate=inst.gate[:, :, :2])
    with pytest.raises(InstanceError, match="max_experts"):
        MoERouterGenerator(num_experts=2, max_experts=3)


def test_solvers__bad_parameters_raise_and_budgets_cut_the_sets() -> None:
    with pytest.raises(SolverError, match="k must be"):
        make_solver("top-k:k=0")
    with pytest.raises(SolverError, match="p must be"):
        make_solver("top-p:p=1.5")
    inst = _instance(4, batch_budget=4)
    routing = make_solver("top-k:k=2")(inst).solution
    assert counts(routing).sum() == 4 and evaluate_moe_router(inst, routing).feasible


def test_oracle__refuses_a_set_space_beyond_its_limit() -> None:
    inst = MoERouterGenerator(num_experts=40, num_layers=64, num_tokens=64, max_experts=4)(np.random.default_rng(0))
    res = make_solver("oracle")(inst)
    assert res.status == "failed" and "limit" in res.message


def test_trained_router__agent_path_plays_it_feasibly(tmp_path) -> None:
    import torch

    from routing_gym.agents.layer_router import train_router

    torch.set_num_threads(1)
    model = train_router(timesteps=256, seed=0, n_envs=4, env_id=ENV_ID, **TINY, batch_budget=8)
    model.save(tmp_path / "moe.zip")
    inst = _instance(5, batch_budget=8)
    res = make_solver(f"agent:path={tmp_path / 'moe.zip'}")(inst)
    assert res.ok and replay(ENV_ID, inst, res.solution).feasible


def test_viewer__counts_against_the_oracle() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from routing_gym.envs.moe_router import viewer
    from routing_gym.envs.render import figure_to_rgb, new_figure

    inst = _instance(1)
    fig, ax = new_figure()
    viewer.draw_solution(ax, inst, [[[0], [1], []], [[0, 1], [2], [0]]], "x")
    assert "oracle" in ax.get_title() and figure_to_rgb(fig).std() > 0
    env = gym.make(ENV_ID, instance=inst, render_mode="ansi")
    env.reset()
    env.step(0)
    env.step(1)
    env.step(3)
    assert "|200|" in env.render()


def test_featurizer__experts_and_the_close_node_as_pointer_nodes() -> None:
    """The attention policy reads MoERouter observations: E + 1 nodes, the env's mask, a feasible greedy action."""
    import torch

    import routing_gym.agents.moe_router  # noqa: F401 - registers the featurizer
    from routing_gym.agents.checkpoint import spaces_for
    from routing_gym.agents.featurizers import featurizer_for
    from routing_gym.agents.policies import make_policy, obs_to_tensors

    kwargs = {**TINY, "num_experts": 4}
    env = gym.make(ENV_ID, **kwargs)
    env.reset(seed=0)
    obs, *_ = env.step(2)
    feat = featurizer_for(env.observation_space)
    batch = obs_to_tensors({k: v[None] for k, v in obs.items()})
    nodes = feat(batch)
    assert nodes.features.shape == (1, 5, feat.node_dim) and nodes.current.tolist() == [4]
    assert nodes.mask[0].tolist() == env.unwrapped.action_masks().tolist() == [True, True, False, True, True]
    assert nodes.features[0, :4, 2].tolist() == [0.0, 0.0, 1.0, 0.0]  # called at this layer
    policy = make_policy("attention", *spaces_for(ENV_ID, kwargs), embed_dim=16, num_layers=1, num_heads=2)
    with torch.no_grad():
        action, *_ = policy(batch, deterministic=True)
    assert env.unwrapped.action_masks()[int(action)]
