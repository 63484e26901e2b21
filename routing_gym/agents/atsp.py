"""The ATSP featurizer: node features from cost rows and columns, no coordinates needed.

Registered on import; ``Problem.agents`` of ``atsp`` names this module, so policies
find it from the observation keys of ``routing_gym/ATSP-v0``.
"""

from __future__ import annotations

from typing import Mapping

import torch

from routing_gym.agents.featurizers import Featurizer, NodeInputs, register_featurizer, tour_node_state


class ATSPFeaturizer(Featurizer):
    """``routing_gym/ATSP-v0``: the reduced state is the unvisited nodes plus the first and current one.

    Node features (11): ``x, y`` (the matrix's MDS embedding, a proximity hint), ``is_first,
    is_current, feasible``, the scaled costs ``d[current, j], d[j, current], d[first, j],
    d[j, first]`` (the cost of going to ``j`` next and of closing the tour from ``j`` are
    among them, which is what a directed tour needs and an embedding cannot give), and the
    reduced costs ``r[current, j], r[j, first]`` of the remaining path problem, which tell
    whether an arc is cheap for its tail *and* its head (a greedy on ``r[current, j]``
    alone is about 8 points closer to LKH than nearest neighbour on ATSP20).

    Symmetry augmentation of ``coords`` (x8) leaves the costs untouched: it only
    re-orients the embedding, which is defined up to such isometries anyway.
    """

    name = "atsp"
    obs_keys = frozenset({"coords", "first_node", "current_node", "visited", "action_mask",
                          "current_distances", "first_distances", "reduced_costs"})
    node_dim = 11
    start_option = "start_node"

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, first, cur, visited, mask, is_first, is_cur = tour_node_state(obs)
        b, n, _ = coords.shape
        costs = torch.cat([obs["current_distances"].float().reshape(b, n, 2),
                           obs["first_distances"].float().reshape(b, n, 2),
                           obs["reduced_costs"].float().reshape(b, n, 2)], dim=-1)
        feats = torch.cat([coords, is_first[..., None], is_cur[..., None], mask.float()[..., None], costs], dim=-1)
        keep = ~visited | (is_first > 0) | (is_cur > 0)
        return NodeInputs(feats, coords, keep, mask, cur, first)


register_featurizer(ATSPFeaturizer)
