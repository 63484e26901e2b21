"""Transitional alias: the constructions moved to ``baselines/tsp/`` and ``baselines/cvrp/``.

Only ``routing_gym.baselines.cvrptw`` still imports from here; once it imports
:func:`~routing_gym.baselines.primitives.unflatten_routes` directly, delete this module.
"""

from routing_gym.baselines.primitives import unflatten_routes as _unflatten

__all__ = ["_unflatten"]
