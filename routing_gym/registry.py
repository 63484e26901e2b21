"""The problem registry: everything the suite knows about a problem, declared once.

Each problem lives in its own folders (``envs/<name>/``, ``baselines/<name>/``,
its featurizer in ``agents/``) and declares one :class:`Problem` record in
``routing_gym/envs/<name>/problem.py``. Adding a problem is those folders plus
one line in :data:`PROBLEM_NAMES`. Everything that used to dispatch on an
instance's type or class name (``evaluate``, file loading, rendering, solver
support, warm-up, labels and references for training, env-id lookup) asks the
registry instead::

    from routing_gym.registry import problem_of, get_problem
    problem_of(instance).evaluate(instance, solution)
    get_problem("cvrptw").envs[0].id            # "routing_gym/CVRPTW-v0"

Lookups are exact on the instance type, so a subclass of another problem's
instance is never sent to that problem's code by accident.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from routing_gym.errors import RoutingGymError

#: The list of problems, in display order. A new problem is one more name here.
PROBLEM_NAMES: tuple[str, ...] = ("tsp", "cvrp", "cvrptw", "atsp", "mtsp", "op", "pctsp", "knapsack", "pdp", "warehouse_agv", "continuous_agv", "layer_router", "moe_router", "query_router", "vertiport_fleet", "ride_hailing")


class UnknownProblemError(RoutingGymError, KeyError):
    """No registered problem has this name, env id or instance type."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class EnvEntry:
    """One Gymnasium id of a problem.

    :param id: ``routing_gym/<Name>-v<N>``.
    :param entry_point: ``"module:Class"`` of the single env.
    :param vector_entry_point: ``"module:Class"`` of the native vector env.
    :param kwargs: default constructor keywords of this id.
    :param max_episode_steps: a time limit (``truncated``), when the problem has one.
    """

    id: str
    entry_point: str
    vector_entry_point: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None


@dataclass(frozen=True)
class FileFormat:
    """A public file format that loads into a problem's instances.

    :param name: e.g. ``"tsplib"``, ``"solomon"``.
    :param suffixes: file suffixes usually carrying it (informative, and a hint for sniffing).
    :param sniff: ``sniff(path, head) -> bool``: whether a file (its first 4 kB of text) is in this format.
    :param load: ``load(path, **options) -> instance``.
    """

    name: str
    suffixes: tuple[str, ...]
    sniff: Callable[[Path, str], bool]
    load: Callable[..., Any]


@dataclass(frozen=True)
class Problem:
    """The declaration of one problem.

    :param name: short lower-case name (``"cvrptw"``), used by solvers' ``problems``.
    :param title: a human description.
    :param instance_type: the frozen instance dataclass.
    :param generator_type: ``generator_type(**kwargs)(rng) -> instance``; ``.sample(rng, n)`` for kernels.
    :param kernel_type: the batched kernel.
    :param evaluate: ``evaluate(instance, solution) -> Evaluation``, independent of the env.
    :param envs: the Gymnasium ids.
    :param viewer: a module or object with ``draw(ax, kernel, row, positions)``,
        ``text(kernel, row)`` and ``draw_solution(ax, instance, solution, title)``.
    :param formats: file formats that load into this problem.
    :param solution_format: how a solution is written, for the docs and ``solutions.jsonl``.
    :param solution_variant: ``variant(solution, rng)``: another solution of the same cost
        (data augmentation for imitation); ``None`` where no symmetry is known.
    :param tiny_kwargs: generator keywords of a tiny instance (solver warm-up, smoke tests).
    :param reference_solvers: solver specs tried in order for reference costs (first available wins).
    :param label_solvers: solver specs tried in order to label instances for imitation.
    :param pretrained: shipped checkpoints as ``(training size, name)``.
    :param sense: ``"min"`` (the objective is a cost) or ``"max"`` (a profit; ``cost`` is then minus it).
    :param baselines: module that registers this problem's solver hooks (imported with the solvers).
    :param agents: module that registers this problem's featurizer (``routing_gym/agents/<name>.py``),
        imported before featurizers are looked up; ``None`` when it lives in ``agents/featurizers.py``.
    :param metrics: ``metrics(instance, solution) -> {name: float}``: figures of a feasible solution
        beside its cost (quality, answer rate, makespan...), shown as columns of the comparison
        table (means over instances). A ``"decisions"`` entry also yields ``ms_per_decision``.
    """

    name: str
    title: str
    instance_type: type
    generator_type: type
    kernel_type: type
    evaluate: Callable[[Any, Any], Any]
    envs: tuple[EnvEntry, ...]
    viewer: Any
    formats: tuple[FileFormat, ...] = ()
    solution_format: str = ""
    solution_variant: Callable[[Any, Any], Any] | None = None
    tiny_kwargs: Mapping[str, Any] = field(default_factory=lambda: {"num_nodes": 8})
    reference_solvers: tuple[str, ...] = ()
    label_solvers: tuple[str, ...] = ()
    pretrained: tuple[tuple[int, str], ...] = ()
    sense: str = "min"
    baselines: str | None = None
    agents: str | None = None
    metrics: Callable[[Any, Any], Mapping[str, float]] | None = None

    @property
    def env_id(self) -> str:
        """The problem's main Gymnasium id."""
        return self.envs[0].id

    def tiny_instance(self, seed: int = 0) -> Any:
        """A small instance (warm-up, smoke tests)."""
        import numpy as np

        return self.generator_type(**self.tiny_kwargs)(np.random.default_rng(seed))


@lru_cache(maxsize=None)
def problems() -> dict[str, Problem]:
    """Every registered problem by name, in :data:`PROBLEM_NAMES` order."""
    out: dict[str, Problem] = {}
    for name in PROBLEM_NAMES:
        module = importlib.import_module(f"routing_gym.envs.{name}.problem")
        problem = module.PROBLEM
        if problem.name != name:
            raise RoutingGymError(f"routing_gym.envs.{name}.problem declares a problem named {problem.name!r}")
        out[name] = problem
    return out


def get_problem(name: str) -> Problem:
    """The problem called ``name``; :class:`UnknownProblemError` lists the known ones."""
    table = problems()
    if name not in table:
        raise UnknownProblemError(f"unknown problem {name!r}; registered: {', '.join(table)}")
    return table[name]


def problem_of(instance: Any) -> Problem:
    """The problem whose instance type is exactly ``type(instance)``."""
    for problem in problems().values():
        if type(instance) is problem.instance_type:
            return problem
    raise UnknownProblemError(f"no routing-gym problem takes a {type(instance).__name__} instance; "
                              f"registered instance types: {', '.join(p.instance_type.__name__ for p in problems().values())}")


def problem_of_env(env_id: str) -> Problem:
    """The problem that registered the Gymnasium id ``env_id``."""
    for problem in problems().values():
        if any(e.id == env_id for e in problem.envs):
            return problem
    raise UnknownProblemError(f"{env_id!r} is not a routing-gym environment; registered: {', '.join(env_ids())}")


def env_id_for(instance: Any) -> str:
    """The main Gymnasium id of ``instance``'s problem."""
    return problem_of(instance).env_id


def env_ids() -> list[str]:
    """Every registered Gymnasium id."""
    return [e.id for p in problems().values() for e in p.envs]


def register_envs() -> None:
    """Register every problem's ids with Gymnasium (idempotent)."""
    import gymnasium as gym

    for problem in problems().values():
        for e in problem.envs:
            if e.id not in gym.registry:
                gym.register(id=e.id, entry_point=e.entry_point, vector_entry_point=e.vector_entry_point,
                             kwargs=dict(e.kwargs), max_episode_steps=e.max_episode_steps, disable_env_checker=False)
