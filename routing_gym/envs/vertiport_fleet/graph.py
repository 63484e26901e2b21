"""The graph view of a vertiport observation: vertiports as nodes, routes as edges (torch-geometric).

Node features (one row per vertiport): position (2), aircraft on the ground, inbound, on the
ground below full charge, parking places, chargers (scaled by the largest parking), passengers waiting to leave and to arrive,
the forecast of departures over the next bins, whether the deciding aircraft is there, and
whether the vertiport is an admitted destination. Edge features (one per ordered pair
``o != d``): fare, flight cost (both over the largest fare), passengers waiting on the route,
its forecast per bin, and whether it is closed now.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

def feature_sizes(num_bins: int) -> tuple[int, int]:
    """``(node features, edge features)`` for ``num_bins`` forecast bins."""
    return 2 + 5 + 2 + num_bins + 2, 3 + num_bins + 1


def graph_arrays(obs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x (V, F), edge_index (2, V*(V-1)), edge_attr (V*(V-1), E))`` of one observation, float32 / int64."""
    v = obs["coords"].shape[0]
    k = obs["forecast"].shape[1]
    o, d = np.nonzero(~np.eye(v, dtype=bool))
    ground = np.asarray(obs["ground"], np.float32)
    scale = max(float(ground[:, 3].max()), 1.0)
    queue = np.asarray(obs["queue"], np.float32)
    forecast = np.asarray(obs["forecast"], np.float32).reshape(v, v, k)
    x = np.concatenate([obs["coords"], ground / scale, queue.sum(1, keepdims=True) / scale,
                        queue.sum(0)[:, None] / scale, forecast.sum(1) / scale,
                        np.asarray(obs["origin"], np.float32)[:, None],
                        np.asarray(obs["action_mask"], np.float32)[:, None]], axis=1).astype(np.float32)
    money = max(float(np.asarray(obs["fares"]).max()), 1.0)
    edge_attr = np.concatenate([np.asarray(obs["fares"])[o, d, None] / money,
                                np.asarray(obs["flight_cost"])[o, d, None] / money,
                                queue[o, d, None] / scale, forecast[o, d] / scale,
                                np.asarray(obs["closed"], np.float32)[o, d, None]], axis=1).astype(np.float32)
    return x, np.stack([o, d]).astype(np.int64), edge_attr


def graph_view(obs: Mapping[str, np.ndarray]) -> Any:
    """One observation of ``VertiportFleet-v0`` as a ``torch_geometric.data.Data``.

    ``x``, ``edge_index`` and ``edge_attr`` as :func:`graph_arrays`; ``mask`` (V,) bool, the
    admitted destinations; ``origin`` the deciding aircraft's vertiport. Batch several with
    ``torch_geometric.data.Batch.from_data_list``.
    """
    import torch
    from torch_geometric.data import Data

    x, edge_index, edge_attr = graph_arrays(obs)
    return Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(edge_index), edge_attr=torch.from_numpy(edge_attr),
                mask=torch.from_numpy(np.asarray(obs["action_mask"]).astype(bool)),
                origin=torch.tensor([int(np.argmax(obs["origin"]))]))
