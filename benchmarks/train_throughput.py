"""Training throughput: env-steps/s of MaskablePPO with AttentionPolicy, and where the time goes.

Runs ``MaskablePPO(AttentionPolicy, make_vec_env("routing_gym/TSP-v0", n_envs, num_nodes=n))``
for ``--timesteps`` steps and splits the wall time into

* **env**: the batched vector env (``step``, ``reset``, ``action_masks``), timed by a
  VecEnv wrapper around the adapter;
* **rollout policy**: the rest of rollout collection (policy forward passes, buffer);
* **update**: PPO's gradient epochs.

One PPO iteration is ``n_steps x n_envs`` env steps of rollout then ``n_epochs`` passes of
minibatch updates; a first iteration (warm-up, and compilation with ``--compile``) is not timed.
Options of the speed-ups in :func:`routing_gym.agents.train.train`: ``--[no-]sorted-batches``
(minibatches of states of similar size, on by default as in ``train``) and ``--compile``
(``torch.compile`` of the encoder, off as in ``train``).

Usage::

    python benchmarks/train_throughput.py                       # TSP20, 64 envs, 8192 steps
    python benchmarks/train_throughput.py --num-nodes 50 --n-envs 128 --threads 1 --no-sorted-batches
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import torch
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnvWrapper

from routing_gym.agents import AttentionPolicy, make_vec_env


class TimedVecEnv(VecEnvWrapper):
    """Accumulates the seconds spent inside the wrapped VecEnv."""

    def __init__(self, venv: Any) -> None:
        super().__init__(venv)
        self.seconds = 0.0
        self.steps = 0

    def _timed(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t

    def reset(self) -> Any:
        return self._timed(self.venv.reset)

    def step_async(self, actions: np.ndarray) -> None:
        self._timed(self.venv.step_async, actions)

    def step_wait(self) -> Any:
        self.steps += self.num_envs
        return self._timed(self.venv.step_wait)

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any) -> list[Any]:
        return self._timed(self.venv.env_method, method_name, *args, indices=indices, **kwargs)


class PhaseTimer(BaseCallback):
    """Wall time of the rollout phases (the rest of ``learn`` is PPO's update)."""

    def __init__(self) -> None:
        super().__init__()
        self.rollout = 0.0
        self._t = 0.0

    def _on_rollout_start(self) -> None:
        self._t = time.perf_counter()

    def _on_rollout_end(self) -> None:
        self.rollout += time.perf_counter() - self._t

    def _on_step(self) -> bool:
        return True


def run(num_nodes: int, n_envs: int, timesteps: int, n_steps: int, batch_size: int, embed_dim: int, num_layers: int,
        num_heads: int, threads: int | None, seed: int, sorted_batches: bool = False, compile_encoder: bool = False) -> dict[str, Any]:
    if threads is not None:
        torch.set_num_threads(threads)
    from sb3_contrib import MaskablePPO

    buffer = None
    if sorted_batches:
        from routing_gym.agents.buffers import SizeSortedMaskableRolloutBuffer as buffer
    env = TimedVecEnv(make_vec_env("routing_gym/TSP-v0", n_envs=n_envs, seed=seed, num_nodes=num_nodes))
    model = MaskablePPO(
        AttentionPolicy, env, n_steps=n_steps, batch_size=min(batch_size, n_steps * n_envs), n_epochs=4, gamma=1.0,
        policy_kwargs={"embed_dim": embed_dim, "num_layers": num_layers, "num_heads": num_heads}, seed=seed, device="cpu",
        rollout_buffer_class=buffer,
    )
    if compile_encoder:
        model.policy.encoder.compile(dynamic=True)
    model.learn(n_steps * n_envs)  # one untimed iteration
    env.seconds, warm = 0.0, int(model.num_timesteps)
    timer = PhaseTimer()
    t0 = time.perf_counter()
    model.learn(timesteps, callback=timer, reset_num_timesteps=False)
    total = time.perf_counter() - t0
    steps = int(model.num_timesteps) - warm
    return {
        "problem": f"TSP{num_nodes}", "n_envs": n_envs, "n_steps": n_steps, "batch_size": model.batch_size,
        "timesteps": steps, "iterations": steps // (n_steps * n_envs), "sorted_batches": sorted_batches,
        "compiled": compile_encoder,
        "policy": {"embed_dim": embed_dim, "num_layers": num_layers, "num_heads": num_heads},
        "torch_threads": torch.get_num_threads(), "total_s": total, "env_steps_per_s": steps / total,
        "rollout_env_steps_per_s": steps / timer.rollout,
        "share_env": env.seconds / total, "share_rollout_policy": (timer.rollout - env.seconds) / total,
        "share_update": (total - timer.rollout) / total,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--num-nodes", type=int, default=20)
    p.add_argument("--n-envs", type=int, default=64)
    p.add_argument("--n-steps", type=int, default=32, help="rollout length per env between updates")
    p.add_argument("--batch-size", type=int, default=256, help="PPO minibatch size (train's default 256)")
    p.add_argument("--sorted-batches", action=argparse.BooleanOptionalAction, default=True,
                   help="minibatches of states of similar size (train's default; --no-sorted-batches: uniformly random)")
    p.add_argument("--compile", action="store_true", help="torch.compile the encoder")
    p.add_argument("--timesteps", type=int, default=8192)
    p.add_argument("--embed-dim", type=int, default=128)
    p.add_argument("--num-layers", type=int, default=3)
    p.add_argument("--num-heads", type=int, default=8)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    a = p.parse_args()
    r = run(a.num_nodes, a.n_envs, a.timesteps, a.n_steps, a.batch_size, a.embed_dim, a.num_layers, a.num_heads, a.threads,
            a.seed, a.sorted_batches, a.compile)
    if a.json:
        print(json.dumps(r, indent=2))
        return
    print(f"MaskablePPO + AttentionPolicy{tuple(r['policy'].values())} on {r['problem']}, {r['n_envs']} envs x "
          f"{r['n_steps']} steps, minibatch {r['batch_size']}{', sorted' if r['sorted_batches'] else ''}"
          f"{', compiled' if r['compiled'] else ''}, {r['torch_threads']} torch thread(s): "
          f"{r['iterations']} iterations, {r['timesteps']} steps in {r['total_s']:.1f} s")
    print(f"  overall      {r['env_steps_per_s']:10.0f} env-steps/s")
    print(f"  rollouts     {r['rollout_env_steps_per_s']:10.0f} env-steps/s (collection only)")
    print(f"  time share   env {100 * r['share_env']:.1f}%  |  policy during rollouts "
          f"{100 * r['share_rollout_policy']:.1f}%  |  PPO update {100 * r['share_update']:.1f}%")


if __name__ == "__main__":
    main()
