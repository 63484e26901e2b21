"""ride_hailing problem: match a day's orders to idle drivers and reposition them, on a grid or regions (a maximisation)."""
