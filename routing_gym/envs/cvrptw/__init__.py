"""cvrptw problem: capacitated vehicle routing with time windows."""
