"""PDP environments: ``routing_gym/PDP-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.pdp import viewer
from routing_gym.envs.pdp.generator import PDPGenerator
from routing_gym.envs.pdp.kernel import PDPKernel


class PDPEnv(RoutingEnv):
    """Pickup and delivery: one vehicle makes successive routes from the depot, time windows optional (PDPTW).

    ## Description
    Node 0 is the depot; nodes ``1..n`` form ``P = n/2`` pairs, a pickup and its
    delivery (the size parameter is ``num_pairs = P``). A pair's load is picked up at its pickup and
    dropped at its delivery later on the same route; the load aboard never exceeds
    the capacity, and a route ends empty at the depot. The number of routes is free;
    the objective is the total distance. With time windows (the PDPTW of Li & Lim's
    files) the CVRPTW rules apply: travel time equals distance, service at node
    ``j`` starts at ``max(arrival, ready[j])``, by ``due[j]``, lasts ``service[j]``;
    routes leave at ``ready[0]`` and return by ``due[0]``. Generated instances have
    no windows (``ready = 0``, ``due = inf``, ``service = 0``). The same id covers
    both: one vehicle making successive trips, as the suite's CVRP, rather than the
    single tour of the uncapacitated learning PDP (which is the case of a capacity
    at least the total load: the best solution is then one route).

    ## Action Space
    ``Discrete(n + 1)``: ``0`` returns to the depot, allowed away from it with
    nothing aboard, and starts the next route at ``ready[0]``; ``i >= 1`` visits node
    ``i`` if it is unvisited and either a pickup whose load fits the room left or a
    delivery whose pickup is aboard (a delivery is masked until its pickup is done).
    With time windows the vehicle must also reach ``i`` by ``due[i]`` and be able,
    after serving it, to deliver everything then aboard in order of due time
    (earliest first), each in time, and return by ``due[0]``: so no state is a dead
    end. (A move whose only completions deliver in another order is refused; all 50
    Li & Lim best-known solutions replay.) Out-of-range actions raise
    :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``; times are fractions of the depot's opening span,
    ``(t - ready[0]) / (due[0] - ready[0])`` (span 1 without a closing time), clipped to ``[0, 1]``:

    ====================== ========== ======= ========== ==================================================
    key                    shape      dtype   range      meaning
    ====================== ========== ======= ========== ==================================================
    ``coords``             (n+1, 2)   float32 [0, 1]     positions scaled into the unit square
    ``demands``            (n+1,)     float32 [-1, 1]    signed load / capacity (+ pickup, - delivery)
    ``is_pickup``          (n+1,)     int8    {0, 1}     pickup nodes
    ``partner``            (n+1,)     int64   0..n       each node's pair partner (depot: 0)
    ``time_windows``       (n+1, 2)   float32 [0, 1]     ``(ready, due)`` per node, scaled
    ``service_times``      (n+1,)     float32 [0, 1]     service duration, scaled
    ``remaining_capacity`` (1,)       float32 [0, 1]     room left / capacity
    ``current_time``       (1,)       float32 [0, 1]     departure time from the current node, scaled
    ``current_node``       ()         int64   0..n       where the vehicle is
    ``visited``            (n+1,)     int8    {0, 1}     nodes served (depot always 0)
    ``pending``            (n+1,)     int8    {0, 1}     deliveries whose load is aboard
    ``action_mask``        (n+1,)     int8    {0, 1}     feasible actions
    ====================== ========== ======= ========== ==================================================

    ``action_masks()`` returns the same mask as booleans.

    ## Rewards
    Minus the length of each edge travelled (waiting and service cost nothing);
    the summed reward is exactly ``-evaluate_pdp(instance, routes).cost``. A masked
    action ends the episode with reward ``-(2 n * max_edge + 1)``, worse than any
    solution, and ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when every node is served and the vehicle is back at the depot (the
    final return is an action), with ``info["solution"]`` (a list of routes of node
    indices, without the depot) and ``info["cost"]``. An episode takes at most
    ``3 n / 2`` steps; there is no truncation.

    ## Arguments
    ``gym.make("routing_gym/PDP-v0", num_pairs=10, capacity=None, min_demand=1,
    max_demand=9, instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_pairs``: pairs of generated instances (``n = 2 P`` nodes); pickup ``i`` is delivered at
      ``i + P``, all uniform in the unit square with the depot (Li et al. 2021's PDP layout).
    * ``capacity``: vehicle capacity; ``None`` is the CVRP default for ``P`` customers (20/30/40
      for 10/20/50 pairs); ``min_demand``, ``max_demand``: integer load range of a pair (default 1..9).
    * ``generator``: a custom generator instead of these keywords (anything with ``num_pairs`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.pdp.types.PDPInstance` played at every reset
      (e.g. a Li & Lim file read by :func:`~routing_gym.envs.pdp.io.load_lilim`, with its time windows).
    * ``render_mode``: ``"rgb_array"``, ``"human"`` or ``"ansi"``; ``invalid_action``: ``"penalty"`` or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = PDPKernel
    generator_type = PDPGenerator
    viewer = viewer


class PDPVectorEnv(RoutingVectorEnv):
    """``num_envs`` PDP episodes stepped in one numpy call (same kernel as :class:`PDPEnv`)."""

    single_env_type = PDPEnv
