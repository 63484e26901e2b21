"""query_router problem: route a stream of queries to the models of a library under a total budget (a maximisation)."""
