"""Prize-collecting TSP environments: ``routing_gym/PCTSP-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.pctsp import viewer
from routing_gym.envs.pctsp.generator import PCTSPGenerator
from routing_gym.envs.pctsp.kernel import PCTSPKernel


class PCTSPEnv(RoutingEnv):
    """Prize-collecting TSP: one tour from the depot collects a minimum prize; nodes left out cost a penalty.

    ## Description
    The deterministic PCTSP of Kool et al. (2019). Node 0 is the depot and nodes
    ``1..n`` carry a prize and a penalty (``num_nodes = n``). The tour starts at the
    depot, visits a subset of the nodes, each at most once, and returns; it must
    collect at least ``min_prize`` (or visit every node, when the prizes do not reach
    it). Its cost is its length plus the penalties of the nodes it leaves out.

    ## Action Space
    ``Discrete(n + 1)``: ``i >= 1`` goes to node ``i``, allowed if unvisited; ``0``
    returns to the depot and ends the episode, allowed once the collected prize is at
    least ``min_prize - 1e-9`` or every node is visited. Some action is always
    allowed. Out-of-range actions raise :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict``; ``s`` is the prize scale, ``min_prize`` (the largest prize when it is 0):

    =================== ========== ======= ========= ==================================================
    key                 shape      dtype   range     meaning
    =================== ========== ======= ========= ==================================================
    ``coords``          (n+1, 2)   float32 [0, 1]    positions in the unit square (depot first)
    ``prizes``          (n+1,)     float32 [0, 1]    prize / ``s``, clipped (a prize of ``s`` alone suffices)
    ``penalties``       (n+1,)     float32 [0, L]    penalty in units of ``coords``, clipped to
                                                     ``L = (n + 1) sqrt 2`` (the longest tour in the square)
    ``remaining_prize`` (1,)       float32 [0, 1]    ``max(0, min_prize - collected) / s``
    ``current_node``    ()         int64   0..n      where the tour is
    ``visited``         (n+1,)     int8    {0, 1}    nodes visited (depot always 0)
    ``action_mask``     (n+1,)     int8    {0, 1}    feasible actions
    =================== ========== ======= ========= ==================================================

    ``action_masks()`` returns the same mask as booleans. Generated instances are
    observed as they are; instances in other units are scaled into the unit square
    and their penalties divided by the same scale.

    ## Rewards
    Minus the length of each leg; the last step (back to the depot) also pays the
    penalties of the nodes left out. The summed reward is exactly
    ``-evaluate_pctsp(instance, tour).cost``. A masked action ends the episode with
    reward ``-((n + 1) * max_edge + sum of penalties + 1)``, worse than any tour, and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when action ``0`` brings the tour back to the depot, with
    ``info["solution"]`` (the visited nodes in order, depot omitted) and
    ``info["cost"]``. At most ``n + 1`` steps; no truncation.

    ## Arguments
    ``gym.make("routing_gym/PCTSP-v0", num_nodes=20, penalty_factor=3.0, min_prize=1.0,
    instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_nodes``, ``penalty_factor``, ``min_prize``: the
      :class:`~routing_gym.envs.pctsp.generator.PCTSPGenerator` of generated instances.
    * ``generator``: a custom generator instead (anything with ``num_nodes`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.pctsp.types.PCTSPInstance` played at every reset.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` or ``"ansi"``; ``invalid_action``: ``"penalty"`` or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = PCTSPKernel
    generator_type = PCTSPGenerator
    viewer = viewer


class PCTSPVectorEnv(RoutingVectorEnv):
    """``num_envs`` PCTSP episodes stepped in one numpy call (same kernel as :class:`PCTSPEnv`)."""

    single_env_type = PCTSPEnv
