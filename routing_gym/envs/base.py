"""Gymnasium front-ends over a batched kernel: the single env (batch 1) and the native vector env."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.validation import check_memory_budget
from routing_gym.errors import ConfigError, InstanceError, InvalidActionError

INVALID_ACTION_MODES = ("penalty", "raise")


def _check_invalid_mode(mode: str) -> str:
    if mode not in INVALID_ACTION_MODES:
        raise InstanceError(f"invalid_action: expected one of {INVALID_ACTION_MODES}, got {mode!r}")
    return mode


def check_reset_options(kernel_type: type[Kernel], options: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` for a ``reset`` option neither the env nor its kernel understands."""
    unknown = sorted(set(options) - set(allowed) - set(kernel_type.reset_options))
    if unknown:
        known = ", ".join(sorted(set(allowed) | set(kernel_type.reset_options)))
        raise ConfigError(f"reset options: unknown key(s) {', '.join(unknown)}; this environment takes {known}")


def build_generator(env_type: type, generator: Any | None, kwargs: dict[str, Any]) -> Any:
    """``generator`` itself, or ``env_type.generator_type(**kwargs)``; never both."""
    if generator is not None:
        if kwargs:
            raise InstanceError(f"{env_type.__name__}: give generator= or its keyword arguments "
                                f"({', '.join(kwargs)}), not both")
        return generator
    gen_type = env_type.generator_type
    known = {f.name for f in dataclasses.fields(gen_type)} if dataclasses.is_dataclass(gen_type) else None
    if known is not None and set(kwargs) - known:
        unknown = sorted(set(kwargs) - known)
        raise InstanceError(f"{env_type.__name__}: unknown argument(s) {', '.join(unknown)}; "
                            f"expected generator=, instance=, render_mode=, invalid_action= or {', '.join(sorted(known))}")
    return gen_type(**kwargs)


def check_instance_type(kernel_type: type[Kernel], instance: Any, size: int | None = None) -> None:
    """Raise :class:`InstanceError` unless ``instance`` is this kernel's type (and of ``size``, if given)."""
    expected = kernel_type.instance_type
    if type(instance) is not expected:
        raise InstanceError(f"instance: expected a {expected.__name__}, got {type(instance).__name__}")
    if size is not None and kernel_type.instance_size(instance) != size:
        raise InstanceError(f"instance: its {kernel_type.size_name} is {kernel_type.instance_size(instance)} but the "
                            f"environment was built for {kernel_type.size_name}={size}")


class RoutingEnv(gym.Env):
    """A problem's kernel at batch size 1 as a :class:`gymnasium.Env`.

    Subclasses only set :attr:`kernel_type`, :attr:`generator_type` and
    :attr:`viewer` (and write the specification as their docstring). The
    constructor takes ``generator=`` or the generator's keyword arguments, a fixed
    ``instance``, ``render_mode`` and ``invalid_action``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array", "ansi"], "render_fps": 4}
    #: the problem's batched kernel
    kernel_type: ClassVar[type[Kernel]]
    #: the generator class built from the constructor's keyword arguments
    generator_type: ClassVar[type]
    #: the problem's viewer: ``draw(ax, kernel, row)`` and ``text(kernel, row)``
    viewer: ClassVar[Any]

    def __init__(self, generator: Any | None = None, *, instance: Any | None = None, render_mode: str | None = None,
                 invalid_action: str = "penalty", **generator_kwargs: Any) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InstanceError(f"render_mode: expected one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.generator = build_generator(type(self), generator, generator_kwargs)
        kt = self.kernel_type
        if instance is not None:
            check_instance_type(kt, instance)
        size = kt.instance_size(instance) if instance is not None else getattr(self.generator, kt.size_name)
        self.size = int(size)
        check_memory_budget(self.size)  # the kernel holds a distance matrix
        self.fixed_instance = instance
        self.render_mode = render_mode
        self.invalid_action = _check_invalid_mode(invalid_action)
        self.kernel = kt(1, self.size)
        self.observation_space = kt.observation_space(self.size)
        self.action_space = self.kernel.action_space
        self._instance: Any | None = None
        self._data: dict[str, np.ndarray] | None = None
        self._fig: Any = None

    @property
    def num_nodes(self) -> int:
        """The size of the episodes (nodes for routing problems; see the kernel's ``size_name``)."""
        return self.size

    # --- the Gymnasium API --------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        check_reset_options(self.kernel_type, options, ("instance",))
        inst = options.pop("instance", None) or self.fixed_instance
        if inst is not None:
            check_instance_type(self.kernel_type, inst, self.size)
            data = self.kernel_type.stack([inst])
        else:
            data = self.kernel_type.sample_instances(self.generator, self.np_random, 1)
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
        a = self._one_action(action)
        if self.invalid_action == "raise" and not k.admissible(a)[0]:
            raise InvalidActionError(f"action {action!r} is masked (infeasible) in the current state")
        reward, ended, invalid = k.step(a)
        info: dict[str, Any] = {"invalid_action": bool(invalid[0])}
        if ended[0] and not invalid[0]:
            info["solution"] = k.solution(0)
            info["cost"] = float(k.cost[0])
        if self.render_mode == "human":
            self.render()
        truncated = bool(ended[0] and k.truncated[0])  # the instance's step cap (kernels without one never set it)
        return k.observe(0), float(reward[0]), bool(ended[0]) and not truncated, truncated, info

    def _one_action(self, action: Any) -> np.ndarray:
        """``action`` as a batch of one, validated against the action space."""
        space = self.kernel._space
        if isinstance(space, spaces.Discrete) and isinstance(action, (int, np.integer)) and not isinstance(action, bool):
            if 0 <= action < space.n:  # fast path of the common case
                return np.array([action], dtype=np.int64)
        return self.kernel.check_actions(np.asarray(action)[None])

    def action_masks(self) -> np.ndarray | None:
        """Boolean mask of the feasible actions (the observation's ``action_mask``); ``None`` for ``Box`` actions."""
        return None if self.kernel.mask is None else self.kernel.mask[0].copy()

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
        self.viewer.draw(ax, self.kernel, 0)

    def _render_text(self) -> str:
        return self.viewer.text(self.kernel, 0)


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
    #: the single env whose kernel, generator and viewer this vector env runs
    single_env_type: ClassVar[type[RoutingEnv]]
    #: the kernel (taken from :attr:`single_env_type`)
    kernel_type: ClassVar[type[Kernel]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "single_env_type"):
            cls.kernel_type = cls.single_env_type.kernel_type

    def __init__(self, num_envs: int = 1, generator: Any | None = None, *, instance: Any | None = None,
                 render_mode: str | None = None, invalid_action: str = "penalty", **generator_kwargs: Any) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise InstanceError(f"num_envs: expected an integer >= 1, got {num_envs!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InstanceError(f"render_mode: expected one of {self.metadata['render_modes']}, got {render_mode!r}")
        single = self.single_env_type
        kt = self.kernel_type
        self.generator = build_generator(single, generator, generator_kwargs)
        if instance is not None:
            check_instance_type(kt, instance)
        self.size = int(kt.instance_size(instance) if instance is not None else getattr(self.generator, kt.size_name))
        check_memory_budget(self.size, int(num_envs), "num_envs")  # the kernel holds num_envs distance matrices
        self.num_envs = int(num_envs)
        self.fixed_instance = instance
        self.render_mode = render_mode
        self.invalid_action = _check_invalid_mode(invalid_action)
        self.kernel = kt(self.num_envs, self.size)
        self.single_observation_space = kt.observation_space(self.size)
        self.single_action_space = self.kernel.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._loaded = False
        self._fixed_data = None if instance is None else kt.stack([instance])
        self._instances: list[Any | None] = [None] * self.num_envs
        self._data: dict[str, np.ndarray] = {}

    @property
    def num_nodes(self) -> int:
        return self.size

    def _new_data(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        if self._fixed_data is not None:
            return {k: np.repeat(v, len(rows), axis=0) for k, v in self._fixed_data.items()}
        return self.kernel_type.sample_instances(self.generator, self.np_random, len(rows))

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start new episodes in every sub-environment.

        ``options={"instances": [...]}`` plays one given instance per sub-environment
        (``{"instance": inst}`` plays the same one everywhere); other options go to the kernel.
        """
        super().reset(seed=seed)
        options = dict(options or {})
        check_reset_options(self.kernel_type, options, ("instance", "instances"))
        rows = np.arange(self.num_envs)
        instances = options.pop("instances", None)
        if instances is not None and options.get("instance") is not None:
            raise ConfigError("reset options: give instances=[...] (one per sub-environment) or instance=..., not both")
        if instances is None and options.get("instance") is not None:
            instances = [options.pop("instance")] * self.num_envs
        options.pop("instance", None)
        if instances is not None:
            if not isinstance(instances, (list, tuple)):
                raise InstanceError(f"instances: expected a list of {self.num_envs} instances, got "
                                    f"{type(instances).__name__}; use options={{'instance': ...}} for one")
            instances = list(instances)
            if len(instances) != self.num_envs:
                raise InstanceError(f"instances: expected {self.num_envs} (one per sub-environment), got {len(instances)}")
            for inst in instances:
                check_instance_type(self.kernel_type, inst, self.size)
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
            bad = ~k.admissible(a)
            if bad.any():
                i = int(np.argmax(bad))
                raise InvalidActionError(f"action {a[i]} is masked (infeasible) in sub-environment {i}")
        reward, terminated, invalid = k.step(a)  # terminated: every ended row; split off the step-cap ones below
        truncated = terminated & k.truncated
        info: dict[str, Any] = {}
        if terminated.any():
            rows = np.flatnonzero(terminated)
            info = self._final_info(rows, terminated, invalid)
            k.load(rows, self._new_data(rows))
            for r in rows.tolist():
                self._instances[r] = self.fixed_instance
        return k.observe(), reward, terminated & ~truncated, truncated, info

    def _final_info(self, rows: np.ndarray, ended: np.ndarray, invalid: np.ndarray) -> dict[str, Any]:
        """``final_obs`` / ``final_info`` of the episodes that end in ``rows`` (before their autoreset)."""
        k = self.kernel
        final = k.observe(rows)
        final_obs = np.empty(self.num_envs, dtype=object)  # None-filled
        per_key = [list(val) for val in final.values()]  # one view per row, made in C
        final_obs[rows] = [dict(zip(final, vals)) for vals in zip(*per_key)]
        has_sol = ended & ~invalid
        solved = np.flatnonzero(has_sol)
        sols = np.empty(self.num_envs, dtype=object)
        for r, sol in zip(solved.tolist(), k.solutions(solved)):
            sols[r] = sol
        inv = np.zeros(self.num_envs, dtype=bool)
        inv[rows] = invalid[rows]
        return {
            "final_obs": final_obs,
            "_final_obs": ended.copy(),
            "final_info": {
                "invalid_action": inv,
                "_invalid_action": ended.copy(),
                "cost": np.where(has_sol, k.cost, 0.0),
                "_cost": has_sol,
                "solution": sols,
                "_solution": has_sol.copy(),
            },
            "_final_info": ended.copy(),
        }

    def action_masks(self) -> np.ndarray | None:
        """``(num_envs, mask width)`` boolean masks, the observations' ``action_mask`` (``None`` for ``Box``)."""
        return None if self.kernel.mask is None else self.kernel.mask.copy()

    def render(self) -> Any:
        """One frame (RGB array or text) per sub-environment."""
        if self.render_mode is None:
            return None
        viewer = self.single_env_type.viewer
        if self.render_mode == "ansi":
            return tuple(viewer.text(self.kernel, r) for r in range(self.num_envs))
        from routing_gym.envs.render import figure_to_rgb, new_figure

        frames = []
        for r in range(self.num_envs):
            fig, ax = new_figure()
            viewer.draw(ax, self.kernel, r)
            frames.append(figure_to_rgb(fig))
        return tuple(frames)
