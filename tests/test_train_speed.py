"""Training speed and robustness: ``train`` and ``imitate`` survive an interruption (a second run with
``resume=True`` goes on from the last checkpoint), device selection picks a GPU only when one is present,
and size-sorted PPO minibatches still use every state once per epoch."""

from __future__ import annotations

import importlib
import json

import pytest
import torch

from routing_gym.agents.train import resolve_device, train
from routing_gym.errors import RoutingGymError

train_module = importlib.import_module("routing_gym.agents.train")  # the module (the package exports the function)
TSP = "routing_gym/TSP-v0"
SMALL = {"embed_dim": 16, "num_layers": 1, "num_heads": 2}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny networks: one thread is faster, and far faster on a busy machine (no OpenMP waits)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def interrupt_on_call(monkeypatch: pytest.MonkeyPatch, module: object, name: str, call: int) -> list[int]:
    """Make ``module.name`` raise KeyboardInterrupt (as Ctrl-C would) on its ``call``-th call."""
    real, calls = getattr(module, name), []

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls


def test_train__interrupted_run_resumes_from_its_last_checkpoint(tmp_path, monkeypatch):
    kw = dict(policy="attention", timesteps=256, n_envs=8, seed=0, out_dir=tmp_path, policy_kwargs=SMALL,
              algo_kwargs={"n_steps": 8, "batch_size": 32, "n_epochs": 1}, eval_instances=2, eval_freq=64, reference=None,
              progress_bar=False, device="cpu")
    interrupt_on_call(monkeypatch, train_module, "evaluate_policy", 3)  # at 192 steps, during the third rollout
    with pytest.raises(KeyboardInterrupt):
        train(TSP, {"num_nodes": 8}, **kw)
    state = json.loads((tmp_path / "last" / "state.json").read_text())
    assert state["num_timesteps"] == 128 and [h["timesteps"] for h in state["eval"]["history"]] == [64, 128]
    assert not (tmp_path / "summary.json").exists()

    monkeypatch.undo()
    res = train(TSP, {"num_nodes": 8}, resume=True, **kw)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["resumed_from"] == 128 and summary["timesteps"] == res.model.num_timesteps == 256
    assert [h["timesteps"] for h in res.history] == [64, 128, 192, 256]  # the saved history, then the rest
    assert json.loads((tmp_path / "last" / "state.json").read_text())["num_timesteps"] == 256
    again = train(TSP, {"num_nodes": 8}, resume=True, **kw)  # nothing left to do
    assert again.model.num_timesteps == 256 and [h["timesteps"] for h in again.history] == [64, 128, 192, 256]


def test_imitate__interrupted_cloning_resumes(tmp_path, monkeypatch):
    from routing_gym.agents import imitation

    kw = dict(policy_kwargs=SMALL, num_instances=6, solver="nn", steps=12, batch_size=16, eval_instances=3, eval_every=4,
              reference=None, out_dir=tmp_path, progress=False, device="cpu")
    calls = interrupt_on_call(monkeypatch, imitation.Validation, "__call__", 3)  # untrained, step 4, then step 8
    with pytest.raises(KeyboardInterrupt):
        imitation.imitate(TSP, {"num_nodes": 6}, **kw)
    assert len(calls) == 3
    saved = torch.load(tmp_path / "last" / "cloning.pt", weights_only=False)
    assert saved["hist"]["steps"] == 4 and len(saved["hist"]["loss"]) == 4

    monkeypatch.undo()
    res = imitation.imitate(TSP, {"num_nodes": 6}, resume=True, **kw)
    evals = res.summary["bc_evals"]
    assert res.summary["bc_steps"] == 12 and [e["step"] for e in evals] == [4, 8, 12]
    assert evals[0] == saved["hist"]["evals"][0]  # carried over, not redone


def test_resolve_device__auto_takes_a_gpu_only_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(RoutingGymError, match="device"):
        resolve_device("tpu-please")


def test_train__without_resume_starts_over_and_amp_stays_off_on_a_cpu(tmp_path):
    kw = dict(timesteps=64, n_envs=8, out_dir=tmp_path, policy_kwargs=SMALL, amp=True, eval_instances=0,
              algo_kwargs={"n_steps": 8, "batch_size": 32, "n_epochs": 1}, progress_bar=False, device="cpu")
    train(TSP, {"num_nodes": 6}, **kw)
    res = train(TSP, {"num_nodes": 6}, **kw)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert res.model.num_timesteps == 64 and "resumed_from" not in summary
    assert summary["amp"] is False and res.model.policy.amp is False and summary["device"] == "cpu"


def test_sorted_batches__every_state_once_per_epoch_in_minibatches_of_similar_size():
    from sb3_contrib import MaskablePPO

    from routing_gym.agents import AttentionPolicy, make_vec_env
    from routing_gym.agents.buffers import SizeSortedMaskableRolloutBuffer, state_sizes

    env = make_vec_env(TSP, n_envs=8, seed=0, num_nodes=10)
    model = MaskablePPO(AttentionPolicy, env, n_steps=12, batch_size=16, n_epochs=1, policy_kwargs=SMALL, seed=0,
                        device="cpu", rollout_buffer_class=SizeSortedMaskableRolloutBuffer)
    model.learn(96)  # one rollout of 96 states, one epoch of 6 minibatches
    buf = model.rollout_buffer
    batches = list(buf.get(16))
    sizes = [(b.observations["visited"] == 0).sum(1) for b in batches]
    assert len(batches) == 6 and all(len(s) == 16 for s in sizes)
    assert sorted(torch.cat(sizes).tolist()) == sorted(state_sizes(buf.observations, 96).tolist())
    assert all(int(s.max() - s.min()) <= 2 for s in sizes)  # 12 steps of 8 synchronous TSP10 episodes: few sizes each
    assert sorted(torch.cat([b.actions.flatten() for b in batches]).tolist()) == sorted(buf.actions.flatten().tolist())
