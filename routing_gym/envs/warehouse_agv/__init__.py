"""WarehouseAGV: multi-robot path finding on a warehouse grid (one-shot MAPF and lifelong tasks)."""
