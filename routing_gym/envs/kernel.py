"""The batched-kernel contract shared by every problem.

A kernel holds the state of ``batch_size`` episodes in numpy arrays with a
leading batch axis. :class:`~routing_gym.envs.base.RoutingEnv` is a kernel at
batch 1 and :class:`~routing_gym.envs.base.RoutingVectorEnv` the same kernel at
batch ``n``: the dynamics exist once, here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Sequence

import numpy as np
from gymnasium import spaces


class Kernel(ABC):
    """Batched state and dynamics of one problem.

    Subclasses fill :attr:`state_fields` (the arrays that change during an
    episode, used by :meth:`get_state` / :meth:`set_state` for search) and
    implement :meth:`load`, :meth:`step`, :meth:`observe` and the solution views.
    """

    #: names of the arrays that change during an episode
    state_fields: ClassVar[tuple[str, ...]] = ()
    #: the instance dataclass of this problem
    instance_type: ClassVar[type]

    def __init__(self, batch_size: int, num_nodes: int) -> None:
        self.batch_size = int(batch_size)
        self.num_nodes = int(num_nodes)
        self._rows = np.arange(self.batch_size)
        self.done = np.zeros(self.batch_size, dtype=bool)
        self.mask = np.zeros((self.batch_size, self.num_actions), dtype=bool)
        self.cost = np.zeros(self.batch_size, dtype=np.float64)
        self.penalty = np.zeros(self.batch_size, dtype=np.float64)

    # --- static description -------------------------------------------------
    @property
    @abstractmethod
    def num_actions(self) -> int: ...

    @classmethod
    @abstractmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict: ...

    @classmethod
    @abstractmethod
    def instance_size(cls, instance: Any) -> int:
        """The ``num_nodes`` an environment needs to play ``instance``."""

    @classmethod
    @abstractmethod
    def stack(cls, instances: Sequence[Any]) -> dict[str, np.ndarray]:
        """Arrays of a list of instances, in the layout of ``Generator.sample``."""

    @classmethod
    @abstractmethod
    def make_instance(cls, data: dict[str, np.ndarray], i: int) -> Any:
        """Row ``i`` of a batch of arrays as an instance object."""

    @classmethod
    @abstractmethod
    def solution_to_actions(cls, instance: Any, solution: Any) -> tuple[dict[str, Any], list[int]]:
        """``(reset options, actions)`` that make the environment build ``solution``."""

    # --- dynamics -------------------------------------------------------------
    @abstractmethod
    def load(self, rows: np.ndarray, data: dict[str, np.ndarray], options: dict[str, Any] | None = None) -> None:
        """Start new episodes in ``rows`` on the instances in ``data`` (one per row)."""

    @abstractmethod
    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Apply one in-range action per row; return ``(reward, terminated, invalid)``.

        A masked action ends that row's episode with reward ``-penalty`` and leaves
        its state otherwise unchanged.
        """

    @abstractmethod
    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        """Observation arrays (copies) of ``rows`` (all rows when ``None``)."""

    @abstractmethod
    def solution(self, row: int) -> Any:
        """The finished solution of ``row`` in the problem's solution format."""

    @abstractmethod
    def partial_solution(self, row: int) -> Any:
        """The solution built so far in ``row`` (for rendering)."""

    # --- search support -------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        """A copy of everything that changes during an episode (a snapshot for MCTS)."""
        return {k: getattr(self, k).copy() for k in self.state_fields + ("done", "mask", "cost")}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore a snapshot taken by :meth:`get_state` on the same instances."""
        for k, v in state.items():
            getattr(self, k)[...] = v

    def check_actions(self, actions: Any) -> np.ndarray:
        """Actions as an int64 array of shape ``(batch_size,)``; raises if out of range."""
        from routing_gym.errors import InvalidActionError

        a = np.asarray(actions)
        if a.shape != (self.batch_size,) or not (np.issubdtype(a.dtype, np.integer) or a.dtype == bool):
            if a.shape == (self.batch_size,) and np.issubdtype(a.dtype, np.floating) and np.all(a == np.round(a)):
                a = a.astype(np.int64)
            else:
                raise InvalidActionError(
                    f"actions: expected {self.batch_size} integer(s) in 0..{self.num_actions - 1}, got {actions!r}"
                )
        bad = (a < 0) | (a >= self.num_actions)
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidActionError(
                f"action {a[i]!r} is outside the action space Discrete({self.num_actions})"
                + (f" (sub-environment {i})" if self.batch_size > 1 else "")
            )
        return a.astype(np.int64, copy=False)
