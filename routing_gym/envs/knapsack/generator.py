"""Random knapsack instances (Bello et al. 2016; Kool et al. 2019; BQ-NCO)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from routing_gym.envs.knapsack.types import KnapsackInstance
from routing_gym.errors import InstanceError


def default_capacity(num_items: int) -> float:
    """``min(n / 4, 25)``: 12.5, 25 and 25 for the literature's 50, 100 and 200 items (Bello et al. 2016)."""
    return min(num_items / 4.0, 25.0)


@dataclass(frozen=True)
class KnapsackGenerator:
    """Random 0-1 knapsack instances: weights and values independent and uniform in ``[0, 1)``.

    The setting of Bello et al. (2016, "Neural Combinatorial Optimization with
    Reinforcement Learning": KNAP50/100/200 with capacities 12.5/25/25), used by
    BQ-NCO (Drakulic et al. 2023) and POMO. BQ-NCO draws integers in ``[1, 998]``
    and divides by 1000; here the draws are ``rng.random`` floats (multiples of
    ``2**-53``, so an integer model at scale ``2**53`` is exact, see the CP-SAT baseline).

    :param num_items: number of items ``n`` (at least 1).
    :param capacity: the capacity; ``None`` takes :func:`default_capacity`.

    ``generator(rng)`` returns one :class:`KnapsackInstance` (weights drawn first, then values);
    :meth:`sample` returns a batch of raw arrays for the kernel. Only ``rng`` is used for randomness.
    """

    num_items: int = 50
    capacity: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.num_items, bool) or not isinstance(self.num_items, Integral) or self.num_items < 1:
            raise InstanceError(f"num_items: expected an integer >= 1, got {self.num_items!r}")
        c = self.capacity
        if c is not None and (isinstance(c, bool) or not isinstance(c, Real) or not math.isfinite(c) or c <= 0):
            raise InstanceError(f"capacity: expected a finite number > 0 or None, got {c!r}")

    @property
    def knapsack_capacity(self) -> float:
        """The capacity used: ``capacity`` or :func:`default_capacity` of ``num_items``."""
        return float(self.capacity) if self.capacity is not None else default_capacity(int(self.num_items))

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances: ``weights (size, n)``, ``values (size, n)``, ``capacity (size,)``."""
        n = int(self.num_items)
        weights = rng.random((size, n))
        values = rng.random((size, n))
        return {"weights": weights, "values": values, "capacity": np.full(size, self.knapsack_capacity)}

    def __call__(self, rng: np.random.Generator) -> KnapsackInstance:
        b = self.sample(rng, 1)
        return KnapsackInstance(b["weights"][0], b["values"][0], float(b["capacity"][0]))
