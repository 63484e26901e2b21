"""The vertiport graph for the pointer policies: a featurizer of ``routing_gym/VertiportFleet-v0``.

The vertiports are the nodes and action ``j`` is vertiport ``j`` (the deciding aircraft's own
vertiport means waiting), so the suite's :class:`~routing_gym.agents.policies.GNNPolicy`
(torch-geometric GATv2 layers on the graph of vertiports; with ``k >= V - 1`` every route is an
edge, carrying its length and direction) or :class:`~routing_gym.agents.policies.AttentionPolicy`
plays it unchanged, trained with MaskablePPO through ``make_vec_env`` / ``routing-gym train``
and evaluated as ``agent:path=...``. The deciding aircraft's vertiport is both the current and
the anchor node.

Node features of vertiport ``j`` for an aircraft deciding at ``o`` (money over the largest fare,
passengers over the aircraft's seats, counts over the largest parking):

* ``x, y``; aircraft on the ground, inbound, on the ground below full charge, parking, chargers;
* route ``o -> j``: passengers waiting, the forecast arrivals of each of the next 3 bins, fare,
  flight cost, the profit of flying now (fare times the passengers the seats take, minus the
  cost; 0 for ``j = o``), closed;
* passengers waiting to leave ``j`` (its pull for an empty repositioning) and their forecast;
* is the origin, is admitted; the clock and the deciding aircraft's charge (global, broadcast).
"""

from __future__ import annotations

from typing import Mapping

import torch

from routing_gym.agents.featurizers import Featurizer, NodeInputs, as_bool, register_featurizer

#: the observation columns of the ``aircraft`` table read here
SOC_COLUMN, SEATS_COLUMN = 3, 4


class VertiportFeaturizer(Featurizer):
    """``routing_gym/VertiportFleet-v0``: every vertiport is a node; the deciding aircraft's is current and anchor."""

    name = "vertiport_fleet"
    obs_keys = frozenset({"coords", "ground", "queue", "forecast", "fares", "flight_cost", "closed", "aircraft",
                          "aircraft_vertiport", "clock", "deciding", "origin", "action_mask"})
    node_dim = 21

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords = obs["coords"].float()
        b, v, _ = coords.shape
        rows = torch.arange(b, device=coords.device)
        origin = obs["origin"].float().reshape(b, v).argmax(-1)
        mask = as_bool(obs["action_mask"]).reshape(b, v)
        deciding = obs["deciding"].float().reshape(b, -1).argmax(-1)
        aircraft = obs["aircraft"].float().reshape(b, -1, obs["aircraft"].shape[-1])[rows, deciding]
        seats = aircraft[:, SEATS_COLUMN].clamp_min(1.0)[:, None]
        ground = obs["ground"].float().reshape(b, v, -1)
        scale = ground[..., 3].amax(-1, keepdim=True).clamp_min(1.0)
        queue = obs["queue"].float().reshape(b, v, v)
        forecast = obs["forecast"].float().reshape(b, v, v, -1)
        fares, cost = obs["fares"].float().reshape(b, v, v), obs["flight_cost"].float().reshape(b, v, v)
        money = fares.amax((1, 2)).clamp_min(1.0)[:, None]
        route_q, route_f = queue[rows, origin], forecast[rows, origin]  # (B, V), (B, V, K)
        fare_o, cost_o = fares[rows, origin], cost[rows, origin]
        is_origin = torch.zeros(b, v, device=coords.device)
        is_origin[rows, origin] = 1.0
        profit = (fare_o * torch.minimum(route_q, seats) - cost_o) * (1.0 - is_origin)
        closed = obs["closed"].float().reshape(b, v, v)[rows, origin]
        glob = torch.stack([obs["clock"].float().reshape(b), aircraft[:, SOC_COLUMN]], -1)[:, None].expand(b, v, 2)
        feats = torch.cat([
            coords, ground / scale[..., None], (route_q / seats)[..., None], route_f / seats[..., None],
            (fare_o / money)[..., None], (cost_o / money)[..., None], (profit / money)[..., None], closed[..., None],
            (queue.sum(-1) / seats)[..., None], (forecast.sum((2, 3)) / seats)[..., None],
            is_origin[..., None], mask.float()[..., None], glob,
        ], dim=-1)
        keep = torch.ones(b, v, dtype=torch.bool, device=coords.device)
        return NodeInputs(feats, coords, keep, mask, origin, origin)


register_featurizer(VertiportFeaturizer)
