"""mtsp problem: several salesmen (vehicles) from one depot, every city visited once."""
