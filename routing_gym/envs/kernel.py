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

    A kernel declares its per-episode action space (:attr:`action_space`):

    * ``Discrete(k)`` (a node, a vertiport, a model): ``mask`` is ``(batch, k)``;
    * ``MultiDiscrete(nvec)`` (one move per robot): ``mask`` is ``(batch, sum(nvec))``,
      the per-dimension masks concatenated, as sb3-contrib's ``MaskablePPO`` expects;
    * ``Box`` (continuous control): no mask (``mask`` is ``None``).

    Its size is one integer named by :attr:`size_name` (``num_nodes`` where nodes
    exist, e.g. ``num_robots`` elsewhere), set as that attribute and as ``size``.
    """

    #: names of the arrays that change during an episode
    state_fields: ClassVar[tuple[str, ...]] = ()
    #: the instance dataclass of this problem
    instance_type: ClassVar[type]
    #: the name of the size parameter (an attribute of the kernel and of the generator)
    size_name: ClassVar[str] = "num_nodes"
    #: the ``reset(options=...)`` keys :meth:`load` understands (besides ``instance`` / ``instances``)
    reset_options: ClassVar[tuple[str, ...]] = ()

    def __init__(self, batch_size: int, size: int) -> None:
        self.batch_size = int(batch_size)
        self.size = int(size)
        setattr(self, self.size_name, self.size)
        self._rows = np.arange(self.batch_size)
        self.done = np.zeros(self.batch_size, dtype=bool)
        self._space = self.action_space  # built once: spaces are slow to construct
        width = mask_width(self._space)
        self.mask: np.ndarray | None = None if width is None else np.zeros((self.batch_size, width), dtype=bool)
        self.cost = np.zeros(self.batch_size, dtype=np.float64)
        self.penalty = np.zeros(self.batch_size, dtype=np.float64)
        #: rows whose episode the last ``step`` ended at a step cap of the instance: the envs report
        #: them as ``truncated`` (not ``terminated``), with the solution and cost like any end
        self.truncated = np.zeros(self.batch_size, dtype=bool)

    @property
    def action_space(self) -> spaces.Space:
        """The action space of one episode (default ``Discrete(num_actions)``)."""
        return spaces.Discrete(self.num_actions)

    # --- static description -------------------------------------------------
    @property
    def num_actions(self) -> int:
        """Number of actions of a ``Discrete`` kernel (read from its ``action_space``).

        Discrete kernels override either this or :attr:`action_space`; a kernel with another
        action space has no action count, so ``hasattr(kernel, "num_actions")`` is false for it.
        """
        space = self.__dict__.get("_space")
        if isinstance(space, spaces.Discrete):
            return int(space.n)
        raise AttributeError(f"{type(self).__name__} declares a non-Discrete action_space: no num_actions")

    @classmethod
    @abstractmethod
    def observation_space(cls, num_nodes: int) -> spaces.Dict: ...

    @classmethod
    @abstractmethod
    def instance_size(cls, instance: Any) -> int:
        """The size (:attr:`size_name`) an environment needs to play ``instance``."""

    @classmethod
    @abstractmethod
    def stack(cls, instances: Sequence[Any]) -> dict[str, np.ndarray]:
        """Arrays of a list of instances, in the layout of ``Generator.sample``."""

    @classmethod
    def sample_instances(cls, generator: Any, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` new instances from ``generator`` as the arrays :meth:`load` takes (``generator.sample``).

        A kernel may ask its own generator for less (e.g. no distance matrices when it computes edges itself);
        the instances, and so the episodes of a seed, are the same.
        """
        return generator.sample(rng, size)

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
        its state otherwise unchanged. ``terminated`` marks every row whose episode ended;
        a kernel with a step cap also sets :attr:`truncated` for the rows that ended there.
        """

    @abstractmethod
    def observe(self, rows: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
        """Observation arrays (copies) of ``rows`` (all rows when ``None``)."""

    @abstractmethod
    def solution(self, row: int) -> Any:
        """The finished solution of ``row`` in the problem's solution format."""

    def solutions(self, rows: np.ndarray) -> list[Any]:
        """The finished solutions of ``rows`` (``[solution(r) for r in rows]``; kernels may batch it)."""
        return [self.solution(int(r)) for r in rows]

    @abstractmethod
    def partial_solution(self, row: int) -> Any:
        """The solution built so far in ``row`` (for rendering)."""

    # --- search support -------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        """A copy of everything that changes during an episode (a snapshot for MCTS)."""
        keys = self.state_fields + ("done", "cost") + (() if self.mask is None else ("mask",))  # Box: no mask
        return {k: getattr(self, k).copy() for k in keys}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore a snapshot taken by :meth:`get_state` on the same instances."""
        for k, v in state.items():
            getattr(self, k)[...] = v

    def check_actions(self, actions: Any) -> np.ndarray:
        """One action per row as an array (int64, or float64 for ``Box``); raises if out of the space."""
        return check_actions(self._space, actions, self.batch_size)

    def admissible(self, actions: np.ndarray) -> np.ndarray:
        """``(batch,)`` bool: whether each row's (in-space) action is allowed by its mask."""
        space = self._space
        if self.mask is None:
            return np.ones(self.batch_size, dtype=bool)
        if isinstance(space, spaces.Discrete):
            return self.mask[self._rows, actions]
        offsets = np.concatenate([[0], np.cumsum(space.nvec)[:-1]])
        return self.mask[self._rows[:, None], offsets + actions].all(axis=1)


def mask_width(space: spaces.Space) -> int | None:
    """Columns of a kernel's mask for ``space``: ``n``, ``sum(nvec)``, or ``None`` (Box)."""
    if isinstance(space, spaces.Discrete):
        return int(space.n)
    if isinstance(space, spaces.MultiDiscrete):
        return int(np.sum(space.nvec))
    if isinstance(space, spaces.Box):
        return None
    raise TypeError(f"kernel action space must be Discrete, MultiDiscrete or Box, got {space}")


def _describe(space: spaces.Space) -> str:
    if isinstance(space, spaces.Discrete):
        return f"Discrete({space.n})"
    if isinstance(space, spaces.MultiDiscrete):
        return f"MultiDiscrete({space.nvec.tolist()})"
    return f"Box(shape={space.shape})"


def check_actions(space: spaces.Space, actions: Any, batch_size: int) -> np.ndarray:
    """``actions`` (one per row) validated against ``space``.

    :raises InvalidActionError: naming the action, the space and the sub-environment.
    """
    from routing_gym.errors import InvalidActionError

    if isinstance(space, spaces.Discrete) and type(actions) is np.ndarray and actions.dtype == np.int64 \
            and actions.shape == (batch_size,) and 0 <= actions.min() and actions.max() < space.n:
        return actions  # the common case, in two reductions
    shape = (batch_size,) + (() if isinstance(space, spaces.Discrete) else tuple(space.shape))
    a = np.asarray(actions)
    if a.shape != shape:
        raise InvalidActionError(f"actions: expected shape {shape} in {_describe(space)}, got {actions!r}")
    if isinstance(space, spaces.Box):
        a = a.astype(np.float64)
        bad = ~np.isfinite(a) | (a < space.low) | (a > space.high)
    else:
        if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
            a = a.astype(np.int64)
        if a.dtype.kind not in "iub":
            raise InvalidActionError(f"actions: expected integers in {_describe(space)}, got {actions!r}")
        high = space.n if isinstance(space, spaces.Discrete) else space.nvec
        bad = (a < 0) | (a >= high)
        a = a.astype(np.int64, copy=False)
    if bad.any():
        row = int(np.argmax(bad.reshape(batch_size, -1).any(axis=1)))
        where = f" (sub-environment {row})" if batch_size > 1 else ""
        raise InvalidActionError(f"action {np.asarray(actions)[row]!r} is outside the action space {_describe(space)}{where}")
    return a
