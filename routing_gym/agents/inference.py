"""Batched decoding with a trained policy: greedy, sampling, multi-start, x8 augmentation, heatmaps.

Every rollout runs in the native vector environment, so the environment builds
(and judges) each solution. One forward pass serves all rows: for ``I``
instances with ``A`` augmentations, ``S`` start nodes and ``K`` samples, the
vector env holds ``I * A * S * K`` copies and the best row per instance wins.
Augmentation transforms the *observed* coordinates with one of the 8
symmetries of the unit square (POMO); the environment keeps the instance's
original distances, so costs stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import gymnasium as gym
import numpy as np
import torch

from routing_gym.agents.featurizers import square_symmetry
from routing_gym.agents.policies import RoutingPolicy, obs_to_tensors
from routing_gym.errors import SolverError
from routing_gym.registry import env_id_for

DECODES = ("greedy", "sample")


@dataclass
class Decoded:
    """The best rollout of one instance.

    :param solution: in the problem's format, as the environment built it.
    :param cost: its cost (the environment's, i.e. the original distances).
    :param rollouts: how many rollouts it was the best of.
    """

    solution: Any
    cost: float
    rollouts: int


def as_policy(model: Any) -> RoutingPolicy:
    """A :class:`RoutingPolicy` from a policy, an SB3 model (``.policy``) or a checkpoint path."""
    if isinstance(model, RoutingPolicy):
        return model
    if isinstance(getattr(model, "policy", None), RoutingPolicy):
        return model.policy
    if isinstance(model, (str, Path)):
        from routing_gym.agents.checkpoint import load_policy

        return load_policy(model)
    raise SolverError(f"expected a RoutingPolicy, an SB3 model using one, or a checkpoint path; got {type(model).__name__}")


def _start_nodes(num_nodes: int, starts: int) -> np.ndarray:
    """``starts`` start nodes spread over ``0..num_nodes-1`` (all of them when ``starts >= num_nodes``)."""
    s = min(int(starts), num_nodes)
    return (np.arange(s) * num_nodes) // s


def rollout(model: Any, instances: Sequence[Any], *, decode: str = "greedy", samples: int = 1, augment: int = 1,
            starts: int = 1, temperature: float = 1.0, seed: int = 0, max_rows: int = 4096) -> list[Decoded]:
    """Solve ``instances`` with a policy and return the best rollout of each.

    :param model: a policy, an SB3 model, or a checkpoint folder.
    :param instances: instances of one problem (sizes may differ; equal sizes batch together).
    :param decode: ``"greedy"`` (argmax) or ``"sample"`` (from the softmax; the first
        sample of every augmentation/start is greedy, so sampling never loses to greedy).
    :param samples: rollouts per augmentation and start (``1`` for greedy).
    :param augment: how many of the 8 unit-square symmetries to use (1..8); a problem without
        positions (``featurizer.coord_key is None``) has no symmetry and decodes once.
    :param starts: start nodes per instance, for environments with a start option (TSP);
        spread evenly, all nodes when ``starts >= n``.
    :param temperature: softmax temperature of sampling.
    :param seed: seed of the sampling generator.
    :param max_rows: most rows stepped in one vector env (bounds memory).
    """
    policy = as_policy(model)
    if decode not in DECODES:
        raise SolverError(f"decode: expected one of {DECODES}, got {decode!r}")
    samples, augment, starts = int(samples), int(augment), int(starts)
    if samples < 1 or not 1 <= augment <= 8 or starts < 1:
        raise SolverError(f"need samples >= 1, 1 <= augment <= 8, starts >= 1; got {samples}, {augment}, {starts}")
    if decode == "greedy" and samples != 1:
        raise SolverError("decode=greedy takes samples=1; use decode=sample for several samples")
    if temperature <= 0:
        raise SolverError(f"temperature must be > 0, got {temperature}")
    if policy.featurizer.coord_key is None:
        augment = 1  # no positions, no symmetry: eight copies would decode the same way
    if starts > 1 and policy.featurizer.start_option is None:
        raise SolverError(f"starts={starts}: the {policy.featurizer.name} environment has no start-node option")
    instances = list(instances)
    if not instances:
        return []
    env_id = env_id_for(instances[0])
    gen = torch.Generator(device=policy.device).manual_seed(int(seed))
    results: list[Decoded | None] = [None] * len(instances)
    sizes: dict[int, list[int]] = {}
    for i, inst in enumerate(instances):
        if env_id_for(inst) != env_id:
            raise SolverError("rollout: all instances must be of one problem")
        sizes.setdefault(_instance_size(env_id, inst), []).append(i)
    was_training = policy.training
    policy.set_training_mode(False)
    try:
        for size, idx in sizes.items():
            n_starts = len(_start_nodes(_num_nodes(env_id, instances[idx[0]]), starts)) if starts > 1 else 1
            per = augment * n_starts * samples
            chunk = max(1, max_rows // per)
            for c in range(0, len(idx), chunk):
                part = idx[c: c + chunk]
                best = _rollout_chunk(policy, env_id, [instances[i] for i in part], decode, samples, augment, starts, temperature, gen)
                for i, d in zip(part, best):
                    results[i] = d
    finally:
        policy.set_training_mode(was_training)
    return results  # type: ignore[return-value]


def _vector_env_class(env_id: str) -> Any:
    from gymnasium.envs.registration import load_env_creator

    return load_env_creator(gym.spec(env_id).vector_entry_point)


def _instance_size(env_id: str, instance: Any) -> int:
    return int(_vector_env_class(env_id).kernel_type.instance_size(instance))


def _num_nodes(env_id: str, instance: Any) -> int:
    """Number of node slots (= actions) of ``instance`` in its environment."""
    kernel = _vector_env_class(env_id).kernel_type(1, _instance_size(env_id, instance))
    return int(kernel.num_actions)


@torch.no_grad()
def _rollout_chunk(policy: RoutingPolicy, env_id: str, instances: list[Any], decode: str, samples: int, augment: int,
                   starts: int, temperature: float, gen: torch.Generator) -> list[Decoded]:
    feat = policy.featurizer
    n_nodes = _num_nodes(env_id, instances[0])
    start_nodes = _start_nodes(n_nodes, starts) if starts > 1 else None
    n_starts = 1 if start_nodes is None else len(start_nodes)
    per = augment * n_starts * samples
    rows = len(instances) * per
    # row = ((instance * augment + a) * n_starts + s) * samples + k
    grid = np.indices((len(instances), augment, n_starts, samples)).reshape(4, rows)
    inst_of, aug_of, start_of, sample_of = grid
    options: dict[str, Any] = {"instances": [instances[i] for i in inst_of]}
    if start_nodes is not None:
        options[feat.start_option] = start_nodes[start_of]  # type: ignore[index]
    venv = gym.make_vec(env_id, num_envs=rows, vectorization_mode="vector_entry_point", instance=instances[0])
    try:
        obs, _ = venv.reset(options=options)
        greedy_row = torch.as_tensor((sample_of == 0) | (decode == "greedy"), device=policy.device)
        finished = np.zeros(rows, dtype=bool)
        costs = np.full(rows, np.inf)
        solutions: list[Any] = [None] * rows
        while not finished.all():
            if augment > 1:
                obs = dict(obs)
                obs[feat.coord_key] = square_symmetry(obs[feat.coord_key], aug_of)
            logits, _ = policy.node_logits(obs_to_tensors(obs, policy.device), with_value=False)
            actions = logits.argmax(-1)
            if decode == "sample":
                probs = torch.softmax(logits / temperature, dim=-1)
                sampled = torch.multinomial(probs, 1, generator=gen).squeeze(-1)
                actions = torch.where(greedy_row, actions, sampled)
            obs, _, terminated, truncated, info = venv.step(actions.cpu().numpy())
            ended = (terminated | truncated) & ~finished
            if ended.any():
                fin = info["final_info"]
                for r in np.flatnonzero(ended):
                    if fin["invalid_action"][r] or not fin["_cost"][r]:
                        raise SolverError(f"policy rollout ended without a solution (row {r}); the policy chose an infeasible action")
                    costs[r] = fin["cost"][r]
                    solutions[r] = fin["solution"][r]
                finished |= ended
    finally:
        venv.close()
    out = []
    for i in range(len(instances)):
        sl = slice(i * per, (i + 1) * per)
        r = i * per + int(np.argmin(costs[sl]))
        out.append(Decoded(solutions[r], float(costs[r]), per))
    return out


@torch.no_grad()
def policy_heatmap(model: Any, instance: Any, augment: int = 1) -> np.ndarray:
    """Edge heatmap ``(n, n)`` of a TSP instance from the policy's first-step probabilities.

    Row ``i`` of the first-step distribution, starting the tour at ``i`` (one batched
    forward pass over all start nodes), is the policy's belief that ``i -> j`` is a tour
    edge; the heatmap is its symmetrisation ``(P + P.T) / 2`` with a zero diagonal, the
    form the k-opt MCTS takes (``heatmap=``). ``augment`` averages over that many of the
    8 unit-square symmetries.
    """
    policy = as_policy(model)
    feat = policy.featurizer
    if feat.start_option is None:
        raise SolverError(f"policy_heatmap needs an environment with a start-node option (TSP), not {feat.name}")
    if not 1 <= int(augment) <= 8:
        raise SolverError(f"augment must be in 1..8, got {augment}")
    env_id = env_id_for(instance)
    n = _num_nodes(env_id, instance)
    aug = np.repeat(np.arange(int(augment)), n)
    start = np.tile(np.arange(n), int(augment))
    venv = gym.make_vec(env_id, num_envs=len(aug), vectorization_mode="vector_entry_point", instance=instance)
    was_training = policy.training
    policy.set_training_mode(False)
    try:
        obs, _ = venv.reset(options={feat.start_option: start})
        obs = dict(obs)
        obs[feat.coord_key] = square_symmetry(obs[feat.coord_key], aug)
        logits, _ = policy.node_logits(obs_to_tensors(obs, policy.device), with_value=False)
    finally:
        policy.set_training_mode(was_training)
        venv.close()
    p = torch.softmax(logits.double(), dim=-1).cpu().numpy().reshape(int(augment), n, n).mean(0)
    np.fill_diagonal(p, 0.0)
    return (p + p.T) / 2.0
