"""Agents: pointer policies, SB3 training, imitation, checkpoints, decoding, the agent solver."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.preprocessing import preprocess_obs

import routing_gym  # noqa: F401
from routing_gym.agents import AttentionPolicy, GNNPolicy, load_policy, make_vec_env, policy_heatmap, rollout, save_policy
from routing_gym.agents.checkpoint import list_pretrained, spaces_for
from routing_gym.agents.featurizers import CVRPTWFeaturizer, featurizer_for, square_symmetry
from routing_gym.agents.imitation import behaviour_cloning, collect_demonstrations, label_instances
from routing_gym.agents.policies import MASKED_LOGIT, check_pointer_spaces, make_policy, obs_to_tensors
from routing_gym.agents.train import harness_cost
from routing_gym.baselines.base import make_solver
from routing_gym.envs import CVRPGenerator, TSPGenerator, evaluate
from routing_gym.errors import CheckpointError, RoutingGymError, SolverError
from routing_gym.registry import problem_of_env, problems

TSP, CVRP, CVRPTW = "routing_gym/TSP-v0", "routing_gym/CVRP-v0", "routing_gym/CVRPTW-v0"
SMALL = {"embed_dim": 32, "num_layers": 2, "num_heads": 4}
POLICIES = [AttentionPolicy, GNNPolicy]


def _has_featurizer(env_id: str) -> bool:
    obs, act = spaces_for(env_id, problem_of_env(env_id).tiny_kwargs)
    try:
        check_pointer_spaces(obs, act)
    except RoutingGymError:
        return False
    return True


#: every registered problem that the pointer policies play (a Discrete action space and a featurizer)
POINTER_ENVS = [p.env_id for p in problems().values() if _has_featurizer(p.env_id)]


def _start_option(env_id: str) -> str | None:
    """The featurizer's start-node reset option (multi-start decoding), if the env has one."""
    obs, _ = spaces_for(env_id, problem_of_env(env_id).tiny_kwargs)
    return featurizer_for(obs).start_option


def size(env_id: str, n: int) -> dict[str, int]:
    """The keyword giving ``env_id``'s problem size ``n`` (``num_nodes``, ``num_items``, ``num_pairs``...)."""
    return {problem_of_env(env_id).kernel_type.size_name: n}


def make_instances(env_id: str, n: int, count: int, seed: int) -> list:
    """``count`` instances of size ``n`` from the problem's generator."""
    rng = np.random.default_rng(seed)
    gen = problem_of_env(env_id).generator_type(**size(env_id, n))
    return [gen(rng) for _ in range(count)]


def small_policy(cls: type, env_id: str, n: int = 10, **kw):
    obs, act = spaces_for(env_id, size(env_id, n))
    return make_policy(cls, obs, act, **{**SMALL, **kw})


def mid_episode_obs(env_id: str, n: int, b: int, steps: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Batched observations after ``steps`` random feasible actions."""
    venv = gym.make_vec(env_id, num_envs=b, vectorization_mode="vector_entry_point", **size(env_id, n))
    obs, _ = venv.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        masks = venv.action_masks()
        obs, *_ = venv.step(np.array([rng.choice(np.flatnonzero(m)) for m in masks]))
    return obs


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Small networks gain nothing from intra-op threads, and lose a lot on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tsp_instances() -> list:
    rng = np.random.default_rng(5)
    return [TSPGenerator(12)(rng) for _ in range(4)]


@pytest.fixture(scope="module")
def cvrp_instances() -> list:
    rng = np.random.default_rng(6)
    return [CVRPGenerator(10)(rng) for _ in range(4)]


# --- policies ----------------------------------------------------------------------------------
def test_pointer_envs__include_every_routing_problem():
    assert {TSP, CVRP, CVRPTW} <= set(POINTER_ENVS)


@pytest.mark.parametrize("cls", POLICIES)
@pytest.mark.parametrize("env_id", POINTER_ENVS)
def test_policy__forward_backward_on_batched_obs(cls, env_id):
    pol = small_policy(cls, env_id)
    obs = obs_to_tensors(mid_episode_obs(env_id, 10, 8, 4))
    logits, values = pol.node_logits(obs)
    assert logits.shape == (8, pol.action_space.n) and values.shape == (8, 1)
    (torch.logsumexp(logits, -1).mean() + values.pow(2).mean()).backward()
    grads = [p.grad for p in pol.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


@pytest.mark.parametrize("cls", POLICIES)
def test_policy__weights_do_not_depend_on_num_nodes(cls):
    pol = small_policy(cls, TSP, n=10)
    obs = obs_to_tensors(mid_episode_obs(TSP, 30, 3, 5))
    logits, values = pol.node_logits(obs)
    assert logits.shape == (3, 30) and values.shape == (3, 1)


@pytest.mark.parametrize("env_id", POINTER_ENVS)
def test_policy__sb3_preprocessed_obs_give_the_same_logits(env_id):
    pol = small_policy(AttentionPolicy, env_id)
    pol.set_training_mode(False)
    raw = obs_to_tensors(mid_episode_obs(env_id, 10, 6, 3))
    pre = preprocess_obs(raw, pol.observation_space)  # Discrete one-hot, MultiBinary float
    one_hot = {k: sp.n for k, sp in pol.observation_space.spaces.items() if isinstance(sp, gym.spaces.Discrete)}
    assert all(pre[k].shape == (6, n) for k, n in one_hot.items())
    with torch.no_grad():
        a, _ = pol.node_logits(raw)
        b, _ = pol.node_logits(pre)
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize("cls", POLICIES)
@pytest.mark.parametrize("env_id", POINTER_ENVS)
@pytest.mark.parametrize("mask_from_obs", [True, False])
def test_policy__never_samples_a_masked_action(cls, env_id, mask_from_obs):
    pol = small_policy(cls, env_id, mask_from_obs=mask_from_obs)
    obs_np = mid_episode_obs(env_id, 10, 64, 5, seed=1)
    obs = obs_to_tensors(obs_np)
    masks = obs_np["action_mask"].astype(bool)
    for _ in range(20):
        # with mask_from_obs=False the mask comes from the algorithm, as MaskablePPO passes it
        actions, _, log_prob = pol(obs, deterministic=False, action_masks=None if mask_from_obs else masks)
        a = actions.numpy()
        assert masks[np.arange(64), a].all()
        assert torch.isfinite(log_prob).all()
    if mask_from_obs:
        logits, _ = pol.node_logits(obs)
        assert (logits[torch.as_tensor(~masks)] == MASKED_LOGIT).all()


def test_featurizer__unknown_observation_keys_raise():
    with pytest.raises(RoutingGymError, match="no featurizer"):
        featurizer_for({"coords", "something_else"})


def test_check_pointer_spaces__names_the_space_the_keys_and_the_problem():
    from gymnasium import spaces

    obs, _ = spaces_for(CVRP, {"num_nodes": 5})
    with pytest.raises(RoutingGymError, match=r"routing_gym/CVRP-v0 \(problem 'cvrp'\).*MultiDiscrete"):
        check_pointer_spaces(obs, spaces.MultiDiscrete([3, 3]), env_id=CVRP)
    with pytest.raises(RoutingGymError, match="AttentionPolicy needs a Discrete action space.*Box"):
        make_policy(AttentionPolicy, obs, spaces.Box(0.0, 1.0, (2,)))
    odd = spaces.Dict({"coords": obs["coords"], "fleet": spaces.Discrete(3)})
    with pytest.raises(RoutingGymError, match=r"no featurizer for observations with keys \['coords', 'fleet'\]"):
        check_pointer_spaces(odd, spaces.Discrete(6), env_id=CVRP)


def test_cvrptw_featurizer__time_features_follow_the_observation():
    obs = obs_to_tensors(mid_episode_obs(CVRPTW, 10, 6, 4, seed=2))
    inp = CVRPTWFeaturizer()(obs)
    ready, due = obs["time_windows"][..., 0], obs["time_windows"][..., 1]
    now = obs["current_time"].reshape(-1, 1)
    assert inp.features.shape == (6, 11, CVRPTWFeaturizer.node_dim)
    torch.testing.assert_close(inp.features[..., 6], (ready - now).clamp_min(0))  # wait
    torch.testing.assert_close(inp.features[..., 7], due - now)  # slack
    assert (inp.anchor == 0).all() and inp.keep[:, 0].all()
    assert torch.equal(inp.keep, ~obs["visited"].bool() | (torch.arange(11) == 0) | (torch.arange(11) == inp.current[:, None]))
    assert not (inp.mask & ~inp.keep).any()  # only kept nodes are feasible


def test_square_symmetry__keeps_the_unit_square_and_distances():
    c = np.random.default_rng(0).random((8, 15, 2))
    t = square_symmetry(c, np.arange(8))
    assert t.min() >= 0 and t.max() <= 1
    d = lambda x: np.linalg.norm(x[:, :, None] - x[:, None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(d(t), d(c), atol=1e-12)
    assert len({t[i].tobytes() for i in range(8)}) == 8


# --- SB3 training ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", POLICIES)
@pytest.mark.parametrize("algo", ["maskable-ppo", "ppo"])
def test_learn__both_policies_with_both_algorithms(cls, algo):
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    from stable_baselines3.common.callbacks import BaseCallback

    class CountInvalid(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.ended = self.invalid = 0

        def _on_step(self) -> bool:
            for info in self.locals["infos"]:
                if "invalid_action" in info:
                    self.ended += 1
                    self.invalid += bool(info["invalid_action"])
            return True

    algo_cls = MaskablePPO if algo == "maskable-ppo" else PPO
    env = make_vec_env(CVRP, n_envs=8, seed=0, num_nodes=6)
    model = algo_cls(cls, env, n_steps=16, batch_size=64, n_epochs=2, policy_kwargs=SMALL, seed=0, device="cpu")
    before = [p.detach().clone() for p in model.policy.parameters()]
    counter = CountInvalid()
    model.learn(256, callback=counter)
    assert model.num_timesteps >= 256
    assert any(not torch.equal(a, p) for a, p in zip(before, model.policy.parameters()))
    # the policy masks with the observation's mask, so even plain PPO never ends an episode with a penalty
    assert counter.ended > 0 and counter.invalid == 0


def test_maskable_ppo__trains_tsp10_through_make_vec_env(tmp_path):
    from sb3_contrib import MaskablePPO

    env = make_vec_env(TSP, n_envs=32, seed=0, num_nodes=10)
    model = MaskablePPO(AttentionPolicy, env, n_steps=16, batch_size=256, n_epochs=4, learning_rate=1e-3, gamma=1.0,
                        policy_kwargs=SMALL, seed=0, device="cpu")
    val = [TSPGenerator(10)(np.random.default_rng([9, i])) for i in range(32)]
    before = np.mean([r.cost for r in rollout(model.policy, val)])
    model.learn(4096)
    after = np.mean([r.cost for r in rollout(model.policy, val)])
    assert model.num_timesteps >= 4096
    assert np.isfinite(after) and after < before  # a random-init pointer policy is far from good; PPO must improve it


def test_train__writes_checkpoints_and_validation_history(tmp_path):
    from routing_gym.agents.train import train

    res = train(TSP, {"num_nodes": 8}, policy="attention", algo="maskable-ppo", timesteps=256, n_envs=16, seed=0,
                out_dir=tmp_path, policy_kwargs=SMALL, algo_kwargs={"n_steps": 8, "batch_size": 64},
                eval_instances=8, eval_freq=128, reference="nn", progress_bar=False)
    assert res.best_path is not None and (res.best_path / "model.safetensors").is_file()
    assert len(res.history) >= 2 and all(h["gap"] is not None for h in res.history)
    assert list((tmp_path / "tb").iterdir())  # TensorBoard event files
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["reference"] == "nn" and summary["timesteps"] >= 256
    assert load_policy(res.best_path).checkpoint.training["val_mean_cost"] == min(h["mean_cost"] for h in res.history)


# --- decoding ----------------------------------------------------------------------------------------
ROLLOUT_CASES = [(e, kw) for e in POINTER_ENVS for kw in ({}, {"decode": "sample", "samples": 3, "augment": 8})]
ROLLOUT_CASES += [(e, {"augment": 4, "starts": 5}) for e in POINTER_ENVS if _start_option(e) is not None]


@pytest.mark.parametrize(("env_id", "kw"), ROLLOUT_CASES)
def test_rollout__solutions_are_feasible_and_costed_by_the_env(env_id, kw):
    pol = small_policy(AttentionPolicy, env_id)
    insts = make_instances(env_id, 11, 4, seed=6)
    for inst, r in zip(insts, rollout(pol, insts, seed=3, **kw)):
        ev = evaluate(inst, r.solution)
        assert ev.feasible and harness_cost(inst, ev.cost) == pytest.approx(r.cost, rel=1e-12)  # minus a profit


def test_rollout__more_rollouts_never_worse(tsp_instances):
    pol = small_policy(AttentionPolicy, TSP)
    greedy = [r.cost for r in rollout(pol, tsp_instances)]
    best = [r.cost for r in rollout(pol, tsp_instances, decode="sample", samples=4, augment=8)]
    assert all(b <= g + 1e-9 for b, g in zip(best, greedy))  # identity augmentation's greedy row is included


def test_rollout__bad_options_raise(cvrp_instances):
    pol = small_policy(AttentionPolicy, CVRP)
    with pytest.raises(SolverError, match="decode"):
        rollout(pol, cvrp_instances, decode="beam")
    with pytest.raises(SolverError, match="samples=1"):
        rollout(pol, cvrp_instances, samples=4)
    with pytest.raises(SolverError, match="start-node"):
        rollout(pol, cvrp_instances, starts=3)


def test_policy_heatmap__symmetric_probabilities(tsp_instances):
    pol = small_policy(AttentionPolicy, TSP)
    h = policy_heatmap(pol, tsp_instances[0], augment=2)
    n = tsp_instances[0].num_nodes
    assert h.shape == (n, n) and np.allclose(h, h.T) and np.all(np.diag(h) == 0) and (h >= 0).all()
    assert h.sum() == pytest.approx(n)  # each start node's first-step distribution sums to 1


def test_policy_heatmap__drives_the_kopt_mcts(tsp_instances):
    import functools

    from routing_gym.baselines.base import available_solvers

    if "kopt-mcts" not in available_solvers():
        pytest.skip("kopt-mcts solver not present")
    pol = small_policy(AttentionPolicy, TSP)
    # the solver takes a callable heatmap(instance) -> (n, n) (not expressible in a spec string)
    solver = type(make_solver("kopt-mcts"))(time_limit=0.2, heatmap=functools.partial(policy_heatmap, pol))
    res = solver(tsp_instances[1])
    assert res.ok and evaluate(tsp_instances[1], res.solution).feasible


# --- checkpoints -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", POLICIES)
@pytest.mark.parametrize("env_id", POINTER_ENVS)
def test_checkpoint__round_trip_gives_identical_outputs(tmp_path, cls, env_id):
    pol = small_policy(cls, env_id, **({"k": 4} if cls is GNNPolicy else {}))
    obs = obs_to_tensors(mid_episode_obs(env_id, 10, 5, 3))
    pol.set_training_mode(False)
    path = save_policy(pol, tmp_path / "ck", env_id=env_id, env_kwargs=size(env_id, 10), training={"note": "test"})
    loaded = load_policy(path)
    assert type(loaded) is cls and loaded.architecture == pol.architecture
    assert loaded.checkpoint.env_id == env_id and loaded.checkpoint.training == {"note": "test"}
    with torch.no_grad():
        a, va = pol.node_logits(obs)
        b, vb = loaded.node_logits(obs)
    assert torch.equal(a, b) and torch.equal(va, vb)
    assert set(p.name for p in path.iterdir()) == {"model.safetensors", "config.json"}


def test_checkpoint__corrupt_or_mismatched_raises_clear_error(tmp_path):
    pol = small_policy(AttentionPolicy, TSP)
    good = save_policy(pol, tmp_path / "good", env_id=TSP, env_kwargs={"num_nodes": 10})
    weights = (good / "model.safetensors").read_bytes()
    config = json.loads((good / "config.json").read_text())

    def variant(name: str, w: bytes, c: dict | str) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "model.safetensors").write_bytes(w)
        (d / "config.json").write_text(c if isinstance(c, str) else json.dumps(c))
        return d

    with pytest.raises(CheckpointError, match="does not match"):
        load_policy(variant("flipped", weights[:-1] + bytes([weights[-1] ^ 1]), config))
    with pytest.raises(CheckpointError, match="cannot read"):  # truncated, checksum updated to match
        import hashlib

        cut = weights[: len(weights) // 2]
        load_policy(variant("truncated", cut, {**config, "weights_sha256": hashlib.sha256(cut).hexdigest()}))
    with pytest.raises(CheckpointError, match="unreadable"):
        load_policy(variant("badjson", weights, "{not json"))
    with pytest.raises(CheckpointError, match="do not fit"):
        load_policy(variant("arch", weights, {**config, "architecture": {**config["architecture"], "embed_dim": 64}}))
    with pytest.raises(CheckpointError, match="format version"):
        load_policy(variant("version", weights, {**config, "format_version": 99}))
    with pytest.raises(CheckpointError, match="does not exist"):
        load_policy(tmp_path / "nowhere")
    with pytest.raises(CheckpointError, match="no shipped checkpoint"):
        load_policy(pretrained="tsp9999")


def test_pretrained__shipped_checkpoints_exist():
    assert {"tsp20", "tsp50", "cvrp20", "cvrptw20"} <= set(list_pretrained())


@pytest.mark.parametrize("name", list_pretrained())
def test_pretrained__loads_and_solves_feasibly(name):
    pol = load_policy(pretrained=name)
    card = Path(pol.checkpoint.path) / "MODEL_CARD.md"
    assert card.is_file()
    inst = make_instances(pol.checkpoint.env_id, 12, 1, seed=11)[0]
    sol = make_solver(f"agent:pretrained={name}:augment=2")(inst)
    assert sol.ok and evaluate(inst, sol.solution).feasible


def test_agent_solver__spec_validation():
    with pytest.raises(SolverError, match="decode"):
        make_solver("agent:decode=beam")
    with pytest.raises(SolverError, match="samples"):
        make_solver("agent:samples=4")
    with pytest.raises(SolverError, match="no shipped"):
        make_solver("agent:pretrained=nope")
    with pytest.raises(SolverError, match="does not exist"):
        make_solver("agent:path=/nonexistent/ckpt")


def test_agent_solver__path_checkpoint_solves_and_rejects_other_problems(tmp_path, tsp_instances, cvrp_instances):
    pol = small_policy(AttentionPolicy, TSP)
    save_policy(pol, tmp_path / "ck", env_id=TSP, env_kwargs={"num_nodes": 10})
    solver = make_solver(f"agent:path={tmp_path / 'ck'}:decode=sample:samples=2:augment=8")
    res = solver(tsp_instances[0])
    assert res.ok and evaluate(tsp_instances[0], res.solution).feasible
    assert solver(cvrp_instances[0]).status == "unsupported"


# --- imitation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("env_id", POINTER_ENVS)
def test_collect_demonstrations__replays_labels_exactly(env_id):
    # labels: the solutions of an untrained policy's rollouts (any feasible solution will do)
    pol = small_policy(AttentionPolicy, env_id)
    insts = make_instances(env_id, 10, 4, seed=7)
    decoded = rollout(pol, insts)
    sols, costs = [d.solution for d in decoded], np.array([d.cost for d in decoded])
    demos = collect_demonstrations(insts, sols, featurizer=pol.featurizer, rng=np.random.default_rng(0))
    _, first = np.unique(demos.episode, return_index=True)  # steps are stored time-major, not per episode
    # the return from each episode's first state is minus the label's cost: equivalent variants cost the same
    np.testing.assert_allclose(-demos.returns[first], costs, rtol=1e-9)
    obs, actions, _ = demos.batch(np.arange(len(demos)))
    assert obs["action_mask"].bool()[torch.arange(len(demos)), actions].all()


def test_behaviour_cloning__loss_decreases_on_a_tiny_dataset(tsp_instances):
    sols, _ = label_instances(tsp_instances, "nn")
    torch.manual_seed(0)
    pol = small_policy(AttentionPolicy, TSP)
    demos = collect_demonstrations(tsp_instances, sols, featurizer=pol.featurizer, rng=np.random.default_rng(0))

    def full_loss() -> float:
        # The cross-entropy over the whole dataset: per-batch losses are too noisy to compare.
        obs, actions, _ = demos.batch(np.arange(len(demos)))
        with torch.no_grad():
            logits, _ = pol.node_logits(obs)
        return float(torch.nn.functional.cross_entropy(logits, actions))

    before = full_loss()
    hist = behaviour_cloning(pol, demos, steps=80, batch_size=16, lr=2e-3, seed=0)
    assert hist.steps == 80
    after = full_loss()
    assert after < 0.7 * before, (before, after)


def test_imitate__reports_each_stage(tmp_path):
    from routing_gym.agents.imitation import imitate

    res = imitate(TSP, {"num_nodes": 8}, policy_kwargs=SMALL, num_instances=16, solver="nn", steps=30, batch_size=32,
                  eval_instances=6, eval_every=15, reference="nn", out_dir=tmp_path, finetune_timesteps=128, n_envs=16,
                  algo_kwargs={"n_steps": 8, "batch_size": 64}, progress=False)
    assert set(res.gaps) == {"untrained", "cloned", "finetuned"} and all(g is not None for g in res.gaps.values())
    assert (tmp_path / "labels.json").is_file() and (tmp_path / "summary.json").is_file()
    assert load_policy(res.path).checkpoint.training["label_solver"] == "nn"


def test_cli__train_and_imitate_subcommands(tmp_path, capsys):
    from routing_gym.agents.cli import main

    assert main(["train", "--env", TSP, "--env-kwargs", "num_nodes=6", "--timesteps", "64", "--n-envs", "8",
                 "--out", str(tmp_path / "t"), "--eval-instances", "4", "--reference", "none", "--no-progress",
                 "--policy-kwargs", "embed_dim=16", "num_layers=1", "num_heads=2",
                 "--algo-kwargs", "n_steps=8", "batch_size=32"]) == 0
    assert json.loads(capsys.readouterr().out)["final"].endswith("final")
    assert main(["imitate", "--env", CVRP, "--env-kwargs", "num_nodes=5", "--instances", "8", "--solver", "savings",
                 "--steps", "5", "--batch-size", "16", "--out", str(tmp_path / "i"), "--eval-instances", "3",
                 "--reference", "none", "--no-progress", "--policy-kwargs", "embed_dim=16", "num_layers=1",
                 "num_heads=2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert Path(out["checkpoint"]).is_dir() and "cloned" in out["mean_cost"]


def test_imitate__trains_on_cvrptw(tmp_path):
    from routing_gym.agents.imitation import imitate

    # labels from a saved (untrained) policy through the agent solver: any registered solver of the problem will do
    teacher = save_policy(small_policy(AttentionPolicy, CVRPTW, n=6), tmp_path / "teacher", env_id=CVRPTW,
                          env_kwargs={"num_nodes": 6})
    spec = f"agent:path={teacher}"
    res = imitate(CVRPTW, {"num_nodes": 6}, policy_kwargs=SMALL, num_instances=8, solver=spec, steps=10, batch_size=16,
                  eval_instances=4, eval_every=5, reference=spec, out_dir=tmp_path / "run", progress=False)
    assert set(res.gaps) == {"untrained", "cloned"} and res.gaps["cloned"] is not None
    assert res.summary["labelled"] == 8 and load_policy(res.path).checkpoint.env_id == CVRPTW


# --- layering -------------------------------------------------------------------------------------------
def test_baselines__never_import_the_agents():
    import ast

    root = Path(routing_gym.__file__).parent / "baselines"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith("routing_gym.agents") for n in names), f"{path} imports {names}"
