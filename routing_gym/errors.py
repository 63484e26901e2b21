"""Exception types of routing-gym.

Every error caused by bad input derives from :class:`RoutingGymError` and names
the offending field and value, so callers never see a bare numpy or vrplib
traceback for a user mistake.
"""

from __future__ import annotations


class RoutingGymError(Exception):
    """Base class of all routing-gym errors."""


class InstanceError(RoutingGymError, ValueError):
    """An instance (built in code or read from a file) is malformed or infeasible."""


class InvalidActionError(RoutingGymError, ValueError):
    """An action lies outside the action space, or is masked with ``invalid_action="raise"``."""


class SolverError(RoutingGymError, RuntimeError):
    """A solver spec is unknown or malformed, or a solver cannot handle a problem."""


class CheckpointError(RoutingGymError, ValueError):
    """A model checkpoint is missing, corrupt, or does not match the network it is loaded into."""


class ConfigError(RoutingGymError, ValueError):
    """A bad argument: an unknown name, a value of the wrong type, out of range or not finite,
    an unwritable output folder, options that do not go together."""
