"""The PDP featurizer: the pointer policies play ``routing_gym/PDP-v0`` (action ``i`` is node ``i``).

Registered on import; ``Problem.agents`` of ``pdp`` names this module, so policies
find it from the observation keys.
"""

from __future__ import annotations

from typing import Mapping

import torch

from routing_gym.agents.featurizers import Featurizer, NodeInputs, as_bool, depot_node_state, register_featurizer


class PDPFeaturizer(Featurizer):
    """``routing_gym/PDP-v0``: the reduced state is the unvisited nodes, the depot and the current node.

    Node features (18): ``x, y``, signed load / capacity, ``is_pickup, is_delivery``, the
    partner's ``x, y`` and its distance, ``aboard`` (a delivery whose load is on the
    vehicle), ``ready, due, service``, ``slack = due - t``, ``is_depot, is_current``, then
    the global room left / capacity and time ``t``, and ``feasible``. Times are the
    observation's fractions of the depot's opening span.
    """

    name = "pdp"
    obs_keys = frozenset({"coords", "demands", "is_pickup", "partner", "time_windows", "service_times",
                          "remaining_capacity", "current_time", "current_node", "visited", "pending", "action_mask"})
    node_dim = 18
    static_keys = ("coords", "demands", "is_pickup", "partner", "time_windows", "service_times")

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, cur, visited, mask, is_depot, is_cur = depot_node_state(obs)
        b, n, _ = coords.shape
        dev = coords.device
        pick = as_bool(obs["is_pickup"]).reshape(b, n).float()
        partner = obs["partner"].reshape(b, n).round().long().clamp(0, n - 1)
        mate = torch.gather(coords, 1, partner[..., None].expand(b, n, 2))
        windows = obs["time_windows"].float().reshape(b, n, 2)
        now = obs["current_time"].float().reshape(b, 1)
        feats = torch.stack([
            coords[..., 0], coords[..., 1], obs["demands"].float().reshape(b, n), pick, 1.0 - pick - is_depot,
            mate[..., 0], mate[..., 1], (mate - coords).norm(dim=-1), as_bool(obs["pending"]).reshape(b, n).float(),
            windows[..., 0], windows[..., 1], obs["service_times"].float().reshape(b, n), windows[..., 1] - now,
            is_depot, is_cur, obs["remaining_capacity"].float().reshape(b, 1).expand(b, n), now.expand(b, n),
            mask.float(),
        ], dim=-1)
        keep = ~visited | (is_depot > 0) | (is_cur > 0)
        return NodeInputs(feats, coords, keep, mask, cur, torch.zeros(b, dtype=torch.long, device=dev))


register_featurizer(PDPFeaturizer)
