"""Vertiport-fleet solvers (imported through ``Problem.baselines`` of ``vertiport_fleet``).

- :mod:`.rules`: ``random`` (a uniformly random admitted decision) and ``greedy`` (the decision of
  best immediate profit: fares boarded now minus the flight's cost; waiting earns 0);
- ``mcts``: the generic search plays ``routing_gym/VertiportFleet-v0`` like every ``Discrete`` env.
"""

from routing_gym.baselines.vertiport_fleet import rules as _rules  # noqa: F401 - random and greedy hooks
from routing_gym.baselines.vertiport_fleet import cpsat as _cpsat  # noqa: F401,E402 - cpsat-hindsight, rolling-cpsat
from routing_gym.baselines.vertiport_fleet import ga as _ga  # noqa: F401,E402 - ga
