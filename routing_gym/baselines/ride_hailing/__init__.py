"""Ride-hailing baselines: ``random``, ``greedy`` (nearest driver), ``matching`` (per-tick maximum-weight
matching, OR-Tools min-cost flow), ``value-matching`` (the same, weights corrected by a TD-learned value
of the destination cell) and ``ride-ppo`` (a MaskablePPO checkpoint); the generic ``mcts`` plays it too."""

from routing_gym.baselines.ride_hailing import solvers  # noqa: F401 - registers the solvers and hooks
