"""``routing_gym/ContinuousAGV-v0``: one robot with unicycle kinematics on a warehouse floor."""

from __future__ import annotations

from typing import Any

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.continuous_agv import physics, viewer
from routing_gym.envs.continuous_agv.generator import FloorGenerator
from routing_gym.envs.continuous_agv.kernel import ContinuousAGVKernel


class ContinuousAGVEnv(RoutingEnv):
    """A differential-drive robot drives to a static or moving target on a warehouse floor with
    shelves and obstacles, with a sparse reward (the seed's AGV setting for PPO with RND).

    ## Description
    The floor is ``width x height`` metres with axis-aligned rectangles (a grid of shelf blocks and
    random boxes). The robot is a disc of radius ``robot_radius`` with unicycle kinematics: each step
    of ``dt`` seconds its velocity ``(v, omega)`` moves toward the commanded one by at most
    ``max_accel dt`` (``max_ang_accel dt``), then the pose advances by the midpoint rule. The target is
    static, or moves back and forth on a free segment at ``target_speed``. Collisions are checked at
    the end of each step (an instance keeps ``v_max dt`` below the radius, so nothing is tunnelled).

    ## Action Space
    ``Box(-1, 1, (2,), float32)``: the commanded linear velocity ``a[0] * v_max`` (negative: reverse)
    and angular velocity ``a[1] * w_max`` (positive: counter-clockwise). No mask: every action in the
    box is allowed; one outside it raises ``InvalidActionError``.

    ## Observation Space
    ``Dict`` (``k = num_rays``; distances scaled by the floor's diagonal ``D``):

    ================= ====== ======= =========== =============================================================
    key               shape  dtype   range       meaning
    ================= ====== ======= =========== =============================================================
    ``pose``          (4,)   float32 [0,1]/[-1,1] ``x / width``, ``y / height``, ``cos theta``, ``sin theta``
    ``velocity``      (2,)   float32 [-1, 1]     ``v / v_max``, ``omega / w_max``
    ``goal``          (3,)   float32 [-1, 1]     the target in the robot's frame (x ahead, y left) ``/ D``, its distance ``/ D``
    ``goal_velocity`` (2,)   float32 [-1, 1]     the target's velocity in the robot's frame ``/ v_max`` (0: static)
    ``rays``          (k,)   float32 [0, 1]      ranges of ``k`` rays over 360 degrees from straight ahead,
                                                 counter-clockwise, from the robot's centre ``/ ray_range``
    ================= ====== ======= =========== =============================================================

    ## Rewards
    Sparse: ``+reach_reward`` (1) when the robot's centre comes within ``goal_radius`` of the target,
    ``-collision_penalty`` (1) when its disc touches a wall, a shelf or an obstacle, 0 otherwise. The
    optional shaping ``shaping * (d_before - d_after)`` (distance to the target; potential-based) is
    off (``shaping=0``) by default. The return is minus ``info["cost"]``, the cost
    ``evaluate_continuous_agv`` recomputes by replaying the actions.

    ## Episode End
    Terminated on reaching the target or on a collision; truncated at the instance's ``max_steps``
    (2000 by default, 2000 to 4000 in the seed). At the end ``info["solution"]`` is the list of actions
    played, ``info["cost"]`` minus the return, ``info["outcome"]`` ``"reached"``, ``"collided"`` or
    ``"timeout"`` and ``info["steps"]`` the steps taken.

    ## Arguments
    ``gym.make("routing_gym/ContinuousAGV-v0", width=16.0, height=12.0, shelf_rows=2, shelf_cols=3,
    shelf_length=3.0, shelf_depth=1.0, num_obstacles=4, obstacle_size=1.0, target_speed=0.0,
    target_travel=3.0, min_goal_distance=None, max_steps=2000, num_rays=16, ray_range=5.0,
    robot_radius=0.3, goal_radius=0.4, dt=0.1, v_max=1.0, w_max=2.0, max_accel=2.0,
    max_ang_accel=6.0, reach_reward=1.0, collision_penalty=1.0, shaping=0.0, instance=None,
    generator=None, render_mode=None)``

    * the :class:`~routing_gym.envs.continuous_agv.generator.FloorGenerator` keywords: floor size,
      shelf layout, obstacles, a static or moving target, step cap, sensor, dynamics and reward;
    * ``instance``: a fixed :class:`~routing_gym.envs.continuous_agv.types.ContinuousAGVInstance`;
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (matplotlib: the floor, the robot's trajectory,
      the target and its segment) or ``"ansi"``.

    ``num_rays`` fixes the observation; ``reset(options={"instance": i})`` takes instances with as many rays.

    ## Version History
    * v0: initial version.
    """

    kernel_type = ContinuousAGVKernel
    generator_type = FloorGenerator
    viewer = viewer
    metadata = {**RoutingEnv.metadata, "render_fps": 20}

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = super().step(action)
        if terminated or truncated:
            info["outcome"] = physics.OUTCOMES[int(self.kernel.outcome[0])]
            info["steps"] = int(self.kernel.t[0])
        return obs, reward, terminated, truncated, info


class ContinuousAGVVectorEnv(RoutingVectorEnv):
    """``num_envs`` robots stepped in one numpy call (the same kernel as :class:`ContinuousAGVEnv`).

    Create with ``gym.make_vec("routing_gym/ContinuousAGV-v0", num_envs, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = ContinuousAGVEnv
