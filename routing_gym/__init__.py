"""routing-gym: reinforcement-learning environments, agents and baselines for routing and planning."""

from routing_gym.envs.registration import register_envs

__version__ = "0.1.0"

register_envs()
