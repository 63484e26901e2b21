"""Per-problem featurizers: an environment's observation as node features.

The policies in :mod:`routing_gym.agents.policies` are problem-agnostic: they
score nodes. A :class:`Featurizer` turns one problem's observation dict into
:class:`NodeInputs` (a feature vector per node, the nodes of the reduced state,
the feasible actions, and the current and anchor node), so one network serves
every routing environment whose actions are node indices. A new environment
registers its featurizer with :func:`register_featurizer`; policies find it by
the observation's keys (:func:`featurizer_for`).

Observations may come in either of two encodings and both are accepted:

* raw, as the environment returns them (``current_node`` an integer per row,
  or ``(B, 1)`` as SB3's rollout buffer stores it);
* SB3-preprocessed (``preprocess_obs``): ``Discrete`` keys one-hot ``(B, N)``
  float, ``MultiBinary`` keys float.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping

import numpy as np
import torch
from gymnasium import spaces

from routing_gym.errors import RoutingGymError


@dataclass
class NodeInputs:
    """What a policy network sees of a batch of observations.

    :param features: ``(B, N, F)`` float node features.
    :param coords: ``(B, N, 2)`` node positions in the unit square (for kNN graphs).
    :param keep: ``(B, N)`` bool, the nodes of the reduced state; the others are
        hidden from attention (key padding) and from the graph, not deleted, so
        batches keep one shape. The current and anchor nodes are always kept.
    :param mask: ``(B, N)`` bool, feasible actions; action ``i`` is node ``i``. Only
        kept nodes may be feasible.
    :param current: ``(B,)`` long, the node the vehicle is at.
    :param anchor: ``(B,)`` long, the node the tour must return to (TSP: the
        first node; CVRP: the depot).
    """

    features: torch.Tensor
    coords: torch.Tensor
    keep: torch.Tensor
    mask: torch.Tensor
    current: torch.Tensor
    anchor: torch.Tensor


def node_index(value: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """A node index per row from a raw index (``(B,)`` / ``(B, 1)``) or a one-hot ``(B, N)`` row."""
    if value.dim() == 2 and value.shape[-1] == num_nodes and num_nodes > 1:
        return value.argmax(dim=-1)
    return value.reshape(-1).round().long()


def as_bool(value: torch.Tensor) -> torch.Tensor:
    """A 0/1 array (int8, float or bool) as bool."""
    return value > 0.5 if value.dtype.is_floating_point else value.bool()


def depot_node_state(obs: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
                                                                torch.Tensor, torch.Tensor]:
    """``coords, current node, visited, mask, is_depot, is_current`` of a batch of depot problems (node 0 the depot)."""
    coords = obs["coords"].float()
    b, n, _ = coords.shape
    dev = coords.device
    cur = node_index(obs["current_node"], n)
    visited = as_bool(obs["visited"]).reshape(b, n)
    mask = as_bool(obs["action_mask"]).reshape(b, n)
    is_depot = torch.zeros(b, n, device=dev)
    is_depot[:, 0] = 1.0
    is_cur = torch.zeros(b, n, device=dev)
    is_cur[torch.arange(b, device=dev), cur] = 1.0
    return coords, cur, visited, mask, is_depot, is_cur


def tour_node_state(obs: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
                                                               torch.Tensor, torch.Tensor, torch.Tensor]:
    """``coords, first node, current node, visited, mask, is_first, is_current`` of a batch of tours."""
    coords = obs["coords"].float()
    b, n, _ = coords.shape
    rows = torch.arange(b, device=coords.device)
    first = node_index(obs["first_node"], n)
    cur = node_index(obs["current_node"], n)
    visited = as_bool(obs["visited"]).reshape(b, n)
    mask = as_bool(obs["action_mask"]).reshape(b, n)
    is_first = torch.zeros(b, n, device=coords.device)
    is_first[rows, first] = 1.0
    is_cur = torch.zeros(b, n, device=coords.device)
    is_cur[rows, cur] = 1.0
    return coords, first, cur, visited, mask, is_first, is_cur


class Featurizer(ABC):
    """Maps one problem's observation dict to :class:`NodeInputs`.

    Subclasses set the class attributes and implement :meth:`__call__`.
    """

    #: registry name, stored in checkpoints
    name: ClassVar[str] = ""
    #: the exact key set of the observations this featurizer reads
    obs_keys: ClassVar[frozenset[str]] = frozenset()
    #: length of the feature vector per node
    node_dim: ClassVar[int] = 0
    #: keys constant during an episode (demonstration storage keeps them once per episode)
    static_keys: ClassVar[tuple[str, ...]] = ("coords",)
    #: the key holding unit-square positions (transformed by symmetry augmentation);
    #: ``None`` where the observation has no positions (no symmetry: decoding ignores ``augment``)
    coord_key: ClassVar[str | None] = "coords"
    #: the reset option choosing the start node, when the environment has one (multi-start decoding)
    start_option: ClassVar[str | None] = None

    @abstractmethod
    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        """Node inputs of a batch of observations (tensors with a leading batch axis)."""


class TSPFeaturizer(Featurizer):
    """``routing_gym/TSP-v0``: the reduced state is the unvisited cities plus the first and current one.

    Node features: ``x, y, is_first, is_current, feasible``.
    """

    name = "tsp"
    obs_keys = frozenset({"coords", "first_node", "current_node", "visited", "action_mask"})
    node_dim = 5
    start_option = "start_node"

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, first, cur, visited, mask, is_first, is_cur = tour_node_state(obs)
        feats = torch.cat([coords, is_first[..., None], is_cur[..., None], mask.float()[..., None]], dim=-1)
        keep = ~visited | (is_first > 0) | (is_cur > 0)
        return NodeInputs(feats, coords, keep, mask, cur, first)


class CVRPFeaturizer(Featurizer):
    """``routing_gym/CVRP-v0``: the reduced state is the unserved customers, the depot and the current node.

    Node features: ``x, y, demand / capacity, is_depot, is_current, remaining load / capacity,
    feasible`` (the remaining load is a global feature, broadcast to every node).
    """

    name = "cvrp"
    obs_keys = frozenset({"coords", "demands", "remaining_capacity", "current_node", "visited", "action_mask"})
    node_dim = 7
    static_keys = ("coords", "demands")

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, cur, visited, mask, is_depot, is_cur = depot_node_state(obs)
        b, n, _ = coords.shape
        dev = coords.device
        demand = obs["demands"].float().reshape(b, n)
        remaining = obs["remaining_capacity"].float().reshape(b, 1).expand(b, n)
        feats = torch.stack([coords[..., 0], coords[..., 1], demand, is_depot, is_cur, remaining, mask.float()], dim=-1)
        keep = ~visited | (is_depot > 0) | (is_cur > 0)
        return NodeInputs(feats, coords, keep, mask, cur, torch.zeros(b, dtype=torch.long, device=dev))


class CVRPTWFeaturizer(Featurizer):
    """``routing_gym/CVRPTW-v0``: the reduced state is the unserved customers, the depot and the current node.

    Node features (times are the observation's fractions of the depot's opening span):
    ``x, y, demand / capacity, ready, due, service time, wait = max(0, ready - t),
    slack = due - t, is_depot, is_current, remaining load / capacity, t, feasible``, where ``t``
    is the departure time from the current node (``current_time``); the remaining load and
    ``t`` are global features, broadcast to every node. Travel times are not observed; the
    network infers them from the positions.
    """

    name = "cvrptw"
    obs_keys = frozenset({"coords", "demands", "time_windows", "service_times", "remaining_capacity", "current_time",
                          "current_node", "visited", "action_mask"})
    node_dim = 13
    static_keys = ("coords", "demands", "time_windows", "service_times")

    def __call__(self, obs: Mapping[str, torch.Tensor]) -> NodeInputs:
        coords, cur, visited, mask, is_depot, is_cur = depot_node_state(obs)
        b, n, _ = coords.shape
        dev = coords.device
        demand = obs["demands"].float().reshape(b, n)
        windows = obs["time_windows"].float().reshape(b, n, 2)
        ready, due = windows[..., 0], windows[..., 1]
        service = obs["service_times"].float().reshape(b, n)
        now = obs["current_time"].float().reshape(b, 1)
        remaining = obs["remaining_capacity"].float().reshape(b, 1).expand(b, n)
        feats = torch.stack([
            coords[..., 0], coords[..., 1], demand, ready, due, service, (ready - now).clamp_min(0.0), due - now,
            is_depot, is_cur, remaining, now.expand(b, n), mask.float(),
        ], dim=-1)
        keep = ~visited | (is_depot > 0) | (is_cur > 0)
        return NodeInputs(feats, coords, keep, mask, cur, torch.zeros(b, dtype=torch.long, device=dev))


_FEATURIZERS: dict[str, type[Featurizer]] = {}


def register_featurizer(cls: type[Featurizer]) -> type[Featurizer]:
    """Make ``cls`` available to :func:`get_featurizer` (by name) and :func:`featurizer_for` (by keys)."""
    if not cls.name or not cls.obs_keys or cls.node_dim <= 0:
        raise RoutingGymError(f"featurizer {cls.__name__}: name, obs_keys and node_dim must be set")
    for other in _FEATURIZERS.values():
        if other is not cls and (other.name == cls.name or other.obs_keys == cls.obs_keys):
            raise RoutingGymError(f"featurizer {cls.__name__} clashes with {other.__name__} (same name or observation keys)")
    _FEATURIZERS[cls.name] = cls
    return cls


register_featurizer(TSPFeaturizer)
register_featurizer(CVRPFeaturizer)
register_featurizer(CVRPTWFeaturizer)


def _load_problem_featurizers() -> None:
    """Import the featurizer modules that problems declare (``Problem.agents``), so they register."""
    import importlib

    from routing_gym.registry import problems

    for problem in problems().values():
        if problem.agents:
            importlib.import_module(problem.agents)


def available_featurizers() -> list[str]:
    _load_problem_featurizers()
    return sorted(_FEATURIZERS)


def get_featurizer(name: str) -> Featurizer:
    """The featurizer registered as ``name``."""
    _load_problem_featurizers()
    try:
        return _FEATURIZERS[name]()
    except KeyError:
        raise RoutingGymError(f"unknown featurizer {name!r}; registered: {', '.join(available_featurizers())}") from None


def featurizer_for(observation: spaces.Dict | Mapping[str, Any] | Iterable[str]) -> Featurizer:
    """The featurizer whose observation keys equal those of ``observation`` (a Dict space, an obs dict or keys)."""
    if isinstance(observation, spaces.Dict):
        keys = frozenset(observation.spaces)
    elif isinstance(observation, Mapping):
        keys = frozenset(observation)
    else:
        keys = frozenset(observation)
    _load_problem_featurizers()
    for cls in _FEATURIZERS.values():
        if cls.obs_keys == keys:
            return cls()
    raise RoutingGymError(
        f"no featurizer for observations with keys {sorted(keys)}; register one with "
        f"routing_gym.agents.featurizers.register_featurizer (registered: {', '.join(available_featurizers())})"
    )


# --- the 8 symmetries of the unit square (POMO-style augmentation) ---------------------------
def square_symmetry(coords: np.ndarray, which: np.ndarray | int) -> np.ndarray:
    """Apply symmetry ``which`` (0..7, 0 = identity) of the unit square to ``(..., N, 2)`` coordinates.

    ``which`` is one integer, or one per leading row of ``coords``. Each symmetry maps
    the unit square onto itself, so observations stay in their documented range.
    """
    c = np.asarray(coords)
    x, y = c[..., 0], c[..., 1]
    variants = np.stack(
        [
            np.stack([x, y], -1), np.stack([y, x], -1), np.stack([1 - x, y], -1), np.stack([x, 1 - y], -1),
            np.stack([1 - x, 1 - y], -1), np.stack([y, 1 - x], -1), np.stack([1 - y, x], -1), np.stack([1 - y, 1 - x], -1),
        ]
    ).astype(c.dtype, copy=False)
    w = np.asarray(which)
    if w.ndim == 0:
        return variants[int(w) % 8]
    if w.shape != c.shape[:1]:
        raise ValueError(f"which: expected one symmetry per row ({c.shape[0]}), got shape {w.shape}")
    return variants[w % 8, np.arange(c.shape[0])]


def square_symmetry_torch(coords: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    """:func:`square_symmetry` for a ``(B, N, 2)`` tensor with one symmetry per row (for training)."""
    x, y = coords[..., 0], coords[..., 1]
    variants = torch.stack(
        [
            torch.stack([x, y], -1), torch.stack([y, x], -1), torch.stack([1 - x, y], -1), torch.stack([x, 1 - y], -1),
            torch.stack([1 - x, 1 - y], -1), torch.stack([y, 1 - x], -1), torch.stack([1 - y, x], -1),
            torch.stack([1 - y, 1 - x], -1),
        ]
    )
    return variants[which % 8, torch.arange(coords.shape[0], device=coords.device)]
