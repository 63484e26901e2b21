"""pdp problem: pickup-and-delivery pairs with capacity and optional time windows (PDPTW)."""
