"""The MoERouter featurizer: an attention (pointer) policy over the experts, plus the close node.

Registered on import: after ``import routing_gym.agents.moe_router`` the pointer policies of
:mod:`routing_gym.agents.policies` (``AttentionPolicy``, ``GNNPolicy``) train on
``routing_gym/MoERouter-v0`` with :func:`routing_gym.agents.train.train` and play with
``agent:path=<checkpoint folder>``; ``Problem.agents`` of ``moe_router`` names this module. The
observation has no positions (``coord_key = None``), so decoding has no symmetry to augment
with. One network scores every expert with shared weights, so it is the same for any number of experts (the MLP of :func:`routing_gym.agents.layer_router.train_router`
has one output per expert instead).
"""

from __future__ import annotations

from typing import Mapping

import torch

from routing_gym.agents.featurizers import Featurizer, NodeInputs, as_bool, register_featurizer


class MoEFeaturizer(Featurizer):
    """``routing_gym/MoERouter-v0``: node ``e < E`` is expert ``e``, node ``E`` closes the layer.

    Node features (19): the gate logit and its softmax probability over the experts, called at this
    layer, in the previous layer's set, feasible, is_close, then global ones broadcast to every
    node: the four ``position`` entries (layer, tokens left, token and batch budget left), the
    share of the layer's experts called so far, and the token's eight features. Every node is
    kept; the close node is the current and the anchor node of the pointer head.
    """

    name = "moe_router"
    obs_keys = frozenset({"token", "gate", "picked", "previous", "position", "action_mask"})
    node_dim = 19
    static_keys = ()
    coord_key = None

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        gate = obs["gate"].float()
        b, e = gate.shape
        n, dev = e + 1, gate.device
        pad = torch.zeros(b, 1, device=dev)
        mask = as_bool(obs["action_mask"]).reshape(b, n)
        picked = torch.cat([obs["picked"].float(), pad], dim=1)
        prob = torch.cat([torch.softmax(gate, dim=1), pad], dim=1)
        is_close = torch.zeros(b, n, device=dev)
        is_close[:, e] = 1.0
        per_node = torch.stack([torch.cat([gate, pad], dim=1), prob, picked,
                                torch.cat([obs["previous"].float(), pad], dim=1), mask.float(), is_close], dim=-1)
        called = picked.sum(dim=1, keepdim=True) / e
        glob = torch.cat([obs["position"].float(), called, obs["token"].float()], dim=1)  # (b, 13)
        feats = torch.cat([per_node, glob[:, None, :].expand(b, n, glob.shape[1])], dim=-1)
        close = torch.full((b,), e, dtype=torch.long, device=dev)
        keep = torch.ones(b, n, dtype=torch.bool, device=dev)
        return NodeInputs(feats, torch.zeros(b, n, 2, device=dev), keep, mask, close, close)


register_featurizer(MoEFeaturizer)
