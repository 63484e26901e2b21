"""Warehouse AGV environments: ``routing_gym/WarehouseAGV-v0`` (one-shot) and ``WarehouseAGVLifelong-v0``."""

from __future__ import annotations

from typing import Any

from gymnasium.vector.utils import batch_space

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.warehouse_agv import viewer
from routing_gym.envs.warehouse_agv.generator import WarehouseGenerator
from routing_gym.envs.warehouse_agv.kernel import WarehouseKernel
from routing_gym.errors import InstanceError


def map_shape(generator: Any, instance: Any) -> tuple[int, int]:
    """The map shape of an env: its fixed instance's, else its generator's ``shape``."""
    if instance is not None:
        return tuple(instance.grid.shape)
    shape = getattr(generator, "shape", None)
    if shape is None:
        raise InstanceError(f"generator: {type(generator).__name__} has no 'shape' (height, width) of its maps")
    return tuple(int(s) for s in shape)


class WarehouseAGVEnv(RoutingEnv):
    """Multi-robot path finding in a warehouse: ``R`` robots on a grid, each to its goal (one-shot MAPF),
    or delivering task after task (lifelong).

    ## Description
    A 4-connected grid of free cells and obstacles (shelf blocks between one-cell aisles, random
    obstacles, or a MovingAI benchmark map). Every step moves all robots at once, one action each.
    Conflicting moves are cancelled, by this rule: a move into a cell that another robot also
    occupies next (vertex conflict) is cancelled for every robot moving there, a robot that stays
    keeping its cell; two robots swapping cells (edge conflict) both wait; cancelling may create
    new conflicts, so the rule is repeated until nothing changes. Following a robot into the
    cell it leaves, and rotations of three or more robots, are allowed. Every cancelled move
    counts as one collision (``info["collisions"]``, cumulative). The plan the env builds is
    therefore always conflict-free.

    ## Action Space
    ``MultiDiscrete([5] * R)``: per robot 0 wait, 1 north (row - 1), 2 east (col + 1), 3 south,
    4 west. A robot's move off the map or into an obstacle is masked; waiting is always allowed.
    The mask is the five-entry masks of the robots concatenated (``5 R`` entries), as
    sb3-contrib's ``MaskablePPO`` expects for ``MultiDiscrete``. An action outside the space raises.

    ## Observation Space
    ``Dict`` (``H x W`` map, ``R`` robots, window ``k = 5``):

    ================== ============== ======= =========== ================================================
    key                shape          dtype   range       meaning
    ================== ============== ======= =========== ================================================
    ``obstacles``      (H, W)         int8    {0, 1}      the map: 1 blocked
    ``robots``         (H, W)         int8    {0, 1}      cells holding a robot
    ``positions``      (R, 2)         int64   [0, max-1]  each robot's ``[row, col]``
    ``goals``          (R, 2)         int64   [0, max-1]  each robot's current goal
    ``goal_direction`` (R, 2)         float32 [-1, 1]     ``(goal - position) / max(H - 1, W - 1)``
    ``at_goal``        (R,)           int8    {0, 1}      robots on their goals
    ``local``          (R, 3, k, k)   int8    {0, 1}      each robot's window centred on it: obstacles
                                                          (off-map cells count as blocked), robots, its goal
    ``goal_distance``  (R,)           float32 [0, 1]      shortest-path steps to its goal / (H W) (1: unreachable)
    ``goal_moves``     (R, 5)         int8    {0, 1}      the moves on a shortest path to its goal (one step
                                                          nearer; other robots ignored), the heuristic channel
                                                          of MAPF learners (PRIMAL, DHC)
    ``action_mask``    (5 R,)         int8    {0, 1}      the per-robot masks, concatenated
    ================== ============== ======= =========== ================================================

    ``action_masks()`` returns the same mask as booleans.

    ## Rewards
    One-shot: each step, ``-1`` per robot off its goal when the step begins, and a robot leaving its
    goal after resting there ``w`` steps is charged this step and those ``w`` steps back. The return is exactly minus the sum of costs
    (each robot's time of final arrival at its goal; ``horizon`` for a robot off its goal when the
    episode ends), the cost ``evaluate_warehouse_agv`` recomputes; ``info["makespan"]`` reports the
    makespan. Lifelong: ``+1`` per task delivered (a robot reaching its current goal), and its next
    task becomes its goal; ``info["cost"]`` is minus the deliveries, ``info["throughput"]`` the
    deliveries per step. A masked action ends the episode with reward ``-(R * horizon + 1)``,
    worse than any plan, and ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    One-shot: terminated when every robot is on its goal, or after ``horizon`` steps. Lifelong:
    terminated after ``horizon`` steps. ``info["solution"]``: one list of ``[row, col]`` cells per
    robot, from its start until it rests at its goal (lifelong: every step).

    ## Arguments
    ``gym.make("routing_gym/WarehouseAGV-v0", num_robots=8, height=11, width=22, shelf_depth=2,
    shelf_length=4, obstacle_density=0.0, mode="oneshot", horizon=None, num_tasks=None,
    instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * the :class:`~routing_gym.envs.warehouse_agv.generator.WarehouseGenerator` keywords: map size,
      shelf layout, obstacle density, robots, mode, horizon (default ``4 (H + W)``) and tasks;
    * ``generator``: a custom generator (with ``num_robots``, ``shape`` and ``sample(rng, size)``);
    * ``instance``: a fixed :class:`~routing_gym.envs.warehouse_agv.types.WarehouseInstance`
      (e.g. ``load_instance("x.scen", agents=k)``), which sets the robots and the map shape;
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (matplotlib: the grid, robots, goals and paths) or ``"ansi"``;
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    The map shape is fixed per environment (the observation's); ``reset(options={"instance": i})``
    takes instances of that shape and robot count. ``routing_gym/WarehouseAGVLifelong-v0`` is this
    env with ``mode="lifelong"``. A PettingZoo view: ``routing_gym.pettingzoo.parallel_env(env_id)``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = WarehouseKernel
    generator_type = WarehouseGenerator
    viewer = viewer

    def __init__(self, generator: Any | None = None, **kwargs: Any) -> None:
        super().__init__(generator, **kwargs)
        shape = map_shape(self.generator, self.fixed_instance)
        self.kernel.set_shape(*shape)
        self.observation_space = self.kernel_type.observation_space(self.size, shape)

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = super().step(action)
        k = self.kernel
        info["collisions"] = int(k.collisions[0])
        if terminated and not info["invalid_action"]:
            if k.lifelong[0]:
                info["delivered"] = int(k.delivered[0])
                info["throughput"] = float(k.delivered[0] / max(int(k.t[0]), 1))
            else:
                info["makespan"] = k.makespan(0)
        return obs, reward, terminated, truncated, info


class WarehouseAGVVectorEnv(RoutingVectorEnv):
    """``num_envs`` warehouse episodes stepped in one numpy call (same kernel as :class:`WarehouseAGVEnv`).

    Create with ``gym.make_vec("routing_gym/WarehouseAGV-v0", num_envs, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = WarehouseAGVEnv

    def __init__(self, num_envs: int = 1, generator: Any | None = None, **kwargs: Any) -> None:
        super().__init__(num_envs, generator, **kwargs)
        shape = map_shape(self.generator, self.fixed_instance)
        self.kernel.set_shape(*shape)
        self.single_observation_space = self.kernel_type.observation_space(self.size, shape)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
