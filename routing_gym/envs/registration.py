"""Environment ids, registered through the ``gymnasium.envs`` entry point of the package."""

from __future__ import annotations

import gymnasium as gym

#: id -> (entry point, vector entry point)
ENVIRONMENTS: dict[str, tuple[str, str]] = {
    "routing_gym/TSP-v0": ("routing_gym.envs.tsp.env:TSPEnv", "routing_gym.envs.tsp.env:TSPVectorEnv"),
    "routing_gym/CVRP-v0": ("routing_gym.envs.cvrp.env:CVRPEnv", "routing_gym.envs.cvrp.env:CVRPVectorEnv"),
}


def register_envs() -> None:
    """Register every routing-gym id (idempotent); Gymnasium calls this through the entry point."""
    for env_id, (entry, vector_entry) in ENVIRONMENTS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry, vector_entry_point=vector_entry, disable_env_checker=False)
