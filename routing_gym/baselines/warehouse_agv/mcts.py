"""The generic MCTS (``mcts``) on the warehouse: robot-by-robot decisions, shortest-path rollouts.

:class:`~routing_gym.baselines.mcts.MCTSPlanner` searches the ``MultiDiscrete`` joint move one robot
at a time (:class:`~routing_gym.baselines.mcts.RobotByRobot`). This hook gives it what the generic
``greedy`` rollout cannot (one joint step's reward says nothing about progress): a rollout policy
and a PUCT prior that prefer each robot's moves on a shortest path to its goal (the observation's
``goal_moves``), avoiding cells the robots before it in the same step already claimed. The env
cancels conflicting moves, so every plan the search returns is conflict-free; the answer is the
best complete episode found (a robot still off its goal at the horizon costs the horizon).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_gym.baselines.mcts import MCTS
from routing_gym.envs.warehouse_agv.types import MOVES, WarehouseInstance
from routing_gym.errors import SolverError

#: probability that a rollout robot takes a uniformly random allowed move (breaks deadlocks)
EPSILON = 0.1


def preferred_moves(obs: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
    """``(5,)`` weights of the next robot's moves: 4 on a shortest path to its goal and into a cell no
    earlier robot of this step claimed, 2 for waiting, 1 for any other allowed move, 0 masked."""
    i = int(obs["dimension"])
    pos = obs["positions"]
    claimed = pos[: i] + MOVES[obs["pending"]]  # where the robots before it go
    target = pos[i] + MOVES
    free = ~(target[:, None, :] == claimed[None, :, :]).all(axis=2).any(axis=1)
    w = np.where(obs["goal_moves"][i].astype(bool) & free, 4.0, 1.0)
    w[0] = 4.0 if obs["at_goal"][i] else 2.0
    return np.where(mask[:5], w, 0.0)


class ShortestPathRollout:
    """Rollout policy: a preferred move (weight 4 of :func:`preferred_moves`) at random, else wait;
    with probability :data:`EPSILON` any allowed move."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, obs: dict[str, np.ndarray], mask: np.ndarray) -> int:
        allowed = np.flatnonzero(mask[:5])
        if self.rng.random() < EPSILON:
            return int(allowed[self.rng.integers(len(allowed))])
        w = preferred_moves(obs, mask)
        best = np.flatnonzero(w == w.max())
        return int(best[self.rng.integers(len(best))])


def move_prior(obs: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
    """PUCT prior over the next robot's moves: :func:`preferred_moves`, normalised."""
    w = preferred_moves(obs, mask)
    return w / w.sum()


@MCTS.for_problem("warehouse_agv")
def solve_warehouse_mcts(solver: MCTS, instance: WarehouseInstance) -> list[list[list[int]]]:
    """The generic search with :class:`ShortestPathRollout` (in place of the default ``greedy``, which
    needs Discrete actions) and :func:`move_prior` unless the solver was given its own prior."""
    if instance.lifelong:
        raise SolverError("mcts plans one-shot instances (one goal per robot); this one is lifelong")
    rollout: Any = ShortestPathRollout(np.random.default_rng(solver.seed)) if solver.rollout == "greedy" else None
    return solver.plan(instance, rollout=rollout, prior=None if solver.prior is not None else move_prior)
