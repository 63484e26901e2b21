"""mTSP environments: ``routing_gym/MTSP-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.mtsp import viewer
from routing_gym.envs.mtsp.generator import MTSPGenerator
from routing_gym.envs.mtsp.kernel import MTSPKernel


class MTSPEnv(RoutingEnv):
    """Multiple travelling salesmen: ``m`` vehicles from one depot visit every city once.

    ## Description
    Node 0 is the depot and nodes ``1..n`` the cities (``num_nodes = n`` counts
    cities). The routes of the ``m`` vehicles are built one after the other. Every
    vehicle visits at least one city (so ``m <= n``): under the ``"sum"`` objective
    empty routes would make the problem a TSP, and under the triangle inequality
    they never help the ``"min-max"`` one. The objective is the total length
    (``"sum"``) or the longest route (``"minmax"``), fixed per instance.

    ## Action Space
    ``Discrete(n + 1)``: ``i >= 1`` visits city ``i``, allowed if it is unvisited and
    enough cities stay unvisited for the vehicles still to start (one each);
    ``0`` returns the current vehicle to the depot and starts the next one, allowed
    on a non-empty route unless it is the last vehicle. Visiting the last city
    also returns the last vehicle. No state is a dead end. Out-of-range actions
    raise :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``; lengths are in the unit of ``coords`` (the instance's positions scaled
    into the unit square; generated instances are in it already), clipped to ``2 (n + 1)``
(reached only by matrix instances whose positions are an embedding):

    ==================== ========== ======= ========== ====================================================
    key                  shape      dtype   range      meaning
    ==================== ========== ======= ========== ====================================================
    ``coords``           (n+1, 2)   float32 [0, 1]     positions, depot first
    ``current_node``     ()         int64   0..n       where the current vehicle is
    ``visited``          (n+1,)     int8    {0, 1}     cities visited (depot always 0)
    ``action_mask``      (n+1,)     int8    {0, 1}     feasible actions
    ``vehicles``         (2,)       float32 (0, 1]     ``((m - k) / m, 1 / m)``: vehicles left counting the
                                                       current one (vehicle ``k``, 0-based), and ``1 / m``
    ``route_length``     (1,)       float32 [0, 2n+2]  length of the current route so far
    ``max_route_length`` (1,)       float32 [0, 2n+2]  longest closed route
    ``minmax``           (1,)       float32 {0, 1}     1 for the min-max objective, 0 for the sum
    ==================== ========== ======= ========== ====================================================

    ``action_masks()`` returns the same mask as booleans.

    ## Rewards
    Minus the increase of the objective value so far at each step. Under
    ``"sum"`` that is minus the edge travelled (the last step: the edge to the last
    city plus the way back). Under ``"minmax"`` the value so far is the longest of
    the closed routes and the open route up to its current city, so a step pays
    only when it makes some route the longest so far, by the amount it grows it.
    Each increment is rounded so that the running sum of rewards lands exactly on
    the value, hence the summed reward is exactly
    ``-evaluate_mtsp(instance, routes).cost``. A masked action ends the episode
    with reward ``-((n + m) * max_edge + 1)``, worse than any solution, and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when the last city is visited (its vehicle then returns), after
    exactly ``n + m - 1`` steps, with ``info["solution"]`` (``m`` routes of city
    indices without the depot) and ``info["cost"]``. There is no truncation.

    ## Arguments
    ``gym.make("routing_gym/MTSP-v0", num_nodes=50, num_vehicles=5,
    objective="minmax", instance=None, generator=None, render_mode=None,
    invalid_action="penalty")``

    * ``num_nodes``: number of cities of generated instances (depot and cities uniform in the unit square).
    * ``num_vehicles``: ``m``, at most ``num_nodes``.
    * ``objective``: ``"minmax"`` (longest route, DAN's setting) or ``"sum"`` (total length).
    * ``generator``: a custom generator instead of these keywords (anything with ``num_nodes`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.mtsp.types.MTSPInstance` played at every reset
      (e.g. :func:`~routing_gym.envs.mtsp.io.load_mtsplib` on a TSPLIB file).
    * ``render_mode``: ``"rgb_array"``, ``"human"`` or ``"ansi"``; ``invalid_action``: ``"penalty"`` or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = MTSPKernel
    generator_type = MTSPGenerator
    viewer = viewer


class MTSPVectorEnv(RoutingVectorEnv):
    """``num_envs`` mTSP episodes stepped in one numpy call (same kernel as :class:`MTSPEnv`)."""

    single_env_type = MTSPEnv
