"""Gymnasium front-ends over a batched kernel: the single env (batch 1) and the native vector env."""

from __future__ import annotations

import operator
from typing import Any, Callable, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from routing_gym.envs.kernel import Kernel
from routing_gym.errors import InstanceError, InvalidActionError

INVALID_ACTION_MODES = ("penalty", "raise")


def _check_invalid_mode(mode: str) -> str:
    if mode not in INVALID_ACTION_MODES:
        raise ValueError(f"invalid_action: expected one of {INVALID_ACTION_MODES}, got {mode!r}")
    return mode


class RoutingEnv(gym.Env):
    """A problem's kernel at batch size 1 as a :class:`gymnasium.Env`.

    Subclasses set :attr:`kernel_type` and build ``self.generator``; see
    :class:`~routing_gym.envs.tsp.env.TSPEnv` for the specification.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array", "ansi"], "render_fps": 4}
    kernel_type: ClassVar[type[Kernel]]

    def __init__(self, num_nodes: int, generator: Any, instance: Any | None, render_mode: str | None, invalid_action: str) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode: expected one of {self.metadata['render_modes']}, got {render_mode!r}")
        if instance is not None:
            if not isinstance(instance, self.kernel_type.instance_type):
                raise InstanceError(f"instance: expected a {self.kernel_type.instance_type.__name__}, got {type(instance).__name__}")
            num_nodes = self.kernel_type.instance_size(instance)
        self.num_nodes = int(num_nodes)
        self.generator = generator
        self.fixed_instance = instance
        self.render_mode = render_mode
        self.invalid_action = _check_invalid_mode(invalid_action)
        self.kernel = self.kernel_type(1, self.num_nodes)
        self.observation_space = self.kernel_type.observation_space(self.num_nodes)
        self.action_space = spaces.Discrete(self.kernel.num_actions)
        self._instance: Any | None = None
        self._data: dict[str, np.ndarray] | None = None
        self._fig: Any = None

    # --- the Gymnasium API --------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        inst = options.pop("instance", None) or self.fixed_instance
        if inst is not None:
            if not isinstance(inst, self.kernel_type.instance_type):
                raise InstanceError(f"instance: expected a {self.kernel_type.instance_type.__name__}, got {type(inst).__name__}")
            data = self.kernel_type.stack([inst])
        else:
            data = self.generator.sample(self.np_random, 1)
        self.kernel.load(np.zeros(1, dtype=np.int64), data, options)
        self._instance, self._data = inst, data
        if self.render_mode == "human":
            self.render()
        return self.kernel.observe(0), {}

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        k = self.kernel
        if self._data is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if k.done[0]:
            raise gym.error.ResetNeeded("the episode has ended; call reset() before step()")
        try:
            a = operator.index(action)
        except TypeError:
            a = np.asarray(action)
            if a.size != 1 or a.dtype.kind not in "iu":
                raise InvalidActionError(f"action {action!r} is not an integer in Discrete({k.num_actions})") from None
            a = int(a.reshape(()))
        if not 0 <= a < k.num_actions:
            raise InvalidActionError(f"action {a} is outside the action space Discrete({k.num_actions})")
        if self.invalid_action == "raise" and not k.mask[0, a]:
            raise InvalidActionError(f"action {a} is masked (infeasible) in the current state; valid: {np.flatnonzero(k.mask[0]).tolist()}")
        reward, terminated, invalid = k.step(np.array([a], dtype=np.int64))
        info: dict[str, Any] = {"invalid_action": bool(invalid[0])}
        if terminated[0] and not invalid[0]:
            info["solution"] = k.solution(0)
            info["cost"] = float(k.cost[0])
        if self.render_mode == "human":
            self.render()
        return k.observe(0), float(reward[0]), bool(terminated[0]), False, info

    def action_masks(self) -> np.ndarray:
        """Boolean mask of the feasible actions (the observation's ``action_mask``)."""
        return self.kernel.mask[0].copy()

    # --- instance access ---------------------------------------------------
    @property
    def instance(self) -> Any:
        """The instance of the current episode (built from the arrays for generated ones)."""
        if self._instance is None and self._data is not None:
            self._instance = self.kernel_type.make_instance(self._data, 0)
        return self._instance

    def get_state(self) -> dict[str, np.ndarray]:
        """Snapshot of the episode state (for search); restore with :meth:`set_state`."""
        return self.kernel.get_state()

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self.kernel.set_state(state)

    # --- rendering ---------------------------------------------------------
    def render(self) -> Any:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode=... to gym.make")
            return None
        if self._data is None:
            raise gym.error.ResetNeeded("call reset() before render()")
        if self.render_mode == "ansi":
            return self._render_text()
        if self.render_mode == "rgb_array":
            from routing_gym.envs.render import figure_to_rgb, new_figure

            fig, ax = new_figure()
            self._draw(ax)
            return figure_to_rgb(fig)
        import matplotlib.pyplot as plt

        if self._fig is None:
            self._fig = plt.figure(figsize=(5, 5))
        self._fig.clf()
        self._draw(self._fig.add_subplot(1, 1, 1))
        plt.pause(1.0 / self.metadata["render_fps"])
        return None

    def close(self) -> None:
        if self._fig is not None:
            import matplotlib.pyplot as plt

            plt.close(self._fig)
            self._fig = None

    def _draw(self, ax: Any) -> None:
        type(self).draw(ax, self.kernel, 0, self.instance.positions)

    def _render_text(self) -> str:
        return type(self).text(self.kernel, 0)

    #: ``draw(ax, kernel, row, positions)``: draw kernel row ``row`` on matplotlib axes (set per problem)
    draw: ClassVar[Callable[[Any, Kernel, int, np.ndarray], None]]
    #: ``text(kernel, row) -> str``: kernel row ``row`` as text (set per problem)
    text: ClassVar[Callable[[Kernel, int], str]]


class RoutingVectorEnv(VectorEnv):
    """A problem's kernel at batch size ``num_envs`` as a native :class:`gymnasium.vector.VectorEnv`.

    Autoreset is ``SAME_STEP``: when a sub-environment's episode ends, ``step``
    returns the first observation of its next episode, and the last observation
    and info sit in ``info["final_obs"]`` / ``info["final_info"]`` (masked by
    ``info["_final_obs"]``), exactly as ``SyncVectorEnv(autoreset_mode=SAME_STEP)``
    would. The final info holds ``cost``, ``solution`` and ``invalid_action``.
    New episodes draw from the generator, or replay the fixed ``instance``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array", "ansi"], "autoreset_mode": AutoresetMode.SAME_STEP}
    kernel_type: ClassVar[type[Kernel]]
    single_env_type: ClassVar[type[RoutingEnv]]

    def __init__(self, num_envs: int, num_nodes: int, generator: Any, instance: Any | None, render_mode: str | None, invalid_action: str) -> None:
        if int(num_envs) < 1:
            raise ValueError(f"num_envs: expected >= 1, got {num_envs!r}")
        if instance is not None:
            num_nodes = self.kernel_type.instance_size(instance)
        self.num_envs = int(num_envs)
        self.num_nodes = int(num_nodes)
        self.generator = generator
        self.fixed_instance = instance
        self.render_mode = render_mode
        self.invalid_action = _check_invalid_mode(invalid_action)
        self.kernel = self.kernel_type(self.num_envs, self.num_nodes)
        self.single_observation_space = self.kernel_type.observation_space(self.num_nodes)
        self.single_action_space = spaces.Discrete(self.kernel.num_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._loaded = False
        self._fixed_data = None if instance is None else self.kernel_type.stack([instance])
        self._instances: list[Any | None] = [None] * self.num_envs
        self._data: dict[str, np.ndarray] = {}

    def _new_data(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        if self._fixed_data is not None:
            return {k: np.repeat(v, len(rows), axis=0) for k, v in self._fixed_data.items()}
        return self.generator.sample(self.np_random, len(rows))

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start new episodes in every sub-environment.

        ``options={"instances": [...]}`` plays one given instance per sub-environment
        (``{"instance": inst}`` plays the same one everywhere); other options go to the kernel.
        """
        super().reset(seed=seed)
        options = dict(options or {})
        rows = np.arange(self.num_envs)
        instances = options.pop("instances", None)
        if instances is None and options.get("instance") is not None:
            instances = [options.pop("instance")] * self.num_envs
        options.pop("instance", None)
        if instances is not None:
            instances = list(instances)
            if len(instances) != self.num_envs:
                raise InstanceError(f"instances: expected {self.num_envs} (one per sub-environment), got {len(instances)}")
            data = self.kernel_type.stack(instances)
        else:
            data = self._new_data(rows)
            instances = [self.fixed_instance] * self.num_envs
        self.kernel.load(rows, data, options)
        self._instances = list(instances)
        self._loaded = True
        return self.kernel.observe(), {}

    def step(self, actions: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._loaded:
            raise gym.error.ResetNeeded("call reset() before step()")
        k = self.kernel
        a = k.check_actions(actions)
        if self.invalid_action == "raise":
            bad = ~k.mask[k._rows, a]
            if bad.any():
                i = int(np.argmax(bad))
                raise InvalidActionError(f"action {a[i]} is masked (infeasible) in sub-environment {i}")
        reward, terminated, invalid = k.step(a)
        truncated = np.zeros(self.num_envs, dtype=bool)
        info: dict[str, Any] = {}
        if terminated.any():
            rows = np.flatnonzero(terminated)
            final = k.observe(rows)
            final_obs = np.full(self.num_envs, None, dtype=object)
            cost = np.zeros(self.num_envs)
            sols = np.full(self.num_envs, None, dtype=object)
            inv = np.zeros(self.num_envs, dtype=bool)
            has_sol = terminated & ~invalid
            for j, r in enumerate(rows):
                final_obs[r] = {key: val[j] for key, val in final.items()}
                if has_sol[r]:
                    sols[r] = k.solution(r)
                    cost[r] = k.cost[r]
            inv[rows] = invalid[rows]
            info = {
                "final_obs": final_obs,
                "_final_obs": terminated.copy(),
                "final_info": {
                    "invalid_action": inv,
                    "_invalid_action": terminated.copy(),
                    "cost": cost,
                    "_cost": has_sol,
                    "solution": sols,
                    "_solution": has_sol.copy(),
                },
                "_final_info": terminated.copy(),
            }
            k.load(rows, self._new_data(rows))
            for r in rows:
                self._instances[r] = self.fixed_instance
        return k.observe(), reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """``(num_envs, num_actions)`` boolean masks, the observations' ``action_mask``."""
        return self.kernel.mask.copy()

    def render(self) -> Any:
        """One frame (RGB array or text) per sub-environment."""
        if self.render_mode is None:
            return None
        draw, text = self.single_env_type.draw, self.single_env_type.text
        if self.render_mode == "ansi":
            return tuple(text(self.kernel, r) for r in range(self.num_envs))
        from routing_gym.envs.render import figure_to_rgb, new_figure

        frames = []
        for r in range(self.num_envs):
            fig, ax = new_figure()
            draw(ax, self.kernel, r, self.kernel.coords[r])
            frames.append(figure_to_rgb(fig))
        return tuple(frames)
