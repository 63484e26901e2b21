"""Charts of MoERouter routings: experts called per token and layer, beside the oracle's."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from routing_gym.envs.kernel import Kernel
from routing_gym.envs.moe_router.types import MoERouterInstance


def counts(solution: Sequence[Sequence[Sequence[int]]]) -> np.ndarray:
    """``(T, L)`` experts called per token and layer."""
    return np.array([[len(s) for s in layers] for layers in solution], dtype=np.int64)


def draw_counts(ax: Any, routing: np.ndarray, oracle: np.ndarray, max_experts: int, title: str) -> None:
    """Two token-by-layer grids of expert counts, the routing on top and the oracle's below."""
    T, L = routing.shape
    grid = np.vstack([routing, np.full((1, L), np.nan), oracle]).astype(np.float64)
    im = ax.imshow(grid, cmap="viridis", vmin=0, vmax=max_experts, aspect="auto", interpolation="nearest")
    ax.set_yticks([(T - 1) / 2, T + 1 + (T - 1) / 2], ["routed", "oracle"])
    ax.set_xticks(range(0, L, max(1, L // 6)))
    ax.set_xlabel("layer")
    ax.set_title(title, fontsize=9)
    ax.figure.colorbar(im, ax=ax, fraction=0.04, label="experts called")


def _oracle(instance: MoERouterInstance) -> tuple[list, float]:
    from routing_gym.envs.moe_router.oracle import oracle_routing
    from routing_gym.envs.moe_router.types import evaluate_moe_router

    best = oracle_routing(instance)
    return best, evaluate_moe_router(instance, best).cost


def _instance_of(kernel: Kernel, row: int) -> MoERouterInstance:
    k = kernel
    r = slice(row, row + 1)
    data = {"features": k.features[r], "gate": k.gate[r], "gain": k.gain[r], "base_loss": k.base[r],
            "decay": k.decay[r], "reuse": k.reuse[r], "thin": k.thin[r], "max_experts": k.kmax[r],
            "compute_weight": k.weight[r],
            "token_budget": np.where(np.isinf(k.tok_budget[r]), -1, k.tok_budget[r]).astype(np.int64),
            "batch_budget": np.where(np.isinf(k.batch_budget[r]), -1, k.batch_budget[r]).astype(np.int64)}
    return type(kernel).make_instance(data, 0)


def draw(ax: Any, kernel: Kernel, row: int, positions: np.ndarray | None = None) -> None:
    """Kernel row ``row``: experts called so far against the oracle's routing of the same tokens.

    :param positions: ignored.
    """
    inst = _instance_of(kernel, row)
    oracle, best = _oracle(inst)
    title = (f"MoERouter T={kernel.num_tokens} L={kernel.num_layers} E={kernel.num_experts}  cost so far "
             f"{kernel.cost[row]:.4g}  oracle {best:.4g}")
    draw_counts(ax, kernel.choices[row].sum(axis=2), counts(oracle), inst.max_experts, title)


def text(kernel: Kernel, row: int) -> str:
    """Kernel row ``row``: one line per token, the experts called per layer (a digit each), the cost so far."""
    end = " (done)" if kernel.done[row] else f" token {kernel.tok[row]} layer {kernel.lay[row]}"
    lines = [f"MoERouter T={kernel.num_tokens} L={kernel.num_layers} E={kernel.num_experts}{end} "
             f"cost={kernel.cost[row]:.6g} calls={kernel.used_batch[row]:g}"]
    n = kernel.choices[row].sum(axis=2)
    lines += [f"  {t:3d} |{''.join(str(int(c)) for c in r)}|" for t, r in enumerate(n)]
    return "\n".join(lines)


def draw_solution(ax: Any, instance: MoERouterInstance, solution: Sequence[Sequence[Sequence[int]]],
                  title: str = "") -> None:
    """Expert counts of a routing of ``instance`` above the oracle's (comparison plots)."""
    oracle, best = _oracle(instance)
    draw_counts(ax, counts(solution), counts(oracle), instance.max_experts, f"{title}  (oracle {best:.4g})".strip())
