"""Environment ids: registered from the problem registry (see :mod:`routing_gym.registry`)."""

from routing_gym.registry import env_ids, register_envs

__all__ = ["env_ids", "register_envs"]
