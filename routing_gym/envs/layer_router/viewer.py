"""Charts of LayerRouter routings: the options chosen per token and layer, beside the oracle's."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.layer_router.types import OPTIONS, LayerRouterInstance

#: colours of unset, skip, small, big
COLOURS = ("#ffffff", "#dddddd", "#6baed6", "#d62728")
GLYPHS = {-1: " ", 0: ".", 1: "s", 2: "B"}


def draw_routings(ax: Any, routing: np.ndarray, oracle: np.ndarray, title: str) -> None:
    """Two token-by-layer grids, the routing on top and the oracle's below; white cells are not yet routed."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    T, L = routing.shape
    gap = np.full((1, L), np.nan)
    grid = np.vstack([routing, gap, oracle]).astype(np.float64) + 1.0
    ax.imshow(grid, cmap=ListedColormap(COLOURS), vmin=-0.5, vmax=3.5, aspect="auto", interpolation="nearest")
    ax.set_yticks([(T - 1) / 2, T + 1 + (T - 1) / 2], ["routed", "oracle"])
    ax.set_xticks(range(0, L, max(1, L // 6)))
    ax.set_xlabel("layer")
    ax.set_title(title, fontsize=9)
    ax.legend(handles=[Patch(color=c, label=n) for c, n in zip(COLOURS[1:], OPTIONS)], loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False)


def _oracle(instance: LayerRouterInstance) -> tuple[np.ndarray, float]:
    from routing_gym.envs.layer_router.oracle import oracle_routing
    from routing_gym.envs.layer_router.types import evaluate_layer_router

    best = oracle_routing(instance)
    return best, evaluate_layer_router(instance, best).cost


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: the choices so far against the oracle's routing of the same tokens.

    :param positions: ignored.
    """
    data = {"features": kernel.features[row:row + 1], "base_loss": kernel.base[row:row + 1],
            "gain": kernel.gain[row:row + 1], "pair": kernel.pair[row:row + 1, 1:],
            "interference": kernel.rho[row:row + 1], "unit_cost": kernel.unit[row:row + 1],
            "compute_weight": kernel.weight[row:row + 1],
            "token_budget": np.where(np.isinf(kernel.tok_budget[row:row + 1]), -1, kernel.tok_budget[row:row + 1]).astype(np.int64),
            "batch_budget": np.where(np.isinf(kernel.batch_budget[row:row + 1]), -1,
                                     kernel.batch_budget[row:row + 1]).astype(np.int64)}
    oracle, best = _oracle(type(kernel).make_instance(data, 0))
    title = (f"LayerRouter T={kernel.num_tokens} L={kernel.num_layers}  cost so far {kernel.cost[row]:.4g}  "
             f"oracle {best:.4g}")
    draw_routings(ax, kernel.choices[row], oracle, title)


def _rows(routing: np.ndarray) -> list[str]:
    return ["".join(GLYPHS[int(o)] for o in r) for r in routing]


def text(kernel: Kernel, row: int) -> str:
    """Kernel row ``row``: one line per token (``.`` skip, ``s`` small, ``B`` big), the cost so far."""
    end = " (done)" if kernel.done[row] else f" token {kernel.tok[row]} layer {kernel.lay[row]}"
    lines = [f"LayerRouter T={kernel.num_tokens} L={kernel.num_layers}{end} cost={kernel.cost[row]:.6g} "
             f"units={kernel.used_batch[row]:g}"]
    lines += [f"  {t:3d} |{r}|" for t, r in enumerate(_rows(kernel.choices[row]))]
    return "\n".join(lines)


def draw_solution(ax: Any, instance: LayerRouterInstance, solution: Sequence[Sequence[int]], title: str = "") -> None:
    """A routing of ``instance`` above the oracle's (comparison plots)."""
    oracle, best = _oracle(instance)
    draw_routings(ax, np.asarray(solution, dtype=np.int64), oracle, f"{title}  (oracle {best:.4g})".strip())
