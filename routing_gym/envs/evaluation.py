"""The result type of every ``evaluate`` function."""

from __future__ import annotations

from typing import NamedTuple


class Evaluation(NamedTuple):
    """Cost and feasibility of a solution.

    :param cost: the objective (total travel cost); ``nan`` when it cannot be computed.
    :param feasible: whether every constraint holds.
    :param violation: the first violated constraint, named, or ``None``.
    """

    cost: float
    feasible: bool
    violation: str | None = None
