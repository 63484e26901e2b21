"""Warehouse AGV solvers (imported through ``Problem.baselines`` of ``warehouse_agv``).

- ``astar``: A* over a networkx grid graph per robot, independently; fails (naming the conflict)
  when the independent paths collide (:mod:`routing_gym.baselines.warehouse_agv.planners`).
- ``prioritized``: space-time A* in priority order, with random restarts.
- ``cbs``: conflict-based search, optimal sum of costs.
- ``cpsat``: CP-SAT on the time-expanded graph, optimal sum of costs at small sizes
  (:mod:`routing_gym.baselines.warehouse_agv.exact`).
- ``agv-ppo``: a trained MaskablePPO policy, ``agv-ppo:path=policy.zip``; it plays the agents'
  shared per-robot policy, so it lives with the agents (:mod:`routing_gym.agents.warehouse_agv_solver`).
- ``mcts``: the generic MCTS, robot by robot, with shortest-path rollouts and prior
  (:mod:`routing_gym.baselines.warehouse_agv.mcts`).
"""

from routing_gym.baselines.warehouse_agv import exact as _exact  # noqa: F401 - registers the cpsat hook
from routing_gym.baselines.warehouse_agv import mcts as _mcts  # noqa: F401 - registers the mcts hook
from routing_gym.baselines.warehouse_agv import planners as _planners  # noqa: F401 - registers astar, prioritized, cbs
