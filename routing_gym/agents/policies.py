"""Pointer-style actor-critic policies for stable-baselines3 / sb3-contrib.

Both policies subclass sb3-contrib's
:class:`~sb3_contrib.common.maskable.policies.MaskableActorCriticPolicy`, so
they work with ``MaskablePPO`` and with plain ``PPO``. They produce one logit
per node (action ``i`` is node ``i``) from node embeddings, and a value from a
pooled embedding: no layer maps a fixed-size vector to a fixed action count,
so the weights do not depend on the number of nodes and a model trained on
TSP20 runs on TSP100.

* :class:`AttentionPolicy` (BQ-NCO, Drakulic et al. 2023): a transformer
  encoder re-encodes the reduced state at every step (the nodes still to visit
  plus the marked current and first/depot node); no decoder, no cache.
* :class:`GNNPolicy`: GATv2 (or TransformerConv) layers of torch-geometric on a
  k-nearest-neighbour graph of the reduced state, plus edges joining every
  node to the current and the anchor node.

The observation's ``action_mask`` is applied to the logits inside the network
(``mask_from_obs=True``, the pointer-network convention), so even plain PPO
never samples an infeasible node; ``MaskablePPO`` applying the same mask again
changes nothing. With ``mask_from_obs=False`` masking is left to the algorithm
(MaskablePPO) or to the environment's invalid-action penalty (PPO).

Observations go to the network raw (integer ``current_node``); SB3's one-hot
preprocessing is also accepted (see :mod:`routing_gym.agents.featurizers`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from abc import abstractmethod
import numpy as np
import torch
from gymnasium import spaces
from sb3_contrib.common.maskable.distributions import MaskableDistribution
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.type_aliases import Schedule
from torch import nn

from routing_gym.agents.featurizers import Featurizer, NodeInputs, featurizer_for, get_featurizer
from routing_gym.errors import RoutingGymError

#: logit given to masked nodes; finite (not -inf) so entropies and their gradients stay finite
MASKED_LOGIT = -1e8


class _ObsPassthrough(BaseFeaturesExtractor):
    """SB3 requires a features extractor; the node encoders of these policies replace it."""

    def __init__(self, observation_space: spaces.Space) -> None:
        super().__init__(observation_space, features_dim=1)

    def forward(self, observations: Any) -> Any:
        return observations


class RoutingPolicy(MaskableActorCriticPolicy):
    """Base of the pointer policies: featurizer -> node encoder -> pointer and value heads.

    :param observation_space: the environment's ``Dict`` observation space.
    :param action_space: ``Discrete(N)``, one action per node.
    :param lr_schedule: learning-rate schedule (SB3 passes it).
    :param embed_dim: width of the node embeddings.
    :param num_layers: encoder depth.
    :param num_heads: attention heads (must divide ``embed_dim``).
    :param ff_dim: hidden width of the feed-forward blocks (default ``2 * embed_dim``).
    :param logit_clip: logits are ``C * tanh(score)`` (Bello et al.); ``0`` disables clipping.
    :param mask_from_obs: apply the observation's ``action_mask`` inside the network.
    :param featurizer: registry name of the featurizer; ``None`` picks it from the observation keys.
    :param use_sde: must be ``False`` (plain PPO passes it).
    :param optimizer_class: optimizer (SB3 convention).
    :param optimizer_kwargs: optimizer keywords (SB3 convention).
    :param normalize_images: ignored (there are no images); accepted for SB3's save/load.
    """

    #: bfloat16 autocast of the encoder on a GPU (set by training; not part of the architecture)
    amp: bool = False

    #: keyword arguments that define the architecture (stored in checkpoints)
    arch_keys: ClassVar[tuple[str, ...]] = (
        "embed_dim", "num_layers", "num_heads", "ff_dim", "logit_clip", "mask_from_obs", "featurizer",
    )

    def __init__(
        self,
        observation_space: spaces.Dict,
        action_space: spaces.Discrete,
        lr_schedule: Schedule,
        embed_dim: int = 128,
        num_layers: int = 3,
        num_heads: int = 8,
        ff_dim: int | None = None,
        logit_clip: float = 10.0,
        mask_from_obs: bool = True,
        featurizer: str | None = None,
        use_sde: bool = False,
        optimizer_class: type[torch.optim.Optimizer] = torch.optim.Adam,
        optimizer_kwargs: dict[str, Any] | None = None,
        normalize_images: bool = False,
        **encoder_kwargs: Any,
    ) -> None:
        if use_sde:
            raise RoutingGymError(f"{type(self).__name__}: use_sde is for continuous actions; routing actions are discrete")
        feat = check_pointer_spaces(observation_space, action_space, type(self).__name__, featurizer=featurizer)
        if embed_dim <= 0 or num_layers < 0 or num_heads <= 0 or embed_dim % num_heads:
            raise RoutingGymError(
                f"{type(self).__name__}: need embed_dim > 0 divisible by num_heads > 0 and num_layers >= 0, "
                f"got embed_dim={embed_dim}, num_heads={num_heads}, num_layers={num_layers}"
            )
        # Plain attributes first: MaskableActorCriticPolicy.__init__ calls self._build().
        self.featurizer: Featurizer = feat
        self.arch: dict[str, Any] = {
            "embed_dim": int(embed_dim), "num_layers": int(num_layers), "num_heads": int(num_heads),
            "ff_dim": int(ff_dim) if ff_dim else 2 * int(embed_dim), "logit_clip": float(logit_clip),
            "mask_from_obs": bool(mask_from_obs), "featurizer": feat.name, **self._check_encoder_kwargs(encoder_kwargs),
        }
        super().__init__(
            observation_space,
            action_space,
            lr_schedule,
            net_arch=[],
            ortho_init=False,
            features_extractor_class=_ObsPassthrough,
            optimizer_class=optimizer_class,
            optimizer_kwargs=optimizer_kwargs,
            normalize_images=False,
        )

    # --- construction ----------------------------------------------------------
    def _check_encoder_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Validate the encoder-specific keywords (subclasses accept some)."""
        if kwargs:
            raise RoutingGymError(f"{type(self).__name__}: unknown keyword argument(s) {sorted(kwargs)}")
        return {}

    @abstractmethod
    def _build_encoder(self) -> nn.Module:
        """The node encoder of this policy (the one thing a subclass must provide)."""

    def _build(self, lr_schedule: Schedule) -> None:
        d = self.arch["embed_dim"]
        self.encoder = self._build_encoder()
        # Pointer head: score_i = w . relu(A h_i + B [mean(h), h_current, h_anchor]).
        self.node_proj = nn.Linear(d, d)
        self.context_proj = nn.Linear(3 * d, d)
        self.score = nn.Linear(d, 1)
        self.value_head = nn.Sequential(nn.Linear(3 * d, d), nn.ReLU(), nn.Linear(d, 1))
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = BasePolicy._get_constructor_parameters(self)
        data.update(
            lr_schedule=self._dummy_schedule,
            optimizer_class=self.optimizer_class,
            optimizer_kwargs=self.optimizer_kwargs,
            **self.arch,
        )
        return data

    @property
    def architecture(self) -> dict[str, Any]:
        """The JSON-able keyword arguments that rebuild this network (checkpoints store them)."""
        return dict(self.arch)

    # --- the network --------------------------------------------------------------
    def node_logits(self, obs: Mapping[str, torch.Tensor], with_value: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Masked logits ``(B, N)`` and values ``(B, 1)`` (or ``None``) of a batch of observations.

        Works for any number of nodes ``N``; observations may be raw or SB3-preprocessed.
        Nodes outside the reduced state get :data:`MASKED_LOGIT`.
        """
        full = self.featurizer(obs)
        inp, order = compact_nodes(full)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.amp and inp.features.is_cuda):
            h = self.encoder(inp)  # (B, M, d)
        h = h.float()
        rows = torch.arange(h.shape[0], device=h.device)
        keep = inp.keep.unsqueeze(-1).to(h.dtype)
        pooled = (h * keep).sum(1) / keep.sum(1).clamp_min(1.0)
        context = torch.cat([pooled, h[rows, inp.current], h[rows, inp.anchor]], dim=-1)
        scores = self.score(torch.relu(self.node_proj(h) + self.context_proj(context).unsqueeze(1))).squeeze(-1)
        clip = self.arch["logit_clip"]
        if clip > 0:
            scores = clip * torch.tanh(scores)
        if order is not None:
            scores = torch.full(full.keep.shape, MASKED_LOGIT, dtype=scores.dtype, device=scores.device).scatter(1, order, scores)
        if self.arch["mask_from_obs"]:
            # A row with nothing feasible (a terminal observation) keeps its logits rather than becoming NaN.
            mask = full.mask | ~full.mask.any(-1, keepdim=True)
            scores = scores.masked_fill(~mask, MASKED_LOGIT)
        values = self.value_head(context) if with_value else None
        return scores, values

    def _distribution(self, logits: torch.Tensor, action_masks: Any) -> MaskableDistribution:
        dist = self.action_dist.proba_distribution(action_logits=logits)
        if action_masks is not None:
            dist.apply_masking(action_masks)
        return dist

    # --- the SB3 interface ---------------------------------------------------------
    def forward(self, obs: Any, deterministic: bool = False, action_masks: np.ndarray | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, values = self.node_logits(obs)
        dist = self._distribution(logits, action_masks)
        actions = dist.get_actions(deterministic=deterministic)
        log_prob = dist.log_prob(actions)
        return actions.reshape((-1, *self.action_space.shape)), values, log_prob

    def evaluate_actions(self, obs: Any, actions: torch.Tensor, action_masks: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        logits, values = self.node_logits(obs)
        dist = self._distribution(logits, action_masks)
        return values, dist.log_prob(actions), dist.entropy()

    def get_distribution(self, obs: Any, action_masks: np.ndarray | None = None) -> MaskableDistribution:
        logits, _ = self.node_logits(obs, with_value=False)
        return self._distribution(logits, action_masks)

    def predict_values(self, obs: Any) -> torch.Tensor:
        _, values = self.node_logits(obs)
        assert values is not None
        return values


def check_pointer_spaces(observation_space: spaces.Space, action_space: spaces.Space, who: str = "a pointer policy",
                         env_id: str | None = None, featurizer: str | None = None) -> Featurizer:
    """The featurizer of ``observation_space``, or a :class:`RoutingGymError` saying why a pointer policy cannot play it.

    The pointer policies score nodes, one action per node: they need a ``Dict`` observation
    that a registered featurizer reads and a ``Discrete`` action space. A ``MultiDiscrete``
    (one move per robot) or ``Box`` (continuous control) problem needs another kind of
    policy. With ``env_id`` the message names the environment and its problem.

    :param featurizer: a featurizer's registry name; ``None`` looks it up by the observation keys.
    """
    where = ""
    if env_id is not None:
        from routing_gym.registry import UnknownProblemError, problem_of_env

        try:
            where = f"{env_id} (problem {problem_of_env(env_id).name!r}): "
        except UnknownProblemError:
            where = f"{env_id}: "
    if not isinstance(action_space, spaces.Discrete):
        raise RoutingGymError(
            f"{where}{who} needs a Discrete action space (a pointer policy chooses one node per step), got "
            f"{action_space}; a MultiDiscrete or Box problem needs another kind of policy"
        )
    if not isinstance(observation_space, spaces.Dict):
        raise RoutingGymError(f"{where}{who} needs a Dict observation space, got {observation_space}")
    try:
        return get_featurizer(featurizer) if featurizer is not None else featurizer_for(observation_space)
    except RoutingGymError as exc:
        raise RoutingGymError(f"{where}{exc}") from None


def compact_nodes(inp: NodeInputs) -> tuple[NodeInputs, torch.Tensor | None]:
    """Drop the node slots that no row of the batch keeps.

    The kept nodes of each row move to the front (in index order) and the batch is cut
    to the largest kept count ``M``. The encoders never let a node outside the reduced
    state influence a kept one, so this changes no output, only the cost: late in an
    episode, and in batches of similar states, ``M`` is much smaller than ``N``.

    :returns: the compacted inputs and ``order (B, M)``, the original index of each slot
        (``None`` when nothing could be dropped).
    """
    b, n = inp.keep.shape
    m = int(inp.keep.sum(1).max())
    if m >= n:
        return inp, None
    order = torch.argsort((~inp.keep).to(torch.int8), dim=1, stable=True)[:, :m]
    rank = torch.cumsum(inp.keep.long(), dim=1) - 1  # slot of each kept node
    rows = torch.arange(b, device=order.device)

    def take(x: torch.Tensor) -> torch.Tensor:
        idx = order if x.dim() == 2 else order.unsqueeze(-1).expand(b, m, x.shape[-1])
        return torch.gather(x, 1, idx)

    return NodeInputs(
        take(inp.features), take(inp.coords), take(inp.keep), take(inp.mask),
        rank[rows, inp.current], rank[rows, inp.anchor],
    ), order


class TransformerNodeEncoder(nn.Module):
    """Linear node embedding then a pre-norm transformer encoder over the reduced state.

    Nodes outside the reduced state are key-padded: they attend but are never attended to.
    """

    def __init__(self, node_dim: int, embed_dim: int, num_layers: int, num_heads: int, ff_dim: int) -> None:
        super().__init__()
        self.embed = nn.Linear(node_dim, embed_dim)
        layer = nn.TransformerEncoderLayer(
            embed_dim, num_heads, ff_dim, dropout=0.0, activation="relu", batch_first=True, norm_first=True
        )
        self.layers = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False) if num_layers else None
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, inp: NodeInputs) -> torch.Tensor:
        h = self.embed(inp.features)
        if self.layers is not None:
            h = self.layers(h, src_key_padding_mask=~inp.keep)
        return self.norm(h)


class AttentionPolicy(RoutingPolicy):
    """BQ-NCO-style policy: a transformer re-encodes the reduced state at every step.

    Defaults (3 layers, 128 wide, 8 heads) train on a CPU; see :class:`RoutingPolicy`
    for the arguments.
    """

    def _build_encoder(self) -> nn.Module:
        a = self.arch
        return TransformerNodeEncoder(self.featurizer.node_dim, a["embed_dim"], a["num_layers"], a["num_heads"], a["ff_dim"])


def knn_edges(coords: torch.Tensor, keep: torch.Tensor, k: int, hubs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Edges of a batched k-nearest-neighbour graph over the kept nodes, as PyG wants them.

    Every kept node receives messages from its ``k`` nearest kept nodes and from each
    hub (one node index per row, e.g. the current node), so every node knows the
    decision context after one layer; hubs themselves only listen to their neighbours
    (the pointer head reads their embeddings directly). Built with ``cdist``/``topk``
    (no torch-cluster).

    :param coords: ``(B, N, 2)`` positions.
    :param keep: ``(B, N)`` nodes in the graph; the others stay isolated.
    :param k: neighbours per node (fewer where fewer nodes are kept).
    :param hubs: ``(B,)`` long tensors of hub nodes.
    :returns: ``edge_index (2, E)`` over the flattened ``B * N`` nodes (source, target) and
        ``edge_attr (E, 3)`` = (distance, dx, dy) from source to target.
    """
    b, n, _ = coords.shape
    dev = coords.device
    offset = (torch.arange(b, device=dev) * n)
    srcs, dsts = [], []
    kk = min(int(k), n - 1)
    if kk > 0:
        d = torch.cdist(coords, coords)
        invalid = ~(keep.unsqueeze(1) & keep.unsqueeze(2)) | torch.eye(n, dtype=torch.bool, device=dev)
        d = d.masked_fill(invalid, float("inf"))
        dist_k, idx = d.topk(kk, dim=-1, largest=False)  # (B, N, k): neighbours j of node i
        ok = torch.isfinite(dist_k)
        dst = torch.arange(n, device=dev).view(1, n, 1).expand(b, n, kk)
        srcs.append((idx + offset.view(b, 1, 1))[ok])
        dsts.append((dst + offset.view(b, 1, 1))[ok])
    node = torch.arange(n, device=dev).view(1, n).expand(b, n)
    for hub in hubs:
        linked = keep & (node != hub.view(b, 1))
        hub_flat = (hub + offset).view(b, 1).expand(b, n)[linked]
        other = (node + offset.view(b, 1))[linked]
        srcs.append(hub_flat)
        dsts.append(other)
    src, dst = torch.cat(srcs), torch.cat(dsts)
    flat = coords.reshape(b * n, 2)
    delta = flat[dst] - flat[src]
    attr = torch.cat([delta.norm(dim=-1, keepdim=True), delta], dim=-1)
    return torch.stack([src, dst]), attr


class GraphNodeEncoder(nn.Module):
    """Pre-norm residual blocks of a PyG attention convolution and a feed-forward layer on a kNN graph."""

    def __init__(self, node_dim: int, embed_dim: int, num_layers: int, num_heads: int, ff_dim: int, k: int, conv: str) -> None:
        super().__init__()
        from torch_geometric.nn import GATv2Conv, TransformerConv

        self.k = k
        self.embed = nn.Linear(node_dim, embed_dim)
        out = embed_dim // num_heads
        if conv == "gatv2":
            make = lambda: GATv2Conv(embed_dim, out, heads=num_heads, edge_dim=3, add_self_loops=True)  # noqa: E731
        elif conv == "transformer":
            make = lambda: TransformerConv(embed_dim, out, heads=num_heads, edge_dim=3, root_weight=True)  # noqa: E731
        else:
            raise RoutingGymError(f"conv: expected 'gatv2' or 'transformer', got {conv!r}")
        self.convs = nn.ModuleList([make() for _ in range(num_layers)])
        self.norms1 = nn.ModuleList([nn.LayerNorm(embed_dim) for _ in range(num_layers)])
        self.norms2 = nn.ModuleList([nn.LayerNorm(embed_dim) for _ in range(num_layers)])
        self.ffs = nn.ModuleList(
            [nn.Sequential(nn.Linear(embed_dim, ff_dim), nn.ReLU(), nn.Linear(ff_dim, embed_dim)) for _ in range(num_layers)]
        )
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, inp: NodeInputs) -> torch.Tensor:
        b, n, _ = inp.features.shape
        edge_index, edge_attr = knn_edges(inp.coords, inp.keep, self.k, [inp.current, inp.anchor])
        h = self.embed(inp.features).reshape(b * n, -1)
        for conv, n1, n2, ff in zip(self.convs, self.norms1, self.norms2, self.ffs):
            h = h + conv(n1(h), edge_index, edge_attr)
            h = h + ff(n2(h))
        return self.norm(h).view(b, n, -1)


class GNNPolicy(RoutingPolicy):
    """Graph-network policy: torch-geometric GATv2 / TransformerConv on a kNN graph.

    Extra keyword arguments: ``k`` (neighbours per node, default 8) and ``conv``
    (``"gatv2"``, default, or ``"transformer"``). Message passing costs per edge on a
    CPU, several times dense attention at small ``n``, so the defaults are smaller than
    :class:`AttentionPolicy`'s: 3 layers, 64 wide, 4 heads. See :class:`RoutingPolicy`
    for the other arguments.
    """

    arch_keys = RoutingPolicy.arch_keys + ("k", "conv")

    def __init__(self, observation_space: spaces.Dict, action_space: spaces.Discrete, lr_schedule: Schedule,
                 embed_dim: int = 64, num_layers: int = 3, num_heads: int = 4, **kwargs: Any) -> None:
        super().__init__(observation_space, action_space, lr_schedule, embed_dim=embed_dim, num_layers=num_layers,
                         num_heads=num_heads, **kwargs)

    def _check_encoder_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        extra = set(kwargs) - {"k", "conv"}
        if extra:
            raise RoutingGymError(f"GNNPolicy: unknown keyword argument(s) {sorted(extra)}")
        k = int(kwargs.get("k", 8))
        conv = str(kwargs.get("conv", "gatv2"))
        if k < 1:
            raise RoutingGymError(f"GNNPolicy: k must be >= 1, got {k}")
        if conv not in ("gatv2", "transformer"):
            raise RoutingGymError(f"GNNPolicy: conv must be 'gatv2' or 'transformer', got {conv!r}")
        return {"k": k, "conv": conv}

    def _build_encoder(self) -> nn.Module:
        a = self.arch
        return GraphNodeEncoder(
            self.featurizer.node_dim, a["embed_dim"], a["num_layers"], a["num_heads"], a["ff_dim"], a["k"], a["conv"]
        )


#: policy names of :func:`make_policy`, the CLI and checkpoints
POLICIES: dict[str, type[RoutingPolicy]] = {"attention": AttentionPolicy, "gnn": GNNPolicy}


def policy_class(name: str | type[RoutingPolicy]) -> type[RoutingPolicy]:
    """``"attention"`` / ``"gnn"`` (or a class name, or a class) -> the policy class."""
    if isinstance(name, type) and issubclass(name, RoutingPolicy):
        return name
    by_class = {cls.__name__: cls for cls in POLICIES.values()}
    if name in POLICIES:
        return POLICIES[name]
    if name in by_class:
        return by_class[name]
    raise RoutingGymError(f"unknown policy {name!r}; expected one of {sorted(POLICIES)}")


def make_policy(name: str | type[RoutingPolicy], observation_space: spaces.Dict, action_space: spaces.Discrete,
                lr: float = 1e-4, **kwargs: Any) -> RoutingPolicy:
    """Build a policy outside an SB3 algorithm (imitation, inference)."""
    return policy_class(name)(observation_space, action_space, lambda _: lr, **kwargs)


def obs_to_tensors(obs: Mapping[str, np.ndarray], device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """Raw (batched) numpy observations as tensors, without SB3's one-hot preprocessing."""
    return {k: torch.as_tensor(np.asarray(v), device=device) for k, v in obs.items()}
