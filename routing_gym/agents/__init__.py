"""Agents: SB3 integration (vector env adapter) and pointer-style policies."""

from routing_gym.agents.vec_env import RoutingSB3VecEnv, make_vec_env

__all__ = ["RoutingSB3VecEnv", "make_vec_env"]
