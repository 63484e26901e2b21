"""A trained stable-baselines3 checkpoint (``.zip``: sb3-contrib ``MaskablePPO`` or SB3 ``PPO``) as a
solver, for any problem.

The pointer policies of :mod:`routing_gym.agents` are checkpoint *folders*; an SB3 ``model.save``
file is a zip. ``agent:path=model.zip`` (:mod:`routing_gym.agents.agent_solver`) recognises the zip
(:func:`is_sb3_checkpoint`) and hands it to :class:`SB3PolicySolver`, which plays it on any
registered problem: the checkpoint's ``predict`` (with the action masks for ``MaskablePPO``; none
for ``PPO``, e.g. on a ``Box`` action space) in the environment built for the instance, which
builds and costs the solution. Before playing, the checkpoint's observation and action spaces
must equal the environment's for the instance (:func:`check_spaces`), so a router trained on 12
layers refuses a 16-layer instance with a one-line :class:`~routing_gym.errors.SolverError`.

Per-problem solvers (``layer-ppo``, ``query-ppo``, ``agv-ppo``) subclass :class:`MaskablePPOSolver`
and may override :meth:`~MaskablePPOSolver.check` (does the checkpoint fit the instance?) and
:meth:`~MaskablePPOSolver.finish` (the solution from the last observation and info). They stay
working aliases, and ``agent:path=...`` applies the same ``check`` / ``finish`` to their problems.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routing_gym.baselines.base import Solver
from routing_gym.errors import SolverError

#: the members every ``model.save`` zip holds
SB3_MEMBERS = ("data", "policy.pth")
#: the policy module prefix of sb3-contrib's maskable algorithms
MASKABLE_MODULE = "sb3_contrib.common.maskable"


def is_sb3_checkpoint(path: str | Path) -> bool:
    """Whether ``path`` is a file saved by SB3's ``model.save`` (a zip holding ``data`` and ``policy.pth``)."""
    path = Path(str(path))
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        return all(m in zf.namelist() for m in SB3_MEMBERS)


def sb3_algorithm(path: Path) -> type:
    """``MaskablePPO`` when the checkpoint's policy class is a maskable one (sb3-contrib's or a
    subclass of it, such as a problem's own policy), else SB3's ``PPO``."""
    try:
        with zipfile.ZipFile(path) as zf:
            data = json.loads(zf.read("data"))
        policy_class = data.get("policy_class", {})
        module = str(policy_class.get("__module__", ""))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, AttributeError) as exc:
        raise SolverError(f"{path}: not a readable SB3 checkpoint: {exc}") from None
    if module.startswith(MASKABLE_MODULE) or _is_maskable_class(policy_class):
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    from stable_baselines3 import PPO

    return PPO


def _is_maskable_class(policy_class: dict) -> bool:
    """Whether the serialised policy class subclasses sb3-contrib's ``MaskableActorCriticPolicy``.

    The class is decoded as SB3's own ``load`` decodes it (cloudpickle); one that cannot be
    decoded here (its module is missing) is not taken as maskable.
    """
    from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
    from stable_baselines3.common.save_util import json_to_data

    try:
        cls = json_to_data(json.dumps({"policy_class": policy_class}))["policy_class"]
    except Exception:  # noqa: BLE001 - any failure to decode means "not known to be maskable"
        return False
    return isinstance(cls, type) and issubclass(cls, MaskableActorCriticPolicy)


def load_sb3_checkpoint(path: str | Path, name: str = "agent") -> Any:
    """The checkpoint at ``path`` (MaskablePPO or PPO, on the CPU); :class:`SolverError` when it cannot load."""
    path = Path(str(path))
    if not path.exists():
        raise SolverError(f"{name}: no checkpoint at {path}")
    algo = sb3_algorithm(path)
    try:
        return algo.load(str(path), device="cpu")
    except Exception as exc:  # noqa: BLE001 - SB3 raises many types for a corrupt or foreign zip
        raise SolverError(f"{name}: cannot load {path} as {algo.__name__}: {type(exc).__name__}: {exc}") from None


def is_maskable(model: Any) -> bool:
    """Whether ``model.predict`` takes ``action_masks`` (sb3-contrib's maskable algorithms)."""
    return type(model.policy).__module__.startswith(MASKABLE_MODULE)


def make_env(instance: Any) -> Any:
    """The unwrapped environment of ``instance``'s problem, playing ``instance``."""
    import gymnasium as gym

    from routing_gym.registry import env_id_for

    return gym.make(env_id_for(instance), instance=instance).unwrapped


def check_spaces(model: Any, env: Any, name: str) -> None:
    """:class:`SolverError` unless the checkpoint's observation and action spaces are the env's."""
    for what in ("observation_space", "action_space"):
        theirs, ours = getattr(model, what), getattr(env, what)
        if theirs != ours:
            raise SolverError(f"{name}: the checkpoint was trained with {what} {_short(theirs)}, the instance's "
                              f"environment ({env.spec.id if env.spec else type(env).__name__}) has {_short(ours)}")


def _short(space: Any) -> str:
    text = str(space)
    return text if len(text) <= 300 else text[:300] + "..."


def play_policy(model: Any, instance: Any, deterministic: bool = True, name: str = "policy") -> tuple[dict, dict]:
    """Play ``instance`` with ``model.predict`` (masked for maskable models) to the end;
    ``(last observation, last info)``.

    :raises SolverError: when the policy plays a masked action.
    """
    env = make_env(instance)
    obs, _ = env.reset()
    shape = env.action_space.shape
    masked = is_maskable(model)
    while True:
        if masked:
            action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=deterministic)
        else:
            action, _ = model.predict(obs, deterministic=deterministic)
        obs, _, terminated, truncated, info = env.step(np.asarray(action).reshape(shape))
        if terminated or truncated:
            if info.get("invalid_action"):
                raise SolverError(f"{name}: the policy played a masked action")
            return obs, info


class MaskablePPOSolver(Solver):
    """An SB3 checkpoint loaded from ``path`` (a ``.zip``: MaskablePPO or PPO), played greedily by default.

    Subclasses set ``problems`` and may override :meth:`check` and :meth:`finish`.

    :param path: the checkpoint; required.
    :param deterministic: greedy (default) or sampled actions.
    """

    def __init__(self, time_limit: float | None = None, seed: int = 0, path: str | None = None,
                 deterministic: bool = True) -> None:
        super().__init__(time_limit, seed)
        self.path = None if path is None else Path(str(path))
        self.deterministic = bool(deterministic)
        self._model: Any = None

    def model(self) -> Any:
        """The loaded checkpoint (SB3 is imported on first use only)."""
        if self.path is None:
            raise SolverError(f"{self.name}: give the checkpoint, {self.name}:path=policy.zip")
        if self._model is None:
            self._model = load_sb3_checkpoint(self.path, self.name)
        return self._model

    def check(self, model: Any, instance: Any) -> None:
        """Raise :class:`SolverError` when the checkpoint cannot play ``instance`` (default: it can)."""

    def finish(self, obs: dict, info: dict) -> Any:
        """The solution of a finished episode (default: the env's ``info["solution"]``)."""
        return info["solution"]

    def solve(self, instance: Any) -> Any:
        model = self.model()
        self.check(model, instance)
        check_spaces(model, make_env(instance), self.name)
        return self.finish(*play_policy(model, instance, self.deterministic, self.name))


class SB3PolicySolver(MaskablePPOSolver):
    """An SB3 checkpoint on any registered problem (what ``agent:path=model.zip`` runs).

    Where a :class:`MaskablePPOSolver` subclass claims the instance's problem (``layer-ppo``...),
    that solver plays the model (its ``check`` and ``finish`` apply); the spaces are checked in
    every case (:func:`check_spaces`) except where the problem's solver plays a policy of its own
    that fits any size (``agv-ppo``'s shared per-robot policy).
    """

    name: ClassVar[str] = "agent"

    def supports(self, instance: Any) -> bool:
        """Any registered problem (a checkpoint that does not fit fails with the reason)."""
        from routing_gym.registry import UnknownProblemError, problem_of

        try:
            problem_of(instance)
        except UnknownProblemError:
            return False
        return True

    def warmup(self) -> None:
        """Load the checkpoint (and import SB3 and torch) outside the timed runs."""
        try:
            self.model()
        except SolverError:
            pass  # reported by the timed run

    def _alias(self, problem: str) -> MaskablePPOSolver | None:
        """The problem's own checkpoint solver, sharing this one's model, if one is registered."""
        from routing_gym.baselines.base import load_problem_hooks

        load_problem_hooks()
        stack = list(MaskablePPOSolver.__subclasses__())
        while stack:
            cls = stack.pop()
            stack.extend(cls.__subclasses__())
            if cls is not SB3PolicySolver and problem in cls.problems:
                alias = cls(self.time_limit, self.seed, path=str(self.path), deterministic=self.deterministic)
                alias._model = self._model
                return alias
        return None

    def solve(self, instance: Any) -> Any:
        """The problem's own checkpoint solver plays it where one is registered (its checks, its
        way of playing: e.g. ``agv-ppo``'s shared per-robot policy), else the generic player."""
        from routing_gym.registry import problem_of

        self.model()
        own = self._alias(problem_of(instance).name)
        return super().solve(instance) if own is None else own.solve(instance)
