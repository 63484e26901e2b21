"""eVTOL vertiport fleet environments: ``routing_gym/VertiportFleet-v0``."""

from __future__ import annotations

from routing_gym.envs.base import RoutingEnv, RoutingVectorEnv
from routing_gym.envs.vertiport_fleet import viewer
from routing_gym.envs.vertiport_fleet.generator import VertiportGenerator
from routing_gym.envs.vertiport_fleet.kernel import VertiportKernel


class VertiportFleetEnv(RoutingEnv):
    """Fleet scheduling of eVTOL aircraft between vertiports over one day, as an event-driven semi-MDP.

    ## Description
    ``A`` aircraft serve ``V`` vertiports for a day of ``T`` steps (default: 8 vertiports,
    40 aircraft, 12 hours in 5-minute steps). Passengers arrive per origin-destination as
    time-varying Poisson counts with morning and evening peaks and are lost after ``max_wait``
    steps; take-offs are delayed, routes close with the weather (a Markov chain), aircraft go
    down. Every one of these draws is sampled into the instance
    (:class:`~routing_gym.envs.vertiport_fleet.types.VertiportInstance`), so a day replays
    exactly. Batteries drain by distance and charge at a fixed rate on the ground, lowest charge
    first, as many at a time as a vertiport has chargers; the charge carries over from one
    decision to the next. The problem's sense is ``"max"`` (profit).

    ## Action Space
    ``Discrete(V)``. The aircraft whose next decision comes first (ties: the lowest index)
    chooses a vertiport: another one is a flight there (taking up to ``seats`` of the waiting
    passengers of that route, oldest first); its own vertiport is to wait one step. The mask
    removes closed routes, destinations out of battery range (the reserve kept), destinations
    whose parking is full counting the aircraft already flying there, destinations where the
    aircraft would need a charger (it could not leave again) and every charger is taken
    (counting inbound aircraft), and every flight of an aircraft that is down. Waiting is
    always admitted. An action outside ``0..V-1`` raises
    :class:`~routing_gym.errors.InvalidActionError`.

    ## Observation Space
    ``Dict`` (``M = 128`` aircraft rows, fleets padded with zeros; ``K = 3`` forecast bins of 30
    minutes; counts and money are clipped to ``1e6``):

    ====================== ========== ======= ========= ==========================================================
    key                    shape      dtype   range     meaning
    ====================== ========== ======= ========= ==========================================================
    ``coords``             (V, 2)     float32 [0, 1]    vertiport positions, scaled into the unit square
    ``ground``             (V, 5)     float32 [0, 1e6]  aircraft on the ground, inbound, on the ground below full charge
                                                   (they take the chargers, lowest first), parking places, chargers
    ``queue``              (V, V)     float32 [0, 1e6]  passengers waiting per origin-destination
    ``forecast``           (V*V, K)   float32 [0, 1e6]  expected arrivals on route o -> d (row ``o * V + d``) in each of the next K bins
    ``fares``              (V, V)     float32 [0, 1e6]  fare per passenger
    ``flight_cost``        (V, V)     float32 [0, 1e6]  energy plus operating cost of a flight
    ``closed``             (V, V)     int8    {0, 1}    routes closed now
    ``aircraft``           (M, 6)     float32 [0, 1e6]  present, in flight, hours until ready, charge / battery, seats, up
    ``aircraft_vertiport`` (M,)       int64   [0, V-1]  where each aircraft is, or its destination in flight
    ``clock``              (1,)       float32 [0, 1]    step / T
    ``deciding``           (M,)       int8    {0, 1}    one-hot: the aircraft that acts
    ``origin``             (V,)       int8    {0, 1}    one-hot: its vertiport
    ``action_mask``        (V,)       int8    {0, 1}    admitted destinations (its own: wait)
    ====================== ========== ======= ========= ==========================================================

    ``action_masks()`` returns the same mask as booleans (for sb3-contrib's MaskablePPO).
    :func:`~routing_gym.envs.vertiport_fleet.graph.graph_view` turns an observation into a
    torch-geometric ``Data`` (vertiports as nodes, routes as edges) for graph policies.

    ## Rewards
    A flight pays the fares of the passengers it boards minus its energy cost (``energy_price``
    per kWh) and operating cost (per km), at take-off; waiting pays 0. The episode's return is
    the day's profit, exactly what ``evaluate_vertiport_fleet(instance, solution).cost``
    recomputes from the flights; ``info["cost"]`` is minus it. A masked action ends the episode
    with reward ``-(A * T * max flight cost + 1)``, worse than any day, and
    ``info["invalid_action"] = True`` (or raises with ``invalid_action="raise"``).

    ## Episode End
    Terminated when the next decision would come at or after the horizon ``T`` (flights may
    land after it). ``info["solution"]`` lists the flights ``[aircraft, time, destination]`` in
    take-off order; ``info["passengers"]`` the passengers carried, ``info["answer_rate"]`` their
    share of the day's demand and ``info["decisions"]`` the decisions taken. No truncation.

    ## Arguments
    ``gym.make("routing_gym/VertiportFleet-v0", num_vertiports=8, num_aircraft=40, ...)``: the
    keywords of :class:`~routing_gym.envs.vertiport_fleet.generator.VertiportGenerator`
    (``SMALL`` there is a small preset), or ``generator=``; ``instance=`` plays a fixed day
    (``reset(options={"instance": day})`` plays one once); ``render_mode`` ``"rgb_array"``,
    ``"human"`` (a map of vertiports with the flights in the air) or ``"ansi"``;
    ``invalid_action`` ``"penalty"`` (default) or ``"raise"``.

    ## Version History
    * v0: initial version.
    """

    kernel_type = VertiportKernel
    generator_type = VertiportGenerator
    viewer = viewer

    def step(self, action):  # type: ignore[override]
        """As :meth:`RoutingEnv.step`; at the end of the day ``info`` also holds the day's figures."""
        obs, reward, terminated, truncated, info = super().step(action)
        if "solution" in info:
            k = self.kernel
            info.update(passengers=int(k.boarded[0]), decisions=int(k.decisions[0]),
                        answer_rate=float(k.boarded[0] / max(k.total_demand[0], 1.0)))
        return obs, reward, terminated, truncated, info


class VertiportFleetVectorEnv(RoutingVectorEnv):
    """``num_envs`` days stepped in one numpy call (same kernel as :class:`VertiportFleetEnv`).

    Create with ``gym.make_vec("routing_gym/VertiportFleet-v0", num_envs, vectorization_mode="vector_entry_point")``.
    """

    single_env_type = VertiportFleetEnv
