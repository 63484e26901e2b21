"""An occupancy grid of the floor, inflated by the robot (generator placement, the A* planner)."""

from __future__ import annotations

import numpy as np

from routing_gym.envs.continuous_agv import physics


def occupancy(width: float, height: float, rects: np.ndarray, resolution: float, inflation: float) -> np.ndarray:
    """``(rows, cols)`` bool, ``True`` where a disc of radius ``inflation`` centred on the cell's centre
    would touch a wall or a rectangle. Cell ``(r, c)`` is centred at ``((c + 0.5) res, (r + 0.5) res)``."""
    cols, rows = int(np.floor(width / resolution)), int(np.floor(height / resolution))
    centres = cell_centres(np.arange(rows * cols), cols, resolution)
    p = {"robot_radius": np.full(len(centres), inflation), "width": np.full(len(centres), width),
         "height": np.full(len(centres), height),
         "rects": np.broadcast_to(rects, (len(centres),) + rects.shape),
         "rect_valid": np.ones((len(centres), len(rects)), dtype=bool)}
    return physics.collides(centres, p).reshape(rows, cols)


def cell_centres(cells: np.ndarray, cols: int, resolution: float) -> np.ndarray:
    """``(n, 2)`` the ``[x, y]`` centres of flat cell indices."""
    r, c = np.divmod(np.asarray(cells), cols)
    return np.stack([(c + 0.5) * resolution, (r + 0.5) * resolution], axis=1)


def cell_of(xy: np.ndarray, shape: tuple[int, int], resolution: float) -> np.ndarray:
    """``(n,)`` flat index of the cell holding each ``[x, y]`` (clipped to the grid)."""
    xy = np.atleast_2d(xy)
    c = np.clip((xy[:, 0] / resolution).astype(np.int64), 0, shape[1] - 1)
    r = np.clip((xy[:, 1] / resolution).astype(np.int64), 0, shape[0] - 1)
    return r * shape[1] + c
