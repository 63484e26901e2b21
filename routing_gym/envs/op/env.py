"""Orienteering environments: ``routing_gym/OP-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.op import viewer
from routing_gym.envs.op.generator import OPGenerator
from routing_gym.envs.op.kernel import OPKernel


class OPEnv(RoutingEnv):
    """Orienteering: one tour from the depot collects as much prize as a length limit allows.

    ## Description
    Node 0 is the depot and nodes ``1..n`` carry prizes (``num_nodes = n``). The
    tour starts at the depot, visits any subset of the nodes, each at most once,
    and returns to the depot; its total length may not exceed ``max_length``. The
    objective is the total prize collected (to maximise; the suite's ``cost`` is
    minus it). Generated instances follow Kool et al. (2019).

    ## Action Space
    ``Discrete(n + 1)``: ``i >= 1`` goes to node ``i``, allowed if it is unvisited
    and going there and then straight back to the depot fits in the length left
    (``length + d(cur, i) + d(i, 0) <= max_length``, with a tolerance of ``1e-9``);
    ``0`` returns to the depot and ends the episode, always allowed (at the start it
    ends an empty tour). Out-of-range actions raise
    :class:`~routing_gym.errors.InvalidActionError`. When the distances obey the
    triangle inequality (all generated instances) the mask admits exactly the
    feasible tours; on matrices that break it (some TSPLIB/OPLib files, e.g. gr48
    and gr120) it also refuses feasible tours that pass a node whose direct way home
    is longer than the rest of the tour (see
    :func:`~routing_gym.envs.op.types.first_stranded_visit`): the price of never
    reaching a dead end.

    ## Observation Space
    ``Dict``:

    ==================== ========== ======= ========= ===================================================
    key                  shape      dtype   range     meaning
    ==================== ========== ======= ========= ===================================================
    ``coords``           (n+1, 2)   float32 [0, 1]    positions in the unit square (depot first)
    ``prizes``           (n+1,)     float32 [0, 1]    prize / the instance's largest prize
    ``remaining_length`` (1,)       float32 [0, L]    length left, in units of ``coords``, clipped to
                                                      ``L = (n + 1) sqrt 2`` (the longest tour in the square)
    ``current_node``     ()         int64   0..n      where the tour is
    ``visited``          (n+1,)     int8    {0, 1}    nodes visited (depot always 0)
    ``action_mask``      (n+1,)     int8    {0, 1}    feasible actions
    ==================== ========== ======= ========= ===================================================

    ``action_masks()`` returns the same mask as booleans. Generated instances are
    observed as they are (the unit square); file instances are scaled into it and
    ``remaining_length`` is divided by the same scale, so that it compares with
    distances between the observed ``coords``.

    ## Rewards
    The prize of each node reached; the last step (back to the depot) pays the
    depot's own prize (0 for generated instances, an OPLib file's depot score
    otherwise). The summed reward is exactly the tour's prize,
    ``evaluate_op(instance, tour).cost`` (the objective of a ``"max"`` problem). A masked action ends the episode with
    reward ``-(sum of all prizes + 1)``, below any tour's return, and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when action ``0`` brings the tour back to the depot, with
    ``info["solution"]`` (the visited nodes in order, depot omitted) and
    ``info["cost"]`` (minus the prize). At most ``n + 1`` steps; no truncation.

    ## Arguments
    ``gym.make("routing_gym/OP-v0", num_nodes=20, prize_type="dist", max_length=None,
    instance=None, generator=None, render_mode=None, invalid_action="penalty")``

    * ``num_nodes``: nodes besides the depot of generated instances.
    * ``prize_type``: ``"const"``, ``"unif"`` or ``"dist"`` (see :class:`~routing_gym.envs.op.generator.OPGenerator`).
    * ``max_length``: the length limit; ``None`` is Kool et al.'s 2 / 3 / 4 for 20 / 50 / 100 nodes.
    * ``generator``: a custom generator instead (anything with ``num_nodes`` and ``sample(rng, size)``).
    * ``instance``: a fixed :class:`~routing_gym.envs.op.types.OPInstance` played at every reset (e.g. an OPLib file).
    * ``render_mode``: ``"rgb_array"``, ``"human"`` or ``"ansi"``; ``invalid_action``: ``"penalty"`` or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = OPKernel
    generator_type = OPGenerator
    viewer = viewer


class OPVectorEnv(RoutingVectorEnv):
    """``num_envs`` orienteering episodes stepped in one numpy call (same kernel as :class:`OPEnv`)."""

    single_env_type = OPEnv
