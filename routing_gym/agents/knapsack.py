"""The knapsack featurizer: the reduced state is the items that still fit, plus the stop node.

Registered on import; ``Problem.agents`` of ``knapsack`` names this module, so policies
find it from the observation keys of ``routing_gym/Knapsack-v0``.
"""

from __future__ import annotations

from typing import Mapping

import torch

from routing_gym.agents.featurizers import Featurizer, NodeInputs, as_bool, register_featurizer


class KnapsackFeaturizer(Featurizer):
    """``routing_gym/Knapsack-v0``: node 0 is the stop node, node ``i`` item ``i - 1``.

    An item that no longer fits never will (the remaining capacity only shrinks), so the
    reduced state keeps the items that fit (the feasible actions) and the stop node,
    which is also the ``current`` and ``anchor`` node of the pointer head. Node features (8):
    ``w / remaining`` (share of the remaining capacity an item takes), ``v / max v``,
    value density ``(v / w)`` over its largest value among the kept items, ``w / C``,
    ``is_stop``, ``feasible``, and two global ones broadcast to every node: the remaining
    capacity ``/ C`` and the remaining capacity over the kept items' total weight (capped at 1).

    ``coords`` (the weight-value plane) only feed graph policies; the symmetry
    augmentation of training moves them but no feature is read from them.
    """

    name = "knapsack"
    obs_keys = frozenset({"coords", "weights", "values", "remaining_capacity", "packed", "action_mask"})
    node_dim = 8
    static_keys = ("coords", "weights", "values")

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords = obs["coords"].float()
        b, n, _ = coords.shape
        dev = coords.device
        w = obs["weights"].float().reshape(b, n)
        v = obs["values"].float().reshape(b, n)
        rem = obs["remaining_capacity"].float().reshape(b, 1)
        mask = as_bool(obs["action_mask"]).reshape(b, n)
        is_stop = torch.zeros(b, n, device=dev)
        is_stop[:, 0] = 1.0
        keep = mask.clone()
        keep[:, 0] = True
        share = (w / rem.clamp_min(1e-9)).clamp(0.0, 1.0)
        density = v / w.clamp_min(1e-6)
        density = density * mask.float()
        density = density / density.amax(dim=1, keepdim=True).clamp_min(1e-9)
        kept_w = (w * mask.float()).sum(dim=1, keepdim=True)
        fits_all = (rem / kept_w.clamp_min(1e-9)).clamp(0.0, 1.0)
        feats = torch.stack([share, v, density, w, is_stop, mask.float(), rem.expand(b, n), fits_all.expand(b, n)], dim=-1)
        zero = torch.zeros(b, dtype=torch.long, device=dev)
        return NodeInputs(feats, coords, keep, mask, zero, zero)


register_featurizer(KnapsackFeaturizer)
