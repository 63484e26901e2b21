"""``greedy``: a problem's own greedy construction (a hook per problem), then its local search unless ``ls=false``.

Registered by the first problem module that uses it (it is imported through
``Problem.baselines``); a problem adds itself with::

    @GreedySolver.for_problem("op")
    def greedy_op(solver, instance): ...

OP: prize per added length; PCTSP: cheapest added length per prize up to the
minimum prize, then every insertion that saves more penalty than it adds length.
"""

from __future__ import annotations

from routing_gym.baselines.base import register_solver
from routing_gym.baselines.constructions import ConstructionSolver


@register_solver("greedy")
class GreedySolver(ConstructionSolver):
    """The problem's greedy construction, then its local search unless ``ls=false``."""
