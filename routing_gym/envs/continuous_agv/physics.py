"""The continuous robot's physics, batched over rows: one copy, used by the kernel and by ``evaluate``.

Every function takes arrays with a leading batch axis (``b`` rows) and a ``params`` dict of per-row
arrays (the kernel's, or an instance's stacked at batch 1), so the environment and the independent
``evaluate`` compute the same floating-point numbers in the same order.

Conventions: the floor is ``[0, width] x [0, height]`` metres; rectangles are ``[x0, y0, x1, y1]``;
a pose is ``[x, y, theta]`` (theta in ``[-pi, pi)``), a velocity ``[v, omega]``; an action is in
``[-1, 1]^2`` and commands ``v = a0 * v_max``, ``omega = a1 * w_max``.
"""

from __future__ import annotations

import numpy as np

#: outcomes of an episode (``outcome`` arrays)
RUNNING, REACHED, COLLIDED, TIMEOUT = 0, 1, 2, 3
OUTCOMES = ("running", "reached", "collided", "timeout")
_TINY = 1e-12


def integrate(pose: np.ndarray, vel: np.ndarray, action: np.ndarray, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One step of unicycle kinematics with acceleration limits; ``(new pose, new velocity)``.

    The velocity moves toward the command by at most ``max_accel * dt`` (``max_ang_accel * dt``);
    the pose then advances by the midpoint rule: ``theta_mid = theta + omega dt / 2``,
    ``x += v dt cos(theta_mid)``, ``y += v dt sin(theta_mid)``, ``theta += omega dt`` (wrapped).
    """
    dt = p["dt"]
    cmd_v = action[:, 0] * p["v_max"]
    cmd_w = action[:, 1] * p["w_max"]
    dv = np.clip(cmd_v - vel[:, 0], -p["max_accel"] * dt, p["max_accel"] * dt)
    dw = np.clip(cmd_w - vel[:, 1], -p["max_ang_accel"] * dt, p["max_ang_accel"] * dt)
    v = vel[:, 0] + dv
    w = vel[:, 1] + dw
    mid = pose[:, 2] + 0.5 * w * dt
    x = pose[:, 0] + v * dt * np.cos(mid)
    y = pose[:, 1] + v * dt * np.sin(mid)
    theta = np.mod(pose[:, 2] + w * dt + np.pi, 2.0 * np.pi) - np.pi
    return np.stack([x, y, theta], axis=1), np.stack([v, w], axis=1)


def collides(xy: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """``(b,)`` bool: whether the robot's disc (radius ``robot_radius``) touches a wall or a rectangle."""
    r = p["robot_radius"]
    x, y = xy[:, 0], xy[:, 1]
    walls = (x < r) | (y < r) | (x > p["width"] - r) | (y > p["height"] - r)
    return walls | (rect_clearance(xy, p["rects"], p["rect_valid"]) < r)


def rect_clearance(xy: np.ndarray, rects: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(b,)`` distance from each point to the nearest valid rectangle (``inf`` without any; 0 inside)."""
    cx = np.clip(xy[:, 0:1], rects[..., 0], rects[..., 2])
    cy = np.clip(xy[:, 1:2], rects[..., 1], rects[..., 3])
    d = np.sqrt((xy[:, 0:1] - cx) ** 2 + (xy[:, 1:2] - cy) ** 2)
    return np.where(valid, d, np.inf).min(axis=1, initial=np.inf)


def target_position(t: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """``(b, 2)`` the target at step ``t``: ``goal``, or moving back and forth on ``goal -> goal_end``.

    The target travels ``target_speed * dt`` metres per step along the segment and turns back at
    its ends (a ping-pong of period ``2 L``); a zero-length segment or speed is a static target.
    """
    seg = p["goal_end"] - p["goal"]
    length = np.sqrt(seg[:, 0] ** 2 + seg[:, 1] ** 2)
    moving = (length > 0) & (p["target_speed"] > 0)
    safe = np.where(moving, length, 1.0)
    phase = np.mod(p["target_speed"] * p["dt"] * t, 2.0 * safe)
    along = np.where(phase <= safe, phase, 2.0 * safe - phase)
    frac = np.where(moving, along / safe, 0.0)
    return p["goal"] + seg * frac[:, None]


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(b,)`` Euclidean distances between rows of two ``(b, 2)`` arrays."""
    d = a - b
    return np.sqrt(d[:, 0] ** 2 + d[:, 1] ** 2)


def step_reward(collided: np.ndarray, reached: np.ndarray, d_before: np.ndarray, d_after: np.ndarray,
                p: dict[str, np.ndarray]) -> np.ndarray:
    """Sparse reward (``+reach_reward`` on reaching, ``-collision_penalty`` on a collision) plus the
    optional shaping ``shaping * (d_before - d_after)`` (potential-based, 0 by default)."""
    event = np.where(collided, -p["collision_penalty"], np.where(reached, p["reach_reward"], 0.0))
    return event + p["shaping"] * (d_before - d_after)


def advance(pose: np.ndarray, vel: np.ndarray, t: np.ndarray, action: np.ndarray, d_before: np.ndarray,
            p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One environment step of every row: ``(pose, velocity, target, distance to target, reward, outcome)``.

    The outcome is ``COLLIDED`` (the disc touches a wall or rectangle at the new pose; it wins over
    reaching), ``REACHED`` (the centre within ``goal_radius`` of the target at step ``t + 1``),
    ``TIMEOUT`` (step ``t + 1`` is ``max_steps``) or ``RUNNING``. Collisions are checked at the end of
    each step; an instance keeps ``v_max * dt`` below the robot's radius, so nothing is tunnelled through.
    """
    new_pose, new_vel = integrate(pose, vel, action, p)
    target = target_position(t + 1, p)
    d = distance(new_pose[:, :2], target)
    hit = collides(new_pose[:, :2], p)
    reached = ~hit & (d <= p["goal_radius"])
    reward = step_reward(hit, reached, d_before, d, p)
    outcome = np.where(hit, COLLIDED, np.where(reached, REACHED, np.where(t + 1 >= p["max_steps"], TIMEOUT, RUNNING)))
    return new_pose, new_vel, target, d, reward, outcome.astype(np.int8)


def cast_rays(pose: np.ndarray, num_rays: int, p: dict[str, np.ndarray]) -> np.ndarray:
    """``(b, k)`` range of ``k`` rays from the robot's centre, evenly spaced over 360 degrees starting
    straight ahead, to the nearest wall or rectangle, capped at ``ray_range`` (slab method, batched
    over rows, rays and rectangles at once)."""
    ang = pose[:, 2:3] + np.arange(num_rays)[None, :] * (2.0 * np.pi / num_rays)
    dx, dy = np.cos(ang), np.sin(ang)
    ix = 1.0 / np.where(np.abs(dx) < _TINY, _TINY, dx)
    iy = 1.0 / np.where(np.abs(dy) < _TINY, _TINY, dy)
    px, py = pose[:, 0:1], pose[:, 1:2]
    # leaving the floor box: the far slab of each axis
    walls = np.minimum(np.maximum(-px * ix, (p["width"][:, None] - px) * ix),
                       np.maximum(-py * iy, (p["height"][:, None] - py) * iy))
    rects = p["rects"][:, None, :, :]  # (b, 1, m, 4)
    ixm, iym = ix[..., None], iy[..., None]
    tx0, tx1 = (rects[..., 0] - px[..., None]) * ixm, (rects[..., 2] - px[..., None]) * ixm
    ty0, ty1 = (rects[..., 1] - py[..., None]) * iym, (rects[..., 3] - py[..., None]) * iym
    enter = np.maximum(np.minimum(tx0, tx1), np.minimum(ty0, ty1))
    leave = np.minimum(np.maximum(tx0, tx1), np.maximum(ty0, ty1))
    hit = p["rect_valid"][:, None, :] & (enter <= leave) & (leave >= 0)
    rect_range = np.where(hit, np.maximum(enter, 0.0), np.inf).min(axis=2, initial=np.inf)
    return np.minimum(np.minimum(walls, rect_range), p["ray_range"][:, None])


def to_robot_frame(vec: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``(b, 2)`` world-frame vectors rotated into the robot's frame (x ahead, y to its left)."""
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([c * vec[:, 0] + s * vec[:, 1], -s * vec[:, 0] + c * vec[:, 1]], axis=1)
