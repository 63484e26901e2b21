"""Reference solvers (OR-Tools, heuristics, MCTS, LKH-3, HGS) behind one interface."""

from routing_gym.baselines.base import SolveResult, Solver, available_solvers, make_solver, parse_spec, register_solver

__all__ = ["SolveResult", "Solver", "available_solvers", "make_solver", "parse_spec", "register_solver"]
