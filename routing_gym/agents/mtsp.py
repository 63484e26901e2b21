"""The mTSP featurizer: the pointer policies play ``routing_gym/MTSP-v0`` (action ``i`` is node ``i``).

Registered on import; ``Problem.agents`` of ``mtsp`` names this module, so policies
find it from the observation keys.
"""

from __future__ import annotations

from typing import Mapping

import torch

from routing_gym.agents.featurizers import Featurizer, NodeInputs, depot_node_state, register_featurizer


class MTSPFeaturizer(Featurizer):
    """``routing_gym/MTSP-v0``: the reduced state is the unvisited cities, the depot and the current node.

    Node features (12): ``x, y, is_depot, is_current, feasible``, the distance from the
    current node in the unit square (the step a move costs), then global features
    broadcast to every node: vehicles left ``(m - k) / m``, ``1 / m``, unvisited cities
    per vehicle left ``(unvisited / n) / ((m - k) / m)`` (how far the current vehicle
    should go), the current route's length, the longest closed route, and the
    objective (1 for min-max).
    """

    name = "mtsp"
    obs_keys = frozenset({"coords", "current_node", "visited", "action_mask", "vehicles", "route_length",
                          "max_route_length", "minmax"})
    node_dim = 12
    static_keys = ("coords", "minmax")

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, cur, visited, mask, is_depot, is_cur = depot_node_state(obs)
        b, n, _ = coords.shape
        dev = coords.device
        rows = torch.arange(b, device=dev)
        vehicles = obs["vehicles"].float().reshape(b, 2)
        unvisited = (~visited[:, 1:]).float().mean(dim=1, keepdim=True)
        per_vehicle = unvisited / vehicles[:, :1].clamp_min(1e-6)
        step = (coords - coords[rows, cur][:, None, :]).norm(dim=-1)
        globals_ = torch.cat([vehicles, per_vehicle, obs["route_length"].float().reshape(b, 1),
                              obs["max_route_length"].float().reshape(b, 1), obs["minmax"].float().reshape(b, 1)], dim=1)
        feats = torch.cat([coords, is_depot[..., None], is_cur[..., None], mask.float()[..., None], step[..., None],
                           globals_[:, None, :].expand(b, n, globals_.shape[1])], dim=-1)
        keep = ~visited | (is_depot > 0) | (is_cur > 0)
        return NodeInputs(feats, coords, keep, mask, cur, torch.zeros(b, dtype=torch.long, device=dev))


register_featurizer(MTSPFeaturizer)
