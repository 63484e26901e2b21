"""Agents: SB3 integration and pointer-style policies.

    from routing_gym.agents import AttentionPolicy, make_vec_env
    from sb3_contrib import MaskablePPO
    model = MaskablePPO(AttentionPolicy, make_vec_env("routing_gym/TSP-v0", 64, num_nodes=20)).learn(100_000)

* :mod:`~routing_gym.agents.policies`: :class:`AttentionPolicy` (BQ-NCO), :class:`GNNPolicy` (PyG).
* :mod:`~routing_gym.agents.featurizers`: observation -> node features, one per problem.
* :mod:`~routing_gym.agents.train` / :mod:`~routing_gym.agents.imitation`: ``train`` (PPO) and
  ``imitate`` (behaviour cloning of solver solutions).
* :mod:`~routing_gym.agents.inference`: batched greedy / sampling / x8-augmented decoding, heatmaps.
* :mod:`~routing_gym.agents.checkpoint`: safetensors + JSON checkpoints, the shipped ``pretrained/`` ones.
"""

from routing_gym.agents.checkpoint import list_pretrained, load_policy, save_policy
from routing_gym.agents.featurizers import Featurizer, NodeInputs, featurizer_for, register_featurizer
from routing_gym.agents.imitation import imitate
from routing_gym.agents.inference import policy_heatmap, rollout
from routing_gym.agents.policies import AttentionPolicy, GNNPolicy, RoutingPolicy
from routing_gym.agents.train import train
from routing_gym.agents.vec_env import RoutingSB3VecEnv, make_vec_env

__all__ = [
    "AttentionPolicy", "Featurizer", "GNNPolicy", "NodeInputs", "RoutingPolicy", "RoutingSB3VecEnv", "featurizer_for",
    "imitate", "list_pretrained", "load_policy", "make_vec_env", "policy_heatmap", "register_featurizer", "rollout",
    "save_policy", "train",
]
