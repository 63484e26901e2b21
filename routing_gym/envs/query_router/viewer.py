"""Pictures and text of query routings: the model chosen for each query, against a reference routing.

The reference is the oracle's routing when one is given (``draw_against``), else each query's
hindsight-best model ignoring the budget (the largest utility), which is what the oracle
chooses wherever the budget does not bind.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.render import _finish

_COLOURS = ("#1f77b4", "#d62728")


def _levels(instance_models: Sequence[str], solution: Sequence[Any]) -> np.ndarray:
    names = list(instance_models)
    return np.array([len(names) if s is None else (names.index(s) if isinstance(s, str) else int(s)) for s in solution],
                    dtype=float)


def draw_choices(ax: Any, model_names: Sequence[str], choices: np.ndarray, reference: np.ndarray | None,
                 title: str, labels: tuple[str, str] = ("router", "best per query")) -> None:
    """Choices (model index per query, ``M`` = abstain) as dots; the reference as hollow squares."""
    m = len(model_names)
    if reference is not None and reference.size:
        ax.scatter(np.arange(reference.size), reference, s=36, facecolors="none", edgecolors=_COLOURS[1],
                   label=labels[1], zorder=2)
    if choices.size:
        ax.scatter(np.arange(choices.size), choices, s=10, c=_COLOURS[0], label=labels[0], zorder=3)
    _finish(ax, title)
    ax.set_aspect("auto")
    ax.set_yticks(range(m + 1))
    ax.set_yticklabels([n[-18:] for n in model_names] + ["abstain"], fontsize=6)
    ax.set_xlabel("query")
    ax.set_ylim(-0.5, m + 0.5)
    if choices.size or (reference is not None and reference.size):
        ax.legend(loc="upper right", fontsize=6)


def _best(util: np.ndarray) -> np.ndarray:
    return np.argmax(util, axis=1).astype(float)


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: the choices so far against each query's hindsight-best model; value and budget in the title.

    :param positions: ignored.
    """
    nq, t = int(kernel.nq[row]), int(kernel.t[row])
    choices = kernel.choice[row, :t].astype(float)
    title = (f"QueryRouter {t}/{nq}  objective {-kernel.cost[row]:.4g}  "
             f"spent {kernel.spent[row]:.4g}/{kernel.budget[row]:.4g}")
    draw_choices(ax, list(kernel.names[row]), choices, _best(kernel.util[row, :nq]), title)


def text(kernel: Kernel, row: int) -> str:
    """Kernel row ``row`` as one line: queries routed, objective, budget, the last choices."""
    sol = kernel.solution(row)
    end = " (done)" if kernel.done[row] else ""
    tail = ", ".join("abstain" if s is None else s for s in sol[-8:])
    return (f"QueryRouter [{len(sol)}/{int(kernel.nq[row])} routed]{end} objective={-kernel.cost[row]:.6g} "
            f"spent={kernel.spent[row]:.6g}/{kernel.budget[row]:.6g}: ...{tail}")


def draw_solution(ax: Any, instance: Any, solution: Sequence[Any], title: str = "") -> None:
    """A routing of ``instance`` against each query's hindsight-best model (comparison plots)."""
    draw_choices(ax, instance.model_names, _levels(instance.model_names, solution), _best(instance.utility()), title)


def draw_against(ax: Any, instance: Any, solution: Sequence[Any], oracle: Sequence[Any], title: str = "",
                 label: str = "router") -> None:
    """A routing of ``instance`` against the oracle's routing (the README's chart of choices)."""
    draw_choices(ax, instance.model_names, _levels(instance.model_names, solution),
                 _levels(instance.model_names, oracle), title, (label, "oracle"))
