"""TSP environments: ``routing_gym/TSP-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.tsp import viewer
from routing_gym.envs.tsp.generator import TSPGenerator
from routing_gym.envs.tsp.kernel import TSPKernel


class TSPEnv(RoutingEnv):
    """Travelling salesman: build a tour one city at a time.

    ## Description
    A tour over ``n`` cities starts at ``start_node`` (node 0 unless
    ``reset(options={"start_node": k})``); each step appends an unvisited city,
    and the last step also closes the tour back to the start. The state is
    fully observed; the reduced problem (BQ-NCO) is "the unvisited cities plus
    the current and the first one", which the observation gives directly.

    ## Action Space
    ``Discrete(n)``: the next city. Visited cities are masked. An action
    outside ``0..n-1`` raises :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``:

    ================ ========= ======= ========== ==========================================
    key              shape     dtype   range      meaning
    ================ ========= ======= ========== ==========================================
    ``coords``       (n, 2)    float32 [0, 1]     positions scaled into the unit square
    ``first_node``   ()        int64   0..n-1     where the tour started
    ``current_node`` ()        int64   0..n-1     the last city visited
    ``visited``      (n,)      int8    {0, 1}     cities already in the tour
    ``action_mask``  (n,)      int8    {0, 1}     feasible actions (``== 1 - visited``)
    ================ ========= ======= ========== ==========================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).
    Instances from files keep their own distance convention (e.g. TSPLIB's rounded
    EUC_2D); ``coords`` are then their positions rescaled (an MDS embedding when the
    file has a matrix only).

    ## Rewards
    Minus the length of each edge added; the last step also pays the closing
    edge. The episode's summed reward is exactly ``-evaluate_tsp(instance, tour).cost``.
    A masked action ends the episode with reward ``-(n * max_edge + 1)``, worse than
    any tour, and ``info["invalid_action"] = True`` (or raises with
    ``invalid_action="raise"``).

    ## Episode End
    Terminated after ``n - 1`` steps when the tour is complete, with
    ``info["solution"]`` (the tour, a list of node indices from the start node)
    and ``info["cost"]``. There is no truncation: episodes have a fixed length.

    ## Arguments
    ``gym.make("routing_gym/TSP-v0", num_nodes=20, distribution="uniform",
    instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_nodes``, ``distribution``, ``num_clusters``, ``cluster_std``: the
      :class:`~routing_gym.envs.tsp.generator.TSPGenerator` of generated instances
      (``distribution`` is ``"uniform"`` or ``"clustered"``).
    * ``generator``: a custom generator instead (anything with ``num_nodes`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`TSPInstance` played at every reset (its size sets ``num_nodes``).
    * ``reset(options={"instance": inst})`` plays ``inst`` once.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (matplotlib) or ``"ansi"``.
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = TSPKernel
    generator_type = TSPGenerator
    viewer = viewer


class TSPVectorEnv(RoutingVectorEnv):
    """``num_envs`` TSP episodes stepped in one numpy call (same kernel as :class:`TSPEnv`).

    Create with ``gym.make_vec("routing_gym/TSP-v0", num_envs, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = TSPEnv
