"""PDP solvers (``Problem.baselines`` of ``pdp``): importing this package registers their hooks."""
