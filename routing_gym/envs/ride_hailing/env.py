"""Ride-hailing environments: ``routing_gym/RideHailing-v0``."""

from __future__ import annotations

from typing import Any

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.ride_hailing import viewer
from routing_gym.envs.ride_hailing.generator import RideHailingGenerator
from routing_gym.envs.ride_hailing.kernel import RideHailingKernel


class RideHailingEnv(RoutingEnv):
    """Ride-hailing dispatch over a day: match orders to idle drivers, reposition idle drivers.

    ## Description
    A city of ``C`` cells (square or hexagonal grid cells, or the regions of a data set) over a
    day of ``T`` ticks. Orders appear at their arrival tick with a pickup cell, a drop-off cell, a
    last tick to be matched (their window), a trip duration and a fare. Drivers are on line from
    ``driver_on`` to ``driver_off`` (a trip under way is finished) and start at a home cell. Every
    random event (arrivals, trips, fares, shifts, cancellations) is drawn into the
    :class:`~routing_gym.envs.ride_hailing.types.RideHailingInstance` by the generator or the loader.

    Each tick has a **match phase**, then (every ``reposition_period`` ticks) a **reposition
    phase**, one decision at a time:

    * match phase: the current order is the open order of lowest index not yet offered this
      tick that an idle driver can reach within ``max_pickup`` ticks (orders nobody can reach are
      passed over and stay open). Action ``c < C``: the idle driver of lowest index in cell ``c``
      takes it. The pickup takes ``w = travel_time[c, pickup]`` ticks; the rider cancels when
      ``order_cancel_draw < 1 - exp(-cancel_rate * max(0, w - cancel_grace))`` (the driver then
      waits ``max(1, w)`` ticks at the pickup cell, no fare); otherwise the driver is busy ``w +
      duration`` ticks and ends at the drop-off cell, and the fare is earned. Action ``C``
      (skip) leaves the order open: it is offered again next tick until its deadline, then expires.
    * reposition phase: each cell holding an idle driver (and a neighbour), in cell order. Action
      ``c`` (a neighbour of the current cell, ``adjacency``) sends its idle driver of lowest index
      there empty (busy ``max(1, travel_time)`` ticks, costing ``reposition_cost`` per tick);
      ``C`` keeps them.

    Between decisions the clock advances by itself. A day without any decision gets one closing
    decision in which only ``C`` is open.

    ## Action Space
    ``Discrete(C + 1)``: a cell, or ``C`` = skip / pass (always admitted). Match phase: cells with
    an idle driver within ``max_pickup`` of the order's pickup. Reposition phase: the neighbours of
    the current cell. An action outside ``0..C`` raises :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict`` (counts are divided by the day's number of drivers ``D``):

    ============== ========== ======= ========== =======================================================
    key            shape      dtype   range      meaning
    ============== ========== ======= ========== =======================================================
    ``cells``      (C, 9)     float32 [0, 1e4]   per cell: idle drivers / D; drivers turning idle there within
                                                 ``max_pickup`` ticks / D; open orders picked up there / D;
                                                 open orders bound there / D; pickup ticks from the cell to the
                                                 current order / ``max_pickup``; is the order's pickup; is its
                                                 drop-off; is the current cell (reposition); is a neighbour of it
    ``order``      (3,)       float32 [0, 1e4]   the current order's fare / mean fare, duration / mean duration,
                                                 ticks left to its deadline + 1 (zeros outside the match phase)
    ``clock``      (3,)       float32 [0, 1]     tick / T, match phase, reposition phase
    ``action_mask``(C + 1,)   int8    {0, 1}     admitted actions
    ============== ========== ======= ========== =======================================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).

    ## Rewards
    The fare of a served order when it is matched (the trip then completes: nothing random is
    left), ``-reposition_cost * ticks`` for a repositioning move, 0 otherwise. The return is the
    day's profit, exactly what ``evaluate_ride_hailing(instance, solution).cost`` recomputes
    from the solution; ``info["cost"]`` is minus it. A masked action ends the episode with
    reward ``-(sum of fares + the dearest repositioning at every cell and tick + 1)`` and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated at the end of the day (tick ``T``). ``info["solution"]`` is
    ``{"matches": [[order, cell, tick], ...], "moves": [[from_cell, to_cell, tick], ...]}`` and
    ``info`` also holds ``revenue``, ``reposition_cost``, ``answer_rate`` (served / orders),
    ``idle_share`` (idle / on-line driver-ticks), ``cancelled`` and ``decisions``. No truncation.

    ## Arguments
    ``gym.make("routing_gym/RideHailing-v0", num_cells=16, grid="square", num_drivers=40,
    num_ticks=288, tick_minutes=5.0, orders_per_day=900, ..., instance=None, generator=None,
    render_mode=None, invalid_action="penalty")``

    * the generator's keywords: see :class:`~routing_gym.envs.ride_hailing.generator.RideHailingGenerator`.
    * ``instance``: a fixed day (e.g. ``load_instance("scenario_rome.json")``) played at every reset;
      its cell count sets ``num_cells``. ``reset(options={"instance": day})`` plays one once.
    * ``render_mode``: ``"rgb_array"``, ``"human"`` (the grid with idle and busy drivers, open
      orders and the current decision) or ``"ansi"``.
    * ``invalid_action``: ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = RideHailingKernel
    generator_type = RideHailingGenerator
    viewer = viewer

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        """As :meth:`RoutingEnv.step`; at the end of the day ``info`` also holds the day's figures."""
        obs, reward, terminated, truncated, info = super().step(action)
        if "solution" in info:
            info.update(self.kernel.report(0))
        return obs, reward, terminated, truncated, info


class RideHailingVectorEnv(RoutingVectorEnv):
    """``num_envs`` ride-hailing days stepped in one numpy call (same kernel as :class:`RideHailingEnv`).

    Create with ``gym.make_vec("routing_gym/RideHailing-v0", n, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = RideHailingEnv
