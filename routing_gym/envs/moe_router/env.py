"""MoERouter environments: ``routing_gym/MoERouter-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.moe_router import viewer
from routing_gym.envs.moe_router.generator import MoERouterGenerator
from routing_gym.envs.moe_router.kernel import MoERouterKernel


class MoERouterEnv(RoutingEnv):
    """Mixture-of-experts routing: route each token through ``L`` layers, calling a set of at most
    ``max_experts`` of the ``E`` experts at each layer, trading loss against compute (top-k, top-p).

    ## Description
    An episode is a batch of ``T`` tokens. Token after token, layer after layer, the agent calls
    experts one at a time and closes the layer when it has enough: a fixed top-k router calls
    ``k``, a dynamic top-p router calls as many as its gate's mass needs (harder tokens, flatter
    gates, more experts). A set's loss reduction has diminishing returns (its ``i``-th best expert
    counts ``decay**i``), the value of the experts depends on the layer, and consecutive layers
    interact: two thin layers (at most one expert each) in a row add ``thin``, each expert reused
    at the next layer saves ``reuse``. So the oracle is neither "top-k everywhere" nor "best set
    per layer". The tables come from :mod:`routing_gym.envs.moe_router.generator`; the hindsight
    optimum is computed exactly by :func:`routing_gym.envs.moe_router.oracle.oracle_routing`. The
    router sees the token's features and its gate logits, not the gains (they hold hidden noise).

    ## Action Space
    ``Discrete(E + 1)``: ``e < E`` calls expert ``e`` at the current layer (one compute unit);
    ``E`` closes the layer (an empty set skips it). An expert already called, a set already holding
    ``max_experts``, or a call that the token's or the batch's remaining budget cannot pay for is
    masked; closing is always allowed. An action outside ``0..E`` raises
    :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``:

    ================= ========== ======= ========== ==================================================
    key               shape      dtype   range      meaning
    ================= ========== ======= ========== ==================================================
    ``token``         (8,)       float32 [-10, 10]  the current token's features (zero-padded, clipped)
    ``gate``          (E,)       float32 [-10, 10]  the gate logits of the current token and layer
    ``picked``        (E,)       float32 {0, 1}     experts called at this layer so far
    ``previous``      (E,)       float32 {0, 1}     the token's set at the previous layer
    ``position``      (4,)       float32 [0, 1]     layer / (L - 1), share of tokens left, token
                                                    budget left, batch budget left (1 when unbudgeted)
    ``action_mask``   (E + 1,)   int8    {0, 1}     admitted actions
    ================= ========== ======= ========== ==================================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).

    ## Rewards
    A call pays ``-compute_weight``; a close pays
    :func:`~routing_gym.envs.moe_router.types.close_reward`: the set's loss reduction, minus its
    interaction with the previous layer's set, minus the token's base loss at its first layer. The
    summed reward is exactly minus the objective ``total loss + compute_weight * calls`` that
    ``evaluate_moe_router(instance, routing).cost`` returns (a minimisation; ``info["cost"]`` is that
    objective). A masked action ends the episode with a reward below any episode's return and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when the last layer of the last token closes (``T * L`` closes plus one step per
    call). ``info["solution"]`` is the routing, ``T`` lists of ``L`` sorted expert lists, and
    ``info["cost"]`` its objective. No truncation.

    ## Arguments
    ``gym.make("routing_gym/MoERouter-v0", num_experts=8, num_layers=12, num_tokens=8, max_experts=3,
    compute_weight=0.06, token_budget=None, batch_budget=None, decay=0.6, reuse=0.01, thin=0.03,
    noise=0.3, model_seed=0, instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_experts`` ... ``model_seed``: the
      :class:`~routing_gym.envs.moe_router.generator.MoERouterGenerator` (``model_seed`` fixes the
      network: layer values, expert affinities; tokens vary per episode).
    * ``generator``: a custom generator instead (anything with ``num_experts`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.moe_router.types.MoERouterInstance` played at every
      reset; ``reset(options={"instance": inst})`` plays ``inst`` once.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (experts per layer against the oracle's) or ``"ansi"``.
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version (k of E experts per layer, sequential calls, top-k / top-p baselines).
    """

    kernel_type = MoERouterKernel
    generator_type = MoERouterGenerator
    viewer = viewer


class MoERouterVectorEnv(RoutingVectorEnv):
    """``num_envs`` MoERouter episodes stepped in one numpy call (same kernel as :class:`MoERouterEnv`).

    Create with ``gym.make_vec("routing_gym/MoERouter-v0", n, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = MoERouterEnv
