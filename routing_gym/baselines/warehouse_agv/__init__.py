"""Warehouse AGV solvers (imported through ``Problem.baselines`` of ``warehouse_agv``).

- ``astar``: A* over a networkx grid graph per robot, independently; fails (naming the conflict)
  when the independent paths collide (:mod:`routing_gym.baselines.warehouse_agv.planners`).
- ``prioritized``: space-time A* in priority order, with random restarts.
- ``cbs``: conflict-based search, optimal sum of costs.
- ``cpsat``: CP-SAT on the time-expanded graph, optimal sum of costs at small sizes
  (:mod:`routing_gym.baselines.warehouse_agv.exact`).
- ``agv-ppo``: a trained MaskablePPO policy of the centralised env, ``agv-ppo:path=policy.zip``
  (:mod:`routing_gym.baselines.warehouse_agv.ppo`).
- ``mcts`` does not apply: the generic MCTS searches ``Discrete`` actions, and a joint move of
  ``R`` robots is one of ``5 ** R`` (:func:`routing_gym.baselines.mcts.discrete_problems` leaves
  this problem out).
"""

from routing_gym.baselines.warehouse_agv import exact as _exact  # noqa: F401 - registers the cpsat hook
from routing_gym.baselines.warehouse_agv import planners as _planners  # noqa: F401 - registers astar, prioritized, cbs
from routing_gym.baselines.warehouse_agv import ppo as _ppo  # noqa: F401 - registers agv-ppo
