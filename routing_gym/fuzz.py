"""Random-action fuzz of a problem through its native vector env (``benchmarks/fuzz.py`` prints it for all).

``fuzz(problem, seconds, batch, seed)``: ``batch`` episodes at a time play uniformly random admitted
actions (``Box``: uniform in the bounds) for ``seconds``; every finished episode is
checked against the invariants of the suite:

* no NaN or infinite reward or observation;
* a mask never empty before the episode ends, and an admitted action never judged invalid;
* the finished solution is feasible by the problem's ``evaluate``, and the summed reward
  is its objective (minus the cost, or plus the profit) to 1e-9 relative.

The contract test (``tests/test_contract.py``) runs a short fuzz on every registered problem.
"""

from __future__ import annotations

import math
import time
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from routing_gym.registry import Problem


def random_actions(space: spaces.Space, masks: np.ndarray | None, rng: np.random.Generator, n: int) -> np.ndarray:
    """One admitted action per row (``n`` rows), drawn uniformly (per dimension for ``MultiDiscrete``)."""
    if isinstance(space, spaces.Box):
        low, high = np.maximum(space.low, -1e3), np.minimum(space.high, 1e3)
        return rng.uniform(low, high, size=(n,) + space.shape).astype(space.dtype)
    widths = [int(space.n)] if isinstance(space, spaces.Discrete) else [int(k) for k in space.nvec]
    parts, start = [], 0
    for w in widths:
        m = masks[:, start:start + w]
        scores = np.where(m, rng.random(m.shape), -1.0)
        parts.append(scores.argmax(axis=1))
        start += w
    return parts[0] if isinstance(space, spaces.Discrete) else np.stack(parts, axis=1)


def mask_ok(space: spaces.Space, masks: np.ndarray | None) -> np.ndarray:
    """Rows whose mask admits an action in every dimension."""
    if masks is None:
        return np.ones(1, dtype=bool)
    if isinstance(space, spaces.Discrete):
        return masks.any(axis=1)
    cuts = np.cumsum(space.nvec)[:-1]
    return np.all([p.any(axis=1) for p in np.split(masks, cuts, axis=1)], axis=0)


def finished_violations(problem: Problem, insts: list[Any], rows: np.ndarray, totals: np.ndarray,
                        info: dict[str, Any]) -> int:
    """Invariant violations among the episodes that ended in ``rows``."""
    bad = 0
    final = info["final_info"]
    for r in rows:
        if final["invalid_action"][r] or not final["_solution"][r]:
            bad += 1
            continue
        ev = problem.evaluate(insts[r], final["solution"][r])
        objective = totals[r] if problem.sense == "max" else -totals[r]
        if not ev.feasible or not math.isclose(objective, ev.cost, rel_tol=1e-9, abs_tol=1e-9):
            bad += 1
    return bad


def fuzz(problem: Problem, seconds: float, batch: int, seed: int) -> tuple[int, int, int]:
    """``(steps, episodes, violations)`` of random play on ``problem`` for ``seconds``."""
    env_id = problem.env_id
    gen = problem.generator_type(**problem.tiny_kwargs)
    rng = np.random.default_rng(seed)
    venv = gym.make_vec(env_id, batch, vectorization_mode="vector_entry_point", generator=gen)
    space = venv.unwrapped.single_action_space
    steps = episodes = violations = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        insts = [gen(np.random.default_rng([seed, episodes, i])) for i in range(batch)]
        obs, _ = venv.reset(seed=seed + episodes, options={"instances": insts})
        totals = np.zeros(batch)
        alive = np.ones(batch, dtype=bool)
        while alive.any():
            masks = venv.unwrapped.action_masks()
            violations += int((~mask_ok(space, masks) & alive).sum()) if masks is not None else 0
            obs, reward, term, trunc, info = venv.step(random_actions(space, masks, rng, batch))
            steps += int(alive.sum())
            violations += int((~np.isfinite(reward) & alive).sum())
            violations += sum(int(not np.all(np.isfinite(v[alive]))) for v in obs.values()
                              if np.issubdtype(np.asarray(v).dtype, np.floating))
            totals += np.where(alive, reward, 0.0)
            done = (term | trunc) & alive
            if done.any():
                violations += finished_violations(problem, insts, np.flatnonzero(done), totals, info)
                episodes += int(done.sum())
                alive &= ~done
    return steps, episodes, violations
