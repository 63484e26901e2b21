"""RLlib PPO (new API stack) with action masking on a routing-gym environment.

    pip install 'routing-gym[rllib]'
    python examples/rllib_ppo.py                                        # TSP10, single agent
    python examples/rllib_ppo.py --env routing_gym/Knapsack-v0 --env-kwargs num_items=20
    python examples/rllib_ppo.py --env routing_gym/WarehouseAGV-v0 --env-kwargs num_robots=2 --multi-agent
    python examples/rllib_ppo.py --address auto --env-runners 8         # on a running Ray cluster

The masks are applied inside the RLModule (:class:`routing_gym.rllib.MaskedPPOTorchRLModule`) and
the environments raise on a masked action, so a run that finishes never took one.
"""

from __future__ import annotations

import argparse

import ray

from routing_gym.agents.cli import parse_kv
from routing_gym.rllib import ppo_config


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--env", default="routing_gym/TSP-v0")
    p.add_argument("--env-kwargs", nargs="*", default=["num_nodes=10"], metavar="K=V")
    p.add_argument("--multi-agent", action="store_true", help="train through the PettingZoo view (one shared policy)")
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--batch", type=int, default=2000, help="env steps per iteration")
    p.add_argument("--env-runners", type=int, default=0, help="remote sampling workers (0: in this process)")
    p.add_argument("--address", default=None, help="a Ray cluster (default: a local instance)")
    args = p.parse_args()

    ray.init(address=args.address, include_dashboard=False, logging_level="error")
    config = ppo_config(args.env, parse_kv(args.env_kwargs, "--env-kwargs"), multi_agent=args.multi_agent,
                        num_env_runners=args.env_runners, train_batch_size=args.batch,
                        minibatch_size=min(256, args.batch), num_epochs=6)
    algo = config.build_algo()
    for i in range(args.iterations):
        runners = algo.train()["env_runners"]
        print(f"iteration {i + 1:3d}: mean episode return {runners.get('episode_return_mean', float('nan')):9.4f}, "
              f"env steps {int(runners['num_env_steps_sampled_lifetime'])}")
    algo.stop()
    ray.shutdown()


if __name__ == "__main__":
    main()
