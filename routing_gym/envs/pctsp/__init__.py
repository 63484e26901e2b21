"""pctsp problem: the prize-collecting TSP (deterministic, Kool et al. 2019)."""
