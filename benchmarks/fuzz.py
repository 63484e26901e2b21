"""Random-action fuzz of every registered problem (see :mod:`routing_gym.fuzz` for the invariants).

Prints steps, episodes and invariant violations per problem::

    python benchmarks/fuzz.py --seconds 5 --batch 64
"""

from __future__ import annotations

import argparse

import routing_gym  # noqa: F401 - registers the ids
from routing_gym.fuzz import fuzz
from routing_gym.registry import problems


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0, help="fuzzing time per problem")
    p.add_argument("--batch", type=int, default=64, help="episodes stepped together")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    print(f"{'problem':<14}{'steps':>10}{'episodes':>10}{'violations':>12}")
    total = [0, 0, 0]
    for problem in problems().values():
        s, e, v = fuzz(problem, args.seconds, args.batch, args.seed)
        total = [total[0] + s, total[1] + e, total[2] + v]
        print(f"{problem.name:<14}{s:>10}{e:>10}{v:>12}", flush=True)
    print(f"{'all':<14}{total[0]:>10}{total[1]:>10}{total[2]:>12}")


if __name__ == "__main__":
    main()
