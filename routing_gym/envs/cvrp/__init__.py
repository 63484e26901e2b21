"""cvrp problem."""
