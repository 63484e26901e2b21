"""Flight plans played through the vertiport kernel, the judge's own dynamics.

A plan is a list of flights ``(aircraft, time, destination)`` made by a model that may differ
from the day's exact rules (a relaxation, or a forecast). :func:`plan_rule` turns it into a
decision rule for :func:`~routing_gym.baselines.vertiport_fleet.rules.play_rule`: each aircraft
flies its planned legs in order, each at its planned time or, when the kernel's mask refuses it
then (a charger the rules gave another aircraft, a parking place still taken), at the first
later step that admits it; a leg late by more than ``patience`` steps is dropped. Whatever the
plan, the schedule that comes back is the one the kernel flew, so it replays exactly.
"""

from __future__ import annotations

from collections import deque
from typing import Iterable, Sequence

import numpy as np

from routing_gym.baselines.vertiport_fleet.rules import Rule, play_rule
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel
from routing_gym.envs.vertiport_fleet.types import VertiportInstance


class PlannedLegs:
    """Per aircraft, the planned legs ``(time, destination)`` still to fly, in time order (one kernel row)."""

    def __init__(self, num_aircraft: int, flights: Iterable[Sequence[int]] = ()) -> None:
        self.legs: list[deque[tuple[int, int]]] = [deque() for _ in range(num_aircraft)]
        self.replace(flights)

    def replace(self, flights: Iterable[Sequence[int]], from_time: int = 0) -> None:
        """Forget every leg and plan ``flights`` (those at ``from_time`` or later)."""
        for q in self.legs:
            q.clear()
        for a, t, d in sorted(((int(a), int(t), int(d)) for a, t, d in flights), key=lambda f: (f[1], f[0])):
            if t >= from_time:
                self.legs[a].append((t, d))

    def action(self, kernel: VertiportKernel, row: int, patience: int) -> int:
        """The deciding aircraft's next leg if it is due and admitted, else waiting (its own vertiport)."""
        a, t = int(kernel.actor[row]), int(kernel.clock[row])
        here = int(kernel.loc[row, a])
        q = self.legs[a]
        while q and (q[0][0] < t - patience or q[0][1] == here):
            q.popleft()  # too late, or already where the leg goes
        if q and q[0][0] <= t and kernel.mask[row, q[0][1]]:
            return q.popleft()[1]
        return here


def plan_rule(plans: Sequence[PlannedLegs], patience: int) -> Rule:
    """A :data:`Rule` flying row ``r``'s legs from ``plans[r]``."""

    def rule(kernel: VertiportKernel, rows: np.ndarray) -> np.ndarray:
        return np.array([plans[r].action(kernel, int(r), patience) for r in rows], dtype=np.int64)

    return rule


def fly_plan(instance: VertiportInstance, flights: Iterable[Sequence[int]], patience: int | None = None) -> tuple[list[list[int]], float]:
    """The schedule the kernel flies from ``flights`` (see the module docstring) and its profit.

    :param patience: steps a refused leg may wait (default: the passengers' ``max_wait``).
    """
    wait = instance.max_wait if patience is None else int(patience)
    flown, profit = play_rule([instance], plan_rule([PlannedLegs(instance.num_aircraft, flights)], wait))
    return flown[0], float(profit[0])
