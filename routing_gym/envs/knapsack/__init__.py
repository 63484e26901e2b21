"""knapsack problem: the 0-1 knapsack as a constructive MDP (a maximisation)."""
