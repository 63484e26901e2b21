"""CVRP environments: ``routing_gym/CVRP-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.cvrp import viewer
from routing_gym.envs.cvrp.generator import CVRPGenerator
from routing_gym.envs.cvrp.kernel import CVRPKernel


class CVRPEnv(RoutingEnv):
    """Capacitated vehicle routing: one vehicle serves customers in successive trips from the depot.

    ## Description
    Node 0 is the depot and nodes ``1..n`` the customers (``num_nodes = n``
    counts customers). The vehicle starts full at the depot; serving a customer
    uses its demand; returning to the depot refills. The number of trips is free.

    ## Action Space
    ``Discrete(n + 1)``: ``0`` returns to the depot (allowed while not at the depot),
    ``i >= 1`` serves customer ``i`` (allowed if unserved and its demand fits the
    remaining load). Out-of-range actions raise :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``:

    ====================== ========== ======= ======== ======================================
    key                    shape      dtype   range    meaning
    ====================== ========== ======= ======== ======================================
    ``coords``             (n+1, 2)   float32 [0, 1]   positions scaled into the unit square
    ``demands``            (n+1,)     float32 [0, 1]   demand / capacity (depot 0)
    ``remaining_capacity`` (1,)       float32 [0, 1]   remaining load / capacity
    ``current_node``       ()         int64   0..n     where the vehicle is
    ``visited``            (n+1,)     int8    {0, 1}   customers served (depot always 0)
    ``action_mask``        (n+1,)     int8    {0, 1}   feasible actions
    ====================== ========== ======= ======== ======================================

    ``action_masks()`` returns the same mask as booleans.

    ## Rewards
    Minus the length of each edge travelled; the summed reward is exactly
    ``-evaluate_cvrp(instance, routes).cost``. A masked action ends the episode
    with reward ``-(2 n * max_edge + 1)``, worse than any solution, and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when every customer is served and the vehicle is back at the depot
    (the final return is an action), with ``info["solution"]`` (a list of routes
    of customer indices, without the depot) and ``info["cost"]``. An episode takes
    at most ``2 n`` steps; there is no truncation.

    ## Arguments
    ``gym.make("routing_gym/CVRP-v0", num_nodes=20, capacity=None, min_demand=1,
    max_demand=9, distribution="uniform", instance=None, generator=None,
    render_mode=None, invalid_action="penalty")``

    * ``num_nodes``: number of customers of generated instances.
    * ``capacity``: vehicle capacity; ``None`` is Kool et al.'s 30/40/50 for 20/50/100 customers.
    * ``min_demand``, ``max_demand``: integer demand range (default 1..9).
    * ``distribution``: ``"uniform"`` or ``"clustered"`` customers.
    * ``generator``: a custom generator instead of these keywords (anything with ``num_nodes`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`CVRPInstance` played at every reset (e.g. loaded from CVRPLIB).
    * ``render_mode``: ``"rgb_array"``, ``"human"`` or ``"ansi"``; ``invalid_action``: ``"penalty"`` or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = CVRPKernel
    generator_type = CVRPGenerator
    viewer = viewer


class CVRPVectorEnv(RoutingVectorEnv):
    """``num_envs`` CVRP episodes stepped in one numpy call (same kernel as :class:`CVRPEnv`)."""

    single_env_type = CVRPEnv
