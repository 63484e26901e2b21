"""atsp problem: the asymmetric travelling salesman over a cost matrix."""
