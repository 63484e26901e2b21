"""Solvers for the mTSP (``Problem.baselines`` of ``mtsp``): importing this package registers its hooks."""
