"""Orienteering instance and its evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from routing_gym.envs.distances import distance_matrix
from routing_gym.envs.evaluation import Evaluation
from routing_gym.envs.prize_tour import EPS, PrizeTourInstance, as_tour, node_values, nonnegative_number, tour_legs
from routing_gym.envs.validation import check_coords


@dataclass(frozen=True, eq=False)
class OPInstance(PrizeTourInstance):
    """An orienteering instance: a depot (node 0), ``n`` nodes with prizes, and a tour-length limit.

    One tour starts and ends at the depot and visits any subset of the nodes, each
    at most once, with a total length of at most ``max_length``; it collects the
    prizes of the nodes it visits, plus the depot's own prize (0 for generated
    instances; OPLib files give the depot a score, and their best-known scores count it).

    :param distances: ``(n + 1, n + 1)`` travel lengths, node 0 the depot.
    :param prizes: ``(n + 1,)`` non-negative prizes, depot first.
    :param max_length: the tour-length limit (``>= 0``).
    :param coords: ``(n + 1, 2)`` coordinates or ``None``.
    :param edge_weight_type: the distance convention (OPLib files: their TSPLIB parent's).
    :param name: a label, e.g. the OPLib file name.
    :param optimum: the best-known total prize (OPLib: EA4OP's), if any.
    """

    distances: np.ndarray
    prizes: np.ndarray
    max_length: float
    coords: np.ndarray | None = None
    edge_weight_type: str = "EUC"
    name: str = ""
    optimum: float | None = None

    def __post_init__(self) -> None:
        n1 = self._set_distances(2, "an OP instance needs a depot and at least 1 node")
        object.__setattr__(self, "prizes", node_values(self.prizes, "prizes", n1))
        object.__setattr__(self, "max_length", nonnegative_number(self.max_length, "max_length"))
        self._set_coords(n1)
        if self.optimum is not None:
            nonnegative_number(self.optimum, "optimum")

    @classmethod
    def from_coords(cls, coords: Any, prizes: Any, max_length: float, edge_weight_type: str = "EUC",
                    **kwargs: Any) -> "OPInstance":
        """Instance whose distances follow ``edge_weight_type`` over ``coords`` (depot first)."""
        c = check_coords(coords, None)
        return cls(distance_matrix(c, edge_weight_type), prizes, max_length, c, edge_weight_type, **kwargs)

    @property
    def num_customers(self) -> int:
        """Number of nodes besides the depot (the environment's ``num_nodes``)."""
        return int(self.distances.shape[0] - 1)

    num_nodes = num_customers

    @property
    def reachable(self) -> np.ndarray:
        """``(n + 1,)`` bool: nodes a tour can visit alone within the limit (the depot always)."""
        d = self.distances
        return d[0] + d[:, 0] <= self.max_length + EPS

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"OPInstance{label}(nodes={self.num_customers}, max_length={self.max_length:g}, "
                f"edge_weight_type={self.edge_weight_type!r})")


def first_stranded_visit(instance: OPInstance, tour: Sequence[int]) -> int | None:
    """The first position of ``tour`` after which the direct way home no longer fits the limit, or ``None``.

    The environment's mask only admits a node from which the depot can still be reached
    directly (``length + d(i, 0) <= max_length``). On instances whose distances obey the
    triangle inequality every feasible tour passes this test; on others (some TSPLIB
    matrices, OPLib's gr48 and gr120 among them) a feasible tour may reach a node whose
    direct way home is longer than the rest of the tour, and the environment cannot build it.
    """
    d = instance.distances
    length, prev = 0.0, 0
    for k, node in enumerate(int(x) for x in tour):
        length += float(d[prev, node])
        if length + float(d[node, 0]) > instance.max_length + EPS:
            return k
        prev = node
    return None


def evaluate_op(instance: OPInstance, solution: Sequence[int]) -> Evaluation:
    """Prize and feasibility of an orienteering tour.

    :param solution: the visited nodes (``1..n``, each at most once) in order; the
        depot is implied at both ends; ``[]`` stays at the depot.
    :returns: the objective in ``cost``: the collected prize, the depot's included (the
        problem's ``sense`` is ``"max"``; the harness's cost is minus it); feasible when
        the tour's length, summed leg by leg from the depot, is at most ``max_length + 1e-9``.
    """
    tour, why = as_tour(solution, instance.num_customers)
    if tour is None:
        return Evaluation(float("nan"), False, why)
    prize = 0.0
    for node in tour.tolist():
        prize += float(instance.prizes[node])
    prize += float(instance.prizes[0])
    length = 0.0
    for leg in tour_legs(instance.distances, tour):
        length += leg
    if length > instance.max_length + EPS:
        return Evaluation(prize, False, f"tour length {length:.10g} exceeds max_length {instance.max_length:g}")
    return Evaluation(prize, True, None)
