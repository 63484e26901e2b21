"""tsp problem."""
