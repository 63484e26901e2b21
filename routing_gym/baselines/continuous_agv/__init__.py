"""Continuous AGV solvers (imported through ``Problem.baselines`` of ``continuous_agv``).

- ``pure-pursuit``: grid A* (networkx) over an inflated occupancy grid and a pure-pursuit controller
  (:mod:`routing_gym.baselines.continuous_agv.pure_pursuit`).
- A trained SB3 ``PPO`` checkpoint plays through ``agent:path=policy.zip``
  (:func:`routing_gym.baselines.sb3_policy.play_policy`); ``benchmarks/continuous_agv_rnd.py --save`` writes one.
- ``mcts`` does not apply: the generic MCTS searches ``Discrete`` actions and these are continuous.
"""

from routing_gym.baselines.continuous_agv import pure_pursuit as _pure_pursuit  # noqa: F401 - registers pure-pursuit
