"""LayerRouter environments: ``routing_gym/LayerRouter-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.layer_router import viewer
from routing_gym.envs.layer_router.generator import LayerRouterGenerator
from routing_gym.envs.layer_router.kernel import LayerRouterKernel


class LayerRouterEnv(RoutingEnv):
    """Per-layer module routing (Duo-LLM): route each token through ``L`` layers, each skipped or run
    by a small or a big feed-forward module, trading loss against compute.

    ## Description
    An episode is a batch of ``T`` tokens. Token after token, layer after layer, the agent picks
    an option for the token at the layer: skip (0 units), small (1 unit) or big (``big_cost``
    units). The loss of a token depends on its whole routing: each option reduces the loss by a
    layer- and token-dependent gain, consecutive options interact (two skips in a row compound;
    two bigs in a row cooperate), and every pair of big layers of a token interferes, so that
    one well-placed big layer can beat big layers everywhere. The tables come from the generative
    model of :mod:`routing_gym.envs.layer_router.generator`; the hindsight optimum is computed
    exactly by :func:`routing_gym.envs.layer_router.oracle.oracle_routing`. The router sees the
    token's features, not the tables (they hold hidden noise).

    ## Action Space
    ``Discrete(3)``: ``0`` skip, ``1`` small, ``2`` big. Options whose compute units exceed what
    is left of the token's budget or of the batch's budget are masked; skip costs nothing and is
    always allowed. An action outside ``0..2`` raises :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``:

    ================= ========== ======= ========== ==================================================
    key               shape      dtype   range      meaning
    ================= ========== ======= ========== ==================================================
    ``token``         (8,)       float32 [-10, 10]  the current token's features (zero-padded, clipped)
    ``layer``         (L,)       float32 {0, 1}     one-hot of the current layer
    ``choices``       (L, 3)     float32 {0, 1}     one-hot options of the current token so far
    ``budget``        (4,)       float32 [0, 1]     token budget left, batch budget left (1 when
                                                    unbudgeted), share of tokens left, big layers
                                                    of this token so far / L
    ``action_mask``   (3,)       int8    {0, 1}     affordable options
    ================= ========== ======= ========== ==================================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).

    ## Rewards
    Each step pays :func:`~routing_gym.envs.layer_router.types.step_reward`: the option's gain,
    minus its interaction with the previous layer's option, minus ``rho_t`` times the big layers
    already passed (for a big option), minus ``compute_weight`` times its units, and minus the
    token's base loss at its first layer. The summed reward is exactly minus the objective
    ``total loss + compute_weight * units`` that ``evaluate_layer_router(instance, routing).cost``
    returns (a minimisation; ``info["cost"]`` is that objective). A masked action ends the
    episode with a reward below any episode's return and ``info["invalid_action"] = True`` (or
    raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated after the last layer of the last token (``T * L`` steps). ``info["solution"]`` is
    the routing, ``T`` lists of ``L`` options, and ``info["cost"]`` its objective. No truncation.

    ## Arguments
    ``gym.make("routing_gym/LayerRouter-v0", num_layers=12, num_tokens=8, big_cost=4,
    compute_weight=0.005, token_budget=None, batch_budget=None, interference=0.12, noise=0.3,
    model_seed=0, instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_layers`` ... ``model_seed``: the
      :class:`~routing_gym.envs.layer_router.generator.LayerRouterGenerator` (``model_seed`` fixes
      the network: layer values, affinities; tokens vary per episode).
    * ``generator``: a custom generator instead (anything with ``num_layers`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.layer_router.types.LayerRouterInstance` played at
      every reset; ``reset(options={"instance": inst})`` plays ``inst`` once.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (the routing against the oracle's) or ``"ansi"``.
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version (skip / small / big per layer).
    """

    kernel_type = LayerRouterKernel
    generator_type = LayerRouterGenerator
    viewer = viewer


class LayerRouterVectorEnv(RoutingVectorEnv):
    """``num_envs`` LayerRouter episodes stepped in one numpy call (same kernel as :class:`LayerRouterEnv`).

    Create with ``gym.make_vec("routing_gym/LayerRouter-v0", n, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = LayerRouterEnv
