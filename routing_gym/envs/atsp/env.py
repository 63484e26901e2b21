"""ATSP environments: ``routing_gym/ATSP-v0``."""

from __future__ import annotations

from routing_gym.envs.atsp import viewer
from routing_gym.envs.atsp.generator import ATSPGenerator
from routing_gym.envs.atsp.kernel import ATSPKernel
from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv


class ATSPEnv(RoutingEnv):
    """Asymmetric travelling salesman: build a directed tour over a cost matrix, one node at a time.

    ## Description
    The costs are a matrix ``d`` with ``d[i, j] != d[j, i]`` in general (one-way
    streets, uphill/downhill, TSPLIB ``.atsp`` files); no coordinates are needed.
    A tour starts at ``start_node`` (node 0 unless ``reset(options={"start_node": k})``);
    each step appends an unvisited node, and the last step also closes the tour back
    to the start. The dynamics are the TSP kernel's; only the observation differs.

    ## Action Space
    ``Discrete(n)``: the next node. Visited nodes are masked. An action outside
    ``0..n-1`` raises :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``. Costs are divided by the instance's largest cost ``s = max d``, so the
    features lie in ``[0, 1]`` whatever the units:

    ===================== ========= ======= ========== ==================================================
    key                   shape     dtype   range      meaning
    ===================== ========= ======= ========== ==================================================
    ``coords``            (n, 2)    float32 [0, 1]     a 2-D embedding of the matrix (classical MDS of the
                                                       mean squared cost in both directions) scaled into the
                                                       unit square: a hint of which nodes are close, not costs
    ``first_node``        ()        int64   0..n-1     where the tour started
    ``current_node``      ()        int64   0..n-1     the last node visited
    ``visited``           (n,)      int8    {0, 1}     nodes already in the tour
    ``action_mask``       (n,)      int8    {0, 1}     feasible actions (``== 1 - visited``)
    ``current_distances`` (n, 2)    float32 [0, 1]     ``d[current, j] / s`` (cost of going to ``j`` next) and
                                                       ``d[j, current] / s``
    ``first_distances``   (n, 2)    float32 [0, 1]     ``d[first, j] / s`` and ``d[j, first] / s`` (cost of
                                                       closing the tour from ``j``)
    ``reduced_costs``     (n, 2)    float32 [0, 1]     ``r[current, j] / s`` and ``r[j, first] / s``: reduced
                                                       costs of the remaining path problem (row then column
                                                       reduction over the current, unvisited and first
                                                       nodes, as the Hungarian method starts); 1 for arcs
                                                       outside it (visited nodes)
    ===================== ========= ======= ========== ==================================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).
    Instances built with ``coords`` observe those positions (rescaled) instead of the embedding.

    ## Rewards
    Minus the cost of each arc added, ``-d[current, next]``; the last step also pays the
    closing arc ``-d[last, first]``. The episode's summed reward is exactly
    ``-evaluate_atsp(instance, tour).cost``. A masked action ends the episode with reward
    ``-(n * max d + 1)``, worse than any tour, and ``info["invalid_action"] = True`` (or
    raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated after ``n - 1`` steps when the tour is complete, with ``info["solution"]``
    (the tour, node indices in visiting order from the start node) and ``info["cost"]``.
    There is no truncation: episodes have a fixed length.

    ## Arguments
    ``gym.make("routing_gym/ATSP-v0", num_nodes=20, distribution="tmat", resolution=10**6,
    instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_nodes``, ``distribution``, ``resolution``: the
      :class:`~routing_gym.envs.atsp.generator.ATSPGenerator` of generated instances (MatNet's
      ``"tmat"`` matrices with the triangle inequality, or ``"uniform"`` without it).
    * ``generator``: a custom generator instead (anything with ``num_nodes`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.atsp.types.ATSPInstance` played at every reset
      (its size sets ``num_nodes``); ``routing_gym.envs.load_instance("br17.atsp")`` reads TSPLIB files.
    * ``reset(options={"instance": inst})`` plays ``inst`` once.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (matplotlib) or ``"ansi"``.
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = ATSPKernel
    generator_type = ATSPGenerator
    viewer = viewer


class ATSPVectorEnv(RoutingVectorEnv):
    """``num_envs`` ATSP episodes stepped in one numpy call (same kernel as :class:`ATSPEnv`).

    Create with ``gym.make_vec("routing_gym/ATSP-v0", num_envs, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = ATSPEnv
