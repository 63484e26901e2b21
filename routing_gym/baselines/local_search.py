"""Transitional aliases: the local searches moved to ``baselines/tsp/`` and ``baselines/cvrp/``.

Only ``routing_gym.baselines.cvrptw`` still imports from here; once it imports the
shared primitives from :mod:`routing_gym.baselines.primitives` (old name -> new name:
``_cv_node`` -> ``route_node``, ``_cv_put`` -> ``copy_run``, ``_push``/``_pop`` ->
``queue_push``/``queue_pop``, ``_push6`` -> ``push_customers``, ``_rand_float``/``_rand_int``/
``_shuffle`` -> ``rand_float``/``rand_int``/``shuffle``, ``cvrp_route_width`` -> ``route_width``),
delete this module.
"""

from routing_gym.baselines.primitives import (
    copy_run as _cv_put,
    improvement_eps,
    is_symmetric,
    make_rng_state,
    neighbour_lists,
    push_customers as _push6,
    queue_pop as _pop,
    queue_push as _push,
    rand_float as _rand_float,
    rand_int as _rand_int,
    route_node as _cv_node,
    route_width as cvrp_route_width,
    shuffle as _shuffle,
)

__all__ = ["_cv_node", "_cv_put", "_pop", "_push", "_push6", "_rand_float", "_rand_int", "_shuffle", "cvrp_route_width",
           "improvement_eps", "is_symmetric", "make_rng_state", "neighbour_lists"]
