"""Featurizers of the prize-collecting tour problems: orienteering (``op``) and the prize-collecting TSP (``pctsp``).

Registered on import; ``Problem.agents`` of both problems names this module, so
policies find them from the observation keys of ``routing_gym/OP-v0`` and
``routing_gym/PCTSP-v0``. In both the reduced state (BQ-NCO) is the nodes not yet
visited, the depot (the anchor: the tour ends there) and the current node, and
action ``i`` is node ``i`` (``0``: back to the depot, ending the episode).
"""

from __future__ import annotations

from typing import Mapping

import torch

from routing_gym.agents.featurizers import Featurizer, NodeInputs, depot_node_state, register_featurizer


def _inputs(features: list[torch.Tensor], coords: torch.Tensor, cur: torch.Tensor, visited: torch.Tensor,
            mask: torch.Tensor, is_depot: torch.Tensor, is_cur: torch.Tensor) -> NodeInputs:
    keep = ~visited | (is_depot > 0) | (is_cur > 0)
    anchor = torch.zeros(coords.shape[0], dtype=torch.long, device=coords.device)
    return NodeInputs(torch.stack(features, dim=-1), coords, keep, mask, cur, anchor)


class OPFeaturizer(Featurizer):
    """``routing_gym/OP-v0``.

    Node features (8): ``x, y, prize, is_depot, is_current, remaining length, reach, feasible``,
    where the remaining length is a global feature broadcast to every node and ``reach`` is
    ``(|cur - j| + |j - depot|) / remaining length`` from the observed coordinates (clipped to
    2): the share of the budget that going to ``j`` and home would take.
    """

    name = "op"
    obs_keys = frozenset({"coords", "prizes", "remaining_length", "current_node", "visited", "action_mask"})
    node_dim = 8
    static_keys = ("coords", "prizes")

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, cur, visited, mask, is_depot, is_cur = depot_node_state(obs)
        b, n, _ = coords.shape
        left = obs["remaining_length"].float().reshape(b, 1)
        here = coords[torch.arange(b, device=coords.device), cur]
        trip = (coords - here[:, None]).norm(dim=-1) + (coords - coords[:, :1]).norm(dim=-1)
        reach = (trip / left.clamp_min(1e-6)).clamp(max=2.0)
        feats = [coords[..., 0], coords[..., 1], obs["prizes"].float().reshape(b, n), is_depot, is_cur,
                 left.expand(b, n), reach, mask.float()]
        return _inputs(feats, coords, cur, visited, mask, is_depot, is_cur)


register_featurizer(OPFeaturizer)


class PCTSPFeaturizer(Featurizer):
    """``routing_gym/PCTSP-v0``.

    Node features (8): ``x, y, prize, penalty, is_depot, is_current, remaining prize, feasible``,
    the remaining prize (to the minimum) a global feature broadcast to every node.
    """

    name = "pctsp"
    obs_keys = frozenset({"coords", "prizes", "penalties", "remaining_prize", "current_node", "visited", "action_mask"})
    node_dim = 8
    static_keys = ("coords", "prizes", "penalties")

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, cur, visited, mask, is_depot, is_cur = depot_node_state(obs)
        b, n, _ = coords.shape
        feats = [coords[..., 0], coords[..., 1], obs["prizes"].float().reshape(b, n),
                 obs["penalties"].float().reshape(b, n), is_depot, is_cur,
                 obs["remaining_prize"].float().reshape(b, 1).expand(b, n), mask.float()]
        return _inputs(feats, coords, cur, visited, mask, is_depot, is_cur)


register_featurizer(PCTSPFeaturizer)
