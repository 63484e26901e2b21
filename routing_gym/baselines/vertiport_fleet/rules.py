"""Rule policies of the vertiport fleet: ``random`` and ``greedy``, played on the kernel at batch 1.

Both act on the environment's own decisions (the deciding aircraft flies or waits), so their
schedules replay exactly; :func:`play_rule` runs any rule ``rule(kernel, rows) -> actions`` over a
whole day, at any batch size (the benchmark plays many days at once).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from routing_gym.baselines.base import Solver
from routing_gym.baselines.greedy import GreedySolver
from routing_gym.baselines.query_router.rules import RandomRouter
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel
from routing_gym.envs.vertiport_fleet.types import VertiportInstance

#: rule(kernel, rows) -> one action per row
Rule = Callable[[VertiportKernel, np.ndarray], np.ndarray]


def greedy_rule(kernel: VertiportKernel, rows: np.ndarray) -> np.ndarray:
    """The admitted decision of best immediate profit (ties: the lowest index; waiting earns 0)."""
    profit = np.where(kernel.mask[rows], kernel.immediate_profit(rows), -np.inf)
    return np.argmax(profit, axis=1)


def random_rule(rng: np.random.Generator) -> Rule:
    """A uniformly random admitted decision."""

    def rule(kernel: VertiportKernel, rows: np.ndarray) -> np.ndarray:
        mask = kernel.mask[rows]
        score = np.where(mask, rng.random(mask.shape), -1.0)
        return np.argmax(score, axis=1)

    return rule


def play_rule(instances: Sequence[VertiportInstance], rule: Rule) -> tuple[list[list[list[int]]], np.ndarray]:
    """Play ``rule`` on each day (one kernel row each, same vertiport count); returns the flights and profits."""
    k = VertiportKernel(len(instances), instances[0].num_vertiports)
    k.load(np.arange(len(instances)), VertiportKernel.stack(instances))
    actions = np.zeros(len(instances), dtype=np.int64)
    while not k.done.all():
        live = np.flatnonzero(~k.done)
        actions[live] = rule(k, live)
        k.step(actions)
    return [k.solution(r) for r in range(len(instances))], -k.cost.copy()


@RandomRouter.for_problem("vertiport_fleet")
def random_vertiport(solver: Solver, instance: VertiportInstance) -> list[list[int]]:
    """Every decision uniformly at random among the admitted ones (seeded by ``seed``)."""
    return play_rule([instance], random_rule(np.random.default_rng(solver.seed)))[0][0]


@GreedySolver.for_problem("vertiport_fleet")
def greedy_vertiport(solver: Solver, instance: VertiportInstance) -> list[list[int]]:
    """Every decision the one of best immediate profit (no look-ahead: it never repositions empty)."""
    return play_rule([instance], greedy_rule)[0][0]
