"""CVRPTW environments: ``routing_gym/CVRPTW-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.cvrptw import viewer
from routing_gym.envs.cvrptw.generator import CVRPTWGenerator
from routing_gym.envs.cvrptw.kernel import CVRPTWKernel


class CVRPTWEnv(RoutingEnv):
    """Capacitated vehicle routing with time windows: one vehicle makes successive routes from the depot.

    ## Description
    Node 0 is the depot and nodes ``1..n`` the customers (``num_nodes = n``
    counts customers). Travel times equal travel costs. Each route leaves the
    depot at its opening time ``ready[0]`` with a full load. Service at customer
    ``j`` starts at ``max(arrival, ready[j])`` (the vehicle waits if early), must
    start by ``due[j]``, and lasts ``service[j]``; the vehicle must be back at the
    depot by its closing time ``due[0]``. The number of routes is free (the
    objective is the total distance, as in the DIMACS VRPTW rules, not the fleet
    size). Every customer is servable on a route of its own, so the environment
    never reaches a dead end.

    ## Action Space
    ``Discrete(n + 1)``: ``0`` returns to the depot (allowed while not at the depot),
    starting the next route at ``ready[0]``; ``i >= 1`` serves customer ``i``,
    allowed if it is unserved, its demand fits the remaining load, the vehicle
    arrives by ``due[i]`` and can still be back at the depot by ``due[0]`` after
    serving it (all time comparisons with a tolerance of ``1e-9``). Out-of-range
    actions raise :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``; times are fractions of the depot's opening span,
    ``(t - ready[0]) / (due[0] - ready[0])``, clipped to ``[0, 1]``:

    ====================== ========== ======= ======== ==================================================
    key                    shape      dtype   range    meaning
    ====================== ========== ======= ======== ==================================================
    ``coords``             (n+1, 2)   float32 [0, 1]   positions scaled into the unit square
    ``demands``            (n+1,)     float32 [0, 1]   demand / capacity (depot 0)
    ``time_windows``       (n+1, 2)   float32 [0, 1]   ``(ready, due)`` per node, scaled (depot: ``(0, 1)``)
    ``service_times``      (n+1,)     float32 [0, 1]   service duration, scaled (depot 0)
    ``remaining_capacity`` (1,)       float32 [0, 1]   remaining load / capacity
    ``current_time``       (1,)       float32 [0, 1]   departure time from the current node, scaled
    ``current_node``       ()         int64   0..n     where the vehicle is
    ``visited``            (n+1,)     int8    {0, 1}   customers served (depot always 0)
    ``action_mask``        (n+1,)     int8    {0, 1}   feasible actions
    ====================== ========== ======= ======== ==================================================

    ``action_masks()`` returns the same mask as booleans. Travel times are the
    distances between the unscaled positions; for generated instances the
    ``coords`` are the unit-square positions and ``horizon`` fixes the time scale.

    ## Rewards
    Minus the length of each edge travelled (waiting and service cost nothing);
    the summed reward is exactly ``-evaluate_cvrptw(instance, routes).cost``. A
    masked action ends the episode with reward ``-(2 n * max_edge + 1)``, worse
    than any solution, and ``info["invalid_action"] = True`` (or raises with
    ``invalid_action="raise"``).

    ## Episode End
    Terminated when every customer is served and the vehicle is back at the depot
    (the final return is an action), with ``info["solution"]`` (a list of routes
    of customer indices, without the depot) and ``info["cost"]``. An episode takes
    at most ``2 n`` steps; there is no truncation.

    ## Arguments
    ``gym.make("routing_gym/CVRPTW-v0", num_nodes=20, distribution="random",
    capacity=None, min_demand=1, max_demand=9, horizon=3.0, window_width=0.15,
    service_time=0.1, num_clusters=5, cluster_std=0.05, instance=None,
    generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_nodes``: number of customers of generated instances.
    * ``distribution``: ``"random"``, ``"clustered"`` or ``"mixed"`` customers (Solomon's R, C, RC).
    * ``capacity``: vehicle capacity; ``None`` is the CVRP default (30/40/50 for 20/50/100 customers).
    * ``min_demand``, ``max_demand``: integer demand range (default 1..9).
    * ``horizon``: the depot's closing time in unit-square distance units (default 3.0,
      near Solomon's type-1 sets); ``window_width``: mean window width as a fraction of it;
      ``service_time``: every customer's service duration.
    * ``num_clusters``, ``cluster_std``: the clusters of ``"clustered"`` and ``"mixed"`` layouts.
    * ``generator``: a custom generator instead of these keywords (anything with ``num_nodes`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.cvrptw.types.CVRPTWInstance` played at every
      reset (e.g. a Solomon file read by :func:`~routing_gym.envs.cvrptw.io.load_solomon`).
    * ``render_mode``: ``"rgb_array"``, ``"human"`` or ``"ansi"``; ``invalid_action``: ``"penalty"`` or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = CVRPTWKernel
    generator_type = CVRPTWGenerator
    viewer = viewer


class CVRPTWVectorEnv(RoutingVectorEnv):
    """``num_envs`` CVRPTW episodes stepped in one numpy call (same kernel as :class:`CVRPTWEnv`)."""

    single_env_type = CVRPTWEnv
