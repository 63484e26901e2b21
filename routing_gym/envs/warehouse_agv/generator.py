"""Random warehouse maps: shelf blocks between one-cell aisles, optional random obstacles, robots and tasks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing_gym.envs.validation import check_int_arg, check_real_arg
from routing_gym.envs.warehouse_agv.grid import largest_component
from routing_gym.envs.warehouse_agv.types import WarehouseInstance
from routing_gym.errors import InstanceError

MODES = ("oneshot", "lifelong")


def shelf_layout(height: int, width: int, shelf_depth: int, shelf_length: int) -> np.ndarray:
    """``(height, width)`` bool: shelf blocks of ``shelf_depth x shelf_length`` cells, separated by
    one-cell aisles and kept one cell off the border (a ring corridor around them)."""
    grid = np.zeros((height, width), dtype=bool)
    for r in range(1, height - 1 - shelf_depth + 1, shelf_depth + 1):
        for c in range(1, width - 1 - shelf_length + 1, shelf_length + 1):
            grid[r:r + shelf_depth, c:c + shelf_length] = True
    return grid


@dataclass(frozen=True)
class WarehouseGenerator:
    """Random warehouse instances (the layout of the robot-warehouse literature: shelf blocks and aisles).

    :param num_robots: robots ``R`` (at least 1).
    :param height: grid rows (at least 3).
    :param width: grid columns (at least 3).
    :param shelf_depth: rows of one shelf block (0: no shelves, an empty floor).
    :param shelf_length: columns of one shelf block.
    :param obstacle_density: fraction of the cells left free by the shelves that become random
        obstacles, in ``[0, 1)``; robots and tasks are then placed in the largest connected area.
    :param mode: ``"oneshot"`` (one goal per robot; minimise the sum of costs) or ``"lifelong"``
        (each robot gets ``num_tasks`` more goals, one after another; maximise deliveries).
    :param horizon: the step limit; ``None``: ``4 * (height + width)``.
    :param num_tasks: lifelong tasks per robot after the first goal; ``None``: ``horizon`` (never runs out).

    Starts are distinct cells, goals distinct cells; each next task differs from the one before.
    Every draw comes from the ``rng`` given to :meth:`sample` / ``__call__``, in this order per
    instance: obstacles, starts, goals, tasks.
    """

    num_robots: int = 8
    height: int = 11
    width: int = 22
    shelf_depth: int = 2
    shelf_length: int = 4
    obstacle_density: float = 0.0
    mode: str = "oneshot"
    horizon: int | None = None
    num_tasks: int | None = None

    def __post_init__(self) -> None:
        check_int_arg(self.num_robots, "num_robots", 1)
        check_int_arg(self.height, "height", 3)
        check_int_arg(self.width, "width", 3)
        check_int_arg(self.shelf_depth, "shelf_depth", 0)
        check_int_arg(self.shelf_length, "shelf_length", 1)
        check_real_arg(self.obstacle_density, "obstacle_density", 0.0)
        if not self.obstacle_density < 1:
            raise InstanceError(f"obstacle_density: expected a number in [0, 1), got {self.obstacle_density!r}")
        if self.mode not in MODES:
            raise InstanceError(f"mode: expected one of {MODES}, got {self.mode!r}")
        if self.horizon is not None:
            check_int_arg(self.horizon, "horizon", 1)
        if self.num_tasks is not None:
            check_int_arg(self.num_tasks, "num_tasks", 1)
        free = int((~self.layout).sum())
        if self.num_robots > free:
            raise InstanceError(f"num_robots: {self.num_robots} robots but the {self.height} x {self.width} "
                                f"layout has only {free} free cells")

    @property
    def layout(self) -> np.ndarray:
        """The shelf layout, before random obstacles."""
        return shelf_layout(self.height, self.width, self.shelf_depth, self.shelf_length)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.height), int(self.width))

    @property
    def steps(self) -> int:
        """The horizon used."""
        return int(self.horizon) if self.horizon is not None else 4 * (self.height + self.width)

    def _one(self, rng: np.random.Generator, layout: np.ndarray) -> tuple[np.ndarray, ...]:
        grid = layout.copy()
        if self.obstacle_density > 0:
            grid |= (rng.random(grid.shape) < self.obstacle_density) & ~layout
        cells = largest_component(grid)
        r = self.num_robots
        if cells.size < r:
            raise InstanceError(f"obstacle_density: {self.obstacle_density} left a largest free area of {cells.size} "
                                f"cells, fewer than num_robots={r}")
        w = self.width
        starts = cells[rng.choice(cells.size, r, replace=False)]
        goals = cells[rng.choice(cells.size, r, replace=False)]
        out = [grid, np.stack(np.divmod(starts, w), axis=1), np.stack(np.divmod(goals, w), axis=1)]
        if self.mode == "lifelong":
            k = self.num_tasks if self.num_tasks is not None else self.steps
            pos = np.searchsorted(cells, goals)
            if cells.size > 1:  # each next task is another cell: a shift of 1..n-1 from the one before
                shifts = rng.integers(1, cells.size, size=(r, k))
                idx = (pos[:, None] + np.cumsum(shifts, axis=1)) % cells.size
            else:
                idx = np.repeat(pos[:, None], k, axis=1)
            out.append(np.stack(np.divmod(cells[idx], w), axis=2))
        return tuple(out)

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """A batch of ``size`` instances: ``grid (size, H, W)``, ``starts``/``goals (size, R, 2)``,
        ``horizon (size,)`` and, in lifelong mode, ``tasks (size, R, K, 2)``."""
        layout = self.layout
        parts = [self._one(rng, layout) for _ in range(size)]
        data = {"grid": np.stack([p[0] for p in parts]), "starts": np.stack([p[1] for p in parts]),
                "goals": np.stack([p[2] for p in parts]), "horizon": np.full(size, self.steps, dtype=np.int64)}
        if self.mode == "lifelong":
            data["tasks"] = np.stack([p[3] for p in parts])
        return data

    def __call__(self, rng: np.random.Generator) -> WarehouseInstance:
        b = self.sample(rng, 1)
        return WarehouseInstance(b["grid"][0], b["starts"][0], b["goals"][0], int(b["horizon"][0]),
                                 tasks=b["tasks"][0] if "tasks" in b else None)
