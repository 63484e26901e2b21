"""Prize-collecting TSP instance and its evaluation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.prize_tour import EPS, PrizeTourInstance, as_tour, node_values, nonnegative_number, tour_legs
from routing_gym.envs.validation import check_coords


@dataclass(frozen=True, eq=False)
class PCTSPInstance(PrizeTourInstance):
    """A prize-collecting TSP instance (the deterministic PCTSP of Kool et al. 2019, after Balas 1989).

    One tour from the depot (node 0) visits a subset of the nodes ``1..n``, each at
    most once. It must collect at least ``min_prize`` in prizes, unless it visits
    every node (when the prizes do not add up to ``min_prize``, that is the only way).
    Its cost is its length plus the penalties of the nodes it leaves out.

    :param distances: ``(n + 1, n + 1)`` travel lengths, node 0 the depot.
    :param prizes: ``(n + 1,)`` non-negative prizes, ``prizes[0] == 0``.
    :param penalties: ``(n + 1,)`` non-negative penalties of leaving a node out, ``penalties[0] == 0``.
    :param min_prize: the prize the tour must collect (``>= 0``; Kool et al.: 1).
    :param coords: ``(n + 1, 2)`` coordinates or ``None``.
    :param edge_weight_type: the distance convention.
    :param name: a label.
    :param optimum: the best-known cost, if any.
    """

    distances: np.ndarray
    prizes: np.ndarray
    penalties: np.ndarray
    min_prize: float = 1.0
    coords: np.ndarray | None = None
    edge_weight_type: str = "EUC"
    name: str = ""
    optimum: float | None = None

    def __post_init__(self) -> None:
        n1 = self._set_distances(2, "a PCTSP instance needs a depot and at least 1 node")
        object.__setattr__(self, "prizes", node_values(self.prizes, "prizes", n1, depot_zero=True))
        object.__setattr__(self, "penalties", node_values(self.penalties, "penalties", n1, depot_zero=True))
        object.__setattr__(self, "min_prize", nonnegative_number(self.min_prize, "min_prize"))
        self._set_coords(n1)
        if self.optimum is not None:
            nonnegative_number(self.optimum, "optimum")

    @classmethod
    def from_coords(cls, coords: Any, prizes: Any, penalties: Any, min_prize: float = 1.0, edge_weight_type: str = "EUC",
                    **kwargs: Any) -> "PCTSPInstance":
        """Instance whose distances follow ``edge_weight_type`` over ``coords`` (depot first)."""
        c = check_coords(coords, None)
        return cls(distance_matrix(c, edge_weight_type), prizes, penalties, min_prize, c, edge_weight_type, **kwargs)

    @property
    def num_customers(self) -> int:
        """Number of nodes besides the depot (the environment's ``num_nodes``)."""
        return int(self.distances.shape[0] - 1)

    num_nodes = num_customers

    @cached_property
    def total_penalty(self) -> float:
        """The sum of all penalties (exactly rounded, so every code path gets the same float)."""
        return math.fsum(self.penalties.tolist())

    @property
    def must_visit_all(self) -> bool:
        """Whether the prizes cannot reach ``min_prize``, so that a tour must visit every node."""
        return math.fsum(self.prizes.tolist()) < self.min_prize - EPS

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"PCTSPInstance{label}(nodes={self.num_customers}, min_prize={self.min_prize:g}, "
                f"edge_weight_type={self.edge_weight_type!r})")


def evaluate_pctsp(instance: PCTSPInstance, solution: Sequence[int]) -> Evaluation:
    """Cost and feasibility of a prize-collecting tour.

    :param solution: the visited nodes (``1..n``, each at most once) in order; the depot
        is implied at both ends; ``[]`` stays at the depot.
    :returns: the cost, the tour's length plus the penalties of the nodes left out, summed
        as the environment sums its rewards (leg by leg, the last leg together with the
        penalties left, which start from :attr:`PCTSPInstance.total_penalty` and lose each
        visited node's in visiting order, clipped at 0); feasible when the collected prize (summed in
        visiting order) is at least ``min_prize - 1e-9``, or every node is visited.
    """
    tour, why = as_tour(solution, instance.num_customers)
    if tour is None:
        return Evaluation(float("nan"), False, why)
    left, prize = instance.total_penalty, 0.0
    for node in tour.tolist():
        left -= float(instance.penalties[node])
        prize += float(instance.prizes[node])
    legs = tour_legs(instance.distances, tour) or [0.0]
    cost = 0.0
    for leg in legs[:-1]:
        cost += leg
    cost += legs[-1] + max(left, 0.0)
    if prize < instance.min_prize - EPS and tour.size < instance.num_customers:
        return Evaluation(cost, False, f"collected prize {prize:.10g} is below min_prize {instance.min_prize:g} "
                                       f"and {instance.num_customers - tour.size} node(s) are left out")
    return Evaluation(cost, True, None)
