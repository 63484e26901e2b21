"""Random warehouse floors for the continuous robot: a grid of shelf blocks, random boxes, start and target."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from routing_gym.envs.continuous_agv.grid import cell_centres, occupancy
from routing_gym.envs.continuous_agv.types import OBSTACLE, SHELF, ContinuousAGVInstance, stack_instances
from routing_gym.envs.validation import check_int_arg, check_real_arg
from routing_gym.envs.warehouse_agv.grid import largest_component
from routing_gym.errors import InstanceError

#: metres per cell of the grid used to place the start and the target
PLACEMENT_RESOLUTION = 0.2
#: clearance (m) kept between the robot's disc and any wall or rectangle at its start and at the target
PLACEMENT_MARGIN = 0.1
#: the instance's own fields a generator passes through unchanged
PASSED = ("width", "height", "target_speed", "max_steps", "num_rays", "ray_range", "robot_radius", "goal_radius",
          "dt", "v_max", "w_max", "max_accel", "max_ang_accel", "reach_reward", "collision_penalty", "shaping")


@dataclass(frozen=True)
class FloorGenerator:
    """Random floors: ``shelf_rows x shelf_cols`` shelf blocks on a regular grid, ``num_obstacles``
    random boxes, a random start pose and a target in the same free area, far enough apart.

    :param width: floor width (m); :param height: floor height (m).
    :param shelf_rows: rows of shelf blocks; :param shelf_cols: columns (0 rows or columns: no shelves).
    :param shelf_length: a shelf block's extent along x (m); :param shelf_depth: along y (m).
    :param num_obstacles: random boxes (sides uniform in ``[0.3, obstacle_size]`` m, anywhere).
    :param obstacle_size: the largest side of a box (m).
    :param target_speed: m/s; above 0 the target moves back and forth on a free segment of length
        up to ``target_travel`` from its start (static when no such segment is found in 20 draws).
    :param target_travel: the longest segment of a moving target (m).
    :param min_goal_distance: the least straight-line distance from the start to the target (m);
        ``None``: a third of the floor's diagonal (the farthest of 50 draws when none is that far).
    :param max_steps: the step cap; :param num_rays: range rays; the other keywords are the instance's
        (:class:`~routing_gym.envs.continuous_agv.types.ContinuousAGVInstance`).

    The start and the target lie in the largest connected free area of an occupancy grid of
    ``0.2`` m cells inflated by the robot's radius plus ``0.1`` m, so the target is reachable.
    Every draw comes from the ``rng`` given, in this order per instance: boxes, start, target, segment.
    """

    width: float = 16.0
    height: float = 12.0
    shelf_rows: int = 2
    shelf_cols: int = 3
    shelf_length: float = 3.0
    shelf_depth: float = 1.0
    num_obstacles: int = 4
    obstacle_size: float = 1.0
    target_speed: float = 0.0
    target_travel: float = 3.0
    min_goal_distance: float | None = None
    max_steps: int = 2000
    num_rays: int = 16
    ray_range: float = 5.0
    robot_radius: float = 0.3
    goal_radius: float = 0.4
    dt: float = 0.1
    v_max: float = 1.0
    w_max: float = 2.0
    max_accel: float = 2.0
    max_ang_accel: float = 6.0
    reach_reward: float = 1.0
    collision_penalty: float = 1.0
    shaping: float = 0.0

    def __post_init__(self) -> None:
        for name in ("shelf_rows", "shelf_cols", "num_obstacles"):
            check_int_arg(getattr(self, name), name, 0)
        for name in ("width", "height", "shelf_length", "shelf_depth", "target_travel"):
            check_real_arg(getattr(self, name), name, 0.0, strict=True)
        check_real_arg(self.obstacle_size, "obstacle_size", 0.3)
        if self.min_goal_distance is not None:
            check_real_arg(self.min_goal_distance, "min_goal_distance", 0.0)
        # the instance's own checks (fields, speeds), on an empty floor
        ContinuousAGVInstance(np.zeros((0, 4)), np.zeros(0), [self.width / 2, self.height / 2, 0.0],
                              [self.width / 2, self.height / 2], **{k: getattr(self, k) for k in PASSED})
        self._check_aisles()

    def _check_aisles(self) -> None:
        need = 2 * (self.robot_radius + PLACEMENT_MARGIN)
        for count, extent, size, name, axis in ((self.shelf_cols, self.width, self.shelf_length, "shelf_cols", "x"),
                                                (self.shelf_rows, self.height, self.shelf_depth, "shelf_rows", "y")):
            if count and extent / count - size < need:
                raise InstanceError(f"{name}: {count} shelf block(s) of {size:g} m on a {extent:g} m floor ({axis}) leave "
                                    f"aisles of {extent / count - size:g} m; the robot needs {need:g} m")

    @property
    def num_shelves(self) -> int:
        return int(self.shelf_rows) * int(self.shelf_cols)

    def shelves(self) -> np.ndarray:
        """``(rows * cols, 4)`` the shelf blocks, each centred in its cell of a regular grid over the floor."""
        cx = (np.arange(self.shelf_cols) + 0.5) * self.width / max(self.shelf_cols, 1)
        cy = (np.arange(self.shelf_rows) + 0.5) * self.height / max(self.shelf_rows, 1)
        x, y = np.meshgrid(cx, cy)
        x, y = x.ravel(), y.ravel()
        hl, hd = self.shelf_length / 2, self.shelf_depth / 2
        return np.stack([x - hl, y - hd, x + hl, y + hd], axis=1)

    def _boxes(self, rng: np.random.Generator) -> np.ndarray:
        n = int(self.num_obstacles)
        sides = rng.uniform(0.3, self.obstacle_size, size=(n, 2))
        lo = rng.uniform(0.0, 1.0, size=(n, 2)) * (np.array([self.width, self.height]) - sides)
        return np.concatenate([lo, lo + sides], axis=1)

    def _place(self, rng: np.random.Generator, rects: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Start pose, goal and goal_end in the largest free area."""
        res = PLACEMENT_RESOLUTION
        blocked = occupancy(self.width, self.height, rects, res, self.robot_radius + PLACEMENT_MARGIN)
        cells = largest_component(blocked)
        if cells.size < 2:
            raise InstanceError(f"num_obstacles/shelves: the floor has no free area for the robot "
                                f"(radius {self.robot_radius:g} m) to move in")
        centres = cell_centres(cells, blocked.shape[1], res)
        start = centres[rng.integers(cells.size)]
        cand = centres[rng.integers(cells.size, size=50)]
        dist = np.sqrt(((cand - start) ** 2).sum(axis=1))
        far = self.min_goal_distance if self.min_goal_distance is not None else np.hypot(self.width, self.height) / 3
        ok = np.flatnonzero(dist >= far)
        goal = cand[ok[0]] if ok.size else cand[int(np.argmax(dist))]
        theta = rng.uniform(-np.pi, np.pi)
        return np.array([start[0], start[1], theta]), goal, self._segment(rng, goal, blocked)

    def _segment(self, rng: np.random.Generator, goal: np.ndarray, blocked: np.ndarray) -> np.ndarray:
        """The far end of a moving target's free segment (``goal`` itself for a static target)."""
        if self.target_speed <= 0:
            return goal
        res = PLACEMENT_RESOLUTION
        for _ in range(20):
            ang, length = rng.uniform(-np.pi, np.pi), rng.uniform(self.target_travel / 2, self.target_travel)
            pts = goal + np.linspace(0, length, int(length / (res / 2)) + 2)[:, None] * np.array([np.cos(ang), np.sin(ang)])
            c, r = (pts[:, 0] / res).astype(np.int64), (pts[:, 1] / res).astype(np.int64)
            inside = (pts >= 0).all() and (c < blocked.shape[1]).all() and (r < blocked.shape[0]).all()
            if inside and not blocked[r, c].any():
                return pts[-1]
        return goal

    def __call__(self, rng: np.random.Generator) -> ContinuousAGVInstance:
        shelves, boxes = self.shelves(), self._boxes(rng)
        rects = np.concatenate([shelves, boxes])
        kinds = np.array([SHELF] * len(shelves) + [OBSTACLE] * len(boxes), dtype=np.int8)
        start, goal, goal_end = self._place(rng, rects)
        return ContinuousAGVInstance(rects, kinds, start, goal, goal_end, **{k: getattr(self, k) for k in PASSED})

    def sample(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` instances in the kernel's layout (:func:`~routing_gym.envs.continuous_agv.types.stack_instances`)."""
        return stack_instances([self(rng) for _ in range(size)])

    def replace(self, **changes: object) -> "FloorGenerator":
        return dataclasses.replace(self, **changes)
