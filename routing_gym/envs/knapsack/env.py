"""Knapsack environments: ``routing_gym/Knapsack-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.knapsack import viewer
from routing_gym.envs.knapsack.generator import KnapsackGenerator
from routing_gym.envs.knapsack.kernel import KnapsackKernel


class KnapsackEnv(RoutingEnv):
    """0-1 knapsack: pack items one at a time, maximising the value packed (BQ-NCO's KP setting).

    ## Description
    ``n`` items with weights ``w`` and values ``v`` and a capacity ``C``. Each step packs
    one item that still fits, or stops. A pointer policy scores nodes, so the stop
    decision is a node too: node 0 is a virtual item without weight or value, and node
    ``i`` (``1..n``) is item ``i - 1``. The reduced problem after a step is again a
    knapsack (the items that still fit and the remaining capacity), which the
    observation gives directly. The problem's sense is ``"max"``.

    ## Action Space
    ``Discrete(n + 1)``: ``0`` stops; ``i`` packs item ``i - 1``. Packed items and items
    heavier than the remaining capacity are masked; stop is always allowed. An action
    outside ``0..n`` raises :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict`` over the ``n + 1`` nodes (row 0 is the stop node, all zeros):

    ======================== ========== ======= ========== ===========================================
    key                      shape      dtype   range      meaning
    ======================== ========== ======= ========== ===========================================
    ``weights``              (n+1,)     float32 [0, 1]     ``w / C`` (clipped to 1: heavier items never fit)
    ``values``               (n+1,)     float32 [0, 1]     ``v / max v``
    ``remaining_capacity``   (1,)       float32 [0, 1]     ``(C - packed weight) / C``
    ``packed``               (n+1,)     int8    {0, 1}     items already packed
    ``action_mask``          (n+1,)     int8    {0, 1}     feasible actions: unpacked items that fit, and stop
    ``coords``               (n+1, 2)   float32 [0, 1]     ``(w / max w, v / max v)``: the item's place in the
                                                           weight-value plane (drawing, kNN graphs)
    ======================== ========== ======= ========== ===========================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).

    ## Rewards
    The value of each packed item; stopping pays 0. The episode's summed reward is
    exactly the packed value, the objective that ``evaluate_knapsack(instance, items).cost``
    returns; ``info["cost"]`` is minus it (the suite's costs of a maximisation are minus the
    objective, so lower is better everywhere).
    A masked action ends the episode with reward ``-(sum v + 1)``, worse than any packing,
    and ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated by the stop action, or automatically after a packing that leaves no
    unpacked item that fits (so an optimal policy never needs to stop while values are
    positive). ``info["solution"]`` is the list of packed items (``0..n-1``, in packing
    order) and ``info["cost"]`` minus their value. At most ``n + 1`` steps; no truncation.

    ## Arguments
    ``gym.make("routing_gym/Knapsack-v0", num_items=50, capacity=None, instance=None,
    generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_items``, ``capacity``: the :class:`~routing_gym.envs.knapsack.generator.KnapsackGenerator`
      (weights and values uniform in ``[0, 1)``; capacity 12.5 / 25 / 25 for 50 / 100 / 200 items
      by default, ``min(n / 4, 25)`` in general).
    * ``generator``: a custom generator instead (anything with ``num_items`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.knapsack.types.KnapsackInstance` played at every
      reset (its size sets ``num_items``); ``reset(options={"instance": inst})`` plays ``inst`` once.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (matplotlib) or ``"ansi"``.
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = KnapsackKernel
    generator_type = KnapsackGenerator
    viewer = viewer


class KnapsackVectorEnv(RoutingVectorEnv):
    """``num_envs`` knapsack episodes stepped in one numpy call (same kernel as :class:`KnapsackEnv`).

    Create with ``gym.make_vec("routing_gym/Knapsack-v0", num_envs, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = KnapsackEnv
